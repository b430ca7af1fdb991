//! One IRC connection, run by its own thread: connect, register (CAP/SASL,
//! PASS, NICK/USER, nick collisions), join, send paced lines, confirm
//! delivery with PING/PONG, keep alive, part idle channels, reconnect.
//!
//! The worker thread owns the writing half; a reader thread turns server
//! lines into [`Event`]s on the same channel that brings jobs, so one
//! `recv_timeout` waits for both.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Write;
use std::net::TcpStream;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

mod event;
mod reader;

pub(crate) use event::Event;
mod registration;

use super::line::{self, command};
use super::message::CaseMapping;
use super::message::{Isupport, Message};
use super::pacing::Bucket;
use super::transport;
use super::{expired_error, fail_job, Done, Job, Settings};
use crate::exit::Code;
use crate::net::backoff::Backoff;
use crate::notify::destination::{IrcServer, Recipient};
use crate::notify::error::DeliveryError;

pub(crate) fn spawn(
    id: u64,
    pool: Box<dyn Owner>,
    server: IrcServer,
    settings: Arc<Settings>,
) -> std::io::Result<(Sender<Event>, JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel();
    let bucket = Bucket::new(settings.burst, settings.line_rate);
    let mut conn = Conn {
        id,
        pool,
        server,
        settings,
        rx,
        tx: tx.clone(),
        session: None,
        generation: 0,
        channels: HashMap::new(),
        waiting: VecDeque::new(),
        outq: VecDeque::new(),
        unsynced: Vec::new(),
        inflight: VecDeque::new(),
        errors: HashMap::new(),
        refused_unjoined: HashSet::new(),
        must_join: HashSet::new(),
        bucket,
        pongs: Bucket::new(PONG_BURST, PONG_RATE),
        pong_owed: None,
        next_token: 0,
        since_sync: 0,
        unsynced_since: None,
        last_line: Instant::now(),
        last_activity: Instant::now(),
        turned_away: false,
    };
    let thread = std::thread::Builder::new()
        .name(format!("irc-{id}"))
        .spawn(move || conn.run())?;
    Ok((tx, thread))
}

struct Chan {
    name: String,
    key: Option<String>,
    /// JOIN sent (and not failed, kicked or parted since).
    joined: bool,
    last_used: Instant,
}

/// A delivery sent to the server and waiting for the PONG that confirms it.
struct Unconfirmed {
    lines: Arc<[String]>,
    recipient: Recipient,
    done: Done,
    expires: Option<Instant>,
}

struct Session {
    generation: u64,
    writer: Box<dyn Write + Send>,
    control: TcpStream,
    nick: String,
    /// Length of our `nick!user@host` as others see it, once known.
    prefix_len: Option<usize>,
    isupport: Isupport,
    last_rx: Instant,
    keepalive_sent: Option<Instant>,
    /// What the reader may still queue for this session.
    gate: Arc<reader::Gate>,
}

/// The pool a connection belongs to, as the connection sees it: the pool
/// decides which connection carries which channel, and takes back the jobs
/// of a connection that gives up.
pub(crate) trait Owner: Send {
    /// Registration done: the server's CHANLIMIT and CASEMAPPING.
    fn registered(&self, chanlimit: Option<usize>, casemap: CaseMapping);
    /// The connection could not connect or register and will not retry.
    fn failed(&self, id: u64, err: &DeliveryError);
    /// An attempt to connect or register failed; the connection retries.
    fn attempt_failed(&self, err: &DeliveryError);
    /// Fail waiting jobs whose time is up.
    fn expire(&self, now: Instant);
    /// May this connection part an idle channel?
    fn release(&self, id: u64, folded: &str) -> bool;
    /// May this connection, without channels, quit?
    fn retire(&self, id: u64) -> bool;
    /// A job this connection cannot carry goes back to the pool.
    fn submit(&self, job: Job);
    /// The server turned this connection away at registration (too many
    /// from this address, reconnecting too fast): true when the pool has
    /// another connection to carry its jobs, and this one should go.
    fn withdraw(&self, id: u64) -> bool;
}

struct Conn {
    id: u64,
    pool: Box<dyn Owner>,
    server: IrcServer,
    settings: Arc<Settings>,
    rx: Receiver<Event>,
    tx: Sender<Event>,
    session: Option<Session>,
    generation: u64,
    /// Channels this connection carries, by case-folded name.
    channels: HashMap<String, Chan>,
    /// Jobs waiting for a registered session.
    waiting: VecDeque<Job>,
    /// Lines waiting for the token bucket.
    outq: VecDeque<String>,
    /// Deliveries whose lines are queued or sent, with no PING after them yet.
    unsynced: Vec<Unconfirmed>,
    /// Deliveries waiting for the PONG to the token they were synced with.
    inflight: VecDeque<(u64, Vec<Unconfirmed>)>,
    /// Errors the server reported per recipient (case-folded) since the last PONG.
    errors: HashMap<String, DeliveryError>,
    /// Channels (casefolded) that refused a message sent without joining,
    /// since the last confirmation.
    refused_unjoined: HashSet<String>,
    /// Channels (casefolded) that refused a message from outside: a
    /// `?nojoin` delivery to them joins first, for as long as this
    /// connection lives.
    must_join: HashSet<String>,
    bucket: Bucket,
    /// PONGs have their own small budget, apart from the messages': a
    /// server's PINGs never take a message's token, and a flood of them
    /// gets at most [`PONG_RATE`] answers a second (the latest token).
    pongs: Bucket,
    /// The token of a PING not answered yet (the latest one).
    pong_owed: Option<String>,
    next_token: u64,
    since_sync: usize,
    /// When the oldest delivery in `unsynced` was sent.
    unsynced_since: Option<Instant>,
    /// When the last queued line went out.
    last_line: Instant,
    last_activity: Instant,
    /// The server answered registration with ERROR (not a password refusal).
    turned_away: bool,
}

/// Why the worker stops serving a session.
enum Stop {
    Quit(String),
    Lost(DeliveryError),
}

const SYNC_PREFIX: &str = "vext-";

/// The longest the daemon waits for a full bucket before it confirms what
/// it sent anyway.
const CONFIRM_WITHIN: Duration = Duration::from_secs(5);

/// PONGs at once, then per second: a real server PINGs every minute or
/// two, so this answers every real PING at once and a flood of them at
/// one line a second, whatever it sends.
const PONG_BURST: f64 = 3.0;
const PONG_RATE: f64 = 1.0;

impl Conn {
    fn run(&mut self) {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(300));
        let mut attempt = 0u32;
        loop {
            if self.session.is_none() {
                if attempt > 0 {
                    let wait = backoff.next();
                    log::info!(
                        "{}: reconnecting in {:.1}s",
                        self.server,
                        wait.as_secs_f64()
                    );
                    if let Some(reason) = self.idle_wait(wait) {
                        return self.finish_quit(&reason);
                    }
                }
                attempt += 1;
                match self.register() {
                    Ok(session) => {
                        log::info!("{}: registered as {}", self.server, session.nick);
                        self.pool
                            .registered(session.isupport.chanlimit, session.isupport.casemapping);
                        self.session = Some(session);
                        backoff.reset();
                        self.after_register();
                    }
                    Err(Stop::Quit(reason)) => return self.finish_quit(&reason),
                    Err(Stop::Lost(err)) => {
                        if self.settings.reconnect {
                            log::warn!("{}: {}", self.server, err.message);
                        } else {
                            log::debug!("{}: {}", self.server, err.message);
                        }
                        // A refusal (bad password, SASL failure, a ban) is
                        // not retried: reconnecting would only hammer the
                        // server with the same credentials.
                        if !self.settings.reconnect || err.permanent {
                            return self.give_up(err);
                        }
                        self.pool.attempt_failed(&err);
                        // An extra connection the server will not have
                        // (ircd-hybrid allows two per address by default)
                        // hands its channels to the others.
                        if std::mem::take(&mut self.turned_away) && self.pool.withdraw(self.id) {
                            log::info!(
                                "{}: the server refused another connection ({}); \
                                 its channels go to the open ones",
                                self.server,
                                err.message
                            );
                            return self.resubmit_rest();
                        }
                        continue;
                    }
                }
            }
            match self.serve() {
                Stop::Quit(reason) => return self.finish_quit(&reason),
                Stop::Lost(err) => {
                    log::warn!("{}: connection lost: {}", self.server, err.message);
                    self.drop_session();
                    if !self.settings.reconnect {
                        return self.give_up(err);
                    }
                    if self.channels.is_empty()
                        && self.waiting.is_empty()
                        && self.pool.retire(self.id)
                    {
                        return self.resubmit_rest();
                    }
                }
            }
        }
    }

    /// Waits out a backoff while still taking jobs. Returns a QUIT reason if told to stop.
    fn idle_wait(&mut self, wait: Duration) -> Option<String> {
        let until = Instant::now() + wait;
        loop {
            self.expire_waiting();
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            match self.rx.recv_timeout(left.min(Duration::from_secs(1))) {
                Ok(Event::Job(job)) => self.waiting.push_back(job),
                Ok(Event::Quit(reason)) => return Some(reason),
                Ok(_) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Some("bye".into()),
            }
        }
    }

    /// Fails jobs that waited for a connection past their expiry.
    fn expire_waiting(&mut self) {
        let now = Instant::now();
        if self.waiting.iter().any(|j| j.expired(now)) {
            let (gone, keep): (Vec<Job>, Vec<Job>) = std::mem::take(&mut self.waiting)
                .into_iter()
                .partition(|j| j.expired(now));
            self.waiting = keep.into();
            for job in gone {
                fail_job(&job, &expired_error());
            }
        }
        self.pool.expire(now);
    }

    fn write_now(&mut self, line: &str) -> Result<(), DeliveryError> {
        self.write_lines(&[line])
    }

    /// Writes lines (CRLF added) in one write.
    fn write_lines<S: AsRef<str>>(&mut self, lines: &[S]) -> Result<(), DeliveryError> {
        if lines.is_empty() {
            return Ok(());
        }
        let session = self
            .session
            .as_mut()
            .ok_or_else(|| DeliveryError::temporary(Code::TempFail, "not connected"))?;
        let mut bytes = Vec::with_capacity(lines.iter().map(|l| l.as_ref().len() + 2).sum());
        for line in lines {
            log::trace!("{} >> {}", self.server, traced(line.as_ref()));
            bytes.extend_from_slice(line.as_ref().as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        session
            .writer
            .write_all(&bytes)
            .and_then(|_| session.writer.flush())
            .map_err(|e| {
                DeliveryError::temporary(crate::exit::code_of_io(&e), format!("write failed: {e}"))
            })
    }

    fn after_register(&mut self) {
        let (nick, deaf) = match &self.session {
            Some(s) => (s.nick.clone(), s.isupport.deaf),
            None => return,
        };
        if let Some(mode) = deaf {
            self.outq
                .push_back(command("MODE", &[&nick, &format!("+{mode}")], None));
        }
        if let Some(pass) = self.settings.nickserv_password.clone() {
            self.outq.push_back(command(
                "PRIVMSG",
                &["NickServ"],
                Some(&format!("IDENTIFY {pass}")),
            ));
        }
        // Re-join what this connection carried before a reconnect.
        let rejoin: Vec<(String, Option<String>)> = self
            .channels
            .values()
            .map(|c| (c.name.clone(), c.key.clone()))
            .collect();
        self.join(&rejoin);
        for job in std::mem::take(&mut self.waiting) {
            self.enqueue(job);
        }
    }

    // ---- serving -------------------------------------------------------------

    fn casefold(&self, name: &str) -> String {
        self.session
            .as_ref()
            .map_or(crate::notify::irc::message::CaseMapping::Rfc1459, |s| {
                s.isupport.casemapping
            })
            .fold(name)
    }

    fn join(&mut self, wanted: &[(String, Option<String>)]) {
        let now = Instant::now();
        let mut to_join = Vec::new();
        for (name, key) in wanted {
            let folded = self.casefold(name);
            let chan = self.channels.entry(folded).or_insert_with(|| Chan {
                name: name.clone(),
                key: key.clone(),
                joined: false,
                last_used: now,
            });
            if key.is_some() && chan.key != *key {
                chan.key = key.clone();
                chan.joined = false;
            }
            chan.last_used = now;
            if !chan.joined {
                chan.joined = true;
                to_join.push((chan.name.clone(), chan.key.clone()));
            }
        }
        if to_join.is_empty() {
            return;
        }
        let max = self
            .session
            .as_ref()
            .and_then(|s| s.isupport.join_targets)
            .unwrap_or(usize::MAX)
            .max(1);
        for group in to_join.chunks(max) {
            let refs: Vec<(&str, Option<&str>)> = group
                .iter()
                .map(|(n, k)| (n.as_str(), k.as_deref()))
                .collect();
            self.outq.extend(line::join_lines(&refs));
        }
    }

    /// Queues JOINs and PRIVMSGs for a job; confirmation follows with a PING.
    fn enqueue(&mut self, job: Job) {
        let Some(session) = &self.session else {
            self.waiting.push_back(job);
            return;
        };
        self.last_activity = Instant::now();
        let prefix_len = session
            .prefix_len
            .unwrap_or_else(|| line::assumed_prefix_len(&session.nick));
        let per_line = session.isupport.privmsg_targets.unwrap_or(1).max(1);
        let channels: Vec<(String, Option<String>)> = job
            .recipients
            .iter()
            .filter(|r| {
                !r.is_nick && (!r.nojoin || self.must_join.contains(&self.casefold(&r.name)))
            })
            .map(|r| (r.name.clone(), r.key.clone()))
            .collect();
        self.join(&channels);
        let before = self.outq.len();
        // PRIVMSG recipients first, then those that asked for NOTICE (all
        // of them with `--notice`); a line names several recipients where
        // the server allows it.
        let all_notice = self.settings.notice;
        for verb in ["PRIVMSG", "NOTICE"] {
            let these: Vec<&Recipient> = job
                .recipients
                .iter()
                .filter(|r| (r.notice || all_notice) == (verb == "NOTICE"))
                .collect();
            for group in these.chunks(per_line) {
                let targets = group
                    .iter()
                    .map(|r| r.name.as_str())
                    .collect::<Vec<_>>()
                    .join(",");
                // PRIVMSG is the longer verb: its budget fits NOTICE too.
                let budget = line::privmsg_budget(prefix_len, &targets);
                for text in job.lines.iter() {
                    for chunk in line::split_to_fit(text, budget) {
                        self.outq.push_back(command(verb, &[&targets], Some(chunk)));
                    }
                }
            }
        }
        self.since_sync += self.outq.len() - before;
        self.unsynced_since.get_or_insert_with(Instant::now);
        for r in &job.recipients {
            self.unsynced.push(Unconfirmed {
                lines: job.lines.clone(),
                recipient: r.clone(),
                done: job.done.clone(),
                expires: job.expires,
            });
        }
        // Under a long stream (lines already waiting for the bucket),
        // confirm every few lines rather than only at the end.
        if self.since_sync >= 20 && self.outq.len() as f64 > self.bucket.available() {
            self.push_sync();
        }
    }

    /// In a long stream, a PING queued after the lines so far: they are
    /// confirmed every few lines, not only once the queue drains.
    fn push_sync(&mut self) {
        if self.unsynced.is_empty() {
            return;
        }
        let line = self.sync_line();
        self.outq.push_back(line);
    }

    /// A confirmation PING for every delivery not yet synced.
    fn sync_line(&mut self) -> String {
        self.next_token += 1;
        let token = self.next_token;
        self.inflight
            .push_back((token, std::mem::take(&mut self.unsynced)));
        self.since_sync = 0;
        self.unsynced_since = None;
        command("PING", &[], Some(&format!("{SYNC_PREFIX}{token}")))
    }

    fn serve(&mut self) -> Stop {
        loop {
            // Send what the bucket allows, in one write: the server then
            // handles the lines in one go and answers in one segment (separate
            // small writes meet Nagle and delayed ACKs: 40 ms stalls).
            let mut batch = Vec::new();
            if let Some(pong) = self.pong_due() {
                batch.push(pong);
            }
            while !self.outq.is_empty() && self.bucket.wait().is_zero() {
                batch.push(self.outq.pop_front().unwrap_or_default());
                self.bucket.spend();
                self.last_line = Instant::now();
            }
            // One PING confirms every line sent before it (see sync_wait).
            if self.outq.is_empty() && !self.unsynced.is_empty() && self.sync_wait().is_zero() {
                batch.push(self.sync_line());
                self.bucket.spend();
            }
            if let Err(e) = self.write_lines(&batch) {
                return Stop::Lost(e);
            }
            let timeout = self.next_timeout();
            let event = self.rx.recv_timeout(timeout);
            self.took(&event);
            match event {
                Ok(Event::Job(job)) => self.enqueue(job),
                Ok(Event::Quit(reason)) => return Stop::Quit(reason),
                Ok(Event::Line(g, line))
                    if Some(g) == self.session.as_ref().map(|s| s.generation) =>
                {
                    if let Err(stop) = self.on_line(&line) {
                        return stop;
                    }
                }
                Ok(Event::Closed(g, why))
                    if Some(g) == self.session.as_ref().map(|s| s.generation) =>
                {
                    return Stop::Lost(DeliveryError::temporary(
                        Code::TempFail,
                        format!("server closed the connection{why}"),
                    ));
                }
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(stop) = self.on_tick() {
                        return stop;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return Stop::Quit("bye".into()),
            }
        }
    }

    fn next_timeout(&mut self) -> Duration {
        let mut t = Duration::from_secs(1);
        if self.pong_owed.is_some() {
            t = t.min(self.pongs.wait().max(Duration::from_millis(1)));
        }
        if !self.outq.is_empty() {
            t = t.min(self.bucket.wait().max(Duration::from_millis(1)));
        } else if !self.unsynced.is_empty() {
            t = t.min(self.sync_wait().max(Duration::from_millis(1)));
        }
        t
    }

    /// Time until the confirmation PING for what was sent may go out. A
    /// PING is a line to the server's flood control like any other, so it
    /// must not spend the tokens of the next burst of messages.
    ///
    /// `vext send` (one message, `confirm_at_once`) sends it when the
    /// bucket can spare a token beyond the next message's. The daemon sends
    /// it once the connection has been quiet for two lines' worth of time
    /// and the bucket is full again: at a steady pace faster than that the
    /// PINGs wait, so the pace never drains the tokens a following burst
    /// needs. And it confirms at most [`CONFIRM_WITHIN`] after a delivery
    /// went out whatever the pace, so a steady stream still gets its
    /// confirmations (one PING per five seconds).
    fn sync_wait(&mut self) -> Duration {
        let waited = self.unsynced_since.map_or(Duration::ZERO, |t| t.elapsed());
        if self.settings.confirm_at_once || waited >= CONFIRM_WITHIN {
            return self.bucket.wait_for_sync();
        }
        let quiet_for = Duration::from_secs_f64((2.0 / self.settings.line_rate).clamp(0.2, 5.0));
        let quiet_in = quiet_for.saturating_sub(self.last_line.elapsed());
        quiet_in
            .max(self.bucket.wait_full())
            .min(CONFIRM_WITHIN - waited)
    }

    /// Keepalive, idle channels, idle connection.
    fn on_tick(&mut self) -> Option<Stop> {
        let now = Instant::now();
        let keepalive = self.settings.keepalive;
        let session = self.session.as_mut()?;
        if let Some(sent) = session.keepalive_sent {
            if now.duration_since(sent) > keepalive {
                return Some(Stop::Lost(DeliveryError::temporary(
                    Code::TempFail,
                    format!("no answer to PING for {}s", keepalive.as_secs()),
                )));
            }
        } else if now.duration_since(session.last_rx) > keepalive {
            session.keepalive_sent = Some(now);
            self.bucket.spend();
            if let Err(e) = self.write_now("PING :keepalive") {
                return Some(Stop::Lost(e));
            }
        }
        if !self.outq.is_empty() || !self.inflight.is_empty() || !self.unsynced.is_empty() {
            return None;
        }
        let ttl = self.settings.channel_ttl;
        let idle: Vec<String> = self
            .channels
            .iter()
            .filter(|(_, c)| now.duration_since(c.last_used) >= ttl)
            .map(|(f, _)| f.clone())
            .collect();
        for folded in idle {
            if self.pool.release(self.id, &folded) {
                if let Some(chan) = self.channels.remove(&folded) {
                    if chan.joined {
                        log::info!("{}: parting idle {}", self.server, chan.name);
                        self.outq.push_back(command("PART", &[&chan.name], None));
                    }
                }
            }
        }
        if self.channels.is_empty()
            && self.outq.is_empty()
            && now.duration_since(self.last_activity) >= self.settings.connection_ttl
            && self.pool.retire(self.id)
        {
            log::info!("{}: closing idle connection", self.server);
            return Some(Stop::Quit("idle".into()));
        }
        None
    }

    fn on_line(&mut self, raw: &str) -> Result<(), Stop> {
        log::trace!("{} << {}", self.server, raw);
        let Some(msg) = Message::parse(raw) else {
            return Ok(());
        };
        let Some(session) = self.session.as_mut() else {
            return Ok(());
        };
        session.last_rx = Instant::now();
        session.keepalive_sent = None;
        let our_nick = session.nick.clone();
        let folded_target = self.casefold(msg.param(1));
        match msg.command.as_str() {
            "PING" => {
                self.pong_owed = Some(msg.text().to_string());
                if let Some(pong) = self.pong_due() {
                    self.write_now(&pong).map_err(Stop::Lost)?;
                }
            }
            "PONG" => {
                if let Some(token) = msg
                    .text()
                    .strip_prefix(SYNC_PREFIX)
                    .and_then(|t| t.parse::<u64>().ok())
                {
                    self.confirm(token);
                }
            }
            "JOIN" if msg.source_nick() == our_nick => {
                if let (Some(prefix), Some(s)) = (msg.prefix.as_deref(), self.session.as_mut()) {
                    s.prefix_len = Some(prefix.len());
                }
            }
            "396" => {
                // RPL_HOSTHIDDEN: our displayed host changed.
                if let Some(s) = self.session.as_mut() {
                    let user_len = s.prefix_len.map_or(11, |l| {
                        l.saturating_sub(s.nick.len() + 1 + 1 + 63).clamp(1, 11)
                    });
                    s.prefix_len = Some(s.nick.len() + 1 + user_len + 1 + msg.param(1).len());
                }
            }
            "NICK" if msg.source_nick() == our_nick => {
                if let Some(s) = self.session.as_mut() {
                    s.nick = msg.param(0).to_string();
                    s.prefix_len = None;
                }
            }
            "KICK" if self.casefold(msg.param(1)) == self.casefold(&our_nick) => {
                let folded = self.casefold(msg.param(0));
                if let Some(c) = self.channels.get_mut(&folded) {
                    log::warn!("{}: kicked from {}: {}", self.server, c.name, msg.text());
                    c.joined = false;
                }
            }
            // JOIN failures: the channel is not joined; the error goes to its deliveries.
            "403" | "405" | "471" | "473" | "474" | "475" | "476" | "477" | "437" | "489" => {
                let temporary = matches!(msg.command.as_str(), "437" | "471");
                if let Some(c) = self.channels.get_mut(&folded_target) {
                    c.joined = false;
                }
                self.errors.insert(
                    folded_target,
                    DeliveryError {
                        code: if temporary {
                            Code::TempFail
                        } else {
                            Code::Unavailable
                        },
                        permanent: !temporary,
                        message: format!(
                            "cannot join {}: {} ({})",
                            msg.param(1),
                            msg.text(),
                            msg.command
                        ),
                    },
                );
            }
            // Message failures: cannot send to channel, no such nick/channel.
            "401" | "404" | "406" | "412" | "407" | "411" => self.refused(&msg, folded_target),
            "ERROR" => {
                return Err(Stop::Lost(DeliveryError::temporary(
                    Code::TempFail,
                    format!("server said: {}", msg.text()),
                )));
            }
            _ => {}
        }
        Ok(())
    }

    /// A message the server refused (cannot send to channel, no such
    /// nick or channel): the error goes to its deliveries at the next
    /// confirmation.
    fn refused(&mut self, msg: &Message, folded_target: String) {
        // Sent without joining to a channel that wants members (+n): those
        // deliveries join and send again (in confirm).
        if msg.command == "404" && self.channels.get(&folded_target).is_none_or(|c| !c.joined) {
            self.refused_unjoined.insert(folded_target.clone());
            self.must_join.insert(folded_target.clone());
        }
        // The first error is the cause (a failed JOIN explains a later 404).
        self.errors.entry(folded_target).or_insert(DeliveryError {
            code: Code::Unavailable,
            permanent: msg.command != "407",
            message: format!(
                "cannot send to {}: {} ({})",
                msg.param(1),
                msg.text(),
                msg.command
            ),
        });
    }

    /// The PONG owed to the server, when its budget allows one now.
    fn pong_due(&mut self) -> Option<String> {
        if self.pong_owed.is_none() || !self.pongs.wait().is_zero() {
            return None;
        }
        self.pongs.spend();
        let token = self.pong_owed.take()?;
        Some(command("PONG", &[], Some(&token)))
    }

    /// Gives the reader back the room a line of this session took.
    fn took<E>(&self, event: &Result<Event, E>) {
        if let (Ok(Event::Line(g, line)), Some(s)) = (event, &self.session) {
            if *g == s.generation {
                s.gate.taken(line);
            }
        }
    }

    /// The server answered PING `token`: everything sent before it was taken.
    fn confirm(&mut self, token: u64) {
        let mut again = Vec::new();
        while self.inflight.front().is_some_and(|(t, _)| *t <= token) {
            let Some((_, batch)) = self.inflight.pop_front() else {
                break;
            };
            for u in batch {
                let folded = self.casefold(&u.recipient.name);
                if u.recipient.nojoin && self.refused_unjoined.contains(&folded) {
                    again.push(Job {
                        lines: u.lines,
                        recipients: vec![u.recipient],
                        done: u.done,
                        expires: u.expires,
                    });
                    continue;
                }
                let result = match self.errors.get(&folded) {
                    Some(err) => Err(err.clone()),
                    None => Ok(()),
                };
                (u.done)(&u.recipient, result);
            }
        }
        self.errors.clear();
        self.refused_unjoined.clear();
        for job in again {
            log::info!(
                "{}: {} takes no messages from outside: joining it",
                self.server,
                job.recipients[0].name
            );
            self.enqueue(job);
        }
    }

    // ---- endings -------------------------------------------------------------

    fn drop_session(&mut self) {
        if let Some(s) = self.session.take() {
            s.gate.close();
            transport::close(&s.control);
        }
        self.pong_owed = None;
        for c in self.channels.values_mut() {
            c.joined = false;
        }
        self.outq.clear();
        self.errors.clear();
        self.refused_unjoined.clear();
        self.since_sync = 0;
        // Everything not confirmed is sent again (at least once), oldest first.
        let mut redo: Vec<Unconfirmed> = std::mem::take(&mut self.inflight)
            .into_iter()
            .flat_map(|(_, b)| b)
            .collect();
        redo.append(&mut self.unsynced);
        for u in redo.into_iter().rev() {
            self.waiting.push_front(Job {
                lines: u.lines,
                recipients: vec![u.recipient],
                done: u.done,
                expires: u.expires,
            });
        }
    }

    /// Not reconnecting: fail every delivery this connection holds.
    fn give_up(&mut self, err: DeliveryError) {
        self.drop_session();
        self.pool.failed(self.id, &err);
        for job in std::mem::take(&mut self.waiting) {
            fail_job(&job, &err);
        }
        while let Ok(ev) = self.rx.try_recv() {
            if let Event::Job(job) = ev {
                fail_job(&job, &err);
            }
        }
    }

    /// Jobs that reached this connection after it retired go back to the pool.
    fn resubmit_rest(&mut self) {
        let mut jobs: Vec<Job> = std::mem::take(&mut self.waiting).into();
        while let Ok(ev) = self.rx.try_recv() {
            if let Event::Job(job) = ev {
                jobs.push(job);
            }
        }
        for job in jobs {
            self.pool.submit(job);
        }
    }

    fn finish_quit(&mut self, reason: &str) {
        if self.session.is_some() {
            // Flush what is queued (bounded by the caller's grace period), then QUIT.
            let mut lines: Vec<String> = std::mem::take(&mut self.outq).into();
            // A last PING confirms what went out, so that it is not
            // counted as failed (and sent again) after a clean shutdown.
            if !self.unsynced.is_empty() {
                let ping = self.sync_line();
                lines.push(ping);
            }
            lines.push(command("QUIT", &[], Some(reason)));
            let _ = self.write_lines(&lines);
            if let Some(s) = &self.session {
                let _ = s.control.shutdown(std::net::Shutdown::Write);
            }
            // Wait briefly for the server to close, so QUIT is read rather than reset.
            let until = Instant::now() + Duration::from_millis(500);
            while let Some(left) = until.checked_duration_since(Instant::now()) {
                let event = self.rx.recv_timeout(left);
                self.took(&event);
                match event {
                    Ok(Event::Closed(..)) | Err(_) => break,
                    Ok(Event::Job(job)) => self.waiting.push_back(job),
                    Ok(Event::Line(_, line)) => {
                        if let Some(token) = Message::parse(&line)
                            .filter(|m| m.command == "PONG")
                            .and_then(|m| m.text().strip_prefix(SYNC_PREFIX)?.parse().ok())
                        {
                            self.confirm(token);
                        }
                    }
                    Ok(_) => {}
                }
            }
        }
        let err = DeliveryError::temporary(Code::TempFail, format!("connection closed ({reason})"));
        let mut unsent: Vec<Unconfirmed> = std::mem::take(&mut self.inflight)
            .into_iter()
            .flat_map(|(_, b)| b)
            .collect();
        unsent.append(&mut self.unsynced);
        for u in unsent {
            (u.done)(&u.recipient, Err(err.clone()));
        }
        self.drop_session();
        self.give_up(err);
    }
}

/// A line as the protocol trace shows it: credentials (PASS, SASL
/// AUTHENTICATE payloads, NickServ IDENTIFY) never reach a log at any level.
fn traced(line: &str) -> std::borrow::Cow<'_, str> {
    let upper = line.get(..16).unwrap_or(line).to_ascii_uppercase();
    if upper.starts_with("PASS ")
        || (upper.starts_with("AUTHENTICATE ")
            && !matches!(
                &line[13..],
                "PLAIN" | "EXTERNAL" | "SCRAM-SHA-256" | "+" | "*"
            ))
    {
        let verb = line.split(' ').next().unwrap_or_default();
        return format!("{verb} ***").into();
    }
    if upper.starts_with("PRIVMSG NICKSERV") && line.to_ascii_uppercase().contains(":IDENTIFY") {
        return "PRIVMSG NickServ :IDENTIFY ***".into();
    }
    line.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_trace() {
        assert_eq!(traced("PASS :hunter2"), "PASS ***");
        assert_eq!(
            traced("AUTHENTICATE Ym9iAGJvYgBodW50ZXIy"),
            "AUTHENTICATE ***"
        );
        assert_eq!(traced("AUTHENTICATE PLAIN"), "AUTHENTICATE PLAIN");
        assert_eq!(
            traced("PRIVMSG NickServ :IDENTIFY hunter2"),
            "PRIVMSG NickServ :IDENTIFY ***"
        );
        assert_eq!(traced("PRIVMSG #c :hello"), "PRIVMSG #c :hello");
    }
}
