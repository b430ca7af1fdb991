//! No secret in any output: one run exercises every kind of target with a
//! known secret (an IRC server password, a NickServ password, the HMAC
//! secret, a Matrix access token, webhook URLs whose path, password, query
//! and headers are secrets, a refused Discord token), then greps everything
//! vext shows for each: the daemon's log at trace level (every module's),
//! `/metrics`, `vext history` (table and JSON), `vext config show`, the
//! clients' errors at -vvv, the replies to refused requests and the daemon's
//! process title.

use std::time::Duration;

use crate::support::*;

const IRC_PASS: &str = "ircpass-6d1f";
const NICKSERV: &str = "nickserv-0b7e";
const HMAC: &str = "hmac-secret-4c2a-0123456789abcdef";
const WEB_PASS: &str = "webpass-91ac";
const QUERY_TOKEN: &str = "querytok-5e3b";
const HEADER_TOKEN: &str = "headertok-77d0";
const MM_KEY: &str = "mmkey-2f8c";
const SLACK_SECRET: &str = "slacksecret-a4e9";
const DISCORD_TOKEN: &str = "discordtok-c0d3";

#[test]
fn no_secret_reaches_any_output() {
    let ircd = Ngircd::with(IrcdOptions {
        password: Some(IRC_PASS.into()),
        ..Default::default()
    });
    let mut obs = Observer::with_pass(ircd.port, "sobs", IRC_PASS, &["#sec"]);
    let hs = Synapse::start();
    let owner = hs.user("owner", "owner-pass-1");
    let matrix_token = hs.user("bot", "bot-pass-1");
    let room_id = hs.room(&owner, "sec", false);
    let hook = Fake::start(vec![]);
    // Every request to this one fails for good: its URL reaches the errors.
    let gone = Fake::start(vec![(404, ""); 8]);

    let dir = TempDir::new("secrets");
    let secret_file = dir.write("hmac", &format!("{HMAC}\n"));
    let nickserv = dir.write("nickserv", &format!("{NICKSERV}\n"));
    let slack = format!("slack://T01/B02/{SLACK_SECRET}");
    let cfg = dir.write(
        "config.toml",
        &format!(
            "[targets.slack]\nurl = \"{slack}\"\napi_base = \"{base}\"\n\n\
             [targets.generic]\nurl = \"webhook+http://127.0.0.1:{port}/in\"\n\
             headers = {{ \"X-Token\" = \"{HEADER_TOKEN}\" }}\n\n\
             [check]\nnotify = [\"{slack}\"]\n",
            base = hook.base(),
            port = hook.port
        ),
    );
    let state = TempDir::new("state");
    let allow: Vec<String> = [
        "irc://*",
        "matrix://*",
        "webhook+http://*",
        "mattermost://*",
    ]
    .iter()
    .flat_map(|p| ["--allow-target".to_string(), p.to_string()])
    .collect();
    let mut args = vec![
        "--config",
        cfg.to_str().unwrap(),
        "--state-dir",
        state.path().to_str().unwrap(),
        "--secret-file",
        secret_file.to_str().unwrap(),
        "--nickserv-password-file",
        nickserv.to_str().unwrap(),
        "--http",
        "127.0.0.1:0",
    ];
    args.extend(allow.iter().map(String::as_str));
    let daemon = Daemon::start_env(
        &args,
        &[
            ("VEXT_LOG", "trace"),
            ("VEXT_MATRIX_TOKEN", &matrix_token),
            (
                "VEXT_MATRIX_HOMESERVER",
                &format!("http://127.0.0.1:{}", hs.port),
            ),
        ],
    );

    let via = |target: &str, text: &str| {
        vext([
            "-vvv",
            "send",
            "--via",
            &daemon.tcp,
            "--secret-file",
            secret_file.to_str().unwrap(),
            target,
            "-m",
            text,
        ])
        .run()
    };
    let irc = format!("irc://bob:{IRC_PASS}@127.0.0.1:{}/sec", ircd.port);
    let matrix = format!("matrix://127.0.0.1:{}/%23sec:localhost", hs.port);
    let generic = format!(
        "webhook+http://user:{WEB_PASS}@127.0.0.1:{}/in?token={QUERY_TOKEN}",
        hook.port
    );
    let mattermost = format!("mattermost://127.0.0.1:{}/hooks/{MM_KEY}", hook.port);
    let failing = format!(
        "webhook+http://user:{WEB_PASS}@127.0.0.1:{}/gone?token={QUERY_TOKEN}",
        gone.port
    );
    let mut shown = Vec::new();
    for (target, text) in [
        (&irc, "to irc"),
        (&matrix, "to matrix"),
        (&generic, "to the hook"),
        (&mattermost, "to mattermost"),
        (&failing, "to a hook that is gone"),
    ] {
        let out = via(target, text);
        assert_eq!(out.code, 0, "{target}: {}", out.stderr);
        shown.push((format!("send --via {text}"), out.stdout + &out.stderr));
    }
    // Refused by --allow-target: the reply and the log name the target.
    let refused = via(&format!("discord://1/{DISCORD_TOKEN}"), "refused");
    assert_ne!(refused.code, 0, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("discord://"),
        "the refusal names the target: {}",
        refused.stderr
    );
    shown.push(("a refused request".into(), refused.stdout + &refused.stderr));

    assert_eq!(obs.privmsgs(1, Duration::from_secs(15))[0].text, "to irc");
    assert_eq!(hs.wait_messages(&room_id, &owner, 1).len(), 1);
    assert!(hook.wait(2).len() >= 2, "{}", daemon.log());
    // The hook that is gone has failed by now, and the rest are delivered.
    let history = daemon.wait_history(state.path(), Duration::from_secs(30), |out| {
        out.matches("\"delivered\"").count() >= 4 && out.contains("\"failed\"")
    });
    shown.push(("history --json".into(), history));
    for extra in [&[][..], &["--limit", "100"][..], &["--state", "failed"][..]] {
        let mut a = vec!["history", "--state-dir", state.path().to_str().unwrap()];
        a.extend_from_slice(extra);
        let out = vext(&a).run();
        shown.push((format!("history {extra:?}"), out.stdout + &out.stderr));
    }
    let (_, metrics) = http_get(daemon.http.as_deref().unwrap(), "/metrics");
    assert!(metrics.contains("vext_"), "{metrics}");
    shown.push(("/metrics".into(), metrics));
    let config = vext(["--config", cfg.to_str().unwrap(), "config", "show"]).expect(0);
    assert!(config.stdout.contains("slack://"), "{}", config.stdout);
    shown.push(("config show".into(), config.stdout + &config.stderr));

    // Directly, at -vvv: a webhook that is gone, and the configured ones.
    let direct = vext(["-vvv", "send", &failing, "-m", "direct"]).run();
    assert_ne!(direct.code, 0);
    shown.push((
        "send to a hook that is gone".into(),
        direct.stdout + &direct.stderr,
    ));
    let configured = vext([
        "-vvv",
        "--config",
        cfg.to_str().unwrap(),
        "send",
        "@slack",
        "@generic",
        "-m",
        "configured",
    ])
    .expect(0);
    shown.push((
        "send @slack @generic".into(),
        configured.stdout + &configured.stderr,
    ));
    let hits = hook.wait(4);
    assert!(
        hits.iter()
            .any(|h| h.headers.iter().any(|(_, v)| v == HEADER_TOKEN)),
        "the header reached the hook: {hits:?}"
    );

    let title = std::fs::read(format!("/proc/{}/cmdline", daemon.pid())).unwrap();
    shown.push((
        "the daemon's process title".into(),
        String::from_utf8_lossy(&title).into(),
    ));
    let log = daemon.log();
    assert!(log.contains("PASS ***"), "the trace is on: {log}");
    shown.push(("the daemon's log".into(), log));

    for (what, text) in &shown {
        for secret in [
            IRC_PASS,
            NICKSERV,
            HMAC,
            &matrix_token,
            WEB_PASS,
            QUERY_TOKEN,
            HEADER_TOKEN,
            MM_KEY,
            SLACK_SECRET,
            DISCORD_TOKEN,
        ] {
            assert!(!text.contains(secret), "{secret} in {what}:\n{text}");
        }
    }
}
