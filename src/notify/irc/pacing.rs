//! Pacing: a token bucket per connection, so that no common server
//! (ngircd, InspIRCd, ircd-hybrid, Solanum) disconnects a relay for flooding.

use std::time::{Duration, Instant};

/// A token bucket: `burst` lines at once, then `rate` lines per second.
pub(super) struct Bucket {
    tokens: f64,
    burst: f64,
    rate: f64,
    last: Instant,
}

impl Bucket {
    pub(super) fn new(burst: f64, rate: f64) -> Bucket {
        Bucket {
            tokens: burst,
            burst,
            rate,
            last: Instant::now(),
        }
    }

    pub(super) fn refill(&mut self) {
        let now = Instant::now();
        let dt = now.duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + dt * self.rate).min(self.burst);
        self.last = now;
    }

    /// Lines that may be sent now.
    pub(super) fn available(&mut self) -> f64 {
        self.refill();
        self.tokens
    }

    /// Time until one line may be sent.
    pub(super) fn wait(&mut self) -> Duration {
        self.wait_for(1.0)
    }

    /// Time until `n` tokens are there.
    pub(super) fn wait_for(&mut self, n: f64) -> Duration {
        self.refill();
        if self.tokens >= n || self.rate <= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((n - self.tokens) / self.rate)
        }
    }

    /// Time until a confirmation PING may go out: it leaves a token for the
    /// next message, so that a message never waits behind a confirmation
    /// (with a burst of 1 there is none to leave).
    pub(super) fn wait_for_sync(&mut self) -> Duration {
        self.wait_for(self.burst.min(2.0))
    }

    /// Time until the bucket is full again.
    pub(super) fn wait_full(&mut self) -> Duration {
        self.wait_for(self.burst)
    }

    /// Counts one line (may go into debt for lines that cannot wait, like PONG).
    pub(super) fn spend(&mut self) {
        self.refill();
        self.tokens -= 1.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_burst_then_paces() {
        let mut b = Bucket::new(3.0, 1.0);
        for _ in 0..3 {
            assert!(b.wait().is_zero());
            b.spend();
        }
        let w = b.wait();
        assert!(
            w > Duration::from_millis(900) && w <= Duration::from_secs(1),
            "{w:?}"
        );
    }

    #[test]
    fn a_confirmation_leaves_a_token_for_the_next_message() {
        let mut b = Bucket::new(5.0, 1.0);
        for _ in 0..3 {
            b.spend();
        }
        // Two tokens: a message and its PING may go at once.
        assert!(b.wait_for_sync().is_zero());
        b.spend();
        // One token left: it is the next message's, the PING waits.
        assert!(b.wait().is_zero());
        assert!(b.wait_for_sync() > Duration::from_millis(900));
        // With a burst of one, the PING needs only one token.
        let mut one = Bucket::new(1.0, 1.0);
        assert!(one.wait_for_sync().is_zero());
    }
}
