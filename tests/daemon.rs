//! `vext daemon` with its own and irker's clients.

use std::time::Duration;

use crate::support::*;

#[test]
fn send_via_daemon_is_acked_and_delivered() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#ci"]);
    let daemon = Daemon::start(&[]);
    vext(["send", "--via", &daemon.tcp, &ircd.url("ci"), "-m", "build 42 passed"]).expect(0);
    let got = obs.privmsgs(1, Duration::from_secs(10));
    assert_eq!(got.first().map(|m| m.text.as_str()), Some("build 42 passed"), "{}", daemon.log());
}
