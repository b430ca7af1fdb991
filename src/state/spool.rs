//! The durable spool: every accepted notification, stored in SQLite (WAL)
//! before it is acknowledged, with the state of each target. The spool is
//! also the history (`vext history` reads it).
//!
//! One writer thread owns the write connection and commits in groups: when
//! idle it commits a lone insert at once; whatever arrives while a commit is
//! under way goes into the next transaction together. Readers (the retry
//! scheduler, `vext history`) use their own connections, as WAL allows.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Result;
#[cfg(test)]
use rusqlite::OptionalExtension;
use rusqlite::{params, Connection};

use super::db::open;
use crate::notify::notice::{Format, MsgType, NoticeType, Word};

/// A notification to store.
pub(crate) struct NewMessage {
    pub(crate) id: String,
    pub(crate) source: String,
    pub(crate) targets: Vec<String>,
    pub(crate) text: String,
    pub(crate) received_at: i64,
    pub(crate) title: Option<String>,
    pub(crate) kind: Option<NoticeType>,
    pub(crate) format: Option<Format>,
    pub(crate) msgtype: Option<MsgType>,
}

/// What storing a notification did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stored {
    /// Committed; deliver it.
    New { seq: i64 },
    /// The id was seen before: stored and delivered once already.
    Duplicate,
}

/// A change of one delivery's state.
#[derive(Clone)]
pub(crate) enum Update {
    Sending {
        seq: i64,
        idx: i64,
    },
    Delivered {
        seq: i64,
        idx: i64,
        at: i64,
    },
    Retry {
        seq: i64,
        idx: i64,
        next_at: i64,
        error: String,
    },
    Failed {
        seq: i64,
        idx: i64,
        error: String,
    },
    /// An attempt failed and the delivery goes on (the IRC connection
    /// retries): counted, with its error, the delivery still sending.
    Attempt {
        seq: i64,
        idx: i64,
        error: String,
    },
    /// Its route has a full window in memory: the delivery waits here,
    /// queued with no time set, until [`Writer::unpark`] takes it back.
    Park {
        seq: i64,
        idx: i64,
        route: String,
    },
}

impl Update {
    fn key(&self) -> (i64, i64) {
        match self {
            Update::Sending { seq, idx }
            | Update::Delivered { seq, idx, .. }
            | Update::Retry { seq, idx, .. }
            | Update::Failed { seq, idx, .. }
            | Update::Attempt { seq, idx, .. }
            | Update::Park { seq, idx, .. } => (*seq, *idx),
        }
    }
}

/// How a delivery made elsewhere (taken from the NATS queue) ended.
pub(crate) enum Final {
    Delivered { at: i64 },
    Failed { error: String },
}

enum Op {
    Insert(NewMessage, Sender<Result<Stored, String>>),
    Record(NewMessage, i64, Final),
    Update(Update),
    Purge {
        before: i64,
    },
    Unpark {
        route: String,
        limit: usize,
        now: i64,
        reply: Sender<Result<usize, String>>,
    },
    Barrier(Sender<()>),
}

/// The handle to the writer thread.
#[derive(Clone)]
pub(crate) struct Writer {
    tx: Sender<Op>,
    /// False while commits fail (disk full, read-only); `/healthz` reports it.
    healthy: Arc<AtomicBool>,
    /// State changes a failed commit could not write, kept until one
    /// succeeds: the scheduler asks it before starting a delivery the
    /// database still shows as due.
    unwritten: Arc<Mutex<Unwritten>>,
    /// False while reads fail (a damaged database); when that was last
    /// logged.
    reads_ok: Arc<AtomicBool>,
    read_logged: Arc<Mutex<Option<std::time::Instant>>>,
    /// What a salvage at start did, for `/healthz`.
    salvaged: Arc<Mutex<Option<String>>>,
}

/// A delivery's state changes that are not on disk yet, in order, at most
/// [`UNWRITTEN_PER_DELIVERY`] each (the oldest attempt counts go first):
/// bounded by the deliveries there are, since new messages are refused
/// while commits fail.
#[derive(Default)]
struct Unwritten {
    updates: std::collections::BTreeMap<(i64, i64), Vec<Update>>,
    /// When a failing commit was last logged: once when it starts, then
    /// once a minute while it lasts (a full disk is retried every second).
    logged: Option<std::time::Instant>,
}

const UNWRITTEN_PER_DELIVERY: usize = 8;

impl Unwritten {
    /// A commit went through: nothing is held any more.
    fn written(&mut self) {
        self.updates.clear();
        if self.logged.take().is_some() {
            log::info!("spool: writing again");
        }
    }

    /// A commit failed: logged when it starts and once a minute after.
    fn failed(&mut self, reason: &str) {
        let minute = std::time::Duration::from_secs(60);
        match self.logged {
            Some(t) if t.elapsed() < minute => log::debug!("spool: {reason}"),
            Some(_) => log::error!("spool: still failing: {reason}"),
            None => log::error!("spool: {reason}"),
        }
        if self.logged.is_none_or(|t| t.elapsed() >= minute) {
            self.logged = Some(std::time::Instant::now());
        }
    }

    fn keep(&mut self, u: Update) {
        let list = self.updates.entry(u.key()).or_default();
        if list.len() >= UNWRITTEN_PER_DELIVERY {
            if let Some(i) = list
                .iter()
                .position(|u| matches!(u, Update::Attempt { .. }))
            {
                list.remove(i);
            } else {
                list.remove(0);
            }
        }
        list.push(u);
    }

    /// What the last state change not yet written says about starting
    /// the delivery at `now`: None when nothing is held for it.
    fn hold(&self, key: (i64, i64), now: i64) -> Option<bool> {
        let list = self.updates.get(&key)?;
        list.iter().rev().find_map(|u| match u {
            Update::Retry { next_at, .. } => Some(*next_at > now),
            Update::Delivered { .. } | Update::Failed { .. } | Update::Park { .. } => Some(true),
            // Sending: the delivery is running; the scheduler knows it in flight.
            Update::Sending { .. } | Update::Attempt { .. } => None,
        })
    }
}

impl Writer {
    /// Starts the writer thread on its own connection.
    pub(crate) fn start(dir: &Path) -> Result<(Writer, JoinHandle<()>)> {
        let conn = open(dir)?;
        let (tx, rx) = mpsc::channel();
        let healthy = Arc::new(AtomicBool::new(true));
        let unwritten = Arc::new(Mutex::new(Unwritten::default()));
        let (flag, held) = (healthy.clone(), unwritten.clone());
        let thread = std::thread::Builder::new()
            .name("spool-writer".into())
            .spawn(move || write_loop(conn, &rx, &flag, &held))?;
        Ok((
            Writer {
                tx,
                healthy,
                unwritten,
                reads_ok: Arc::new(AtomicBool::new(true)),
                read_logged: Arc::default(),
                salvaged: Arc::default(),
            },
            thread,
        ))
    }

    /// Stores a message; returns once it is committed (or failed to be).
    pub(crate) fn insert(&self, msg: NewMessage) -> Result<Stored, String> {
        let (tx, rx) = mpsc::channel();
        self.tx
            .send(Op::Insert(msg, tx))
            .map_err(|_| "the spool writer has stopped".to_string())?;
        rx.recv()
            .map_err(|_| "the spool writer has stopped".to_string())?
    }

    /// Records, for `vext history`, a one-target delivery that ended
    /// outside the spool (the NATS work queue): it is never queued here,
    /// so nothing delivers it again. A second record of the same id
    /// updates the first.
    pub(crate) fn record(&self, msg: NewMessage, attempts: i64, outcome: Final) {
        let _ = self.tx.send(Op::Record(msg, attempts, outcome));
    }

    pub(crate) fn update(&self, u: Update) {
        let _ = self.tx.send(Op::Update(u));
    }

    /// Makes up to `limit` of the deliveries parked on `route` due now,
    /// oldest first; returns how many once that is committed.
    pub(crate) fn unpark(&self, route: &str, limit: usize, now: i64) -> Result<usize, String> {
        let (reply, rx) = mpsc::channel();
        self.tx
            .send(Op::Unpark {
                route: route.to_string(),
                limit,
                now,
                reply,
            })
            .map_err(|_| "the spool writer has stopped".to_string())?;
        rx.recv()
            .map_err(|_| "the spool writer has stopped".to_string())?
    }

    pub(crate) fn purge(&self, before: i64) {
        let _ = self.tx.send(Op::Purge { before });
    }

    /// Whether a state change that could not be written yet says the
    /// delivery must not start at `now` (it waits for its retry, or it
    /// ended): what the database would say had the commit succeeded.
    pub(crate) fn held(&self, seq: i64, idx: i64, now: i64) -> bool {
        let unwritten = self.unwritten.lock().unwrap_or_else(|p| p.into_inner());
        unwritten.hold((seq, idx), now) == Some(true)
    }

    /// Whether commits and reads both work.
    pub(crate) fn healthy(&self) -> bool {
        self.healthy.load(Ordering::SeqCst) && self.reads_ok.load(Ordering::SeqCst)
    }

    /// A read of the spool failed: `/healthz` says so until one works; the
    /// log says so once, then once a minute (the scheduler reads twice a
    /// second).
    pub(crate) fn read_failed(&self, what: &str, e: &anyhow::Error) {
        self.reads_ok.store(false, Ordering::SeqCst);
        let mut logged = self.read_logged.lock().unwrap_or_else(|p| p.into_inner());
        if logged.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(60)) {
            log::debug!("spool: {what}: {e:#}");
            return;
        }
        *logged = Some(std::time::Instant::now());
        let text = format!("{e:#}");
        let hint = if text.contains("malformed") || text.contains("not a database") {
            "; the spool is damaged: a restart checks it and salvages what can be read"
        } else {
            ""
        };
        log::error!("spool: {what}: {text}{hint}");
    }

    /// A read of the spool worked.
    pub(crate) fn read_ok(&self) {
        if !self.reads_ok.swap(true, Ordering::SeqCst) {
            log::info!("spool: reading again");
        }
    }

    /// Notes what a salvage at start did, for `/healthz`.
    pub(crate) fn set_salvaged(&self, note: String) {
        *self.salvaged.lock().unwrap_or_else(|p| p.into_inner()) = Some(note);
    }

    pub(crate) fn salvaged(&self) -> Option<String> {
        self.salvaged
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits until everything sent before has been committed.
    pub(crate) fn barrier(&self) {
        let (tx, rx) = mpsc::channel();
        if self.tx.send(Op::Barrier(tx)).is_ok() {
            let _ = rx.recv();
        }
    }
}

/// Most operations in one transaction.
const MAX_BATCH: usize = 4096;

/// How soon a failed commit is tried again when nothing new arrives.
const RETRY_COMMIT: Duration = Duration::from_secs(1);

fn write_loop(
    mut conn: Connection,
    rx: &Receiver<Op>,
    healthy: &AtomicBool,
    unwritten: &Mutex<Unwritten>,
) {
    loop {
        let held = |u: &Mutex<Unwritten>| {
            !u.lock()
                .unwrap_or_else(|p| p.into_inner())
                .updates
                .is_empty()
        };
        // With changes left unwritten, try again soon even if nothing comes.
        let first = if held(unwritten) {
            match rx.recv_timeout(RETRY_COMMIT) {
                Ok(op) => Some(op),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        } else {
            match rx.recv() {
                Ok(op) => Some(op),
                Err(_) => return,
            }
        };
        let mut batch: Vec<Op> = first.into_iter().collect();
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        commit(&mut conn, batch, healthy, unwritten);
    }
}

/// One transaction: what earlier failed commits left unwritten, then the
/// batch. On failure the batch's state changes join the unwritten ones, so
/// a delivery waiting for its retry is not started again meanwhile.
fn commit(
    conn: &mut Connection,
    batch: Vec<Op>,
    healthy: &AtomicBool,
    unwritten: &Mutex<Unwritten>,
) {
    let earlier: Vec<Update> = unwritten
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .updates
        .values()
        .flatten()
        .cloned()
        .collect();
    let mut replies = Vec::new();
    let mut unparked = Vec::new();
    let mut barriers = Vec::new();
    let mut updates = Vec::new();
    let result = (|| -> rusqlite::Result<()> {
        let tx = conn.transaction()?;
        for u in &earlier {
            apply(&tx, u)?;
        }
        for op in batch {
            match op {
                Op::Insert(msg, reply) => {
                    // The reply waits for the commit, or says why it failed.
                    replies.push((reply, None));
                    let stored = insert(&tx, &msg)?;
                    if let Some(r) = replies.last_mut() {
                        r.1 = Some(stored);
                    }
                }
                Op::Update(u) => {
                    let applied = apply(&tx, &u);
                    updates.push(u);
                    applied?;
                }
                Op::Record(msg, attempts, outcome) => record(&tx, &msg, attempts, &outcome)?,
                Op::Purge { before } => purge(&tx, before)?,
                Op::Unpark {
                    route,
                    limit,
                    now,
                    reply,
                } => {
                    let n = tx
                        .prepare_cached(
                            "UPDATE deliveries SET next_attempt_at = ?3 WHERE rowid IN (
                               SELECT rowid FROM deliveries
                               WHERE route = ?1 AND state = 'queued' AND next_attempt_at IS NULL
                               ORDER BY message_seq, idx LIMIT ?2)",
                        )?
                        .execute(params![route, limit as i64, now])?;
                    unparked.push((reply, n));
                }
                Op::Barrier(b) => barriers.push(b),
            }
        }
        tx.commit()
    })();
    healthy.store(result.is_ok(), Ordering::SeqCst);
    match result {
        Ok(()) => {
            unwritten
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .written();
            for (reply, stored) in replies {
                if let Some(stored) = stored {
                    let _ = reply.send(Ok(stored));
                }
            }
            for (reply, n) in unparked {
                let _ = reply.send(Ok(n));
            }
        }
        Err(e) => {
            let reason = format!("cannot store the notification: {e}");
            let mut held = unwritten.lock().unwrap_or_else(|p| p.into_inner());
            held.failed(&reason);
            for u in updates {
                held.keep(u);
            }
            drop(held);
            for (reply, _) in replies {
                let _ = reply.send(Err(reason.clone()));
            }
            for (reply, _) in unparked {
                let _ = reply.send(Err(format!("spool: {e}")));
            }
        }
    }
    for b in barriers {
        let _ = b.send(());
    }
}

fn purge(tx: &rusqlite::Transaction<'_>, before: i64) -> rusqlite::Result<()> {
    let n = tx.execute(
        "DELETE FROM messages WHERE received_at < ?1 AND NOT EXISTS (
           SELECT 1 FROM deliveries d WHERE d.message_seq = messages.seq
           AND d.state IN ('queued', 'sending'))",
        params![before],
    )?;
    if n > 0 {
        log::info!("spool: deleted {n} messages past retention");
    }
    Ok(())
}

/// Stores a message under its id. The same id again with the same text
/// and targets is a retry (a duplicate, not stored again); with other
/// text or targets it is another sender's message that happens to share
/// the id (or a client trying to swallow one): it is stored under the id
/// and a digest of its content, so neither vanishes.
fn insert(tx: &rusqlite::Transaction<'_>, msg: &NewMessage) -> rusqlite::Result<Stored> {
    if let Some(seq) = insert_as(tx, msg, &msg.id)? {
        return Ok(Stored::New { seq });
    }
    if same_message(tx, &msg.id, msg)? {
        return Ok(Stored::Duplicate);
    }
    let id = format!("{}~{}", msg.id, content_digest(msg));
    Ok(match insert_as(tx, msg, &id)? {
        Some(seq) => Stored::New { seq },
        None => Stored::Duplicate,
    })
}

/// Inserts the message and its deliveries under `id`; None if the id is taken.
fn insert_as(
    tx: &rusqlite::Transaction<'_>,
    msg: &NewMessage,
    id: &str,
) -> rusqlite::Result<Option<i64>> {
    let n = tx
        .prepare_cached(
            "INSERT INTO messages (id, received_at, source, text, title, type, format, msgtype)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(id) DO NOTHING",
        )?
        .execute(params![
            id,
            msg.received_at,
            msg.source,
            msg.text,
            msg.title,
            msg.kind.map(Word::as_str),
            msg.format.map(Word::as_str),
            msg.msgtype.map(Word::as_str)
        ])?;
    if n == 0 {
        return Ok(None);
    }
    let seq = tx.last_insert_rowid();
    let mut stmt = tx.prepare_cached(
        "INSERT INTO deliveries (message_seq, idx, target, state, next_attempt_at)
         VALUES (?1, ?2, ?3, 'sending', ?4)",
    )?;
    for (i, t) in msg.targets.iter().enumerate() {
        stmt.execute(params![seq, i as i64, t, msg.received_at])?;
    }
    Ok(Some(seq))
}

/// Whether the message stored as `id` has `msg`'s text, title and targets.
fn same_message(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    msg: &NewMessage,
) -> rusqlite::Result<bool> {
    let (seq, text, title): (i64, String, Option<String>) = tx.query_row(
        "SELECT seq, text, title FROM messages WHERE id = ?1",
        params![id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if text != msg.text || title != msg.title {
        return Ok(false);
    }
    let targets: Vec<String> = tx
        .prepare_cached("SELECT target FROM deliveries WHERE message_seq = ?1 ORDER BY idx")?
        .query_map(params![seq], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(targets == msg.targets)
}

/// 16 hex digits of a SHA-256 over the message's text, title and targets.
fn content_digest(msg: &NewMessage) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(&[u8::from(msg.title.is_some())]);
    for part in std::iter::once(msg.text.as_str())
        .chain(msg.title.as_deref())
        .chain(msg.targets.iter().map(String::as_str))
    {
        ctx.update(&(part.len() as u64).to_le_bytes());
        ctx.update(part.as_bytes());
    }
    ctx.finish().as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn record(
    tx: &rusqlite::Transaction<'_>,
    msg: &NewMessage,
    attempts: i64,
    outcome: &Final,
) -> rusqlite::Result<()> {
    let seq = match insert(tx, msg)? {
        Stored::New { seq } => seq,
        Stored::Duplicate => tx.query_row(
            "SELECT seq FROM messages WHERE id = ?1",
            params![msg.id],
            |r| r.get(0),
        )?,
    };
    let (state, at, error) = match outcome {
        Final::Delivered { at } => ("delivered", Some(*at), None),
        Final::Failed { error } => ("failed", None, Some(error.as_str())),
    };
    tx.execute(
        "UPDATE deliveries SET state = ?2, attempts = ?3, delivered_at = ?4, last_error = ?5,
         next_attempt_at = NULL WHERE message_seq = ?1",
        params![seq, state, attempts, at, error],
    )?;
    Ok(())
}

fn apply(tx: &rusqlite::Transaction<'_>, u: &Update) -> rusqlite::Result<()> {
    match u {
        Update::Sending { seq, idx } => tx.execute(
            "UPDATE deliveries SET state = 'sending' WHERE message_seq = ?1 AND idx = ?2 AND state = 'queued'",
            params![seq, idx],
        ),
        Update::Delivered { seq, idx, at } => tx.execute(
            "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, delivered_at = ?3,
             next_attempt_at = NULL WHERE message_seq = ?1 AND idx = ?2",
            params![seq, idx, at],
        ),
        Update::Retry { seq, idx, next_at, error } => tx.execute(
            "UPDATE deliveries SET state = 'queued', attempts = attempts + 1, next_attempt_at = ?3,
             last_error = ?4 WHERE message_seq = ?1 AND idx = ?2 AND state != 'delivered'",
            params![seq, idx, next_at, error],
        ),
        Update::Attempt { seq, idx, error } => tx.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = ?3
             WHERE message_seq = ?1 AND idx = ?2 AND state = 'sending'",
            params![seq, idx, error],
        ),
        Update::Park { seq, idx, route } => tx.execute(
            "UPDATE deliveries SET state = 'queued', next_attempt_at = NULL, route = ?3
             WHERE message_seq = ?1 AND idx = ?2 AND state IN ('queued', 'sending')",
            params![seq, idx, route],
        ),
        Update::Failed { seq, idx, error } => tx.execute(
            "UPDATE deliveries SET state = 'failed', attempts = attempts + 1, next_attempt_at = NULL,
             last_error = ?3 WHERE message_seq = ?1 AND idx = ?2 AND state != 'delivered'",
            params![seq, idx, error],
        ),
    }
    .map(|_| ())
}

/// A delivery that is due (queued and its time has come).
pub(crate) struct Due {
    pub(crate) seq: i64,
    pub(crate) idx: i64,
    pub(crate) target: String,
    pub(crate) text: String,
    pub(crate) id: String,
    pub(crate) received_at: i64,
    pub(crate) attempts: i64,
    pub(crate) title: Option<String>,
    pub(crate) kind: Option<NoticeType>,
    pub(crate) format: Option<Format>,
    pub(crate) msgtype: Option<MsgType>,
}

fn word<W: Word>(stored: Option<String>) -> Option<W> {
    W::parse(stored.as_deref()?)
}

/// Deliveries to (re)start: everything queued and due.
pub(crate) fn due(conn: &Connection, now: i64, limit: usize) -> Result<Vec<Due>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.message_seq, d.idx, d.target, m.text, m.id, m.received_at, d.attempts, m.title, m.type, m.format, m.msgtype
         FROM deliveries d JOIN messages m ON m.seq = d.message_seq
         WHERE d.state = 'queued' AND d.next_attempt_at <= ?1
         ORDER BY d.message_seq, d.idx LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, limit as i64], |r| {
        Ok(Due {
            seq: r.get(0)?,
            idx: r.get(1)?,
            target: r.get(2)?,
            text: r.get(3)?,
            id: r.get(4)?,
            received_at: r.get(5)?,
            attempts: r.get(6)?,
            title: r.get(7)?,
            // A word the vocabulary lacks (a spool edited by hand) is
            // left out: the message goes plain.
            kind: word(r.get(8)?),
            format: word(r.get(9)?),
            msgtype: word(r.get(10)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// After a crash or restart: what was being sent is queued again (at least once).
pub(crate) fn requeue_interrupted(conn: &Connection) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE deliveries SET state = 'queued' WHERE state = 'sending'",
        [],
    )?)
}

/// Deliveries parked per route (see [`Update::Park`]), as a restart finds them.
pub(crate) fn parked(conn: &Connection) -> Result<Vec<(String, usize)>> {
    let mut stmt = conn.prepare(
        "SELECT route, count(*) FROM deliveries
         WHERE state = 'queued' AND next_attempt_at IS NULL AND route IS NOT NULL GROUP BY route",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Deliveries not yet final (the queue depth).
pub(crate) fn pending_count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM deliveries WHERE state IN ('queued', 'sending')",
        [],
        |r| r.get(0),
    )?)
}

/// A delivery's state, as the spool's `deliveries.state` column holds it
/// (its CHECK constraint allows these four words only).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DeliveryState {
    Queued,
    Sending,
    Delivered,
    Failed,
}

impl Word for DeliveryState {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Sending => "sending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }
}

impl DeliveryState {
    /// Delivered or failed: nothing more will happen to it.
    pub(crate) fn is_final(self) -> bool {
        matches!(self, DeliveryState::Delivered | DeliveryState::Failed)
    }
}

impl std::fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl rusqlite::types::FromSql for DeliveryState {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let text = v.as_str()?;
        <DeliveryState as Word>::parse(text).ok_or_else(|| {
            rusqlite::types::FromSqlError::Other(format!("unknown delivery state {text:?}").into())
        })
    }
}

impl rusqlite::types::ToSql for DeliveryState {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

/// One stored message with its deliveries, for `vext history`.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Record {
    pub(crate) seq: i64,
    pub(crate) id: String,
    pub(crate) received_at: i64,
    pub(crate) source: String,
    pub(crate) text: String,
    pub(crate) deliveries: Vec<DeliveryRecord>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct DeliveryRecord {
    pub(crate) target: String,
    pub(crate) state: DeliveryState,
    pub(crate) attempts: i64,
    pub(crate) next_attempt_at: Option<i64>,
    pub(crate) last_error: Option<String>,
    pub(crate) delivered_at: Option<i64>,
}

/// Messages with `seq > after`, oldest first, at most `limit`.
pub(crate) fn records(
    conn: &Connection,
    after: i64,
    since: i64,
    limit: usize,
) -> Result<Vec<Record>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, id, received_at, source, text FROM messages
         WHERE seq > ?1 AND received_at >= ?2 ORDER BY seq LIMIT ?3",
    )?;
    let mut out: Vec<Record> = stmt
        .query_map(params![after, since, limit as i64], |r| {
            Ok(Record {
                seq: r.get(0)?,
                id: r.get(1)?,
                received_at: r.get(2)?,
                source: r.get(3)?,
                text: r.get(4)?,
                deliveries: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut dstmt = conn.prepare_cached(
        "SELECT target, state, attempts, next_attempt_at, last_error, delivered_at
         FROM deliveries WHERE message_seq = ?1 ORDER BY idx",
    )?;
    for rec in &mut out {
        rec.deliveries = dstmt
            .query_map(params![rec.seq], |r| {
                Ok(DeliveryRecord {
                    target: r.get(0)?,
                    state: r.get(1)?,
                    attempts: r.get(2)?,
                    next_attempt_at: r.get(3)?,
                    last_error: r.get(4)?,
                    delivered_at: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(out)
}

/// The highest sequence number stored (0 when empty).
#[cfg(test)]
pub(crate) fn last_seq(conn: &Connection) -> Result<i64> {
    Ok(conn
        .query_row("SELECT max(seq) FROM messages", [], |r| {
            r.get::<_, Option<i64>>(0)
        })
        .optional()?
        .flatten()
        .unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::db::{now_ms, open_existing, MIGRATIONS};
    use std::path::PathBuf;

    fn temp() -> PathBuf {
        let p = std::env::temp_dir().join(format!(
            "vext-spool-unit-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    fn msg(id: &str) -> NewMessage {
        NewMessage {
            id: id.into(),
            source: "127.0.0.1:1".into(),
            targets: vec!["irc://h/a".into(), "irc://h/b".into()],
            text: "hello".into(),
            received_at: now_ms(),
            title: None,
            kind: None,
            format: None,
            msgtype: None,
        }
    }

    #[test]
    fn insert_is_idempotent_by_id_and_updates_states() {
        let dir = temp();
        let (w, _t) = Writer::start(&dir).unwrap();
        let Stored::New { seq } = w.insert(msg("one")).unwrap() else {
            panic!("not new")
        };
        assert_eq!(w.insert(msg("one")).unwrap(), Stored::Duplicate);
        w.update(Update::Delivered {
            seq,
            idx: 0,
            at: now_ms(),
        });
        w.update(Update::Retry {
            seq,
            idx: 1,
            next_at: 0,
            error: "later".into(),
        });
        w.barrier();
        let conn = open_existing(&dir).unwrap();
        let recs = records(&conn, 0, 0, 10).unwrap();
        assert_eq!(recs.len(), 1);
        let states: Vec<&str> = recs[0]
            .deliveries
            .iter()
            .map(|d| d.state.as_str())
            .collect();
        assert_eq!(states, ["delivered", "queued"]);
        assert_eq!(due(&conn, now_ms(), 10).unwrap().len(), 1);
        assert_eq!(pending_count(&conn).unwrap(), 1);
        // A late success wins over a failure, never the other way round.
        w.update(Update::Failed {
            seq,
            idx: 0,
            error: "x".into(),
        });
        w.barrier();
        assert_eq!(
            records(&conn, 0, 0, 10).unwrap()[0].deliveries[0].state,
            DeliveryState::Delivered
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn interrupted_deliveries_are_requeued_and_old_ones_purged() {
        let dir = temp();
        let (w, _t) = Writer::start(&dir).unwrap();
        let Stored::New { seq } = w.insert(msg("a")).unwrap() else {
            panic!()
        };
        w.barrier();
        let conn = open_existing(&dir).unwrap();
        assert_eq!(requeue_interrupted(&conn).unwrap(), 2);
        w.purge(now_ms() + 1000);
        w.barrier();
        assert_eq!(
            last_seq(&conn).unwrap(),
            seq,
            "pending messages are never purged"
        );
        w.update(Update::Delivered { seq, idx: 0, at: 1 });
        w.update(Update::Failed {
            seq,
            idx: 1,
            error: "gone".into(),
        });
        w.purge(now_ms() + 1000);
        w.barrier();
        assert!(records(&conn, 0, 0, 10).unwrap().is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn parked_deliveries_wait_until_taken_back_oldest_first() {
        let dir = temp();
        let (w, _t) = Writer::start(&dir).unwrap();
        let mut seqs = Vec::new();
        for id in ["p1", "p2", "p3"] {
            let Stored::New { seq } = w.insert(msg(id)).unwrap() else {
                panic!("not new")
            };
            seqs.push(seq);
        }
        // Every target of p1..p3 parked on route r, but p1's second on s.
        for &seq in &seqs {
            for idx in 0..2 {
                let route = if seq == seqs[0] && idx == 1 { "s" } else { "r" };
                w.update(Update::Park {
                    seq,
                    idx,
                    route: route.into(),
                });
            }
        }
        w.barrier();
        let conn = open(&dir).unwrap();
        assert_eq!(
            parked(&conn).unwrap(),
            [("r".to_string(), 5), ("s".to_string(), 1)]
        );
        assert!(
            due(&conn, now_ms(), 100).unwrap().is_empty(),
            "parked is not due"
        );
        assert_eq!(
            requeue_interrupted(&conn).unwrap(),
            0,
            "parked is not sending"
        );
        assert_eq!(w.unpark("r", 2, now_ms()).unwrap(), 2);
        let d: Vec<(i64, i64)> = due(&conn, now_ms(), 100)
            .unwrap()
            .iter()
            .map(|d| (d.seq, d.idx))
            .collect();
        assert_eq!(
            d,
            [(seqs[0], 0), (seqs[1], 0)],
            "oldest first, route r only"
        );
        assert_eq!(w.unpark("r", 10, now_ms()).unwrap(), 3);
        assert_eq!(w.unpark("r", 10, now_ms()).unwrap(), 0);
        assert_eq!(parked(&conn).unwrap(), [("s".to_string(), 1)]);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn unwritten_changes_hold_a_delivery_and_stay_bounded() {
        let mut u = Unwritten::default();
        assert_eq!(u.hold((1, 0), 0), None, "nothing held");
        u.keep(Update::Sending { seq: 1, idx: 0 });
        assert_eq!(u.hold((1, 0), 0), None, "running: the scheduler knows");
        u.keep(Update::Retry {
            seq: 1,
            idx: 0,
            next_at: 100,
            error: "e".into(),
        });
        assert_eq!(u.hold((1, 0), 50), Some(true), "waits for its retry");
        assert_eq!(u.hold((1, 0), 100), Some(false), "due again at its time");
        for _ in 0..100 {
            u.keep(Update::Attempt {
                seq: 1,
                idx: 0,
                error: "e".into(),
            });
        }
        u.keep(Update::Delivered {
            seq: 1,
            idx: 0,
            at: 1,
        });
        assert_eq!(u.hold((1, 0), 1000), Some(true), "ended: never again");
        assert!(u.updates[&(1, 0)].len() <= UNWRITTEN_PER_DELIVERY);
    }

    #[test]
    fn migrations_are_versioned() {
        let dir = temp();
        let conn = open(&dir).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v as usize, MIGRATIONS.len());
        drop(conn);
        open(&dir).unwrap(); // re-opening does not re-apply
        let _ = std::fs::remove_dir_all(dir);
    }
}
