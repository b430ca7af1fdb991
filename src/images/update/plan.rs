//! What an apply would do: from what the scan found and what the check
//! engine decided, one planned update per workload whose image has an
//! approved, not held, newer version, with its steps in order.

use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;
use serde_json::Value;

use super::compose;
use super::docker::{self, planned_steps};
use super::kube;
use super::manifest::Edit;
use crate::images::check::Outcome;
use crate::images::engine::Engine;
use crate::images::policy::{Decision, UpdateKind};
use crate::images::reference::ImageRef;
use crate::images::scan::Finding;

/// One workload's update.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    /// How the operator names it: the container, or `file:line`.
    pub(crate) workload: String,
    pub(crate) work: Work,
    /// The repository (`docker.io/library/nginx`).
    pub(crate) image: String,
    pub(crate) current: String,
    /// The reference the update moves to.
    pub(crate) to: String,
    pub(crate) change: UpdateKind,
    pub(crate) steps: Vec<&'static str>,
    /// Set for a container recreated on the same image because it shares
    /// the network namespace of one being updated: that container's name.
    pub(crate) shares: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum Work {
    /// Boxed: a container's job is the largest by far.
    Docker(Box<docker::Job>),
    Kube(kube::Job),
    File(Edit),
}

impl Work {
    pub(crate) fn source(&self) -> &'static str {
        match self {
            Work::Docker(_) => "docker",
            Work::Kube(_) => "kube",
            Work::File(_) => "file",
        }
    }
}

/// A workload with an approved update that this run leaves alone, and why.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Skipped {
    pub(crate) workload: String,
    pub(crate) image: String,
    #[serde(rename = "target")]
    pub(crate) to: String,
    pub(crate) reason: String,
    /// A request for approval made by this run that the notification
    /// announces (`approve = "chat"`).
    #[serde(skip)]
    pub(crate) announce: bool,
}

/// One line of `update --plan --json` (field names are a stable interface).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct StepLine<'a> {
    pub(crate) workload: &'a str,
    pub(crate) source: &'static str,
    pub(crate) step: &'static str,
    pub(crate) image: &'a str,
    pub(crate) current: &'a str,
    #[serde(rename = "target")]
    pub(crate) to: &'a str,
    pub(crate) change: UpdateKind,
}

impl Planned {
    pub(crate) fn step_lines(&self) -> impl Iterator<Item = StepLine<'_>> {
        self.steps.iter().map(move |step| StepLine {
            workload: &self.workload,
            source: self.work.source(),
            step,
            image: &self.image,
            current: &self.current,
            to: &self.to,
            change: self.change,
        })
    }
}

/// What the plan needs besides the findings and the decisions.
pub(crate) struct Inputs<'a> {
    pub(crate) engine: Option<&'a Engine>,
    /// Whether manifest files are rewritten (`--write`).
    pub(crate) write: bool,
    /// `--only` image globs (matched against the repository, with and
    /// without its registry, and the reference as written).
    pub(crate) only: &'a [String],
    /// Why a (repository, version) is held, if it is.
    pub(crate) held: &'a dyn Fn(&str, &str) -> Result<Option<String>>,
}

/// The plan, in the order of the findings; and what is skipped.
pub(crate) fn plan(
    findings: &[Finding],
    outcomes: &[Outcome],
    inputs: &Inputs,
) -> Result<(Vec<Planned>, Vec<Skipped>)> {
    let mut planned = Vec::new();
    let mut skipped = Vec::new();
    for f in findings {
        let Some(image) = &f.image else { continue };
        let Some(o) = outcomes.iter().find(|o| &o.image == image) else {
            continue;
        };
        let (Decision::Approve, Some(to_tag)) = (o.decision, &o.latest) else {
            continue;
        };
        let Ok(current) = ImageRef::parse(image) else {
            continue;
        };
        let repository = current.name();
        if !inputs.only.is_empty()
            && !inputs
                .only
                .iter()
                .any(|g| matches_only(g, &repository, &f.raw))
        {
            continue;
        }
        let from_tag = current.tag.clone().unwrap_or_default();
        let mut next = current.clone();
        next.tag = Some(to_tag.clone());
        next.digest = None;
        let to = next.to_string();
        let change = o.approved_change;
        // A digest update is held by its digest; a version by its tag.
        let version = if change == UpdateKind::Digest {
            o.digest.clone().unwrap_or_else(|| to_tag.clone())
        } else {
            to_tag.clone()
        };
        let workload = if f.kind == "docker" {
            f.source.container.clone().unwrap_or_default()
        } else {
            f.source.describe()
        };
        if let Some(reason) = (inputs.held)(&repository, &version)? {
            skipped.push(Skipped {
                workload,
                image: repository,
                to,
                reason: format!("held after a failed update: {reason} (vext update --release {}:{version} clears it)", current.name()),
                announce: false,
            });
            continue;
        }
        let c = Candidate {
            f,
            workload: &workload,
            repository: &repository,
            to: &to,
            to_tag,
            from_tag,
            version,
            change,
            digest: o.digest.as_deref(),
        };
        let next = match f.kind {
            "docker" => match inputs.engine {
                Some(engine) => docker_work(&c, engine, inputs.write),
                None => Ok(None),
            },
            "kube" => kube_work(&c),
            _ => file_work(&c, inputs.write),
        };
        let (work, steps) = match next {
            Ok(Some(w)) => w,
            Ok(None) => continue,
            Err(reason) => {
                skipped.push(Skipped {
                    workload,
                    image: repository,
                    to,
                    reason,
                    announce: false,
                });
                continue;
            }
        };
        planned.push(Planned {
            workload,
            work,
            image: repository,
            current: image.clone(),
            to,
            change,
            steps,
            shares: None,
        });
    }
    Ok((planned, skipped))
}

/// One approved update of one finding, as far as it is worked out.
struct Candidate<'a> {
    f: &'a Finding,
    workload: &'a str,
    repository: &'a str,
    /// The new reference.
    to: &'a str,
    to_tag: &'a str,
    from_tag: String,
    /// What a hold names: the tag, or the digest for a digest update.
    version: String,
    change: UpdateKind,
    digest: Option<&'a str>,
}

/// What planning one finding came to: the work and its steps; None to
/// leave it out silently; Err with why it is skipped.
type Next = Result<Option<(Work, Vec<&'static str>)>, String>;

/// A container: recreated from its inspect with the new image.
fn docker_work(c: &Candidate, engine: &Engine, write: bool) -> Next {
    let id = c.f.source.id.clone().unwrap_or_default();
    let inspect = engine
        .get(&format!("/containers/{id}/json"))
        .map_err(|e| format!("{e:#}"))?;
    let steps = planned_steps(&inspect);
    let member = compose::member(&inspect);
    let needs_services = member
        .as_ref()
        .map(|m| compose::depends_on(&inspect, m))
        .unwrap_or_default();
    let follow = match &member {
        Some(m) if write && c.change != UpdateKind::Digest => {
            Some(compose::edit(m, &c.from_tag, c.to_tag))
        }
        _ => None,
    };
    let job = docker::Job {
        container_id: id,
        name: c.workload.to_string(),
        repository: c.repository.to_string(),
        from_ref: c.f.image.clone().unwrap_or_default(),
        to_ref: c.to.to_string(),
        version: c.version.clone(),
        member,
        follow,
        needs: docker::needs(&inspect),
        needs_services,
        net_owner: net_owner(&inspect, engine),
    };
    Ok(Some((Work::Docker(Box::new(job)), steps)))
}

/// The name of the container whose network namespace this one shares
/// (`network_mode: service:db`, `--network container:db`).
fn net_owner(inspect: &Value, engine: &Engine) -> Option<String> {
    let owner = inspect["HostConfig"]["NetworkMode"]
        .as_str()?
        .strip_prefix("container:")?;
    let owner = engine.get(&format!("/containers/{owner}/json")).ok()?;
    Some(owner["Name"].as_str()?.trim_start_matches('/').to_string())
}

/// Adds, after each container being updated, the containers that share its
/// network namespace and are not updated themselves: they are recreated on
/// their own image, in the new container's namespace, since the one they
/// joined goes with the old container.
pub(crate) fn sharers(planned: &mut Vec<Planned>, engine: &Engine) -> Result<()> {
    let all = engine.get("/containers/json?all=1")?;
    let all = all.as_array().map(Vec::as_slice).unwrap_or(&[]);
    let mut i = 0;
    // Chains too: a container sharing one that is recreated for sharing.
    while i < planned.len() {
        let Work::Docker(owner) = &planned[i].work else {
            i += 1;
            continue;
        };
        let modes = [
            format!("container:{}", owner.container_id),
            format!("container:{}", owner.name),
        ];
        let owner_name = owner.name.clone();
        let ids: Vec<String> = all
            .iter()
            .filter(|c| {
                c["HostConfig"]["NetworkMode"]
                    .as_str()
                    .is_some_and(|m| modes.iter().any(|x| x == m))
            })
            .filter_map(|c| c["Id"].as_str().map(String::from))
            .filter(|id| {
                !planned
                    .iter()
                    .any(|p| matches!(&p.work, Work::Docker(j) if &j.container_id == id))
            })
            .collect();
        for id in ids {
            let inspect = engine.get(&format!("/containers/{id}/json"))?;
            let name = inspect["Name"]
                .as_str()
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_string();
            let image = inspect["Config"]["Image"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let member = compose::member(&inspect);
            let needs_services = member
                .as_ref()
                .map(|m| compose::depends_on(&inspect, m))
                .unwrap_or_default();
            let job = docker::Job {
                container_id: id,
                name: name.clone(),
                repository: ImageRef::parse(&image)
                    .map(|r| r.name())
                    .unwrap_or_default(),
                from_ref: image.clone(),
                to_ref: image.clone(),
                // Nothing to hold: it keeps its version.
                version: String::new(),
                member,
                follow: None,
                needs: docker::needs(&inspect),
                needs_services,
                net_owner: Some(owner_name.clone()),
            };
            planned.push(Planned {
                workload: name,
                image: job.repository.clone(),
                current: image.clone(),
                to: image,
                change: UpdateKind::None,
                steps: planned_steps(&inspect),
                work: Work::Docker(Box::new(job)),
                shares: Some(owner_name.clone()),
            });
        }
        i += 1;
    }
    Ok(())
}

/// Puts each container after the ones it depends on (compose services it
/// waits for, links, a network namespace it shares), keeping the scan's
/// order otherwise; and says, for each, which earlier entries it waits
/// for. A dependency cycle is left in the scan's order.
pub(crate) fn order(planned: Vec<Planned>) -> (Vec<Planned>, Vec<Vec<usize>>) {
    let deps: Vec<Vec<usize>> = planned
        .iter()
        .map(|p| {
            let Work::Docker(job) = &p.work else {
                return Vec::new();
            };
            planned
                .iter()
                .enumerate()
                .filter(|(_, q)| match &q.work {
                    Work::Docker(other) => {
                        other.container_id != job.container_id && depends(job, other)
                    }
                    _ => false,
                })
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    let mut placed = vec![false; planned.len()];
    let mut sequence = Vec::with_capacity(planned.len());
    while sequence.len() < planned.len() {
        // The first not yet placed whose dependencies all are; in a cycle,
        // the first not yet placed.
        let next = (0..planned.len())
            .find(|&i| !placed[i] && deps[i].iter().all(|&d| placed[d]))
            .or_else(|| (0..planned.len()).find(|&i| !placed[i]));
        let Some(i) = next else { break };
        placed[i] = true;
        sequence.push(i);
    }
    let position: Vec<usize> = {
        let mut at = vec![0; planned.len()];
        for (pos, &i) in sequence.iter().enumerate() {
            at[i] = pos;
        }
        at
    };
    let after = sequence
        .iter()
        .enumerate()
        .map(|(pos, &i)| {
            deps[i]
                .iter()
                .map(|&d| position[d])
                .filter(|&d| d < pos)
                .collect()
        })
        .collect();
    let mut slots: Vec<Option<Planned>> = planned.into_iter().map(Some).collect();
    let ordered = sequence.iter().filter_map(|&i| slots[i].take()).collect();
    (ordered, after)
}

/// Whether `job` depends on `other`.
fn depends(job: &docker::Job, other: &docker::Job) -> bool {
    let same_project =
        matches!((&job.member, &other.member), (Some(a), Some(b)) if a.project == b.project);
    let by_service = same_project
        && other
            .member
            .as_ref()
            .is_some_and(|m| job.needs_services.contains(&m.service));
    let by_container = job
        .needs
        .iter()
        .any(|n| n == &other.name || (n.len() >= 12 && other.container_id.starts_with(n.as_str())));
    by_service || by_container
}

/// A Kubernetes workload: its container's image patched.
fn kube_work(c: &Candidate) -> Next {
    let kind = c.f.source.resource_kind.clone().unwrap_or_default();
    if !kube::KINDS.contains(&kind.as_str()) {
        return Err(format!(
            "a {kind}: its image cannot change in place; update what creates it"
        ));
    }
    let mut to_ref = kube::retag(&c.f.raw, c.to_tag);
    if c.change == UpdateKind::Digest {
        // The same tag, moved: pin the new digest so pods change.
        let Some(d) = c.digest else { return Ok(None) };
        to_ref = format!("{to_ref}@{d}");
    }
    let job = kube::Job {
        namespace: c.f.source.namespace.clone().unwrap_or_default(),
        kind: kind.clone(),
        name: c.f.source.name.clone().unwrap_or_default(),
        container: c.f.source.container.clone().unwrap_or_default(),
        repository: c.repository.to_string(),
        from_ref: c.f.raw.clone(),
        to_ref,
        version: c.version.clone(),
    };
    Ok(Some((Work::Kube(job), kube::planned_steps(&kind))))
}

/// A manifest file: its tag rewritten (with `--write`).
fn file_work(c: &Candidate, write: bool) -> Next {
    if c.change == UpdateKind::Digest {
        return Ok(None);
    }
    if !write {
        return Err("a manifest file: give --write to rewrite its tag".into());
    }
    let edit = Edit {
        file: PathBuf::from(c.f.source.file.clone().unwrap_or_default()),
        line: c.f.source.line.unwrap_or(0),
        raw: c.f.raw.clone(),
        kustomization: c.f.source.kustomization.as_ref().map(PathBuf::from),
        from_tag: c.from_tag.clone(),
        to_tag: c.to_tag.to_string(),
    };
    Ok(Some((Work::File(edit), vec!["rewrite"])))
}

/// `--only nginx`, `--only 'docker.io/library/*'`, `--only 'app*'`.
fn matches_only(glob: &str, repository: &str, raw: &str) -> bool {
    let short = repository
        .strip_prefix("docker.io/library/")
        .or_else(|| repository.strip_prefix("docker.io/"))
        .unwrap_or(repository);
    let raw_name = ImageRef::parse(raw)
        .ok()
        .map(|r| r.name())
        .unwrap_or_default();
    let no_registry = repository.split_once('/').map_or(repository, |(_, r)| r);
    [repository, short, no_registry, raw_name.as_str()]
        .iter()
        .any(|c| crate::util::glob::glob(glob, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(name: &str, service: &str, needs: &[&str], services: &[&str]) -> Planned {
        let job = docker::Job {
            container_id: format!("{name}-0123456789abcdef"),
            name: name.into(),
            repository: "r/app".into(),
            from_ref: "r/app:1".into(),
            to_ref: "r/app:2".into(),
            version: "2".into(),
            member: Some(compose::Member {
                project: "p".into(),
                service: service.into(),
                dir: PathBuf::from("/p"),
                files: Vec::new(),
                v1: true,
            }),
            follow: None,
            needs: needs.iter().map(|s| (*s).to_string()).collect(),
            needs_services: services.iter().map(|s| (*s).to_string()).collect(),
            net_owner: None,
        };
        Planned {
            workload: name.into(),
            work: Work::Docker(Box::new(job)),
            image: "r/app".into(),
            current: "r/app:1".into(),
            to: "r/app:2".into(),
            change: UpdateKind::Minor,
            steps: Vec::new(),
            shares: None,
        }
    }

    /// Dependencies first (by service, link and namespace), the scan's
    /// order otherwise, a cycle kept as scanned; `after` names earlier
    /// entries only.
    #[test]
    fn containers_follow_what_they_depend_on() {
        let plan = vec![
            container("web", "web", &[], &["db", "cache"]),
            container("side", "side", &["web"], &[]),
            container("db", "db", &[], &[]),
            container("cache", "cache", &["db-0123456789ab"], &[]),
            container("lone", "lone", &[], &[]),
        ];
        let (ordered, after) = order(plan);
        let names: Vec<&str> = ordered.iter().map(|p| p.workload.as_str()).collect();
        assert_eq!(names, ["db", "cache", "web", "side", "lone"]);
        assert_eq!(after, [vec![], vec![0], vec![0, 1], vec![2], vec![]]);
        let (cycle, after) = order(vec![
            container("a", "a", &["b"], &[]),
            container("b", "b", &["a"], &[]),
        ]);
        let names: Vec<&str> = cycle.iter().map(|p| p.workload.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(after, [vec![], vec![0]]);
    }

    #[test]
    fn only_matches_short_and_full_names() {
        assert!(matches_only("nginx", "docker.io/library/nginx", "nginx:1"));
        assert!(matches_only(
            "docker.io/*",
            "docker.io/library/nginx",
            "nginx:1"
        ));
        assert!(matches_only(
            "app",
            "127.0.0.1:5000/app",
            "127.0.0.1:5000/app:1"
        ));
        assert!(!matches_only("redis", "docker.io/library/nginx", "nginx:1"));
    }
}
