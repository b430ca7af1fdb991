//! `vext update`: the command around [`crate::images::update::run`]: the
//! flags turned into settings, `--release`, the plan or the summary on
//! stdout, notifications, the metrics file and the exit status.

use std::io::Write;

use anyhow::Result;

use crate::cli::UpdateArgs;
use crate::config::Context;
use crate::exit::{fail, Code};
use crate::images::update::metrics::Totals;
use crate::images::update::plan::{Planned, Skipped};
use crate::images::update::run::{notice, Done};
use crate::images::update::Ending;
use crate::state::updates;

pub(crate) fn run(args: UpdateArgs, ctx: &Context) -> Result<Code> {
    let policy = crate::settings::policy(ctx, args.policy.as_deref())?;
    let notifier = crate::settings::notifier(
        ctx,
        &args.report,
        args.ca_file.as_deref(),
        args.state_dir.as_deref(),
    )?;
    let extra_ca = crate::settings::extra_ca(args.ca_file.as_deref())?;
    if !args.plan {
        crate::bus::events::publish_to(crate::settings::events(
            ctx,
            args.report.nats.as_deref(),
            "update",
        ));
    }
    let dir = crate::settings::state_dir(ctx, args.state_dir.as_deref())?;
    if let Some(image) = &args.release {
        let conn = crate::state::db::open(&dir)?;
        return release(&conn, image);
    }
    if let Some((id, deny)) = args
        .approve
        .as_ref()
        .map(|id| (id, false))
        .or(args.deny.as_ref().map(|id| (id, true)))
    {
        let conn = crate::state::db::open(&dir)?;
        return answer(&conn, id, deny);
    }
    if args.pending {
        let conn = crate::state::db::open(&dir)?;
        return print_pending(&updates::pending(&conn)?, args.json);
    }
    let settings = crate::settings::update::for_command(&args, ctx, policy, extra_ca)?;
    let started = std::time::Instant::now();
    let run = crate::images::update::run::run(&settings, &dir)?;
    let (requests, waited) = crate::images::engine::waited();
    if requests > 0 {
        log::debug!(
            "the run took {} ms, {} ms of it waiting for the Docker engine ({requests} requests)",
            started.elapsed().as_millis(),
            waited.as_millis()
        );
    }
    for r in &run.recovered {
        eprintln!(
            "vext: {}: an interrupted update to {} was {}",
            r.workload,
            r.to_ref,
            match &r.ending {
                Ending::Applied => "finished".to_string(),
                Ending::RolledBack(_) => "rolled back; the old version runs".to_string(),
                Ending::Failed(w) => format!("closed: {w}"),
            }
        );
    }
    if args.recover {
        return Ok(Code::Ok);
    }
    for (image, why) in &run.unchecked {
        eprintln!("vext: {image}: not checked: {why}");
    }
    if args.plan {
        print_plan(&run.planned, &run.skipped, args.json)?;
        return Ok(Code::Ok);
    }
    print_done(&run.done, args.json)?;
    if let Some(path) = &args.metrics_file {
        let mut totals = Totals::default();
        totals.record(&run);
        crate::util::atomic_file::replace(path, totals.render().as_bytes())
            .map_err(|e| fail(Code::Unavailable, e))?;
    }
    if let Some(n) = &notifier {
        if let Some(notice) = notice(&run.done) {
            n.send(&notice, "the --notify message")?;
        }
    }
    Ok(if run.any_bad() { Code::No } else { Code::Ok })
}

/// `--release IMAGE:TAG`.
fn release(conn: &rusqlite::Connection, image: &str) -> Result<Code> {
    let r = crate::images::reference::ImageRef::parse(image)
        .map_err(|e| fail(Code::Usage, format!("--release {image:?}: {e}")))?;
    let version = r
        .digest
        .clone()
        .or(r.tag.clone())
        .unwrap_or_else(|| "latest".into());
    if updates::release(conn, &r.name(), &version)? {
        eprintln!("vext: {}:{version} is no longer held", r.name());
        Ok(Code::Ok)
    } else {
        Err(fail(
            Code::DataErr,
            format!("{}:{version} was not held", r.name()),
        ))
    }
}

/// `--approve ID` / `--deny ID`: a person's answer to a pending update,
/// with who.
fn answer(conn: &rusqlite::Connection, id: &str, deny: bool) -> Result<Code> {
    let who = ["SUDO_USER", "USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "someone".into());
    let id = id.trim().to_ascii_lowercase();
    let now = crate::state::db::now_ms();
    let known = if deny {
        updates::deny(conn, &id, &who, now)?
    } else {
        updates::approve(conn, &id, &who, now)?
    };
    if !known {
        return Err(fail(
            Code::Usage,
            format!("no pending update {id}: vext update --pending lists them"),
        ));
    }
    if deny {
        eprintln!("vext: {id} denied by {who}: later runs skip that version");
    } else {
        eprintln!("vext: {id} approved by {who}: the next vext update applies it");
    }
    Ok(Code::Ok)
}

/// `--pending`: what waits for approval, and what is approved.
fn print_pending(rows: &[updates::Pending], json: bool) -> Result<Code> {
    let mut out = std::io::stdout().lock();
    let now = crate::state::db::now_ms();
    let ago = |t: i64| {
        humantime::format_duration(std::time::Duration::from_secs(
            u64::try_from(now.saturating_sub(t) / 1000).unwrap_or(0),
        ))
        .to_string()
    };
    let r = if json {
        writeln!(out, "{}", serde_json::to_string_pretty(rows)?)
    } else if rows.is_empty() {
        writeln!(out, "no update waits for approval")
    } else {
        rows.iter().try_for_each(|p| {
            let state = match (&p.approved_by, p.approved_at) {
                (Some(who), Some(at)) if p.denied => format!("denied by {who} {} ago", ago(at)),
                (Some(who), Some(at)) => format!("approved by {who} {} ago", ago(at)),
                _ => format!("waiting {}", ago(p.requested_at)),
            };
            writeln!(
                out,
                "{}  {}  {} -> {} ({})  {state}",
                p.id, p.workload, p.from_ref, p.to_ref, p.change
            )
        })
    };
    crate::exit::stdout_wrote(r)?;
    Ok(Code::Ok)
}

fn print_plan(planned: &[Planned], skipped: &[Skipped], json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let r = if json {
        let lines: Vec<_> = planned.iter().flat_map(Planned::step_lines).collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&lines)?)
    } else {
        (|| -> std::io::Result<()> {
            if planned.is_empty() {
                writeln!(out, "nothing to update")?;
            }
            for (n, p) in planned.iter().enumerate() {
                let (n, w, source) = (n + 1, &p.workload, p.work.source());
                match &p.shares {
                    Some(owner) => writeln!(
                        out,
                        "{n}. {w} ({source}): recreated on {}: it shares {owner}'s network",
                        p.current
                    )?,
                    None => writeln!(
                        out,
                        "{n}. {w} ({source}): {} -> {} ({})",
                        p.current, p.to, p.change
                    )?,
                }
                writeln!(out, "   {}", p.steps.join(", "))?;
            }
            for s in skipped {
                writeln!(out, "skipped {} ({}): {}", s.workload, s.to, s.reason)?;
            }
            Ok(())
        })()
    };
    crate::exit::stdout_wrote(r)
}

fn print_done(done: &[Done], json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let r = if json {
        writeln!(out, "{}", serde_json::to_string_pretty(done)?)
    } else if done.is_empty() {
        writeln!(out, "nothing to update")
    } else {
        let w = done
            .iter()
            .map(|d| d.workload.len())
            .max()
            .unwrap_or(8)
            .max(8);
        (|| -> std::io::Result<()> {
            writeln!(
                out,
                "{:<w$}  {:<40}  {:<11}  REASON",
                "WORKLOAD", "TARGET", "RESULT"
            )?;
            for d in done {
                writeln!(
                    out,
                    "{:<w$}  {:<40}  {:<11}  {}",
                    d.workload,
                    d.to,
                    d.result,
                    d.reason.as_deref().unwrap_or("")
                )?;
            }
            Ok(())
        })()
    };
    crate::exit::stdout_wrote(r)
}
