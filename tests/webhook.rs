//! Slack, Discord, Mattermost and generic webhooks against small fake HTTP
//! servers that check the JSON shape and answer 429/404/500 on request;
//! directly and through the daemon's spool.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::*;

const WAIT: Duration = Duration::from_secs(15);

fn config(dir: &TempDir, entries: &str) -> String {
    dir.write("config.toml", entries).display().to_string()
}

#[test]
fn slack_discord_mattermost_and_generic_shapes() {
    let fake = Fake::start(vec![]);
    let dir = TempDir::new("hooks");
    let cfg = config(&dir, &format!(
        "[targets.slack]\nurl = \"slack://T01/B02/secret\"\napi_base = \"{b}\"\n\n[targets.discord]\nurl = \"discord://123/tok\"\napi_base = \"{b}\"\n\n[targets.generic]\nurl = \"webhook+http://127.0.0.1:{p}/in\"\ntemplate = '{{\"summary\":\"{{title}}: {{body}}\",\"level\":\"{{type}}\"}}'\nheaders = {{ \"X-Token\" = \"abc\" }}\n",
        b = fake.base(), p = fake.port));
    let mm = format!("mattermost://127.0.0.1:{}/hooks/key1", fake.port);
    vext([
        "--config",
        &cfg,
        "send",
        "@slack",
        "@discord",
        "@generic",
        &mm,
        "--title",
        "deploy",
        "--type",
        "failure",
        "-m",
        "web-1 \"down\"",
    ])
    .expect(0);
    let hits = fake.wait(4);
    let by = |p: &str| {
        hits.iter()
            .find(|h| h.path.starts_with(p))
            .unwrap_or_else(|| panic!("no {p} in {hits:?}"))
            .clone()
    };
    let slack = by("/services/T01/B02/secret");
    assert_eq!(slack.body["text"], "web-1 \"down\"");
    assert_eq!(slack.body["attachments"][0]["color"], "danger");
    assert_eq!(slack.body["attachments"][0]["title"], "deploy");
    let discord = by("/api/webhooks/123/tok");
    assert_eq!(discord.body["content"], "web-1 \"down\"");
    assert_eq!(discord.body["embeds"][0]["title"], "deploy");
    let generic = by("/in");
    assert_eq!(generic.body["summary"], "deploy: web-1 \"down\"");
    assert_eq!(generic.body["level"], "failure");
    assert!(generic
        .headers
        .iter()
        .any(|(k, v)| k == "x-token" && v == "abc"));
    let mattermost = by("/hooks/key1");
    assert_eq!(mattermost.body["text"], "**deploy**\nweb-1 \"down\"");
    // config show never prints the header value.
    let shown = vext(["--config", &cfg, "config", "show"]).expect(0).stdout;
    assert!(!shown.contains("abc"), "{shown}");
}

#[test]
fn retry_after_404_and_500() {
    // 429 with Retry-After, then success.
    let fake = Fake::start(vec![(429, "Retry-After: 1\r\n")]);
    let url = format!("webhook+http://127.0.0.1:{}/x", fake.port);
    let start = Instant::now();
    vext(["send", &url, "-m", "eventually"]).expect(0);
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "Retry-After honoured"
    );
    assert_eq!(fake.hits().len(), 2);
    // Discord's 404: the webhook is gone, no retry.
    let gone = Fake::start(vec![(404, "")]);
    let dir = TempDir::new("hooks");
    let cfg = config(
        &dir,
        &format!(
            "[targets.d]\nurl = \"discord://9/t\"\napi_base = \"{}\"\n",
            gone.base()
        ),
    );
    let out = vext(["--config", &cfg, "send", "@d", "-m", "x"]).expect(69);
    assert!(out.stderr.contains("gone"), "{}", out.stderr);
    assert_eq!(gone.hits().len(), 1);
    // 500 until the time runs out: a temporary failure.
    let broken = Fake::start(vec![(500, ""); 10]);
    let url = format!("webhook+http://127.0.0.1:{}/x", broken.port);
    let out = vext(["send", "--timeout", "3", &url, "-m", "x"]).expect(75);
    // The error line names the target once, then says what happened.
    let host = format!("127.0.0.1:{}", broken.port);
    assert_eq!(out.stderr.matches(&host).count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("500"), "{}", out.stderr);
}

#[test]
fn webhooks_through_the_daemon_spool_with_retries() {
    let fake = Fake::start(vec![(503, ""), (503, ""), (503, "")]);
    let url = format!("webhook+http://127.0.0.1:{}/spool", fake.port);
    let state = TempDir::new("state");
    let daemon = Daemon::start(&["--state-dir", state.path().to_str().unwrap()]);
    vext([
        "send",
        "--via",
        &daemon.tcp,
        &url,
        "--title",
        "nightly",
        "--type",
        "success",
        "-m",
        "backup ok",
    ])
    .expect(0);
    // Three 503s (retried in place and by the spool), then delivered once.
    let hits = fake.wait(4);
    let ok: Vec<&Hit> = hits
        .iter()
        .filter(|h| h.body["body"] == "backup ok")
        .collect();
    assert!(ok.len() >= 4, "{hits:?}");
    assert_eq!(ok.last().unwrap().body["title"], "nightly");
    assert_eq!(ok.last().unwrap().body["type"], "success");
    daemon.wait_delivered(state.path(), Duration::from_secs(15));
}

/// A hostile or broken `Retry-After` (not a number of seconds) is ignored for
/// vext's own backoff: no panic (which would now stop the process), and the
/// message is retried and delivered, directly and through the daemon.
#[test]
fn a_retry_after_that_is_not_seconds_is_survived() {
    for value in [
        "Retry-After: nan\r\n",
        "Retry-After: -1\r\n",
        "Retry-After: inf\r\n",
    ] {
        let fake = Fake::start(vec![(429, value), (503, value)]);
        let url = format!("webhook+http://127.0.0.1:{}/x", fake.port);
        vext(["send", &url, "-m", "still there"]).expect(0);
        assert_eq!(fake.hits().len(), 3, "{value:?}");
    }
    let fake = Fake::start(vec![(429, "Retry-After: nan\r\n")]);
    let url = format!("webhook+http://127.0.0.1:{}/x", fake.port);
    let daemon = Daemon::start(&[]);
    vext(["send", "--via", &daemon.tcp, &url, "-m", "via the daemon"]).expect(0);
    let until = Instant::now() + Duration::from_secs(20);
    while fake.hits().len() < 2 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(fake.hits().len(), 2, "{}", daemon.log());
    assert!(daemon.log().contains("delivered"), "{}", daemon.log());
}

/// An endpoint that accepts connections and never answers holds a few of
/// the daemon's threads, not one per message, and another host's webhook
/// is delivered meanwhile.
#[test]
fn a_hanging_endpoint_holds_a_few_threads_and_delays_no_other_host() {
    let hang = TcpListener::bind("127.0.0.1:0").unwrap();
    let hang_url = format!(
        "webhook+http://127.0.0.1:{}/x",
        hang.local_addr().unwrap().port()
    );
    let held = Arc::new(Mutex::new(Vec::new()));
    let h = held.clone();
    std::thread::spawn(move || {
        for s in hang.incoming().flatten() {
            h.lock().unwrap().push(s);
        }
    });
    let fake = Fake::start(vec![]);
    let good = format!("webhook+http://127.0.0.1:{}/ok", fake.port);
    let daemon = Daemon::start(&[]);
    let threads = || {
        std::fs::read_to_string(format!("/proc/{}/status", daemon.pid()))
            .unwrap()
            .lines()
            .find_map(|l| {
                l.strip_prefix("Threads:")
                    .map(|n| n.trim().parse::<usize>().unwrap())
            })
            .unwrap()
    };
    let before = threads();
    for i in 0..20 {
        vext([
            "send",
            "--via",
            &daemon.tcp,
            &hang_url,
            "-m",
            &format!("stuck {i}"),
        ])
        .expect(0);
    }
    let until = Instant::now() + Duration::from_secs(10);
    while held.lock().unwrap().len() < 4 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    vext(["send", "--via", &daemon.tcp, &good, "-m", "meanwhile"]).expect(0);
    assert_eq!(fake.wait(1).len(), 1, "{}", daemon.log());
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        held.lock().unwrap().len(),
        4,
        "connections to the hanging host"
    );
    let now = threads();
    assert!(
        now <= before + 6,
        "{before} threads before, {now} with 20 stuck deliveries"
    );
}

/// HTTP clients go through a real HTTP proxy (Debian's tinyproxy) as curl's
/// HTTP_PROXY/HTTPS_PROXY name it, directly and from the daemon; NO_PROXY's
/// hosts are reached directly; a SOCKS ALL_PROXY (IRC's) does not capture
/// HTTP (ureq's own reading of it sent every webhook into the SOCKS proxy);
/// a proxy variable vext cannot use stops the command, naming it.
#[test]
fn webhooks_go_through_a_real_http_proxy() {
    let fake = Fake::start(vec![]);
    let proxy = Tinyproxy::start();
    let host = format!("127.0.0.1:{}", fake.port);
    let url = format!("webhook+http://{host}/proxied");
    vext(["send", &url, "-m", "via tinyproxy"])
        .env("HTTP_PROXY", &proxy.url)
        .expect(0);
    assert_eq!(fake.hits().len(), 1);
    eventually("tinyproxy logged it", WAIT, || {
        proxy.connections_to(&host) == 1
    });
    vext(["send", &url, "-m", "direct"])
        .env("HTTPS_PROXY", &proxy.url)
        .env("NO_PROXY", "example.org, 127.0.0.1")
        .expect(0);
    assert_eq!(fake.hits().len(), 2);
    vext(["send", &url, "-m", "not socks"])
        .env("ALL_PROXY", &format!("socks5h://127.0.0.1:{}", free_port()))
        .expect(0);
    assert_eq!(fake.hits().len(), 3);
    assert_eq!(
        proxy.connections_to(&host),
        1,
        "only the first went through the proxy"
    );
    let daemon = Daemon::start_env(&[], &[("HTTPS_PROXY", &proxy.url)]);
    vext(["send", "--via", &daemon.tcp, &url, "-m", "relayed"]).expect(0);
    fake.wait(4);
    eventually("the daemon's request in tinyproxy's log", WAIT, || {
        proxy.connections_to(&host) == 2
    });
    let out = vext(["send", &url, "-m", "x"])
        .env("HTTPS_PROXY", "socks5://127.0.0.1:1")
        .expect(64);
    assert!(out.stderr.contains("HTTPS_PROXY="), "{}", out.stderr);
    assert_eq!(fake.hits().len(), 4);
}
