//! Container tags as versions, with the rules Renovate's docker versioning
//! uses: a leading `v` is dropped; the part after the first `-` is a variant
//! that must stay the same (`1.25-alpine` → `1.27-alpine`, never `1.27`);
//! only tags with the same number of numeric parts compare; prereleases are
//! numbers followed by letters (`3.12.0rc1`) or a prerelease word after `-`
//! (`-rc.1`, `-beta`). Hashes, `latest`-like words and `sha256-…` signature
//! tags are not versions.

use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Version {
    pub(crate) numbers: Vec<u64>,
    /// `rc1`, `beta.2`: empty for a release.
    pub(crate) prerelease: String,
    /// What follows the first `-` (minus a prerelease word): `alpine`, `bookworm`.
    pub(crate) variant: String,
}

/// The kind of change from one version to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Change {
    None,
    Patch,
    Minor,
    Major,
}

const PRERELEASE_WORDS: [&str; 7] = ["alpha", "beta", "rc", "pre", "preview", "dev", "snapshot"];

fn is_prerelease_word(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    PRERELEASE_WORDS.iter().any(|w| {
        lower
            .strip_prefix(w)
            .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
    })
}

impl Version {
    /// Parses a tag; None when it is not a version.
    pub(crate) fn parse(tag: &str) -> Option<Version> {
        if tag.starts_with("sha256-") || tag.len() > 128 {
            return None;
        }
        let t = tag.strip_prefix('v').unwrap_or(tag);
        let (main, suffix) = match t.split_once('-') {
            Some((m, s)) => (m, Some(s)),
            None => (t, None),
        };
        // Numbers, then optional letters/digits directly after (rc1, beta2, a1).
        let num_end = main
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(main.len());
        let (nums, tail) = main.split_at(num_end);
        if nums.is_empty() || nums.starts_with('.') || nums.ends_with('.') || nums.contains("..") {
            return None;
        }
        let numbers: Vec<u64> = nums
            .split('.')
            .map(|n| n.parse().ok())
            .collect::<Option<_>>()?;
        // Letters right after the numbers make a prerelease (rc1, beta2).
        if !tail.is_empty()
            && (!tail.starts_with(|c: char| c.is_ascii_alphabetic())
                || !tail
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_'))
        {
            return None;
        }
        let mut prerelease = tail.to_string();
        let mut variant = String::new();
        if let Some(s) = suffix {
            let (first, rest) = match s.split_once('-') {
                Some((f, r)) => (f, Some(r)),
                None => (s, None),
            };
            if prerelease.is_empty() && is_prerelease_word(first) {
                prerelease = first.to_string();
                variant = rest.unwrap_or("").to_string();
            } else {
                variant = s.to_string();
            }
        }
        Some(Version {
            numbers,
            prerelease,
            variant,
        })
    }

    pub(crate) fn is_prerelease(&self) -> bool {
        !self.prerelease.is_empty()
    }

    /// Whether `other` is on the same track: same variant, same number of parts.
    pub(crate) fn compatible(&self, other: &Version) -> bool {
        self.variant == other.variant && self.numbers.len() == other.numbers.len()
    }

    /// The change from `self` to a newer `other` (0.y counts y as major).
    pub(crate) fn change_to(&self, other: &Version) -> Change {
        match self
            .numbers
            .iter()
            .zip(&other.numbers)
            .position(|(a, b)| a != b)
        {
            None => Change::None,
            Some(0) => Change::Major,
            Some(1) if self.numbers[0] == 0 => Change::Major,
            Some(1) => Change::Minor,
            Some(_) => Change::Patch,
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers.cmp(&other.numbers).then_with(|| {
            match (self.prerelease.is_empty(), other.prerelease.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => natural(&self.prerelease, &other.prerelease),
            }
        })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares with digit runs as numbers (`rc10` > `rc9`).
fn natural(a: &str, b: &str) -> Ordering {
    let mut x = a.chars().peekable();
    let mut y = b.chars().peekable();
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let mut n = String::new();
                while let Some(c) = x.peek().copied().filter(char::is_ascii_digit) {
                    n.push(c);
                    x.next();
                }
                let mut m = String::new();
                while let Some(d) = y.peek().copied().filter(char::is_ascii_digit) {
                    m.push(d);
                    y.next();
                }
                let o = n
                    .parse::<u128>()
                    .unwrap_or(0)
                    .cmp(&m.parse::<u128>().unwrap_or(0));
                if o != Ordering::Equal {
                    return o;
                }
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(&d);
                }
                x.next();
                y.next();
            }
        }
    }
}

/// Tags that look like commit hashes (7-40 hex characters with a letter).
pub(crate) fn is_hash_like(tag: &str) -> bool {
    (7..=64).contains(&tag.len())
        && tag.chars().all(|c| c.is_ascii_hexdigit())
        && tag.chars().any(|c| c.is_ascii_alphabetic())
}

/// A tag that is a version, with hashes and signatures ruled out.
pub(crate) fn version_of(tag: &str) -> Option<Version> {
    if is_hash_like(tag) {
        return None;
    }
    Version::parse(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        version_of(s).unwrap_or_else(|| panic!("{s} should be a version"))
    }

    #[test]
    fn real_world_tags() {
        let cases: &[(&str, &[u64], &str, &str)] = &[
            ("1.25", &[1, 25], "", ""),
            ("1.25.3", &[1, 25, 3], "", ""),
            ("v1.30.1", &[1, 30, 1], "", ""),
            ("1.25-alpine", &[1, 25], "", "alpine"),
            ("1.27.0-alpine3.20", &[1, 27, 0], "", "alpine3.20"),
            ("16.2-bookworm", &[16, 2], "", "bookworm"),
            ("3.12.0rc1", &[3, 12, 0], "rc1", ""),
            ("2.0.0beta2", &[2, 0, 0], "beta2", ""),
            ("1.0.0-rc.1", &[1, 0, 0], "rc.1", ""),
            ("2.1.0-beta.2", &[2, 1, 0], "beta.2", ""),
            ("8.0-alpha", &[8, 0], "alpha", ""),
            ("1.2.3-rc1-alpine", &[1, 2, 3], "rc1", "alpine"),
            ("20240101", &[20240101], "", ""),
            ("2024.01.15", &[2024, 1, 15], "", ""),
            ("16", &[16], "", ""),
            ("3.12-slim-bookworm", &[3, 12], "", "slim-bookworm"),
            ("21-jdk", &[21], "", "jdk"),
            (
                "8.0-windowsservercore-ltsc2022",
                &[8, 0],
                "",
                "windowsservercore-ltsc2022",
            ),
        ];
        for (tag, nums, pre, variant) in cases {
            let got = v(tag);
            assert_eq!(
                (
                    got.numbers.as_slice(),
                    got.prerelease.as_str(),
                    got.variant.as_str()
                ),
                (*nums, *pre, *variant),
                "{tag}"
            );
        }
    }

    #[test]
    fn not_versions() {
        for tag in [
            "latest",
            "stable",
            "edge",
            "main",
            "alpine",
            "bookworm-slim",
            "nightly",
            "sha256-e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582.sig",
            "sha256-e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582.att",
            "a1b2c3d",
            "0a1b2c3d4e5f",
            "deadbeefcafe",
            ".1",
            "1..2",
            "1.",
            "v",
            "-1",
            "1.2.x",
            "1.2+build",
        ] {
            assert!(version_of(tag).is_none(), "{tag} must not be a version");
        }
    }

    #[test]
    fn ordering_and_tracks() {
        assert!(v("1.27") > v("1.25"));
        assert!(v("1.10") > v("1.9"));
        assert!(v("3.12.0") > v("3.12.0rc2"));
        assert!(v("3.12.0rc10") > v("3.12.0rc9"));
        assert!(v("1.0.0-rc.2") > v("1.0.0-rc.1"));
        assert!(v("1.25-alpine").compatible(&v("1.27-alpine")));
        assert!(!v("1.25-alpine").compatible(&v("1.27")));
        assert!(!v("1.25-alpine").compatible(&v("1.27-bookworm")));
        assert!(!v("1.25").compatible(&v("1.25.4")));
        assert!(v("1.25.3").compatible(&v("1.25.4")));
        assert!(v("v1.2.3").compatible(&v("1.2.4")));
    }

    #[test]
    fn change_kinds() {
        assert_eq!(v("1.25.3").change_to(&v("1.25.4")), Change::Patch);
        assert_eq!(v("1.25.3").change_to(&v("1.26.0")), Change::Minor);
        assert_eq!(v("1.25.3").change_to(&v("2.0.0")), Change::Major);
        assert_eq!(
            v("0.3.1").change_to(&v("0.4.0")),
            Change::Major,
            "0.y: y is breaking"
        );
        assert_eq!(v("0.3.1").change_to(&v("0.3.2")), Change::Patch);
        assert_eq!(v("16").change_to(&v("17")), Change::Major);
        assert_eq!(v("1.2").change_to(&v("1.3")), Change::Minor);
        assert_eq!(v("3.12.0rc1").change_to(&v("3.12.0")), Change::None);
    }
}
