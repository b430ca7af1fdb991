//! A private Docker engine (Debian's dockerd as root, its own socket, data
//! root and exec root, vfs storage, no iptables, no default bridge), and
//! tiny test images built from Debian's static busybox.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::*;

pub struct DockerEngine {
    pub sock: PathBuf,
    dir: TempDir,
    child: Child,
}

/// How a test image behaves.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// httpd on $PORT (8080), a HEALTHCHECK that passes.
    Healthy,
    /// httpd runs, its HEALTHCHECK fails.
    Unhealthy,
    /// The process exits at once (no HEALTHCHECK).
    Exits,
    /// httpd without a HEALTHCHECK.
    Plain,
}

impl DockerEngine {
    pub fn start() -> DockerEngine {
        let bin = require_binary("dockerd");
        let dir = TempDir::new("dockerd");
        let sock = dir.path().join("docker.sock");
        let log = std::fs::File::create(dir.path().join("dockerd.log")).expect("dockerd log");
        let child = Command::new(bin)
            .arg("--data-root")
            .arg(dir.path().join("data"))
            .arg("--exec-root")
            .arg(dir.path().join("exec"))
            .arg("--pidfile")
            .arg(dir.path().join("dockerd.pid"))
            .arg("-H")
            .arg(format!("unix://{}", sock.display()))
            // Should a system containerd be running, this engine's
            // containers stay apart from any other engine's.
            .arg("--containerd-namespace")
            .arg(format!("vext-{}", unique(&dir)))
            .arg("--containerd-plugins-namespace")
            .arg(format!("vext-plugins-{}", unique(&dir)))
            .args([
                "--storage-driver",
                "vfs",
                "--iptables=false",
                "--ip-masq=false",
                "--bridge=none",
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("dockerd log"))
            .stderr(log)
            .spawn()
            .expect("starting dockerd (make deps installs docker.io)");
        let engine = DockerEngine { sock, dir, child };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if engine.try_docker(&["version"]).is_ok() {
                return engine;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "dockerd did not start: {}",
            std::fs::read_to_string(engine.dir.path().join("dockerd.log")).unwrap_or_default()
        );
    }

    pub fn host(&self) -> String {
        format!("unix://{}", self.sock.display())
    }

    fn try_docker(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", self.host())
            .env("DOCKER_BUILDKIT", "0")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("docker: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }

    /// Runs the docker CLI against this engine; panics on failure.
    pub fn docker(&self, args: &[&str]) -> String {
        self.try_docker(args)
            .unwrap_or_else(|e| panic!("docker {args:?}: {e}"))
    }

    /// `docker inspect` of one object, as JSON.
    pub fn inspect(&self, what: &str) -> serde_json::Value {
        let out = self.docker(&["inspect", what]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("inspect JSON");
        v[0].clone()
    }

    /// Builds `tag` (a FROM scratch image with busybox) behaving as asked,
    /// serving `body`, and pushes it when the tag names a registry.
    pub fn build(&self, tag: &str, behaviour: Behaviour, body: &str) {
        let ctx = TempDir::new("image");
        std::fs::copy(require_binary("busybox"), ctx.path().join("busybox"))
            .expect("copying busybox (make deps installs busybox-static)");
        std::fs::create_dir_all(ctx.path().join("www")).unwrap();
        std::fs::write(ctx.path().join("www/index.html"), body).unwrap();
        let serve = r#"CMD ["/bin/busybox", "sh", "-c", "exec /bin/busybox httpd -f -p ${PORT:-8080} -h /www"]"#;
        let check = |path: &str| {
            format!(
                r#"HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD ["/bin/busybox", "sh", "-c", "/bin/busybox wget -q -O /dev/null http://127.0.0.1:${{PORT:-8080}}/{path}"]"#
            )
        };
        let tail = match behaviour {
            Behaviour::Healthy => format!("{}\n{serve}", check("")),
            Behaviour::Unhealthy => format!("{}\n{serve}", check("missing")),
            Behaviour::Exits => r#"CMD ["/bin/busybox", "false"]"#.to_string(),
            Behaviour::Plain => serve.to_string(),
        };
        std::fs::write(
            ctx.path().join("Dockerfile"),
            format!("FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"ln\", \"-s\", \"busybox\", \"/bin/sh\"]\nCOPY www /www\nENV PATH=/bin\nLABEL from.image=yes\nEXPOSE 8080\n{tail}\n"),
        )
        .unwrap();
        self.docker(&["build", "-q", "-t", tag, &ctx.path().display().to_string()]);
        if tag.starts_with("127.0.0.1:") {
            self.docker(&["push", "-q", tag]);
        }
    }

    /// Builds and pushes `tag`, then removes it locally (as a new release
    /// the host has not pulled yet).
    pub fn release(&self, tag: &str, behaviour: Behaviour, body: &str) {
        self.build(tag, behaviour, body);
        self.docker(&["rmi", tag]);
    }

    /// Waits until the container's health is `healthy` (or it runs, without one).
    pub fn wait_healthy(&self, name: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let s = self.inspect(name);
            let health = s["State"]["Health"]["Status"].as_str();
            if health == Some("healthy")
                || (health.is_none() && s["State"]["Running"].as_bool() == Some(true))
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("{name} did not become healthy");
    }

    pub fn data_root(&self) -> &Path {
        self.dir.path()
    }
}

fn unique(dir: &TempDir) -> String {
    dir.path()
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
        })
        .unwrap_or_default()
}

impl Drop for DockerEngine {
    fn drop(&mut self) {
        // Containers first (their processes belong to containerd), then the
        // engine, by its PID.
        if let Ok(ids) = self.try_docker(&["ps", "-aq"]) {
            let ids: Vec<&str> = ids.split_whitespace().collect();
            if !ids.is_empty() {
                let mut args = vec!["rm", "-f"];
                args.extend(ids);
                let _ = self.try_docker(&args);
            }
        }
        // User networks outlive the engine as host bridge interfaces, and
        // every leftover one takes an address pool from later runs.
        if let Ok(nets) = self.try_docker(&["network", "ls", "-q", "--filter", "type=custom"]) {
            for n in nets.split_whitespace() {
                let _ = self.try_docker(&["network", "rm", n]);
            }
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
