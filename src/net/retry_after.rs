//! `Retry-After`, as servers send it and as a stranger might: delay-seconds
//! (RFC 9110: a non-negative integer) is honoured up to a cap; anything else
//! (a date, a fraction, `nan`, `-1`, `inf`, garbage) is None and the caller
//! uses its own backoff.

use std::time::Duration;

/// The longest wait a server can ask for.
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(300);

pub(crate) fn retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Digits only: too many of them is simply "very long".
    let secs = v.parse::<u64>().unwrap_or(u64::MAX);
    Some(Duration::from_secs(secs).min(MAX_WAIT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_values_never_panic() {
        assert_eq!(retry_after("5"), Some(Duration::from_secs(5)));
        assert_eq!(retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(retry_after("99999999999999999999999"), Some(MAX_WAIT));
        for bad in [
            "nan",
            "NaN",
            "-1",
            "inf",
            "1.5",
            "",
            "Wed, 21 Oct 2026 07:28:00 GMT",
            "1e9",
        ] {
            assert_eq!(retry_after(bad), None, "{bad:?}");
        }
    }
}
