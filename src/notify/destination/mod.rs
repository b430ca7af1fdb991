//! Destinations: the target URLs users write, parsed once, at the edge, into
//! typed values, one file per scheme family. Back-ends take these types; they never parse
//! URLs themselves.

mod irc;
mod matrix;
pub(crate) mod pattern;
pub(crate) mod url;
mod webhook;

use std::fmt;

pub(crate) use irc::{IrcDestination, IrcServer, Recipient};
pub(crate) use matrix::{default_port as matrix_default_port, MatrixDestination};
pub(crate) use webhook::{Kind as WebhookKind, WebhookDestination};

/// A parsed notification target.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Destination {
    Irc(IrcDestination),
    Webhook(WebhookDestination),
    Matrix(MatrixDestination),
}

impl Destination {
    /// Parses a target URL. The error names what is wrong; callers add the URL.
    pub(crate) fn parse(url: &str) -> Result<Destination, String> {
        let (scheme, _) = url
            .split_once("://")
            .ok_or_else(|| "not a URL (expected scheme://...)".to_string())?;
        match scheme.to_ascii_lowercase().as_str() {
            "irc" | "ircs" => IrcDestination::parse(url).map(Destination::Irc),
            "slack" | "discord" | "mattermost" | "mattermosts" | "webhook+http"
            | "webhook+https" => WebhookDestination::parse(url).map(Destination::Webhook),
            "matrix" | "matrixs" => MatrixDestination::parse(url).map(Destination::Matrix),
            other => Err(format!(
                "unknown scheme {other:?} (expected irc, ircs, matrix, matrixs, slack, discord, mattermost, mattermosts, webhook+http, webhook+https)"
            )),
        }
    }
}

/// The metrics label of a target URL that may not parse: taken from its
/// scheme, so a bad Matrix or webhook target is not counted as IRC.
pub(crate) fn kind_of_url(url: &str) -> &'static str {
    let scheme = url.split_once("://").map_or("", |(s, _)| s);
    match scheme.to_ascii_lowercase().as_str() {
        "irc" | "ircs" => "irc",
        "matrix" | "matrixs" => "matrix",
        "slack" => "slack",
        "discord" => "discord",
        "mattermost" | "mattermosts" => "mattermost",
        "webhook+http" | "webhook+https" => "webhook",
        _ => "unknown",
    }
}

impl Destination {
    /// The metrics label for this kind of target.
    pub(crate) fn kind_label(&self) -> &'static str {
        match self {
            Destination::Irc(_) => "irc",
            Destination::Webhook(w) => w.kind_label(),
            Destination::Matrix(_) => "matrix",
        }
    }
}

impl Destination {
    /// The share of the delivery layer this target waits in: its IRC
    /// server, homeserver or webhook host. Stored in the spool and shown,
    /// so it never holds a secret.
    pub(crate) fn route(&self) -> String {
        match self {
            Destination::Irc(t) => t.server.to_string(),
            Destination::Matrix(m) => {
                let scheme = if m.tls { "matrixs" } else { "matrix" };
                match m.port {
                    Some(port) => format!("{scheme}://{}:{port}", m.host),
                    None => format!("{scheme}://{}", m.host),
                }
            }
            Destination::Webhook(w) => match url::split(&w.endpoint) {
                Ok(p) => format!("{}://{}", p.scheme, p.hostport),
                Err(_) => w.to_string(),
            },
        }
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Irc(t) => t.fmt(f),
            Destination::Webhook(w) => w.fmt(f),
            Destination::Matrix(m) => m.fmt(f),
        }
    }
}

/// A target URL safe to show in logs, history, errors and `config show`:
/// the password and query (channel key) of any URL are masked, and a webhook
/// URL (the URL is the credential) shows only its scheme and host, as the
/// target's own `Display` does. One function for every place a URL is shown.
pub(crate) fn redacted(url: &str) -> String {
    if let Ok(Destination::Webhook(w)) = Destination::parse(url) {
        return w.to_string();
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..end];
    let shown = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    let mut path = rest[end..].to_string();
    if let Some(q) = path.find('?') {
        path.replace_range(q.., "?key=***");
    }
    format!("{scheme}://{shown}{path}")
}
