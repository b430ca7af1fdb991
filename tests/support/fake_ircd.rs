//! A scripted IRC server, for what ngircd cannot do (SASL).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A one-connection IRC server driven by a script, for what ngircd cannot
/// do (SASL) or must not do (never answer).
pub struct FakeServer {
    pub port: u16,
    pub received: Arc<Mutex<Vec<String>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeServer {
    /// `respond` sees each client line and returns the lines to answer with.
    pub fn start<F>(mut respond: F) -> FakeServer
    where
        F: FnMut(&str) -> Vec<String> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake server");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let rec = received.clone();
        let thread = std::thread::spawn(move || {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
            let mut w = stream.try_clone().expect("clone");
            let mut r = BufReader::new(stream);
            let mut line = String::new();
            loop {
                line.clear();
                match r.read_line(&mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        let l = line.trim_end().to_string();
                        rec.lock().unwrap().push(l.clone());
                        for out in respond(&l) {
                            if w.write_all(format!("{out}\r\n").as_bytes()).is_err() {
                                return;
                            }
                        }
                    }
                }
            }
        });
        FakeServer {
            port,
            received,
            thread: Some(thread),
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }

    pub fn join(mut self) -> Vec<String> {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.lines()
    }
}
