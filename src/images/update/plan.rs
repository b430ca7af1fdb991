//! What an apply would do: from what the scan found and what the check
//! engine decided, one planned update per workload whose image has an
//! approved, not held, newer version, with its steps in order.

use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

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
}

#[derive(Debug, Clone)]
pub(crate) enum Work {
    Docker(docker::Job),
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
#[allow(clippy::too_many_lines)] // Not split yet: issue 26 (one settings resolve per command) takes it apart.
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
            });
            continue;
        }
        let (work, steps) = if f.kind == "docker" {
            let Some(engine) = inputs.engine else {
                continue;
            };
            let id = f.source.id.clone().unwrap_or_default();
            let inspect = match engine.get(&format!("/containers/{id}/json")) {
                Ok(v) => v,
                Err(e) => {
                    skipped.push(Skipped {
                        workload,
                        image: repository,
                        to,
                        reason: format!("{e:#}"),
                    });
                    continue;
                }
            };
            let steps = planned_steps(&inspect);
            let job = docker::Job {
                container_id: id,
                name: workload.clone(),
                repository: repository.clone(),
                from_ref: image.clone(),
                to_ref: to.clone(),
                version,
            };
            (Work::Docker(job), steps)
        } else if f.kind == "kube" {
            let kind = f.source.resource_kind.clone().unwrap_or_default();
            if !kube::KINDS.contains(&kind.as_str()) {
                skipped.push(Skipped {
                    workload,
                    image: repository,
                    to,
                    reason: format!(
                        "a {kind}: its image cannot change in place; update what creates it"
                    ),
                });
                continue;
            }
            let mut to_ref = kube::retag(&f.raw, to_tag);
            if change == UpdateKind::Digest {
                // The same tag, moved: pin the new digest so pods change.
                let Some(d) = &o.digest else { continue };
                to_ref = format!("{to_ref}@{d}");
            }
            let job = kube::Job {
                namespace: f.source.namespace.clone().unwrap_or_default(),
                kind: kind.clone(),
                name: f.source.name.clone().unwrap_or_default(),
                container: f.source.container.clone().unwrap_or_default(),
                repository: repository.clone(),
                from_ref: f.raw.clone(),
                to_ref,
                version,
            };
            (Work::Kube(job), kube::planned_steps(&kind))
        } else {
            if change == UpdateKind::Digest {
                continue;
            }
            if !inputs.write {
                skipped.push(Skipped {
                    workload,
                    image: repository,
                    to,
                    reason: "a manifest file: give --write to rewrite its tag".into(),
                });
                continue;
            }
            let edit = Edit {
                file: PathBuf::from(f.source.file.clone().unwrap_or_default()),
                line: f.source.line.unwrap_or(0),
                raw: f.raw.clone(),
                kustomization: f.source.kustomization.as_ref().map(PathBuf::from),
                from_tag,
                to_tag: to_tag.clone(),
            };
            (Work::File(edit), vec!["rewrite"])
        };
        planned.push(Planned {
            workload,
            work,
            image: repository,
            current: image.clone(),
            to,
            change,
            steps,
        });
    }
    Ok((planned, skipped))
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
    use super::matches_only;

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
