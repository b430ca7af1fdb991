//! Who may use the daemon and where messages may go: shared-secret
//! signatures (HMAC-SHA256) with a replay window, loopback trust, target
//! patterns, and per-source rate limits.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use crate::net::rate::{Rate, RateBy};
use crate::notify::destination::pattern::{canonical, TargetPattern};
use crate::notify::destination::Destination;
use crate::notify::irker::protocol::{verify, Envelope, Request};

/// How far a signed request's timestamp may be from our clock (seconds).
pub(crate) const WINDOW_SECS: i64 = 300;

/// Why a request was refused; the label is the metrics `reason`.
#[derive(Debug, Clone)]
pub(crate) enum Rejection {
    BadRequest(String),
    Unsigned,
    BadSignature,
    Stale,
    Replayed,
    TargetNotAllowed(String),
    RateLimited,
    Storage(String),
    ShuttingDown,
}

impl Rejection {
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Rejection::BadRequest(_) => "bad_request",
            Rejection::Unsigned => "unsigned",
            Rejection::BadSignature => "bad_signature",
            Rejection::Stale => "stale",
            Rejection::Replayed => "replayed",
            Rejection::TargetNotAllowed(_) => "target_not_allowed",
            Rejection::RateLimited => "rate_limited",
            Rejection::Storage(_) => "storage",
            Rejection::ShuttingDown => "shutting_down",
        }
    }

    pub(crate) fn message(&self) -> String {
        match self {
            Rejection::BadRequest(e) => e.clone(),
            Rejection::Unsigned => {
                "unsigned request: this daemon requires a signature (see --secret-file)".into()
            }
            Rejection::BadSignature => "bad signature".into(),
            Rejection::Stale => format!("stale request: timestamp more than {WINDOW_SECS} s off"),
            Rejection::Replayed => "replayed request: nonce already used".into(),
            Rejection::TargetNotAllowed(t) => format!("target not allowed: {t}"),
            Rejection::RateLimited => "rate limit exceeded for this source".into(),
            Rejection::Storage(e) => e.clone(),
            Rejection::ShuttingDown => "the daemon is shutting down".into(),
        }
    }
}

/// What one rate bucket counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Counted {
    Net(IpAddr),
    /// Every request signed with the secret.
    Key,
}

/// The bucket a request is counted in, as `--rate-by` says.
fn counted(rate: &Rate, peer: IpAddr, signed: bool) -> Counted {
    match rate.by {
        RateBy::Key if signed => Counted::Key,
        RateBy::Prefix => Counted::Net(crate::net::prefix(peer)),
        _ => Counted::Net(crate::net::source(peer)),
    }
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// A signed request without an id of its own is stored under one made
/// from its nonce: the nonces in memory are gone after a restart, but the
/// spool still knows the id, so a replay inside the window is a duplicate,
/// not a second delivery.
pub(crate) fn with_nonce_id(mut req: Request, nonce: &str) -> Request {
    if req.id.is_none() {
        let digest = ring::digest::digest(&ring::digest::SHA256, nonce.as_bytes());
        let hex: String = digest.as_ref()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        req.id = Some(format!("signed-{hex}"));
    }
    req
}

/// The nonces of accepted signed requests, each kept only until its
/// request's timestamp leaves the window (a replay after that is refused as
/// stale): as many as arrive in one window, and no more.
#[derive(Default)]
struct Nonces {
    seen: HashSet<String>,
    /// (forget at, nonce), soonest first.
    expiry: BinaryHeap<Reverse<(i64, String)>>,
}

impl Nonces {
    /// Whether `nonce` is new (and now remembered until `forget_at`),
    /// forgetting those whose time has passed.
    fn first_use(&mut self, nonce: &str, forget_at: i64, now: i64) -> bool {
        while let Some(Reverse((at, _))) = self.expiry.peek() {
            if *at >= now {
                break;
            }
            if let Some(Reverse((_, old))) = self.expiry.pop() {
                self.seen.remove(&old);
            }
        }
        if !self.seen.insert(nonce.to_string()) {
            return false;
        }
        self.expiry.push(Reverse((forget_at, nonce.to_string())));
        true
    }
}

pub(crate) struct Access {
    pub(crate) secret: Option<Vec<u8>>,
    pub(crate) trust_loopback: bool,
    allow: Vec<TargetPattern>,
    rate: Option<Rate>,
    nonces: Mutex<Nonces>,
    buckets: Mutex<HashMap<Counted, Bucket>>,
}

impl Access {
    pub(crate) fn new(
        secret: Option<Vec<u8>>,
        trust_loopback: bool,
        allow: Vec<TargetPattern>,
        rate: Option<Rate>,
    ) -> Access {
        Access {
            secret,
            trust_loopback,
            allow,
            rate,
            nonces: Mutex::new(Nonces::default()),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Checks the envelope (signature, freshness, replay) and yields the request.
    pub(crate) fn open(&self, envelope: Envelope, peer: IpAddr) -> Result<Request, Rejection> {
        match envelope {
            Envelope::Plain(req) => {
                if self.secret.is_some() && !(self.trust_loopback && peer.is_loopback()) {
                    return Err(Rejection::Unsigned);
                }
                Ok(req)
            }
            Envelope::Signed {
                payload,
                ts,
                nonce,
                sig,
                request,
            } => {
                self.check_signature(payload.as_bytes(), ts, &nonce, &sig)?;
                request
                    .and_then(Request::from_value)
                    .map(|req| with_nonce_id(req, &nonce))
                    .map_err(Rejection::BadRequest)
            }
        }
    }

    /// Checks a signature given apart from the body (HTTP headers).
    /// A request it admits that has no id of its own takes
    /// [`with_nonce_id`]'s.
    pub(crate) fn check_signature(
        &self,
        payload: &[u8],
        ts: i64,
        nonce: &str,
        sig: &str,
    ) -> Result<(), Rejection> {
        let Some(secret) = &self.secret else {
            // No secret configured: signatures cannot be checked, and are not needed.
            return Ok(());
        };
        if !verify(secret, ts, nonce, payload, sig) {
            return Err(Rejection::BadSignature);
        }
        let now = crate::state::db::now_ms() / 1000;
        // abs_diff: a timestamp near i64::MIN or MAX is stale, not an overflow.
        if now.abs_diff(ts) > WINDOW_SECS as u64 {
            return Err(Rejection::Stale);
        }
        let mut nonces = self.nonces.lock().unwrap_or_else(|p| p.into_inner());
        if !nonces.first_use(nonce, ts.saturating_add(WINDOW_SECS), now) {
            return Err(Rejection::Replayed);
        }
        Ok(())
    }

    /// Whether an unsigned HTTP request from `peer` is acceptable.
    pub(crate) fn unsigned_ok(&self, peer: IpAddr) -> bool {
        self.secret.is_none() || (self.trust_loopback && peer.is_loopback())
    }

    pub(crate) fn check_targets(&self, targets: &[Destination]) -> Result<(), Rejection> {
        if self.allow.is_empty() {
            return Ok(());
        }
        for t in targets {
            // The refusal shows the target as its own Display does (a
            // webhook by scheme and host only: its URL is the credential).
            let refused = |why: String| Rejection::TargetNotAllowed(format!("{t}{why}"));
            let canon = canonical(t).map_err(|e| refused(format!(" ({e})")))?;
            if !self.allow.iter().any(|p| p.matches(&canon)) {
                return Err(refused(String::new()));
            }
        }
        Ok(())
    }

    /// Takes a token from the bucket `peer` (or, signed, its key) counts
    /// against.
    pub(crate) fn check_rate(&self, peer: IpAddr, signed: bool) -> Result<(), Rejection> {
        let Some(rate) = self.rate else { return Ok(()) };
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 10_000 {
            buckets.retain(|_, b| {
                now.duration_since(b.last).as_secs_f64() * rate.per_sec < rate.burst
            });
        }
        let b = buckets
            .entry(counted(&rate, peer, signed))
            .or_insert(Bucket {
                tokens: rate.burst,
                last: now,
            });
        b.tokens =
            (b.tokens + now.duration_since(b.last).as_secs_f64() * rate.per_sec).min(rate.burst);
        b.last = now;
        if b.tokens < 1.0 {
            return Err(Rejection::RateLimited);
        }
        b.tokens -= 1.0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_request_without_an_id_takes_one_from_its_nonce() {
        let req = |id: Option<&str>| Request {
            id: id.map(String::from),
            ..Request::parse(br#"{"to":"irc://h/c","privmsg":"x"}"#).unwrap()
        };
        let a = with_nonce_id(req(None), "n1").id.unwrap();
        assert_eq!(a, with_nonce_id(req(None), "n1").id.unwrap());
        assert_ne!(a, with_nonce_id(req(None), "n2").id.unwrap());
        assert!(a.starts_with("signed-") && a.len() == 39, "{a}");
        assert_eq!(
            with_nonce_id(req(Some("mine")), "n1").id.as_deref(),
            Some("mine")
        );
    }

    #[test]
    fn nonces_are_refused_again_within_the_window_and_then_forgotten() {
        let mut n = Nonces::default();
        assert!(n.first_use("a", 100, 0));
        assert!(!n.first_use("a", 100, 50), "a replay within the window");
        for i in 0..1000 {
            assert!(n.first_use(&format!("b{i}"), 60, 10));
        }
        assert!(n.first_use("c", 400, 100));
        assert_eq!(
            n.seen.len(),
            2,
            "the b's are forgotten; a is kept until 100"
        );
        assert!(!n.first_use("c", 400, 400), "kept until its time");
        assert!(n.first_use("d", 800, 401));
        assert_eq!(n.seen.len(), 1, "c is forgotten after its time");
        assert_eq!(n.expiry.len(), 1);
    }

    #[test]
    fn rates_parse_and_limit() {
        let r = Rate::parse("2/min", RateBy::Address).unwrap();
        assert!((r.per_sec - 2.0 / 60.0).abs() < 1e-9);
        assert!(
            Rate::parse("0/s", RateBy::Address).is_err()
                && Rate::parse("5/week", RateBy::Address).is_err()
                && Rate::parse("5", RateBy::Address).is_err()
        );
        let a = Access::new(None, false, vec![], Some(r));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(a.check_rate(ip, false).is_ok() && a.check_rate(ip, false).is_ok());
        assert!(matches!(
            a.check_rate(ip, false),
            Err(Rejection::RateLimited)
        ));
        assert!(
            a.check_rate("10.0.0.2".parse().unwrap(), false).is_ok(),
            "limits are per source"
        );
    }

    #[test]
    fn a_rate_by_prefix_or_key_counts_many_addresses_as_one() {
        let ips: Vec<IpAddr> = ["10.0.7.1", "10.0.7.2", "10.0.7.200"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let other: IpAddr = "10.0.8.1".parse().unwrap();
        let by_prefix = Access::new(
            None,
            false,
            vec![],
            Some(Rate::parse("2/min", RateBy::Prefix).unwrap()),
        );
        assert!(by_prefix.check_rate(ips[0], false).is_ok());
        assert!(by_prefix.check_rate(ips[1], false).is_ok());
        assert!(by_prefix.check_rate(ips[2], false).is_err(), "one /24");
        assert!(by_prefix.check_rate(other, false).is_ok(), "another /24");

        let by_key = Access::new(
            None,
            false,
            vec![],
            Some(Rate::parse("2/min", RateBy::Key).unwrap()),
        );
        assert!(by_key.check_rate(ips[0], true).is_ok());
        assert!(by_key.check_rate(other, true).is_ok());
        assert!(by_key.check_rate(ips[2], true).is_err(), "one key");
        assert!(
            by_key.check_rate(ips[2], false).is_ok(),
            "unsigned requests count by address"
        );
    }

    #[test]
    fn signed_requests_are_checked_for_freshness_and_replay() {
        let secret = b"a-shared-secret-of-some-length".to_vec();
        let a = Access::new(Some(secret.clone()), false, vec![], None);
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let payload = r#"{"to":"irc://h/c","privmsg":"x"}"#;
        let now = crate::state::db::now_ms() / 1000;
        let line = crate::notify::irker::protocol::sign_line(&secret, payload, now);
        assert!(a
            .open(Envelope::parse(line.as_bytes()).unwrap(), peer)
            .is_ok());
        assert!(matches!(
            a.open(Envelope::parse(line.as_bytes()).unwrap(), peer),
            Err(Rejection::Replayed)
        ));
        let old = crate::notify::irker::protocol::sign_line(&secret, payload, now - 1000);
        assert!(matches!(
            a.open(Envelope::parse(old.as_bytes()).unwrap(), peer),
            Err(Rejection::Stale)
        ));
        // A correctly signed timestamp at either end of i64 is stale, not an
        // overflow (a panic in a debug build, and accepted once wrapped).
        for ts in [i64::MIN, i64::MIN + 1, i64::MAX] {
            let sig =
                crate::notify::irker::protocol::signature(&secret, ts, "edge", payload.as_bytes());
            assert!(matches!(
                a.check_signature(payload.as_bytes(), ts, "edge", &sig),
                Err(Rejection::Stale)
            ));
        }
        let forged =
            crate::notify::irker::protocol::sign_line(b"not-the-right-secret-at-all", payload, now);
        assert!(matches!(
            a.open(Envelope::parse(forged.as_bytes()).unwrap(), peer),
            Err(Rejection::BadSignature)
        ));
        assert!(matches!(
            a.open(Envelope::parse(payload.as_bytes()).unwrap(), peer),
            Err(Rejection::Unsigned)
        ));
        let trusting = Access::new(Some(secret), true, vec![], None);
        assert!(trusting
            .open(Envelope::parse(payload.as_bytes()).unwrap(), peer)
            .is_ok());
        assert!(matches!(
            trusting.open(
                Envelope::parse(payload.as_bytes()).unwrap(),
                "10.1.1.1".parse().unwrap()
            ),
            Err(Rejection::Unsigned)
        ));
    }
}
