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

#[cfg(test)]
mod tests {
    use super::super::{read, Forge};
    use super::*;

    /// GitHub's own published examples (`@octokit/webhooks-examples`, see
    /// tests/fixtures/forge/README.md), one file per event.
    fn examples(event: &str) -> Vec<Vec<u8>> {
        let path = format!(
            "{}/tests/fixtures/forge/github/{event}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let all: Vec<serde_json::Value> =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        all.iter().map(|v| serde_json::to_vec(v).unwrap()).collect()
    }

    fn rendered(forge: Forge, event: &str, body: &[u8]) -> (Event, Vec<String>) {
        let e = read(forge, event, body).unwrap();
        let l = lines(&e, &Look::default()).unwrap();
        (e, l)
    }

    #[test]
    fn every_github_example_of_the_events_read_renders() {
        let mut said = std::collections::BTreeMap::new();
        for event in [
            "push",
            "pull_request",
            "issues",
            "release",
            "workflow_run",
            "check_suite",
            "create",
            "delete",
            "ping",
        ] {
            for body in examples(event) {
                let (e, l) = rendered(Forge::Github, event, &body);
                assert!(!matches!(e.what, What::Unknown(_)), "{event} unknown");
                // Some pings come from organisation hooks, with no repository.
                assert!(
                    event == "ping" || e.repository.ends_with(&format!("/{}", e.project)),
                    "{event}"
                );
                for line in &l {
                    assert!(
                        line.starts_with(&format!("{}:", e.project)),
                        "{event}: {line}"
                    );
                    assert!(!line.chars().any(char::is_control), "{event}: {line:?}");
                }
                *said.entry(event).or_insert(0) += l.len();
            }
        }
        // What each kind says, counted over all its examples: pings,
        // create/delete (their push says it) and CI runs not yet done say
        // nothing.
        assert_eq!(said["ping"] + said["create"] + said["delete"], 0);
        assert!(said.values().filter(|n| **n > 0).count() >= 6, "{said:?}");
    }

    #[test]
    fn a_push_says_what_vext_hook_git_says() {
        let pushes = examples("push");
        let (_, l) = rendered(Forge::Github, "push", &pushes[4]);
        assert_eq!(
            l,
            ["Hello-World: Codertocat hello-world:master * 6113728 / README.md: Initial commit \
              https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246"]
        );
        let (_, l) = rendered(Forge::Github, "push", &pushes[0]);
        assert_eq!(l, ["Hello-World: simple-tag tag created at 6113728f27ae"]);
        let (_, l) = rendered(Forge::Github, "push", &pushes[1]);
        assert_eq!(l, ["Hello-World: simple-tag tag deleted"]);
    }

    #[test]
    fn pull_requests_issues_releases_and_ci_get_one_line() {
        let opened = examples("pull_request")
            .into_iter()
            .find(|b| String::from_utf8_lossy(b).contains("\"action\":\"opened\""))
            .unwrap();
        let (e, l) = rendered(Forge::Github, "pull_request", &opened);
        assert_eq!(e.action(), Some("opened"));
        assert_eq!(e.branch(), Some("master"));
        assert_eq!(
            l,
            ["Hello-World: Codertocat opened pull request #2: Update the README with new information. \
              https://github.com/Codertocat/Hello-World/pull/2"]
        );
        // The examples hold no merged pull request: close one as merged.
        let mut merged: serde_json::Value = serde_json::from_slice(&opened).unwrap();
        merged["action"] = "closed".into();
        merged["pull_request"]["merged"] = true.into();
        let (e, _) = rendered(Forge::Github, "pull_request", merged.to_string().as_bytes());
        assert_eq!(e.action(), Some("merged"));

        let release = examples("release")
            .into_iter()
            .find(|b| String::from_utf8_lossy(b).contains("\"action\":\"published\""))
            .unwrap();
        let (_, l) = rendered(Forge::Github, "release", &release);
        assert!(l[0].contains(" published release 0.0.1 "), "{l:?}");

        let run = examples("workflow_run")
            .into_iter()
            .find(|b| String::from_utf8_lossy(b).contains("\"conclusion\":\"success\""))
            .unwrap();
        let mut failed: serde_json::Value = serde_json::from_slice(&run).unwrap();
        failed["workflow_run"]["conclusion"] = "failure".into();
        let (e, l) = rendered(Forge::Github, "workflow_run", failed.to_string().as_bytes());
        assert_eq!(e.action(), Some("failed"));
        assert!(l[0].contains(" failed at "), "{l:?}");
    }

    #[test]
    fn gitlab_and_gitea_payloads_from_their_docs_render() {
        let fixture = |f: &str| {
            std::fs::read(format!(
                "{}/tests/fixtures/forge/{f}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
        };
        let (e, l) = rendered(Forge::Gitlab, "Push Hook", &fixture("gitlab/push.json"));
        assert_eq!(e.repository, "mike/diaspora");
        assert_eq!(l.len(), 3, "{l:?}");
        assert!(l[0].contains("b6568db / CHANGELOG app/controller/application.rb: Update Catalan"));
        assert_eq!(l[2], "Diaspora: master ... and 2 more commits");
        let (_, l) = rendered(
            Forge::Gitlab,
            "Tag Push Hook",
            &fixture("gitlab/tag_push.json"),
        );
        assert_eq!(l, ["Example: v1.0.0 tag created at 82b3d5ae55f7"]);
        let (e, l) = rendered(
            Forge::Gitlab,
            "Merge Request Hook",
            &fixture("gitlab/merge_request.json"),
        );
        assert_eq!((e.action(), e.branch()), (Some("opened"), Some("master")));
        assert_eq!(
            l,
            ["Gitlab Test: root opened merge request !1: MS-Viewport \
              http://example.com/diaspora/merge_requests/1"]
        );
        let (e, l) = rendered(
            Forge::Gitlab,
            "Pipeline Hook",
            &fixture("gitlab/pipeline.json"),
        );
        assert_eq!(e.action(), Some("passed"));
        assert_eq!(
            l,
            [
                "Gitlab Test: master Pipeline for branch: master passed at bcbb5ec \
              http://example.com/gitlab-org/gitlab-test/-/pipelines/31"
            ]
        );
        let (e, l) = rendered(Forge::Gitea, "push", &fixture("gitea/push.json"));
        assert_eq!(e.repository, "gitea/webhooks");
        assert!(
            l[0].starts_with("webhooks: Gitea webhooks:develop * bffeb74 "),
            "{l:?}"
        );
    }

    #[test]
    fn colours_follow_the_look() {
        let look = Look {
            color: Some("mirc".into()),
            ..Look::default()
        };
        let e = read(Forge::Github, "push", &examples("push")[1]).unwrap();
        assert_eq!(
            lines(&e, &look).unwrap(),
            ["\x02Hello-World:\x0f \x0307simple-tag\x0f tag deleted"]
        );
    }
}
