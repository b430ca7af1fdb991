//! A fake webhook endpoint: answers from a script of statuses, records
//! every request (path, headers, JSON body).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Hit {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: serde_json::Value,
}

/// A fake HTTP endpoint: answers from `script` (status, extra header) in
/// order, then 200; records every request.
pub struct Fake {
    pub port: u16,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Fake {
    pub fn start(script: Vec<(u16, &'static str)>) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(Mutex::new(Vec::new()));
        let h = hits.clone();
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (h, script) = (h.clone(), script.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    while let Some(req) = read_request(&mut reader) {
                        let body =
                            serde_json::from_slice(&req.body).unwrap_or(serde_json::Value::Null);
                        let (path, headers) = (req.path, req.headers);
                        h.lock().unwrap().push(Hit {
                            path,
                            headers,
                            body,
                        });
                        let (status, extra) =
                            script.lock().unwrap().pop_front().unwrap_or((200, ""));
                        let mut w = &stream;
                        let _ = write!(
                            w,
                            "HTTP/1.1 {status} X\r\nContent-Length: 2\r\n{extra}\r\nok"
                        );
                    }
                });
            }
        });
        Fake { port, hits }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    pub fn wait(&self, n: usize) -> Vec<Hit> {
        let until = Instant::now() + Duration::from_secs(20);
        while self.hits().len() < n && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.hits()
    }
}

/// One HTTP/1.1 request as the test fakes read it.
pub struct RawRequest {
    pub method: String,
    pub path: String,
    /// Names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Reads one request (head and a Content-Length body of up to 16 MiB);
/// None at the end of the connection or on a broken request.
pub fn read_request(reader: &mut impl BufRead) -> Option<RawRequest> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split(' ');
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            let (k, v) = (k.to_ascii_lowercase(), v.trim().to_string());
            if k == "content-length" {
                len = v.parse().unwrap_or(0);
            }
            headers.push((k, v));
        }
    }
    let mut body = vec![0; len.min(16 << 20)];
    reader.read_exact(&mut body).ok()?;
    Some(RawRequest {
        method,
        path,
        headers,
        body,
    })
}
