//! `vext update` against a real Docker engine (a private dockerd) and the
//! test registry, and `--write` on manifest trees in git.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::*;

/// A registry and an engine, with `app:1.0.0` pushed and pulled.
struct Rig {
    reg: RegistryServer,
    engine: DockerEngine,
    state: TempDir,
}

impl Rig {
    fn new() -> Rig {
        let reg = RegistryServer::start(None);
        let engine = DockerEngine::start();
        engine.build(
            &format!("{}/app:1.0.0", reg.addr),
            Behaviour::Healthy,
            "one",
        );
        Rig {
            reg,
            engine,
            state: TempDir::new("update-state"),
        }
    }

    fn image(&self, tag: &str) -> String {
        format!("{}/app:{tag}", self.reg.addr)
    }

    fn update(&self, extra: &[&str]) -> Vext {
        vext(self.update_args(extra))
    }

    fn update_args(&self, extra: &[&str]) -> Vec<String> {
        let mut args = vec![
            "update".to_string(),
            "--docker".into(),
            "--docker-host".into(),
            self.engine.host(),
            "--insecure-registry".into(),
            self.reg.addr.clone(),
            "--state-dir".into(),
            self.state.path().display().to_string(),
            "--stable-for".into(),
            "1s".into(),
            "--health-timeout".into(),
            "30s".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }
}

/// The short ids the engine adds as aliases, which change with the container.
fn aliases(inspect: &Value, net: &str) -> BTreeSet<String> {
    let short = &inspect["Id"].as_str().unwrap()[..12];
    inspect["NetworkSettings"]["Networks"][net]["Aliases"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .filter_map(Value::as_str)
        .filter(|a| *a != short)
        .map(String::from)
        .collect()
}

fn mounts(inspect: &Value) -> BTreeSet<String> {
    inspect["Mounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{} {} {} {} {}",
                m["Type"], m["Name"], m["Source"], m["Destination"], m["RW"]
            )
        })
        .collect()
}

/// Everything the user set, as inspect shows it: the config without the
/// image and the generated hostname, the host config, mounts, networks.
fn settings(inspect: &Value) -> Value {
    let mut config = inspect["Config"].clone();
    let obj = config.as_object_mut().unwrap();
    obj.remove("Image");
    obj.remove("Hostname");
    let networks: Value = inspect["NetworkSettings"]["Networks"]
        .as_object()
        .unwrap()
        .keys()
        .map(|n| (n.clone(), serde_json::json!(aliases(inspect, n))))
        .collect::<serde_json::Map<_, _>>()
        .into();
    serde_json::json!({
        "config": config,
        "host": inspect["HostConfig"],
        "mounts": mounts(inspect),
        "networks": networks,
        "name": inspect["Name"],
    })
}

#[test]
fn an_update_keeps_everything_the_user_set() {
    let rig = Rig::new();
    let d = &rig.engine;
    let (v1, v2) = (rig.image("1.0.0"), rig.image("1.0.1"));
    d.release(&v2, Behaviour::Healthy, "two");
    // The network namespace a `container:` container joins: an image with
    // no newer version, so it stays.
    let base = format!("{}/base:1.0.0", rig.reg.addr);
    d.build(&base, Behaviour::Plain, "base");
    d.docker(&["network", "create", "n1"]);
    d.docker(&["network", "create", "n2"]);
    d.docker(&["volume", "create", "data"]);
    let host_dir = TempDir::new("bind");
    let port = free_port().to_string();
    d.docker(&[
        "run",
        "-d",
        "--name",
        "web",
        "--network",
        "n1",
        "--network-alias",
        "webby",
        "-e",
        "FOO=bar",
        "-l",
        "mine=yes",
        "--restart",
        "unless-stopped",
        "-v",
        "data:/data",
        "-v",
        &format!("{}:/host:ro", host_dir.path().display()),
        "-p",
        &format!("127.0.0.1:{port}:8080"),
        "-w",
        "/www",
        "--cap-add",
        "NET_ADMIN",
        "--memory",
        "64m",
        "--log-opt",
        "max-size=1m",
        "--hostname",
        "webhost",
        &v1,
    ]);
    d.docker(&["network", "connect", "--alias", "web2", "n2", "web"]);
    d.docker(&[
        "run",
        "-d",
        "--name",
        "base",
        "--network",
        "n1",
        "-e",
        "PORT=8090",
        &base,
    ]);
    d.docker(&[
        "run",
        "-d",
        "--name",
        "side",
        "--network",
        "container:base",
        "-e",
        "PORT=8081",
        &v1,
    ]);
    let host_port = free_port().to_string();
    d.docker(&[
        "run",
        "-d",
        "--name",
        "hostnet",
        "--network",
        "host",
        "-e",
        &format!("PORT={host_port}"),
        &v1,
    ]);
    for c in ["web", "side", "hostnet"] {
        d.wait_healthy(c);
    }
    let before: Vec<Value> = ["web", "side", "hostnet"]
        .iter()
        .map(|c| d.inspect(c))
        .collect();

    let plan = rig.update(&["--plan", "--json"]).expect(0);
    let steps: Vec<Value> = serde_json::from_str(&plan.stdout).unwrap();
    let web_steps: Vec<&str> = steps
        .iter()
        .filter(|s| s["workload"] == "web")
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    // Published ports: the old one stops before the new one starts.
    assert_eq!(
        web_steps,
        [
            "pull",
            "stop_old",
            "rename_old",
            "create",
            "start",
            "verify",
            "remove_old"
        ],
        "{}",
        plan.stdout
    );
    assert!(
        steps.iter().all(|s| s["target"] == v2.as_str()),
        "{}",
        plan.stdout
    );
    assert_eq!(
        d.inspect("web")["Id"],
        before[0]["Id"],
        "--plan changed nothing"
    );

    let out = rig.update(&["--json"]).expect(0);
    let done: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        done.iter().filter(|d| d["result"] == "applied").count(),
        3,
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    let new_image = d.inspect(&v2)["Id"].clone();
    for (i, name) in ["web", "side", "hostnet"].iter().enumerate() {
        let after = d.inspect(name);
        assert_ne!(after["Id"], before[i]["Id"], "{name} was recreated");
        assert_eq!(after["Image"], new_image, "{name} runs the new image");
        assert_eq!(after["Config"]["Image"], v2.as_str());
        assert_eq!(settings(&after), settings(&before[i]), "{name}");
        assert_eq!(after["State"]["Running"], true, "{name}");
    }
    assert_eq!(d.inspect("web")["Config"]["Hostname"], "webhost");
    // The old containers are gone, their images kept.
    let names = d.docker(&["ps", "-a", "--format", "{{.Names}}"]);
    assert!(!names.contains(".vext-old"), "{names}");
    d.docker(&["image", "inspect", &v1]);
    // The service answers with the new version on its published port.
    let body = http_get(&format!("http://127.0.0.1:{port}/"));
    assert_eq!(body.trim(), "two");
}

fn http_get(url: &str) -> String {
    let out = Command::new("busybox")
        .args(["wget", "-q", "-O", "-", url])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn failing_versions_are_rolled_back_held_and_reported() {
    let rig = Rig::new();
    let d = &rig.engine;
    d.release(&rig.image("1.0.1"), Behaviour::Unhealthy, "sick");
    d.docker(&["network", "create", "n1"]);
    d.docker(&[
        "run",
        "-d",
        "--name",
        "web",
        "--network",
        "n1",
        "-e",
        "KEEP=1",
        &rig.image("1.0.0"),
    ]);
    d.wait_healthy("web");
    let old_id = d.inspect("web")["Id"].clone();
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#ops"]);
    let metrics = rig.state.path().join("update.prom");
    let metrics_arg = metrics.display().to_string();
    let notify = ircd.url("ops");

    let nats = NatsServer::start();
    let out = rig
        .update(&[
            "--notify",
            &notify,
            "--metrics-file",
            &metrics_arg,
            "--nats",
            &nats.url(),
        ])
        .expect(1);
    assert!(out.stdout.contains("rolled_back"), "{}", out.stdout);
    // Other services see it on NATS.
    let ev = nats.last_event("vext.events.update.docker.rolled_back");
    assert_eq!(ev["type"], "vext.update.rolled_back", "{ev}");
    assert_eq!(ev["data"]["asset_id"], "web", "{ev}");
    let web = d.inspect("web");
    assert_eq!(web["Id"], old_id, "the original container runs again");
    assert_eq!(web["State"]["Running"], true);
    assert_eq!(web["State"]["Health"]["Status"], "healthy");
    let names = d.docker(&["ps", "-a", "--format", "{{.Names}}"]);
    assert_eq!(names.trim(), "web", "the new container is removed");
    let prom = std::fs::read_to_string(&metrics).unwrap();
    assert!(prom.contains("safe_updater_rollbacks_total 1\n"), "{prom}");
    assert!(
        prom.contains("safe_updater_updates_succeeded_total 0\n"),
        "{prom}"
    );
    assert!(
        prom.contains("safe_updater_health_check_duration_seconds_count 1\n"),
        "{prom}"
    );
    let got = obs.privmsgs(2, Duration::from_secs(20));
    let text: Vec<&str> = got.iter().map(|p| p.text.as_str()).collect();
    assert!(
        text[0].contains("1 update: 0 applied, 1 rolled back")
            && text[1].contains("web")
            && text[1].contains("rolled back")
            && text[1].contains("health check failed"),
        "{text:?}"
    );

    // Held: the next run skips 1.0.1 and touches nothing.
    let out = rig.update(&[]).expect(0);
    assert!(
        out.stdout.contains("skipped") && out.stdout.contains("held"),
        "{}",
        out.stdout
    );
    assert_eq!(d.inspect("web")["Id"], old_id);

    // A newer version that exits at once is rolled back too.
    d.release(&rig.image("1.0.2"), Behaviour::Exits, "gone");
    let out = rig.update(&["--json"]).expect(1);
    let done: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    let web_done = done.iter().find(|x| x["result"] == "rolled_back").unwrap();
    assert!(
        web_done["reason"].as_str().unwrap().contains("exited"),
        "{}",
        out.stdout
    );
    let web = d.inspect("web");
    assert_eq!(web["Id"], old_id);
    assert_eq!(web["State"]["Running"], true);
    assert!(web["Config"]["Env"]
        .as_array()
        .unwrap()
        .contains(&Value::from("KEEP=1")));

    // --release clears a hold.
    rig.update(&["--release", &rig.image("1.0.1")]).expect(0);
    let plan = rig.update(&["--plan"]).expect(0);
    assert!(
        plan.stdout.contains("1.0.2") && plan.stdout.contains("skipped"),
        "1.0.2 still held, 1.0.1 released but not the newest: {}",
        plan.stdout
    );
}

#[test]
fn a_killed_update_is_undone_by_the_next_run_and_a_failed_pull_touches_nothing() {
    let rig = Rig::new();
    let d = &rig.engine;
    d.release(&rig.image("1.0.1"), Behaviour::Healthy, "two");
    d.docker(&["network", "create", "n1"]);
    let port = free_port().to_string();
    d.docker(&[
        "run",
        "-d",
        "--name",
        "web",
        "--network",
        "n1",
        "-p",
        &format!("127.0.0.1:{port}:8080"),
        &rig.image("1.0.0"),
    ]);
    d.wait_healthy("web");
    let old_id = d.inspect("web")["Id"].clone();

    // Killed after the rename, before the new container exists.
    let mut child = Command::new(VEXT)
        .args(rig.update_args(&[]))
        .env("VEXT_UPDATE_STALL_AT", "create")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let names = d.docker(&["ps", "-a", "--format", "{{.Names}}"]);
        if names.contains("web.vext-old") {
            break;
        }
        assert!(Instant::now() < deadline, "never renamed: {names}");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let old = d.inspect(&old_id.as_str().unwrap()[..12]);
    assert_eq!(
        old["State"]["Running"], false,
        "killed with the old one stopped"
    );

    let out = rig.update(&["--recover"]).expect(0);
    assert!(out.stderr.contains("rolled back"), "{}", out.stderr);
    let web = d.inspect("web");
    assert_eq!(web["Id"], old_id);
    assert_eq!(web["State"]["Running"], true);

    // A pull that fails (the registry lost the new version's blobs) leaves
    // the container as it was.
    let blobs = rig.reg.data_dir().join("data/docker/registry/v2/blobs");
    std::fs::remove_dir_all(&blobs).unwrap();
    let out = rig.update(&["--json"]).expect(1);
    let done: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(done[0]["result"], "failed", "{}", out.stdout);
    assert!(
        done[0]["reason"].as_str().unwrap().contains("not touched"),
        "{}",
        out.stdout
    );
    let web = d.inspect("web");
    assert_eq!(web["Id"], old_id);
    assert_eq!(web["State"]["Running"], true);
    assert_eq!(web["Name"], "/web");
}

#[test]
fn a_container_without_host_ports_is_updated_without_a_failed_request() {
    let rig = Rig::new();
    let d = &rig.engine;
    d.release(&rig.image("1.0.1"), Behaviour::Healthy, "two");
    d.docker(&["network", "create", "n1"]);
    d.docker(&[
        "run",
        "-d",
        "--name",
        "web",
        "--network",
        "n1",
        "--network-alias",
        "svc",
        &rig.image("1.0.0"),
    ]);
    d.wait_healthy("web");
    // A client on the same network polls the service by its alias. Like
    // nginx's proxy_next_upstream or an HTTP client with retries, it tries
    // again after a moment when an attempt fails or hangs. Docker's DNS
    // names a container from its start, before its server listens, and
    // takes its address away a moment before it stops naming it: a
    // request that resolved in either moment fails however the update is
    // ordered (see README, "Applying updates"). A stop-first update still
    // fails both attempts (the service is gone for about a second).
    let get = "/bin/busybox timeout 2 /bin/busybox wget -q -O - http://svc:8080/";
    let poll = format!(
        "while true; do if r=$({get}); then echo \"$r\"; \
         elif /bin/busybox usleep 200000 && r=$({get}); then echo RETRIED; echo \"$r\"; \
         else echo FAIL; fi; /bin/busybox usleep 50000; done"
    );
    let client = format!("{}/client:1.0.0", rig.reg.addr);
    d.build(&client, Behaviour::Plain, "");
    d.docker(&[
        "run",
        "-d",
        "--name",
        "client",
        "--network",
        "n1",
        "--entrypoint",
        "/bin/busybox",
        &client,
        "sh",
        "-c",
        &poll,
    ]);
    std::thread::sleep(Duration::from_secs(1));
    let out = rig.update(&["--json"]).expect(0);
    assert!(out.stdout.contains("\"applied\""), "{}", out.stdout);
    std::thread::sleep(Duration::from_secs(1));
    let log = d.docker(&["logs", "client"]);
    let answers: Vec<&str> = log
        .lines()
        .filter(|l| !l.trim().is_empty() && *l != "RETRIED")
        .collect();
    eprintln!(
        "{} requests, {} needed a second attempt",
        answers.len(),
        log.lines().filter(|l| *l == "RETRIED").count()
    );
    assert!(
        answers.contains(&"one") && answers.contains(&"two"),
        "{log}"
    );
    assert!(
        !log.contains("FAIL"),
        "a request failed during the update:\n{log}"
    );
    assert_eq!(answers.last(), Some(&"two"), "{log}");
    // The old version kept answering while the new one ran (a stop-first
    // update goes from all "one" to all "two").
    let first_two = answers.iter().position(|a| *a == "two").unwrap();
    assert!(
        answers[first_two..].contains(&"one"),
        "the old container stopped before the new one answered:\n{log}"
    );
}

#[test]
fn write_rewrites_only_tag_bytes_and_commits_each_change() {
    let reg = RegistryServer::start(None);
    let r = reg.addr.clone();
    reg.push("web", &["1.25.3", "1.25.4", "2.0.0"], None);
    reg.push("api", &["3.1.0", "3.2.0"], None);
    reg.push("base", &["1.0", "1.1"], None);
    reg.push("kz", &["0.9.0", "0.9.1"], None);
    let repo = TempDir::new("gitops");
    let files = [
        (
            "deploy/web.yaml",
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web # the site\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: \"{r}/web:1.25.3\"   # keep me\n"),
        ),
        (
            "compose.yaml",
            format!("services:\n  api:\n    image: {r}/api:3.1.0\n    ports: ['8080:80']\n"),
        ),
        (
            "Dockerfile",
            format!("ARG BASE_TAG=1.0\nFROM {r}/base:${{BASE_TAG}} AS build\nRUN true\n"),
        ),
        (
            "kz/kustomization.yaml",
            format!("resources:\n  - app.yaml\nimages:\n  - name: {r}/kz\n    newTag: \"0.9.0\" # pinned\n"),
        ),
        (
            "kz/app.yaml",
            format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: kz\nspec:\n  containers:\n    - name: kz\n      image: {r}/kz\n"),
        ),
    ];
    for (name, text) in &files {
        let p = repo.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let git = |args: &[&str]| run_ok(repo.path(), "git", args);
    git(&["init", "-q"]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.org",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "root",
    ]);
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.org",
        "commit",
        "-q",
        "-m",
        "manifests",
    ]);
    let scan = |dir: &std::path::Path| -> Vec<(String, usize, String)> {
        let out = vext(["scan", "--json", dir.to_str().unwrap()]).expect(0);
        let v: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
        let mut rows: Vec<_> = v
            .iter()
            .map(|f| {
                (
                    f["source"]["file"].as_str().unwrap_or_default().to_string(),
                    f["source"]["line"].as_u64().unwrap_or(0) as usize,
                    f["image"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        rows.sort();
        rows
    };
    let before = scan(repo.path());
    let state = TempDir::new("update-state");
    let out = vext([
        "update",
        repo.path().to_str().unwrap(),
        "--write",
        "--commit",
        "--branch",
        "vext-updates",
        "--insecure-registry",
        &r,
        "--state-dir",
        state.path().to_str().unwrap(),
        "--json",
    ])
    .env("GIT_AUTHOR_NAME", "vext")
    .env("GIT_AUTHOR_EMAIL", "vext@example.org")
    .env("GIT_COMMITTER_NAME", "vext")
    .env("GIT_COMMITTER_EMAIL", "vext@example.org")
    .expect(0);
    let done: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        done.iter().filter(|d| d["result"] == "applied").count(),
        4,
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    // The new tags, exactly where the old ones were (the default policy
    // approves minor and patch, not web's 2.0.0).
    let after = scan(repo.path());
    let expected: Vec<_> = before
        .iter()
        .map(|(f, l, i)| {
            let i = i
                .replace("web:1.25.3", "web:1.25.4")
                .replace("api:3.1.0", "api:3.2.0")
                .replace("base:1.0", "base:1.1")
                .replace("kz:0.9.0", "kz:0.9.1");
            (f.clone(), *l, i)
        })
        .collect();
    assert_eq!(after, expected);
    // One commit on the new branch; its diff touches only tag bytes.
    assert_eq!(
        git(&["rev-parse", "--abbrev-ref", "HEAD"]).trim(),
        "vext-updates"
    );
    let message = git(&["log", "-1", "--format=%B"]);
    assert!(
        message.contains("web 1.25.3 → 1.25.4 (patch) in deploy/web.yaml:10"),
        "{message}"
    );
    let diff = git(&[
        "diff",
        "HEAD~1",
        "--word-diff=porcelain",
        "--word-diff-regex=[^:\"=]+",
        "-U0",
    ]);
    let removed: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    let added: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    let mut removed_sorted = removed.clone();
    removed_sorted.sort();
    let mut added_sorted = added.clone();
    added_sorted.sort();
    assert_eq!(
        removed_sorted,
        ["-0.9.0", "-1.0", "-1.25.3", "-3.1.0"],
        "{diff}"
    );
    assert_eq!(
        added_sorted,
        ["+0.9.1", "+1.1", "+1.25.4", "+3.2.0"],
        "{diff}"
    );
    // Everything else is byte for byte what it was.
    let web = std::fs::read_to_string(repo.path().join("deploy/web.yaml")).unwrap();
    assert_eq!(web, files[0].1.replace("1.25.3", "1.25.4"));
    let kz = std::fs::read_to_string(repo.path().join("kz/kustomization.yaml")).unwrap();
    assert_eq!(kz, files[3].1.replace("0.9.0", "0.9.1"));
}

/// Issue 30's maintenance window, on manifests against a real registry:
/// outside `[update] window` the approved update is planned and reported
/// as skipped (saying when the window opens), and the file is untouched;
/// `--now` applies it; a policy rule's own window (open) wins over
/// `[update]`'s (closed).
#[test]
fn updates_wait_for_the_maintenance_window() {
    let reg = RegistryServer::start(None);
    reg.push("win", &["1.0", "1.1"], None);
    let r = reg.addr.clone();
    let repo = TempDir::new("window-repo");
    let compose = repo.write(
        "compose.yaml",
        &format!("services:\n  win:\n    image: {r}/win:1.0\n"),
    );
    // A day that is not today nor tomorrow (UTC): the window is closed now.
    let today = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86400
        + 3)
        % 7;
    let day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][((today + 3) % 7) as usize];
    let dir = TempDir::new("window-config");
    let closed = dir.write(
        "closed.toml",
        &format!("[update]\nwindow = \"{day} 02:00-04:00 UTC\"\n"),
    );
    let state = TempDir::new("window-state");
    let update = |config: &std::path::Path, now: bool| {
        let mut args = vec![
            "--config".to_string(),
            config.display().to_string(),
            "update".into(),
            repo.path().display().to_string(),
            "--write".into(),
            "--insecure-registry".into(),
            r.clone(),
            "--state-dir".into(),
            state.path().display().to_string(),
            "--json".into(),
        ];
        if now {
            args.push("--now".into());
        }
        let out = vext(&args).expect(0);
        let done: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
        done.into_iter().next().unwrap_or_default()
    };
    let waited = update(&closed, false);
    assert_eq!(waited["result"], "skipped", "{waited}");
    let reason = waited["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("outside the maintenance window") && reason.contains("opens in"),
        "{reason}"
    );
    assert!(std::fs::read_to_string(&compose)
        .unwrap()
        .contains("win:1.0"));
    let applied = update(&closed, true);
    assert_eq!(applied["result"], "applied", "{applied}");
    assert!(std::fs::read_to_string(&compose)
        .unwrap()
        .contains("win:1.1"));
    // Back to 1.0; a rule whose window is always open wins over [update]'s.
    std::fs::write(
        &compose,
        format!("services:\n  win:\n    image: {r}/win:1.0\n"),
    )
    .unwrap();
    let ruled = dir.write(
        "ruled.toml",
        &format!(
            "[update]\nwindow = \"{day} 02:00-04:00 UTC\"\n\n[[policy.rule]]\nimage = \"{r}/win\"\nwindow = \"daily 00:00-24:00 UTC\"\n"
        ),
    );
    assert_eq!(update(&ruled, false)["result"], "applied");
    // A window that is not one stops the command before anything is done.
    let bad = dir.write("bad.toml", "[update]\nwindow = \"Caturday 02:00-04:00\"\n");
    let out = vext([
        "--config",
        bad.to_str().unwrap(),
        "update",
        repo.path().to_str().unwrap(),
        "--plan",
    ])
    .expect(78);
    assert!(out.stderr.contains("[update] window"), "{}", out.stderr);
}

/// Issue 30's lifecycle hooks, on a compose file against a real registry:
/// `--pre-update` runs before the update with it in VEXT_* variables, and
/// failing it skips the update (the file untouched, the reason said); a
/// pre-update command that hangs is killed at the health timeout and
/// counts as failed; `--post-update` failing rolls the update back (the
/// file's bytes put back, the version held); passing, the update stands.
#[test]
fn hooks_around_an_update_can_stop_it_and_roll_it_back() {
    let reg = RegistryServer::start(None);
    reg.push("hk", &["1.0", "1.1"], None);
    let r = reg.addr.clone();
    let repo = TempDir::new("hook-repo");
    let compose = repo.write(
        "compose.yaml",
        &format!("services:\n  hk:\n    image: {r}/hk:1.0\n"),
    );
    let work = TempDir::new("hook-work");
    let log = work.path().join("log");
    let stop = work.path().join("STOP");
    std::fs::write(&stop, "").unwrap();
    let pre = format!(
        "echo \"pre $VEXT_SOURCE $VEXT_FROM $VEXT_TO $VEXT_CHANGE\" >> {0}; test ! -e {1}",
        log.display(),
        stop.display()
    );
    let fail_post = work.path().join("FAIL");
    let post = format!(
        "echo \"post $VEXT_TO\" >> {0}; test ! -e {1}",
        log.display(),
        fail_post.display()
    );
    let state = TempDir::new("hook-state");
    let args_of = |extra: &[&str]| {
        let mut args = vec![
            "update".to_string(),
            repo.path().display().to_string(),
            "--write".into(),
            "--insecure-registry".into(),
            r.clone(),
            "--state-dir".into(),
            state.path().display().to_string(),
            "--json".into(),
            "--post-update".into(),
            post.clone(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    };
    let update = |pre: &str, extra: &[&str]| {
        let mut args = vec!["--pre-update", pre];
        args.extend(extra);
        let out = vext(args_of(&args)).expect(0);
        let done: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
        done.into_iter().next().unwrap_or_default()
    };
    let refused = update(&pre, &[]);
    assert_eq!(refused["result"], "skipped", "{refused}");
    assert!(
        refused["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("pre_update hook exited"),
        "{refused}"
    );
    assert!(std::fs::read_to_string(&compose)
        .unwrap()
        .contains("hk:1.0"));
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(
        said.starts_with(&format!("pre file {r}/hk:1.0 {r}/hk:1.1 minor")),
        "{said}"
    );
    assert!(
        !said.contains("post"),
        "no post_update for a skipped update: {said}"
    );
    // A pre-update command that hangs is killed at the health timeout.
    let started = Instant::now();
    let hung = update("sleep 60", &["--health-timeout", "1s"]);
    assert!(
        hung["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("killed"),
        "{hung}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    std::fs::remove_file(&stop).unwrap();
    // The post-update hook fails: the file's bytes are put back, 1.1 held.
    std::fs::write(&fail_post, "").unwrap();
    let before = std::fs::read(&compose).unwrap();
    let out = vext(args_of(&[])).expect(1);
    let done: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(done[0]["result"], "rolled_back", "{}", out.stdout);
    assert!(
        done[0]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("post_update hook exited with exit status: 1"),
        "{}",
        out.stdout
    );
    assert_eq!(std::fs::read(&compose).unwrap(), before, "bytes put back");
    let held = vext(args_of(&[])).expect(0);
    assert!(
        held.stdout.contains("\"skipped\"") && held.stdout.contains("held"),
        "{}",
        held.stdout
    );
    assert_eq!(std::fs::read(&compose).unwrap(), before);
    // A newer version whose hook passes stands.
    reg.push("hk", &["1.2"], None);
    std::fs::remove_file(&fail_post).unwrap();
    let applied = update(&pre, &[]);
    assert_eq!(applied["result"], "applied", "{applied}");
    assert!(std::fs::read_to_string(&compose)
        .unwrap()
        .contains("hk:1.2"));
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(
        said.trim_end()
            .ends_with("post {r}/hk:1.2".replace("{r}", &r).as_str()),
        "{said}"
    );
}

/// Issue 30's hooks inside containers, on the private engine: a
/// container's `vext.pre-update` label runs inside the old container
/// (with the update in VEXT_* variables) and failing skips the update;
/// its `vext.post-update` runs inside the new one once healthy and failing
/// rolls the update back to the original container; passing, the update
/// stands. Watchtower's lifecycle labels are read the same way.
#[test]
fn commands_in_the_containers_labels_run_inside_them_around_an_update() {
    let rig = Rig::new();
    let d = &rig.engine;
    d.release(&rig.image("1.0.1"), Behaviour::Healthy, "two");
    let out_dir = TempDir::new("hook-out");
    let dir = out_dir.path().display().to_string();
    let (stop, fail) = (out_dir.path().join("STOP"), out_dir.path().join("FAIL"));
    std::fs::write(&stop, "").unwrap();
    d.docker(&[
        "run",
        "-d",
        "--name",
        "web",
        "-v",
        &format!("{dir}:/out"),
        "-l",
        "vext.pre-update=echo \"pre $VEXT_FROM $VEXT_TO\" >> /out/log; test ! -e /out/STOP",
        "-l",
        "com.centurylinklabs.watchtower.lifecycle.post-update=echo \"post $VEXT_TO\" >> /out/log; test ! -e /out/FAIL",
        &rig.image("1.0.0"),
    ]);
    d.wait_healthy("web");
    let old_id = d.inspect("web")["Id"].clone();
    let log = || std::fs::read_to_string(out_dir.path().join("log")).unwrap_or_default();
    let result = |out: &Output| -> Value {
        let done: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
        done.into_iter().next().unwrap_or_default()
    };

    let skipped = result(&rig.update(&["--json"]).expect(0));
    assert_eq!(skipped["result"], "skipped", "{skipped}");
    assert!(
        skipped["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("vext.pre-update command exited 1"),
        "{skipped}"
    );
    assert_eq!(d.inspect("web")["Id"], old_id, "nothing changed");
    let (from, to) = (rig.image("1.0.0"), rig.image("1.0.1"));
    assert_eq!(log(), format!("pre {from} {to}\n"));

    std::fs::remove_file(&stop).unwrap();
    std::fs::write(&fail, "").unwrap();
    let rolled = result(&rig.update(&["--json"]).expect(1));
    assert_eq!(rolled["result"], "rolled_back", "{rolled}");
    assert!(
        rolled["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("lifecycle.post-update command exited 1"),
        "{rolled}"
    );
    let web = d.inspect("web");
    assert_eq!(web["Id"], old_id, "the original container runs again");
    assert_eq!(web["State"]["Running"], true);
    assert!(log().ends_with(&format!("post {to}\n")), "{}", log());

    d.release(&rig.image("1.0.2"), Behaviour::Healthy, "three");
    std::fs::remove_file(&fail).unwrap();
    let applied = result(&rig.update(&["--json"]).expect(0));
    assert_eq!(applied["result"], "applied", "{applied}");
    let web = d.inspect("web");
    assert_ne!(web["Id"], old_id);
    assert_eq!(web["Config"]["Image"], rig.image("1.0.2"));
    assert!(
        log().ends_with(&format!("pre {from} {0}\npost {0}\n", rig.image("1.0.2"))),
        "{}",
        log()
    );
}

/// Issue 30's approval by a person, on a compose file against a real
/// registry: with `approve = "manual"` the approved update waits under an
/// id (`--pending` lists it), `--approve ID` records who approved, the
/// next run applies it and forgets the request; an approval older than
/// `[update] approval_ttl` no longer counts; an unknown id is exit 64.
#[test]
fn a_manual_policy_waits_for_a_persons_approval() {
    let reg = RegistryServer::start(None);
    reg.push("ok", &["1.0", "1.1"], None);
    let r = reg.addr.clone();
    let repo = TempDir::new("approve-repo");
    let compose = repo.write(
        "compose.yaml",
        &format!("services:\n  ok:\n    image: {r}/ok:1.0\n"),
    );
    let dir = TempDir::new("approve-config");
    let config = dir.write(
        "vext.toml",
        &format!("[update]\napproval_ttl = \"2s\"\n\n[[policy.rule]]\nimage = \"{r}/ok\"\napprove = \"manual\"\n"),
    );
    let state = TempDir::new("approve-state");
    let cfg = config.to_str().unwrap();
    let st = state.path().to_str().unwrap();
    let update = || {
        let out = vext([
            "--config",
            cfg,
            "update",
            repo.path().to_str().unwrap(),
            "--write",
            "--insecure-registry",
            &r,
            "--state-dir",
            st,
            "--json",
        ])
        .expect(0);
        let done: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
        done.into_iter().next().unwrap_or_default()
    };
    let pending = || {
        let out = vext([
            "--config",
            cfg,
            "update",
            "--pending",
            "--json",
            "--state-dir",
            st,
        ])
        .expect(0);
        serde_json::from_str::<Vec<Value>>(&out.stdout).unwrap()
    };
    let waiting = update();
    assert_eq!(waiting["result"], "skipped", "{waiting}");
    let reason = waiting["reason"].as_str().unwrap_or_default().to_string();
    let id = reason.rsplit(' ').next().unwrap().to_string();
    assert!(
        reason.starts_with("waits for approval: vext update --approve ") && id.len() == 8,
        "{reason}"
    );
    assert!(std::fs::read_to_string(&compose)
        .unwrap()
        .contains("ok:1.0"));
    let rows = pending();
    assert_eq!(
        (rows.len(), rows[0]["id"].as_str()),
        (1, Some(id.as_str())),
        "{rows:?}"
    );
    assert!(rows[0]["approved_by"].is_null() && rows[0]["target"] == format!("{r}/ok:1.1"));
    let out = vext([
        "--config",
        cfg,
        "update",
        "--approve",
        "deadbeef",
        "--state-dir",
        st,
    ])
    .expect(64);
    assert!(
        out.stderr.contains("no pending update deadbeef"),
        "{}",
        out.stderr
    );
    vext([
        "--config",
        cfg,
        "update",
        "--approve",
        &id,
        "--state-dir",
        st,
    ])
    .env("USER", "alice")
    .env("SUDO_USER", "")
    .expect(0);
    assert_eq!(pending()[0]["approved_by"], "alice");
    let applied = update();
    assert_eq!(applied["result"], "applied", "{applied}");
    assert!(std::fs::read_to_string(&compose)
        .unwrap()
        .contains("ok:1.1"));
    assert!(pending().is_empty(), "an applied update's request is gone");
    // 1.2 appears: approved, but the approval is older than 2s at the run.
    reg.push("ok", &["1.2"], None);
    let again = update();
    let id = again["reason"]
        .as_str()
        .unwrap_or_default()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    vext([
        "--config",
        cfg,
        "update",
        "--approve",
        &id,
        "--state-dir",
        st,
    ])
    .env("USER", "bob")
    .env("SUDO_USER", "")
    .expect(0);
    std::thread::sleep(Duration::from_millis(2200));
    let stale = update();
    assert_eq!(stale["result"], "skipped", "{stale}");
    assert!(
        stale["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("approval by bob is older than 2s"),
        "{stale}"
    );
    assert!(std::fs::read_to_string(&compose)
        .unwrap()
        .contains("ok:1.1"));
}

/// Issue 30's compose fidelity, with Debian's docker-compose (v1, which
/// writes no depends_on label: the order comes from the file) on the
/// private engine: a project of db, web (depends_on db, a bind-mounted
/// config file) and side (network_mode service:web, an image with no
/// update). `update --write` updates db before web, writes the new tag
/// into the compose file, recreates side in web's new namespace; then
/// `docker-compose ps` lists all three and `docker-compose up -d`
/// recreates none of them (the config hash is compose's own for the
/// edited file). Compose v1 ignores `configs:` outside swarm; a file
/// config is the same bind mount compose v2 makes of it.
#[test]
fn a_compose_project_stays_compose_and_updates_in_dependency_order() {
    let rig = Rig::new();
    let d = &rig.engine;
    let compose_bin = require_binary("docker-compose");
    d.release(&rig.image("1.1.0"), Behaviour::Healthy, "two");
    d.build("vext-side:1", Behaviour::Plain, "side");
    let project = TempDir::new("compose-project");
    project.write("site.conf", "hello from the config\n");
    let file = project.write(
        "docker-compose.yml",
        &format!(
            "services:\n  db:\n    image: {v1}\n    stop_grace_period: 1s\n    volumes:\n      - data:/data\n  web:\n    image: {v1}\n    stop_grace_period: 1s\n    depends_on: [db]\n    volumes:\n      - ./site.conf:/etc/site.conf:ro\n  side:\n    image: vext-side:1\n    stop_grace_period: 1s\n    network_mode: \"service:web\"\n    command: [\"/bin/busybox\", \"sleep\", \"3600\"]\nvolumes:\n  data: {{}}\n",
            v1 = rig.image("1.0.0")
        ),
    );
    let compose = |args: &[&str]| {
        let out = Command::new(&compose_bin)
            .args(["-p", "vextshop"])
            .args(args)
            .current_dir(project.path())
            .env("DOCKER_HOST", d.host())
            .stdin(Stdio::null())
            .output()
            .expect("running docker-compose");
        assert!(out.status.success(), "docker-compose {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
    };
    compose(&["up", "-d"]);
    d.wait_healthy("vextshop_web_1");
    d.docker(&[
        "exec",
        "vextshop_db_1",
        "/bin/busybox",
        "sh",
        "-c",
        "echo kept > /data/kept",
    ]);

    let only = ["--only".to_string(), format!("{}/app", rig.reg.addr)];
    let plan = rig
        .update(&[&only[0], &only[1], "--plan", "--json"])
        .expect(0);
    let steps: Vec<Value> = serde_json::from_str(&plan.stdout).unwrap();
    let mut order: Vec<&str> = steps
        .iter()
        .filter_map(|s| s["workload"].as_str())
        .collect();
    order.dedup();
    assert_eq!(
        order,
        ["vextshop_db_1", "vextshop_web_1", "vextshop_side_1"],
        "{}",
        plan.stdout
    );

    let out = rig
        .update(&[&only[0], &only[1], "--write", "--json"])
        .expect(0);
    let done: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    let results: Vec<(&str, &str)> = done
        .iter()
        .map(|d| {
            (
                d["workload"].as_str().unwrap(),
                d["result"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            ("vextshop_db_1", "applied"),
            ("vextshop_web_1", "applied"),
            ("vextshop_side_1", "applied")
        ],
        "{}",
        out.stdout
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.matches("app:1.1.0").count(), 2, "{text}");
    assert!(!text.contains("app:1.0.0"), "{text}");

    // The volume and the config file came along; side sits in the new web.
    let kept = d.docker(&["exec", "vextshop_db_1", "/bin/busybox", "cat", "/data/kept"]);
    assert_eq!(kept.trim(), "kept");
    let conf = d.docker(&[
        "exec",
        "vextshop_web_1",
        "/bin/busybox",
        "cat",
        "/etc/site.conf",
    ]);
    assert_eq!(conf.trim(), "hello from the config");
    let web = d.inspect("vextshop_web_1");
    let side = d.inspect("vextshop_side_1");
    assert_eq!(side["State"]["Running"], true, "{}", side["State"]);
    assert_eq!(
        side["HostConfig"]["NetworkMode"].as_str().unwrap(),
        format!("container:{}", web["Id"].as_str().unwrap())
    );
    let through_side = d.docker(&[
        "exec",
        "vextshop_side_1",
        "/bin/busybox",
        "wget",
        "-q",
        "-O",
        "-",
        "http://127.0.0.1:8080/",
    ]);
    assert_eq!(
        through_side.trim(),
        "two",
        "side reaches the new web on localhost"
    );
    assert_eq!(
        web["Config"]["Labels"]["com.docker.compose.project"],
        "vextshop"
    );

    // The grace period compose set is the one vext stops with (busybox as
    // PID 1 ignores SIGTERM: each old container costs exactly that).
    assert_eq!(web["Config"]["StopTimeout"], 1, "{}", web["Config"]);

    // Compose sees its own project, and has nothing to recreate.
    let ids = |s: String| {
        s.split_whitespace()
            .map(String::from)
            .collect::<BTreeSet<_>>()
    };
    let before = ids(compose(&["ps", "-q"]));
    assert_eq!(before.len(), 3, "{before:?}");
    let up = compose(&["up", "-d"]);
    assert_eq!(up.matches("is up-to-date").count(), 3, "{up}");
    assert_eq!(ids(compose(&["ps", "-q"])), before, "{up}");
}

/// Issue 30's release notes: an applied update links its new version's
/// release page, from the image's org.opencontainers.image.source (a
/// GitHub repository: its releases/tag page) or from a rule's
/// release_notes template, in --json and in the notification on a real
/// ngircd; an image that names no source gets no link.
#[test]
fn an_applied_update_links_its_release_notes() {
    let reg = RegistryServer::start(None);
    let labelled = |tag: &str, source: Option<&str>| {
        let labels = source.map_or(String::new(), |s| {
            format!("\"Labels\":{{\"org.opencontainers.image.source\":\"{s}\",\"tag\":\"{tag}\"}}")
        });
        (
            tag.to_string(),
            format!("{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{{{labels}}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[]}}}}"),
        )
    };
    for (repo, source) in [
        ("shop", Some("https://github.com/acme/shop.git")),
        ("tool", Some("https://git.example.org/acme/tool")),
        ("bare", None),
    ] {
        let configs: Vec<(String, String)> =
            ["1.0", "1.1"].iter().map(|t| labelled(t, source)).collect();
        let configs: Vec<(&str, String)> = configs
            .iter()
            .map(|(t, c)| (t.as_str(), c.clone()))
            .collect();
        reg.push_configs(repo, &configs, None);
    }
    let r = reg.addr.clone();
    let repo = TempDir::new("notes-repo");
    repo.write(
        "compose.yaml",
        &format!("services:\n  shop:\n    image: {r}/shop:1.0\n  tool:\n    image: {r}/tool:1.0\n  bare:\n    image: {r}/bare:1.0\n"),
    );
    let dir = TempDir::new("notes-config");
    let config = dir.write(
        "vext.toml",
        &format!("[[policy.rule]]\nimage = \"{r}/tool\"\nrelease_notes = \"https://docs.example.org/tool/changes#v{{version}}\"\n"),
    );
    let state = TempDir::new("notes-state");
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#ops"]);
    let notify = ircd.url("ops");
    let out = vext([
        "--config",
        config.to_str().unwrap(),
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
    ])
    .expect(0);
    let done: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    let notes = |w: &str| {
        done.iter()
            .find(|d| d["workload"].as_str().unwrap_or_default().contains(w))
            .map(|d| (d["result"].clone(), d["release_notes"].clone()))
            .unwrap_or_default()
    };
    assert_eq!(
        notes("compose.yaml:3"),
        (
            "applied".into(),
            "https://github.com/acme/shop/releases/tag/1.1".into()
        ),
        "{}",
        out.stdout
    );
    assert_eq!(
        notes("compose.yaml:5"),
        (
            "applied".into(),
            "https://docs.example.org/tool/changes#v1.1".into()
        )
    );
    assert_eq!(notes("compose.yaml:7"), ("applied".into(), Value::Null));
    let line = obs.wait_for(
        |l| l.contains("release notes: https://github.com/acme/shop/releases/tag/1.1"),
        "the release notes link in the notice",
    );
    assert!(line.contains("PRIVMSG #ops"), "{line}");
    // A template without {version} is refused before anything runs.
    let bad = dir.write(
        "bad.toml",
        "[[policy.rule]]\nimage = \"x\"\nrelease_notes = \"https://example.org/changes\"\n",
    );
    let out = vext([
        "--config",
        bad.to_str().unwrap(),
        "update",
        repo.path().to_str().unwrap(),
        "--plan",
    ])
    .expect(78);
    assert!(out.stderr.contains("release_notes"), "{}", out.stderr);
}
