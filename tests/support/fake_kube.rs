//! A fake Kubernetes API server's transport: HTTPS with the test CA, one
//! request per connection, the bearer token or client certificate checked,
//! the reply from a handler the test gives.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

use super::TestCa;

/// One request as the handler sees it.
pub struct KubeRequest {
    pub method: String,
    /// With its query string.
    pub path: String,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// Serves the API on a loopback port until the test ends; requests that
/// bring neither `Bearer token` nor a client certificate get 401.
pub fn fake_kube_api<F>(ca: &TestCa, token: &str, handler: F) -> u16
where
    F: Fn(&KubeRequest) -> (u16, String) + Send + Sync + 'static,
{
    let config = ca.server_config(true);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handler = Arc::new(handler);
    let want = format!("Bearer {token}");
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let config = config.clone();
            let handler = handler.clone();
            let want = want.clone();
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut reader = BufReader::new(&mut tls);
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    return;
                }
                let (mut auth, mut content_type, mut length) = (String::new(), String::new(), 0);
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).map_or(true, |n| n == 0) || h == "\r\n" {
                        break;
                    }
                    // Header names are case-insensitive (RFC 9110).
                    if let Some((k, v)) = h.split_once(':') {
                        let v = v.trim().to_string();
                        if k.eq_ignore_ascii_case("authorization") {
                            auth = v;
                        } else if k.eq_ignore_ascii_case("content-type") {
                            content_type = v;
                        } else if k.eq_ignore_ascii_case("content-length") {
                            length = v.parse().unwrap_or(0);
                        }
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let mut words = request.split(' ');
                let req = KubeRequest {
                    method: words.next().unwrap_or("").to_string(),
                    path: words.next().unwrap_or("").to_string(),
                    content_type,
                    body,
                };
                let client_cert = tls.conn.peer_certificates().is_some_and(|c| !c.is_empty());
                let (status, body) = if auth == want || client_cert {
                    handler(&req)
                } else {
                    (
                        401,
                        "{\"kind\":\"Status\",\"message\":\"Unauthorized\",\"code\":401}".into(),
                    )
                };
                let _ = write!(tls, "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len());
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    port
}

/// A kubeconfig for the fake server, with `user` as the user's YAML body.
pub fn kubeconfig(dir: &super::TempDir, port: u16, ca: &TestCa, user: &str) -> String {
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: local\n  cluster:\n    server: https://127.0.0.1:{port}\n    certificate-authority: {}\ncontexts:\n- name: test\n  context:\n    cluster: local\n    user: me\n    namespace: default\nusers:\n- name: me\n  user:\n{user}",
        ca.ca.display()
    );
    dir.write("kubeconfig", &text).display().to_string()
}

/// A `List` reply.
pub fn kube_list(kind: &str, items: Vec<serde_json::Value>, cont: Option<&str>) -> String {
    let mut meta = serde_json::json!({"resourceVersion": "12345"});
    if let Some(c) = cont {
        meta["continue"] = c.into();
        meta["remainingItemCount"] = 1.into();
    }
    serde_json::json!({"kind": kind, "apiVersion": "v1", "metadata": meta, "items": items})
        .to_string()
}
