//! irkerd's INI configuration, the migration path: `[daemon] host, port,
//! threads`, `[irc] nick, timeout`, `[features] color_mode, rate_limit`, and
//! the `IRKERD_*` variables. A file in this format is recognised by its
//! content and read into the same settings as vext's TOML; keys without a
//! vext meaning are accepted with a note.

/// What irkerd's file sets, in vext's terms (`[daemon]` settings).
#[derive(Debug, Default)]
pub(crate) struct Irkerd {
    pub(crate) listen: Option<String>,
    pub(crate) nick: Option<String>,
    /// Seconds an idle connection is kept.
    pub(crate) connection_ttl: Option<u64>,
    /// Lines per second.
    pub(crate) line_rate: Option<f64>,
}

/// Whether `text` is irkerd's INI rather than vext's TOML: it has irkerd's
/// sections, or `[daemon]` keys only irkerd has.
pub(crate) fn looks_like(text: &str) -> bool {
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_ascii_lowercase();
            if section == "irc" || section == "features" {
                return true;
            }
        } else if section == "daemon" {
            if let Some((key, _)) = split(line) {
                if matches!(key.as_str(), "host" | "port" | "threads") {
                    return true;
                }
            }
        }
    }
    false
}

/// `key = value` or `key: value` (INI as Python's configparser reads it).
fn split(line: &str) -> Option<(String, String)> {
    if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
        return None;
    }
    let at = line.find(['=', ':'])?;
    let key = line[..at].trim().to_ascii_lowercase();
    let mut value = line[at + 1..].trim();
    // Inline comments after whitespace, as configparser allows them.
    if let Some(i) = value.find(" #").or_else(|| value.find(" ;")) {
        value = value[..i].trim_end();
    }
    let value = value.trim_matches('"').trim_matches('\'');
    Some((key, value.to_string()))
}

/// Reads irkerd's INI into vext's settings; the notes name the keys that were
/// accepted without effect. An error names the line that is wrong.
pub(crate) fn parse(text: &str) -> Result<(Irkerd, Vec<String>), String> {
    let mut config = Irkerd::default();
    let mut notes = Vec::new();
    let (mut host, mut port) = (None::<String>, None::<u16>);
    let mut section = String::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_ascii_lowercase();
            continue;
        }
        let Some((key, value)) = split(line) else {
            if !(line.is_empty() || line.starts_with('#') || line.starts_with(';')) {
                return Err(format!("line {}: expected key = value: {raw:?}", n + 1));
            }
            continue;
        };
        let bad = |what: &str| format!("line {}: [{section}] {key} = {value:?}: {what}", n + 1);
        match (section.as_str(), key.as_str()) {
            ("daemon", "host") => host = Some(value),
            ("daemon", "port") => {
                port = Some(value.parse().map_err(|_| bad("expected a port number"))?);
            }
            ("daemon", "threads") => notes.push(format!(
                "[daemon] threads = {value} has no meaning in vext (one thread per connection); ignored"
            )),
            ("irc", "nick") => config.nick = Some(value),
            ("irc", "timeout") => {
                let secs: u64 = value
                    .parse()
                    .map_err(|_| bad("expected seconds"))?;
                config.connection_ttl = Some(secs);
            }
            ("features", "rate_limit") => {
                let rate: f64 = value
                    .parse()
                    .ok()
                    .filter(|r: &f64| r.is_finite() && *r > 0.0)
                    .ok_or_else(|| bad("expected lines per second above 0"))?;
                config.line_rate = Some(rate);
            }
            ("features", "color_mode") => match value.to_ascii_lowercase().as_str() {
                "mirc" => {}
                "ansi" | "none" => notes.push(format!(
                    "[features] color_mode = {value}: vext sends mIRC colour codes, which IRC clients show; ignored"
                )),
                _ => return Err(bad("expected ANSI, mIRC or none")),
            },
            _ => notes.push(format!(
                "[{section}] {key} is not an irkerd setting vext knows; ignored"
            )),
        }
    }
    if host.is_some() || port.is_some() {
        config.listen = Some(listen(host.as_deref(), port));
    }
    Ok((config, notes))
}

/// `host:port` with irkerd's defaults (localhost, 6659).
fn listen(host: Option<&str>, port: Option<u16>) -> String {
    let host = match host.unwrap_or("127.0.0.1") {
        "localhost" => "127.0.0.1",
        h => h,
    };
    let port = port.unwrap_or(6659);
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The listen address from `IRKERD_HOST` / `IRKERD_PORT`, when either is set.
pub(crate) fn env_listen() -> Option<String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let host = var("IRKERD_HOST");
    let port = var("IRKERD_PORT").and_then(|p| p.trim().parse().ok());
    (host.is_some() || port.is_some()).then(|| listen(host.as_deref(), port))
}

/// The nick from `IRKERD_NICK`.
pub(crate) fn env_nick() -> Option<String> {
    std::env::var("IRKERD_NICK")
        .ok()
        .filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "# irkerd's configuration\n[daemon]\nhost = 0.0.0.0\nport = 6660\nthreads = 4\n\n[irc]\nnick = relaybot\ntimeout = 600\n\n[features]\ncolor_mode = mIRC\nrate_limit = 2\n";

    #[test]
    fn the_seed_configuration_is_read() {
        assert!(looks_like(SEED));
        assert!(!looks_like("[daemon]\nlisten = \"127.0.0.1:6659\"\n"));
        let (c, notes) = parse(SEED).unwrap();
        assert_eq!(c.listen.as_deref(), Some("0.0.0.0:6660"));
        assert_eq!(c.nick.as_deref(), Some("relaybot"));
        assert_eq!(c.connection_ttl, Some(600));
        assert_eq!(c.line_rate, Some(2.0));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("threads"));
    }

    #[test]
    fn bad_values_name_their_line() {
        let e = parse("[daemon]\nport = sixty\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("port"), "{e}");
        let e = parse("[features]\ncolor_mode = plaid\n").unwrap_err();
        assert!(e.contains("color_mode"), "{e}");
        assert_eq!(listen(Some("::1"), None), "[::1]:6659");
    }
}
