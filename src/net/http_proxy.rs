//! The HTTP proxy every HTTP client of vext goes through (registries,
//! homeservers, webhooks, Kubernetes, Semaphore), as curl reads it:
//! `HTTPS_PROXY` (or `https_proxy`), else `HTTP_PROXY` (`http_proxy`), else
//! `ALL_PROXY` when it names an HTTP proxy; `NO_PROXY` lists the hosts and
//! domains reached directly. A SOCKS `ALL_PROXY` is for IRC connections
//! ([`super::socks`]) and never sends HTTP through a SOCKS proxy behind the
//! user's back (ureq's own reading would). Read once per process.

use std::sync::OnceLock;

/// The proxy the variables name, read once; a bad value is the error
/// [`check`] reports.
fn resolved() -> &'static Result<Option<ureq::Proxy>, String> {
    static PROXY: OnceLock<Result<Option<ureq::Proxy>, String>> = OnceLock::new();
    PROXY.get_or_init(|| from(|k| std::env::var(k).ok()))
}

/// Stops a command whose proxy variable cannot be used, naming it (the
/// command would otherwise go around the proxy the user asked for).
pub(crate) fn check() -> Result<(), String> {
    resolved().as_ref().map(|_| ()).map_err(Clone::clone)
}

/// The proxy for every HTTP agent; None: direct.
pub(crate) fn get() -> Option<ureq::Proxy> {
    resolved().as_ref().ok().cloned().flatten()
}

/// The proxy `var` names (a lookup of the environment).
fn from(var: impl Fn(&str) -> Option<String>) -> Result<Option<ureq::Proxy>, String> {
    let set = |k: &str| var(k).filter(|v| !v.trim().is_empty());
    let either = |k: &str| {
        set(k).map(|v| (k.to_string(), v)).or_else(|| {
            let lower = k.to_ascii_lowercase();
            set(&lower).map(|v| (lower, v))
        })
    };
    let chosen = either("HTTPS_PROXY")
        .or_else(|| either("HTTP_PROXY"))
        .or_else(|| {
            either("ALL_PROXY").filter(|(_, v)| {
                let v = v.trim().to_ascii_lowercase();
                v.starts_with("http://") || v.starts_with("https://") || !v.contains("://")
            })
        });
    let Some((name, url)) = chosen else {
        return Ok(None);
    };
    let bad = |why: String| format!("{name}={url:?}: {why}");
    let parsed = ureq::Proxy::new(url.trim()).map_err(|e| bad(e.to_string()))?;
    if !matches!(
        parsed.protocol(),
        ureq::ProxyProtocol::Http | ureq::ProxyProtocol::Https
    ) {
        return Err(bad(
            "vext's HTTP clients take an http:// or https:// proxy (a SOCKS proxy goes in ALL_PROXY, for IRC)"
                .into(),
        ));
    }
    let mut builder = ureq::Proxy::builder(parsed.protocol())
        .host(parsed.host())
        .port(parsed.port());
    if let Some(u) = parsed.username() {
        builder = builder.username(u);
    }
    if let Some(p) = parsed.password() {
        builder = builder.password(p);
    }
    if let Some(list) = set("NO_PROXY").or_else(|| set("no_proxy")) {
        for entry in curl_no_proxy(&list) {
            builder = builder.no_proxy(&entry);
        }
    }
    builder.build().map(Some).map_err(|e| bad(e.to_string()))
}

/// `NO_PROXY` as curl reads it, in ureq's terms: an entry is that host and
/// every host in its domain (`example.org` and `.example.org` alike), spaces
/// around entries do not count.
fn curl_no_proxy(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        if entry == "*" {
            out.push("*".to_string());
            continue;
        }
        let domain = entry.trim_start_matches('.');
        out.push(domain.to_string());
        out.push(format!(".{domain}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> Result<Option<ureq::Proxy>, String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        from(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    }

    #[test]
    fn curls_variables_in_curls_order() {
        assert!(with(&[]).unwrap().is_none());
        let p = with(&[
            ("HTTP_PROXY", "http://plain:3128"),
            ("https_proxy", "http://u:pw@secure:8080"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!((p.host(), p.port()), ("secure", 8080));
        assert_eq!((p.username(), p.password()), (Some("u"), Some("pw")));
        let p = with(&[("HTTP_PROXY", "http://plain:3128")])
            .unwrap()
            .unwrap();
        assert_eq!(p.host(), "plain");
    }

    #[test]
    fn a_socks_all_proxy_is_irc_s_and_a_socks_https_proxy_an_error() {
        assert!(with(&[("ALL_PROXY", "socks5h://s:1080")])
            .unwrap()
            .is_none());
        let p = with(&[("ALL_PROXY", "http://h:3128")]).unwrap().unwrap();
        assert_eq!(p.host(), "h");
        let err = with(&[("HTTPS_PROXY", "socks5://s:1080")]).unwrap_err();
        assert!(
            err.starts_with("HTTPS_PROXY=") && err.contains("http://"),
            "{err}"
        );
    }

    #[test]
    fn no_proxy_hosts_go_direct() {
        let p = with(&[
            ("HTTPS_PROXY", "http://p:3128"),
            ("NO_PROXY", "internal.example, .corp,10.0.0.1"),
        ])
        .unwrap()
        .unwrap();
        let uri = |s: &str| s.parse::<ureq::http::Uri>().unwrap();
        assert!(p.is_no_proxy(&uri("https://registry.internal.example/v2/")));
        assert!(p.is_no_proxy(&uri("https://internal.example/")));
        assert!(p.is_no_proxy(&uri("https://git.corp/")));
        assert!(p.is_no_proxy(&uri("http://10.0.0.1:5000/v2/")));
        assert!(!p.is_no_proxy(&uri("https://notinternal.example/")));
        assert!(!p.is_no_proxy(&uri("https://ghcr.io/v2/")));
    }
}
