//! Matrix against a real Synapse: token and password logins (one device),
//! aliases and auto-join, HTML formatting, encrypted-room warnings, and
//! delivery through the daemon across a homeserver restart.

use std::time::{Duration, Instant};

use crate::support::*;

/// A public room made by `owner`, with an alias; returns the room id.
#[test]
fn token_send_to_an_alias_with_markdown_and_title() {
    let hs = Synapse::start();
    let owner = hs.user("owner", "owner-pass-1");
    let bot = hs.user("bot", "bot-pass-1");
    let room_id = hs.room(&owner, "ops", false);
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
    let m = hs.wait_messages(&room_id, &owner, 1);
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
    let plain = hs.room(&owner, "plain", false);
    let secret_room = hs.room(&owner, "secret", true);
    let state = TempDir::new("state");
    let cfg_dir = TempDir::new("cfg");
    let pw = cfg_dir.write("pw", "bot-pass-1\n");
    let url = format!("matrix://bot@127.0.0.1:{}/%23plain:localhost", hs.port);
    let enc_url = format!("matrix://bot@127.0.0.1:{}/%23secret:localhost", hs.port);
    let cfg = cfg_dir.write("config.toml", &format!(
        "[targets.plain]\nurl = \"{url}\"\npassword_file = \"{}\"\n\n[targets.secret]\nurl = \"{enc_url}\"\npassword_file = \"{}\"\n",
        pw.display(), pw.display()));
    // Three runs at once with no session yet: one logs in, the others wait
    // and use its session.
    let runs: Vec<_> = (0..3)
        .map(|i| {
            let cfg = cfg.clone();
            let state = state.path().to_path_buf();
            std::thread::spawn(move || {
                vext([
                    "--config",
                    cfg.to_str().unwrap(),
                    "send",
                    "@plain",
                    "-m",
                    &format!("run {i}"),
                ])
                .env("XDG_STATE_HOME", state.to_str().unwrap())
                .expect(0);
            })
        })
        .collect();
    for r in runs {
        r.join().unwrap();
    }
    assert_eq!(hs.wait_messages(&plain, &owner, 3).len(), 3);
    // The session is kept in the state database (0600), not a JSON file,
    // and reused: one device for three runs.
    let db = state.path().join("vext/spool.sqlite");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&db).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(!state.path().join("vext/matrix-sessions.json").exists());
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
    assert_eq!(hs.wait_messages(&secret_room, &owner, 1).len(), 1);
}

#[test]
fn through_the_daemon_across_a_homeserver_restart() {
    let mut hs = Synapse::start();
    let owner = hs.user("owner", "owner-pass-1");
    let bot = hs.user("bot", "bot-pass-1");
    let room_id = hs.room(&owner, "alerts", false);
    let url = format!("matrix://127.0.0.1:{}/%23alerts:localhost", hs.port);
    let state = TempDir::new("state");
    // The daemon reads the token from its own environment, never from
    // requests, and gives it only to the homeserver it is bound to.
    let homeserver = format!("http://127.0.0.1:{}", hs.port);
    let daemon = Daemon::start_env(
        &["--state-dir", state.path().to_str().unwrap()],
        &[
            ("VEXT_MATRIX_TOKEN", &bot),
            ("VEXT_MATRIX_HOMESERVER", &homeserver),
        ],
    );
    vext(["send", "--via", &daemon.tcp, &url, "-m", "before"]).expect(0);
    assert_eq!(
        hs.wait_messages(&room_id, &owner, 1).len(),
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
    // Restart once a delivery attempt has failed against the stopped server.
    let port = format!(":{}/", hs.port);
    let failed = || {
        daemon
            .log()
            .lines()
            .any(|l| l.contains(&port) && !l.contains("delivered to"))
    };
    let until = Instant::now() + Duration::from_secs(20);
    while !failed() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(failed(), "no failed attempt: {}", daemon.log());
    hs.restart();
    let m = hs.wait_messages(&room_id, &owner, 2);
    let bodies: Vec<&str> = m
        .iter()
        .filter_map(|e| e["content"]["body"].as_str())
        .collect();
    assert_eq!(bodies, ["before", "db: while down"], "{}", daemon.log());
}

#[test]
fn rate_limits_are_waited_out() {
    let hs = Synapse::start();
    let admin = hs.admin("admin", "admin-pass-1");
    let bot = hs.user("bot", "bot-pass-1");
    let room_id = hs.room(&admin, "busy", false);
    // Synapse's own limiter, lowered for the bot through the admin API.
    let (status, v) = http_json(
        "POST",
        &format!(
            "{}/_synapse/admin/v1/users/@bot:localhost/override_ratelimit",
            hs.base()
        ),
        Some(&admin),
        Some(&serde_json::json!({"messages_per_second": 1, "burst_count": 1})),
    )
    .unwrap();
    assert_eq!(status, 200, "{v}");
    let url = format!("matrix://127.0.0.1:{}/{room_id}", hs.port);
    let state = TempDir::new("state");
    let mut waited = false;
    for i in 0..4 {
        let out = vext(["send", "-v", &url, "-m", &format!("burst {i}")])
            .env("VEXT_MATRIX_TOKEN", &bot)
            .env("XDG_STATE_HOME", state.path().to_str().unwrap())
            .expect(0);
        waited |= out.stderr.contains("rate limited (429)");
    }
    assert!(waited, "no 429 was met");
    let bodies: Vec<String> = hs
        .wait_messages(&room_id, &admin, 4)
        .iter()
        .filter_map(|e| e["content"]["body"].as_str().map(String::from))
        .collect();
    assert_eq!(bodies, ["burst 0", "burst 1", "burst 2", "burst 3"]);
}

/// Forwards HTTP to Synapse, but drops the reply to the first message PUT:
/// the event is stored, the client never hears so and must retry.
fn lossy_proxy(upstream: u16) -> u16 {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::sync::atomic::{AtomicBool, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dropped = std::sync::Arc::new(AtomicBool::new(false));
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let dropped = dropped.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(client.try_clone().unwrap());
                loop {
                    let mut head = String::new();
                    loop {
                        let mut l = String::new();
                        if reader.read_line(&mut l).map_or(true, |n| n == 0) {
                            return;
                        }
                        head.push_str(&l);
                        if l == "\r\n" {
                            break;
                        }
                    }
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    let mut body = vec![0; len];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    let mut up = std::net::TcpStream::connect(("127.0.0.1", upstream)).unwrap();
                    let head = head.replace("Connection: keep-alive", "Connection: close");
                    let head = if head.to_ascii_lowercase().contains("connection:") {
                        head
                    } else {
                        head.replacen("\r\n", "\r\nConnection: close\r\n", 1)
                    };
                    up.write_all(head.as_bytes()).unwrap();
                    up.write_all(&body).unwrap();
                    let mut reply = Vec::new();
                    let _ = up.read_to_end(&mut reply);
                    if head.starts_with("PUT ")
                        && head.contains("/send/m.room.message/")
                        && !dropped.swap(true, Ordering::SeqCst)
                    {
                        return; // the reply is lost
                    }
                    let mut c = &client;
                    if c.write_all(&reply).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

#[test]
fn a_retry_after_a_lost_reply_is_not_a_duplicate() {
    let hs = Synapse::start();
    let owner = hs.user("owner", "owner-pass-1");
    let bot = hs.user("bot", "bot-pass-1");
    let room_id = hs.room(&owner, "once", false);
    let proxy = lossy_proxy(hs.port);
    let url = format!("matrix://127.0.0.1:{proxy}/{room_id}");
    let state = TempDir::new("state");
    let homeserver = format!("http://127.0.0.1:{proxy}");
    let daemon = Daemon::start_env(
        &["--state-dir", state.path().to_str().unwrap()],
        &[
            ("VEXT_MATRIX_TOKEN", &bot),
            ("VEXT_MATRIX_HOMESERVER", &homeserver),
        ],
    );
    vext(["send", "--via", &daemon.tcp, &url, "-m", "exactly once"]).expect(0);
    // Wait until the spool says delivered (after the retry), then count events.
    let out = daemon.wait_delivered(state.path(), Duration::from_secs(30));
    assert!(out.contains("\"attempts\":2"), "a retry happened: {out}");
    let bodies: Vec<String> = hs
        .messages(&room_id, &owner)
        .iter()
        .filter_map(|e| e["content"]["body"].as_str().map(String::from))
        .collect();
    assert_eq!(bodies, ["exactly once"], "the same txnId made one event");
}

/// Serves `/.well-known/matrix/client` over HTTPS on 127.0.0.1:443 (inside
/// the test's private network), pointing at `base_url`.
fn well_known_server(
    ca: &TestCa,
    base_url: String,
) -> std::sync::Arc<std::sync::Mutex<Vec<String>>> {
    use std::io::{BufRead, BufReader, Write};
    let config = ca.server_config(false);
    let listener =
        std::net::TcpListener::bind("127.0.0.1:443").expect("port 443 in the private network");
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = asked.clone();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut request = String::new();
            {
                let mut reader = BufReader::new(&mut tls);
                if reader.read_line(&mut request).is_err() {
                    continue;
                }
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).map_or(true, |n| n == 0) || h == "\r\n" {
                        break;
                    }
                }
            }
            let path = request.split(' ').nth(1).unwrap_or("").to_string();
            log.lock().unwrap().push(path.clone());
            let (status, body) = if path == "/.well-known/matrix/client" {
                (
                    200,
                    format!("{{\"m.homeserver\":{{\"base_url\":\"{base_url}/\"}}}}"),
                )
            } else {
                (404, "{\"errcode\":\"M_UNRECOGNIZED\"}".to_string())
            };
            let _ = write!(tls, "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    asked
}

#[test]
fn well_known_discovery_behind_a_private_ca() {
    // Port 443 and the name localhost, in a network of this test's own.
    private_network();
    let hs = Synapse::start();
    let owner = hs.user("owner", "owner-pass-1");
    let bot = hs.user("bot", "bot-pass-1");
    let room_id = hs.room(&owner, "ops", false);
    let ca = TestCa::new();
    let asked = well_known_server(&ca, format!("http://127.0.0.1:{}", hs.port));
    // No port in the URL: /.well-known/matrix/client names the homeserver,
    // over HTTPS that only --ca-file vouches for.
    let send = |extra: &[&str]| {
        let mut args = vec![
            "send",
            "matrixs://localhost/%23ops:localhost",
            "-m",
            "found you",
        ];
        args.extend_from_slice(extra);
        vext(args).env("VEXT_MATRIX_TOKEN", &bot).run()
    };
    let ca_file = ca.ca.to_str().unwrap().to_string();
    let out = send(&["--ca-file", &ca_file]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let m = hs.wait_messages(&room_id, &owner, 1);
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0]["content"]["body"], "found you");
    assert_eq!(
        asked.lock().unwrap().as_slice(),
        ["/.well-known/matrix/client"]
    );
    // Without the CA the certificate is not trusted: exit 77, nothing sent.
    let out = send(&[]);
    assert_eq!(out.code, 77, "{}", out.stderr);
    assert!(out.stderr.contains("localhost"), "{}", out.stderr);
    assert_eq!(hs.messages(&room_id, &owner).len(), 1);
}

#[test]
fn a_remembered_room_left_meanwhile_is_joined_again() {
    let hs = Synapse::start();
    let owner = hs.user("owner", "owner-pass-1");
    let bot = hs.user("bot", "bot-pass-1");
    let room_id = hs.room(&owner, "ops", false);
    let url = format!("matrix://127.0.0.1:{}/%23ops:localhost", hs.port);
    let send = |text: &str| {
        vext(["send", &url, "-m", text])
            .env("VEXT_MATRIX_TOKEN", &bot)
            .env("XDG_STATE_HOME", hs.dir.path().to_str().unwrap())
            .run()
    };
    assert_eq!(send("one").code, 0);
    // The bot is kicked; vext still remembers the room as joined.
    let (status, v) = hs.api(
        "POST",
        &format!("/rooms/{room_id}/kick"),
        &owner,
        Some(&serde_json::json!({"user_id": "@bot:localhost", "reason": "test"})),
    );
    assert_eq!(status, 200, "{v}");
    let out = send("two");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bodies: Vec<String> = hs
        .wait_messages(&room_id, &owner, 2)
        .iter()
        .map(|m| m["content"]["body"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(bodies, ["one", "two"]);
}
