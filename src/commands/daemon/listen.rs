//! irker's protocol on TCP and UDP: one JSON request per line. Each TCP
//! client has its own thread, so an idle or half-written client never blocks
//! another; a bad line is logged and skipped, and the connection stays open.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::dispatch::Dispatcher;
use crate::notify::irker::protocol::{Received, Reply, MAX_REQUEST};

/// TCP clients served at once; more are refused (each has a thread).
const MAX_CLIENTS: usize = 1024;

/// An idle TCP client is dropped after this long.
const CLIENT_IDLE: Duration = Duration::from_secs(600);

/// The longest an ack may wait for a client to read it.
const ACK_WRITE_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) fn accept_loop(listener: TcpListener, dispatcher: Arc<Dispatcher>) {
    let refuse = |stream: TcpStream| {
        log::warn!(
            "{}: refused, already {MAX_CLIENTS} clients connected",
            stream
                .peer_addr()
                .map_or_else(|_| "?".into(), |a| a.to_string())
        );
    };
    accept_each(listener, MAX_CLIENTS, "client", refuse, move |stream| {
        serve_client(stream, &dispatcher);
    });
}

/// Serves each connection `listener` accepts on a thread of its own (named
/// `name`), at most `max` at once; one beyond that goes to `refuse`. The
/// irker listener and the HTTP side both take their clients this way.
pub(super) fn accept_each(
    listener: TcpListener,
    max: usize,
    name: &str,
    refuse: impl Fn(TcpStream),
    serve: impl Fn(TcpStream) + Send + Sync + 'static,
) {
    let serve = Arc::new(serve);
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(s) => s,
            Err(e) => {
                log::warn!("accept failed ({name}): {e}");
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        if open.load(Ordering::SeqCst) >= max {
            refuse(stream);
            continue;
        }
        open.fetch_add(1, Ordering::SeqCst);
        let (serve, done) = (serve.clone(), open.clone());
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .stack_size(256 * 1024)
            .spawn(move || {
                serve(stream);
                done.fetch_sub(1, Ordering::SeqCst);
            });
        if let Err(e) = spawned {
            open.fetch_sub(1, Ordering::SeqCst);
            log::error!("cannot start a {name} thread: {e}");
        }
    }
}

fn serve_client(stream: TcpStream, dispatcher: &Arc<Dispatcher>) {
    let Ok(peer) = stream.peer_addr() else { return };
    let _ = stream.set_read_timeout(Some(CLIENT_IDLE));
    // A client that stops reading its acks loses its connection instead of
    // holding this thread.
    let _ = stream.set_write_timeout(Some(ACK_WRITE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(e) => {
            log::warn!("{peer}: {e}");
            return;
        }
    };
    let mut reader = BufReader::new(stream);
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
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
