//! `[forge]` in the config: the secret of each forge, how lines look, and
//! the routes that say which events of which repositories go where. Every
//! route that matches an event adds its targets (each target once, in
//! route order): one route can send every push of `org/*` to the commits
//! channel while another sends failed CI of `org/api` to the ops room.
//! A repository no route names gets nothing.

use std::path::PathBuf;

use super::event::{Event, Forge};
use super::render::Look;
use crate::util::glob::glob;

/// The kinds a route's `events` may name.
pub(crate) const KINDS: [&str; 5] = ["push", "pull_request", "issue", "release", "ci"];

/// The actions sent when a route names none: what people want said, not
/// every label and edit.
const NOTABLE: [&str; 9] = [
    "opened",
    "closed",
    "merged",
    "reopened",
    "ready_for_review",
    "published",
    "failed",
    "fixed",
    "cancelled",
];

#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ForgeSection {
    /// GitHub's webhook secret (X-Hub-Signature-256).
    pub(crate) github_secret_file: Option<PathBuf>,
    /// GitLab's secret token (X-Gitlab-Token).
    pub(crate) gitlab_token_file: Option<PathBuf>,
    /// Gitea's or Forgejo's webhook secret (X-Gitea-Signature).
    pub(crate) gitea_secret_file: Option<PathBuf>,
    /// irkerhook's template for a commit line.
    pub(crate) template: Option<String>,
    /// none, mirc or ansi.
    pub(crate) color: Option<String>,
    /// Commits shown per push [default: 5].
    pub(crate) max_commits: Option<usize>,
    #[serde(default, rename = "route", skip_serializing_if = "Vec::is_empty")]
    pub(crate) routes: Vec<RouteSection>,
}

impl ForgeSection {
    pub(crate) fn secret_file(&self, forge: Forge) -> Option<&PathBuf> {
        match forge {
            Forge::Github => self.github_secret_file.as_ref(),
            Forge::Gitlab => self.gitlab_token_file.as_ref(),
            Forge::Gitea => self.gitea_secret_file.as_ref(),
        }
    }
}

/// One `[[forge.route]]`.
#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RouteSection {
    /// `owner/name`, `*` for any run of characters (`org/*`, `*`).
    pub(crate) repository: String,
    /// github, gitlab, gitea (or forgejo); any when not given.
    pub(crate) forge: Option<String>,
    /// push, pull_request, issue, release, ci; all when not given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) events: Vec<String>,
    /// Branch (or tag) patterns; any when not given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) branches: Vec<String>,
    /// opened, closed, merged, reopened, ready_for_review, published,
    /// failed, fixed, passed, cancelled, or the forge's own word, `*` for
    /// all; when not given, all but passed CI runs and routine edits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) actions: Vec<String>,
    /// Targets: `@name` or URLs.
    pub(crate) to: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Route {
    repository: String,
    forge: Option<Forge>,
    events: Vec<String>,
    branches: Vec<String>,
    actions: Vec<String>,
    to: Vec<String>,
}

impl Route {
    fn matches(&self, e: &Event) -> bool {
        let kind = e.kind();
        self.forge.is_none_or(|f| f == e.forge)
            && glob(&self.repository, &e.repository)
            && (self.events.is_empty() || self.events.iter().any(|k| k == kind))
            && (self.branches.is_empty()
                || e.branch()
                    .is_some_and(|b| self.branches.iter().any(|p| glob(p, b))))
            && match e.action() {
                None => true,
                Some(a) if self.actions.is_empty() => NOTABLE.contains(&a),
                Some(a) => self.actions.iter().any(|p| p == "*" || p == a),
            }
    }
}

/// The forge settings, checked: routes with their targets expanded, and
/// the look of the lines.
#[derive(Debug, Clone, Default)]
pub(crate) struct Routes {
    routes: Vec<Route>,
    pub(crate) look: Look,
}

impl Routes {
    /// Checks `[forge]`; `expand` turns `@name` into its URL.
    pub(crate) fn new(
        section: &ForgeSection,
        expand: impl Fn(&str) -> Result<String, String>,
    ) -> Result<Routes, String> {
        let mut routes = Vec::new();
        for (i, r) in section.routes.iter().enumerate() {
            let at = format!("[[forge.route]] #{} ({:?})", i + 1, r.repository);
            if r.repository.trim().is_empty() {
                return Err(format!("{at}: repository is empty (\"*\" for all)"));
            }
            let forge = match &r.forge {
                Some(f) => Some(Forge::parse(f).ok_or_else(|| {
                    format!("{at}: forge {f:?} is not github, gitlab, gitea or forgejo")
                })?),
                None => None,
            };
            if let Some(k) = r.events.iter().find(|k| !KINDS.contains(&k.as_str())) {
                return Err(format!(
                    "{at}: unknown event {k:?} (known: {})",
                    KINDS.join(", ")
                ));
            }
            if r.to.is_empty() {
                return Err(format!("{at}: `to` names no target"));
            }
            let to =
                r.to.iter()
                    .map(|t| {
                        let url = expand(t).map_err(|e| format!("{at}: {e}"))?;
                        crate::notify::destination::Destination::parse(&url).map_err(|e| {
                            format!(
                                "{at}: target {:?}: {e}",
                                crate::notify::destination::redacted(&url)
                            )
                        })?;
                        Ok(url)
                    })
                    .collect::<Result<Vec<_>, String>>()?;
            routes.push(Route {
                repository: r.repository.trim().to_string(),
                forge,
                events: r.events.clone(),
                branches: r.branches.clone(),
                actions: r.actions.clone(),
                to,
            });
        }
        let look = Look {
            template: section
                .template
                .clone()
                .unwrap_or_else(|| crate::commits::template::DEFAULT_GIT.into()),
            color: section.color.clone(),
            max_commits: section.max_commits.unwrap_or(5),
        };
        look.check()?;
        Ok(Routes { routes, look })
    }

    /// Every matching route's targets, each once, in route order.
    pub(crate) fn targets(&self, e: &Event) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in self.routes.iter().filter(|r| r.matches(e)) {
            for t in &r.to {
                if !out.contains(t) {
                    out.push(t.clone());
                }
            }
        }
        out
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}
