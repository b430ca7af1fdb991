//! Low network helpers everyone may use: TLS configuration and the shared
//! HTTP agents.

pub(crate) mod tls;
