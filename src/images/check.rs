//! Finding updates: for each image, the newer versions its registry offers,
//! classified (patch, minor, major, digest) and decided by the policy
//! (approve, hold, ignore). `vext check` and the daemon's scheduled checks
//! both use it.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Result;
use serde::Serialize;

use crate::exit::{fail, Code};
use crate::images::policy::{Decision, Effective, Policy, PolicySection, UpdateKind, Verdict};
use crate::images::reference::ImageRef;
use crate::images::registry::{ErrorKind, Registry, RegistryError};
use crate::images::version::version_of;

/// One line of `--json` (field names are a stable interface).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Outcome {
    pub(crate) image: String,
    pub(crate) current: Option<String>,
    /// The newest tag the policy approves, as the registry spells it.
    pub(crate) latest: Option<String>,
    /// The newest tag of the same variant and shape, regardless of policy.
    pub(crate) newest: Option<String>,
    /// current -> newest: none, patch, minor, major, digest.
    pub(crate) change: UpdateKind,
    /// current -> latest, the approved update's own kind.
    pub(crate) approved_change: UpdateKind,
    /// approve, hold, ignore, none.
    pub(crate) decision: Decision,
    pub(crate) error: Option<String>,
    /// For a non-version tag (`latest`): the digest the registry has for it now.
    pub(crate) digest: Option<String>,
    /// Why the newest approved version waits (the policy's min_age), if it does.
    pub(crate) waiting: Option<String>,
    #[serde(skip)]
    pub(crate) error_kind: Option<ErrorKind>,
    /// Every approved tag, newest first (the policy's verdict).
    #[serde(skip)]
    pub(crate) approved: Vec<String>,
}

/// An image to check, with the digest running where known, and the
/// registry's digest for its tag when last checked.
#[derive(Debug, Clone)]
pub(crate) struct Wanted {
    image: ImageRef,
    running: Option<String>,
    seen: Option<String>,
}

/// Each distinct image once; a known running digest is kept.
pub(crate) fn dedupe(raw: Vec<(String, Option<String>)>) -> Result<Vec<Wanted>> {
    let mut by_image: BTreeMap<String, Wanted> = BTreeMap::new();
    for (r, digest) in raw {
        let image =
            ImageRef::parse(&r).map_err(|e| fail(Code::Usage, format!("bad image {r:?}: {e}")))?;
        let e = by_image.entry(image.to_string()).or_insert(Wanted {
            image,
            running: None,
            seen: None,
        });
        if e.running.is_none() {
            e.running = digest;
        }
    }
    Ok(by_image.into_values().collect())
}

/// Each repository's tags, fetched once per run.
type TagsCache = Mutex<HashMap<String, Arc<OnceLock<Result<Vec<String>, RegistryError>>>>>;

/// An image's outcome before anything is known.
fn blank(w: &Wanted) -> Outcome {
    Outcome {
        image: w.image.to_string(),
        current: w.image.tag.clone(),
        latest: None,
        newest: None,
        change: UpdateKind::None,
        approved_change: UpdateKind::None,
        decision: Decision::None,
        error: None,
        digest: None,
        waiting: None,
        error_kind: None,
        approved: Vec::new(),
    }
}

fn check_one(
    w: &Wanted,
    policy: &Effective,
    registry: &Registry,
    tags_cache: &TagsCache,
) -> Outcome {
    let mut out = blank(w);
    if policy.ignore {
        out.decision = Decision::Ignore;
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
    // One fetch per repository, even when two of its tags are checked at
    // once: the second waits for the first's answer.
    let once = tags_cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(name)
        .or_default()
        .clone();
    let tags = once.get_or_init(|| registry.tags(&w.image)).clone();
    let tags = match tags {
        Ok(t) => t,
        Err(e) => return fail_with(out, e),
    };
    let apply = |out: &mut Outcome, v: Verdict| {
        out.newest = v.newest;
        out.latest = v.latest;
        out.change = v.change;
        out.approved_change = v.approved_change;
        out.decision = v.decision;
        out.approved = v.approved;
    };
    // A tag the registry does not list cannot be pulled: most likely a
    // typo, or a version the registry has deleted. Say so; the newer
    // versions are still worked out.
    let missing = || RegistryError {
        kind: ErrorKind::Other,
        message: format!(
            "tag {tag} is not in the registry ({} has {} other tags)",
            w.image.name(),
            tags.len()
        ),
    };
    match version_of(&tag) {
        Some(current) => {
            apply(&mut out, policy.decide(&current, &tags));
            if !tags.contains(&tag) {
                return fail_with(out, missing());
            }
        }
        None => {
            // latest, stable, ...: compare the registry's digest with the one
            // running, else with the one seen last time.
            let d = match registry.digest(&w.image, &tag) {
                Ok(Some(d)) => d,
                // Not there, or there without a digest header to compare.
                Ok(None) if !tags.contains(&tag) => return fail_with(out, missing()),
                Ok(None) => return out,
                Err(e) => return fail_with(out, e),
            };
            let before = w.running.as_ref().or(w.seen.as_ref());
            if before.is_some_and(|b| *b != d) {
                apply(&mut out, policy.decide_digest(&tag));
            }
            out.digest = Some(d);
        }
    }
    out
}

/// Checks every image on a small worker pool (one registry client, tags
/// fetched once per repository); results sorted by image. With a `limit`,
/// the run ends then: images not checked by that time are failures that
/// say so (a blackholed registry costs the limit, not each request's
/// timeout in turn).
pub(crate) fn evaluate(
    wanted: &[Wanted],
    policy: &Policy,
    insecure: Vec<String>,
    extra_ca: Option<Vec<u8>>,
    progress: bool,
    limit: Option<std::time::Duration>,
) -> Vec<Outcome> {
    let until = limit.map(|d| std::time::Instant::now() + d);
    let work: Arc<Vec<(Wanted, Effective)>> = Arc::new(
        wanted
            .iter()
            .map(|w| (w.clone(), policy.for_image(&w.image.name()).clone()))
            .collect(),
    );
    let registry = Arc::new(Registry::new(insecure, extra_ca));
    let tags_cache: Arc<TagsCache> = Arc::new(Mutex::new(HashMap::new()));
    let next = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = std::sync::mpsc::channel();
    for _ in 0..8.min(wanted.len()).max(1) {
        let (work, registry, tags_cache, next, tx) = (
            work.clone(),
            registry.clone(),
            tags_cache.clone(),
            next.clone(),
            tx.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("check".into())
            .spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((w, effective)) = work.get(i) else {
                    break;
                };
                let o = check_one(w, effective, &registry, &tags_cache);
                if tx.send((i, o)).is_err() {
                    break;
                }
            });
        if let Err(e) = spawned {
            log::warn!("cannot start a check thread: {e}");
        }
    }
    drop(tx);
    let mut slots: Vec<Option<Outcome>> = vec![None; wanted.len()];
    let mut done = 0;
    while done < wanted.len() {
        let got = match until {
            Some(u) => rx
                .recv_timeout(u.saturating_duration_since(std::time::Instant::now()))
                .ok(),
            None => rx.recv().ok(),
        };
        let Some((i, o)) = got else { break };
        slots[i] = Some(o);
        done += 1;
        if progress {
            eprint!("\r{}", progress_bar(done, wanted.len()));
        }
    }
    if progress {
        eprint!("\r\x1b[K");
    }
    let mut results: Vec<Outcome> = slots
        .into_iter()
        .zip(wanted)
        .map(|(o, w)| {
            o.unwrap_or_else(|| {
                let mut late = blank(w);
                late.error = Some(format!(
                    "not checked within the time limit ({}, --timeout)",
                    humantime::format_duration(limit.unwrap_or_default())
                ));
                late.error_kind = Some(ErrorKind::Temporary);
                late
            })
        })
        .collect();
    results.sort_by(|a, b| a.image.cmp(&b.image));
    log::info!(
        "{} registry requests for {} images",
        registry.requests.load(Ordering::Relaxed),
        results.len()
    );
    results
}

/// The policy's release age: an approved version is taken only once it has
/// been known for `min_age` (from the time this state dir first saw it in
/// its registry; `now` in ms); until then the newest approved version old
/// enough is, or the update is held, saying what it waits for. Without a
/// state dir nothing can be shown old enough: such updates are held.
pub(crate) fn age_gate(
    conn: Option<&rusqlite::Connection>,
    registry: Option<&Registry>,
    results: &mut [Outcome],
    policy: &Policy,
    now: i64,
) -> Result<()> {
    for o in results.iter_mut() {
        let Ok(image) = ImageRef::parse(&o.image) else {
            continue;
        };
        let name = image.name();
        let Some(min_age) = policy.for_image(&name).min_age else {
            continue;
        };
        if o.decision != Decision::Approve || o.approved.is_empty() {
            continue;
        }
        let newest = o.approved[0].clone();
        let mut chosen = None;
        let mut newest_age = None;
        for tag in &o.approved {
            let seen_age = match conn {
                Some(c) => {
                    let seen = crate::state::checks::first_seen(c, &name, tag, now)?;
                    std::time::Duration::from_millis(now.saturating_sub(seen).max(0) as u64)
                }
                None => std::time::Duration::ZERO,
            };
            // Younger than min_age by vext's own memory: the registry may
            // know when the tag was pushed (its own record), else the image
            // may say it was made earlier (the publisher's word); asked
            // only then.
            let mut age = (seen_age, "first seen");
            if let (None, true, Some(r)) = (&chosen, seen_age < min_age, registry) {
                let older = match r.hub_pushed(&image, tag) {
                    Some(t) => Some((since(t, now), "pushed (Docker Hub says)")),
                    None => {
                        created_age(r, &image, tag, now).map(|a| (a, "created (the image says)"))
                    }
                };
                if let Some(older) = older.filter(|o| o.0 > seen_age) {
                    age = older;
                }
            }
            newest_age.get_or_insert(age);
            // Every tag's first sight is recorded; the first old enough wins.
            if chosen.is_none() && age.0 >= min_age {
                chosen = Some(tag.clone());
            }
        }
        let rounded = |d: std::time::Duration| {
            humantime::format_duration(std::time::Duration::from_secs(d.as_secs())).to_string()
        };
        let (age, how) = newest_age.unwrap_or((std::time::Duration::ZERO, "first seen"));
        if chosen.as_deref() != Some(newest.as_str()) {
            o.waiting = Some(match conn {
                Some(_) => format!(
                    "{newest} {how} {} ago, waits until {} old",
                    rounded(age),
                    rounded(min_age)
                ),
                None => format!(
                    "{newest}: no state dir to tell its age (min_age {})",
                    rounded(min_age)
                ),
            });
        }
        match chosen {
            Some(tag) => {
                if let (Some(cur), Some(v)) =
                    (o.current.as_deref().and_then(version_of), version_of(&tag))
                {
                    o.approved_change = cur.change_to(&v).into();
                }
                o.latest = Some(tag);
            }
            None => {
                o.latest = None;
                o.approved_change = UpdateKind::None;
                o.decision = Decision::Hold;
            }
        }
    }
    Ok(())
}

/// How long ago the image behind `tag` says it was created, when it says
/// so plausibly; a registry that cannot tell is no age at all.
fn created_age(
    registry: &Registry,
    image: &ImageRef,
    tag: &str,
    now: i64,
) -> Option<std::time::Duration> {
    let published = match registry.published(image, tag) {
        Ok(p) => p,
        Err(e) => {
            log::debug!("{}:{tag}: no publication time: {}", image.name(), e.message);
            return None;
        }
    };
    Some(since(published.created?, now))
}

/// How long before `now` (ms) the time `t` was.
fn since(t: jiff::Timestamp, now: i64) -> std::time::Duration {
    std::time::Duration::from_millis(now.saturating_sub(t.as_millisecond()).max(0) as u64)
}

/// `checking [#########           ] 12/40 images`, for a terminal.
fn progress_bar(done: usize, total: usize) -> String {
    const WIDTH: usize = 30;
    let filled = (done * WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH)
        .min(WIDTH);
    format!(
        "checking [{}{}] {done}/{total} images",
        "#".repeat(filled),
        " ".repeat(WIDTH - filled)
    )
}

/// Fills in, from the state dir, the digest each non-version tag had when
/// last checked — or, for `--only-new` (`reporting`), when last reported,
/// so that a plain run in between does not use the news up.
pub(crate) fn recall(
    conn: &rusqlite::Connection,
    wanted: &mut [Wanted],
    reporting: bool,
) -> Result<()> {
    use crate::state::checks::{check_seen, reported};
    for w in wanted.iter_mut() {
        let versioned = w.image.tag.as_deref().and_then(version_of).is_some();
        if !versioned && w.running.is_none() {
            let image = w.image.to_string();
            let last_report = match reporting {
                true => reported(conn, &image)?.and_then(|r| r.digest),
                false => None,
            };
            w.seen = match last_report {
                Some(d) => Some(d),
                None => check_seen(conn, &image)?.and_then(|s| s.digest),
            };
        }
    }
    Ok(())
}

/// What to record as reported (with `only_new`) once the outcomes shown
/// reached their reader (`Remembered::reported`).
pub(crate) struct Remembered {
    pending: Vec<(String, crate::state::checks::Reported)>,
}

impl Remembered {
    /// The report reached its reader: its news are used up.
    pub(crate) fn reported(&self, conn: &rusqlite::Connection) -> Result<()> {
        let tx = conn.unchecked_transaction()?;
        for (image, r) in &self.pending {
            crate::state::checks::record_reported(&tx, image, r)?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// Records what each image looks like now in the state dir; with
/// `only_new`, keeps only what is new since the last delivered report:
/// another newest or approved version, another kind of change, another
/// digest behind a tag — approved and held alike. The outcomes to show,
/// and what to record once they are shown.
pub(crate) fn remember(
    conn: &rusqlite::Connection,
    results: Vec<Outcome>,
    only_new: bool,
) -> Result<(Vec<Outcome>, Remembered)> {
    let tx = conn.unchecked_transaction()?;
    let mut kept = Vec::new();
    let mut pending = Vec::new();
    for o in results {
        let last_report = crate::state::checks::reported(&tx, &o.image)?;
        let now = crate::state::checks::CheckSeen {
            newest: o.newest.clone(),
            change: o.change.as_str().to_string(),
            digest: o.digest.clone(),
        };
        if o.error.is_none() {
            crate::state::checks::check_record(&tx, &o.image, &now)?;
        }
        if !only_new {
            kept.push(o);
            continue;
        }
        let report = crate::state::checks::Reported {
            newest: o.newest.clone(),
            latest: o.latest.clone(),
            change: now.change.clone(),
            digest: o.digest.clone(),
        };
        // Something to update, and not what the reader was last told. A
        // digest tag reported as moved and then compared with that report
        // is back to no change: that is not news.
        let news = o.error.is_none()
            && o.newest.is_some()
            && o.change != UpdateKind::None
            && last_report.is_none_or(|r| {
                r.newest != report.newest
                    || r.latest != report.latest
                    || r.change != report.change
                    || (o.change == UpdateKind::Digest && r.digest != report.digest)
            });
        // Every image checked is part of the report, news or not: its state
        // (a tag's digest above all) is what the reader has now been told.
        if o.error.is_none() {
            pending.push((o.image.clone(), report));
        }
        // A failure is no news but a state the reader must hear of, each run.
        if news || o.error.is_some() {
            kept.push(o);
        }
    }
    // Images not checked for a long time are forgotten: the table stays
    // the size of what is in use.
    tx.execute(
        "DELETE FROM check_state WHERE checked_at < ?1",
        [crate::state::db::now_ms() - FORGET_AFTER_MS],
    )?;
    tx.commit()?;
    Ok((kept, Remembered { pending }))
}

/// What `remember` keeps of an image no run has checked: 90 days.
const FORGET_AFTER_MS: i64 = 90 * 24 * 3600 * 1000;

/// What a scheduled check in the daemon looks at, from `[check]`.
pub(crate) struct Scheduled {
    /// PEM of CA certificates trusted besides the public roots (`--ca-file`).
    pub(crate) extra_ca: Option<Vec<u8>>,
    pub(crate) images: Vec<String>,
    pub(crate) paths: Vec<PathBuf>,
    pub(crate) insecure_registry: Vec<String>,
    pub(crate) policy: Option<PolicySection>,
}

/// What a scheduled run found new: the summary to send, and the record
/// to make once the daemon has accepted it (`Remembered::reported`).
pub(crate) struct ScheduledReport {
    pub(crate) text: String,
    pub(crate) kind: crate::notify::notice::NoticeType,
    pub(crate) remembered: Remembered,
    pub(crate) conn: rusqlite::Connection,
}

/// One scheduled run: the summary of what is new since the last report
/// that was accepted for delivery, if anything.
pub(crate) fn scheduled(
    job: &Scheduled,
    state_dir: &std::path::Path,
) -> Result<Option<ScheduledReport>> {
    let policy = Policy::from_section(job.policy.as_ref()).map_err(|e| fail(Code::Config, e))?;
    let mut raw: Vec<(String, Option<String>)> =
        job.images.iter().map(|i| (i.clone(), None)).collect();
    for f in crate::images::scan::inventory(&job.paths) {
        if let Some(i) = f.image {
            raw.push((i, f.digest));
        }
    }
    let mut wanted = dedupe(raw)?;
    let conn = crate::state::db::open(state_dir)?;
    recall(&conn, &mut wanted, true)?;
    let (kept, remembered) = remember(
        &conn,
        evaluate(
            &wanted,
            &policy,
            job.insecure_registry.clone(),
            job.extra_ca.clone(),
            false,
            None,
        ),
        true,
    )?;
    Ok(summary(&kept).map(|(text, kind)| ScheduledReport {
        text,
        kind,
        remembered,
        conn,
    }))
}

/// The text of a summary notification, or None when nothing needs updating.
pub(crate) fn summary(results: &[Outcome]) -> Option<(String, crate::notify::notice::NoticeType)> {
    let news: Vec<&Outcome> = results
        .iter()
        .filter(|o| o.error.is_none() && matches!(o.decision, Decision::Approve | Decision::Hold))
        .collect();
    let failed: Vec<&Outcome> = results.iter().filter(|o| o.error.is_some()).collect();
    if news.is_empty() && failed.is_empty() {
        return None;
    }
    let approved = news
        .iter()
        .filter(|o| o.decision == Decision::Approve)
        .count();
    let mut text = format!(
        "{} image update{}: {approved} approved, {} held",
        news.len(),
        if news.len() == 1 { "" } else { "s" },
        news.len() - approved
    );
    if !failed.is_empty() {
        text.push_str(&format!("; {} image(s) could not be checked", failed.len()));
    }
    for o in &news {
        // The approved update with its own kind; what the policy held beyond
        // it on a line of its own.
        match (o.decision, &o.latest) {
            (Decision::Approve, Some(latest)) => {
                text.push_str(&format!(
                    "\n{} -> {latest} ({}, approve)",
                    o.image, o.approved_change
                ));
                if let Some(newest) = o.newest.as_ref().filter(|n| *n != latest) {
                    text.push_str(&format!("\n  held: {newest} ({}) by policy", o.change));
                }
            }
            _ => {
                let to = o.newest.as_deref().unwrap_or("?");
                text.push_str(&format!(
                    "\n{} -> {to} ({}, {})",
                    o.image, o.change, o.decision
                ));
            }
        }
    }
    for o in &failed {
        text.push_str(&format!(
            "\nnot checked: {}: {}",
            o.image,
            o.error.as_deref().unwrap_or_default()
        ));
    }
    let kind = if !failed.is_empty() {
        crate::notify::notice::NoticeType::Failure
    } else if approved < news.len() {
        crate::notify::notice::NoticeType::Warning
    } else {
        crate::notify::notice::NoticeType::Info
    };
    Some((text, kind))
}

#[cfg(test)]
mod tests {
    use super::{progress_bar, remember, FORGET_AFTER_MS};

    /// A fake of Docker Hub's API on loopback, answering as Hub documents
    /// `GET /v2/namespaces/NS/repositories/R/tags/TAG` from `pushed` (tag,
    /// time); the request lines and whether any carried credentials.
    fn fake_hub(
        pushed: Vec<(&'static str, String)>,
    ) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
        use std::io::{BufRead, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = std::io::BufReader::new(&stream);
                let mut head = Vec::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    head.push(line.trim_end().to_string());
                }
                let path = head
                    .first()
                    .and_then(|l| l.split(' ').nth(1))
                    .unwrap_or_default()
                    .to_string();
                let authorized = head
                    .iter()
                    .any(|h| h.to_ascii_lowercase().starts_with("authorization:"));
                log.lock().unwrap().push(format!(
                    "{path}{}",
                    if authorized { " (credentials)" } else { "" }
                ));
                let tag = path
                    .strip_prefix("/v2/namespaces/library/repositories/hubapp/tags/")
                    .unwrap_or_default();
                let (status, body) = match pushed.iter().find(|(t, _)| *t == tag) {
                    Some((_, at)) => (200, format!("{{\"name\":\"{tag}\",\"last_updated\":\"{at}\",\"tag_last_pushed\":\"{at}\",\"tag_status\":\"active\"}}")),
                    None => (404, "{\"message\":\"object not found\"}".to_string()),
                };
                let _ = write!(
                    &stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        (url, seen)
    }

    /// Issue 30's release age from the registry's own record: for a Docker
    /// Hub image, Hub's tag_last_pushed counts toward min_age (asked
    /// without credentials, only for the tags vext's own memory finds too
    /// young): 1.1, pushed 10 days ago, is taken; 1.2, pushed an hour ago,
    /// waits, saying so. The publisher's created time is not asked when Hub
    /// answers (nothing here plays registry-1.docker.io: asking it would
    /// not even resolve).
    #[test]
    fn docker_hubs_push_time_counts_toward_min_age() {
        use crate::images::policy::{Decision, Policy, PolicySection, UpdateKind};
        let ago = |secs: u64| {
            humantime::format_rfc3339_seconds(
                std::time::SystemTime::now() - std::time::Duration::from_secs(secs),
            )
            .to_string()
        };
        let (url, seen) = fake_hub(vec![("1.1", ago(10 * 86400)), ("1.2", ago(3600))]);
        let registry = crate::images::registry::Registry::new(Vec::new(), None).with_hub_api(&url);
        let section: PolicySection =
            toml::from_str("allow = \"minor\"\n[[rule]]\nimage = \"*hubapp\"\nmin_age = \"3d\"\n")
                .unwrap();
        let policy = Policy::from_section(Some(&section)).unwrap();
        let dir = std::env::temp_dir().join(format!("vext-unit-hub-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let conn = crate::state::db::open(&dir).unwrap();
        let mut results = vec![super::Outcome {
            image: "hubapp:1.0".into(),
            current: Some("1.0".into()),
            latest: Some("1.2".into()),
            newest: Some("1.2".into()),
            change: UpdateKind::Minor,
            approved_change: UpdateKind::Minor,
            decision: Decision::Approve,
            error: None,
            digest: None,
            waiting: None,
            error_kind: None,
            approved: vec!["1.2".into(), "1.1".into()],
        }];
        super::age_gate(
            Some(&conn),
            Some(&registry),
            &mut results,
            &policy,
            crate::state::db::now_ms(),
        )
        .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let o = &results[0];
        assert_eq!(o.latest.as_deref(), Some("1.1"), "{o:?}");
        assert_eq!(o.decision, Decision::Approve);
        let waiting = o.waiting.as_deref().unwrap_or_default();
        assert!(
            waiting.starts_with("1.2 pushed (Docker Hub says) 1h")
                && waiting.ends_with("waits until 3days old"),
            "{waiting}"
        );
        let seen = seen.lock().unwrap().clone();
        let base = "/v2/namespaces/library/repositories/hubapp/tags/";
        assert_eq!(
            seen,
            vec![format!("{base}1.2"), format!("{base}1.1")],
            "each too-young tag asked once, without credentials"
        );
    }

    #[test]
    fn images_not_checked_for_long_are_forgotten() {
        let dir = std::env::temp_dir().join(format!("vext-unit-forget-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let conn = crate::state::db::open(&dir).unwrap();
        let now = crate::state::db::now_ms();
        for (image, at) in [
            ("old", now - FORGET_AFTER_MS - 1000),
            ("recent", now - 1000),
        ] {
            conn.execute(
                "INSERT INTO check_state (image, newest, change, checked_at) VALUES (?1, NULL, 'none', ?2)",
                rusqlite::params![image, at],
            )
            .unwrap();
        }
        remember(&conn, Vec::new(), false).unwrap();
        let left: Vec<String> = conn
            .prepare("SELECT image FROM check_state")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(left, ["recent"]);
    }

    #[test]
    fn progress_bar_fills_in_proportion() {
        assert_eq!(
            progress_bar(0, 4),
            format!("checking [{}] 0/4 images", " ".repeat(30))
        );
        assert_eq!(
            progress_bar(2, 4),
            format!("checking [{}{}] 2/4 images", "#".repeat(15), " ".repeat(15))
        );
        assert_eq!(
            progress_bar(4, 4),
            format!("checking [{}] 4/4 images", "#".repeat(30))
        );
        assert!(progress_bar(0, 0).contains("0/0"));
    }
}
