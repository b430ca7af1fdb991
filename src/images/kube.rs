//! The Kubernetes API client that `scan --kube` and `update --kube` share:
//! credentials from kubeconfig (token, tokenFile, client certificate, CA,
//! `exec` plugins) or the in-cluster service account; GET, paged lists and
//! PATCH, each bounded in time and size, with the API's status mapped to
//! vext's exit codes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use base64::Engine;
use serde_json::Value;

use crate::exit::{fail, Code};
use crate::images::scan::yaml::{self, Node};
use crate::net::percent::percent_encode;

pub(crate) struct Options<'a> {
    pub(crate) kubeconfig: Option<&'a Path>,
    pub(crate) context: Option<&'a str>,
    pub(crate) namespace: Option<&'a str>,
    pub(crate) all_namespaces: bool,
}

pub(crate) struct Cluster {
    context: String,
    host: String,
    port: u16,
    /// One connection pool for every request to this API server.
    agent: ureq::Agent,
    token: Option<String>,
    namespace: Option<String>,
}

/// An API reply: its status and body.
struct Response {
    status: u16,
    body: Vec<u8>,
}

fn config_err(msg: String) -> anyhow::Error {
    fail(Code::Config, msg)
}

fn decode_b64(s: &str, what: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| config_err(format!("kubeconfig: {what} is not base64: {e}")))
}

fn str_of<'a>(n: Option<&'a Node>, key: &str) -> Option<&'a str> {
    n.and_then(|n| n.get(key)).and_then(Node::as_str)
}

/// Finds `name` in a kubeconfig list like `clusters: [{name, cluster}]`.
fn named<'a>(doc: &'a Node, list: &str, name: &str, inner: &str) -> Option<&'a Node> {
    doc.get(list)?
        .items()
        .iter()
        .find(|i| str_of(Some(i), "name") == Some(name))
        .and_then(|i| i.get(inner))
}

/// Inline data (base64) under `data`, else the file `file` names.
fn data_or_file(
    node: Option<&Node>,
    data: &str,
    file: &str,
    rel: &dyn Fn(&str) -> PathBuf,
) -> Result<Option<Vec<u8>>> {
    match (str_of(node, data), str_of(node, file)) {
        (Some(d), _) => Ok(Some(decode_b64(d, data)?)),
        (None, Some(f)) => Ok(Some(
            std::fs::read(rel(f)).map_err(|e| config_err(format!("reading {f}: {e}")))?,
        )),
        _ => Ok(None),
    }
}

/// The kubeconfig to read: `--kubeconfig`, else the first of `KUBECONFIG`,
/// else ~/.kube/config.
fn kubeconfig_path(flag: Option<&Path>, env: Option<std::ffi::OsString>) -> PathBuf {
    match flag {
        Some(p) => p.to_path_buf(),
        None => match env {
            Some(v) => PathBuf::from(v.to_string_lossy().split(':').next().unwrap_or_default()),
            None => {
                PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".kube/config")
            }
        },
    }
}

fn load(opts: &Options) -> Result<Cluster> {
    // An empty KUBECONFIG counts as unset, as kubectl has it.
    let env_config = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty());
    if opts.kubeconfig.is_none() && env_config.is_none() {
        if let Ok(host) = std::env::var("KUBERNETES_SERVICE_HOST") {
            return in_cluster(&host, opts);
        }
    }
    let path = kubeconfig_path(opts.kubeconfig, env_config);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| config_err(format!("reading kubeconfig {}: {e}", path.display())))?;
    let doc = yaml::parse(&text)
        .map_err(|e| config_err(format!("kubeconfig {}: {e}", path.display())))?
        .into_iter()
        .next()
        .ok_or_else(|| config_err(format!("kubeconfig {} is empty", path.display())))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let rel = |p: &str| -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            base.join(p)
        }
    };
    let context = match opts.context {
        Some(c) => c.to_string(),
        None => str_of(Some(&doc), "current-context")
            .ok_or_else(|| {
                config_err(format!(
                    "kubeconfig {}: no current-context (give --context)",
                    path.display()
                ))
            })?
            .to_string(),
    };
    let ctx = named(&doc, "contexts", &context, "context").ok_or_else(|| {
        config_err(format!(
            "kubeconfig {}: no context {context:?}",
            path.display()
        ))
    })?;
    let cluster_name = str_of(Some(ctx), "cluster").unwrap_or_default();
    let user_name = str_of(Some(ctx), "user").unwrap_or_default();
    let cluster = named(&doc, "clusters", cluster_name, "cluster")
        .ok_or_else(|| config_err(format!("kubeconfig: no cluster {cluster_name:?}")))?;
    let user = named(&doc, "users", user_name, "user");
    let server = str_of(Some(cluster), "server")
        .ok_or_else(|| config_err("kubeconfig: the cluster has no server".into()))?;
    let (host, port) = parse_server(server)?;

    let ca_pem = data_or_file(
        Some(cluster),
        "certificate-authority-data",
        "certificate-authority",
        &rel,
    )?;

    let mut token = str_of(user, "token").map(String::from);
    if token.is_none() {
        if let Some(f) = str_of(user, "tokenFile") {
            token = Some(
                std::fs::read_to_string(rel(f))
                    .map_err(|e| config_err(format!("reading tokenFile {f}: {e}")))?
                    .trim()
                    .to_string(),
            );
        }
    }
    let mut cert_pem = data_or_file(user, "client-certificate-data", "client-certificate", &rel)?;
    let mut key_pem = data_or_file(user, "client-key-data", "client-key", &rel)?;
    if let Some(exec) = user.and_then(|u| u.get("exec")) {
        let cred = run_exec(exec)?;
        if let Some(t) = cred["status"]["token"].as_str() {
            token = Some(t.to_string());
        }
        if let (Some(c), Some(k)) = (
            cred["status"]["clientCertificateData"].as_str(),
            cred["status"]["clientKeyData"].as_str(),
        ) {
            cert_pem = Some(c.as_bytes().to_vec());
            key_pem = Some(k.as_bytes().to_vec());
        }
    }
    let agent = crate::net::tls::agent_for(
        ca_pem.as_deref(),
        cert_pem.as_deref().zip(key_pem.as_deref()),
        "kubeconfig CA",
        REQUEST_TIMEOUT,
    )?;
    Ok(Cluster {
        context,
        host,
        port,
        agent,
        token,
        namespace: str_of(Some(ctx), "namespace").map(String::from),
    })
}

fn in_cluster(host: &str, _opts: &Options) -> Result<Cluster> {
    let dir = Path::new("/var/run/secrets/kubernetes.io/serviceaccount");
    let port: u16 = std::env::var("KUBERNETES_SERVICE_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(443);
    let token = std::fs::read_to_string(dir.join("token")).map_err(|e| {
        config_err(format!(
            "in-cluster: reading the service account token: {e}"
        ))
    })?;
    let ca = std::fs::read(dir.join("ca.crt"))
        .map_err(|e| config_err(format!("in-cluster: reading ca.crt: {e}")))?;
    let agent = crate::net::tls::agent_for(Some(&ca), None, "in-cluster ca.crt", REQUEST_TIMEOUT)?;
    Ok(Cluster {
        context: "in-cluster".into(),
        host: host.trim_matches(['[', ']']).to_string(),
        port,
        agent,
        token: Some(token.trim().to_string()),
        namespace: std::fs::read_to_string(dir.join("namespace"))
            .ok()
            .map(|s| s.trim().to_string()),
    })
}

fn parse_server(server: &str) -> Result<(String, u16)> {
    let rest = server
        .strip_prefix("https://")
        .ok_or_else(|| config_err(format!("kubeconfig: server {server:?} is not https://")))?;
    let hostport = rest.split('/').next().unwrap_or_default();
    if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| config_err(format!("bad server {server:?}")))?;
        let port = after
            .strip_prefix(':')
            .map_or(Ok(443), str::parse)
            .map_err(|_| config_err(format!("bad port in {server:?}")))?;
        return Ok((h.to_string(), port));
    }
    match hostport.rsplit_once(':') {
        Some((h, p)) => Ok((
            h.to_string(),
            p.parse()
                .map_err(|_| config_err(format!("bad port in {server:?}")))?,
        )),
        None => Ok((hostport.to_string(), 443)),
    }
}

/// Runs a client-go credential plugin and returns its ExecCredential.
fn run_exec(exec: &Node) -> Result<Value> {
    let cmd = str_of(Some(exec), "command")
        .ok_or_else(|| config_err("kubeconfig exec: no command".into()))?;
    let mut c = std::process::Command::new(cmd);
    for a in exec.get("args").map(Node::items).unwrap_or(&[]) {
        if let Some(a) = a.as_str() {
            c.arg(a);
        }
    }
    for e in exec.get("env").map(Node::items).unwrap_or(&[]) {
        if let (Some(k), Some(v)) = (str_of(Some(e), "name"), str_of(Some(e), "value")) {
            c.env(k, v);
        }
    }
    let api = str_of(Some(exec), "apiVersion").unwrap_or("client.authentication.k8s.io/v1");
    c.env(
        "KUBERNETES_EXEC_INFO",
        serde_json::json!({"apiVersion": api, "kind": "ExecCredential", "spec": {"interactive": false}}).to_string(),
    );
    let out = c
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| fail(Code::NoPerm, format!("kubeconfig exec plugin {cmd}: {e}")))?;
    if !out.status.success() {
        return Err(fail(
            Code::NoPerm,
            format!(
                "kubeconfig exec plugin {cmd} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| {
        fail(
            Code::NoPerm,
            format!("kubeconfig exec plugin {cmd}: output is not JSON: {e}"),
        )
    })
}

/// Each API request's time limit.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest reply read (a page of 500 objects is far below it).
const MAX_REPLY: u64 = 64 << 20;

impl Cluster {
    /// Connects as kubeconfig or the in-cluster service account says.
    pub(crate) fn connect(opts: &Options) -> Result<Cluster> {
        load(opts)
    }

    /// The kubeconfig context's name (`in-cluster` inside a pod).
    pub(crate) fn context(&self) -> &str {
        &self.context
    }

    /// The namespace to work in: `namespace` if given, else the context's,
    /// else `default`; None with `all`.
    pub(crate) fn namespace(&self, namespace: Option<&str>, all: bool) -> Option<String> {
        if all {
            return None;
        }
        Some(
            namespace
                .map(String::from)
                .or(self.namespace.clone())
                .unwrap_or_else(|| "default".into()),
        )
    }

    pub(crate) fn get(&self, path: &str) -> Result<Value> {
        self.call("GET", path, None)
    }

    /// An RFC 6902 JSON patch: a list of operations, all or none applied
    /// (a failed `test` refuses the whole patch).
    pub(crate) fn patch(&self, path: &str, ops: &[Value]) -> Result<Value> {
        self.call("PATCH", path, Some(ops))
    }

    fn call(&self, method: &str, path: &str, ops: Option<&[Value]>) -> Result<Value> {
        let what = format!("the Kubernetes API at {}:{}", self.host, self.port);
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let url = format!("https://{host}:{}{path}", self.port);
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let result = match ops {
            None => {
                let mut req = self
                    .agent
                    .get(&url)
                    .header("Accept", "application/json")
                    .header("User-Agent", "vext");
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                req.call()
            }
            Some(ops) => {
                let mut req = self
                    .agent
                    .patch(&url)
                    .header("Accept", "application/json")
                    .header("User-Agent", "vext")
                    .header("Content-Type", "application/json-patch+json");
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                req.send(Value::from(ops).to_string().as_bytes())
            }
        };
        let reply = result.map_err(|e| {
            let code = if crate::net::tls::is_tls_error(&e) {
                Code::NoPerm
            } else {
                Code::Unavailable
            };
            fail(code, format!("cannot reach {what}: {e}"))
        })?;
        let status = reply.status().as_u16();
        let body = reply
            .into_body()
            .with_config()
            .limit(MAX_REPLY)
            .read_to_vec()
            .map_err(|e| fail(Code::Unavailable, format!("{what}: {method} {path}: {e}")))?;
        let resp = Response { status, body };
        match resp.status {
            200 | 201 => serde_json::from_slice(&resp.body).map_err(|e| {
                fail(
                    Code::Unavailable,
                    format!("{what}: {method} {path}: not JSON: {e}"),
                )
            }),
            s => {
                let code = match s {
                    401 | 403 => Code::NoPerm,
                    400 | 404 | 409 | 422 => Code::DataErr,
                    _ => Code::Unavailable,
                };
                Err(fail(
                    code,
                    format!(
                        "{what}: {method} {path}: {s} {}",
                        status_message(&resp.body)
                    ),
                ))
            }
        }
    }

    /// Every item of a list, following `metadata.continue`.
    pub(crate) fn list_all(&self, base: &str) -> Result<Vec<Value>> {
        let mut items = Vec::new();
        let mut cont: Option<String> = None;
        let sep = if base.contains('?') { '&' } else { '?' };
        for _ in 0..10_000 {
            let mut path = format!("{base}{sep}limit=500");
            if let Some(c) = &cont {
                path.push_str("&continue=");
                path.push_str(&percent_encode(c));
            }
            let page = self.get(&path)?;
            items.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["metadata"]["continue"]
                .as_str()
                .filter(|c| !c.is_empty())
            {
                Some(c) => cont = Some(c.to_string()),
                None => break,
            }
        }
        Ok(items)
    }
}

/// A `Status` reply's message, else the body as text.
fn status_message(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["message"].as_str().map(String::from))
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string())
}

/// A collection's path: `/apis/apps/v1/namespaces/NS/deployments`, or
/// across namespaces without `ns`.
pub(crate) fn collection(group: &str, resource: &str, ns: Option<&str>) -> String {
    match ns {
        Some(ns) => format!("{group}/namespaces/{ns}/{resource}"),
        None => format!("{group}/{resource}"),
    }
}
