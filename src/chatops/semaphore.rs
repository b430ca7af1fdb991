//! The Semaphore UI API client: projects, templates, tasks (run, status,
//! output, stop), with projects and templates named by id or by name.
//! `vext semaphore` uses it, and the daemon's chat bot will.

use std::time::Duration;

use anyhow::Result;
use serde::Serialize;
use serde_json::{json, Value};

use crate::exit::{fail, Code};

/// Where Semaphore is and how to authenticate.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) url: String,
    pub(crate) token: String,
    pub(crate) ca_pem: Option<Vec<u8>>,
    pub(crate) timeout: Duration,
}

/// How to authenticate, as the settings resolved it: nothing here has
/// touched the network yet; [`Semaphore::open`] does.
pub(crate) enum Credentials {
    Token(String),
    /// Log in as `user` and mint a token (kept in the state dir's database).
    Login {
        user: String,
        password: String,
        state_dir: std::path::PathBuf,
    },
}

/// A Semaphore server and how to authenticate there.
pub(crate) struct Semaphore {
    pub(crate) settings: Settings,
    pub(crate) credentials: Credentials,
}

impl Semaphore {
    /// The client: with a token at once, else after logging in.
    pub(crate) fn open(self) -> Result<Client> {
        match self.credentials {
            Credentials::Token(token) => Client::new(Settings {
                token,
                ..self.settings
            }),
            Credentials::Login {
                user,
                password,
                state_dir,
            } => Client::logged_in(self.settings, &state_dir, &user, &password),
        }
    }
}

/// Minted tokens in the state database, by `<url>|<user>`.
const TOKENS: &str = "semaphore-tokens";

#[derive(Clone)]
pub(crate) struct Client {
    base: String,
    token: String,
    agent: ureq::Agent,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Named {
    pub(crate) id: i64,
    pub(crate) name: String,
}

/// What a run asks for; only what was given is sent.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct RunRequest {
    pub(crate) template_id: i64,
    pub(crate) debug: bool,
    pub(crate) dry_run: bool,
    pub(crate) limit: Option<String>,
    pub(crate) tags: Option<String>,
    pub(crate) skip_tags: Option<String>,
    /// A JSON object, passed as the task's environment (extra vars).
    pub(crate) extra_vars: Option<String>,
    pub(crate) branch: Option<String>,
}

impl RunRequest {
    /// The POST body: `template_id` and only the fields that were given.
    pub(crate) fn body(&self) -> Value {
        let mut b = json!({ "template_id": self.template_id });
        if self.debug {
            b["debug"] = json!(true);
        }
        if self.dry_run {
            b["dry_run"] = json!(true);
        }
        if let Some(l) = &self.limit {
            b["limit"] = json!(l);
        }
        let mut args: Vec<String> = Vec::new();
        if let Some(t) = &self.tags {
            args.extend(["--tags".into(), t.clone()]);
        }
        if let Some(t) = &self.skip_tags {
            args.extend(["--skip-tags".into(), t.clone()]);
        }
        if !args.is_empty() {
            b["arguments"] = json!(serde_json::to_string(&args).unwrap_or_default());
        }
        if let Some(e) = &self.extra_vars {
            b["environment"] = json!(e);
        }
        if let Some(br) = &self.branch {
            b["git_branch"] = json!(br);
        }
        b
    }
}

/// The statuses after which a task does not change.
pub(crate) fn is_final(status: &str) -> bool {
    matches!(status, "success" | "error" | "stopped")
}

impl Client {
    pub(crate) fn new(s: Settings) -> Result<Client> {
        let base = s.url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(fail(
                Code::Usage,
                format!("the Semaphore URL {base:?} must start with http:// or https://"),
            ));
        }
        let agent = crate::net::tls::agent_for(s.ca_pem.as_deref(), None, "--ca-file", s.timeout)?;
        Ok(Client {
            base,
            token: s.token,
            agent,
        })
    }

    /// Logs in as `user` (`POST /api/auth/login`, a session cookie) and
    /// mints an API token with it (`POST /api/user/tokens`).
    pub(crate) fn mint_token(s: &Settings, user: &str, password: &str) -> Result<String> {
        let client = Client::new(Settings {
            token: String::new(),
            ..s.clone()
        })?;
        let login = client
            .agent
            .post(&format!("{}/api/auth/login", client.base))
            .header("Content-Type", "application/json")
            .send(
                serde_json::json!({"auth": user, "password": password})
                    .to_string()
                    .as_bytes(),
            )
            .map_err(|e| {
                fail(
                    Code::TempFail,
                    format!("Semaphore at {} is unreachable: {e}", client.base),
                )
            })?;
        match login.status().as_u16() {
            200..=299 => {}
            401 | 403 => {
                return Err(fail(
                    Code::NoPerm,
                    format!("Semaphore refused the login of {user}"),
                ))
            }
            s => {
                return Err(fail(
                    Code::Unavailable,
                    format!("Semaphore answered {s} to the login of {user}"),
                ))
            }
        }
        let cookie: Vec<String> = login
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .map(str::to_string)
            .collect();
        if cookie.is_empty() {
            return Err(fail(
                Code::Unavailable,
                "Semaphore accepted the login but set no session cookie",
            ));
        }
        let mut minted = client
            .agent
            .post(&format!("{}/api/user/tokens", client.base))
            .header("Cookie", &cookie.join("; "))
            .header("Content-Type", "application/json")
            .send(b"{}".as_slice())
            .map_err(|e| {
                fail(
                    Code::TempFail,
                    format!("Semaphore at {} is unreachable: {e}", client.base),
                )
            })?;
        let status = minted.status().as_u16();
        let text = minted.body_mut().read_to_string().unwrap_or_default();
        let token = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["id"].as_str().map(str::to_string))
            .filter(|t| !t.is_empty() && (200..=299).contains(&status));
        token.ok_or_else(|| {
            fail(
                Code::Unavailable,
                format!("Semaphore did not mint a token ({status}): {}", text.trim()),
            )
        })
    }

    /// `user` + password: the token minted at the last login, kept in the
    /// state database (0600), while Semaphore accepts it; else a new login
    /// and a new token.
    pub(crate) fn logged_in(
        s: Settings,
        state_dir: &std::path::Path,
        user: &str,
        password: &str,
    ) -> Result<Client> {
        let conn = crate::state::db::open(state_dir)?;
        let key = format!("{}|{user}", s.url.trim_end_matches('/'));
        if let Some(token) = crate::state::kv::get(&conn, TOKENS, &key)? {
            let client = Client::new(Settings { token, ..s.clone() })?;
            if client.token_works()? {
                return Ok(client);
            }
            log::info!("the kept Semaphore token for {user} was refused; logging in again");
        }
        let token = Client::mint_token(&s, user, password)?;
        crate::state::kv::put(&conn, TOKENS, &key, &token)?;
        Client::new(Settings { token, ..s })
    }

    /// True while Semaphore accepts the token (`GET /api/user`).
    pub(crate) fn token_works(&self) -> Result<bool> {
        match self.call("GET", "/user", None) {
            Ok(_) => Ok(true),
            Err(e) if crate::exit::code_of(&e) == Code::NoPerm => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Value)> {
        let url = format!("{}/api{path}", self.base);
        let auth = format!("Bearer {}", self.token);
        let result = match body {
            None => self
                .agent
                .get(&url)
                .header("Authorization", &auth)
                .header("Accept", "application/json")
                .call(),
            Some(b) => self
                .agent
                .post(&url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .send(b.to_string().as_bytes()),
        };
        let mut resp = result.map_err(|e| {
            fail(
                Code::TempFail,
                format!("Semaphore at {} is unreachable: {e}", self.base),
            )
        })?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(32 << 20)
            .read_to_string()
            .unwrap_or_default();
        match status {
            401 | 403 => Err(fail(
                Code::NoPerm,
                format!("Semaphore refused the token ({status} on {method} /api{path})"),
            )),
            200..=299 => Ok((
                status,
                serde_json::from_str(&text).unwrap_or(Value::String(text)),
            )),
            _ => Ok((status, Value::String(text.trim().to_string()))),
        }
    }

    fn get(&self, path: &str, what: &str) -> Result<Value> {
        match self.call("GET", path, None)? {
            (200..=299, v) => Ok(v),
            (404, _) => Err(fail(Code::DataErr, format!("{what} does not exist"))),
            (s, v) => Err(fail(
                Code::Unavailable,
                format!("Semaphore answered {s} to GET /api{path}: {}", short(&v)),
            )),
        }
    }

    fn post(&self, path: &str, body: &Value, what: &str) -> Result<Value> {
        match self.call("POST", path, Some(body))? {
            (200..=299, v) => Ok(v),
            (404, _) => Err(fail(Code::DataErr, format!("{what} does not exist"))),
            (s, v) => Err(fail(
                Code::Unavailable,
                format!("Semaphore answered {s} to POST /api{path}: {}", short(&v)),
            )),
        }
    }

    /// `GET /api/ping`: Semaphore answers `pong` while it is up.
    pub(crate) fn ping(&self) -> Result<()> {
        self.get("/ping", "the ping endpoint").map(|_| ())
    }

    /// `GET /api/info`: the server's version and the like.
    pub(crate) fn info(&self) -> Result<Value> {
        self.get("/info", "the info endpoint")
    }

    /// The base URL, for messages.
    pub(crate) fn url(&self) -> &str {
        &self.base
    }

    pub(crate) fn projects(&self) -> Result<Vec<Named>> {
        Ok(named(&self.get("/projects", "the project list")?))
    }

    pub(crate) fn templates(&self, project: i64) -> Result<Vec<Named>> {
        Ok(named(&self.get(
            &format!("/project/{project}/templates"),
            &format!("project {project}"),
        )?))
    }

    /// A project by id or by name (case-insensitive).
    pub(crate) fn project(&self, wanted: &str) -> Result<Named> {
        pick(self.projects()?, wanted, "project")
    }

    pub(crate) fn template(&self, project: &Named, wanted: &str) -> Result<Named> {
        pick(
            self.templates(project.id)?,
            wanted,
            &format!("template in project {}", project.name),
        )
    }

    /// Starts a task; returns it as Semaphore answered.
    pub(crate) fn run(&self, project: i64, req: &RunRequest) -> Result<Value> {
        self.post(
            &format!("/project/{project}/tasks"),
            &req.body(),
            &format!("project {project}"),
        )
    }

    pub(crate) fn task(&self, project: i64, task: i64) -> Result<Value> {
        self.get(
            &format!("/project/{project}/tasks/{task}"),
            &format!("task {task} in project {project}"),
        )
    }

    /// The task's log lines (`{task_id, time, output}`), all of them.
    pub(crate) fn output(&self, project: i64, task: i64) -> Result<Vec<Value>> {
        let v = self.get(
            &format!("/project/{project}/tasks/{task}/output"),
            &format!("task {task} in project {project}"),
        )?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    pub(crate) fn stop(&self, project: i64, task: i64, force: bool) -> Result<()> {
        self.post(
            &format!("/project/{project}/tasks/{task}/stop"),
            &json!({ "force": force }),
            &format!("task {task} in project {project}"),
        )
        .map(|_| ())
    }
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    s.chars().take(200).collect()
}

fn named(v: &Value) -> Vec<Named> {
    v.as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .filter_map(|p| {
            Some(Named {
                id: p["id"].as_i64()?,
                name: p["name"].as_str().unwrap_or_default().to_string(),
            })
        })
        .collect()
}

/// By id, else by name (case-insensitive); an ambiguous name lists the candidates.
fn pick(items: Vec<Named>, wanted: &str, what: &str) -> Result<Named> {
    if let Ok(id) = wanted.parse::<i64>() {
        if let Some(i) = items.iter().find(|i| i.id == id) {
            return Ok(i.clone());
        }
    }
    let matches: Vec<&Named> = items
        .iter()
        .filter(|i| i.name.eq_ignore_ascii_case(wanted))
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let known: Vec<String> = items
                .iter()
                .map(|i| format!("{} ({})", i.name, i.id))
                .collect();
            Err(fail(
                Code::DataErr,
                format!(
                    "no {what} named {wanted:?}; there are: {}",
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ),
            ))
        }
        many => Err(fail(
            Code::DataErr,
            format!(
                "{wanted:?} names several: {}; give the id",
                many.iter()
                    .map(|i| format!("{} ({})", i.name, i.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_given_fields_are_sent() {
        let r = RunRequest {
            template_id: 3,
            ..RunRequest::default()
        };
        assert_eq!(r.body(), json!({"template_id": 3}));
        let r = RunRequest {
            template_id: 3,
            dry_run: true,
            limit: Some("web1".into()),
            tags: Some("deploy".into()),
            extra_vars: Some(r#"{"v":"1"}"#.into()),
            branch: Some("main".into()),
            ..RunRequest::default()
        };
        assert_eq!(
            r.body(),
            json!({"template_id": 3, "dry_run": true, "limit": "web1",
                   "arguments": "[\"--tags\",\"deploy\"]", "environment": "{\"v\":\"1\"}",
                   "git_branch": "main"})
        );
    }

    #[test]
    fn names_resolve_by_id_then_case_insensitive_name() {
        let items = vec![
            Named {
                id: 1,
                name: "Deploy".into(),
            },
            Named {
                id: 2,
                name: "deploy".into(),
            },
            Named {
                id: 3,
                name: "Backup".into(),
            },
        ];
        assert_eq!(pick(items.clone(), "3", "t").unwrap().id, 3);
        assert_eq!(pick(items.clone(), "BACKUP", "t").unwrap().id, 3);
        let e = pick(items.clone(), "deploy", "t").unwrap_err().to_string();
        assert!(e.contains("Deploy (1)") && e.contains("deploy (2)"), "{e}");
        let e = pick(items, "nope", "template").unwrap_err().to_string();
        assert!(e.contains("no template named \"nope\""), "{e}");
    }
}
