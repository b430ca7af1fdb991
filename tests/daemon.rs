//! `vext daemon`: irker's protocol from vext's own client and irker's, bad
//! input, many channels, server restarts and the SIGTERM drain.

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

const WAIT: Duration = Duration::from_secs(15);

#[test]
fn send_via_daemon_is_acked_and_delivered() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#ci"]);
    let daemon = Daemon::start(&[]);
    vext([
        "send",
        "--via",
        &daemon.tcp,
        &ircd.url("ci"),
        "-m",
        "build 42 passed",
    ])
    .expect(0);
    let got = obs.privmsgs(1, WAIT);
    assert_eq!(
        got.first().map(|m| m.text.as_str()),
        Some("build 42 passed"),
        "{}",
        daemon.log()
    );
    // A second message reuses the joined connection.
    vext([
        "send",
        "--via",
        &daemon.tcp,
        &ircd.url("ci"),
        "-m",
        "build 43 passed",
    ])
    .expect(0);
    let again = obs.privmsgs(1, WAIT);
    assert_eq!(again[0].text, "build 43 passed");
    assert_eq!(again[0].from, got[0].from);
}

#[test]
fn ack_replies_carry_the_id_and_plain_requests_get_none() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#acks"]);
    let daemon = Daemon::start(&[]);
    let url = ircd.url("acks");
    let replies = daemon.request(
        format!("{{\"to\":\"{url}\",\"privmsg\":\"one\",\"id\":\"job-7\",\"ack\":true}}\n")
            .as_bytes(),
        1,
    );
    assert_eq!(replies, ["{\"ok\":true,\"id\":\"job-7\"}"]);
    // Without ack: no reply at all (irkerd's clients expect none), but delivered.
    let mut s = TcpStream::connect(&daemon.tcp).unwrap();
    s.write_all(format!("{{\"to\":[\"{url}\"],\"privmsg\":\"two\"}}\n").as_bytes())
        .unwrap();
    s.set_read_timeout(Some(Duration::from_millis(800)))
        .unwrap();
    let mut buf = [0u8; 64];
    use std::io::Read;
    let n = s.read(&mut buf);
    assert!(n.is_err(), "a plain irker request got a reply: {n:?}");
    let got = obs.privmsgs(2, WAIT);
    let texts: Vec<&str> = got.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["one", "two"]);
}

#[test]
fn bad_lines_are_skipped_and_the_connection_stays_open() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#good"]);
    let daemon = Daemon::start(&[]);
    let url = ircd.url("good");
    let mut raw = Vec::new();
    raw.extend_from_slice(b"this is not json\n");
    raw.extend_from_slice(b"{\"to\": 5, \"privmsg\": \"x\", \"ack\": true}\n");
    raw.extend_from_slice(b"{\"to\": \"irc://h/c\", \"privmsg\": \"\xff\xfe\"}\n");
    raw.extend_from_slice(
        format!("{{\"to\":[\"{url}\",\"irc://h/a,#b\"],\"privmsg\":\"no\",\"ack\":true}}\n")
            .as_bytes(),
    );
    raw.extend_from_slice(&vec![b'x'; 70 * 1024]);
    raw.push(b'\n');
    raw.extend_from_slice(
        format!("{{\"to\":\"{url}\",\"privmsg\":\"the good one\",\"ack\":true,\"id\":\"g\"}}\n")
            .as_bytes(),
    );
    let replies = daemon.request(&raw, 3);
    assert_eq!(replies.len(), 3, "{replies:?}\n{}", daemon.log());
    assert!(
        replies[0].contains("\"ok\":false") && replies[0].contains("\\\"to\\\""),
        "{}",
        replies[0]
    );
    // One bad target in a list: skipped and named in the ack, as irkerd
    // skips it; the valid target still gets the message (issue 12).
    assert!(
        replies[1].contains("\"ok\":true")
            && replies[1].contains("\"refused\"")
            && replies[1].contains("comma"),
        "{}",
        replies[1]
    );
    assert_eq!(replies[2], "{\"ok\":true,\"id\":\"g\"}");
    let got = obs.privmsgs(2, WAIT);
    let texts: Vec<&str> = got.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["no", "the good one"]);
    assert!(
        obs.drain(Duration::from_millis(800)).is_empty(),
        "only the valid lines are delivered"
    );
    let log = daemon.log();
    for reason in ["not JSON", "UTF-8", "longer than"] {
        assert!(log.contains(reason), "log lacks {reason:?}: {log}");
    }
}

#[test]
fn an_idle_or_half_written_client_does_not_block_others() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#busy"]);
    let daemon = Daemon::start(&[]);
    let _idle = TcpStream::connect(&daemon.tcp).unwrap();
    let mut half = TcpStream::connect(&daemon.tcp).unwrap();
    half.write_all(b"{\"to\": \"irc://127.0.0.1/").unwrap();
    let start = Instant::now();
    vext([
        "send",
        "--via",
        &daemon.tcp,
        "--timeout",
        "5",
        &ircd.url("busy"),
        "-m",
        "not blocked",
    ])
    .expect(0);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(obs.privmsgs(1, WAIT)[0].text, "not blocked");
}

#[test]
fn udp_requests_are_served() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#udp"]);
    let daemon = Daemon::start(&[]);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let req = format!(
        "{{\"to\":\"{}\",\"privmsg\":\"by datagram\"}}",
        ircd.url("udp")
    );
    sock.send_to(req.as_bytes(), &daemon.udp).unwrap();
    assert_eq!(obs.privmsgs(1, WAIT)[0].text, "by datagram");
}

/// Sends one message to `count` channels through a new daemon, with an
/// observer per `per_observer` channels; returns the channels, what arrived
/// (waiting up to `wait` per observer), the sender nicks (one per
/// connection) and the daemon.
fn fan_out(
    ircd: &Ngircd,
    prefix: &str,
    count: usize,
    per_observer: usize,
    wait: Duration,
) -> (Vec<String>, Vec<Privmsg>, Vec<String>, Daemon) {
    let channels: Vec<String> = (0..count).map(|i| format!("#{prefix}{i}")).collect();
    let mut observers: Vec<Observer> = channels
        .chunks(per_observer)
        .map(|chunk| {
            let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
            Observer::join(ircd.port, &refs)
        })
        .collect();
    let daemon = Daemon::start(&[]);
    let mut args = vec!["send".to_string(), "--via".into(), daemon.tcp.clone()];
    args.extend(channels.iter().map(|c| ircd.url(c)));
    args.extend(["-m".into(), "to all".into()]);
    vext(&args).expect(0);
    let mut seen = Vec::new();
    for (obs, chunk) in observers.iter_mut().zip(channels.chunks(per_observer)) {
        seen.extend(obs.privmsgs(chunk.len(), wait));
    }
    let mut nicks: Vec<String> = seen.iter().map(|m| m.from.clone()).collect();
    nicks.sort();
    nicks.dedup();
    (channels, seen, nicks, daemon)
}

#[test]
fn many_channels_spread_over_connections_within_chanlimit() {
    let ircd = Ngircd::with(IrcdOptions {
        max_joins: 3,
        ..Default::default()
    });
    let (channels, seen, nicks, daemon) = fan_out(&ircd, "fan", 8, 3, Duration::from_secs(30));
    let mut targets: Vec<&str> = seen.iter().map(|m| m.target.as_str()).collect();
    targets.sort();
    let mut want: Vec<&str> = channels.iter().map(String::as_str).collect();
    want.sort();
    assert_eq!(targets, want, "{}", daemon.log());
    assert_eq!(
        nicks.len(),
        3,
        "8 channels at CHANLIMIT 3 need 3 connections: {nicks:?}"
    );
    // No connection was refused a JOIN for going over the limit.
    assert!(!daemon.log().contains("(405)"), "{}", daemon.log());
}

/// On a server that allows 250 channels per connection, a message to 50
/// channels is spread over a few connections (at most --max-connections)
/// instead of being paced down one; ngircd's default flood penalties apply
/// and nobody is disconnected.
#[test]
fn a_large_fan_out_is_spread_over_a_few_connections() {
    let ircd = Ngircd::with(IrcdOptions {
        max_joins: 250,
        ..Default::default()
    });
    let (_, seen, nicks, daemon) = fan_out(&ircd, "wide", 50, 10, Duration::from_secs(60));
    assert_eq!(seen.len(), 50, "{}", daemon.log());
    assert!(
        (2..=4).contains(&nicks.len()),
        "50 channels spread over 2 to 4 connections: {nicks:?}"
    );
    assert!(
        !daemon.log().contains("connection lost"),
        "{}",
        daemon.log()
    );
}

#[test]
fn ircd_restart_mid_stream_reconnects_every_connection() {
    let mut ircd = Ngircd::with(IrcdOptions {
        max_joins: 2,
        ..Default::default()
    });
    let chans = ["#r1", "#r2", "#r3", "#r4"];
    let daemon = Daemon::start(&[]);
    let port = ircd.port;
    let urls: Vec<String> = chans
        .iter()
        .map(|c| format!("irc://127.0.0.1:{port}/{}", &c[1..]))
        .collect();
    let send = |text: &str| {
        let mut args = vec!["send".to_string(), "--via".into(), daemon.tcp.clone()];
        args.extend(urls.iter().cloned());
        args.extend(["-m".into(), text.into()]);
        vext(&args).expect(0);
    };
    {
        let mut a = Observer::join(port, &chans[..2]);
        let mut b = Observer::join(port, &chans[2..]);
        send("before");
        assert_eq!(a.privmsgs(2, WAIT).len(), 2);
        assert_eq!(b.privmsgs(2, WAIT).len(), 2);
    }
    ircd.restart();
    let mut a = Observer::join(port, &chans[..2]);
    let mut b = Observer::join(port, &chans[2..]);
    for i in 0..3 {
        send(&format!("after {i}"));
    }
    // "before" may arrive again: it is re-sent when ngircd died before
    // answering the PING that confirms it (at least once). Every "after"
    // must arrive on every channel.
    let until = Instant::now() + Duration::from_secs(40);
    let mut after = Vec::new();
    while after.len() < 12 && Instant::now() < until {
        for obs in [&mut a, &mut b] {
            after.extend(
                obs.privmsgs(1, Duration::from_millis(200))
                    .into_iter()
                    .filter(|m| m.text.starts_with("after")),
            );
        }
    }
    for i in 0..3 {
        let text = format!("after {i}");
        let mut chans: Vec<&str> = after
            .iter()
            .filter(|m| m.text == text)
            .map(|m| m.target.as_str())
            .collect();
        chans.sort();
        chans.dedup();
        assert_eq!(
            chans,
            chans_sorted(&["#r1", "#r2", "#r3", "#r4"]),
            "{text}\n{}",
            daemon.log()
        );
    }
}

fn chans_sorted<'a>(c: &[&'a str]) -> Vec<&'a str> {
    let mut v = c.to_vec();
    v.sort();
    v
}

#[test]
fn sigterm_delivers_what_is_queued_then_exits() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#drain"]);
    let mut daemon = Daemon::start(&[]);
    let url = ircd.url("drain");
    let mut raw = String::new();
    for i in 0..8 {
        raw.push_str(&format!(
            "{{\"to\":\"{url}\",\"privmsg\":\"queued {i}\",\"ack\":true}}\n"
        ));
    }
    assert_eq!(daemon.request(raw.as_bytes(), 8).len(), 8);
    daemon.signal("TERM");
    let code = daemon.wait(Duration::from_secs(20));
    assert_eq!(code, Some(0), "{}", daemon.log());
    let got = obs.privmsgs(8, Duration::from_secs(5));
    let texts: Vec<String> = got.iter().map(|m| m.text.clone()).collect();
    let want: Vec<String> = (0..8).map(|i| format!("queued {i}")).collect();
    assert_eq!(texts, want);
    assert!(obs
        .wait_for(|l| l.contains(" QUIT "), "the relay's QUIT")
        .contains("QUIT"));
}

/// A paced backlog on a healthy server drains for `--drain-timeout`, as
/// documented: with a line every 4 s after the burst, the old 3 s stall
/// cut left messages unconfirmed (sent again after the restart).
#[test]
fn sigterm_drains_a_paced_backlog_for_the_whole_drain_timeout() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#paced"]);
    let mut daemon = Daemon::start(&["--line-rate", "0.25", "--drain-timeout", "60"]);
    let url = ircd.url("paced");
    let mut raw = String::new();
    for i in 0..8 {
        raw.push_str(&format!(
            "{{\"to\":\"{url}\",\"privmsg\":\"paced {i}\",\"ack\":true}}\n"
        ));
    }
    assert_eq!(daemon.request(raw.as_bytes(), 8).len(), 8);
    obs.privmsgs(1, Duration::from_secs(10));
    daemon.signal("TERM");
    let code = daemon.wait(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{}", daemon.log());
    assert!(
        !daemon.log().contains("not confirmed in time"),
        "gave up early: {}",
        daemon.log()
    );
    let got = obs.privmsgs(7, Duration::from_secs(5));
    assert_eq!(got.last().map(|m| m.text.as_str()), Some("paced 7"));
}

#[test]
fn sigterm_does_not_wait_the_whole_drain_for_a_dead_server() {
    let dead = format!("irc://127.0.0.1:{}/nobody", free_port());
    let mut daemon = Daemon::start(&["--drain-timeout", "60"]);
    let line = format!("{{\"to\":\"{dead}\",\"privmsg\":\"stuck\",\"ack\":true}}\n");
    assert_eq!(daemon.request(line.as_bytes(), 1).len(), 1);
    std::thread::sleep(Duration::from_millis(300));
    let asked = Instant::now();
    daemon.signal("TERM");
    let code = daemon.wait(Duration::from_secs(30));
    assert_eq!(code, Some(0), "{}", daemon.log());
    // No delivery can make progress: the stop does not wait out 60 s.
    assert!(
        asked.elapsed() < Duration::from_secs(20),
        "took {:?}\n{}",
        asked.elapsed(),
        daemon.log()
    );
    assert!(
        daemon.log().contains("stay in the spool"),
        "{}",
        daemon.log()
    );
}

/// GitLab's built-in irker integration, as its `IrkerWorker` sends a push
/// (app/workers/irker_worker.rb in gitlabhq): one TCP connection, one
/// compact JSON object per line (Ruby's `JSON.dump`, control characters
/// escaped as \u00XX, `/` left alone) with `to` always a list of the
/// recipients as its integration formats them (`default_irc_uri` joined
/// with `#chan`, `chan` or `nick,isnick`), colours on, then the socket
/// closed at once without reading. Every line reaches every recipient, in
/// order, colour codes intact.
#[test]
fn gitlabs_irker_integration_is_accepted_as_it_sends() {
    let ircd = Ngircd::start();
    let mut obs = Observer::with_nick(ircd.port, "alice", &["#gitlab", "#ops"]);
    let daemon = Daemon::start(&[]);
    let base = format!("irc://127.0.0.1:{}/", ircd.port);
    let to = format!("[\"{base}#gitlab\",\"{base}ops\",\"{base}alice,isnick\"]");
    let lines = [
        r"[\u000304proj\u000f] Ada has created a new branch \u000305feature\u000f: \u000302\u001fhttps://gitlab.example.com/group/proj/branches\u000f",
        r"[\u000304proj\u000f] Ada pushed \u00022\u000f new commits to \u000305feature\u000f: \u000302\u001fhttps://gitlab.example.com/group/proj/compare/1234abcd...5678ef01\u000f",
        r"\u000304proj\u000f/\u000305feature\u000f \u0003141234abcd\u000f Ada (\u0003121 file\u000f): Fix the frobnicator",
        r"\u000304proj\u000f/\u000305feature\u000f \u0003145678ef01\u000f Ada (\u0003123 files\u000f): Ünïcode in a title",
    ];
    let mut sock = TcpStream::connect(&daemon.tcp).unwrap();
    for l in &lines {
        writeln!(sock, "{{\"to\":{to},\"privmsg\":\"{l}\"}}").unwrap();
    }
    drop(sock);
    let want: Vec<String> = lines
        .iter()
        .map(|l| serde_json::from_str::<String>(&format!("\"{l}\"")).unwrap())
        .collect();
    let got = obs.privmsgs(12, WAIT);
    for target in ["#gitlab", "#ops", "alice"] {
        let texts: Vec<&str> = got
            .iter()
            .filter(|m| m.target == target)
            .map(|m| m.text.as_str())
            .collect();
        assert_eq!(texts, want, "to {target}: {}", daemon.log());
    }
}

#[test]
fn irk_and_irkerhook_work_unchanged() {
    let irk = require_binary("irk");
    let irkerhook = require_binary("irkerhook");
    private_network();
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#irker"]);
    let daemon = Daemon::start(&["--listen", "127.0.0.1:6659"]);
    assert_eq!(daemon.tcp, "127.0.0.1:6659");
    let st = Command::new(&irk)
        .args([&ircd.url("irker"), "hello from irk"])
        .status()
        .expect("running irk");
    assert!(st.success());
    assert_eq!(
        obs.privmsgs(1, WAIT)[0].text,
        "hello from irk",
        "{}",
        daemon.log()
    );

    let repo = TempDir::new("repo");
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(repo.path())
            .env("GIT_AUTHOR_NAME", "Ada")
            .env("GIT_AUTHOR_EMAIL", "ada@example.org")
            .env("GIT_COMMITTER_NAME", "Ada")
            .env("GIT_COMMITTER_EMAIL", "ada@example.org")
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q", "-b", "main"]);
    repo.write("README", "hi\n");
    git(&["add", "README"]);
    git(&["commit", "-qm", "Add a README"]);
    for tcp in ["true", "false"] {
        let out = Command::new(&irkerhook)
            .args([
                &format!("--channels={}", ircd.url("irker")),
                "--server=127.0.0.1",
                &format!("--tcp={tcp}"),
                "--urlprefix=",
                "--project=demo",
            ])
            .current_dir(repo.path())
            .output()
            .expect("running irkerhook");
        assert!(
            out.status.success(),
            "irkerhook: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = obs.privmsgs(1, WAIT);
        assert_eq!(got.len(), 1, "irkerhook --tcp={tcp}: {}", daemon.log());
        assert!(
            got[0].text.contains("demo") && got[0].text.contains("Add a README"),
            "{}",
            got[0].text
        );
    }
}

#[test]
fn idle_channels_are_parted_and_idle_connections_quit() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#ttl"]);
    let daemon = Daemon::start(&["--channel-ttl", "1", "--connection-ttl", "2"]);
    vext([
        "send",
        "--via",
        &daemon.tcp,
        &ircd.url("ttl"),
        "-m",
        "short-lived",
    ])
    .expect(0);
    let relay = obs.privmsgs(1, WAIT)[0].from.clone();
    daemon.wait_log("parting idle #ttl", WAIT);
    let part = obs.wait_for(|l| l.contains(" PART #ttl"), "the relay's PART");
    assert!(part.starts_with(&format!(":{relay}!")), "{part}");
    // The connection, now without channels, quits after its own TTL.
    daemon.wait_log("closing idle connection", WAIT);
    // A later message opens a new connection and joins again.
    vext([
        "send",
        "--via",
        &daemon.tcp,
        &ircd.url("ttl"),
        "-m",
        "back again",
    ])
    .expect(0);
    assert_eq!(obs.privmsgs(1, WAIT)[0].text, "back again");
}

#[test]
fn pacing_spreads_a_burst_over_time() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#pace"]);
    // A fast bucket keeps the test short: 3 lines at once, then 4 per second.
    let daemon = Daemon::start(&["--burst", "3", "--line-rate", "4"]);
    let url = ircd.url("pace");
    let mut raw = String::new();
    for i in 0..20 {
        raw.push_str(&format!(
            "{{\"to\":\"{url}\",\"privmsg\":\"p{i}\",\"ack\":true}}\n"
        ));
    }
    let start = Instant::now();
    assert_eq!(daemon.request(raw.as_bytes(), 20).len(), 20);
    let got = obs.privmsgs(20, Duration::from_secs(30));
    let texts: Vec<String> = got.iter().map(|m| m.text.clone()).collect();
    let want: Vec<String> = (0..20).map(|i| format!("p{i}")).collect();
    assert_eq!(texts, want, "all delivered, in order");
    // JOIN + 20 PRIVMSGs + sync PINGs, 3 at once then 4/s: never faster than ~4.5 s.
    assert!(
        start.elapsed() >= Duration::from_millis(4400),
        "too fast: {:?}",
        start.elapsed()
    );
}

#[test]
fn one_join_line_and_multi_target_privmsg_where_the_server_allows() {
    let fake = FakeServer::start(|line| {
        let parts: Vec<&str> = line.splitn(3, ' ').collect();
        match parts[0] {
            "USER" => vec![
                ":fake 001 vx :Welcome vx!u@h".into(),
                ":fake 005 vx CHANLIMIT=#:20 TARGMAX=PRIVMSG:3,JOIN: :are supported".into(),
                ":fake 376 vx :End of MOTD".into(),
            ],
            "PING" => vec![format!(":fake PONG fake {}", parts.get(1).unwrap_or(&""))],
            "QUIT" => vec!["ERROR :bye".into()],
            _ => vec![],
        }
    });
    let urls: Vec<String> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|c| format!("irc://vx@127.0.0.1:{}/{c}", fake.port))
        .collect();
    let mut args = vec!["send".to_string()];
    args.extend(urls);
    args.extend(["-m".into(), "hello".into()]);
    vext(&args).expect(0);
    let lines = fake.join();
    let joins: Vec<&String> = lines.iter().filter(|l| l.starts_with("JOIN")).collect();
    assert_eq!(joins, ["JOIN #a,#b,#c,#d,#e"], "{lines:?}");
    let msgs: Vec<&String> = lines.iter().filter(|l| l.starts_with("PRIVMSG")).collect();
    assert_eq!(
        msgs,
        ["PRIVMSG #a,#b,#c :hello", "PRIVMSG #d,#e :hello"],
        "{lines:?}"
    );
}

#[test]
fn json_logs_and_systemd_readiness() {
    let dir = TempDir::new("notify");
    let sock_path = dir.path().join("notify.sock");
    let sock = std::os::unix::net::UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let daemon = Daemon::start_env(
        &["--log-format", "json"],
        &[
            ("NOTIFY_SOCKET", sock_path.to_str().unwrap()),
            ("VEXT_LOG", "vext=info"),
        ],
    );
    let mut buf = [0u8; 256];
    let n = sock.recv(&mut buf).expect("a readiness datagram");
    assert_eq!(&buf[..n], b"READY=1");
    daemon.wait_log("spool in", Duration::from_secs(5));
    let log = daemon.log();
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| !l.starts_with("listening "))
        .collect();
    assert!(!lines.is_empty(), "{log}");
    let mut ready = false;
    for l in lines {
        let v: serde_json::Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
        for k in ["time", "level", "component", "message"] {
            assert!(v.get(k).is_some(), "{k} missing in {l}");
        }
        ready |= v["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("listening tcp="));
    }
    assert!(ready, "the ready line as JSON too: {log}");
}

/// Sends `n` long lines to #flood through a daemon started with `args`;
/// returns what the observer received and whether the daemon was
/// disconnected meanwhile (the observer saw it QUIT or JOIN twice).
fn flood(ircd: &impl IrcServer, n: usize, args: &[&str], wait: Duration) -> (Vec<String>, bool) {
    let mut obs = Observer::join(ircd.port(), &["#flood"]);
    let daemon = Daemon::start(args);
    let url = ircd.url("flood");
    let mut raw = String::new();
    for i in 0..n {
        raw.push_str(&format!(
            "{{\"to\":\"{url}\",\"privmsg\":\"f{i:02} {}\",\"ack\":true}}\n",
            "x".repeat(200)
        ));
    }
    assert_eq!(daemon.request(raw.as_bytes(), n).len(), n);
    let got = obs.privmsgs(n, wait);
    // Late lines (a resend after a reconnect) have a moment to show up.
    std::thread::sleep(Duration::from_millis(1500));
    let texts = got.iter().map(|m| m.text[..3].to_string()).collect();
    let log = obs.log.lock().unwrap().clone();
    let others = |cmd: &str| {
        log.iter()
            .filter(|l| !l.starts_with(&format!(":{}!", obs.nick)))
            .filter(|l| l.split(' ').nth(1) == Some(cmd))
            .count()
    };
    (texts, others("QUIT") > 0 || others("JOIN") > 1)
}

/// A paced burst of 16 long lines arrives whole and in order with no
/// disconnect; the control, 50 such lines unpaced, is cut off or
/// disconnected (so the first half can fail). `log` is the server's own.
fn paced_kept_unpaced_cut(ircd: &impl IrcServer, name: &str, log: impl Fn() -> String) {
    let want: Vec<String> = (0..16).map(|i| format!("f{i:02}")).collect();
    let (got, disconnected) = flood(ircd, 16, &[], Duration::from_secs(40));
    assert_eq!(got, want, "every line, in order\n{}", log());
    assert!(!disconnected, "{name} disconnected the daemon\n{}", log());
    let (got, disconnected) = flood(
        ircd,
        50,
        &["--burst", "1000", "--line-rate", "1000"],
        Duration::from_secs(8),
    );
    assert!(
        disconnected || got.len() < 50,
        "an unpaced flood went through {name} untouched: {} lines",
        got.len()
    );
}

/// InspIRCd with Debian's flood settings: 50 unpaced lines overrun its
/// 8 KiB recvq.
#[test]
fn default_pacing_keeps_the_daemon_connected_on_inspircd() {
    paced_kept_unpaced_cut(&Inspircd::start(), "inspircd", String::new);
}

/// ircd-hybrid with Debian's flood settings: 10 lines a second to a
/// channel (more are dropped with "throttled due to flooding") and a
/// 2560-byte receive queue (more is "Excess Flood" and a disconnect).
#[test]
fn default_pacing_keeps_the_daemon_connected_on_ircd_hybrid() {
    let ircd = Hybrid::start();
    paced_kept_unpaced_cut(&ircd, "ircd-hybrid", || ircd.log());
}

/// ircd-hybrid allows two client connections per address by default; the
/// observer takes one. A fan-out to 12 channels, which the relay would
/// spread over a second connection, arrives whole over the one it has: the
/// refused connection hands its channels over instead of retrying forever.
#[test]
fn a_refused_extra_connection_hands_its_channels_over() {
    let ircd = Hybrid::with_two_per_address();
    let channels: Vec<String> = (0..12).map(|i| format!("#wide{i}")).collect();
    let names: Vec<&str> = channels.iter().map(String::as_str).collect();
    let mut obs = Observer::join(ircd.port(), &names);
    let daemon = Daemon::start(&[]);
    let targets: Vec<String> = channels
        .iter()
        .map(|c| format!("\"{}\"", ircd.url(c)))
        .collect();
    let line = format!(
        "{{\"to\":[{}],\"privmsg\":\"wide\",\"ack\":true}}\n",
        targets.join(",")
    );
    assert!(daemon.request(line.as_bytes(), 1)[0].contains("\"ok\":true"));
    let got = obs.privmsgs(12, Duration::from_secs(40));
    let mut seen: Vec<String> = got.iter().map(|m| m.target.to_lowercase()).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 12, "{got:?}\n{}\n{}", daemon.log(), ircd.log());
    assert!(
        daemon.log().contains("refused another connection"),
        "the second connection was turned away: {}",
        daemon.log()
    );
}

/// `[daemon] log_format = "json"` in the config file means what
/// `--log-format json` does (it used to be accepted and never read).
#[test]
fn log_format_from_the_config_file() {
    let dir = TempDir::new("logcfg");
    let config = dir.write("vext.toml", "[daemon]\nlog_format = \"json\"\n");
    let daemon = Daemon::start_env(
        &[],
        &[
            ("VEXT_CONFIG", config.to_str().unwrap()),
            ("VEXT_LOG", "vext=info"),
        ],
    );
    daemon.wait_log("spool in", Duration::from_secs(5));
    let log = daemon.log();
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| !l.starts_with("listening "))
        .collect();
    assert!(!lines.is_empty(), "{log}");
    for l in lines {
        let v: serde_json::Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
        assert!(v.get("message").is_some(), "no message in {l}");
    }
}

/// irkerd logs a bad entry in a `to` list and delivers to the others; vext
/// does the same (it used to drop the whole request), and its ack names the
/// entries it skipped. Both run here on the same request.
#[test]
fn one_bad_entry_in_a_to_list_does_not_drop_the_request() {
    let irkerd = require_binary("irkerd");
    private_network();
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#lenient"]);
    let line = |text: &str, ack: bool| {
        format!(
            "{{\"to\":[\"{}\",5,\"gopher://nowhere/x\"],\"privmsg\":\"{text}\",\"ack\":{ack}}}\n",
            ircd.url("lenient")
        )
    };
    // irkerd (port 6659 is this test's own, in its network namespace).
    let mut irker = Command::new(&irkerd)
        .args(["-H", "127.0.0.1", "-H6", "::1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting irkerd");
    eventually("irkerd listening on 6659", Duration::from_secs(10), || {
        TcpStream::connect("127.0.0.1:6659").is_ok()
    });
    let mut s = TcpStream::connect("127.0.0.1:6659").expect("irkerd listening");
    s.write_all(line("from irkerd", false).as_bytes()).unwrap();
    drop(s);
    let got = obs.privmsgs(1, Duration::from_secs(30));
    let _ = irker.kill();
    let _ = irker.wait();
    assert_eq!(got[0].text, "from irkerd");
    // vext: delivered to the valid target, and the ack says what was skipped.
    let daemon = Daemon::start(&[]);
    let replies = daemon.request(line("from vext", true).as_bytes(), 1);
    let reply: serde_json::Value = serde_json::from_str(&replies[0]).unwrap();
    assert_eq!(reply["ok"], true, "{reply}");
    let refused = reply["refused"].as_array().expect("refused listed");
    assert_eq!(refused.len(), 2, "{reply}");
    assert_eq!(refused[0]["target"], "5");
    assert!(refused[1]["error"].as_str().unwrap().contains("gopher"));
    assert_eq!(
        obs.privmsgs(1, WAIT)[0].text,
        "from vext",
        "{}",
        daemon.log()
    );
    assert!(
        daemon.log().contains("skipping bad target"),
        "{}",
        daemon.log()
    );
    // A list with nothing valid is still refused as a whole.
    let replies = daemon.request(b"{\"to\":[5],\"privmsg\":\"x\",\"ack\":true}\n", 1);
    assert!(replies[0].contains("\"ok\":false"), "{replies:?}");
}

/// The daemon listens where irkerd's variables say when no flag or VEXT_*
/// variable does.
#[test]
fn irkerd_variables_set_the_listen_address() {
    let port = free_port().to_string();
    let daemon = Daemon::start_env(&[], &[("IRKERD_HOST", "127.0.0.1"), ("IRKERD_PORT", &port)]);
    assert_eq!(daemon.tcp, format!("127.0.0.1:{port}"), "{}", daemon.log());
}

/// A password the server rejects fails the delivery at once with the
/// server's reason, as sending directly does; the daemon does not reconnect
/// with the same credentials every few seconds for --max-age (issue 17).
#[test]
fn a_rejected_password_fails_at_once_and_is_not_retried() {
    let ircd = Ngircd::with(IrcdOptions {
        password: Some("letmein".into()),
        ..Default::default()
    });
    let state = TempDir::new("state");
    let daemon = Daemon::start(&["--state-dir", state.path().to_str().unwrap()]);
    let url = format!("irc://pwbot:wrong@127.0.0.1:{}/pw", ircd.port);
    let line = format!("{{\"to\":\"{url}\",\"privmsg\":\"x\",\"ack\":true}}\n");
    assert!(daemon.request(line.as_bytes(), 1)[0].contains("\"ok\":true"));
    let history = daemon.wait_history(state.path(), Duration::from_secs(20), |out| {
        out.contains("\"failed\"")
    });
    assert!(history.contains("password"), "{history}");
    // No reconnecting with the refused password meanwhile.
    std::thread::sleep(Duration::from_secs(4));
    let log = daemon.log();
    let attempts = log
        .lines()
        .filter(|l| l.contains("irc::conn") && l.contains("rejected the password"))
        .count();
    assert_eq!(attempts, 1, "{log}");
}

/// The protocol trace (-vvv) never shows a password: PASS, the NickServ
/// IDENTIFY, nor (in history) the target URL's password.
#[test]
fn the_trace_shows_no_password() {
    let ircd = Ngircd::with(IrcdOptions {
        password: Some("hunter2pw".into()),
        ..Default::default()
    });
    let mut obs = Observer::with_pass(ircd.port, "tobs", "hunter2pw", &["#traced"]);
    let dir = TempDir::new("trace");
    let nickserv = dir.write("nickserv", "nickservsecret\n");
    let state = TempDir::new("state");
    let daemon = Daemon::start_env(
        &[
            "--state-dir",
            state.path().to_str().unwrap(),
            "--nickserv-password-file",
            nickserv.to_str().unwrap(),
        ],
        &[("VEXT_LOG", "vext=trace")],
    );
    let url = format!("irc://bob:hunter2pw@127.0.0.1:{}/traced", ircd.port);
    let line = format!("{{\"to\":\"{url}\",\"privmsg\":\"seen\",\"ack\":true}}\n");
    assert!(daemon.request(line.as_bytes(), 1)[0].contains("\"ok\":true"));
    assert_eq!(obs.privmsgs(1, WAIT)[0].text, "seen");
    let history = daemon.wait_delivered(state.path(), Duration::from_secs(20));
    let log = daemon.log();
    assert!(log.contains(">> PASS ***"), "the trace is on: {log}");
    for secret in ["hunter2pw", "nickservsecret"] {
        assert!(!log.contains(secret), "{secret} in the log: {log}");
        assert!(!history.contains(secret), "{secret} in history: {history}");
    }
}

/// An IRC server that registers a client, lets it join, and then never
/// reads again, with a receive buffer of a few KiB: the client's writes
/// soon block.
fn stalling_server() -> (u16, std::sync::Arc<std::sync::atomic::AtomicBool>) {
    use std::io::{BufRead, BufReader};
    use std::os::fd::FromRawFd;
    // SAFETY: a fresh socket is configured, bound and handed to std, which
    // owns (and closes) it from then on.
    let listener = unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        assert!(fd >= 0);
        let small: libc::c_int = 4096;
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            &small as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        let r = libc::bind(
            fd,
            &addr as *const _ as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        );
        assert_eq!(r, 0);
        assert_eq!(libc::listen(fd, 4), 0);
        std::net::TcpListener::from_raw_fd(fd)
    };
    let port = listener.local_addr().unwrap().port();
    let stalled = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stalled.clone();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let mut w = stream.try_clone().unwrap();
        let mut r = BufReader::new(stream);
        let mut line = String::new();
        while r.read_line(&mut line).unwrap_or(0) > 0 {
            let l = line.trim_end().to_string();
            line.clear();
            let reply = match l.split(' ').next() {
                Some("USER") => {
                    ":stall 001 me :Welcome\r\n:stall 376 me :End of MOTD\r\n".to_string()
                }
                Some("JOIN") => format!(":me!u@h {l}\r\n"),
                Some("PING") => format!(
                    ":stall PONG stall {}\r\n",
                    l.split(' ').nth(1).unwrap_or("")
                ),
                Some("PRIVMSG") => {
                    // From the first message on, nothing more is read.
                    flag.store(true, std::sync::atomic::Ordering::SeqCst);
                    std::thread::sleep(Duration::from_secs(120));
                    return;
                }
                _ => String::new(),
            };
            let _ = w.write_all(reply.as_bytes());
        }
    });
    (port, stalled)
}

/// The bytes waiting in the send queue of the loopback connection to
/// `port` (`tx_queue` in /proc/net/tcp).
fn send_queue_to(port: u16) -> u64 {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let want = format!(":{port:04X}");
    table
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let (remote, queues) = (f.get(2)?, f.get(4)?);
            if !remote.ends_with(&want) {
                return None;
            }
            u64::from_str_radix(queues.split(':').next()?, 16).ok()
        })
        .max()
        .unwrap_or(0)
}

/// A server that stops reading mid-stream blocks only its own connection:
/// deliveries to another server go on at once.
#[test]
fn a_peer_that_stops_reading_does_not_block_other_deliveries() {
    let ircd = Ngircd::with(IrcdOptions {
        penalties: false,
        ..Default::default()
    });
    let mut obs = Observer::join(ircd.port, &["#live"]);
    let (port, stalled) = stalling_server();
    // A window wide enough to hold more than the largest send buffer Linux
    // grows (4 MiB) in memory, all of it sent at once.
    let daemon = Daemon::start(&[
        "--burst",
        "5000",
        "--line-rate",
        "5000",
        "--window",
        "20000",
    ]);
    let stuck_url = format!("irc://127.0.0.1:{port}/stuck");
    let filler = "x".repeat(400);
    let mut raw = String::new();
    for i in 0..12_000 {
        raw.push_str(&format!(
            "{{\"to\":\"{stuck_url}\",\"privmsg\":\"{i} {filler}\"}}\n"
        ));
    }
    TcpStream::connect(&daemon.tcp)
        .unwrap()
        .write_all(raw.as_bytes())
        .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while !stalled.load(std::sync::atomic::Ordering::SeqCst) {
        assert!(
            Instant::now() < until,
            "never reached the stalling server: {}",
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The daemon's writes to it are blocked: its send queue is full.
    let until = Instant::now() + Duration::from_secs(30);
    while send_queue_to(port) < 1 << 20 {
        assert!(
            Instant::now() < until,
            "the send queue never filled: {} bytes",
            send_queue_to(port)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let started = Instant::now();
    for i in 0..5 {
        vext([
            "send",
            "--via",
            &daemon.tcp,
            &ircd.url("live"),
            "-m",
            &format!("live {i}"),
        ])
        .expect(0);
    }
    let got = obs.privmsgs(5, Duration::from_secs(10));
    assert_eq!(
        got.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
        ["live 0", "live 1", "live 2", "live 3", "live 4"],
        "{}",
        daemon.log()
    );
    eprintln!(
        "5 delivered beside a stalled peer in {:?}",
        started.elapsed()
    );
}
