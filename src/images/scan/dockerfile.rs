//! Dockerfiles and Containerfiles: `FROM` (with `--platform`, global `ARG`
//! defaults substituted, stage names and `scratch` skipped), `COPY --from`
//! and `RUN --mount=...,from=`. An image that stays unresolved is reported
//! as written, with `image` null and a warning, never guessed.

use std::collections::HashMap;

use super::compose::interpolate;
use super::finding::{Finding, Source};
use super::report::Report;

pub(crate) fn is_dockerfile(name: &str) -> bool {
    name == "Dockerfile"
        || name == "Containerfile"
        || name.starts_with("Dockerfile.")
        || name.starts_with("Containerfile.")
        || name.ends_with(".Dockerfile")
        || name.ends_with(".dockerfile")
        || name.ends_with(".Containerfile")
}

/// Logical instructions: (first line number, text), continuations joined.
fn instructions(text: &str) -> Vec<(usize, String)> {
    let mut escape = '\\';
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    let mut directives = true;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim_start();
        if directives {
            if let Some(d) = trimmed.strip_prefix('#') {
                if let Some((k, v)) = d.split_once('=') {
                    if k.trim().eq_ignore_ascii_case("escape") {
                        escape = v.trim().chars().next().unwrap_or('\\');
                    }
                    continue;
                }
            }
            directives = false;
        }
        if trimmed.starts_with('#') {
            continue; // comments, also inside continuations
        }
        let (body, continues) = match trimmed.trim_end().strip_suffix(escape) {
            Some(b) => (b, true),
            None => (trimmed, false),
        };
        match &mut current {
            Some((_, s)) => {
                s.push(' ');
                s.push_str(body.trim());
            }
            None if body.trim().is_empty() => {}
            None => current = Some((i + 1, body.trim().to_string())),
        }
        if !continues {
            if let Some(c) = current.take() {
                out.push(c);
            }
        }
    }
    out.extend(current);
    out
}

/// An `ARG` value: the stage's, else the global default.
fn arg_value(
    stage: &HashMap<String, Option<String>>,
    globals: &HashMap<String, Option<String>>,
    k: &str,
) -> Option<String> {
    stage
        .get(k)
        .cloned()
        .flatten()
        .or_else(|| globals.get(k).cloned().flatten())
}

/// The physical line, from `start` on, where `needle` is written.
fn locate(lines: &[&str], start: usize, needle: &str) -> usize {
    lines
        .iter()
        .enumerate()
        .skip(start.saturating_sub(1))
        .find(|(_, l)| l.contains(needle))
        .map_or(start, |(i, _)| i + 1)
}

pub(crate) fn findings(shown: &str, text: &str, report: &Report) -> Vec<Finding> {
    let physical: Vec<&str> = text.lines().collect();
    let mut globals: HashMap<String, Option<String>> = HashMap::new();
    let mut stage_args: HashMap<String, Option<String>> = HashMap::new();
    let mut stages: Vec<String> = Vec::new();
    let mut seen_from = false;
    let mut out = Vec::new();
    for (line, ins) in instructions(text) {
        let (word, rest) = ins.split_once(char::is_whitespace).unwrap_or((&ins, ""));
        let rest = rest.trim();
        match word.to_ascii_uppercase().as_str() {
            "ARG" => {
                for decl in rest.split_whitespace() {
                    let (k, v) = match decl.split_once('=') {
                        Some((k, v)) => (k.to_string(), Some(v.trim_matches('"').to_string())),
                        None => (decl.to_string(), None),
                    };
                    if seen_from {
                        // A bare `ARG NAME` in a stage re-imports the global default.
                        let v = v.or_else(|| globals.get(&k).cloned().flatten());
                        stage_args.insert(k, v);
                    } else {
                        globals.insert(k, v);
                    }
                }
            }
            "FROM" => {
                seen_from = true;
                stage_args.clear();
                let words: Vec<&str> = rest
                    .split_whitespace()
                    .filter(|w| !w.starts_with("--"))
                    .collect();
                let Some(raw) = words.first() else { continue };
                if let (Some(kw), Some(alias)) = (words.get(1), words.get(2)) {
                    if kw.eq_ignore_ascii_case("as") {
                        stages.push(alias.to_ascii_lowercase());
                    }
                }
                let lookup = |k: &str| globals.get(k).cloned().flatten();
                emit(
                    shown,
                    line,
                    raw,
                    &lookup,
                    &stages[..stages.len().saturating_sub(usize::from(words.len() > 2))],
                    report,
                    &mut out,
                );
            }
            "COPY" | "ADD" => {
                for flag in rest.split_whitespace().take_while(|w| w.starts_with("--")) {
                    if let Some(from) = flag.strip_prefix("--from=") {
                        let lookup = |k: &str| arg_value(&stage_args, &globals, k);
                        emit(
                            shown,
                            locate(&physical, line, flag),
                            from,
                            &lookup,
                            &stages,
                            report,
                            &mut out,
                        );
                    }
                }
            }
            "RUN" => {
                for flag in rest.split_whitespace().take_while(|w| w.starts_with("--")) {
                    if let Some(mount) = flag.strip_prefix("--mount=") {
                        for kv in mount.split(',') {
                            if let Some(from) = kv.strip_prefix("from=") {
                                let lookup = |k: &str| arg_value(&stage_args, &globals, k);
                                emit(
                                    shown,
                                    locate(&physical, line, kv),
                                    from,
                                    &lookup,
                                    &stages,
                                    report,
                                    &mut out,
                                );
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn emit(
    shown: &str,
    line: usize,
    raw: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    stages: &[String],
    report: &Report,
    out: &mut Vec<Finding>,
) {
    // Stage names and indexes are not images; neither is scratch.
    if raw.eq_ignore_ascii_case("scratch")
        || stages.iter().any(|s| s.eq_ignore_ascii_case(raw))
        || raw.chars().all(|c| c.is_ascii_digit())
    {
        return;
    }
    let unresolved = |why: &str| {
        report.warn(&format!("{shown}:{line}: image {raw:?} unresolved: {why}"));
        Finding {
            image: None,
            raw: raw.to_string(),
            kind: "dockerfile",
            source: Source::file(shown, line),
            digest: None,
        }
    };
    // Every variable must have a value: an ARG without default is never guessed.
    for n in variables(raw) {
        if lookup(&n).is_none() && !has_default(raw, &n) {
            out.push(unresolved(&format!("ARG {n} has no default")));
            return;
        }
    }
    match interpolate(raw, lookup) {
        Ok(resolved) => {
            if resolved.eq_ignore_ascii_case("scratch")
                || stages.iter().any(|s| s.eq_ignore_ascii_case(&resolved))
            {
                return;
            }
            let (f, warning) =
                Finding::resolved(raw, &resolved, "dockerfile", Source::file(shown, line));
            if let Some(w) = warning {
                report.warn(&format!("{shown}:{line}: {w}"));
            }
            out.push(f);
        }
        Err(e) => out.push(unresolved(&e)),
    }
}

/// Variable names used in `$VAR` / `${VAR...}`.
fn variables(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        let after = &rest[i + 1..];
        let body = after.strip_prefix('{').unwrap_or(after);
        let end = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(body.len());
        if end > 0 {
            out.push(body[..end].to_string());
        }
        rest = &body[end..];
    }
    out
}

fn has_default(s: &str, name: &str) -> bool {
    s.contains(&format!("${{{name}:-")) || s.contains(&format!("${{{name}-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images(text: &str) -> Vec<(Option<String>, String, usize)> {
        let report = Report::quiet();
        findings("Dockerfile", text, &report)
            .into_iter()
            .map(|f| (f.image, f.raw, f.source.line.unwrap_or(0)))
            .collect()
    }

    #[test]
    fn from_stages_args_and_mounts() {
        let text = "# syntax=docker/dockerfile:1\nARG BASE=golang\nARG VERSION=1.22\nARG UNSET\nFROM --platform=$BUILDPLATFORM ${BASE}:${VERSION}-alpine AS build\nRUN --mount=type=cache,target=/root \\\n    --mount=type=bind,from=busybox:1.36,target=/bb \\\n    go build\nFROM build AS test\nFROM scratch\nCOPY --from=build /app /app\nCOPY --from=docker.io/library/alpine:3.20 /etc/ssl /etc/ssl\nCOPY --from=0 /x /x\nFROM debian:${UNSET}\n";
        let got = images(text);
        let want: Vec<(Option<String>, String, usize)> = vec![
            (
                Some("docker.io/library/golang:1.22-alpine".into()),
                "${BASE}:${VERSION}-alpine".into(),
                5,
            ),
            (
                Some("docker.io/library/busybox:1.36".into()),
                "busybox:1.36".into(),
                7,
            ),
            (
                Some("docker.io/library/alpine:3.20".into()),
                "docker.io/library/alpine:3.20".into(),
                12,
            ),
            (None, "debian:${UNSET}".into(), 14),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn names() {
        assert!(
            is_dockerfile("Dockerfile")
                && is_dockerfile("Dockerfile.dev")
                && is_dockerfile("api.Dockerfile")
                && is_dockerfile("Containerfile")
        );
        assert!(!is_dockerfile("Dockerfile-notes.txt") && !is_dockerfile("README.md"));
    }
}
