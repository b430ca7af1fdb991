//! SOCKS5 (RFC 1928, user/password RFC 1929) for IRC connections, as
//! curl's `ALL_PROXY=socks5h://[user:password@]host:port` names one:
//! `socks5h` lets the proxy resolve the server's name (remote DNS: nothing
//! about it is looked up here), `socks5` resolves it here and hands the
//! proxy an address. Every read from the proxy is of a size fixed by the
//! protocol (a name at most 255 bytes), all within the connection's
//! deadline: a hostile proxy can neither stall nor flood us.

use std::io::{Read, Write};
use std::net::{IpAddr, TcpStream};
use std::time::Instant;

use anyhow::Result;

use crate::exit::{fail, Code};

#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Socks5 {
    host: String,
    port: u16,
    /// The proxy resolves the target's name (`socks5h://`).
    remote_dns: bool,
    auth: Option<(String, String)>,
    /// `NO_PROXY`'s entries: servers reached directly.
    no_proxy: Vec<String>,
}

impl std::fmt::Debug for Socks5 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}

impl std::fmt::Display for Socks5 {
    /// The proxy as logs show it: never its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.remote_dns { "socks5h" } else { "socks5" };
        let user = self.auth.as_ref().map(|(u, _)| format!("{u}:***@"));
        write!(
            f,
            "{scheme}://{}{}:{}",
            user.unwrap_or_default(),
            self.host,
            self.port
        )
    }
}

impl Socks5 {
    /// `socks5h://[user:password@]host[:port]` or `socks5://...` (port 1080).
    pub(crate) fn parse(url: &str) -> Result<Socks5, String> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("{url:?}: expected socks5h://host:port"))?;
        let remote_dns = match scheme.to_ascii_lowercase().as_str() {
            "socks5h" => true,
            "socks5" => false,
            other => {
                return Err(format!(
                    "{other}:// is not a SOCKS5 proxy (socks5h:// or socks5://)"
                ))
            }
        };
        let rest = rest.trim_end_matches('/');
        let (auth, hostport) = match rest.rsplit_once('@') {
            Some((userinfo, hp)) => {
                let (u, p) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                let decode = |s: &str| crate::net::percent::percent_decode(s);
                let (u, p) = (decode(u)?, decode(p)?);
                if u.is_empty() || u.len() > 255 || p.len() > 255 {
                    return Err("a SOCKS5 user and password are 1 to 255 bytes".into());
                }
                (Some((u, p)), hp)
            }
            None => (None, rest),
        };
        let (host, port) = match hostport.strip_prefix('[') {
            Some(v6) => {
                let (h, after) = v6.split_once(']').ok_or("an IPv6 address without ]")?;
                (h, after.strip_prefix(':'))
            }
            None => match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            },
        };
        if host.is_empty() {
            return Err(format!("{url:?}: no proxy host"));
        }
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| format!("{url:?}: bad port {p:?}"))?,
            None => 1080,
        };
        Ok(Socks5 {
            host: host.to_string(),
            port,
            remote_dns,
            auth,
            no_proxy: Vec::new(),
        })
    }

    /// A TCP stream to `host:port` through the proxy, ready for IRC (or TLS).
    pub(crate) fn connect(&self, host: &str, port: u16, deadline: Instant) -> Result<TcpStream> {
        let mut s = crate::net::dial::connect_tcp(&self.host, self.port, deadline)?;
        let left = deadline.saturating_duration_since(Instant::now());
        let limit = Some(left.max(std::time::Duration::from_millis(1)));
        s.set_read_timeout(limit)?;
        s.set_write_timeout(limit)?;
        self.handshake(&mut s, host, port).map_err(|e| {
            fail(
                Code::TempFail,
                format!("through the SOCKS5 proxy {self} to {host}:{port}: {e}"),
            )
        })?;
        s.set_read_timeout(None)?;
        s.set_write_timeout(None)?;
        Ok(s)
    }

    fn handshake(&self, s: &mut TcpStream, host: &str, port: u16) -> Result<(), String> {
        let io = |e: std::io::Error| format!("{e}");
        let method = if self.auth.is_some() { 0x02 } else { 0x00 };
        s.write_all(&[5, 1, method]).map_err(io)?;
        let mut reply = [0u8; 2];
        s.read_exact(&mut reply).map_err(io)?;
        match reply {
            [5, m] if m == method => {}
            [5, 0xff] => return Err("the proxy accepts none of our ways to authenticate".into()),
            [5, m] => {
                return Err(format!(
                    "the proxy chose method {m}, which we did not offer"
                ))
            }
            _ => return Err("not a SOCKS5 proxy".into()),
        }
        if let Some((user, password)) = &self.auth {
            let mut m = vec![1, user.len() as u8];
            m.extend_from_slice(user.as_bytes());
            m.push(password.len() as u8);
            m.extend_from_slice(password.as_bytes());
            s.write_all(&m).map_err(io)?;
            s.read_exact(&mut reply).map_err(io)?;
            if reply[1] != 0 {
                return Err("the proxy refused the user and password".into());
            }
        }
        let mut req = vec![5, 1, 0];
        match host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            Ok(IpAddr::V4(a)) => {
                req.push(1);
                req.extend_from_slice(&a.octets());
            }
            Ok(IpAddr::V6(a)) => {
                req.push(4);
                req.extend_from_slice(&a.octets());
            }
            Err(_) if self.remote_dns => {
                if host.len() > 255 {
                    return Err("the server's name is longer than SOCKS5 allows".into());
                }
                req.push(3);
                req.push(host.len() as u8);
                req.extend_from_slice(host.as_bytes());
            }
            Err(_) => {
                let addr = crate::net::dial::resolve(host, port).map_err(|e| format!("{e:#}"))?[0];
                match addr.ip() {
                    IpAddr::V4(a) => {
                        req.push(1);
                        req.extend_from_slice(&a.octets());
                    }
                    IpAddr::V6(a) => {
                        req.push(4);
                        req.extend_from_slice(&a.octets());
                    }
                }
            }
        }
        req.extend_from_slice(&port.to_be_bytes());
        s.write_all(&req).map_err(io)?;
        let mut head = [0u8; 4];
        s.read_exact(&mut head).map_err(io)?;
        if head[0] != 5 {
            return Err("not a SOCKS5 reply".into());
        }
        if head[1] != 0 {
            return Err(refusal(head[1]).into());
        }
        // The address the proxy bound: read and dropped.
        let len = match head[3] {
            1 => 4,
            4 => 16,
            3 => {
                let mut n = [0u8; 1];
                s.read_exact(&mut n).map_err(io)?;
                usize::from(n[0])
            }
            t => return Err(format!("unknown address type {t} in the reply")),
        };
        let mut rest = [0u8; 255 + 2];
        s.read_exact(&mut rest[..len + 2]).map_err(io)?;
        Ok(())
    }
}

/// RFC 1928's reply codes.
fn refusal(code: u8) -> &'static str {
    match code {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by the proxy's rules",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "refused",
    }
}

/// The proxy for IRC connections: `ALL_PROXY` (or `all_proxy`) when it is a
/// SOCKS5 URL, unless `NO_PROXY` names the server (`*`, a host, or a domain
/// suffix, as curl reads it). Other proxy kinds there are for HTTP clients.
pub(crate) fn from_env() -> Result<Option<Socks5>, String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let Some(url) = var("ALL_PROXY").or_else(|| var("all_proxy")) else {
        return Ok(None);
    };
    if !url.to_ascii_lowercase().starts_with("socks5") {
        return Ok(None);
    }
    let mut proxy = Socks5::parse(url.trim()).map_err(|e| format!("ALL_PROXY: {e}"))?;
    proxy.no_proxy = var("NO_PROXY")
        .or_else(|| var("no_proxy"))
        .unwrap_or_default()
        .split(',')
        .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .collect();
    Ok(Some(proxy))
}

impl Socks5 {
    /// Whether `host` goes through the proxy: not when `NO_PROXY` names it
    /// (`*`, the host, or a domain it is in).
    pub(crate) fn serves(&self, host: &str) -> bool {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        !self
            .no_proxy
            .iter()
            .any(|e| e == "*" || host == *e || host.ends_with(&format!(".{e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_read_as_curl_reads_them() {
        let p = Socks5::parse("socks5h://bob:s%40cret@proxy.example:1085").unwrap();
        assert!(p.remote_dns);
        assert_eq!(p.auth, Some(("bob".into(), "s@cret".into())));
        assert_eq!((p.host.as_str(), p.port), ("proxy.example", 1085));
        assert_eq!(p.to_string(), "socks5h://bob:***@proxy.example:1085");
        let p = Socks5::parse("socks5://127.0.0.1").unwrap();
        assert!(!p.remote_dns && p.port == 1080 && p.auth.is_none());
        assert!(Socks5::parse("http://proxy:3128").is_err());
        assert!(Socks5::parse("socks5h://").is_err());
        let mut p = Socks5::parse("socks5h://p").unwrap();
        p.no_proxy = vec!["example.org".into(), "127.0.0.1".into()];
        assert!(!p.serves("irc.example.org") && !p.serves("127.0.0.1"));
        assert!(p.serves("irc.libera.chat") && p.serves("badexample.org"));
    }
}
