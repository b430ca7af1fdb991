//! `vext hook git` against Debian's irkerhook on real repositories, pushes
//! through a post-receive hook, and delivery to a private ngircd.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Ada Lovelace")
        .env("GIT_AUTHOR_EMAIL", "ada@example.org")
        .env("GIT_COMMITTER_NAME", "Ada Lovelace")
        .env("GIT_COMMITTER_EMAIL", "ada@example.org")
        .env("GIT_AUTHOR_DATE", "2026-11-01T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-01T10:00:00Z")
        .output()
        .expect("running git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs git and returns its stderr too (hooks print there).
fn git_output(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub(crate) fn commit(dir: &Path, files: &[&str], msg: &str) -> String {
    for f in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let old = std::fs::read_to_string(&p).unwrap_or_default();
        std::fs::write(&p, format!("{old}{msg}\n")).unwrap();
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", msg]);
    git(dir, &["rev-parse", "HEAD"])
}

/// A repository with a root commit, ordinary commits, a merge and a tag.
fn sample_repo(tmp: &TempDir) -> (std::path::PathBuf, Vec<String>) {
    let dir = tmp.path().join("Sample-Project");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    let root = commit(&dir, &["README"], "Initial commit");
    let a = commit(
        &dir,
        &["src/irc/conn.rs", "src/irc/pool.rs"],
        "irc: pool connections per server",
    );
    git(&dir, &["tag", "-a", "v0.1.0", "-m", "first release"]);
    let b = commit(
        &dir,
        &["docs/ünïcode.md", "Makefile"],
        "Docs: a commit with “quotes” and ünïcode",
    );
    git(&dir, &["checkout", "-qb", "side", &root]);
    let side = commit(&dir, &["side.txt"], "side work");
    git(&dir, &["checkout", "-q", "main"]);
    git(
        &dir,
        &["merge", "-q", "--no-ff", "-m", "Merge branch side", "side"],
    );
    let merge = git(&dir, &["rev-parse", "HEAD"]);
    (dir, vec![root, a, b, side, merge])
}

fn dry_run_values(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn irkerhook(dir: &Path, extra: &[&str], rev: &str) -> serde_json::Value {
    let bin = require_binary("irkerhook");
    let out = Command::new(bin)
        .arg("-n")
        .args(extra)
        .arg(rev)
        .current_dir(dir)
        .output()
        .expect("running irkerhook");
    assert!(
        out.status.success(),
        "irkerhook: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dry_run_values(&String::from_utf8_lossy(&out.stdout)).remove(0)
}

#[test]
fn dry_run_matches_irkerhook_commit_by_commit() {
    let tmp = TempDir::new("hook");
    let (dir, commits) = sample_repo(&tmp);
    git(
        &dir,
        &[
            "config",
            "irker.channels",
            "irc://irc.example.net/commits,irc://irc.example.net/other",
        ],
    );
    let template = "%(project)s|%(repo)s|%(branch)s|%(rev)s|%(author)s|%(mail)s|%(logmsg)s|%(commit)s|%(author_date)s|%(commit_date)s|%(url)s|%(files)s";
    let configs: Vec<Vec<String>> = vec![
        vec!["--urlprefix=".into()],
        vec!["--urlprefix=".into(), "--color=mIRC".into()],
        vec!["--urlprefix=".into(), "--color=ANSI".into()],
        vec![
            "--urlprefix=".into(),
            "--revformat=raw".into(),
            "--project=Renamed".into(),
        ],
        vec![
            "--urlprefix=".into(),
            "--revformat=short".into(),
            "--repo=custom".into(),
        ],
        vec!["--urlprefix=".into(), format!("--template={template}")],
        vec![
            "--urlprefix=".into(),
            "--revformat=raw".into(),
            "--maxchannels=1".into(),
        ],
    ];
    let dir_s = dir.to_str().unwrap();
    // The root commit and the merge are where vext deliberately differs (it lists their files).
    let ordinary = [&commits[1], &commits[2], &commits[3]];
    for extra in &configs {
        let extra_refs: Vec<&str> = extra.iter().map(String::as_str).collect();
        for rev in ordinary {
            let want = irkerhook(&dir, &extra_refs, rev);
            let mut args = vec!["hook", "git", "--dry-run", "-C", dir_s];
            args.extend(&extra_refs);
            args.push(rev);
            let got = dry_run_values(&vext(&args).expect(0).stdout).remove(0);
            assert_eq!(got, want, "config {extra:?}, commit {rev}");
        }
    }
}

#[test]
fn root_commits_and_merges_list_their_files() {
    let tmp = TempDir::new("hook");
    let (dir, commits) = sample_repo(&tmp);
    let dir_s = dir.to_str().unwrap();
    let out = vext([
        "hook",
        "git",
        "-n",
        "-C",
        dir_s,
        // No default channel any more (issue 17): the formatting is the point here.
        "--channels=irc://irc.example.net/commits",
        "--urlprefix=none",
        &commits[0],
        &commits[4],
    ])
    .expect(0);
    let v = dry_run_values(&out.stdout);
    assert!(
        v[0]["privmsg"]
            .as_str()
            .unwrap()
            .contains("/ README: Initial commit"),
        "{}",
        v[0]
    );
    assert!(
        v[1]["privmsg"]
            .as_str()
            .unwrap()
            .contains("/ side.txt: Merge branch side"),
        "{}",
        v[1]
    );
    // irkerhook shows no files for either.
    let want = irkerhook(&dir, &["--urlprefix="], &commits[0]);
    assert!(
        want["privmsg"]
            .as_str()
            .unwrap()
            .contains("/ : Initial commit"),
        "{want}"
    );
}

#[test]
fn url_presets_and_long_file_lists() {
    let tmp = TempDir::new("hook");
    let (dir, commits) = sample_repo(&tmp);
    let dir_s = dir.to_str().unwrap();
    let out = vext([
        "hook",
        "git",
        "-n",
        "-C",
        dir_s,
        "--channels=irc://irc.example.net/commits",
        "--urlprefix=github:ada/sample",
        "--revformat=raw",
        &commits[1],
    ])
    .expect(0);
    let msg = dry_run_values(&out.stdout)[0]["privmsg"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains(&format!(
            "https://github.com/ada/sample/commit/{}",
            commits[1]
        )),
        "{msg}"
    );
    let files: Vec<String> = (0..40)
        .map(|i| format!("src/irc/generated_module_{i}.rs"))
        .collect();
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    let big = commit(&dir, &refs, "many files");
    let out = vext([
        "hook",
        "git",
        "-n",
        "-C",
        dir_s,
        "--channels=irc://irc.example.net/commits",
        "--urlprefix=",
        &big,
    ])
    .expect(0);
    let msg = dry_run_values(&out.stdout)[0]["privmsg"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("/ src/irc/ (40 files): many files"), "{msg}");
}

fn bare_with_clone(tmp: &TempDir) -> (std::path::PathBuf, std::path::PathBuf) {
    let bare = tmp.path().join("server.git");
    git(
        tmp.path(),
        &["init", "-q", "--bare", "-b", "main", bare.to_str().unwrap()],
    );
    let work = tmp.path().join("work");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            bare.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    git(&work, &["checkout", "-qb", "main"]);
    (bare, work)
}

#[test]
fn post_receive_new_branch_updates_deletion_and_forced_push() {
    let tmp = TempDir::new("hook");
    let (bare, work) = bare_with_clone(&tmp);
    let bare_s = bare.to_str().unwrap();
    git(
        &bare,
        &["config", "irker.channels", "irc://irc.example.net/commits"],
    );
    let zero = "0".repeat(40);
    let c1 = commit(&work, &["a"], "one");
    let c2 = commit(&work, &["b"], "two");
    git(&work, &["push", "-q", "origin", "main"]);
    let run = |input: String, extra: &[&str]| -> Vec<String> {
        let mut args = vec!["hook", "git", "--stdin", "-n", "-C", bare_s, "--urlprefix="];
        args.extend(extra);
        dry_run_values(&vext(&args).stdin(input).expect(0).stdout)
            .iter()
            .map(|v| v["privmsg"].as_str().unwrap().to_string())
            .collect()
    };
    // A new branch: both commits, oldest first.
    let msgs = run(format!("{zero} {c2} refs/heads/main\n"), &[]);
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(
        msgs[0].contains("main") && msgs[0].ends_with("one "),
        "{msgs:?}"
    );
    assert!(msgs[1].ends_with("two "), "{msgs:?}");
    // A feature branch from main: only commits no other branch had.
    git(&work, &["checkout", "-qb", "feature"]);
    let f1 = commit(&work, &["f"], "feature work");
    git(&work, &["push", "-q", "origin", "feature"]);
    let msgs = run(format!("{zero} {f1} refs/heads/feature\n"), &[]);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].contains(":feature") && msgs[0].contains("feature work"),
        "{msgs:?}"
    );
    // An ordinary update of several refs, and a summary past --max-commits.
    git(&work, &["checkout", "-q", "main"]);
    let mut last = c2.clone();
    for i in 0..4 {
        last = commit(&work, &["m"], &format!("main {i}"));
    }
    git(&work, &["push", "-q", "origin", "main"]);
    let msgs = run(
        format!("{c2} {last} refs/heads/main\n{f1} {f1} refs/heads/feature\n"),
        &["--max-commits", "2"],
    );
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    assert!(
        msgs[0].contains("main 0") && msgs[1].contains("main 1"),
        "{msgs:?}"
    );
    assert!(msgs[2].contains("and 2 more commits"), "{msgs:?}");
    // Deleted branch: one line.
    let msgs = run(format!("{f1} {zero} refs/heads/feature\n"), &[]);
    assert_eq!(msgs.len(), 1);
    assert!(
        msgs[0].contains("feature") && msgs[0].contains("deleted"),
        "{msgs:?}"
    );
    // Forced push: said so, then the new commits.
    git(&work, &["reset", "-q", "--hard", &c1]);
    let rewritten = commit(&work, &["x"], "rewritten history");
    git(&work, &["push", "-qf", "origin", "main"]);
    let msgs = run(format!("{last} {rewritten} refs/heads/main\n"), &[]);
    assert!(msgs[0].contains("forced push"), "{msgs:?}");
    assert!(msgs[1].contains("rewritten history"), "{msgs:?}");
    assert_eq!(msgs.len(), 2);
    // An annotated tag: the line names the commit, not the tag object.
    git(&work, &["tag", "-a", "v9", "-m", "release nine"]);
    git(&work, &["push", "-q", "origin", "v9"]);
    let tag_object = git(&bare, &["rev-parse", "v9"]);
    let tag_object = tag_object.trim();
    let msgs = run(format!("{zero} {tag_object} refs/tags/v9\n"), &[]);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].contains(&format!("tag created at {}", &rewritten[..12])),
        "{msgs:?} (commit {rewritten}, tag object {tag_object})"
    );
    // Garbage on stdin: a warning, exit 0 (never block a push); --strict: 65.
    vext(["hook", "git", "--stdin", "-C", bare_s])
        .stdin("nonsense\n")
        .expect(0);
    vext(["hook", "git", "--stdin", "--strict", "-C", bare_s])
        .stdin("nonsense\n")
        .expect(65);
}

#[test]
fn a_real_push_through_an_installed_hook_reaches_irc_via_the_daemon() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#commits"]);
    let daemon = Daemon::start(&[]);
    let tmp = TempDir::new("hook");
    let (bare, work) = bare_with_clone(&tmp);
    git(&bare, &["config", "irker.channels", &ircd.url("commits")]);
    git(&bare, &["config", "irker.server", &daemon.tcp]);
    git(&bare, &["config", "irker.project", "demo"]);
    let out = vext([
        "hook",
        "install",
        "git",
        "post-receive",
        "-C",
        bare.to_str().unwrap(),
    ])
    .expect(0);
    assert!(out.stdout.contains("post-receive"), "{}", out.stdout);
    commit(&work, &["a"], "pushed through a hook");
    let push = git_output(&work, &["push", "origin", "main"]);
    let got = obs.privmsgs(1, Duration::from_secs(15));
    assert_eq!(got.len(), 1, "push said: {push}\ndaemon: {}", daemon.log());
    assert!(
        got[0].text.starts_with("demo: Ada Lovelace demo:main * "),
        "{}",
        got[0].text
    );
    assert!(
        got[0].text.ends_with(": pushed through a hook"),
        "trailing space trimmed on the wire: {:?}",
        got[0].text
    );
    // Installing again is a no-op; a foreign hook is not overwritten without --force.
    vext([
        "hook",
        "install",
        "git",
        "post-receive",
        "-C",
        bare.to_str().unwrap(),
    ])
    .expect(0);
    std::fs::write(bare.join("hooks/post-commit"), "#!/bin/sh\necho mine\n").unwrap();
    let out = vext([
        "hook",
        "install",
        "git",
        "post-commit",
        "-C",
        bare.to_str().unwrap(),
    ])
    .expect(65);
    assert!(out.stderr.contains("--force"), "{}", out.stderr);
    vext([
        "hook",
        "install",
        "git",
        "post-commit",
        "-C",
        bare.to_str().unwrap(),
        "--force",
    ])
    .expect(0);
    // --force keeps the hook it replaces, and says where.
    let kept = std::fs::read_to_string(bare.join("hooks/post-commit.vext-backup")).unwrap();
    assert_eq!(kept, "#!/bin/sh\necho mine\n");
}

/// A typo in an unrelated section of the config file does not stop a hook:
/// it warns and announces (a hook must never block a push).
#[test]
fn a_broken_config_file_does_not_stop_a_hook() {
    let tmp = TempDir::new("hook");
    let (_, work) = bare_with_clone(&tmp);
    commit(&work, &["a"], "despite the config");
    let cfg = tmp.write(
        "vext.toml",
        "[send]
timeoutt = 3
",
    );
    let out = vext([
        "--config",
        cfg.to_str().unwrap(),
        "hook",
        "git",
        "-n",
        "-C",
        work.to_str().unwrap(),
        "--channels=irc://irc.example.net/commits",
    ])
    .expect(0);
    assert!(out.stdout.contains("despite the config"), "{}", out.stdout);
    assert!(out.stderr.contains("timeoutt"), "{}", out.stderr);
    // Other commands still refuse it.
    vext(["--config", cfg.to_str().unwrap(), "config", "show"]).expect(78);
}

#[test]
fn without_a_daemon_the_hook_delivers_directly_and_never_blocks() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#direct"]);
    let tmp = TempDir::new("hook");
    let (_, work) = bare_with_clone(&tmp);
    commit(&work, &["a"], "no daemon here");
    let no_daemon = format!("127.0.0.1:{}", free_port());
    let work_s = work.to_str().unwrap();
    let start = std::time::Instant::now();
    let channels = format!("--channels={}", ircd.url("direct"));
    let server = format!("--server={no_daemon}");
    vext([
        "hook",
        "git",
        "-C",
        work_s,
        &channels,
        &server,
        "--project=p",
    ])
    .expect(0);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "the hook waited for delivery"
    );
    let got = obs.privmsgs(1, Duration::from_secs(15));
    assert!(got[0].text.contains("no daemon here"), "{got:?}");
    // Nothing reachable at all: a warning and exit 0; --strict reports it.
    let dead = format!("--channels=irc://127.0.0.1:{}/x", free_port());
    let out = vext(["hook", "git", "-C", work_s, &dead, &server, "--strict"]).run();
    assert_eq!(out.code, 75, "{}", out.stderr);
    // Without --strict the push goes on, and the pusher still reads why.
    let out = vext(["hook", "git", "-C", work_s, &dead, &server]).expect(0);
    assert!(
        out.stderr.contains("vext hook: warning:") && out.stderr.contains("refused"),
        "{}",
        out.stderr
    );
    let out = Command::new(VEXT)
        .args(["hook", "git", "-C", work_s, "--channels=not a url", &server])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// A `@name` channel from the config file works in every mode: directly
/// with --strict (which used to deliver the raw string and fail), and in the
/// detached child and through a daemon.
#[test]
fn named_targets_from_the_config_in_every_hook_mode() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#named"]);
    let tmp = TempDir::new("hook");
    let (_, work) = bare_with_clone(&tmp);
    commit(&work, &["a"], "named target");
    let cfg = tmp.write(
        "vext.toml",
        &format!("[targets.team]\nurl = \"{}\"\n", ircd.url("named")),
    );
    let cfg = cfg.to_str().unwrap();
    let work_s = work.to_str().unwrap();
    let no_daemon = format!("--server=127.0.0.1:{}", free_port());
    let hook = |extra: &[&str]| {
        let mut args = vec![
            "--config",
            cfg,
            "hook",
            "git",
            "-C",
            work_s,
            "--channels=@team",
        ];
        args.extend_from_slice(extra);
        vext(args).expect(0);
    };
    // --strict, no daemon: delivered here and now.
    hook(&[&no_daemon, "--strict", "--project=p"]);
    let got = obs.privmsgs(1, Duration::from_secs(15));
    assert!(got[0].text.contains("named target"), "{got:?}");
    // Without --strict: the detached child is given the same config.
    hook(&[&no_daemon, "--project=q"]);
    let got = obs.privmsgs(1, Duration::from_secs(15));
    assert!(got[0].text.contains("q:"), "{got:?}");
    // Through a daemon: it gets the URL, not the name it cannot know.
    let daemon = Daemon::start(&[]);
    let server = format!("--server={}", daemon.tcp);
    hook(&[&server, "--project=r"]);
    let got = obs.privmsgs(1, Duration::from_secs(15));
    assert!(got[0].text.contains("r:"), "{got:?} {}", daemon.log());
}

/// An svn repository with two commits, made through a working copy.
fn svn_repo(tmp: &TempDir) -> std::path::PathBuf {
    let repo = tmp.path().join("svnproj");
    run_ok(tmp.path(), "svnadmin", &["create", repo.to_str().unwrap()]);
    let url = format!("file://{}", repo.display());
    let wc = tmp.path().join("wc");
    run_ok(
        tmp.path(),
        "svn",
        &["checkout", "-q", &url, wc.to_str().unwrap()],
    );
    std::fs::create_dir_all(wc.join("trunk/src")).unwrap();
    std::fs::write(wc.join("trunk/src/main.c"), "int main;\n").unwrap();
    std::fs::write(wc.join("trunk/README"), "hi\n").unwrap();
    run_ok(&wc, "svn", &["add", "-q", "trunk"]);
    run_ok(
        &wc,
        "svn",
        &[
            "commit",
            "-q",
            "--username",
            "ada",
            "-m",
            "Import the tree\n\nwith details",
        ],
    );
    std::fs::write(wc.join("trunk/src/main.c"), "int main(void);\n").unwrap();
    run_ok(
        &wc,
        "svn",
        &[
            "commit",
            "-q",
            "--username",
            "bob",
            "-m",
            "Fix main’s prototype",
        ],
    );
    repo
}

#[test]
fn svn_dry_run_matches_irkerhook() {
    let tmp = TempDir::new("svn");
    let repo = svn_repo(&tmp);
    std::fs::write(
        repo.join("irker.conf"),
        "# irkerhook settings\nchannels = irc://irc.example.net/svn\nproject = SvnProj\n",
    )
    .unwrap();
    let repo_s = repo.to_str().unwrap();
    let irkerhook = require_binary("irkerhook");
    for extra in [
        vec!["--urlprefix="],
        vec!["--urlprefix=", "--color=mIRC"],
        vec![
            "--urlprefix=",
            "--template=%(rev)s|%(author)s|%(commit_date)s|%(files)s|%(logmsg)s",
        ],
    ] {
        for rev in ["1", "2"] {
            let out = Command::new(&irkerhook)
                .arg("-n")
                .arg(format!("--repository={repo_s}"))
                .args(&extra)
                .arg(rev)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let want = dry_run_values(&String::from_utf8_lossy(&out.stdout)).remove(0);
            let mut args = vec!["hook", "svn", repo_s, rev, "-n"];
            args.extend(&extra);
            let got = dry_run_values(&vext(&args).expect(0).stdout).remove(0);
            assert_eq!(got, want, "{extra:?} r{rev}");
        }
    }
}

#[test]
fn svn_post_commit_hook_delivers_through_the_daemon() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#svn"]);
    let daemon = Daemon::start(&[]);
    let tmp = TempDir::new("svn");
    let repo = svn_repo(&tmp);
    std::fs::write(
        repo.join("irker.conf"),
        format!("channels = {}\nserver = {}\n", ircd.url("svn"), daemon.tcp),
    )
    .unwrap();
    let hook = repo.join("hooks/post-commit");
    tmp.write_executable(
        hook.strip_prefix(tmp.path()).unwrap().to_str().unwrap(),
        &format!("#!/bin/sh\nexec {VEXT} hook svn \"$1\" \"$2\"\n"),
    );
    let wc = tmp.path().join("wc");
    std::fs::write(wc.join("trunk/README"), "changed\n").unwrap();
    run_ok(
        &wc,
        "svn",
        &[
            "commit",
            "-q",
            "--username",
            "carol",
            "-m",
            "Third, from a hook",
        ],
    );
    let got = obs.privmsgs(1, Duration::from_secs(15));
    assert_eq!(got.len(), 1, "{}", daemon.log());
    assert_eq!(
        got[0].text,
        "svnproj: carol svnproj * r3 / trunk/: Third, from a hook"
    );
}

#[test]
fn hg_changesets_from_a_commit_hook() {
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#hg"]);
    let daemon = Daemon::start(&[]);
    let tmp = TempDir::new("hg");
    let repo = tmp.path().join("hgproj");
    std::fs::create_dir_all(repo.join("d")).unwrap();
    run_ok(&repo, "hg", &["init", "-q"]);
    std::fs::write(repo.join("x"), "x\n").unwrap();
    std::fs::write(repo.join("d/y"), "y\n").unwrap();
    run_ok(&repo, "hg", &["add", "-q"]);
    run_ok(
        &repo,
        "hg",
        &[
            "commit",
            "-q",
            "-u",
            "Ada Lovelace <ada@example.org>",
            "-m",
            "first",
        ],
    );
    std::fs::write(repo.join("x"), "x2\n").unwrap();
    run_ok(&repo, "hg", &["rm", "-q", "d/y"]);
    std::fs::write(repo.join("z"), "z\n").unwrap();
    run_ok(&repo, "hg", &["add", "-q", "z"]);
    run_ok(
        &repo,
        "hg",
        &[
            "commit",
            "-q",
            "-u",
            "Ada Lovelace <ada@example.org>",
            "-m",
            "second",
        ],
    );
    let node = run_ok(
        &repo,
        "hg",
        &["log", "-r", "1", "--template", "{node|short}"],
    );
    // irkerhook's hg order: modified, added, removed (against the first parent).
    let out = vext([
        "hook",
        "hg",
        "-n",
        "-R",
        repo.to_str().unwrap(),
        "--channels=irc://h/c",
        "1",
    ])
    .expect(0);
    let v = dry_run_values(&out.stdout);
    assert_eq!(
        v[0]["privmsg"],
        format!("hgproj: Ada Lovelace hgproj:default * 1:{node} / x z d/y: second ")
    );
    // A real commit hook delivering through the daemon.
    let hgrc = format!(
        "[hooks]\ncommit.vext = {VEXT} hook hg\n[irker]\nchannels = {}\nserver = {}\n",
        ircd.url("hg"),
        daemon.tcp
    );
    std::fs::write(repo.join(".hg/hgrc"), hgrc).unwrap();
    std::fs::write(repo.join("x"), "x3\n").unwrap();
    run_ok(
        &repo,
        "hg",
        &[
            "commit",
            "-q",
            "-u",
            "Bob <bob@example.org>",
            "-m",
            "third, via the hook",
        ],
    );
    let got = obs.privmsgs(1, Duration::from_secs(15));
    assert_eq!(got.len(), 1, "{}", daemon.log());
    assert!(
        got[0].text.starts_with("hgproj: Bob hgproj:default * 2:")
            && got[0].text.ends_with("/ x: third, via the hook"),
        "{}",
        got[0].text
    );
}

/// A `git` first on PATH (the temp dir itself) that logs its arguments,
/// then runs the real one.
fn counting_git(tmp: &TempDir) -> (String, std::path::PathBuf) {
    let log = tmp.path().join("git-calls.log");
    let real = run_ok(tmp.path(), "sh", &["-c", "command -v git"]);
    tmp.write_executable(
        "git",
        &format!(
            "#!/bin/sh\necho \"$*\" >> {}\nexec {} \"$@\"\n",
            log.display(),
            real.trim()
        ),
    );
    let path = format!(
        "{}:{}",
        tmp.path().display(),
        std::env::var("PATH").unwrap()
    );
    (path, log)
}

#[test]
fn git_is_run_a_few_times_whatever_the_number_of_commits() {
    let tmp = TempDir::new("hook");
    let (dir, _) = sample_repo(&tmp);
    git(
        &dir,
        &["config", "irker.channels", "irc://irc.example.net/commits"],
    );
    let (path, log) = counting_git(&tmp);
    let calls = |args: &[&str], stdin: Option<String>| -> Vec<String> {
        let _ = std::fs::remove_file(&log);
        let mut cmd = vext(args).env("PATH", &path);
        if let Some(s) = stdin {
            cmd = cmd.stdin(s);
        }
        cmd.expect(0);
        // Each run's subcommand (after any `-c key=value`); log and
        // describe run side by side, so they are put in that order.
        let mut runs: Vec<String> = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let mut words = l.split(' ');
                let mut w = words.next().unwrap_or("");
                while w == "-c" {
                    words.next();
                    w = words.next().unwrap_or("");
                }
                w.to_string()
            })
            .collect();
        if let Some(i) = runs.iter().position(|r| r == "describe") {
            let d = runs.remove(i);
            runs.push(d);
        }
        runs
    };
    let d = dir.to_str().unwrap();
    // A post-commit hook: config, log, describe (the repository's name
    // and branch read from its files).
    let one = calls(&["hook", "git", "-n", "-C", d], None);
    assert_eq!(one, ["config", "log", "describe"]);
    // A worktree (.git is a file naming the real git dir) asks rev-parse.
    let wt = tmp.path().join("wt");
    git(
        &dir,
        &["worktree", "add", "-q", "--detach", wt.to_str().unwrap()],
    );
    let worktree = calls(&["hook", "git", "-n", "-C", wt.to_str().unwrap()], None);
    assert_eq!(worktree, ["rev-parse", "config", "log", "describe"]);
    // A post-receive of 1 commit and of 4: the same number of git runs.
    let revs = git(&dir, &["rev-list", "--reverse", "HEAD", "--first-parent"]);
    let revs: Vec<&str> = revs.lines().collect();
    let push = |from: &str| format!("{from} {} refs/heads/main\n", revs[revs.len() - 1]);
    let short = calls(
        &["hook", "git", "--stdin", "-n", "-C", d],
        Some(push(revs[revs.len() - 2])),
    );
    let long = calls(
        &["hook", "git", "--stdin", "-n", "-C", d],
        Some(push(revs[0])),
    );
    assert_eq!(short, long);
    // One rev-list tells a forced push and lists the new commits.
    assert_eq!(long, ["config", "rev-list", "log", "describe"]);
}

/// Without irker.channels the hook sends nothing (irkerhook's default was a
/// public network) and says how to configure it; it never fails the push.
#[test]
fn no_channel_configured_sends_nothing_and_says_how() {
    let tmp = TempDir::new("hook");
    let (_, work) = bare_with_clone(&tmp);
    commit(&work, &["a"], "private subject");
    let out = vext(["hook", "git", "-n", "-C", work.to_str().unwrap()]).expect(0);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(!out.stderr.contains("freenode"), "{}", out.stderr);
    assert!(out.stderr.contains("irker.channels"), "{}", out.stderr);
}

/// A git that hangs cannot hold up a push: the hook kills it at its time
/// limit, warns, and exits 0 (75 with --strict).
#[test]
fn a_hanging_git_is_killed_at_the_hooks_deadline() {
    let tmp = TempDir::new("hook");
    let (_, work) = bare_with_clone(&tmp);
    commit(&work, &["a"], "slow");
    let bin = TempDir::new("bin");
    bin.write_executable("git", "#!/bin/sh\nexec sleep 30\n");
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let work_s = work.to_str().unwrap();
    for (strict, code) in [(false, 0), (true, 75)] {
        let started = Instant::now();
        let mut args = vec![
            "hook",
            "git",
            "-C",
            work_s,
            "--channels=irc://irc.example.net/commits",
            "--timeout=1",
        ];
        if strict {
            args.push("--strict");
        }
        let out = vext(args).env("PATH", &path).run();
        assert_eq!(out.code, code, "{}", out.stderr);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "waited for git"
        );
        assert!(out.stderr.contains("time limit"), "{}", out.stderr);
    }
}

/// Subversion and Mercurial hooks publish what they announced on
/// `vext.events.hook.{svn,hg}.*`, as the git hook does, when the config
/// names a NATS server.
#[test]
fn svn_and_hg_hooks_publish_events() {
    let ircd = Ngircd::start();
    let nats = NatsServer::start();
    let tmp = TempDir::new("hook-events");
    let cfg = tmp.write("vext.toml", &format!("[nats]\nurl = \"{}\"\n", nats.url()));
    let cfg = cfg.to_str().unwrap();

    let repo = svn_repo(&tmp);
    vext([
        "--config",
        cfg,
        "hook",
        "svn",
        repo.to_str().unwrap(),
        "2",
        &format!("--channels={}", ircd.url("svnev")),
    ])
    .expect(0);
    let ev = nats.last_event("vext.events.hook.svn.commit");
    assert_eq!(ev["type"], "vext.hook.commit", "{ev}");
    assert_eq!(ev["data"]["commits"][0], "2", "{ev}");
    assert_eq!(ev["data"]["repository"], "svnproj", "{ev}");
    assert!(
        ev["data"]["lines"][0]
            .as_str()
            .unwrap()
            .contains("Fix main’s prototype"),
        "{ev}"
    );

    let hg = tmp.path().join("hgev");
    std::fs::create_dir_all(&hg).unwrap();
    run_ok(&hg, "hg", &["init", "-q"]);
    std::fs::write(hg.join("a"), "a\n").unwrap();
    run_ok(&hg, "hg", &["add", "-q"]);
    run_ok(
        &hg,
        "hg",
        &["commit", "-q", "-u", "Ada <ada@example.org>", "-m", "one"],
    );
    vext([
        "--config",
        cfg,
        "hook",
        "hg",
        "-R",
        hg.to_str().unwrap(),
        &format!("--channels={}", ircd.url("hgev")),
        "0",
    ])
    .expect(0);
    let ev = nats.last_event("vext.events.hook.hg.commit");
    assert_eq!(ev["data"]["branches"][0], "default", "{ev}");
    assert_eq!(ev["data"]["repository"], "hgev", "{ev}");
    assert!(
        ev["data"]["lines"][0].as_str().unwrap().contains("one"),
        "{ev}"
    );
}
