//! An OCI distribution (registry v2) client on shared ureq agents: tag
//! lists paged with `n` and `Link`, manifest `HEAD` for digests, the
//! `WWW-Authenticate` challenge flow (Bearer tokens cached per
//! realm/service/scope until they expire, or Basic), credentials from
//! `~/.docker/config.json` as Docker finds them (credHelpers, credsStore,
//! auths; identity tokens traded for access tokens with OAuth2), retries on
//! 429 and 5xx honouring `Retry-After`, and a per-registry concurrency cap.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;

use crate::images::reference::{ImageRef, DOCKER_HUB};
use crate::net::backoff::Backoff;
use crate::net::percent::percent_encode_keeping;

/// Manifest media types accepted on HEAD (Docker and OCI, single and lists).
const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// Requests in flight per registry host.
const PER_REGISTRY: usize = 4;

/// The most of one reply read (a manifest, a token, a config blob):
/// distribution itself refuses manifests over 4 MiB.
const BODY_BYTES: usize = 8 << 20;
/// One page of a tag list: a thousand tags are some 30 KB.
const TAG_PAGE_BYTES: usize = 4 << 20;
/// All pages of one repository's tag list, and its tags.
const TAG_LIST_BYTES: usize = 16 << 20;
const TAG_LIST_MAX: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// Credentials missing or refused.
    Auth,
    /// Timeouts, connection failures, 429, 5xx: worth retrying later.
    Temporary,
    /// Anything else (404, bad replies).
    Other,
}

#[derive(Debug, Clone)]
pub(crate) struct RegistryError {
    pub(crate) kind: ErrorKind,
    pub(crate) message: String,
}

/// What rustls says when the other end answered a TLS hello in plain text
/// (an HTTP reply is not a TLS record).
fn speaks_plain_http(error: &str) -> bool {
    error.contains("InvalidContentType") || error.contains("corrupt message")
}

fn err(kind: ErrorKind, message: impl Into<String>) -> RegistryError {
    RegistryError {
        kind,
        message: message.into(),
    }
}

/// One challenge from `WWW-Authenticate`: scheme and parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub(crate) scheme: String,
    pub(crate) params: HashMap<String, String>,
}

/// Parses a `WWW-Authenticate` header: several challenges, quoted strings
/// with escapes and commas inside them.
pub(crate) fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    let chars: Vec<char> = header.chars().collect();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && (chars[*i] == ' ' || chars[*i] == ',' || chars[*i] == '\t') {
            *i += 1;
        }
    };
    while i < chars.len() {
        skip_ws(&mut i);
        let start = i;
        while i < chars.len() && !matches!(chars[i], ' ' | ',' | '=' | '\t') {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        if word.is_empty() {
            i += 1;
            continue;
        }
        if i < chars.len() && chars[i] == '=' {
            // A parameter of the current challenge.
            i += 1;
            let value = if i < chars.len() && chars[i] == '"' {
                i += 1;
                let mut v = String::new();
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                    }
                    v.push(chars[i]);
                    i += 1;
                }
                i += 1;
                v
            } else {
                let s = i;
                while i < chars.len() && chars[i] != ',' {
                    i += 1;
                }
                chars[s..i].iter().collect::<String>().trim().to_string()
            };
            if let Some(c) = out.last_mut() {
                c.params.insert(word.to_ascii_lowercase(), value);
            }
        } else {
            out.push(Challenge {
                scheme: word.to_ascii_lowercase(),
                params: HashMap::new(),
            });
        }
    }
    out
}

/// Credentials for a registry host, from the Docker client's config.
#[derive(Debug, Clone)]
enum Creds {
    /// A user name and password (or personal access token).
    Password { user: String, secret: String },
    /// An OAuth2 refresh token (`identitytoken`, or a helper's answer with
    /// the user name `<token>`), traded for access tokens at the realm.
    Identity(String),
}

/// The Docker client's config (`$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`); a file that is not JSON is named in a warning.
fn docker_config() -> Option<serde_json::Value> {
    let dir = std::env::var_os("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".docker"))
        })?;
    let path = dir.join("config.json");
    let text = std::fs::read_to_string(&path).ok()?;
    match serde_json::from_str(&text) {
        Ok(v) => Some(v),
        Err(e) => {
            log::warn!(
                "{}: not JSON ({e}); no registry credentials from it",
                path.display()
            );
            None
        }
    }
}

/// Credentials as Docker finds them: the host's `credHelpers` entry, else
/// the `credsStore`, else (and when a helper has nothing) `auths`.
fn creds_for(config: &Option<serde_json::Value>, host: &str) -> Option<Creds> {
    let cfg = config.as_ref()?;
    let keys: Vec<String> = if host == DOCKER_HUB {
        vec![
            "https://index.docker.io/v1/".into(),
            "index.docker.io".into(),
            "docker.io".into(),
            "registry-1.docker.io".into(),
        ]
    } else {
        vec![
            host.to_string(),
            format!("https://{host}"),
            format!("http://{host}"),
        ]
    };
    let helper = keys
        .iter()
        .find_map(|k| cfg["credHelpers"][k].as_str())
        .or_else(|| cfg["credsStore"].as_str())
        .filter(|h| !h.is_empty());
    let server = if host == DOCKER_HUB {
        "https://index.docker.io/v1/"
    } else {
        host
    };
    if let Some(c) = helper.and_then(|h| credential_helper(h, server)) {
        return Some(c);
    }
    if let Some(t) = keys
        .iter()
        .find_map(|k| cfg["auths"][k]["identitytoken"].as_str())
        .filter(|t| !t.is_empty())
    {
        return Some(Creds::Identity(t.to_string()));
    }
    let auth = keys.iter().find_map(|k| cfg["auths"][k]["auth"].as_str())?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .ok();
    let Some((user, secret)) = decoded
        .and_then(|d| String::from_utf8(d).ok())
        .and_then(|t| {
            t.split_once(':')
                .map(|(u, s)| (u.to_string(), s.to_string()))
        })
    else {
        log::warn!("docker config: the auths entry for {host} is not base64 of user:password");
        return None;
    };
    Some(Creds::Password { user, secret })
}

/// Asks `docker-credential-HELPER get` for a server's credentials (the
/// docker-credential-helpers protocol), within a few seconds.
fn credential_helper(helper: &str, server: &str) -> Option<Creds> {
    use std::io::{Read, Write};
    let program = format!("docker-credential-{helper}");
    let mut child = match std::process::Command::new(&program)
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            log::warn!("cannot run the Docker credential helper {program}: {e}");
            return None;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    // Read the output on threads so that a helper that hangs can be killed.
    let mut stdout = child.stdout.take()?;
    let mut stderr = child.stderr.take()?;
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stdout.by_ref().take(1 << 20).read_to_end(&mut b);
        b
    });
    let err = std::thread::spawn(move || {
        let mut b = String::new();
        let _ = stderr.by_ref().take(1 << 16).read_to_string(&mut b);
        b
    });
    let until = Instant::now() + Duration::from_secs(10);
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                log::warn!("{program} get: no answer within 10 s");
                return None;
            }
        }
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    if !status.success() {
        // "credentials not found" is the normal answer for a registry the
        // store has nothing for.
        let said = String::from_utf8_lossy(&out);
        let said = [said.trim(), err.trim()].join(" ");
        log::debug!("{program} get {server}: {status}: {}", said.trim());
        return None;
    }
    let v: serde_json::Value = match serde_json::from_slice(&out) {
        Ok(v) => v,
        Err(e) => {
            log::warn!("{program} get {server}: not the helper's JSON: {e}");
            return None;
        }
    };
    let (user, secret) = (v["Username"].as_str()?, v["Secret"].as_str()?);
    Some(if user == "<token>" {
        Creds::Identity(secret.into())
    } else {
        Creds::Password {
            user: user.into(),
            secret: secret.into(),
        }
    })
}

/// Bearer tokens are cached per (registry host, realm, service, scope): a
/// scope like `repository:library/nginx:pull` names the same repository on
/// every registry, and a token one registry minted (perhaps from private
/// credentials) must never be sent to another.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct TokenKey {
    registry: String,
    realm: String,
    service: String,
    scope: String,
}

struct Gate {
    count: Mutex<usize>,
    cv: Condvar,
}

pub(crate) struct Registry {
    agents: crate::net::tls::Agents,
    insecure: Vec<String>,
    config: Option<serde_json::Value>,
    /// Credentials per host, looked up once (a helper is a process).
    creds: Mutex<HashMap<String, Option<Creds>>>,
    tokens: Mutex<HashMap<TokenKey, (String, Instant)>>,
    basic: Mutex<HashMap<String, bool>>,
    gates: Mutex<HashMap<String, Arc<Gate>>>,
    pub(crate) requests: AtomicUsize,
    /// Docker Hub's API ([`HUB_API`]).
    hub_api: String,
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Registry {
    /// `extra_ca`: PEM certificates trusted for registries the public roots do not vouch for.
    pub(crate) fn new(insecure: Vec<String>, extra_ca: Option<Vec<u8>>) -> Registry {
        let agents = crate::net::tls::Agents::new(extra_ca.as_deref(), |b| {
            b.timeout_global(Some(Duration::from_secs(30)))
                .max_redirects(5)
        });
        Registry {
            agents,
            insecure,
            config: docker_config(),
            creds: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            basic: Mutex::new(HashMap::new()),
            gates: Mutex::new(HashMap::new()),
            requests: AtomicUsize::new(0),
            hub_api: HUB_API.into(),
        }
    }

    /// The same, asking a fake at `url` what Docker Hub's API would say.
    #[cfg(test)]
    pub(crate) fn with_hub_api(mut self, url: &str) -> Registry {
        self.hub_api = url.into();
        self
    }

    /// The credentials for a registry host, asked for once per run (the
    /// lock is held meanwhile so that workers do not run a helper twice).
    fn creds(&self, host: &str) -> Option<Creds> {
        let mut cache = self.creds.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .entry(host.to_string())
            .or_insert_with(|| creds_for(&self.config, host))
            .clone()
    }

    fn base(&self, registry: &str) -> String {
        let host = if registry == DOCKER_HUB {
            "registry-1.docker.io"
        } else {
            registry
        };
        let scheme = if self.insecure.iter().any(|i| i == registry) {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{host}")
    }

    fn gate(&self, registry: &str) -> Arc<Gate> {
        let mut g = self.gates.lock().unwrap_or_else(|p| p.into_inner());
        g.entry(registry.to_string())
            .or_insert_with(|| {
                Arc::new(Gate {
                    count: Mutex::new(0),
                    cv: Condvar::new(),
                })
            })
            .clone()
    }

    /// One request: HEAD or GET, or with `form` a POST of that
    /// form-encoded body.
    fn raw(
        &self,
        method: &str,
        url: &str,
        accept: Option<&str>,
        auth: Option<&str>,
        form: Option<&str>,
        limit: usize,
    ) -> Result<Reply, RegistryError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let result = self.agents.run(url, |agent| {
            if let Some(body) = form {
                return agent
                    .post(url)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .send(body.as_bytes());
            }
            let mut req = match method {
                "HEAD" => agent.head(url),
                _ => agent.get(url),
            };
            if let Some(a) = accept {
                req = req.header("Accept", a);
            }
            if let Some(a) = auth {
                req = req.header("Authorization", a);
            }
            req.call()
        });
        let mut resp = result.map_err(|e| {
            let text = e.to_string();
            if url.starts_with("https://") && speaks_plain_http(&text) {
                let host = url
                    .trim_start_matches("https://")
                    .split('/')
                    .next()
                    .unwrap_or_default();
                return err(
                    ErrorKind::Other,
                    format!(
                        "{host} speaks plain HTTP, not HTTPS; if that is intended, give \
                         --insecure-registry {host}"
                    ),
                );
            }
            let kind = if crate::net::tls::is_tls_error(&e) {
                ErrorKind::Auth
            } else {
                ErrorKind::Temporary
            };
            err(kind, crate::net::tls::explained(format!("{url}: {e}")))
        })?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = if method == "HEAD" {
            String::new()
        } else {
            resp.body_mut()
                .with_config()
                .limit(limit as u64)
                .read_to_string()
                .map_err(|e| {
                    err(
                        ErrorKind::Temporary,
                        format!("{url}: reading the reply: {e}"),
                    )
                })?
        };
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// A request with the auth flow and retries, reading at most `limit`
    /// bytes of the reply; `repo` gives the scope.
    fn request(
        &self,
        method: &str,
        registry: &str,
        url: &str,
        repo: &str,
        accept: Option<&str>,
        limit: usize,
    ) -> Result<Reply, RegistryError> {
        let gate = self.gate(registry);
        {
            let mut n = gate.count.lock().unwrap_or_else(|p| p.into_inner());
            while *n >= PER_REGISTRY {
                n = gate.cv.wait(n).unwrap_or_else(|p| p.into_inner());
            }
            *n += 1;
        }
        let result = self.request_inner(method, registry, url, repo, accept, limit);
        *gate.count.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
        gate.cv.notify_one();
        result
    }

    fn request_inner(
        &self,
        method: &str,
        registry: &str,
        url: &str,
        repo: &str,
        accept: Option<&str>,
        limit: usize,
    ) -> Result<Reply, RegistryError> {
        let scope = format!("repository:{repo}:pull");
        let mut auth = self.cached_auth(registry, &scope);
        let mut tried_auth = false;
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
        for attempt in 0..4 {
            let reply = self.raw(method, url, accept, auth.as_deref(), None, limit)?;
            match reply.status {
                401 if !tried_auth => {
                    tried_auth = true;
                    let header = reply.header("www-authenticate").unwrap_or("").to_string();
                    auth = Some(self.authenticate(registry, &header, &scope)?);
                }
                401 | 403 => {
                    return Err(err(
                        ErrorKind::Auth,
                        format!("{url}: {} (credentials refused or missing)", reply.status),
                    ));
                }
                429 | 500..=599 if attempt < 3 => {
                    let asked = reply
                        .header("retry-after")
                        .and_then(crate::net::retry_after::retry_after);
                    std::thread::sleep(backoff.after(asked).min(Duration::from_secs(30)));
                }
                429 | 500..=599 => {
                    return Err(err(
                        ErrorKind::Temporary,
                        format!("{url}: {} after retries", reply.status),
                    ))
                }
                _ => return Ok(reply),
            }
        }
        Err(err(ErrorKind::Temporary, format!("{url}: gave up")))
    }

    fn cached_auth(&self, registry: &str, scope: &str) -> Option<String> {
        if self
            .basic
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(registry)
            .copied()
            == Some(true)
        {
            return basic(&self.creds(registry)?);
        }
        let tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens
            .iter()
            .find(|(k, (_, exp))| {
                k.registry == registry && k.scope == scope && *exp > Instant::now()
            })
            .map(|(_, (t, _))| format!("Bearer {t}"))
    }

    fn authenticate(
        &self,
        registry: &str,
        header: &str,
        scope: &str,
    ) -> Result<String, RegistryError> {
        let challenges = parse_challenges(header);
        let creds = self.creds(registry);
        if let Some(b) = challenges.iter().find(|c| c.scheme == "bearer") {
            let realm = b
                .params
                .get("realm")
                .cloned()
                .ok_or_else(|| err(ErrorKind::Auth, "Bearer challenge without a realm"))?;
            let service = b.params.get("service").cloned().unwrap_or_default();
            let scope = b
                .params
                .get("scope")
                .cloned()
                .unwrap_or_else(|| scope.to_string());
            let key = TokenKey {
                registry: registry.to_string(),
                realm: realm.clone(),
                service: service.clone(),
                scope: scope.clone(),
            };
            if let Some((t, exp)) = self
                .tokens
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
            {
                if *exp > Instant::now() {
                    return Ok(format!("Bearer {t}"));
                }
            }
            let reply = match &creds {
                // OAuth2: the refresh token is traded for an access token.
                Some(Creds::Identity(refresh)) => {
                    let form = format!(
                        "grant_type=refresh_token&client_id=vext&service={}&scope={}&refresh_token={}",
                        percent_encode_keeping(&service, b""),
                        percent_encode_keeping(&scope, b""),
                        percent_encode_keeping(refresh, b"")
                    );
                    self.raw("POST", &realm, None, None, Some(&form), BODY_BYTES)?
                }
                _ => {
                    let sep = if realm.contains('?') { '&' } else { '?' };
                    let url = format!(
                        "{realm}{sep}service={}&scope={}",
                        percent_encode_keeping(&service, b":/"),
                        percent_encode_keeping(&scope, b":/")
                    );
                    let auth = creds.as_ref().and_then(basic);
                    self.raw("GET", &url, None, auth.as_deref(), None, BODY_BYTES)?
                }
            };
            if reply.status != 200 {
                let kind = if reply.status == 401 || reply.status == 403 {
                    ErrorKind::Auth
                } else {
                    ErrorKind::Temporary
                };
                return Err(err(
                    kind,
                    format!("token endpoint {realm}: {}", reply.status),
                ));
            }
            let v: serde_json::Value = serde_json::from_str(&reply.body)
                .map_err(|e| err(ErrorKind::Other, format!("token endpoint {realm}: {e}")))?;
            let token = v["token"]
                .as_str()
                .or(v["access_token"].as_str())
                .ok_or_else(|| err(ErrorKind::Auth, format!("token endpoint {realm}: no token")))?;
            let exp = Instant::now() + token_lifetime(&v);
            self.tokens
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key, (token.to_string(), exp));
            return Ok(format!("Bearer {token}"));
        }
        if challenges.iter().any(|c| c.scheme == "basic") {
            let auth = creds.as_ref().and_then(basic).ok_or_else(|| err(ErrorKind::Auth, format!("{registry} asks for a password; none in the Docker config (docker login {registry})")))?;
            self.basic
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(registry.to_string(), true);
            return Ok(auth);
        }
        Err(err(
            ErrorKind::Auth,
            format!("{registry}: unsupported authentication challenge {header:?}"),
        ))
    }

    /// Every tag of the image's repository, following `Link` pages within
    /// bounds a hostile registry cannot stretch: [`TAG_PAGE_BYTES`] a page,
    /// [`TAG_LIST_BYTES`] and [`TAG_LIST_MAX`] tags in all, no page twice,
    /// and never a page on another server (it would get our credentials).
    pub(crate) fn tags(&self, image: &ImageRef) -> Result<Vec<String>, RegistryError> {
        #[derive(serde::Deserialize)]
        struct Page {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let base = self.base(&image.registry);
        let mut url = format!("{base}/v2/{}/tags/list?n=1000", image.repository);
        let mut tags = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut read = 0usize;
        let too_much = |what: String| {
            err(
                ErrorKind::Other,
                format!("{}: the tag list is {what}; not checked", image.name()),
            )
        };
        loop {
            if !seen.insert(url.clone()) {
                return Err(too_much(format!("a loop (page {url} again)")));
            }
            let reply = self.request(
                "GET",
                &image.registry,
                &url,
                &image.repository,
                Some("application/json"),
                TAG_PAGE_BYTES,
            )?;
            if reply.status == 404 {
                return Err(err(
                    ErrorKind::Other,
                    format!("{}: repository not found", image.name()),
                ));
            }
            if reply.status != 200 {
                return Err(err(ErrorKind::Other, format!("{url}: {}", reply.status)));
            }
            read += reply.body.len();
            if read > TAG_LIST_BYTES {
                return Err(too_much(format!("over {} MiB", TAG_LIST_BYTES >> 20)));
            }
            let page: Page = serde_json::from_str(&reply.body)
                .map_err(|e| err(ErrorKind::Other, format!("{url}: not a tag list: {e}")))?;
            tags.extend(page.tags.unwrap_or_default());
            if tags.len() > TAG_LIST_MAX {
                return Err(too_much(format!("over {TAG_LIST_MAX} tags")));
            }
            match reply.header("link").and_then(next_link) {
                Some(next) if next.starts_with('/') => url = format!("{base}{next}"),
                Some(next) if same_origin(&next, &base) => url = next,
                Some(next) => {
                    return Err(err(
                        ErrorKind::Other,
                        format!("{url}: the next page is on another server ({next}); not followed"),
                    ))
                }
                None => break,
            }
        }
        Ok(tags)
    }

    /// A manifest request (HEAD or GET) for a tag or digest; its URL too.
    fn manifest(
        &self,
        method: &str,
        image: &ImageRef,
        reference: &str,
    ) -> Result<(String, Reply), RegistryError> {
        let url = format!(
            "{}/v2/{}/manifests/{reference}",
            self.base(&image.registry),
            image.repository
        );
        let reply = self.request(
            method,
            &image.registry,
            &url,
            &image.repository,
            Some(MANIFEST_TYPES),
            BODY_BYTES,
        )?;
        Ok((url, reply))
    }

    /// The digest the registry serves for a tag (manifest HEAD).
    pub(crate) fn digest(
        &self,
        image: &ImageRef,
        tag: &str,
    ) -> Result<Option<String>, RegistryError> {
        let (url, reply) = self.manifest("HEAD", image, tag)?;
        match reply.status {
            200 => Ok(reply.header("docker-content-digest").map(String::from)),
            404 => Ok(None),
            s => Err(err(ErrorKind::Other, format!("{url}: {s}"))),
        }
    }
}

/// What an image's own metadata says of one tag: when it was made and
/// where its source lives. Both are the publisher's word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Published {
    /// `org.opencontainers.image.created` (manifest annotation, else label),
    /// else the image config's `created`; a time before Docker existed
    /// (reproducible builds write 1970) or ahead of now is not one.
    pub(crate) created: Option<jiff::Timestamp>,
    /// `org.opencontainers.image.source`, when it is an https URL.
    pub(crate) source: Option<String>,
}

/// Where Docker Hub's own API answers (unit tests put a fake that follows
/// its documentation there).
const HUB_API: &str = "https://hub.docker.com";

/// The most of a Docker Hub tag record read (they are about 2 KB).
const HUB_TAG_BYTES: usize = 64 << 10;

/// The most of an image config read (they are a few KB).
const CONFIG_BYTES: usize = 1 << 20;

const CREATED: &str = "org.opencontainers.image.created";
const SOURCE: &str = "org.opencontainers.image.source";

impl Registry {
    /// When Docker Hub says `tag` was last pushed (its tag record's
    /// `tag_last_pushed`, else `last_updated`): the registry's own record,
    /// which a publisher cannot backdate. Only for Docker Hub images, and
    /// asked without credentials: none is configured for hub.docker.com,
    /// and the registry's own go nowhere but the registry, so a private
    /// repository's tags have no such time. None when Hub cannot tell.
    pub(crate) fn hub_pushed(&self, image: &ImageRef, tag: &str) -> Option<jiff::Timestamp> {
        if image.registry != DOCKER_HUB {
            return None;
        }
        let (namespace, repository) = image.repository.split_once('/')?;
        let enc = crate::net::percent::percent_encode;
        let url = format!(
            "{}/v2/namespaces/{}/repositories/{}/tags/{}",
            self.hub_api,
            enc(namespace),
            enc(repository),
            enc(tag)
        );
        let reply = match self.raw(
            "GET",
            &url,
            Some("application/json"),
            None,
            None,
            HUB_TAG_BYTES,
        ) {
            Ok(r) if r.status == 200 => r,
            Ok(r) => {
                log::debug!("{url}: {}", r.status);
                return None;
            }
            Err(e) => {
                log::debug!("{url}: {}", e.message);
                return None;
            }
        };
        let record: serde_json::Value = serde_json::from_str(&reply.body).ok()?;
        ["tag_last_pushed", "last_updated"]
            .iter()
            .find_map(|k| record[*k].as_str().and_then(plausible_time))
    }

    /// The tag's [`Published`] facts: its manifest (for an index, the
    /// linux/amd64 image, else the first) and that image's config blob.
    pub(crate) fn published(
        &self,
        image: &ImageRef,
        tag: &str,
    ) -> Result<Published, RegistryError> {
        let get = |reference: &str| -> Result<serde_json::Value, RegistryError> {
            let (url, reply) = self.manifest("GET", image, reference)?;
            if reply.status != 200 {
                return Err(err(ErrorKind::Other, format!("{url}: {}", reply.status)));
            }
            serde_json::from_str(&reply.body)
                .map_err(|e| err(ErrorKind::Other, format!("{url}: not a manifest: {e}")))
        };
        let mut manifest = get(tag)?;
        let mut annotations = vec![manifest["annotations"].clone()];
        if let Some(list) = manifest["manifests"].as_array() {
            let amd64 = list.iter().find(|m| {
                m["platform"]["os"] == "linux" && m["platform"]["architecture"] == "amd64"
            });
            let Some(digest) = amd64.or(list.first()).and_then(|m| m["digest"].as_str()) else {
                return Ok(Published::default());
            };
            manifest = get(named_digest(digest, tag, "an index names")?)?;
            annotations.insert(0, manifest["annotations"].clone());
        }
        let mut config = serde_json::Value::Null;
        if let Some(digest) = manifest["config"]["digest"].as_str() {
            let digest = named_digest(digest, tag, "a manifest names config")?;
            let url = format!(
                "{}/v2/{}/blobs/{digest}",
                self.base(&image.registry),
                image.repository
            );
            let reply = self.request(
                "GET",
                &image.registry,
                &url,
                &image.repository,
                None,
                CONFIG_BYTES,
            )?;
            if reply.status == 200 {
                config = serde_json::from_str(&reply.body).unwrap_or_default();
            }
        }
        let labels = &config["config"]["Labels"];
        let said = |key: &str| {
            annotations
                .iter()
                .find_map(|a| a[key].as_str())
                .or_else(|| labels[key].as_str())
                .map(String::from)
        };
        let created = said(CREATED)
            .or_else(|| config["created"].as_str().map(String::from))
            .and_then(|t| plausible_time(&t));
        let source = said(SOURCE).filter(|s| {
            s.starts_with("https://") && s.len() <= 512 && !s.chars().any(char::is_whitespace)
        });
        Ok(Published { created, source })
    }
}

/// A digest a registry's reply names, put into a URL only when it is one
/// (`sha256:`, no path separator).
fn named_digest<'a>(digest: &'a str, tag: &str, what: &str) -> Result<&'a str, RegistryError> {
    if digest.starts_with("sha256:") && !digest.contains('/') {
        Ok(digest)
    } else {
        Err(err(ErrorKind::Other, format!("{tag}: {what} {digest:?}")))
    }
}

/// A publication time, if it is one: RFC 3339, after Docker's first
/// release and not ahead of now.
fn plausible_time(text: &str) -> Option<jiff::Timestamp> {
    let t: jiff::Timestamp = text.parse().ok()?;
    let earliest = jiff::Timestamp::from_second(1_362_096_000).ok()?; // 2013-03-01
    (t >= earliest && t <= jiff::Timestamp::now()).then_some(t)
}

/// The Basic authorization for password credentials (an identity token
/// is only good at a token realm).
fn basic(c: &Creds) -> Option<String> {
    match c {
        Creds::Password { user, secret } => Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"))
        )),
        Creds::Identity(_) => None,
    }
}

/// `</v2/x/tags/list?n=2&last=b>; rel="next"` → the URL.
/// Whether `url` is on the server `base` names (scheme, host and port).
fn same_origin(url: &str, base: &str) -> bool {
    url.strip_prefix(base)
        .is_some_and(|rest| rest.starts_with('/'))
}

pub(crate) fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        if !params.contains("rel=\"next\"") && !params.contains("rel=next") {
            return None;
        }
        Some(
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string(),
        )
    })
}

/// How long a Bearer token is used: its `expires_in` (default 60 s, at least
/// 10 s, at most a day whatever the token server claims) less a tenth, to
/// renew a little before expiry.
fn token_lifetime(v: &serde_json::Value) -> Duration {
    let ttl = v["expires_in"].as_u64().unwrap_or(60).clamp(10, 86_400);
    Duration::from_secs(ttl - ttl / 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_server_cannot_set_a_lifetime_that_overflows_the_clock() {
        for (reply, secs) in [
            (serde_json::json!({"token": "t"}), 54),
            (serde_json::json!({"token": "t", "expires_in": 300}), 270),
            (serde_json::json!({"token": "t", "expires_in": 0}), 9),
            (serde_json::json!({"token": "t", "expires_in": "soon"}), 54),
            (
                serde_json::json!({"token": "t", "expires_in": u64::MAX}),
                77_760,
            ),
        ] {
            let d = token_lifetime(&reply);
            assert_eq!(d, Duration::from_secs(secs), "{reply}");
            // The expiry is computed from it: this overflowed (a panic) for u64::MAX.
            let _ = Instant::now() + d;
        }
    }

    #[test]
    fn a_token_is_only_sent_to_the_registry_that_minted_it() {
        let r = Registry::new(vec![], None);
        let scope = "repository:library/nginx:pull";
        r.tokens.lock().unwrap().insert(
            TokenKey {
                registry: "private.example.com".into(),
                realm: "https://private.example.com/token".into(),
                service: "private".into(),
                scope: scope.into(),
            },
            (
                "secret-token".into(),
                Instant::now() + Duration::from_secs(60),
            ),
        );
        assert_eq!(
            r.cached_auth("private.example.com", scope).as_deref(),
            Some("Bearer secret-token")
        );
        // The same repository name on another registry gets no token.
        assert_eq!(r.cached_auth("mirror.local", scope), None);
        assert_eq!(r.cached_auth("docker.io", scope), None);
    }

    #[test]
    fn challenges_with_quoted_commas_and_several_schemes() {
        let c = parse_challenges(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull,push""#,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "bearer");
        assert_eq!(c[0].params["scope"], "repository:library/nginx:pull,push");
        let c = parse_challenges(
            r#"Basic realm="Registry Realm", Bearer realm="https://x/token", service="x""#,
        );
        assert_eq!(
            c.iter().map(|c| c.scheme.as_str()).collect::<Vec<_>>(),
            ["basic", "bearer"]
        );
        assert_eq!(c[0].params["realm"], "Registry Realm");
        assert_eq!(c[1].params["service"], "x");
        let c = parse_challenges(r#"Bearer realm="a\"b",error="insufficient_scope""#);
        assert_eq!(c[0].params["realm"], "a\"b");
        assert_eq!(c[0].params["error"], "insufficient_scope");
    }

    #[test]
    fn only_plausible_publication_times_count() {
        assert!(plausible_time("2024-05-01T10:00:00Z").is_some());
        assert!(plausible_time("2024-05-01T10:00:00.123456789+02:00").is_some());
        // Reproducible builds, the future, and not a time at all.
        assert!(plausible_time("1970-01-01T00:00:00Z").is_none());
        assert!(plausible_time("2999-01-01T00:00:00Z").is_none());
        assert!(plausible_time("yesterday").is_none());
    }

    #[test]
    fn link_headers() {
        assert_eq!(
            next_link(r#"</v2/app/tags/list?n=2&last=b>; rel="next""#).as_deref(),
            Some("/v2/app/tags/list?n=2&last=b")
        );
        assert_eq!(
            next_link(r#"<https://r/x>; rel="prev", <https://r/y>; rel="next""#).as_deref(),
            Some("https://r/y")
        );
        assert_eq!(next_link("<x>; rel=\"prev\""), None);
    }
}
