//! An HTTP CONNECT proxy, for HTTPS_PROXY tests.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// A forward proxy as HTTPS_PROXY names one: it answers `CONNECT host:port`,
/// then relays bytes both ways, and records each host it was asked for.
pub struct ConnectProxy {
    pub addr: String,
    pub asked: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    pub fn start() -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the proxy");
        let addr = listener.local_addr().unwrap().to_string();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(client.try_clone().unwrap());
                    let mut first = String::new();
                    if reader.read_line(&mut first).is_err() {
                        return;
                    }
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                            break;
                        }
                    }
                    let mut words = first.split_whitespace();
                    let (Some("CONNECT"), Some(host)) = (words.next(), words.next()) else {
                        let _ = (&client).write_all(b"HTTP/1.1 405 CONNECT only\r\n\r\n");
                        return;
                    };
                    log.lock().unwrap().push(host.to_string());
                    let Ok(upstream) = TcpStream::connect(host) else {
                        let _ = (&client).write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                        return;
                    };
                    let _ = (&client).write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                    let (mut up_r, mut up_w) = (upstream.try_clone().unwrap(), upstream);
                    let mut down_w = client;
                    let t = std::thread::spawn(move || {
                        let _ = std::io::copy(&mut reader, &mut up_w);
                        let _ = up_w.shutdown(std::net::Shutdown::Write);
                    });
                    let _ = std::io::copy(&mut up_r, &mut down_w);
                    let _ = down_w.shutdown(std::net::Shutdown::Write);
                    let _ = t.join();
                });
            }
        });
        ConnectProxy { addr, asked }
    }
}

/// Debian's microsocks, a real SOCKS5 server, on a free loopback port with
/// a user and password; stopped (by PID) when dropped.
pub struct Microsocks {
    pub addr: String,
    child: std::process::Child,
}

impl Microsocks {
    pub fn start(user: &str, password: &str) -> Microsocks {
        let bin = crate::support::require_binary("microsocks");
        let port = crate::support::free_port();
        let child = std::process::Command::new(bin)
            .args([
                "-i",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-u",
                user,
                "-P",
                password,
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starting microsocks");
        let addr = format!("127.0.0.1:{port}");
        crate::support::eventually(
            "microsocks listening",
            std::time::Duration::from_secs(10),
            || TcpStream::connect(&addr).is_ok(),
        );
        Microsocks { addr, child }
    }
}

impl Drop for Microsocks {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Debian's tinyproxy, a real HTTP proxy (CONNECT to any port), on a free
/// loopback port, logging each connection it makes; stopped (by PID) when
/// dropped.
pub struct Tinyproxy {
    pub url: String,
    log: std::path::PathBuf,
    _dir: crate::support::TempDir,
    child: std::process::Child,
}

impl Tinyproxy {
    pub fn start() -> Tinyproxy {
        let bin = crate::support::require_binary("tinyproxy");
        let dir = crate::support::TempDir::new("tinyproxy");
        let port = crate::support::free_port();
        let log = dir.path().join("tinyproxy.log");
        let conf = dir.write(
            "tinyproxy.conf",
            &format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Info\n\
                 MaxClients 20\nAllow 127.0.0.1\n",
                log.display()
            ),
        );
        let child = std::process::Command::new(bin)
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starting tinyproxy");
        let addr = format!("127.0.0.1:{port}");
        crate::support::eventually(
            "tinyproxy listening",
            std::time::Duration::from_secs(10),
            || TcpStream::connect(&addr).is_ok(),
        );
        Tinyproxy {
            url: format!("http://{addr}"),
            log,
            _dir: dir,
            child,
        }
    }

    /// How many connections tinyproxy opened to `host:port` so far.
    pub fn connections_to(&self, host_port: &str) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("opensock: opening connection to") && l.ends_with(host_port))
            .count()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
