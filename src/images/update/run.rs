//! One `vext update` run, as the command and the daemon's schedule share
//! it: take the lock, finish or undo what a killed run left, find the
//! workloads, let the check engine decide, plan, and apply one workload at
//! a time (or `parallel`), with structured log events and NATS events for
//! each. What to print, notify and export is the caller's.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Result;
use rusqlite::Connection;
use serde::Serialize;

use super::health::Gate;
use super::plan::{plan, Inputs, Planned, Skipped, Work};
use super::{docker, kube, manifest, Ending};
use crate::exit::{fail, Code};
use crate::images::check::{dedupe, evaluate, recall, Outcome};
use crate::images::engine::Engine;
use crate::images::kube::Cluster;
use crate::images::policy::{Approval, Policy, UpdateKind};
use crate::images::scan::{Finding, Live};
use crate::notify::notice::{Notice, NoticeType};
use crate::state::updates::{self, Entry};

/// What one run looks at and how it acts.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) live: Live,
    /// Manifest files and directories.
    pub(crate) paths: Vec<PathBuf>,
    /// Image globs; empty: every image.
    pub(crate) only: Vec<String>,
    pub(crate) policy: Policy,
    pub(crate) insecure_registry: Vec<String>,
    pub(crate) extra_ca: Option<Vec<u8>>,
    pub(crate) gate: Gate,
    /// Rewrite manifest tags; `commit` (on `branch`) commits them.
    pub(crate) write: bool,
    pub(crate) commit: bool,
    pub(crate) branch: Option<String>,
    /// Remove the old image once the new container is healthy.
    pub(crate) prune: bool,
    /// Workloads updated at once.
    pub(crate) parallel: usize,
    /// Plan only: no lock, no change.
    pub(crate) plan_only: bool,
    /// Only finish what a killed run left.
    pub(crate) recover_only: bool,
    /// A line per workload on stderr as it goes.
    pub(crate) progress: bool,
    /// `[update] window`: when updates may be applied, unless a policy
    /// rule says otherwise.
    pub(crate) window: Option<crate::images::window::Window>,
    /// `--now`: apply outside the maintenance window too.
    pub(crate) now: bool,
    pub(crate) hooks: Hooks,
    /// How long an approval stays good.
    pub(crate) approval_ttl: Duration,
}

/// How long an approval stays good unless `[update] approval_ttl` says.
pub(crate) const APPROVAL_TTL: Duration = Duration::from_secs(24 * 3600);

/// The operator's commands around each update (`[update] pre_update`,
/// `post_update`, or the flags of the same names), run through `/bin/sh -c`
/// with the update in `VEXT_*` variables, each bounded by the health
/// timeout. A pre-update command that fails skips that update (nothing is
/// changed); a post-update command's failure is reported with the result.
#[derive(Debug, Default, Clone)]
pub(crate) struct Hooks {
    pub(crate) pre_update: Option<String>,
    pub(crate) post_update: Option<String>,
}

/// An update a killed run left, and how this run ended it.
#[derive(Debug)]
pub(crate) struct Recovered {
    pub(crate) workload: String,
    pub(crate) to_ref: String,
    pub(crate) ending: Ending,
}

/// What a run found and did.
#[derive(Debug, Default)]
pub(crate) struct Run {
    pub(crate) recovered: Vec<Recovered>,
    pub(crate) planned: Vec<Planned>,
    pub(crate) skipped: Vec<Skipped>,
    /// Applied, rolled back, failed; then the skipped (empty for a plan).
    pub(crate) done: Vec<Done>,
    /// Images the registries could not be asked about, and why.
    pub(crate) unchecked: Vec<(String, String)>,
    /// Workloads found.
    pub(crate) tracked: usize,
    pub(crate) scan_seconds: f64,
}

impl Run {
    /// Whether an update was rolled back or failed.
    pub(crate) fn any_bad(&self) -> bool {
        self.done
            .iter()
            .any(|d| matches!(d.result, "rolled_back" | "failed"))
    }
}

/// One run in the state dir `dir`: recovery first, then (unless only
/// recovering) scan, check, plan and (unless only planning) apply.
pub(crate) fn run(s: &Settings, dir: &Path) -> Result<Run> {
    // Two runs never act at once; a plan only reads.
    let _lock = if s.plan_only {
        None
    } else {
        Some(crate::state::dir::lock(dir, "update.lock", "vext update")?)
    };
    let conn = crate::state::db::open(dir)?;
    let open = updates::unfinished(&conn)?;
    let needs_engine = s.live.docker || open.iter().any(|e| e.source == "docker");
    let engine = if needs_engine {
        Some(Engine::connect(s.live.docker_host.as_deref())?)
    } else {
        None
    };
    let needs_cluster = s.live.kube || open.iter().any(|e| e.source == "kube");
    let cluster = if needs_cluster {
        Some(Cluster::connect(&s.live.kube_options())?)
    } else {
        None
    };
    let mut run = Run::default();
    if !s.plan_only {
        run.recovered = recover(&open, engine.as_ref(), cluster.as_ref(), &conn, &s.gate)?;
    }
    if s.recover_only {
        return Ok(run);
    }

    let scan_started = Instant::now();
    let findings = inventory(s, cluster.as_ref())?;
    let outcomes = check(s, &conn, &findings)?;
    run.unchecked = outcomes
        .iter()
        .filter_map(|o| Some((o.image.clone(), o.error.clone()?)))
        .collect();
    let held = |image: &str, version: &str| updates::held(&conn, image, version);
    let (mut planned, mut skipped) = plan(
        &findings,
        &outcomes,
        &Inputs {
            engine: engine.as_ref(),
            write: s.write,
            only: &s.only,
            held: &held,
        },
    )?;
    if !s.now {
        outside_window(s, &mut planned, &mut skipped, jiff::Timestamp::now());
    }
    awaiting_approval(
        s,
        &conn,
        &mut planned,
        &mut skipped,
        crate::state::db::now_ms(),
    )?;
    if let Some(engine) = &engine {
        super::plan::sharers(&mut planned, engine)?;
    }
    let (planned, after) = super::plan::order(planned);
    run.scan_seconds = scan_started.elapsed().as_secs_f64();
    run.tracked = findings.len();
    for o in &outcomes {
        if o.decision == crate::images::policy::Decision::Approve {
            log_event("update_approved", o.image.as_str(), "image", o);
        }
    }
    if s.plan_only {
        run.planned = planned;
        run.skipped = skipped;
        return Ok(run);
    }

    let backends = Backends {
        engine: engine.as_ref(),
        cluster: cluster.as_ref(),
    };
    let mut done = apply_all(&planned, &after, &backends, dir, s)?;
    release_notes(&mut done, s);
    for d in done.iter().filter(|d| d.result == "applied") {
        updates::forget_pending(&conn, &updates::pending_id(&d.image, &d.to))?;
    }
    if s.commit {
        commit(&done, s.branch.as_deref())?;
    }
    done.extend(skipped.iter().cloned().map(Done::from));
    run.planned = planned;
    run.skipped = skipped;
    run.done = done;
    Ok(run)
}

/// The requests for approval a run made under `approve = "chat"`, for
/// the people who answer them.
fn asked_notice(asked: &[&Done]) -> Option<Notice> {
    if asked.is_empty() {
        return None;
    }
    let mut text = format!(
        "{} update{} wait{} for approval:",
        asked.len(),
        if asked.len() == 1 { "" } else { "s" },
        if asked.len() == 1 { "s" } else { "" }
    );
    for d in asked {
        let why = d.reason.as_deref().unwrap_or_default();
        text.push_str(&format!("\n{} -> {}: {why}", d.workload, d.to));
    }
    Some(Notice {
        text,
        title: Some("vext update".into()),
        kind: Some(NoticeType::Info),
        ..Default::default()
    })
}

/// Links each applied version change to its release page: the policy
/// rule's `release_notes` template, else the page the image's
/// `org.opencontainers.image.source` points at.
fn release_notes(done: &mut [Done], s: &Settings) {
    let registry =
        crate::images::registry::Registry::new(s.insecure_registry.clone(), s.extra_ca.clone());
    for d in done.iter_mut().filter(|d| {
        d.result == "applied" && !matches!(d.change, UpdateKind::None | UpdateKind::Digest)
    }) {
        let Ok(to) = crate::images::reference::ImageRef::parse(&d.to) else {
            continue;
        };
        let Some(tag) = to.tag.clone() else { continue };
        if let Some(t) = &s.policy.for_image(&d.image).release_notes {
            d.release_notes = Some(t.replace("{version}", &tag));
            continue;
        }
        match registry.published(&to, &tag) {
            Ok(p) => d.release_notes = p.source.map(|src| release_page(&src, &tag)),
            Err(e) => log::debug!("{}: no release notes: {}", d.to, e.message),
        }
    }
}

/// The release page of `tag` in the repository at `source`: the forge's
/// own page where the forge is known, else the repository.
fn release_page(source: &str, tag: &str) -> String {
    let base = source.trim_end_matches('/').trim_end_matches(".git");
    let host = base
        .strip_prefix("https://")
        .and_then(|r| r.split('/').next())
        .unwrap_or_default();
    match host {
        "github.com" | "codeberg.org" | "gitea.com" => format!("{base}/releases/tag/{tag}"),
        "gitlab.com" => format!("{base}/-/releases/{tag}"),
        _ => base.to_string(),
    }
}

/// Moves the updates whose maintenance window (the policy rule's, else
/// `[update] window`) is closed at `now` from planned to skipped, saying
/// when it opens: planned and reported, not applied.
fn outside_window(
    s: &Settings,
    planned: &mut Vec<Planned>,
    skipped: &mut Vec<Skipped>,
    now: jiff::Timestamp,
) {
    planned.retain(|p| {
        let window = s
            .policy
            .for_image(&p.image)
            .window
            .as_ref()
            .or(s.window.as_ref());
        let Some(w) = window.filter(|w| !w.is_open(now)) else {
            return true;
        };
        let opens = w.opens_in(now).map_or_else(
            || "not within a week".to_string(),
            |d| {
                format!(
                    "opens in {}",
                    humantime::format_duration(Duration::from_secs(d.as_secs() / 60 * 60))
                )
            },
        );
        skipped.push(Skipped {
            workload: p.workload.clone(),
            image: p.image.clone(),
            to: p.to.clone(),
            reason: format!("outside the maintenance window ({w}; {opens}; --now applies it)"),
            announce: false,
        });
        false
    });
}

/// Moves the updates a policy's `approve = "manual"` holds from planned to
/// skipped unless a person approved them (within `approval_ttl`):
/// each is recorded under a stable id (`vext update --pending` lists them,
/// `vext update --approve ID` approves).
fn awaiting_approval(
    s: &Settings,
    conn: &Connection,
    planned: &mut Vec<Planned>,
    skipped: &mut Vec<Skipped>,
    now: i64,
) -> Result<()> {
    let mut kept = Vec::with_capacity(planned.len());
    for p in planned.drain(..) {
        let approval = s.policy.for_image(&p.image).approval;
        if approval == Approval::Auto {
            kept.push(p);
            continue;
        }
        let row = updates::request_approval(
            conn,
            &updates::Pending {
                id: updates::pending_id(&p.image, &p.to),
                image: p.image.clone(),
                workload: p.workload.clone(),
                from_ref: p.current.clone(),
                to_ref: p.to.clone(),
                change: p.change.to_string(),
                requested_at: now,
                approved_by: None,
                approved_at: None,
                denied: false,
            },
        )?;
        let ttl = i64::try_from(s.approval_ttl.as_millis()).unwrap_or(i64::MAX);
        let how = match approval {
            Approval::Chat => format!(
                "!cd approve {id} in chat, or vext update --approve {id}",
                id = row.id
            ),
            _ => format!("vext update --approve {}", row.id),
        };
        let reason = match (row.approved_at, &row.approved_by, row.denied) {
            (Some(_), Some(who), true) => format!("denied by {who} (a newer version asks again)"),
            (Some(at), Some(who), false) if now.saturating_sub(at) <= ttl => {
                log::info!("{}: {} approved by {who}", p.workload, p.to);
                kept.push(p);
                continue;
            }
            (Some(_), Some(who), false) => format!(
                "the approval by {who} is older than {}; approve again: {how}",
                humantime::format_duration(s.approval_ttl),
            ),
            _ => format!("waits for approval: {how}"),
        };
        // Asked in chat once, by the first run that is not a plan (a plan
        // records the request, so its id can be approved at once).
        let announce = approval == Approval::Chat
            && !s.plan_only
            && row.approved_at.is_none()
            && updates::announce_once(conn, &row.id, now)?;
        skipped.push(Skipped {
            workload: p.workload,
            image: p.image,
            to: p.to,
            reason,
            announce,
        });
    }
    *planned = kept;
    Ok(())
}

/// What runs (Docker, Kubernetes) and what the manifest paths name.
fn inventory(s: &Settings, cluster: Option<&Cluster>) -> Result<Vec<Finding>> {
    let mut findings = crate::images::scan::live_inventory(&s.live, cluster)?;
    for p in &s.paths {
        if !p.exists() {
            return Err(fail(
                Code::Usage,
                format!("{}: no such file or directory", p.display()),
            ));
        }
    }
    if !s.paths.is_empty() {
        findings.extend(crate::images::scan::inventory(&s.paths));
    }
    if findings.is_empty() && !s.live.docker && !s.live.kube {
        return Err(fail(
            Code::Usage,
            "nothing to update: give --docker, --kube, or PATHs of manifests (with --write)",
        ));
    }
    Ok(findings)
}

/// Each distinct image checked once against its registry, under the policy.
fn check(s: &Settings, conn: &Connection, findings: &[Finding]) -> Result<Vec<Outcome>> {
    let raw = findings
        .iter()
        .filter_map(|f| f.image.clone().map(|i| (i, f.digest.clone())))
        .collect();
    let mut wanted = dedupe(raw)?;
    recall(conn, &mut wanted, false)?;
    let mut outcomes = evaluate(
        &wanted,
        &s.policy,
        s.insecure_registry.clone(),
        s.extra_ca.clone(),
        false,
        None,
    );
    // A version younger than the policy's min_age is not applied yet.
    let registry =
        crate::images::registry::Registry::new(s.insecure_registry.clone(), s.extra_ca.clone());
    crate::images::check::age_gate(
        Some(conn),
        Some(&registry),
        &mut outcomes,
        &s.policy,
        crate::state::db::now_ms(),
    )?;
    Ok(outcomes)
}

/// Finishes or undoes every update a killed run left open.
fn recover(
    open: &[Entry],
    engine: Option<&Engine>,
    cluster: Option<&Cluster>,
    conn: &rusqlite::Connection,
    gate: &Gate,
) -> Result<Vec<Recovered>> {
    let mut out = Vec::new();
    for e in open {
        let ending = match (e.source.as_str(), engine, cluster) {
            ("docker", Some(engine), _) => docker::recover(engine, conn, e)?,
            ("kube", _, Some(cluster)) => kube::recover(cluster, conn, e, gate)?,
            _ => continue,
        };
        out.push(Recovered {
            workload: e.workload.clone(),
            to_ref: e.to_ref.clone(),
            ending,
        });
    }
    Ok(out)
}

/// One workload's result (`--json` field names are a stable interface).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Done {
    pub(crate) workload: String,
    pub(crate) source: &'static str,
    pub(crate) image: String,
    pub(crate) current: String,
    #[serde(rename = "target")]
    pub(crate) to: String,
    pub(crate) change: UpdateKind,
    /// applied, rolled_back, failed, skipped.
    pub(crate) result: &'static str,
    pub(crate) reason: Option<String>,
    #[serde(skip)]
    pub(crate) seconds: f64,
    /// The health gate's share of `seconds` (containers only).
    #[serde(skip)]
    pub(crate) gate_seconds: Option<f64>,
    #[serde(skip)]
    pub(crate) written: Option<manifest::Written>,
    /// A request for approval the notification announces.
    #[serde(skip)]
    pub(crate) announce: bool,
    /// The new version's release page (applied updates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) release_notes: Option<String>,
}

impl From<Skipped> for Done {
    fn from(s: Skipped) -> Done {
        Done {
            workload: s.workload,
            source: "skipped",
            image: s.image,
            current: String::new(),
            to: s.to,
            change: UpdateKind::None,
            result: "skipped",
            reason: Some(s.reason),
            seconds: 0.0,
            gate_seconds: None,
            written: None,
            announce: s.announce,
            release_notes: None,
        }
    }
}

impl Done {
    /// Planned entry `p`'s result, taking no time and writing nothing.
    fn of(p: &Planned, result: &'static str, reason: Option<String>) -> Done {
        Done {
            workload: p.workload.clone(),
            source: p.work.source(),
            image: p.image.clone(),
            current: p.current.clone(),
            to: p.to.clone(),
            change: p.change,
            result,
            reason,
            seconds: 0.0,
            gate_seconds: None,
            written: None,
            announce: false,
            release_notes: None,
        }
    }
}

/// What the updates are applied to.
struct Backends<'a> {
    engine: Option<&'a Engine>,
    cluster: Option<&'a Cluster>,
}

/// Applies the plan: workloads one at a time (or `--parallel`, each after
/// the entries `after` says it depends on have ended), and the manifest
/// edits.
fn apply_all(
    planned: &[Planned],
    after: &[Vec<usize>],
    backends: &Backends,
    dir: &std::path::Path,
    settings: &Settings,
) -> Result<Vec<Done>> {
    let results: Mutex<Vec<(usize, Done)>> = Mutex::new(Vec::new());
    // Which entries have ended; a worker waits here for the ones its entry
    // depends on. They come earlier in the plan, so some worker has them.
    let ended = (
        Mutex::new(vec![false; planned.len()]),
        std::sync::Condvar::new(),
    );
    let end = |i: usize| {
        let mut e = ended.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = e.get_mut(i) {
            *slot = true;
        }
        ended.1.notify_all();
    };
    let wait_for = |i: usize| {
        let mut e = ended.0.lock().unwrap_or_else(|p| p.into_inner());
        let deps = after.get(i).map(Vec::as_slice).unwrap_or(&[]);
        while !deps.iter().all(|&d| e.get(d).copied().unwrap_or(true)) {
            e = ended.1.wait(e).unwrap_or_else(|p| p.into_inner());
        }
    };
    let next = AtomicUsize::new(0);
    let terminal = settings.progress;
    let workers = settings.parallel.min(planned.len()).max(1);
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
                    wait_for(i);
                    if let Some(d) = owner_untouched(p, &results) {
                        end(i);
                        results
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push((i, d));
                        continue;
                    }
                    if terminal {
                        eprintln!("updating {} to {}", p.workload, p.to);
                    }
                    let applied = apply_hooked(p, backends, &conn, settings);
                    end(i);
                    match applied {
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

/// A container planned only because it shares the network namespace of
/// one being updated is left alone when that update failed (nothing was
/// changed): the skipped result saying so.
fn owner_untouched(p: &Planned, results: &Mutex<Vec<(usize, Done)>>) -> Option<Done> {
    let owner = p.shares.as_deref()?;
    let results = results.lock().unwrap_or_else(|p| p.into_inner());
    let (_, o) = results.iter().find(|(_, d)| d.workload == owner)?;
    (o.result == "failed").then(|| {
        Done::of(
            p,
            "skipped",
            Some(format!("{owner}, whose network it shares, was not updated")),
        )
    })
}

/// The update between its hooks. Before: the operator's `pre_update`,
/// then a container's own (its `vext.pre-update` label, run inside it);
/// either failing skips the update with nothing changed. After: the
/// container's `vext.post-update` and the operator's `post_update`, run as
/// the last part of the health gate, so that failing they roll it back.
fn apply_hooked(
    p: &Planned,
    backends: &Backends,
    conn: &rusqlite::Connection,
    s: &Settings,
) -> Result<Done> {
    let env = vec![
        ("VEXT_WORKLOAD", p.workload.clone()),
        ("VEXT_SOURCE", p.work.source().to_string()),
        ("VEXT_IMAGE", p.image.clone()),
        ("VEXT_FROM", p.current.clone()),
        ("VEXT_TO", p.to.clone()),
        ("VEXT_CHANGE", p.change.to_string()),
    ];
    let mut refused = None;
    if let Some(cmd) = &s.hooks.pre_update {
        if let Err(why) = crate::util::shell::run(cmd, &env, s.gate.timeout) {
            refused = Some(format!("the pre_update hook {why}"));
        }
    }
    if let (None, Work::Docker(job), Some(engine)) = (&refused, &p.work, backends.engine) {
        refused = docker::pre_update(engine, job, &env, s.gate.timeout).err();
    }
    if let Some(why) = refused {
        log::warn!("{}: {why}: not updated", p.workload);
        return Ok(Done::of(p, "skipped", Some(why)));
    }
    let gate = Gate {
        post_update: s.hooks.post_update.clone(),
        hook_env: env,
        ..s.gate.clone()
    };
    apply_one(p, backends, conn, &gate, s.prune)
}

fn apply_one(
    p: &Planned,
    backends: &Backends,
    conn: &rusqlite::Connection,
    gate: &Gate,
    prune: bool,
) -> Result<Done> {
    let started = Instant::now();
    let mut written = None;
    let mut gate_seconds = None;
    let (result, reason) = match &p.work {
        Work::Docker(job) => {
            let Some(engine) = backends.engine else {
                return Err(fail(
                    Code::Software,
                    "no Docker engine for a container update",
                ));
            };
            let report = docker::apply(engine, conn, job, gate, prune)?;
            gate_seconds = Some(report.gate_time.as_secs_f64());
            written = report.written;
            (
                report.ending.outcome(),
                report.ending.reason().map(String::from).or(report.note),
            )
        }
        Work::Kube(job) => {
            let Some(cluster) = backends.cluster else {
                return Err(fail(
                    Code::Software,
                    "no Kubernetes API for a workload update",
                ));
            };
            let (ending, waited) = kube::apply(cluster, conn, job, gate)?;
            gate_seconds = Some(waited.as_secs_f64());
            (ending.outcome(), ending.reason().map(String::from))
        }
        Work::File(edit) => match manifest::apply_keeping(edit) {
            Ok((w, before)) => match gate.post_update() {
                Ok(()) => {
                    written = Some(w);
                    ("applied", None)
                }
                Err(why) => file_rolled_back(conn, p, edit, &w, &before, why)?,
            },
            Err(why) => ("failed", Some(why)),
        },
    };
    let d = Done {
        seconds: started.elapsed().as_secs_f64(),
        gate_seconds,
        written,
        ..Done::of(p, result, reason)
    };
    let event = match result {
        "applied" => "update_applied",
        "rolled_back" => "rollback",
        _ => "update_failed",
    };
    log_event_done(event, &d);
    Ok(d)
}

/// A rewritten file whose post-update hook failed: its bytes put back and
/// the version held, as a container's rollback does.
fn file_rolled_back(
    conn: &rusqlite::Connection,
    p: &Planned,
    edit: &manifest::Edit,
    w: &manifest::Written,
    before: &[u8],
    why: String,
) -> Result<(&'static str, Option<String>)> {
    if let Err(e) = crate::util::atomic_file::replace(&w.file, before) {
        return Ok((
            "failed",
            Some(format!(
                "{why}; and putting {} back failed: {e}",
                w.file.display()
            )),
        ));
    }
    crate::state::updates::hold(conn, &p.image, &edit.to_tag, &why)?;
    Ok(("rolled_back", Some(why)))
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
        "new_version": d.to,
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
                short(&d.to),
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

/// One notification for what was applied, rolled back or failed.
pub(crate) fn notice(done: &[Done]) -> Option<Notice> {
    let acted: Vec<&Done> = done.iter().filter(|d| d.result != "skipped").collect();
    let asked: Vec<&Done> = done.iter().filter(|d| d.announce).collect();
    if acted.is_empty() {
        return asked_notice(&asked);
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
            d.to,
            d.change,
            d.result.replace('_', " ")
        ));
        if let Some(r) = &d.reason {
            text.push_str(&format!(": {r}"));
        }
        if let Some(url) = &d.release_notes {
            text.push_str(&format!("\n  release notes: {url}"));
        }
    }
    if let Some(more) = asked_notice(&asked) {
        text.push('\n');
        text.push_str(&more.text);
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

#[cfg(test)]
mod tests {
    use super::release_page;

    #[test]
    fn release_pages_of_known_forges_and_others() {
        assert_eq!(
            release_page("https://github.com/acme/app.git", "v2.1.0"),
            "https://github.com/acme/app/releases/tag/v2.1.0"
        );
        assert_eq!(
            release_page("https://gitlab.com/acme/app/", "2.1"),
            "https://gitlab.com/acme/app/-/releases/2.1"
        );
        assert_eq!(
            release_page("https://codeberg.org/acme/app", "1.0"),
            "https://codeberg.org/acme/app/releases/tag/1.0"
        );
        assert_eq!(
            release_page("https://git.example.org/acme/app", "1.0"),
            "https://git.example.org/acme/app"
        );
    }
}
