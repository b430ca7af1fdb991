//! The daemon's Matrix bot for Semaphore, against a real Synapse and a fake
//! Semaphore UI (written from its API documentation): confirmation, the
//! exact POST, progress in order, the outcome with the log tail, a restart
//! in the middle of a task, admins only, allow-listed rooms, stop.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::*;

struct Chat {
    hs: Synapse,
    alice: String,
    mallory: String,
    room: String,
    txn: std::cell::Cell<u32>,
}

impl Chat {
    /// Synapse with the bot, an admin (alice), someone else (mallory) and
    /// alice's room with all three in it.
    fn start() -> Chat {
        let hs = Synapse::start();
        let alice = hs.user("alice", "alice-pass-1");
        let mallory = hs.user("mallory", "mallory-pass-1");
        hs.user("bot", "bot-pass-1");
        let (status, v) = hs.api(
            "POST",
            "/createRoom",
            &alice,
            Some(&json!({"preset": "private_chat", "invite": ["@bot:localhost", "@mallory:localhost"]})),
        );
        assert_eq!(status, 200, "{v}");
        let room = v["room_id"].as_str().unwrap().to_string();
        let (status, v) = hs.api(
            "POST",
            &format!("/join/{}", enc(&room)),
            &mallory,
            Some(&json!({})),
        );
        assert_eq!(status, 200, "{v}");
        Chat {
            hs,
            alice,
            mallory,
            room,
            txn: std::cell::Cell::new(0),
        }
    }

    /// Sends `text` as `who` (in `thread` when given); the event id.
    fn say(&self, who: &str, text: &str, thread: Option<&str>) -> String {
        self.txn.set(self.txn.get() + 1);
        let mut body = json!({"msgtype": "m.text", "body": text});
        if let Some(t) = thread {
            body["m.relates_to"] = json!({"rel_type": "m.thread", "event_id": t});
        }
        let (status, v) = self.hs.api(
            "PUT",
            &format!(
                "/rooms/{}/send/m.room.message/t{}",
                enc(&self.room),
                self.txn.get()
            ),
            who,
            Some(&body),
        );
        assert_eq!(status, 200, "{v}");
        v["event_id"].as_str().unwrap().to_string()
    }

    fn react(&self, who: &str, event: &str, key: &str) {
        self.txn.set(self.txn.get() + 1);
        let body =
            json!({"m.relates_to": {"rel_type": "m.annotation", "event_id": event, "key": key}});
        let (status, v) = self.hs.api(
            "PUT",
            &format!(
                "/rooms/{}/send/m.reaction/r{}",
                enc(&self.room),
                self.txn.get()
            ),
            who,
            Some(&body),
        );
        assert_eq!(status, 200, "{v}");
    }

    /// The bot's messages in the room, oldest first.
    fn bot_says(&self) -> Vec<Value> {
        self.hs
            .messages(&self.room, &self.alice)
            .into_iter()
            .filter(|m| m["sender"] == "@bot:localhost")
            .collect()
    }

    /// Waits for a message of the bot containing `text`; returns it.
    fn wait_for(&self, text: &str) -> Value {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(m) = self.bot_says().into_iter().find(|m| body(m).contains(text)) {
                return m;
            }
            assert!(
                Instant::now() < until,
                "the bot never said {text:?}; it said: {:#?}",
                self.bot_says().iter().map(body).collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn count(&self, text: &str) -> usize {
        self.bot_says()
            .iter()
            .filter(|m| body(m).contains(text))
            .count()
    }
}

fn body(m: &Value) -> String {
    m["content"]["body"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn enc(room: &str) -> String {
    room.replace('!', "%21").replace(':', "%3A")
}

/// The daemon's config: the bot in `rooms` for alice, Semaphore at `fake`.
fn config(dir: &TempDir, chat: &Chat, fake: &FakeSemaphore, rooms: &[&str], extra: &str) -> String {
    config_for(dir, chat, (&fake.url, &fake.token), rooms, extra)
}

fn config_for(
    dir: &TempDir,
    chat: &Chat,
    (url, token): (&str, &str),
    rooms: &[&str],
    extra: &str,
) -> String {
    let pw = dir.write("bot-password", "bot-pass-1\n");
    let sem = dir.write("sem-token", &format!("{token}\n"));
    for p in [&pw, &sem] {
        std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    }
    let rooms: Vec<String> = rooms.iter().map(|r| format!("{r:?}")).collect();
    dir.write(
        "vext.toml",
        &format!(
            "[semaphore]\nurl = {:?}\ntoken_file = {:?}\n\n[bot]\nhomeserver = {:?}\nuser_id = \"@bot:localhost\"\npassword_file = {:?}\n\
             rooms = [{}]\nadmins = [\"@alice:localhost\"]\npoll_interval = \"200ms\"\n{extra}",
            url,
            sem.display().to_string(),
            chat.hs.base(),
            pw.display().to_string(),
            rooms.join(", "),
        ),
    )
    .display()
    .to_string()
}

fn daemon(config: &str, state: &TempDir) -> Daemon {
    let d = Daemon::start(&[
        "--config",
        config,
        "--state-dir",
        state.path().to_str().unwrap(),
    ]);
    d.wait_log("commands from now on are answered", Duration::from_secs(30));
    d
}

fn tasks_posted(fake: &FakeSemaphore) -> Vec<Value> {
    fake.requests()
        .into_iter()
        .filter(|(m, p, _)| m == "POST" && p.ends_with("/tasks"))
        .map(|(_, _, b)| b)
        .collect()
}

#[test]
fn run_confirmed_followed_to_the_end_across_a_restart() {
    let chat = Chat::start();
    let fake = FakeSemaphore::start("sem-tok-1");
    let dir = TempDir::new("bot");
    let state = TempDir::new("bot-state");
    let cfg = config(
        &dir,
        &chat,
        &fake,
        &[&chat.room],
        "still_running = \"1s\"\n",
    );
    let mut d = daemon(&cfg, &state);

    // Someone who is not an admin starts nothing, even by saying yes.
    chat.say(&chat.mallory, "!cd run Infra Backup", None);
    chat.wait_for("only take commands from my admins");

    let cmd = chat.say(
        &chat.alice,
        "!cd run infra \"Deploy web\" --limit web1 --tags deploy",
        None,
    );
    let question = chat.wait_for("Reply `yes`");
    assert!(
        body(&question).contains("Run **Deploy web** in **Infra**, limit `web1`, tags `deploy`"),
        "{question}"
    );
    let rel = &question["content"]["m.relates_to"];
    assert_eq!(
        (rel["rel_type"].as_str(), rel["event_id"].as_str()),
        (Some("m.thread"), Some(cmd.as_str())),
        "{question}"
    );
    assert_eq!(question["content"]["msgtype"], "m.notice");
    chat.say(&chat.mallory, "yes", Some(&cmd));
    std::thread::sleep(Duration::from_millis(500));
    assert!(tasks_posted(&fake).is_empty(), "{:?}", fake.requests());

    chat.say(&chat.alice, "yes", Some(&cmd));
    let started = chat.wait_for("Started task 100");
    assert_eq!(started["content"]["m.relates_to"]["event_id"], cmd.as_str());
    assert_eq!(
        tasks_posted(&fake),
        [json!({"template_id": 5, "limit": "web1", "arguments": "[\"--tags\",\"deploy\"]"})]
    );

    fake.advance(100, "starting", &[]);
    chat.wait_for("Task 100 (Deploy web, Infra): starting");
    fake.advance(100, "running", &["PLAY [web]", "TASK [deploy]"]);
    chat.wait_for("Task 100 (Deploy web, Infra): running");
    chat.wait_for("is still running after 1s");

    // Down while the task ends: the next start still reports the end, and
    // replays none of the commands it had answered.
    d.signal("KILL");
    d.wait(Duration::from_secs(5));
    fake.advance(100, "success", &["ok: [web1]", "PLAY RECAP web1 ok=2"]);
    let _d = daemon(&cfg, &state);
    let end = chat.wait_for("✅ Task 100 (Deploy web, Infra) succeeded");
    assert!(
        body(&end)
            .contains("```\nPLAY [web]\nTASK [deploy]\nok: [web1]\nPLAY RECAP web1 ok=2\n```"),
        "{end}"
    );
    assert!(
        end["content"]["formatted_body"]
            .as_str()
            .unwrap()
            .contains("<code>"),
        "{end}"
    );
    let says: Vec<String> = chat.bot_says().iter().map(body).collect();
    let order: Vec<usize> = [
        "Started task 100",
        ": starting",
        ": running",
        "still running",
        "✅ Task 100",
    ]
    .iter()
    .map(|t| says.iter().position(|s| s.contains(t)).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{says:#?}");
    chat.say(&chat.alice, "!cd logs 100 --tail 2", None);
    chat.wait_for("Last 2 lines of task 100:\n```\nok: [web1]\nPLAY RECAP web1 ok=2\n```");
    chat.say(&chat.alice, "!cd status 100", None);
    chat.wait_for("Task 100 (Infra): success");
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(chat.count("Started task"), 1, "{says:#?}");
    assert_eq!(chat.count("only take commands"), 1, "{says:#?}");
    assert_eq!(chat.count("✅"), 1, "{says:#?}");
    assert_eq!(tasks_posted(&fake).len(), 1);
}

#[test]
fn reactions_stop_cancel_errors_and_rooms() {
    let chat = Chat::start();
    let fake = FakeSemaphore::start("sem-tok-2");
    let dir = TempDir::new("bot");
    let state = TempDir::new("bot-state");
    // An encrypted room on the allow-list, and an invite from elsewhere.
    let (_, v) = chat.hs.api(
        "POST",
        "/createRoom",
        &chat.alice,
        Some(&json!({"preset": "private_chat", "invite": ["@bot:localhost"],
            "initial_state": [{"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}]})),
    );
    let secret_room = v["room_id"].as_str().unwrap().to_string();
    let cfg = config(
        &dir,
        &chat,
        &fake,
        &[&chat.room, &secret_room],
        "[bot.aliases]\nbackup = \"run 1 Backup\"\n",
    );
    let _d = daemon(&cfg, &state);
    let (_, v) = chat.hs.api(
        "POST",
        "/createRoom",
        &chat.mallory,
        Some(&json!({"preset": "private_chat", "invite": ["@bot:localhost"]})),
    );
    let other = v["room_id"].as_str().unwrap().to_string();

    // A 👍 on the question starts the aliased run.
    let cmd = chat.say(&chat.alice, "!cd backup --dry-run", None);
    let question = chat.wait_for("Run **Backup** in **Infra** (dry run)?");
    chat.react(&chat.alice, question["event_id"].as_str().unwrap(), "👍");
    chat.wait_for("Started task 100");
    assert_eq!(
        tasks_posted(&fake),
        [json!({"template_id": 6, "dry_run": true})]
    );
    let _ = cmd;

    chat.say(&chat.alice, "!cd stop 100", None);
    chat.wait_for("Asked Semaphore to stop task 100");
    chat.wait_for("⏹ Task 100 (Backup, Infra) was stopped");
    chat.say(&chat.alice, "!cd stop #100 --force", None);
    chat.wait_for("Asked Semaphore to kill task 100");
    let stops: Vec<Value> = fake
        .requests()
        .into_iter()
        .filter(|(_, p, _)| p.ends_with("/stop"))
        .map(|(_, _, b)| b)
        .collect();
    assert_eq!(stops, [json!({"force": false}), json!({"force": true})]);

    // `no` cancels; bad names and ids get one line each.
    let cmd = chat.say(&chat.alice, "!cd run Web nothing", None);
    chat.wait_for("no template in project Web named \"nothing\"; there are: none");
    let _ = cmd;
    let cmd = chat.say(&chat.alice, "!cd run Infra Backup", None);
    chat.wait_for("Run **Backup** in **Infra**?");
    chat.say(&chat.alice, "no", Some(&cmd));
    chat.wait_for("Cancelled: nothing was started");
    chat.say(&chat.alice, "!cd logs 999", None);
    chat.wait_for("there is no task 999 in any project");
    chat.say(&chat.alice, "!cd frobnicate", None);
    chat.wait_for("unknown command \"frobnicate\"");
    chat.say(&chat.alice, "!cd info", None);
    chat.wait_for("Semaphore v2.10.22-fake at");
    chat.say(&chat.alice, "!cd templates infra", None);
    chat.wait_for("Templates in Infra:\n- Deploy web (5)\n- Backup (6)");
    assert_eq!(tasks_posted(&fake).len(), 1, "{:?}", fake.requests());
    // A token Semaphore no longer accepts: one line, and the bot lives on.
    fake.refuse_tokens();
    chat.say(&chat.alice, "!cd projects", None);
    let refused = chat.wait_for("Semaphore refused the token");
    assert_eq!(
        body(&refused),
        "⚠️ Semaphore refused the token (401 on GET /api/projects)"
    );
    chat.say(&chat.alice, "!cd help", None);
    chat.wait_for("`run PROJECT TEMPLATE");

    // The encrypted room is told once; the other room's invite is declined.
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let told = chat
            .hs
            .messages(&secret_room, &chat.alice)
            .iter()
            .filter(|m| body(m).contains("end-to-end encrypted"))
            .count();
        let (_, member) = chat.hs.api(
            "GET",
            &format!("/rooms/{}/state/m.room.member/@bot:localhost", enc(&other)),
            &chat.mallory,
            None,
        );
        if told == 1 && member["membership"] == "leave" {
            break;
        }
        assert!(
            Instant::now() < until,
            "told {told} times; membership {member}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Against a real Semaphore UI (SEMAPHORE_URL, SEMAPHORE_TOKEN): the bot
/// lists its projects as `vext semaphore projects` does. Nothing is run.
#[test]
fn real_semaphore_projects_from_chat_when_configured() {
    let (Ok(url), Ok(token)) = (
        std::env::var("SEMAPHORE_URL"),
        std::env::var("SEMAPHORE_TOKEN"),
    ) else {
        eprintln!("SEMAPHORE_URL/SEMAPHORE_TOKEN not set: the real-Semaphore bot test is skipped");
        return;
    };
    let out = vext(["semaphore", "--url", &url, "projects", "--json"])
        .env("VEXT_SEMAPHORE_TOKEN", &token)
        .expect(0);
    let projects: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    let chat = Chat::start();
    let (dir, state) = (TempDir::new("bot"), TempDir::new("bot-state"));
    let cfg = config_for(&dir, &chat, (&url, &token), &[&chat.room], "");
    let _d = daemon(&cfg, &state);
    chat.say(&chat.alice, "!cd projects", None);
    let said = body(&chat.wait_for("Projects:"));
    for p in &projects {
        let line = format!("- {} ({})", p["name"].as_str().unwrap(), p["id"]);
        assert!(said.contains(&line), "{line:?} not in {said}");
    }
}

/// Issue 30's approval from chat, on a real Synapse: under approve =
/// "chat", `vext update` records the request and announces it in the
/// room through --notify; only an admin's `!cd approve ID` lets the next
/// run apply it (mallory's is refused), `!cd pending` lists it, and `!cd
/// deny ID` makes later runs skip that version.
#[test]
fn an_update_approved_and_denied_from_chat() {
    let chat = Chat::start();
    let fake = FakeSemaphore::start("sem-tok-1");
    let reg = RegistryServer::start(None);
    reg.push("gate", &["1.0", "1.1"], None);
    let r = reg.addr.clone();
    let repo = TempDir::new("chat-approve-repo");
    let compose = repo.write(
        "compose.yaml",
        &format!("services:\n  gate:\n    image: {r}/gate:1.0\n"),
    );
    let dir = TempDir::new("bot");
    let state = TempDir::new("bot-state");
    let cfg = config(
        &dir,
        &chat,
        &fake,
        &[&chat.room],
        &format!("\n[[policy.rule]]\nimage = \"{r}/gate\"\napprove = \"chat\"\n"),
    );
    let _d = daemon(&cfg, &state);
    let bot_token = chat.hs.login("bot", "bot-pass-1");
    let notify = format!("matrix://127.0.0.1:{}/{}", chat.hs.port, enc(&chat.room));
    let update_with = |extra: &[&str]| {
        let mut args = vec![
            "--config",
            &cfg,
            "update",
            repo.path().to_str().unwrap(),
            "--write",
            "--insecure-registry",
            &r,
            "--state-dir",
            state.path().to_str().unwrap(),
            "--notify",
            &notify,
            "--json",
        ];
        args.extend(extra);
        let out = vext(args).env("VEXT_MATRIX_TOKEN", &bot_token).expect(0);
        let done: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
        done.into_iter().next().unwrap_or_default()
    };
    let update = || update_with(&[]);
    // A plan first records the request but leaves the announcing to the
    // run that would apply it.
    update_with(&["--plan"]);
    let waiting = update();
    assert_eq!(waiting["result"], "skipped", "{waiting}");
    let reason = waiting["reason"].as_str().unwrap_or_default().to_string();
    let id = reason.rsplit(' ').next().unwrap().to_string();
    assert!(
        reason.contains(&format!("!cd approve {id} in chat")),
        "{reason}"
    );
    chat.wait_for(&format!("!cd approve {id}"));
    chat.say(&chat.mallory, &format!("!cd approve {id}"), None);
    chat.wait_for("I only take commands from my admins");
    chat.say(&chat.alice, "!cd pending", None);
    chat.wait_for(&format!("`{id}` {}", waiting["workload"].as_str().unwrap()));
    chat.say(&chat.alice, &format!("!cd approve {id}"), None);
    chat.wait_for(&format!("Update {id} approved by @alice:localhost"));
    let applied = update();
    assert_eq!(applied["result"], "applied", "{applied}");
    assert!(std::fs::read_to_string(&compose)
        .unwrap()
        .contains("gate:1.1"));

    reg.push("gate", &["1.2"], None);
    let asked = update();
    let id2 = asked["reason"]
        .as_str()
        .unwrap_or_default()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    assert_ne!(id2, id);
    chat.wait_for(&format!("!cd approve {id2}"));
    chat.say(&chat.alice, &format!("!cd deny {id2}"), None);
    chat.wait_for(&format!("Update {id2} denied by @alice:localhost"));
    let denied = update();
    assert_eq!(denied["result"], "skipped", "{denied}");
    assert!(
        denied["reason"]
            .as_str()
            .unwrap_or_default()
            .starts_with("denied by @alice:localhost"),
        "{denied}"
    );
    assert!(std::fs::read_to_string(&compose)
        .unwrap()
        .contains("gate:1.1"));
    // Announced once: the second run of a request does not ask again.
    assert_eq!(chat.count(&format!("!cd approve {id2}")), 1);
}
