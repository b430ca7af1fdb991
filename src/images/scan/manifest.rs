//! Kubernetes manifests (any kind: pod specs are found wherever a mapping
//! holds `containers`, `initContainers` or `ephemeralContainers` lists of
//! objects with an `image`) and kustomizations (`images:` overrides applied
//! to what they include).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::finding::{Finding, Source};
use super::report::Report;
use super::yaml::{self, Node};

/// An image occurrence in a manifest.
#[derive(Debug, Clone)]
pub(crate) struct Occurrence {
    pub(crate) raw: String,
    /// The image after kustomize overrides (None: as written).
    pub(crate) resolved: Option<String>,
    pub(crate) line: usize,
    pub(crate) resource_kind: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) container: Option<String>,
}

/// Whether a document is a Kubernetes object (has apiVersion and kind).
pub(crate) fn is_object(doc: &Node) -> bool {
    doc.get("apiVersion").and_then(Node::as_str).is_some()
        && doc.get("kind").and_then(Node::as_str).is_some()
}

/// Images in one Kubernetes document (Lists included).
pub(crate) fn images(doc: &Node, out: &mut Vec<Occurrence>) {
    let kind = doc.get("kind").and_then(Node::as_str).map(String::from);
    let name = doc
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str)
        .map(String::from);
    if kind
        .as_deref()
        .is_some_and(|k| k == "List" || k.ends_with("List"))
    {
        for item in doc.get("items").map(Node::items).unwrap_or(&[]) {
            images(item, out);
        }
        return;
    }
    walk(doc, &kind, &name, out, 0);
}

fn walk(
    node: &Node,
    kind: &Option<String>,
    name: &Option<String>,
    out: &mut Vec<Occurrence>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    match node {
        Node::Map { entries, .. } => {
            for (k, v) in entries {
                let key = k.as_str().unwrap_or("");
                if matches!(key, "containers" | "initContainers" | "ephemeralContainers") {
                    for c in v.items() {
                        if let Some(img) = c.get("image") {
                            if let Some(raw) = img.as_str() {
                                out.push(Occurrence {
                                    raw: raw.to_string(),
                                    resolved: None,
                                    line: img.line(),
                                    resource_kind: kind.clone(),
                                    name: name.clone(),
                                    container: c
                                        .get("name")
                                        .and_then(Node::as_str)
                                        .map(String::from),
                                });
                            }
                        }
                    }
                } else {
                    walk(v, kind, name, out, depth + 1);
                }
            }
        }
        Node::Seq { items, .. } => {
            for i in items {
                walk(i, kind, name, out, depth + 1);
            }
        }
        Node::Scalar { .. } => {}
    }
}

/// A kustomization's `images:` entry.
#[derive(Debug, Clone)]
struct Override {
    name: String,
    new_name: Option<String>,
    new_tag: Option<String>,
    digest: Option<String>,
}

/// Splits `name[:tag][@digest]` as written.
fn split_raw(raw: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match raw.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (raw, None),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], Some(&rest[slash + i + 1..]), digest),
        None => (rest, None, digest),
    }
}

fn apply(overrides: &[Override], raw: &str) -> String {
    let (name, tag, digest) = split_raw(raw);
    let Some(o) = overrides.iter().find(|o| o.name == name) else {
        return raw.to_string();
    };
    let name = o.new_name.as_deref().unwrap_or(name);
    if let Some(d) = &o.digest {
        return format!("{name}@{d}");
    }
    let tag = o.new_tag.as_deref().or(tag);
    let mut s = name.to_string();
    if let Some(t) = tag {
        s.push(':');
        s.push_str(t);
    }
    if let Some(d) = digest.filter(|_| o.new_tag.is_none()) {
        s.push('@');
        s.push_str(d);
    }
    s
}

pub(crate) fn is_kustomization(path: &Path) -> bool {
    matches!(
        path.file_name().and_then(|n| n.to_str()),
        Some("kustomization.yaml" | "kustomization.yml" | "Kustomization")
    )
}

fn kustomization_in(dir: &Path) -> Option<PathBuf> {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// What a kustomization includes, with its overrides applied.
pub(crate) struct Kustomized {
    /// Every manifest file included (directly or through other kustomizations).
    pub(crate) files: BTreeSet<PathBuf>,
    /// (file, occurrence with the overrides applied to `raw`).
    pub(crate) images: Vec<(PathBuf, Occurrence)>,
}

pub(crate) fn resolve(path: &Path, report: &Report, depth: usize) -> Kustomized {
    let mut result = Kustomized {
        files: BTreeSet::new(),
        images: Vec::new(),
    };
    if depth > 16 {
        report.warn(&format!(
            "{}: kustomizations nested too deep",
            path.display()
        ));
        return result;
    }
    let Some(doc) = read_yaml(path, report).and_then(|d| d.into_iter().next()) else {
        return result;
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let overrides: Vec<Override> = doc
        .get("images")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(|i| {
            Some(Override {
                name: i.get("name")?.as_str()?.to_string(),
                new_name: i.get("newName").and_then(Node::as_str).map(String::from),
                new_tag: i.get("newTag").and_then(Node::as_str).map(String::from),
                digest: i.get("digest").and_then(Node::as_str).map(String::from),
            })
        })
        .collect();
    let mut entries = Vec::new();
    for key in ["resources", "bases", "components"] {
        for r in doc.get(key).map(Node::items).unwrap_or(&[]) {
            if let Some(s) = r.as_str() {
                entries.push(s.to_string());
            }
        }
    }
    for entry in entries {
        if entry.contains("://") || entry.starts_with("github.com/") {
            report.note(&format!(
                "{}: remote resource {entry} not scanned",
                path.display()
            ));
            continue;
        }
        let target = dir.join(&entry);
        if target.is_dir() {
            match kustomization_in(&target) {
                Some(k) => {
                    let inner = resolve(&k, report, depth + 1);
                    result.files.extend(inner.files);
                    result.images.extend(inner.images);
                }
                None => report.warn(&format!("{}: {entry} has no kustomization", path.display())),
            }
        } else if target.is_file() {
            let mut occ = Vec::new();
            for d in read_yaml(&target, report).unwrap_or_default() {
                if is_object(&d) {
                    images(&d, &mut occ);
                }
            }
            result.files.insert(target.clone());
            result
                .images
                .extend(occ.into_iter().map(|o| (target.clone(), o)));
        } else {
            report.warn(&format!("{}: resource {entry} not found", path.display()));
        }
    }
    for (_, o) in &mut result.images {
        let current = o.resolved.clone().unwrap_or_else(|| o.raw.clone());
        o.resolved = Some(apply(&overrides, &current));
    }
    result
}

fn read_yaml(path: &Path, report: &Report) -> Option<Vec<Node>> {
    let text = super::report::read_text(path, report)?;
    match yaml::parse(&text) {
        Ok(d) => Some(d),
        Err(e) => {
            report.error(&format!("{}: {e}", path.display()));
            None
        }
    }
}

/// Findings for a plain manifest file.
pub(crate) fn findings(shown: &str, docs: &[Node], report: &Report) -> Vec<Finding> {
    let mut occ = Vec::new();
    for d in docs.iter().filter(|d| is_object(d)) {
        images(d, &mut occ);
    }
    occ.into_iter()
        .map(|o| to_finding(shown, o, "k8s", None, report))
        .collect()
}

pub(crate) fn to_finding(
    shown: &str,
    o: Occurrence,
    kind: &'static str,
    kustomization: Option<String>,
    report: &Report,
) -> Finding {
    let source = Source {
        kustomization,
        resource_kind: o.resource_kind,
        name: o.name,
        container: o.container,
        ..Source::file(shown, o.line)
    };
    let value = o.resolved.clone().unwrap_or_else(|| o.raw.clone());
    let (f, warning) = Finding::resolved(&o.raw, &value, kind, source);
    if let Some(w) = warning {
        report.warn(&format!("{shown}:{}: {w}", o.line));
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kustomize_overrides() {
        let o = vec![Override {
            name: "nginx".into(),
            new_name: Some("my.reg/nginx".into()),
            new_tag: Some("1.27".into()),
            digest: None,
        }];
        assert_eq!(apply(&o, "nginx:1.25"), "my.reg/nginx:1.27");
        assert_eq!(apply(&o, "nginx"), "my.reg/nginx:1.27");
        assert_eq!(apply(&o, "redis:7"), "redis:7");
        let d = vec![Override {
            name: "app".into(),
            new_name: None,
            new_tag: None,
            digest: Some("sha256:abc".into()),
        }];
        assert_eq!(apply(&d, "app:1"), "app@sha256:abc");
        assert_eq!(
            split_raw("localhost:5000/app:1@sha256:x"),
            ("localhost:5000/app", Some("1"), Some("sha256:x"))
        );
    }
}
