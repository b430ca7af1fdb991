//! The Docker Engine API client: HTTP/1.1 over the unix socket (or tcp://),
//! one short request per connection, the API version negotiated with
//! `/_ping`. `vext scan --docker` reads containers through it and
//! `vext update --docker` recreates them.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::Value;

use crate::exit::{fail, Code};
use crate::net::http1::{parse_http, Response};

/// Requests made to any engine in this process, and the time spent waiting
/// for their replies: what the engine's own work cost a run, so that what
/// vext adds can be told apart (`-vv` prints it at the end of an update).
static REQUESTS: AtomicU64 = AtomicU64::new(0);
static WAITED_MICROS: AtomicU64 = AtomicU64::new(0);

/// (requests, time waited) so far in this process.
pub(crate) fn waited() -> (u64, Duration) {
    (
        REQUESTS.load(Ordering::Relaxed),
        Duration::from_micros(WAITED_MICROS.load(Ordering::Relaxed)),
    )
}

enum Endpoint {
    Unix(String),
    Tcp(String),
}

/// A Docker engine, reached and version-negotiated.
pub(crate) struct Engine {
    endpoint: Endpoint,
    /// `/v1.41`: the API version the engine answered `/_ping` with.
    base: String,
    /// The negotiated API version as (major, minor).
    pub(crate) version: (u32, u32),
}

/// A reply that was not 2xx: the status and the engine's own message.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl std::error::Error for ApiError {}

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

impl Engine {
    /// The engine's address as `DOCKER_HOST` spells it (for the tools vext
    /// runs against the same engine, such as compose).
    pub(crate) fn host(&self) -> String {
        match &self.endpoint {
            Endpoint::Unix(path) => format!("unix://{path}"),
            Endpoint::Tcp(addr) => format!("tcp://{addr}"),
        }
    }

    /// Reaches the engine at `host` (else `$DOCKER_HOST`, else the default
    /// socket) and negotiates the API version.
    pub(crate) fn connect(host: Option<&str>) -> Result<Engine> {
        let mut engine = Engine {
            endpoint: endpoint(host)?,
            base: String::new(),
            version: (1, 41),
        };
        let ping = engine.send("GET", "/_ping", None, Duration::from_secs(30))?;
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
        if let Some((a, b)) = version.split_once('.') {
            engine.version = (a.parse().unwrap_or(1), b.parse().unwrap_or(41));
        }
        engine.base = format!("/v{version}");
        Ok(engine)
    }

    fn what(&self) -> &str {
        match &self.endpoint {
            Endpoint::Unix(p) | Endpoint::Tcp(p) => p,
        }
    }

    /// One request on its own connection, read to the end.
    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        timeout: Duration,
    ) -> Result<Response> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut request = format!(
            "{method} {}{path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: vext\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.base,
            body.len()
        );
        if !body.is_empty() {
            request.push_str("Content-Type: application/json\r\n");
        }
        request.push_str("\r\n");
        request.push_str(&body);
        let mut raw = Vec::new();
        let started = Instant::now();
        fn exchange<S: Read + Write>(
            mut s: S,
            request: &[u8],
            raw: &mut Vec<u8>,
        ) -> std::io::Result<usize> {
            s.write_all(request)?;
            s.take(64 << 20).read_to_end(raw)
        }
        let res = match &self.endpoint {
            Endpoint::Unix(p) => UnixStream::connect(p).and_then(|s| {
                s.set_read_timeout(Some(timeout))?;
                s.set_write_timeout(Some(Duration::from_secs(30)))?;
                exchange(s, request.as_bytes(), &mut raw)
            }),
            Endpoint::Tcp(a) => std::net::TcpStream::connect(a).and_then(|s| {
                s.set_read_timeout(Some(timeout))?;
                s.set_write_timeout(Some(Duration::from_secs(30)))?;
                exchange(s, request.as_bytes(), &mut raw)
            }),
        };
        REQUESTS.fetch_add(1, Ordering::Relaxed);
        WAITED_MICROS.fetch_add(
            u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        if let Err(e) = res {
            let code = match e.kind() {
                std::io::ErrorKind::PermissionDenied => Code::NoPerm,
                _ => Code::Unavailable,
            };
            return Err(fail(
                code,
                format!("cannot reach the Docker engine at {}: {e}", self.what()),
            ));
        }
        parse_http(&raw).ok_or_else(|| {
            fail(
                Code::Unavailable,
                format!(
                    "the Docker engine at {} sent a malformed HTTP reply",
                    self.what()
                ),
            )
        })
    }

    /// A request whose reply must be 2xx; the body parsed as JSON when there
    /// is one (else null).
    pub(crate) fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        self.call_with_timeout(method, path, body, Duration::from_secs(60))
    }

    pub(crate) fn call_with_timeout(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        timeout: Duration,
    ) -> Result<Value> {
        let r = self.send(method, path, body, timeout)?;
        if !(200..300).contains(&r.status) {
            let message = serde_json::from_slice::<Value>(&r.body)
                .ok()
                .and_then(|v| v["message"].as_str().map(String::from))
                .unwrap_or_else(|| String::from_utf8_lossy(&r.body).trim().to_string());
            return Err(ApiError {
                status: r.status,
                message: format!("{method} {path}: {message}"),
            }
            .into());
        }
        if r.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&r.body).map_err(|e| {
            fail(
                Code::Unavailable,
                format!("Docker engine: {method} {path}: not JSON: {e}"),
            )
        })
    }

    pub(crate) fn get(&self, path: &str) -> Result<Value> {
        self.call("GET", path, None)
    }

    /// Pulls `image` (`repo:tag`). The engine answers 200 and then reports
    /// progress as JSON lines; a line with `error` is the real outcome.
    pub(crate) fn pull(&self, image: &str) -> Result<()> {
        let (repo, tag) = split_tag(image);
        let path = format!(
            "/images/create?fromImage={}&tag={}",
            crate::net::percent::percent_encode(repo),
            crate::net::percent::percent_encode(tag)
        );
        let r = self.send("POST", &path, None, Duration::from_secs(600))?;
        let lines = String::from_utf8_lossy(&r.body);
        let error = lines
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find_map(|v| v["error"].as_str().map(String::from));
        if !(200..300).contains(&r.status) || error.is_some() {
            let message = error
                .or_else(|| {
                    serde_json::from_str::<Value>(&lines)
                        .ok()
                        .and_then(|v| v["message"].as_str().map(String::from))
                })
                .unwrap_or_else(|| lines.trim().to_string());
            return Err(ApiError {
                status: r.status,
                message: format!("pulling {image}: {message}"),
            }
            .into());
        }
        Ok(())
    }

    /// Runs `sh -c CMD` inside the running container `id` with `env`, as
    /// `docker exec` does: detached, then asked about every 200 ms until
    /// it ends or `timeout` passes. Ok when it exits 0, else why not. The
    /// engine has no way to stop an exec: one that outlives its time is
    /// left to the container (and goes with it when the container is
    /// removed). Its output is the container's business and is not read.
    pub(crate) fn exec(
        &self,
        id: &str,
        cmd: &str,
        env: &[(&str, String)],
        timeout: Duration,
    ) -> Result<(), String> {
        let env: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let body = serde_json::json!({
            "Cmd": ["sh", "-c", cmd],
            "Env": env,
            "AttachStdin": false,
            "AttachStdout": false,
            "AttachStderr": false,
        });
        let created = self
            .call("POST", &format!("/containers/{id}/exec"), Some(&body))
            .map_err(|e| format!("{e:#}"))?;
        let exec = created["Id"]
            .as_str()
            .filter(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_alphanumeric()))
            .ok_or("the engine answered the exec without a usable id")?
            .to_string();
        self.call(
            "POST",
            &format!("/exec/{exec}/start"),
            Some(&serde_json::json!({"Detach": true, "Tty": false})),
        )
        .map_err(|e| format!("{e:#}"))?;
        let started = Instant::now();
        loop {
            let state = self
                .get(&format!("/exec/{exec}/json"))
                .map_err(|e| format!("{e:#}"))?;
            // Not running and no exit code yet: not started yet.
            if state["Running"].as_bool() == Some(false) {
                match state["ExitCode"].as_i64() {
                    Some(0) => return Ok(()),
                    Some(127) => return Err("exited 127 (is there a sh in the container?)".into()),
                    Some(code) => return Err(format!("exited {code}")),
                    None => {}
                }
            }
            if started.elapsed() >= timeout {
                return Err(format!(
                    "was still running after {}",
                    humantime::format_duration(timeout)
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// `repo:tag` → (`repo`, `tag`); a colon in a registry port is not a tag.
fn split_tag(image: &str) -> (&str, &str) {
    let image = image.split('@').next().unwrap_or(image);
    match image.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, tag),
        _ => (image, "latest"),
    }
}

/// The status of an API error, when the error is one.
pub(crate) fn status_of(e: &anyhow::Error) -> Option<u16> {
    e.downcast_ref::<ApiError>().map(|a| a.status)
}

#[cfg(test)]
mod tests {
    use super::split_tag;

    #[test]
    fn tags_split_from_repositories_with_ports() {
        assert_eq!(split_tag("nginx:1.27"), ("nginx", "1.27"));
        assert_eq!(
            split_tag("127.0.0.1:5000/app:1.0.0"),
            ("127.0.0.1:5000/app", "1.0.0")
        );
        assert_eq!(
            split_tag("127.0.0.1:5000/app"),
            ("127.0.0.1:5000/app", "latest")
        );
    }
}
