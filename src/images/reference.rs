//! Container image references, parsed and normalised the way Docker's
//! reference grammar (distribution/reference) does: `nginx` is
//! `docker.io/library/nginx:latest`; a first path component is a registry
//! only if it has a `.` or `:` or is `localhost`; the path is lower case.

use std::fmt;

/// Docker Hub's canonical registry name.
pub(crate) const DOCKER_HUB: &str = "docker.io";

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ImageRef {
    /// Registry `host[:port]`, e.g. `docker.io`, `localhost:5000`.
    pub(crate) registry: String,
    /// Repository path, e.g. `library/nginx`.
    pub(crate) repository: String,
    pub(crate) tag: Option<String>,
    /// `algorithm:hex`.
    pub(crate) digest: Option<String>,
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl ImageRef {
    /// Parses and normalises a reference; `latest` is added when there is
    /// neither a tag nor a digest.
    pub(crate) fn parse(s: &str) -> Result<ImageRef, String> {
        if s.is_empty() {
            return Err("empty image reference".into());
        }
        if s.len() > 4096 {
            return Err("image reference too long".into());
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(parse_digest(d)?)),
            None => (s, None),
        };
        // The tag follows the last ':' after the last '/'.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let at = last_slash + i;
                (&rest[..at], Some(&rest[at + 1..]))
            }
            None => (rest, None),
        };
        if let Some(t) = tag {
            check_tag(t)?;
        }
        if name.is_empty() {
            return Err(format!("{s:?}: no repository name"));
        }
        let (registry, path) = split_domain(name);
        check_path(path).map_err(|e| format!("{s:?}: {e}"))?;
        if let Some(r) = registry {
            check_domain(r).map_err(|e| format!("{s:?}: {e}"))?;
        }
        if name.len() > 255 {
            return Err(format!("{s:?}: repository name longer than 255 characters"));
        }
        let mut registry = registry.unwrap_or(DOCKER_HUB).to_string();
        if registry == "index.docker.io" || registry == "registry-1.docker.io" {
            registry = DOCKER_HUB.into();
        }
        let repository = if registry == DOCKER_HUB && !path.contains('/') {
            format!("library/{path}")
        } else {
            path.to_string()
        };
        let tag = match (tag, &digest) {
            (Some(t), _) => Some(t.to_string()),
            (None, None) => Some("latest".to_string()),
            (None, Some(_)) => None,
        };
        Ok(ImageRef {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// `registry/repository` without tag or digest.
    pub(crate) fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

/// Splits off the registry: only when the first component has `.` or `:`
/// or is `localhost` (or an IPv6 literal in brackets).
fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains('.')
                || first.contains(':')
                || first == "localhost"
                || first.starts_with('[') =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

fn check_domain(d: &str) -> Result<(), String> {
    let (host, port) = if let Some(rest) = d.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or("unterminated IPv6 address")?;
        if h.is_empty()
            || !h
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(format!("invalid IPv6 registry address {d:?}"));
        }
        let port = match after {
            "" => None,
            a => Some(
                a.strip_prefix(':')
                    .ok_or_else(|| format!("invalid registry {d:?}"))?,
            ),
        };
        (None, port)
    } else {
        match d.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(d), None),
        }
    };
    if let Some(h) = host {
        let ok = !h.is_empty()
            && h.split('.').all(|label| {
                !label.is_empty()
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if !ok {
            return Err(format!("invalid registry host {h:?}"));
        }
    }
    if let Some(p) = port {
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("invalid registry port {p:?}"));
        }
    }
    Ok(())
}

/// Path components: lowercase alphanumerics separated by `.`, `_`, `__` or dashes.
fn check_path(path: &str) -> Result<(), String> {
    for comp in path.split('/') {
        if comp.is_empty() {
            return Err("empty path component".into());
        }
        if comp.chars().any(|c| c.is_ascii_uppercase()) {
            return Err("repository name must be lowercase".into());
        }
        let bytes = comp.as_bytes();
        let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        if !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
            return Err(format!("invalid path component {comp:?}"));
        }
        let mut i = 0;
        while i < bytes.len() {
            if alnum(bytes[i]) {
                i += 1;
                continue;
            }
            // A separator: '.', '_', '__', or one or more '-'.
            let start = i;
            match bytes[i] {
                b'.' => i += 1,
                b'_' => {
                    i += 1;
                    if i < bytes.len() && bytes[i] == b'_' {
                        i += 1;
                    }
                }
                b'-' => {
                    while i < bytes.len() && bytes[i] == b'-' {
                        i += 1;
                    }
                }
                _ => return Err(format!("invalid character in {comp:?}")),
            }
            if i >= bytes.len() || !alnum(bytes[i]) || i == start {
                return Err(format!("invalid path component {comp:?}"));
            }
        }
    }
    Ok(())
}

fn check_tag(t: &str) -> Result<(), String> {
    let ok = !t.is_empty()
        && t.len() <= 128
        && t.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!("invalid tag {t:?}"))
    }
}

fn parse_digest(d: &str) -> Result<String, String> {
    let (alg, hex) = d
        .split_once(':')
        .ok_or_else(|| format!("invalid digest {d:?}"))?;
    let alg_ok = !alg.is_empty()
        && alg.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && alg.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '+' | '.' | '_' | '-')
        });
    let hex_ok = hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit());
    if !alg_ok || !hex_ok {
        return Err(format!("invalid digest {d:?}"));
    }
    if alg == "sha256" && (hex.len() != 64 || hex.chars().any(|c| c.is_ascii_uppercase())) {
        return Err(format!("invalid sha256 digest {d:?}"));
    }
    Ok(d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582";

    fn norm(s: &str) -> String {
        ImageRef::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .to_string()
    }

    /// Vectors from distribution/reference's normalize_test.go and reference_test.go.
    #[test]
    fn normalises_like_docker() {
        let cases = [
            ("nginx", "docker.io/library/nginx:latest"),
            ("ubuntu:22.04", "docker.io/library/ubuntu:22.04"),
            (
                "docker.io/library/ubuntu",
                "docker.io/library/ubuntu:latest",
            ),
            (
                "index.docker.io/library/ubuntu",
                "docker.io/library/ubuntu:latest",
            ),
            ("foo/bar", "docker.io/foo/bar:latest"),
            ("library/foo/bar", "docker.io/library/foo/bar:latest"),
            ("localhost/foo", "localhost/foo:latest"),
            ("localhost:5000/app", "localhost:5000/app:latest"),
            (
                "registry.example.com/team/app:1.2",
                "registry.example.com/team/app:1.2",
            ),
            ("127.0.0.1:5000/foo/bar:tag", "127.0.0.1:5000/foo/bar:tag"),
            ("[fc00::1]:5000/foo", "[fc00::1]:5000/foo:latest"),
            (
                "xn--n3h.com/myimage:xn--n3h.com",
                "xn--n3h.com/myimage:xn--n3h.com",
            ),
            ("a.b/c__d-e.f/g--h", "a.b/c__d-e.f/g--h:latest"),
            ("Docker.io/foo", "Docker.io/foo:latest"),
            (
                "gcr.io/distroless/static:nonroot",
                "gcr.io/distroless/static:nonroot",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(norm(input), want, "{input}");
        }
        assert_eq!(
            norm(&format!("nginx:1.27-alpine@{D}")),
            format!("docker.io/library/nginx:1.27-alpine@{D}")
        );
        assert_eq!(
            norm(&format!("nginx@{D}")),
            format!("docker.io/library/nginx@{D}")
        );
        let r = ImageRef::parse("localhost:5000/app").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("localhost:5000", "app")
        );
    }

    #[test]
    fn rejects_what_docker_rejects() {
        let bad = [
            "",
            ":justtag",
            "@sha256:abc",
            "Uppercase:tag",
            "docker.io/Uppercase",
            "foo/Bar",
            "aa/asdf$$^/aa",
            "-foo",
            "foo-",
            "foo__-bar",
            "a/a/a:tag@sha256:short",
            "repo:-tag",
            "repo:tag with space",
            "foo//bar",
            "foo/",
            "foo:",
            &format!("{}:tag", "a".repeat(256)),
            &format!("repo:{}", "t".repeat(129)),
        ];
        for b in bad {
            assert!(ImageRef::parse(b).is_err(), "{b:?} should be invalid");
        }
    }
}
