//! `vext scan` over a fixture tree of every file kind (nasty ones included)
//! and against a fake Docker engine on a unix socket.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::path::Path;

use crate::support::*;

fn fixtures() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scan")
        .display()
        .to_string()
}

fn findings(out: &str) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(out)
        .unwrap_or_else(|e| panic!("not a JSON array ({e}): {out}"))
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// (image or "raw (unresolved)", kind, file relative to the fixtures, line).
fn summary(items: &[serde_json::Value], root: &str) -> Vec<String> {
    let mut v: Vec<String> = items
        .iter()
        .map(|f| {
            let image = f["image"]
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| format!("{} (unresolved)", f["raw"].as_str().unwrap()));
            let file = f["source"]["file"]
                .as_str()
                .unwrap_or("")
                .trim_start_matches(root)
                .trim_start_matches('/')
                .to_string();
            format!(
                "{image} {} {file}:{}",
                f["kind"].as_str().unwrap(),
                f["source"]["line"]
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_file_kind_in_the_fixture_tree() {
    let root = fixtures();
    let out = vext(["scan", &root, "--json"]).expect(0);
    let got = summary(&findings(&out.stdout), &root);
    let mut want = vec![
        "docker.io/library/nginx:1.25 compose compose/compose.yaml:3",
        "registry.example.com/app:3.1 compose compose/compose.yaml:5",
        "docker.io/library/redis:latest compose compose/compose.yaml:7",
        "docker.io/library/nginx:1.27-alpine compose compose/docker-compose.override.yml:3",
        "docker.io/library/golang:1.22-alpine dockerfile docker/Dockerfile:3",
        "docker.io/library/busybox:1.36 dockerfile docker/Dockerfile:5",
        "gcr.io/distroless/static:nonroot dockerfile docker/Dockerfile:8",
        "docker.io/library/alpine:3.20 dockerfile docker/Dockerfile:10",
        "docker.io/library/python:3.12-slim dockerfile docker/api.Dockerfile:2",
        "${BASE}:latest (unresolved) dockerfile docker/Dockerfile.dev:2",
        "docker.io/library/redis:7.2 k8s k8s/anchors.yaml:10",
        "docker.io/library/redis:7.2 k8s k8s/anchors.yaml:10",
        "registry.example.com/team/runner:3.4 k8s k8s/crd.yaml:10",
        "mcr.microsoft.com/dotnet/aspnet:8.0 k8s k8s/crlf-bom.yaml:8",
        "ghcr.io/acme/migrate:2.1.0 k8s k8s/deploy.yaml:10",
        "docker.io/library/nginx:1.25-alpine k8s k8s/deploy.yaml:13",
        "docker.io/envoyproxy/envoy:v1.30.1 k8s k8s/deploy.yaml:15",
        "docker.io/library/busybox:1.36 k8s k8s/deploy.yaml:35",
        "localhost:5000/app@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582 k8s k8s/deploy.yaml:44",
        "docker.io/library/alpine:latest k8s k8s/deploy.yaml:47",
        "docker.io/library/httpd:2.4 k8s k8s/latin1.yaml:8",
        "docker.io/library/postgres:16.2 k8s k8s/list.yaml:11",
        "quay.io/prometheus/node-exporter:v1.8.0 k8s k8s/list.yaml:15",
        "registry.example.com/myapp:1.0.0 kustomize kustomize/base/deployment.yaml:9",
        "registry.example.com/myapp:1.2.0 kustomize kustomize/base/deployment.yaml:9",
    ];
    want.sort();
    assert_eq!(got, want);
    // The broken manifest is reported with its path and line, and the scan goes on.
    assert!(
        out.stderr.contains("k8s/broken.yaml") && out.stderr.contains("line 4"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("Dockerfile.dev:2") && out.stderr.contains("ARG BASE"),
        "{}",
        out.stderr
    );
    vext(["scan", &root, "--json", "--strict"]).expect(65);
    // The table says so under it, not only on stderr.
    let table = vext(["scan", &root]).expect(0).stdout;
    assert!(
        table
            .trim_end()
            .ends_with("1 file could not be read; see above"),
        "{table}"
    );
    // Kustomize findings name their kustomization; raw stays as written.
    let items = findings(&out.stdout);
    let k: Vec<&serde_json::Value> = items.iter().filter(|f| f["kind"] == "kustomize").collect();
    assert!(k.iter().all(|f| f["raw"] == "myapp:dev"));
    assert!(k.iter().any(|f| f["source"]["kustomization"]
        .as_str()
        .unwrap()
        .ends_with("overlays/prod/kustomization.yaml")));
}

#[test]
fn hidden_and_ignored_files_only_on_request() {
    let root = fixtures();
    let plain = vext(["scan", &root, "--json"]).expect(0).stdout;
    assert!(!plain.contains("hidden:1") && !plain.contains("ignored:1"));
    let all = vext(["scan", &root, "--json", "--hidden", "--no-ignore"])
        .expect(0)
        .stdout;
    assert!(
        all.contains("docker.io/library/hidden:1") && all.contains("docker.io/library/ignored:1"),
        "{all}"
    );
}

#[test]
fn skipped_yaml_is_a_note_under_v_never_an_error() {
    let root = fixtures();
    let out = vext(["scan", &root, "-v", "--json"]).expect(0);
    assert!(
        out.stderr.contains("ci/workflow.yaml") && out.stderr.contains("not a Kubernetes manifest"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("helm/templates/deploy.yaml") && out.stderr.contains("template"),
        "{}",
        out.stderr
    );
    let quiet = vext(["scan", &root, "--json"]).expect(0);
    assert!(!quiet.stderr.contains("workflow.yaml"));
}

#[test]
fn ndjson_unique_table_and_compose_environment() {
    let root = fixtures();
    let out = vext(["scan", &root, "--ndjson"])
        .env("NGINX_TAG", "1.26")
        .env("REGISTRY", "env.example.com")
        .expect(0);
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 25);
    assert!(lines
        .iter()
        .any(|f| f["image"] == "docker.io/library/nginx:1.26"
            && f["raw"] == "nginx:${NGINX_TAG:-1.25}"));
    // The environment wins over .env.
    assert!(lines
        .iter()
        .any(|f| f["image"] == "env.example.com/app:3.1"));
    let out = vext(["scan", &root, "--unique", "--json"]).expect(0);
    let groups: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap();
    let busybox = groups
        .iter()
        .find(|g| g["image"] == "docker.io/library/busybox:1.36")
        .unwrap();
    assert_eq!(busybox["count"], 2);
    let table = vext(["scan", &root]).expect(0).stdout;
    assert!(
        table.starts_with("IMAGE") && table.contains("k8s/list.yaml:11"),
        "{table}"
    );
    let out = vext(["scan", "/nonexistent/dir"]).expect(64);
    assert!(out.stderr.contains("/nonexistent/dir"));
}

/// A fake Docker engine: the documented shapes of /_ping, /containers/json
/// and /images/{id}/json, over a unix socket, HTTP/1.1 with a chunked reply.
/// `routes` maps paths (after /v1.47) to JSON bodies.
pub fn fake_docker_serving(dir: &TempDir, routes: Vec<(String, String)>) -> String {
    let sock = dir.path().join("docker.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).map_or(true, |n| n == 0) || h == "\r\n" {
                    break;
                }
            }
            let path = request.split(' ').nth(1).unwrap_or("").to_string();
            let found = if path == "/_ping" {
                Some("OK".to_string())
            } else {
                path.strip_prefix("/v1.47").and_then(|p| {
                    routes
                        .iter()
                        .find(|(r, _)| p.starts_with(r.as_str()))
                        .map(|(_, b)| b.clone())
                })
            };
            let (status, body) = match found {
                Some(b) => ("200 OK", b),
                None => (
                    "404 Not Found",
                    "{\"message\":\"page not found\"}".to_string(),
                ),
            };
            let mut w = stream;
            let _ = write!(
                w,
                "HTTP/1.1 {status}\r\nApi-Version: 1.47\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
                body.len()
            );
        }
    });
    format!("unix://{}", sock.display())
}

fn fake_docker(dir: &TempDir) -> String {
    fake_docker_serving(
        dir,
        vec![
            ("/containers/json".into(), serde_json::json!([
                {"Id": "8dfafdbc3a40a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071829", "Names": ["/web"], "Image": "nginx:1.27-alpine",
                 "ImageID": "sha256:aaaa", "Command": "nginx", "State": "running", "Status": "Up 2 hours"},
                {"Id": "9cfb0000000000000000000000000000000000000000000000000000000000aa", "Names": ["/db"], "Image": "sha256:bbbb",
                 "ImageID": "sha256:bbbb", "State": "running"}
            ]).to_string()),
            ("/images/sha256:aaaa/json".into(), serde_json::json!({
                "Id": "sha256:aaaa", "RepoTags": ["nginx:1.27-alpine"],
                "RepoDigests": ["nginx@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582"]}).to_string()),
            ("/images/sha256:bbbb/json".into(), serde_json::json!({
                "Id": "sha256:bbbb", "RepoTags": ["postgres:16.2"], "RepoDigests": []}).to_string()),
        ],
    )
}

#[test]
fn running_containers_from_the_docker_engine() {
    let dir = TempDir::new("docker");
    let host = fake_docker(&dir);
    let out = vext(["scan", "--docker", "--docker-host", &host, "--json"]).expect(0);
    let items = findings(&out.stdout);
    assert_eq!(items.len(), 2, "{}", out.stdout);
    let web = items
        .iter()
        .find(|f| f["source"]["container"] == "web")
        .unwrap();
    assert_eq!(web["image"], "docker.io/library/nginx:1.27-alpine");
    assert_eq!(web["kind"], "docker");
    assert_eq!(
        web["digest"],
        "sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582"
    );
    assert!(web["source"]["id"]
        .as_str()
        .unwrap()
        .starts_with("8dfafdbc"));
    let db = items
        .iter()
        .find(|f| f["source"]["container"] == "db")
        .unwrap();
    assert_eq!(
        db["image"], "docker.io/library/postgres:16.2",
        "named by its tag, not its ID"
    );
    // No engine there: a clear error naming the socket, exit 69.
    let missing = dir.path().join("nope.sock");
    let out = vext([
        "scan",
        "--docker",
        "--docker-host",
        &format!("unix://{}", missing.display()),
    ])
    .expect(69);
    assert!(out.stderr.contains("nope.sock"), "{}", out.stderr);
}

/// A compose file whose multi-line flow sequence closes at its key's
/// indentation (valid for libyaml and docker compose) loses no image.
#[test]
fn flow_sequences_closed_at_the_key_indentation() {
    let dir = TempDir::new("flow");
    dir.write(
        "compose.yaml",
        "services:\n  app:\n    image: nginx:1.25\n    command: [\n      \"start\",\n      \"x\"\n    ]\n  db:\n    image: postgres:16.2\n",
    );
    let out = vext(["scan", dir.path().to_str().unwrap(), "--json"]).expect(0);
    let images: Vec<String> = findings(&out.stdout)
        .iter()
        .map(|f| f["image"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        images,
        [
            "docker.io/library/nginx:1.25",
            "docker.io/library/postgres:16.2"
        ],
        "{}",
        out.stderr
    );
}

/// -q silences warnings and notes (errors still count for --strict).
#[test]
fn quiet_scan_prints_no_warnings() {
    let root = fixtures();
    let loud = vext(["scan", &root, "--json"]).expect(0);
    assert!(
        loud.stderr.contains("warning") || loud.stderr.contains("error"),
        "{}",
        loud.stderr
    );
    let quiet = vext(["-q", "scan", &root, "--json"]).expect(0);
    assert!(!quiet.stderr.contains("warning"), "{}", quiet.stderr);
}
