//! Small named values in the state database, by space (`matrix-sessions`,
//! `matrix-rooms`): what used to be a JSON file per kind, written through
//! a temp file, is now one row per key, changed in a transaction, safe
//! with concurrent writers in one process or several.

use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension};

use super::db::now_ms;

pub(crate) fn get(conn: &Connection, space: &str, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT value FROM kv WHERE space = ?1 AND key = ?2",
            params![space, key],
            |r| r.get(0),
        )
        .optional()?)
}

pub(crate) fn put(conn: &Connection, space: &str, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO kv (space, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (space, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![space, key, value, now_ms()],
    )?;
    Ok(())
}

/// Every key and value in `space`, by key.
pub(crate) fn all(conn: &Connection, space: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare("SELECT key, value FROM kv WHERE space = ?1 ORDER BY key")?;
    let rows = stmt.query_map(params![space], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn delete(conn: &Connection, space: &str, key: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM kv WHERE space = ?1 AND key = ?2",
        params![space, key],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_by_space_and_key() {
        let dir = std::env::temp_dir().join(format!("vext-kv-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let conn = crate::state::db::open(&dir).unwrap();
        assert_eq!(get(&conn, "a", "k").unwrap(), None);
        put(&conn, "a", "k", "1").unwrap();
        put(&conn, "b", "k", "2").unwrap();
        put(&conn, "a", "k", "3").unwrap();
        assert_eq!(get(&conn, "a", "k").unwrap().as_deref(), Some("3"));
        assert_eq!(get(&conn, "b", "k").unwrap().as_deref(), Some("2"));
        put(&conn, "a", "j", "4").unwrap();
        assert_eq!(
            all(&conn, "a").unwrap(),
            [("j".to_string(), "4".to_string()), ("k".into(), "3".into())]
        );
        delete(&conn, "a", "k").unwrap();
        assert_eq!(get(&conn, "a", "k").unwrap(), None);
        assert_eq!(get(&conn, "b", "k").unwrap().as_deref(), Some("2"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
