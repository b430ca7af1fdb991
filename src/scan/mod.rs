//! `vext scan`: an inventory of the container images in use, from manifest
//! files (Kubernetes, kustomize, compose, Dockerfiles) and the Docker engine.
//! Files are walked like ripgrep walks them (hidden and ignored files
//! skipped) and parsed on all cores; NDJSON streams as results come.

mod compose;
mod docker;
mod dockerfile;
mod finding;
mod kube;
mod manifest;
mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};

use anyhow::Result;

use crate::cli::{LiveArgs, ScanArgs};
use crate::exit::{fail, Code};
use crate::Context;

pub(crate) use finding::Finding;

/// Diagnostics on stderr, counted.
pub(crate) struct Report {
    verbose: bool,
    quiet: bool,
    errors: AtomicUsize,
    lock: Mutex<()>,
}

impl Report {
    fn new(verbose: bool, quiet: bool) -> Report {
        Report {
            verbose,
            quiet,
            errors: AtomicUsize::new(0),
            lock: Mutex::new(()),
        }
    }

    #[cfg(test)]
    pub(crate) fn quiet() -> Report {
        Report::new(false, true)
    }

    fn say(&self, level: &str, msg: &str) {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        eprintln!("vext: {level}: {msg}");
    }

    /// A file that should be a manifest but cannot be read or parsed.
    pub(crate) fn error(&self, msg: &str) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        if !self.quiet {
            self.say("error", msg);
        }
    }

    pub(crate) fn warn(&self, msg: &str) {
        if !self.quiet {
            self.say("warning", msg);
        }
    }

    /// Skipped files and the like: only with -v.
    pub(crate) fn note(&self, msg: &str) {
        if self.verbose && !self.quiet {
            self.say("note", msg);
        }
    }
}

/// Files larger than this are not parsed.
const MAX_FILE: u64 = 32 << 20;

pub(crate) fn read_text(path: &Path, report: &Report) -> Option<String> {
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE => {
            report.error(&format!(
                "{}: larger than {} MiB, not scanned",
                path.display(),
                MAX_FILE >> 20
            ));
            return None;
        }
        Err(e) => {
            report.error(&format!("{}: {e}", path.display()));
            return None;
        }
        _ => {}
    }
    match std::fs::read(path) {
        // Image names are ASCII: stray non-UTF-8 bytes elsewhere do not matter.
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) => {
            report.error(&format!("{}: {e}", path.display()));
            None
        }
    }
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

pub(crate) fn run(args: ScanArgs, ctx: &Context) -> Result<Code> {
    let _ = ctx;
    let report = Report::new(args.verbose_notes(), false);
    let implicit = args.paths.is_empty() && !args.live.docker && !args.live.kube;
    let paths: Vec<PathBuf> = if implicit {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    for p in &paths {
        if !p.exists() {
            return Err(fail(
                Code::Usage,
                format!("{}: no such file or directory", p.display()),
            ));
        }
    }

    let (tx, rx) = mpsc::channel::<Finding>();
    let ndjson = args.ndjson && !args.unique;
    let printer = std::thread::spawn(move || -> Vec<Finding> {
        let mut collected = Vec::new();
        let mut out = std::io::stdout().lock();
        for f in rx {
            if ndjson {
                if writeln!(out, "{}", serde_json::to_string(&f).unwrap_or_default()).is_err() {
                    // A closed pipe: keep draining quietly.
                }
            } else {
                collected.push(f);
            }
        }
        collected
    });

    files_pipeline(&paths, implicit, args.hidden, args.no_ignore, &report, &tx);

    // 4. The Docker engine and the Kubernetes API.
    for f in live_inventory(&args.live)? {
        let _ = tx.send(f);
    }
    drop(tx);
    let mut findings = printer.join().unwrap_or_default();
    if !ndjson {
        findings.sort_by(|a, b| a.source.cmp(&b.source).then(a.raw.cmp(&b.raw)));
        print(&findings, &args)?;
    }
    let errors = report.errors.load(Ordering::Relaxed);
    if errors > 0 && args.strict {
        return Ok(Code::DataErr);
    }
    Ok(Code::Ok)
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

fn print(findings: &[Finding], args: &ScanArgs) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let result = if args.unique {
        let mut groups: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
        for f in findings {
            groups
                .entry(f.image.clone().unwrap_or_else(|| f.raw.clone()))
                .or_default()
                .push(f);
        }
        if args.json || args.ndjson {
            let items: Vec<serde_json::Value> = groups
                .iter()
                .map(|(image, fs)| {
                    serde_json::json!({
                        "image": image,
                        "count": fs.len(),
                        "sources": fs.iter().map(|f| serde_json::json!({"kind": f.kind, "source": f.source})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            if args.ndjson {
                items.iter().try_for_each(|i| writeln!(out, "{i}"))
            } else {
                writeln!(out, "{}", serde_json::to_string_pretty(&items)?)
            }
        } else {
            let width = groups.keys().map(String::len).max().unwrap_or(5).max(5);
            writeln!(out, "{:<width$}  COUNT  SOURCES", "IMAGE").and_then(|_| {
                groups.iter().try_for_each(|(image, fs)| {
                    let srcs: Vec<String> = fs.iter().map(|f| f.source.describe()).collect();
                    writeln!(out, "{image:<width$}  {:>5}  {}", fs.len(), srcs.join(", "))
                })
            })
        }
    } else if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(findings)?)
    } else {
        let img = |f: &Finding| {
            f.image
                .clone()
                .unwrap_or_else(|| format!("{} (unresolved)", f.raw))
        };
        let width = findings
            .iter()
            .map(|f| img(f).len())
            .max()
            .unwrap_or(5)
            .max(5);
        writeln!(out, "{:<width$}  {:<10}  SOURCE", "IMAGE", "KIND").and_then(|_| {
            findings.iter().try_for_each(|f| {
                writeln!(
                    out,
                    "{:<width$}  {:<10}  {}",
                    img(f),
                    f.kind,
                    f.source.describe()
                )
            })
        })
    };
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(Into::into),
    }
}

/// Walks `paths`, reports kustomizations, then parses every other manifest
/// on all cores, sending findings to `tx` as they come.
fn files_pipeline(
    paths: &[PathBuf],
    implicit: bool,
    hidden: bool,
    no_ignore: bool,
    report: &Report,
    tx: &mpsc::Sender<Finding>,
) {
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

/// The images running in Docker and/or Kubernetes, as `live` asks.
pub(crate) fn live_inventory(live: &LiveArgs) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    if live.docker {
        out.extend(docker::scan(live.docker_host.as_deref(), live.all)?);
    }
    if live.kube {
        out.extend(kube::scan(&kube::Options {
            kubeconfig: live.kubeconfig.as_deref(),
            context: live.context.as_deref(),
            namespace: live.namespace.as_deref(),
            all_namespaces: live.all_namespaces,
        })?);
    }
    Ok(out)
}

/// The images in manifest files under `paths` (for `vext check`).
pub(crate) fn inventory(paths: &[PathBuf]) -> Vec<Finding> {
    let report = Report::new(false, false);
    let (tx, rx) = mpsc::channel();
    files_pipeline(paths, false, false, false, &report, &tx);
    drop(tx);
    rx.into_iter().collect()
}
