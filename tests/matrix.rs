//! Matrix against a real Synapse: token and password logins (one device),
//! aliases and auto-join, HTML formatting, encrypted-room warnings, and
//! delivery through the daemon across a homeserver restart.

use std::time::{Duration, Instant};

use crate::support::*;

/// A public room made by `owner`, with an alias; returns the room id.
fn room(hs: &Synapse, owner: &str, alias: &str, encrypted: bool) -> String {
    let mut body = serde_json::json!({"room_alias_name": alias, "preset": "public_chat"});
    if encrypted {
        body["initial_state"] = serde_json::json!([{"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}]);
    }
    let (status, v) = hs.api("POST", "/createRoom", owner, Some(&body));
    assert_eq!(status, 200, "{v}");
    v["room_id"].as_str().unwrap().to_string()
}

fn wait_messages(hs: &Synapse, room: &str, token: &str, n: usize) -> Vec<serde_json::Value> {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let m = hs.messages(room, token);
        if m.len() >= n || Instant::now() > until {
            return m;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn token_send_to_an_alias_with_markdown_and_title() {
    let hs = Synapse::start();
    let owner = hs.user("owner", "owner-pass-1");
    let bot = hs.user("bot", "bot-pass-1");
    let room_id = room(&hs, &owner, "ops", false);
    let url = format!("matrix://127.0.0.1:{}/%23ops:localhost", hs.port);
    vext([
        "send",
        &url,
        "--format",
        "markdown",
        "--title",
        "deploy",
        "--type",
        "success",
        "-m",
        "**web-1** is live",
    ])
    .env("VEXT_MATRIX_TOKEN", &bot)
    .env("XDG_STATE_HOME", hs.dir.path().to_str().unwrap())
    .expect(0);
    let m = wait_messages(&hs, &room_id, &owner, 1);
    assert_eq!(m.len(), 1, "{m:?}");
    let c = &m[0]["content"];
    assert_eq!(m[0]["sender"], "@bot:localhost");
    assert_eq!(c["msgtype"], "m.notice");
    assert!(
        c["body"].as_str().unwrap().contains("**web-1** is live"),
        "{c}"
    );
    assert!(
        c["formatted_body"]
            .as_str()
            .unwrap()
            .contains("<strong>web-1</strong>"),
        "{c}"
    );
    assert!(
        c["formatted_body"]
            .as_str()
            .unwrap()
            .contains("<b>deploy</b>"),
        "{c}"
    );
    // A token in the URL is refused before anything is sent.
    let out = vext(["send", &format!("{url}?token={bot}"), "-m", "x"]).expect(64);
    assert!(out.stderr.contains("leak"), "{}", out.stderr);
}

#[test]
fn password_login_keeps_one_device_and_warns_about_encryption() {
    let hs = Synapse::start();
    let owner = hs.user("owner", "owner-pass-1");
    hs.user("bot", "bot-pass-1");
    let plain = room(&hs, &owner, "plain", false);
    let secret_room = room(&hs, &owner, "secret", true);
    let state = TempDir::new("state");
    let cfg_dir = TempDir::new("cfg");
    let pw = cfg_dir.write("pw", "bot-pass-1\n");
    let url = format!("matrix://bot@127.0.0.1:{}/%23plain:localhost", hs.port);
    let enc_url = format!("matrix://bot@127.0.0.1:{}/%23secret:localhost", hs.port);
    let cfg = cfg_dir.write("config.toml", &format!(
        "[targets.plain]\nurl = \"{url}\"\npassword_file = \"{}\"\n\n[targets.secret]\nurl = \"{enc_url}\"\npassword_file = \"{}\"\n",
        pw.display(), pw.display()));
    for i in 0..3 {
        vext([
            "--config",
            cfg.to_str().unwrap(),
            "send",
            "@plain",
            "-m",
            &format!("run {i}"),
        ])
        .env("XDG_STATE_HOME", state.path().to_str().unwrap())
        .expect(0);
    }
    assert_eq!(wait_messages(&hs, &plain, &owner, 3).len(), 3);
    // The session is kept (0600) and reused: one device for three runs.
    let sessions = state.path().join("vext/matrix-sessions.json");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&sessions).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let bot_token = hs.login("bot", "bot-pass-1");
    let (_, devices) = hs.api("GET", "/devices", &bot_token, None);
    let vext_devices = devices["devices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["display_name"] == "vext")
        .count();
    assert_eq!(vext_devices, 1, "{devices}");
    // An encrypted room: delivered, with a clear warning.
    let out = vext([
        "--config",
        cfg.to_str().unwrap(),
        "send",
        "@secret",
        "-m",
        "in the clear",
    ])
    .env("XDG_STATE_HOME", state.path().to_str().unwrap())
    .expect(0);
    assert!(
        out.stderr.contains("end-to-end encrypted"),
        "{}",
        out.stderr
    );
    assert_eq!(wait_messages(&hs, &secret_room, &owner, 1).len(), 1);
}

#[test]
fn through_the_daemon_across_a_homeserver_restart() {
    let mut hs = Synapse::start();
    let owner = hs.user("owner", "owner-pass-1");
    let bot = hs.user("bot", "bot-pass-1");
    let room_id = room(&hs, &owner, "alerts", false);
    let url = format!("matrix://127.0.0.1:{}/%23alerts:localhost", hs.port);
    let state = TempDir::new("state");
    // The daemon reads the token from its own environment, never from requests.
    let daemon = Daemon::start_env(
        &["--state-dir", state.path().to_str().unwrap()],
        &[("VEXT_MATRIX_TOKEN", &bot)],
    );
    vext(["send", "--via", &daemon.tcp, &url, "-m", "before"]).expect(0);
    assert_eq!(
        wait_messages(&hs, &room_id, &owner, 1).len(),
        1,
        "{}",
        daemon.log()
    );
    hs.stop();
    vext([
        "send",
        "--via",
        &daemon.tcp,
        &url,
        "--title",
        "db",
        "-m",
        "while down",
    ])
    .expect(0);
    std::thread::sleep(Duration::from_secs(2));
    hs.restart();
    let m = wait_messages(&hs, &room_id, &owner, 2);
    let bodies: Vec<&str> = m
        .iter()
        .filter_map(|e| e["content"]["body"].as_str())
        .collect();
    assert_eq!(bodies, ["before", "db: while down"], "{}", daemon.log());
}
