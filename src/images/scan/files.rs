//! Manifest files: walk the paths like ripgrep walks them (hidden and
//! ignored files skipped), classify each file, resolve kustomizations, and
//! parse the rest on all cores.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};

use super::finding::Finding;
use super::report::{read_text, Report};
use super::{compose, dockerfile, manifest, yaml};

/// How to walk the files.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Walk {
    /// The paths were not given: show them relative to `.`.
    pub(crate) implicit: bool,
    pub(crate) hidden: bool,
    pub(crate) no_ignore: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Kustomization,
    Compose,
    Dockerfile,
    Yaml,
}

fn classify(path: &Path) -> Option<Class> {
    let name = path.file_name()?.to_str()?;
    if manifest::is_kustomization(path) {
        Some(Class::Kustomization)
    } else if compose::is_compose(name) {
        Some(Class::Compose)
    } else if dockerfile::is_dockerfile(name) {
        Some(Class::Dockerfile)
    } else if name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json") {
        Some(Class::Yaml)
    } else {
        None
    }
}

/// Removes `.` and `name/..` lexically, for display.
fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if out.file_name().is_some_and(|n| n != "..") => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

fn shown(path: &Path, implicit_root: bool) -> String {
    let s = path.display().to_string();
    match s.strip_prefix("./") {
        Some(rest) if implicit_root => rest.to_string(),
        _ => s,
    }
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| clean(p))
}

fn scan_file(path: &Path, class: Class, shown: &str, report: &Report) -> Vec<Finding> {
    let Some(text) = read_text(path, report) else {
        return Vec::new();
    };
    match class {
        Class::Dockerfile => dockerfile::findings(shown, &text, report),
        Class::Compose => match yaml::parse(&text) {
            Ok(docs) => compose::findings(path, shown, &docs, report),
            Err(e) => {
                report.error(&format!("{shown}: {e}"));
                Vec::new()
            }
        },
        Class::Yaml => {
            // Helm and other Go templates are not manifests until rendered.
            if text.contains("{{") {
                report.note(&format!("{shown}: a template ({{{{ }}}}), skipped"));
                return Vec::new();
            }
            match yaml::parse(&text) {
                Ok(docs) => {
                    if !docs.iter().any(manifest::is_object) {
                        report.note(&format!("{shown}: not a Kubernetes manifest, skipped"));
                        return Vec::new();
                    }
                    manifest::findings(shown, &docs, report)
                }
                Err(e) => {
                    // Only a manifest that fails to parse is an error; other YAML is noise.
                    if text.contains("apiVersion") && text.contains("kind") {
                        report.error(&format!("{shown}: {e}"));
                    } else {
                        report.note(&format!("{shown}: not parseable YAML, skipped ({e})"));
                    }
                    Vec::new()
                }
            }
        }
        Class::Kustomization => Vec::new(),
    }
}

/// Walks `paths`, reports kustomizations, then parses every other manifest
/// on all cores, sending findings to `tx` as they come.
pub(crate) fn files_pipeline(
    paths: &[PathBuf],
    walk: Walk,
    report: &Report,
    tx: &mpsc::Sender<Finding>,
) {
    let Walk {
        implicit,
        hidden,
        no_ignore,
    } = walk;
    // 1. Walk (in parallel) and classify.
    let files: Mutex<Vec<(PathBuf, Class)>> = Mutex::new(Vec::new());
    if !paths.is_empty() {
        let mut builder = ignore::WalkBuilder::new(&paths[0]);
        for p in &paths[1..] {
            builder.add(p);
        }
        builder
            .hidden(!hidden)
            .ignore(!no_ignore)
            .git_ignore(!no_ignore)
            .git_exclude(!no_ignore)
            .git_global(!no_ignore)
            .parents(!no_ignore)
            .require_git(false);
        builder.build_parallel().run(|| {
            let files = &files;
            Box::new(move |entry| {
                match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                        if let Some(class) = classify(e.path()) {
                            files
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .push((e.into_path(), class));
                        }
                    }
                    Ok(_) => {}
                    Err(err) => report.warn(&format!("{err}")),
                }
                ignore::WalkState::Continue
            })
        });
    }
    let mut files = files.into_inner().unwrap_or_else(|p| p.into_inner());
    files.sort();

    // 2. Kustomizations first: what they include is reported through them.
    let mut included: BTreeSet<PathBuf> = BTreeSet::new();
    for (path, _) in files.iter().filter(|(_, c)| *c == Class::Kustomization) {
        let k = manifest::resolve(path, report, 0);
        let kshown = shown(path, implicit);
        for (file, occ) in k.images {
            let fshown = shown(&clean(&file), implicit);
            let _ = tx.send(manifest::to_finding(
                &fshown,
                occ,
                "kustomize",
                Some(kshown.clone()),
                report,
            ));
        }
        included.extend(k.files.iter().map(|f| canonical(f)));
    }

    // 3. Everything else, on all cores.
    let rest: Vec<&(PathBuf, Class)> = files
        .iter()
        // canonicalize() only when some kustomization included files.
        .filter(|(p, c)| {
            *c != Class::Kustomization && (included.is_empty() || !included.contains(&canonical(p)))
        })
        .collect();
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(16);
    std::thread::scope(|s| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (rest, next, report) = (&rest, &next, report);
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((path, class)) = rest.get(i) else {
                    break;
                };
                for f in scan_file(path, *class, &shown(path, implicit), report) {
                    if tx.send(f).is_err() {
                        return;
                    }
                }
            });
        }
    });
}

/// The images in manifest files under `paths` (for `vext check`).
pub(crate) fn inventory(paths: &[PathBuf]) -> Vec<Finding> {
    let report = Report::new(false, false);
    let (tx, rx) = mpsc::channel();
    files_pipeline(paths, Walk::default(), &report, &tx);
    drop(tx);
    rx.into_iter().collect()
}
