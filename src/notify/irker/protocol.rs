//! irker's wire protocol, shared by the daemon and its clients: one JSON
//! object per line, `{"to": URL or [URL...], "privmsg": TEXT}`, plus vext's
//! optional `id` (idempotency key) and `ack` (ask for a one-line reply).
//!
//! A daemon with a shared secret takes signed requests: one line
//! `{"payload": REQUEST_JSON_AS_A_STRING, "ts": UNIX_SECONDS, "nonce": HEX,
//! "sig": HEX}` where `sig` = HMAC-SHA256(secret, ts + "." + nonce + "." + payload).

use serde::Serialize;
use serde_json::Value;

use crate::notify::notice::{Format, MsgType, Word};

/// A `to` entry that was not delivered to, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refused {
    pub(crate) target: String,
    pub(crate) error: String,
}

/// The longest request line the daemon accepts.
pub(crate) const MAX_REQUEST: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) to: Vec<String>,
    pub(crate) privmsg: String,
    pub(crate) id: Option<String>,
    pub(crate) ack: bool,
    /// vext's optional presentation fields.
    pub(crate) title: Option<String>,
    pub(crate) kind: Option<crate::notify::notice::NoticeType>,
    pub(crate) format: Option<Format>,
    pub(crate) msgtype: Option<MsgType>,
    /// Entries of `to` that cannot be targets (irkerd skips them and
    /// delivers to the rest; so does vext, and says which in its ack).
    pub(crate) refused: Vec<Refused>,
}

#[derive(Serialize)]
struct Wire<'a> {
    to: To<'a>,
    privmsg: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    ack: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<crate::notify::notice::NoticeType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<Format>,
    #[serde(skip_serializing_if = "Option::is_none")]
    msgtype: Option<MsgType>,
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
        Request::from_value(json_of(line)?)
    }

    /// The request in a JSON value already parsed.
    pub(crate) fn from_value(value: Value) -> Result<Request, String> {
        let Value::Object(obj) = value else {
            return Err("not a JSON object".into());
        };
        let mut refused = Vec::new();
        let to = match obj.get("to") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => {
                let mut to = Vec::with_capacity(items.len());
                for v in items {
                    match v {
                        Value::String(s) => to.push(s.clone()),
                        other => refused.push(Refused {
                            target: other.to_string(),
                            error: "not a string".into(),
                        }),
                    }
                }
                if to.is_empty() && !refused.is_empty() {
                    return Err(format!(
                        "\"to\" holds no string (only {})",
                        refused
                            .iter()
                            .map(|r| r.target.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                to
            }
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
        let title = match obj.get("title") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => return Err(format!("\"title\" must be a string, not {other}")),
        };
        let kind = match obj.get("type") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(crate::notify::notice::NoticeType::parse(s)?),
            Some(other) => return Err(format!("\"type\" must be a string, not {other}")),
        };
        fn word<W: Word>(
            obj: &serde_json::Map<String, Value>,
            key: &str,
        ) -> Result<Option<W>, String> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if W::parse(s).is_some() => Ok(W::parse(s)),
                Some(other) => Err(format!(
                    "\"{key}\" must be one of {}, not {other}",
                    W::all()
                )),
            }
        }
        let format = word::<Format>(&obj, "format")?;
        let msgtype = word::<MsgType>(&obj, "msgtype")?;
        Ok(Request {
            to,
            privmsg,
            id,
            ack,
            title,
            kind,
            format,
            msgtype,
            refused,
        })
    }

    /// What the request asks to be sent; `id` names the message (Matrix txn ids).
    pub(crate) fn notice(&self, id: Option<String>) -> crate::notify::notice::Notice {
        crate::notify::notice::Notice {
            text: self.privmsg.clone(),
            title: self.title.clone(),
            kind: self.kind,
            format: self.format,
            msgtype: self.msgtype,
            id,
        }
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
            title: self.title.as_deref(),
            kind: self.kind,
            format: self.format,
            msgtype: self.msgtype,
        };
        serde_json::to_string(&wire).unwrap_or_default()
    }
}

/// The daemon's answer to a request with `"ack": true`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reply {
    /// Stored; `refused` lists the targets skipped (when there are any).
    Ok {
        id: String,
        refused: Vec<Refused>,
    },
    Err {
        error: String,
    },
}

impl Reply {
    pub(crate) fn to_line(&self) -> String {
        match self {
            // Written by hand to keep the documented field order (ok first).
            Reply::Ok { id, refused } if refused.is_empty() => {
                format!("{{\"ok\":true,\"id\":{}}}", json_string(id))
            }
            Reply::Ok { id, refused } => {
                let refused: Vec<Value> = refused
                    .iter()
                    .map(|r| serde_json::json!({"target": r.target, "error": r.error}))
                    .collect();
                format!(
                    "{{\"ok\":true,\"id\":{},\"refused\":{}}}",
                    json_string(id),
                    Value::from(refused)
                )
            }
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
                refused: v
                    .get("refused")
                    .and_then(Value::as_array)
                    .map(|items| {
                        items
                            .iter()
                            .map(|r| Refused {
                                target: r["target"].as_str().unwrap_or_default().to_string(),
                                error: r["error"].as_str().unwrap_or_default().to_string(),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
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

/// A line's bytes as JSON (each text is parsed once).
fn json_of(line: &[u8]) -> Result<Value, String> {
    if line.len() > MAX_REQUEST {
        return Err(format!("request longer than {MAX_REQUEST} bytes"));
    }
    let text = std::str::from_utf8(line).map_err(|e| format!("not UTF-8: {e}"))?;
    serde_json::from_str(text.trim()).map_err(|e| format!("not JSON: {e}"))
}

/// A request line as received: plain, or wrapped in a signature.
#[derive(Debug)]
pub(crate) enum Envelope {
    Plain(Request),
    Signed {
        payload: String,
        ts: i64,
        nonce: String,
        sig: String,
        /// The payload as JSON (parsed once, used after the signature checks).
        request: Result<Value, String>,
    },
}

/// A request line read once: whether its sender waits for a reply (asked for
/// even when the request turns out to be bad), and the envelope.
pub(crate) struct Received {
    pub(crate) ack: bool,
    pub(crate) envelope: Result<Envelope, String>,
}

fn asks_ack(v: &Value) -> bool {
    v.get("ack").and_then(Value::as_bool).unwrap_or(false)
}

impl Received {
    pub(crate) fn parse(line: &[u8]) -> Received {
        let value = match json_of(line) {
            Ok(v) => v,
            Err(e) => {
                return Received {
                    ack: false,
                    envelope: Err(e),
                }
            }
        };
        let Some(payload) = value.get("payload") else {
            return Received {
                ack: asks_ack(&value),
                envelope: Request::from_value(value).map(Envelope::Plain),
            };
        };
        let Some(payload) = payload.as_str() else {
            return Received {
                ack: false,
                envelope: Err("\"payload\" must be a string (the request JSON)".into()),
            };
        };
        let request = json_of(payload.as_bytes());
        Received {
            ack: request.as_ref().is_ok_and(asks_ack),
            envelope: Envelope::signed(&value, payload, request),
        }
    }
}

impl Envelope {
    #[cfg(test)]
    pub(crate) fn parse(line: &[u8]) -> Result<Envelope, String> {
        Received::parse(line).envelope
    }

    fn signed(
        value: &Value,
        payload: &str,
        request: Result<Value, String>,
    ) -> Result<Envelope, String> {
        let ts = value
            .get("ts")
            .and_then(Value::as_i64)
            .ok_or("a signed request needs \"ts\" (Unix seconds)")?;
        let nonce = value
            .get("nonce")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty() && n.len() <= 128)
            .ok_or("a signed request needs \"nonce\" (1 to 128 characters)")?
            .to_string();
        let sig = value
            .get("sig")
            .and_then(Value::as_str)
            .ok_or("a signed request needs \"sig\"")?
            .to_string();
        Ok(Envelope::Signed {
            payload: payload.to_string(),
            ts,
            nonce,
            sig,
            request,
        })
    }
}

/// HMAC-SHA256(secret, ts + "." + nonce + "." + payload), hex.
pub(crate) fn signature(secret: &[u8], ts: i64, nonce: &str, payload: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let mut ctx = ring::hmac::Context::with_key(&key);
    ctx.update(format!("{ts}.{nonce}.").as_bytes());
    ctx.update(payload);
    crate::util::hex::hex(ctx.sign().as_ref())
}

/// Checks a signature in constant time.
pub(crate) fn verify(secret: &[u8], ts: i64, nonce: &str, payload: &[u8], sig_hex: &str) -> bool {
    let Some(sig) = crate::util::hex::unhex(sig_hex) else {
        return false;
    };
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let mut msg = format!("{ts}.{nonce}.").into_bytes();
    msg.extend_from_slice(payload);
    ring::hmac::verify(&key, &msg, &sig).is_ok()
}

/// Wraps a request line in a signature (what `vext send --via` does with a secret).
pub(crate) fn sign_line(secret: &[u8], payload: &str, ts: i64) -> String {
    let nonce = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
    let sig = signature(secret, ts, &nonce, payload.as_bytes());
    serde_json::json!({"payload": payload, "ts": ts, "nonce": nonce, "sig": sig}).to_string()
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
    fn signatures_verify_and_tampering_fails() {
        let secret = b"0123456789abcdef-secret";
        let line = sign_line(secret, r#"{"to":"irc://h/c","privmsg":"x"}"#, 1_700_000_000);
        let Ok(Envelope::Signed {
            payload,
            ts,
            nonce,
            sig,
            ..
        }) = Envelope::parse(line.as_bytes())
        else {
            panic!("not a signed envelope: {line}");
        };
        assert!(verify(secret, ts, &nonce, payload.as_bytes(), &sig));
        assert!(!verify(
            b"another secret, longer",
            ts,
            &nonce,
            payload.as_bytes(),
            &sig
        ));
        assert!(!verify(secret, ts + 1, &nonce, payload.as_bytes(), &sig));
        assert!(!verify(secret, ts, &nonce, b"{}", &sig));
        assert!(!verify(secret, ts, &nonce, payload.as_bytes(), "zz"));
        // RFC 4231 test case 2.
        assert_eq!(
            crate::util::hex::hex(
                ring::hmac::sign(
                    &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"Jefe"),
                    b"what do ya want for nothing?"
                )
                .as_ref()
            ),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(matches!(
            Envelope::parse(br#"{"to":"irc://h/c","privmsg":"x"}"#),
            Ok(Envelope::Plain(_))
        ));
        assert!(Envelope::parse(br#"{"payload":"{}","ts":1}"#)
            .unwrap_err()
            .contains("nonce"));
    }

    #[test]
    fn a_bad_request_still_gets_the_reply_it_asked_for() {
        let r = Received::parse(br#"{"to": 5, "privmsg": "x", "ack": true}"#);
        assert!(r.ack);
        assert!(r.envelope.unwrap_err().contains("\"to\""));
        let signed = sign_line(
            b"secret",
            r#"{"to":"irc://h/c","privmsg":"x","ack":true}"#,
            1,
        );
        assert!(Received::parse(signed.as_bytes()).ack);
        assert!(!Received::parse(b"not json").ack);
    }

    #[test]
    fn a_bad_entry_in_to_is_skipped_not_fatal() {
        let r = Request::parse(br#"{"to": ["irc://h/c", 5, null], "privmsg": "x"}"#).unwrap();
        assert_eq!(r.to, ["irc://h/c"]);
        assert_eq!(r.refused.len(), 2);
        assert_eq!(r.refused[0].target, "5");
        assert!(Request::parse(br#"{"to": [5], "privmsg": "x"}"#).is_err());
        let reply = Reply::Ok {
            id: "i".into(),
            refused: r.refused.clone(),
        };
        assert_eq!(Reply::parse(&reply.to_line()).unwrap(), reply);
    }

    #[test]
    fn round_trips() {
        let r = Request {
            to: vec!["irc://h/c".into()],
            privmsg: "a \"quoted\"\nline".into(),
            id: Some("abc".into()),
            ack: true,
            title: None,
            kind: None,
            format: None,
            msgtype: None,
            refused: vec![],
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
            Reply::parse(
                &Reply::Ok {
                    id: "x".into(),
                    refused: vec![]
                }
                .to_line()
            )
            .unwrap(),
            Reply::Ok {
                id: "x".into(),
                refused: vec![]
            }
        );
        assert!(matches!(
            Reply::parse(r#"{"ok":false,"error":"e"}"#),
            Ok(Reply::Err { .. })
        ));
        assert_eq!(
            Reply::Ok {
                id: "a\"b".into(),
                refused: vec![]
            }
            .to_line(),
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
