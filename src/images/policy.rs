//! The safe-update policy: which changes are approved, held or ignored.
//! TOML, in the config file's `[policy]` or a `--policy FILE`; the first
//! rule whose `image` glob matches the normalised name wins; `allow` is
//! cumulative (`minor` includes `patch`).

use std::fmt;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::images::version::{version_of, Change, Version};
use crate::images::window::Window;

/// What the policy decided for one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Decision {
    /// An update the policy approves (`latest`).
    Approve,
    /// Newer versions exist, none of them approved.
    Hold,
    /// A rule says to ignore the image.
    Ignore,
    /// Nothing newer.
    None,
}

/// How far the newest version is from the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum UpdateKind {
    None,
    Patch,
    Minor,
    Major,
    /// Same tag, another digest behind it (`latest`-style tags).
    Digest,
}

impl Decision {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Hold => "hold",
            Decision::Ignore => "ignore",
            Decision::None => "none",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl UpdateKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            UpdateKind::None => "none",
            UpdateKind::Patch => "patch",
            UpdateKind::Minor => "minor",
            UpdateKind::Major => "major",
            UpdateKind::Digest => "digest",
        }
    }
}

impl From<Change> for UpdateKind {
    fn from(c: Change) -> UpdateKind {
        match c {
            Change::None => UpdateKind::None,
            Change::Patch => UpdateKind::Patch,
            Change::Minor => UpdateKind::Minor,
            Change::Major => UpdateKind::Major,
        }
    }
}

impl fmt::Display for UpdateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The policy's verdict on the tags a registry offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// The newest tag of the same variant and shape, regardless of policy.
    pub(crate) newest: Option<String>,
    /// The newest tag the policy approves.
    pub(crate) latest: Option<String>,
    /// current -> newest.
    pub(crate) change: UpdateKind,
    /// current -> latest (the approved update's own kind).
    pub(crate) approved_change: UpdateKind,
    pub(crate) decision: Decision,
    /// Every approved tag, newest first (at most [`APPROVED_KEPT`]): what a
    /// release-age gate chooses from when the newest is too young.
    pub(crate) approved: Vec<String>,
}

/// Approved tags a verdict keeps, newest first.
pub(crate) const APPROVED_KEPT: usize = 20;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicySection {
    pub(crate) allow: Option<String>,
    pub(crate) digest: Option<String>,
    pub(crate) prerelease: Option<bool>,
    /// Hold an approved version until it is this old.
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) min_age: Option<std::time::Duration>,
    /// Apply updates only in this maintenance window.
    pub(crate) window: Option<String>,
    /// `manual`: an approved update waits for a person (`vext update
    /// --approve ID`); `auto` (the default): it is applied.
    pub(crate) approve: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) rule: Vec<RuleSection>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleSection {
    pub(crate) image: String,
    pub(crate) allow: Option<String>,
    pub(crate) digest: Option<String>,
    pub(crate) prerelease: Option<bool>,
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) min_age: Option<std::time::Duration>,
    pub(crate) window: Option<String>,
    pub(crate) approve: Option<String>,
    /// The release page of a version, `{version}` standing for its tag.
    pub(crate) release_notes: Option<String>,
    pub(crate) pin: Option<String>,
    pub(crate) include: Option<String>,
    pub(crate) exclude: Option<String>,
    pub(crate) ignore: Option<bool>,
}

/// Who lets an approved update be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Approval {
    /// The policy alone.
    Auto,
    /// A person, with `vext update --approve ID`.
    Manual,
    /// A person, asked in the notification and answering in chat (the
    /// bot's `!cd approve ID`) or with `vext update --approve ID`.
    Chat,
}

/// What the policy says for one image.
#[derive(Debug, Clone)]
pub(crate) struct Effective {
    /// The largest change approved (None: nothing).
    pub(crate) allow: Change,
    pub(crate) approve_digest: bool,
    pub(crate) prerelease: bool,
    pub(crate) pin: Option<Vec<u64>>,
    pub(crate) include: Option<Regex>,
    pub(crate) exclude: Option<Regex>,
    pub(crate) ignore: bool,
    /// An approved version waits until it is this old (None: at once).
    pub(crate) min_age: Option<std::time::Duration>,
    /// Updates are applied only while this window is open.
    pub(crate) window: Option<crate::images::window::Window>,
    /// Whether updates wait for a person's approval.
    pub(crate) approval: Approval,
    /// The release page of a version (`{version}` for its tag).
    pub(crate) release_notes: Option<String>,
}

impl Verdict {
    /// A rule says to ignore the image: nothing newer is looked at.
    fn ignored() -> Verdict {
        Verdict {
            newest: None,
            latest: None,
            change: UpdateKind::None,
            approved_change: UpdateKind::None,
            decision: Decision::Ignore,
            approved: Vec::new(),
        }
    }
}

impl Effective {
    /// Decides between the versions in `tags` for an image running `current`
    /// (a version): the newest compatible one, and the newest one the policy
    /// approves.
    pub(crate) fn decide(&self, current: &Version, tags: &[String]) -> Verdict {
        if self.ignore {
            return Verdict::ignored();
        }
        let eligible = |v: &Version| {
            current.compatible(v)
                && *v > *current
                && (!v.is_prerelease() || current.is_prerelease() || self.prerelease)
        };
        let mut newest: Option<(Version, &String)> = None;
        let mut latest: Option<(Version, &String)> = None;
        let mut approved: Vec<(Version, &String)> = Vec::new();
        for t in tags {
            let Some(v) = version_of(t) else { continue };
            if !eligible(&v) {
                continue;
            }
            if newest.as_ref().is_none_or(|(n, _)| v > *n) {
                newest = Some((v.clone(), t));
            }
            if self.allow != Change::None
                && current.change_to(&v) <= self.allow
                && self.admits(t, &v)
            {
                approved.push((v.clone(), t));
                if latest.as_ref().is_none_or(|(l, _)| v > *l) {
                    latest = Some((v, t));
                }
            }
        }
        let change = newest
            .as_ref()
            .map_or(UpdateKind::None, |(n, _)| current.change_to(n).into());
        let approved_change = latest
            .as_ref()
            .map_or(UpdateKind::None, |(l, _)| current.change_to(l).into());
        let decision = if latest.is_some() {
            Decision::Approve
        } else if newest.is_some() {
            Decision::Hold
        } else {
            Decision::None
        };
        approved.sort_by(|a, b| b.0.cmp(&a.0));
        approved.truncate(APPROVED_KEPT);
        Verdict {
            newest: newest.map(|(_, t)| t.clone()),
            latest: latest.map(|(_, t)| t.clone()),
            change,
            approved_change,
            decision,
            approved: approved.into_iter().map(|(_, t)| t.clone()).collect(),
        }
    }

    /// Decides for a non-version tag (`latest`) whose digest moved.
    pub(crate) fn decide_digest(&self, tag: &str) -> Verdict {
        if self.ignore {
            return Verdict::ignored();
        }
        Verdict {
            newest: Some(tag.to_string()),
            latest: self.approve_digest.then(|| tag.to_string()),
            change: UpdateKind::Digest,
            approved_change: if self.approve_digest {
                UpdateKind::Digest
            } else {
                UpdateKind::None
            },
            decision: if self.approve_digest {
                Decision::Approve
            } else {
                Decision::Hold
            },
            approved: Vec::new(),
        }
    }

    /// Whether a tag passes include/exclude/pin.
    pub(crate) fn admits(&self, tag: &str, v: &Version) -> bool {
        self.include.as_ref().is_none_or(|r| r.is_match(tag))
            && !self.exclude.as_ref().is_some_and(|r| r.is_match(tag))
            && self.pin.as_ref().is_none_or(|p| v.numbers.starts_with(p))
    }
}

#[derive(Debug)]
pub(crate) struct Policy {
    default: Effective,
    rules: Vec<(String, Effective)>,
}

fn allow_of(s: &str, where_: &str) -> Result<Change, String> {
    match s {
        "none" => Ok(Change::None),
        "patch" => Ok(Change::Patch),
        "minor" => Ok(Change::Minor),
        "major" => Ok(Change::Major),
        other => Err(format!(
            "{where_}: allow = {other:?}: expected none, patch, minor or major"
        )),
    }
}

fn digest_of(s: &str, where_: &str) -> Result<bool, String> {
    match s {
        "approve" => Ok(true),
        "hold" => Ok(false),
        other => Err(format!(
            "{where_}: digest = {other:?}: expected approve or hold"
        )),
    }
}

/// `approve = "auto" | "manual" | "chat"`: whether updates wait for a
/// person, and whether the request is announced in the notification (to
/// be answered in chat, `!cd approve ID`).
fn approve_of(s: Option<&str>, where_: &str) -> Result<Option<Approval>, String> {
    match s {
        None => Ok(None),
        Some("auto") => Ok(Some(Approval::Auto)),
        Some("manual") => Ok(Some(Approval::Manual)),
        Some("chat") => Ok(Some(Approval::Chat)),
        Some(other) => Err(format!(
            "{where_}: approve = {other:?}: expected auto, manual or chat"
        )),
    }
}

fn regex_of(s: &Option<String>, what: &str, where_: &str) -> Result<Option<Regex>, String> {
    s.as_deref()
        .map(|r| Regex::new(r).map_err(|e| format!("{where_}: {what} = {r:?}: {e}")))
        .transpose()
}

/// A rule's `release_notes` template: an http(s) URL with `{version}`.
fn notes_of(template: Option<&str>, at: &str) -> Result<Option<String>, String> {
    let Some(t) = template else { return Ok(None) };
    if !(t.starts_with("https://") || t.starts_with("http://"))
        || !t.contains("{version}")
        || t.chars().any(char::is_whitespace)
    {
        return Err(format!(
            "{at}: release_notes = {t:?}: expected an http(s) URL with {{version}} for the tag, like https://github.com/acme/app/releases/tag/v{{version}}"
        ));
    }
    Ok(Some(t.to_string()))
}

impl Policy {
    /// Without a policy: approve patch and minor, hold major and digest-only changes.
    pub(crate) fn from_section(section: Option<&PolicySection>) -> Result<Policy, String> {
        let empty = PolicySection::default();
        let s = section.unwrap_or(&empty);
        let default = Effective {
            allow: allow_of(s.allow.as_deref().unwrap_or("minor"), "[policy]")?,
            approve_digest: digest_of(s.digest.as_deref().unwrap_or("hold"), "[policy]")?,
            prerelease: s.prerelease.unwrap_or(false),
            pin: None,
            include: None,
            exclude: None,
            ignore: false,
            min_age: s.min_age,
            window: s
                .window
                .as_deref()
                .map(|w| Window::parse(w).map_err(|e| format!("[policy] {e}")))
                .transpose()?,
            approval: approve_of(s.approve.as_deref(), "[policy]")?.unwrap_or(Approval::Auto),
            release_notes: None,
        };
        let mut rules = Vec::new();
        for (i, r) in s.rule.iter().enumerate() {
            let at = format!("[[policy.rule]] #{} ({})", i + 1, r.image);
            let pin = match &r.pin {
                Some(p) => Some(
                    p.trim_start_matches('v')
                        .split('.')
                        .map(|n| {
                            n.parse::<u64>().map_err(|_| {
                                format!("{at}: pin = {p:?}: expected numbers like 16 or 1.25")
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                None => None,
            };
            rules.push((
                r.image.clone(),
                Effective {
                    allow: match &r.allow {
                        Some(a) => allow_of(a, &at)?,
                        None => default.allow,
                    },
                    approve_digest: match &r.digest {
                        Some(d) => digest_of(d, &at)?,
                        None => default.approve_digest,
                    },
                    prerelease: r.prerelease.unwrap_or(default.prerelease),
                    pin,
                    include: regex_of(&r.include, "include", &at)?,
                    exclude: regex_of(&r.exclude, "exclude", &at)?,
                    ignore: r.ignore.unwrap_or(false),
                    min_age: r.min_age.or(default.min_age),
                    window: match &r.window {
                        Some(w) => Some(Window::parse(w).map_err(|e| format!("{at}: {e}"))?),
                        None => default.window.clone(),
                    },
                    approval: approve_of(r.approve.as_deref(), &at)?.unwrap_or(default.approval),
                    release_notes: notes_of(r.release_notes.as_deref(), &at)?,
                },
            ));
        }
        Ok(Policy { default, rules })
    }

    /// The first matching rule, else the defaults. `name` is `registry/repository`.
    pub(crate) fn for_image(&self, name: &str) -> &Effective {
        self.rules
            .iter()
            .find(|(glob, _)| crate::util::glob::glob(glob, name))
            .map_or(&self.default, |(_, e)| e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn decides_newest_and_approved_tags() {
        let p = Policy::from_section(None).unwrap();
        let e = p.for_image("docker.io/library/app");
        let offered = tags(&["1.0.0", "1.0.1", "1.1.0", "2.0.0", "1.2.0-alpine", "latest"]);
        let v = e.decide(&version_of("1.0.0").unwrap(), &offered);
        assert_eq!(v.newest.as_deref(), Some("2.0.0"));
        assert_eq!(v.latest.as_deref(), Some("1.1.0"));
        assert_eq!(v.change, UpdateKind::Major);
        assert_eq!(v.approved_change, UpdateKind::Minor);
        assert_eq!(v.decision, Decision::Approve);
        let v = e.decide(&version_of("1.1.0").unwrap(), &offered);
        assert_eq!((v.latest, v.decision), (None, Decision::Hold));
        let v = e.decide(&version_of("2.0.0").unwrap(), &offered);
        assert_eq!((v.change, v.decision), (UpdateKind::None, Decision::None));
    }

    #[test]
    fn a_moved_digest_is_held_unless_approved() {
        let held = Policy::from_section(None).unwrap();
        let v = held.for_image("x").decide_digest("latest");
        assert_eq!((v.change, v.decision), (UpdateKind::Digest, Decision::Hold));
        let section: PolicySection = toml::from_str("digest = \"approve\"").unwrap();
        let approving = Policy::from_section(Some(&section)).unwrap();
        let v = approving.for_image("x").decide_digest("latest");
        assert_eq!(v.latest.as_deref(), Some("latest"));
        assert_eq!(v.decision, Decision::Approve);
    }

    #[test]
    fn rules_and_defaults() {
        let section: PolicySection = toml::from_str(
            "allow = \"minor\"\n[[rule]]\nimage = \"docker.io/library/postgres*\"\nallow = \"patch\"\npin = \"16\"\ninclude = '^\\d+\\.\\d+$'\nexclude = 'beta'\n[[rule]]\nimage = \"ghcr.io/acme/*\"\nignore = true\n",
        )
        .unwrap();
        let p = Policy::from_section(Some(&section)).unwrap();
        let pg = p.for_image("docker.io/library/postgres");
        assert_eq!(pg.allow, Change::Patch);
        let v = |s: &str| Version::parse(s).unwrap();
        assert!(pg.admits("16.3", &v("16.3")));
        assert!(!pg.admits("17.0", &v("17.0")), "pinned to 16");
        assert!(!pg.admits("16.3.1", &v("16.3.1")), "include");
        assert!(p.for_image("ghcr.io/acme/api").ignore);
        assert_eq!(p.for_image("docker.io/library/nginx").allow, Change::Minor);
        let none = Policy::from_section(None).unwrap();
        assert!(!none.for_image("x").approve_digest && none.for_image("x").allow == Change::Minor);
        let bad: PolicySection = toml::from_str("allow = \"everything\"").unwrap();
        assert!(Policy::from_section(Some(&bad))
            .unwrap_err()
            .contains("everything"));
        assert!(toml::from_str::<PolicySection>("alow = 1").is_err());
    }

    #[test]
    fn release_notes_templates_are_urls_with_the_version() {
        let ok =
            "[[rule]]\nimage = \"a/*\"\nrelease_notes = \"https://x.org/a/releases/v{version}\"\n";
        let p = Policy::from_section(Some(&toml::from_str(ok).unwrap())).unwrap();
        assert_eq!(
            p.for_image("a/x").release_notes.as_deref(),
            Some("https://x.org/a/releases/v{version}")
        );
        assert!(p.for_image("b/x").release_notes.is_none());
        for bad in [
            "https://x.org/changes",
            "ftp://x.org/{version}",
            "https://x.org/{version} x",
        ] {
            let t = format!("[[rule]]\nimage = \"a/*\"\nrelease_notes = \"{bad}\"\n");
            let err = Policy::from_section(Some(&toml::from_str(&t).unwrap())).unwrap_err();
            assert!(err.contains("release_notes"), "{err}");
        }
    }

    #[test]
    fn min_age_is_read_and_inherited_by_rules() {
        let section: PolicySection = toml::from_str(
            "min_age = \"3d\"\n[[rule]]\nimage = \"a/*\"\nmin_age = \"1h\"\n[[rule]]\nimage = \"b/*\"\n",
        )
        .unwrap();
        let p = Policy::from_section(Some(&section)).unwrap();
        let h = std::time::Duration::from_secs(3600);
        assert_eq!(p.for_image("a/x").min_age, Some(h));
        assert_eq!(p.for_image("b/x").min_age, Some(h * 72));
        assert_eq!(p.for_image("c/x").min_age, Some(h * 72));
        let v = p
            .for_image("c/x")
            .decide(&version_of("1.0").unwrap(), &tags(&["1.1", "1.2", "2.0"]));
        assert_eq!(v.approved, ["1.2", "1.1"]);
    }
}
