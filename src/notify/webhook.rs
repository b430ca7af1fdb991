//! Chat webhooks as targets: Slack (`slack://T/B/X`), Discord
//! (`discord://ID/TOKEN`), Mattermost (`mattermost[s]://host/hooks/KEY`) and
//! any JSON endpoint (`webhook+https://host/path`). Each renders the title
//! and type its own way; `Retry-After` is honoured; Discord's 404 means the
//! webhook is gone.

use std::fmt;
use std::time::{Duration, Instant, SystemTime};

use crate::exit::Code;
use crate::notify::irc::DeliveryError;
use crate::notify::notice::Notice;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Slack,
    Discord,
    Mattermost,
    Generic,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct WebhookTarget {
    pub(crate) kind: Kind,
    /// The endpoint (secret: the URL is the credential).
    pub(crate) endpoint: String,
    /// The URL as given, for matching config entries.
    pub(crate) url: String,
    /// A template for generic webhooks, from the config.
    pub(crate) template: Option<String>,
    /// Extra headers for generic webhooks, from the config.
    pub(crate) headers: Vec<(String, String)>,
}

impl fmt::Display for WebhookTarget {
    /// Never shows the secret path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = self.url.split("://").next().unwrap_or("webhook");
        let host = self
            .url
            .split("://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or("");
        match self.kind {
            Kind::Slack | Kind::Discord => write!(f, "{scheme}://***"),
            _ => write!(f, "{scheme}://{host}/***"),
        }
    }
}

fn path_ok(p: &str) -> bool {
    !p.is_empty()
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./~%".contains(c))
}

impl WebhookTarget {
    pub(crate) fn parse(url: &str) -> Result<WebhookTarget, String> {
        let (scheme, rest) = url.split_once("://").ok_or("not a URL")?;
        let make = |kind, endpoint: String| WebhookTarget {
            kind,
            endpoint,
            url: url.to_string(),
            template: None,
            headers: Vec::new(),
        };
        match scheme.to_ascii_lowercase().as_str() {
            "slack" => {
                let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
                if parts.len() != 3 || !parts.iter().all(|p| path_ok(p)) {
                    return Err("expected slack://TXXXX/BXXXX/SECRET (the three parts of the incoming webhook URL)".into());
                }
                Ok(make(
                    Kind::Slack,
                    format!("https://hooks.slack.com/services/{}", parts.join("/")),
                ))
            }
            "discord" => {
                let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
                if parts.len() != 2
                    || !parts[0].chars().all(|c| c.is_ascii_digit())
                    || !path_ok(parts[1])
                {
                    return Err("expected discord://WEBHOOK_ID/TOKEN".into());
                }
                Ok(make(
                    Kind::Discord,
                    format!("https://discord.com/api/webhooks/{}/{}", parts[0], parts[1]),
                ))
            }
            "mattermost" | "mattermosts" => {
                let (host, path) = rest
                    .split_once('/')
                    .ok_or("expected mattermost://host[:port]/hooks/KEY")?;
                if host.is_empty() || !path.starts_with("hooks/") || !path_ok(path) {
                    return Err("expected mattermost://host[:port]/hooks/KEY".into());
                }
                let s = if scheme.eq_ignore_ascii_case("mattermosts") {
                    "https"
                } else {
                    "http"
                };
                Ok(make(Kind::Mattermost, format!("{s}://{host}/{path}")))
            }
            "webhook+http" | "webhook+https" => {
                let s = &scheme["webhook+".len()..];
                let host = rest.split('/').next().unwrap_or("");
                if host.is_empty() || host.contains(['@', ' ']) {
                    return Err("expected webhook+https://host[:port]/path".into());
                }
                Ok(make(Kind::Generic, format!("{s}://{rest}")))
            }
            other => Err(format!("not a webhook scheme: {other}")),
        }
    }

    /// Points Slack or Discord at another API base (tests, proxies).
    pub(crate) fn with_api_base(mut self, base: &str) -> WebhookTarget {
        let base = base.trim_end_matches('/');
        for prefix in ["https://hooks.slack.com", "https://discord.com"] {
            if let Some(rest) = self.endpoint.strip_prefix(prefix) {
                self.endpoint = format!("{base}{rest}");
            }
        }
        self
    }

    pub(crate) fn kind_label(&self) -> &'static str {
        match self.kind {
            Kind::Slack => "slack",
            Kind::Discord => "discord",
            Kind::Mattermost => "mattermost",
            Kind::Generic => "webhook",
        }
    }

    /// The JSON body for this kind of endpoint.
    pub(crate) fn body(&self, n: &Notice) -> String {
        let color_hex = n.kind.map(|k| k.color_hex());
        match self.kind {
            Kind::Slack => {
                let mut v = serde_json::json!({ "text": n.text });
                if n.title.is_some() || n.kind.is_some() {
                    let mut a = serde_json::json!({ "text": n.text, "fallback": n.text });
                    if let Some(t) = &n.title {
                        a["title"] = t.clone().into();
                    }
                    if let Some(c) = color_hex {
                        a["color"] = c.into();
                    }
                    v["attachments"] = serde_json::json!([a]);
                }
                v.to_string()
            }
            Kind::Discord => {
                let mut v = serde_json::json!({ "content": n.text });
                if n.title.is_some() || n.kind.is_some() {
                    let mut e = serde_json::json!({});
                    if let Some(t) = &n.title {
                        e["title"] = t.clone().into();
                    }
                    if let Some(k) = n.kind {
                        e["color"] = k.color_int().into();
                        e["footer"] = serde_json::json!({"text": k.as_str()});
                    }
                    v["embeds"] = serde_json::json!([e]);
                }
                v.to_string()
            }
            Kind::Mattermost => {
                let text = match &n.title {
                    Some(t) => format!("**{t}**\n{}", n.text),
                    None => n.text.clone(),
                };
                serde_json::json!({ "text": text }).to_string()
            }
            Kind::Generic => {
                let time = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
                let kind = n.kind.map_or("info", |k| k.as_str());
                match &self.template {
                    Some(t) => {
                        let esc = |s: &str| {
                            let q = serde_json::Value::from(s).to_string();
                            q[1..q.len() - 1].to_string()
                        };
                        t.replace("{title}", &esc(n.title.as_deref().unwrap_or("")))
                            .replace("{body}", &esc(&n.text))
                            .replace("{type}", &esc(kind))
                            .replace("{time}", &esc(&time))
                    }
                    None => serde_json::json!({"title": n.title, "body": n.text, "type": kind, "time": time}).to_string(),
                }
            }
        }
    }

    /// Posts the notice, retrying on 429/5xx (honouring Retry-After) until `deadline`.
    pub(crate) fn deliver(
        &self,
        agent: &crate::net::tls::Agents,
        n: &Notice,
        deadline: Instant,
    ) -> Result<(), DeliveryError> {
        let body = self.body(n);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let result = agent.run(&self.endpoint, |agent| {
                let mut req = agent
                    .post(&self.endpoint)
                    .header("Content-Type", "application/json");
                for (k, v) in &self.headers {
                    req = req.header(k, v);
                }
                req.send(body.as_bytes())
            });
            let (status, retry_after, text) = match result {
                Ok(mut r) => {
                    let ra = r
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<f64>().ok());
                    let text = r
                        .body_mut()
                        .with_config()
                        .limit(64 * 1024)
                        .read_to_string()
                        .unwrap_or_default();
                    (r.status().as_u16(), ra, text)
                }
                Err(e) if crate::net::tls::is_tls_error(&e) => {
                    return Err(DeliveryError {
                        code: Code::NoPerm,
                        permanent: true,
                        message: format!("{self}: {e}"),
                    });
                }
                Err(e) => {
                    let err = DeliveryError::temporary(Code::TempFail, format!("{self}: {e}"));
                    if Instant::now() + Duration::from_secs(1) >= deadline || attempt >= 3 {
                        return Err(err);
                    }
                    std::thread::sleep(Duration::from_secs(1));
                    continue;
                }
            };
            let short: String = text.chars().take(200).collect();
            match status {
                200..=299 => return Ok(()),
                429 | 500..=599 => {
                    let wait = Duration::from_secs_f64(
                        retry_after
                            .unwrap_or(f64::from(1u32 << attempt.min(5)))
                            .clamp(0.0, 300.0),
                    );
                    if attempt >= 5 || Instant::now() + wait >= deadline {
                        return Err(DeliveryError::temporary(
                            Code::TempFail,
                            format!("{self}: {status} {short}"),
                        ));
                    }
                    std::thread::sleep(wait);
                }
                404 if self.kind == Kind::Discord => {
                    return Err(DeliveryError {
                        code: Code::Unavailable,
                        permanent: true,
                        message: format!("{self}: the webhook is gone (404)"),
                    });
                }
                401 | 403 => {
                    return Err(DeliveryError {
                        code: Code::NoPerm,
                        permanent: true,
                        message: format!("{self}: {status} {short}"),
                    });
                }
                _ => {
                    return Err(DeliveryError {
                        code: Code::Unavailable,
                        permanent: true,
                        message: format!("{self}: {status} {short}"),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::notice::NoticeType;

    #[test]
    fn urls() {
        let s = WebhookTarget::parse("slack://T000/B000/XXXX").unwrap();
        assert_eq!(
            s.endpoint,
            "https://hooks.slack.com/services/T000/B000/XXXX"
        );
        assert_eq!(s.to_string(), "slack://***");
        let d = WebhookTarget::parse("discord://1234/tok-en")
            .unwrap()
            .with_api_base("http://127.0.0.1:9/");
        assert_eq!(d.endpoint, "http://127.0.0.1:9/api/webhooks/1234/tok-en");
        assert_eq!(
            WebhookTarget::parse("mattermosts://chat.example.org/hooks/abc")
                .unwrap()
                .endpoint,
            "https://chat.example.org/hooks/abc"
        );
        assert_eq!(
            WebhookTarget::parse("webhook+http://127.0.0.1:8080/in")
                .unwrap()
                .endpoint,
            "http://127.0.0.1:8080/in"
        );
        for bad in [
            "slack://T/B",
            "discord://abc/x",
            "mattermost://h/x",
            "webhook+https:///x",
            "slack://T/B/x y",
        ] {
            assert!(WebhookTarget::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bodies() {
        let n = Notice {
            text: "deploy \"done\"".into(),
            title: Some("web-1".into()),
            kind: Some(NoticeType::Failure),
            ..Notice::default()
        };
        let s: serde_json::Value =
            serde_json::from_str(&WebhookTarget::parse("slack://T/B/X").unwrap().body(&n)).unwrap();
        assert_eq!(s["text"], "deploy \"done\"");
        assert_eq!(s["attachments"][0]["color"], "danger");
        let d: serde_json::Value =
            serde_json::from_str(&WebhookTarget::parse("discord://1/t").unwrap().body(&n)).unwrap();
        assert_eq!(d["embeds"][0]["title"], "web-1");
        let mut g = WebhookTarget::parse("webhook+https://h/p").unwrap();
        g.template = Some("{\"msg\":\"{title}: {body}\",\"level\":\"{type}\"}".into());
        let v: serde_json::Value = serde_json::from_str(&g.body(&n)).unwrap();
        assert_eq!(v["msg"], "web-1: deploy \"done\"");
        assert_eq!(v["level"], "failure");
    }
}
