//! Events for other services: what vext did, as JSON on
//! `vext.events.{category}.{source}.{type}` (CloudEvents field names),
//! kept in the limits-retention stream `VEXT_EVENTS` so that a late
//! subscriber can replay them. A process installs one publisher (the
//! daemon with `--nats`, a command given `--nats` or `[nats] url`);
//! `emit` without one does nothing, so the code that knows an event
//! happened does not need to know whether anyone listens.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{anyhow, Result};
use async_nats::jetstream::stream;
use serde::Serialize;

use super::{token, Bus, CALL_TIMEOUT};
use crate::exit::{fail, Code};

/// The stream that keeps the events.
pub(crate) const STREAM: &str = "VEXT_EVENTS";
const SUBJECTS: &str = "vext.events.>";
/// How long the stream keeps an event.
const KEEP: Duration = Duration::from_secs(7 * 24 * 3600);

/// One event as it goes on the wire.
#[derive(Debug, Serialize)]
pub(crate) struct Event<'a> {
    pub(crate) id: String,
    /// `vext.{category}.{type}`, e.g. `vext.notify.delivered`.
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// What it happened to: `irc`, `matrix`, `registry`, `docker`, `git`...
    pub(crate) source: &'a str,
    /// RFC 3339, UTC.
    pub(crate) time: String,
    pub(crate) data: serde_json::Value,
}

struct Publisher {
    bus: Arc<Bus>,
    /// Who publishes, as the event ids say (host and pid).
    origin: String,
}

static PUBLISHER: OnceLock<Publisher> = OnceLock::new();

/// Connects and publishes this command's events there; a server out of
/// reach is a warning, never the command's failure.
pub(crate) fn publish_to(options: Option<crate::bus::Options>) {
    let Some(options) = options else { return };
    let installed = Bus::connect(&options).and_then(|bus| install(Arc::new(bus)));
    if let Err(e) = installed {
        log::warn!("events are not published: {e:#}");
    }
}

/// Makes `emit` publish through `bus`, creating the events stream if it is
/// missing (an existing one with other subjects is an error, exit 78).
pub(crate) fn install(bus: Arc<Bus>) -> Result<()> {
    let js = bus.jetstream().clone();
    bus.wait(Duration::from_secs(15), "creating the events stream", async move {
        match js.get_stream(STREAM).await {
            Ok(mut s) => {
                let info = s.info().await.map_err(|e| anyhow!("{e}"))?;
                if info.config.subjects != [SUBJECTS] {
                    return Err(fail(
                        Code::Config,
                        format!(
                            "the NATS stream {STREAM} exists with subjects {:?}; vext publishes events on {SUBJECTS}",
                            info.config.subjects
                        ),
                    ));
                }
                Ok(())
            }
            Err(_) => js
                .create_stream(stream::Config {
                    name: STREAM.into(),
                    subjects: vec![SUBJECTS.into()],
                    retention: stream::RetentionPolicy::Limits,
                    storage: stream::StorageType::File,
                    max_age: KEEP,
                    duplicate_window: Duration::from_secs(120),
                    ..Default::default()
                })
                .await
                .map(|_| ())
                .map_err(|e| fail(Code::Config, format!("creating the NATS stream {STREAM}: {e}"))),
        }
    })?;
    let origin = format!("{}-{}", crate::net::hostname(), std::process::id());
    let _ = PUBLISHER.set(Publisher { bus, origin });
    Ok(())
}

/// Publishes one event if a publisher is installed; never blocks for
/// long and never fails the caller (a lost event is logged).
pub(crate) fn emit(category: &str, source: &str, kind: &str, data: serde_json::Value) {
    let Some(p) = PUBLISHER.get() else { return };
    let now = std::time::SystemTime::now();
    let event = Event {
        id: format!(
            "{}-{}-{:08x}",
            p.origin,
            now.duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
            fastrand::u32(..)
        ),
        kind: format!("vext.{category}.{kind}"),
        source,
        time: humantime::format_rfc3339_millis(now).to_string(),
        data,
    };
    let subject = format!("vext.events.{category}.{}.{kind}", token(source));
    let Ok(payload) = serde_json::to_vec(&event) else {
        return;
    };
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", event.id.as_str());
    let client = p.bus.client.clone();
    if let Err(e) = p.bus.wait(CALL_TIMEOUT, "publishing an event", async move {
        client
            .publish_with_headers(subject, headers, payload.into())
            .await
            .map_err(|e| anyhow!("{e}"))
    }) {
        log::debug!("event {} not published: {e:#}", event.kind);
    }
}

/// Sends what `emit` queued before a short-lived command exits.
pub(crate) fn flush() {
    if let Some(p) = PUBLISHER.get() {
        let client = p.bus.client.clone();
        let _ = p.bus.wait(CALL_TIMEOUT, "flushing events", async move {
            client.flush().await.map_err(|e| anyhow!("{e}"))
        });
    }
}
