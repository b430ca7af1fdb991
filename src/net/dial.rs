//! TCP connections: DNS with a clear error, and the first address that
//! answers before a deadline.

use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Instant;

use anyhow::{Context, Result};

use crate::exit::{fail, Code};

/// Resolves `host:port`, failing with a temporary-failure code when DNS does.
pub(crate) fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| fail(Code::TempFail, format!("cannot resolve {host}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(fail(Code::TempFail, format!("{host} has no address")));
    }
    Ok(addrs)
}

/// Connects to the first address that answers within the deadline.
pub(crate) fn connect_tcp(host: &str, port: u16, deadline: Instant) -> Result<TcpStream> {
    let mut last = None;
    for addr in resolve(host, port)? {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = Some((addr, e)),
        }
    }
    match last {
        Some((addr, e)) => Err(e).with_context(|| format!("connecting to {addr}")),
        None => Err(io::Error::from(io::ErrorKind::TimedOut))
            .with_context(|| format!("connecting to {host}:{port}")),
    }
}
