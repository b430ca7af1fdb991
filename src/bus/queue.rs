//! The work queue: one JetStream stream with work-queue retention on
//! `vext.notify.>` and one durable pull consumer that every daemon shares.
//! A message is one notification for one target; it leaves the stream when
//! a daemon acknowledges it, after the target confirmed delivery.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Result};
use async_nats::jetstream::{self, consumer::pull, stream, AckKind};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::{token, Bus, CALL_TIMEOUT};
use crate::exit::{fail, Code};
use crate::notify::notice::{lenient, Format, MsgType, NoticeType};

/// The subjects the work-queue stream holds.
pub(crate) const SUBJECTS: &str = "vext.notify.>";
/// The durable consumer every daemon pulls Matrix and webhook work from.
pub(crate) const CONSUMER: &str = "vext-deliver";
/// Matrix and webhook work: any daemon delivers it.
const SHARED: &str = "vext.notify.shared";
/// IRC work, one subject per network: the daemon holding its lease delivers it.
const IRC: &str = "vext.notify.irc";

/// The stream and consumer settings (`[nats]` in the config).
#[derive(Debug, Clone)]
pub(crate) struct QueueConfig {
    pub(crate) stream: String,
    pub(crate) replicas: usize,
    pub(crate) ack_wait: Duration,
    pub(crate) max_deliver: i64,
    pub(crate) dedup_window: Duration,
    /// How long an IRC network's lease outlives a holder that stopped renewing it.
    pub(crate) lease_ttl: Duration,
}

impl Default for QueueConfig {
    fn default() -> QueueConfig {
        QueueConfig {
            stream: "VEXT".into(),
            replicas: 1,
            ack_wait: Duration::from_secs(30),
            max_deliver: 10,
            dedup_window: Duration::from_secs(120),
            lease_ttl: Duration::from_secs(10),
        }
    }
}

/// One notification for one target, as it travels through the stream.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Work {
    /// The request id; with `idx` it names this message (`Nats-Msg-Id`).
    pub(crate) id: String,
    pub(crate) idx: usize,
    pub(crate) target: String,
    pub(crate) text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) title: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient"
    )]
    pub(crate) kind: Option<NoticeType>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient"
    )]
    pub(crate) format: Option<Format>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient"
    )]
    pub(crate) msgtype: Option<MsgType>,
    /// When the first daemon accepted it (ms since the epoch).
    pub(crate) received_at: i64,
    /// Who sent it (the peer address the daemon saw).
    pub(crate) source: String,
}

impl Work {
    /// The message id that de-duplicates a retried request.
    pub(crate) fn msg_id(&self) -> String {
        format!("{}/{}", self.id, self.idx)
    }

    /// `vext.notify.irc.{network}` for IRC (one consumer per network, so
    /// that one daemon speaks for it), `vext.notify.shared.{kind}.{host}`
    /// for the rest.
    pub(crate) fn subject(&self, kind: &str, network: &str) -> String {
        let token = token(network);
        if kind == "irc" {
            format!("{IRC}.{token}")
        } else {
            format!("{SHARED}.{kind}.{token}")
        }
    }
}

pub(crate) struct Queue {
    bus: Arc<Bus>,
    stream: stream::Stream,
    pub(crate) config: QueueConfig,
}

/// One durable consumer of the queue: the shared one, or one IRC network's.
pub(crate) struct Puller {
    bus: Arc<Bus>,
    consumer: jetstream::consumer::Consumer<pull::Config>,
}

/// A fetched message: finish it with exactly one of ack, nak or term.
pub(crate) struct Job {
    bus: Arc<Bus>,
    message: jetstream::Message,
    pub(crate) work: Result<Work, String>,
    /// 1 for the first delivery.
    pub(crate) delivered: i64,
    /// The stream's sequence number: the order it was accepted in.
    pub(crate) sequence: u64,
}

impl Queue {
    /// Creates the stream and consumer, or checks the existing ones: a
    /// stream under the name with other subjects or retention is an error
    /// (exit 78) rather than something vext changes; JetStream disabled is
    /// exit 69.
    pub(crate) fn open(bus: Arc<Bus>, config: QueueConfig) -> Result<Queue> {
        let js = bus.jetstream().clone();
        let c = config.clone();
        let stream = bus.wait(
            Duration::from_secs(15),
            "creating the work queue",
            async move {
                let stream = match js.get_stream(&c.stream).await {
                    Ok(mut s) => {
                        let info = s.info().await.map_err(|e| anyhow!("{e}"))?;
                        let cfg = &info.config;
                        if cfg.subjects != [SUBJECTS]
                            || cfg.retention != stream::RetentionPolicy::WorkQueue
                        {
                            return Err(fail(
                                Code::Config,
                                format!(
                                    "the NATS stream {} exists with subjects {:?} and {:?} retention; \
                                     vext needs a work-queue stream on {SUBJECTS} (choose another \
                                     name with [nats] stream, or remove that stream)",
                                    c.stream, cfg.subjects, cfg.retention
                                ),
                            ));
                        }
                        s
                    }
                    Err(e) if is_not_found(&e.to_string()) => js
                        .create_stream(stream::Config {
                            name: c.stream.clone(),
                            subjects: vec![SUBJECTS.into()],
                            retention: stream::RetentionPolicy::WorkQueue,
                            storage: stream::StorageType::File,
                            num_replicas: c.replicas,
                            duplicate_window: c.dedup_window,
                            ..Default::default()
                        })
                        .await
                        .map_err(|e| {
                            fail(
                                Code::Config,
                                format!("creating the NATS stream {}: {e}", c.stream),
                            )
                        })?,
                    Err(e) => return Err(jetstream_error(&c.stream, &e.to_string())),
                };
                Ok(stream)
            },
        )?;
        Ok(Queue {
            bus,
            stream,
            config,
        })
    }

    /// The consumer every daemon shares, for Matrix and webhook work.
    pub(crate) fn shared(&self) -> Result<Puller> {
        self.puller(CONSUMER, &format!("{SHARED}.>"))
    }

    /// The consumer of one IRC network's work (`network` as the token
    /// `irc_networks` returns).
    pub(crate) fn irc(&self, network: &str) -> Result<Puller> {
        self.puller(&format!("vext-irc-{network}"), &format!("{IRC}.{network}"))
    }

    fn puller(&self, name: &str, filter: &str) -> Result<Puller> {
        let stream = &self.stream;
        let c = &self.config;
        let consumer = self
            .bus
            .wait(CALL_TIMEOUT, "creating a consumer", async move {
                stream
                    .get_or_create_consumer(
                        name,
                        pull::Config {
                            durable_name: Some(name.into()),
                            filter_subject: filter.into(),
                            ack_policy: jetstream::consumer::AckPolicy::Explicit,
                            ack_wait: c.ack_wait,
                            max_deliver: c.max_deliver,
                            ..Default::default()
                        },
                    )
                    .await
                    .map_err(|e| {
                        fail(
                            Code::Config,
                            format!("creating the NATS consumer {name} on {}: {e}", c.stream),
                        )
                    })
            })?;
        Ok(Puller {
            bus: self.bus.clone(),
            consumer,
        })
    }

    /// The IRC networks (as subject tokens) with work waiting in the stream.
    pub(crate) fn irc_networks(&self) -> Result<Vec<String>> {
        let stream = &self.stream;
        self.bus
            .wait(CALL_TIMEOUT, "reading the stream's subjects", async move {
                let mut subjects = stream
                    .info_with_subjects(format!("{IRC}.*"))
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
                let mut out = Vec::new();
                while let Some(s) = subjects.next().await {
                    let (subject, count) = s.map_err(|e| anyhow!("{e}"))?;
                    if count > 0 {
                        if let Some(t) = subject.strip_prefix(&format!("{IRC}.")) {
                            out.push(t.to_string());
                        }
                    }
                }
                out.sort();
                Ok(out)
            })
    }
}

impl Puller {
    /// What another daemon fetched and never confirmed: how many, and how
    /// long until they are handed out again (what is left of the ack wait
    /// since that consumer last delivered).
    pub(crate) fn unconfirmed(&self, ack_wait: Duration) -> Result<(usize, Duration)> {
        let mut consumer = self.consumer.clone();
        let info = self
            .bus
            .wait(CALL_TIMEOUT, "reading a consumer", async move {
                Ok(consumer.info().await.map_err(|e| anyhow!("{e}"))?.clone())
            })?;
        let pending = info.num_ack_pending;
        if pending == 0 {
            return Ok((0, Duration::ZERO));
        }
        let Some(last) = info.delivered.last_active else {
            return Ok((pending, ack_wait));
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as i128)
            .unwrap_or_default();
        let since = Duration::from_nanos(
            (now - last.unix_timestamp_nanos()).clamp(0, u64::MAX as i128) as u64,
        );
        // A little beyond the server's own deadline.
        Ok((
            pending,
            (ack_wait + Duration::from_millis(100)).saturating_sub(since),
        ))
    }

    /// Up to `max` messages, waiting at most `expires` for the first.
    pub(crate) fn fetch(&self, max: usize, expires: Duration) -> Result<Vec<Job>> {
        let consumer = &self.consumer;
        let messages = self.bus.wait(expires + CALL_TIMEOUT, "fetching", async {
            let mut batch = consumer
                .fetch()
                .max_messages(max)
                .expires(expires)
                .messages()
                .await
                .map_err(|e| anyhow!("fetching: {e}"))?;
            let mut out = Vec::new();
            while let Some(m) = batch.next().await {
                match m {
                    Ok(m) => out.push(m),
                    Err(e) => {
                        if out.is_empty() {
                            return Err(anyhow!("fetching: {e}"));
                        }
                        break;
                    }
                }
            }
            Ok(out)
        })?;
        Ok(messages
            .into_iter()
            .map(|message| {
                let (delivered, sequence) = message
                    .info()
                    .map(|i| (i.delivered, i.stream_sequence))
                    .unwrap_or((1, 0));
                let work = serde_json::from_slice::<Work>(&message.payload)
                    .map_err(|e| format!("not a vext notification: {e}"));
                Job {
                    bus: self.bus.clone(),
                    message,
                    work,
                    delivered,
                    sequence,
                }
            })
            .collect())
    }
}

/// What `vext nats status` shows: the stream and the shared consumer.
#[derive(Debug, Serialize)]
pub(crate) struct Status {
    pub(crate) stream: String,
    pub(crate) subjects: Vec<String>,
    pub(crate) replicas: usize,
    /// Messages stored (not yet delivered and acknowledged).
    pub(crate) messages: u64,
    pub(crate) bytes: u64,
    pub(crate) consumer: Option<ConsumerStatus>,
    /// IRC networks (subject tokens) and the daemon that delivers there.
    pub(crate) leases: Vec<Lease>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Lease {
    pub(crate) network: String,
    pub(crate) holder: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct ConsumerStatus {
    pub(crate) name: String,
    /// Waiting for a daemon to fetch them.
    pub(crate) pending: u64,
    /// Fetched by a daemon, not yet acknowledged.
    pub(crate) ack_pending: usize,
    /// Delivered more than once (a daemon died or a target failed).
    pub(crate) redelivered: usize,
    pub(crate) ack_wait_secs: f64,
    pub(crate) max_deliver: i64,
}

/// Reads the stream and consumer without creating or changing anything.
pub(crate) fn status(bus: &Bus, stream_name: &str) -> Result<Status> {
    let js = bus.jetstream().clone();
    bus.wait(CALL_TIMEOUT, "reading the stream", async move {
        let mut stream = match js.get_stream(stream_name).await {
            Ok(s) => s,
            Err(e) if is_not_found(&e.to_string()) => {
                return Err(fail(
                    Code::Unavailable,
                    format!(
                        "NATS has no stream {stream_name}: no daemon has run with --nats on it yet"
                    ),
                ))
            }
            Err(e) => return Err(jetstream_error(stream_name, &e.to_string())),
        };
        let info = stream.info().await.map_err(|e| anyhow!("{e}"))?.clone();
        let consumer = match stream.consumer_info(CONSUMER).await {
            Ok(c) => Some(ConsumerStatus {
                name: CONSUMER.into(),
                pending: c.num_pending,
                ack_pending: c.num_ack_pending,
                redelivered: c.num_redelivered,
                ack_wait_secs: c.config.ack_wait.as_secs_f64(),
                max_deliver: c.config.max_deliver,
            }),
            Err(_) => None,
        };
        Ok(Status {
            leases: Vec::new(),
            stream: info.config.name.clone(),
            subjects: info.config.subjects.clone(),
            replicas: info.config.num_replicas,
            messages: info.state.messages,
            bytes: info.state.bytes,
            consumer,
        })
    })
    .and_then(|mut st| {
        st.leases = super::lease::holders(bus)?
            .into_iter()
            .map(|(network, holder)| Lease { network, holder })
            .collect();
        Ok(st)
    })
}

impl Job {
    /// Delivered: the stream forgets it.
    pub(crate) fn ack(&self) {
        self.reply(AckKind::Ack);
    }

    /// Not now: another attempt (by any daemon) after `delay`.
    pub(crate) fn nak(&self, delay: Duration) {
        self.reply(AckKind::Nak(Some(delay)));
    }

    /// Never: no more attempts.
    pub(crate) fn term(&self) {
        self.reply(AckKind::Term);
    }

    /// Still working on it: the ack wait starts again.
    pub(crate) fn progress(&self) {
        self.reply(AckKind::Progress);
    }

    fn reply(&self, kind: AckKind) {
        let message = &self.message;
        if let Err(e) = self.bus.wait(CALL_TIMEOUT, "acknowledging", async {
            message
                .ack_with(kind)
                .await
                .map_err(|e| anyhow!("acknowledging: {e}"))
        }) {
            // The server redelivers after the ack wait: at least once.
            log::warn!("{e:#}");
        }
    }
}

fn is_not_found(error: &str) -> bool {
    error.contains("stream not found") || error.contains("10059")
}

/// JetStream switched off, or another answer that is not "no such stream".
fn jetstream_error(stream: &str, error: &str) -> anyhow::Error {
    if error.contains("not enabled") || error.contains("no responders") || error.contains("503") {
        fail(
            Code::Unavailable,
            format!(
                "NATS answered without JetStream ({error}); start nats-server with -js (and -sd DIR)"
            ),
        )
    } else {
        fail(
            Code::Unavailable,
            format!("reading the NATS stream {stream}: {error}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A word another daemon wrote that this one does not know leaves the
    /// presentation out; the message itself is kept.
    #[test]
    fn an_unknown_word_in_work_is_left_out_not_fatal() {
        let w: Work = serde_json::from_str(
            r#"{"id":"a","idx":0,"target":"irc://h/c","text":"t","kind":"failure",
                "format":"rtf","msgtype":"text","received_at":1,"source":"s"}"#,
        )
        .unwrap();
        assert_eq!(w.kind, Some(NoticeType::Failure));
        assert_eq!(w.format, None);
        assert_eq!(w.msgtype, Some(MsgType::Text));
        let back = serde_json::to_string(&w).unwrap();
        assert!(
            back.contains(r#""kind":"failure""#) && back.contains(r#""msgtype":"text""#),
            "{back}"
        );
    }

    #[test]
    fn subjects_are_one_token_per_network() {
        let w = Work {
            id: "a".into(),
            idx: 2,
            target: "irc://irc.libera.chat:6697/x".into(),
            text: "t".into(),
            title: None,
            kind: None,
            format: None,
            msgtype: None,
            received_at: 0,
            source: "s".into(),
        };
        assert_eq!(
            w.subject("irc", "irc.libera.chat:6697"),
            "vext.notify.irc.irc_libera_chat_6697"
        );
        assert_eq!(w.subject("matrix", ""), "vext.notify.shared.matrix._");
        assert_eq!(w.msg_id(), "a/2");
        let back: Work = serde_json::from_str(&serde_json::to_string(&w).unwrap()).unwrap();
        assert_eq!(back, w);
    }
}
