//! The one URL splitter the target parsers share: scheme, user info, host
//! and port, path, query and fragment. Each scheme's parser then says what
//! the parts mean.

use crate::net::percent::percent_decode;

/// A target URL cut into its parts (nothing decoded yet).
pub(crate) struct Parts<'a> {
    /// Lower case.
    pub(crate) scheme: String,
    pub(crate) userinfo: Option<&'a str>,
    pub(crate) hostport: &'a str,
    /// After the first `/` of the path, up to `?` or `#`.
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) fragment: Option<&'a str>,
}

impl Parts<'_> {
    /// The user and password of the user info, percent-decoded.
    pub(crate) fn user_password(&self) -> Result<Option<(String, Option<String>)>, String> {
        let Some(ui) = self.userinfo else {
            return Ok(None);
        };
        let (user, password) = ui.split_once(':').map_or((ui, None), |(u, p)| (u, Some(p)));
        let user = percent_decode(user).map_err(|e| format!("user: {e}"))?;
        let password = password
            .map(percent_decode)
            .transpose()
            .map_err(|e| format!("password: {e}"))?;
        Ok(Some((user, password)))
    }

    /// The path, decoded, with a fragment put back as `#...`: a channel or
    /// room written `host/#name` starts a URL fragment.
    pub(crate) fn path_with_fragment(&self) -> Result<String, String> {
        let mut out = percent_decode(self.path)?;
        if let Some(f) = self.fragment {
            out.push('#');
            out.push_str(&percent_decode(f)?);
        }
        Ok(out)
    }
}

/// Cuts `scheme://[userinfo@]host[:port][/path][?query][#fragment]`.
pub(crate) fn split(url: &str) -> Result<Parts<'_>, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| "not a URL".to_string())?;
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    Ok(Parts {
        scheme: scheme.to_ascii_lowercase(),
        userinfo,
        hostport,
        path,
        query,
        fragment,
    })
}

/// The host (lower case; IPv6 in brackets) and the port, if any.
pub(crate) fn host_port(hostport: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let end = rest
            .find(']')
            .ok_or_else(|| "unterminated '[' in IPv6 address".to_string())?;
        let host = &rest[..end];
        let after = &rest[end + 1..];
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| format!("unexpected {p:?} after IPv6 address"))?,
            ),
        };
        (host, port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err("no host".into());
    }
    if host
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':')))
    {
        return Err(format!("invalid host {host:?}"));
    }
    let port = match port {
        None | Some("") => None,
        Some(p) => Some(match p.parse::<u16>() {
            Ok(0) | Err(_) => return Err(format!("invalid port {p:?}")),
            Ok(n) => n,
        }),
    };
    Ok((host.to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::destination::{redacted, Destination};

    #[test]
    fn every_scheme_is_shown_without_its_secret() {
        assert_eq!(
            redacted("ircs://bot:hunter2@h:6697/c?key=k"),
            "ircs://bot:***@h:6697/c?key=***"
        );
        assert_eq!(redacted("irc://h/c"), "irc://h/c");
        for (url, secret) in [
            ("slack://T000/B000/XXXXSECRET", "XXXXSECRET"),
            ("discord://1234/TOKENSECRET", "TOKENSECRET"),
            (
                "mattermosts://chat.example.org/hooks/KEYSECRET",
                "KEYSECRET",
            ),
            ("webhook+https://example.org/PATHSECRET", "PATHSECRET"),
            (
                "matrixs://bot:PWSECRET@example.org/!r:example.org",
                "PWSECRET",
            ),
        ] {
            let shown = redacted(url);
            assert!(!shown.contains(secret), "{url} shown as {shown}");
        }
    }

    #[test]
    fn one_splitter_for_every_scheme() {
        let p = split("IRCS://bot:pw@Irc.Example.net:7000/ops?key=k#frag").unwrap();
        assert_eq!(p.scheme, "ircs");
        assert_eq!(p.userinfo, Some("bot:pw"));
        assert_eq!(
            host_port(p.hostport).unwrap(),
            ("irc.example.net".into(), Some(7000))
        );
        assert_eq!(
            (p.path, p.query, p.fragment),
            ("ops", Some("k").map(|_| "key=k"), Some("frag"))
        );
        assert!(host_port("[::1]:8008").is_ok() && host_port("h:0").is_err());
        // Matrix homeservers get the same host rules as IRC servers (IPv6 too).
        let Ok(Destination::Matrix(m)) = Destination::parse("matrix://[::1]:8008/!room:x") else {
            panic!("an IPv6 homeserver");
        };
        assert_eq!((m.host.as_str(), m.port), ("::1", Some(8008)));
        assert!(Destination::parse("matrix://bad host/!r:x").is_err());
    }
}
