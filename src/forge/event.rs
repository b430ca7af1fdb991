//! One forge event, whatever forge sent it: the forges, and the push,
//! change, release and CI shapes every reader fills.

use crate::commits::commit::CommitData;

/// The forges vext takes webhooks from. Forgejo sends Gitea's payloads (and
/// both header names), so they share one endpoint.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Forge {
    Github,
    Gitlab,
    #[value(alias = "forgejo")]
    Gitea,
}

/// The largest webhook body read: forges send push payloads of several MB
/// (a push of thousands of commits is large). A longer one is refused
/// before it is read (413 on the daemon's endpoints).
pub(crate) const BODY_BYTES: usize = 8 * 1024 * 1024;

impl Forge {
    pub(crate) const ALL: [Forge; 3] = [Forge::Github, Forge::Gitlab, Forge::Gitea];

    pub(crate) fn parse(name: &str) -> Option<Forge> {
        match name.to_ascii_lowercase().as_str() {
            "github" => Some(Forge::Github),
            "gitlab" => Some(Forge::Gitlab),
            "gitea" | "forgejo" => Some(Forge::Gitea),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Forge::Github => "github",
            Forge::Gitlab => "gitlab",
            Forge::Gitea => "gitea",
        }
    }

    /// The event a saved payload is read as when none is named.
    pub(crate) fn default_event(self) -> &'static str {
        match self {
            Forge::Gitlab => "Push Hook",
            _ => "push",
        }
    }

    /// The headers that carry the event name, in the order they are asked.
    pub(crate) fn event_headers(self) -> &'static [&'static str] {
        match self {
            Forge::Github => &["X-GitHub-Event"],
            Forge::Gitlab => &["X-Gitlab-Event"],
            Forge::Gitea => &["X-Forgejo-Event", "X-Gitea-Event", "X-Gogs-Event"],
        }
    }

    /// The headers that carry the delivery id (the same on a redelivery).
    pub(crate) fn delivery_headers(self) -> &'static [&'static str] {
        match self {
            Forge::Github => &["X-GitHub-Delivery"],
            Forge::Gitlab => &["X-Gitlab-Event-UUID", "Idempotency-Key"],
            Forge::Gitea => &["X-Forgejo-Delivery", "X-Gitea-Delivery", "X-Gogs-Delivery"],
        }
    }
}

/// One forge event, whatever forge sent it.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) forge: Forge,
    /// `owner/name` (GitLab: the whole path with its groups).
    pub(crate) repository: String,
    /// The repository's own name, for the line's project.
    pub(crate) project: String,
    /// Who did it (login or name), when the payload says.
    pub(crate) sender: String,
    pub(crate) what: What,
}

#[derive(Debug, Clone)]
pub(crate) enum What {
    /// A hook's test or ping: answered, never sent.
    Ping,
    Push(Push),
    Change(Change),
    Release(Release),
    Ci(Ci),
    /// A known event that is not announced (a job queued, a branch
    /// created: its push says so), with the reason.
    Quiet(String),
    /// An event vext does not read, by the name its forge gave.
    Unknown(String),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Push {
    /// The full ref (`refs/heads/main`, `refs/tags/v1`).
    pub(crate) reference: String,
    pub(crate) before: String,
    pub(crate) after: String,
    /// The commit the ref now names (for an annotated tag, the commit, not
    /// the tag object).
    pub(crate) head: String,
    pub(crate) created: bool,
    pub(crate) deleted: bool,
    pub(crate) forced: bool,
    /// The new commits, oldest first (as many as the payload carries).
    pub(crate) commits: Vec<CommitData>,
    /// How many commits the push had (GitLab sends 20 of more).
    pub(crate) total: usize,
}

impl Push {
    pub(crate) fn is_tag(&self) -> bool {
        self.reference.starts_with("refs/tags/")
    }

    /// The branch or tag name.
    pub(crate) fn name(&self) -> &str {
        self.reference
            .strip_prefix("refs/heads/")
            .or_else(|| self.reference.strip_prefix("refs/tags/"))
            .unwrap_or(&self.reference)
    }
}

/// What a pull request, merge request or issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChangeKind {
    PullRequest,
    MergeRequest,
    Issue,
}

#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub(crate) kind: ChangeKind,
    /// opened, closed, merged, reopened, ready_for_review, or the forge's own word.
    pub(crate) action: String,
    pub(crate) number: u64,
    pub(crate) title: String,
    pub(crate) url: String,
    /// The branch a pull/merge request targets.
    pub(crate) branch: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Release {
    /// published, or the forge's own word.
    pub(crate) action: String,
    pub(crate) tag: String,
    pub(crate) name: String,
    pub(crate) url: String,
}

/// How a CI run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    Failure,
    Cancelled,
}

#[derive(Debug, Clone)]
pub(crate) struct Ci {
    /// The workflow, pipeline or app name.
    pub(crate) name: String,
    pub(crate) branch: String,
    /// None while it runs (not announced).
    pub(crate) outcome: Option<Outcome>,
    pub(crate) commit: String,
    pub(crate) url: String,
    /// A success after a failure on the same workflow and branch (the
    /// receiver remembers; a payload never says).
    pub(crate) fixed: bool,
}

impl Ci {
    /// failed, fixed, passed or cancelled; None while it runs.
    pub(crate) fn result(&self) -> Option<&'static str> {
        Some(match self.outcome? {
            Outcome::Failure => "failed",
            Outcome::Success if self.fixed => "fixed",
            Outcome::Success => "passed",
            Outcome::Cancelled => "cancelled",
        })
    }
}

impl Event {
    /// The kind a route names: push, pull_request, issue, release, ci,
    /// ping, or the forge's name for one vext does not read.
    pub(crate) fn kind(&self) -> &str {
        match &self.what {
            What::Ping => "ping",
            What::Push(_) => "push",
            What::Change(c) if c.kind == ChangeKind::Issue => "issue",
            What::Change(_) => "pull_request",
            What::Release(_) => "release",
            What::Ci(_) => "ci",
            What::Quiet(_) => "quiet",
            What::Unknown(k) => k,
        }
    }

    /// What happened to it (opened, merged, published, failed…), when the
    /// kind has actions.
    pub(crate) fn action(&self) -> Option<&str> {
        match &self.what {
            What::Change(c) => Some(&c.action),
            What::Release(r) => Some(&r.action),
            What::Ci(c) => c.result(),
            _ => None,
        }
    }

    /// The branch (or tag) the event is about, when it has one.
    pub(crate) fn branch(&self) -> Option<&str> {
        match &self.what {
            What::Push(p) => Some(p.name()),
            What::Change(c) => c.branch.as_deref(),
            What::Ci(c) => Some(&c.branch),
            What::Release(r) => Some(&r.tag),
            _ => None,
        }
    }
}
