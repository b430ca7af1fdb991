//! A connection to an IRC server, plain TCP or TLS, split into a reading half
//! (owned by a reader thread) and a writing half (owned by the connection
//! worker), plus a handle that can shut the socket down from either side.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rustls::pki_types::ServerName;
use rustls::ClientConnection;

use crate::exit::{fail, Code};
use crate::net::dial::connect_tcp;

/// The longest a write to a server may block.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a TLS server may take to answer the ClientHello before the
/// port is taken for a plain-text one.
const FIRST_TLS_ANSWER: Duration = Duration::from_secs(5);

pub(crate) struct Transport {
    pub(crate) reader: Box<dyn Read + Send>,
    pub(crate) writer: Box<dyn Write + Send>,
    pub(crate) control: TcpStream,
}

/// Opens the transport: TCP (through `proxy` when it serves the host),
/// then the TLS handshake when `tls` is given.
pub(crate) fn connect(
    host: &str,
    port: u16,
    tls: Option<&Arc<rustls::ClientConfig>>,
    proxy: Option<&crate::net::socks::Socks5>,
    deadline: Instant,
) -> Result<Transport> {
    let tcp = match proxy.filter(|p| p.serves(host)) {
        Some(p) => p.connect(host, port, deadline)?,
        None => connect_tcp(host, port, deadline)?,
    };
    // A server that stops reading must not block the connection's worker
    // (and its keepalive) forever: a write that cannot finish in this time
    // fails, and the connection is treated as lost.
    tcp.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let control = tcp.try_clone()?;
    let Some(config) = tls else {
        return Ok(Transport {
            reader: Box::new(tcp.try_clone()?),
            writer: Box::new(tcp),
            control,
        });
    };
    let name = ServerName::try_from(host.to_string()).map_err(|e| {
        fail(
            Code::Usage,
            format!("{host} is not a valid TLS server name: {e}"),
        )
    })?;
    let mut conn = ClientConnection::new(config.clone(), name).context("starting TLS")?;
    let left = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    // A TLS server answers the ClientHello at once; a plain-text IRC port
    // waits for a line that never comes (until its registration timeout).
    // No answer at all this soon means the latter.
    tcp.set_read_timeout(Some(left.min(FIRST_TLS_ANSWER)))?;
    tcp.set_write_timeout(Some(left))?;
    let mut hs = tcp.try_clone()?;
    let mut answered = false;
    while conn.is_handshaking() {
        match conn.complete_io(&mut hs) {
            Ok((read, _)) => {
                if read > 0 && !answered {
                    answered = true;
                    tcp.set_read_timeout(Some(
                        deadline
                            .saturating_duration_since(Instant::now())
                            .max(Duration::from_millis(1)),
                    ))?;
                }
            }
            Err(e)
                if !answered
                    && left > FIRST_TLS_ANSWER
                    && matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
            {
                return Err(fail(
                    Code::Unavailable,
                    format!(
                        "no TLS answer from {host}:{port} within {}s: this port does not speak TLS, \
                         it seems (a plain-text IRC port? use irc://, or the server's TLS port, \
                         usually 6697)",
                        FIRST_TLS_ANSWER.as_secs()
                    ),
                ));
            }
            Err(e) => {
                let text = format!("TLS handshake with {host}:{port} failed: {e}");
                let code = match crate::net::tls::explain(&text) {
                    // A plain-text port: no retry will make it speak TLS.
                    Some((_, true)) => Code::Unavailable,
                    _ if e.get_ref().is_some_and(|i| i.is::<rustls::Error>()) => Code::NoPerm,
                    _ => crate::exit::code_of_io(&e),
                };
                return Err(fail(code, crate::net::tls::explained(text)));
            }
        }
    }
    tcp.set_read_timeout(None)?;
    tcp.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let shared = Arc::new(Mutex::new(conn));
    Ok(Transport {
        reader: Box::new(TlsReader {
            conn: shared.clone(),
            tcp: tcp.try_clone()?,
            out: tcp.try_clone()?,
            raw: vec![0; 8192],
        }),
        writer: Box::new(TlsWriter { conn: shared, tcp }),
        control,
    })
}

struct TlsReader {
    conn: Arc<Mutex<ClientConnection>>,
    tcp: TcpStream,
    out: TcpStream,
    raw: Vec<u8>,
}

fn lock(m: &Mutex<ClientConnection>) -> std::sync::MutexGuard<'_, ClientConnection> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Read for TlsReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match lock(&self.conn).reader().read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            let n = self.tcp.read(&mut self.raw)?;
            let mut conn = lock(&self.conn);
            if n == 0 {
                // Peer closed without close_notify: treat as end of stream.
                return Ok(0);
            }
            let mut slice = &self.raw[..n];
            while !slice.is_empty() {
                conn.read_tls(&mut slice)?;
                conn.process_new_packets()
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            }
            while conn.wants_write() {
                conn.write_tls(&mut self.out)?;
            }
        }
    }
}

struct TlsWriter {
    conn: Arc<Mutex<ClientConnection>>,
    tcp: TcpStream,
}

impl Write for TlsWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut conn = lock(&self.conn);
        conn.writer().write_all(buf)?;
        while conn.wants_write() {
            conn.write_tls(&mut self.tcp)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut conn = lock(&self.conn);
        while conn.wants_write() {
            conn.write_tls(&mut self.tcp)?;
        }
        Ok(())
    }
}

impl Drop for TlsWriter {
    fn drop(&mut self) {
        let mut conn = lock(&self.conn);
        conn.send_close_notify();
        while conn.wants_write() {
            if conn.write_tls(&mut self.tcp).is_err() {
                break;
            }
        }
    }
}

/// Shuts the socket down so that a blocked reader thread wakes up.
pub(crate) fn close(control: &TcpStream) {
    let _ = control.shutdown(Shutdown::Both);
}
