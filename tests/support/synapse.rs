//! Synapse (Matrix) from the venv under target/, with users and rooms.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::*;

pub struct Synapse {
    pub port: u16,
    pub dir: TempDir,
    child: Option<Child>,
    config: PathBuf,
}

fn synapse_bin(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/synapse-venv/bin")
        .join(name);
    assert!(
        p.exists(),
        "{} missing: run `make deps` (installs matrix-synapse into target/synapse-venv)",
        p.display()
    );
    p
}

/// The homeserver's config for `port`, written into `dir`.
fn write_config(dir: &TempDir, port: u16) -> PathBuf {
    let d = dir.path().display().to_string();
    let limits = "{per_second: 1000, burst_count: 1000}";
    dir.write(
        "hs.yaml",
        &format!(
            "server_name: localhost\npid_file: {d}/hs.pid\nlisteners:\n  - port: {port}\n    type: http\n    tls: false\n    bind_addresses: ['127.0.0.1']\n    resources:\n      - names: [client]\n        compress: false\n\
             database:\n  name: sqlite3\n  args:\n    database: {d}/homeserver.db\nmedia_store_path: {d}/media\nsigning_key_path: {d}/signing.key\n\
             registration_shared_secret: test-shared-secret\nreport_stats: false\ntrusted_key_servers: []\nsuppress_key_server_warning: true\n\
             enable_metrics: false\nrc_message: {limits}\nrc_registration: {limits}\nrc_joins:\n  local: {limits}\n  remote: {limits}\n\
             rc_login:\n  address: {limits}\n  account: {limits}\n  failed_attempts: {limits}\nrc_admin_redaction: {limits}\n"
        ),
    )
}

impl Synapse {
    pub fn start() -> Synapse {
        let dir = TempDir::new("synapse");
        let mut port = free_port();
        let config = write_config(&dir, port);
        let python = synapse_bin("python");
        let st = Command::new(&python)
            .args(["-m", "synapse.app.homeserver", "-c"])
            .arg(&config)
            .arg("--generate-keys")
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("synapse --generate-keys");
        assert!(st.success(), "synapse --generate-keys failed");
        let mut s = Synapse {
            port,
            dir,
            child: None,
            config,
        };
        // free_port() can race with other tests: when Synapse exits because
        // its port was taken meanwhile, try again on another one.
        for _ in 0..5 {
            if s.spawn() {
                return s;
            }
            port = free_port();
            s.port = port;
            s.config = write_config(&s.dir, port);
        }
        panic!(
            "synapse did not start: {}",
            std::fs::read_to_string(s.dir.path().join("stderr.log")).unwrap_or_default()
        );
    }

    /// Starts Synapse and waits until it answers; false when it exited first.
    fn spawn(&mut self) -> bool {
        let log = std::fs::File::create(self.dir.path().join("stderr.log")).unwrap();
        let child = Command::new(synapse_bin("python"))
            .args(["-m", "synapse.app.homeserver", "-c"])
            .arg(&self.config)
            .current_dir(self.dir.path())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("starting synapse");
        self.child = Some(child);
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            let exited = self
                .child
                .as_mut()
                .is_some_and(|c| matches!(c.try_wait(), Ok(Some(_))));
            if exited {
                self.child = None;
                return false;
            }
            if let Ok(r) = http_json(
                "GET",
                &format!("{}/_matrix/client/versions", self.base()),
                None,
                None,
            ) {
                // Answering, and still ours (not another test's server).
                let alive = self
                    .child
                    .as_mut()
                    .is_some_and(|c| matches!(c.try_wait(), Ok(None)));
                if r.0 == 200 && alive {
                    return true;
                }
            }
            assert!(
                Instant::now() < until,
                "synapse did not start: {}",
                std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        assert!(
            self.spawn(),
            "synapse did not restart on port {}: {}",
            self.port,
            std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
        );
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Registers a user; returns its access token.
    pub fn user(&self, name: &str, password: &str) -> String {
        self.register(name, password, false)
    }

    /// Registers a server admin; returns its access token.
    pub fn admin(&self, name: &str, password: &str) -> String {
        self.register(name, password, true)
    }

    fn register(&self, name: &str, password: &str, admin: bool) -> String {
        let st = Command::new(synapse_bin("register_new_matrix_user"))
            .args([
                "-u",
                name,
                "-p",
                password,
                if admin { "--admin" } else { "--no-admin" },
                "-c",
            ])
            .arg(&self.config)
            .arg(self.base())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("register_new_matrix_user");
        assert!(st.success(), "registering {name}");
        self.login(name, password)
    }

    pub fn login(&self, name: &str, password: &str) -> String {
        let body = serde_json::json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": name}, "password": password});
        let (status, v) = http_json(
            "POST",
            &format!("{}/_matrix/client/v3/login", self.base()),
            None,
            Some(&body),
        )
        .unwrap();
        assert_eq!(status, 200, "{v}");
        v["access_token"].as_str().unwrap().to_string()
    }

    /// GET/POST/PUT on the client API with a token.
    pub fn api(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        http_json(
            method,
            &format!("{}/_matrix/client/v3{path}", self.base()),
            Some(token),
            body,
        )
        .unwrap()
    }

    /// Creates a public room with `#alias:localhost` (end-to-end encrypted
    /// when asked); returns its id.
    pub fn room(&self, owner: &str, alias: &str, encrypted: bool) -> String {
        let mut body = serde_json::json!({"room_alias_name": alias, "preset": "public_chat"});
        if encrypted {
            body["initial_state"] = serde_json::json!([{"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}]);
        }
        let (status, v) = self.api("POST", "/createRoom", owner, Some(&body));
        assert_eq!(status, 200, "{v}");
        v["room_id"].as_str().unwrap().to_string()
    }

    /// The room's messages once there are `n` of them (or after 20 s).
    pub fn wait_messages(&self, room: &str, token: &str, n: usize) -> Vec<serde_json::Value> {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let m = self.messages(room, token);
            if m.len() >= n || std::time::Instant::now() > until {
                return m;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// The m.room.message events in a room, oldest first.
    pub fn messages(&self, room: &str, token: &str) -> Vec<serde_json::Value> {
        let (_, v) = self.api(
            "GET",
            &format!(
                "/rooms/{}/messages?dir=b&limit=100",
                room.replace('!', "%21").replace(':', "%3A")
            ),
            token,
            None,
        );
        let mut events: Vec<serde_json::Value> = v["chunk"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e["type"] == "m.room.message")
            .collect();
        events.reverse();
        events
    }
}

impl Drop for Synapse {
    fn drop(&mut self) {
        self.stop();
    }
}
