//! A scripted IRC server, for what ngircd cannot do (SASL).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A one-connection IRC server driven by a script, for what ngircd cannot
/// do (SASL) or must not do (never answer).
pub struct FakeServer {
    pub port: u16,
    pub received: Arc<Mutex<Vec<String>>>,
    /// Over TLS: the client certificate the client presented (DER), if any.
    pub client_certificate: Arc<Mutex<Option<Vec<u8>>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeServer {
    /// `respond` sees each client line and returns the lines to answer with.
    pub fn start<F>(respond: F) -> FakeServer
    where
        F: FnMut(&str) -> Vec<String> + Send + 'static,
    {
        FakeServer::serve(None, respond)
    }

    /// The same over TLS with `config` (which may ask for client certificates).
    pub fn start_tls<F>(config: Arc<rustls::ServerConfig>, respond: F) -> FakeServer
    where
        F: FnMut(&str) -> Vec<String> + Send + 'static,
    {
        FakeServer::serve(Some(config), respond)
    }

    fn serve<F>(tls: Option<Arc<rustls::ServerConfig>>, mut respond: F) -> FakeServer
    where
        F: FnMut(&str) -> Vec<String> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake server");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let client_certificate = Arc::new(Mutex::new(None));
        let (rec, cert) = (received.clone(), client_certificate.clone());
        let thread = std::thread::spawn(move || {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
            let stream: Box<dyn ReadWrite> = match tls {
                None => Box::new(stream),
                Some(config) => {
                    let mut conn = rustls::ServerConnection::new(config).unwrap();
                    let mut tcp: TcpStream = stream;
                    while conn.is_handshaking() {
                        if conn.complete_io(&mut tcp).is_err() {
                            return;
                        }
                    }
                    *cert.lock().unwrap() = conn
                        .peer_certificates()
                        .and_then(|c| c.first())
                        .map(|c| c.as_ref().to_vec());
                    Box::new(rustls::StreamOwned::new(conn, tcp))
                }
            };
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
                            let w = r.get_mut();
                            if w.write_all(format!("{out}\r\n").as_bytes()).is_err() {
                                return;
                            }
                            let _ = w.flush();
                        }
                    }
                }
            }
        });
        FakeServer {
            port,
            received,
            client_certificate,
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

/// A stream the fake server reads lines from and answers on.
trait ReadWrite: Read + Write + Send {}
impl<T: Read + Write + Send> ReadWrite for T {}
