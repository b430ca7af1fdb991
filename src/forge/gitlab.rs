//! GitLab's webhook payloads: `object_kind` and `object_attributes`, the
//! event named by `X-Gitlab-Event` ("Push Hook", "Merge Request Hook"…).

use serde_json::Value;

use super::event::{Change, ChangeKind, Ci, Event, Forge, Outcome, Push, Release, What};
use super::payload::{clean, commits, text, zero};

pub(super) fn read(event: &str, v: &Value) -> Result<Event, String> {
    let repository = Some(text(v, "/project/path_with_namespace"))
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| text(v, "/repository/name"));
    let project = Some(text(v, "/project/name"))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| text(v, "/repository/name"));
    let sender = [
        "/user_username",
        "/user/username",
        "/user_name",
        "/user/name",
    ]
    .iter()
    .map(|p| text(v, p))
    .find(|s| !s.is_empty())
    .unwrap_or_default();
    let action = text(v, "/object_attributes/action");
    let what = match event {
        "Push Hook" | "Tag Push Hook" => What::Push(push(v)),
        "Merge Request Hook" => What::Change(Change {
            kind: ChangeKind::MergeRequest,
            action: match action.as_str() {
                "open" => "opened".into(),
                "close" => "closed".into(),
                "reopen" => "reopened".into(),
                "merge" => "merged".into(),
                // A draft marked ready shows as an update that drops "Draft:".
                "update"
                    if v.pointer("/changes/draft/current").and_then(Value::as_bool)
                        == Some(false) =>
                {
                    "ready_for_review".into()
                }
                a => a.to_string(),
            },
            number: v
                .pointer("/object_attributes/iid")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            title: text(v, "/object_attributes/title"),
            url: text(v, "/object_attributes/url"),
            branch: Some(text(v, "/object_attributes/target_branch")).filter(|b| !b.is_empty()),
        }),
        "Issue Hook" | "Confidential Issue Hook" => What::Change(Change {
            kind: ChangeKind::Issue,
            action: match action.as_str() {
                "open" => "opened".into(),
                "close" => "closed".into(),
                "reopen" => "reopened".into(),
                a => a.to_string(),
            },
            number: v
                .pointer("/object_attributes/iid")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            title: text(v, "/object_attributes/title"),
            url: text(v, "/object_attributes/url"),
            branch: None,
        }),
        "Release Hook" => What::Release(Release {
            action: match text(v, "/action").as_str() {
                "create" => "published".into(),
                a => a.to_string(),
            },
            tag: text(v, "/tag"),
            name: text(v, "/name"),
            url: text(v, "/url"),
        }),
        "Pipeline Hook" => pipeline(v),
        "Job Hook" => What::Quiet("a job: its pipeline's result is announced".into()),
        "" => return Err("no X-Gitlab-Event header".into()),
        other => What::Unknown(clean(other)),
    };
    Ok(Event {
        forge: Forge::Gitlab,
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
    Push {
        reference: text(v, "/ref"),
        created: zero(&before),
        deleted: zero(&after),
        // GitLab does not say; a forced push reads as an update.
        forced: false,
        // Past 20 commits the payload carries the newest 20 only.
        total: v
            .pointer("/total_commits_count")
            .and_then(Value::as_u64)
            .map_or(commits.len(), |n| n as usize)
            .max(commits.len()),
        head: Some(text(v, "/checkout_sha"))
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| after.clone()),
        commits,
        before,
        after,
    }
}

fn pipeline(v: &Value) -> What {
    let outcome = match text(v, "/object_attributes/status").as_str() {
        "success" => Some(Outcome::Success),
        "failed" => Some(Outcome::Failure),
        "canceled" | "cancelled" => Some(Outcome::Cancelled),
        s => return What::Quiet(format!("pipeline {s}: only results are announced")),
    };
    let id = v
        .pointer("/object_attributes/id")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let url = Some(text(v, "/object_attributes/url"))
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| {
            let web = text(v, "/project/web_url");
            if web.is_empty() {
                String::new()
            } else {
                format!("{web}/-/pipelines/{id}")
            }
        });
    let name = Some(text(v, "/object_attributes/name"))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "pipeline".into());
    What::Ci(Ci {
        name,
        branch: text(v, "/object_attributes/ref"),
        outcome,
        commit: text(v, "/object_attributes/sha"),
        url,
        fixed: false,
    })
}
