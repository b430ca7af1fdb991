//! The one front door to delivery. `vext send`, `vext hook`, `vext check
//! --notify` (and later `vext update` and the bot) build a [`Sender`] from
//! their resolved settings and hand it a notice: it goes to a running daemon
//! (signed and acknowledged when asked) or is delivered here and now.

use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::exit::Code;
use crate::notify::delivery::{default_nick, Delivery};
use crate::notify::destination::Destination;
use crate::notify::irker::{client, protocol};
use crate::notify::notice::Notice;

/// Where notifications go.
pub(crate) enum Sender {
    /// Hand them to the daemon at `addr`.
    Daemon(Daemon),
    /// Deliver them from this process.
    Direct(Direct),
}

pub(crate) struct Daemon {
    /// `HOST[:PORT]`.
    pub(crate) addr: String,
    /// Signs each request (HMAC) when the daemon requires it.
    pub(crate) secret: Option<Vec<u8>>,
    /// Wait for the daemon's acknowledgement that the request is stored.
    pub(crate) ack: bool,
}

pub(crate) struct Direct {
    /// The nick when a target URL names none; None: `vextNNN`.
    pub(crate) nick: Option<String>,
    /// A CA file trusted besides the public roots, for ircs:// and HTTPS.
    pub(crate) ca_file: Option<PathBuf>,
    /// Where Matrix sessions are kept.
    pub(crate) state_dir: Option<PathBuf>,
    /// The SOCKS5 proxy IRC connections go through.
    pub(crate) proxy: Option<crate::net::socks::Socks5>,
    /// The client certificate ircs:// connections present.
    pub(crate) client: Option<Arc<crate::net::tls::ClientIdentity>>,
    /// Every IRC message as NOTICE.
    pub(crate) notice: bool,
}

impl Sender {
    /// The irker request a daemon would get for this notice: `urls` as given
    /// (the daemon parses them itself), an id when an acknowledgement is asked.
    pub(crate) fn request(&self, urls: &[String], notice: &Notice) -> protocol::Request {
        let ack = matches!(self, Sender::Daemon(d) if d.ack);
        protocol::Request {
            to: urls.to_vec(),
            privmsg: notice.text.clone(),
            id: ack.then(|| notice.id.clone().unwrap_or_else(protocol::new_id)),
            ack,
            title: notice.title.clone(),
            kind: notice.kind,
            format: notice.format,
            msgtype: notice.msgtype,
            refused: Vec::new(),
        }
    }

    /// The request line as sent (signed when there is a secret), for `--dry-run`.
    pub(crate) fn request_line(&self, urls: &[String], notice: &Notice) -> String {
        let secret = match self {
            Sender::Daemon(d) => d.secret.as_deref(),
            Sender::Direct(_) => None,
        };
        client::request_line(&self.request(urls, notice), secret)
    }

    /// Sends one notice to `targets` (`urls` are the same targets as given),
    /// by `deadline`. Direct delivery reports each failed target on stderr and
    /// returns the worst exit code.
    pub(crate) fn send(
        &self,
        urls: &[String],
        targets: &[Destination],
        notice: &Notice,
        deadline: Instant,
    ) -> Result<Code> {
        match self {
            Sender::Daemon(d) => client::send(
                &d.addr,
                &self.request(urls, notice),
                d.secret.as_deref(),
                deadline,
            ),
            Sender::Direct(direct) => direct.send(targets, notice, deadline),
        }
    }

    /// Sends several notices (a push's commits) to the same targets, in
    /// order; to a daemon on one connection. None when no daemon listens at
    /// the address, so that the caller may deliver another way.
    pub(crate) fn send_all(
        &self,
        urls: &[String],
        targets: &[Destination],
        notices: &[Notice],
        deadline: Instant,
    ) -> Result<Option<Code>> {
        match self {
            Sender::Daemon(d) => {
                let requests: Vec<protocol::Request> =
                    notices.iter().map(|n| self.request(urls, n)).collect();
                client::send_all(&d.addr, &requests, d.secret.as_deref(), deadline)
            }
            Sender::Direct(direct) => {
                let mut worst = Code::Ok;
                for n in notices {
                    worst = worst.max(direct.send(targets, n, deadline)?);
                }
                Ok(Some(worst))
            }
        }
    }
}

impl Direct {
    /// Delivers one message, waiting until every target is confirmed, has
    /// failed, or `deadline` passed.
    fn send(&self, targets: &[Destination], notice: &Notice, deadline: Instant) -> Result<Code> {
        let timeout = deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64();
        let settings = crate::notify::irc::Settings {
            realname: "vext notification".into(),
            connect_timeout: deadline.saturating_duration_since(Instant::now()),
            keepalive: Duration::from_secs(60),
            reconnect: false,
            confirm_at_once: true,
            proxy: self.proxy.clone(),
            client_certificate: self.client.is_some(),
            notice: self.notice,
            ..crate::notify::irc::Settings::new(
                self.nick.clone().unwrap_or_else(default_nick),
                crate::net::tls::client_config(self.ca_file.as_deref(), self.client.as_deref())?,
            )
        };
        // client_config() read the CA file above, or said why it could not.
        let extra_ca = self.ca_file.as_deref().and_then(|p| std::fs::read(p).ok());
        let mut delivery = Delivery::new(settings, extra_ca.as_deref());
        delivery.state_dir = self.state_dir.clone();
        let (tx, rx) = mpsc::channel();
        delivery.submit(
            targets,
            notice,
            Some(deadline),
            Arc::new(move |i, result| {
                let _ = tx.send((i, result));
            }),
        );
        let mut results = vec![None; targets.len()];
        let mut pending = targets.len();
        while pending > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok((i, result)) => {
                    if results[i].is_none() {
                        pending -= 1;
                    }
                    results[i] = Some(result);
                }
                Err(_) => break,
            }
        }
        let quit_by = (Instant::now() + Duration::from_secs(2))
            .min(deadline.max(Instant::now() + Duration::from_millis(200)));
        delivery.shutdown("vext", quit_by);
        let mut worst = Code::Ok;
        // One line per failed target on stderr; the worst code wins.
        for (t, r) in targets.iter().zip(results) {
            let code = match r {
                Some(Ok(())) => Code::Ok,
                Some(Err(e)) => {
                    eprintln!("vext: {t}: {}", e.message);
                    e.code
                }
                None => {
                    eprintln!(
                        "vext: {t}: not delivered within the {}s timeout",
                        format_secs(timeout)
                    );
                    Code::TempFail
                }
            };
            worst = worst.max(code);
        }
        Ok(worst)
    }
}

/// Seconds as a person wrote them: `5`, `0.5`.
fn format_secs(s: f64) -> String {
    let rounded = (s * 10.0).round() / 10.0;
    format!("{rounded}")
}
