//! The bot's side of Matrix: a session (an access token, or a password
//! login kept in the state dir and renewed when refused), `/sync`, joining
//! and leaving rooms, and `m.notice` replies in the thread of a command.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Result;
use serde_json::{json, Value};

use crate::exit::{fail, Code};
use crate::net::backoff::Backoff;
use crate::net::percent::percent_encode;
use crate::notify::matrix::{call, content, session, Reply};
use crate::notify::notice::Notice;

/// Matrix refuses events over 64 KiB; a reply's text (sent twice: plain
/// and HTML) stays well below.
const MAX_TEXT: usize = 24_000;

pub(crate) struct Matrix {
    agents: crate::net::tls::Agents,
    /// The client API base, `https://host/_matrix/client/v3`.
    api: String,
    base: String,
    pub(crate) user_id: String,
    token: Mutex<String>,
    password: Option<String>,
    state_dir: PathBuf,
    /// Transaction ids must differ for every message of this session.
    txn: std::sync::atomic::AtomicU64,
}

impl Matrix {
    /// Signs in: the token given, else the kept session, else a login.
    pub(crate) fn connect(
        homeserver: &str,
        user_id: &str,
        token: Option<String>,
        password: Option<String>,
        extra_ca: Option<&[u8]>,
        state_dir: PathBuf,
        longest_wait: Duration,
    ) -> Result<Matrix> {
        let base = homeserver.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(fail(
                Code::Config,
                format!("[bot] homeserver {base:?} must start with http:// or https://"),
            ));
        }
        let agents = crate::net::tls::Agents::new(extra_ca, |b| {
            b.timeout_global(Some(longest_wait + Duration::from_secs(15)))
        });
        let token = match token {
            Some(t) => t,
            None => session(
                &agents,
                &base,
                user_id,
                password.as_deref(),
                Some(&state_dir),
                false,
            )
            .map_err(|e| fail(e.code, format!("the bot's Matrix login: {}", e.message)))?,
        };
        Ok(Matrix {
            agents,
            api: format!("{base}/_matrix/client/v3"),
            base,
            user_id: user_id.to_string(),
            token: Mutex::new(token),
            password,
            state_dir,
            txn: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// One request with the session's token; a refused token is renewed
    /// once when there is a password to log in with; a 429 waits as asked,
    /// never less than a backoff from a second up.
    fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Reply> {
        let url = format!("{}{path}", self.api);
        let mut renewed = false;
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
        loop {
            let token = self.token.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let r = call(&self.agents, method, &url, Some(&token), body)
                .map_err(|e| fail(e.code, e.message))?;
            match r.status {
                401 if self.password.is_some() && !renewed => {
                    renewed = true;
                    let fresh = session(
                        &self.agents,
                        &self.base,
                        &self.user_id,
                        self.password.as_deref(),
                        Some(&self.state_dir),
                        true,
                    )
                    .map_err(|e| fail(e.code, e.message))?;
                    *self.token.lock().unwrap_or_else(|p| p.into_inner()) = fresh;
                }
                401 => {
                    return Err(fail(
                        Code::NoPerm,
                        format!("the homeserver refused the bot's token ({method} {path})"),
                    ))
                }
                429 => {
                    std::thread::sleep(backoff.after(r.retry_after).min(Duration::from_secs(30)));
                }
                _ => return Ok(r),
            }
        }
    }

    /// Who the token belongs to (`GET /account/whoami`).
    pub(crate) fn whoami(&self) -> Result<String> {
        let r = self.request("GET", "/account/whoami", None)?;
        match r.json["user_id"].as_str() {
            Some(u) if r.status == 200 => Ok(u.to_string()),
            _ => Err(fail(
                Code::Unavailable,
                format!("whoami: the homeserver answered {}", r.status),
            )),
        }
    }

    /// `GET /sync`, waiting up to `wait` for something new.
    pub(crate) fn sync(&self, since: Option<&str>, wait: Duration) -> Result<Value> {
        // Only what the bot reads: timelines and invites, no presence,
        // no account data, members loaded lazily.
        let filter = json!({
            "presence": {"not_types": ["*"]},
            "account_data": {"not_types": ["*"]},
            "room": {
                "timeline": {"limit": 50, "types": ["m.room.message", "m.reaction", "m.room.encrypted", "m.room.encryption"]},
                "state": {"lazy_load_members": true, "types": ["m.room.encryption"]},
                "ephemeral": {"not_types": ["*"]},
                "account_data": {"not_types": ["*"]},
            },
        });
        let mut path = format!(
            "/sync?timeout={}&filter={}",
            wait.as_millis(),
            percent_encode(&filter.to_string())
        );
        if let Some(s) = since {
            path.push_str(&format!("&since={}", percent_encode(s)));
        }
        let r = self.request("GET", &path, None)?;
        if r.status != 200 {
            return Err(fail(
                Code::TempFail,
                format!(
                    "sync: the homeserver answered {} {}",
                    r.status,
                    r.json["error"].as_str().unwrap_or("")
                ),
            ));
        }
        Ok(r.json)
    }

    /// Joins a room by id or alias; its room id.
    pub(crate) fn join(&self, room: &str) -> Result<String> {
        let r = self.request(
            "POST",
            &format!("/join/{}", percent_encode(room)),
            Some(&json!({})),
        )?;
        match r.json["room_id"].as_str() {
            Some(id) if r.status == 200 => Ok(id.to_string()),
            _ => Err(fail(
                Code::Unavailable,
                format!(
                    "cannot join {room}: {} {}",
                    r.status,
                    r.json["error"].as_str().unwrap_or("")
                ),
            )),
        }
    }

    /// Declines an invite (or leaves a room).
    pub(crate) fn leave(&self, room: &str) -> Result<()> {
        self.request(
            "POST",
            &format!("/rooms/{}/leave", percent_encode(room)),
            Some(&json!({})),
        )?;
        Ok(())
    }

    /// True when the room has end-to-end encryption switched on.
    pub(crate) fn encrypted(&self, room: &str) -> Result<bool> {
        let r = self.request(
            "GET",
            &format!("/rooms/{}/state/m.room.encryption/", percent_encode(room)),
            None,
        )?;
        Ok(r.status == 200)
    }

    /// Sends `markdown` as an `m.notice` in the thread rooted at `thread`
    /// (when given); cut to the event limit with a note. Its event id.
    pub(crate) fn notice(
        &self,
        room: &str,
        thread: Option<&str>,
        markdown: &str,
    ) -> Result<String> {
        let text = cut(markdown, MAX_TEXT);
        let mut body = content(
            &Notice {
                text,
                ..Notice::default()
            },
            Some(crate::notify::notice::Format::Markdown),
            None,
        );
        if let Some(root) = thread {
            body["m.relates_to"] = json!({
                "rel_type": "m.thread",
                "event_id": root,
                "is_falling_back": true,
                "m.in_reply_to": {"event_id": root},
            });
        }
        let n = self.txn.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let txn = format!(
            "vext-bot-{}-{n}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0)
        );
        let r = self.request(
            "PUT",
            &format!("/rooms/{}/send/m.room.message/{txn}", percent_encode(room)),
            Some(&body),
        )?;
        match r.json["event_id"].as_str() {
            Some(id) if r.status == 200 => Ok(id.to_string()),
            _ => Err(fail(
                Code::Unavailable,
                format!(
                    "sending to {room}: {} {}",
                    r.status,
                    r.json["error"].as_str().unwrap_or("")
                ),
            )),
        }
    }
}

/// `text` cut at a line (or character) boundary to at most `max` bytes,
/// with a note saying so; code blocks left open are closed.
pub(crate) fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if let Some(nl) = text[..end].rfind('\n') {
        end = nl;
    }
    let mut out = text[..end].to_string();
    if out.matches("```").count() % 2 == 1 {
        out.push_str("\n```");
    }
    out.push_str("\n\n… (cut to fit one Matrix message; the whole text is in Semaphore)");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_with_a_note_and_closed_code() {
        let text = format!("head\n```\n{}```", "line\n".repeat(10_000));
        let c = cut(&text, 1000);
        assert!(c.len() < 1200, "{}", c.len());
        assert!(c.ends_with("the whole text is in Semaphore)"));
        assert_eq!(c.matches("```").count() % 2, 0);
        assert_eq!(cut("short", 1000), "short");
        let wide = "é".repeat(1000);
        assert!(cut(&wide, 501).starts_with("ééé"));
    }
}
