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

/// `vext nats status --json` once the stream holds no message (every
/// delivery confirmed), within 10 s.
fn wait_until_empty(nats: &NatsServer) -> serde_json::Value {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let out = vext(["nats", "status", "--nats", &nats.url(), "--json"]).expect(0);
        let st: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        if st["messages"] == 0 {
            return st;
        }
        assert!(Instant::now() < until, "{}", out.stdout);
        std::thread::sleep(Duration::from_millis(200));
    }
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
        "--http",
        "127.0.0.1:0",
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

/// Reads messages starting with `prefix` into `arrived` until `n` distinct
/// ones are there (or the time is up).
fn arrivals(
    obs: &mut Observer,
    prefix: &str,
    arrived: &mut Vec<Privmsg>,
    n: usize,
    within: Duration,
) {
    let until = Instant::now() + within;
    let mut distinct: BTreeSet<String> = arrived.iter().map(|m| m.text.clone()).collect();
    while distinct.len() < n && Instant::now() < until {
        for m in obs.privmsgs(1, Duration::from_millis(200)) {
            if m.text.starts_with(prefix) {
                distinct.insert(m.text.clone());
                arrived.push(m);
            }
        }
    }
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
    let cfg = config(&dir, "lease_ttl = \"2s\"\n");
    let mut daemons: Vec<Daemon> = (0..3).map(|_| nats_daemon(&nats, &cfg)).collect();
    let url = ircd.url("work");
    // 600 notifications, 200 through each daemon and each intake path
    // (TCP, HTTP, UDP), each sent twice (the second time over TCP to
    // another daemon) with the same id.
    let raw = requests(&url, "m", 0..200);
    all_ok(&daemons[0].request(raw.as_bytes(), 200), 200);
    let http = daemons[1].http.clone().unwrap();
    for i in 200..400 {
        let body =
            serde_json::json!({"to": url, "privmsg": format!("m {i}"), "id": format!("m-{i}")});
        let (code, reply) = http_json(
            "POST",
            &format!("http://{http}/v1/notify"),
            None,
            Some(&body),
        )
        .unwrap();
        assert_eq!(code, 202, "{reply}");
    }
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for line in requests(&url, "m", 400..600).lines() {
        udp.send_to(line.as_bytes(), &daemons[2].udp).unwrap();
    }
    std::thread::sleep(Duration::from_secs(1));
    for (i, d) in daemons.iter().enumerate() {
        let raw = requests(&url, "m", ((i + 1) % 3) * 200..((i + 1) % 3 + 1) * 200);
        all_ok(&d.request(raw.as_bytes(), 200), 200);
    }
    let mut arrived = Vec::new();
    arrivals(&mut obs, "m ", &mut arrived, 100, Duration::from_secs(30));
    // One daemon speaks for the network: one nick on the server.
    let first_nick = arrived[0].from.clone();
    assert!(
        arrived.iter().all(|m| m.from == first_nick),
        "{:?}",
        arrived.iter().map(|m| &m.from).collect::<BTreeSet<_>>()
    );
    let holder = daemons
        .iter()
        .position(|d| d.log().contains(&format!("registered as {first_nick}")))
        .expect("the holder's log");
    let before = arrived.len();
    let mut killed = daemons.remove(holder);
    killed.signal("KILL");
    killed.wait(Duration::from_secs(5));
    let started = Instant::now();
    arrivals(&mut obs, "m ", &mut arrived, 600, Duration::from_secs(60));
    let seen: BTreeSet<&String> = arrived.iter().map(|m| &m.text).collect();
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
    // Another daemon took the network over, alone.
    let after: BTreeSet<&String> = arrived[before..]
        .iter()
        .map(|m| &m.from)
        .filter(|n| **n != first_nick)
        .collect();
    assert_eq!(after.len(), 1, "{after:?}");
    // In the order accepted, through the failover (copies aside).
    let mut firsts: Vec<usize> = Vec::new();
    let mut once = BTreeSet::new();
    for m in &arrived {
        if once.insert(m.text.clone()) {
            firsts.push(m.text[2..].parse().unwrap());
        }
    }
    let out_of_order: Vec<_> = firsts.windows(2).filter(|w| w[0] > w[1]).collect();
    assert!(
        out_of_order.is_empty(),
        "out of order: {out_of_order:?}; killed after {before} arrivals; first arrivals {firsts:?}"
    );
    // At least once: copies only for what the killed daemon held.
    let copies = arrived.len() - 600;
    eprintln!(
        "600 delivered in full {:?} after the kill, {copies} copies",
        started.elapsed()
    );
    assert!(copies <= 256, "{copies} copies");
    // The work queue is empty once every delivery is confirmed, and the
    // lease is held by a live daemon.
    let st = wait_until_empty(&nats);
    assert_eq!(st["stream"], "VEXT");
    assert_eq!(st["consumer"]["pending"], 0, "{st}");
    let holder = st["leases"][0]["holder"].as_str().unwrap_or_default();
    assert!(
        daemons
            .iter()
            .any(|d| holder.ends_with(&format!("pid {}", d.pid()))),
        "{st}"
    );
    let out = vext(["nats", "status", "--nats", &nats.url()]).expect(0);
    assert!(
        out.stdout.contains("stream VEXT: 0 messages"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("IRC network 127_0_0_1_"),
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
    obs.collect_into("a ", &mut seen, 10, Duration::from_secs(20));
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

#[test]
fn events_arrive_on_the_documented_subjects() {
    let ircd = Ngircd::with(IrcdOptions {
        penalties: false,
        ..Default::default()
    });
    let mut obs = Observer::join(ircd.port, &["#ev"]);
    let nats = NatsServer::start();
    let dir = TempDir::new("nats-cfg");
    let cfg = config(&dir, "");
    let daemon = nats_daemon(&nats, &cfg);
    let raw = format!(
        "{{\"to\":\"{}\",\"privmsg\":\"hello events\",\"ack\":true,\"id\":\"ev-1\"}}\n",
        ircd.url("ev")
    );
    all_ok(&daemon.request(raw.as_bytes(), 1), 1);
    obs.wait_for(|l| l.contains("hello events"), "the message");
    let ev = nats.last_event("vext.events.notify.irc.delivered");
    assert_eq!(ev["type"], "vext.notify.delivered", "{ev}");
    assert_eq!(ev["source"], "irc");
    assert_eq!(ev["data"]["id"], "ev-1");
    assert!(ev["time"].as_str().unwrap().ends_with('Z'), "{ev}");
    assert!(ev["id"].as_str().is_some_and(|i| !i.is_empty()), "{ev}");
    // The daemon that delivered it has it in its history.
    let state = daemon.state.as_ref().unwrap().path().to_path_buf();
    let history = daemon.wait_delivered(&state, Duration::from_secs(10));
    assert!(history.contains("\"ev-1/0\""), "{history}");
    // And answers the same filters over NATS.
    let reply = nats.request("vext.query.history", r#"{"state":"delivered","limit":10}"#);
    let v: serde_json::Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(v["records"][0]["id"], "ev-1/0", "{reply}");
    assert_eq!(
        v["records"][0]["deliveries"][0]["state"], "delivered",
        "{reply}"
    );
    assert!(
        v["daemon"]
            .as_str()
            .unwrap()
            .ends_with(&format!("pid {}", daemon.pid())),
        "{reply}"
    );
    let reply = nats.request("vext.query.history", r#"{"state":"failed"}"#);
    assert!(reply.contains("\"records\":[]"), "{reply}");
    let reply = nats.request("vext.query.history", r#"{"colour":"red"}"#);
    assert!(
        reply.contains("bad filter") && reply.contains("colour"),
        "{reply}"
    );

    // A command given --nats publishes what it found.
    let reg = RegistryServer::start(None);
    reg.push("app", &["1.0.0", "1.0.1"], None);
    let image = format!("{}/app:1.0.0", reg.addr);
    vext([
        "check",
        &image,
        "--insecure-registry",
        &reg.addr,
        "--nats",
        &nats.url(),
    ])
    .expect(0);
    let ev = nats.last_event("vext.events.check.registry.update_found");
    assert_eq!(ev["type"], "vext.check.update_found", "{ev}");
    assert_eq!(ev["data"]["image"], image, "{ev}");
    assert_eq!(ev["data"]["newest"], "1.0.1", "{ev}");
}

#[test]
fn a_message_that_keeps_failing_ends_as_failed_after_max_deliver() {
    let nats = NatsServer::start();
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#dead"]);
    let dir = TempDir::new("nats-cfg");
    let cfg = dir
        .write(
            "vext.toml",
            &format!(
                "[nats]\nack_wait = \"2s\"\nmax_deliver = 2\nlease_ttl = \"1s\"\ndead_letter = \"@dead\"\n\n\
                 [targets.dead]\nurl = \"{}\"\n",
                ircd.url("dead")
            ),
        )
        .display()
        .to_string();
    let daemon = nats_daemon(&nats, &cfg);
    // Nothing listens there: every attempt fails, never for good.
    let dead = format!("irc://127.0.0.1:{}/nobody", free_port());
    let raw = format!("{{\"to\":\"{dead}\",\"privmsg\":\"poison\",\"ack\":true,\"id\":\"p-1\"}}\n");
    all_ok(&daemon.request(raw.as_bytes(), 1), 1);
    let ev = nats.last_event("vext.events.notify.irc.failed");
    assert_eq!(ev["data"]["id"], "p-1", "{ev}");
    assert_eq!(ev["data"]["attempt"], 2, "{ev}");
    // Gone from the queue, not in a loop.
    wait_until_empty(&nats);
    std::thread::sleep(Duration::from_secs(3));
    let attempts = daemon.log().matches("p-1/0: ").count();
    assert_eq!(attempts, 2, "{}", daemon.log());
    // The dead-letter target hears of it, once.
    let got = obs.privmsgs(1, Duration::from_secs(15));
    assert!(
        got[0].text.contains("vext: undeliverable")
            && got[0].text.contains("gave up on p-1/0 to irc://127.0.0.1:")
            && got[0].text.contains("after 2 attempt(s)"),
        "{got:?}"
    );
    assert!(obs.drain(Duration::from_millis(1000)).is_empty());
}

#[test]
fn a_three_node_cluster_loses_nothing_when_the_stream_leader_dies() {
    let ircd = Ngircd::with(IrcdOptions {
        penalties: false,
        ..Default::default()
    });
    let mut obs = Observer::join(ircd.port, &["#ha"]);
    let mut cluster = NatsCluster::start();
    let dir = TempDir::new("nats-cfg");
    let cfg = config(&dir, "replicas = 3\nlease_ttl = \"2s\"\n");
    let urls = cluster.urls();
    let start = |urls: &str| {
        Daemon::start(&[
            "--config",
            &cfg,
            "--nats",
            urls,
            "--burst",
            "20",
            "--line-rate",
            "100",
        ])
    };
    let daemons = [start(&urls), start(&urls)];
    let url = ircd.url("ha");
    all_ok(
        &daemons[0].request(requests(&url, "c", 0..100).as_bytes(), 100),
        100,
    );
    let mut seen = BTreeSet::new();
    obs.collect_into("c ", &mut seen, 100, Duration::from_secs(30));
    assert_eq!(seen.len(), 100, "{}", daemons[0].log());

    let info = cluster.nodes[0].request("$JS.API.STREAM.INFO.VEXT", "");
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(info["config"]["num_replicas"], 3, "{info}");
    let leader = info["cluster"]["leader"].as_str().unwrap().to_string();
    let index: usize = leader[1..].parse().unwrap();
    cluster.nodes[index].kill9();

    all_ok(
        &daemons[1].request(requests(&url, "c", 100..200).as_bytes(), 100),
        100,
    );
    obs.collect_into("c ", &mut seen, 200, Duration::from_secs(60));
    let missing: Vec<usize> = (0..200)
        .filter(|i| !seen.contains(&format!("c {i}")))
        .collect();
    assert!(
        missing.is_empty(),
        "leader {leader} killed; missing {missing:?}\n{}\n{}",
        daemons[0].log(),
        daemons[1].log()
    );
}

#[test]
fn a_token_is_sent_and_a_wrong_one_is_refused_with_77() {
    let nats = NatsServer::start_with_token("s3cret-token");
    let dir = TempDir::new("nats-cfg");
    let good = dir.write("good", "s3cret-token\n").display().to_string();
    let bad = dir.write("bad", "wrong\n").display().to_string();
    let state = TempDir::new("state");
    let daemon = |token: &str| {
        vext([
            "nats",
            "status",
            "--nats",
            &nats.url(),
            "--nats-token-file",
            token,
        ])
    };
    let out = daemon(&bad).expect(77);
    assert!(
        out.stderr.contains("cannot connect to NATS"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("wrong"), "{}", out.stderr);
    // Before any daemon ran, there is no stream yet: said so.
    let out = daemon(&good).expect(69);
    assert!(out.stderr.contains("no stream VEXT"), "{}", out.stderr);
    let d = Daemon::start(&[
        "--state-dir",
        state.path().to_str().unwrap(),
        "--nats",
        &nats.url(),
        "--nats-token-file",
        &good,
    ]);
    let out = daemon(&good).expect(0);
    assert!(
        out.stdout.contains("stream VEXT: 0 messages"),
        "{}",
        out.stdout
    );
    drop(d);
}

/// `vext nats status` with `args`: whether it got past the connection
/// (a fresh server has no stream yet: 69 "no stream VEXT").
fn connects(args: &[&str], config: Option<&str>) -> Output {
    let mut all = vec!["nats", "status"];
    if let Some(c) = config {
        all.extend(["--config", c]);
    }
    all.extend(args);
    vext(all).run()
}

#[test]
fn tls_servers_are_verified_against_the_ca_file() {
    let ca = TestCa::new();
    let nats = NatsServer::start_with(&[
        "--tls",
        "--tlscert",
        ca.cert.to_str().unwrap(),
        "--tlskey",
        ca.key.to_str().unwrap(),
    ]);
    let url = format!("tls://127.0.0.1:{}", nats.port);
    let out = connects(
        &["--nats", &url, "--ca-file", ca.ca.to_str().unwrap()],
        None,
    );
    assert_eq!(out.code, 69, "{}", out.stderr);
    assert!(out.stderr.contains("no stream VEXT"), "{}", out.stderr);
    // Without the CA the server's certificate is not trusted.
    let out = connects(&["--nats", &url], None);
    assert_eq!(out.code, 77, "{}", out.stderr);
    assert!(
        out.stderr.contains("not signed by a CA vext trusts"),
        "{}",
        out.stderr
    );
}

/// A JWT as nats-server's resolver reads them: header, claims, and an
/// ed25519 signature by the issuer's NKey, each base64url without padding.
fn jwt(issuer: &nkeys::KeyPair, subject: &str, name: &str, nats: serde_json::Value) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(r#"{"typ":"JWT","alg":"ed25519-nkey"}"#);
    let claims = serde_json::json!({
        "jti": format!("{name}-{subject}"),
        "iat": 1_700_000_000u64,
        "iss": issuer.public_key(),
        "name": name,
        "sub": subject,
        "nats": nats,
    });
    let body = b64.encode(claims.to_string());
    let signed = format!("{header}.{body}");
    let sig = b64.encode(issuer.sign(signed.as_bytes()).unwrap());
    format!("{signed}.{sig}")
}

#[test]
fn nkey_seeds_and_creds_files_authenticate() {
    let dir = TempDir::new("nats-auth");
    let private = |name: &str, text: &str| -> String {
        let p = dir.write(name, text);
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        p.display().to_string()
    };

    // An NKey user: the server knows the public key, vext holds the seed.
    let user = nkeys::KeyPair::new_user();
    let conf = dir.write(
        "nkey.conf",
        &format!(
            "authorization {{ users = [ {{ nkey: {} }} ] }}\n",
            user.public_key()
        ),
    );
    let nats = NatsServer::start_with(&["-c", conf.to_str().unwrap()]);
    let seed = private("user.nk", &format!("{}\n", user.seed().unwrap()));
    let good = dir.write(
        "good.toml",
        &format!("[nats]\nnkey_seed_file = \"{seed}\"\n"),
    );
    let out = connects(&["--nats", &nats.url()], good.to_str());
    assert_eq!(out.code, 69, "{}", out.stderr);
    assert!(out.stderr.contains("no stream VEXT"), "{}", out.stderr);
    let stranger = private(
        "other.nk",
        &format!("{}\n", nkeys::KeyPair::new_user().seed().unwrap()),
    );
    let bad = dir.write(
        "bad.toml",
        &format!("[nats]\nnkey_seed_file = \"{stranger}\"\n"),
    );
    let out = connects(&["--nats", &nats.url()], bad.to_str());
    assert_eq!(out.code, 77, "{}", out.stderr);
    assert!(
        !out.stderr.contains("SUA"),
        "a seed in an error: {}",
        out.stderr
    );
    drop(nats);

    // Decentralised auth: an operator vouches for an account (with
    // JetStream), which signs a user; vext gets the user's .creds file.
    let operator = nkeys::KeyPair::new_operator();
    let account = nkeys::KeyPair::new_account();
    let op_jwt = jwt(
        &operator,
        &operator.public_key(),
        "op",
        serde_json::json!({"type": "operator", "version": 2}),
    );
    let unlimited = serde_json::json!({"subs": -1, "data": -1, "payload": -1, "imports": -1,
        "exports": -1, "wildcards": true, "conn": -1, "leaf": -1,
        "mem_storage": -1, "disk_storage": -1, "streams": -1, "consumer": -1});
    let acc_jwt = jwt(
        &operator,
        &account.public_key(),
        "acc",
        serde_json::json!({"type": "account", "version": 2, "limits": unlimited}),
    );
    // JetStream needs the system account to exist.
    let system = nkeys::KeyPair::new_account();
    let sys_jwt = jwt(
        &operator,
        &system.public_key(),
        "SYS",
        serde_json::json!({"type": "account", "version": 2}),
    );
    let conf = dir.write(
        "operator.conf",
        &format!(
            "operator: {op_jwt}\nsystem_account: {sys}\nresolver: MEMORY\n\
             resolver_preload: {{ {acc}: {acc_jwt}, {sys}: {sys_jwt} }}\n",
            acc = account.public_key(),
            sys = system.public_key()
        ),
    );
    let nats = NatsServer::start_with(&["-c", conf.to_str().unwrap()]);
    let creds = |user: &nkeys::KeyPair, signer: &nkeys::KeyPair, name: &str| -> String {
        let user_jwt = jwt(
            signer,
            &user.public_key(),
            "me",
            serde_json::json!({"type": "user", "version": 2, "pub": {}, "sub": {},
                "subs": -1, "data": -1, "payload": -1}),
        );
        private(
            name,
            &format!(
                "-----BEGIN NATS USER JWT-----\n{user_jwt}\n------END NATS USER JWT------\n\n\
                 -----BEGIN USER NKEY SEED-----\n{}\n------END USER NKEY SEED------\n",
                user.seed().unwrap()
            ),
        )
    };
    let me = nkeys::KeyPair::new_user();
    let good = creds(&me, &account, "me.creds");
    let out = connects(&["--nats", &nats.url(), "--nats-creds", &good], None);
    assert_eq!(out.code, 69, "{}", out.stderr);
    assert!(out.stderr.contains("no stream VEXT"), "{}", out.stderr);
    // A user signed by an account the operator does not know is refused.
    let forged = creds(&me, &nkeys::KeyPair::new_account(), "forged.creds");
    let out = connects(&["--nats", &nats.url(), "--nats-creds", &forged], None);
    assert_eq!(out.code, 77, "{}", out.stderr);
}

/// Ten thousand notifications through three daemons and all three intake
/// paths (TCP, HTTP, UDP), each posted again over TCP to another daemon
/// with the same id: every one delivered once (nothing lost, no copies
/// when no daemon dies). Pacing is opened up for the test's private
/// server (penalties off) so that the volume, not the pace, is tested.
#[test]
fn ten_thousand_through_three_daemons_each_once() {
    const N: usize = 10_000;
    let ircd = Ngircd::with(IrcdOptions {
        penalties: false,
        ..Default::default()
    });
    let mut obs = Observer::join(ircd.port, &["#bulk"]);
    let nats = NatsServer::start();
    let dir = TempDir::new("nats-cfg");
    let cfg = dir
        .write("vext.toml", "[nats]\nlease_ttl = \"2s\"\n")
        .display()
        .to_string();
    let daemons: Vec<Daemon> = (0..3)
        .map(|_| {
            Daemon::start(&[
                "--config",
                &cfg,
                "--nats",
                &nats.url(),
                "--burst",
                "500",
                "--line-rate",
                "5000",
                "--http",
                "127.0.0.1:0",
            ])
        })
        .collect();
    let url = ircd.url("bulk");
    let third = N / 3;
    let started = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| {
            let raw = requests(&url, "b", 0..third);
            all_ok(&daemons[0].request(raw.as_bytes(), third), third);
        });
        // HTTP from four clients at once.
        for k in 0..4 {
            let (http, url) = (daemons[1].http.clone().unwrap(), &url);
            s.spawn(move || {
                for i in (third..2 * third).filter(|i| i % 4 == k) {
                    let body = serde_json::json!({"to": url, "privmsg": format!("b {i}"), "id": format!("b-{i}")});
                    let (code, reply) =
                        http_json("POST", &format!("http://{http}/v1/notify"), None, Some(&body))
                            .unwrap();
                    assert_eq!(code, 202, "{reply}");
                }
            });
        }
        s.spawn(|| {
            let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            for line in requests(&url, "b", 2 * third..N).lines() {
                udp.send_to(line.as_bytes(), &daemons[2].udp).unwrap();
            }
        });
    });
    // The same ids again, each to another daemon (a UDP datagram lost on
    // the way is stored now).
    let ranges = [third..2 * third, 2 * third..N, 0..third];
    let url = &url;
    std::thread::scope(|s| {
        for (d, r) in daemons.iter().zip(ranges) {
            s.spawn(move || {
                let n = r.len();
                let raw = requests(url, "b", r);
                all_ok(&d.request(raw.as_bytes(), n), n);
            });
        }
    });
    let accepted = started.elapsed();
    let mut arrived = Vec::new();
    arrivals(&mut obs, "b ", &mut arrived, N, Duration::from_secs(120));
    let seen: BTreeSet<&String> = arrived.iter().map(|m| &m.text).collect();
    let missing: Vec<usize> = (0..N)
        .filter(|i| !seen.contains(&format!("b {i}")))
        .collect();
    assert!(
        missing.is_empty(),
        "{} missing, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    // Nothing arrives twice (read a little longer for late copies).
    arrivals(&mut obs, "b ", &mut arrived, N + 1, Duration::from_secs(2));
    assert_eq!(arrived.len(), N, "{} copies", arrived.len() - N);
    eprintln!(
        "{} accepted (twice) in {accepted:?}, delivered in {:?}",
        N,
        started.elapsed()
    );
    wait_until_empty(&nats);
}
