//! `vext send` directly to a private ngircd (and scripted servers for what
//! ngircd cannot do).

use std::time::{Duration, Instant};

use crate::support::*;

const WAIT: Duration = Duration::from_secs(15);

#[test]
fn direct_send_reaches_the_channel() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#deploys"]);
    vext([
        "send",
        &ircd.url("deploys"),
        "-m",
        "web-1 is live\nsecond line",
    ])
    .expect(0);
    let got = obs.privmsgs(2, WAIT);
    let texts: Vec<&str> = got.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["web-1 is live", "second line"]);
    assert!(got
        .iter()
        .all(|m| m.target == "#deploys" && m.from.starts_with("vext")));
}

/// `?notice` sends NOTICE instead of PRIVMSG (what many channels ask of
/// bots), beside a PRIVMSG target of the same request, through the daemon
/// as directly; a key still works beside it.
#[test]
fn a_notice_target_gets_notice_lines() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#quiet", "#loud"]);
    let quiet = format!("{}?notice", ircd.url("quiet"));
    vext(["send", &quiet, &ircd.url("loud"), "-m", "built"]).expect(0);
    // PRIVMSG recipients go first, then the NOTICE ones.
    obs.wait_for(
        |l| l.contains(" PRIVMSG #loud :built"),
        "a PRIVMSG to #loud",
    );
    let notice = obs.wait_for(
        |l| l.contains(" NOTICE #quiet :built"),
        "a NOTICE to #quiet",
    );
    assert!(notice.starts_with(":vext"), "{notice}");
    let daemon = Daemon::start(&[]);
    vext(["send", "--via", &daemon.tcp, &quiet, "-m", "relayed"]).expect(0);
    obs.wait_for(
        |l| l.contains(" NOTICE #quiet :relayed"),
        "a relayed NOTICE",
    );
}

/// `--notice` (and `notice = true` under `[send]` or `[daemon]`) makes
/// every IRC message a NOTICE, with no `?notice` on any target.
#[test]
fn notice_for_every_target_from_a_flag_or_the_config() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#all"]);
    vext(["send", "--notice", &ircd.url("all"), "-m", "by flag"]).expect(0);
    obs.wait_for(
        |l| l.contains(" NOTICE #all :by flag"),
        "a NOTICE from --notice",
    );
    let dir = TempDir::new("notice");
    let config = dir.write(
        "vext.toml",
        "[send]\nnotice = true\n[daemon]\nnotice = true\n",
    );
    let config = config.to_str().unwrap();
    vext([
        "--config",
        config,
        "send",
        &ircd.url("all"),
        "-m",
        "by [send]",
    ])
    .expect(0);
    obs.wait_for(
        |l| l.contains(" NOTICE #all :by [send]"),
        "a NOTICE from [send]",
    );
    let daemon = Daemon::start(&["--config", config]);
    vext([
        "send",
        "--via",
        &daemon.tcp,
        &ircd.url("all"),
        "-m",
        "by [daemon]",
    ])
    .expect(0);
    let line = obs.wait_for(|l| l.contains("by [daemon]"), "the relayed line");
    assert!(line.contains(" NOTICE #all :by [daemon]"), "{line}");
    // And without any of them, PRIVMSG as before.
    vext(["send", &ircd.url("all"), "-m", "plain"]).expect(0);
    let line = obs.wait_for(|l| l.contains(":plain"), "the plain line");
    assert!(line.contains(" PRIVMSG #all :plain"), "{line}");
}

/// `?nojoin` sends to a channel without joining it where the channel takes
/// messages from outside (-n); where it does not (+n, 404), vext joins and
/// sends after all, and the message still arrives once.
#[test]
fn nojoin_sends_without_joining_and_joins_where_the_channel_insists() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#open", "#closed"]);
    // ngircd's channels take messages from outside unless +n; -n is then
    // not echoed, +n is (and, answered in order, shows -n was applied).
    obs.send("MODE #open -n");
    obs.send("MODE #closed +n");
    obs.wait_for(|l| l.contains(" MODE #closed +n"), "#closed set +n");
    let open = format!("{}?nojoin", ircd.url("open"));
    vext(["send", &open, "-m", "one"]).expect(0);
    obs.wait_for(
        |l| {
            assert!(!l.contains(" JOIN"), "vext joined #open: {l}");
            l.contains(" PRIVMSG #open :one")
        },
        "a PRIVMSG to #open without a JOIN",
    );
    let closed = format!("{}?nojoin", ircd.url("closed"));
    vext(["send", &closed, "-m", "two"]).expect(0);
    obs.wait_for(
        |l| l.contains(" JOIN") && l.contains("#closed"),
        "vext joining #closed",
    );
    obs.wait_for(
        |l| l.contains(" PRIVMSG #closed :two"),
        "the message to #closed",
    );
    let again = obs.drain(Duration::from_millis(500));
    assert!(again.iter().all(|m| m.text != "two"), "twice: {again:?}");
}

/// IRC through a real SOCKS5 proxy (Debian's microsocks) as curl's
/// `ALL_PROXY=socks5h://user:password@host:port` names it, the server's
/// name resolved by the proxy: delivered directly and through the daemon; a
/// wrong password is a clear temporary failure naming the proxy (without
/// the password); `NO_PROXY` reaches a server directly.
#[test]
fn irc_goes_through_a_socks5_proxy() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#socks"]);
    let proxy = Microsocks::start("bob", "pr0xy-pass");
    let url = format!("irc://localhost:{}/socks", ircd.port);
    let via = format!("socks5h://bob:pr0xy-pass@{}", proxy.addr);
    vext(["send", &url, "-m", "through socks"])
        .env("ALL_PROXY", &via)
        .expect(0);
    assert_eq!(obs.privmsgs(1, WAIT)[0].text, "through socks");
    let wrong = format!("socks5h://bob:wrong-pass@{}", proxy.addr);
    let out = vext(["send", &url, "-m", "refused", "--timeout", "5"])
        .env("ALL_PROXY", &wrong)
        .expect(75);
    assert!(
        out.stderr.contains("SOCKS5 proxy") && out.stderr.contains("user and password"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("wrong-pass"), "{}", out.stderr);
    // A closed proxy port, but NO_PROXY names the server: direct.
    let closed = format!("socks5h://127.0.0.1:{}", free_port());
    vext(["send", &url, "-m", "direct"])
        .env("ALL_PROXY", &closed)
        .env("NO_PROXY", "example.org,localhost")
        .expect(0);
    assert_eq!(obs.privmsgs(1, WAIT)[0].text, "direct");
    let daemon = Daemon::start_env(&[], &[("ALL_PROXY", &via)]);
    vext(["send", "--via", &daemon.tcp, &url, "-m", "relayed"]).expect(0);
    assert_eq!(obs.privmsgs(1, WAIT)[0].text, "relayed");
}

/// A configured `[send] via` is turned off by `--via ''` or an empty
/// `VEXT_DAEMON`: the message goes directly.
#[test]
fn an_empty_via_turns_a_configured_daemon_off() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#direct"]);
    let dir = TempDir::new("via");
    let cfg = dir.write(
        "vext.toml",
        &format!("[send]\nvia = \"127.0.0.1:{}\"\n", free_port()),
    );
    let cfg = cfg.to_str().unwrap();
    // The configured daemon is not there: through it, nothing goes.
    let out = vext(["--config", cfg, "send", &ircd.url("direct"), "-m", "via"]).expect(69);
    assert!(out.stderr.contains("no daemon at"), "{}", out.stderr);
    vext([
        "--config",
        cfg,
        "send",
        "--via",
        "",
        &ircd.url("direct"),
        "-m",
        "flag",
    ])
    .expect(0);
    vext(["--config", cfg, "send", &ircd.url("direct"), "-m", "env"])
        .env("VEXT_DAEMON", "")
        .expect(0);
    let got = obs.privmsgs(2, WAIT);
    let texts: Vec<&str> = got.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["flag", "env"]);
}

#[test]
fn body_from_stdin_and_empty_body_is_a_usage_error() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#in"]);
    vext(["send", &ircd.url("in")])
        .stdin("from a pipe\n")
        .expect(0);
    assert_eq!(obs.privmsgs(1, WAIT)[0].text, "from a pipe");
    let out = vext(["send", &ircd.url("in")]).stdin(" \n\n").expect(64);
    assert!(out.stderr.contains("empty"), "{}", out.stderr);
    let out = vext(["send", &ircd.url("in")])
        .stdin(vec![0xff, 0xfe])
        .expect(65);
    assert!(out.stderr.contains("UTF-8"), "{}", out.stderr);
}

#[test]
fn every_bad_url_is_reported_and_nothing_is_sent() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#ok"]);
    let out = vext([
        "send",
        &ircd.url("ok"),
        "irc://127.0.0.1/chan,%23other",
        "irc://127.0.0.1:99999/x",
        "gopher://h/x",
        "-m",
        "must not arrive",
    ])
    .expect(64);
    for needle in ["chan,#other", "comma", "port", "gopher"] {
        assert!(
            out.stderr.contains(needle),
            "{needle} missing from: {}",
            out.stderr
        );
    }
    assert!(obs.drain(Duration::from_millis(1500)).is_empty());
}

#[test]
fn refused_connection_is_a_temporary_failure_per_target() {
    let port = free_port();
    let out = vext([
        "send",
        &format!("irc://127.0.0.1:{port}/a"),
        &format!("irc://127.0.0.1:{port}/b"),
        "-m",
        "x",
    ])
    .expect(75);
    assert_eq!(
        out.stderr.lines().count(),
        2,
        "one line per failed target: {}",
        out.stderr
    );
    assert!(out.stderr.contains("refused"), "{}", out.stderr);
}

#[test]
fn targets_on_one_server_share_a_connection_and_servers_run_in_parallel() {
    let a = Ngircd::start();
    let b = Ngircd::start();
    let mut obs_a = Observer::join(a.port, &["#one", "#two"]);
    let mut obs_b = Observer::join(b.port, &["#three"]);
    vext([
        "send",
        &a.url("one"),
        &a.url("two"),
        &b.url("three"),
        "-m",
        "fan out",
    ])
    .expect(0);
    let got = obs_a.privmsgs(2, WAIT);
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].from, got[1].from,
        "one connection (one nick) for both channels"
    );
    let mut targets: Vec<&str> = got.iter().map(|m| m.target.as_str()).collect();
    targets.sort();
    assert_eq!(targets, ["#one", "#two"]);
    assert_eq!(obs_b.privmsgs(1, WAIT)[0].text, "fan out");
}

#[test]
fn nick_collision_picks_another_nick() {
    let ircd = Ngircd::start();
    let mut obs = Observer::with_nick(ircd.port, "relaybot", &["#n"]);
    let url = format!("irc://relaybot@127.0.0.1:{}/n", ircd.port);
    vext(["send", &url, "-m", "still delivered"]).expect(0);
    let got = obs.privmsgs(1, WAIT);
    assert_eq!(got[0].text, "still delivered");
    assert_ne!(got[0].from, "relaybot");
    assert!(got[0].from.starts_with("relay"), "{}", got[0].from);
}

#[test]
fn private_message_to_a_nick() {
    let ircd = Ngircd::start();
    let mut obs = Observer::with_nick(ircd.port, "alice", &[]);
    vext([
        "send",
        &format!("irc://127.0.0.1:{}/alice,isnick", ircd.port),
        "-m",
        "psst",
    ])
    .expect(0);
    let got = obs.privmsgs(1, WAIT);
    assert_eq!(
        (got[0].target.as_str(), got[0].text.as_str()),
        ("alice", "psst")
    );
}

#[test]
fn control_characters_never_become_commands() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#inj"]);
    vext(["send", &ircd.url("inj")])
        .stdin("hi\rQUIT :gone\r\nJOIN #evil\0x\x07y \x02bold\x02")
        .expect(0);
    let got = obs.privmsgs(3, WAIT);
    let texts: Vec<&str> = got.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["hi", "QUIT :gone", "JOIN #evilxy \x02bold\x02"]);
    // The relay never joined #evil: it was text, not a command.
    obs.send("NAMES #evil");
    let names = obs.wait_for(
        |l| l.contains(" 366 ") || l.contains(" 353 "),
        "NAMES reply",
    );
    assert!(!names.contains("vext"), "{names}");
}

#[test]
fn long_utf8_text_is_split_at_character_boundaries_within_512_bytes() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#long"]);
    let words: Vec<String> = (0..120).map(|i| format!("héllo🦀{i}")).collect();
    let text = words.join(" ");
    let dense = "ж".repeat(700); // no spaces at all
    let body = format!("{text}\n{dense}");
    vext(["send", &ircd.url("long"), "-m", &body]).expect(0);
    let got = obs.drain(Duration::from_secs(4));
    assert!(
        got.len() >= 5,
        "expected several PRIVMSGs, got {}",
        got.len()
    );
    for raw in obs
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains(" PRIVMSG #long "))
    {
        assert!(
            raw.len() + 2 <= 512,
            "relayed line of {} bytes: {raw}",
            raw.len() + 2
        );
    }
    let words_back: Vec<String> = got
        .iter()
        .filter(|m| !m.text.starts_with('ж'))
        .flat_map(|m| m.text.split(' ').map(String::from).collect::<Vec<_>>())
        .collect();
    assert_eq!(words_back, words, "every word arrives whole and in order");
    let dense_back: String = got
        .iter()
        .filter(|m| m.text.starts_with('ж'))
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(dense_back, dense);
}

#[test]
fn channel_keys_and_join_failures() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#locked"]);
    obs.send("MODE #locked +kn sesame");
    obs.wait_for(|l| l.contains("MODE #locked +kn"), "mode change");
    vext([
        "send",
        &format!("{}?key=sesame", ircd.url("locked")),
        "-m",
        "with key",
    ])
    .expect(0);
    assert_eq!(obs.privmsgs(1, WAIT)[0].text, "with key");
    let out = vext([
        "send",
        &format!("{}?key=wrong", ircd.url("locked")),
        "-m",
        "no",
    ])
    .expect(69);
    assert!(
        out.stderr.contains("#locked") && out.stderr.contains("475"),
        "{}",
        out.stderr
    );
}

#[test]
fn dry_run_prints_the_request_and_sends_nothing() {
    let out = vext([
        "send",
        "--dry-run",
        "--via",
        "127.0.0.1:1",
        "--id",
        "abc",
        "irc://h/c",
        "-m",
        "x",
    ])
    .expect(0);
    assert_eq!(
        out.stdout,
        "{\"to\":\"irc://h/c\",\"privmsg\":\"x\",\"id\":\"abc\",\"ack\":true}\n"
    );
    let out = vext([
        "send",
        "--dry-run",
        "--via",
        "h",
        "--no-ack",
        "irc://h/a",
        "irc://h/b",
        "-m",
        "x",
    ])
    .expect(0);
    assert_eq!(
        out.stdout,
        "{\"to\":[\"irc://h/a\",\"irc://h/b\"],\"privmsg\":\"x\"}\n"
    );
}

#[test]
fn no_daemon_at_via_is_unavailable() {
    let port = free_port();
    let out = vext([
        "send",
        "--via",
        &format!("127.0.0.1:{port}"),
        "irc://h/c",
        "-m",
        "x",
    ])
    .expect(69);
    assert!(out.stderr.contains("no daemon"), "{}", out.stderr);
}

#[test]
fn a_silent_server_hits_the_timeout() {
    let fake = FakeServer::start(|_| Vec::new());
    let start = Instant::now();
    let out = vext([
        "send",
        "--timeout",
        "1",
        &format!("irc://127.0.0.1:{}/c", fake.port),
        "-m",
        "x",
    ])
    .expect(75);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(out.stderr.contains("127.0.0.1"), "{}", out.stderr);
}

#[test]
fn tls_with_a_test_ca_and_no_silent_downgrade() {
    let ca = TestCa::new();
    let ircd = Ngircd::with(IrcdOptions {
        tls: Some((ca.cert.clone(), ca.key.clone())),
        ..Default::default()
    });
    let tls_port = ircd.tls_port.expect("tls port");
    let mut obs = Observer::join(ircd.port, &["#sec"]);
    let url = format!("ircs://127.0.0.1:{tls_port}/sec");
    vext([
        "send",
        "--ca-file",
        ca.ca.to_str().unwrap(),
        &url,
        "-m",
        "over tls",
    ])
    .expect(0);
    assert_eq!(obs.privmsgs(1, WAIT)[0].text, "over tls");
    // Without the CA the certificate does not verify: exit 77, nothing sent.
    let out = vext(["send", &url, "-m", "must not arrive"]).expect(77);
    assert!(
        out.stderr.to_lowercase().contains("certificate"),
        "{}",
        out.stderr
    );
    // ircs:// to a plain-text port fails rather than falling back to plain text.
    let plain = format!("ircs://127.0.0.1:{}/sec", ircd.port);
    let out = vext([
        "send",
        "--timeout",
        "5",
        "--ca-file",
        ca.ca.to_str().unwrap(),
        &plain,
        "-m",
        "no",
    ])
    .run();
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(obs.drain(Duration::from_millis(1000)).is_empty());
}

/// ircs:// to a plain-text port of a server that greets first (InspIRCd):
/// said in words, exit 69 (no retry makes it speak TLS), at once.
#[test]
fn ircs_to_a_plain_text_port_says_so() {
    let ircd = Inspircd::start();
    let url = format!("ircs://127.0.0.1:{}/sec", ircd.port);
    let out = vext(["send", "--timeout", "20", &url, "-m", "no"]).expect(69);
    assert!(
        out.stderr.contains("this port does not speak TLS"),
        "{}",
        out.stderr
    );
}

/// A server whose certificate is a CA certificate (what `openssl req -x509`
/// makes by default) is refused in words a user can act on, not webpki's
/// `CaUsedAsEndEntity` alone.
#[test]
fn a_ca_certificate_used_as_the_servers_own_is_explained() {
    // The common self-signed certificate: `openssl req -x509` marks it CA:TRUE.
    let (_dir, cert, key) = self_signed();
    let ircd = Ngircd::with(IrcdOptions {
        tls: Some((cert.clone(), key)),
        ..Default::default()
    });
    let url = format!("ircs://127.0.0.1:{}/sec", ircd.tls_port.unwrap());
    let out = vext([
        "send",
        "--ca-file",
        cert.to_str().unwrap(),
        &url,
        "-m",
        "no",
    ])
    .expect(77);
    assert!(
        out.stderr.contains("CaUsedAsEndEntity")
            && out.stderr.contains("presents a CA certificate")
            && out.stderr.contains("basicConstraints=critical,CA:FALSE"),
        "{}",
        out.stderr
    );
}

#[test]
fn server_password_with_pass() {
    let ircd = Ngircd::with(IrcdOptions {
        password: Some("letmein".into()),
        ..Default::default()
    });
    // The observer needs the password too.
    let mut obs = Observer::with_pass(ircd.port, "pwobs", "letmein", &["#pw"]);
    let url = format!("irc://pwbot:letmein@127.0.0.1:{}/pw", ircd.port);
    vext(["send", &url, "-m", "authenticated"]).expect(0);
    assert_eq!(obs.privmsgs(1, WAIT)[0].text, "authenticated");
    let bad = format!("irc://pwbot:wrong@127.0.0.1:{}/pw", ircd.port);
    let out = vext(["send", &bad, "-m", "no"]).expect(77);
    assert!(out.stderr.contains("password"), "{}", out.stderr);
}

fn sasl_server(accept: bool) -> FakeServer {
    FakeServer::start(move |line| {
        let cmd: Vec<&str> = line.splitn(3, ' ').collect();
        match (cmd[0], cmd.get(1).copied()) {
            ("CAP", Some("LS")) => vec![":fake CAP * LS :multi-prefix sasl=PLAIN,EXTERNAL".into()],
            ("CAP", Some("REQ")) => vec![":fake CAP * ACK :sasl".into()],
            ("AUTHENTICATE", Some("PLAIN")) => vec!["AUTHENTICATE +".into()],
            ("AUTHENTICATE", Some(_)) if accept => vec![
                ":fake 900 saslbot saslbot!u@h saslbot :You are now logged in".into(),
                ":fake 903 saslbot :SASL authentication successful".into(),
            ],
            ("AUTHENTICATE", Some(_)) => {
                vec![":fake 904 saslbot :SASL authentication failed".into()]
            }
            ("USER", _) => vec![
                ":fake 001 saslbot :Welcome saslbot!u@h".into(),
                ":fake 005 saslbot CHANLIMIT=#:5 :are supported".into(),
                ":fake 376 saslbot :End of MOTD".into(),
            ],
            ("JOIN", Some(ch)) => vec![format!(":saslbot!u@h JOIN {ch}")],
            ("PING", Some(tok)) => vec![format!(":fake PONG fake {tok}")],
            ("QUIT", _) => vec!["ERROR :bye".into()],
            _ => vec![],
        }
    })
}

#[test]
fn sasl_plain_when_the_server_offers_it() {
    let fake = sasl_server(true);
    let url = format!("irc://saslbot:s3cret@127.0.0.1:{}/room", fake.port);
    vext(["send", &url, "-m", "hello sasl"]).expect(0);
    let lines = fake.join();
    // base64("saslbot\0saslbot\0s3cret")
    let creds = "c2FzbGJvdABzYXNsYm90AHMzY3JldA==";
    let pos = |needle: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(needle))
            .unwrap_or_else(|| panic!("{needle} not sent: {lines:?}"))
    };
    assert!(pos("CAP LS") < pos("CAP REQ :sasl"));
    assert!(pos("AUTHENTICATE PLAIN") < pos(&format!("AUTHENTICATE {creds}")));
    assert!(pos(&format!("AUTHENTICATE {creds}")) < pos("CAP END"));
    assert!(pos("CAP END") <= pos("NICK saslbot"));
    assert!(
        !lines.iter().any(|l| l.starts_with("PASS")),
        "no PASS after SASL: {lines:?}"
    );
    assert!(pos("PRIVMSG #room :hello sasl") < pos("PING"));
}

#[test]
fn sasl_failure_is_an_authentication_error() {
    let fake = sasl_server(false);
    let url = format!("irc://saslbot:wrong@127.0.0.1:{}/room", fake.port);
    let out = vext(["send", &url, "-m", "x"]).expect(77);
    assert!(out.stderr.contains("SASL"), "{}", out.stderr);
    assert!(!fake.join().iter().any(|l| l.starts_with("PRIVMSG")));
}
