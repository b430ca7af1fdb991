//! The HTTP side (`--http ADDR`): `/healthz`, `/metrics`, `POST /v1/notify`.
//! One short request per connection (the reply closes it), each connection
//! on a thread and slot of its own (`slots`: a flood of connections cannot
//! shut out a health check); the request is read with
//! `net::http1`'s limits (a 16 KiB head, the irker request's size for the
//! body) within `READ_TIME`, so no client can make the daemon hold more than
//! that, or hold a thread for longer.

use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::access::Rejection;
use super::dispatch::Dispatcher;
use super::forge::Intake;
use super::listen::Deadline;
use super::slots::{accept_each, Slots};
use crate::net::http1::{self, RequestError, RequestHead};
use crate::notify::irker::protocol::{Reply, Request as Notify, MAX_REQUEST};

/// The most a request head (request line and headers) may be.
const MAX_HEAD: usize = 16 * 1024;

/// The time a client has to send its whole request.
const READ_TIME: Duration = Duration::from_secs(10);

/// The time a client has to take the reply.
const WRITE_TIME: Duration = Duration::from_secs(10);

pub(crate) fn serve(
    listener: TcpListener,
    dispatcher: Arc<Dispatcher>,
    forge: Option<Arc<Intake>>,
    max: usize,
) {
    let spawned = std::thread::Builder::new()
        .name("http".into())
        .spawn(move || accept_loop(listener, dispatcher, forge, max));
    if let Err(e) = spawned {
        log::error!("cannot start the HTTP listener: {e}");
    }
}

fn accept_loop(
    listener: TcpListener,
    dispatcher: Arc<Dispatcher>,
    forge: Option<Arc<Intake>>,
    max: usize,
) {
    let slots = Slots::new(max, "http-client");
    accept_each(listener, slots, move |stream, _| {
        serve_one(stream, &dispatcher, forge.as_deref());
    });
}

fn respond(mut stream: &TcpStream, status: u16, content_type: &str, body: &str) {
    let reason = match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    };
    let reply = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes());
}

fn serve_one(stream: &TcpStream, dispatcher: &Arc<Dispatcher>, forge: Option<&Intake>) {
    let Ok(peer) = stream.peer_addr() else { return };
    let _ = stream.set_write_timeout(Some(WRITE_TIME));
    let mut reader = BufReader::new(Deadline {
        stream,
        until: Instant::now() + READ_TIME,
    });
    let refuse = |status: u16, why: &str| {
        log::warn!("{peer}: HTTP request refused: {why}");
        let body = Reply::Err {
            error: why.to_string(),
        }
        .to_line();
        respond(stream, status, "application/json", &body);
    };
    let head = match http1::read_head(&mut reader, MAX_HEAD) {
        Ok(h) => h,
        Err(RequestError::Closed) => return,
        Err(RequestError::Io(e))
            if e.kind() == std::io::ErrorKind::TimedOut
                || e.kind() == std::io::ErrorKind::WouldBlock =>
        {
            return refuse(408, "the request did not arrive in time");
        }
        Err(RequestError::Io(e)) => {
            log::debug!("{peer}: HTTP request cut short: {e}");
            return;
        }
        Err(RequestError::Refused(status, why)) => return refuse(status, &why),
    };
    let path = head.path.split('?').next().unwrap_or("");
    match (head.method.as_str(), path) {
        ("GET", "/healthz") => {
            let (ok, body) = health(dispatcher);
            respond(
                stream,
                if ok { 200 } else { 503 },
                "application/json",
                &body,
            );
        }
        ("GET", "/metrics") => {
            let text = dispatcher.metrics.render(dispatcher.delivery.connections());
            respond(stream, 200, "text/plain; version=0.0.4", &text);
        }
        ("POST", "/v1/notify") => {
            if http1::expects_continue(&head) {
                let _ = (&*stream).write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
            }
            let body = match http1::read_body(&mut reader, &head, MAX_REQUEST) {
                Ok(b) => b,
                Err(RequestError::Refused(status, why)) => return refuse(status, &why),
                Err(RequestError::Io(e)) => {
                    return refuse(400, &format!("reading the body: {e}"));
                }
                Err(RequestError::Closed) => return,
            };
            let (status, reply) = notify(&head, &body, peer, dispatcher);
            respond(stream, status, "application/json", &reply.to_line());
        }
        ("POST", p) if p.starts_with("/v1/forge/") => {
            let name = &p["/v1/forge/".len()..];
            let (status, body) =
                super::forge::serve(forge, name, &head, &mut reader, stream, peer, dispatcher);
            if status >= 400 {
                refused_forge(peer, status, body["error"].as_str().unwrap_or_default());
            }
            respond(stream, status, "application/json", &body.to_string());
        }
        (_, "/healthz" | "/metrics" | "/v1/notify") => {
            respond(
                stream,
                405,
                "application/json",
                "{\"error\":\"method not allowed\"}",
            );
        }
        _ => respond(stream, 404, "application/json", "{\"error\":\"not found\"}"),
    }
}

/// Logs a refused forge request, at most one line per
/// [`FORGE_LOG_EVERY`] with a count of the ones between: a flood of forged
/// webhooks from the internet costs no disk in the log either.
fn refused_forge(peer: SocketAddr, status: u16, why: &str) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST_MS: AtomicU64 = AtomicU64::new(0);
    static QUIET: AtomicU64 = AtomicU64::new(0);
    let now = crate::state::db::now_ms().max(0) as u64;
    let last = LAST_MS.load(Ordering::Relaxed);
    if now.saturating_sub(last) < FORGE_LOG_EVERY.as_millis() as u64
        || LAST_MS
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        QUIET.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let quiet = QUIET.swap(0, Ordering::Relaxed);
    let more = if quiet > 0 {
        format!(" ({quiet} more refused since the last line)")
    } else {
        String::new()
    };
    log::warn!("{peer}: forge webhook refused ({status}): {why}{more}");
}

/// How often a refused forge request may be logged.
const FORGE_LOG_EVERY: Duration = Duration::from_secs(10);

fn health(dispatcher: &Dispatcher) -> (bool, String) {
    let spool_ok = dispatcher.writer.healthy();
    let body = serde_json::json!({
        "status": if spool_ok { "ok" } else { "unhealthy" },
        "spool": if spool_ok { "writable" } else { "failing" },
        "listeners": "up",
        "queue_depth": dispatcher.metrics.queue_depth.load(std::sync::atomic::Ordering::Relaxed),
        "irc_connections": dispatcher.delivery.connections(),
        "salvaged": dispatcher.writer.salvaged(),
    });
    (spool_ok, body.to_string())
}

fn notify(
    head: &RequestHead,
    body: &[u8],
    peer: SocketAddr,
    dispatcher: &Arc<Dispatcher>,
) -> (u16, Reply) {
    let result = (|| {
        let sig = head.header("X-Vext-Signature");
        match sig {
            Some(sig) => {
                let ts = head
                    .header("X-Vext-Timestamp")
                    .and_then(|t| t.trim().parse::<i64>().ok())
                    .ok_or_else(|| {
                        Rejection::BadRequest("X-Vext-Timestamp missing or not a number".into())
                    })?;
                let nonce = head
                    .header("X-Vext-Nonce")
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| Rejection::BadRequest("X-Vext-Nonce missing".into()))?
                    .to_string();
                let sig = sig.to_string();
                dispatcher.access.check_signature(body, ts, &nonce, &sig)?;
                let req = Notify::parse(body).map_err(Rejection::BadRequest)?;
                let signed = dispatcher.access.secret.is_some();
                return dispatcher.accept(super::access::with_nonce_id(req, &nonce), peer, signed);
            }
            None if !dispatcher.access.unsigned_ok(peer.ip()) => return Err(Rejection::Unsigned),
            None => {}
        }
        let req = Notify::parse(body).map_err(Rejection::BadRequest)?;
        dispatcher.accept(req, peer, false)
    })();
    match result {
        Ok(accepted) => (202, accepted.reply()),
        Err(r) => {
            dispatcher.metrics.rejected(r.label());
            log::warn!("{peer}: HTTP request refused: {}", r.message());
            let status = match r {
                Rejection::Unsigned
                | Rejection::BadSignature
                | Rejection::Stale
                | Rejection::Replayed => 401,
                Rejection::TargetNotAllowed(_) => 403,
                Rejection::RateLimited => 429,
                Rejection::Storage(_) | Rejection::ShuttingDown => 503,
                Rejection::BadRequest(_) => 400,
            };
            (status, Reply::Err { error: r.message() })
        }
    }
}
