//! The NATS outbox: what the daemon accepted while NATS was out of reach,
//! committed here before the client's acknowledgement and forwarded in
//! order, with the same message id, once NATS answers again.

use anyhow::Result;
use rusqlite::{params, Connection};

use super::db::now_ms;

/// One message waiting for NATS.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pending {
    pub(crate) seq: i64,
    pub(crate) msg_id: String,
    pub(crate) subject: String,
    pub(crate) payload: Vec<u8>,
}

/// Commits messages (all or none); a message id already waiting is kept once.
pub(crate) fn push(conn: &mut Connection, items: &[(String, String, Vec<u8>)]) -> Result<()> {
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO nats_outbox (msg_id, subject, payload, accepted_at)
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        let now = now_ms();
        for (msg_id, subject, payload) in items {
            insert.execute(params![msg_id, subject, payload, now])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// The oldest `limit` waiting messages.
pub(crate) fn oldest(conn: &Connection, limit: usize) -> Result<Vec<Pending>> {
    let mut q = conn.prepare_cached(
        "SELECT seq, msg_id, subject, payload FROM nats_outbox ORDER BY seq LIMIT ?1",
    )?;
    let rows = q.query_map([limit as i64], |r| {
        Ok(Pending {
            seq: r.get(0)?,
            msg_id: r.get(1)?,
            subject: r.get(2)?,
            payload: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Forgets a message NATS has stored.
pub(crate) fn remove(conn: &Connection, seq: i64) -> Result<()> {
    conn.execute("DELETE FROM nats_outbox WHERE seq = ?1", [seq])?;
    Ok(())
}

/// How many messages wait.
pub(crate) fn len(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM nats_outbox", [], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_in_order_once_until_removed() {
        let dir = std::env::temp_dir().join(format!("vext-outbox-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut conn = crate::state::db::open(&dir).unwrap();
        let item = |id: &str| {
            (
                id.to_string(),
                "vext.notify.irc.x".to_string(),
                id.as_bytes().to_vec(),
            )
        };
        push(&mut conn, &[item("a/0"), item("b/0")]).unwrap();
        push(&mut conn, &[item("a/0")]).unwrap();
        let all = oldest(&conn, 10).unwrap();
        assert_eq!(
            all.iter().map(|p| p.msg_id.as_str()).collect::<Vec<_>>(),
            ["a/0", "b/0"]
        );
        remove(&conn, all[0].seq).unwrap();
        assert_eq!(len(&conn).unwrap(), 1);
        assert_eq!(oldest(&conn, 10).unwrap()[0].payload, b"b/0");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
