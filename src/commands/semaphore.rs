//! `vext semaphore`: Semaphore UI tasks from scripts and cron — list
//! projects and templates, run a task (and wait for it, following its log),
//! show a task's status and log, stop it. Tables for people, `--json` for
//! programs; `run --wait` exits with the task's outcome.

use std::io::Write;
use std::time::Instant;

use anyhow::Result;
use serde_json::Value;

use crate::chatops::semaphore::{is_final, Client, Named, RunRequest};
use crate::cli::{SemaphoreArgs, SemaphoreCommand, SemaphoreRunArgs};
use crate::config::Context;
use crate::exit::{fail, Code};

pub(crate) fn run(args: SemaphoreArgs, ctx: &Context) -> Result<Code> {
    let flags = crate::settings::SemaphoreFlags {
        url: args.url.as_deref(),
        token_file: args.token_file.as_deref(),
        ca_file: args.ca_file.as_deref(),
        timeout: args.timeout,
    };
    let client = crate::settings::semaphore(ctx, &flags)?.open()?;
    let json = args.json;
    match args.command {
        SemaphoreCommand::Projects => {
            let p = client.projects()?;
            print_named(&p, json)?;
            Ok(Code::Ok)
        }
        SemaphoreCommand::Templates { project } => {
            let p = client.project(&project)?;
            print_named(&client.templates(p.id)?, json)?;
            Ok(Code::Ok)
        }
        SemaphoreCommand::Run(r) => run_task(&client, r, json),
        SemaphoreCommand::Status { project, task } => {
            let p = client.project(&project)?;
            let t = client.task(p.id, task)?;
            if json {
                out(&serde_json::to_string_pretty(&t)?)?;
            } else {
                out(&format!(
                    "task {task} ({}): {}",
                    p.name,
                    t["status"].as_str().unwrap_or("?")
                ))?;
            }
            Ok(Code::Ok)
        }
        SemaphoreCommand::Logs {
            project,
            task,
            follow,
            tail,
        } => {
            let p = client.project(&project)?;
            let mut lines = client.output(p.id, task)?;
            if let Some(n) = tail {
                lines = lines.split_off(lines.len().saturating_sub(n));
            }
            print_lines(&lines, json)?;
            if follow {
                let seen = client.output(p.id, task)?.len();
                follow_task(
                    &client,
                    p.id,
                    task,
                    seen,
                    json,
                    std::time::Duration::from_secs(2),
                )?;
            }
            Ok(Code::Ok)
        }
        SemaphoreCommand::Stop {
            project,
            task,
            force,
        } => {
            let p = client.project(&project)?;
            // A task id that does not exist says so, not "stopped".
            client.task(p.id, task)?;
            client.stop(p.id, task, force)?;
            eprintln!(
                "vext: asked Semaphore to {} task {task}",
                if force { "kill" } else { "stop" }
            );
            Ok(Code::Ok)
        }
    }
}

fn run_task(client: &Client, r: SemaphoreRunArgs, json: bool) -> Result<Code> {
    if let Some(v) = &r.extra_vars {
        match serde_json::from_str::<Value>(v) {
            Ok(Value::Object(_)) => {}
            _ => {
                return Err(fail(
                    Code::Usage,
                    format!("--extra-vars must be a JSON object, like '{{\"version\": \"1.2\"}}'; got {v:?}"),
                ))
            }
        }
    }
    let p = client.project(&r.project)?;
    let t = client.template(&p, &r.template)?;
    let task = client.run(
        p.id,
        &RunRequest {
            template_id: t.id,
            debug: r.debug,
            dry_run: r.dry_run,
            limit: r.limit.clone(),
            tags: r.tags.clone(),
            skip_tags: r.skip_tags.clone(),
            extra_vars: r.extra_vars.clone(),
            branch: r.branch.clone(),
        },
    )?;
    let Some(id) = task["id"].as_i64() else {
        return Err(fail(
            Code::Unavailable,
            format!("Semaphore started a task but sent no id: {task}"),
        ));
    };
    if json && !(r.wait || r.follow) {
        out(&serde_json::to_string_pretty(&task)?)?;
    } else {
        eprintln!("vext: started task {id} ({} / {})", p.name, t.name);
    }
    if !(r.wait || r.follow) {
        if !json {
            out(&id.to_string())?;
        }
        return Ok(Code::Ok);
    }
    let started = Instant::now();
    let status = if r.follow {
        follow_task(client, p.id, id, 0, json, r.poll)?
    } else {
        wait_task(client, p.id, id, r.poll)?
    };
    eprintln!(
        "vext: task {id} ended: {status} after {}",
        humantime::format_duration(std::time::Duration::from_secs(started.elapsed().as_secs()))
    );
    if json {
        out(&serde_json::to_string_pretty(&client.task(p.id, id)?)?)?;
    }
    Ok(match status.as_str() {
        "success" => Code::Ok,
        "stopped" => Code::Stopped,
        _ => Code::No,
    })
}

/// Polls until the task ends; its final status.
fn wait_task(
    client: &Client,
    project: i64,
    task: i64,
    poll: std::time::Duration,
) -> Result<String> {
    loop {
        let t = client.task(project, task)?;
        let status = t["status"].as_str().unwrap_or_default().to_string();
        if is_final(&status) {
            return Ok(status);
        }
        std::thread::sleep(poll);
    }
}

/// Prints each new log line once, from position `seen`, until the task ends.
fn follow_task(
    client: &Client,
    project: i64,
    task: i64,
    mut seen: usize,
    json: bool,
    poll: std::time::Duration,
) -> Result<String> {
    loop {
        // The status first: a task that ended has all its output written.
        let status = client.task(project, task)?["status"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let lines = client.output(project, task)?;
        if lines.len() > seen {
            print_lines(&lines[seen..], json)?;
            seen = lines.len();
        }
        if is_final(&status) {
            return Ok(status);
        }
        std::thread::sleep(poll);
    }
}

fn print_lines(lines: &[Value], json: bool) -> Result<()> {
    let mut text = String::new();
    for l in lines {
        if json {
            text.push_str(&l.to_string());
        } else {
            text.push_str(l["output"].as_str().unwrap_or_default());
        }
        text.push('\n');
    }
    out(text.trim_end_matches('\n'))
}

fn print_named(items: &[Named], json: bool) -> Result<()> {
    if json {
        return out(&serde_json::to_string_pretty(items)?);
    }
    let mut text = format!("{:>6}  NAME", "ID");
    for i in items {
        text.push_str(&format!("\n{:>6}  {}", i.id, i.name));
    }
    out(&text)
}

/// One block on stdout (a closed pipe ends the command quietly, in main).
fn out(text: &str) -> Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    crate::exit::stdout_wrote(writeln!(std::io::stdout().lock(), "{text}"))
}
