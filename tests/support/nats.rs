//! Debian's nats-server with JetStream on a loopback port and its own store
//! directory; `kill9` and `restart` keep the port and the store.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use super::*;

pub struct NatsServer {
    pub port: u16,
    dir: TempDir,
    jetstream: bool,
    /// More flags: cluster (`-n NAME --cluster ... --routes ...`), auth.
    extra: Vec<String>,
    child: Option<Child>,
    log: Arc<Mutex<String>>,
}

impl NatsServer {
    pub fn start() -> NatsServer {
        NatsServer::launch(true)
    }

    /// A server that wants `token` from its clients.
    pub fn start_with_token(token: &str) -> NatsServer {
        NatsServer::start_with(&["--auth", token])
    }

    /// A server with JetStream and more flags (`--tls ...`, `-c FILE`).
    pub fn start_with(extra: &[&str]) -> NatsServer {
        let mut server = NatsServer {
            port: 0,
            dir: TempDir::new("nats"),
            jetstream: true,
            extra: extra.iter().map(|s| s.to_string()).collect(),
            child: None,
            log: Arc::new(Mutex::new(String::new())),
        };
        server.spawn(None);
        server
    }

    /// A server with JetStream switched off.
    pub fn start_without_jetstream() -> NatsServer {
        NatsServer::launch(false)
    }

    fn launch(jetstream: bool) -> NatsServer {
        let dir = TempDir::new("nats");
        let mut server = NatsServer {
            port: 0,
            dir,
            jetstream,
            extra: Vec::new(),
            child: None,
            log: Arc::new(Mutex::new(String::new())),
        };
        server.spawn(None);
        server
    }

    /// One request over the plain NATS protocol (no client library):
    /// publishes `body` to `subject` with a reply inbox, returns the reply
    /// (empty when none came within 5 s).
    pub fn request(&self, subject: &str, body: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to nats");
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        let mut info = String::new();
        r.read_line(&mut info).unwrap();
        write!(
            s,
            "CONNECT {{\"verbose\":false}}\r\nSUB _INBOX.test 1\r\nPUB {subject} _INBOX.test {}\r\n{body}\r\n",
            body.len()
        )
        .unwrap();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                // No answer in time (e.g. JetStream not ready yet).
                return String::new();
            }
            if line.starts_with("MSG ") {
                let mut payload = String::new();
                r.read_line(&mut payload).unwrap();
                return payload.trim().to_string();
            }
            if line.starts_with("-ERR") {
                panic!("nats: {line}");
            }
        }
    }

    /// `-p -1` lets the server pick a free port the first time; restarts
    /// ask for the same one.
    fn spawn(&mut self, port: Option<u16>) {
        let bin = require_binary("nats-server");
        let store: PathBuf = self.dir.path().join("js");
        let port_arg = port.map_or("-1".to_string(), |p| p.to_string());
        let mut cmd = Command::new(bin);
        cmd.args(["-a", "127.0.0.1", "-p", &port_arg]);
        if self.jetstream {
            cmd.arg("-js").arg("-sd").arg(&store);
        }
        cmd.args(&self.extra);
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting nats-server");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        let log = self.log.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stderr);
            let mut line = String::new();
            while matches!(r.read_line(&mut line), Ok(n) if n > 0) {
                if let Some(addr) = line.split("client connections on ").nth(1) {
                    let _ = tx.send(addr.trim().to_string());
                }
                log.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("nats-server did not start: {}", self.log()));
        self.port = addr
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {addr:?}"));
        // JetStream is ready shortly after the listener.
        std::thread::sleep(Duration::from_millis(200));
        self.child = Some(child);
    }

    /// The last event kept on `subject` in the events stream, decoded
    /// (waits up to 10 s for one).
    pub fn last_event(&self, subject: &str) -> serde_json::Value {
        use base64::Engine as _;
        let until = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let reply = self.request(
                "$JS.API.STREAM.MSG.GET.VEXT_EVENTS",
                &format!(r#"{{"last_by_subj":"{subject}"}}"#),
            );
            let v: serde_json::Value = serde_json::from_str(&reply).unwrap_or_default();
            if let Some(data) = v["message"]["data"].as_str() {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .unwrap();
                return serde_json::from_slice(&bytes).unwrap();
            }
            assert!(
                std::time::Instant::now() < until,
                "no event on {subject}: {reply}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn restart(&mut self) {
        self.kill9();
        let port = self.port;
        self.spawn(Some(port));
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Three nats-servers on loopback in one JetStream cluster.
pub struct NatsCluster {
    pub nodes: Vec<NatsServer>,
}

impl NatsCluster {
    pub fn start() -> NatsCluster {
        let routes: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let all = routes
            .iter()
            .map(|p| format!("nats://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut nodes = Vec::new();
        for (i, route) in routes.iter().enumerate() {
            let mut n = NatsServer {
                port: 0,
                dir: TempDir::new("nats-node"),
                jetstream: true,
                extra: vec![
                    "-n".into(),
                    format!("n{i}"),
                    "--cluster_name".into(),
                    "vext".into(),
                    "--cluster".into(),
                    format!("nats://127.0.0.1:{route}"),
                    "--routes".into(),
                    all.clone(),
                ],
                child: None,
                log: Arc::new(Mutex::new(String::new())),
            };
            n.spawn(Some(free_port()));
            nodes.push(n);
        }
        // Ready once a three-replica stream can be placed (a meta leader
        // that knows all three peers).
        let until = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let reply = nodes[0].request(
                "$JS.API.STREAM.CREATE.PROBE",
                r#"{"name":"PROBE","subjects":["probe.x"],"num_replicas":3,"storage":"memory"}"#,
            );
            if reply.contains("\"config\"") {
                nodes[0].request("$JS.API.STREAM.DELETE.PROBE", "");
                break;
            }
            assert!(
                std::time::Instant::now() < until,
                "the cluster cannot place a 3-replica stream: {reply}"
            );
            std::thread::sleep(Duration::from_millis(300));
        }
        NatsCluster { nodes }
    }

    pub fn urls(&self) -> String {
        self.nodes
            .iter()
            .map(NatsServer::url)
            .collect::<Vec<_>>()
            .join(",")
    }
}
