//! The delivery history as `vext history` and `vext.query.history` show
//! it: the spool's records, filtered, with every target URL redacted.

use std::time::{Duration, UNIX_EPOCH};

use anyhow::Result;
use rusqlite::Connection;
use serde::Deserialize;

use crate::state::spool::{self, DeliveryState, Record};

/// Which records: the same filters as `vext history`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Filter {
    /// A glob over the target URL (as stored, as shown, or as parsed).
    #[serde(default)]
    pub(crate) target: Option<String>,
    /// queued, sending, delivered or failed.
    #[serde(default)]
    pub(crate) state: Option<DeliveryState>,
    /// Received at or after (ms since the epoch).
    #[serde(default)]
    pub(crate) since: i64,
    /// The newest this many (0: all) [default: 100].
    #[serde(default = "default_limit")]
    pub(crate) limit: usize,
}

fn default_limit() -> usize {
    100
}

/// The newest `limit` matching records, oldest first; and the last
/// sequence number read (to follow from).
pub(crate) fn query(conn: &Connection, f: &Filter) -> Result<(Vec<Record>, i64)> {
    let mut matching: Vec<Record> = Vec::new();
    let mut after = 0;
    loop {
        let batch = spool::records(conn, after, f.since, 5000)?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        matching.extend(batch.into_iter().filter(|r| matches(r, f)));
        if f.limit > 0 && matching.len() > f.limit {
            let excess = matching.len() - f.limit;
            matching.drain(..excess);
        }
    }
    Ok((matching, after))
}

pub(crate) fn matches(r: &Record, f: &Filter) -> bool {
    r.deliveries.iter().any(|d| {
        f.state.is_none_or(|s| d.state == s)
            && f.target.as_deref().is_none_or(|p| {
                // As stored, as history shows it, and as errors and logs
                // show it (`irc://host/#chan` for a stored `irc://host/chan`).
                let shown = super::destination::redacted(&d.target);
                let parsed = super::destination::Destination::parse(&d.target)
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                crate::util::glob::glob(p, &d.target)
                    || crate::util::glob::glob(p, &shown)
                    || crate::util::glob::glob(p, &parsed)
            })
    })
}

/// One record as `vext history --json` prints it: targets redacted, and
/// the time received in RFC 3339 beside the milliseconds.
pub(crate) fn to_json(r: &Record) -> serde_json::Value {
    let mut r = r.clone();
    for d in &mut r.deliveries {
        d.target = super::destination::redacted(&d.target);
    }
    let mut v = serde_json::to_value(&r).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.insert("received".into(), time(r.received_at).into());
    }
    v
}

pub(crate) fn time(ms: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_seconds(t).to_string()
}
