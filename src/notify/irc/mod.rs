//! IRC delivery: line hygiene, server messages, transports, and the pooled,
//! paced connections that both `vext send` and `vext daemon` deliver through.

pub(crate) mod conn;
pub(crate) mod line;
pub(crate) mod message;
mod pacing;
pub(crate) mod pool;
pub(crate) mod sasl;
pub(crate) mod transport;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::exit::Code;
use crate::notify::destination::Recipient;
use crate::notify::error::DeliveryError;

/// How connections behave; shared by every connection of a relay.
#[derive(Clone)]
pub(crate) struct Settings {
    /// Nick used when a target URL names none.
    pub(crate) nick: String,
    pub(crate) username: String,
    pub(crate) realname: String,
    /// Sent to NickServ (`IDENTIFY`) after registration.
    pub(crate) nickserv_password: Option<String>,
    pub(crate) tls: Arc<rustls::ClientConfig>,
    /// `tls` presents a client certificate (CertFP, SASL EXTERNAL).
    pub(crate) client_certificate: bool,
    /// Lines that may be sent at once before pacing starts.
    pub(crate) burst: f64,
    /// Lines per second after the burst.
    pub(crate) line_rate: f64,
    pub(crate) connect_timeout: Duration,
    /// Part a channel after this long without messages.
    pub(crate) channel_ttl: Duration,
    /// Quit a connection without channels after this long.
    pub(crate) connection_ttl: Duration,
    /// Send PING after this much silence from the server; give up after as long again.
    pub(crate) keepalive: Duration,
    /// Reconnect with backoff (daemon) or fail the deliveries at once (`vext send`).
    pub(crate) reconnect: bool,
    /// Confirm each delivery as soon as a token can be spared (`vext send`,
    /// waiting for its one message), not when the bucket is full again.
    pub(crate) confirm_at_once: bool,
    /// Channels per connection when the server does not say (ISUPPORT CHANLIMIT).
    pub(crate) default_chanlimit: usize,
    /// Connections per server a large fan-out is spread over (more only
    /// when CHANLIMIT forces them).
    pub(crate) max_connections: usize,
    /// Every message as NOTICE, not only to `?notice` recipients.
    pub(crate) notice: bool,
    /// The SOCKS5 proxy connections go through (`ALL_PROXY`), if any.
    pub(crate) proxy: Option<crate::net::socks::Socks5>,
}

/// Lines that may go out at once before pacing starts, then lines per
/// second: within the default flood limits of ngircd, InspIRCd, ircd-hybrid
/// and Libera.Chat.
pub(crate) const BURST: u32 = 5;
pub(crate) const LINE_RATE: f64 = 1.0;

/// Connections per server for spreading a fan-out: within common per-address
/// limits (ngircd allows 5 by default).
pub(crate) const MAX_CONNECTIONS: usize = 4;

/// New channels a connection takes before a fan-out opens another: a burst's
/// worth, so that each connection's first lines go out at once.
pub(crate) const SPREAD: usize = 5;

impl Settings {
    /// The relay's defaults: paced, reconnecting, channels kept for 3 hours.
    /// `vext send` shortens the waits for its one message.
    pub(crate) fn new(nick: String, tls: Arc<rustls::ClientConfig>) -> Settings {
        Settings {
            nick,
            username: "vext".into(),
            realname: "vext relay".into(),
            nickserv_password: None,
            tls,
            client_certificate: false,
            burst: f64::from(BURST),
            line_rate: LINE_RATE,
            connect_timeout: Duration::from_secs(30),
            channel_ttl: Duration::from_secs(3 * 3600),
            connection_ttl: Duration::from_secs(3 * 3600),
            keepalive: Duration::from_secs(120),
            reconnect: true,
            confirm_at_once: false,
            default_chanlimit: 18,
            max_connections: MAX_CONNECTIONS,
            notice: false,
            proxy: None,
        }
    }
}

/// Called once per recipient when its delivery is confirmed (the server
/// answered a PING sent after the lines) or has failed.
pub(crate) type Done = Arc<dyn Fn(&Recipient, Result<(), DeliveryError>) + Send + Sync>;

/// One message for some recipients on one server.
#[derive(Clone)]
pub(crate) struct Job {
    /// Clean text lines (see [`line::text_lines`]); split to fit at send time.
    pub(crate) lines: Arc<[String]>,
    pub(crate) recipients: Vec<Recipient>,
    pub(crate) done: Done,
    /// Give up (a temporary failure) if not sent by then.
    pub(crate) expires: Option<Instant>,
}

impl Job {
    pub(crate) fn expired(&self, now: Instant) -> bool {
        self.expires.is_some_and(|e| now >= e)
    }
}

pub(crate) fn expired_error() -> DeliveryError {
    DeliveryError::temporary(
        Code::TempFail,
        "not sent in time: the server could not be reached",
    )
}

pub(crate) fn fail_job(job: &Job, err: &DeliveryError) {
    for r in &job.recipients {
        (job.done)(r, Err(err.clone()));
    }
}
