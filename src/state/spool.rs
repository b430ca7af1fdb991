//! The durable spool: every accepted notification, stored in SQLite (WAL)
//! before it is acknowledged, with the state of each target. The spool is
//! also the history (`vext history` reads it).
//!
//! One writer thread owns the write connection and commits in groups: when
//! idle it commits a lone insert at once; whatever arrives while a commit is
//! under way goes into the next transaction together. Readers (the retry
//! scheduler, `vext history`) use their own connections, as WAL allows.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result};
#[cfg(test)]
use rusqlite::OptionalExtension;
use rusqlite::{params, Connection};

use crate::exit::{fail, Code};

/// The database file inside the state directory.
pub(crate) const DB_FILE: &str = "spool.sqlite";

/// Schema migrations, in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    // 1: messages and their deliveries (one per target).
    "CREATE TABLE messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        received_at INTEGER NOT NULL,
        source TEXT NOT NULL,
        text TEXT NOT NULL
     );
     CREATE TABLE deliveries (
        message_seq INTEGER NOT NULL REFERENCES messages(seq) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        target TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER,
        last_error TEXT,
        delivered_at INTEGER,
        PRIMARY KEY (message_seq, idx)
     );
     CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at);
     CREATE INDEX messages_received ON messages(received_at);",
    // 2: a notification's optional title and type.
    "ALTER TABLE messages ADD COLUMN title TEXT;
     ALTER TABLE messages ADD COLUMN type TEXT;",
    // 3: Matrix presentation: format and msgtype.
    "ALTER TABLE messages ADD COLUMN format TEXT;
     ALTER TABLE messages ADD COLUMN msgtype TEXT;",
    // 4: what `vext check` reported last, per image (for --only-new).
    "CREATE TABLE check_state (
        image TEXT PRIMARY KEY,
        newest TEXT,
        change TEXT NOT NULL,
        checked_at INTEGER NOT NULL
     );",
    // 5: the registry's digest of a non-version tag (`latest`) when last
    // checked, to tell a changed digest when nothing says what runs.
    "ALTER TABLE check_state ADD COLUMN digest TEXT;",
];

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Opens (creating and migrating when needed) the spool database.
pub(crate) fn open(dir: &Path) -> Result<Connection> {
    let path = dir.join(DB_FILE);
    let conn = Connection::open(&path).with_context(|| format!("opening {}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;",
    )
    .with_context(|| format!("configuring {}", path.display()))?;
    migrate(&conn).with_context(|| format!("migrating {}", path.display()))?;
    Ok(conn)
}

/// Opens an existing spool for reading (`vext history`).
pub(crate) fn open_existing(dir: &Path) -> Result<Connection> {
    let path = dir.join(DB_FILE);
    if !path.is_file() {
        return Err(fail(
            Code::DataErr,
            format!(
                "no spool at {} (has the daemon run with this --state-dir?)",
                path.display()
            ),
        ));
    }
    let conn = Connection::open(&path).with_context(|| format!("opening {}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version as usize > MIGRATIONS.len() {
        return Err(fail(
            Code::DataErr,
            format!(
                "{} was written by a newer vext (schema {version})",
                path.display()
            ),
        ));
    }
    Ok(conn)
}

fn migrate(conn: &Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let version = usize::try_from(version).unwrap_or(0);
    if version > MIGRATIONS.len() {
        return Err(fail(
            Code::Config,
            format!(
                "the spool was written by a newer vext (schema {version}, this one knows {})",
                MIGRATIONS.len()
            ),
        ));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// A notification to store.
pub(crate) struct NewMessage {
    pub(crate) id: String,
    pub(crate) source: String,
    pub(crate) targets: Vec<String>,
    pub(crate) text: String,
    pub(crate) received_at: i64,
    pub(crate) title: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) format: Option<String>,
    pub(crate) msgtype: Option<String>,
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
}

enum Op {
    Insert(NewMessage, Sender<Result<Stored, String>>),
    Update(Update),
    Purge { before: i64 },
    Barrier(Sender<()>),
}

/// The handle to the writer thread.
#[derive(Clone)]
pub(crate) struct Writer {
    tx: Sender<Op>,
    /// False while commits fail (disk full, read-only); `/healthz` reports it.
    healthy: Arc<AtomicBool>,
}

impl Writer {
    /// Starts the writer thread on its own connection.
    pub(crate) fn start(dir: &Path) -> Result<(Writer, JoinHandle<()>)> {
        let conn = open(dir)?;
        let (tx, rx) = mpsc::channel();
        let healthy = Arc::new(AtomicBool::new(true));
        let flag = healthy.clone();
        let thread = std::thread::Builder::new()
            .name("spool-writer".into())
            .spawn(move || write_loop(conn, rx, &flag))?;
        Ok((Writer { tx, healthy }, thread))
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

    pub(crate) fn update(&self, u: Update) {
        let _ = self.tx.send(Op::Update(u));
    }

    pub(crate) fn purge(&self, before: i64) {
        let _ = self.tx.send(Op::Purge { before });
    }

    pub(crate) fn healthy(&self) -> bool {
        self.healthy.load(Ordering::SeqCst)
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

fn write_loop(mut conn: Connection, rx: Receiver<Op>, healthy: &AtomicBool) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let mut replies = Vec::new();
        let mut barriers = Vec::new();
        let result = (|| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            for op in batch {
                match op {
                    Op::Insert(msg, reply) => {
                        let stored = insert(&tx, &msg)?;
                        replies.push((reply, stored));
                    }
                    Op::Update(u) => apply(&tx, &u)?,
                    Op::Purge { before } => {
                        let n = tx.execute(
                            "DELETE FROM messages WHERE received_at < ?1 AND NOT EXISTS (
                               SELECT 1 FROM deliveries d WHERE d.message_seq = messages.seq
                               AND d.state IN ('queued', 'sending'))",
                            params![before],
                        )?;
                        if n > 0 {
                            log::info!("spool: deleted {n} messages past retention");
                        }
                    }
                    Op::Barrier(b) => barriers.push(b),
                }
            }
            tx.commit()
        })();
        healthy.store(result.is_ok(), Ordering::SeqCst);
        match result {
            Ok(()) => {
                for (reply, stored) in replies {
                    let _ = reply.send(Ok(stored));
                }
            }
            Err(e) => {
                let reason = format!("cannot store the notification: {e}");
                log::error!("spool: {reason}");
                for (reply, _) in replies {
                    let _ = reply.send(Err(reason.clone()));
                }
            }
        }
        for b in barriers {
            let _ = b.send(());
        }
    }
}

fn insert(tx: &rusqlite::Transaction<'_>, msg: &NewMessage) -> rusqlite::Result<Stored> {
    let n = tx
        .prepare_cached(
            "INSERT INTO messages (id, received_at, source, text, title, type, format, msgtype)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(id) DO NOTHING",
        )?
        .execute(params![
            msg.id,
            msg.received_at,
            msg.source,
            msg.text,
            msg.title,
            msg.kind,
            msg.format,
            msg.msgtype
        ])?;
    if n == 0 {
        return Ok(Stored::Duplicate);
    }
    let seq = tx.last_insert_rowid();
    let mut stmt = tx.prepare_cached(
        "INSERT INTO deliveries (message_seq, idx, target, state, next_attempt_at)
         VALUES (?1, ?2, ?3, 'sending', ?4)",
    )?;
    for (i, t) in msg.targets.iter().enumerate() {
        stmt.execute(params![seq, i as i64, t, msg.received_at])?;
    }
    Ok(Stored::New { seq })
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
    pub(crate) kind: Option<String>,
    pub(crate) format: Option<String>,
    pub(crate) msgtype: Option<String>,
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
            kind: r.get(8)?,
            format: r.get(9)?,
            msgtype: r.get(10)?,
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

/// Deliveries not yet final (the queue depth).
pub(crate) fn pending_count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM deliveries WHERE state IN ('queued', 'sending')",
        [],
        |r| r.get(0),
    )?)
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
    pub(crate) state: String,
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

/// What `vext check` last recorded for an image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CheckSeen {
    pub(crate) newest: Option<String>,
    pub(crate) change: String,
    /// The registry's digest of the tag, for non-version tags.
    pub(crate) digest: Option<String>,
}

pub(crate) fn check_seen(conn: &Connection, image: &str) -> Result<Option<CheckSeen>> {
    let mut stmt =
        conn.prepare_cached("SELECT newest, change, digest FROM check_state WHERE image = ?1")?;
    let mut rows = stmt.query(params![image])?;
    Ok(match rows.next()? {
        Some(r) => Some(CheckSeen {
            newest: r.get(0)?,
            change: r.get(1)?,
            digest: r.get(2)?,
        }),
        None => None,
    })
}

/// Records what a check found; a digest not fetched this time keeps the old one.
pub(crate) fn check_record(conn: &Connection, image: &str, seen: &CheckSeen) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO check_state (image, newest, change, checked_at, digest)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(image) DO UPDATE SET newest = ?2, change = ?3, checked_at = ?4,
           digest = coalesce(?5, digest)",
    )?
    .execute(params![
        image,
        seen.newest,
        seen.change,
        now_ms(),
        seen.digest
    ])?;
    Ok(())
}

/// The state directory: the flag, else systemd's `$STATE_DIRECTORY`, else
/// `$XDG_STATE_HOME/vext`, else `~/.local/state/vext`.
pub(crate) fn state_dir(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(s) = var("STATE_DIRECTORY") {
        // systemd may list several, separated by ':'; the first is ours.
        let s = s
            .to_string_lossy()
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string();
        return Ok(PathBuf::from(s));
    }
    if let Some(x) = var("XDG_STATE_HOME") {
        return Ok(PathBuf::from(x).join("vext"));
    }
    if let Some(h) = var("HOME") {
        return Ok(PathBuf::from(h).join(".local/state/vext"));
    }
    Err(fail(
        Code::Config,
        "no state directory: give --state-dir (or set STATE_DIRECTORY, XDG_STATE_HOME or HOME)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

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
            "delivered"
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
