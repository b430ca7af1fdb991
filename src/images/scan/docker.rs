//! `vext scan --docker`: running containers from the Docker Engine API over
//! its unix socket (or tcp://), with the digest each actually runs.

use anyhow::Result;
use serde_json::Value;

use super::finding::{Finding, Source};
use crate::images::engine::Engine;
use crate::images::reference::ImageRef;

pub(crate) fn scan(host: Option<&str>, all: bool) -> Result<Vec<Finding>> {
    let engine = Engine::connect(host)?;
    let containers = engine.get(&format!("/containers/json?all={}", if all { 1 } else { 0 }))?;
    let mut out = Vec::new();
    for c in containers.as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let id = c["Id"].as_str().unwrap_or_default().to_string();
        let name = c["Names"][0]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string();
        let mut raw = c["Image"].as_str().unwrap_or_default().to_string();
        let image_id = c["ImageID"].as_str().unwrap_or_default();
        let inspect = if image_id.is_empty() {
            Value::Null
        } else {
            engine
                .get(&format!("/images/{image_id}/json"))
                .unwrap_or(Value::Null)
        };
        if raw.starts_with("sha256:") {
            // Started from an ID: name it by a tag when the image has one.
            if let Some(t) = inspect["RepoTags"][0].as_str() {
                raw = t.to_string();
            }
        }
        let source = Source {
            container: Some(name),
            id: Some(id),
            ..Source::default()
        };
        let (mut f, _) = Finding::new(&raw, "docker", source);
        f.digest = running_digest(&raw, &inspect);
        out.push(f);
    }
    Ok(out)
}

/// The RepoDigests entry for the image's repository (else the first one).
fn running_digest(raw: &str, inspect: &Value) -> Option<String> {
    let digests: Vec<&str> = inspect["RepoDigests"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let want = ImageRef::parse(raw).ok().map(|r| r.name());
    let pick = digests
        .iter()
        .find(|d| {
            let repo = d.split('@').next().unwrap_or("");
            want.is_some() && ImageRef::parse(repo).ok().map(|r| r.name()) == want
        })
        .or(digests.first())?;
    pick.split_once('@').map(|(_, d)| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_for_the_right_repository() {
        let inspect =
            serde_json::json!({"RepoDigests": ["other/x@sha256:aaa", "nginx@sha256:bbb"]});
        assert_eq!(
            running_digest("nginx:1.27", &inspect).as_deref(),
            Some("sha256:bbb")
        );
        assert_eq!(
            running_digest("docker.io/library/nginx", &inspect).as_deref(),
            Some("sha256:bbb")
        );
    }
}
