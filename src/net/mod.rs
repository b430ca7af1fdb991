//! Low network helpers everyone may use: TCP connections, TLS configuration
//! and the shared HTTP agents, a small HTTP/1.1 reply parser, percent-encoding.

pub(crate) mod dial;
pub(crate) mod http1;
pub(crate) mod percent;
pub(crate) mod retry_after;
pub(crate) mod tls;
