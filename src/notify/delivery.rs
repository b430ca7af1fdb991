//! Delivery to targets, in this process: the layer under the front door
//! (`sender`) and the daemon's workers. IRC targets are grouped by server,
//! each server with a pool of paced connections; Matrix and webhooks are
//! posted through one shared HTTP agent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::notify::destination::{Destination, IrcServer};
use crate::notify::irc::line::text_lines;
use crate::notify::irc::pool::Pool;
use crate::notify::irc::{Done, Job, Settings};
use crate::notify::notice::{Notice, NoticeType};
use crate::notify::workers::Workers;
use std::time::Duration;

pub(crate) struct Delivery {
    settings: Arc<Settings>,
    pools: Mutex<HashMap<IrcServer, Arc<Pool>>>,
    /// One HTTP agent (one connection pool) for every webhook and homeserver.
    http: Arc<crate::net::tls::Agents>,
    /// The threads that post to homeservers and webhooks, bounded.
    http_workers: Workers,
    /// Where Matrix sessions (token, device id) are kept.
    pub(crate) state_dir: Option<std::path::PathBuf>,
}

/// HTTP deliveries at once, in all and to one host: a hanging endpoint
/// holds its share of threads and no more.
const HTTP_THREADS: usize = 32;
const HTTP_PER_HOST: usize = 4;

/// The host (and port) part of an endpoint URL, the key of its share.
fn host_of(url: &str) -> &str {
    crate::notify::destination::url::split(url).map_or(url, |p| p.hostport)
}

/// The notice as IRC text: a coloured type tag and a bold title before the
/// first line.
pub(crate) fn irc_text(n: &Notice) -> String {
    let mut prefix = String::new();
    if let Some(k) = n.kind.filter(|k| *k != NoticeType::Info) {
        prefix.push_str(&format!(
            "\x03{}{}\x0f ",
            k.irc_color(),
            k.as_str().to_uppercase()
        ));
    }
    if let Some(t) = &n.title {
        prefix.push_str(&format!("\x02{}\x02: ", t.replace(['\r', '\n'], " ")));
    }
    format!("{prefix}{}", n.text.trim_start_matches(['\r', '\n']))
}

impl Delivery {
    /// `extra_ca`: the PEM of `--ca-file`, trusted for HTTPS targets too.
    pub(crate) fn new(settings: Settings, extra_ca: Option<&[u8]>) -> Delivery {
        Delivery {
            settings: Arc::new(settings),
            pools: Mutex::new(HashMap::new()),
            http: Arc::new(crate::net::tls::Agents::new(extra_ca, |b| {
                b.timeout_global(Some(Duration::from_secs(30)))
            })),
            http_workers: Workers::new(HTTP_THREADS, HTTP_PER_HOST),
            state_dir: None,
        }
    }

    fn pool(&self, server: &IrcServer) -> Arc<Pool> {
        let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        pools
            .entry(server.clone())
            .or_insert_with(|| Pool::new(server.clone(), self.settings.clone()))
            .clone()
    }

    /// Sends the notice to every target; `done` is called once per target
    /// (with the target's index in `targets`). IRC goes through the pooled
    /// connections; webhooks are posted on their own threads through the
    /// shared HTTP agent, retrying until `expires` (30 s when None).
    pub(crate) fn submit(
        &self,
        targets: &[Destination],
        notice: &Notice,
        expires: Option<Instant>,
        done: Arc<dyn Fn(usize, Result<(), crate::notify::error::DeliveryError>) + Send + Sync>,
    ) {
        let lines: Arc<[String]> = text_lines(&irc_text(notice)).into();
        let mut by_server: HashMap<&IrcServer, Vec<usize>> = HashMap::new();
        for (i, t) in targets.iter().enumerate() {
            match t {
                Destination::Irc(irc) => by_server.entry(&irc.server).or_default().push(i),
                Destination::Matrix(m) => {
                    let (m, agent, notice, report) =
                        (m.clone(), self.http.clone(), notice.clone(), done.clone());
                    let deadline =
                        expires.unwrap_or_else(|| Instant::now() + Duration::from_secs(30));
                    let state_dir = self.state_dir.clone();
                    let host = m.host.clone();
                    self.http_workers.run(&host, move || {
                        let txn = format!(
                            "vext-{}-{i}",
                            notice
                                .id
                                .clone()
                                .unwrap_or_else(crate::notify::irker::protocol::new_id)
                        );
                        let opts = crate::notify::matrix::SendOptions {
                            state_dir: state_dir.as_deref(),
                            txn: &txn,
                        };
                        report(i, m.deliver(&agent, &notice, &opts, deadline));
                    });
                }
                Destination::Webhook(w) => {
                    let (w, agent, notice, report) =
                        (w.clone(), self.http.clone(), notice.clone(), done.clone());
                    let deadline =
                        expires.unwrap_or_else(|| Instant::now() + Duration::from_secs(30));
                    let host = host_of(&w.endpoint).to_string();
                    self.http_workers.run(&host, move || {
                        report(i, w.deliver(&agent, &notice, deadline));
                    });
                }
            }
        }
        for (server, indexes) in by_server {
            // The same recipient twice on one server is sent once; both targets
            // hear about the result.
            let mut recipients = Vec::with_capacity(indexes.len());
            let mut map = Vec::with_capacity(indexes.len());
            for i in indexes {
                let Destination::Irc(irc) = &targets[i] else {
                    continue;
                };
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

    /// IRC servers that could not be reached lately: failed attempts since
    /// a connection last registered, and the last error.
    pub(crate) fn connect_failures(&self) -> Vec<(IrcServer, u64, String)> {
        let pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        pools
            .iter()
            .map(|(server, p)| (server, p.failures()))
            .filter(|(_, (n, _))| *n > 0)
            .map(|(server, (n, e))| (server.clone(), n, e))
            .collect()
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

/// A default nick like irkerd's: a fixed stem and three random digits.
pub(crate) fn default_nick() -> String {
    format!("vext{:03}", fastrand::u32(0..1000))
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn the_share_of_an_endpoint_is_its_host_and_port() {
        assert_eq!(
            host_of("https://hooks.slack.com/services/T/B/S"),
            "hooks.slack.com"
        );
        assert_eq!(host_of("http://u:p@127.0.0.1:8080/x?y"), "127.0.0.1:8080");
        assert_eq!(host_of("http://[::1]:9/"), "[::1]:9");
        assert_eq!(host_of("no-scheme"), "no-scheme");
    }
}
