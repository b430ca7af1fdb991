//! irker's wire protocol, shared by the daemon and its clients: one JSON
//! object per line, `{"to": URL or [URL...], "privmsg": TEXT}`, plus vext's
//! optional `id` (idempotency key) and `ack` (ask for a one-line reply).

use serde::Serialize;
use serde_json::Value;

/// The longest request line the daemon accepts.
pub(crate) const MAX_REQUEST: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) to: Vec<String>,
    pub(crate) privmsg: String,
    pub(crate) id: Option<String>,
    pub(crate) ack: bool,
}

#[derive(Serialize)]
struct Wire<'a> {
    to: To<'a>,
    privmsg: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    ack: bool,
}

#[derive(Serialize)]
#[serde(untagged)]
enum To<'a> {
    One(&'a str),
    Many(&'a [String]),
}

impl Request {
    /// Parses one request line. The error says what is wrong with it.
    pub(crate) fn parse(line: &[u8]) -> Result<Request, String> {
        if line.len() > MAX_REQUEST {
            return Err(format!("request longer than {MAX_REQUEST} bytes"));
        }
        let text = std::str::from_utf8(line).map_err(|e| format!("not UTF-8: {e}"))?;
        let value: Value =
            serde_json::from_str(text.trim()).map_err(|e| format!("not JSON: {e}"))?;
        let Value::Object(obj) = value else {
            return Err("not a JSON object".into());
        };
        let to = match obj.get("to") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(format!("\"to\" holds a non-string: {other}")),
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(other) => return Err(format!("\"to\" must be a string or a list, not {other}")),
            None => return Err("missing \"to\"".into()),
        };
        if to.is_empty() {
            return Err("\"to\" is an empty list".into());
        }
        let privmsg = match obj.get("privmsg") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => return Err(format!("\"privmsg\" must be a string, not {other}")),
            None => return Err("missing \"privmsg\"".into()),
        };
        let id = match obj.get("id") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 200 => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(other) => {
                return Err(format!(
                    "\"id\" must be a string of 1 to 200 bytes, not {other}"
                ))
            }
        };
        let ack = match obj.get("ack") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(format!("\"ack\" must be true or false, not {other}")),
        };
        Ok(Request {
            to,
            privmsg,
            id,
            ack,
        })
    }

    /// The request as one JSON line (without the newline).
    pub(crate) fn to_line(&self) -> String {
        let to = match self.to.as_slice() {
            [one] => To::One(one),
            many => To::Many(many),
        };
        let wire = Wire {
            to,
            privmsg: &self.privmsg,
            id: self.id.as_deref(),
            ack: self.ack,
        };
        serde_json::to_string(&wire).unwrap_or_default()
    }
}

/// The daemon's answer to a request with `"ack": true`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reply {
    Ok { id: String },
    Err { error: String },
}

impl Reply {
    pub(crate) fn to_line(&self) -> String {
        match self {
            // Written by hand to keep the documented field order (ok first).
            Reply::Ok { id } => format!("{{\"ok\":true,\"id\":{}}}", json_string(id)),
            Reply::Err { error } => format!("{{\"ok\":false,\"error\":{}}}", json_string(error)),
        }
    }

    pub(crate) fn parse(line: &str) -> Result<Reply, String> {
        let v: Value = serde_json::from_str(line.trim()).map_err(|e| format!("not JSON: {e}"))?;
        match v.get("ok") {
            Some(Value::Bool(true)) => Ok(Reply::Ok {
                id: v
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            }),
            Some(Value::Bool(false)) => Ok(Reply::Err {
                error: v
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or("unspecified error")
                    .to_string(),
            }),
            _ => Err(format!("no \"ok\" field in {line:?}")),
        }
    }
}

fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// A fresh request id: 16 random hex digits.
pub(crate) fn new_id() -> String {
    format!("{:016x}", fastrand::u64(..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_irker_requests() {
        let r = Request::parse(br#"{"to": "irc://h/c", "privmsg": "hi"}"#).unwrap();
        assert_eq!(r.to, ["irc://h/c"]);
        assert_eq!(r.privmsg, "hi");
        assert!(!r.ack && r.id.is_none());
        let r = Request::parse(
            br#"{"to":["irc://h/a","irc://h/b"],"privmsg":"x","id":"7","ack":true,"extra":1}"#,
        )
        .unwrap();
        assert_eq!(r.to.len(), 2);
        assert_eq!(r.id.as_deref(), Some("7"));
        assert!(r.ack);
    }

    #[test]
    fn bad_requests_say_why() {
        let cases: [(&[u8], &str); 8] = [
            (b"nope", "not JSON"),
            (b"[1]", "object"),
            (br#"{"privmsg":"x"}"#, "missing \"to\""),
            (br#"{"to":5,"privmsg":"x"}"#, "\"to\""),
            (br#"{"to":[],"privmsg":"x"}"#, "empty"),
            (br#"{"to":"irc://h/c"}"#, "privmsg"),
            (br#"{"to":"irc://h/c","privmsg":3}"#, "privmsg"),
            (b"{\"to\":\"\xff\",\"privmsg\":\"x\"}", "UTF-8"),
        ];
        for (line, want) in cases {
            let err = Request::parse(line).unwrap_err();
            assert!(err.contains(want), "{err} should mention {want}");
        }
        assert!(Request::parse(&vec![b' '; MAX_REQUEST + 1])
            .unwrap_err()
            .contains("longer"));
    }

    #[test]
    fn round_trips() {
        let r = Request {
            to: vec!["irc://h/c".into()],
            privmsg: "a \"quoted\"\nline".into(),
            id: Some("abc".into()),
            ack: true,
        };
        let line = r.to_line();
        assert_eq!(
            line,
            r#"{"to":"irc://h/c","privmsg":"a \"quoted\"\nline","id":"abc","ack":true}"#
        );
        assert_eq!(Request::parse(line.as_bytes()).unwrap(), r);
        let plain = Request {
            id: None,
            ack: false,
            ..r
        };
        assert_eq!(
            plain.to_line(),
            r#"{"to":"irc://h/c","privmsg":"a \"quoted\"\nline"}"#
        );
        assert_eq!(
            Reply::parse(&Reply::Ok { id: "x".into() }.to_line()).unwrap(),
            Reply::Ok { id: "x".into() }
        );
        assert!(matches!(
            Reply::parse(r#"{"ok":false,"error":"e"}"#),
            Ok(Reply::Err { .. })
        ));
        assert_eq!(
            Reply::Ok { id: "a\"b".into() }.to_line(),
            r#"{"ok":true,"id":"a\"b"}"#
        );
        assert_eq!(
            Reply::Err {
                error: "bad".into()
            }
            .to_line(),
            r#"{"ok":false,"error":"bad"}"#
        );
    }
}
