//! The check memory: what `vext check` last reported per image, so that
//! `--only-new` reports each change once.

use anyhow::Result;
use rusqlite::{params, Connection};

use super::db::now_ms;

/// What `vext check` last recorded for an image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CheckSeen {
    pub(crate) newest: Option<String>,
    pub(crate) change: String,
    /// The registry's digest of the tag, for non-version tags.
    pub(crate) digest: Option<String>,
}

/// What the last delivered `--only-new` report said of an image.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Reported {
    pub(crate) newest: Option<String>,
    /// The update the policy approved, if any.
    pub(crate) latest: Option<String>,
    pub(crate) change: String,
    pub(crate) digest: Option<String>,
}

pub(crate) fn reported(conn: &Connection, image: &str) -> Result<Option<Reported>> {
    let mut stmt = conn.prepare_cached("SELECT reported FROM check_state WHERE image = ?1")?;
    let mut rows = stmt.query(params![image])?;
    let text: Option<String> = match rows.next()? {
        Some(r) => r.get(0)?,
        None => None,
    };
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

/// Records what a delivered report said (the image's row exists: the
/// run that made the report recorded it first).
pub(crate) fn record_reported(conn: &Connection, image: &str, r: &Reported) -> Result<()> {
    conn.prepare_cached("UPDATE check_state SET reported = ?2 WHERE image = ?1")?
        .execute(params![image, serde_json::to_string(r)?])?;
    Ok(())
}

/// When `tag` of `image` (the repository, without a tag) was first seen,
/// in ms since the epoch: `now` the first time it is asked.
pub(crate) fn first_seen(conn: &Connection, image: &str, tag: &str, now: i64) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO version_seen (image, tag, first_seen) VALUES (?1, ?2, ?3)
         ON CONFLICT (image, tag) DO NOTHING",
    )?
    .execute(params![image, tag, now])?;
    Ok(conn
        .prepare_cached("SELECT first_seen FROM version_seen WHERE image = ?1 AND tag = ?2")?
        .query_row(params![image, tag], |r| r.get(0))?)
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
