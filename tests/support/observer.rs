//! An IRC client that watches channels and collects what arrives.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Privmsg {
    pub from: String,
    pub target: String,
    pub text: String,
}

pub struct Observer {
    pub nick: String,
    stream: TcpStream,
    lines: Receiver<String>,
    /// Every raw line received, for assertions on the wire.
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Observer {
    pub fn join(port: u16, channels: &[&str]) -> Observer {
        static N: AtomicU64 = AtomicU64::new(0);
        let nick = format!("obs{}", N.fetch_add(1, Ordering::SeqCst) % 100000);
        Observer::with_nick(port, &nick, channels)
    }

    pub fn with_nick(port: u16, nick: &str, channels: &[&str]) -> Observer {
        Observer::connect(port, nick, None, channels)
    }

    pub fn with_pass(port: u16, nick: &str, pass: &str, channels: &[&str]) -> Observer {
        Observer::connect(port, nick, Some(pass), channels)
    }

    fn connect(port: u16, nick: &str, pass: Option<&str>, channels: &[&str]) -> Observer {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("observer connects");
        let reader = stream.try_clone().expect("clone");
        let (tx, rx) = mpsc::channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let log2 = log.clone();
        let mut pong = stream.try_clone().expect("clone");
        std::thread::spawn(move || {
            let mut r = BufReader::new(reader);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match r.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        let line = String::from_utf8_lossy(&buf)
                            .trim_end_matches(['\r', '\n'])
                            .to_string();
                        if let Some(token) = line.strip_prefix("PING ") {
                            let _ = pong.write_all(format!("PONG {token}\r\n").as_bytes());
                        }
                        log2.lock().unwrap().push(line.clone());
                        if tx.send(line).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let mut obs = Observer {
            nick: nick.to_string(),
            stream,
            lines: rx,
            log,
        };
        if let Some(p) = pass {
            obs.send(&format!("PASS {p}"));
        }
        obs.send(&format!("NICK {nick}"));
        obs.send(&format!("USER {nick} 0 * :observer"));
        obs.wait_for(|l| l.split(' ').nth(1) == Some("001"), "welcome");
        for ch in channels {
            obs.send(&format!("JOIN {ch}"));
            let ch_l = ch.to_lowercase();
            obs.wait_for(
                |l| {
                    let p: Vec<&str> = l.split(' ').collect();
                    p.get(1) == Some(&"366")
                        && p.get(3).map(|c| c.to_lowercase()) == Some(ch_l.clone())
                },
                "end of NAMES",
            );
        }
        obs
    }

    pub fn send(&mut self, line: &str) {
        self.stream
            .write_all(format!("{line}\r\n").as_bytes())
            .expect("observer write");
    }

    /// Waits for a line matching `pred`, failing after 10 s.
    pub fn wait_for(&mut self, pred: impl Fn(&str) -> bool, what: &str) -> String {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if pred(&l) => return l,
                Ok(_) => {}
                Err(_) => panic!(
                    "observer {}: no {what} within 10 s; saw {:?}",
                    self.nick,
                    self.log.lock().unwrap()
                ),
            }
        }
    }

    /// Collects PRIVMSGs until `n` arrived or `timeout` passed.
    pub fn privmsgs(&mut self, n: usize, timeout: Duration) -> Vec<Privmsg> {
        let until = Instant::now() + timeout;
        let mut got = Vec::new();
        while got.len() < n {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    if let Some(m) = parse_privmsg(&l) {
                        got.push(m);
                    }
                }
                Err(_) => break,
            }
        }
        got
    }

    /// PRIVMSGs that arrive within `quiet` of each other, until silence.
    /// Collects distinct texts starting with `prefix` into `seen` until it
    /// holds `n` (or the time is up); returns how many matching messages
    /// arrived in all (copies included).
    pub fn collect_into(
        &mut self,
        prefix: &str,
        seen: &mut std::collections::BTreeSet<String>,
        n: usize,
        within: Duration,
    ) -> usize {
        let until = Instant::now() + within;
        let mut total = 0;
        while seen.len() < n && Instant::now() < until {
            for m in self.privmsgs(1, Duration::from_millis(200)) {
                if m.text.starts_with(prefix) {
                    total += 1;
                    seen.insert(m.text);
                }
            }
        }
        total
    }

    pub fn drain(&mut self, quiet: Duration) -> Vec<Privmsg> {
        let mut got = Vec::new();
        while let Ok(l) = self.lines.recv_timeout(quiet) {
            if let Some(m) = parse_privmsg(&l) {
                got.push(m);
            }
        }
        got
    }
}

pub fn parse_privmsg(line: &str) -> Option<Privmsg> {
    let rest = line.strip_prefix(':')?;
    let (prefix, rest) = rest.split_once(' ')?;
    let rest = rest.strip_prefix("PRIVMSG ")?;
    let (target, text) = rest.split_once(" :")?;
    Some(Privmsg {
        from: prefix.split('!').next().unwrap_or("").to_string(),
        target: target.to_string(),
        text: text.to_string(),
    })
}
