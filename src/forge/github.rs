//! GitHub's webhook payloads, and Gitea's and Forgejo's, which follow
//! GitHub's shape (`ref`, `commits`, `pull_request`, `action`) with a few
//! differences said where they are met.

use serde_json::Value;

use super::event::{Change, ChangeKind, Ci, Event, Forge, Outcome, Push, Release, What};
use super::payload::{clean, commits, text, zero};

pub(super) fn read(forge: Forge, event: &str, v: &Value) -> Result<Event, String> {
    let repository = text(v, "/repository/full_name");
    let project = Some(text(v, "/repository/name"))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            repository
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string()
        });
    let sender = [
        "/sender/login",
        "/sender/username",
        "/pusher/name",
        "/pusher/login",
    ]
    .iter()
    .map(|p| text(v, p))
    .find(|s| !s.is_empty())
    .unwrap_or_default();
    let action = text(v, "/action");
    let what = match event {
        "ping" => What::Ping,
        "push" => What::Push(push(v)),
        "pull_request" => What::Change(pull_request(v, &action)),
        "issues" => What::Change(Change {
            kind: ChangeKind::Issue,
            action,
            number: v
                .pointer("/issue/number")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            title: text(v, "/issue/title"),
            url: text(v, "/issue/html_url"),
            branch: None,
        }),
        "release" => What::Release(Release {
            action,
            tag: text(v, "/release/tag_name"),
            name: text(v, "/release/name"),
            url: text(v, "/release/html_url"),
        }),
        "workflow_run" => ci(v, "/workflow_run", &action),
        "check_suite" => ci(v, "/check_suite", &action),
        // The push that made or removed the ref announces it.
        "create" | "delete" => What::Quiet(format!("{event}: its push says it")),
        "" => return Err(format!("no {} header", forge.event_headers()[0])),
        other => What::Unknown(clean(other)),
    };
    Ok(Event {
        forge,
        repository,
        project,
        sender,
        what,
    })
}

fn push(v: &Value) -> Push {
    let before = text(v, "/before");
    let after = text(v, "/after");
    let commits = commits(v);
    let flag = |name: &str| v.pointer(name).and_then(Value::as_bool);
    Push {
        reference: text(v, "/ref"),
        // Gitea sends no created/deleted flags: the zero ids say it.
        created: flag("/created").unwrap_or_else(|| zero(&before)),
        deleted: flag("/deleted").unwrap_or_else(|| zero(&after)),
        forced: flag("/forced").unwrap_or(false),
        total: v
            .pointer("/total_commits")
            .and_then(Value::as_u64)
            .map_or(commits.len(), |n| n as usize)
            .max(commits.len()),
        head: Some(text(v, "/head_commit/id"))
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| after.clone()),
        commits,
        before,
        after,
    }
}

fn pull_request(v: &Value, action: &str) -> Change {
    let merged = v.pointer("/pull_request/merged").and_then(Value::as_bool) == Some(true);
    Change {
        kind: ChangeKind::PullRequest,
        action: match action {
            "closed" if merged => "merged".into(),
            // Gitea's word for new commits on the branch.
            "synchronized" => "synchronize".into(),
            a => a.to_string(),
        },
        number: v
            .pointer("/pull_request/number")
            .or_else(|| v.pointer("/number"))
            .and_then(Value::as_u64)
            .unwrap_or(0),
        title: text(v, "/pull_request/title"),
        url: text(v, "/pull_request/html_url"),
        branch: Some(text(v, "/pull_request/base/ref")).filter(|b| !b.is_empty()),
    }
}

fn ci(v: &Value, at: &str, action: &str) -> What {
    if action != "completed" {
        return What::Quiet(format!("CI {action}: only results are announced"));
    }
    let outcome = match text(v, &format!("{at}/conclusion")).as_str() {
        "success" => Some(Outcome::Success),
        "failure" | "timed_out" | "startup_failure" => Some(Outcome::Failure),
        "cancelled" => Some(Outcome::Cancelled),
        // neutral, skipped, stale, action_required: not a result to say.
        _ => None,
    };
    let name = Some(text(v, &format!("{at}/name")))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| text(v, &format!("{at}/app/name")));
    let commit = text(v, &format!("{at}/head_sha"));
    let url = Some(text(v, &format!("{at}/html_url")))
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| {
            let repo = text(v, "/repository/html_url");
            if repo.is_empty() || commit.is_empty() {
                String::new()
            } else {
                format!("{repo}/commit/{commit}")
            }
        });
    What::Ci(Ci {
        name,
        branch: text(v, &format!("{at}/head_branch")),
        outcome,
        commit,
        url,
        fixed: false,
    })
}
