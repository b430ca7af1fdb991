//! A fake Semaphore UI server, written from its API documentation: Bearer
//! tokens, projects, templates, tasks whose status and log the test moves
//! on, and every request recorded.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

#[derive(Default)]
struct State {
    tasks: Vec<(i64, i64, String, Vec<String>)>, // (project, id, status, log)
    requests: Vec<(String, String, Value)>,      // (method, path, body)
    /// A user who may log in (`POST /api/auth/login`) and mint tokens.
    user: Option<(String, String)>,
    /// Tokens minted so far (each is accepted like the fixed one).
    minted: Vec<String>,
    /// Every token refused (as after it was revoked in the UI).
    refusing: bool,
}

pub struct FakeSemaphore {
    pub url: String,
    pub token: String,
    state: Arc<Mutex<State>>,
}

impl FakeSemaphore {
    /// Also accepts `user` with `password` at `POST /api/auth/login`
    /// (a session cookie) and mints tokens at `POST /api/user/tokens`.
    pub fn with_user(token: &str, user: &str, password: &str) -> FakeSemaphore {
        let fake = FakeSemaphore::start(token);
        fake.state.lock().unwrap().user = Some((user.into(), password.into()));
        fake
    }

    /// Refuses every token from now on.
    pub fn refuse_tokens(&self) {
        self.state.lock().unwrap().refusing = true;
    }

    /// Forgets every minted token (as revoking them in the UI would).
    pub fn revoke_minted(&self) {
        self.state.lock().unwrap().minted.clear();
    }

    pub fn start(token: &str) -> FakeSemaphore {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let (s, t) = (state.clone(), token.to_string());
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (s, t) = (s.clone(), t.clone());
                std::thread::spawn(move || serve(conn, &s, &t));
            }
        });
        FakeSemaphore {
            url,
            token: token.into(),
            state,
        }
    }

    /// Moves a task to `status`, appending log lines.
    pub fn advance(&self, task: i64, status: &str, lines: &[&str]) {
        let mut st = self.state.lock().unwrap();
        let t = st
            .tasks
            .iter_mut()
            .find(|t| t.1 == task)
            .expect("no such task");
        t.2 = status.into();
        t.3.extend(lines.iter().map(|l| l.to_string()));
    }

    /// The requests seen so far: (method, path, JSON body).
    pub fn requests(&self) -> Vec<(String, String, Value)> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Waits for a task to be created; its id.
    pub fn wait_task(&self) -> i64 {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if let Some(t) = self.state.lock().unwrap().tasks.last() {
                return t.1;
            }
            assert!(std::time::Instant::now() < deadline, "no task was started");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

fn serve(conn: TcpStream, state: &Mutex<State>, token: &str) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut conn = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
        );
        let (mut length, mut auth, mut cookie) = (0usize, String::new(), String::new());
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                match k.to_ascii_lowercase().as_str() {
                    "content-length" => length = v.trim().parse().unwrap_or(0),
                    "authorization" => auth = v.trim().to_string(),
                    "cookie" => cookie = v.trim().to_string(),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let mut set_cookie = String::new();
        let (status, reply) = match (method.as_str(), path.as_str()) {
            ("POST", "/api/auth/login") => {
                let mut st = state.lock().unwrap();
                st.requests
                    .push((method.clone(), path.clone(), body.clone()));
                let ok = st.user.as_ref().is_some_and(|(u, p)| {
                    body["auth"] == u.as_str() && body["password"] == p.as_str()
                });
                if ok {
                    set_cookie = "Set-Cookie: semaphore=session-1; Path=/; HttpOnly\r\n".into();
                    (204, Value::Null)
                } else {
                    (401, json!({"error": "Incorrect login or password"}))
                }
            }
            ("POST", "/api/user/tokens") => {
                let mut st = state.lock().unwrap();
                st.requests
                    .push((method.clone(), path.clone(), body.clone()));
                if cookie.split("; ").any(|c| c == "semaphore=session-1") {
                    let t = format!("minted-{}", st.minted.len() + 1);
                    st.minted.push(t.clone());
                    (
                        201,
                        json!({"id": t, "created": "2026-11-29T00:00:00Z", "expired": false, "user_id": 1}),
                    )
                } else {
                    (401, json!({"error": "no session"}))
                }
            }
            _ => {
                let (minted, refusing) = {
                    let st = state.lock().unwrap();
                    (st.minted.clone(), st.refusing)
                };
                let valid = !refusing
                    && (auth == format!("Bearer {token}")
                        || minted.iter().any(|t| auth == format!("Bearer {t}")));
                if !valid {
                    (401, json!({"error": "Invalid token"}))
                } else if (method.as_str(), path.as_str()) == ("GET", "/api/user") {
                    (200, json!({"id": 1, "username": "ops"}))
                } else {
                    route(state, &method, &path, body)
                }
            }
        };
        let text = if status == 204 {
            String::new()
        } else {
            reply.to_string()
        };
        let head = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{set_cookie}Content-Length: {}\r\n\r\n",
            text.len()
        );
        if conn.write_all(head.as_bytes()).is_err() || conn.write_all(text.as_bytes()).is_err() {
            return;
        }
    }
}

fn route(state: &Mutex<State>, method: &str, path: &str, body: Value) -> (u16, Value) {
    let mut st = state.lock().unwrap();
    st.requests.push((method.into(), path.into(), body.clone()));
    let parts: Vec<&str> = path.trim_start_matches("/api/").split('/').collect();
    match (method, parts.as_slice()) {
        ("GET", ["ping"]) => (200, json!("pong")),
        ("GET", ["info"]) => (200, json!({"version": "v2.10.22-fake", "ansible": "2.16"})),
        ("GET", ["projects"]) => (
            200,
            json!([{"id": 1, "name": "Infra"}, {"id": 2, "name": "Web"}]),
        ),
        ("GET", ["project", "1", "templates"]) => (
            200,
            json!([{"id": 5, "name": "Deploy web", "playbook": "deploy.yml"},
                   {"id": 6, "name": "Backup", "playbook": "backup.yml"}]),
        ),
        ("GET", ["project", _, "templates"]) => (200, json!([])),
        ("POST", ["project", p, "tasks"]) => {
            let id = 100 + st.tasks.len() as i64;
            st.tasks
                .push((p.parse().unwrap_or(0), id, "waiting".into(), Vec::new()));
            (
                201,
                json!({"id": id, "template_id": body["template_id"], "status": "waiting"}),
            )
        }
        ("GET", ["project", _, "tasks", t]) => match find(&st, t) {
            Some(task) => (200, json!({"id": task.1, "status": task.2})),
            None => (404, json!({"error": "not found"})),
        },
        ("GET", ["project", _, "tasks", t, "output"]) => match find(&st, t) {
            Some(task) => (
                200,
                Value::Array(
                    task.3
                        .iter()
                        .map(|l| json!({"task_id": task.1, "time": "2026-11-29T00:00:00Z", "output": l}))
                        .collect(),
                ),
            ),
            None => (404, json!({"error": "not found"})),
        },
        ("POST", ["project", _, "tasks", t, "stop"]) => {
            let id: i64 = t.parse().unwrap_or(-1);
            match st.tasks.iter_mut().find(|x| x.1 == id) {
                Some(task) => {
                    task.2 = "stopped".into();
                    (204, Value::Null)
                }
                None => (404, json!({"error": "not found"})),
            }
        }
        _ => (404, json!({"error": "no such endpoint"})),
    }
}

fn find<'a>(st: &'a State, t: &str) -> Option<&'a (i64, i64, String, Vec<String>)> {
    let id: i64 = t.parse().ok()?;
    st.tasks.iter().find(|x| x.1 == id)
}
