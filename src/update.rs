//! `vext update`: the command around [`crate::images::update`]: the state
//! dir's lock and journal (recovering what a killed run left first), the
//! same inputs and policy as `vext check`, the plan, the apply (one workload
//! at a time, or `--parallel N`), the summary, notifications, metrics and
//! the exit status.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use crate::cli::UpdateArgs;
use crate::context::Context;
use crate::exit::{fail, Code};
use crate::images::check::{dedupe, evaluate, recall};
use crate::images::engine::Engine;
use crate::images::kube::Cluster;
use crate::images::policy::UpdateKind;
use crate::images::update::health::Gate;
use crate::images::update::manifest;
use crate::images::update::plan::{plan, Inputs, Planned, Skipped, Work};
use crate::images::update::Ending;
use crate::images::update::{docker, kube};
use crate::notify::notice::{Notice, NoticeType};
use crate::state::updates;

/// One workload's result (`--json` field names are a stable interface).
#[derive(Debug, Clone, Serialize)]
struct Done {
    workload: String,
    source: &'static str,
    image: String,
    current: String,
    target: String,
    change: UpdateKind,
    /// applied, rolled_back, failed, skipped.
    result: &'static str,
    reason: Option<String>,
    #[serde(skip)]
    seconds: f64,
    /// The health gate's share of `seconds` (containers only).
    #[serde(skip)]
    gate_seconds: Option<f64>,
    #[serde(skip)]
    written: Option<manifest::Written>,
}

pub(crate) fn run(args: UpdateArgs, ctx: &Context) -> Result<Code> {
    let policy = crate::settings::policy(ctx, args.policy.as_deref())?;
    let notifier = crate::settings::notifier(
        ctx,
        &args.report,
        args.ca_file.as_deref(),
        args.state_dir.as_deref(),
    )?;
    let extra_ca = crate::settings::extra_ca(args.ca_file.as_deref())?;
    if !args.plan {
        crate::settings::events(ctx, args.report.nats.as_deref(), "update");
    }
    let dir = crate::settings::state_dir(ctx, args.state_dir.as_deref())?;
    // Two runs never act at once; --plan only reads.
    let _lock = if args.plan {
        None
    } else {
        Some(crate::state::dir::lock(&dir, "update.lock", "vext update")?)
    };
    let conn = crate::state::db::open(&dir)?;

    if let Some(image) = &args.release {
        return release(&conn, image);
    }
    let open = updates::unfinished(&conn)?;
    let live = args.live.settings();
    let needs_engine = args.live.docker || open.iter().any(|e| e.source == "docker");
    let engine = if needs_engine {
        Some(Engine::connect(args.live.docker_host.as_deref())?)
    } else {
        None
    };
    let needs_cluster = args.live.kube || open.iter().any(|e| e.source == "kube");
    let cluster = if needs_cluster {
        Some(Cluster::connect(&live.kube_options())?)
    } else {
        None
    };
    let gate = Gate {
        stable_for: args.stable_for,
        timeout: args.health_timeout,
        url: args.health_url.clone(),
        cmd: args.health_cmd.clone(),
    };
    if !args.plan {
        for e in &open {
            let ending = match (e.source.as_str(), &engine, &cluster) {
                ("docker", Some(engine), _) => docker::recover(engine, &conn, e)?,
                ("kube", _, Some(cluster)) => kube::recover(cluster, &conn, e, &gate)?,
                _ => continue,
            };
            eprintln!(
                "vext: {}: an interrupted update to {} was {}",
                e.workload,
                e.to_ref,
                match ending {
                    Ending::Applied => "finished".to_string(),
                    Ending::RolledBack(_) => "rolled back; the old container runs".to_string(),
                    Ending::Failed(w) => format!("closed: {w}"),
                }
            );
        }
    }
    if args.recover {
        return Ok(Code::Ok);
    }

    let scan_started = Instant::now();
    let mut findings = crate::images::scan::live_inventory(&live)?;
    for p in &args.paths {
        if !p.exists() {
            return Err(fail(
                Code::Usage,
                format!("{}: no such file or directory", p.display()),
            ));
        }
    }
    if !args.paths.is_empty() {
        findings.extend(crate::images::scan::inventory(&args.paths));
    }
    if findings.is_empty() && !args.live.docker && !args.live.kube {
        return Err(fail(
            Code::Usage,
            "nothing to update: give --docker, --kube, or PATHs of manifests (with --write)",
        ));
    }
    let raw = findings
        .iter()
        .filter_map(|f| f.image.clone().map(|i| (i, f.digest.clone())))
        .collect();
    let mut wanted = dedupe(raw)?;
    recall(&conn, &mut wanted, false)?;
    let outcomes = evaluate(
        &wanted,
        &policy,
        args.insecure_registry.clone(),
        extra_ca,
        false,
        None,
    );
    for o in outcomes.iter().filter(|o| o.error.is_some()) {
        eprintln!(
            "vext: {}: not checked: {}",
            o.image,
            o.error.as_deref().unwrap_or_default()
        );
    }
    let held = |image: &str, version: &str| updates::held(&conn, image, version);
    let (planned, skipped) = plan(
        &findings,
        &outcomes,
        &Inputs {
            engine: engine.as_ref(),
            write: args.write,
            only: &args.only,
            held: &held,
        },
    )?;
    let scan_seconds = scan_started.elapsed().as_secs_f64();
    for o in &outcomes {
        if o.decision == crate::images::policy::Decision::Approve {
            log_event("update_approved", o.image.as_str(), "image", o);
        }
    }

    if args.plan {
        print_plan(&planned, &skipped, args.json)?;
        return Ok(Code::Ok);
    }

    let targets = Targets {
        engine: engine.as_ref(),
        cluster: cluster.as_ref(),
    };
    let mut done = apply_all(&planned, &targets, &dir, &gate, &args)?;
    if args.commit {
        commit(&done, args.branch.as_deref())?;
    }
    done.extend(skipped.into_iter().map(|s| Done {
        workload: s.workload,
        source: "skipped",
        image: s.image,
        current: String::new(),
        target: s.target,
        change: UpdateKind::None,
        result: "skipped",
        reason: Some(s.reason),
        seconds: 0.0,
        gate_seconds: None,
        written: None,
    }));
    print_done(&done, args.json)?;
    if let Some(path) = &args.metrics_file {
        write_metrics(path, &done, findings.len(), planned.len(), scan_seconds)?;
    }
    if let Some(n) = &notifier {
        if let Some(notice) = notice(&done) {
            n.send(&notice, "the --notify message")?;
        }
    }
    let bad = done
        .iter()
        .any(|d| matches!(d.result, "rolled_back" | "failed"));
    Ok(if bad { Code::No } else { Code::Ok })
}

/// `--release IMAGE:TAG`.
fn release(conn: &rusqlite::Connection, image: &str) -> Result<Code> {
    let r = crate::images::reference::ImageRef::parse(image)
        .map_err(|e| fail(Code::Usage, format!("--release {image:?}: {e}")))?;
    let version = r
        .digest
        .clone()
        .or(r.tag.clone())
        .unwrap_or_else(|| "latest".into());
    if updates::release(conn, &r.name(), &version)? {
        eprintln!("vext: {}:{version} is no longer held", r.name());
        Ok(Code::Ok)
    } else {
        Err(fail(
            Code::DataErr,
            format!("{}:{version} was not held", r.name()),
        ))
    }
}

/// What the updates are applied to.
struct Targets<'a> {
    engine: Option<&'a Engine>,
    cluster: Option<&'a Cluster>,
}

/// Applies the plan: workloads one at a time (or `--parallel`), and the
/// manifest edits.
fn apply_all(
    planned: &[Planned],
    targets: &Targets,
    dir: &std::path::Path,
    gate: &Gate,
    args: &UpdateArgs,
) -> Result<Vec<Done>> {
    let results: Mutex<Vec<(usize, Done)>> = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr()) && !args.json;
    let workers = usize::from(args.parallel).min(planned.len()).max(1);
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                let conn = match crate::state::db::open(dir) {
                    Ok(c) => c,
                    Err(e) => {
                        *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                        return;
                    }
                };
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(p) = planned.get(i) else { break };
                    if terminal {
                        eprintln!("updating {} to {}", p.workload, p.target);
                    }
                    match apply_one(p, targets, &conn, gate, args.prune) {
                        Ok(d) => {
                            if terminal {
                                eprintln!("  {}: {}", p.workload, d.result);
                            }
                            results
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .push((i, d));
                        }
                        Err(e) => {
                            *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                            return;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, d)| d).collect())
}

fn apply_one(
    p: &Planned,
    targets: &Targets,
    conn: &rusqlite::Connection,
    gate: &Gate,
    prune: bool,
) -> Result<Done> {
    let started = Instant::now();
    let mut written = None;
    let mut gate_seconds = None;
    let (result, reason) = match &p.work {
        Work::Docker(job) => {
            let Some(engine) = targets.engine else {
                return Err(fail(
                    Code::Software,
                    "no Docker engine for a container update",
                ));
            };
            let report = docker::apply(engine, conn, job, gate, prune)?;
            gate_seconds = Some(report.gate_time.as_secs_f64());
            (
                report.ending.outcome(),
                report.ending.reason().map(String::from),
            )
        }
        Work::Kube(job) => {
            let Some(cluster) = targets.cluster else {
                return Err(fail(
                    Code::Software,
                    "no Kubernetes API for a workload update",
                ));
            };
            let (ending, waited) = kube::apply(cluster, conn, job, gate)?;
            gate_seconds = Some(waited.as_secs_f64());
            (ending.outcome(), ending.reason().map(String::from))
        }
        Work::File(edit) => match manifest::apply(edit) {
            Ok(w) => {
                written = Some(w);
                ("applied", None)
            }
            Err(why) => ("failed", Some(why)),
        },
    };
    let d = Done {
        workload: p.workload.clone(),
        source: p.work.source(),
        image: p.image.clone(),
        current: p.current.clone(),
        target: p.target.clone(),
        change: p.change,
        result,
        reason,
        seconds: started.elapsed().as_secs_f64(),
        gate_seconds,
        written,
    };
    let event = match result {
        "applied" => "update_applied",
        "rolled_back" => "rollback",
        _ => "update_failed",
    };
    log_event_done(event, &d);
    Ok(d)
}

/// A structured log event (`-v` shows them; the fields are the ones safe
/// auto-updaters' dashboards read).
fn log_event(event: &str, asset: &str, asset_type: &str, o: &crate::images::check::Outcome) {
    let line = serde_json::json!({
        "event": event,
        "asset_id": asset,
        "asset_type": asset_type,
        "current_version": o.current,
        "new_version": o.latest,
        "change_type": o.approved_change,
        "decision": o.decision,
    });
    log::info!("{line}");
    crate::bus::events::emit("update", asset_type, event_type(event), line);
}

/// The NATS event type for a log event: `update.docker.rolled_back`.
fn event_type(event: &str) -> &str {
    match event {
        "update_approved" => "approved",
        "update_applied" => "applied",
        "rollback" => "rolled_back",
        _ => "failed",
    }
}

fn log_event_done(event: &str, d: &Done) {
    let line = serde_json::json!({
        "event": event,
        "asset_id": d.workload,
        "asset_type": d.source,
        "current_version": d.current,
        "new_version": d.target,
        "change_type": d.change,
        "decision": "approve",
        "reason": d.reason,
    });
    if event == "update_applied" {
        log::info!("{line}");
    } else {
        log::warn!("{line}");
    }
    crate::bus::events::emit("update", d.source, event_type(event), line);
}

/// `--commit` (and `--branch`): one commit per repository with the files
/// rewritten, its message listing each change.
fn commit(done: &[Done], branch: Option<&str>) -> Result<()> {
    let mut by_repo: std::collections::BTreeMap<PathBuf, Vec<&Done>> = Default::default();
    for d in done.iter().filter(|d| d.written.is_some()) {
        let Some(w) = &d.written else { continue };
        let dir = w
            .file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        let top = git(dir, &["rev-parse", "--show-toplevel"])?;
        by_repo
            .entry(PathBuf::from(top.trim()))
            .or_default()
            .push(d);
    }
    for (repo, changes) in by_repo {
        if let Some(b) = branch {
            git(&repo, &["checkout", "-q", "-b", b])?;
        }
        let mut files: Vec<String> = Vec::new();
        let mut message = format!(
            "Update {} image tag{}\n\n",
            changes.len(),
            if changes.len() == 1 { "" } else { "s" }
        );
        for d in &changes {
            let Some(w) = &d.written else { continue };
            let abs = std::fs::canonicalize(&w.file).unwrap_or_else(|_| w.file.clone());
            let rel = abs
                .strip_prefix(std::fs::canonicalize(&repo).unwrap_or(repo.clone()))
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| w.file.display().to_string());
            let short = |r: &str| {
                r.rsplit_once(':')
                    .map(|(_, t)| t.to_string())
                    .unwrap_or_default()
            };
            message.push_str(&format!(
                "{} {} → {} ({}) in {rel}:{}\n",
                short_name(&d.image),
                short(&d.current),
                short(&d.target),
                d.change,
                w.line
            ));
            files.push(abs.display().to_string());
        }
        let mut add = vec!["add", "--"];
        add.extend(files.iter().map(String::as_str));
        git(&repo, &add)?;
        git(&repo, &["commit", "-q", "-m", &message])?;
    }
    Ok(())
}

fn short_name(repository: &str) -> &str {
    repository
        .strip_prefix("docker.io/library/")
        .unwrap_or(repository)
}

fn git(dir: &std::path::Path, args: &[&str]) -> Result<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| fail(Code::Unavailable, format!("running git: {e}")))?;
    if !out.status.success() {
        return Err(fail(
            Code::Unavailable,
            format!(
                "git {} in {}: {}",
                args.join(" "),
                dir.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn print_plan(planned: &[Planned], skipped: &[Skipped], json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let r = if json {
        let lines: Vec<_> = planned.iter().flat_map(Planned::step_lines).collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&lines)?)
    } else {
        (|| -> std::io::Result<()> {
            if planned.is_empty() {
                writeln!(out, "nothing to update")?;
            }
            for (n, p) in planned.iter().enumerate() {
                writeln!(
                    out,
                    "{}. {} ({}): {} -> {} ({})",
                    n + 1,
                    p.workload,
                    p.work.source(),
                    p.current,
                    p.target,
                    p.change
                )?;
                writeln!(out, "   {}", p.steps.join(", "))?;
            }
            for s in skipped {
                writeln!(out, "skipped {} ({}): {}", s.workload, s.target, s.reason)?;
            }
            Ok(())
        })()
    };
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(Into::into),
    }
}

fn print_done(done: &[Done], json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let r = if json {
        writeln!(out, "{}", serde_json::to_string_pretty(done)?)
    } else if done.is_empty() {
        writeln!(out, "nothing to update")
    } else {
        let w = done
            .iter()
            .map(|d| d.workload.len())
            .max()
            .unwrap_or(8)
            .max(8);
        (|| -> std::io::Result<()> {
            writeln!(
                out,
                "{:<w$}  {:<40}  {:<11}  REASON",
                "WORKLOAD", "TARGET", "RESULT"
            )?;
            for d in done {
                writeln!(
                    out,
                    "{:<w$}  {:<40}  {:<11}  {}",
                    d.workload,
                    d.target,
                    d.result,
                    d.reason.as_deref().unwrap_or("")
                )?;
            }
            Ok(())
        })()
    };
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(Into::into),
    }
}

/// One notification for what was applied, rolled back or failed.
fn notice(done: &[Done]) -> Option<Notice> {
    let acted: Vec<&Done> = done.iter().filter(|d| d.result != "skipped").collect();
    if acted.is_empty() {
        return None;
    }
    let count = |r: &str| acted.iter().filter(|d| d.result == r).count();
    let mut text = format!(
        "{} update{}: {} applied, {} rolled back, {} failed",
        acted.len(),
        if acted.len() == 1 { "" } else { "s" },
        count("applied"),
        count("rolled_back"),
        count("failed")
    );
    for d in &acted {
        text.push_str(&format!(
            "\n{} {} -> {} ({}): {}",
            d.workload,
            d.current,
            d.target,
            d.change,
            d.result.replace('_', " ")
        ));
        if let Some(r) = &d.reason {
            text.push_str(&format!(": {r}"));
        }
    }
    let kind = if count("applied") == acted.len() {
        NoticeType::Info
    } else {
        NoticeType::Warning
    };
    Some(Notice {
        text,
        title: Some("vext update".into()),
        kind: Some(kind),
        ..Default::default()
    })
}

/// The safe_updater_* metrics of this run, as a Prometheus textfile.
fn write_metrics(
    path: &std::path::Path,
    done: &[Done],
    tracked: usize,
    pending: usize,
    scan_seconds: f64,
) -> Result<()> {
    let acted = |r: &str| done.iter().filter(|d| d.result == r).count();
    let attempted = done.iter().filter(|d| d.result != "skipped").count();
    let mut t = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, value: usize| {
        t.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        ));
    };
    metric("safe_updater_scans_total", "counter", "Scans run.", 1);
    metric(
        "safe_updater_updates_attempted_total",
        "counter",
        "Updates attempted.",
        attempted,
    );
    metric(
        "safe_updater_updates_succeeded_total",
        "counter",
        "Updates applied and healthy.",
        acted("applied"),
    );
    metric(
        "safe_updater_updates_failed_total",
        "counter",
        "Updates that failed or were rolled back.",
        acted("failed") + acted("rolled_back"),
    );
    metric(
        "safe_updater_rollbacks_total",
        "counter",
        "Updates rolled back.",
        acted("rolled_back"),
    );
    metric(
        "safe_updater_assets_tracked",
        "gauge",
        "Workloads found.",
        tracked,
    );
    metric(
        "safe_updater_pending_updates",
        "gauge",
        "Approved updates not applied.",
        pending.saturating_sub(acted("applied")),
    );
    metric(
        "safe_updater_failed_health_checks",
        "gauge",
        "Updates whose health gate failed in this run.",
        acted("rolled_back"),
    );
    let seconds: Vec<f64> = done
        .iter()
        .filter(|d| d.result != "skipped")
        .map(|d| d.seconds)
        .collect();
    histogram(
        &mut t,
        "safe_updater_update_duration_seconds",
        "Time to apply one update, health gate included.",
        &seconds,
    );
    let gates: Vec<f64> = done.iter().filter_map(|d| d.gate_seconds).collect();
    histogram(
        &mut t,
        "safe_updater_health_check_duration_seconds",
        "Time the health gate took (included in the update's).",
        &gates,
    );
    histogram(
        &mut t,
        "safe_updater_scan_duration_seconds",
        "Time to find workloads and check their registries.",
        &[scan_seconds],
    );
    crate::atomic_file::replace(path, t.as_bytes()).map_err(|e| fail(Code::Unavailable, e))
}

fn histogram(t: &mut String, name: &str, help: &str, samples: &[f64]) {
    const BUCKETS: &[f64] = &[0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0];
    t.push_str(&format!("# HELP {name} {help}\n# TYPE {name} histogram\n"));
    for b in BUCKETS {
        let n = samples.iter().filter(|s| **s <= *b).count();
        t.push_str(&format!("{name}_bucket{{le=\"{b}\"}} {n}\n"));
    }
    t.push_str(&format!(
        "{name}_bucket{{le=\"+Inf\"}} {}\n{name}_sum {:.3}\n{name}_count {}\n",
        samples.len(),
        samples.iter().sum::<f64>(),
        samples.len()
    ));
}
