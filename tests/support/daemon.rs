//! A vext daemon on free ports, with its own state dir.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;

pub struct Daemon {
    pub child: Child,
    /// The state directory (spool), owned by this daemon unless given.
    pub state: Option<TempDir>,
    pub tcp: String,
    pub udp: String,
    pub http: Option<String>,
    pub stderr: Arc<Mutex<String>>,
}

impl Daemon {
    pub fn start(extra: &[&str]) -> Daemon {
        Daemon::start_in(extra, None)
    }

    /// Starts the daemon with extra environment variables.
    pub fn start_env(extra: &[&str], env: &[(&str, &str)]) -> Daemon {
        Daemon::launch(extra, None, env)
    }

    /// Starts `vext daemon --listen 127.0.0.1:0 EXTRA...`, optionally inside a
    /// network namespace (`wrapper` is the command prefix, e.g. nsenter).
    pub fn start_in(extra: &[&str], wrapper: Option<&[&str]>) -> Daemon {
        Daemon::launch(extra, wrapper, &[])
    }

    fn launch(extra: &[&str], wrapper: Option<&[&str]>, env: &[(&str, &str)]) -> Daemon {
        let mut args: Vec<String> = vec!["daemon".into()];
        let state = if extra.contains(&"--state-dir") {
            None
        } else {
            let dir = TempDir::new("state");
            args.extend(["--state-dir".into(), dir.path().display().to_string()]);
            Some(dir)
        };
        // A test of where the address comes from (irkerd's variables) gives
        // no --listen.
        let from_env = env.iter().any(|(k, _)| k.starts_with("IRKERD_"));
        if !extra.contains(&"--listen") && !from_env {
            args.extend(["--listen".into(), "127.0.0.1:0".into()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut cmd = match wrapper {
            Some(w) => {
                let mut c = Command::new(w[0]);
                c.args(&w[1..]).arg(VEXT);
                c
            }
            None => Command::new(VEXT),
        };
        cmd.args(&args)
            .env_remove("VEXT_CONFIG")
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .env("VEXT_LOG", "vext=debug")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("starting vext daemon");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        let log = Arc::new(Mutex::new(String::new()));
        let log2 = log.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stderr);
            let mut line = String::new();
            loop {
                line.clear();
                match r.read_line(&mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        log2.lock().unwrap().push_str(&line);
                        if line.starts_with("listening ") {
                            let _ = tx.send(line.trim().to_string());
                        }
                    }
                }
            }
        });
        let Ok(ready) = rx.recv_timeout(Duration::from_secs(10)) else {
            let _ = child.kill();
            panic!("daemon not ready; stderr: {}", log.lock().unwrap());
        };
        let field = |k: &str| {
            ready
                .split(' ')
                .find_map(|f| f.strip_prefix(k))
                .unwrap_or_else(|| panic!("no {k} in {ready:?}"))
                .to_string()
        };
        Daemon {
            tcp: field("tcp="),
            udp: field("udp="),
            http: ready
                .split(' ')
                .find_map(|f| f.strip_prefix("http="))
                .map(String::from),
            child,
            state,
            stderr: log,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn signal(&self, sig: &str) {
        let _ = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid().to_string()])
            .status();
    }

    /// Waits for the daemon to exit; returns its exit code.
    pub fn wait(&mut self, timeout: Duration) -> Option<i32> {
        let until = Instant::now() + timeout;
        loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                return st.code();
            }
            if Instant::now() > until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends raw bytes on a new TCP connection and returns the replies read
    /// until `replies` lines arrived (or 10 s passed).
    pub fn request(&self, raw: &[u8], replies: usize) -> Vec<String> {
        let mut s = TcpStream::connect(&self.tcp).expect("connect to daemon");
        s.write_all(raw).expect("write to daemon");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut r = BufReader::new(s);
        let mut out = Vec::new();
        while out.len() < replies {
            let mut l = String::new();
            match r.read_line(&mut l) {
                Ok(0) | Err(_) => break,
                Ok(_) => out.push(l.trim().to_string()),
            }
        }
        out
    }

    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until the daemon's log holds `text`.
    pub fn wait_log(&self, text: &str, timeout: Duration) {
        let until = Instant::now() + timeout;
        while !self.log().contains(text) {
            assert!(
                Instant::now() < until,
                "no {text:?} in the daemon's log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until `vext history` on `state` shows a delivered target;
    /// returns that `--json` output.
    pub fn wait_delivered(&self, state: &Path, timeout: Duration) -> String {
        self.wait_history(state, timeout, |out| out.contains("\"delivered\""))
    }

    /// Waits until `vext history --json` on `state` satisfies `done`;
    /// returns that output (fails the test after `timeout`).
    pub fn wait_history(
        &self,
        state: &Path,
        timeout: Duration,
        done: impl Fn(&str) -> bool,
    ) -> String {
        let until = Instant::now() + timeout;
        loop {
            let out = vext(["history", "--state-dir", state.to_str().unwrap(), "--json"])
                .expect(0)
                .stdout;
            if done(&out) {
                return out;
            }
            assert!(
                Instant::now() < until,
                "not there yet: {out}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
