//! The HTTP side (`--http ADDR`): `/healthz`, `/metrics`, `POST /v1/notify`.
//! tiny_http parses HTTP; a few worker threads answer.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;

use tiny_http::{Header, Method, Request, Response, Server};

use super::access::Rejection;
use super::dispatch::Dispatcher;
use crate::notify::irker::protocol::{Reply, Request as Notify, MAX_REQUEST};

pub(crate) fn serve(server: Arc<Server>, dispatcher: Arc<Dispatcher>, workers: usize) {
    for _ in 0..workers {
        let server = server.clone();
        let dispatcher = dispatcher.clone();
        let spawned = std::thread::Builder::new()
            .name("http".into())
            .spawn(move || {
                for request in server.incoming_requests() {
                    answer(request, &dispatcher);
                }
            });
        if let Err(e) = spawned {
            log::error!("cannot start an HTTP thread: {e}");
        }
    }
}

fn json_header() -> Header {
    Header::from_bytes("Content-Type", "application/json").expect("static header")
}

fn answer(mut request: Request, dispatcher: &Arc<Dispatcher>) {
    let peer = request
        .remote_addr()
        .copied()
        .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
    let path = request.url().split('?').next().unwrap_or("").to_string();
    let response = match (request.method(), path.as_str()) {
        (Method::Get, "/healthz") => {
            let (ok, body) = health(dispatcher);
            Response::from_string(body)
                .with_status_code(if ok { 200 } else { 503 })
                .with_header(json_header())
        }
        (Method::Get, "/metrics") => {
            Response::from_string(dispatcher.metrics.render(dispatcher.delivery.connections()))
                .with_header(
                    Header::from_bytes("Content-Type", "text/plain; version=0.0.4")
                        .expect("static header"),
                )
        }
        (Method::Post, "/v1/notify") => {
            let (status, reply) = notify(&mut request, peer, dispatcher);
            Response::from_string(reply.to_line())
                .with_status_code(status)
                .with_header(json_header())
        }
        (_, "/healthz" | "/metrics" | "/v1/notify") => {
            Response::from_string("{\"error\":\"method not allowed\"}").with_status_code(405)
        }
        _ => Response::from_string("{\"error\":\"not found\"}").with_status_code(404),
    };
    let _ = request.respond(response);
}

fn health(dispatcher: &Dispatcher) -> (bool, String) {
    let spool_ok = dispatcher.writer.healthy();
    let body = serde_json::json!({
        "status": if spool_ok { "ok" } else { "unhealthy" },
        "spool": if spool_ok { "writable" } else { "failing" },
        "listeners": "up",
        "queue_depth": dispatcher.metrics.queue_depth.load(std::sync::atomic::Ordering::Relaxed),
        "irc_connections": dispatcher.delivery.connections(),
    });
    (spool_ok, body.to_string())
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

fn notify(request: &mut Request, peer: SocketAddr, dispatcher: &Arc<Dispatcher>) -> (u16, Reply) {
    let mut body = Vec::new();
    if let Err(e) = request
        .as_reader()
        .take(MAX_REQUEST as u64 + 1)
        .read_to_end(&mut body)
    {
        return (
            400,
            Reply::Err {
                error: format!("reading the body: {e}"),
            },
        );
    }
    let result = (|| {
        if body.len() > MAX_REQUEST {
            return Err(Rejection::BadRequest(format!(
                "body longer than {MAX_REQUEST} bytes"
            )));
        }
        let sig = header(request, "X-Vext-Signature");
        match sig {
            Some(sig) => {
                let ts = header(request, "X-Vext-Timestamp")
                    .and_then(|t| t.trim().parse::<i64>().ok())
                    .ok_or_else(|| {
                        Rejection::BadRequest("X-Vext-Timestamp missing or not a number".into())
                    })?;
                let nonce = header(request, "X-Vext-Nonce")
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| Rejection::BadRequest("X-Vext-Nonce missing".into()))?
                    .to_string();
                let sig = sig.to_string();
                dispatcher.access.check_signature(&body, ts, &nonce, &sig)?;
            }
            None if !dispatcher.access.unsigned_ok(peer.ip()) => return Err(Rejection::Unsigned),
            None => {}
        }
        let req = Notify::parse(&body).map_err(Rejection::BadRequest)?;
        dispatcher.accept(req, peer)
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
