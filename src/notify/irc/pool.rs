//! The connections to one IRC server: which connection carries which channel.
//!
//! A channel stays on the connection that joined it. A new channel goes to the
//! first connection with room under CHANLIMIT, else to a new connection. Until
//! the first connection has registered (and told us CHANLIMIT and
//! CASEMAPPING), jobs wait here.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::conn::{self, Event, Owner};
use super::message::CaseMapping;
use super::{expired_error, fail_job, Job, Settings};
use crate::notify::destination::{IrcServer, Recipient};
use crate::notify::error::DeliveryError;

pub(crate) struct Pool {
    pub(crate) server: IrcServer,
    settings: Arc<Settings>,
    state: Mutex<State>,
}

struct Handle {
    id: u64,
    tx: Sender<Event>,
    /// Channels this connection carries (case-folded).
    channels: HashSet<String>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct State {
    conns: Vec<Handle>,
    /// CHANLIMIT and CASEMAPPING, once a connection has registered.
    limits: Option<(usize, CaseMapping)>,
    pending: Vec<Job>,
    next_id: u64,
    closed: bool,
    /// Failed attempts to reach the server since a connection last
    /// registered, and the last one's error.
    failures: (u64, String),
    /// A fan-out is not spread over new connections before this: the
    /// server turned an extra one away.
    no_spread_until: Option<Instant>,
}

/// How long a pool keeps to the connections it has after the server
/// refused another.
const SPREAD_PAUSE: Duration = Duration::from_secs(600);

impl Pool {
    pub(crate) fn new(server: IrcServer, settings: Arc<Settings>) -> Arc<Pool> {
        Arc::new(Pool {
            server,
            settings,
            state: Mutex::new(State::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands a job to the connections, opening one when needed.
    pub(crate) fn submit(self: &Arc<Self>, job: Job) {
        let mut st = self.lock();
        if st.closed {
            fail_job(
                &job,
                &DeliveryError::temporary(crate::exit::Code::TempFail, "shutting down"),
            );
            return;
        }
        if st.limits.is_none() {
            st.pending.push(job);
            if st.conns.is_empty() {
                if let Err(err) = self.spawn(&mut st) {
                    for job in std::mem::take(&mut st.pending) {
                        fail_job(&job, &err);
                    }
                }
            }
            return;
        }
        self.place(&mut st, job);
    }

    fn place(self: &Arc<Self>, st: &mut State, job: Job) {
        let Some((limit, casemap)) = st.limits else {
            st.pending.push(job);
            return;
        };
        let mut by_conn: HashMap<u64, Vec<Recipient>> = HashMap::new();
        for r in &job.recipients {
            let id = if r.is_nick {
                // Nicks take no channel slot: any connection will do.
                match st.conns.first() {
                    Some(h) => h.id,
                    None => match self.spawn(st) {
                        Ok(id) => id,
                        Err(err) => {
                            (job.done)(r, Err(err));
                            continue;
                        }
                    },
                }
            } else {
                let folded = casemap.fold(&r.name);
                if let Some(h) = st.conns.iter().find(|h| h.channels.contains(&folded)) {
                    h.id
                } else {
                    let id = match self.least_loaded(st, limit) {
                        Some(id) => id,
                        None => match self.spawn(st) {
                            Ok(id) => id,
                            Err(err) => {
                                (job.done)(r, Err(err));
                                continue;
                            }
                        },
                    };
                    if let Some(h) = st.conns.iter_mut().find(|h| h.id == id) {
                        h.channels.insert(folded);
                    }
                    id
                }
            };
            by_conn.entry(id).or_default().push(r.clone());
        }
        for (id, recipients) in by_conn {
            let part = Job {
                lines: job.lines.clone(),
                recipients,
                done: job.done.clone(),
                expires: job.expires,
            };
            let Some(pos) = st.conns.iter().position(|h| h.id == id) else {
                continue;
            };
            if let Err(err) = st.conns[pos].tx.send(Event::Job(part)) {
                // The connection is gone: forget it and place these again.
                st.conns.remove(pos);
                let Event::Job(part) = err.0 else { continue };
                self.place(st, part);
            }
        }
    }

    /// The connection a new channel goes to: the one with the fewest
    /// channels under CHANLIMIT; None when a new connection should be opened
    /// (all are full, or a fan-out is spread while there are fewer than
    /// `max_connections` and the least loaded already has `SPREAD` channels).
    fn least_loaded(&self, st: &State, limit: usize) -> Option<u64> {
        let h = st
            .conns
            .iter()
            .filter(|h| h.channels.len() < limit)
            .min_by_key(|h| h.channels.len())?;
        let spread = st.conns.len() < self.settings.max_connections.max(1)
            && h.channels.len() >= super::SPREAD
            && st.no_spread_until.is_none_or(|t| Instant::now() >= t);
        (!spread).then_some(h.id)
    }

    /// Opens a connection. A thread the system refuses (out of threads or
    /// memory) fails the deliveries that needed it as temporary: they are
    /// retried later instead of the process stopping.
    fn spawn(self: &Arc<Self>, st: &mut State) -> Result<u64, DeliveryError> {
        st.next_id += 1;
        let id = st.next_id;
        let (tx, thread) = conn::spawn(
            id,
            Box::new(PoolOwner(self.clone())),
            self.server.clone(),
            self.settings.clone(),
        )
        .map_err(|e| {
            DeliveryError::temporary(
                crate::exit::Code::TempFail,
                format!("could not start a connection thread: {e}"),
            )
        })?;
        st.conns.push(Handle {
            id,
            tx,
            channels: HashSet::new(),
            thread: Some(thread),
        });
        Ok(id)
    }

    /// A connection registered: learn the server's limits and place waiting jobs.
    pub(crate) fn registered(self: &Arc<Self>, chanlimit: Option<usize>, casemap: CaseMapping) {
        let mut st = self.lock();
        st.failures = (0, String::new());
        if st.limits.is_none() {
            let limit = chanlimit.unwrap_or(self.settings.default_chanlimit).max(1);
            st.limits = Some((limit, casemap));
            for job in std::mem::take(&mut st.pending) {
                self.place(&mut st, job);
            }
        }
    }

    /// A connection could not connect or register and will not retry.
    pub(crate) fn failed(&self, id: u64, err: &DeliveryError) {
        let mut st = self.lock();
        st.conns.retain(|h| h.id != id);
        if st.limits.is_none() {
            for job in std::mem::take(&mut st.pending) {
                fail_job(&job, err);
            }
        }
    }

    /// A connection the server turned away goes, when another can carry
    /// its jobs; the fan-out then stays on the connections there are for a
    /// while (CHANLIMIT may still need new ones).
    pub(crate) fn withdraw(&self, id: u64) -> bool {
        let mut st = self.lock();
        if st.limits.is_none() || !st.conns.iter().any(|h| h.id != id) {
            return false;
        }
        st.conns.retain(|h| h.id != id);
        st.no_spread_until = Some(Instant::now() + SPREAD_PAUSE);
        true
    }

    /// An attempt to reach the server failed; a connection retries.
    pub(crate) fn attempt_failed(&self, err: &DeliveryError) {
        let mut st = self.lock();
        st.failures = (st.failures.0 + 1, err.message.clone());
    }

    /// Failed attempts since a connection last registered, and the last error.
    pub(crate) fn failures(&self) -> (u64, String) {
        self.lock().failures.clone()
    }

    /// Fails waiting jobs whose time is up (while no connection has registered).
    pub(crate) fn expire(&self, now: Instant) {
        let expired: Vec<Job> = {
            let mut st = self.lock();
            let (gone, keep) = std::mem::take(&mut st.pending)
                .into_iter()
                .partition(|j| j.expired(now));
            st.pending = keep;
            gone
        };
        for job in expired {
            fail_job(&job, &expired_error());
        }
    }

    /// A connection wants to part an idle channel; true when it may.
    pub(crate) fn release(&self, id: u64, folded: &str) -> bool {
        let mut st = self.lock();
        match st.conns.iter_mut().find(|h| h.id == id) {
            Some(h) => h.channels.remove(folded),
            None => true,
        }
    }

    /// A connection without channels wants to quit; true when it may (it is
    /// then no longer given jobs).
    pub(crate) fn retire(&self, id: u64) -> bool {
        let mut st = self.lock();
        match st.conns.iter().position(|h| h.id == id) {
            Some(pos) if st.conns[pos].channels.is_empty() => {
                st.conns.remove(pos);
                true
            }
            Some(_) => false,
            None => true,
        }
    }

    /// Connections currently open or opening.
    pub(crate) fn connections(&self) -> usize {
        self.lock().conns.len()
    }

    /// Tells every connection to QUIT and waits for them until `deadline`.
    pub(crate) fn shutdown(&self, reason: &str, deadline: Instant) {
        let threads: Vec<JoinHandle<()>> = {
            let mut st = self.lock();
            st.closed = true;
            let err = DeliveryError::temporary(crate::exit::Code::TempFail, "shutting down");
            for job in std::mem::take(&mut st.pending) {
                fail_job(&job, &err);
            }
            st.conns
                .iter_mut()
                .filter_map(|h| {
                    let _ = h.tx.send(Event::Quit(reason.to_string()));
                    h.thread.take()
                })
                .collect()
        };
        for t in threads {
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

/// What a connection may ask of its pool (see [`Owner`]).
struct PoolOwner(Arc<Pool>);

impl Owner for PoolOwner {
    fn registered(&self, chanlimit: Option<usize>, casemap: CaseMapping) {
        self.0.registered(chanlimit, casemap);
    }
    fn failed(&self, id: u64, err: &DeliveryError) {
        self.0.failed(id, err);
    }
    fn attempt_failed(&self, err: &DeliveryError) {
        self.0.attempt_failed(err);
    }
    fn expire(&self, now: Instant) {
        self.0.expire(now);
    }
    fn release(&self, id: u64, folded: &str) -> bool {
        self.0.release(id, folded)
    }
    fn retire(&self, id: u64) -> bool {
        self.0.retire(id)
    }
    fn submit(&self, job: Job) {
        self.0.submit(job);
    }
    fn withdraw(&self, id: u64) -> bool {
        self.0.withdraw(id)
    }
}
