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
    // Each distinct image once; a known running digest is kept.
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
    let wanted = inputs(&args)?;
    let registry = Registry::new(args.insecure_registry.clone());
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
    print(&results, args.json)?;

    let failed: Vec<&Outcome> = results.iter().filter(|o| o.error.is_some()).collect();
    if !failed.is_empty() && failed.len() == results.len() {
        let kinds: Vec<ErrorKind> = failed.iter().filter_map(|o| o.error_kind).collect();
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
