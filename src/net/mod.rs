//! Low network helpers everyone may use: TLS configuration and the shared
//! HTTP agents, percent-encoding.

pub(crate) mod percent;
pub(crate) mod tls;
