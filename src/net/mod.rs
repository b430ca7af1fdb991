//! Low network helpers everyone may use: TCP connections, TLS configuration
//! and the shared HTTP agents, a small HTTP/1.1 reply parser, percent-encoding,
//! the one retry backoff.

pub(crate) mod backoff;
pub(crate) mod dial;
pub(crate) mod http1;
pub(crate) mod http_proxy;
pub(crate) mod percent;
pub(crate) mod rate;
pub(crate) mod retry_after;
pub(crate) mod socks;
pub(crate) mod tls;

use std::net::IpAddr;

/// The source a client counts as, for slots and rate limits: its IPv4
/// address (all of 127/8 one: it is this host), or the /64 an IPv6 address
/// is in (one host usually has the whole /64).
pub(crate) fn source(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => source(IpAddr::V4(v4)),
            None if v6.is_loopback() => ip,
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        IpAddr::V4(v4) if v4.is_loopback() => IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        v4 => v4,
    }
}

/// The wider net an address is in, for `--rate-by prefix`: its IPv4 /24
/// (127/8 one, as in [`source`]) or its IPv6 /48.
pub(crate) fn prefix(ip: IpAddr) -> IpAddr {
    match source(ip) {
        IpAddr::V4(v4) if !v4.is_loopback() => {
            let [a, b, c, _] = v4.octets();
            IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, 0))
        }
        IpAddr::V6(v6) if !v6.is_loopback() => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0))
        }
        loopback => loopback,
    }
}

/// This machine's name (for identities other hosts see), or `localhost`.
pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_addresses_and_v6_prefixes() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(source(a), source(b));
        let c: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(source(c), c);
        assert_eq!(source("::ffff:192.0.2.7".parse().unwrap()), c);
        assert_eq!(
            source("127.3.4.5".parse().unwrap()),
            source("127.0.0.1".parse().unwrap())
        );
    }

    #[test]
    fn prefixes_are_v4_24s_and_v6_48s() {
        let p = |s: &str| prefix(s.parse().unwrap()).to_string();
        assert_eq!(p("192.0.2.7"), "192.0.2.0");
        assert_eq!(p("::ffff:192.0.2.7"), "192.0.2.0");
        assert_eq!(p("127.9.9.9"), "127.0.0.1");
        assert_eq!(p("2001:db8:1:2:aaaa::1"), "2001:db8:1::");
        assert_eq!(p("::1"), "::1");
    }
}
