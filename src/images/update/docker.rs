//! Updating a Docker container: pull, rebuild the create request from what
//! the user set (not what the old image defaulted), keep the old container
//! until the new one is proven healthy, roll back by itself when it is not.
//! Every step is written to the journal before it is taken, so a run killed
//! anywhere is finished or undone by the next one (`recover`).

use std::time::{Duration, Instant};

use anyhow::Result;
use rusqlite::Connection;
use serde_json::{json, Map, Value};

use super::compose;
use super::health::Gate;
use super::manifest::{self, Edit, Written};
use super::Ending;
use crate::images::engine::{status_of, Engine};
use crate::state::updates::{self, Entry};

/// One container to update.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) container_id: String,
    pub(crate) name: String,
    /// The repository, for holds (`docker.io/library/nginx`).
    pub(crate) repository: String,
    pub(crate) from_ref: String,
    pub(crate) to_ref: String,
    /// The version held when the new one fails (the tag, or the digest).
    pub(crate) version: String,
    /// The compose project it belongs to, if compose made it.
    pub(crate) member: Option<compose::Member>,
    /// With `--write`, the compose file edit that follows the update (or
    /// why the file cannot follow).
    pub(crate) follow: Option<Result<Edit, String>>,
    /// The containers (names or ids) and compose services of its project
    /// it depends on: updated before it.
    pub(crate) needs: Vec<String>,
    pub(crate) needs_services: Vec<String>,
    /// The name of the container whose network namespace it shares: the
    /// new container joins whichever container has that name then.
    pub(crate) net_owner: Option<String>,
}

/// The suffix the old container carries while the new one is proven.
pub(crate) const OLD_SUFFIX: &str = ".vext-old";

/// Whether the old container can keep serving while the new one starts:
/// no published host port, no static address, and a network namespace of
/// its own.
pub(crate) fn without_downtime(inspect: &Value) -> bool {
    let host = &inspect["HostConfig"];
    let ports = host["PortBindings"].as_object().is_some_and(|m| {
        m.values()
            .any(|v| v.as_array().is_some_and(|a| !a.is_empty()))
    });
    let mode = host["NetworkMode"].as_str().unwrap_or_default();
    // A static address cannot be held by two containers at once.
    let static_ip = inspect["NetworkSettings"]["Networks"]
        .as_object()
        .is_some_and(|m| {
            m.values().any(|n| {
                ["IPv4Address", "IPv6Address"]
                    .iter()
                    .any(|k| n["IPAMConfig"][*k].as_str().is_some_and(|a| !a.is_empty()))
            })
        });
    // Sharing a network namespace (the host's, another container's), the
    // new one would bind the same ports as the old.
    !ports && !static_ip && mode != "host" && !mode.starts_with("container:")
}

/// The containers (names or ids) this one depends on: its links and the
/// container whose network namespace it shares.
pub(crate) fn needs(inspect: &Value) -> Vec<String> {
    let host = &inspect["HostConfig"];
    // A link is "/db:/web/db": the linked container's name first.
    let mut out: Vec<String> = host["Links"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|l| l.split(':').next())
        .map(|n| n.trim_start_matches('/').to_string())
        .collect();
    if let Some(c) = host["NetworkMode"]
        .as_str()
        .and_then(|m| m.strip_prefix("container:"))
    {
        out.push(c.to_string());
    }
    out
}

/// The steps an apply takes, in order, for `--plan`.
pub(crate) fn planned_steps(inspect: &Value) -> Vec<&'static str> {
    if without_downtime(inspect) {
        vec![
            "pull",
            "rename_old",
            "create",
            "start",
            "verify",
            "stop_old",
            "remove_old",
        ]
    } else {
        vec![
            "pull",
            "stop_old",
            "rename_old",
            "create",
            "start",
            "verify",
            "remove_old",
        ]
    }
}

/// Test hook for crash-recovery drills: `VEXT_UPDATE_STALL_AT=STEP` stops
/// the run (sleeping) right after STEP is journaled, before it is taken.
fn mark(conn: &Connection, id: i64, step: &str, new_id: Option<&str>) -> Result<()> {
    updates::step(conn, id, step, new_id)?;
    super::stall_at(step);
    Ok(())
}

/// The journal entry of the update under way.
struct Journal<'a> {
    conn: &'a Connection,
    id: i64,
}

impl Journal<'_> {
    fn mark(&self, step: &str, new_id: Option<&str>) -> Result<()> {
        mark(self.conn, self.id, step, new_id)
    }
}

/// What `apply` did, and how long its health gate took (zero when it
/// never got that far).
pub(crate) struct Report {
    pub(crate) ending: Ending,
    pub(crate) gate_time: Duration,
    /// The compose file line rewritten to follow the update.
    pub(crate) written: Option<Written>,
    /// What the operator should know about an applied update (a compose
    /// file that could not follow).
    pub(crate) note: Option<String>,
}

/// Applies one update; with `prune`, the old image goes with the old
/// container. Errors are only for the journal itself; what happened to the
/// container is the `Ending`.
pub(crate) fn apply(
    engine: &Engine,
    conn: &Connection,
    job: &Job,
    gate: &Gate,
    prune: bool,
) -> Result<Report> {
    let mut report = Report {
        ending: Ending::Applied,
        gate_time: Duration::ZERO,
        written: None,
        note: None,
    };
    report.ending = apply_timed(engine, conn, job, gate, prune, &mut report)?;
    Ok(report)
}

/// The labels that make compose find the new container up to date once
/// its file names the new tag: the config hash compose computes for the
/// edited file (and v2's image label); or why the file cannot follow.
fn compose_labels(
    engine: &Engine,
    job: &Job,
    old: &Value,
) -> Result<Vec<(&'static str, String)>, String> {
    let (Some(m), Some(follow)) = (&job.member, &job.follow) else {
        return Ok(Vec::new());
    };
    let edit = follow.as_ref().map_err(Clone::clone)?;
    let (w, bytes) = manifest::rewritten(edit)?;
    let hash = compose::config_hash(m, &w.file, &bytes, &engine.host())
        .map_err(|e| format!("compose could not give the edited file's config hash ({e})"))?;
    let mut labels = vec![(compose::CONFIG_HASH, hash)];
    if old["Config"]["Labels"][compose::IMAGE].is_string() {
        let id = engine
            .get(&format!("/images/{}/json", job.to_ref))
            .ok()
            .and_then(|i| i["Id"].as_str().map(String::from));
        labels.extend(id.map(|id| (compose::IMAGE, id)));
    }
    Ok(labels)
}

fn apply_timed(
    engine: &Engine,
    conn: &Connection,
    job: &Job,
    gate: &Gate,
    prune: bool,
    report: &mut Report,
) -> Result<Ending> {
    let old = match engine.get(&format!("/containers/{}/json", job.container_id)) {
        Ok(v) => v,
        Err(e) if status_of(&e) == Some(404) => {
            return Ok(Ending::Failed(format!(
                "container {} vanished before the update",
                job.name
            )))
        }
        Err(e) => return Ok(Ending::Failed(format!("{e:#}"))),
    };
    let id = updates::begin(
        conn,
        &Entry {
            source: "docker".into(),
            workload: job.name.clone(),
            image: job.repository.clone(),
            from_ref: job.from_ref.clone(),
            to_ref: job.to_ref.clone(),
            old_id: Some(job.container_id.clone()),
            step: "pull".into(),
            ..Entry::default()
        },
    )?;
    super::stall_at("pull");
    // A container recreated on its own image (for a namespace it shares)
    // needs no pull: the image is here, and may never have been pushed.
    let recreate = job.from_ref == job.to_ref;
    let pulled = if recreate {
        Ok(())
    } else {
        engine.pull(&job.to_ref)
    };
    if let Err(e) = pulled {
        let why = format!("{e:#}; the container was not touched");
        updates::finish(conn, id, "failed", &why)?;
        return Ok(Ending::Failed(why));
    }
    let labels = match compose_labels(engine, job, &old) {
        Ok(labels) => labels,
        Err(why) => {
            report.note = Some(format!("the compose file still names the old tag: {why}"));
            Vec::new()
        }
    };
    let journal = Journal { conn, id };
    let ending = swap(
        engine,
        &journal,
        job,
        &old,
        &labels,
        gate,
        &mut report.gate_time,
    )?;
    if ending == Ending::Applied && !labels.is_empty() {
        if let Some(Ok(edit)) = &job.follow {
            match manifest::apply(edit) {
                Ok(w) => report.written = Some(w),
                Err(why) => {
                    report.note = Some(format!("the compose file still names the old tag: {why}"));
                }
            }
        }
    }
    match &ending {
        Ending::RolledBack(why) if !job.version.is_empty() => {
            updates::hold(conn, &job.repository, &job.version, why)?;
        }
        Ending::Applied if prune => {
            let image = old["Image"].as_str().unwrap_or_default();
            if let Err(e) = engine.call("DELETE", &format!("/images/{image}"), None) {
                log::warn!("{}: --prune: {e:#}", job.name);
            }
        }
        _ => {}
    }
    updates::finish(conn, id, ending.outcome(), ending.reason().unwrap_or(""))?;
    Ok(ending)
}

/// The create requests an update makes.
struct Bodies {
    /// The new container's, and the networks it joins after create.
    new: Value,
    later: Vec<(String, Value)>,
    /// For a container in another's network namespace: the old one again,
    /// on its old image in that namespace's new owner, for a rollback (the
    /// old container cannot start again once the namespace it joined is
    /// gone).
    revive: Option<Value>,
}

fn bodies(engine: &Engine, job: &Job, old: &Value, labels: &[(&str, String)]) -> Bodies {
    let old_image = old["Image"].as_str().unwrap_or_default();
    let old_image = engine
        .get(&format!("/images/{old_image}/json"))
        .unwrap_or(Value::Null);
    let (mut new, later) = create_body(old, &old_image, &job.to_ref, engine.version);
    for (k, v) in labels {
        new["Labels"][*k] = Value::String(v.clone());
    }
    let mut revive = None;
    if let Some(owner) = &job.net_owner {
        let mode = Value::String(format!("container:{owner}"));
        new["HostConfig"]["NetworkMode"] = mode.clone();
        let image = old["Config"]["Image"].as_str().unwrap_or_default();
        let (mut again, _) = create_body(old, &old_image, image, engine.version);
        again["HostConfig"]["NetworkMode"] = mode;
        revive = Some(again);
    }
    Bodies { new, later, revive }
}

/// From the pulled image to a proven new container, or back to the old one.
fn swap(
    engine: &Engine,
    journal: &Journal,
    job: &Job,
    old: &Value,
    labels: &[(&str, String)],
    gate: &Gate,
    gate_time: &mut Duration,
) -> Result<Ending> {
    let old_id = job.container_id.as_str();
    let Bodies {
        new: body,
        later,
        revive,
    } = bodies(engine, job, old, labels);
    let running = old["State"]["Running"].as_bool() == Some(true);
    let no_downtime = without_downtime(old);
    let name = job.name.as_str();
    let fail = |e: anyhow::Error| Ending::Failed(format!("{e:#}"));
    let back = |new_id: Option<&str>, why: String| {
        roll_back(engine, name, old_id, new_id, why, gate, revive.as_ref())
    };

    if !no_downtime && running {
        journal.mark("stop_old", None)?;
        if let Err(e) = stop(engine, old_id, old) {
            // Nothing renamed yet: start it again if it did stop.
            let _ = engine.call("POST", &format!("/containers/{old_id}/start"), None);
            return Ok(fail(e));
        }
    }
    journal.mark("rename_old", None)?;
    if let Err(e) = engine.call(
        "POST",
        &format!("/containers/{old_id}/rename?name={name}{OLD_SUFFIX}"),
        None,
    ) {
        if let Err(again) = restore(engine, name, old_id, None) {
            return Ok(Ending::Failed(format!(
                "{e:#}; and restoring failed: {again:#}"
            )));
        }
        return Ok(fail(e));
    }
    journal.mark("create", None)?;
    let created = engine.call(
        "POST",
        &format!("/containers/create?name={name}"),
        Some(&body),
    );
    let new_id = match created {
        Ok(v) => v["Id"].as_str().unwrap_or_default().to_string(),
        Err(e) => {
            let why = format!("creating the new container: {e:#}");
            return Ok(back(None, why));
        }
    };
    journal.mark("start", Some(&new_id))?;
    for (net, endpoint) in &later {
        if let Err(e) = engine.call(
            "POST",
            &format!("/networks/{net}/connect"),
            Some(&json!({"Container": new_id, "EndpointConfig": endpoint})),
        ) {
            let why = format!("connecting the new container to {net}: {e:#}");
            return Ok(back(Some(&new_id), why));
        }
    }
    if let Err(e) = engine.call("POST", &format!("/containers/{new_id}/start"), None) {
        let why = format!("starting the new container: {e:#}");
        return Ok(back(Some(&new_id), why));
    }
    journal.mark("verify", None)?;
    let gate_started = Instant::now();
    let verified = verify(engine, &new_id, gate);
    *gate_time = gate_started.elapsed();
    if let Err(why) = verified.and_then(|()| after_healthy(engine, &new_id, gate)) {
        return Ok(back(Some(&new_id), why));
    }
    journal.mark("remove_old", None)?;
    if no_downtime {
        drain(engine, old_id, old);
    }
    let _ = stop(engine, old_id, old);
    if let Err(e) = engine.call("DELETE", &format!("/containers/{old_id}"), None) {
        log::warn!("{name}: updated, but the old container {name}{OLD_SUFFIX} is left: {e:#}");
    }
    Ok(Ending::Applied)
}

/// The labels that name a command to run inside a container before it is
/// replaced, and inside its successor once that is healthy: vext's own,
/// and Watchtower's lifecycle labels, so containers set up for Watchtower
/// keep their hooks.
const PRE_UPDATE_LABELS: [&str; 2] = [
    "vext.pre-update",
    "com.centurylinklabs.watchtower.lifecycle.pre-update",
];
const POST_UPDATE_LABELS: [&str; 2] = [
    "vext.post-update",
    "com.centurylinklabs.watchtower.lifecycle.post-update",
];

/// The label of `labels` the container sets (to something), and its command.
fn hook_label<'a>(inspect: &'a Value, labels: &[&'static str]) -> Option<(&'static str, &'a str)> {
    labels.iter().find_map(|l| {
        let cmd = inspect["Config"]["Labels"][*l].as_str()?.trim();
        (!cmd.is_empty()).then_some((*l, cmd))
    })
}

/// The container's own pre-update command (its `vext.pre-update` label),
/// run inside it before anything is changed, with `env`. Err is why the
/// update must not go on. A container that is not running has nowhere to
/// run it and is updated without.
pub(crate) fn pre_update(
    engine: &Engine,
    job: &Job,
    env: &[(&str, String)],
    timeout: Duration,
) -> Result<(), String> {
    // A container gone or unreadable is the update's to report, not the hook's.
    let Ok(old) = engine.get(&format!("/containers/{}/json", job.container_id)) else {
        return Ok(());
    };
    let Some((label, cmd)) = hook_label(&old, &PRE_UPDATE_LABELS) else {
        return Ok(());
    };
    if old["State"]["Running"].as_bool() != Some(true) {
        log::info!(
            "{}: not running, so its {label} command is not run",
            job.name
        );
        return Ok(());
    }
    engine
        .exec(&job.container_id, cmd, env, timeout)
        .map_err(|why| format!("the container's {label} command {why}"))
}

/// What follows a healthy gate before the old container goes: the new
/// container's post-update command (its label) run inside it, then the
/// operator's post-update command; either failing makes it unhealthy.
fn after_healthy(engine: &Engine, new_id: &str, gate: &Gate) -> Result<(), String> {
    let new = engine
        .get(&format!("/containers/{new_id}/json"))
        .map_err(|e| format!("{e:#}"))?;
    if let Some((label, cmd)) = hook_label(&new, &POST_UPDATE_LABELS) {
        engine
            .exec(new_id, cmd, &gate.hook_env, gate.timeout)
            .map_err(|why| format!("the container's {label} command {why}"))?;
    }
    gate.post_update()
}

/// Stops a container as `docker stop` does: its own stop signal, and the
/// grace period it was created with (compose `stop_grace_period`, `docker
/// run --stop-timeout`; else the engine's 10 s) before it is killed; a
/// database given a minute to flush gets its minute.
fn stop(engine: &Engine, id: &str, inspect: &Value) -> Result<Value> {
    let grace = inspect["Config"]["StopTimeout"]
        .as_u64()
        .unwrap_or(DEFAULT_STOP_GRACE)
        .min(MAX_STOP_GRACE);
    engine.call_with_timeout(
        "POST",
        &format!("/containers/{id}/stop?t={grace}"),
        None,
        Duration::from_secs(grace + 30),
    )
}

/// The engine's own grace period when a container names none.
const DEFAULT_STOP_GRACE: u64 = 10;
/// The longest grace period waited for (a corrupt or hostile inspect may
/// say anything).
const MAX_STOP_GRACE: u64 = 3600;

/// Takes the old container out of its networks (so their DNS answers with
/// the new one only) and gives requests already on their way a moment to
/// finish before it is stopped.
fn drain(engine: &Engine, old_id: &str, old: &Value) {
    let networks = old["NetworkSettings"]["Networks"]
        .as_object()
        .map(|m| m.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    for net in networks {
        if let Err(e) = engine.call(
            "POST",
            &format!("/networks/{net}/disconnect"),
            Some(&json!({"Container": old_id})),
        ) {
            log::debug!("disconnecting the old container from {net}: {e:#}");
        }
    }
    std::thread::sleep(DRAIN);
}

/// How long an old container keeps running, out of its networks, before
/// it is stopped.
const DRAIN: Duration = Duration::from_millis(500);

/// Removes the new container, gives the old one its name back, starts it
/// and checks it; the update's version is then held.
fn roll_back(
    engine: &Engine,
    name: &str,
    old_id: &str,
    new_id: Option<&str>,
    why: String,
    gate: &Gate,
    revive: Option<&Value>,
) -> Ending {
    log::warn!("{name}: {why}; rolling back");
    if let Err(e) = restore(engine, name, old_id, new_id) {
        if let Some(body) = revive {
            return revived(engine, name, old_id, body, gate, &why, &e);
        }
        return Ending::Failed(format!("{why}; and the rollback failed: {e:#}"));
    }
    // The old container proved itself before; give it the same gate.
    match verify(engine, old_id, gate) {
        Ok(()) => Ending::RolledBack(why),
        Err(again) => Ending::Failed(format!(
            "{why}; rolled back, but the old container is not healthy either: {again}"
        )),
    }
}

/// The rollback of a container that shares another's network namespace,
/// when the old one cannot start (`restore_failed`): it is recreated from
/// `body` (its own settings and image, in the namespace owner's current
/// container) in its place.
fn revived(
    engine: &Engine,
    name: &str,
    old_id: &str,
    body: &Value,
    gate: &Gate,
    why: &str,
    restore_failed: &anyhow::Error,
) -> Ending {
    let attempt = || -> Result<String> {
        engine.call("DELETE", &format!("/containers/{old_id}?force=1"), None)?;
        let created = engine.call(
            "POST",
            &format!("/containers/create?name={name}"),
            Some(body),
        )?;
        let id = created["Id"].as_str().unwrap_or_default().to_string();
        engine.call("POST", &format!("/containers/{id}/start"), None)?;
        Ok(id)
    };
    let said = format!(
        "{why}; the old container could not start again ({restore_failed:#}), so it was recreated on its old image"
    );
    match attempt() {
        Ok(id) => match verify(engine, &id, gate) {
            Ok(()) => Ending::RolledBack(said),
            Err(again) => Ending::Failed(format!("{said}, which is not healthy either: {again}")),
        },
        Err(e) => Ending::Failed(format!("{said}, and that failed: {e:#}")),
    }
}

/// Puts the old container back under `name` and running, whatever state an
/// interrupted update left: the new container (by id, or whatever holds the
/// name) is removed first.
pub(crate) fn restore(
    engine: &Engine,
    name: &str,
    old_id: &str,
    new_id: Option<&str>,
) -> Result<()> {
    let holder = engine
        .get(&format!("/containers/{name}/json"))
        .ok()
        .and_then(|v| v["Id"].as_str().map(String::from));
    for id in new_id
        .map(String::from)
        .into_iter()
        .chain(holder.filter(|h| h != old_id))
    {
        match engine.call("DELETE", &format!("/containers/{id}?force=1"), None) {
            Err(e) if status_of(&e) != Some(404) => return Err(e),
            _ => {}
        }
    }
    let old = engine.get(&format!("/containers/{old_id}/json"))?;
    if old["Name"].as_str().map(|n| n.trim_start_matches('/')) != Some(name) {
        engine.call(
            "POST",
            &format!("/containers/{old_id}/rename?name={name}"),
            None,
        )?;
    }
    if old["State"]["Running"].as_bool() != Some(true) {
        engine.call("POST", &format!("/containers/{old_id}/start"), None)?;
    }
    Ok(())
}

/// Finishes or undoes an update a killed run left open: before the new
/// container was proven, the old one is restored; after, the old one is
/// removed.
pub(crate) fn recover(engine: &Engine, conn: &Connection, e: &Entry) -> Result<Ending> {
    let old_id = e.old_id.as_deref().unwrap_or_default();
    let ending = match e.step.as_str() {
        "pull" => Ending::Failed("interrupted before any change".into()),
        "remove_old" => {
            let old = engine
                .get(&format!("/containers/{old_id}/json"))
                .unwrap_or(Value::Null);
            let _ = stop(engine, old_id, &old);
            match engine.call("DELETE", &format!("/containers/{old_id}"), None) {
                Err(err) if status_of(&err) != Some(404) => return Err(err),
                _ => Ending::Applied,
            }
        }
        _ => {
            restore(engine, &e.workload, old_id, e.new_id.as_deref())?;
            Ending::RolledBack(format!(
                "an interrupted update (at step {}) was undone",
                e.step
            ))
        }
    };
    let detail = ending.reason().unwrap_or("finished after an interruption");
    updates::finish(conn, e.id, ending.outcome(), detail)?;
    Ok(ending)
}

/// Waits for the container to prove itself: its HEALTHCHECK healthy, or
/// running `stable_for` without an exit or restart; then the extra checks.
pub(crate) fn verify(engine: &Engine, id: &str, gate: &Gate) -> Result<(), String> {
    let started = Instant::now();
    let mut restarts: Option<i64> = None;
    let mut last = String::from("no answer yet");
    while started.elapsed() < gate.timeout {
        let c = engine
            .get(&format!("/containers/{id}/json"))
            .map_err(|e| format!("{e:#}"))?;
        let state = &c["State"];
        let count = c["RestartCount"].as_i64().unwrap_or(0);
        let first = *restarts.get_or_insert(count);
        let status = state["Status"].as_str().unwrap_or_default();
        if status == "exited" || status == "dead" {
            return Err(format!(
                "the container exited (code {})",
                state["ExitCode"].as_i64().unwrap_or(-1)
            ));
        }
        if state["Restarting"].as_bool() == Some(true) || count > first {
            return Err("the container restarted".into());
        }
        let container_ok = match state["Health"]["Status"].as_str() {
            Some("healthy") => true,
            Some("unhealthy") => {
                let output = state["Health"]["Log"]
                    .as_array()
                    .and_then(|l| l.last())
                    .and_then(|l| l["Output"].as_str())
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                return Err(if output.is_empty() {
                    "the health check failed".into()
                } else {
                    format!("the health check failed: {output}")
                });
            }
            Some(s) => {
                last = format!("health {s}");
                false
            }
            None => {
                last = "not yet running long enough".into();
                status == "running" && started.elapsed() >= gate.stable_for
            }
        };
        if container_ok {
            match gate.extra_checks() {
                None => return Ok(()),
                Some(why) => last = why,
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!(
        "not healthy within {} ({last})",
        humantime::format_duration(gate.timeout)
    ))
}

/// Config fields compared with the old image's: where the container's
/// value is the image's default, it is dropped so the new image's applies.
const IMAGE_DEFAULTS: &[&str] = &[
    "Cmd",
    "Entrypoint",
    "WorkingDir",
    "User",
    "Healthcheck",
    "StopSignal",
    "Shell",
    "OnBuild",
];

/// The create request for the new container, from the old one's inspect
/// and its image's; and the networks to connect after create (engines
/// before API 1.44 take one network at create).
#[allow(clippy::too_many_lines)] // field by field from the old container's inspect to the create request, as the engine's API lists them
pub(crate) fn create_body(
    old: &Value,
    old_image: &Value,
    new_image: &str,
    api: (u32, u32),
) -> (Value, Vec<(String, Value)>) {
    let mut config = old["Config"].as_object().cloned().unwrap_or_default();
    let image_config = &old_image["Config"];
    for key in IMAGE_DEFAULTS {
        if config.get(*key).is_some_and(|v| *v == image_config[*key]) {
            config.remove(*key);
        }
    }
    if let Some(Value::Array(env)) = config.get_mut("Env") {
        let defaults = image_config["Env"].as_array().cloned().unwrap_or_default();
        env.retain(|e| !defaults.contains(e));
    }
    for key in ["Labels", "ExposedPorts", "Volumes"] {
        if let Some(Value::Object(map)) = config.get_mut(key) {
            let defaults = image_config[key].as_object().cloned().unwrap_or_default();
            map.retain(|k, v| defaults.get(k) != Some(v));
        }
    }
    let id = old["Id"].as_str().unwrap_or_default();
    let mode = old["HostConfig"]["NetworkMode"]
        .as_str()
        .unwrap_or("default")
        .to_string();
    let shared_net = mode == "host" || mode.starts_with("container:");
    // The engine names a container after its short id unless told otherwise;
    // with another's network namespace it refuses a hostname at all.
    if shared_net || config.get("Hostname").and_then(Value::as_str) == id.get(..12) {
        config.remove("Hostname");
        config.remove("Domainname");
    }
    if shared_net {
        config.remove("ExposedPorts");
    }
    config.insert("Image".into(), Value::String(new_image.to_string()));

    let mut host = old["HostConfig"].as_object().cloned().unwrap_or_default();
    // Anonymous and named volumes the image declared: the new container
    // must get the same volumes, not fresh empty ones.
    let mut binds: Vec<Value> = host
        .get("Binds")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let covered = |dest: &str, binds: &[Value], host: &Map<String, Value>| {
        binds
            .iter()
            .filter_map(Value::as_str)
            .any(|b| b.split(':').nth(1) == Some(dest))
            || host
                .get("Mounts")
                .and_then(Value::as_array)
                .is_some_and(|m| m.iter().any(|m| m["Target"].as_str() == Some(dest)))
    };
    for m in old["Mounts"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        if m["Type"].as_str() != Some("volume") {
            continue;
        }
        let (Some(name), Some(dest)) = (m["Name"].as_str(), m["Destination"].as_str()) else {
            continue;
        };
        if !covered(dest, &binds, &host) {
            let ro = if m["RW"].as_bool() == Some(false) {
                ":ro"
            } else {
                ""
            };
            binds.push(Value::String(format!("{name}:{dest}{ro}")));
        }
    }
    if !binds.is_empty() {
        host.insert("Binds".into(), Value::Array(binds));
    }

    let mut endpoints = Map::new();
    let mut later = Vec::new();
    if !shared_net && mode != "none" {
        let primary = if mode == "default" {
            "bridge"
        } else {
            mode.as_str()
        };
        let short = id.get(..12).unwrap_or(id);
        let networks = old["NetworkSettings"]["Networks"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (net, n) in networks {
            let mut e = Map::new();
            // The default bridge takes no network-scoped alias.
            if net != "bridge" {
                let aliases: Vec<Value> = n["Aliases"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                    .iter()
                    .filter(|a| a.as_str() != Some(short))
                    .cloned()
                    .collect();
                if !aliases.is_empty() {
                    e.insert("Aliases".into(), Value::Array(aliases));
                }
            }
            for key in ["IPAMConfig", "Links", "DriverOpts"] {
                if !n[key].is_null() {
                    e.insert(key.into(), n[key].clone());
                }
            }
            if net == primary || api >= (1, 44) {
                endpoints.insert(net, Value::Object(e));
            } else {
                later.push((net, Value::Object(e)));
            }
        }
    }
    let mut body = Value::Object(config);
    body["HostConfig"] = Value::Object(host);
    body["NetworkingConfig"] = json!({ "EndpointsConfig": endpoints });
    (body, later)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn old() -> Value {
        json!({
            "Id": "0123456789abcdef",
            "Config": {
                "Hostname": "0123456789ab",
                "Env": ["PATH=/bin", "FOO=bar"],
                "Cmd": ["httpd"],
                "Entrypoint": ["/custom"],
                "Labels": {"from.image": "x", "mine": "y"},
                "Image": "app:1"
            },
            "HostConfig": {"NetworkMode": "n1", "Binds": ["/data:/data"]},
            "Mounts": [
                {"Type": "bind", "Destination": "/data"},
                {"Type": "volume", "Name": "abc", "Destination": "/var/lib", "RW": true}
            ],
            "NetworkSettings": {"Networks": {
                "n1": {"Aliases": ["web", "0123456789ab"], "IPAMConfig": null},
                "n2": {"Aliases": ["other"], "IPAMConfig": {"IPv4Address": "10.0.0.5"}}
            }}
        })
    }

    fn image() -> Value {
        json!({"Config": {"Env": ["PATH=/bin"], "Cmd": ["httpd"], "Labels": {"from.image": "x"}}})
    }

    #[test]
    fn what_the_user_set_survives_and_image_defaults_are_dropped() {
        let (body, later) = create_body(&old(), &image(), "app:2", (1, 41));
        assert_eq!(body["Image"], "app:2");
        assert_eq!(body["Env"], json!(["FOO=bar"]));
        assert!(body.get("Cmd").is_none(), "{body}");
        assert_eq!(body["Entrypoint"], json!(["/custom"]));
        assert_eq!(body["Labels"], json!({"mine": "y"}));
        assert!(body.get("Hostname").is_none());
        assert_eq!(
            body["HostConfig"]["Binds"],
            json!(["/data:/data", "abc:/var/lib"])
        );
        assert_eq!(
            body["NetworkingConfig"]["EndpointsConfig"],
            json!({"n1": {"Aliases": ["web"]}})
        );
        assert_eq!(
            later,
            vec![(
                "n2".to_string(),
                json!({"Aliases": ["other"], "IPAMConfig": {"IPv4Address": "10.0.0.5"}})
            )]
        );
        let (body, later) = create_body(&old(), &image(), "app:2", (1, 44));
        assert!(later.is_empty());
        assert_eq!(
            body["NetworkingConfig"]["EndpointsConfig"]
                .as_object()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn shared_network_namespaces_take_no_hostname_or_endpoints() {
        let mut o = old();
        o["HostConfig"]["NetworkMode"] = json!("container:abc");
        let (body, later) = create_body(&o, &image(), "app:2", (1, 41));
        assert!(body.get("Hostname").is_none());
        assert_eq!(body["NetworkingConfig"]["EndpointsConfig"], json!({}));
        assert!(later.is_empty());
        assert!(!without_downtime(&o));
        o["HostConfig"]["NetworkMode"] = json!("host");
        assert!(!without_downtime(&o));
        o["HostConfig"]["NetworkMode"] = json!("n1");
        // n2 holds a static address: two containers cannot share it.
        assert!(!without_downtime(&o));
        o["NetworkSettings"]["Networks"]["n2"]["IPAMConfig"] = Value::Null;
        assert!(without_downtime(&o));
        o["HostConfig"]["PortBindings"] = json!({"80/tcp": [{"HostPort": "8080"}]});
        assert!(!without_downtime(&o));
    }
}
