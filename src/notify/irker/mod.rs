//! irker's wire protocol (one JSON request per line, vext's additions, the
//! signed envelope) and the client that sends it to a daemon.

pub(crate) mod client;
pub(crate) mod protocol;
