//! Test support, one module per thing the tests drive: the vext binary, IRC
//! servers (ngircd, InspIRCd, a scripted one) and an observer, the daemon,
//! the registry, the Docker engine, Synapse, a fake Semaphore UI and Kubernetes API, namespaces, a CA, a proxy. Every helper owns what
//! it starts and cleans it up (by PID) when dropped.

#![allow(dead_code)]

mod ca;
mod daemon;
mod docker;
mod fake_ircd;
mod fake_kube;
mod host;
mod hostile_http;
mod hostile_irc;
mod http;
mod hybrid;
mod inspircd;
mod namespace;
mod nats;
mod ngircd;
mod observer;
mod proxy;
mod registry;
mod semaphore;
mod synapse;
mod vext;
mod webhook;

pub use ca::*;
pub use daemon::*;
pub use docker::*;
pub use fake_ircd::*;
pub use fake_kube::*;
pub use host::*;
pub use hostile_http::*;
pub use hostile_irc::*;
pub use http::*;
pub use hybrid::*;
pub use inspircd::*;
pub use namespace::*;
pub use nats::*;
pub use ngircd::*;
pub use observer::*;
pub use proxy::*;
pub use registry::*;
pub use semaphore::*;
pub use synapse::*;
pub use vext::*;
pub use webhook::*;

pub const VEXT: &str = env!("CARGO_BIN_EXE_vext");

/// Waits until `cond` holds, looking every 20 ms; fails the test naming
/// `what` when `timeout` passes first. The one deadline loop of the tests.
pub fn eventually(what: &str, timeout: std::time::Duration, mut cond: impl FnMut() -> bool) {
    let until = std::time::Instant::now() + timeout;
    while !cond() {
        assert!(
            std::time::Instant::now() < until,
            "{what}: not within {timeout:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
