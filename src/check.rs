//! `vext check`: for each image, the newer versions its registry offers,
//! classified (patch, minor, major, digest) and decided by the policy
//! (approve, hold, ignore). Table for people, `--json` for programs, and an
//! exit status for cron.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::Result;
use serde::Serialize;

use crate::cli::CheckArgs;
use crate::exit::{fail, Code};
use crate::image::ImageRef;
use crate::policy::{Effective, Policy, PolicySection};
use crate::registry::{ErrorKind, Registry, RegistryError};
use crate::version::{version_of, Change, Version};
use crate::Context;

/// One line of `--json` (field names are a stable interface).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Outcome {
    pub(crate) image: String,
    pub(crate) current: Option<String>,
    /// The newest tag the policy approves, as the registry spells it.
    pub(crate) latest: Option<String>,
    /// The newest tag of the same variant and shape, regardless of policy.
    pub(crate) newest: Option<String>,
    /// none, patch, minor, major, digest.
    pub(crate) change: &'static str,
    /// approve, hold, ignore, none.
    pub(crate) decision: &'static str,
    pub(crate) error: Option<String>,
    #[serde(skip)]
    error_kind: Option<ErrorKind>,
}

/// An image to check, with the digest running where known.
#[derive(Debug, Clone)]
struct Wanted {
    image: ImageRef,
    running: Option<String>,
}

fn inputs(args: &CheckArgs) -> Result<Vec<Wanted>> {
    let mut raw: Vec<(String, Option<String>)> = Vec::new();
    let mut paths: Vec<PathBuf> = Vec::new();
    for a in &args.inputs {
        if std::path::Path::new(a).exists() {
            paths.push(PathBuf::from(a));
        } else {
            raw.push((a.clone(), None));
        }
    }
    if !paths.is_empty() {
        for f in crate::scan::inventory(&paths) {
            if let Some(i) = f.image {
                raw.push((i, f.digest));
            }
        }
    }
    if let Some(from) = &args.from {
        let text = if from == "-" {
            let mut s = String::new();
            std::io::stdin().take(256 << 20).read_to_string(&mut s)?;
            s
        } else {
            std::fs::read_to_string(from)
                .map_err(|e| fail(Code::DataErr, format!("reading {from}: {e}")))?
        };
        let values: Vec<serde_json::Value> = match serde_json::from_str::<serde_json::Value>(&text)
        {
            Ok(serde_json::Value::Array(a)) => a,
            Ok(v) => vec![v],
            Err(_) => text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .enumerate()
                .map(|(n, l)| {
                    serde_json::from_str(l).map_err(|e| {
                        fail(
                            Code::DataErr,
                            format!("{from}: line {}: not JSON: {e}", n + 1),
                        )
                    })
                })
                .collect::<Result<_>>()?,
        };
        for v in values {
            if let Some(i) = v["image"].as_str() {
                raw.push((i.to_string(), v["digest"].as_str().map(String::from)));
            }
        }
    }
    if raw.is_empty() {
        return Err(fail(
            Code::Usage,
            "nothing to check: give images, paths, or --from FILE (vext scan --json output)",
        ));
    }
    dedupe(raw)
}

/// Each distinct image once; a known running digest is kept.
fn dedupe(raw: Vec<(String, Option<String>)>) -> Result<Vec<Wanted>> {
    let mut by_image: BTreeMap<String, Wanted> = BTreeMap::new();
    for (r, digest) in raw {
        let image =
            ImageRef::parse(&r).map_err(|e| fail(Code::Usage, format!("bad image {r:?}: {e}")))?;
        let e = by_image.entry(image.to_string()).or_insert(Wanted {
            image,
            running: None,
        });
        if e.running.is_none() {
            e.running = digest;
        }
    }
    Ok(by_image.into_values().collect())
}

fn check_one(
    w: &Wanted,
    policy: &Effective,
    registry: &Registry,
    tags_cache: &Mutex<HashMap<String, Result<Vec<String>, RegistryError>>>,
) -> Outcome {
    let mut out = Outcome {
        image: w.image.to_string(),
        current: w.image.tag.clone(),
        latest: None,
        newest: None,
        change: "none",
        decision: "none",
        error: None,
        error_kind: None,
    };
    if policy.ignore {
        out.decision = "ignore";
        return out;
    }
    let Some(tag) = w.image.tag.clone() else {
        // Pinned by digest only: nothing to compare a tag against.
        return out;
    };
    let fail_with = |mut out: Outcome, e: RegistryError| {
        out.error = Some(e.message);
        out.error_kind = Some(e.kind);
        out
    };
    let name = w.image.name();
    let tags = {
        let cached = tags_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&name)
            .cloned();
        match cached {
            Some(t) => t,
            None => {
                let t = registry.tags(&w.image);
                tags_cache
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(name.clone(), t.clone());
                t
            }
        }
    };
    let tags = match tags {
        Ok(t) => t,
        Err(e) => return fail_with(out, e),
    };
    match version_of(&tag) {
        Some(current) => {
            let eligible = |v: &Version| {
                current.compatible(v)
                    && *v > current
                    && (!v.is_prerelease() || current.is_prerelease() || policy.prerelease)
            };
            let mut newest: Option<(Version, &String)> = None;
            let mut latest: Option<(Version, &String)> = None;
            for t in &tags {
                let Some(v) = version_of(t) else { continue };
                if !eligible(&v) {
                    continue;
                }
                if newest.as_ref().is_none_or(|(n, _)| v > *n) {
                    newest = Some((v.clone(), t));
                }
                if policy.allow != Change::None
                    && current.change_to(&v) <= policy.allow
                    && policy.admits(t, &v)
                    && latest.as_ref().is_none_or(|(l, _)| v > *l)
                {
                    latest = Some((v, t));
                }
            }
            if let Some((n, t)) = &newest {
                out.newest = Some((*t).clone());
                out.change = current.change_to(n).as_str();
            }
            out.latest = latest.map(|(_, t)| t.clone());
            out.decision = if out.latest.is_some() {
                "approve"
            } else if out.newest.is_some() {
                "hold"
            } else {
                "none"
            };
        }
        None => {
            // latest, stable, ...: compare digests with what runs.
            let Some(running) = &w.running else {
                return out;
            };
            match registry.digest(&w.image, &tag) {
                Ok(Some(d)) if &d != running => {
                    out.change = "digest";
                    out.newest = Some(tag.clone());
                    if policy.approve_digest {
                        out.latest = Some(tag.clone());
                        out.decision = "approve";
                    } else {
                        out.decision = "hold";
                    }
                }
                Ok(_) => {}
                Err(e) => return fail_with(out, e),
            }
        }
    }
    out
}

pub(crate) fn run(args: CheckArgs, ctx: &Context) -> Result<Code> {
    let section: Option<PolicySection> = match &args.policy {
        Some(path) => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct File {
                policy: PolicySection,
            }
            let text = std::fs::read_to_string(path)
                .map_err(|e| fail(Code::Config, format!("reading {}: {e}", path.display())))?;
            let f: File = toml::from_str(&text)
                .map_err(|e| fail(Code::Config, format!("{}: {e}", path.display())))?;
            Some(f.policy)
        }
        None => ctx.config.policy.clone(),
    };
    let policy = Policy::from_section(section.as_ref()).map_err(|e| fail(Code::Config, e))?;
    // Notification targets are checked before any registry is asked.
    let mut notify = Vec::new();
    for t in &args.notify {
        let url = ctx
            .config
            .expand_target(t)
            .map_err(|e| fail(Code::Usage, format!("--notify {t}: {e}")))?;
        let target = crate::target::Target::parse(&url).map_err(|e| {
            fail(
                Code::Usage,
                format!("--notify {}: {e}", crate::config::redact_url(&url)),
            )
        })?;
        notify.push((url, ctx.config.configure(target)));
    }
    let started = std::time::Instant::now();
    let wanted = inputs(&args)?;
    let mut results = evaluate(&wanted, &policy, args.insecure_registry.clone());
    let all_failed = !results.is_empty() && results.iter().all(|o| o.error.is_some());
    let failure_kinds: Vec<ErrorKind> = results.iter().filter_map(|o| o.error_kind).collect();
    if let Some(path) = &args.metrics_file {
        write_metrics(path, &results, started.elapsed().as_secs_f64())?;
    }
    // Remember what was reported; with --only-new, keep only what changed.
    if args.only_new || !notify.is_empty() {
        let dir = crate::spool::state_dir(
            args.state_dir
                .as_deref()
                .or(ctx.config.daemon.state_dir.as_deref()),
        )?;
        std::fs::create_dir_all(&dir).map_err(|e| {
            fail(
                Code::Unavailable,
                format!("creating {}: {e}", dir.display()),
            )
        })?;
        results = remember(&dir, results, args.only_new)?;
    }
    print(&results, args.json)?;
    if !notify.is_empty() {
        send_summary(&results, &notify, args.via.as_deref())?;
    }

    if all_failed {
        let kinds = failure_kinds;
        return Ok(if kinds.iter().all(|k| *k == ErrorKind::Auth) {
            Code::NoPerm
        } else if kinds.iter().all(|k| *k == ErrorKind::Temporary) {
            Code::TempFail
        } else {
            Code::Unavailable
        });
    }
    if args.exit_code && results.iter().any(|o| o.decision == "approve") {
        return Ok(Code::No);
    }
    Ok(Code::Ok)
}

/// Checks every image on a small worker pool (one registry client, tags
/// fetched once per repository); results sorted by image.
fn evaluate(wanted: &[Wanted], policy: &Policy, insecure: Vec<String>) -> Vec<Outcome> {
    let registry = Registry::new(insecure);
    let tags_cache = Mutex::new(HashMap::new());
    let results: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    let workers = 8.min(wanted.len()).max(1);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(w) = wanted.get(i) else { break };
                let o = check_one(w, policy.for_image(&w.image.name()), &registry, &tags_cache);
                results.lock().unwrap_or_else(|p| p.into_inner()).push(o);
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by(|a, b| a.image.cmp(&b.image));
    log::info!(
        "{} registry requests for {} images",
        registry.requests.load(Ordering::Relaxed),
        results.len()
    );
    results
}

/// Records the results in the state dir; with `only_new`, keeps only those
/// whose newest version (or digest) changed since the last run.
fn remember(dir: &std::path::Path, results: Vec<Outcome>, only_new: bool) -> Result<Vec<Outcome>> {
    let conn = crate::spool::open(dir)?;
    let mut kept = Vec::new();
    for o in results {
        let before = crate::spool::check_seen(&conn, &o.image)?;
        let now = (o.newest.clone(), o.change.to_string());
        if o.error.is_none() {
            crate::spool::check_record(&conn, &o.image, o.newest.as_deref(), o.change)?;
        }
        if !only_new || (o.error.is_none() && o.newest.is_some() && before.as_ref() != Some(&now)) {
            kept.push(o);
        }
    }
    Ok(kept)
}

/// What a scheduled check in the daemon looks at, from `[check]`.
pub(crate) struct Scheduled {
    pub(crate) images: Vec<String>,
    pub(crate) paths: Vec<PathBuf>,
    pub(crate) insecure_registry: Vec<String>,
    pub(crate) policy: Option<PolicySection>,
}

/// One scheduled run: the summary of what is new since the last run, if anything.
pub(crate) fn scheduled(
    job: &Scheduled,
    state_dir: &std::path::Path,
) -> Result<Option<(String, crate::webhook::NoticeType)>> {
    let policy = Policy::from_section(job.policy.as_ref()).map_err(|e| fail(Code::Config, e))?;
    let mut raw: Vec<(String, Option<String>)> =
        job.images.iter().map(|i| (i.clone(), None)).collect();
    for f in crate::scan::inventory(&job.paths) {
        if let Some(i) = f.image {
            raw.push((i, f.digest));
        }
    }
    let wanted = dedupe(raw)?;
    let results = remember(
        state_dir,
        evaluate(&wanted, &policy, job.insecure_registry.clone()),
        true,
    )?;
    Ok(summary(&results))
}

/// The text of a summary notification, or None when nothing needs updating.
fn summary(results: &[Outcome]) -> Option<(String, crate::webhook::NoticeType)> {
    let news: Vec<&Outcome> = results
        .iter()
        .filter(|o| o.decision == "approve" || o.decision == "hold")
        .collect();
    if news.is_empty() {
        return None;
    }
    let approved = news.iter().filter(|o| o.decision == "approve").count();
    let mut text = format!(
        "{} image update{}: {approved} approved, {} held",
        news.len(),
        if news.len() == 1 { "" } else { "s" },
        news.len() - approved
    );
    for o in &news {
        let to = o.latest.as_deref().or(o.newest.as_deref()).unwrap_or("?");
        text.push_str(&format!(
            "\n{} -> {to} ({}, {})",
            o.image, o.change, o.decision
        ));
    }
    let kind = if approved < news.len() {
        crate::webhook::NoticeType::Warning
    } else {
        crate::webhook::NoticeType::Info
    };
    Some((text, kind))
}

/// One notification listing what needs updating; nothing when nothing does.
fn send_summary(
    results: &[Outcome],
    targets: &[(String, crate::target::Target)],
    via: Option<&str>,
) -> Result<()> {
    let Some((text, kind)) = summary(results) else {
        return Ok(());
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let code = match via {
        Some(addr) => {
            let request = crate::protocol::Request {
                to: targets.iter().map(|(u, _)| u.clone()).collect(),
                privmsg: text,
                id: Some(crate::protocol::new_id()),
                ack: true,
                title: Some("vext check".into()),
                kind: Some(kind),
                format: None,
                msgtype: None,
            };
            crate::client::send(addr, &request, None, deadline)?
        }
        None => {
            let list: Vec<crate::target::Target> = targets.iter().map(|(_, t)| t.clone()).collect();
            let notice = crate::webhook::Notice {
                text,
                title: Some("vext check".into()),
                kind: Some(kind),
                ..Default::default()
            };
            crate::relay::send_now(&list, &notice, None, None, deadline, 30.0)?
        }
    };
    if code != Code::Ok {
        return Err(fail(code, "the --notify summary could not be delivered"));
    }
    Ok(())
}

/// Prometheus textfile for node_exporter, written to a temp file and renamed.
fn write_metrics(path: &std::path::Path, results: &[Outcome], seconds: f64) -> Result<()> {
    let mut t = String::new();
    let count = |c: &str| {
        results
            .iter()
            .filter(|o| o.change == c && o.error.is_none())
            .count()
    };
    t.push_str(&format!("# HELP vext_check_images_total Images checked.\n# TYPE vext_check_images_total gauge\nvext_check_images_total {}\n", results.len()));
    t.push_str("# HELP vext_check_updates Images with a newer version, by kind of change.\n# TYPE vext_check_updates gauge\n");
    for c in ["patch", "minor", "major", "digest"] {
        t.push_str(&format!(
            "vext_check_updates{{change=\"{c}\"}} {}\n",
            count(c)
        ));
    }
    t.push_str(&format!(
        "# HELP vext_check_errors_total Images that could not be checked.\n# TYPE vext_check_errors_total gauge\nvext_check_errors_total {}\n",
        results.iter().filter(|o| o.error.is_some()).count()
    ));
    t.push_str(&format!("# HELP vext_check_duration_seconds Duration of the last check.\n# TYPE vext_check_duration_seconds gauge\nvext_check_duration_seconds {seconds:.3}\n"));
    t.push_str(&format!(
        "# HELP vext_check_last_run_timestamp_seconds When the last check ran.\n# TYPE vext_check_last_run_timestamp_seconds gauge\nvext_check_last_run_timestamp_seconds {}\n",
        crate::spool::now_ms() / 1000
    ));
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, t)
        .map_err(|e| fail(Code::Unavailable, format!("writing {}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        fail(
            Code::Unavailable,
            format!("replacing {}: {e}", path.display()),
        )
    })?;
    Ok(())
}

fn print(results: &[Outcome], json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let r = if json {
        writeln!(out, "{}", serde_json::to_string_pretty(results)?)
    } else {
        let w = results
            .iter()
            .map(|o| o.image.len())
            .max()
            .unwrap_or(5)
            .max(5);
        let dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
        writeln!(
            out,
            "{:<w$}  {:<16}  {:<16}  {:<16}  {:<6}  DECISION",
            "IMAGE", "CURRENT", "NEWEST", "APPROVED", "CHANGE"
        )
        .and_then(|_| {
            results.iter().try_for_each(|o| {
                let decision = match &o.error {
                    Some(e) => format!("error: {e}"),
                    None => o.decision.to_string(),
                };
                writeln!(
                    out,
                    "{:<w$}  {:<16}  {:<16}  {:<16}  {:<6}  {decision}",
                    o.image,
                    dash(&o.current),
                    dash(&o.newest),
                    dash(&o.latest),
                    o.change
                )
            })
        })
    };
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(Into::into),
    }
}
