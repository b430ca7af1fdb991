//! A damaged state database is found at start and what can be read of it
//! is kept: `quick_check` (or an open that fails as not a database) finds
//! the damage; the damaged file is moved aside, kept beside the new one,
//! and every row still readable is copied into a fresh database, table by
//! table, row by row (a bad page loses the rows on it, not the rest).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use rusqlite::Connection;

use super::db::DB_FILE;

/// The tables worth keeping, parents before children.
const TABLES: &[&str] = &[
    "messages",
    "deliveries",
    "nats_outbox",
    "kv",
    "check_state",
    "update_journal",
    "update_held",
];

/// What was found at start.
#[derive(Debug, PartialEq)]
pub(crate) enum Found {
    /// No database yet, or a sound one.
    Sound,
    /// The file was there but empty: a spool cut to nothing.
    Empty,
    /// Damaged: moved to `kept`, `rows` salvaged into a fresh database.
    Salvaged {
        why: String,
        kept: PathBuf,
        rows: usize,
    },
}

/// Checks the state database in `dir` and salvages it when damaged. Run
/// before anything else opens it (the daemon, under its lock).
pub(crate) fn check(dir: &Path) -> Result<Found> {
    let path = dir.join(DB_FILE);
    let Ok(meta) = std::fs::symlink_metadata(&path) else {
        return Ok(Found::Sound);
    };
    if meta.len() == 0 {
        return Ok(Found::Empty);
    }
    let Some(why) = damage(&path) else {
        return Ok(Found::Sound);
    };
    let kept = dir.join(format!("{DB_FILE}.damaged-{}", super::db::now_ms()));
    std::fs::rename(&path, &kept)
        .with_context(|| format!("moving the damaged {} aside", path.display()))?;
    for side in ["-wal", "-shm"] {
        let from = dir.join(format!("{DB_FILE}{side}"));
        if from.exists() {
            let to = PathBuf::from(format!("{}{side}", kept.display()));
            std::fs::rename(&from, &to)
                .with_context(|| format!("moving {} aside", from.display()))?;
        }
    }
    let fresh = super::db::open(dir)?;
    let rows = copy_readable(&fresh, &kept);
    Ok(Found::Salvaged { why, kept, rows })
}

/// What is wrong with the database at `path`, if anything.
fn damage(path: &Path) -> Option<String> {
    let conn = match Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW,
    ) {
        Ok(c) => c,
        Err(e) => return Some(e.to_string()),
    };
    let checked: rusqlite::Result<Vec<String>> = conn
        .prepare("PRAGMA quick_check(5)")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect());
    match checked {
        Ok(lines) if lines == ["ok"] => None,
        Ok(lines) => Some(lines.join("; ")),
        Err(e) => Some(e.to_string()),
    }
}

/// Copies every row that can still be read from `damaged` into `fresh`;
/// returns how many.
fn copy_readable(fresh: &Connection, damaged: &Path) -> usize {
    let attached = fresh.execute(
        "ATTACH DATABASE ?1 AS damaged",
        [damaged.to_string_lossy().as_ref()],
    );
    if attached.is_err() {
        return 0;
    }
    let mut copied = 0;
    for table in TABLES {
        copied += copy_table(fresh, table);
    }
    let _ = fresh.execute_batch("DETACH DATABASE damaged");
    copied
}

fn copy_table(fresh: &Connection, table: &str) -> usize {
    let columns = |schema: &str| -> Vec<String> {
        fresh
            .prepare(&format!("PRAGMA {schema}.table_info({table})"))
            .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(1))?.collect())
            .unwrap_or_default()
    };
    let theirs = columns("damaged");
    let common: Vec<String> = columns("main")
        .into_iter()
        .filter(|c| theirs.contains(c))
        .collect();
    if common.is_empty() {
        return 0;
    }
    // The row ids readable before the first bad page, then each row alone.
    let mut ids = Vec::new();
    if let Ok(mut s) = fresh.prepare(&format!("SELECT rowid FROM damaged.{table}")) {
        if let Ok(rows) = s.query_map([], |r| r.get::<_, i64>(0)) {
            ids.extend(rows.map_while(Result::ok));
        }
    }
    let list = common.join(", ");
    let sql = format!(
        "INSERT OR IGNORE INTO main.{table} ({list}) SELECT {list} FROM damaged.{table} WHERE rowid = ?1"
    );
    let Ok(mut insert) = fresh.prepare(&sql) else {
        return 0;
    };
    ids.iter()
        .filter(|id| insert.execute([**id]).is_ok_and(|n| n == 1))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("vext-salvage-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_sound_or_missing_database_is_left_alone() {
        let d = dir();
        assert_eq!(check(&d).unwrap(), Found::Sound);
        drop(super::super::db::open(&d).unwrap());
        assert_eq!(check(&d).unwrap(), Found::Sound);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn garbage_is_moved_aside_and_a_fresh_database_made() {
        let d = dir();
        std::fs::write(d.join(DB_FILE), vec![0x5a; 64 * 1024]).unwrap();
        match check(&d).unwrap() {
            Found::Salvaged { kept, rows, .. } => {
                assert!(kept.exists());
                assert_eq!(rows, 0);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(check(&d).unwrap(), Found::Sound);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
