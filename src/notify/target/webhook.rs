//! Webhook targets: Slack (`slack://T/B/X`), Discord (`discord://ID/TOKEN`),
//! Mattermost (`mattermost[s]://host/hooks/KEY`) and any JSON endpoint
//! (`webhook+https://host/path`). The URL is the credential: `Display`
//! never shows the secret part.

use std::fmt;

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
}
