//! Matrix rooms as targets: `matrix://` (HTTP, port 8008) and `matrixs://`
//! (HTTPS, port 443, `.well-known` followed when no port is given). The
//! access token never comes from the URL: config, environment, a file, or a
//! password login whose session (token, device id) is kept in the state dir
//! so that cron runs do not create a device each time.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::exit::Code;
use crate::net::backoff::Backoff;
use crate::net::percent::percent_encode;
use crate::notify::destination::MatrixDestination;
use crate::notify::error::DeliveryError;
use crate::notify::notice::{Format, MsgType, Notice, NoticeType};

fn temp(msg: impl Into<String>) -> DeliveryError {
    DeliveryError::temporary(Code::TempFail, msg)
}

fn permanent(code: Code, msg: impl Into<String>) -> DeliveryError {
    DeliveryError {
        code,
        permanent: true,
        message: msg.into(),
    }
}

pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) json: serde_json::Value,
    pub(crate) retry_after: Option<Duration>,
}

/// One request to the client API: the status, the JSON body (Null when
/// it is none) and how long a 429 asks to wait.
pub(crate) fn call(
    agent: &crate::net::tls::Agents,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&serde_json::Value>,
) -> Result<Reply, DeliveryError> {
    let result = agent.run(url, |agent| match (method, body) {
        ("GET", _) => {
            let mut r = agent.get(url);
            if let Some(t) = token {
                r = r.header("Authorization", &format!("Bearer {t}"));
            }
            r.call()
        }
        (m, b) => {
            let mut r = if m == "PUT" {
                agent.put(url)
            } else {
                agent.post(url)
            };
            if let Some(t) = token {
                r = r.header("Authorization", &format!("Bearer {t}"));
            }
            r.header("Content-Type", "application/json").send(
                b.map(|v| v.to_string())
                    .unwrap_or_else(|| "{}".into())
                    .as_bytes(),
            )
        }
    });
    let mut resp = result.map_err(|e| {
        let code = if crate::net::tls::is_tls_error(&e) {
            Code::NoPerm
        } else {
            Code::TempFail
        };
        DeliveryError {
            code,
            permanent: false,
            message: crate::net::tls::explained(format!(
                "{}: {e}",
                url.split("/_matrix").next().unwrap_or(url)
            )),
        }
    })?;
    let status = resp.status().as_u16();
    let header_wait = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(crate::net::retry_after::retry_after);
    let text = resp
        .body_mut()
        .with_config()
        .limit(1 << 20)
        .read_to_string()
        .unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    let body_wait = json["retry_after_ms"].as_u64().map(Duration::from_millis);
    Ok(Reply {
        status,
        json,
        retry_after: header_wait.or(body_wait),
    })
}

/// Rooms vext has joined: `{"<base>|<who>|<room>": {"room_id", "encrypted"}}`.
const ROOMS: &str = "matrix-rooms";

/// A value kept in the state database under `space` (sessions, rooms),
/// read from the JSON file earlier versions wrote if the database has none.
fn kept(state_dir: Option<&Path>, space: &str, key: &str) -> Option<serde_json::Value> {
    let dir = state_dir?;
    let conn = match crate::state::db::open(dir) {
        Ok(c) => c,
        Err(e) => {
            log::warn!("{e:#}");
            return None;
        }
    };
    if let Ok(Some(v)) = crate::state::kv::get(&conn, space, key) {
        return serde_json::from_str(&v).ok();
    }
    let legacy: BTreeMap<String, serde_json::Value> =
        std::fs::read_to_string(dir.join(format!("{space}.json")))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
    let v = legacy.get(key)?.clone();
    let _ = crate::state::kv::put(&conn, space, key, &v.to_string());
    Some(v)
}

fn keep(state_dir: Option<&Path>, space: &str, key: &str, value: &serde_json::Value) {
    let Some(dir) = state_dir else { return };
    let kept = crate::state::db::open(dir)
        .and_then(|conn| crate::state::kv::put(&conn, space, key, &value.to_string()));
    if let Err(e) = kept {
        log::warn!("keeping the Matrix {space} in {}: {e:#}", dir.display());
    }
}

/// Kept sessions, `{"access_token", "device_id"}` by `<base>|<user>`.
const SESSIONS: &str = "matrix-sessions";

/// One login at a time in this process: deliveries that find no session
/// together would otherwise each create one (and a device).
static LOGIN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// And one at a time across processes sharing the state dir (a daemon and
/// `vext send` runs): an exclusive lock on a file there, held while the
/// session is looked up and, if need be, created.
fn login_lock(state_dir: Option<&Path>) -> Option<std::fs::File> {
    let dir = state_dir?;
    let path = dir.join("matrix-login.lock");
    let locked = crate::state::dir::ensure_private(dir).and_then(|()| {
        let file = crate::state::dir::open_own_file(&path)?;
        file.lock()?;
        Ok(file)
    });
    match locked {
        Ok(file) => Some(file),
        Err(e) => {
            // Going on unlocked risks a second session (and device), not a
            // lost message.
            log::warn!("cannot lock {}: {e:#}", path.display());
            None
        }
    }
}

/// An access token for `user`: the session kept in the state dir, unless
/// `force` (the kept one was refused) or there is none; then a password
/// login that reuses the kept device, and the new session is kept.
pub(crate) fn session(
    agent: &crate::net::tls::Agents,
    base: &str,
    user: &str,
    password: Option<&str>,
    state_dir: Option<&Path>,
    force: bool,
) -> Result<String, DeliveryError> {
    let key = format!("{base}|{user}");
    let _one_at_a_time = LOGIN.lock().unwrap_or_else(|p| p.into_inner());
    let _nor_beside_another_process = login_lock(state_dir);
    let kept_session = kept(state_dir, SESSIONS, &key);
    if !force {
        if let Some(t) = kept_session
            .as_ref()
            .and_then(|s| s["access_token"].as_str())
        {
            return Ok(t.to_string());
        }
    }
    let password = password.ok_or_else(|| {
        permanent(
            Code::Config,
            format!("no access token and no password for {user}"),
        )
    })?;
    let mut body = serde_json::json!({
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": user},
        "password": password,
        "initial_device_display_name": "vext",
    });
    // Reuse the device: one device per host, not one per run.
    if let Some(d) = kept_session.as_ref().and_then(|s| s["device_id"].as_str()) {
        body["device_id"] = d.into();
    }
    let r = call(
        agent,
        "POST",
        &format!("{base}/_matrix/client/v3/login"),
        None,
        Some(&body),
    )?;
    match r.status {
        200 => {
            let token = r.json["access_token"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            keep(
                state_dir,
                SESSIONS,
                &key,
                &serde_json::json!({"access_token": token, "device_id": r.json["device_id"]}),
            );
            Ok(token)
        }
        403 | 401 => Err(permanent(
            Code::NoPerm,
            format!("login refused: {}", r.json["error"].as_str().unwrap_or("")),
        )),
        s => Err(temp(format!("login: {s}"))),
    }
}

/// The homeserver's client API base.
fn base_url(agent: &crate::net::tls::Agents, t: &MatrixDestination) -> String {
    let scheme = if t.tls { "https" } else { "http" };
    // An IPv6 address goes in brackets.
    let host = if t.host.contains(':') {
        format!("[{}]", t.host)
    } else {
        t.host.clone()
    };
    if let Some(p) = t.port {
        return format!("{scheme}://{host}:{p}");
    }
    let default = if t.tls {
        format!("https://{host}")
    } else {
        format!("http://{host}:8008")
    };
    if t.tls {
        if let Ok(r) = call(
            agent,
            "GET",
            &format!("https://{host}/.well-known/matrix/client"),
            None,
            None,
        ) {
            if let Some(b) = r.json["m.homeserver"]["base_url"].as_str() {
                return b.trim_end_matches('/').to_string();
            }
        }
    }
    default
}

/// The message content: plain `body` always; HTML in `formatted_body` for
/// markdown/html formats, a title or a type.
pub(crate) fn content(
    n: &Notice,
    format: Option<Format>,
    msgtype: Option<MsgType>,
) -> serde_json::Value {
    let msgtype = match msgtype {
        Some(MsgType::Text) => "m.text",
        Some(MsgType::Notice) | None => "m.notice",
    };
    let mut plain = n.text.clone();
    let body_html = match format {
        Some(Format::Markdown) => {
            let parser = pulldown_cmark::Parser::new(&n.text);
            let mut html = String::new();
            pulldown_cmark::html::push_html(&mut html, parser);
            Some(html.trim_end().to_string())
        }
        Some(Format::Html) => Some(n.text.clone()),
        Some(Format::Text) | None => None,
    };
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut html_prefix = String::new();
    if let Some(k) = n.kind.filter(|k| *k != NoticeType::Info) {
        let color = match k {
            NoticeType::Success => "#2eb886",
            NoticeType::Warning => "#daa038",
            _ => "#a30200",
        };
        html_prefix.push_str(&format!(
            "<font color=\"{color}\">{}</font> ",
            k.as_str().to_uppercase()
        ));
        plain = format!("{} {plain}", k.as_str().to_uppercase());
    }
    if let Some(t) = &n.title {
        html_prefix.push_str(&format!("<b>{}</b>: ", esc(t)));
        plain = match n.kind.filter(|k| *k != NoticeType::Info) {
            Some(k) => format!("{} {t}: {}", k.as_str().to_uppercase(), n.text),
            None => format!("{t}: {plain}"),
        };
    }
    let mut v = serde_json::json!({"msgtype": msgtype, "body": plain});
    if body_html.is_some() || !html_prefix.is_empty() {
        let html = body_html.unwrap_or_else(|| esc(&n.text).replace('\n', "<br>"));
        v["format"] = "org.matrix.custom.html".into();
        v["formatted_body"] = format!("{html_prefix}{html}").into();
    }
    v
}

/// Splits text so each event stays well under Matrix's 64 KiB limit.
fn chunks(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.split_inclusive('\n') {
        if cur.len() + line.len() > max && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        let mut l = line;
        while l.len() > max {
            let mut cut = max;
            while !l.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push(l[..cut].to_string());
            l = &l[cut..];
        }
        cur.push_str(l);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Delivery options that do not belong to the target.
pub(crate) struct SendOptions<'a> {
    pub(crate) state_dir: Option<&'a Path>,
    /// The same for every retry of this message, so a retry is not a duplicate.
    pub(crate) txn: &'a str,
}

impl MatrixDestination {
    fn login(
        &self,
        agent: &crate::net::tls::Agents,
        base: &str,
        state_dir: Option<&Path>,
        force: bool,
    ) -> Result<String, DeliveryError> {
        let user = self.user.as_deref().ok_or_else(|| {
            permanent(Code::Config, "no access token for this homeserver (a [targets] entry, or VEXT_MATRIX_TOKEN with VEXT_MATRIX_HOMESERVER naming it) and no user to log in as".to_string())
        })?;
        // The password was bound to this homeserver by the settings layer
        // (`settings::targets`); the environment is never read here.
        session(
            agent,
            base,
            user,
            self.password.as_deref(),
            state_dir,
            force,
        )
    }

    /// Resolves an alias and joins (joining a joined room is harmless);
    /// returns the room id and whether the room is encrypted.
    #[allow(clippy::too_many_arguments)]
    fn join(
        &self,
        agent: &crate::net::tls::Agents,
        api: &str,
        base: &str,
        token: &mut String,
        from_session: bool,
        opts: &SendOptions,
        deadline: Instant,
    ) -> Result<(String, bool), DeliveryError> {
        let mut relogged = false;
        let mut room_id = self.room.clone();
        let mut backoff = rate_limited();
        loop {
            let r = call(
                agent,
                "POST",
                &format!("{api}/join/{}", percent_encode(&self.room)),
                Some(token),
                Some(&serde_json::json!({})),
            )?;
            match r.status {
                200 => {
                    if let Some(id) = r.json["room_id"].as_str() {
                        room_id = id.to_string();
                    }
                    break;
                }
                401 if from_session && !relogged => {
                    relogged = true;
                    *token = self.login(agent, base, opts.state_dir, true)?;
                }
                401 => {
                    return Err(permanent(
                        Code::NoPerm,
                        "the access token was refused".to_string(),
                    ))
                }
                429 => wait(&mut backoff, r.retry_after, deadline, self)?,
                403 | 404 => {
                    return Err(permanent(
                        Code::Unavailable,
                        format!(
                            "cannot join: {}",
                            r.json["error"].as_str().unwrap_or("forbidden")
                        ),
                    ));
                }
                s => return Err(temp(format!("join: {s}"))),
            }
        }
        let state = call(
            agent,
            "GET",
            &format!(
                "{api}/rooms/{}/state/m.room.encryption/",
                percent_encode(&room_id)
            ),
            Some(token),
            None,
        )?;
        Ok((room_id, state.status == 200))
    }

    pub(crate) fn deliver(
        &self,
        agent: &crate::net::tls::Agents,
        n: &Notice,
        opts: &SendOptions,
        deadline: Instant,
    ) -> Result<(), DeliveryError> {
        let mut at = self.enter(agent, opts, deadline)?;
        let pieces = chunks(&n.text, 60_000);
        for (i, piece) in pieces.iter().enumerate() {
            let part = Notice {
                text: piece.clone(),
                title: n.title.clone().filter(|_| i == 0),
                kind: n.kind.filter(|_| i == 0),
                ..Notice::default()
            };
            let body = content(&part, n.format, n.msgtype);
            let txn = if pieces.len() == 1 {
                opts.txn.to_string()
            } else {
                format!("{}-{i}", opts.txn)
            };
            self.put(agent, &mut at, &txn, &body, opts, deadline)?;
        }
        Ok(())
    }

    /// Logs in if need be and finds the room: from the state dir when it was
    /// seen before (a cron run then costs one request, the PUT), else by
    /// joining it.
    fn enter(
        &self,
        agent: &crate::net::tls::Agents,
        opts: &SendOptions,
        deadline: Instant,
    ) -> Result<InRoom, DeliveryError> {
        let base = base_url(agent, self);
        let mut from_session = false;
        let mut token = match &self.token {
            Some(t) => t.clone(),
            None => {
                from_session = true;
                self.login(agent, &base, opts.state_dir, false)?
            }
        };
        let who = self
            .user
            .clone()
            .unwrap_or_else(|| format!("token…{}", &token[token.len().saturating_sub(6)..]));
        let key = format!("{base}|{who}|{}", self.room);
        let cached = kept(opts.state_dir, ROOMS, &key).and_then(|v| {
            Some((
                v["room_id"].as_str()?.to_string(),
                v["encrypted"].as_bool()?,
            ))
        });
        let api = format!("{base}/_matrix/client/v3");
        let (room_id, encrypted, fresh) = match cached {
            Some((id, e)) => (id, e, false),
            None => {
                let (id, e) =
                    self.join(agent, &api, &base, &mut token, from_session, opts, deadline)?;
                keep(
                    opts.state_dir,
                    ROOMS,
                    &key,
                    &serde_json::json!({"room_id": id, "encrypted": e}),
                );
                (id, e, true)
            }
        };
        if encrypted {
            log::warn!("{self}: the room is end-to-end encrypted and vext does not encrypt yet: the message is sent unencrypted");
        }
        Ok(InRoom {
            api,
            base,
            token,
            from_session,
            key,
            room_id,
            fresh,
        })
    }

    /// Sends one event under transaction id `txn`: waits out rate limits,
    /// joins again (once) when a remembered room no longer has us.
    fn put(
        &self,
        agent: &crate::net::tls::Agents,
        at: &mut InRoom,
        txn: &str,
        body: &serde_json::Value,
        opts: &SendOptions,
        deadline: Instant,
    ) -> Result<(), DeliveryError> {
        let mut backoff = rate_limited();
        loop {
            let url = format!(
                "{}/rooms/{}/send/m.room.message/{}",
                at.api,
                percent_encode(&at.room_id),
                percent_encode(txn)
            );
            let r = call(agent, "PUT", &url, Some(&at.token), Some(body))?;
            match r.status {
                200 => return Ok(()),
                429 => wait(&mut backoff, r.retry_after, deadline, self)?,
                // Remembered, but no longer a member: join again, once.
                403 if !at.fresh => {
                    at.fresh = true;
                    let (id, e) = self.join(
                        agent,
                        &at.api,
                        &at.base,
                        &mut at.token,
                        at.from_session,
                        opts,
                        deadline,
                    )?;
                    keep(
                        opts.state_dir,
                        ROOMS,
                        &at.key,
                        &serde_json::json!({"room_id": id, "encrypted": e}),
                    );
                    at.room_id = id;
                }
                401 => {
                    return Err(permanent(
                        Code::NoPerm,
                        "the access token was refused".to_string(),
                    ))
                }
                403 => {
                    return Err(permanent(
                        Code::Unavailable,
                        r.json["error"].as_str().unwrap_or("forbidden").to_string(),
                    ))
                }
                s if s >= 500 => return Err(temp(format!("send: {s}"))),
                s => {
                    return Err(permanent(
                        Code::Unavailable,
                        format!("send: {s} {}", r.json["error"].as_str().unwrap_or("")),
                    ))
                }
            }
        }
    }
}

/// Where a delivery stands once in the room.
struct InRoom {
    /// `{base}/_matrix/client/v3`.
    api: String,
    base: String,
    token: String,
    /// The token came from a login (kept in the state dir), not the config.
    from_session: bool,
    /// The room's key in the state dir's memory.
    key: String,
    room_id: String,
    /// The room id was looked up during this delivery: a 403 is final.
    fresh: bool,
}

/// Rate limited: waits what the server asked or our own backoff, the
/// longer (a homeserver answering `retry_after_ms: 0` gets a floor of a
/// second, doubling to a minute, not a request per round trip).
fn wait(
    backoff: &mut Backoff,
    retry_after: Option<Duration>,
    deadline: Instant,
    t: &MatrixDestination,
) -> Result<(), DeliveryError> {
    let d = backoff.after(retry_after);
    if Instant::now() + d >= deadline {
        return Err(temp(format!("{t}: rate limited (429) past the time limit")));
    }
    log::info!(
        "{t}: rate limited (429), retrying in {:.1}s",
        d.as_secs_f64()
    );
    std::thread::sleep(d);
    Ok(())
}

/// The backoff between tries after a 429.
fn rate_limited() -> Backoff {
    Backoff::new(Duration::from_secs(1), Duration::from_secs(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let t = MatrixDestination::parse("matrixs://matrix.example.org/!abc:example.org").unwrap();
        assert_eq!(
            (t.tls, t.port, t.room.as_str()),
            (true, None, "!abc:example.org")
        );
        let t =
            MatrixDestination::parse("matrix://bot:pw@127.0.0.1:8008/%23ops:localhost").unwrap();
        assert_eq!(
            (t.user.as_deref(), t.password.as_deref(), t.room.as_str()),
            (Some("bot"), Some("pw"), "#ops:localhost")
        );
        assert!(!t.to_string().contains("pw"));
        assert_eq!(
            MatrixDestination::parse("matrixs://h/#ops:h").unwrap().room,
            "#ops:h"
        );
        assert_eq!(
            MatrixDestination::parse("matrixs://h/!roomv12")
                .unwrap()
                .room,
            "!roomv12"
        );
        assert!(MatrixDestination::parse("matrixs://h/!r:h?token=abc")
            .unwrap_err()
            .contains("leak"));
        assert!(MatrixDestination::parse("matrixs://h/ops").is_err());
        assert!(MatrixDestination::parse("matrixs://h/%23ops").is_err());
    }

    #[test]
    fn content_and_chunks() {
        let n = Notice {
            text: "**bold** <x>".into(),
            title: Some("T".into()),
            kind: Some(NoticeType::Failure),
            ..Notice::default()
        };
        let c = content(&n, Some(Format::Markdown), None);
        assert_eq!(c["msgtype"], "m.notice");
        assert!(c["formatted_body"]
            .as_str()
            .unwrap()
            .contains("<strong>bold</strong>"));
        assert!(c["body"].as_str().unwrap().contains("**bold**"));
        let plain = content(
            &Notice {
                text: "hi".into(),
                ..Default::default()
            },
            None,
            Some(MsgType::Text),
        );
        assert_eq!(
            plain,
            serde_json::json!({"msgtype": "m.text", "body": "hi"})
        );
        let big = "é".repeat(70_000);
        let parts = chunks(&big, 60_000);
        assert!(parts.len() == 3 && parts.iter().all(|p| p.len() <= 60_000));
        assert_eq!(parts.concat(), big);
    }
}
