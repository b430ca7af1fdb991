//! Low network helpers everyone may use: TCP connections, TLS configuration
//! and the shared HTTP agents, a small HTTP/1.1 reply parser, percent-encoding,
//! the one retry backoff.

pub(crate) mod backoff;
pub(crate) mod dial;
pub(crate) mod http1;
pub(crate) mod percent;
pub(crate) mod retry_after;
pub(crate) mod tls;

/// This machine's name (for identities other hosts see), or `localhost`.
pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
