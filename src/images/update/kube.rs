//! Updating a Kubernetes workload: patch one container's image (guarded by
//! a `test` of the image the scan saw, so a workload changed since is left
//! alone), record `kubernetes.io/change-cause`, and wait for the rollout as
//! `kubectl rollout status` judges it, failing early on a new pod that
//! cannot pull or keeps crashing. On failure, undo it as `kubectl rollout
//! undo` does (client-side: the pod template of the ReplicaSet or
//! ControllerRevision that ran before is put back), wait for that rollout
//! too, and hold the version. CronJobs have no rollout to wait for.

use std::time::{Duration, Instant};

use anyhow::Result;
use rusqlite::Connection;
use serde_json::{json, Value};

use super::health::Gate;
use super::Ending;
use crate::images::kube::{collection, Cluster};
use crate::net::percent::percent_encode;
use crate::state::updates::{self, Entry};

/// One container of one workload to update.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) namespace: String,
    /// Deployment, StatefulSet, DaemonSet or CronJob.
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) container: String,
    /// The repository, for holds (`docker.io/library/nginx`).
    pub(crate) repository: String,
    /// The image as the workload's spec writes it now.
    pub(crate) from_ref: String,
    /// The image to write: the same name as written, the new tag.
    pub(crate) to_ref: String,
    /// The version held when the new one fails (the tag, or the digest).
    pub(crate) version: String,
}

/// The kinds `update --kube` patches (bare Pods and Jobs are not updated:
/// their image cannot change in place).
pub(crate) const KINDS: [&str; 4] = ["Deployment", "StatefulSet", "DaemonSet", "CronJob"];

/// How often the rollout is looked at.
const POLL: Duration = Duration::from_millis(500);

/// Pod waiting reasons that mean the new version will not come up by
/// itself: no need to wait for the progress deadline.
const STUCK: [&str; 5] = [
    "ImagePullBackOff",
    "ErrImagePull",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "InvalidImageName",
];

impl Job {
    /// `ns/Kind/name/container`, as `vext scan` describes it.
    pub(crate) fn workload(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.namespace, self.kind, self.name, self.container
        )
    }

    /// The job a journal entry was about (`recover`).
    fn from_entry(e: &Entry) -> Option<Job> {
        let mut parts = e.workload.splitn(4, '/');
        let (ns, kind, name, container) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        Some(Job {
            namespace: ns.into(),
            kind: kind.into(),
            name: name.into(),
            container: container.into(),
            repository: e.image.clone(),
            from_ref: e.from_ref.clone(),
            to_ref: e.to_ref.clone(),
            version: e.new_id.clone().unwrap_or_default(),
        })
    }

    fn path(&self) -> String {
        let (group, resource) = match self.kind.as_str() {
            "Deployment" => ("/apis/apps/v1", "deployments"),
            "StatefulSet" => ("/apis/apps/v1", "statefulsets"),
            "DaemonSet" => ("/apis/apps/v1", "daemonsets"),
            _ => ("/apis/batch/v1", "cronjobs"),
        };
        format!(
            "{}/{}",
            collection(group, resource, Some(&self.namespace)),
            self.name
        )
    }

    /// Where the pod template sits in the object.
    fn template_pointer(&self) -> &'static str {
        if self.kind == "CronJob" {
            "/spec/jobTemplate/spec/template"
        } else {
            "/spec/template"
        }
    }
}

/// The steps `--plan` lists for a workload of `kind`.
pub(crate) fn planned_steps(kind: &str) -> Vec<&'static str> {
    if kind == "CronJob" {
        vec!["patch"]
    } else {
        vec!["patch", "wait_rollout"]
    }
}

/// `name:tag` as written, with its tag (and any digest) replaced:
/// `nginx:1.25` → `nginx:1.25.4`, `reg:5000/app` → `reg:5000/app:2.0`.
pub(crate) fn retag(raw: &str, tag: &str) -> String {
    let name = raw.split('@').next().unwrap_or(raw);
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let name = match name[last_slash..].find(':') {
        Some(i) => &name[..last_slash + i],
        None => name,
    };
    format!("{name}:{tag}")
}

fn mark(conn: &Connection, id: i64, step: &str) -> Result<()> {
    updates::step(conn, id, step, None)?;
    super::stall_at(step);
    Ok(())
}

/// Applies one update and reports how it ended, with the time its rollout
/// wait took. Errors are only for the journal itself.
pub(crate) fn apply(
    cluster: &Cluster,
    conn: &Connection,
    job: &Job,
    gate: &Gate,
) -> Result<(Ending, Duration)> {
    let obj = match cluster.get(&job.path()) {
        Ok(v) => v,
        Err(e) => return Ok((Ending::Failed(format!("{e:#}")), Duration::ZERO)),
    };
    let (list, index) = match find_container(&obj, job) {
        Ok(found) => found,
        Err(why) => return Ok((Ending::Failed(why), Duration::ZERO)),
    };
    let before = previous_template_source(cluster, job, &obj);
    let id = updates::begin(
        conn,
        &Entry {
            source: "kube".into(),
            workload: job.workload(),
            image: job.repository.clone(),
            from_ref: job.from_ref.clone(),
            to_ref: job.to_ref.clone(),
            old_id: before.clone(),
            // The version to hold if it fails, where recovery finds it.
            new_id: Some(job.version.clone()),
            step: "patch".into(),
            ..Entry::default()
        },
    )?;
    super::stall_at("patch");
    let image = format!("{}/spec/{list}/{index}/image", job.template_pointer());
    let mut ops = vec![
        json!({"op": "test", "path": image, "value": job.from_ref}),
        json!({"op": "replace", "path": image, "value": job.to_ref}),
    ];
    ops.extend(change_cause(
        &obj,
        &format!(
            "vext update: {} {} -> {}",
            job.container, job.from_ref, job.to_ref
        ),
    ));
    if let Err(e) = cluster.patch(&job.path(), &ops) {
        let why = format!("the patch was refused (changed since the scan?): {e:#}");
        updates::finish(conn, id, "failed", &why)?;
        return Ok((Ending::Failed(why), Duration::ZERO));
    }
    if job.kind == "CronJob" {
        updates::finish(conn, id, "applied", "")?;
        return Ok((Ending::Applied, Duration::ZERO));
    }
    mark(conn, id, "wait_rollout")?;
    let started = Instant::now();
    let verdict = wait_rollout(cluster, job, &job.to_ref, gate).and_then(|()| gate.post_update());
    let waited = started.elapsed();
    let ending = match verdict {
        Ok(()) => Ending::Applied,
        Err(why) => undo(cluster, conn, id, job, before.as_deref(), &why, gate)?,
    };
    if ending == Ending::Applied {
        updates::finish(conn, id, "applied", "")?;
    }
    Ok((ending, waited))
}

/// Which list (`containers`, `initContainers`) and index hold the job's
/// container, checking its image is still what the scan saw.
fn find_container(obj: &Value, job: &Job) -> Result<(&'static str, usize), String> {
    let spec = obj
        .pointer(&format!("{}/spec", job.template_pointer()))
        .unwrap_or(&Value::Null);
    for list in ["containers", "initContainers"] {
        let Some(items) = spec[list].as_array() else {
            continue;
        };
        if let Some(i) = items
            .iter()
            .position(|c| c["name"].as_str() == Some(&job.container))
        {
            let now = items[i]["image"].as_str().unwrap_or_default();
            if now != job.from_ref {
                return Err(format!(
                    "changed since the scan: the image is now {now}, not {}",
                    job.from_ref
                ));
            }
            return Ok((list, i));
        }
    }
    Err(format!("no container {:?} any more", job.container))
}

/// The JSON patch operations that record why the workload changed.
fn change_cause(obj: &Value, cause: &str) -> Vec<Value> {
    if obj["metadata"]["annotations"].is_object() {
        vec![json!({"op": "add",
            "path": "/metadata/annotations/kubernetes.io~1change-cause",
            "value": cause})]
    } else {
        vec![json!({"op": "add", "path": "/metadata/annotations",
            "value": {"kubernetes.io/change-cause": cause}})]
    }
}

/// The name of what holds the pod template running now (a Deployment's
/// current ReplicaSet, a StatefulSet's or DaemonSet's ControllerRevision),
/// so a rollback restores exactly it. None where it cannot be found (the
/// rollback then puts the old image back in the template).
fn previous_template_source(cluster: &Cluster, job: &Job, obj: &Value) -> Option<String> {
    let uid = obj["metadata"]["uid"].as_str()?;
    let ns = Some(job.namespace.as_str());
    match job.kind.as_str() {
        "Deployment" => {
            let revision = obj["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                .as_str()?
                .to_string();
            let sets = cluster
                .list_all(&collection("/apis/apps/v1", "replicasets", ns))
                .ok()?;
            sets.iter()
                .filter(|rs| owned_by(rs, uid))
                .find(|rs| {
                    rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"].as_str()
                        == Some(&revision)
                })
                .and_then(|rs| rs["metadata"]["name"].as_str().map(String::from))
        }
        "StatefulSet" | "DaemonSet" => {
            if let Some(current) = obj["status"]["currentRevision"].as_str() {
                return Some(current.to_string());
            }
            let revisions = cluster
                .list_all(&collection("/apis/apps/v1", "controllerrevisions", ns))
                .ok()?;
            revisions
                .iter()
                .filter(|r| owned_by(r, uid))
                .max_by_key(|r| r["revision"].as_i64().unwrap_or(0))
                .and_then(|r| r["metadata"]["name"].as_str().map(String::from))
        }
        _ => None,
    }
}

fn owned_by(obj: &Value, uid: &str) -> bool {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|o| o.iter().any(|r| r["uid"].as_str() == Some(uid)))
}

/// Waits until the rollout is complete and the operator's extra checks
/// pass; Err says why it will not be.
fn wait_rollout(cluster: &Cluster, job: &Job, image: &str, gate: &Gate) -> Result<(), String> {
    let started = Instant::now();
    let mut last = String::from("no answer yet");
    while started.elapsed() < gate.timeout {
        let obj = cluster.get(&job.path()).map_err(|e| format!("{e:#}"))?;
        match rollout_status(&job.kind, &obj)? {
            Progress::Done => match gate.extra_checks() {
                None => return Ok(()),
                Some(why) => last = why,
            },
            Progress::Waiting(why) => {
                last = why;
                stuck_pod(cluster, job, &obj, image)?;
            }
        }
        std::thread::sleep(POLL);
    }
    Err(format!(
        "the rollout did not complete within {} ({last})",
        humantime::format_duration(gate.timeout)
    ))
}

/// Where a rollout stands.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    Done,
    Waiting(String),
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// `kubectl rollout status`'s judgement of one object (its status viewers
/// for Deployments, StatefulSets and DaemonSets); Err when the rollout has
/// failed for good.
pub(crate) fn rollout_status(kind: &str, obj: &Value) -> Result<Progress, String> {
    let spec = &obj["spec"];
    let status = &obj["status"];
    let generation = int(&obj["metadata"]["generation"]);
    let observed = int(&status["observedGeneration"]);
    let waiting = |s: String| Ok(Progress::Waiting(s));
    match kind {
        "Deployment" => {
            if generation > observed {
                return waiting("the new spec is not yet observed".into());
            }
            let progressing = status["conditions"]
                .as_array()
                .and_then(|c| c.iter().find(|c| c["type"].as_str() == Some("Progressing")));
            if let Some(c) = progressing {
                if c["reason"].as_str() == Some("ProgressDeadlineExceeded") {
                    return Err(format!(
                        "the Deployment exceeded its progress deadline ({})",
                        c["message"].as_str().unwrap_or("ProgressDeadlineExceeded")
                    ));
                }
            }
            let want = spec["replicas"].as_i64().unwrap_or(1);
            let updated = int(&status["updatedReplicas"]);
            let total = int(&status["replicas"]);
            let available = int(&status["availableReplicas"]);
            if updated < want {
                return waiting(format!("{updated} of {want} new replicas updated"));
            }
            if total > updated {
                return waiting(format!(
                    "{} old replicas pending termination",
                    total - updated
                ));
            }
            if available < updated {
                return waiting(format!(
                    "{available} of {updated} updated replicas available"
                ));
            }
            Ok(Progress::Done)
        }
        "StatefulSet" => {
            if spec["updateStrategy"]["type"].as_str() == Some("OnDelete") {
                // Pods change only when deleted: nothing to wait for.
                return Ok(Progress::Done);
            }
            if observed == 0 || generation > observed {
                return waiting("the new spec is not yet observed".into());
            }
            let want = spec["replicas"].as_i64();
            let ready = int(&status["readyReplicas"]);
            if let Some(want) = want {
                if ready < want {
                    return waiting(format!("{ready} of {want} pods ready"));
                }
            }
            let partition = &spec["updateStrategy"]["rollingUpdate"]["partition"];
            if let (Some(p), Some(want)) = (partition.as_i64(), want) {
                let updated = int(&status["updatedReplicas"]);
                let due = want.saturating_sub(p);
                if updated < due {
                    return waiting(format!("{updated} of {due} pods updated"));
                }
                return Ok(Progress::Done);
            }
            if status["updateRevision"] != status["currentRevision"] {
                return waiting(format!(
                    "{} pods at the new revision",
                    int(&status["updatedReplicas"])
                ));
            }
            Ok(Progress::Done)
        }
        "DaemonSet" => {
            if spec["updateStrategy"]["type"].as_str() == Some("OnDelete") {
                return Ok(Progress::Done);
            }
            if generation > observed {
                return waiting("the new spec is not yet observed".into());
            }
            let want = int(&status["desiredNumberScheduled"]);
            let updated = int(&status["updatedNumberScheduled"]);
            let available = int(&status["numberAvailable"]);
            if updated < want {
                return waiting(format!("{updated} of {want} new pods scheduled"));
            }
            if available < want {
                return waiting(format!("{available} of {want} updated pods available"));
            }
            Ok(Progress::Done)
        }
        _ => Ok(Progress::Done),
    }
}

/// Err when a pod running `image` waits for a reason that will not clear
/// by itself (a pull that fails, a crash loop, a missing config).
fn stuck_pod(cluster: &Cluster, job: &Job, obj: &Value, image: &str) -> Result<(), String> {
    let Some(labels) = obj["spec"]["selector"]["matchLabels"].as_object() else {
        return Ok(());
    };
    let selector = labels
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(",");
    let path = format!(
        "{}?labelSelector={}",
        collection("/api/v1", "pods", Some(&job.namespace)),
        percent_encode(&selector)
    );
    // A failed look is not a failed rollout: the wait goes on.
    let Ok(pods) = cluster.list_all(&path) else {
        return Ok(());
    };
    match stuck_reason(&pods, &job.container, image) {
        Some(why) => Err(why),
        None => Ok(()),
    }
}

/// The first pod whose `container` runs `image` and waits for one of the
/// [`STUCK`] reasons.
pub(crate) fn stuck_reason(pods: &[Value], container: &str, image: &str) -> Option<String> {
    for pod in pods {
        let spec = &pod["spec"];
        let runs_new = ["containers", "initContainers"].iter().any(|l| {
            spec[*l].as_array().is_some_and(|cs| {
                cs.iter().any(|c| {
                    c["name"].as_str() == Some(container) && c["image"].as_str() == Some(image)
                })
            })
        });
        if !runs_new {
            continue;
        }
        for list in ["initContainerStatuses", "containerStatuses"] {
            for st in pod["status"][list]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                let waiting = &st["state"]["waiting"];
                let Some(reason) = waiting["reason"].as_str() else {
                    continue;
                };
                if STUCK.contains(&reason) {
                    let message = waiting["message"].as_str().unwrap_or_default();
                    let mut why = format!(
                        "pod {}: container {}: {reason}",
                        pod["metadata"]["name"].as_str().unwrap_or("?"),
                        st["name"].as_str().unwrap_or("?"),
                    );
                    if !message.is_empty() {
                        why.push_str(&format!(" ({})", message.trim()));
                    }
                    return Some(why);
                }
            }
        }
    }
    None
}

/// Rolls back as `kubectl rollout undo` does, waits for that rollout, and
/// holds the version.
fn undo(
    cluster: &Cluster,
    conn: &Connection,
    id: i64,
    job: &Job,
    before: Option<&str>,
    why: &str,
    gate: &Gate,
) -> Result<Ending> {
    mark(conn, id, "rollback")?;
    let ending = match restore(cluster, job, before) {
        Err(e) => Ending::Failed(format!(
            "{why}; and the rollback failed: {e:#} (the workload runs {})",
            job.to_ref
        )),
        Ok(()) => match wait_rollout(cluster, job, &job.from_ref, gate) {
            Ok(()) => Ending::RolledBack(why.to_string()),
            Err(e) => Ending::Failed(format!(
                "{why}; rolled back to {}, which is not healthy either: {e}",
                job.from_ref
            )),
        },
    };
    updates::hold(conn, &job.repository, &job.version, why)?;
    updates::finish(conn, id, ending.outcome(), ending.reason().unwrap_or(""))?;
    Ok(ending)
}

/// Puts back the pod template that ran before: the one `before` (a
/// ReplicaSet or ControllerRevision) holds, else the old image alone.
fn restore(cluster: &Cluster, job: &Job, before: Option<&str>) -> Result<()> {
    let ns = Some(job.namespace.as_str());
    let template = match (job.kind.as_str(), before) {
        ("Deployment", Some(rs)) => {
            let rs = cluster.get(&format!(
                "{}/{rs}",
                collection("/apis/apps/v1", "replicasets", ns)
            ))?;
            let mut t = rs["spec"]["template"].clone();
            // The controller adds it; the Deployment's template never has it.
            if let Some(labels) = t["metadata"]["labels"].as_object_mut() {
                labels.remove("pod-template-hash");
            }
            Some(t)
        }
        ("StatefulSet" | "DaemonSet", Some(rev)) => {
            let cr = cluster.get(&format!(
                "{}/{rev}",
                collection("/apis/apps/v1", "controllerrevisions", ns)
            ))?;
            let mut t = cr["data"]["spec"]["template"].clone();
            if let Some(o) = t.as_object_mut() {
                o.remove("$patch");
            }
            Some(t).filter(Value::is_object)
        }
        _ => None,
    };
    let cause = format!(
        "vext update: rolled back {} from {} to {}",
        job.container, job.to_ref, job.from_ref
    );
    let obj = cluster.get(&job.path())?;
    let mut ops = match template {
        Some(t) => vec![json!({"op": "replace", "path": job.template_pointer(), "value": t})],
        None => {
            let (list, index) = find_container(
                &obj,
                &Job {
                    from_ref: job.to_ref.clone(),
                    ..job.clone()
                },
            )
            .map_err(|e| anyhow::anyhow!(e))?;
            vec![json!({"op": "replace",
                "path": format!("{}/spec/{list}/{index}/image", job.template_pointer()),
                "value": job.from_ref})]
        }
    };
    ops.extend(change_cause(&obj, &cause));
    cluster.patch(&job.path(), &ops)?;
    Ok(())
}

/// Finishes or undoes an update a killed run left open: before the patch
/// took, nothing changed; after, the rollout is judged again and undone if
/// it does not complete.
pub(crate) fn recover(
    cluster: &Cluster,
    conn: &Connection,
    e: &Entry,
    gate: &Gate,
) -> Result<Ending> {
    let Some(job) = Job::from_entry(e) else {
        let why = format!("a journal entry names no workload: {:?}", e.workload);
        updates::finish(conn, e.id, "failed", &why)?;
        return Ok(Ending::Failed(why));
    };
    let obj = match cluster.get(&job.path()) {
        Ok(o) => o,
        Err(err) => {
            let why = format!("{err:#}");
            updates::finish(conn, e.id, "failed", &why)?;
            return Ok(Ending::Failed(why));
        }
    };
    let patched = find_container(
        &obj,
        &Job {
            from_ref: job.to_ref.clone(),
            ..job.clone()
        },
    )
    .is_ok();
    let ending = if !patched && e.step == "patch" {
        Ending::Failed("interrupted before any change".into())
    } else if e.step == "rollback" || !patched {
        // The rollback was under way (or done): finish it.
        if patched {
            restore(cluster, &job, e.old_id.as_deref())?;
        }
        match wait_rollout(cluster, &job, &job.from_ref, gate) {
            Ok(()) => Ending::RolledBack(format!(
                "an interrupted update (at step {}) was undone",
                e.step
            )),
            Err(why) => Ending::Failed(format!("rolled back, not healthy: {why}")),
        }
    } else {
        match wait_rollout(cluster, &job, &job.to_ref, gate) {
            Ok(()) => Ending::Applied,
            Err(why) => return undo(cluster, conn, e.id, &job, e.old_id.as_deref(), &why, gate),
        }
    };
    let detail = ending.reason().unwrap_or("finished after an interruption");
    updates::finish(conn, e.id, ending.outcome(), detail)?;
    Ok(ending)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retag_keeps_the_name_as_written() {
        assert_eq!(retag("nginx:1.25", "1.25.4"), "nginx:1.25.4");
        assert_eq!(retag("reg:5000/app", "2.0"), "reg:5000/app:2.0");
        assert_eq!(
            retag("reg:5000/app:1.0@sha256:ab", "1.1"),
            "reg:5000/app:1.1"
        );
        assert_eq!(retag("ghcr.io/a/b:1", "2"), "ghcr.io/a/b:2");
    }

    fn deployment(status: Value) -> Value {
        json!({"metadata": {"generation": 3}, "spec": {"replicas": 2}, "status": status})
    }

    #[test]
    fn deployment_rollouts_judged_as_kubectl_does() {
        let done = deployment(json!({"observedGeneration": 3, "replicas": 2,
            "updatedReplicas": 2, "availableReplicas": 2}));
        assert_eq!(rollout_status("Deployment", &done), Ok(Progress::Done));
        let unobserved = deployment(json!({"observedGeneration": 2, "replicas": 2,
            "updatedReplicas": 2, "availableReplicas": 2}));
        assert!(matches!(
            rollout_status("Deployment", &unobserved),
            Ok(Progress::Waiting(_))
        ));
        let old_left = deployment(json!({"observedGeneration": 3, "replicas": 3,
            "updatedReplicas": 2, "availableReplicas": 2}));
        assert_eq!(
            rollout_status("Deployment", &old_left),
            Ok(Progress::Waiting(
                "1 old replicas pending termination".into()
            ))
        );
        let unavailable = deployment(json!({"observedGeneration": 3, "replicas": 2,
            "updatedReplicas": 2, "availableReplicas": 1}));
        assert!(matches!(
            rollout_status("Deployment", &unavailable),
            Ok(Progress::Waiting(_))
        ));
        let deadline = deployment(json!({"observedGeneration": 3, "replicas": 3,
            "updatedReplicas": 1, "conditions": [{"type": "Progressing", "status": "False",
            "reason": "ProgressDeadlineExceeded", "message": "ReplicaSet \"web-2\" has timed out progressing."}]}));
        assert!(rollout_status("Deployment", &deadline)
            .unwrap_err()
            .contains("timed out progressing"));
    }

    #[test]
    fn statefulset_and_daemonset_rollouts() {
        let sts = |status: Value, strategy: Value| {
            json!({"metadata": {"generation": 2},
                "spec": {"replicas": 3, "updateStrategy": strategy}, "status": status})
        };
        let rolling = json!({"type": "RollingUpdate"});
        assert_eq!(
            rollout_status(
                "StatefulSet",
                &sts(
                    json!({"observedGeneration": 2, "readyReplicas": 3,
                    "currentRevision": "web-2", "updateRevision": "web-2"}),
                    rolling.clone()
                )
            ),
            Ok(Progress::Done)
        );
        assert!(matches!(
            rollout_status(
                "StatefulSet",
                &sts(
                    json!({"observedGeneration": 2, "readyReplicas": 3,
                    "currentRevision": "web-1", "updateRevision": "web-2"}),
                    rolling.clone()
                )
            ),
            Ok(Progress::Waiting(_))
        ));
        let partitioned = json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 2}});
        assert_eq!(
            rollout_status(
                "StatefulSet",
                &sts(
                    json!({"observedGeneration": 2, "readyReplicas": 3, "updatedReplicas": 1,
                    "currentRevision": "web-1", "updateRevision": "web-2"}),
                    partitioned
                )
            ),
            Ok(Progress::Done)
        );
        // A partition the API server would refuse, from a fake or a broken
        // one: judged, not an overflow (a panic in a debug build).
        let absurd = json!({"type": "RollingUpdate", "rollingUpdate": {"partition": i64::MIN}});
        assert!(matches!(
            rollout_status(
                "StatefulSet",
                &sts(
                    json!({"observedGeneration": 2, "readyReplicas": 3, "updatedReplicas": 1}),
                    absurd
                )
            ),
            Ok(Progress::Waiting(_))
        ));
        let ds = |status: Value| {
            json!({"metadata": {"generation": 5}, "spec": {"updateStrategy": {"type": "RollingUpdate"}},
                "status": status})
        };
        assert!(matches!(
            rollout_status(
                "DaemonSet",
                &ds(json!({"observedGeneration": 5, "desiredNumberScheduled": 4,
                    "updatedNumberScheduled": 3, "numberAvailable": 4}))
            ),
            Ok(Progress::Waiting(_))
        ));
        assert_eq!(
            rollout_status(
                "DaemonSet",
                &ds(json!({"observedGeneration": 5, "desiredNumberScheduled": 4,
                    "updatedNumberScheduled": 4, "numberAvailable": 4}))
            ),
            Ok(Progress::Done)
        );
    }

    #[test]
    fn stuck_pods_only_count_when_they_run_the_new_image() {
        let pod = |image: &str, reason: &str| {
            json!({"metadata": {"name": "web-2-abc"},
                "spec": {"containers": [{"name": "web", "image": image}]},
                "status": {"containerStatuses": [{"name": "web",
                    "state": {"waiting": {"reason": reason, "message": "Back-off pulling image"}}}]}})
        };
        let pods = [
            pod("app:1", "ImagePullBackOff"),
            pod("app:2", "ContainerCreating"),
        ];
        assert_eq!(stuck_reason(&pods, "web", "app:2"), None);
        let why = stuck_reason(&pods, "web", "app:1").unwrap();
        assert!(
            why.contains("ImagePullBackOff") && why.contains("web-2-abc"),
            "{why}"
        );
        assert_eq!(stuck_reason(&pods, "other", "app:1"), None);
    }
}
