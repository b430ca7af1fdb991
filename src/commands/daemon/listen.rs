//! irker's protocol on TCP and UDP: one JSON request per line. Each TCP
//! client has its own thread and slot (`slots`), so an idle or half-written
//! client never blocks another; a line has [`LINE_TIME`] from its first
//! byte; a bad line is logged and skipped, and the connection stays open.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::dispatch::Dispatcher;
use super::slots::{accept_each, Held, Slots};
use crate::notify::irker::protocol::{Received, Reply, MAX_REQUEST};

/// An idle TCP client is dropped after this long (sooner when its slot is
/// wanted: see `slots`).
const CLIENT_IDLE: Duration = Duration::from_secs(600);

/// A request line must be whole this long after its first byte: a client
/// trickling a byte at a time cannot keep its slot by it.
const LINE_TIME: Duration = Duration::from_secs(30);

/// The longest an ack may wait for a client to read it.
const ACK_WRITE_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) fn accept_loop(listener: TcpListener, dispatcher: Arc<Dispatcher>, max: usize) {
    let slots = Slots::new(max, "client");
    accept_each(listener, slots, move |stream, held| {
        serve_client(stream, held, &dispatcher);
    });
}

/// Reads from a stream until a deadline that the reader moves.
pub(super) struct Deadline<'a> {
    pub(super) stream: &'a TcpStream,
    pub(super) until: Instant,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(left))?;
        self.stream.read(buf)
    }
}

fn serve_client(stream: &TcpStream, held: &Held, dispatcher: &Arc<Dispatcher>) {
    let Ok(peer) = stream.peer_addr() else { return };
    // A client that stops reading its acks loses its connection instead of
    // holding this thread.
    let _ = stream.set_write_timeout(Some(ACK_WRITE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let mut writer = stream;
    let mut reader = BufReader::new(Deadline {
        stream,
        until: Instant::now() + CLIENT_IDLE,
    });
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        // Idle until the first byte of a line, then the line's own time.
        reader.get_mut().until = Instant::now() + CLIENT_IDLE;
        match reader.fill_buf() {
            Ok([]) => return,
            Ok(_) => {}
            Err(e) => {
                log::debug!("{peer}: {e}");
                return;
            }
        }
        reader.get_mut().until = Instant::now() + LINE_TIME;
        let n = match reader
            .by_ref()
            .take(MAX_REQUEST as u64 + 1)
            .read_until(b'\n', &mut buf)
        {
            Ok(n) => n,
            Err(e) => {
                log::debug!("{peer}: {e}");
                return;
            }
        };
        if n == 0 {
            return;
        }
        if buf.len() > MAX_REQUEST && buf.last() != Some(&b'\n') {
            log::warn!("{peer}: request longer than {MAX_REQUEST} bytes, skipped");
            dispatcher.metrics.rejected("bad_request");
            if skip_line(&mut reader).is_err() {
                return;
            }
            continue;
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        held.worked();
        if let Some(reply) = handle(&buf, peer, dispatcher) {
            let mut line = reply.to_line();
            line.push('\n');
            if writer.write_all(line.as_bytes()).is_err() {
                return;
            }
        }
    }
}

/// Discards the rest of an overlong line.
fn skip_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        if let Some(i) = buf.iter().position(|&b| b == b'\n') {
            reader.consume(i + 1);
            return Ok(());
        }
        let n = buf.len();
        reader.consume(n);
    }
}

pub(crate) fn udp_loop(socket: UdpSocket, dispatcher: Arc<Dispatcher>) {
    let mut buf = vec![0u8; 65536];
    loop {
        let (n, peer) = match socket.recv_from(&mut buf) {
            Ok(r) => r,
            Err(e) => {
                log::warn!("UDP receive failed: {e}");
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        for line in buf[..n].split(|&b| b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            // UDP clients get no reply, even when they ask for one.
            let _ = handle(line, peer, &dispatcher);
        }
    }
}

/// Accepts one request line; the reply is for clients that asked for an ack.
fn handle(line: &[u8], peer: SocketAddr, dispatcher: &Arc<Dispatcher>) -> Option<Reply> {
    let received = Received::parse(line);
    let wants_ack = received.ack;
    match dispatcher.handle_line(received.envelope, peer) {
        Ok(accepted) => wants_ack.then(|| accepted.reply()),
        Err(r) => {
            log::warn!("{peer}: request refused: {}", r.message());
            wants_ack.then(|| Reply::Err { error: r.message() })
        }
    }
}
