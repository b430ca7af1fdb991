//! The update journal: each workload update is a row whose `step` is
//! written before the step is taken, so a `vext update` killed at any point
//! leaves enough to finish or undo it; and the versions held after a
//! rollback, skipped until a newer one appears or the operator releases them.

use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension};

use super::db::now_ms;

/// One update, as the journal records it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Entry {
    pub(crate) id: i64,
    /// docker, kube, file.
    pub(crate) source: String,
    /// The container name, `ns/kind/name/container`, or `file:line`.
    pub(crate) workload: String,
    /// The repository (`docker.io/library/nginx`), for holds.
    pub(crate) image: String,
    pub(crate) from_ref: String,
    pub(crate) to_ref: String,
    /// What runs the old version: the old container (docker), the
    /// ReplicaSet or ControllerRevision holding the old pod template (kube).
    pub(crate) old_id: Option<String>,
    /// The new container (docker); the version to hold if it fails (kube).
    pub(crate) new_id: Option<String>,
    pub(crate) step: String,
}

/// Opens an entry at its first step; returns its id.
pub(crate) fn begin(conn: &Connection, e: &Entry) -> Result<i64> {
    let now = now_ms();
    conn.execute(
        "INSERT INTO update_journal (source, workload, image, from_ref, to_ref, old_id, new_id, step, started_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        params![e.source, e.workload, e.image, e.from_ref, e.to_ref, e.old_id, e.new_id, e.step, now],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Records the step about to be taken (and the new container once known).
pub(crate) fn step(conn: &Connection, id: i64, step: &str, new_id: Option<&str>) -> Result<()> {
    conn.execute(
        "UPDATE update_journal SET step = ?2, new_id = coalesce(?3, new_id), updated_at = ?4 WHERE id = ?1",
        params![id, step, new_id, now_ms()],
    )?;
    Ok(())
}

/// Closes an entry: applied, rolled_back or failed.
pub(crate) fn finish(conn: &Connection, id: i64, outcome: &str, detail: &str) -> Result<()> {
    conn.execute(
        "UPDATE update_journal SET outcome = ?2, detail = ?3, updated_at = ?4 WHERE id = ?1",
        params![id, outcome, detail, now_ms()],
    )?;
    Ok(())
}

/// Entries a previous run left open, oldest first.
pub(crate) fn unfinished(conn: &Connection) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare(
        "SELECT id, source, workload, image, from_ref, to_ref, old_id, new_id, step
         FROM update_journal WHERE outcome IS NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Entry {
            id: r.get(0)?,
            source: r.get(1)?,
            workload: r.get(2)?,
            image: r.get(3)?,
            from_ref: r.get(4)?,
            to_ref: r.get(5)?,
            old_id: r.get(6)?,
            new_id: r.get(7)?,
            step: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Holds `version` of `image`: later runs skip it.
pub(crate) fn hold(conn: &Connection, image: &str, version: &str, reason: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO update_held (image, version, reason, held_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(image, version) DO UPDATE SET reason = ?3, held_at = ?4",
        params![image, version, reason, now_ms()],
    )?;
    Ok(())
}

/// Why `version` of `image` is held, if it is.
pub(crate) fn held(conn: &Connection, image: &str, version: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT reason FROM update_held WHERE image = ?1 AND version = ?2",
            params![image, version],
            |r| r.get(0),
        )
        .optional()?)
}

/// Releases a hold; returns whether there was one.
pub(crate) fn release(conn: &Connection, image: &str, version: &str) -> Result<bool> {
    Ok(conn.execute(
        "DELETE FROM update_held WHERE image = ?1 AND version = ?2",
        params![image, version],
    )? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_entries_stay_open_until_finished_and_holds_release() {
        let dir = std::env::temp_dir().join(format!("vext-unit-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let conn = crate::state::db::open(&dir).unwrap();
        let id = begin(
            &conn,
            &Entry {
                source: "docker".into(),
                workload: "web".into(),
                image: "r/app".into(),
                from_ref: "r/app:1".into(),
                to_ref: "r/app:2".into(),
                old_id: Some("aaa".into()),
                step: "planned".into(),
                ..Entry::default()
            },
        )
        .unwrap();
        step(&conn, id, "created", Some("bbb")).unwrap();
        let open = unfinished(&conn).unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(
            (open[0].step.as_str(), open[0].new_id.as_deref()),
            ("created", Some("bbb"))
        );
        finish(&conn, id, "applied", "").unwrap();
        assert!(unfinished(&conn).unwrap().is_empty());
        hold(&conn, "r/app", "2", "unhealthy").unwrap();
        assert_eq!(
            held(&conn, "r/app", "2").unwrap().as_deref(),
            Some("unhealthy")
        );
        assert!(release(&conn, "r/app", "2").unwrap());
        assert!(held(&conn, "r/app", "2").unwrap().is_none());
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// An update waiting for a person's approval (`approve = "manual"`).
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Pending {
    pub(crate) id: String,
    pub(crate) image: String,
    pub(crate) workload: String,
    #[serde(rename = "current")]
    pub(crate) from_ref: String,
    #[serde(rename = "target")]
    pub(crate) to_ref: String,
    pub(crate) change: String,
    /// When it was first asked for (ms since the epoch).
    pub(crate) requested_at: i64,
    /// Who approved (or denied) it, and when.
    pub(crate) approved_by: Option<String>,
    pub(crate) approved_at: Option<i64>,
    /// Denied: `approved_by` said no.
    pub(crate) denied: bool,
}

/// The id a person approves `to_ref` of `image` by: stable across runs.
pub(crate) fn pending_id(image: &str, to_ref: &str) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("{image} {to_ref}").as_bytes(),
    );
    crate::util::hex::hex(&digest.as_ref()[..4])
}

/// Records that `p` waits for approval (once; a later run keeps the first
/// request and any approval); the row as it is now.
pub(crate) fn request_approval(conn: &Connection, p: &Pending) -> Result<Pending> {
    conn.prepare_cached(
        "INSERT INTO update_pending (id, image, to_ref, workload, from_ref, change, requested_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![
        p.id,
        p.image,
        p.to_ref,
        p.workload,
        p.from_ref,
        p.change,
        p.requested_at
    ])?;
    Ok(pending(conn)?
        .into_iter()
        .find(|x| x.id == p.id)
        .unwrap_or_else(|| p.clone()))
}

/// Marks the request `id` announced at `now`; true only the first time,
/// so that each request is announced once whichever run comes first.
pub(crate) fn announce_once(conn: &Connection, id: &str, now: i64) -> Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE update_pending SET announced_at = ?2 WHERE id = ?1 AND announced_at IS NULL",
        )?
        .execute(params![id, now])?;
    Ok(changed == 1)
}

/// Every update waiting for approval or approved, oldest first.
pub(crate) fn pending(conn: &Connection) -> Result<Vec<Pending>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, image, workload, from_ref, to_ref, change, requested_at, approved_by, approved_at, denied
         FROM update_pending ORDER BY requested_at, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Pending {
            id: r.get(0)?,
            image: r.get(1)?,
            workload: r.get(2)?,
            from_ref: r.get(3)?,
            to_ref: r.get(4)?,
            change: r.get(5)?,
            requested_at: r.get(6)?,
            approved_by: r.get(7)?,
            approved_at: r.get(8)?,
            denied: r.get::<_, i64>(9)? != 0,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Approves the pending update `id` as `who`; false when there is none.
pub(crate) fn approve(conn: &Connection, id: &str, who: &str, now: i64) -> Result<bool> {
    answer(conn, id, who, now, false)
}

/// Denies the pending update `id` as `who`: later runs skip it (a newer
/// version asks again); false when there is none.
pub(crate) fn deny(conn: &Connection, id: &str, who: &str, now: i64) -> Result<bool> {
    answer(conn, id, who, now, true)
}

fn answer(conn: &Connection, id: &str, who: &str, now: i64, denied: bool) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE update_pending SET approved_by = ?2, approved_at = ?3, denied = ?4 WHERE id = ?1",
        )?
        .execute(params![id, who, now, i64::from(denied)])?
        == 1)
}

/// An applied update's request is done with.
pub(crate) fn forget_pending(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM update_pending WHERE id = ?1")?
        .execute(params![id])?;
    Ok(())
}
