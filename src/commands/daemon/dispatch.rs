//! From an accepted request to confirmed deliveries: store (commit) first,
//! then hand the targets to the delivery layer; record each outcome in the spool;
//! retry transient failures with backoff until `--max-age`; resume what a
//! crash or restart interrupted.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;

use super::access::{Access, Rejection};
use super::metrics::Metrics;
use crate::notify::delivery::Delivery;
use crate::notify::destination::{Destination, IrcServer};
use crate::notify::error::DeliveryError;
use crate::notify::irc::line::text_lines;
use crate::notify::irker::protocol::{new_id, Envelope, Refused, Reply, Request};
use crate::notify::notice::Notice;
use crate::notify::outcome::{Attempt, Limits, Verdict};
use crate::state::spool::{self, NewMessage, Stored, Update};

pub(crate) struct Dispatcher {
    pub(crate) delivery: Arc<Delivery>,
    /// With `--nats`: accepted work goes to the shared queue instead of the spool.
    pub(crate) nats: Option<Arc<super::jetstream::Nats>>,
    /// What the daemon's config and environment add to targets (webhook
    /// API bases, templates, headers, Matrix credentials), each bound to its own destination.
    pub(crate) targets: Arc<crate::settings::targets::TargetSettings>,
    pub(crate) writer: spool::Writer,
    pub(crate) access: Access,
    pub(crate) metrics: Arc<Metrics>,
    /// What is in memory, and what waits in the spool, per route.
    load: Mutex<Load>,
    /// Deliveries held in memory per route; the rest wait in the spool.
    pub(crate) window: usize,
    /// Failed connection attempts per IRC server, as last recorded.
    attempts_seen: Mutex<HashMap<IrcServer, u64>>,
    pub(crate) outstanding: AtomicUsize,
    pub(crate) stopping: AtomicBool,
    max_age: Duration,
}

/// Most parked deliveries taken back per scheduler tick, over all routes
/// (what one `due` read then starts).
const UNPARK_PER_TICK: usize = 1000;

#[derive(Default)]
struct Load {
    /// Deliveries handed to the delivery layer and not yet answered.
    inflight: HashMap<(i64, i64), InFlight>,
    routes: HashMap<String, Route>,
    parked: usize,
}

struct InFlight {
    /// For IRC: the server, whose failed connection attempts count for it.
    server: Option<IrcServer>,
    route: String,
}

#[derive(Default)]
struct Route {
    inflight: usize,
    parked: usize,
    /// Counts parkings, so that a refill can tell none happened meanwhile.
    parkings: u64,
}

/// A stored request: its id, and the targets skipped as bad.
pub(crate) struct Accepted {
    pub(crate) id: String,
    pub(crate) refused: Vec<Refused>,
}

impl Accepted {
    pub(crate) fn reply(self) -> Reply {
        Reply::Ok {
            id: self.id,
            refused: self.refused,
        }
    }
}

impl Dispatcher {
    pub(crate) fn new(
        delivery: Delivery,
        writer: spool::Writer,
        access: Access,
        metrics: Arc<Metrics>,
        max_age: Duration,
    ) -> Dispatcher {
        Dispatcher {
            delivery: Arc::new(delivery),
            nats: None,
            targets: Arc::default(),
            writer,
            access,
            metrics,
            load: Mutex::new(Load::default()),
            window: crate::settings::daemon::WINDOW,
            attempts_seen: Mutex::new(HashMap::new()),
            outstanding: AtomicUsize::new(0),
            stopping: AtomicBool::new(false),
            max_age,
        }
    }

    /// One request line from TCP or UDP: what was accepted, or why not.
    pub(crate) fn handle_line(
        self: &Arc<Self>,
        envelope: Result<Envelope, String>,
        peer: SocketAddr,
    ) -> Result<Accepted, Rejection> {
        let result = envelope
            .map_err(Rejection::BadRequest)
            .and_then(|e| {
                let signed = self.access.secret.is_some() && matches!(e, Envelope::Signed { .. });
                Ok((self.access.open(e, peer.ip())?, signed))
            })
            .and_then(|(req, signed)| self.accept(req, peer, signed));
        if let Err(r) = &result {
            self.metrics.rejected(r.label());
        }
        result
    }

    /// A parsed (and, where needed, authenticated) request: checks, stores,
    /// delivers. `signed`: its signature was checked against the secret.
    pub(crate) fn accept(
        self: &Arc<Self>,
        request: Request,
        peer: SocketAddr,
        signed: bool,
    ) -> Result<Accepted, Rejection> {
        if self.stopping.load(Ordering::SeqCst) {
            return Err(Rejection::ShuttingDown);
        }
        self.access.check_rate(peer.ip(), signed)?;
        let id = request.id.clone().unwrap_or_else(new_id);
        let notice = request.notice(Some(id));
        self.take_in(&request.to, notice, request.refused, &peer.to_string())
    }

    /// The daemon's own news (a scheduled check's or update's summary), to
    /// the targets the config names: stored and delivered as a client's
    /// request is, but not counted against any client's rate.
    pub(crate) fn accept_own(
        self: &Arc<Self>,
        to: &[String],
        mut notice: Notice,
        source: &str,
    ) -> Result<Accepted, Rejection> {
        if self.stopping.load(Ordering::SeqCst) {
            return Err(Rejection::ShuttingDown);
        }
        notice.id = Some(notice.id.take().unwrap_or_else(new_id));
        self.take_in(to, notice, Vec::new(), source)
    }

    /// Stores a notice for the targets `to` and starts its deliveries. As
    /// irkerd does, a bad entry is logged and skipped, the others are
    /// delivered, and the ack says which were skipped.
    fn take_in(
        self: &Arc<Self>,
        to: &[String],
        notice: Notice,
        mut refused: Vec<Refused>,
        source: &str,
    ) -> Result<Accepted, Rejection> {
        let mut targets = Vec::with_capacity(to.len());
        let mut urls = Vec::with_capacity(to.len());
        for url in to {
            match Destination::parse(url) {
                Ok(t) => {
                    targets.push(self.targets.apply(t));
                    urls.push(url.clone());
                }
                Err(e) => refused.push(Refused {
                    target: crate::notify::destination::redacted(url),
                    error: e,
                }),
            }
        }
        for r in &refused {
            log::warn!("{source}: skipping bad target {}: {}", r.target, r.error);
        }
        if targets.is_empty() {
            let why: Vec<String> = refused
                .iter()
                .map(|r| format!("bad target URL {}: {}", r.target, r.error))
                .collect();
            return Err(Rejection::BadRequest(why.join("; ")));
        }
        self.access.check_targets(&targets)?;
        if text_lines(&notice.text).is_empty() {
            return Err(Rejection::BadRequest("empty privmsg".into()));
        }
        let id = notice.id.clone().unwrap_or_default();
        let received_at = crate::state::db::now_ms();
        if let Some(nats) = &self.nats {
            let pairs: Vec<(String, Destination)> = urls.into_iter().zip(targets).collect();
            let work = super::jetstream::work_items(&id, source, received_at, &notice, &pairs);
            nats.store(&work).map_err(Rejection::Storage)?;
            self.metrics.received.fetch_add(1, Ordering::Relaxed);
            return Ok(Accepted { id, refused });
        }
        let stored = self
            .writer
            .insert(NewMessage {
                id: id.clone(),
                source: source.to_string(),
                targets: urls,
                text: notice.text.clone(),
                received_at,
                title: notice.title.clone(),
                kind: notice.kind,
                format: notice.format,
                msgtype: notice.msgtype,
            })
            .map_err(Rejection::Storage)?;
        match stored {
            Stored::Duplicate => {
                log::info!("{source}: {id} already stored; not delivering it again");
            }
            Stored::New { seq } => {
                self.metrics.received.fetch_add(1, Ordering::Relaxed);
                self.metrics
                    .queue_depth
                    .fetch_add(targets.len() as i64, Ordering::Relaxed);
                log::debug!("{source}: stored {id} for {} target(s)", targets.len());
                let items = targets
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| (i as i64, t, 0))
                    .collect();
                self.deliver(seq, &id, received_at, &notice, items, true);
            }
        }
        Ok(Accepted { id, refused })
    }

    /// Hands deliveries `(idx, target, attempts)` of message `seq` to the
    /// delivery layer, those whose route has room; parks the others in the
    /// spool. `fresh`: just accepted, so it queues behind what is parked.
    fn deliver(
        self: &Arc<Self>,
        seq: i64,
        id: &str,
        received_at: i64,
        notice: &Notice,
        items: Vec<(i64, Destination, i64)>,
        fresh: bool,
    ) {
        if text_lines(&notice.text).is_empty() {
            for (idx, target, _) in items {
                let kind = target.kind_label();
                self.settle(
                    seq,
                    idx,
                    Verdict::Failed("empty message".into()),
                    received_at,
                    0,
                    kind,
                );
            }
            return;
        }
        let items = self.admit(seq, items, fresh);
        if items.is_empty() {
            return;
        }
        self.outstanding.fetch_add(items.len(), Ordering::SeqCst);
        let age = age_of(received_at);
        let expires = Instant::now() + self.max_age.saturating_sub(age);
        let targets: Vec<Destination> = items.iter().map(|(_, t, _)| t.clone()).collect();
        let shown: Vec<String> = targets.iter().map(Destination::to_string).collect();
        let meta: Vec<(i64, i64)> = items
            .iter()
            .map(|(idx, _, attempts)| (*idx, *attempts))
            .collect();
        let me = self.clone();
        let id = id.to_string();
        let kinds: Vec<&'static str> = targets.iter().map(Destination::kind_label).collect();
        self.delivery.submit(
            &targets,
            notice,
            Some(expires),
            Arc::new(move |i, result: Result<(), DeliveryError>| {
                let (idx, attempts) = meta[i];
                match &result {
                    Ok(()) => log::info!("{id}: delivered to {}", shown[i]),
                    Err(e) => log::warn!("{id}: {}: {}", shown[i], e.message),
                }
                let attempt = Attempt {
                    number: u32::try_from(attempts + 1).unwrap_or(u32::MAX),
                    age: age_of(received_at),
                    stopping: me.stopping.load(Ordering::SeqCst),
                };
                let limits = Limits {
                    max_age: Some(me.max_age),
                    max_attempts: None,
                };
                let verdict = Verdict::of(result, attempt, limits);
                me.settle(seq, idx, verdict, received_at, attempts, kinds[i]);
                me.release(seq, idx);
                me.outstanding.fetch_sub(1, Ordering::SeqCst);
            }),
        );
    }

    /// The deliveries whose route has room in its window, now counted in
    /// memory; the others are parked in the spool.
    fn admit(
        &self,
        seq: i64,
        items: Vec<(i64, Destination, i64)>,
        fresh: bool,
    ) -> Vec<(i64, Destination, i64)> {
        let mut guard = self.load.lock().unwrap_or_else(|p| p.into_inner());
        let load = &mut *guard;
        let mut admitted = Vec::with_capacity(items.len());
        for (idx, target, attempts) in items {
            let route = target.route();
            let r = load.routes.entry(route.clone()).or_default();
            if r.inflight >= self.window || (fresh && r.parked > 0) {
                r.parked += 1;
                r.parkings += 1;
                load.parked += 1;
                self.writer.update(Update::Park { seq, idx, route });
                continue;
            }
            r.inflight += 1;
            let server = match &target {
                Destination::Irc(t) => Some(t.server.clone()),
                _ => None,
            };
            load.inflight.insert((seq, idx), InFlight { server, route });
            admitted.push((idx, target, attempts));
        }
        self.show_load(load);
        admitted
    }

    /// A delivery answered: its room in the window is free again.
    fn release(&self, seq: i64, idx: i64) {
        let mut guard = self.load.lock().unwrap_or_else(|p| p.into_inner());
        let load = &mut *guard;
        if let Some(f) = load.inflight.remove(&(seq, idx)) {
            if let Some(r) = load.routes.get_mut(&f.route) {
                r.inflight -= 1;
                if r.inflight == 0 && r.parked == 0 {
                    load.routes.remove(&f.route);
                }
            }
        }
        self.show_load(load);
    }

    fn show_load(&self, load: &Load) {
        self.metrics
            .in_memory
            .store(load.inflight.len() as i64, Ordering::Relaxed);
        self.metrics
            .parked
            .store(load.parked as i64, Ordering::Relaxed);
    }

    /// Makes parked deliveries due again, oldest first, as far as their
    /// routes have room; the `due` read that follows starts them.
    fn refill(&self) {
        let wanted: Vec<(String, usize, u64)> = {
            let load = self.load.lock().unwrap_or_else(|p| p.into_inner());
            let mut budget = UNPARK_PER_TICK;
            let mut wanted = Vec::new();
            for (route, r) in &load.routes {
                if r.parked == 0 || r.inflight >= self.window || budget == 0 {
                    continue;
                }
                let n = (self.window - r.inflight).min(r.parked).min(budget);
                budget -= n;
                wanted.push((route.clone(), n, r.parkings));
            }
            wanted
        };
        for (route, limit, parkings) in wanted {
            let n = match self
                .writer
                .unpark(&route, limit, crate::state::db::now_ms())
            {
                Ok(n) => n,
                Err(e) => {
                    log::error!("spool: taking back deliveries parked for {route}: {e}");
                    return;
                }
            };
            let mut guard = self.load.lock().unwrap_or_else(|p| p.into_inner());
            let load = &mut *guard;
            if let Some(r) = load.routes.get_mut(&route) {
                // Fewer than asked, and none parked meanwhile: none are left.
                let taken = if n < limit && r.parkings == parkings {
                    r.parked
                } else {
                    n.min(r.parked)
                };
                r.parked -= taken;
                load.parked -= taken;
                if r.inflight == 0 && r.parked == 0 {
                    load.routes.remove(&route);
                }
            }
            self.show_load(load);
        }
    }

    /// Records what an attempt came to: in the spool, and in the metrics.
    fn settle(
        &self,
        seq: i64,
        idx: i64,
        verdict: Verdict,
        received_at: i64,
        attempts: i64,
        kind: &'static str,
    ) {
        let now = crate::state::db::now_ms();
        let update = match verdict {
            Verdict::Delivered => {
                self.metrics
                    .delivered(kind, (now - received_at) as f64 / 1000.0);
                Update::Delivered { seq, idx, at: now }
            }
            Verdict::Failed(error) => Update::Failed { seq, idx, error },
            Verdict::GaveUp(error) => Update::Failed {
                seq,
                idx,
                error: format!(
                    "gave up after {} attempts over {}s: {error}",
                    attempts + 1,
                    (now - received_at) / 1000
                ),
            },
            Verdict::Retry { after, error } => {
                let next_at = now + after.as_millis() as i64;
                self.writer.update(Update::Retry {
                    seq,
                    idx,
                    next_at,
                    error,
                });
                return;
            }
            Verdict::Held(error) => {
                // Cut short by the stop, not a failed attempt: it stays
                // 'sending', and the next start sends it first, in order.
                log::debug!("{seq}/{idx}: left for the next start: {error}");
                return;
            }
        };
        if matches!(update, Update::Failed { .. }) {
            self.metrics.failed(kind);
        }
        self.writer.update(update);
        self.metrics.queue_depth.fetch_sub(1, Ordering::Relaxed);
    }

    /// Resumes interrupted deliveries, then retries what is due, every second;
    /// purges past-retention messages now and then.
    pub(crate) fn schedule(self: Arc<Self>, state_dir: &Path, retain: Duration) -> Result<()> {
        let conn = crate::state::db::open(state_dir)?;
        let resumed = spool::requeue_interrupted(&conn)?;
        if resumed > 0 {
            log::info!("resuming {resumed} deliveries interrupted by a stop or crash");
        }
        self.metrics
            .queue_depth
            .store(spool::pending_count(&conn)?, Ordering::Relaxed);
        {
            let mut guard = self.load.lock().unwrap_or_else(|p| p.into_inner());
            let load = &mut *guard;
            for (route, n) in spool::parked(&conn)? {
                load.routes.entry(route).or_default().parked += n;
                load.parked += n;
            }
            self.show_load(load);
        }
        let me = self;
        std::thread::Builder::new()
            .name("scheduler".into())
            .spawn(move || {
                let mut last_purge: Option<Instant> = None;
                loop {
                    if me.stopping.load(Ordering::SeqCst) {
                        return;
                    }
                    if last_purge.is_none_or(|t| t.elapsed() > Duration::from_secs(600)) {
                        me.writer
                            .purge(crate::state::db::now_ms() - retain.as_millis() as i64);
                        last_purge = Some(Instant::now());
                    }
                    me.record_failed_attempts();
                    me.refill();
                    match spool::due(&conn, crate::state::db::now_ms(), 2000) {
                        Ok(due) => {
                            me.writer.read_ok();
                            me.start_due(due);
                        }
                        Err(e) => me.writer.read_failed("reading due deliveries", &e),
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
            })?;
        Ok(())
    }

    /// Whether every delivery in flight waits on an IRC server that has
    /// failed since it last registered: a stop need not wait for those
    /// (the spool keeps them), while one on a live connection, paced or
    /// not, is worth the whole drain.
    pub(crate) fn only_waiting_on_down_servers(&self) -> bool {
        let down: Vec<IrcServer> = self
            .delivery
            .connect_failures()
            .into_iter()
            .map(|(server, _, _)| server)
            .collect();
        let load = self.load.lock().unwrap_or_else(|p| p.into_inner());
        load.inflight
            .values()
            .all(|f| f.server.as_ref().is_some_and(|s| down.contains(s)))
    }

    /// Each failed attempt to reach an IRC server counts for the deliveries
    /// waiting on it, with its error: `vext history` shows why they wait.
    fn record_failed_attempts(&self) {
        let failures = self.delivery.connect_failures();
        let mut seen = self.attempts_seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.retain(|server, _| failures.iter().any(|(s, _, _)| s == server));
        for (server, count, error) in failures {
            let before = seen.insert(server.clone(), count).unwrap_or(0);
            if count <= before {
                continue;
            }
            let load = self.load.lock().unwrap_or_else(|p| p.into_inner());
            for ((seq, idx), f) in &load.inflight {
                if f.server.as_ref() == Some(&server) {
                    self.writer.update(Update::Attempt {
                        seq: *seq,
                        idx: *idx,
                        error: error.clone(),
                    });
                }
            }
        }
    }

    fn start_due(self: &Arc<Self>, due: Vec<spool::Due>) {
        let mut by_message: Vec<DueMessage> = Vec::new();
        {
            let load = self.load.lock().unwrap_or_else(|p| p.into_inner());
            let now = crate::state::db::now_ms();
            for d in due {
                // In flight, or a state change the disk could not take yet
                // says it waits (its retry) or has ended: not due after all.
                if load.inflight.contains_key(&(d.seq, d.idx))
                    || self.writer.held(d.seq, d.idx, now)
                {
                    continue;
                }
                let target = match Destination::parse(&d.target) {
                    Ok(t) => self.targets.apply(t),
                    Err(e) => {
                        self.settle(
                            d.seq,
                            d.idx,
                            Verdict::Failed(format!("bad target: {e}")),
                            d.received_at,
                            d.attempts,
                            crate::notify::destination::kind_of_url(&d.target),
                        );
                        continue;
                    }
                };
                self.writer.update(Update::Sending {
                    seq: d.seq,
                    idx: d.idx,
                });
                match by_message.last_mut() {
                    Some(m) if m.0 == d.seq => m.4.push((d.idx, target, d.attempts)),
                    _ => by_message.push((
                        d.seq,
                        d.id.clone(),
                        d.received_at,
                        Notice {
                            text: d.text,
                            title: d.title,
                            kind: d.kind,
                            format: d.format,
                            msgtype: d.msgtype,
                            id: Some(d.id.clone()),
                        },
                        vec![(d.idx, target, d.attempts)],
                    )),
                }
            }
        }
        for (seq, id, received_at, notice, items) in by_message {
            self.deliver(seq, &id, received_at, &notice, items, false);
        }
    }
}

/// Due deliveries of one message: seq, id, received_at, notice, (idx, target, attempts).
type DueMessage = (i64, String, i64, Notice, Vec<(i64, Destination, i64)>);

/// Since a notification accepted at `received_at` (ms) was accepted.
fn age_of(received_at: i64) -> Duration {
    Duration::from_millis((crate::state::db::now_ms() - received_at).max(0) as u64)
}
