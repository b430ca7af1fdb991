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
pub(crate) struct WebhookDestination {
    pub(crate) kind: Kind,
    /// The endpoint (secret: the URL is the credential).
    pub(crate) endpoint: String,
    /// The URL as given, for matching config entries.
    pub(crate) url: String,
    /// A template for generic webhooks, from the config.
    pub(crate) template: Option<String>,
    /// Extra headers for generic webhooks, from the config.
    pub(crate) headers: Vec<(String, String)>,
    /// `Authorization: Basic ...` from a generic webhook URL's `user:password@`
    /// (secret: never displayed; the endpoint holds no credentials).
    pub(crate) basic_auth: Option<String>,
}

impl fmt::Display for WebhookDestination {
    /// Never shows the secret path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = self.url.split("://").next().unwrap_or("webhook");
        // The host alone: a generic webhook's user:password@ is a credential too.
        let host = super::url::split(&self.url).map_or("", |p| p.hostport);
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

impl WebhookDestination {
    pub(crate) fn parse(url: &str) -> Result<WebhookDestination, String> {
        let (scheme, rest) = url.split_once("://").ok_or("not a URL")?;
        let make = |kind, endpoint: String| WebhookDestination {
            kind,
            endpoint,
            url: url.to_string(),
            template: None,
            headers: Vec::new(),
            basic_auth: None,
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
                // The target model's one splitter: user info apart from the host.
                let parts = super::url::split(url)?;
                let host = parts.hostport;
                if host.is_empty() || host.contains(['@', ' ']) {
                    return Err("expected webhook+https://[user:password@]host[:port]/path".into());
                }
                let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
                let tail = &rest[authority.len()..];
                let mut w = make(Kind::Generic, format!("{s}://{host}{tail}"));
                if let Some((user, password)) = parts.user_password()? {
                    use base64::Engine;
                    let pair = format!("{user}:{}", password.unwrap_or_default());
                    w.basic_auth = Some(format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode(pair)
                    ));
                }
                Ok(w)
            }
            other => Err(format!("not a webhook scheme: {other}")),
        }
    }

    /// Points Slack or Discord at another API base (tests, proxies).
    pub(crate) fn with_api_base(mut self, base: &str) -> WebhookDestination {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generic_webhook_takes_basic_credentials_and_never_shows_them() {
        let w = WebhookDestination::parse(
            "webhook+https://ops:p%40ss@hooks.example.net:8443/in?token=t1",
        )
        .unwrap();
        assert_eq!(w.endpoint, "https://hooks.example.net:8443/in?token=t1");
        // base64("ops:p@ss")
        assert_eq!(w.basic_auth.as_deref(), Some("Basic b3BzOnBAc3M="));
        assert_eq!(w.to_string(), "webhook+https://hooks.example.net:8443/***");
        let plain = WebhookDestination::parse("webhook+http://127.0.0.1:9/x").unwrap();
        assert_eq!(plain.basic_auth, None);
        assert_eq!(plain.endpoint, "http://127.0.0.1:9/x");
        for bad in [
            "webhook+https:///x",
            "webhook+https://u:p@/x",
            "webhook+https://a b/x",
        ] {
            assert!(WebhookDestination::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_secret_part_of_each_kind_is_hidden() {
        for (url, shown) in [
            ("slack://T01/B02/secret", "slack://***"),
            ("discord://123/token", "discord://***"),
            (
                "mattermost://chat.example.net/hooks/key",
                "mattermost://chat.example.net/***",
            ),
        ] {
            assert_eq!(WebhookDestination::parse(url).unwrap().to_string(), shown);
        }
    }
}
