//! The tasks started from chat, kept in the state database until they end,
//! and the loop that follows them: a message on every status change, a
//! note when one runs long, and the outcome with the log's last lines —
//! also for a task that ended while the daemon was down.

use rusqlite::Connection;
use std::time::{Duration, SystemTime};

use anyhow::Result;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::chatops::semaphore::is_final;

/// Watched tasks in the state database, by task id.
const TASKS: &str = "bot-tasks";

/// How many log lines the final message shows.
const LAST_LINES: usize = 10;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Watched {
    pub(crate) project: i64,
    pub(crate) project_name: String,
    pub(crate) template: String,
    pub(crate) task: i64,
    pub(crate) room: String,
    /// The command's event: replies go in its thread.
    pub(crate) thread: String,
    /// The status last reported.
    pub(crate) status: String,
    pub(crate) started_ms: u64,
    #[serde(default)]
    pub(crate) still_noted: bool,
}

impl Watched {
    pub(crate) fn name(&self) -> String {
        format!(
            "Task {} ({}, {})",
            self.task, self.template, self.project_name
        )
    }
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub(crate) fn keep(conn: &Connection, w: &Watched) -> Result<()> {
    crate::state::kv::put(conn, TASKS, &w.task.to_string(), &serde_json::to_string(w)?)
}

pub(crate) fn all(conn: &Connection) -> Result<Vec<Watched>> {
    Ok(crate::state::kv::all(conn, TASKS)?
        .into_iter()
        .filter_map(|(key, v)| match serde_json::from_str(&v) {
            Ok(w) => Some(w),
            Err(e) => {
                log::warn!("bot: dropping the unreadable record of task {key}: {e}");
                let _ = crate::state::kv::delete(conn, TASKS, &key);
                None
            }
        })
        .collect())
}

pub(crate) fn forget(conn: &Connection, task: i64) -> Result<()> {
    crate::state::kv::delete(conn, TASKS, &task.to_string())
}

/// What one look at a task says to post, if anything; `w` is updated.
pub(crate) fn progress(
    w: &mut Watched,
    task: &Value,
    log: impl FnOnce() -> Result<Vec<Value>>,
    still_running: Duration,
    now: u64,
) -> Option<String> {
    let status = task["status"].as_str().unwrap_or("unknown").to_string();
    if is_final(&status) {
        let (mark, verb) = match status.as_str() {
            "success" => ("✅", "succeeded"),
            "error" => ("❌", "failed"),
            _ => ("⏹", "was stopped"),
        };
        let took = took(task, w.started_ms, now);
        let mut text = format!("{mark} {} {verb} after {took}.", w.name());
        match log() {
            Ok(lines) => {
                let tail: Vec<&str> = lines[lines.len().saturating_sub(LAST_LINES)..]
                    .iter()
                    .filter_map(|l| l["output"].as_str())
                    .collect();
                if !tail.is_empty() {
                    text.push_str(&format!(
                        "\n\nLast {} lines of the log:\n```\n{}\n```",
                        tail.len(),
                        tail.join("\n").replace("```", "'''")
                    ));
                }
            }
            Err(e) => text.push_str(&format!("\n\n(the log could not be read: {e:#})")),
        }
        w.status = status;
        return Some(text);
    }
    if status != w.status {
        w.status = status.clone();
        return Some(format!("{}: {status}", w.name()));
    }
    let running = Duration::from_millis(now.saturating_sub(w.started_ms));
    if !w.still_noted && running >= still_running {
        w.still_noted = true;
        return Some(format!(
            "⏳ {} is still {status} after {}.",
            w.name(),
            minutes(running)
        ));
    }
    None
}

/// How long the task took: Semaphore's `start`..`end` when it gives them,
/// else since the bot started it.
fn took(task: &Value, started_ms: u64, now: u64) -> String {
    let at = |k: &str| {
        task[k]
            .as_str()
            .and_then(|t| humantime::parse_rfc3339_weak(t.trim_end_matches('Z')).ok())
    };
    let d = match (at("start"), at("end")) {
        (Some(s), Some(e)) => e.duration_since(s).unwrap_or_default(),
        _ => Duration::from_millis(now.saturating_sub(started_ms)),
    };
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

fn minutes(d: Duration) -> String {
    match d.as_secs() / 60 {
        0 => humantime::format_duration(Duration::from_secs(d.as_secs())).to_string(),
        1 => "1 minute".into(),
        m => format!("{m} minutes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn watched() -> Watched {
        Watched {
            project: 1,
            project_name: "Infra".into(),
            template: "Deploy web".into(),
            task: 101,
            room: "!r:h".into(),
            thread: "$e".into(),
            status: "waiting".into(),
            started_ms: 1_000,
            still_noted: false,
        }
    }

    #[test]
    fn each_change_once_then_the_outcome_with_the_log_tail() {
        let mut w = watched();
        let long = Duration::from_secs(300);
        let no_log = || Ok(vec![]);
        assert_eq!(
            progress(&mut w, &json!({"status": "waiting"}), no_log, long, 2_000),
            None
        );
        assert_eq!(
            progress(&mut w, &json!({"status": "running"}), no_log, long, 3_000).as_deref(),
            Some("Task 101 (Deploy web, Infra): running")
        );
        assert_eq!(
            progress(&mut w, &json!({"status": "running"}), no_log, long, 4_000),
            None
        );
        let note = progress(&mut w, &json!({"status": "running"}), no_log, long, 301_000).unwrap();
        assert!(note.contains("still running after 5 minutes"), "{note}");
        assert_eq!(
            progress(&mut w, &json!({"status": "running"}), no_log, long, 400_000),
            None
        );
        let lines = (1..=12)
            .map(|i| json!({"output": format!("line {i}")}))
            .collect();
        let end = progress(
            &mut w,
            &json!({"status": "error", "start": "2026-11-29T10:00:00Z", "end": "2026-11-29T10:01:12Z"}),
            || Ok(lines),
            long,
            500_000,
        )
        .unwrap();
        assert!(
            end.starts_with("❌ Task 101 (Deploy web, Infra) failed after 1m 12s."),
            "{end}"
        );
        assert!(
            end.contains("line 3\n") && !end.contains("line 2\n") && end.contains("line 12\n```")
        );
    }
}
