//! Chat webhooks as targets: Slack (`slack://T/B/X`), Discord
//! (`discord://ID/TOKEN`), Mattermost (`mattermost[s]://host/hooks/KEY`) and
//! any JSON endpoint (`webhook+https://host/path`). Each renders the title
//! and type its own way; `Retry-After` is honoured; Discord's 404 means the
//! webhook is gone.

use std::time::{Duration, Instant, SystemTime};

use crate::exit::Code;
use crate::net::backoff::Backoff;
use crate::notify::destination::{WebhookDestination, WebhookKind as Kind};
use crate::notify::error::DeliveryError;
use crate::notify::notice::Notice;

impl WebhookDestination {
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

    /// Posts the notice, retrying on 429/5xx (honouring a Retry-After longer
    /// than our own backoff) until `deadline`, at most five times.
    pub(crate) fn deliver(
        &self,
        agent: &crate::net::tls::Agents,
        n: &Notice,
        deadline: Instant,
    ) -> Result<(), DeliveryError> {
        let body = self.body(n);
        let mut attempt = 0u32;
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        loop {
            attempt += 1;
            let result = agent.run(&self.endpoint, |agent| {
                let mut req = agent
                    .post(&self.endpoint)
                    .header("Content-Type", "application/json");
                if let Some(auth) = &self.basic_auth {
                    req = req.header("Authorization", auth);
                }
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
                        .and_then(crate::net::retry_after::retry_after);
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
                        message: crate::net::tls::explained(format!("{e}")),
                    });
                }
                Err(e) => {
                    let err = DeliveryError::temporary(Code::TempFail, format!("{e}"));
                    let wait = backoff.next();
                    if Instant::now() + wait >= deadline || attempt >= 3 {
                        return Err(err);
                    }
                    std::thread::sleep(wait);
                    continue;
                }
            };
            let short: String = text.chars().take(200).collect();
            match status {
                200..=299 => return Ok(()),
                429 | 500..=599 => {
                    let wait = backoff.after(retry_after);
                    if attempt >= 5 || Instant::now() + wait >= deadline {
                        return Err(DeliveryError::temporary(
                            Code::TempFail,
                            format!("{status} {short}"),
                        ));
                    }
                    std::thread::sleep(wait);
                }
                404 if self.kind == Kind::Discord => {
                    return Err(DeliveryError {
                        code: Code::Unavailable,
                        permanent: true,
                        message: "the webhook is gone (404)".to_string(),
                    });
                }
                401 | 403 => {
                    return Err(DeliveryError {
                        code: Code::NoPerm,
                        permanent: true,
                        message: format!("{status} {short}"),
                    });
                }
                _ => {
                    return Err(DeliveryError {
                        code: Code::Unavailable,
                        permanent: true,
                        message: format!("{status} {short}"),
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
        let s = WebhookDestination::parse("slack://T000/B000/XXXX").unwrap();
        assert_eq!(
            s.endpoint,
            "https://hooks.slack.com/services/T000/B000/XXXX"
        );
        assert_eq!(s.to_string(), "slack://***");
        let d = WebhookDestination::parse("discord://1234/tok-en")
            .unwrap()
            .with_api_base("http://127.0.0.1:9/");
        assert_eq!(d.endpoint, "http://127.0.0.1:9/api/webhooks/1234/tok-en");
        assert_eq!(
            WebhookDestination::parse("mattermosts://chat.example.org/hooks/abc")
                .unwrap()
                .endpoint,
            "https://chat.example.org/hooks/abc"
        );
        assert_eq!(
            WebhookDestination::parse("webhook+http://127.0.0.1:8080/in")
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
            assert!(WebhookDestination::parse(bad).is_err(), "{bad}");
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
            serde_json::from_str(&WebhookDestination::parse("slack://T/B/X").unwrap().body(&n))
                .unwrap();
        assert_eq!(s["text"], "deploy \"done\"");
        assert_eq!(s["attachments"][0]["color"], "danger");
        let d: serde_json::Value =
            serde_json::from_str(&WebhookDestination::parse("discord://1/t").unwrap().body(&n))
                .unwrap();
        assert_eq!(d["embeds"][0]["title"], "web-1");
        let mut g = WebhookDestination::parse("webhook+https://h/p").unwrap();
        g.template = Some("{\"msg\":\"{title}: {body}\",\"level\":\"{type}\"}".into());
        let v: serde_json::Value = serde_json::from_str(&g.body(&n)).unwrap();
        assert_eq!(v["msg"], "web-1: deploy \"done\"");
        assert_eq!(v["level"], "failure");
    }
}
