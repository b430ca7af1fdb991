//! The daemon's Matrix bot for Semaphore UI: reads commands from
//! allow-listed rooms (a `/sync` long poll on its own thread, its position
//! kept in the state dir so a restart neither replays nor misses a
//! command), acts for admins only, asks before it runs anything, and
//! follows every task it started until it ends (`watch`).

mod command;
mod room;
mod watch;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::Value;

use crate::chatops::semaphore::{Client, Named, RunRequest};
use crate::net::backoff::Backoff;
use command::Command;
use room::Matrix;

/// Where the bot is, who it obeys and how it behaves.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The homeserver's base URL (`https://matrix.example.org`).
    pub(crate) homeserver: String,
    pub(crate) user_id: String,
    pub(crate) token: Option<String>,
    pub(crate) password: Option<String>,
    /// Room ids or aliases the bot answers in; invites to others are declined.
    pub(crate) rooms: Vec<String>,
    /// Matrix user ids whose commands the bot carries out.
    pub(crate) admins: Vec<String>,
    pub(crate) prefix: String,
    pub(crate) confirm: bool,
    pub(crate) poll_interval: Duration,
    pub(crate) still_running: Duration,
    /// How long a `run` waits for its confirmation.
    pub(crate) confirm_within: Duration,
    pub(crate) aliases: BTreeMap<String, String>,
    pub(crate) extra_ca: Option<Vec<u8>>,
    pub(crate) state_dir: PathBuf,
}

/// The sync position in the state database, by `<homeserver>|<user>`.
const SYNC: &str = "bot-sync";
/// Rooms already told that the bot cannot read them (encrypted).
const TOLD_ENCRYPTED: &str = "bot-encrypted";

/// The longest a `/sync` waits for news.
const SYNC_WAIT: Duration = Duration::from_secs(30);

pub(crate) struct Bot {
    settings: Settings,
    matrix: Matrix,
    semaphore: Client,
    /// The state database (sync position, followed tasks), opened once.
    db: Mutex<rusqlite::Connection>,
    /// The allow-listed rooms, by room id.
    rooms: Mutex<HashSet<String>>,
    pending: Mutex<Vec<Pending>>,
}

/// A `run` waiting for its confirmation.
struct Pending {
    room: String,
    thread: String,
    /// The bot's question; a reaction to it (or to the command) answers.
    question: String,
    project: Named,
    template: Named,
    request: RunRequest,
    asked: Instant,
}

/// Starts the bot on its own thread: it signs in to the homeserver (again
/// and again while the homeserver is out of reach: the relay does not wait
/// for it), joins the allow-listed rooms and starts the sync and watch
/// threads. A token or password the homeserver refuses stops the bot, with
/// one error in the log; the relay runs on.
pub(crate) fn start(settings: Settings, semaphore: Client) -> Result<()> {
    std::thread::Builder::new()
        .name("bot".into())
        .spawn(move || {
            let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
            loop {
                match connect(&settings) {
                    Ok(matrix) => {
                        if let Err(e) = serve(settings, matrix, semaphore) {
                            log::error!("bot: {e:#}");
                        }
                        return;
                    }
                    Err(e) if crate::exit::code_of(&e) == crate::exit::Code::TempFail => {
                        let wait = backoff.next();
                        log::warn!("bot: {e:#}; trying again in {:.0}s", wait.as_secs_f64());
                        std::thread::sleep(wait);
                    }
                    Err(e) => {
                        log::error!("bot: {e:#}; the bot is not running");
                        return;
                    }
                }
            }
        })?;
    Ok(())
}

fn connect(settings: &Settings) -> Result<Matrix> {
    let mut matrix = Matrix::connect(
        &settings.homeserver,
        &settings.user_id,
        settings.token.clone(),
        settings.password.clone(),
        settings.extra_ca.as_deref(),
        settings.state_dir.clone(),
        SYNC_WAIT,
    )?;
    let me = matrix.whoami()?;
    if me != settings.user_id {
        log::warn!(
            "bot: the access token belongs to {me}, not to {}; answering as {me}",
            settings.user_id
        );
    }
    matrix.user_id = me;
    Ok(matrix)
}

fn serve(settings: Settings, matrix: Matrix, semaphore: Client) -> Result<()> {
    let bot = Arc::new(Bot {
        db: Mutex::new(crate::state::db::open(&settings.state_dir)?),
        matrix,
        semaphore,
        rooms: Mutex::new(HashSet::new()),
        pending: Mutex::new(Vec::new()),
        settings,
    });
    for room in &bot.settings.rooms {
        match bot.matrix.join(room) {
            Ok(id) => {
                bot.check_encryption(&id);
                bot.allowed().insert(id);
            }
            Err(e) => {
                log::warn!("bot: {e:#}; waiting for an invite");
                if room.starts_with('!') {
                    bot.allowed().insert(room.clone());
                }
            }
        }
    }
    let b = bot.clone();
    std::thread::Builder::new()
        .name("bot-watch".into())
        .spawn(move || loop {
            // A steady cadence: the time a round takes is not added to it.
            let round = Instant::now();
            b.watch_once();
            std::thread::sleep(b.settings.poll_interval.saturating_sub(round.elapsed()));
        })?;
    log::info!(
        "bot: {} answers `{}` in {} room(s) for {} admin(s)",
        bot.matrix.user_id,
        bot.settings.prefix,
        bot.settings.rooms.len(),
        bot.settings.admins.len()
    );
    bot.sync_loop();
    Ok(())
}

impl Bot {
    fn allowed(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.rooms.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn reply(&self, room: &str, thread: &str, text: &str) -> Result<String> {
        self.matrix.notice(room, Some(thread), text)
    }

    /// The bot's state database, opened once.
    fn db(&self) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn kept(&self, space: &str, key: &str) -> Option<String> {
        crate::state::kv::get(&self.db(), space, key).ok().flatten()
    }

    fn keep(&self, space: &str, key: &str, value: &str) {
        if let Err(e) = crate::state::kv::put(&self.db(), space, key, value) {
            log::warn!(
                "bot: keeping {space} in {}: {e:#}",
                self.settings.state_dir.display()
            );
        }
    }

    fn sync_loop(&self) {
        let key = format!("{}|{}", self.settings.homeserver, self.matrix.user_id);
        let mut since = self.kept(SYNC, &key);
        if since.is_some() {
            log::info!("bot: resuming where it stopped; commands from now on are answered");
        }
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        loop {
            let wait = self.next_expiry().unwrap_or(SYNC_WAIT).min(SYNC_WAIT);
            match self.matrix.sync(since.as_deref(), wait) {
                Ok(v) => {
                    backoff.reset();
                    // The first sync of a new bot is history: read, not obeyed.
                    self.handle_sync(&v, since.is_some());
                    if let Some(next) = v["next_batch"].as_str() {
                        self.keep(SYNC, &key, next);
                        if since.is_none() {
                            log::info!("bot: caught up; commands from now on are answered");
                        }
                        since = Some(next.to_string());
                    }
                }
                Err(e) => {
                    let wait = backoff.next();
                    log::warn!("bot: {e:#}; syncing again in {:.0}s", wait.as_secs_f64());
                    std::thread::sleep(wait);
                }
            }
            self.expire_pending();
        }
    }

    fn handle_sync(&self, v: &Value, obey: bool) {
        if let Some(invites) = v["rooms"]["invite"].as_object() {
            for (room, _) in invites {
                self.invited(room);
            }
        }
        let Some(joined) = v["rooms"]["join"].as_object() else {
            return;
        };
        for (room, r) in joined {
            if !self.allowed().contains(room) {
                continue;
            }
            let events = r["timeline"]["events"].as_array().map_or(&[][..], |e| e);
            for event in events {
                if obey {
                    self.handle_event(room, event);
                } else if event["type"] == "m.room.encryption" {
                    self.check_encryption(room);
                }
            }
        }
    }

    fn invited(&self, room: &str) {
        if self.allowed().contains(room) {
            match self.matrix.join(room) {
                Ok(_) => self.check_encryption(room),
                Err(e) => log::warn!("bot: {e:#}"),
            }
            return;
        }
        log::info!("bot: declining the invite to {room}: not in [bot] rooms");
        if let Err(e) = self.matrix.leave(room) {
            log::warn!("bot: declining the invite to {room}: {e:#}");
        }
    }

    /// Says once per room, in the room and in the log, that the bot cannot
    /// read an encrypted room.
    fn check_encryption(&self, room: &str) {
        if self.kept(TOLD_ENCRYPTED, room).is_some()
            || !self.matrix.encrypted(room).unwrap_or(false)
        {
            return;
        }
        log::warn!("bot: {room} is end-to-end encrypted; the bot cannot read commands there");
        let said = self.matrix.notice(
            room,
            None,
            "This room is end-to-end encrypted, and this bot cannot read encrypted messages yet: \
             it will not see commands here. Use an unencrypted room.",
        );
        if said.is_ok() {
            self.keep(TOLD_ENCRYPTED, room, "1");
        }
    }

    fn handle_event(&self, room: &str, e: &Value) {
        let sender = e["sender"].as_str().unwrap_or_default();
        if sender == self.matrix.user_id {
            return;
        }
        let id = e["event_id"].as_str().unwrap_or_default();
        let content = &e["content"];
        match e["type"].as_str() {
            Some("m.room.encrypted" | "m.room.encryption") => self.check_encryption(room),
            Some("m.reaction") => {
                let rel = &content["m.relates_to"];
                let key = rel["key"].as_str().unwrap_or_default();
                let yes = key.starts_with('👍');
                if (yes || key.starts_with('👎')) && self.is_admin(sender) {
                    let target = rel["event_id"].as_str().unwrap_or_default();
                    self.answer(room, |p| p.question == target || p.thread == target, yes);
                }
            }
            Some("m.room.message") => {
                // Notices are what bots send: never answered.
                if content["msgtype"] != "m.text" {
                    return;
                }
                let body = content["body"].as_str().unwrap_or_default().trim();
                let rel = &content["m.relates_to"];
                let thread = if rel["rel_type"] == "m.thread" {
                    rel["event_id"].as_str().unwrap_or(id)
                } else {
                    id
                };
                self.message(room, thread, sender, body);
            }
            _ => {}
        }
    }

    fn is_admin(&self, user: &str) -> bool {
        self.settings.admins.iter().any(|a| a == user)
    }

    fn message(&self, room: &str, thread: &str, sender: &str, body: &str) {
        let text = body
            .strip_prefix(self.settings.prefix.as_str())
            .filter(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace));
        let answer = text.unwrap_or(body).trim().to_ascii_lowercase();
        let yes = matches!(answer.as_str(), "yes" | "y");
        if (yes || matches!(answer.as_str(), "no" | "n")) && self.is_admin(sender) {
            let in_thread = thread.to_string();
            let answered = self.answer(room, |p| p.thread == in_thread, yes)
                || self.answer(room, |_| true, yes);
            if answered || text.is_none() {
                return;
            }
        }
        let Some(text) = text else { return };
        if !self.is_admin(sender) {
            log::info!("bot: ignoring a command from {sender}, who is not in [bot] admins");
            self.say(room, thread, "Sorry, I only take commands from my admins.");
            return;
        }
        let reply = match command::parse(text, &self.settings.aliases) {
            Ok(c) => self.carry_out(room, thread, sender, c),
            Err(e) => Err(anyhow::anyhow!("{e}")),
        };
        match reply {
            Ok(Some(text)) => self.say(room, thread, &text),
            Ok(None) => {}
            Err(e) => self.say(room, thread, &format!("⚠️ {}", one_line(&format!("{e:#}")))),
        }
    }

    fn say(&self, room: &str, thread: &str, text: &str) {
        if let Err(e) = self.reply(room, thread, text) {
            log::warn!("bot: replying in {room}: {e:#}");
        }
    }

    /// What a command answers; `None` when it already said it.
    fn carry_out(
        &self,
        room: &str,
        thread: &str,
        sender: &str,
        c: Command,
    ) -> Result<Option<String>> {
        let s = &self.semaphore;
        let list = |items: Vec<Named>| {
            if items.is_empty() {
                return "none".to_string();
            }
            items
                .iter()
                .map(|i| format!("- {} ({})", i.name, i.id))
                .collect::<Vec<_>>()
                .join("\n")
        };
        Ok(Some(match c {
            Command::Help => format!("{}\n\nPrefix: `{}`", command::HELP, self.settings.prefix),
            Command::Ping => {
                let t = Instant::now();
                s.ping()?;
                format!(
                    "pong: Semaphore at {} answered in {} ms",
                    s.url(),
                    t.elapsed().as_millis()
                )
            }
            Command::Info => {
                let v = s.info()?;
                let version = v["version"].as_str().unwrap_or("an unknown version");
                format!("Semaphore {version} at {}", s.url())
            }
            Command::Projects => format!("Projects:\n{}", list(s.projects()?)),
            Command::Templates { project } => {
                let p = s.project(&project)?;
                format!("Templates in {}:\n{}", p.name, list(s.templates(p.id)?))
            }
            Command::Aliases => {
                if self.settings.aliases.is_empty() {
                    "No aliases: add them under [bot.aliases] in the config.".into()
                } else {
                    self.settings
                        .aliases
                        .iter()
                        .map(|(k, v)| format!("- `{k}` = `{v}`"))
                        .collect::<Vec<_>>()
                        .join("\n")
                }
            }
            Command::Run {
                project,
                template,
                request,
            } => return self.run(room, thread, &project, &template, request),
            Command::Status { task: None } => self.followed()?,
            Command::Status { task: Some(t) } => {
                let (p, v) = self.find_task(t)?;
                format!(
                    "Task {t} ({}): {}",
                    p.name,
                    v["status"].as_str().unwrap_or("unknown")
                )
            }
            Command::Logs { task, tail } => self.logs(task, tail)?,
            Command::Pending => pending_updates(&self.db())?,
            Command::Answer { id, yes } => {
                let now = crate::state::db::now_ms();
                let db = self.db();
                let known = if yes {
                    crate::state::updates::approve(&db, &id, sender, now)?
                } else {
                    crate::state::updates::deny(&db, &id, sender, now)?
                };
                match (known, yes) {
                    (false, _) => format!("No pending update {id}; `pending` lists them."),
                    (true, true) => {
                        format!("Update {id} approved by {sender}: the next update run applies it.")
                    }
                    (true, false) => {
                        format!("Update {id} denied by {sender}: later runs skip that version.")
                    }
                }
            }
            Command::Stop { task, force } => {
                let (p, _) = self.find_task(task)?;
                s.stop(p.id, task, force)?;
                format!(
                    "Asked Semaphore to {} task {task}.",
                    if force { "kill" } else { "stop" }
                )
            }
        }))
    }

    /// `run`: starts the task, or first asks the room when confirm is on.
    fn run(
        &self,
        room: &str,
        thread: &str,
        project: &str,
        template: &str,
        mut request: RunRequest,
    ) -> Result<Option<String>> {
        let s = &self.semaphore;
        let p = s.project(project)?;
        let t = s.template(&p, template)?;
        request.template_id = t.id;
        if !self.settings.confirm {
            return self.start_task(room, thread, p, t, &request).map(Some);
        }
        let mut what = format!("Run **{}** in **{}**", t.name, p.name);
        for (k, v) in [
            ("limit", &request.limit),
            ("tags", &request.tags),
            ("skip tags", &request.skip_tags),
        ] {
            if let Some(v) = v {
                what.push_str(&format!(", {k} `{v}`"));
            }
        }
        if request.dry_run {
            what.push_str(" (dry run)");
        }
        let minutes = self.settings.confirm_within.as_secs().div_ceil(60);
        let question = self.reply(
            room,
            thread,
            &format!("{what}? Reply `yes` or react 👍 to start it; `no` or 👎 cancels (or {minutes} minutes of silence)."),
        )?;
        self.pending().push(Pending {
            room: room.into(),
            thread: thread.into(),
            question,
            project: p,
            template: t,
            request,
            asked: Instant::now(),
        });
        Ok(None)
    }

    /// `status` without a task: the tasks started from chat that still run.
    fn followed(&self) -> Result<String> {
        let mine = watch::all(&self.db())?;
        if mine.is_empty() {
            return Ok("No task started from chat is running.".into());
        }
        Ok(mine
            .iter()
            .map(|w| {
                format!(
                    "- Task {} ({}, {}): {}",
                    w.task, w.template, w.project_name, w.status
                )
            })
            .collect::<Vec<_>>()
            .join("\n"))
    }

    /// `logs`: the last `tail` lines of a task's output.
    fn logs(&self, task: i64, tail: usize) -> Result<String> {
        let (p, _) = self.find_task(task)?;
        let lines = self.semaphore.output(p.id, task)?;
        let tail: Vec<&str> = lines[lines.len().saturating_sub(tail)..]
            .iter()
            .filter_map(|l| l["output"].as_str())
            .collect();
        if tail.is_empty() {
            return Ok(format!("Task {task} has no log yet."));
        }
        Ok(format!(
            "Last {} lines of task {task}:\n```\n{}\n```",
            tail.len(),
            tail.join("\n").replace("```", "'''")
        ))
    }

    /// The project a task belongs to: known when it was started from chat,
    /// else looked up project by project.
    fn find_task(&self, task: i64) -> Result<(Named, Value)> {
        let s = &self.semaphore;
        // Bound first: the database is not held while Semaphore is asked.
        let followed = watch::all(&self.db())?;
        if let Some(w) = followed.into_iter().find(|w| w.task == task) {
            let v = s.task(w.project, task)?;
            return Ok((
                Named {
                    id: w.project,
                    name: w.project_name,
                },
                v,
            ));
        }
        for p in s.projects()? {
            match s.task(p.id, task) {
                Ok(v) => return Ok((p, v)),
                Err(e) if crate::exit::code_of(&e) == crate::exit::Code::DataErr => continue,
                Err(e) => return Err(e),
            }
        }
        Err(anyhow::anyhow!("there is no task {task} in any project"))
    }

    /// Posts the task and starts following it.
    fn start_task(
        &self,
        room: &str,
        thread: &str,
        p: Named,
        t: Named,
        request: &RunRequest,
    ) -> Result<String> {
        let v = self.semaphore.run(p.id, request)?;
        let Some(id) = v["id"].as_i64() else {
            anyhow::bail!("Semaphore started the task but gave no id: {v}");
        };
        let w = watch::Watched {
            project: p.id,
            project_name: p.name.clone(),
            template: t.name.clone(),
            task: id,
            room: room.into(),
            thread: thread.into(),
            status: v["status"].as_str().unwrap_or("waiting").to_string(),
            started_ms: watch::now_ms(),
            still_noted: false,
        };
        watch::keep(&self.db(), &w)?;
        log::info!("bot: started task {id} ({}, {})", t.name, p.name);
        Ok(format!(
            "Started task {id}: {} in {}. I'll post its progress here.",
            t.name, p.name
        ))
    }

    /// Answers the oldest pending run in `room` that `which` picks; false
    /// when there is none.
    fn answer(&self, room: &str, which: impl Fn(&Pending) -> bool, yes: bool) -> bool {
        let found = {
            let mut pending = self.pending();
            let i = pending.iter().rposition(|p| p.room == room && which(p));
            i.map(|i| pending.remove(i))
        };
        let Some(p) = found else { return false };
        let reply = if yes {
            self.start_task(&p.room, &p.thread, p.project, p.template, &p.request)
                .unwrap_or_else(|e| format!("⚠️ {}", one_line(&format!("{e:#}"))))
        } else {
            "Cancelled: nothing was started.".to_string()
        };
        self.say(&p.room, &p.thread, &reply);
        true
    }

    /// Looks at every watched task once: posts what changed, forgets the
    /// tasks that ended (once their message is out).
    fn watch_once(&self) {
        let watched = match watch::all(&self.db()) {
            Ok(w) => w,
            Err(e) => {
                log::warn!("bot: reading the watched tasks: {e:#}");
                return;
            }
        };
        for mut w in watched {
            let task = match self.semaphore.task(w.project, w.task) {
                Ok(t) => t,
                Err(e) if crate::exit::code_of(&e) == crate::exit::Code::DataErr => {
                    let _ = self.reply(
                        &w.room,
                        &w.thread,
                        &format!("{} no longer exists in Semaphore.", w.name()),
                    );
                    let _ = watch::forget(&self.db(), w.task);
                    continue;
                }
                Err(e) => {
                    log::warn!("bot: following task {}: {e:#}", w.task);
                    continue;
                }
            };
            let before = (w.status.clone(), w.still_noted);
            let (project, id) = (w.project, w.task);
            let message = watch::progress(
                &mut w,
                &task,
                || self.semaphore.output(project, id),
                self.settings.still_running,
                watch::now_ms(),
            );
            if let Some(text) = message {
                if let Err(e) = self.reply(&w.room, &w.thread, &text) {
                    // Said next time round.
                    log::warn!("bot: reporting task {}: {e:#}", w.task);
                    continue;
                }
            }
            let done = if crate::chatops::semaphore::is_final(&w.status) {
                watch::forget(&self.db(), w.task)
            } else if (w.status.clone(), w.still_noted) != before {
                watch::keep(&self.db(), &w)
            } else {
                Ok(())
            };
            if let Err(e) = done {
                log::warn!("bot: recording task {}: {e:#}", w.task);
            }
        }
    }

    fn next_expiry(&self) -> Option<Duration> {
        let within = self.settings.confirm_within;
        self.pending()
            .iter()
            .map(|p| within.saturating_sub(p.asked.elapsed()) + Duration::from_millis(50))
            .min()
    }

    fn expire_pending(&self) {
        let within = self.settings.confirm_within;
        let expired: Vec<Pending> = {
            let mut pending = self.pending();
            let (old, keep) = pending.drain(..).partition(|p| p.asked.elapsed() >= within);
            *pending = keep;
            old
        };
        for p in expired {
            self.say(
                &p.room,
                &p.thread,
                &format!(
                    "Cancelled: no confirmation within {}; nothing was started.",
                    humantime::format_duration(within)
                ),
            );
        }
    }
}

/// `pending`: the updates waiting for approval, and those answered.
fn pending_updates(db: &rusqlite::Connection) -> Result<String> {
    let rows = crate::state::updates::pending(db)?;
    if rows.is_empty() {
        return Ok("No update waits for approval.".into());
    }
    let lines: Vec<String> = rows
        .iter()
        .map(|p| {
            let state = match (&p.approved_by, p.denied) {
                (Some(who), true) => format!("denied by {who}"),
                (Some(who), false) => format!("approved by {who}"),
                (None, _) => "waiting".into(),
            };
            format!(
                "- `{}` {}: {} -> {} ({}), {state}",
                p.id, p.workload, p.from_ref, p.to_ref, p.change
            )
        })
        .collect();
    Ok(format!(
        "Updates for approval:
{}",
        lines.join(
            "
"
        )
    ))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod hostile {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use super::{command, room, watch};
    use crate::hostile::each;

    /// What anyone in a room can type, and what Semaphore answers about a
    /// task: parsed, cut and reported without a panic.
    #[test]
    fn chat_commands_and_semaphore_replies() {
        let aliases =
            BTreeMap::from([("deploy".to_string(), "run Infra \"Deploy web\"".to_string())]);
        each(
            "chat commands and task replies",
            &[
                br#"run Infra "Deploy web" --limit web1,web2 --tags=a,b --skip-tags c --dry-run"#,
                br"logs 12 --tail 5",
                br"deploy --limit 'db 1'",
                br"stop 7 --force",
                br#"{"id":7,"status":"success","start":"2026-11-29T10:00:00Z","end":"2026-11-29T10:03:10.5Z"}"#,
                br#"[{"task_id":7,"time":"2026-11-29T10:00:01Z","output":"PLAY [web] ```"},{"output":null}]"#,
            ],
            |b| {
                let t = String::from_utf8_lossy(b);
                let _ = command::parse(&t, &aliases);
                let _ = room::cut(&t, 64);
                let v: serde_json::Value = serde_json::from_slice(b).unwrap_or_default();
                let mut w = watch::Watched {
                    project: 1,
                    project_name: "Infra".into(),
                    template: "Deploy".into(),
                    task: 7,
                    room: "!r:h".into(),
                    thread: "$e".into(),
                    status: "running".into(),
                    started_ms: 0,
                    still_noted: false,
                };
                let log = v.as_array().cloned().unwrap_or_default();
                let _ = watch::progress(&mut w, &v, || Ok(log), Duration::from_secs(1), u64::MAX);
            },
        );
    }
}
