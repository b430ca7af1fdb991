//! `vext history`: what the daemon stored and delivered, read from the spool
//! (the spool is the history). Works while the daemon runs (SQLite WAL).

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, UNIX_EPOCH};

use anyhow::Result;

use crate::cli::{parse_duration, HistoryArgs};
use crate::config::Context;
use crate::exit::{fail, Code};
use crate::notify::history::{self, Filter};
use crate::state::spool::{self, DeliveryState, Record};

pub(crate) fn run(args: HistoryArgs, ctx: &Context) -> Result<Code> {
    let dir = crate::settings::state_dir(ctx, args.state_dir.as_deref())?;
    let conn = crate::state::db::open_existing(&dir)?;
    let since = match &args.since {
        Some(s) => parse_since(s)?,
        None => 0,
    };
    let filter = Filter {
        target: args.target.clone(),
        state: args.state,
        since,
        limit: args.limit.unwrap_or(100),
    };
    let (matching, mut after) = history::query(&conn, &filter)?;
    let mut out = std::io::stdout().lock();
    for r in &matching {
        if print(&mut out, r, args.json).is_err() {
            return Ok(Code::Ok); // a closed pipe is not an error
        }
    }
    if !args.follow {
        return Ok(Code::Ok);
    }
    after = after.max(matching.last().map_or(0, |r| r.seq));
    // Records still on their way, with the state last seen: each change
    // (sending, a failed attempt, delivered) is printed again.
    let mut open: BTreeMap<i64, String> = matching
        .iter()
        .filter(|r| !is_final(r))
        .map(|r| (r.seq, signature(r)))
        .collect();
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let mut changed = Vec::new();
        if let Some(first) = open.keys().next().copied() {
            for r in spool::records(&conn, first - 1, since, 5000)? {
                if r.seq > after {
                    break;
                }
                let Some(seen) = open.get(&r.seq) else {
                    continue;
                };
                let now = signature(&r);
                if &now != seen {
                    open.insert(r.seq, now);
                    changed.push(r);
                }
            }
        }
        for r in spool::records(&conn, after, since, 1000)? {
            after = r.seq;
            open.insert(r.seq, signature(&r));
            changed.push(r);
        }
        for r in changed {
            if is_final(&r) {
                open.remove(&r.seq);
            }
            if history::matches(&r, &filter) && print(&mut out, &r, args.json).is_err() {
                return Ok(Code::Ok);
            }
        }
    }
}

/// Every delivery delivered or failed: nothing more will change.
fn is_final(r: &Record) -> bool {
    r.deliveries.iter().all(|d| d.state.is_final())
}

/// What `--follow` compares to tell a change.
fn signature(r: &Record) -> String {
    r.deliveries
        .iter()
        .map(|d| format!("{}/{}/{:?}", d.state, d.attempts, d.last_error))
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_since(s: &str) -> Result<i64> {
    if let Ok(d) = parse_duration(s) {
        return Ok(crate::state::db::now_ms() - d.as_millis() as i64);
    }
    humantime::parse_rfc3339_weak(s)
        .map(|t| {
            t.duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64)
        })
        .map_err(|_| {
            fail(
                Code::Usage,
                format!(
                    "--since {s:?}: expected a duration (1h, 2d) or a time (2026-11-22T10:00:00Z)"
                ),
            )
        })
}

fn print(out: &mut impl Write, r: &Record, json: bool) -> std::io::Result<()> {
    if json {
        return writeln!(out, "{}", history::to_json(r));
    }
    let first_line = r.text.lines().next().unwrap_or("");
    writeln!(
        out,
        "{}  {}  {}  {}",
        history::time(r.received_at),
        r.id,
        r.source,
        first_line
    )?;
    for d in &r.deliveries {
        let mut line = format!(
            "    {:<9} {}",
            d.state,
            crate::notify::destination::redacted(&d.target)
        );
        if d.attempts > 1 {
            line.push_str(&format!("  ({} attempts)", d.attempts));
        }
        if d.state == DeliveryState::Queued && d.next_attempt_at.is_none() {
            line.push_str("  (waiting: the window for this server is full)");
        }
        if let Some(e) = &d.last_error {
            if d.state != DeliveryState::Delivered {
                line.push_str(&format!("  {e}"));
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}
