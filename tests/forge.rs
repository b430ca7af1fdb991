//! Forge webhooks into the daemon: real payloads (GitHub's published
//! examples, GitLab's and Gitea's documented ones), signed as each forge
//! signs them, delivered to a private ngircd; and the lines a forge push
//! renders against `vext hook git` for the same commits.

use std::path::Path;
use std::time::Duration;

use crate::hook::{commit, git};
use crate::support::*;

const SECRET: &str = "It's a Secret to Everybody";

fn github_example(event: &str, index: usize) -> String {
    let path = format!(
        "{}/tests/fixtures/forge/github/{event}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let all: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    all[index].to_string()
}

/// Gitea's and Forgejo's signature: the bare hex HMAC-SHA256 of the body.
fn gitea_signature(body: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET.as_bytes());
    let tag = ring::hmac::sign(&key, body.as_bytes());
    tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// GitHub's: the same with `sha256=` before it.
fn github_signature(body: &str) -> String {
    format!("sha256={}", gitea_signature(body))
}

/// A config with a GitHub secret and one route for `repository`.
fn forge_config(dir: &TempDir, repository: &str, to: &str) -> std::path::PathBuf {
    let secret = dir.write("github-secret", &format!("{SECRET}\n"));
    dir.write(
        "vext.toml",
        &format!(
            "[forge]\ngithub_secret_file = {:?}\n\n[[forge.route]]\nrepository = {repository:?}\nto = [{to:?}]\n",
            secret.display()
        ),
    )
}

fn post_github(http: &str, event: &str, delivery: &str, body: &str, sig: &str) -> (u16, String) {
    crate::support::http(
        http,
        "POST",
        "/v1/forge/github",
        &[
            ("X-GitHub-Event", event.to_string()),
            ("X-GitHub-Delivery", delivery.to_string()),
            ("X-Hub-Signature-256", sig.to_string()),
            ("Content-Type", "application/json".to_string()),
        ],
        body,
    )
}

/// A signed push from GitHub's own examples reaches the channel as
/// `vext hook git` would say it; the same delivery again is stored once
/// (copies measured: 1); a bad or missing signature is 401 and sends
/// nothing; a ping is 200 and sends nothing; a forge with no secret has
/// no endpoint.
#[test]
fn a_signed_github_push_reaches_the_channel_once() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#commits"]);
    let tmp = TempDir::new("forge");
    let cfg = forge_config(&tmp, "Codertocat/*", &ircd.url("commits"));
    let daemon = Daemon::start(&["--config", cfg.to_str().unwrap(), "--http", "127.0.0.1:0"]);
    let http = daemon.http.clone().unwrap();
    let body = github_example("push", 4);
    let sig = github_signature(&body);

    let (status, reply) = post_github(&http, "push", "d-1", &body, &sig);
    assert_eq!(status, 202, "{reply}");
    assert!(reply.contains("\"id\":\"github-d-1\""), "{reply}");
    let got = obs.privmsgs(1, Duration::from_secs(10));
    assert_eq!(
        got[0].text,
        "Hello-World: Codertocat hello-world:master * 6113728 / README.md: Initial commit \
         https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    );

    // GitHub's "Redeliver": the same delivery id.
    let (status, _) = post_github(&http, "push", "d-1", &body, &sig);
    assert_eq!(status, 202);
    // Wrong secret, no signature, a signature for another body.
    let forged = github_signature("{}");
    assert_eq!(post_github(&http, "push", "d-2", &body, &forged).0, 401);
    assert_eq!(post_github(&http, "push", "d-3", &body, "").0, 401);
    let (status, reply) = post_github(&http, "push", "d-4", &body, "sha256=00");
    assert_eq!(status, 401, "{reply}");
    // A ping answers 200 and sends nothing.
    let ping = github_example("ping", 0);
    let (status, reply) = post_github(&http, "ping", "d-5", &ping, &github_signature(&ping));
    assert_eq!(
        (status, reply.contains("\"ping\":true")),
        (200, true),
        "{reply}"
    );
    // An event vext does not read is taken and not sent.
    let star = r#"{"action":"created","repository":{"full_name":"Codertocat/Hello-World","name":"Hello-World"}}"#;
    let (status, reply) = post_github(&http, "star", "d-6", star, &github_signature(star));
    assert_eq!(
        (status, reply.contains("\"sent\":false")),
        (202, true),
        "{reply}"
    );
    // No secret for GitLab: no endpoint.
    let (status, _) = crate::support::http(&http, "POST", "/v1/forge/gitlab", &[], "{}");
    assert_eq!(status, 404);

    let more = obs.drain(Duration::from_secs(2));
    assert!(
        more.is_empty(),
        "sent again: {:?}",
        more.iter().map(|m| &m.text).collect::<Vec<_>>()
    );
    assert!(
        daemon.log().contains("is not one vext reads"),
        "{}",
        daemon.log()
    );
}

/// A body over the forge bound (8 MiB) is refused with 413 from its
/// Content-Length, before it is read; a truncated body and one that is not
/// JSON are 400; none of them sends anything.
#[test]
fn oversized_truncated_and_garbled_bodies_are_refused() {
    use std::io::{Read, Write};
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#commits"]);
    let tmp = TempDir::new("forge");
    let cfg = forge_config(&tmp, "*", &ircd.url("commits"));
    let daemon = Daemon::start(&["--config", cfg.to_str().unwrap(), "--http", "127.0.0.1:0"]);
    let http = daemon.http.clone().unwrap();

    let mut s = std::net::TcpStream::connect(&http).unwrap();
    write!(
        s,
        "POST /v1/forge/github HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n\
         Content-Length: {}\r\n\r\n",
        20 * 1024 * 1024
    )
    .unwrap();
    let mut reply = String::new();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.read_to_string(&mut reply);
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");

    let body = github_example("push", 4);
    let cut = &body[..body.len() / 2];
    assert_eq!(
        post_github(&http, "push", "t-1", cut, &github_signature(cut)).0,
        400
    );
    let junk = "\u{1}not json";
    assert_eq!(
        post_github(&http, "push", "t-2", junk, &github_signature(junk)).0,
        400
    );
    assert!(obs.drain(Duration::from_secs(2)).is_empty());
}

/// A push of two commits announced by `vext hook git` (post-receive, on
/// the server) and by a GitHub push payload made for the same commits
/// says the same lines.
#[test]
fn a_forge_push_says_what_vext_hook_git_says() {
    let tmp = TempDir::new("forge-hook");
    let dir = tmp.path().join("shop");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    let base = commit(&dir, &["README"], "Initial commit");
    let c1 = commit(&dir, &["src/a.rs", "src/b.rs"], "Add the basket");
    let c2 = commit(&dir, &["README", "docs/x.md"], "Say how to pay");

    let hook = vext([
        "hook",
        "git",
        "--dry-run",
        "--stdin",
        "-C",
        dir.to_str().unwrap(),
        "--channels=irc://irc.example.net/commits",
        "--urlprefix=github:owner/shop",
    ])
    .stdin(format!("{base} {c2} refs/heads/main\n"))
    .expect(0);

    let payload = push_payload(&dir, &base, &c2, &[&c1, &c2]);
    let file = tmp.write("push.json", &payload);
    let cfg = tmp.write(
        "vext.toml",
        "[[forge.route]]\nrepository = \"owner/*\"\nto = [\"irc://irc.example.net/commits\"]\n",
    );
    let forge = vext([
        "--config",
        cfg.to_str().unwrap(),
        "forge",
        "test",
        file.to_str().unwrap(),
        "--forge",
        "github",
    ])
    .expect(0);
    let texts = |out: &str| -> Vec<String> {
        out.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["privmsg"].to_string())
            .collect()
    };
    assert_eq!(
        texts(&forge.stdout),
        texts(&hook.stdout),
        "{}",
        forge.stderr
    );
    assert_eq!(texts(&hook.stdout).len(), 2);
}

/// The push payload GitHub sends for `commits` (before..after on main),
/// made from the repository itself.
fn push_payload(dir: &Path, before: &str, after: &str, commits: &[&str]) -> String {
    let commits: Vec<serde_json::Value> = commits
        .iter()
        .map(|c| {
            let show = |fmt: &str| git(dir, &["show", "-s", &format!("--format={fmt}"), c]);
            let (mut added, mut modified, mut removed) = (vec![], vec![], vec![]);
            for l in git(
                dir,
                &["diff-tree", "--no-commit-id", "--name-status", "-r", c],
            )
            .lines()
            {
                let (status, path) = l.split_once('\t').unwrap();
                match status {
                    "A" => added.push(path.to_string()),
                    "D" => removed.push(path.to_string()),
                    _ => modified.push(path.to_string()),
                }
            }
            serde_json::json!({
                "id": c,
                "distinct": true,
                "message": show("%B"),
                "timestamp": show("%aI"),
                "url": format!("https://github.com/owner/shop/commit/{c}"),
                "author": {"name": show("%an"), "email": show("%ae")},
                "added": added, "removed": removed, "modified": modified,
            })
        })
        .collect();
    serde_json::json!({
        "ref": "refs/heads/main",
        "before": before,
        "after": after,
        "created": false,
        "deleted": false,
        "forced": false,
        "commits": commits,
        "repository": {"name": "shop", "full_name": "owner/shop"},
        "pusher": {"name": "Ada Lovelace"},
        "sender": {"login": "ada"},
    })
    .to_string()
}

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/forge/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// All three forges at once, each checked its own way: GitLab's token,
/// Gitea's and Forgejo's bare HMAC. A failed pipeline is said, a routine
/// success is not, and the success after a failure is said as "fixed".
/// CR/LF and IRC colour codes in a commit subject and a branch name reach
/// the channel as spaces, on one line (no injection); a push of 10 000
/// commits says 5 and "… and 9995 more commits"; a push body sent as a
/// pull_request event says nothing.
#[test]
fn gitlab_and_gitea_pipelines_and_hostile_payloads() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#forge"]);
    let tmp = TempDir::new("forge");
    let token = "gitlab-token-0123456789";
    let gl = tmp.write("gitlab", token);
    let ge = tmp.write("gitea", SECRET);
    let cfg = tmp.write(
        "vext.toml",
        &format!(
            "[forge]\ngitlab_token_file = {:?}\ngitea_secret_file = {:?}\n\n\
             [[forge.route]]\nrepository = \"*\"\nto = [{:?}]\n",
            gl.display(),
            ge.display(),
            ircd.url("forge")
        ),
    );
    let daemon = Daemon::start(&["--config", cfg.to_str().unwrap(), "--http", "127.0.0.1:0"]);
    let http = daemon.http.clone().unwrap();
    let gitlab = |event: &str, uuid: &str, body: &str, token: &str| {
        crate::support::http(
            &http,
            "POST",
            "/v1/forge/gitlab",
            &[
                ("X-Gitlab-Event", event.to_string()),
                ("X-Gitlab-Event-UUID", uuid.to_string()),
                ("X-Gitlab-Token", token.to_string()),
            ],
            body,
        )
    };
    assert_eq!(
        gitlab("Push Hook", "u-0", &fixture("gitlab/push.json"), "wrong").0,
        401
    );
    let pipeline = fixture("gitlab/pipeline.json");
    let failed = pipeline.replace("\"status\": \"success\"", "\"status\": \"failed\"");
    assert_eq!(gitlab("Pipeline Hook", "u-1", &pipeline, token).0, 202);
    assert_eq!(gitlab("Pipeline Hook", "u-2", &failed, token).0, 202);
    assert_eq!(gitlab("Pipeline Hook", "u-3", &pipeline, token).0, 202);
    let said: Vec<String> = obs
        .privmsgs(2, Duration::from_secs(10))
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(said[0].contains(" failed at bcbb5ec "), "{said:?}");
    assert!(said[1].contains(" fixed at bcbb5ec "), "{said:?}");

    // Forgejo's header names, Gitea's payload.
    let mut push: serde_json::Value = serde_json::from_str(&fixture("gitea/push.json")).unwrap();
    push["ref"] = "refs/heads/evil\r\nPRIVMSG #forge :injected".into();
    push["commits"][0]["message"] = "subject\x0304 red\r\nQUIT :bye\n\nbody".into();
    let body = push.to_string();
    let sig = gitea_signature(&body);
    let gitea = |event: &str, id: &str, body: &str, sig: &str| {
        crate::support::http(
            &http,
            "POST",
            "/v1/forge/gitea",
            &[
                ("X-Forgejo-Event", event.to_string()),
                ("X-Forgejo-Delivery", id.to_string()),
                ("X-Forgejo-Signature", sig.to_string()),
            ],
            body,
        )
    };
    assert_eq!(gitea("push", "g-1", &body, &sig).0, 202);
    let line = obs.privmsgs(1, Duration::from_secs(10)).remove(0).text;
    assert!(
        line.contains("webhooks:evil  PRIVMSG #forge :injected * bffeb74 / : subject 04 red"),
        "{line:?}"
    );
    assert!(!line.contains('\x03'), "{line:?}");
    // The same body as a pull_request: nothing to say.
    assert_eq!(gitea("pull_request", "g-2", &body, &sig).0, 202);

    // 10 000 commits: five lines and a count.
    let one = push["commits"][0].clone();
    push["ref"] = "refs/heads/main".into();
    push["commits"] = (0..10_000)
        .map(|i| {
            let mut c = one.clone();
            c["message"] = format!("commit {i}").into();
            c
        })
        .collect::<Vec<_>>()
        .into();
    let big = push.to_string();
    let sig = gitea_signature(&big);
    let (status, reply) = gitea("push", "g-3", &big, &sig);
    assert_eq!(status, 202, "{reply}");
    let lines: Vec<String> = obs
        .privmsgs(6, Duration::from_secs(30))
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(lines[0].contains(": commit 0 "), "{lines:?}");
    assert_eq!(lines[5], "webhooks: main ... and 9995 more commits");
    let more = obs.drain(Duration::from_secs(2));
    assert!(
        more.is_empty(),
        "{:?}",
        more.iter().map(|m| &m.text).collect::<Vec<_>>()
    );
}

/// The daemon killed with SIGKILL right after it answered 202 loses
/// nothing: started again on the same state dir it delivers the line.
#[test]
fn a_webhook_answered_is_delivered_after_a_kill_9() {
    let mut ircd = Ngircd::start();
    let tmp = TempDir::new("forge");
    let cfg = forge_config(&tmp, "Codertocat/*", &ircd.url("kept"));
    // The channel's server is down: the answer comes, delivery waits.
    ircd.stop();
    let state = TempDir::new("state");
    let dir = state.path().to_str().unwrap().to_string();
    let args = [
        "--config",
        cfg.to_str().unwrap(),
        "--http",
        "127.0.0.1:0",
        "--state-dir",
        &dir,
    ];
    let mut daemon = Daemon::start(&args);
    let body = github_example("push", 4);
    let http = daemon.http.clone().unwrap();
    let (status, reply) = post_github(&http, "push", "k-1", &body, &github_signature(&body));
    assert_eq!(status, 202, "{reply}");
    daemon.signal("KILL");
    daemon.wait(Duration::from_secs(10));
    ircd.restart();
    let mut obs = Observer::join(ircd.port, &["#kept"]);
    let daemon = Daemon::start(&args);
    let got = obs.privmsgs(1, Duration::from_secs(30));
    assert!(got[0].text.contains("Initial commit"), "{}", daemon.log());
}

/// The same push into a Matrix room on a real Synapse and a channel, with
/// `color = "mirc"`: the channel gets the colours, the room the same line
/// without control codes, one message each.
#[test]
fn a_forge_push_reaches_a_matrix_room() {
    let hs = Synapse::start();
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#both"]);
    let owner = hs.user("owner", "owner-pass-1");
    let bot = hs.user("bot", "bot-pass-1");
    let room_id = hs.room(&owner, "commits", false);
    let url = format!("matrix://127.0.0.1:{}/%23commits:localhost", hs.port);
    let tmp = TempDir::new("forge");
    let secret = tmp.write("github-secret", &format!("{SECRET}\n"));
    let cfg = tmp.write(
        "vext.toml",
        &format!(
            "[forge]\ngithub_secret_file = {:?}\ncolor = \"mirc\"\n\n[[forge.route]]\n\
             repository = \"Codertocat/*\"\nto = [{url:?}, {:?}]\n",
            secret.display(),
            ircd.url("both")
        ),
    );
    let homeserver = format!("http://127.0.0.1:{}", hs.port);
    let daemon = Daemon::start_env(
        &["--config", cfg.to_str().unwrap(), "--http", "127.0.0.1:0"],
        &[
            ("VEXT_MATRIX_TOKEN", &bot),
            ("VEXT_MATRIX_HOMESERVER", &homeserver),
        ],
    );
    let body = github_example("push", 4);
    let http = daemon.http.clone().unwrap();
    let (status, reply) = post_github(&http, "push", "m-1", &body, &github_signature(&body));
    assert_eq!(status, 202, "{reply}");
    let m = hs.wait_messages(&room_id, &owner, 1);
    assert_eq!(
        m[0]["content"]["body"].as_str(),
        Some(
            "Hello-World: Codertocat hello-world:master * 6113728 / README.md: Initial commit \
             https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246"
        ),
        "{}",
        daemon.log()
    );
    let line = obs.privmsgs(1, Duration::from_secs(10)).remove(0).text;
    assert!(
        line.starts_with("\x02Hello-World:\x0f \x0303Codertocat\x0f"),
        "{line:?}"
    );
}

/// With `--nats` the webhook's lines go through the JetStream work queue
/// (a redelivery stored once there too), and the event is published as
/// `vext.events.forge.github.push`, normalized.
#[test]
fn with_nats_the_event_is_published_and_the_lines_go_through_the_stream() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#bus"]);
    let nats = NatsServer::start();
    let tmp = TempDir::new("forge");
    let cfg = forge_config(&tmp, "Codertocat/*", &ircd.url("bus"));
    let daemon = Daemon::start(&[
        "--config",
        cfg.to_str().unwrap(),
        "--nats",
        &nats.url(),
        "--http",
        "127.0.0.1:0",
    ]);
    let body = github_example("push", 4);
    let http = daemon.http.clone().unwrap();
    for _ in 0..2 {
        let (status, reply) = post_github(&http, "push", "n-1", &body, &github_signature(&body));
        assert_eq!(status, 202, "{reply}");
    }
    let got = obs.privmsgs(1, Duration::from_secs(15));
    assert!(got[0].text.contains("Initial commit"), "{}", daemon.log());
    let ev = nats.last_event("vext.events.forge.github.push");
    assert_eq!(ev["data"]["repository"], "Codertocat/Hello-World", "{ev}");
    assert_eq!(ev["data"]["branch"], "master", "{ev}");
    assert!(
        ev["data"]["lines"][0]
            .as_str()
            .unwrap()
            .contains("Initial commit"),
        "{ev}"
    );
    assert!(
        obs.drain(Duration::from_secs(2)).is_empty(),
        "delivered twice"
    );
}

/// 300 webhooks with a bad signature cost no disk: nothing is stored (the
/// history stays empty) and the log has at most a few lines about them
/// (one per 10 s, with a count). Measured: 1 line, 0 stored.
#[test]
fn a_flood_of_forged_webhooks_costs_no_disk() {
    let tmp = TempDir::new("forge");
    let cfg = forge_config(&tmp, "*", "irc://127.0.0.1:1/never");
    let state = TempDir::new("state");
    let dir = state.path().to_str().unwrap().to_string();
    let daemon = Daemon::start(&[
        "--config",
        cfg.to_str().unwrap(),
        "--http",
        "127.0.0.1:0",
        "--state-dir",
        &dir,
    ]);
    let http = daemon.http.clone().unwrap();
    let body = github_example("push", 4);
    for i in 0..300 {
        let (status, _) = post_github(&http, "push", &format!("f-{i}"), &body, "sha256=00ff");
        assert_eq!(status, 401);
    }
    let lines = daemon
        .log()
        .lines()
        .filter(|l| l.contains("forge webhook refused"))
        .count();
    eprintln!("300 forged webhooks: {lines} log lines");
    assert!((1..=3).contains(&lines), "{}", daemon.log());
    let history = vext(["history", "--state-dir", &dir, "--json"]).expect(0);
    assert!(
        history.stdout.trim().is_empty(),
        "stored: {}",
        history.stdout
    );
}
