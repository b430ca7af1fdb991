//! One image found somewhere, as printed by `vext scan` (field names are a
//! stable interface: scripts depend on them).

use serde::Serialize;

use crate::images::reference::ImageRef;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Finding {
    /// The normalised reference, or null when it could not be resolved.
    pub(crate) image: Option<String>,
    /// As written (after variable substitution where that succeeded).
    pub(crate) raw: String,
    /// k8s, kustomize, compose, dockerfile, docker, kube.
    pub(crate) kind: &'static str,
    pub(crate) source: Source,
    /// The digest actually running, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) digest: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Source {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) kustomization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) context: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<String>,
    /// The resource kind (Deployment, ...) or compose service / Dockerfile stage context.
    #[serde(skip_serializing_if = "Option::is_none", rename = "kind")]
    pub(crate) resource_kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) container: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) service: Option<String>,
}

impl Source {
    pub(crate) fn file(file: &str, line: usize) -> Source {
        Source {
            file: Some(file.to_string()),
            line: Some(line),
            ..Source::default()
        }
    }

    /// `file:line`, `container (id)` or `namespace/kind/name/container`.
    pub(crate) fn describe(&self) -> String {
        if let Some(f) = &self.file {
            let mut s = format!("{f}:{}", self.line.unwrap_or(0));
            if let Some(k) = &self.kustomization {
                s.push_str(&format!(" (via {k})"));
            }
            return s;
        }
        if let Some(ns) = &self.namespace {
            return format!(
                "{ns}/{}/{}/{}",
                self.resource_kind.as_deref().unwrap_or("?"),
                self.name.as_deref().unwrap_or("?"),
                self.container.as_deref().unwrap_or("?")
            );
        }
        match (&self.container, &self.id) {
            (Some(c), Some(id)) => format!("{c} ({})", &id[..id.len().min(12)]),
            (Some(c), None) => c.clone(),
            _ => String::new(),
        }
    }
}

impl Finding {
    /// A finding for `raw`; an invalid reference keeps `image` null.
    pub(crate) fn new(raw: &str, kind: &'static str, source: Source) -> (Finding, Option<String>) {
        Finding::resolved(raw, raw, kind, source)
    }

    /// A finding written as `raw` that resolves (variables, overrides) to `value`.
    pub(crate) fn resolved(
        raw: &str,
        value: &str,
        kind: &'static str,
        source: Source,
    ) -> (Finding, Option<String>) {
        let (image, warning) = match ImageRef::parse(value) {
            Ok(r) => (Some(r.to_string()), None),
            Err(e) => (None, Some(format!("invalid image reference: {e}"))),
        };
        (
            Finding {
                image,
                raw: raw.to_string(),
                kind,
                source,
                digest: None,
            },
            warning,
        )
    }
}
