//! Integration tests: the built binary against real servers on loopback.

// A test reads as the user's session, from start to end, and some
// sessions are long: clippy's function length limit is for src/.
#![allow(clippy::too_many_lines)]

mod support;

mod bot;
mod check;
mod cli;
mod daemon;
mod forge;
mod hook;
mod hostile;
mod irc_auth;
mod kube;
mod kube_update;
mod matrix;
mod nats;
mod scan;
mod secrets;
mod semaphore;
mod send;
mod spool;
mod update;
mod webhook;
