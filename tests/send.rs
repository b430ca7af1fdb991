//! `vext send` directly to a private ngircd.

use std::time::Duration;

use crate::support::*;

#[test]
fn direct_send_reaches_the_channel() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#deploys"]);
    vext(["send", &ircd.url("deploys"), "-m", "web-1 is live\nsecond line"]).expect(0);
    let got = obs.privmsgs(2, Duration::from_secs(10));
    let texts: Vec<&str> = got.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["web-1 is live", "second line"]);
    assert!(got.iter().all(|m| m.target == "#deploys" && m.from.starts_with("vext")));
}
