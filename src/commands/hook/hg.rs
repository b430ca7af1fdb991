//! `vext hook hg`: Mercurial changesets, from a `commit` or `changegroup`
//! hook (HG_NODE, HG_NODE_LAST). Settings from hgrc's `[irker]` section; all
//! changesets' data from one `hg log`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::Result;

use super::announce::{finish, publish, settings, Announced};
use crate::cli::HookHgArgs;
use crate::commits::commit::CommitData;
use crate::commits::style::message;
use crate::commits::vcs::vcs_output;
use crate::config::Context;
use crate::exit::{fail, Code};

struct Hg {
    dir: Option<PathBuf>,
}

impl Hg {
    fn run(&self, args: &[&str]) -> Result<String> {
        let mut cmd = Command::new("hg");
        if let Some(d) = &self.dir {
            cmd.arg("-R").arg(d);
        }
        cmd.args(args).env("HGPLAIN", "1");
        vcs_output(cmd, &format!("hg {}", args.join(" ")))
    }
}

const FIELD: char = '\x1f';
const RECORD: char = '\x1e';
const LIST: char = '\x1d';

pub(crate) fn announce(args: &HookHgArgs, ctx: &Context, deadline: Instant) -> Result<Code> {
    let hg = Hg {
        dir: args.repository.clone(),
    };
    let root = hg.run(&["root"])?.trim().to_string();
    let mut map = BTreeMap::new();
    // `hg config irker` fails when the section is empty: that is no settings.
    if let Ok(out) = hg.run(&["config", "irker"]) {
        for line in out.lines() {
            if let Some((k, v)) = line.strip_prefix("irker.").and_then(|l| l.split_once('=')) {
                map.insert(k.to_string(), v.to_string());
            }
        }
    }
    let name = root
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let s = settings(
        map,
        &args.common,
        &name,
        crate::commits::template::DEFAULT_GIT,
    )?;
    let revset = if !args.revs.is_empty() {
        args.revs.join(" + ")
    } else {
        match (std::env::var("HG_NODE"), std::env::var("HG_NODE_LAST")) {
            (Ok(first), Ok(last)) if !first.is_empty() && !last.is_empty() => {
                format!("{first}:{last}")
            }
            (Ok(first), _) if !first.is_empty() => first,
            _ => "tip".into(),
        }
    };
    let template = format!(
        "{{rev}}{FIELD}{{node|short}}{FIELD}{{branch}}{FIELD}{{author|person}}{FIELD}{{author|email}}{FIELD}\
         {{date(localdate(date), \"%Y-%m-%d %H:%M:%S\")}}{FIELD}\
         {{join(file_mods, \"{LIST}\")}}{FIELD}{{join(file_adds, \"{LIST}\")}}{FIELD}{{join(file_dels, \"{LIST}\")}}{FIELD}\
         {{desc}}{RECORD}"
    );
    let out = hg.run(&["log", "-r", &revset, "--template", &template])?;
    let mut texts = Vec::new();
    let mut announced = Announced {
        vcs: "hg",
        // A changegroup hook announces what a push brought; a commit hook one commit.
        event: if std::env::var_os("HG_NODE_LAST").is_some() {
            "push"
        } else {
            "commit"
        },
        branches: Default::default(),
        commits: Vec::new(),
    };
    for rec in out.split(RECORD).filter(|r| !r.is_empty()) {
        let f: Vec<&str> = rec.split(FIELD).collect();
        if f.len() < 10 {
            return Err(fail(
                Code::DataErr,
                format!("unexpected hg log output: {rec:?}"),
            ));
        }
        let list = |s: &str| -> Vec<String> {
            s.split(LIST)
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect()
        };
        let mut files = list(f[6]);
        files.extend(list(f[7]));
        files.extend(list(f[8]));
        let c = CommitData {
            hash: f[1].into(),
            short: f[1].into(),
            author_name: f[3].into(),
            mail: f[4].into(),
            author_date: f[5].into(),
            files,
            subject: f[9].into(),
            rev: Some(format!("{}:{}", f[0], f[1])),
            url: None,
            ..CommitData::default()
        };
        texts.push(message(&s.style, f[2], &c)?);
        announced.branches.insert(f[2]);
        announced.commits.push(f[1]);
    }
    publish(ctx, &s, &args.common, announced, &texts);
    finish(&s, &args.common, ctx, &texts, deadline)
}
