//! `vext semaphore` against a fake Semaphore UI that follows its API
//! documentation (no Semaphore can be installed here); an opt-in test runs
//! against a real one when SEMAPHORE_URL and SEMAPHORE_TOKEN are set.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::*;

fn sem(fake: &FakeSemaphore, args: &[&str]) -> Vext {
    let mut all = vec!["semaphore", "--url", &fake.url];
    all.extend(args);
    vext(all.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .env("VEXT_SEMAPHORE_TOKEN", &fake.token)
}

#[test]
fn projects_and_templates_by_name_or_id() {
    let fake = FakeSemaphore::start("tok-1");
    let out = sem(&fake, &["projects"]).expect(0);
    assert!(
        out.stdout.contains("1  Infra") && out.stdout.contains("2  Web"),
        "{}",
        out.stdout
    );
    let out = sem(&fake, &["templates", "infra", "--json"]).expect(0);
    let t: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        t,
        json!([{"id": 5, "name": "Deploy web"}, {"id": 6, "name": "Backup"}])
    );
    let out = sem(&fake, &["templates", "1"]).expect(0);
    assert!(out.stdout.contains("Backup"));
    let out = sem(&fake, &["run", "Infra", "Nope"]).expect(65);
    assert!(
        out.stderr
            .contains("no template in project Infra named \"Nope\"")
            && out.stderr.contains("Deploy web (5)"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    let out = sem(&fake, &["status", "Infra", "999"]).expect(65);
    assert!(
        out.stderr.contains("task 999 in project 1 does not exist"),
        "{}",
        out.stderr
    );
}

#[test]
fn run_wait_follow_posts_what_was_given_and_exits_with_the_outcome() {
    let fake = FakeSemaphore::start("tok-2");
    let child = std::thread::scope(|s| {
        let h = s.spawn(|| {
            sem(
                &fake,
                &[
                    "run",
                    "infra",
                    "deploy WEB",
                    "--limit",
                    "web1",
                    "--tags",
                    "nginx",
                    "--dry-run",
                    "--extra-vars",
                    r#"{"version":"1.2"}"#,
                    "--follow",
                    "--poll",
                    "100ms",
                ],
            )
            .run()
        });
        let task = fake.wait_task();
        for (status, lines) in [
            ("starting", &[][..]),
            ("running", &["PLAY [web]", "TASK [nginx : install]"][..]),
            ("running", &["ok: [web1]"][..]),
            ("success", &["PLAY RECAP", "web1 : ok=2 changed=0"][..]),
        ] {
            std::thread::sleep(Duration::from_millis(300));
            fake.advance(task, status, lines);
        }
        h.join().unwrap()
    });
    assert_eq!(child.code, 0, "{}", child.stderr);
    assert_eq!(
        child.stdout,
        "PLAY [web]\nTASK [nginx : install]\nok: [web1]\nPLAY RECAP\nweb1 : ok=2 changed=0\n",
        "each log line once, in order"
    );
    let posts: Vec<Value> = fake
        .requests()
        .into_iter()
        .filter(|(m, p, _)| m == "POST" && p == "/api/project/1/tasks")
        .map(|(_, _, b)| b)
        .collect();
    assert_eq!(
        posts,
        [json!({"template_id": 5, "dry_run": true, "limit": "web1",
                "arguments": "[\"--tags\",\"nginx\"]", "environment": "{\"version\":\"1.2\"}"})]
    );

    // --wait: 1 for error, 2 for stopped.
    for (end, code) in [("error", 1), ("stopped", 2)] {
        let out = std::thread::scope(|s| {
            let h = s.spawn(|| sem(&fake, &["run", "1", "6", "--wait", "--poll", "100ms"]).run());
            std::thread::sleep(Duration::from_millis(200));
            let task = fake.wait_task();
            fake.advance(task, end, &[]);
            h.join().unwrap()
        });
        assert_eq!(out.code, code, "{end}: {}", out.stderr);
        assert!(
            out.stderr.contains(&format!("ended: {end}")),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn stop_sends_force_and_bad_tokens_and_dead_servers_have_their_codes() {
    let fake = FakeSemaphore::start("tok-3");
    let task: i64 = sem(&fake, &["run", "infra", "backup"])
        .expect(0)
        .stdout
        .trim()
        .parse()
        .unwrap();
    sem(&fake, &["stop", "infra", &task.to_string()]).expect(0);
    sem(&fake, &["stop", "infra", &task.to_string(), "--force"]).expect(0);
    let stops: Vec<Value> = fake
        .requests()
        .into_iter()
        .filter(|(m, p, _)| m == "POST" && p.ends_with("/stop"))
        .map(|(_, _, b)| b)
        .collect();
    assert_eq!(stops, [json!({"force": false}), json!({"force": true})]);
    let out = sem(&fake, &["logs", "infra", &task.to_string(), "--tail", "1"]).expect(0);
    assert_eq!(out.stdout, "");

    let out = vext(["semaphore", "--url", &fake.url, "projects"])
        .env("VEXT_SEMAPHORE_TOKEN", "wrong")
        .expect(77);
    assert!(
        out.stderr.contains("Semaphore refused the token"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("wrong"), "the token is never printed");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);

    let dead = format!("http://127.0.0.1:{}", free_port());
    let out = vext(["semaphore", "--url", &dead, "projects"])
        .env("VEXT_SEMAPHORE_TOKEN", "x")
        .expect(75);
    assert!(out.stderr.contains("unreachable"), "{}", out.stderr);
}

/// Against a real Semaphore UI: SEMAPHORE_URL and SEMAPHORE_TOKEN.
#[test]
fn real_semaphore_when_configured() {
    let (Ok(url), Ok(token)) = (
        std::env::var("SEMAPHORE_URL"),
        std::env::var("SEMAPHORE_TOKEN"),
    ) else {
        eprintln!("SEMAPHORE_URL/SEMAPHORE_TOKEN not set: the real-Semaphore test is skipped");
        return;
    };
    let out = vext(["semaphore", "--url", &url, "projects", "--json"])
        .env("VEXT_SEMAPHORE_TOKEN", &token)
        .expect(0);
    let projects: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(projects.is_array());
}

#[test]
fn a_user_and_password_log_in_once_and_the_minted_token_is_kept() {
    let fake = FakeSemaphore::with_user("fixed-token", "ops", "pa55word");
    let dir = TempDir::new("sem-user");
    // A config that logs in as `user` with `password` (in a 0600 file).
    let config = |name: &str, user: &str, password: &str| {
        let pw = dir.write(&format!("{name}.pw"), &format!("{password}\n"));
        std::fs::set_permissions(&pw, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        dir.write(
            &format!("{name}.toml"),
            &format!(
                "[semaphore]\nurl = \"{}\"\nuser = \"{user}\"\npassword_file = \"{}\"\n",
                fake.url,
                pw.display()
            ),
        )
    };
    let cfg = config("good", "ops", "pa55word");
    let state = TempDir::new("sem-state");
    let run = || {
        vext([
            "--config",
            cfg.to_str().unwrap(),
            "semaphore",
            "projects",
            "--json",
        ])
        .env("XDG_STATE_HOME", state.path().to_str().unwrap())
        .env("VEXT_SEMAPHORE_TOKEN", "")
    };
    let logins = |f: &FakeSemaphore| {
        f.requests()
            .iter()
            .filter(|r| r.1 == "/api/auth/login")
            .count()
    };
    let out = run().expect(0);
    assert!(out.stdout.contains("Infra"), "{}", out.stdout);
    assert_eq!(logins(&fake), 1);
    // The second run uses the kept token: no new login.
    run().expect(0);
    assert_eq!(logins(&fake), 1);
    // Revoked in Semaphore: one new login, a new token.
    fake.revoke_minted();
    run().expect(0);
    assert_eq!(logins(&fake), 2);
    // A wrong password: 77, and the password is not shown.
    let cfg2 = config("bad", "other", "nope-nope");
    let out = vext(["--config", cfg2.to_str().unwrap(), "semaphore", "projects"])
        .env("XDG_STATE_HOME", state.path().to_str().unwrap())
        .env("VEXT_SEMAPHORE_TOKEN", "")
        .expect(77);
    assert!(
        out.stderr.contains("refused the login of other"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("nope-nope"), "{}", out.stderr);
}
