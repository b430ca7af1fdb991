//! Compose files: `services.*.image`, with `${VAR}`, `${VAR:-default}` and
//! `${VAR-default}` from the environment and a `.env` beside the file (the
//! environment wins, as in Docker Compose).

use std::collections::HashMap;
use std::path::Path;

use super::finding::{Finding, Source};
use super::report::Report;
use super::yaml::Node;

pub(crate) fn is_compose(name: &str) -> bool {
    let stem = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"));
    match stem {
        Some("compose" | "docker-compose") => true,
        Some(s) => s.starts_with("compose.") || s.starts_with("docker-compose."),
        None => false,
    }
}

/// Variables from `.env` beside the file.
fn dotenv(dir: &Path) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    let Ok(text) = std::fs::read_to_string(dir.join(".env")) else {
        return vars;
    };
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                .unwrap_or(v);
            vars.insert(k.trim().to_string(), v.to_string());
        }
    }
    vars
}

/// Compose interpolation. Err names the variable that is required and unset.
pub(crate) fn interpolate(
    s: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(a) = after.strip_prefix('$') {
            out.push('$');
            rest = a;
        } else if let Some(a) = after.strip_prefix('{') {
            let end = a
                .find('}')
                .ok_or_else(|| format!("unclosed ${{ in {s:?}"))?;
            let expr = &a[..end];
            let name_end = expr
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(expr.len());
            let (name, op) = expr.split_at(name_end);
            let value = lookup(name);
            let v = match op {
                "" => value.unwrap_or_default(),
                _ if op.starts_with(":-") => value
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| op[2..].to_string()),
                _ if op.starts_with('-') => value.unwrap_or_else(|| op[1..].to_string()),
                _ if op.starts_with(":?") || op.starts_with('?') => {
                    match value.filter(|v| !v.is_empty() || op.starts_with('?')) {
                        Some(v) => v,
                        None => {
                            return Err(format!(
                                "${{{name}}} is required: {}",
                                op.trim_start_matches([':', '?'])
                            ))
                        }
                    }
                }
                _ if op.starts_with(":+") => value
                    .filter(|v| !v.is_empty())
                    .map(|_| op[2..].to_string())
                    .unwrap_or_default(),
                _ if op.starts_with('+') => value.map(|_| op[1..].to_string()).unwrap_or_default(),
                _ => return Err(format!("unsupported ${{{expr}}}")),
            };
            out.push_str(&v);
            rest = &a[end + 1..];
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if end == 0 {
                out.push('$');
            } else {
                out.push_str(&lookup(&after[..end]).unwrap_or_default());
            }
            rest = &after[end..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

pub(crate) fn findings(path: &Path, shown: &str, docs: &[Node], report: &Report) -> Vec<Finding> {
    let env_file = dotenv(path.parent().unwrap_or(Path::new(".")));
    let lookup = |k: &str| std::env::var(k).ok().or_else(|| env_file.get(k).cloned());
    let mut out = Vec::new();
    for doc in docs {
        let Some(services) = doc.get("services") else {
            continue;
        };
        for (name, svc) in services.entries() {
            let Some(img) = svc.get("image") else {
                continue;
            };
            let Some(raw) = img.as_str() else { continue };
            let line = img.line();
            let source = Source {
                service: name.as_str().map(String::from),
                ..Source::file(shown, line)
            };
            match interpolate(raw, &lookup) {
                Ok(resolved) if !resolved.is_empty() => {
                    let (f, warning) = Finding::resolved(raw, &resolved, "compose", source);
                    if let Some(w) = warning {
                        report.warn(&format!("{shown}:{line}: {w}"));
                    }
                    out.push(f);
                }
                Ok(_) | Err(_) => {
                    let why = interpolate(raw, &lookup)
                        .err()
                        .unwrap_or_else(|| "it is empty once interpolated".into());
                    report.warn(&format!("{shown}:{line}: image {raw:?} unresolved: {why}"));
                    out.push(Finding {
                        image: None,
                        raw: raw.to_string(),
                        kind: "compose",
                        source,
                        digest: None,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_interpolation() {
        let vars: HashMap<&str, &str> = [("TAG", "1.27"), ("EMPTY", "")].into_iter().collect();
        let l = |k: &str| vars.get(k).map(|v| v.to_string());
        assert_eq!(interpolate("nginx:${TAG}", &l).unwrap(), "nginx:1.27");
        assert_eq!(
            interpolate("nginx:$TAG-alpine", &l).unwrap(),
            "nginx:1.27-alpine"
        );
        assert_eq!(
            interpolate("nginx:${NOPE:-1.25}", &l).unwrap(),
            "nginx:1.25"
        );
        assert_eq!(
            interpolate("nginx:${EMPTY:-1.25}", &l).unwrap(),
            "nginx:1.25"
        );
        assert_eq!(interpolate("nginx:${EMPTY-1.25}", &l).unwrap(), "nginx:");
        assert_eq!(interpolate("nginx:${NOPE-1.25}", &l).unwrap(), "nginx:1.25");
        assert_eq!(interpolate("a$$b", &l).unwrap(), "a$b");
        assert!(interpolate("${NOPE:?set it}", &l)
            .unwrap_err()
            .contains("NOPE"));
        assert!(
            is_compose("compose.yaml")
                && is_compose("docker-compose.override.yml")
                && is_compose("compose.prod.yaml")
        );
        assert!(!is_compose("my-compose.yaml") && !is_compose("compose.json"));
    }
}
