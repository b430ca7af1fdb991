//! An event's lines, in `vext hook git`'s style: a push renders through the
//! same template and notices ([`crate::commits::style`]), so a channel sees
//! the same lines for a push from a forge as from a hook on the server;
//! pull requests, issues, releases and CI results get one line each in
//! the same colours.

use std::collections::BTreeMap;

use super::event::{Change, ChangeKind, Ci, Event, Push, Release, What};
use crate::commits::style::{message, notice, Style};
use crate::commits::template;

/// How forge lines look (`[forge]` in the config).
#[derive(Debug, Clone)]
pub(crate) struct Look {
    /// irkerhook's template for a commit.
    pub(crate) template: String,
    /// none, mirc or ansi.
    pub(crate) color: Option<String>,
    /// Commits shown per push; past it, one "… and N more commits" line.
    pub(crate) max_commits: usize,
}

impl Default for Look {
    fn default() -> Look {
        Look {
            template: template::DEFAULT_GIT.into(),
            color: None,
            max_commits: 5,
        }
    }
}

impl Look {
    fn style(&self, e: &Event) -> Style {
        Style {
            project: e.project.clone(),
            repo: e.project.to_lowercase(),
            template: self.template.clone(),
            color: self.color.clone(),
            urlprefix: None,
            revformat: "describe".into(),
            filtercmd: None,
            cialike: None,
            host: String::new(),
        }
    }

    /// Checks the template renders (at start, not on the first push).
    pub(crate) fn check(&self) -> Result<(), String> {
        let e = Event {
            forge: super::event::Forge::Github,
            repository: "owner/name".into(),
            project: "name".into(),
            sender: "someone".into(),
            what: What::Ping,
        };
        message(&self.style(&e), "main", &Default::default())
            .map(drop)
            .map_err(|e| format!("[forge] template: {e:#}"))
    }
}

/// The lines an event announces (none for a ping, a quiet or unknown event,
/// or a CI run still going).
pub(crate) fn lines(e: &Event, look: &Look) -> Result<Vec<String>, String> {
    let style = look.style(e);
    let c: BTreeMap<&str, &str> = template::colors(look.color.as_deref())
        .into_iter()
        .collect();
    let head = format!("{}{}:{}", c["bold"], e.project, c["reset"]);
    let who = if e.sender.is_empty() {
        String::new()
    } else {
        format!(" {}{}{}", c["green"], e.sender, c["reset"])
    };
    let url = |u: &str| {
        if u.is_empty() {
            String::new()
        } else {
            format!(" {}{u}{}", c["brown"], c["reset"])
        }
    };
    Ok(match &e.what {
        What::Push(p) => push(p, &style, look.max_commits)?,
        What::Change(ch) => vec![format!(
            "{head}{who} {} {}: {}{}",
            said(&ch.action),
            number(ch),
            ch.title,
            url(&ch.url)
        )],
        What::Release(r) => vec![format!(
            "{head}{who} {} release {}{}",
            said(&r.action),
            release_name(r),
            url(&r.url)
        )],
        What::Ci(ci) => match ci.result() {
            Some(result) => vec![ci_line(ci, result, &head, &c) + &url(&ci.url)],
            None => vec![],
        },
        What::Ping | What::Quiet(_) | What::Unknown(_) => vec![],
    })
}

/// A push as `vext hook git` says it: a forced push, a deleted ref, a new
/// tag, or the new commits (the first `max`, then how many more).
fn push(p: &Push, style: &Style, max: usize) -> Result<Vec<String>, String> {
    let name = p.name();
    let kind = if p.is_tag() { "tag" } else { "branch" };
    let mut out = Vec::new();
    if p.forced && !p.deleted {
        let (o, n) = (short(&p.before, 12), short(&p.after, 12));
        out.push(notice(style, name, &format!("forced push: {o} -> {n}")));
    }
    if p.deleted {
        out.push(notice(style, name, &format!("{kind} deleted")));
        return Ok(out);
    }
    if p.created && p.is_tag() {
        let at = short(&p.head, 12);
        out.push(notice(style, name, &format!("tag created at {at}")));
        return Ok(out);
    }
    for c in p.commits.iter().take(max) {
        out.push(message(style, name, c).map_err(|e| format!("{e:#}"))?);
    }
    let shown = p.commits.len().min(max);
    if p.total > shown {
        let more = p.total - shown;
        let s = if more == 1 { "" } else { "s" };
        out.push(notice(
            style,
            name,
            &format!("... and {more} more commit{s}"),
        ));
    }
    Ok(out)
}

fn short(id: &str, n: usize) -> &str {
    id.get(..n).unwrap_or(id)
}

fn said(action: &str) -> String {
    match action {
        "ready_for_review" => "marked ready for review".into(),
        "synchronize" => "pushed to".into(),
        a => a.replace('_', " "),
    }
}

fn number(ch: &Change) -> String {
    match ch.kind {
        ChangeKind::PullRequest => format!("pull request #{}", ch.number),
        ChangeKind::MergeRequest => format!("merge request !{}", ch.number),
        ChangeKind::Issue => format!("issue #{}", ch.number),
    }
}

fn release_name(r: &Release) -> String {
    if r.name.is_empty() || r.name == r.tag {
        r.tag.clone()
    } else {
        format!("{} ({})", r.name, r.tag)
    }
}

fn ci_line(ci: &Ci, result: &str, head: &str, c: &BTreeMap<&str, &str>) -> String {
    let colour = match result {
        "failed" => c["red"],
        "fixed" | "passed" => c["green"],
        _ => c["yellow"],
    };
    let at = if ci.commit.is_empty() {
        String::new()
    } else {
        format!(" at {}", short(&ci.commit, 7))
    };
    format!(
        "{head} {}{}{} {} {colour}{result}{}{at}",
        c["yellow"], ci.branch, c["reset"], ci.name, c["reset"]
    )
}
