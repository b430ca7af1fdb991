//! Announcing commits: the effective hook settings, the message from
//! irkerhook's template, and delivery to the daemon or directly. The git hook
//! lives here; svn and hg read their commits and call in.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::cli::{HookCommon, HookGitArgs};
use crate::config::Context;
use crate::exit::{fail, Code};
use crate::notify::notice::Notice;
use crate::notify::sender::{Daemon, Sender};

use crate::commits::git::{self, Change, Git};
use crate::commits::style::{message, notice, Style};
use crate::commits::template;

/// Effective hook settings: how lines look ([`Style`]) and where they go.
pub(crate) struct Settings {
    pub(crate) style: Style,
    channels: Vec<String>,
    server: String,
    tcp: bool,
    maxchannels: usize,
}

fn truthy(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" | "" => Some(false),
        _ => None,
    }
}

/// Settings from the VCS's configuration (`map`), then flags, then defaults.
pub(crate) fn settings(
    mut map: BTreeMap<String, String>,
    common: &HookCommon,
    repo_name: &str,
    default_template: &str,
) -> Result<Settings> {
    for (k, v) in common.overrides() {
        map.insert(k.to_string(), v);
    }
    let get = |k: &str| {
        map.get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let project = get("project").unwrap_or_else(|| repo_name.to_string());
    let repo = get("repo").unwrap_or_else(|| project.to_lowercase());
    // No default channel: irkerhook's (a public network) would announce
    // private commit subjects to the world.
    let channels: Vec<String> = get("channels")
        .unwrap_or_default()
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    let tcp = match get("tcp") {
        Some(v) => truthy(&v).ok_or_else(|| {
            fail(
                Code::Config,
                format!("irker.tcp = {v:?}: expected true or false"),
            )
        })?,
        None => true,
    };
    let maxchannels = match get("maxchannels") {
        Some(v) => v.parse().map_err(|_| {
            fail(
                Code::Config,
                format!("irker.maxchannels = {v:?}: expected a number"),
            )
        })?,
        None => 0,
    };
    let cialike = match get("cialike").filter(|v| !v.eq_ignore_ascii_case("none")) {
        Some(v) => Some(v.parse().map_err(|_| {
            fail(
                Code::Config,
                format!("irker.cialike = {v:?}: expected a number"),
            )
        })?),
        None => None,
    };
    // `revformat` unset means irkerhook's describe.
    let revformat = get("revformat").unwrap_or_else(|| "describe".into());
    if !matches!(revformat.as_str(), "raw" | "short" | "describe") {
        return Err(fail(
            Code::Config,
            format!("irker.revformat = {revformat:?}: expected raw, short or describe"),
        ));
    }
    Ok(Settings {
        style: Style {
            project,
            repo,
            template: map
                .get("template")
                .filter(|t| !t.is_empty())
                .cloned()
                .unwrap_or_else(|| default_template.into()),
            color: get("color"),
            urlprefix: map.get("urlprefix").map(|v| v.trim().to_string()),
            revformat,
            filtercmd: get("filtercmd"),
            cialike,
            host: crate::net::hostname(),
        },
        channels,
        server: get("server").unwrap_or_else(|| "localhost".into()),
        tcp,
        maxchannels,
    })
}

/// Runs a hook with its time budget; failures warn and exit 0 unless --strict.
pub(crate) fn guarded(
    common: &HookCommon,
    f: impl FnOnce(Instant) -> Result<Code>,
) -> Result<Code> {
    let budget = common
        .timeout
        .filter(|t| t.is_finite())
        .unwrap_or(5.0)
        .clamp(0.1, 3600.0);
    let deadline = Instant::now() + Duration::from_secs_f64(budget);
    crate::commits::vcs::set_deadline(deadline);
    match f(deadline) {
        Ok(code) => Ok(code),
        Err(e) if !common.strict => {
            // A hook must never block a push.
            eprintln!("vext hook: warning: {e:#}");
            Ok(Code::Ok)
        }
        Err(e) => Err(e),
    }
}

/// What a post-receive hook's standard input says was pushed, as items
/// to announce: commits, and notices for deletions, tags and forced pushes.
fn pushed(git: &Git, s: &Settings, max: usize) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    let mut input = String::new();
    std::io::stdin()
        .take(1 << 20)
        .read_to_string(&mut input)
        .map_err(|e| fail(Code::DataErr, format!("reading post-receive input: {e}")))?;
    for u in git::parse_updates(&input)? {
        let branch = git::short_ref(&u.refname);
        let is_tag = u.refname.starts_with("refs/tags/");
        let kind = if is_tag { "tag" } else { "branch" };
        let change = git::classify(git, &u)?;
        if let Change::Updated { forced: true, .. } = change {
            let (o, n) = (&u.old[..u.old.len().min(12)], &u.new[..u.new.len().min(12)]);
            items.push(Item::Notice(notice(
                &s.style,
                &branch,
                &format!("forced push: {o} -> {n}"),
            )));
        }
        match change {
            Change::Deleted => items.push(Item::Notice(notice(
                &s.style,
                &branch,
                &format!("{kind} deleted"),
            ))),
            Change::Created { .. } if is_tag => {
                // An annotated tag's id names the tag object: say the
                // commit it points at, as `git log` would show it.
                let peeled = git
                    .try_run(&[
                        "rev-parse",
                        "--verify",
                        "-q",
                        &format!("{}^{{commit}}", u.new),
                    ])?
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| u.new.clone());
                let short = &peeled[..peeled.len().min(12)];
                items.push(Item::Notice(notice(
                    &s.style,
                    &branch,
                    &format!("tag created at {short}"),
                )));
            }
            Change::Created { commits } | Change::Updated { commits, .. } => {
                push_commits(&mut items, s, &branch, commits, max);
            }
        }
    }
    Ok(items)
}

pub(crate) fn announce_git(args: &HookGitArgs, ctx: &Context, deadline: Instant) -> Result<Code> {
    let git = Git::new(args.repository.as_deref());
    let info = git::repo_info(&git)?;
    let s = settings(
        git.settings()?,
        &args.common,
        &info.name,
        template::DEFAULT_GIT,
    )?;
    let want_describe = s.style.revformat == "describe";
    let max = args.max_commits.unwrap_or(5);

    // (branch, commit hash or notice text) in announcement order.
    let items = if args.stdin {
        pushed(&git, &s, max)?
    } else {
        let revs = if args.revs.is_empty() {
            vec!["HEAD".to_string()]
        } else {
            args.revs.clone()
        };
        revs.into_iter()
            .map(|hash| Item::Commit {
                branch: info.head_branch.clone(),
                hash,
            })
            .collect()
    };

    let hashes: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            Item::Commit { hash, .. } => Some(hash.clone()),
            Item::Notice(_) => None,
        })
        .collect();
    let data = git::commits(&git, &hashes, want_describe)?;
    if data.len() != hashes.len() {
        return Err(fail(
            Code::DataErr,
            format!("git found {} of {} commits", data.len(), hashes.len()),
        ));
    }
    let mut data = data.into_iter();
    let mut texts = Vec::new();
    for item in &items {
        match item {
            Item::Commit { branch, .. } => {
                let c = data.next().unwrap_or_default();
                texts.push(message(&s.style, branch, &c)?);
            }
            Item::Notice(t) => texts.push(t.clone()),
        }
    }
    let branches: std::collections::BTreeSet<&str> = items
        .iter()
        .filter_map(|i| match i {
            Item::Commit { branch, .. } => Some(branch.as_str()),
            Item::Notice(_) => None,
        })
        .collect();
    let announced = Announced {
        vcs: "git",
        event: if args.stdin { "push" } else { "commit" },
        branches,
        commits: hashes.iter().map(String::as_str).collect(),
    };
    publish(ctx, &s, &args.common, announced, &texts);
    finish(&s, &args.common, ctx, &texts, deadline)
}

/// What a hook announced, for `vext.events.hook.{vcs}.{event}`.
pub(crate) struct Announced<'a> {
    /// git, svn, hg.
    pub(crate) vcs: &'static str,
    /// push or commit.
    pub(crate) event: &'static str,
    pub(crate) branches: std::collections::BTreeSet<&'a str>,
    pub(crate) commits: Vec<&'a str>,
}

/// Publishes the event (not for a dry run, nor when there is nothing to
/// announce).
pub(crate) fn publish(
    ctx: &Context,
    s: &Settings,
    common: &HookCommon,
    a: Announced,
    lines: &[String],
) {
    if common.dry_run || lines.is_empty() {
        return;
    }
    crate::bus::events::publish_to(crate::settings::events(ctx, None, "hook"));
    crate::bus::events::emit(
        "hook",
        a.vcs,
        a.event,
        serde_json::json!({
            "repository": s.style.repo,
            "branches": a.branches,
            "commits": a.commits,
            "lines": lines,
        }),
    );
}

/// Prints the requests (--dry-run) or delivers them.
pub(crate) fn finish(
    s: &Settings,
    common: &HookCommon,
    ctx: &Context,
    texts: &[String],
    deadline: Instant,
) -> Result<Code> {
    let mut channels = s.channels.clone();
    if s.maxchannels > 0 {
        channels.truncate(s.maxchannels);
    }
    if channels.is_empty() {
        eprintln!(
            "vext hook: no channel configured, nothing sent: set one with \
             `git config irker.channels irc://irc.example.net/#project` (or --channels=URL)"
        );
        return Ok(Code::Ok);
    }
    if common.dry_run {
        let mut out = std::io::stdout().lock();
        for t in texts {
            let line = format!(
                "{{\"to\":{},\"privmsg\":{}}}",
                serde_json::Value::from(channels.clone()),
                serde_json::Value::from(t.as_str())
            );
            if writeln!(out, "{line}").is_err() {
                break;
            }
        }
        return Ok(Code::Ok);
    }
    if texts.is_empty() || channels.is_empty() {
        return Ok(Code::Ok);
    }
    deliver(s, ctx, &channels, texts, common.strict, deadline)
}

/// What a hook announces, in order: a commit (on a branch) or a one-line notice.
enum Item {
    Commit { branch: String, hash: String },
    Notice(String),
}

/// The first `max` commits of a ref, oldest first, then a summary line.
fn push_commits(
    items: &mut Vec<Item>,
    s: &Settings,
    branch: &str,
    commits: Vec<String>,
    max: usize,
) {
    let total = commits.len();
    for hash in commits.into_iter().take(max) {
        items.push(Item::Commit {
            branch: branch.to_string(),
            hash,
        });
    }
    if total > max {
        let more = total - max;
        let text = format!(
            "... and {more} more commit{}",
            if more == 1 { "" } else { "s" }
        );
        items.push(Item::Notice(notice(&s.style, branch, &text)));
    }
}

fn deliver(
    s: &Settings,
    ctx: &Context,
    channels: &[String],
    texts: &[String],
    strict: bool,
    deadline: Instant,
) -> Result<Code> {
    // The channels as `vext send` takes them: `@name`s and what the config
    // adds (tokens, templates) work here too.
    let (urls, targets) = crate::settings::targets(ctx, channels, "irker.channels entry")
        .map_err(|e| fail(Code::Config, format!("{e:#}")))?;
    let notices: Vec<Notice> = texts
        .iter()
        .map(|t| Notice {
            text: t.clone(),
            ..Default::default()
        })
        .collect();
    let daemon = Sender::Daemon(Daemon {
        addr: s.server.clone(),
        secret: None,
        ack: false,
    });
    if !s.tcp && !strict {
        // irkerhook's UDP: one datagram per commit, no reply possible.
        for n in &notices {
            let request = daemon.request(&urls, n);
            if let Err(e) = crate::notify::irker::client::send_udp(&s.server, &request) {
                eprintln!("vext hook: warning: {e:#}");
                break;
            }
        }
        return Ok(Code::Ok);
    }
    let sent = if s.tcp {
        daemon.send_all(&urls, &targets, &notices, deadline)
    } else {
        Ok(None)
    };
    match (sent, strict) {
        (Ok(Some(code)), _) => Ok(code),
        // No daemon: without --strict, deliver directly in a detached child
        // so that the push goes on.
        (Ok(None), false) => spawn_direct(ctx, &urls, texts),
        (Err(e), false) => {
            eprintln!("vext hook: warning: {e:#}");
            Ok(Code::Ok)
        }
        (Err(e), true) => Err(e),
        // --strict: deliver here and now, and say how it went.
        (Ok(None), true) => {
            let direct = crate::settings::sender(
                ctx,
                &crate::settings::DeliveryFlags {
                    via: Some(""),
                    ..Default::default()
                },
            )?;
            let notice = Notice {
                text: texts.join("\n"),
                ..Default::default()
            };
            direct.send(&urls, &targets, &notice, deadline)
        }
    }
}

/// How long the hook waits for its detached delivery before leaving it to
/// finish alone: a failure that quick (a refused port, a bad password) is
/// still shown to the pusher.
const DETACHED_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

fn spawn_direct(ctx: &Context, urls: &[String], texts: &[String]) -> Result<Code> {
    let exe = std::env::current_exe()
        .map_err(|e| fail(Code::Software, format!("finding vext itself: {e}")))?;
    let mut cmd = std::process::Command::new(exe);
    if let Some(config) = &ctx.config_path {
        cmd.arg("--config").arg(config);
    }
    cmd.arg("send")
        .arg("--timeout")
        .arg("60")
        .arg("-m")
        .arg(texts.join("\n"))
        .args(urls);
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vext hook: warning: cannot start a direct send: {e}");
            return Ok(Code::Ok);
        }
    };
    let until = std::time::Instant::now() + DETACHED_GRACE;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(Code::Ok),
            Ok(Some(_)) => {
                let mut said = String::new();
                if let Some(mut err) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut err, &mut said);
                }
                for line in said.lines().filter(|l| !l.trim().is_empty()) {
                    let line = line.strip_prefix("vext: ").unwrap_or(line);
                    eprintln!("vext hook: warning: {line}");
                }
                return Ok(Code::Ok);
            }
            Ok(None) if std::time::Instant::now() < until => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            _ => {
                log::info!(
                    "no daemon: the announcement is delivered in the background; \
                     a failure from now on is not shown here (run `vext daemon` for retries and history)"
                );
                return Ok(Code::Ok);
            }
        }
    }
}
