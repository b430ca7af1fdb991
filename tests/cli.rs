//! The command line itself: help, usage errors, configuration, generated files.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn help_teaches_by_example_and_lists_exit_codes() {
    let out = vext(["--help"]).expect(0);
    assert!(out.stdout.contains("vext send irc://"), "{}", out.stdout);
    assert!(
        out.stdout.contains("75  temporary failure"),
        "{}",
        out.stdout
    );
    let out = vext(["send", "--help"]).expect(0);
    for needle in [
        "--via",
        "--no-ack",
        "--dry-run",
        "--timeout",
        ",isnick",
        "Examples:",
        "77  TLS",
    ] {
        assert!(out.stdout.contains(needle), "send --help lacks {needle}");
    }
    let out = vext(["daemon", "--help"]).expect(0);
    assert!(
        out.stdout.contains("--drain-timeout") && out.stdout.contains("irk "),
        "{}",
        out.stdout
    );
}

#[test]
fn usage_errors_exit_64() {
    let out = vext(["send"]).expect(64);
    assert!(out.stderr.contains("TARGET"), "{}", out.stderr);
    vext(["frobnicate"]).expect(64);
    let out = vext(["send", "irc://h/c", "-m", "x", "--timeout", "0"]).expect(64);
    assert!(out.stderr.contains("timeout"), "{}", out.stderr);
}

#[test]
fn no_message_and_a_terminal_on_stdin_is_a_usage_error_not_a_wait() {
    let start = Instant::now();
    // `script` gives vext a pseudo-terminal as stdin.
    let out = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{VEXT} send irc://127.0.0.1:1/c"),
            "/dev/null",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("running script (util-linux)");
    assert_eq!(
        out.status.code(),
        Some(64),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("-m"));
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn unknown_config_keys_name_the_key_and_the_file() {
    let dir = TempDir::new("cfg");
    let path = dir.write(
        "config.toml",
        "[daemon]\nlisten = \"127.0.0.1:7000\"\nlistn = 1\n",
    );
    let out = vext(["--config", path.to_str().unwrap(), "config", "show"]).expect(78);
    assert!(
        out.stderr.contains("listn") && out.stderr.contains("config.toml"),
        "{}",
        out.stderr
    );
    let out = vext(["--config", "/nonexistent/vext.toml", "config", "show"]).expect(78);
    assert!(
        out.stderr.contains("/nonexistent/vext.toml"),
        "{}",
        out.stderr
    );
}

/// A mistake in one section stops only the commands that read it: scan
/// (which reads none) and nats status (which reads [nats]) go on with a
/// warning naming the file, the key and the section left out; send stops.
#[test]
fn a_broken_section_stops_only_the_commands_that_read_it() {
    let dir = TempDir::new("cfg");
    let typo = dir.write(
        "typo.toml",
        "[send]\ntimeoutt = 3\n\n[nats]\nurl = \"nats://127.0.0.1:1\"\n",
    );
    let not_toml = dir.write("broken.toml", "[send\n");
    let tree = TempDir::new("tree");
    tree.write("Dockerfile", "FROM alpine:3.19\n");
    for cfg in [&typo, &not_toml] {
        let out = vext([
            "--config",
            cfg.to_str().unwrap(),
            "scan",
            tree.path().to_str().unwrap(),
        ])
        .expect(0);
        assert!(out.stdout.contains("alpine"), "{}", out.stdout);
        assert!(
            out.stderr.contains("warning") && out.stderr.contains(cfg.to_str().unwrap()),
            "{}",
            out.stderr
        );
        let out = vext([
            "--config",
            cfg.to_str().unwrap(),
            "send",
            "--dry-run",
            "irc://h/c",
            "-m",
            "x",
        ])
        .expect(78);
        assert!(out.stderr.contains(cfg.to_str().unwrap()), "{}", out.stderr);
    }
    // [nats] is read and used; the broken [send] is only reported.
    let out = vext(["--config", typo.to_str().unwrap(), "nats", "status"]).expect(69);
    assert!(
        out.stderr.contains("timeoutt") && out.stderr.contains("going on without [send]"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("nats://127.0.0.1:1"), "{}", out.stderr);
}

#[test]
fn config_show_merges_env_and_defaults_and_redacts_secrets() {
    let dir = TempDir::new("cfg");
    let path = dir.write(
        "config.toml",
        "[daemon]\nburst = 3\n\n[targets.ops]\nurl = \"ircs://bot:hunter2@irc.example.net/ops?key=sesame\"\n",
    );
    let out = vext(["config", "show"])
        .env("VEXT_CONFIG", path.to_str().unwrap())
        .env("VEXT_LISTEN", "127.0.0.1:7001")
        .expect(0);
    assert!(out.stdout.contains("burst = 3"), "{}", out.stdout);
    assert!(
        out.stdout.contains("listen = \"127.0.0.1:7001\""),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("line_rate = 1.0"), "{}", out.stdout);
    // Each resolved value says where it came from.
    for shown in [
        "burst = 3  # file",
        "listen = \"127.0.0.1:7001\"  # VEXT_LISTEN",
        "line_rate = 1.0  # default",
    ] {
        assert!(out.stdout.contains(shown), "{shown:?} in {}", out.stdout);
    }
    assert!(
        !out.stdout.contains("hunter2") && !out.stdout.contains("sesame"),
        "{}",
        out.stdout
    );
}

#[test]
fn named_targets_from_the_config_file() {
    let dir = TempDir::new("cfg");
    let path = dir.write(
        "config.toml",
        "[targets.ops]\nurl = \"irc://127.0.0.1:6667/ops\"\n",
    );
    let cfg = path.to_str().unwrap();
    let out = vext(["--config", cfg, "send", "--dry-run", "@ops", "-m", "x"]).expect(0);
    assert!(
        out.stdout.contains("\"to\":\"irc://127.0.0.1:6667/ops\""),
        "{}",
        out.stdout
    );
    let out = vext(["--config", cfg, "send", "--dry-run", "@nope", "-m", "x"]).expect(64);
    assert!(out.stderr.contains("@ops"), "{}", out.stderr);
}

/// Every page a man page names (`vext\-hook\-git(1)`) is in man/, and no
/// page names a `help` subcommand.
#[test]
fn man_pages_name_only_pages_that_exist() {
    let man = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let mut missing = Vec::new();
    let mut pages = 0;
    for entry in std::fs::read_dir(&man).unwrap().flatten() {
        pages += 1;
        let text = std::fs::read_to_string(entry.path())
            .unwrap()
            .replace("\\-", "-");
        for (i, _) in text.match_indices("(1)") {
            let start = text[..i]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .map_or(0, |p| p + 1);
            let name = &text[start..i];
            if name.starts_with("vext") && !man.join(format!("{name}.1")).exists() {
                missing.push(format!(
                    "{} names {name}(1)",
                    entry.file_name().to_string_lossy()
                ));
            }
        }
    }
    assert!(pages > 10, "{pages} pages");
    assert!(missing.is_empty(), "{missing:?}");
}

/// completions/ and man/ are generated from cli.rs and committed. This fails
/// when they are stale; VEXT_REGENERATE=1 rewrites them.
#[test]
fn generated_completions_and_man_pages_are_fresh() {
    let dir = TempDir::new("gen");
    vext(["generate", "--out", dir.path().to_str().unwrap()]).expect(0);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let regenerate = std::env::var_os("VEXT_REGENERATE").is_some();
    let mut stale = Vec::new();
    for sub in ["completions", "man"] {
        let fresh_dir = dir.path().join(sub);
        let mut names: Vec<_> = std::fs::read_dir(&fresh_dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        names.sort();
        assert!(!names.is_empty());
        for name in names {
            let fresh = std::fs::read(fresh_dir.join(&name)).unwrap();
            let committed_path = repo.join(sub).join(&name);
            if std::fs::read(&committed_path).ok().as_deref() != Some(&fresh[..]) {
                if regenerate {
                    std::fs::create_dir_all(repo.join(sub)).unwrap();
                    std::fs::write(&committed_path, &fresh).unwrap();
                } else {
                    stale.push(committed_path.display().to_string());
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files (run VEXT_REGENERATE=1 cargo test generated): {stale:?}"
    );
    for page in ["vext.1", "vext-send.1", "vext-daemon.1"] {
        assert!(
            repo.join("man").join(page).is_file() || regenerate,
            "{page} missing"
        );
    }
}

/// irkerd's INI file is read as a migration path (recognised by its
/// content), keys without a vext meaning come with a note, and the
/// IRKERD_* variables sit below VEXT_*.
#[test]
fn irkerds_ini_file_and_variables() {
    let dir = TempDir::new("ini");
    let ini = dir.write(
        "vext.conf",
        "[daemon]\nhost = 127.0.0.1\nport = 7659\nthreads = 8\n\n[irc]\nnick = oldbot\ntimeout = 900\n\n[features]\ncolor_mode = mIRC\nrate_limit = 2\n",
    );
    let ini = ini.to_str().unwrap();
    let out = vext(["--config", ini, "config", "show"]).expect(0);
    for shown in [
        "listen = \"127.0.0.1:7659\"  # file",
        "nick = \"oldbot\"  # file",
        "connection_ttl = 900  # file",
        "line_rate = 2.0  # file",
    ] {
        assert!(out.stdout.contains(shown), "{shown:?} in {}", out.stdout);
    }
    assert!(
        out.stdout.contains("# note: ") && out.stdout.contains("threads"),
        "{}",
        out.stdout
    );
    // IRKERD_* over the file, VEXT_* over both.
    let out = vext(["--config", ini, "config", "show"])
        .env("IRKERD_PORT", "7777")
        .env("IRKERD_NICK", "envbot")
        .expect(0);
    assert!(
        out.stdout
            .contains("listen = \"127.0.0.1:7777\"  # IRKERD_HOST/IRKERD_PORT"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("nick = \"envbot\"  # IRKERD_NICK"),
        "{}",
        out.stdout
    );
    let out = vext(["--config", ini, "config", "show"])
        .env("IRKERD_PORT", "7777")
        .env("VEXT_LISTEN", "127.0.0.1:7001")
        .expect(0);
    assert!(
        out.stdout
            .contains("listen = \"127.0.0.1:7001\"  # VEXT_LISTEN"),
        "{}",
        out.stdout
    );
    // A bad value names its line.
    let bad = dir.write("bad.conf", "[daemon]\nport = sixty\n");
    let out = vext(["--config", bad.to_str().unwrap(), "config", "show"]).expect(78);
    assert!(out.stderr.contains("line 2"), "{}", out.stderr);
}

/// Webhook URLs are their own secret: config show prints none of them in
/// full, in [targets], in [check] notify or in a forge route.
#[test]
fn config_show_hides_webhook_secrets() {
    let dir = TempDir::new("cfg");
    let path = dir.write(
        "config.toml",
        "[targets.team]\nurl = \"slack://T000/B000/SLACKSECRET\"\n\n[check]\nnotify = [\"discord://1234/DISCORDSECRET\", \"@team\"]\n\n\
         [[forge.route]]\nrepository = \"*\"\nto = [\"discord://99/FORGESECRET\"]\n",
    );
    let out = vext(["--config", path.to_str().unwrap(), "config", "show"]).expect(0);
    assert!(out.stdout.contains("[[forge.route]]"), "{}", out.stdout);
    for secret in ["SLACKSECRET", "DISCORDSECRET", "FORGESECRET"] {
        assert!(!out.stdout.contains(secret), "{secret} in {}", out.stdout);
    }
    assert!(out.stdout.contains("slack://***"), "{}", out.stdout);
}

/// A static binary carries its completions: `vext completions SHELL`.
#[test]
fn completions_for_each_shell() {
    let bash = vext(["completions", "bash"]).expect(0).stdout;
    assert!(
        bash.contains("_vext") && bash.contains("complete"),
        "{bash}"
    );
    let fish = vext(["completions", "fish"]).expect(0).stdout;
    assert!(fish.contains("complete -c vext"), "{fish}");
    vext(["completions", "tcsh"]).expect(64);
}

/// A password given in a URL on the command line is not in the process
/// title (`ps`, /proc/PID/cmdline) while vext runs.
#[test]
fn secrets_on_the_command_line_are_masked_in_the_process_title() {
    // A "daemon" that takes the request and never answers: vext waits.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let mut child = std::process::Command::new(VEXT)
        .args([
            "send",
            "--via",
            &addr,
            "irc://bob:hunter2@127.0.0.1:1/ops",
            "slack://T01/B02/s3cr3tpath",
            "-m",
            "x",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (_conn, _) = listener.accept().unwrap();
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let shown = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    assert!(
        !shown.contains("hunter2") && !shown.contains("s3cr3tpath"),
        "{shown}"
    );
    assert!(
        shown.contains("irc://bob:*******@127.0.0.1:1/ops"),
        "{shown}"
    );
}

/// A reader that goes away (`vext config show | head -0`) ends the command
/// quietly and with success: no "Broken pipe" error, no panic.
#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    use std::process::{Command, Stdio};
    for args in [&["config", "reference"][..], &["config", "show"][..]] {
        let mut child = Command::new(VEXT)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Closed before vext writes a byte: its first write meets EPIPE.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

/// Everything the daemon will use is checked before it says it is ready:
/// a bad [policy] with --check-every stops the start (exit 78, naming the
/// key) instead of a warning from every scheduled check (as before).
#[test]
fn a_bad_policy_stops_the_daemon_before_it_is_ready() {
    let dir = TempDir::new("policy");
    let cfg = dir.write(
        "config.toml",
        "[check]\nimages = [\"nginx:1.0\"]\nnotify = [\"irc://127.0.0.1:9/x\"]\n\n[policy]\nallow = \"sometimes\"\n",
    );
    let state = dir.path().join("state");
    let out = vext([
        "--config",
        cfg.to_str().unwrap(),
        "daemon",
        "--listen",
        "127.0.0.1:0",
        "--state-dir",
        state.to_str().unwrap(),
        "--check-every",
        "1h",
    ])
    .expect(78);
    assert!(
        out.stderr.contains("[policy]") && out.stderr.contains("sometimes"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("listening"), "{}", out.stderr);
}
