//! The notify wing: what is sent and how. The notice, the target model (one
//! URL parser and redaction for every scheme), the one delivery layer that
//! every command and the daemon share, the back-ends (IRC, Matrix,
//! webhooks), and the irker wire protocol with the client that speaks it.
//! Nothing here reads the config file or knows about commands.

pub(crate) mod delivery;
pub(crate) mod destination;
pub(crate) mod error;
pub(crate) mod history;
pub(crate) mod irc;
pub(crate) mod irker;
pub(crate) mod matrix;
pub(crate) mod notice;
pub(crate) mod outcome;
pub(crate) mod sender;
pub(crate) mod webhook;
pub(crate) mod workers;
