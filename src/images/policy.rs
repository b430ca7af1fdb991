//! The safe-update policy: which changes are approved, held or ignored.
//! TOML, in the config file's `[policy]` or a `--policy FILE`; the first
//! rule whose `image` glob matches the normalised name wins; `allow` is
//! cumulative (`minor` includes `patch`).

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::images::version::{Change, Version};

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicySection {
    pub(crate) allow: Option<String>,
    pub(crate) digest: Option<String>,
    pub(crate) prerelease: Option<bool>,
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
    pub(crate) pin: Option<String>,
    pub(crate) include: Option<String>,
    pub(crate) exclude: Option<String>,
    pub(crate) ignore: Option<bool>,
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
}

impl Effective {
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

fn regex_of(s: &Option<String>, what: &str, where_: &str) -> Result<Option<Regex>, String> {
    s.as_deref()
        .map(|r| Regex::new(r).map_err(|e| format!("{where_}: {what} = {r:?}: {e}")))
        .transpose()
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
                },
            ));
        }
        Ok(Policy { default, rules })
    }

    /// The first matching rule, else the defaults. `name` is `registry/repository`.
    pub(crate) fn for_image(&self, name: &str) -> &Effective {
        self.rules
            .iter()
            .find(|(glob, _)| crate::glob::glob(glob, name))
            .map_or(&self.default, |(_, e)| e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
