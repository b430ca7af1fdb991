//! `POST /v1/forge/{github,gitlab,gitea}`: a forge's webhook, checked
//! against that forge's secret before anything is stored, read into an
//! event, routed and rendered, and stored in the spool (or the NATS stream)
//! under the forge's delivery id before the forge hears 2xx, so a
//! redelivered webhook is stored once and a crash after the answer loses
//! nothing. A forge with no secret configured has no endpoint (404).

use std::collections::{HashMap, HashSet};
use std::io::BufReader;
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;

use super::access::Rejection;
use super::dispatch::Dispatcher;
use super::listen::Deadline;
use crate::forge::render::Look;
use crate::forge::route::{ForgeSection, Routes};
use crate::forge::{Event, Forge, Outcome, What, BODY_BYTES};
use crate::net::http1::{self, RequestError, RequestHead};
use crate::notify::irker::protocol::Request;
use crate::notify::notice::NoticeType;

/// Bodies read at once: with [`BODY_BYTES`] each, the forge endpoints hold
/// at most 32 MiB however many connections a flood opens.
const BODIES_AT_ONCE: usize = 4;

/// How long a request waits for one of those before it is answered 503.
const BODY_WAIT: Duration = Duration::from_secs(5);

/// A forge on the internet may send a large body slowly: it has this long
/// for the whole request (the other endpoints have 10 s).
pub(super) const READ_TIME: Duration = Duration::from_secs(60);

/// CI results remembered (to tell "fixed" from "passed"); past this many
/// workflows the memory starts again.
const CI_REMEMBERED: usize = 10_000;

/// A delivery id longer than this, or with other characters than these, is
/// not used as one (the body's digest is).
const DELIVERY_CHARS: usize = 100;

pub(crate) struct Intake {
    secrets: HashMap<Forge, Vec<u8>>,
    routes: Routes,
    reading: (Mutex<usize>, Condvar),
    last_ci: Mutex<HashMap<String, Outcome>>,
    unknown: Mutex<HashSet<String>>,
}

impl Intake {
    /// The forges with a secret configured, or None when there are none.
    pub(crate) fn load(
        section: &ForgeSection,
        expand: impl Fn(&str) -> Result<String, String>,
    ) -> Result<Option<Intake>> {
        let mut secrets = HashMap::new();
        for forge in Forge::ALL {
            if let Some(path) = section.secret_file(forge) {
                let what = format!("[forge] {} secret", forge.name());
                let secret = crate::settings::read_one_line(path, &what)?;
                if secret.is_empty() {
                    anyhow::bail!(crate::exit::fail(
                        crate::exit::Code::Config,
                        format!("{what} file {} is empty", path.display())
                    ));
                }
                secrets.insert(forge, secret.into_bytes());
            }
        }
        if secrets.is_empty() {
            return Ok(None);
        }
        let routes = Routes::new(section, expand)
            .map_err(|e| crate::exit::fail(crate::exit::Code::Config, e))?;
        if routes.is_empty() {
            log::warn!("[forge] has secrets but no [[forge.route]]: webhooks are taken and nothing is sent");
        }
        Ok(Some(Intake {
            secrets,
            routes,
            reading: (Mutex::new(0), Condvar::new()),
            last_ci: Mutex::new(HashMap::new()),
            unknown: Mutex::new(HashSet::new()),
        }))
    }

    /// The forges that have an endpoint, for the start-up line.
    pub(crate) fn forges(&self) -> Vec<&'static str> {
        Forge::ALL
            .into_iter()
            .filter(|f| self.secrets.contains_key(f))
            .map(Forge::name)
            .collect()
    }

    /// Waits (a while) for one of the body reads, or None.
    fn reading_slot(&self) -> Option<ReadingSlot<'_>> {
        let (count, freed) = &self.reading;
        let mut n = count.lock().unwrap_or_else(|p| p.into_inner());
        let until = Instant::now() + BODY_WAIT;
        while *n >= BODIES_AT_ONCE {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            n = freed
                .wait_timeout(n, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *n += 1;
        Some(ReadingSlot(self))
    }

    /// Marks a CI result "fixed" when the same workflow on the same branch
    /// failed last time, and remembers this one.
    fn remember_ci(&self, e: &mut Event) {
        let What::Ci(ci) = &mut e.what else { return };
        let Some(outcome) = ci.outcome else { return };
        let key = format!(
            "{}/{}/{}/{}",
            e.forge.name(),
            e.repository,
            ci.name,
            ci.branch
        );
        let mut last = self.last_ci.lock().unwrap_or_else(|p| p.into_inner());
        if last.len() >= CI_REMEMBERED && !last.contains_key(&key) {
            last.clear();
        }
        let before = last.insert(key, outcome);
        ci.fixed = outcome == Outcome::Success && before == Some(Outcome::Failure);
    }
}

struct ReadingSlot<'a>(&'a Intake);

impl Drop for ReadingSlot<'_> {
    fn drop(&mut self) {
        let (count, freed) = &self.0.reading;
        *count.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
        freed.notify_one();
    }
}

/// What the endpoint answers: status and JSON body.
pub(super) type Answer = (u16, serde_json::Value);

fn refused(status: u16, why: impl Into<String>) -> Answer {
    (
        status,
        serde_json::json!({"ok": false, "error": why.into()}),
    )
}

/// Serves one forge request whose head has been read.
pub(super) fn serve(
    intake: Option<&Intake>,
    name: &str,
    head: &RequestHead,
    reader: &mut BufReader<Deadline<'_>>,
    stream: &TcpStream,
    peer: SocketAddr,
    dispatcher: &Arc<Dispatcher>,
) -> Answer {
    let Some(intake) = intake else {
        return refused(404, "no forge is configured ([forge] in the config)");
    };
    match take(intake, name, head, reader, stream, dispatcher) {
        Ok(event) => send(intake, event, head, peer, dispatcher),
        Err(answer) => answer,
    }
}

/// Reads a webhook whose forge has a secret, checks its signature, and
/// reads the event (the body is dropped once it is read).
fn take(
    intake: &Intake,
    name: &str,
    head: &RequestHead,
    reader: &mut BufReader<Deadline<'_>>,
    stream: &TcpStream,
    dispatcher: &Dispatcher,
) -> Result<Event, Answer> {
    let forge = Forge::parse(name).ok_or_else(|| {
        refused(
            404,
            format!("no forge called {name:?} (github, gitlab, gitea)"),
        )
    })?;
    let secret = intake
        .secrets
        .get(&forge)
        .ok_or_else(|| refused(404, format!("no secret is configured for {}", forge.name())))?;
    let _slot = intake
        .reading_slot()
        .ok_or_else(|| refused(503, "busy reading other webhooks: try again"))?;
    reader.get_mut().until = Instant::now() + READ_TIME;
    if http1::expects_continue(head) {
        let _ = std::io::Write::write_all(&mut &*stream, b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let body = http1::read_body(reader, head, BODY_BYTES).map_err(|e| match e {
        RequestError::Refused(status, why) => refused(status, why),
        RequestError::Io(e) => refused(400, format!("reading the body: {e}")),
        RequestError::Closed => refused(400, "the body was cut short"),
    })?;
    if let Err(why) = crate::forge::auth::verify(forge, secret, |n| head.header(n), &body) {
        dispatcher.metrics.rejected("bad_signature");
        return Err(refused(401, why));
    }
    let event_name = forge
        .event_headers()
        .iter()
        .find_map(|h| head.header(h))
        .unwrap_or_default()
        .trim();
    crate::forge::read(forge, event_name, &body).map_err(|why| {
        dispatcher.metrics.rejected("bad_request");
        refused(400, why)
    })
}

/// Routes and renders an event and stores what it sends.
fn send(
    intake: &Intake,
    mut event: Event,
    head: &RequestHead,
    peer: SocketAddr,
    dispatcher: &Arc<Dispatcher>,
) -> Answer {
    let forge = event.forge;
    intake.remember_ci(&mut event);
    match &event.what {
        What::Ping => return (200, serde_json::json!({"ok": true, "ping": true})),
        What::Unknown(kind) => {
            let mut seen = intake.unknown.lock().unwrap_or_else(|p| p.into_inner());
            if seen.len() < 1000 && seen.insert(format!("{}/{kind}", forge.name())) {
                log::info!(
                    "{peer}: {} event {kind:?} is not one vext reads: taken, not sent (said once)",
                    forge.name()
                );
            }
            return quiet("not an event vext reads");
        }
        What::Quiet(why) => return quiet(why),
        _ => {}
    }
    let targets = intake.routes.targets(&event);
    if targets.is_empty() {
        log::info!(
            "{peer}: {} {} of {}: no route sends it",
            forge.name(),
            event.kind(),
            event.repository
        );
        return quiet("no route sends it");
    }
    // IRC gets the configured colours; Matrix and webhooks the same lines
    // without them (control codes mean nothing there).
    let look = &intake.routes.look;
    let plain = Look {
        color: None,
        ..look.clone()
    };
    let groups: Vec<(Vec<String>, &Look)> = if look.color.is_none() {
        vec![(targets, look)]
    } else {
        let (irc, other): (Vec<String>, Vec<String>) = targets
            .into_iter()
            .partition(|t| t.starts_with("irc://") || t.starts_with("ircs://"));
        [(irc, look), (other, &plain)]
            .into_iter()
            .filter(|(to, _)| !to.is_empty())
            .collect()
    };
    let mut ids = Vec::new();
    for (i, (to, look)) in groups.into_iter().enumerate() {
        let lines = match crate::forge::render::lines(&event, look) {
            Ok(l) if l.is_empty() => return quiet("nothing to say"),
            Ok(l) => l,
            Err(why) => return refused(500, why),
        };
        let mut id = delivery_id(forge, head, &lines, &to);
        if i > 0 {
            id.push_str("-plain");
        }
        match store(dispatcher, &event, to, lines, id, peer) {
            Ok(id) => ids.push(id),
            Err(answer) => return answer,
        }
    }
    if let Ok(lines) = crate::forge::render::lines(&event, &plain) {
        publish(&event, &lines);
    }
    (202, serde_json::json!({"ok": true, "id": ids.join(",")}))
}

/// Stores one request (its lines to its targets) under `id`.
fn store(
    dispatcher: &Arc<Dispatcher>,
    event: &Event,
    to: Vec<String>,
    lines: Vec<String>,
    id: String,
    peer: SocketAddr,
) -> Result<String, Answer> {
    let request = Request {
        to,
        privmsg: lines.join("\n"),
        id: Some(id),
        ack: false,
        // No title: IRC would print it before the lines, and the lines
        // are to be the ones `vext hook git` sends.
        title: None,
        kind: notice_type(event),
        format: None,
        msgtype: None,
        refused: Vec::new(),
    };
    dispatcher
        .accept(request, peer, true)
        .map(|accepted| accepted.id)
        .map_err(|r| {
            dispatcher.metrics.rejected(r.label());
            let status = match r {
                Rejection::TargetNotAllowed(_) => 403,
                Rejection::RateLimited => 429,
                Rejection::Storage(_) | Rejection::ShuttingDown => 503,
                _ => 400,
            };
            refused(status, r.message())
        })
}

fn quiet(why: &str) -> Answer {
    (
        202,
        serde_json::json!({"ok": true, "sent": false, "why": why}),
    )
}

/// The spool id: the forge's delivery id (the same on a redelivery), or,
/// when a forge sends none usable, a digest of what would be sent.
fn delivery_id(forge: Forge, head: &RequestHead, lines: &[String], to: &[String]) -> String {
    let given = forge
        .delivery_headers()
        .iter()
        .find_map(|h| head.header(h))
        .map(str::trim)
        .filter(|d| {
            !d.is_empty()
                && d.len() <= DELIVERY_CHARS
                && d.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        });
    match given {
        Some(d) => format!("{}-{d}", forge.name()),
        None => {
            let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
            for part in lines.iter().chain(to) {
                ctx.update(part.as_bytes());
                ctx.update(b"\n");
            }
            let digest = crate::util::hex::hex(ctx.finish().as_ref());
            format!("{}-{}", forge.name(), &digest[..32])
        }
    }
}

fn notice_type(e: &Event) -> Option<NoticeType> {
    match e.action() {
        Some("failed") => Some(NoticeType::Failure),
        Some("fixed" | "passed" | "merged" | "published") => Some(NoticeType::Success),
        Some("cancelled") => Some(NoticeType::Warning),
        _ => Some(NoticeType::Info),
    }
}

/// `vext.events.forge.{forge}.{kind}` (with `--nats`): the event,
/// normalized, for other services.
fn publish(e: &Event, lines: &[String]) {
    crate::bus::events::emit(
        "forge",
        e.forge.name(),
        e.kind(),
        serde_json::json!({
            "repository": e.repository,
            "sender": e.sender,
            "action": e.action(),
            "branch": e.branch(),
            "lines": lines,
        }),
    );
}
