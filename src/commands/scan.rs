//! `vext scan`: an inventory of the container images in use, from manifest
//! files, the Docker engine and Kubernetes; NDJSON streams as results come.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::mpsc;

use anyhow::Result;

use crate::cli::ScanArgs;
use crate::config::Context;
use crate::exit::{fail, Code};
use crate::images::scan::{files_pipeline, live_inventory, Finding, Report, Walk};

pub(crate) fn run(args: ScanArgs, ctx: &Context) -> Result<Code> {
    let _ = ctx;
    let report = Report::new(args.verbose_notes(), args.quiet);
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

    let walk = Walk {
        implicit,
        hidden: args.hidden,
        no_ignore: args.no_ignore,
    };
    files_pipeline(&paths, walk, &report, &tx);

    // 4. The Docker engine and the Kubernetes API.
    for f in live_inventory(&args.live.settings(), None)? {
        let _ = tx.send(f);
    }
    drop(tx);
    let mut findings = printer.join().unwrap_or_default();
    if !ndjson {
        findings.sort_by(|a, b| a.source.cmp(&b.source).then(a.raw.cmp(&b.raw)));
        print(&findings, &args)?;
    }
    let errors = report.errors.load(Ordering::Relaxed);
    if errors > 0 && !ndjson && !args.json {
        // Under the table, so that a short table is not taken for the whole story.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "{errors} file{} could not be read; see above",
            if errors == 1 { "" } else { "s" }
        );
    }
    if errors > 0 && args.strict {
        return Ok(Code::DataErr);
    }
    Ok(Code::Ok)
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
    crate::exit::stdout_wrote(result)
}
