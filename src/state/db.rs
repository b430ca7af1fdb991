//! The state database: one SQLite file in the state directory (WAL, full
//! sync), its schema and migrations. The spool, the check memory and the
//! update journal are small APIs over it.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result};
use rusqlite::Connection;

use crate::exit::{fail, Code};

/// The database file inside the state directory.
pub(crate) const DB_FILE: &str = "spool.sqlite";

/// Schema migrations, in order; `PRAGMA user_version` counts those applied.
pub(crate) const MIGRATIONS: &[&str] = &[
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
    // 6: the update journal (one row per workload update, its last step
    // recorded before the step is taken) and the versions held after a
    // rollback.
    "CREATE TABLE update_journal (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        workload TEXT NOT NULL,
        image TEXT NOT NULL,
        from_ref TEXT NOT NULL,
        to_ref TEXT NOT NULL,
        old_id TEXT,
        new_id TEXT,
        step TEXT NOT NULL,
        outcome TEXT,
        detail TEXT,
        started_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
     );
     CREATE INDEX update_journal_open ON update_journal(outcome);
     CREATE TABLE update_held (
        image TEXT NOT NULL,
        version TEXT NOT NULL,
        reason TEXT NOT NULL,
        held_at INTEGER NOT NULL,
        PRIMARY KEY (image, version)
     );",
    // 7: the NATS outbox: notifications accepted while NATS was out of
    // reach, forwarded (with the same message id) when it is back.
    "CREATE TABLE nats_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        msg_id TEXT NOT NULL UNIQUE,
        subject TEXT NOT NULL,
        payload BLOB NOT NULL,
        accepted_at INTEGER NOT NULL
     );",
    // 8: small named values other parts keep (Matrix sessions and room
    // ids), one transaction per change instead of a JSON file each.
    "CREATE TABLE kv (
        space TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (space, key)
     );",
    // 9: what the last delivered `--only-new` report said of an image
    // (JSON: newest, latest, change, digest), apart from what the last run
    // of any kind saw: only a report that reached its reader uses news up.
    "ALTER TABLE check_state ADD COLUMN reported TEXT;",
    // 10: deliveries parked in the spool while their route (IRC server,
    // homeserver, webhook host) has a full window in memory: queued with
    // no next attempt, taken back in order as the window drains.
    "ALTER TABLE deliveries ADD COLUMN route TEXT;
     CREATE INDEX deliveries_parked ON deliveries(route, message_seq, idx)
        WHERE state = 'queued' AND next_attempt_at IS NULL;",
    // 11: when each approved version of an image was first seen in its
    // registry: the age a policy's min_age holds an update for.
    "CREATE TABLE version_seen (
        image TEXT NOT NULL,
        tag TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        PRIMARY KEY (image, tag)
     );",
    // 12: updates a policy's `approve = \"manual\"` holds for a person:
    // one row per image and target version (its id is what they approve),
    // with who approved it and when.
    "CREATE TABLE update_pending (
        id TEXT PRIMARY KEY,
        image TEXT NOT NULL,
        to_ref TEXT NOT NULL,
        workload TEXT NOT NULL,
        from_ref TEXT NOT NULL,
        change TEXT NOT NULL,
        requested_at INTEGER NOT NULL,
        approved_by TEXT,
        approved_at INTEGER
     );",
    // 13: a person may also deny a pending update (approved_by/at then say
    // who denied it and when).
    "ALTER TABLE update_pending ADD COLUMN denied INTEGER NOT NULL DEFAULT 0;",
    // 14: when a request was announced in chat, so that a `--plan` that
    // records it does not take the real run's announcement away (requests
    // made before were announced when they were made).
    "ALTER TABLE update_pending ADD COLUMN announced_at INTEGER;
     UPDATE update_pending SET announced_at = requested_at;",
];

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// SQLite's page cache per connection, in KiB. What the daemon touches
/// is the newest pages (appends, recent deliveries, the due index); the
/// default (2 MiB per connection) only filled slowly with pages never read
/// again, and an hour of load showed it as resident memory that kept
/// growing for the first quarter hour. The kernel's page cache still holds
/// the rest of the file.
const CACHE_KIB: i64 = 256;

/// Opens (creating and migrating when needed) the state database.
pub(crate) fn open(dir: &Path) -> Result<Connection> {
    super::dir::ensure_private(dir)?;
    let path = dir.join(DB_FILE);
    // Created 0600 before SQLite opens it (SQLite gives its WAL and SHM
    // files the database's mode), never through a link, never another's.
    // An existing one is only looked at: opening and closing a descriptor
    // of it would drop the POSIX locks this process's other SQLite
    // connections hold on it.
    super::dir::check_own_file(&path)?;
    let conn = Connection::open_with_flags(&path, open_flags())
        .with_context(|| format!("opening {}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    configure(&conn).with_context(|| format!("configuring {}", path.display()))?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)
        .with_context(|| format!("configuring {}", path.display()))?;
    migrate(&conn).with_context(|| format!("migrating {}", path.display()))?;
    Ok(conn)
}

/// WAL, full sync, foreign keys. Turning a new database to WAL while
/// another process does the same can answer SQLITE_BUSY at once, without
/// the busy handler (seen with six processes opening a new state dir):
/// tried again with a growing pause, for at most about 5 s.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let mut pause = Duration::from_millis(5);
    loop {
        match conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;",
        ) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(pause + Duration::from_millis(fastrand::u64(0..5)));
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            other => return other,
        }
    }
}

/// SQLite's defaults, and no following a link where the database should be.
fn open_flags() -> rusqlite::OpenFlags {
    rusqlite::OpenFlags::default() | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW
}

/// Opens an existing database for reading (`vext history`).
pub(crate) fn open_existing(dir: &Path) -> Result<Connection> {
    let path = dir.join(DB_FILE);
    if !path.is_file() {
        // The systemd unit's StateDirectory: readers name it explicitly.
        let system = Path::new("/var/lib/vext").join(DB_FILE);
        let hint = if dir != Path::new("/var/lib/vext") && system.exists() {
            "; the system daemon's spool is in /var/lib/vext: give --state-dir /var/lib/vext"
        } else {
            ""
        };
        return Err(fail(
            Code::DataErr,
            format!(
                "no spool at {} (has the daemon run with this --state-dir?){hint}",
                path.display()
            ),
        ));
    }
    let conn = Connection::open_with_flags(&path, open_flags())
        .with_context(|| format!("opening {}", path.display()))?;
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

pub(crate) fn migrate(conn: &Connection) -> Result<()> {
    let known = MIGRATIONS.len();
    let current = |conn: &Connection| -> Result<usize> {
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let version = usize::try_from(version).unwrap_or(0);
        if version > known {
            return Err(fail(
                Code::Config,
                format!(
                    "the spool was written by a newer vext (schema {version}, this one knows {known})"
                ),
            ));
        }
        Ok(version)
    };
    if current(conn)? == known {
        return Ok(());
    }
    // Processes that open a new state dir together (a daemon starting
    // beside `vext send` runs) migrate one at a time: the version is read
    // again under the write lock, and only what is still missing is done.
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let migrated = (|| -> Result<()> {
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current(conn)?) {
            conn.execute_batch(sql)?;
            conn.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        Ok(())
    })();
    match migrated {
        Ok(()) => conn.execute_batch("COMMIT")?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e);
        }
    }
    Ok(())
}
