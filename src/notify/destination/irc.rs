//! IRC targets: `irc://[nick[:password]@]host[:port]/channel[?key=K][&notice]`
//! and `ircs://...`, with irker's rules: a channel without `#`, `&` or `+`
//! gets `#`, `/name,isnick` addresses a user, the key may be given as
//! `?key=K` or `?K`. `notice` sends NOTICE instead of PRIVMSG, as many
//! channels ask of bots; `nojoin` sends to a channel without joining it
//! (GitHub's old `message_without_join`), and joins after all when the
//! channel refuses messages from outside (+n, 404 ERR_CANNOTSENDTOCHAN).

use std::fmt;

use super::url::{host_port, split};
use crate::net::percent::percent_decode;

/// An IRC server and the identity vext uses on it. Connections are pooled by this key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct IrcServer {
    pub(crate) tls: bool,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) nick: Option<String>,
    pub(crate) password: Option<String>,
    /// The client certificate a `[targets]` entry for this server gives
    /// (`client_cert`): presented to this server only.
    pub(crate) identity: Option<std::sync::Arc<crate::net::tls::ClientIdentity>>,
}

impl IrcServer {
    /// `host:port` as used to connect (IPv6 literals in brackets).
    pub(crate) fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Display for IrcServer {
    /// The server as a URL prefix, never showing the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls { "ircs" } else { "irc" };
        write!(f, "{scheme}://")?;
        if let Some(nick) = &self.nick {
            write!(f, "{nick}")?;
            if self.password.is_some() {
                write!(f, ":***")?;
            }
            write!(f, "@")?;
        }
        write!(f, "{}", self.addr())
    }
}

/// A channel (with its key) or a nick on an IRC server.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Recipient {
    pub(crate) name: String,
    pub(crate) key: Option<String>,
    pub(crate) is_nick: bool,
    /// Sent as NOTICE, not PRIVMSG (`?notice`).
    pub(crate) notice: bool,
    /// Sent without joining first (`?nojoin`).
    pub(crate) nojoin: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct IrcDestination {
    pub(crate) server: IrcServer,
    pub(crate) recipient: Recipient,
}

impl fmt::Display for IrcDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/", self.server)?;
        let r = &self.recipient;
        if r.is_nick {
            write!(f, "{},isnick", r.name)?;
        } else {
            write!(f, "{}", r.name)?;
            if r.key.is_some() {
                write!(f, "?key=***")?;
            }
        }
        let mut sep = if r.key.is_some() { '&' } else { '?' };
        for (on, word) in [(r.notice, "notice"), (r.nojoin, "nojoin")] {
            if on {
                write!(f, "{sep}{word}")?;
                sep = '&';
            }
        }
        Ok(())
    }
}

impl IrcDestination {
    pub(crate) fn parse(url: &str) -> Result<IrcDestination, String> {
        let parts = split(url)?;
        let tls = match parts.scheme.as_str() {
            "irc" => false,
            "ircs" => true,
            other => return Err(format!("not an IRC URL (scheme {other:?})")),
        };
        let (nick, password) = match parts
            .user_password()
            .map_err(|e| e.replacen("user", "nick", 1))?
        {
            None => (None, None),
            Some((n, p)) => {
                if n.is_empty() {
                    return Err("empty nick before '@'".into());
                }
                check_name("nick", &n)?;
                if p.as_deref()
                    .is_some_and(|p| p.chars().any(|c| c.is_control() || c == ' '))
                {
                    return Err("password contains a space or control character".into());
                }
                (Some(n), p)
            }
        };
        let (host, port) = host_port(parts.hostport)?;
        let port = port.unwrap_or(if tls { 6697 } else { 6667 });
        let query = parts.query;

        // irker URLs are often written `irc://host/#chan`: irker appends the
        // fragment to the path.
        let mut name = parts
            .path_with_fragment()
            .map_err(|e| format!("channel: {e}"))?;
        let is_nick = name.ends_with(",isnick");
        if is_nick {
            name.truncate(name.len() - ",isnick".len());
        }
        if name.is_empty() {
            return Err("no channel or nick in the path (expected irc://host/channel)".into());
        }
        if !is_nick && !name.starts_with(['#', '&', '+', '!']) {
            name.insert(0, '#');
        }
        check_name(if is_nick { "nick" } else { "channel" }, &name)?;
        if name.len() > 200 {
            return Err("channel or nick name longer than 200 bytes".into());
        }

        let (key, notice, nojoin) = query_params(query, is_nick)?;
        Ok(IrcDestination {
            server: IrcServer {
                tls,
                host,
                port,
                nick,
                password,
                identity: None,
            },
            recipient: Recipient {
                name,
                key,
                is_nick,
                notice,
                nojoin,
            },
        })
    }
}

/// The query: a channel key (`key=K`, or irker's bare `K`), `notice` and
/// `nojoin`, joined by `&` (a key holding `&` is written `%26`).
fn query_params(
    query: Option<&str>,
    is_nick: bool,
) -> Result<(Option<String>, bool, bool), String> {
    let (mut key, mut notice, mut nojoin) = (None, false, false);
    for part in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        match part {
            "notice" => {
                notice = true;
                continue;
            }
            "nojoin" if is_nick => return Err("nojoin makes no sense for a nick (,isnick)".into()),
            "nojoin" => {
                nojoin = true;
                continue;
            }
            _ => {}
        }
        let k = part.strip_prefix("key=").unwrap_or(part);
        let k = percent_decode(k).map_err(|e| format!("key: {e}"))?;
        if is_nick {
            return Err("a key makes no sense for a nick (,isnick)".into());
        }
        if key.is_some() {
            return Err("two channel keys in the query".into());
        }
        if k.is_empty() || k.contains([' ', ',']) || k.chars().any(|c| c.is_control()) {
            return Err(
                "channel key is empty or contains a space, comma or control character".into(),
            );
        }
        key = Some(k);
    }
    Ok((key, notice, nojoin))
}

/// Rejects names that could smuggle a second target or command onto the wire.
fn check_name(what: &str, name: &str) -> Result<(), String> {
    if let Some(c) = name
        .chars()
        .find(|&c| c == ' ' || c == ',' || (c == ':' && what == "nick") || c.is_control())
    {
        return Err(format!(
            "{what} {name:?} contains {}",
            match c {
                ' ' => "a space".to_string(),
                ',' => "a comma".to_string(),
                ':' => "a colon".to_string(),
                '\x07' => "a bell (^G)".to_string(),
                c => format!("the control character U+{:04X}", c as u32),
            }
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::destination::Destination;

    fn irc(url: &str) -> IrcDestination {
        IrcDestination::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    #[test]
    fn irker_channel_rules() {
        let t = irc("irc://irc.example.net/commits");
        assert_eq!(t.recipient.name, "#commits");
        assert_eq!(t.server.port, 6667);
        assert!(!t.server.tls);
        assert_eq!(
            irc("irc://irc.example.net/#commits").recipient.name,
            "#commits"
        );
        assert_eq!(
            irc("irc://irc.example.net/%23commits").recipient.name,
            "#commits"
        );
        assert_eq!(irc("irc://irc.example.net/&local").recipient.name, "&local");
        assert_eq!(
            irc("irc://irc.example.net/+modeless").recipient.name,
            "+modeless"
        );
        assert_eq!(irc("ircs://irc.example.net/x").server.port, 6697);
        assert_eq!(irc("irc://irc.example.net:7000/x").server.port, 7000);
        assert_eq!(irc("irc://h/MixedCase").recipient.name, "#MixedCase");
    }

    #[test]
    fn nick_targets_and_keys() {
        let t = irc("irc://h/alice,isnick");
        assert!(t.recipient.is_nick);
        assert_eq!(t.recipient.name, "alice");
        assert_eq!(
            irc("irc://h/c?key=s3cret").recipient.key.as_deref(),
            Some("s3cret")
        );
        assert_eq!(
            irc("irc://h/c?s3cret").recipient.key.as_deref(),
            Some("s3cret")
        );
        let t = irc("irc://h/c?key=k%26y&notice");
        assert_eq!(t.recipient.key.as_deref(), Some("k&y"));
        assert!(t.recipient.notice);
        assert_eq!(t.to_string(), "irc://h:6667/#c?key=***&notice");
        let t = irc("irc://h/alice,isnick?notice");
        assert!(t.recipient.notice && t.recipient.is_nick);
        assert_eq!(t.to_string(), "irc://h:6667/alice,isnick?notice");
        assert!(!irc("irc://h/c?key=s").recipient.notice);
        assert!(IrcDestination::parse("irc://h/c?a&b").is_err());
        let t = irc("irc://h/c?nojoin&notice");
        assert!(t.recipient.nojoin && t.recipient.notice && t.recipient.key.is_none());
        assert_eq!(t.to_string(), "irc://h:6667/#c?notice&nojoin");
        assert!(IrcDestination::parse("irc://h/bob,isnick?nojoin").is_err());
        let t = irc("ircs://bot:pa%3Ass@[::1]:6697/c");
        assert_eq!(t.server.nick.as_deref(), Some("bot"));
        assert_eq!(t.server.password.as_deref(), Some("pa:ss"));
        assert_eq!(t.server.host, "::1");
        assert_eq!(t.server.addr(), "[::1]:6697");
    }

    #[test]
    fn injection_attempts_are_rejected() {
        for bad in [
            "irc://h/chan,%23other",
            "irc://h/chan%20x",
            "irc://h/chan%0D%0AQUIT",
            "irc://h/chan%07",
            "irc://h/chan%00",
            "irc://h/c?key=a%20b",
            "irc://h/c?key=a,b",
            "irc://ni%20ck@h/c",
        ] {
            assert!(
                IrcDestination::parse(bad).is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn malformed_urls_name_the_problem() {
        assert!(Destination::parse("irc.example.net/x")
            .unwrap_err()
            .contains("not a URL"));
        assert!(Destination::parse("gopher://h/x")
            .unwrap_err()
            .contains("gopher"));
        assert!(Destination::parse("irc://h:99999/x")
            .unwrap_err()
            .contains("port"));
        assert!(Destination::parse("irc://h:0/x")
            .unwrap_err()
            .contains("port"));
        assert!(Destination::parse("irc://h/")
            .unwrap_err()
            .contains("channel"));
        assert!(Destination::parse("irc:///x").unwrap_err().contains("host"));
        assert!(Destination::parse("irc://h/%zz")
            .unwrap_err()
            .contains("percent"));
        assert!(Destination::parse("irc://h/%ff")
            .unwrap_err()
            .contains("UTF-8"));
    }

    #[test]
    fn display_hides_secrets() {
        let t = Destination::parse("irc://bot:hunter2@h/c?key=k").unwrap();
        let shown = t.to_string();
        assert!(
            !shown.contains("hunter2") && !shown.contains("=k"),
            "{shown}"
        );
    }
}
