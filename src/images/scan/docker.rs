//! `vext scan --docker`: running containers from the Docker Engine API over
//! its unix socket (or tcp://), with the digest each actually runs. The API
//! version is negotiated with `/_ping`.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use anyhow::Result;
use serde_json::Value;

use super::finding::{Finding, Source};
use crate::exit::{fail, Code};
use crate::images::reference::ImageRef;
use crate::net::http1::{parse_http, Response};

enum Endpoint {
    Unix(String),
    Tcp(String),
}

fn endpoint(host: Option<&str>) -> Result<Endpoint> {
    let env = std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty());
    let h = host
        .map(String::from)
        .or(env)
        .unwrap_or_else(|| "unix:///var/run/docker.sock".into());
    if let Some(p) = h.strip_prefix("unix://") {
        Ok(Endpoint::Unix(p.to_string()))
    } else if let Some(a) = h
        .strip_prefix("tcp://")
        .or_else(|| h.strip_prefix("http://"))
    {
        Ok(Endpoint::Tcp(a.trim_end_matches('/').to_string()))
    } else if h.starts_with('/') {
        Ok(Endpoint::Unix(h))
    } else {
        Err(fail(
            Code::Usage,
            format!("--docker-host {h:?}: expected unix:///path/to/docker.sock or tcp://host:port"),
        ))
    }
}

fn get(ep: &Endpoint, path: &str) -> Result<Response> {
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: vext\r\nConnection: close\r\n\r\n"
    );
    let mut raw = Vec::new();
    let (what, res) = match ep {
        Endpoint::Unix(p) => (
            p.clone(),
            UnixStream::connect(p).and_then(|mut s| {
                s.set_read_timeout(Some(Duration::from_secs(30)))?;
                s.write_all(request.as_bytes())?;
                s.take(64 << 20).read_to_end(&mut raw)
            }),
        ),
        Endpoint::Tcp(a) => (
            a.clone(),
            std::net::TcpStream::connect(a).and_then(|mut s| {
                s.set_read_timeout(Some(Duration::from_secs(30)))?;
                s.write_all(request.as_bytes())?;
                s.take(64 << 20).read_to_end(&mut raw)
            }),
        ),
    };
    if let Err(e) = res {
        let code = match e.kind() {
            std::io::ErrorKind::PermissionDenied => Code::NoPerm,
            _ => Code::Unavailable,
        };
        return Err(fail(
            code,
            format!("cannot reach the Docker engine at {what}: {e}"),
        ));
    }
    parse_http(&raw).ok_or_else(|| {
        fail(
            Code::Unavailable,
            format!("the Docker engine at {what} sent a malformed HTTP reply"),
        )
    })
}

fn json(ep: &Endpoint, path: &str) -> Result<Value> {
    let r = get(ep, path)?;
    if r.status != 200 {
        return Err(fail(
            Code::Unavailable,
            format!(
                "Docker engine: GET {path} answered {}: {}",
                r.status,
                String::from_utf8_lossy(&r.body).trim()
            ),
        ));
    }
    serde_json::from_slice(&r.body).map_err(|e| {
        fail(
            Code::Unavailable,
            format!("Docker engine: GET {path}: not JSON: {e}"),
        )
    })
}

pub(crate) fn scan(host: Option<&str>, all: bool) -> Result<Vec<Finding>> {
    let ep = endpoint(host)?;
    let ping = get(&ep, "/_ping")?;
    if ping.status != 200 {
        return Err(fail(
            Code::Unavailable,
            format!("Docker engine: /_ping answered {}", ping.status),
        ));
    }
    let version = ping
        .headers
        .iter()
        .find(|(k, _)| k == "api-version")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "1.41".into());
    let base = format!("/v{version}");
    let containers = json(
        &ep,
        &format!("{base}/containers/json?all={}", if all { 1 } else { 0 }),
    )?;
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
            json(&ep, &format!("{base}/images/{image_id}/json")).unwrap_or(Value::Null)
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
