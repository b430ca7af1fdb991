//! Delivery to targets: the one lower layer that `vext send` (directly) and
//! the daemon's workers share. Targets are grouped by server; each server has
//! a pool of paced connections.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::irc::pool::Pool;
use crate::irc::{Done, Job, Settings};
use crate::target::{IrcServer, Target};

pub(crate) struct Relay {
    settings: Arc<Settings>,
    pools: Mutex<HashMap<IrcServer, Arc<Pool>>>,
}

impl Relay {
    pub(crate) fn new(settings: Settings) -> Relay {
        Relay {
            settings: Arc::new(settings),
            pools: Mutex::new(HashMap::new()),
        }
    }

    fn pool(&self, server: &IrcServer) -> Arc<Pool> {
        let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        pools
            .entry(server.clone())
            .or_insert_with(|| Pool::new(server.clone(), self.settings.clone()))
            .clone()
    }

    /// Sends `lines` to every target; `done` is called once per target
    /// (with the target's index in `targets`).
    pub(crate) fn submit(
        &self,
        targets: &[Target],
        lines: Arc<[String]>,
        expires: Option<Instant>,
        done: Arc<dyn Fn(usize, Result<(), crate::irc::DeliveryError>) + Send + Sync>,
    ) {
        let mut by_server: HashMap<&IrcServer, Vec<usize>> = HashMap::new();
        for (i, t) in targets.iter().enumerate() {
            match t {
                Target::Irc(irc) => by_server.entry(&irc.server).or_default().push(i),
            }
        }
        for (server, indexes) in by_server {
            // The same recipient twice on one server is sent once; both targets
            // hear about the result.
            let mut recipients = Vec::with_capacity(indexes.len());
            let mut map = Vec::with_capacity(indexes.len());
            for i in indexes {
                let Target::Irc(irc) = &targets[i];
                if !recipients.contains(&irc.recipient) {
                    recipients.push(irc.recipient.clone());
                }
                map.push((irc.recipient.clone(), i));
            }
            let done = done.clone();
            let per_recipient: Done = Arc::new(move |r, result| {
                for (rec, i) in &map {
                    if rec == r {
                        done(*i, result.clone());
                    }
                }
            });
            self.pool(server).submit(Job {
                lines: lines.clone(),
                recipients,
                done: per_recipient,
                expires,
            });
        }
    }

    /// Open IRC connections, over all servers.
    pub(crate) fn connections(&self) -> usize {
        let pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        pools.values().map(|p| p.connections()).sum()
    }

    /// QUITs every connection, waiting for them until `deadline`.
    pub(crate) fn shutdown(&self, reason: &str, deadline: Instant) {
        let pools: Vec<Arc<Pool>> = {
            let pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
            pools.values().cloned().collect()
        };
        std::thread::scope(|s| {
            for p in &pools {
                s.spawn(move || p.shutdown(reason, deadline));
            }
        });
    }
}
