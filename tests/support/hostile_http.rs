//! A hostile HTTP server: answers every request from a handler the test
//! gives (a homeserver that always says 429 with no delay, a registry whose
//! tag pages are huge and link back to themselves), and counts what it got.

use std::io::{BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What the handler answers: status, extra headers, body.
pub type Answer = (u16, Vec<(String, String)>, Vec<u8>);

pub struct HostileHttp {
    pub port: u16,
    requests: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<String>>>,
}

impl HostileHttp {
    /// Serves `handler(method, path)` to every request, keep-alive.
    pub fn start(handler: impl Fn(&str, &str) -> Answer + Send + Sync + 'static) -> HostileHttp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let (n, s) = (requests.clone(), seen.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (n, s, handler) = (n.clone(), s.clone(), handler.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    while let Some(req) = super::webhook::read_request(&mut reader) {
                        let (method, path) = (req.method, req.path);
                        n.fetch_add(1, Ordering::SeqCst);
                        s.lock().unwrap().push(format!("{method} {path}"));
                        let (status, headers, body) = handler(&method, &path);
                        let mut head =
                            format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
                        for (k, v) in headers {
                            head.push_str(&format!("{k}: {v}\r\n"));
                        }
                        head.push_str("\r\n");
                        let mut w = &stream;
                        if w.write_all(head.as_bytes()).is_err() || w.write_all(&body).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        HostileHttp {
            port,
            requests,
            seen,
        }
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// `METHOD PATH` of every request so far.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// Runs `cmd` to its end and returns its exit code, stderr and peak
/// resident set in KiB, as /proc last showed it before the exit (sampled
/// every 2 ms: wait4's rusage would count the test process it forked from).
pub fn run_measured(cmd: &mut std::process::Command) -> (i32, String, u64) {
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut stderr = String::new();
        let _ = pipe.read_to_string(&mut stderr);
        stderr
    });
    let mut peak = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        // Before the exec, the child is a copy of this test process.
        let comm = std::fs::read_to_string(format!("/proc/{}/comm", child.id()));
        if comm.is_ok_and(|c| c.trim() == "vext") {
            peak = peak.max(crate::support::memory_kib(child.id()).1);
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    (status.code().unwrap_or(-1), reader.join().unwrap(), peak)
}
