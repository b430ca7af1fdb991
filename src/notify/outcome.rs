//! What one delivery attempt's result means for the delivery: done, failed
//! for good, or tried again after a while. The daemon's spool and its NATS
//! work queue both judge by this one rule and retry on this one backoff;
//! each then records the verdict its own way (a spool row, an ack or nak).

use std::time::Duration;

use crate::net::backoff::Backoff;
use crate::notify::error::DeliveryError;

/// The first retry waits about this long (±25 %)...
pub(crate) const RETRY_FLOOR: Duration = Duration::from_secs(1);
/// ...and each one after twice as long, up to this.
pub(crate) const RETRY_CAP: Duration = Duration::from_secs(600);

/// The wait before the retry that follows attempt number `attempt` (1 for
/// the first attempt): 1 s, 2 s, 4 s, ... up to 10 minutes, jittered.
pub(crate) fn retry_delay(attempt: u32) -> Duration {
    Backoff::nth(RETRY_FLOOR, RETRY_CAP, attempt.saturating_sub(1))
}

/// When a delivery stops being retried.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Limits {
    /// Since the notification was accepted (the spool's `--max-age`).
    pub(crate) max_age: Option<Duration>,
    /// Attempts in all (JetStream's `max_deliver`).
    pub(crate) max_attempts: Option<u32>,
}

/// One attempt, as far as the verdict depends on it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attempt {
    /// This attempt's number: 1 for the first.
    pub(crate) number: u32,
    /// Since the notification was accepted.
    pub(crate) age: Duration,
    /// The daemon is stopping: a transient failure is the stop's doing.
    pub(crate) stopping: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    Delivered,
    /// Retrying cannot help: the server's reason.
    Failed(String),
    /// Transient, but the limits are reached: the last reason.
    GaveUp(String),
    Retry {
        after: Duration,
        error: String,
    },
    /// Cut short by the stop: not an attempt that counts; it is sent again
    /// after the next start.
    Held(String),
}

impl Verdict {
    pub(crate) fn of(
        result: Result<(), DeliveryError>,
        attempt: Attempt,
        limits: Limits,
    ) -> Verdict {
        let e = match result {
            Ok(()) => return Verdict::Delivered,
            Err(e) if e.permanent => return Verdict::Failed(e.message),
            Err(e) => e.message,
        };
        if attempt.stopping {
            return Verdict::Held(e);
        }
        let too_old = limits.max_age.is_some_and(|m| attempt.age >= m);
        let too_many = limits.max_attempts.is_some_and(|m| attempt.number >= m);
        if too_old || too_many {
            return Verdict::GaveUp(e);
        }
        Verdict::Retry {
            after: retry_delay(attempt.number),
            error: e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Code;

    fn attempt(number: u32, age_secs: u64) -> Attempt {
        Attempt {
            number,
            age: Duration::from_secs(age_secs),
            stopping: false,
        }
    }

    #[test]
    fn one_rule_for_every_queue() {
        let transient = || Err(DeliveryError::temporary(Code::TempFail, "down"));
        let permanent = || {
            Err(DeliveryError {
                code: Code::Unavailable,
                permanent: true,
                message: "banned".into(),
            })
        };
        let spool = Limits {
            max_age: Some(Duration::from_secs(60)),
            max_attempts: None,
        };
        let nats = Limits {
            max_age: None,
            max_attempts: Some(3),
        };
        assert_eq!(
            Verdict::of(Ok(()), attempt(1, 0), spool),
            Verdict::Delivered
        );
        assert_eq!(
            Verdict::of(permanent(), attempt(1, 0), nats),
            Verdict::Failed("banned".into())
        );
        assert!(matches!(
            Verdict::of(transient(), attempt(2, 59), spool),
            Verdict::Retry { after, .. } if (1500..=2500).contains(&after.as_millis())
        ));
        assert_eq!(
            Verdict::of(transient(), attempt(2, 60), spool),
            Verdict::GaveUp("down".into())
        );
        assert_eq!(
            Verdict::of(transient(), attempt(3, 0), nats),
            Verdict::GaveUp("down".into())
        );
        let stopping = Attempt {
            stopping: true,
            ..attempt(1, 0)
        };
        assert_eq!(
            Verdict::of(transient(), stopping, spool),
            Verdict::Held("down".into())
        );
    }

    #[test]
    fn the_backoff_doubles_from_the_floor_to_the_cap() {
        for _ in 0..20 {
            let first = retry_delay(1).as_millis();
            assert!((750..=1250).contains(&first), "{first}");
            assert!(retry_delay(4) >= Duration::from_secs(6));
            assert!(retry_delay(40) <= RETRY_CAP.mul_f64(1.25));
        }
    }
}
