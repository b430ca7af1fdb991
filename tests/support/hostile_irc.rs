//! A hostile IRC server: it registers a client as a real one would, then
//! misbehaves on purpose (a flood of PINGs, lines of a megabyte, garbage,
//! a flood while it never reads what the client sends). It records the
//! PRIVMSGs and PONGs it did read, and how many bytes it pushed.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the server does once the client is registered.
#[derive(Clone, Copy, Debug)]
pub enum Attack {
    /// `n` PINGs at once (each wants a PONG).
    Pings(usize),
    /// PINGs without end, as fast as the socket takes them.
    PingFlood,
    /// Lines of a megabyte each, without end.
    HugeLines,
    /// Random bytes (newlines among them), without end.
    Garbage,
    /// PINGs without end, and nothing the client sends is read (its
    /// PONGs fill the socket until its writes block).
    FloodDeaf,
}

pub struct HostileIrc {
    pub port: u16,
    stop: Arc<AtomicBool>,
    /// Bytes the server managed to write to its clients.
    pub pushed: Arc<AtomicU64>,
    /// (when, text) of every PRIVMSG read from a client.
    pub privmsgs: Arc<Mutex<Vec<(Instant, String)>>>,
    /// PONGs read from clients.
    pub pongs: Arc<AtomicU64>,
    /// When the attack started (after the first registration).
    pub attack_started: Arc<Mutex<Option<Instant>>>,
}

impl HostileIrc {
    pub fn start(attack: Attack) -> HostileIrc {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind hostile ircd");
        let port = listener.local_addr().unwrap().port();
        let s = HostileIrc {
            port,
            stop: Arc::new(AtomicBool::new(false)),
            pushed: Arc::new(AtomicU64::new(0)),
            privmsgs: Arc::new(Mutex::new(Vec::new())),
            pongs: Arc::new(AtomicU64::new(0)),
            attack_started: Arc::new(Mutex::new(None)),
        };
        let shared = s.handles();
        listener.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            while !shared.stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        let h = shared.handles();
                        std::thread::spawn(move || h.serve(stream, attack));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        s
    }

    fn handles(&self) -> HostileIrc {
        HostileIrc {
            port: self.port,
            stop: self.stop.clone(),
            pushed: self.pushed.clone(),
            privmsgs: self.privmsgs.clone(),
            pongs: self.pongs.clone(),
            attack_started: self.attack_started.clone(),
        }
    }

    pub fn url(&self, channel: &str) -> String {
        format!("irc://127.0.0.1:{}/{channel}", self.port)
    }

    /// The PRIVMSG texts read so far.
    pub fn texts(&self) -> Vec<String> {
        self.privmsgs
            .lock()
            .unwrap()
            .iter()
            .map(|(_, t)| t.clone())
            .collect()
    }

    /// Waits until a PRIVMSG whose text contains `what` was read; when.
    pub fn wait_privmsg(&self, what: &str, timeout: Duration) -> Option<Instant> {
        let until = Instant::now() + timeout;
        while Instant::now() < until {
            if let Some((at, _)) = self
                .privmsgs
                .lock()
                .unwrap()
                .iter()
                .find(|(_, t)| t.contains(what))
            {
                return Some(*at);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn serve(&self, stream: TcpStream, attack: Attack) {
        let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
        let w = Arc::new(Mutex::new(stream.try_clone().expect("clone")));
        let mut r = BufReader::new(stream);
        // Registration, as ngircd answers it.
        let mut nick = String::new();
        let mut line = String::new();
        while nick.is_empty() || !line.starts_with("USER") {
            line.clear();
            if r.read_line(&mut line).map_or(true, |n| n == 0) {
                return;
            }
            if let Some(n) = line.strip_prefix("NICK ") {
                nick = n.trim().to_string();
            }
        }
        let welcome = format!(
            ":hostile 001 {nick} :Welcome {nick}!u@h\r\n:hostile 005 {nick} CHANLIMIT=#:50 :are supported\r\n:hostile 376 {nick} :End\r\n"
        );
        if self.push(&w, welcome.as_bytes()).is_err() {
            return;
        }
        self.attack_started
            .lock()
            .unwrap()
            .get_or_insert_with(Instant::now);
        if !matches!(attack, Attack::FloodDeaf) {
            let (h, w) = (self.handles(), w.clone());
            std::thread::spawn(move || h.read_client(r, &w));
        }
        let chunk: Vec<u8> = match attack {
            Attack::Pings(n) => {
                let pings = (0..n)
                    .map(|i| format!("PING :flood{i}\r\n"))
                    .collect::<String>();
                let _ = self.push(&w, pings.as_bytes());
                return;
            }
            Attack::PingFlood | Attack::FloodDeaf => "PING :flood\r\n".repeat(512).into_bytes(),
            Attack::HugeLines => vec![b'a'; 1 << 20].into_iter().chain(*b"\r\n").collect(),
            Attack::Garbage => (0..65536u32)
                .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                .collect(),
        };
        while !self.stop.load(Ordering::SeqCst) {
            if self.push(&w, &chunk).is_err() {
                return;
            }
        }
    }

    /// Writes `bytes` whole (other writers wait), as fast as the socket
    /// takes them; Err when the client is gone.
    fn push(&self, w: &Mutex<TcpStream>, bytes: &[u8]) -> std::io::Result<()> {
        let mut w = w.lock().unwrap();
        let mut rest = bytes;
        while !rest.is_empty() && !self.stop.load(Ordering::SeqCst) {
            match w.write(rest) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.pushed.fetch_add(n as u64, Ordering::Relaxed);
                    rest = &rest[n..];
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn read_client(&self, mut r: BufReader<TcpStream>, w: &Mutex<TcpStream>) {
        let mut line = String::new();
        loop {
            line.clear();
            match r.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let l = line.trim_end();
            if l.starts_with("PONG") {
                self.pongs.fetch_add(1, Ordering::Relaxed);
            } else if let Some(rest) = l.strip_prefix("PRIVMSG ") {
                let text = rest.split_once(" :").map_or("", |(_, t)| t).to_string();
                self.privmsgs.lock().unwrap().push((Instant::now(), text));
            } else if let Some(token) = l.strip_prefix("PING ") {
                // Confirmations: answered, as a real server does.
                let _ = self.push(w, format!(":hostile PONG hostile {token}\r\n").as_bytes());
            }
        }
    }
}

impl Drop for HostileIrc {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}
