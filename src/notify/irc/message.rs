//! Parsing lines from an IRC server: `[@tags] [:prefix] COMMAND params... [:trailing]`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Message {
    pub(crate) prefix: Option<String>,
    pub(crate) command: String,
    pub(crate) params: Vec<String>,
}

impl Message {
    /// Parses one line (without CRLF). Returns `None` for an empty line.
    pub(crate) fn parse(line: &str) -> Option<Message> {
        let mut rest = line.trim_end_matches(['\r', '\n']);
        if rest.starts_with('@') {
            rest = rest.split_once(' ').map_or("", |(_, r)| r);
        }
        rest = rest.trim_start_matches(' ');
        let prefix = if let Some(p) = rest.strip_prefix(':') {
            let (p, r) = p.split_once(' ').unwrap_or((p, ""));
            rest = r;
            Some(p.to_string())
        } else {
            None
        };
        rest = rest.trim_start_matches(' ');
        let (command, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
        if command.is_empty() {
            return None;
        }
        let mut params = Vec::new();
        loop {
            rest = rest.trim_start_matches(' ');
            if rest.is_empty() {
                break;
            }
            if let Some(trailing) = rest.strip_prefix(':') {
                params.push(trailing.to_string());
                break;
            }
            let (p, r) = rest.split_once(' ').unwrap_or((rest, ""));
            params.push(p.to_string());
            rest = r;
        }
        Some(Message {
            prefix,
            command: command.to_ascii_uppercase(),
            params,
        })
    }

    pub(crate) fn param(&self, i: usize) -> &str {
        self.params.get(i).map_or("", String::as_str)
    }

    /// The last parameter, usually the human-readable text.
    pub(crate) fn text(&self) -> &str {
        self.params.last().map_or("", String::as_str)
    }

    /// The nick part of the prefix (`nick!user@host`).
    pub(crate) fn source_nick(&self) -> &str {
        self.prefix
            .as_deref()
            .map_or("", |p| p.split(['!', '@']).next().unwrap_or(""))
    }
}

/// How the server compares nicks and channel names (ISUPPORT CASEMAPPING).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum CaseMapping {
    Ascii,
    #[default]
    Rfc1459,
    StrictRfc1459,
}

impl CaseMapping {
    pub(crate) fn fold(self, name: &str) -> String {
        name.chars()
            .map(|c| match (self, c) {
                (_, 'A'..='Z') => c.to_ascii_lowercase(),
                (CaseMapping::Rfc1459 | CaseMapping::StrictRfc1459, '[') => '{',
                (CaseMapping::Rfc1459 | CaseMapping::StrictRfc1459, ']') => '}',
                (CaseMapping::Rfc1459 | CaseMapping::StrictRfc1459, '\\') => '|',
                (CaseMapping::Rfc1459, '~') => '^',
                _ => c,
            })
            .collect()
    }
}

/// What the server told us about itself in RPL_ISUPPORT (005).
#[derive(Clone, Debug)]
pub(crate) struct Isupport {
    /// Channels one connection may join (CHANLIMIT / MAXCHANNELS).
    pub(crate) chanlimit: Option<usize>,
    pub(crate) nicklen: Option<usize>,
    pub(crate) casemapping: CaseMapping,
    /// The user mode that makes us deaf to channel messages (DEAF=D).
    pub(crate) deaf: Option<char>,
    /// Targets per PRIVMSG (TARGMAX=PRIVMSG:n or MAXTARGETS).
    pub(crate) privmsg_targets: Option<usize>,
    /// Channels per JOIN line (TARGMAX=JOIN:n); unlimited when absent.
    pub(crate) join_targets: Option<usize>,
}

impl Default for Isupport {
    fn default() -> Self {
        Isupport {
            chanlimit: None,
            nicklen: None,
            casemapping: CaseMapping::Rfc1459,
            deaf: None,
            privmsg_targets: None,
            join_targets: None,
        }
    }
}

impl Isupport {
    /// Reads the tokens of one 005 line (`nick TOKEN TOKEN ... :are supported`).
    pub(crate) fn absorb(&mut self, msg: &Message) {
        let n = msg.params.len();
        if n < 2 {
            return;
        }
        for token in &msg.params[1..n - 1] {
            let (key, value) = token.split_once('=').unwrap_or((token, ""));
            match key {
                "CHANLIMIT" => {
                    // CHANLIMIT=#&:10,+:5 — the limit for '#' channels, else the smallest.
                    let mut best = None;
                    for part in value.split(',') {
                        if let Some((prefixes, lim)) = part.split_once(':') {
                            if let Ok(lim) = lim.parse::<usize>() {
                                if prefixes.contains('#') {
                                    best = Some(lim);
                                    break;
                                }
                                best = Some(best.map_or(lim, |b: usize| b.min(lim)));
                            }
                        }
                    }
                    if let Some(b) = best {
                        self.chanlimit = Some(b.max(1));
                    }
                }
                "MAXCHANNELS" if self.chanlimit.is_none() => {
                    self.chanlimit = value.parse().ok().map(|v: usize| v.max(1));
                }
                "NICKLEN" | "MAXNICKLEN" => self.nicklen = value.parse().ok(),
                "CASEMAPPING" => {
                    self.casemapping = match value {
                        "ascii" => CaseMapping::Ascii,
                        "strict-rfc1459" => CaseMapping::StrictRfc1459,
                        _ => CaseMapping::Rfc1459,
                    }
                }
                "DEAF" => self.deaf = Some(value.chars().next().unwrap_or('D')),
                "MAXTARGETS" if self.privmsg_targets.is_none() => {
                    self.privmsg_targets = value.parse().ok();
                }
                "TARGMAX" => {
                    for part in value.split(',') {
                        if let Some((cmd, lim)) = part.split_once(':') {
                            let lim = lim.parse().ok();
                            match cmd {
                                "PRIVMSG" => self.privmsg_targets = lim,
                                "JOIN" => self.join_targets = lim,
                                _ => {}
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prefix_params_trailing() {
        let m = Message::parse(":srv 001 vext :Welcome to the net vext!~u@host\r\n").unwrap();
        assert_eq!(m.prefix.as_deref(), Some("srv"));
        assert_eq!(m.command, "001");
        assert_eq!(m.params, ["vext", "Welcome to the net vext!~u@host"]);
        let m = Message::parse("PING :abc").unwrap();
        assert_eq!((m.command.as_str(), m.text()), ("PING", "abc"));
        let m = Message::parse("@time=x :n!u@h PRIVMSG #c :hi there").unwrap();
        assert_eq!(m.source_nick(), "n");
        assert_eq!(m.params, ["#c", "hi there"]);
        assert!(Message::parse("").is_none());
        assert!(Message::parse(":only-prefix").is_none());
    }

    #[test]
    fn isupport_tokens() {
        let mut is = Isupport::default();
        is.absorb(&Message::parse(":s 005 me CHANLIMIT=#&:10 NICKLEN=9 CASEMAPPING=ascii DEAF=D TARGMAX=PRIVMSG:4,JOIN: :are supported").unwrap());
        assert_eq!(is.chanlimit, Some(10));
        assert_eq!(is.nicklen, Some(9));
        assert_eq!(is.casemapping, CaseMapping::Ascii);
        assert_eq!(is.deaf, Some('D'));
        assert_eq!(is.privmsg_targets, Some(4));
        assert_eq!(is.join_targets, None);
    }

    #[test]
    fn casemapping_folds() {
        assert_eq!(CaseMapping::Rfc1459.fold("#Foo[]\\~"), "#foo{}|^");
        assert_eq!(CaseMapping::StrictRfc1459.fold("#A~"), "#a~");
        assert_eq!(CaseMapping::Ascii.fold("#A[]"), "#a[]");
    }
}
