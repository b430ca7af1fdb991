//! The daemon's client side: one request line to a running daemon over TCP
//! (waiting for its ack when asked) or UDP. Used by `vext send --via` and
//! `vext hook`.

use std::io::{BufRead, BufReader, Read, Write};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use crate::exit::{fail, Code};
use crate::notify::irker::protocol::{Reply, Request};

/// irker's port.
pub(crate) const DEFAULT_PORT: u16 = 6659;

/// `HOST[:PORT]` with irker's port by default.
pub(crate) fn daemon_addr(addr: &str) -> Result<(String, u16)> {
    let addr = addr.trim();
    let bad = || fail(Code::Usage, format!("--via {addr:?}: expected HOST[:PORT]"));
    if let Some(rest) = addr.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| bad())?,
            None if after.is_empty() => DEFAULT_PORT,
            None => return Err(bad()),
        };
        return Ok((host.to_string(), port));
    }
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => {
            let port: u16 = port.parse().map_err(|_| bad())?;
            if host.is_empty() || port == 0 {
                return Err(bad());
            }
            Ok((host.to_string(), port))
        }
        Some(_) => Ok((addr.to_string(), DEFAULT_PORT)),
        None if !addr.is_empty() => Ok((addr.to_string(), DEFAULT_PORT)),
        None => Err(bad()),
    }
}

/// Sends one request to the daemon at `addr`; an error when none listens.
pub(crate) fn send(
    addr: &str,
    request: &Request,
    secret: Option<&[u8]>,
    deadline: Instant,
) -> Result<Code> {
    let (host, port) = daemon_addr(addr)?;
    send_all(addr, std::slice::from_ref(request), secret, deadline)?.ok_or_else(|| {
        fail(
            Code::Unavailable,
            format!("no daemon at {host}:{port} (connection refused)"),
        )
    })
}

/// Sends `requests` on one connection to the daemon at `addr`, reading one
/// reply for each that asks for an ack. None when no daemon listens there
/// (connection refused), so that a caller may deliver another way.
pub(crate) fn send_all(
    addr: &str,
    requests: &[Request],
    secret: Option<&[u8]>,
    deadline: Instant,
) -> Result<Option<Code>> {
    let (host, port) = daemon_addr(addr)?;
    let stream = match crate::net::dial::connect_tcp(&host, port, deadline) {
        Ok(s) => s,
        Err(e) => {
            let refused = e
                .chain()
                .filter_map(|c| c.downcast_ref::<std::io::Error>())
                .any(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
            if refused {
                return Ok(None);
            }
            return Err(e.context(format!("connecting to the daemon at {host}:{port}")));
        }
    };
    let mut writer = &stream;
    let mut lines = String::new();
    for r in requests {
        lines.push_str(&request_line(r, secret));
        lines.push('\n');
    }
    writer
        .write_all(lines.as_bytes())
        .with_context(|| format!("sending to the daemon at {host}:{port}"))?;
    let acks = requests.iter().filter(|r| r.ack).count();
    if acks == 0 {
        let _ = stream.shutdown(std::net::Shutdown::Write);
        return Ok(Some(Code::Ok));
    }
    let left = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    stream.set_read_timeout(Some(left))?;
    let mut reader = BufReader::new(&stream).take(64 * 1024 * (acks as u64 + 1));
    for _ in 0..acks {
        let mut reply = String::new();
        match reader.read_line(&mut reply) {
            Ok(0) => return Err(fail(Code::Unavailable, format!("the daemon at {host}:{port} closed the connection without a reply (is it irkerd? use --no-ack)"))),
            Ok(_) => match Reply::parse(&reply) {
                Ok(Reply::Ok { id, refused }) => {
                    log::info!("queued as {id}");
                    for r in refused {
                        eprintln!("vext: the daemon skipped {}: {}", r.target, r.error);
                    }
                }
                Ok(Reply::Err { error }) => return Err(fail(Code::Unavailable, format!("the daemon at {host}:{port} refused the notification: {error}"))),
                Err(e) => return Err(fail(Code::Unavailable, format!("unexpected reply from {host}:{port}: {e}"))),
            },
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return Err(fail(Code::TempFail, format!("no reply from the daemon at {host}:{port} before the timeout")))
            }
            Err(e) => return Err(e).with_context(|| format!("reading the reply from {host}:{port}")),
        }
    }
    Ok(Some(Code::Ok))
}

/// The line `--via` sends: the request, signed when there is a secret.
pub(crate) fn request_line(request: &Request, secret: Option<&[u8]>) -> String {
    match secret {
        Some(secret) => crate::notify::irker::protocol::sign_line(
            secret,
            &request.to_line(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        ),
        None => request.to_line(),
    }
}

/// Sends one plain request as a UDP datagram (no reply is possible).
pub(crate) fn send_udp(addr: &str, request: &Request) -> Result<()> {
    let (host, port) = daemon_addr(addr)?;
    let addrs = crate::net::dial::resolve(&host, port)?;
    let bind = if addrs[0].is_ipv6() {
        "[::]:0"
    } else {
        "0.0.0.0:0"
    };
    let sock = std::net::UdpSocket::bind(bind)?;
    let mut line = request.to_line();
    line.push('\n');
    sock.send_to(line.as_bytes(), addrs[0])
        .with_context(|| format!("sending to the daemon at {host}:{port} (UDP)"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daemon_addresses() {
        assert_eq!(
            daemon_addr("localhost").unwrap(),
            ("localhost".into(), 6659)
        );
        assert_eq!(
            daemon_addr("127.0.0.1:7000").unwrap(),
            ("127.0.0.1".into(), 7000)
        );
        assert_eq!(daemon_addr("[::1]:7000").unwrap(), ("::1".into(), 7000));
        assert_eq!(daemon_addr("[::1]").unwrap(), ("::1".into(), 6659));
        assert!(daemon_addr("h:x").is_err());
        assert!(daemon_addr(":7000").is_err());
        assert!(daemon_addr("").is_err());
    }
}
