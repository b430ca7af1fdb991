//! `--allow-target` patterns, matched against the parsed destination, not
//! its text: the scheme, the host the delivery will connect to (taken from
//! the authority, after any user part), the port when it is not the
//! scheme's default, and the channel, room or path. A `*` in the host
//! matches whole labels only, so `irc://*.libera.chat/*` cannot be walked
//! around with `irc://EVIL/x.libera.chat/y`, and a user part never counts.

use super::url::{host_port, split};
use super::Destination;
use crate::util::glob::glob;

/// One parsed pattern: `scheme://host[:port]/path`.
#[derive(Debug, Clone)]
pub(crate) struct TargetPattern {
    text: String,
    scheme: String,
    host: HostPattern,
    /// None: the scheme's default port; `Some(None)`: any port.
    port: Option<Option<u16>>,
    path: String,
}

#[derive(Debug, Clone)]
enum HostPattern {
    /// `*`: any host, on any port.
    Any,
    /// Labels, lower case; a leading `*` label stands for one or more labels,
    /// a `*` inside a label for any run of characters within that label.
    Labels(Vec<String>),
}

/// A destination as patterns see it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Canon {
    pub(crate) scheme: String,
    pub(crate) host: String,
    /// None when it is the scheme's default.
    pub(crate) port: Option<u16>,
    pub(crate) path: String,
}

impl std::fmt::Display for Canon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        write!(f, "{}://{host}", self.scheme)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "/{}", self.path)
    }
}

impl TargetPattern {
    pub(crate) fn parse(text: &str) -> Result<TargetPattern, String> {
        let bad = |why: &str| format!("--allow-target {text:?}: {why}");
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| bad("expected scheme://host/path, e.g. 'irc://irc.libera.chat/*'"))?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, "*"));
        if authority.contains('@') {
            return Err(bad("a pattern has no user part (user parts never count)"));
        }
        if authority == "*" {
            return Ok(TargetPattern {
                text: text.to_string(),
                scheme: scheme.to_ascii_lowercase(),
                host: HostPattern::Any,
                port: Some(None),
                path: path.to_string(),
            });
        }
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (h, after) = v6.split_once(']').ok_or_else(|| bad("unterminated '['"))?;
                (h, after.strip_prefix(':'))
            }
            None => match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            },
        };
        let port = match port {
            None => None,
            Some("*") => Some(None),
            Some(p) => Some(Some(
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| bad(&format!("bad port {p:?}")))?,
            )),
        };
        let labels: Vec<String> = host
            .to_ascii_lowercase()
            .split('.')
            .map(String::from)
            .collect();
        if labels.iter().any(String::is_empty) {
            return Err(bad("empty label in the host"));
        }
        if labels.iter().skip(1).any(|l| l == "*") {
            return Err(bad("a '*' label may only lead the host ('*.example.org')"));
        }
        Ok(TargetPattern {
            text: text.to_string(),
            scheme: scheme.to_ascii_lowercase(),
            host: HostPattern::Labels(labels),
            port,
            path: path.to_string(),
        })
    }

    pub(crate) fn matches(&self, c: &Canon) -> bool {
        if !glob(&self.scheme, &c.scheme) || !glob(&self.path, &c.path) {
            return false;
        }
        let port_ok = match self.port {
            None => c.port.is_none(),
            Some(None) => true,
            Some(Some(p)) => c.port == Some(p),
        };
        port_ok
            && match &self.host {
                HostPattern::Any => true,
                HostPattern::Labels(p) => labels_match(p, &c.host),
            }
    }
}

impl std::fmt::Display for TargetPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

fn labels_match(pattern: &[String], host: &str) -> bool {
    let host: Vec<&str> = host.split('.').collect();
    let exact =
        |p: &[String], h: &[&str]| p.len() == h.len() && p.iter().zip(h).all(|(p, h)| glob(p, h));
    match pattern.split_first() {
        Some((first, rest)) if first == "*" => {
            host.len() > rest.len() && exact(rest, &host[host.len() - rest.len()..])
        }
        _ => exact(pattern, &host),
    }
}

/// The destination as patterns match it, or why it cannot be matched.
pub(crate) fn canonical(t: &Destination) -> Result<Canon, String> {
    let non_default = |port: u16, default: u16| (port != default).then_some(port);
    match t {
        Destination::Irc(irc) => {
            let s = &irc.server;
            let name = if irc.recipient.is_nick {
                format!("{},isnick", irc.recipient.name)
            } else {
                irc.recipient.name.clone()
            };
            Ok(Canon {
                scheme: if s.tls { "ircs" } else { "irc" }.into(),
                host: s.host.to_ascii_lowercase(),
                port: non_default(s.port, if s.tls { 6697 } else { 6667 }),
                path: name,
            })
        }
        Destination::Matrix(m) => {
            if let Some(u) = &m.user {
                if u.contains(['/', '@', ':', '%']) {
                    return Err(format!(
                        "the user part {u:?} holds '/', '@', ':' or '%': give the localpart only"
                    ));
                }
            }
            Ok(Canon {
                scheme: if m.tls { "matrixs" } else { "matrix" }.into(),
                host: m.host.to_ascii_lowercase(),
                port: non_default(
                    m.port_or_default(),
                    crate::notify::destination::matrix_default_port(m.tls),
                ),
                path: m.room.clone(),
            })
        }
        Destination::Webhook(w) => {
            let parts = split(&w.url)?;
            let (host, port) = host_port(parts.hostport)?;
            let default = match parts.scheme.as_str() {
                "webhook+http" | "mattermost" => 80,
                _ => 443,
            };
            let mut path = parts.path.to_string();
            if let Some(q) = parts.query {
                path = format!("{path}?{q}");
            }
            Ok(Canon {
                scheme: parts.scheme,
                host,
                port: port.and_then(|p| non_default(p, default)),
                path,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(pattern: &str, url: &str) -> bool {
        let p = TargetPattern::parse(pattern).unwrap();
        Destination::parse(url)
            .ok()
            .and_then(|d| canonical(&d).ok())
            .is_some_and(|c| p.matches(&c))
    }

    #[test]
    fn canonical_targets() {
        let t = Destination::parse("irc://bot:pw@Irc.Example.net:6667/ops?key=k").unwrap();
        assert_eq!(
            canonical(&t).unwrap().to_string(),
            "irc://irc.example.net/#ops"
        );
        let t = Destination::parse("ircs://h:7000/alice,isnick").unwrap();
        assert_eq!(
            canonical(&t).unwrap().to_string(),
            "ircs://h:7000/alice,isnick"
        );
    }

    #[test]
    fn patterns_match_the_parsed_host_by_whole_labels() {
        let p = "irc://*.libera.chat/*";
        assert!(allowed(p, "irc://irc.libera.chat/#ops"));
        assert!(allowed(p, "irc://a.b.libera.chat/#ops"));
        assert!(!allowed(p, "irc://libera.chat/#ops"), "'*.' needs a label");
        assert!(!allowed(p, "irc://EVIL/x.libera.chat/y"));
        assert!(!allowed(p, "irc://evil-libera.chat/#ops"));
        assert!(
            !allowed(p, "irc://irc.libera.chat:7000/#ops"),
            "not the default port"
        );
        assert!(allowed(
            "irc://irc.libera.chat:*/*",
            "irc://irc.libera.chat:7000/#ops"
        ));
        assert!(allowed("irc://*/#ops", "irc://a.b:7000/#ops"));
        assert!(!allowed("irc://*/#ops", "irc://a.b/#opsx"));
        let w = "webhook+http://*.example.org/*";
        assert!(allowed(w, "webhook+http://hooks.example.org/x"));
        assert!(!allowed(w, "webhook+http://evil/x.example.org/y"));
        assert!(!allowed(w, "webhook+http://hooks.example.org%2F@evil/x"));
        let m = "matrix://matrix.example.org/*";
        assert!(allowed(m, "matrix://bot@matrix.example.org/!r:x"));
        assert!(!allowed(
            m,
            "matrix://matrix.example.org%2Fx@other-host/!r:x"
        ));
        assert!(!allowed(m, "matrix://bot@other-host/!r:x"));
        for bad in [
            "irc:/x",
            "irc://a@b/*",
            "irc://h:0/*",
            "irc://a.*.b/*",
            "irc://a..b/*",
        ] {
            assert!(TargetPattern::parse(bad).is_err(), "{bad}");
        }
    }
}
