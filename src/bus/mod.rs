//! NATS JetStream behind a blocking interface. The async client and its
//! runtime live on one bridge thread (a multi-thread runtime with one
//! worker, so the connection keeps making progress between calls); every
//! other thread calls the blocking methods here, each bounded by a timeout.

pub(crate) mod events;
pub(crate) mod lease;
pub(crate) mod queue;

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, Result};

use crate::exit::{fail, Code};

/// How to reach NATS: one or more server URLs (a cluster) and credentials.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    /// `nats://host:port` or `tls://host:port`, comma-separated for a cluster.
    pub(crate) urls: String,
    pub(crate) creds: Option<PathBuf>,
    pub(crate) token: Option<String>,
    pub(crate) user_password: Option<(String, String)>,
    pub(crate) nkey_seed: Option<String>,
    pub(crate) ca_file: Option<PathBuf>,
    /// The name the server shows for this connection.
    pub(crate) name: String,
}

/// Every blocking call waits at most this long unless it says otherwise.
pub(crate) const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection to NATS and JetStream.
pub(crate) struct Bus {
    runtime: tokio::runtime::Runtime,
    client: async_nats::Client,
    js: async_nats::jetstream::Context,
}

impl Bus {
    /// Connects, or says clearly why not: unreachable (69), refused
    /// credentials (77), bad options (64/78).
    pub(crate) fn connect(opts: &Options) -> Result<Bus> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("nats-bridge")
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| anyhow!("starting the NATS bridge thread: {e}"))?;
        let addrs = server_addrs(&opts.urls)?;
        let shown = opts.urls.clone();
        let connect = async {
            let mut o = async_nats::ConnectOptions::new()
                .name(&opts.name)
                .connection_timeout(Duration::from_secs(3))
                .reconnect_delay_callback(|attempts| {
                    crate::net::backoff::Backoff::nth(
                        Duration::from_millis(100),
                        Duration::from_secs(5),
                        attempts as u32,
                    )
                });
            if let Some(path) = &opts.creds {
                crate::state::dir::check_private(path, "the NATS credentials file")?;
                o = o.credentials_file(path).await.map_err(|e| {
                    fail(
                        Code::Config,
                        format!("reading the NATS credentials {}: {e}", path.display()),
                    )
                })?;
            }
            if let Some(token) = &opts.token {
                o = o.token(token.clone());
            }
            if let Some((user, pass)) = &opts.user_password {
                o = o.user_and_password(user.clone(), pass.clone());
            }
            if let Some(seed) = &opts.nkey_seed {
                o = o.nkey(seed.clone());
            }
            if let Some(ca) = &opts.ca_file {
                o = o.add_root_certificates(ca.clone());
            }
            o.connect(addrs.as_slice()).await.map_err(|e| {
                use async_nats::ConnectErrorKind as K;
                let text = e.to_string();
                // A certificate refused during the handshake comes as an
                // I/O error: it is still a TLS verification failure.
                let code = match e.kind() {
                    K::AuthorizationViolation | K::Authentication | K::Tls => Code::NoPerm,
                    _ if text.contains("certificate") => Code::NoPerm,
                    _ => Code::Unavailable,
                };
                fail(
                    code,
                    crate::net::tls::explained(format!(
                        "cannot connect to NATS at {shown}: {text}"
                    )),
                )
            })
        };
        let client = runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(10), connect)
                .await
                .map_err(|_| {
                    fail(
                        Code::Unavailable,
                        format!("cannot connect to NATS at {}: timed out", opts.urls),
                    )
                })?
        })?;
        let js = {
            let _in = runtime.enter();
            async_nats::jetstream::ContextBuilder::new()
                .timeout(CALL_TIMEOUT)
                .build(client.clone())
        };
        Ok(Bus {
            runtime,
            client,
            js,
        })
    }

    /// Runs `fut` on the bridge runtime from a blocking thread, at most `limit`.
    pub(crate) fn wait<F, T>(&self, limit: Duration, what: &str, fut: F) -> Result<T>
    where
        F: Future<Output = Result<T>>,
    {
        self.runtime.block_on(async {
            match tokio::time::timeout(limit, fut).await {
                Ok(r) => r,
                Err(_) => Err(anyhow!("{what}: NATS did not answer within {limit:?}")),
            }
        })
    }

    pub(crate) fn jetstream(&self) -> &async_nats::jetstream::Context {
        &self.js
    }

    /// True while the client holds a connection to a server.
    pub(crate) fn connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }

    /// Publishes to a JetStream subject and waits for the stream's PubAck:
    /// only then is the message stored. `msg_id` de-duplicates a retry
    /// within the stream's duplicate window. Returns false for a duplicate.
    pub(crate) fn publish(&self, subject: &str, msg_id: &str, payload: Vec<u8>) -> Result<bool> {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", msg_id);
        let subject = subject.to_string();
        self.wait(CALL_TIMEOUT, "publishing", async {
            let ack = self
                .js
                .publish_with_headers(subject, headers, payload.into())
                .await
                .map_err(|e| anyhow!("publishing: {e}"))?
                .await
                .map_err(|e| anyhow!("waiting for the stream's acknowledgement: {e}"))?;
            Ok(!ack.duplicate)
        })
    }
}

/// A name as one subject token (and consumer name part): everything but
/// letters, digits, `-` and `_` becomes `_` (`irc.libera.chat:6697` is
/// `irc_libera_chat_6697`).
pub(crate) fn token(name: &str) -> String {
    let t: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if t.is_empty() {
        "_".into()
    } else {
        t
    }
}

/// A core NATS subscription read from a blocking thread.
pub(crate) struct Subscription {
    inner: tokio::sync::Mutex<async_nats::Subscriber>,
}

/// A request received on a subscription.
pub(crate) struct Request {
    pub(crate) payload: Vec<u8>,
    pub(crate) reply: Option<String>,
}

impl Bus {
    /// Subscribes to `subject` (all subscribers get every message).
    pub(crate) fn subscribe(&self, subject: &str) -> Result<Subscription> {
        let client = self.client.clone();
        let subject = subject.to_string();
        let sub = self.wait(CALL_TIMEOUT, "subscribing", async move {
            client
                .subscribe(subject)
                .await
                .map_err(|e| anyhow!("subscribing: {e}"))
        })?;
        Ok(Subscription {
            inner: tokio::sync::Mutex::new(sub),
        })
    }

    /// The next message, or None after `wait` without one.
    pub(crate) fn next(&self, sub: &Subscription, wait: Duration) -> Option<Request> {
        use futures_util::StreamExt;
        self.runtime.block_on(async {
            let mut s = sub.inner.lock().await;
            match tokio::time::timeout(wait, s.next()).await {
                Ok(Some(m)) => Some(Request {
                    payload: m.payload.to_vec(),
                    reply: m.reply.map(|r| r.to_string()),
                }),
                _ => None,
            }
        })
    }

    /// Publishes on core NATS (a reply, an event): no stream acknowledgement.
    pub(crate) fn send(&self, subject: &str, payload: Vec<u8>) -> Result<()> {
        let client = self.client.clone();
        let subject = subject.to_string();
        self.wait(CALL_TIMEOUT, "publishing", async move {
            client
                .publish(subject, payload.into())
                .await
                .map_err(|e| anyhow!("publishing: {e}"))
        })
    }
}

/// `nats://a:4222,nats://b:4222` → server addresses, or a usage error naming
/// the bad one.
fn server_addrs(urls: &str) -> Result<Vec<async_nats::ServerAddr>> {
    let mut out = Vec::new();
    for url in urls.split(',').map(str::trim).filter(|u| !u.is_empty()) {
        let addr: async_nats::ServerAddr = url.parse().map_err(|e| {
            fail(
                Code::Usage,
                format!("--nats {url:?}: not a NATS server URL ({e}); e.g. nats://127.0.0.1:4222"),
            )
        })?;
        out.push(addr);
    }
    if out.is_empty() {
        return Err(fail(
            Code::Usage,
            "--nats needs a server URL, e.g. nats://127.0.0.1:4222",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_are_checked() {
        assert_eq!(
            server_addrs("nats://127.0.0.1:4222, nats://127.0.0.1:4223")
                .unwrap()
                .len(),
            2
        );
        assert!(server_addrs("").is_err());
        let e = server_addrs("http://x y").unwrap_err().to_string();
        assert!(e.contains("http://x y"), "{e}");
    }
}
