//! Integration tests: the built binary against real servers on loopback.

mod support;

mod bot;
mod check;
mod cli;
mod daemon;
mod hook;
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
