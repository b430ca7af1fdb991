//! `vext check`: the command around [`crate::images::check`]: inputs (images,
//! paths, `vext scan` output), the policy, a table or `--json`, `--only-new`,
//! `--notify`, `--metrics-file`, and an exit status for cron.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Result;

use crate::cli::CheckArgs;
use crate::config::Context;
use crate::exit::{fail, Code};
use crate::images::check::{dedupe, evaluate, recall, remember, summary, Outcome, Wanted};
use crate::images::policy::{Decision, UpdateKind};
use crate::images::registry::ErrorKind;
use crate::notify::notice::Notice;
use crate::settings::Notifier;

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
    for f in crate::images::scan::live_inventory(&args.live.settings(), None)? {
        if let Some(i) = f.image {
            raw.push((i, f.digest));
        }
    }
    if !paths.is_empty() {
        for f in crate::images::scan::inventory(&paths) {
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
            "nothing to check: give images, paths, --docker, --kube, or --from FILE (vext scan --json output)",
        ));
    }
    dedupe(raw)
}

pub(crate) fn run(args: CheckArgs, ctx: &Context) -> Result<Code> {
    let policy = crate::settings::policy(ctx, args.policy.as_deref())?;
    // Notification targets are checked before any registry is asked.
    let notify = crate::settings::notifier(
        ctx,
        &args.report,
        args.ca_file.as_deref(),
        args.state_dir.as_deref(),
    )?;
    let started = std::time::Instant::now();
    let mut wanted = inputs(&args)?;
    let state = open_state(&args, ctx)?;
    if let Some(conn) = &state {
        recall(conn, &mut wanted, args.only_new)?;
    }
    let extra_ca = crate::settings::extra_ca(args.ca_file.as_deref())?;
    // A progress line on stderr, only for a person watching a terminal.
    let progress =
        std::io::IsTerminal::is_terminal(&std::io::stderr()) && !args.json && wanted.len() > 1;
    let registry =
        crate::images::registry::Registry::new(args.insecure_registry.clone(), extra_ca.clone());
    let mut results = evaluate(
        &wanted,
        &policy,
        args.insecure_registry.clone(),
        extra_ca,
        progress,
        args.timeout,
    );
    crate::images::check::age_gate(
        state.as_ref(),
        Some(&registry),
        &mut results,
        &policy,
        crate::state::db::now_ms(),
    )?;
    crate::bus::events::publish_to(crate::settings::events(
        ctx,
        args.report.nats.as_deref(),
        "check",
    ));
    for o in &results {
        emit_event(o);
        // On stderr too: a cron user reads stderr, and --only-new may print
        // no table at all.
        if let Some(e) = &o.error {
            log::warn!("{}: {e}", o.image);
        }
    }
    let all_failed = !results.is_empty() && results.iter().all(|o| o.error.is_some());
    let failure_kinds: Vec<ErrorKind> = results.iter().filter_map(|o| o.error_kind).collect();
    if let Some(path) = &args.metrics_file {
        write_metrics(path, &results, started.elapsed().as_secs_f64())?;
    }
    // Remember what was seen; with --only-new, keep only what is new since
    // the last report that reached its reader, and use the news up only
    // once this one has (printed, and the summary delivered).
    let mut remembered = None;
    if let Some(conn) = &state {
        let (kept, r) = remember(conn, results, args.only_new)?;
        results = kept;
        remembered = Some(r);
    }
    // Nothing new prints nothing (cron mails any output); JSON stays `[]`
    // for the program that parses it.
    if args.json || !(args.only_new && results.is_empty()) {
        print(&results, args.json)?;
    }
    if let Some(n) = &notify {
        send_summary(&results, n)?;
    }
    if let (Some(conn), Some(r)) = (&state, &remembered) {
        r.reported(conn)?;
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
    if args.exit_code && results.iter().any(|o| o.decision == Decision::Approve) {
        return Ok(Code::No);
    }
    Ok(Code::Ok)
}

/// The state dir's database, where each run records what it found (for
/// `--only-new` and the digests of `latest`-style tags). It is required with
/// `--only-new` and `--notify`; otherwise a state dir that cannot be used
/// costs only the digest comparison, with a warning.
fn open_state(args: &CheckArgs, ctx: &Context) -> Result<Option<rusqlite::Connection>> {
    let required = args.only_new || !args.report.notify.is_empty();
    let open = || -> Result<rusqlite::Connection> {
        let dir = crate::settings::state_dir(ctx, args.state_dir.as_deref())?;
        crate::state::dir::ensure_private(&dir)?;
        crate::state::db::open(&dir)
    };
    match open() {
        Ok(c) => Ok(Some(c)),
        Err(e) if required => Err(e),
        Err(e) => {
            log::warn!("no state dir, so no last-seen digests: {e:#}");
            Ok(None)
        }
    }
}

/// One notification listing what needs updating; nothing when nothing does.
fn send_summary(results: &[Outcome], notifier: &Notifier) -> Result<()> {
    let Some((text, kind)) = summary(results) else {
        return Ok(());
    };
    let notice = Notice {
        text,
        title: Some("vext check".into()),
        kind: Some(kind),
        ..Default::default()
    };
    notifier.send(&notice, "the --notify summary")
}

/// Prometheus textfile for node_exporter, written to a temp file and renamed.
fn write_metrics(path: &std::path::Path, results: &[Outcome], seconds: f64) -> Result<()> {
    let count = |c: UpdateKind| {
        results
            .iter()
            .filter(|o| o.change == c && o.error.is_none())
            .count()
    };
    let mut m = crate::util::prometheus::Text::default();
    m.metric(
        "vext_check_images_total",
        "gauge",
        "Images checked.",
        results.len(),
    )
    .family(
        "vext_check_updates",
        "gauge",
        "Images with a newer version, by kind of change.",
    );
    for c in [
        UpdateKind::Patch,
        UpdateKind::Minor,
        UpdateKind::Major,
        UpdateKind::Digest,
    ] {
        m.sample(
            "vext_check_updates",
            &[("change", &c.to_string())],
            count(c),
        );
    }
    m.metric(
        "vext_check_errors_total",
        "gauge",
        "Images that could not be checked.",
        results.iter().filter(|o| o.error.is_some()).count(),
    )
    .metric(
        "vext_check_duration_seconds",
        "gauge",
        "Duration of the last check.",
        format!("{seconds:.3}"),
    )
    .metric(
        "vext_check_last_run_timestamp_seconds",
        "gauge",
        "When the last check ran.",
        crate::state::db::now_ms() / 1000,
    );
    let t = m.into_string();
    crate::util::atomic_file::replace(path, t.as_bytes()).map_err(|e| fail(Code::Unavailable, e))
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
                // The approved update shows its own kind of change; what is
                // held beyond it is said after the decision.
                let (change, mut decision) = match (&o.latest, &o.newest) {
                    (Some(latest), Some(newest)) if latest != newest && o.error.is_none() => (
                        o.approved_change,
                        format!("{decision} (held: {newest}, {})", o.change),
                    ),
                    (Some(_), _) => (o.approved_change, decision),
                    _ => (o.change, decision),
                };
                if let Some(w) = &o.waiting {
                    decision = format!("{decision} ({w})");
                }
                writeln!(
                    out,
                    "{:<w$}  {:<16}  {:<16}  {:<16}  {:<6}  {decision}",
                    o.image,
                    dash(&o.current),
                    dash(&o.newest),
                    dash(&o.latest),
                    change
                )
            })
        })
    };
    crate::exit::stdout_wrote(r)
}

/// `vext.events.check.registry.{update_found,failed}` for other services.
fn emit_event(o: &crate::images::check::Outcome) {
    let kind = if o.error.is_some() {
        "failed"
    } else if o.newest.is_some() && o.newest != o.current {
        "update_found"
    } else {
        return;
    };
    crate::bus::events::emit(
        "check",
        "registry",
        kind,
        serde_json::json!({
            "image": o.image,
            "current": o.current,
            "newest": o.newest,
            "approved": o.latest,
            "change": o.change,
            "approved_change": o.approved_change,
            "decision": o.decision,
            "error": o.error,
        }),
    );
}
