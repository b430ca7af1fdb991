//! One backoff for every retry in vext: a floor, doubling to a cap, ±25 %
//! jitter so that many clients do not retry in step. A server's own ask
//! (`Retry-After`, Matrix's `retry_after_ms`) is honoured when it is longer
//! than ours, never when it is shorter: a server answering "retry in 0 ms"
//! gets the floor and the doubling, not a request per round trip.

use std::time::Duration;

/// The longest a server can make us wait in one go.
pub(crate) const MAX_ASKED: Duration = crate::net::retry_after::MAX_WAIT;

#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    floor: Duration,
    cap: Duration,
    next: Duration,
}

impl Backoff {
    pub(crate) const fn new(floor: Duration, cap: Duration) -> Backoff {
        Backoff {
            floor,
            cap,
            next: floor,
        }
    }

    /// The wait before the next try (jittered), and the one after doubles.
    pub(crate) fn next(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.cap);
        jitter(d)
    }

    /// The wait before the next try when the server asked for `asked`:
    /// the longer of the two (the server's capped at [`MAX_ASKED`]).
    pub(crate) fn after(&mut self, asked: Option<Duration>) -> Duration {
        let ours = self.next();
        asked.map_or(ours, |a| a.min(MAX_ASKED).max(ours))
    }

    /// Back to the floor, after a success.
    pub(crate) fn reset(&mut self) {
        self.next = self.floor;
    }

    /// The wait before retry number `n` (0 for the first retry), for
    /// retries counted elsewhere (the spool, JetStream's delivery count).
    pub(crate) fn nth(floor: Duration, cap: Duration, n: u32) -> Duration {
        let d = floor.saturating_mul(1u32 << n.min(20)).min(cap);
        jitter(d)
    }
}

/// ±25 %.
pub(crate) fn jitter(d: Duration) -> Duration {
    d.mul_f64(0.75 + fastrand::f64() * 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn doubles_from_the_floor_to_the_cap() {
        let mut b = Backoff::new(S, 8 * S);
        let waits: Vec<Duration> = (0..6).map(|_| b.next()).collect();
        for (w, base) in waits.iter().zip([1, 2, 4, 8, 8, 8]) {
            let base = Duration::from_secs(base);
            assert!(
                *w >= base.mul_f64(0.75) && *w <= base.mul_f64(1.25),
                "{w:?}"
            );
        }
        b.reset();
        assert!(b.next() <= S.mul_f64(1.25));
    }

    #[test]
    fn a_server_cannot_ask_for_less_than_the_floor() {
        let mut b = Backoff::new(S, 60 * S);
        let total: Duration = (0..5).map(|_| b.after(Some(Duration::ZERO))).sum();
        // 1 + 2 + 4 + 8 + 16 seconds, less a quarter at worst.
        assert!(total >= Duration::from_secs(23), "{total:?}");
        // A longer ask is honoured, up to the cap on asks.
        let mut b = Backoff::new(S, 60 * S);
        assert_eq!(b.after(Some(30 * S)), 30 * S);
        assert_eq!(b.after(Some(Duration::from_secs(1 << 40))), MAX_ASKED);
    }

    #[test]
    fn nth_is_capped_whatever_the_count() {
        for n in [0, 3, 31, u32::MAX] {
            let d = Backoff::nth(S, 600 * S, n);
            assert!(d <= Duration::from_secs(750), "{n}: {d:?}");
        }
        assert!(Backoff::nth(S, 600 * S, 3) >= Duration::from_secs(6));
    }
}
