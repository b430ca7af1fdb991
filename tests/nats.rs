//! Several daemons sharing one NATS JetStream work queue (Debian's
//! nats-server with -js): nothing lost when a daemon is killed or NATS
//! restarts, retried requests stored once, bad stream configs refused.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::support::*;

fn requests(url: &str, prefix: &str, range: std::ops::Range<usize>) -> String {
    let mut raw = String::new();
    for i in range {
        raw.push_str(&format!(
            "{{\"to\":\"{url}\",\"privmsg\":\"{prefix} {i}\",\"ack\":true,\"id\":\"{prefix}-{i}\"}}\n"
        ));
    }
    raw
}

/// Reads messages starting with `prefix` until `n` distinct ones arrived
/// (or the time is up); returns them and how many arrived in all.
fn collect(
    obs: &mut Observer,
    prefix: &str,
    seen: &mut BTreeSet<String>,
    n: usize,
    within: Duration,
) -> usize {
    let until = Instant::now() + within;
    let mut total = 0;
    while seen.len() < n && Instant::now() < until {
        for m in obs.privmsgs(1, Duration::from_millis(200)) {
            if m.text.starts_with(prefix) {
                total += 1;
                seen.insert(m.text);
            }
        }
    }
    total
}

fn config(dir: &TempDir, extra: &str) -> String {
    dir.write("vext.toml", &format!("[nats]\nack_wait = \"3s\"\n{extra}"))
        .display()
        .to_string()
}

fn nats_daemon(nats: &NatsServer, cfg: &str) -> Daemon {
    Daemon::start(&[
        "--config",
        cfg,
        "--nats",
        &nats.url(),
        "--burst",
        "20",
        "--line-rate",
        "100",
    ])
}

fn all_ok(acks: &[String], n: usize) {
    assert_eq!(acks.len(), n, "{acks:?}");
    assert!(
        acks.iter().all(|a| a.starts_with("{\"ok\":true")),
        "{:?}",
        acks.iter().find(|a| !a.contains("true"))
    );
}

#[test]
fn three_daemons_share_the_queue_and_a_killed_one_loses_nothing() {
    let ircd = Ngircd::with(IrcdOptions {
        penalties: false,
        ..Default::default()
    });
    let mut obs = Observer::join(ircd.port, &["#work"]);
    let nats = NatsServer::start();
    let dir = TempDir::new("nats-cfg");
    let cfg = config(&dir, "");
    let daemons: Vec<Daemon> = (0..3).map(|_| nats_daemon(&nats, &cfg)).collect();
    let url = ircd.url("work");
    // 600 notifications, 200 through each daemon, each sent twice (the
    // second time through another daemon) with the same id.
    for (i, d) in daemons.iter().enumerate() {
        let raw = requests(&url, "m", i * 200..(i + 1) * 200);
        all_ok(&d.request(raw.as_bytes(), 200), 200);
    }
    for (i, d) in daemons.iter().enumerate() {
        let raw = requests(&url, "m", ((i + 1) % 3) * 200..((i + 1) % 3 + 1) * 200);
        all_ok(&d.request(raw.as_bytes(), 200), 200);
    }
    let mut seen = BTreeSet::new();
    let first = collect(&mut obs, "m ", &mut seen, 100, Duration::from_secs(30));
    assert!(seen.len() >= 100, "only {} arrived", seen.len());
    let mut daemons = daemons;
    let mut killed = daemons.remove(1);
    killed.signal("KILL");
    killed.wait(Duration::from_secs(5));
    let started = Instant::now();
    let rest = collect(&mut obs, "m ", &mut seen, 600, Duration::from_secs(60));
    let missing: Vec<usize> = (0..600)
        .filter(|i| !seen.contains(&format!("m {i}")))
        .collect();
    assert!(
        missing.is_empty(),
        "{} missing, e.g. {:?}\n{}",
        missing.len(),
        &missing[..missing.len().min(10)],
        daemons[0].log()
    );
    // At least once: copies only for what the killed daemon held.
    let copies = first + rest - 600;
    eprintln!(
        "600 delivered in full {:?} after the kill, {copies} copies",
        started.elapsed()
    );
    assert!(copies <= 256, "{copies} copies");
    // Every daemon took part.
    for d in &daemons {
        assert!(d.log().contains("delivered to"), "{}", d.log());
    }
    // The work queue is empty once every delivery is confirmed.
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let out = vext(["nats", "status", "--nats", &nats.url(), "--json"]).expect(0);
        let st: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        if st["messages"] == 0 {
            assert_eq!(st["stream"], "VEXT");
            assert_eq!(st["consumer"]["pending"], 0, "{}", out.stdout);
            assert_eq!(st["consumer"]["ack_pending"], 0, "{}", out.stdout);
            break;
        }
        assert!(Instant::now() < until, "{}", out.stdout);
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = vext(["nats", "status", "--nats", &nats.url()]).expect(0);
    assert!(
        out.stdout.contains("stream VEXT: 0 messages"),
        "{}",
        out.stdout
    );
}

#[test]
fn intake_while_nats_is_down_waits_in_the_outbox_and_is_forwarded() {
    let ircd = Ngircd::with(IrcdOptions {
        penalties: false,
        ..Default::default()
    });
    let mut obs = Observer::join(ircd.port, &["#later"]);
    let mut nats = NatsServer::start();
    let dir = TempDir::new("nats-cfg");
    let cfg = config(&dir, "");
    let daemon = nats_daemon(&nats, &cfg);
    let url = ircd.url("later");
    all_ok(
        &daemon.request(requests(&url, "a", 0..10).as_bytes(), 10),
        10,
    );
    let mut seen = BTreeSet::new();
    collect(&mut obs, "a ", &mut seen, 10, Duration::from_secs(20));
    assert_eq!(seen.len(), 10);

    nats.kill9();
    let acks = daemon.request(requests(&url, "b", 0..30).as_bytes(), 30);
    all_ok(&acks, 30);
    assert!(daemon.log().contains("outbox"), "{}", daemon.log());
    nats.restart();
    let until = Instant::now() + Duration::from_secs(40);
    let mut arrived: Vec<String> = Vec::new();
    while arrived.len() < 30 && Instant::now() < until {
        for m in obs.privmsgs(1, Duration::from_millis(200)) {
            if m.text.starts_with("b ") && !arrived.contains(&m.text) {
                arrived.push(m.text);
            }
        }
    }
    // All of them, in the order they were accepted (one channel).
    let expected: Vec<String> = (0..30).map(|i| format!("b {i}")).collect();
    assert_eq!(arrived, expected, "{}", daemon.log());
}

#[test]
fn bad_nats_setups_fail_at_start_with_one_clear_error() {
    let dir = TempDir::new("nats-cfg");
    // Nothing listening.
    let port = free_port();
    let out = vext([
        "daemon",
        "--listen",
        "127.0.0.1:0",
        "--state-dir",
        dir.path().to_str().unwrap(),
        "--nats",
        &format!("nats://127.0.0.1:{port}"),
    ])
    .expect(69);
    assert!(
        out.stderr.contains("cannot connect to NATS"),
        "{}",
        out.stderr
    );
    // Not a URL.
    let out = vext([
        "daemon",
        "--listen",
        "127.0.0.1:0",
        "--state-dir",
        dir.path().to_str().unwrap(),
        "--nats",
        "http://a b",
    ])
    .expect(64);
    assert!(
        out.stderr.contains("not a NATS server URL"),
        "{}",
        out.stderr
    );
    // JetStream switched off.
    let plain = NatsServer::start_without_jetstream();
    let out = vext([
        "daemon",
        "--listen",
        "127.0.0.1:0",
        "--state-dir",
        dir.path().to_str().unwrap(),
        "--nats",
        &plain.url(),
    ])
    .expect(69);
    assert!(out.stderr.contains("JetStream"), "{}", out.stderr);
    // A stream under the name that holds other subjects.
    let nats = NatsServer::start();
    let reply = nats.request(
        "$JS.API.STREAM.CREATE.VEXT",
        r#"{"name":"VEXT","subjects":["other.>"],"retention":"limits","storage":"memory"}"#,
    );
    assert!(reply.contains("\"config\""), "{reply}");
    let out = vext([
        "daemon",
        "--listen",
        "127.0.0.1:0",
        "--state-dir",
        dir.path().to_str().unwrap(),
        "--nats",
        &nats.url(),
    ])
    .expect(78);
    assert!(
        out.stderr
            .contains("the NATS stream VEXT exists with subjects [\"other.>\"]"),
        "{}",
        out.stderr
    );
}
