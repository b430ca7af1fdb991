//! `vext daemon --nats`: several daemons share one JetStream work queue.
//! Intake publishes each accepted notification (one message per target)
//! and acknowledges the client after the stream's PubAck; while NATS is
//! out of reach the local outbox holds them and forwards them in order,
//! with the same message ids, when it answers again. Deliveries come from
//! the shared consumer and are acknowledged only after the target
//! confirmed them.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use rusqlite::Connection;

use super::metrics::Metrics;
use crate::bus::events;
use crate::bus::lease::Leases;
use crate::bus::queue::{Job, Puller, Queue, QueueConfig, Work};
use crate::bus::Bus;
use crate::notify::delivery::Delivery;
use crate::notify::destination::Destination;
use crate::notify::error::DeliveryError;
use crate::notify::history::Filter;
use crate::notify::notice::{Notice, NoticeType};
use crate::notify::outcome::{Attempt, Limits, Verdict};
use crate::state::outbox;
use crate::state::spool::Final;

/// The request/reply subject every daemon answers from its own spool.
const HISTORY_SUBJECT: &str = "vext.query.history";

/// Deliveries one consumer (the shared one, or an IRC network's) holds at
/// a time in this daemon: a network that is down and slow to fail cannot
/// starve the others.
const MAX_INFLIGHT: usize = 256;

pub(crate) struct Nats {
    bus: Arc<Bus>,
    queue: Queue,
    leases: Leases,
    /// The IRC networks this daemon speaks for, with the lease revision.
    held: Mutex<HashMap<String, u64>>,
    outbox: Mutex<Connection>,
    /// Set while the outbox holds messages: new ones queue behind them, so
    /// that NATS receives them in the order they were accepted.
    backlog: AtomicBool,
    inflight: Mutex<HashMap<u64, (Arc<Job>, Instant)>>,
    next_key: AtomicUsize,
    stopping: AtomicBool,
}

impl Nats {
    /// Connects, creates or checks the stream and consumer; a bad stream
    /// or credentials end the start with a clear error.
    pub(crate) fn start(bus: Arc<Bus>, config: QueueConfig, state_dir: &Path) -> Result<Arc<Nats>> {
        let owner = format!("{} pid {}", crate::net::hostname(), std::process::id());
        let queue = Queue::open(bus.clone(), config)?;
        let c = &queue.config;
        let leases = Leases::open(bus.clone(), owner, c.replicas, c.lease_ttl)?;
        let conn = crate::state::db::open(state_dir)?;
        let waiting = outbox::len(&conn)?;
        if waiting > 0 {
            log::info!("{waiting} notifications wait in the outbox for NATS");
        }
        Ok(Arc::new(Nats {
            bus,
            queue,
            leases,
            held: Mutex::new(HashMap::new()),
            outbox: Mutex::new(conn),
            backlog: AtomicBool::new(waiting > 0),
            inflight: Mutex::new(HashMap::new()),
            next_key: AtomicUsize::new(0),
            stopping: AtomicBool::new(false),
        }))
    }

    /// Stores accepted work: in the stream, or (NATS out of reach) in the
    /// outbox. Only an error here refuses the request.
    pub(crate) fn store(&self, work: &[(String, Work)]) -> Result<(), String> {
        let mut rest = work;
        if !self.backlog.load(Ordering::SeqCst) && self.bus.connected() {
            while let Some(((subject, w), tail)) = rest.split_first() {
                let payload = serde_json::to_vec(w).map_err(|e| e.to_string())?;
                match self.bus.publish(subject, &w.msg_id(), payload) {
                    Ok(_) => rest = tail,
                    Err(e) => {
                        log::warn!("NATS: {e:#}");
                        break;
                    }
                }
            }
        }
        if rest.is_empty() {
            return Ok(());
        }
        let items: Vec<(String, String, Vec<u8>)> = rest
            .iter()
            .map(|(subject, w)| {
                (
                    w.msg_id(),
                    subject.clone(),
                    serde_json::to_vec(w).unwrap_or_default(),
                )
            })
            .collect();
        let mut conn = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
        outbox::push(&mut conn, &items).map_err(|e| format!("the outbox: {e:#}"))?;
        if !self.backlog.swap(true, Ordering::SeqCst) {
            log::warn!(
                "NATS is out of reach: accepted notifications wait in the local outbox until it is back"
            );
        }
        Ok(())
    }

    /// Starts the outbox forwarder, the shared consumer's puller, the
    /// lease keeper (which starts a puller per IRC network it holds) and
    /// the progress ticker.
    pub(crate) fn run(self: &Arc<Self>, deliver: Deliver) -> Result<()> {
        let shared = self.queue.shared()?;
        let me = self.clone();
        std::thread::Builder::new()
            .name("nats-outbox".into())
            .spawn(move || me.forward_loop())?;
        let me = self.clone();
        let d = deliver.clone();
        std::thread::Builder::new()
            .name("nats-shared".into())
            .spawn(move || me.pull_loop(&shared, &d, || true))?;
        let me = self.clone();
        std::thread::Builder::new()
            .name("nats-leases".into())
            .spawn(move || me.lease_loop(deliver))?;
        let me = self.clone();
        std::thread::Builder::new()
            .name("nats-progress".into())
            .spawn(move || me.progress_loop())?;
        Ok(())
    }

    /// Takes no more work from the queue (what is held is still finished).
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// Forwards the outbox, oldest first, whenever NATS answers.
    fn forward_loop(&self) {
        loop {
            std::thread::sleep(Duration::from_millis(200));
            if !self.backlog.load(Ordering::SeqCst) || !self.bus.connected() {
                continue;
            }
            let batch = {
                let conn = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
                match outbox::oldest(&conn, 256) {
                    Ok(b) if b.is_empty() => {
                        // Under the lock: nothing can be pushed in between.
                        self.backlog.store(false, Ordering::SeqCst);
                        log::info!("NATS: the outbox is forwarded");
                        continue;
                    }
                    Ok(b) => b,
                    Err(e) => {
                        log::error!("reading the NATS outbox: {e:#}");
                        continue;
                    }
                }
            };
            for p in batch {
                if let Err(e) = self.bus.publish(&p.subject, &p.msg_id, p.payload) {
                    log::warn!("NATS: forwarding the outbox: {e:#}");
                    break;
                }
                let conn = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
                if let Err(e) = outbox::remove(&conn, p.seq) {
                    log::error!("NATS outbox: {e:#}");
                }
            }
        }
    }

    /// Fetches and delivers while `keep` says so and the daemon runs.
    fn pull_loop(self: &Arc<Self>, puller: &Puller, deliver: &Deliver, keep: impl Fn() -> bool) {
        let mine = Arc::new(AtomicUsize::new(0));
        while !self.stopping.load(Ordering::SeqCst) && keep() {
            let room = MAX_INFLIGHT.saturating_sub(mine.load(Ordering::SeqCst));
            if room == 0 || !self.bus.connected() {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            match puller.fetch(room.min(64), Duration::from_secs(1)) {
                Ok(jobs) => {
                    for job in jobs {
                        self.take(job, deliver, &mine);
                    }
                }
                Err(e) => {
                    log::debug!("NATS: {e:#}");
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
        }
    }

    /// Keeps this daemon's IRC network leases and takes free ones: one
    /// daemon at a time speaks for a network (one identity there, and the
    /// order of its channels kept). A network taken over waits until the
    /// previous holder's unconfirmed messages are due again, so they go
    /// out before newer ones.
    fn lease_loop(self: Arc<Self>, deliver: Deliver) {
        let every = (self.leases.ttl / 3).max(Duration::from_millis(300));
        while !self.stopping.load(Ordering::SeqCst) {
            let held: Vec<(String, u64)> = self
                .held
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect();
            for (net, rev) in held {
                match self.leases.renew(&net, rev) {
                    Ok(Some(rev)) => {
                        self.held_mut().insert(net, rev);
                    }
                    Ok(None) => {
                        log::warn!(
                            "NATS: lost the lease for {net}; another daemon delivers there now"
                        );
                        self.held_mut().remove(&net);
                    }
                    Err(e) => log::debug!("NATS: {e:#}"),
                }
            }
            match self.queue.irc_networks() {
                Ok(networks) => {
                    for net in networks {
                        if self.held_mut().contains_key(&net) {
                            continue;
                        }
                        match self.leases.take(&net) {
                            Ok(Some(rev)) => {
                                self.held_mut().insert(net.clone(), rev);
                                self.start_network(net, deliver.clone());
                            }
                            Ok(None) => {}
                            Err(e) => log::debug!("NATS: {e:#}"),
                        }
                    }
                }
                Err(e) => log::debug!("NATS: {e:#}"),
            }
            std::thread::sleep(every);
        }
    }

    fn held_mut(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn start_network(self: &Arc<Self>, net: String, deliver: Deliver) {
        let me = self.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("nats-irc-{net}"))
            .spawn(move || {
                let puller = match me.queue.irc(&net) {
                    Ok(p) => p,
                    Err(e) => {
                        log::error!("NATS: {e:#}");
                        me.held_mut().remove(&net);
                        return;
                    }
                };
                log::info!("NATS: delivering for IRC network {net}");
                me.take_over(&net, &puller, &deliver);
                me.pull_loop(&puller, &deliver, || me.held_mut().contains_key(&net));
            });
        if let Err(e) = spawned {
            log::error!("NATS: cannot start a delivery thread: {e}");
        }
    }

    /// A network whose previous daemon died holding unconfirmed messages:
    /// once they are due again, gathers them (and whatever newer came with
    /// them) and delivers all in the order they were accepted. The server
    /// hands redeliveries out in no particular order.
    fn take_over(self: &Arc<Self>, net: &str, puller: &Puller, deliver: &Deliver) {
        let ack_wait = self.queue.config.ack_wait;
        let (pending, wait) = match puller.unconfirmed(ack_wait) {
            Ok(u) => u,
            Err(e) => {
                log::warn!("NATS: {net}: {e:#}");
                (0, Duration::ZERO)
            }
        };
        if pending == 0 {
            return;
        }
        log::info!(
            "NATS: {net}: {pending} messages the previous daemon did not confirm, due in {wait:?}"
        );
        std::thread::sleep(wait);
        let mut gathered: Vec<Job> = Vec::new();
        let until = Instant::now() + ack_wait;
        let mut redelivered = 0;
        while redelivered < pending
            && Instant::now() < until
            && !self.stopping.load(Ordering::SeqCst)
        {
            match puller.fetch(64, Duration::from_millis(300)) {
                Ok(jobs) => {
                    redelivered += jobs.iter().filter(|j| j.delivered > 1).count();
                    gathered.extend(jobs);
                }
                Err(e) => log::debug!("NATS: {e:#}"),
            }
        }
        gathered.sort_by_key(|j| j.sequence);
        let mine = Arc::new(AtomicUsize::new(0));
        for job in gathered {
            self.take(job, deliver, &mine);
        }
    }

    /// Answers `vext.query.history` from this daemon's spool: the request
    /// is a JSON filter (`target`, `state`, `since` in ms, `limit`), the
    /// reply `{"daemon", "records"}` as `vext history --json` prints them.
    pub(crate) fn serve_history(self: &Arc<Self>, state_dir: &Path) -> Result<()> {
        let sub = self.bus.subscribe(HISTORY_SUBJECT)?;
        let conn = crate::state::db::open(state_dir)?;
        let me = self.clone();
        std::thread::Builder::new()
            .name("nats-history".into())
            .spawn(move || {
                while !me.stopping.load(Ordering::SeqCst) {
                    let Some(req) = me.bus.next(&sub, Duration::from_secs(1)) else {
                        continue;
                    };
                    let Some(reply) = req.reply else { continue };
                    let answer = me.history_answer(&conn, &req.payload);
                    if let Err(e) = me.bus.send(&reply, answer.to_string().into_bytes()) {
                        log::debug!("NATS: answering a history query: {e:#}");
                    }
                }
            })?;
        Ok(())
    }

    fn history_answer(&self, conn: &Connection, payload: &[u8]) -> serde_json::Value {
        let filter: Filter = if payload.iter().all(u8::is_ascii_whitespace) {
            Filter {
                limit: 100,
                ..Filter::default()
            }
        } else {
            match serde_json::from_slice(payload) {
                Ok(f) => f,
                Err(e) => {
                    return serde_json::json!({
                        "daemon": self.leases.owner,
                        "error": format!("bad filter: {e}"),
                    })
                }
            }
        };
        match crate::notify::history::query(conn, &filter) {
            Ok((records, _)) => serde_json::json!({
                "daemon": self.leases.owner,
                "records": records.iter().map(crate::notify::history::to_json).collect::<Vec<_>>(),
            }),
            Err(e) => serde_json::json!({
                "daemon": self.leases.owner,
                "error": format!("{e:#}"),
            }),
        }
    }

    /// Gives the leases up (after the drain), so that another daemon takes
    /// over at once instead of after the lease TTL.
    pub(crate) fn release_leases(&self) {
        let held: Vec<(String, u64)> = self.held_mut().drain().collect();
        for (net, rev) in held {
            self.leases.release(&net, rev);
        }
    }

    /// Hands one job to the delivery layer; its outcome acks, naks or terms it.
    fn take(self: &Arc<Self>, job: Job, deliver: &Deliver, mine: &Arc<AtomicUsize>) {
        let work = match &job.work {
            Ok(w) => w.clone(),
            Err(e) => {
                log::error!("NATS: dropping a message: {e}");
                job.term();
                return;
            }
        };
        let target = match Destination::parse(&work.target) {
            Ok(t) => deliver.targets.apply(t),
            Err(e) => {
                log::error!("{}: bad target: {e}", work.msg_id());
                deliver
                    .metrics
                    .failed(crate::notify::destination::kind_of_url(&work.target));
                job.term();
                return;
            }
        };
        let key = self.next_key.fetch_add(1, Ordering::Relaxed) as u64;
        let job = Arc::new(job);
        self.inflight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, (job.clone(), Instant::now()));
        mine.fetch_add(1, Ordering::SeqCst);
        let notice = Notice {
            text: work.text.clone(),
            title: work.title.clone(),
            kind: work.kind,
            format: work.format,
            msgtype: work.msgtype,
            id: Some(work.id.clone()),
        };
        let taken = Taken {
            kind: target.kind_label(),
            shown: target.to_string(),
            job,
            work,
            history: deliver.history.clone(),
            metrics: deliver.metrics.clone(),
            tell: deliver
                .dead_letter
                .clone()
                .map(|t| (t, deliver.delivery.clone())),
        };
        let limits = Limits {
            max_age: None,
            max_attempts: Some(u32::try_from(self.queue.config.max_deliver).unwrap_or(u32::MAX)),
        };
        let expires = Instant::now() + self.queue.config.ack_wait;
        let me = self.clone();
        let mine = mine.clone();
        deliver.delivery.submit(
            &[target],
            &notice,
            Some(expires),
            Arc::new(move |_, result: Result<(), DeliveryError>| {
                let attempt = Attempt {
                    number: u32::try_from(taken.job.delivered).unwrap_or(u32::MAX),
                    age: Duration::ZERO,
                    // Stopping or not, a nak hands the job to another daemon.
                    stopping: false,
                };
                taken.settle(Verdict::of(result, attempt, limits));
                me.inflight
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&key);
                mine.fetch_sub(1, Ordering::SeqCst);
            }),
        );
    }

    /// Tells the server that deliveries still under way are not lost, so
    /// that a slow one is not redelivered to another daemon meanwhile.
    fn progress_loop(&self) {
        let every = (self.queue.config.ack_wait / 3).max(Duration::from_millis(200));
        loop {
            std::thread::sleep(every);
            let due: Vec<Arc<Job>> = self
                .inflight
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .values()
                .filter(|(_, since)| since.elapsed() >= every)
                .map(|(j, _)| j.clone())
                .collect();
            for job in due {
                job.progress();
            }
        }
    }

    /// Deliveries held from the queue and not yet answered.
    pub(crate) fn inflight(&self) -> usize {
        self.inflight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }
}

/// What delivering needs from the daemon.
#[derive(Clone)]
pub(crate) struct Deliver {
    pub(crate) delivery: Arc<Delivery>,
    /// This daemon's spool, where what it delivered is recorded for `vext history`.
    pub(crate) history: crate::state::spool::Writer,
    pub(crate) targets: Arc<crate::settings::targets::TargetSettings>,
    pub(crate) metrics: Arc<Metrics>,
    /// Told about every notification given up on (`[nats] dead_letter`).
    pub(crate) dead_letter: Option<Destination>,
}

/// Tells the `dead_letter` target that a notification was given up on.
/// A job under way, with what its outcome is recorded with.
struct Taken {
    job: Arc<Job>,
    work: Work,
    kind: &'static str,
    /// The target as logs show it (redacted).
    shown: String,
    history: crate::state::spool::Writer,
    metrics: Arc<Metrics>,
    /// Where a job given up on is reported.
    tell: Option<(Destination, Arc<Delivery>)>,
}

impl Taken {
    /// Acks, terms or naks the job as the verdict says; records and
    /// publishes what became of it.
    fn settle(&self, verdict: Verdict) {
        let (job, work, shown) = (&self.job, &self.work, &self.shown);
        let id = work.msg_id();
        let event = |what: &str, error: Option<&str>| {
            events::emit(
                "notify",
                self.kind,
                what,
                serde_json::json!({
                    "id": work.id,
                    "target": shown,
                    "attempt": job.delivered,
                    "accepted_at_ms": work.received_at,
                    "error": error,
                }),
            );
        };
        let record = |outcome| {
            self.history.record(
                crate::state::spool::NewMessage {
                    id: id.clone(),
                    source: work.source.clone(),
                    targets: vec![work.target.clone()],
                    text: work.text.clone(),
                    received_at: work.received_at,
                    title: work.title.clone(),
                    kind: work.kind,
                    format: work.format,
                    msgtype: work.msgtype,
                },
                job.delivered,
                outcome,
            );
        };
        match verdict {
            Verdict::Delivered => {
                log::info!("{id}: delivered to {shown}");
                job.ack();
                record(Final::Delivered {
                    at: crate::state::db::now_ms(),
                });
                let latency = (crate::state::db::now_ms() - work.received_at).max(0);
                self.metrics.delivered(self.kind, latency as f64 / 1000.0);
                event("delivered", None);
            }
            Verdict::Failed(error) | Verdict::GaveUp(error) => {
                log::warn!(
                    "{id}: {shown}: {error} (attempt {}, giving up)",
                    job.delivered
                );
                job.term();
                self.metrics.failed(self.kind);
                event("failed", Some(&error));
                if let Some((to, delivery)) = &self.tell {
                    dead_letter_notice(delivery, to, &id, shown, job.delivered, &error);
                }
                record(Final::Failed { error });
            }
            Verdict::Retry { after, error } => {
                log::warn!("{id}: {shown}: {error} (attempt {})", job.delivered);
                job.nak(after);
            }
            Verdict::Held(error) => {
                log::warn!("{id}: {shown}: {error} (attempt {})", job.delivered);
                job.nak(crate::notify::outcome::RETRY_FLOOR);
            }
        }
    }
}

/// Its own failure is logged, never retried: no loop of dead letters.
fn dead_letter_notice(
    delivery: &Delivery,
    to: &Destination,
    id: &str,
    target: &str,
    attempts: i64,
    error: &str,
) {
    let notice = Notice {
        text: format!("gave up on {id} to {target} after {attempts} attempt(s): {error}"),
        title: Some("vext: undeliverable".into()),
        kind: Some(NoticeType::Failure),
        id: Some(format!("dead-{id}")),
        ..Notice::default()
    };
    let shown = to.to_string();
    delivery.submit(
        std::slice::from_ref(to),
        &notice,
        Some(Instant::now() + Duration::from_secs(30)),
        Arc::new(move |_, r: Result<(), DeliveryError>| {
            if let Err(e) = r {
                log::error!("dead letter to {shown}: {}", e.message);
            }
        }),
    );
}

/// One work item per target of an accepted request.
pub(crate) fn work_items(
    id: &str,
    source: &str,
    received_at: i64,
    notice: &Notice,
    targets: &[(String, Destination)],
) -> Vec<(String, Work)> {
    targets
        .iter()
        .enumerate()
        .map(|(idx, (url, target))| {
            let work = Work {
                id: id.to_string(),
                idx,
                target: url.clone(),
                text: notice.text.clone(),
                title: notice.title.clone(),
                kind: notice.kind,
                format: notice.format,
                msgtype: notice.msgtype,
                received_at,
                source: source.to_string(),
            };
            let network = match target {
                Destination::Irc(t) => t.server.addr(),
                Destination::Matrix(m) => m.host.clone(),
                Destination::Webhook(_) => String::new(),
            };
            (work.subject(target.kind_label(), &network), work)
        })
        .collect()
}
