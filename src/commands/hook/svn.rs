//! `vext hook svn REPO REV`: a Subversion post-commit announcement. Settings
//! come from `irker.conf` in the repository, as irkerhook reads them; the
//! commit's data from two `svnlook` calls.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Result;

use super::announce::{finish, publish, settings, Announced};
use crate::cli::HookSvnArgs;
use crate::commits::commit::CommitData;
use crate::commits::style::message;
use crate::commits::vcs::vcs_output;
use crate::config::Context;
use crate::exit::{fail, Code};

/// irkerhook's default template for Subversion (no branch).
const DEFAULT_SVN: &str = "%(bold)s%(project)s%(reset)s: %(green)s%(author)s%(reset)s %(repo)s * %(bold)s%(rev)s%(reset)s / %(bold)s%(files)s%(reset)s: %(logmsg)s %(brown)s%(url)s%(reset)s";

pub(crate) fn announce(args: &HookSvnArgs, ctx: &Context, deadline: Instant) -> Result<Code> {
    let repo = &args.repository;
    if !args.rev.chars().all(|c| c.is_ascii_digit()) || args.rev.is_empty() {
        return Err(fail(
            Code::Usage,
            format!("REV {:?}: expected a revision number", args.rev),
        ));
    }
    let map = load_conf(&repo.join("irker.conf"))?;
    let name = repo
        .canonicalize()
        .unwrap_or_else(|_| repo.clone())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let s = settings(map, &args.common, &name, DEFAULT_SVN)?;
    let info = svnlook(repo, "info", &args.rev)?;
    let mut lines = info.lines();
    let author = lines.next().unwrap_or_default().to_string();
    let date = lines.next().unwrap_or_default();
    let _log_size = lines.next();
    let log: Vec<&str> = lines.collect();
    let dirs = svnlook(repo, "dirs-changed", &args.rev)?;
    let commit = CommitData {
        hash: args.rev.clone(),
        short: args.rev.clone(),
        author_name: author,
        subject: log.join("\n").trim().to_string(),
        // irkerhook keeps what precedes "(": the date and a trailing space.
        commit_date: date.split('(').next().unwrap_or_default().to_string(),
        files: dirs.trim().lines().map(String::from).collect(),
        rev: Some(format!("r{}", args.rev)),
        url: None,
        ..CommitData::default()
    };
    let texts = [message(&s.style, "", &commit)?];
    let announced = Announced {
        vcs: "svn",
        event: "commit",
        branches: Default::default(),
        commits: vec![&args.rev],
    };
    publish(ctx, &s, &args.common, announced, &texts);
    finish(&s, &args.common, ctx, &texts, deadline)
}

fn svnlook(repo: &Path, what: &str, rev: &str) -> Result<String> {
    let mut cmd = Command::new("svnlook");
    cmd.arg(what).arg(repo).args(["--revision", rev]);
    vcs_output(cmd, &format!("svnlook {what}"))
}

/// irkerhook's `irker.conf`: `key = value` lines, `#` comments.
fn load_conf(path: &Path) -> Result<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(map),
        Err(e) => {
            return Err(fail(
                Code::Config,
                format!("reading {}: {e}", path.display()),
            ))
        }
    };
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some((k, v)) = line
            .split_once('=')
            .filter(|_| line.matches('=').count() == 1)
        else {
            eprintln!("{}:{}: expected one key = value", path.display(), n + 1);
            continue;
        };
        let key = k.trim();
        // As in irkerhook, only a flag can set maxchannels.
        if key != "maxchannels" {
            map.insert(key.to_string(), v.trim().to_string());
        }
    }
    Ok(map)
}
