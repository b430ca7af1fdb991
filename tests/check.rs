//! `vext check` against Debian's docker-registry (plain, with htpasswd Basic
//! auth, and with token auth from a token server of the test's own that signs
//! ES256 tokens the registry verifies), and a small fake registry front for
//! what that version cannot do (paging with n/Link, 429 with Retry-After).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::support::*;

fn outcomes(out: &str) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
        .as_array()
        .cloned()
        .unwrap()
}

fn find<'a>(items: &'a [serde_json::Value], image: &str) -> &'a serde_json::Value {
    items
        .iter()
        .find(|o| o["image"] == image)
        .unwrap_or_else(|| panic!("{image} not in {items:?}"))
}

#[test]
fn versions_variants_prereleases_and_policy_decisions() {
    let reg = RegistryServer::start(None);
    reg.push(
        "app",
        &[
            "1.25-alpine",
            "1.26-alpine",
            "1.27-alpine",
            "1.27",
            "1.28-bookworm",
            "2.0-alpine",
            "1.26.1-alpine",
            "a1b2c3d",
            "latest",
        ],
        None,
    );
    reg.push(
        "db",
        &[
            "16.1",
            "16.2",
            "16.10",
            "17.0",
            "17.1rc1",
            "sha256-e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582.sig",
        ],
        None,
    );
    reg.push("tool", &["v0.3.1", "v0.3.2", "v0.4.0"], None);
    reg.push("py", &["3.12.0", "3.13.0rc1"], None);
    let r = &reg.addr;
    let images = [
        format!("{r}/app:1.25-alpine"),
        format!("{r}/db:16.1"),
        format!("{r}/tool:v0.3.1"),
        format!("{r}/py:3.12.0"),
    ];
    let mut args: Vec<String> = vec![
        "check".into(),
        "--json".into(),
        "--insecure-registry".into(),
        r.clone(),
    ];
    args.extend(images.iter().cloned());
    let items = outcomes(&vext(&args).expect(0).stdout);
    let app = find(&items, &format!("{r}/app:1.25-alpine"));
    assert_eq!(
        (
            app["newest"].as_str(),
            app["latest"].as_str(),
            app["change"].as_str(),
            app["decision"].as_str()
        ),
        (
            Some("2.0-alpine"),
            Some("1.27-alpine"),
            Some("major"),
            Some("approve")
        ),
        "{app}"
    );
    let db = find(&items, &format!("{r}/db:16.1"));
    assert_eq!(
        (
            db["newest"].as_str(),
            db["latest"].as_str(),
            db["change"].as_str()
        ),
        (Some("17.0"), Some("16.10"), Some("major")),
        "{db}"
    );
    let tool = find(&items, &format!("{r}/tool:v0.3.1"));
    assert_eq!(
        (
            tool["newest"].as_str(),
            tool["latest"].as_str(),
            tool["change"].as_str()
        ),
        (Some("v0.4.0"), Some("v0.3.2"), Some("major")),
        "0.y: {tool}"
    );
    let py = find(&items, &format!("{r}/py:3.12.0"));
    assert_eq!(
        (
            py["newest"].clone(),
            py["decision"].as_str(),
            py["change"].as_str()
        ),
        (serde_json::Value::Null, Some("none"), Some("none")),
        "{py}"
    );
    assert!(items.iter().all(|o| o["error"].is_null()));

    // A policy: patch only for db, pinned to 16; tool ignored; prereleases allowed for py.
    let dir = TempDir::new("policy");
    let policy = dir.write("policy.toml", &format!(
        "[policy]\nallow = \"minor\"\n\n[[policy.rule]]\nimage = \"{r}/db\"\nallow = \"patch\"\npin = \"16\"\n\n[[policy.rule]]\nimage = \"{r}/tool*\"\nignore = true\n\n[[policy.rule]]\nimage = \"{r}/py\"\nprerelease = true\nallow = \"major\"\n"));
    let mut pargs = args.clone();
    pargs.extend([
        "--policy".into(),
        policy.display().to_string(),
        "--exit-code".into(),
    ]);
    let out = vext(&pargs).expect(1);
    let items = outcomes(&out.stdout);
    let db = find(&items, &format!("{r}/db:16.1"));
    assert_eq!(
        (db["latest"].clone(), db["decision"].as_str()),
        (serde_json::Value::Null, Some("hold")),
        "16.1 -> 16.10 is minor: {db}"
    );
    assert_eq!(
        find(&items, &format!("{r}/tool:v0.3.1"))["decision"],
        "ignore"
    );
    let py = find(&items, &format!("{r}/py:3.12.0"));
    assert_eq!(
        (py["newest"].as_str(), py["decision"].as_str()),
        (Some("3.13.0rc1"), Some("approve")),
        "{py}"
    );
    // Nothing approved: exit 0 even with --exit-code.
    let hold_all = dir.write("hold.toml", "[policy]\nallow = \"none\"\n");
    let mut hargs = args.clone();
    hargs.extend([
        "--policy".into(),
        hold_all.display().to_string(),
        "--exit-code".into(),
    ]);
    vext(&hargs).expect(0);
}

#[test]
fn digest_changes_for_non_version_tags_and_scan_input() {
    let reg = RegistryServer::start(None);
    reg.push("web", &["latest", "stable"], None);
    let r = &reg.addr;
    let current = reg.digest("web", "latest");
    let stale = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    let scan = format!(
        "{{\"image\":\"{r}/web:latest\",\"raw\":\"x\",\"kind\":\"docker\",\"source\":{{}},\"digest\":\"{stale}\"}}\n{{\"image\":\"{r}/web:stable\",\"raw\":\"x\",\"kind\":\"docker\",\"source\":{{}},\"digest\":\"{}\"}}\n",
        reg.digest("web", "stable")
    );
    let out = vext(["check", "--from", "-", "--json", "--insecure-registry", r])
        .stdin(scan)
        .expect(0);
    let items = outcomes(&out.stdout);
    let latest = find(&items, &format!("{r}/web:latest"));
    assert_eq!(
        (latest["change"].as_str(), latest["decision"].as_str()),
        (Some("digest"), Some("hold")),
        "{latest}"
    );
    let stable = find(&items, &format!("{r}/web:stable"));
    assert_eq!(stable["change"], "none");
    assert_ne!(current, stale);
    // Paths are scanned: a manifest naming the image.
    let dir = TempDir::new("manifests");
    dir.write("pod.yaml", &format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec: {{containers: [{{name: c, image: \"{r}/web:latest\"}}]}}\n"));
    let out = vext([
        "check",
        dir.path().to_str().unwrap(),
        "--json",
        "--insecure-registry",
        r,
    ])
    .expect(0);
    assert_eq!(outcomes(&out.stdout).len(), 1);
}

#[test]
fn latest_tags_are_compared_with_the_digest_seen_last_time() {
    let reg = RegistryServer::start(None);
    reg.push("tool", &["latest"], None);
    let r = &reg.addr;
    let state = TempDir::new("state");
    let image = format!("{r}/tool:latest");
    let check = || {
        let out = vext([
            "check",
            &image,
            "--json",
            "--insecure-registry",
            r,
            "--state-dir",
            state.path().to_str().unwrap(),
        ])
        .expect(0);
        outcomes(&out.stdout)[0].clone()
    };
    // First sight: the baseline, nothing to compare with.
    let first = check();
    assert_eq!(
        (first["change"].as_str(), first["digest"].as_str()),
        (Some("none"), Some(reg.digest("tool", "latest").as_str())),
        "{first}"
    );
    assert_eq!(check()["change"], "none", "the tag did not move");
    // The tag moves: reported once, held by the default policy.
    reg.push_revision("tool", &["latest"], None, "2");
    let moved = check();
    assert_eq!(
        (
            moved["change"].as_str(),
            moved["decision"].as_str(),
            moved["newest"].as_str()
        ),
        (Some("digest"), Some("hold"), Some("latest")),
        "{moved}"
    );
    assert_ne!(moved["digest"], first["digest"]);
    assert_eq!(
        check()["change"],
        "none",
        "the new digest is now the last seen"
    );
    // Another state dir has no baseline.
    let out = vext(["check", &image, "--json", "--insecure-registry", r]).expect(0);
    assert_eq!(outcomes(&out.stdout)[0]["change"], "none");
}

#[test]
fn basic_auth_from_the_docker_config() {
    let reg = RegistryServer::start(Some(("ci", "hunter22")));
    let auth = format!("Basic {}", base64_encode(b"ci:hunter22"));
    reg.push("private", &["1.0", "1.1"], Some(&auth));
    let r = &reg.addr;
    let image = format!("{r}/private:1.0");
    let dir = TempDir::new("dockercfg");
    dir.write(
        "config.json",
        &format!(
            "{{\"auths\":{{\"{r}\":{{\"auth\":\"{}\"}}}}}}",
            base64_encode(b"ci:hunter22")
        ),
    );
    let out = vext(["check", &image, "--json", "--insecure-registry", r])
        .env("DOCKER_CONFIG", dir.path().to_str().unwrap())
        .expect(0);
    assert_eq!(outcomes(&out.stdout)[0]["latest"], "1.1");
    // Without credentials: an error per image, and exit 77 when nothing could be checked.
    let empty = TempDir::new("nocfg");
    let out = vext(["check", &image, "--json", "--insecure-registry", r])
        .env("DOCKER_CONFIG", empty.path().to_str().unwrap())
        .expect(77);
    assert!(
        outcomes(&out.stdout)[0]["error"]
            .as_str()
            .unwrap()
            .contains("password"),
        "{}",
        out.stdout
    );
}

/// Writes an executable `docker-credential-NAME` that logs each call and
/// answers for `host` only, as the docker-credential-helpers protocol says.
fn credential_helper(bin: &TempDir, name: &str, host: &str, user: &str, secret: &str) {
    let log = bin.path().join(format!("{name}.log"));
    let script = format!(
        "#!/bin/sh\nread server\necho \"$1 $server\" >> {log}\nif [ \"$1\" = get ] && [ \"$server\" = \"{host}\" ]; then\n  printf '{{\"ServerURL\":\"%s\",\"Username\":\"{user}\",\"Secret\":\"{secret}\"}}' \"$server\"\n  exit 0\nfi\necho 'credentials not found in native keychain'\nexit 1\n",
        log = log.display()
    );
    bin.write_executable(&format!("docker-credential-{name}"), &script);
}

#[test]
fn credentials_from_docker_credential_helpers_and_stores() {
    let reg = RegistryServer::start(Some(("ci", "hunter22")));
    let auth = format!("Basic {}", base64_encode(b"ci:hunter22"));
    reg.push("private", &["1.0", "1.1"], Some(&auth));
    reg.push("other", &["2.0", "2.1"], Some(&auth));
    let r = &reg.addr;
    let bin = TempDir::new("helpers");
    credential_helper(&bin, "pass", r, "ci", "hunter22");
    credential_helper(&bin, "store", r, "ci", "hunter22");
    credential_helper(&bin, "wrong", r, "ci", "not-the-password");
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap()
    );
    let images = [format!("{r}/private:1.0"), format!("{r}/other:2.0")];
    let check = |config: &str| {
        let dir = TempDir::new("dockercfg");
        dir.write("config.json", config);
        vext([
            "check",
            &images[0],
            &images[1],
            "--json",
            "--insecure-registry",
            r,
        ])
        .env("DOCKER_CONFIG", dir.path().to_str().unwrap())
        .env("PATH", &path)
        .run()
    };
    // credHelpers for this host: asked once for the whole run.
    let out = check(&format!("{{\"credHelpers\":{{\"{r}\":\"pass\"}}}}"));
    let items = outcomes(&out.stdout);
    assert_eq!(
        (items[0]["latest"].as_str(), items[1]["latest"].as_str()),
        (Some("2.1"), Some("1.1")),
        "{}{}",
        out.stdout,
        out.stderr
    );
    let calls = std::fs::read_to_string(bin.path().join("pass.log")).unwrap();
    assert_eq!(calls, format!("get {r}\n"));
    // credsStore serves every host without a helper of its own.
    let out = check(r#"{"credsStore":"store","auths":{"elsewhere.example":{}}}"#);
    assert_eq!(outcomes(&out.stdout)[1]["latest"], "1.1", "{}", out.stderr);
    // A host's credHelpers entry wins over credsStore.
    let out = check(&format!(
        "{{\"credsStore\":\"store\",\"credHelpers\":{{\"{r}\":\"wrong\"}}}}"
    ));
    assert_eq!(out.code, 77, "{}{}", out.stdout, out.stderr);
    // A helper that cannot be run is named, and the run goes on.
    let out = check(&format!(
        "{{\"credHelpers\":{{\"{r}\":\"missing\"}},\"auths\":{{\"{r}\":{{\"auth\":\"{}\"}}}}}}",
        base64_encode(b"ci:hunter22")
    ));
    assert_eq!(outcomes(&out.stdout)[1]["latest"], "1.1", "{}", out.stderr);
    assert!(
        out.stderr.contains("docker-credential-missing"),
        "{}",
        out.stderr
    );
}

#[test]
fn https_proxy_and_no_proxy_are_honoured() {
    let reg = RegistryServer::start(None);
    reg.push("proxied", &["1.0", "1.2"], None);
    let r = &reg.addr;
    let proxy = ConnectProxy::start();
    let image = format!("{r}/proxied:1.0");
    let check = |no_proxy: &str| {
        let out = vext(["check", &image, "--json", "--insecure-registry", r])
            .env("HTTPS_PROXY", &format!("http://{}", proxy.addr))
            .env("NO_PROXY", no_proxy)
            .expect(0);
        outcomes(&out.stdout)[0]["latest"].clone()
    };
    assert_eq!(check("elsewhere.example"), "1.2");
    let asked = proxy.asked.lock().unwrap().clone();
    assert!(
        !asked.is_empty() && asked.iter().all(|h| h == r),
        "{asked:?}"
    );
    // A host on NO_PROXY is reached directly.
    let before = asked.len();
    assert_eq!(check("elsewhere.example,127.0.0.1"), "1.2");
    assert_eq!(proxy.asked.lock().unwrap().len(), before);
}

#[test]
fn a_registry_that_is_down_is_a_temporary_failure() {
    let port = free_port();
    let image = format!("127.0.0.1:{port}/x:1.0");
    let out = vext([
        "check",
        &image,
        "--insecure-registry",
        &format!("127.0.0.1:{port}"),
    ])
    .expect(75);
    assert!(out.stdout.contains("error"), "{}", out.stdout);
    // Also on stderr, where cron looks.
    assert!(
        out.stderr.contains(&format!("{image}: ")) && out.stderr.contains("refused"),
        "{}",
        out.stderr
    );
}

fn base64_encode(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                s.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn base64url(b: &[u8]) -> String {
    base64_encode(b)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

fn query_value(query: &str, key: &str) -> Vec<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| *k == key)
        .map(|(_, v)| {
            let b = v.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'%' && i + 2 < b.len() {
                    let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 3;
                } else {
                    out.push(if b[i] == b'+' { b' ' } else { b[i] });
                    i += 1;
                }
            }
            String::from_utf8(out).unwrap()
        })
        .collect()
}

/// A token server as Docker's token authentication specification describes
/// it: ES256 JWTs with the signing certificate in `x5c`, which the real
/// docker-registry verifies against its `rootcertbundle`. It grants what is
/// asked for to `user`/`password` (Basic) and refuses anyone else.
struct TokenServer {
    realm: String,
    cert: std::path::PathBuf,
    key: Arc<ring::signature::EcdsaKeyPair>,
    x5c: String,
    /// Each request: the scopes asked for.
    asked: Arc<std::sync::Mutex<Vec<String>>>,
    _dir: TempDir,
}

const SERVICE: &str = "vext-test-registry";
const REFRESH_TOKEN: &str = "refresh/token+with=odd chars";
const ISSUER: &str = "vext-test-issuer";

impl TokenServer {
    fn start(user: &str, password: &str) -> TokenServer {
        let dir = TempDir::new("tokens");
        let d = dir.path();
        let openssl = |args: &[&str]| {
            run_ok(d, "openssl", args);
        };
        openssl(&[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "ec.pem",
        ]);
        openssl(&[
            "pkcs8", "-topk8", "-nocrypt", "-in", "ec.pem", "-outform", "DER", "-out", "key.p8",
        ]);
        openssl(&[
            "req",
            "-x509",
            "-new",
            "-key",
            "ec.pem",
            "-subj",
            "/CN=vext test token signer",
            "-days",
            "2",
            "-out",
            "cert.pem",
        ]);
        let rng = ring::rand::SystemRandom::new();
        let key = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &std::fs::read(d.join("key.p8")).unwrap(),
            &rng,
        )
        .expect("the P-256 key");
        // x5c holds standard base64 of the DER: the PEM body, joined.
        let x5c: String = std::fs::read_to_string(d.join("cert.pem"))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let realm = format!("http://{}/token", listener.local_addr().unwrap());
        let key = Arc::new(key);
        let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
        let server = TokenServer {
            realm,
            cert: d.join("cert.pem"),
            key: key.clone(),
            x5c: x5c.clone(),
            asked: asked.clone(),
            _dir: dir,
        };
        let expected = format!(
            "Basic {}",
            base64_encode(format!("{user}:{password}").as_bytes())
        );
        let signer = server.signer();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut r = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                let _ = r.read_line(&mut first);
                let mut authorization = None;
                let mut length = 0;
                loop {
                    let mut h = String::new();
                    if r.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':') {
                        if k.eq_ignore_ascii_case("authorization") {
                            authorization = Some(v.trim().to_string());
                        } else if k.eq_ignore_ascii_case("content-length") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                }
                let target = first.split_whitespace().nth(1).unwrap_or("").to_string();
                // GET with Basic credentials, or the OAuth2 POST of a form
                // with a refresh token (what Docker calls an identity token).
                let (query, allowed) = if first.starts_with("POST ") {
                    let mut body = vec![0; length];
                    let _ = std::io::Read::read_exact(&mut r, &mut body);
                    let form = String::from_utf8_lossy(&body).to_string();
                    let ok = query_value(&form, "grant_type") == ["refresh_token"]
                        && query_value(&form, "refresh_token") == [REFRESH_TOKEN];
                    (form, ok)
                } else {
                    let query = target
                        .split_once('?')
                        .map(|(_, q)| q)
                        .unwrap_or("")
                        .to_string();
                    (query, authorization.as_deref() == Some(expected.as_str()))
                };
                let scopes = query_value(&query, "scope");
                let method = first.split(' ').next().unwrap_or("").to_string();
                asked
                    .lock()
                    .unwrap()
                    .push(format!("{method} {}", scopes.join(" ")));
                let (status, body) = if !allowed {
                    (
                        "401 Unauthorized",
                        "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".to_string(),
                    )
                } else if query_value(&query, "service") != [SERVICE] {
                    ("400 Bad Request", "{}".to_string())
                } else {
                    let token = signer(&scopes);
                    (
                        "200 OK",
                        format!("{{\"token\":\"{token}\",\"access_token\":\"{token}\",\"expires_in\":300}}"),
                    )
                };
                let mut w = stream;
                let _ = write!(
                    w,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        server
    }

    /// Signs a token granting the scopes (`repository:NAME:pull,push`).
    fn signer(&self) -> impl Fn(&[String]) -> String + Send + 'static {
        let key = self.key.clone();
        let x5c = self.x5c.clone();
        move |scopes: &[String]| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let access: Vec<serde_json::Value> = scopes
                .iter()
                .filter_map(|s| {
                    let (kind, rest) = s.split_once(':')?;
                    let (name, actions) = rest.rsplit_once(':')?;
                    Some(serde_json::json!({"type": kind, "name": name, "actions": actions.split(',').collect::<Vec<_>>()}))
                })
                .collect();
            let header = serde_json::json!({"typ": "JWT", "alg": "ES256", "x5c": [x5c]});
            let claims = serde_json::json!({
                "iss": ISSUER, "sub": "ci", "aud": SERVICE,
                "exp": now + 300, "nbf": now - 10, "iat": now,
                "jti": format!("{now}-{}", scopes.len()), "access": access,
            });
            let input = format!(
                "{}.{}",
                base64url(header.to_string().as_bytes()),
                base64url(claims.to_string().as_bytes())
            );
            let sig = key
                .sign(&ring::rand::SystemRandom::new(), input.as_bytes())
                .unwrap();
            format!("{input}.{}", base64url(sig.as_ref()))
        }
    }
}

#[test]
fn bearer_tokens_from_a_token_server_docker_registry_trusts() {
    let tokens = TokenServer::start("ci", "hunter22");
    let reg = RegistryServer::start_token(&tokens.realm, SERVICE, ISSUER, &tokens.cert);
    let r = &reg.addr;
    for repo in ["team/api", "team/web"] {
        let push = format!(
            "Bearer {}",
            tokens.signer()(&[format!("repository:{repo}:pull,push")])
        );
        reg.push(repo, &["1.0.0", "1.0.3", "1.1.0", "2.0.0"], Some(&push));
    }
    let cfg = TempDir::new("dockercfg");
    cfg.write(
        "config.json",
        &format!(
            "{{\"auths\":{{\"{r}\":{{\"auth\":\"{}\"}}}}}}",
            base64_encode(b"ci:hunter22")
        ),
    );
    let images = [
        format!("{r}/team/api:1.0.0"),
        format!("{r}/team/api:1.0.3"),
        format!("{r}/team/web:1.0.0"),
    ];
    let out = vext([
        "check",
        &images[0],
        &images[1],
        &images[2],
        "--json",
        "--insecure-registry",
        r,
    ])
    .env("DOCKER_CONFIG", cfg.path().to_str().unwrap())
    .expect(0);
    let items = outcomes(&out.stdout);
    let got: Vec<_> = items
        .iter()
        .map(|o| {
            (
                o["latest"].as_str(),
                o["newest"].as_str(),
                o["error"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some("1.1.0"), Some("2.0.0"), None),
            (Some("1.1.0"), Some("2.0.0"), None),
            (Some("1.1.0"), Some("2.0.0"), None)
        ],
        "{}",
        out.stdout
    );
    // One token per repository (pull scope), reused for its second image.
    let mut asked = tokens.asked.lock().unwrap().clone();
    asked.sort();
    assert_eq!(
        asked,
        [
            "GET repository:team/api:pull",
            "GET repository:team/web:pull"
        ]
    );
    // Without credentials the token server refuses: exit 77, named per image.
    let empty = TempDir::new("nocfg");
    let out = vext(["check", &images[2], "--json", "--insecure-registry", r])
        .env("DOCKER_CONFIG", empty.path().to_str().unwrap())
        .expect(77);
    let error = outcomes(&out.stdout)[0]["error"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        error.contains("token endpoint") && error.contains("401"),
        "{error}"
    );
}

#[test]
fn identity_tokens_are_traded_for_access_tokens() {
    let tokens = TokenServer::start("ci", "hunter22");
    let reg = RegistryServer::start_token(&tokens.realm, SERVICE, ISSUER, &tokens.cert);
    let r = &reg.addr;
    let push = format!(
        "Bearer {}",
        tokens.signer()(&["repository:team/api:pull,push".to_string()])
    );
    reg.push("team/api", &["1.0.0", "1.0.3"], Some(&push));
    let image = format!("{r}/team/api:1.0.0");
    // `docker login` with an OAuth2 provider stores an identitytoken.
    let cfg = TempDir::new("dockercfg");
    cfg.write(
        "config.json",
        &format!(
            "{{\"auths\":{{\"{r}\":{{\"auth\":\"\",\"identitytoken\":\"{REFRESH_TOKEN}\"}}}}}}"
        ),
    );
    let out = vext(["check", &image, "--json", "--insecure-registry", r])
        .env("DOCKER_CONFIG", cfg.path().to_str().unwrap())
        .expect(0);
    assert_eq!(
        outcomes(&out.stdout)[0]["latest"],
        "1.0.3",
        "{}",
        out.stdout
    );
    assert_eq!(
        tokens.asked.lock().unwrap().as_slice(),
        ["POST repository:team/api:pull"]
    );
    // A credential helper says so with the user name <token>.
    let bin = TempDir::new("helpers");
    credential_helper(&bin, "oauth", r, "<token>", REFRESH_TOKEN);
    cfg.write(
        "config.json",
        &format!("{{\"credHelpers\":{{\"{r}\":\"oauth\"}}}}"),
    );
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap()
    );
    let out = vext(["check", &image, "--json", "--insecure-registry", r])
        .env("DOCKER_CONFIG", cfg.path().to_str().unwrap())
        .env("PATH", &path)
        .expect(0);
    assert_eq!(
        outcomes(&out.stdout)[0]["latest"],
        "1.0.3",
        "{}",
        out.stdout
    );
    // A refresh token the server does not know: an authentication failure.
    cfg.write(
        "config.json",
        &format!("{{\"auths\":{{\"{r}\":{{\"identitytoken\":\"revoked\"}}}}}}"),
    );
    vext(["check", &image, "--json", "--insecure-registry", r])
        .env("DOCKER_CONFIG", cfg.path().to_str().unwrap())
        .expect(77);
}

/// A fake registry front: Bearer challenge and token endpoint, tag pages of
/// `n` with `Link`, and one 429 with Retry-After before the first page.
fn fake_front(tags: Vec<String>) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let throttled = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            h.fetch_add(1, Ordering::SeqCst);
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut auth = String::new();
            loop {
                let mut hl = String::new();
                if reader.read_line(&mut hl).map_or(true, |n| n == 0) || hl == "\r\n" {
                    break;
                }
                if let Some(v) = hl.to_ascii_lowercase().strip_prefix("authorization: ") {
                    auth = v.trim().to_string();
                }
            }
            let path = line.split(' ').nth(1).unwrap_or("").to_string();
            let (status, extra, body) = if path.starts_with("/token") {
                assert!(path.contains("scope=repository:team/app:pull"), "{path}");
                (
                    "200 OK",
                    String::new(),
                    "{\"token\":\"tok\",\"expires_in\":300}".to_string(),
                )
            } else if auth != "bearer tok" {
                ("401 Unauthorized", format!("WWW-Authenticate: Bearer realm=\"http://127.0.0.1:{port}/token\",service=\"fake, with a comma\",scope=\"repository:team/app:pull\"\r\n"), String::new())
            } else if throttled.fetch_add(1, Ordering::SeqCst) == 0 {
                (
                    "429 Too Many Requests",
                    "Retry-After: 1\r\n".to_string(),
                    String::new(),
                )
            } else {
                // /v2/team/app/tags/list?n=..&last=..
                let q = path.split_once('?').map_or("", |(_, q)| q).to_string();
                let n: usize = q
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("n="))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(100)
                    .min(3);
                let last = q
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("last="))
                    .map(String::from);
                let start = last
                    .and_then(|l| tags.iter().position(|t| *t == l).map(|i| i + 1))
                    .unwrap_or(0);
                let page: Vec<&String> = tags.iter().skip(start).take(n).collect();
                let link = if start + n < tags.len() {
                    format!(
                        "Link: </v2/team/app/tags/list?n={n}&last={}>; rel=\"next\"\r\n",
                        page.last().unwrap()
                    )
                } else {
                    String::new()
                };
                (
                    "200 OK",
                    link,
                    serde_json::json!({"name": "team/app", "tags": page}).to_string(),
                )
            };
            let mut w = stream;
            let _ = write!(w, "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}", body.len());
        }
    });
    (port, hits)
}

#[test]
fn bearer_tokens_paging_and_retry_after() {
    let tags: Vec<String> = [
        "1.0.0", "1.0.1", "1.1.0", "1.2.0", "1.2.1", "2.0.0", "latest", "1.3.0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (port, hits) = fake_front(tags);
    let reg = format!("127.0.0.1:{port}");
    let out = vext([
        "check",
        &format!("{reg}/team/app:1.0.0"),
        "--json",
        "--insecure-registry",
        &reg,
    ])
    .expect(0);
    let o = &outcomes(&out.stdout)[0];
    // 1.3.0 is on the last page: every page was read.
    assert_eq!(
        (
            o["latest"].as_str(),
            o["newest"].as_str(),
            o["change"].as_str()
        ),
        (Some("1.3.0"), Some("2.0.0"), Some("major")),
        "{o}"
    );
    assert!(
        hits.load(Ordering::SeqCst) >= 6,
        "challenge, token, 429, and three pages"
    );
}

#[test]
fn only_new_notify_and_metrics_file() {
    let reg = RegistryServer::start(None);
    reg.push("svc", &["1.0.0", "1.0.1"], None);
    reg.push("steady", &["2.0"], None);
    let r = &reg.addr;
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#updates"]);
    let state = TempDir::new("state");
    let metrics = state.path().join("vext.prom");
    let run = || {
        vext([
            "check",
            "--json",
            "--only-new",
            "--insecure-registry",
            r,
            "--state-dir",
            state.path().to_str().unwrap(),
            "--notify",
            &ircd.url("updates"),
            "--metrics-file",
            metrics.to_str().unwrap(),
            &format!("{r}/svc:1.0.0"),
            &format!("{r}/steady:2.0"),
        ])
        .expect(0)
    };
    let first = outcomes(&run().stdout);
    assert_eq!(first.len(), 1, "only svc has news: {first:?}");
    assert_eq!(first[0]["latest"], "1.0.1");
    let got = obs.privmsgs(2, Duration::from_secs(15));
    assert!(
        got[0].text.contains("1 image update") && got[1].text.contains("svc:1.0.0 -> 1.0.1"),
        "{got:?}"
    );
    let prom = std::fs::read_to_string(&metrics).unwrap();
    assert!(
        prom.contains("vext_check_images_total 2\n")
            && prom.contains("vext_check_updates{change=\"patch\"} 1\n"),
        "{prom}"
    );
    // Nothing changed: nothing reported, nobody notified.
    assert!(outcomes(&run().stdout).is_empty());
    assert!(obs.drain(Duration::from_millis(1500)).is_empty());
    // A new release: reported again.
    reg.push("svc", &["1.0.2"], None);
    let third = outcomes(&run().stdout);
    assert_eq!(third[0]["latest"], "1.0.2");
}

#[test]
fn the_daemon_checks_on_a_schedule_and_notifies() {
    let reg = RegistryServer::start(None);
    reg.push("sched", &["3.1.0", "3.2.0"], None);
    let r = &reg.addr;
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#sched"]);
    let dir = TempDir::new("cfg");
    let cfg = dir.write(
        "config.toml",
        &format!(
            "[targets.team]\nurl = \"{}\"\n\n[check]\nevery = \"1h\"\nimages = [\"{r}/sched:3.1.0\"]\nnotify = [\"@team\"]\ninsecure_registry = [\"{r}\"]\n",
            ircd.url("sched")
        ),
    );
    let daemon = Daemon::start(&["--config", cfg.to_str().unwrap()]);
    let got = obs.privmsgs(2, Duration::from_secs(20));
    assert_eq!(got.len(), 2, "{}", daemon.log());
    assert!(
        got[1]
            .text
            .contains("sched:3.1.0 -> 3.2.0 (minor, approve)"),
        "{got:?}"
    );
}

/// The daemon's `--ca-file` vouches for registries in scheduled checks too
/// (they used to be checked with the public roots only).
#[test]
fn scheduled_checks_trust_the_daemons_ca_file() {
    let mut reg = RegistryServer::start(None);
    reg.push("schedtls", &["1.0", "1.1"], None);
    let ca = TestCa::new();
    reg.restart_tls(&ca.cert, &ca.key);
    let r = &reg.addr;
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#schedtls"]);
    let dir = TempDir::new("cfg");
    let cfg = dir.write(
        "config.toml",
        &format!(
            "[check]\nevery = \"1h\"\nimages = [\"{r}/schedtls:1.0\"]\nnotify = [\"{}\"]\n",
            ircd.url("schedtls")
        ),
    );
    let daemon = Daemon::start(&[
        "--config",
        cfg.to_str().unwrap(),
        "--ca-file",
        ca.ca.to_str().unwrap(),
    ]);
    let got = obs.privmsgs(2, Duration::from_secs(20));
    assert_eq!(got.len(), 2, "{}", daemon.log());
    assert!(
        got[1].text.contains("schedtls:1.0 -> 1.1 (minor, approve)"),
        "{got:?}"
    );
}

#[test]
fn a_registry_with_a_private_ca() {
    let mut reg = RegistryServer::start(None);
    reg.push("tls", &["1.0", "1.1"], None);
    let ca = TestCa::new();
    reg.restart_tls(&ca.cert, &ca.key);
    let image = format!("{}/tls:1.0", reg.addr);
    let out = vext([
        "check",
        &image,
        "--json",
        "--ca-file",
        ca.ca.to_str().unwrap(),
    ])
    .expect(0);
    assert_eq!(outcomes(&out.stdout)[0]["latest"], "1.1", "{}", out.stdout);
    // Without the CA: the certificate does not verify, and that is not hidden.
    let out = vext(["check", &image, "--json"]).expect(77);
    assert!(
        outcomes(&out.stdout)[0]["error"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("certificate"),
        "{}",
        out.stdout
    );
}

#[test]
fn running_containers_are_checked_against_their_digests() {
    let reg = RegistryServer::start(None);
    reg.push("app", &["latest", "2.0", "2.1"], None);
    let r = &reg.addr;
    let dir = TempDir::new("docker");
    let stale = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    let host = crate::scan::fake_docker_serving(
        &dir,
        vec![
            ("/containers/json".into(), serde_json::json!([
                {"Id": "aa11", "Names": ["/front"], "Image": format!("{r}/app:latest"), "ImageID": "sha256:cccc", "State": "running"},
                {"Id": "bb22", "Names": ["/back"], "Image": format!("{r}/app:2.0"), "ImageID": "sha256:dddd", "State": "running"}
            ]).to_string()),
            ("/images/sha256:cccc/json".into(), serde_json::json!({"Id": "sha256:cccc", "RepoDigests": [format!("{r}/app@{stale}")]}).to_string()),
            ("/images/sha256:dddd/json".into(), serde_json::json!({"Id": "sha256:dddd", "RepoDigests": []}).to_string()),
        ],
    );
    let out = vext([
        "check",
        "--docker",
        "--docker-host",
        &host,
        "--json",
        "--insecure-registry",
        r,
    ])
    .expect(0);
    let items = outcomes(&out.stdout);
    assert_eq!(
        find(&items, &format!("{r}/app:latest"))["change"],
        "digest",
        "{}",
        out.stdout
    );
    assert_eq!(find(&items, &format!("{r}/app:2.0"))["latest"], "2.1");
}

/// An approved minor update with a held major one: the JSON keeps `change`
/// (current to newest) and adds `approved_change`; the table and the summary
/// show the approved update with its own kind and the held one on its own.
#[test]
fn the_approved_update_shows_its_own_change_and_the_held_one_apart() {
    let reg = RegistryServer::start(None);
    reg.push("app", &["1.0.0", "1.0.1", "1.1.0", "2.0.0"], None);
    let r = &reg.addr;
    let image = format!("{r}/app:1.0.0");
    let out = vext(["check", "--json", "--insecure-registry", r, &image]).expect(0);
    let o = &outcomes(&out.stdout)[0];
    assert_eq!(
        (
            &o["latest"],
            &o["newest"],
            &o["change"],
            &o["approved_change"]
        ),
        (
            &serde_json::json!("1.1.0"),
            &serde_json::json!("2.0.0"),
            &serde_json::json!("major"),
            &serde_json::json!("minor")
        ),
        "{o}"
    );
    let table = vext(["check", "--insecure-registry", r, &image])
        .expect(0)
        .stdout;
    let row = table.lines().nth(1).unwrap_or_default();
    assert!(
        row.contains(" minor ") && row.contains("approve (held: 2.0.0, major)"),
        "{table}"
    );
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#sum"]);
    let state = TempDir::new("state");
    vext([
        "check",
        "--insecure-registry",
        r,
        "--state-dir",
        state.path().to_str().unwrap(),
        "--notify",
        &ircd.url("sum"),
        &image,
    ])
    .expect(0);
    let got = obs.privmsgs(3, Duration::from_secs(15));
    let texts: Vec<&str> = got.iter().map(|m| m.text.as_str()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("app:1.0.0 -> 1.1.0 (minor, approve)"))
            && texts
                .iter()
                .any(|t| t.contains("held: 2.0.0 (major) by policy")),
        "{texts:?}"
    );
}

#[test]
fn a_plain_http_registry_without_insecure_registry_says_so() {
    let reg = RegistryServer::start(None);
    reg.push("plain", &["1.0.0", "1.0.1"], None);
    // localhost, not 127.0.0.1: loopback addresses are plain HTTP by
    // default (as Docker treats them), a name is not.
    let addr = reg.addr.replace("127.0.0.1", "localhost");
    let out = vext(["check", &format!("{addr}/plain:1.0.0")]).expect(69);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains("speaks plain HTTP") && all.contains(&format!("--insecure-registry {addr}")),
        "{all}"
    );
    assert!(!all.contains("InvalidContentType"), "{all}");
}

/// A tag the registry does not list (a typo, a deleted version) is named
/// as such, version or not, and the newer versions are still worked out.
#[test]
fn a_tag_the_registry_does_not_have_says_so() {
    let reg = RegistryServer::start(None);
    reg.push("app", &["1.0.0", "1.1.0"], None);
    let out = vext([
        "check",
        "--json",
        "--insecure-registry",
        &reg.addr,
        &format!("{}/app:1.0.9", reg.addr),
        &format!("{}/app:edge", reg.addr),
        &format!("{}/app:1.0.0", reg.addr),
    ])
    .run();
    let items = outcomes(&out.stdout);
    let typo = find(&items, &format!("{}/app:1.0.9", reg.addr));
    assert!(
        typo["error"]
            .as_str()
            .unwrap_or("")
            .contains("tag 1.0.9 is not in the registry"),
        "{typo}"
    );
    assert_eq!(typo["newest"], "1.1.0", "{typo}");
    let edge = find(&items, &format!("{}/app:edge", reg.addr));
    assert!(
        edge["error"]
            .as_str()
            .unwrap_or("")
            .contains("tag edge is not in the registry"),
        "{edge}"
    );
    assert!(find(&items, &format!("{}/app:1.0.0", reg.addr))["error"].is_null());
    assert!(
        out.stderr.contains("tag 1.0.9 is not in the registry"),
        "{}",
        out.stderr
    );
}

/// `--only-new` means new since the last report that reached its reader:
/// an approved version that moves under an unmoved newest is news, a
/// summary that could not be delivered leaves its items pending, a plain
/// run in between uses nothing up, and nothing new prints nothing.
#[test]
fn only_new_reports_what_its_reader_has_not_seen() {
    let reg = RegistryServer::start(None);
    reg.push("app", &["1.0.0", "1.1.0", "2.0.0"], None);
    reg.push("tool", &["latest"], None);
    let r = reg.addr.clone();
    let state = TempDir::new("state");
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#news"]);
    let app = format!("{r}/app:1.0.0");
    let tool = format!("{r}/tool:latest");
    let run = |notify: &str, code: i32| {
        let mut args = vec![
            "check",
            "--only-new",
            "--insecure-registry",
            &r,
            "--state-dir",
            state.path().to_str().unwrap(),
        ];
        if !notify.is_empty() {
            args.extend(["--notify", notify]);
        }
        args.extend([app.as_str(), tool.as_str()]);
        vext(args).expect(code)
    };
    let news = ircd.url("news");
    let first = run(&news, 0);
    assert!(first.stdout.contains("app:1.0.0"), "{}", first.stdout);
    let got = obs.privmsgs(3, Duration::from_secs(15));
    assert!(
        got.iter().any(|m| m.text.contains("app:1.0.0 -> 1.1.0")),
        "{got:?}"
    );

    // Nothing new: not even the table's header.
    let quiet = run(&news, 0);
    assert_eq!(quiet.stdout, "", "{}", quiet.stderr);

    // The approved version moves, the newest does not: news.
    reg.push("app", &["1.1.1"], None);
    // The summary cannot be delivered: exit 75, and the news stay pending.
    let failed = run("irc://127.0.0.1:1/news", 75);
    assert!(failed.stdout.contains("1.1.1"), "{}", failed.stdout);
    let again = run(&news, 0);
    assert!(again.stdout.contains("1.1.1"), "{}", again.stdout);
    let got = obs.privmsgs(2, Duration::from_secs(15));
    assert!(
        got.iter().any(|m| m.text.contains("app:1.0.0 -> 1.1.1")),
        "{got:?}"
    );

    // The latest tag moves; a plain check sees it first, and the next
    // --only-new run still reports it.
    reg.push_revision("tool", &["latest"], None, "2");
    let plain = vext([
        "check",
        "--json",
        "--insecure-registry",
        &r,
        "--state-dir",
        state.path().to_str().unwrap(),
        &tool,
    ])
    .expect(0);
    assert_eq!(outcomes(&plain.stdout)[0]["change"], "digest");
    let cron = run("", 0);
    assert!(
        cron.stdout.contains("tool:latest") && cron.stdout.contains("digest"),
        "{}",
        cron.stdout
    );
    assert_eq!(run("", 0).stdout, "", "reported once");
}

/// A registry that accepts connections and never answers costs the run
/// its --timeout, not each request's 30 s.
#[test]
fn timeout_bounds_the_run_against_a_blackholed_registry() {
    let hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = hole.local_addr().unwrap().to_string();
    let held = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let h = held.clone();
    std::thread::spawn(move || {
        for s in hole.incoming().flatten() {
            h.lock().unwrap().push(s);
        }
    });
    let started = std::time::Instant::now();
    let out = vext([
        "check",
        "--insecure-registry",
        &addr,
        "--timeout",
        "1s",
        &format!("{addr}/app:1.0.0"),
        &format!("{addr}/other:2.0"),
    ])
    .expect(75);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        out.stderr
            .contains("not checked within the time limit (1s, --timeout)"),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stderr.matches("time limit").count(),
        2,
        "{}",
        out.stderr
    );
}

/// Issue 30's release age, against a real registry: with `min_age` a new
/// version is held (the text says since when and until what age) until
/// the state dir has known it that long; meanwhile an older approved
/// version that is old enough is the update; `vext update`'s checks
/// follow the same gate (they share age_gate).
#[test]
fn a_young_release_waits_for_min_age() {
    let reg = RegistryServer::start(None);
    reg.push("aged", &["1.0", "1.1"], None);
    let r = &reg.addr;
    let state = TempDir::new("state");
    let dir = TempDir::new("policy");
    let policy = dir.write(
        "policy.toml",
        &format!("[policy]\nallow = \"minor\"\n\n[[policy.rule]]\nimage = \"{r}/aged\"\nmin_age = \"3s\"\n"),
    );
    let image = format!("{r}/aged:1.0");
    let check = |json: bool| {
        let mut args = vec![
            "check".to_string(),
            image.clone(),
            "--insecure-registry".into(),
            r.clone(),
            "--state-dir".into(),
            state.path().display().to_string(),
            "--policy".into(),
            policy.display().to_string(),
        ];
        if json {
            args.push("--json".into());
        }
        vext(&args).expect(0).stdout
    };
    let first = outcomes(&check(true))[0].clone();
    assert_eq!(
        (
            first["decision"].as_str(),
            first["latest"].as_str(),
            first["newest"].as_str()
        ),
        (Some("hold"), None, Some("1.1")),
        "{first}"
    );
    let waiting = first["waiting"].as_str().unwrap_or_default().to_string();
    assert!(
        waiting.starts_with("1.1 first seen") && waiting.contains("waits until 3s old"),
        "{waiting}"
    );
    let table = check(false);
    assert!(table.contains("hold (1.1 first seen"), "{table}");
    std::thread::sleep(Duration::from_millis(3100));
    // Old enough now; a newer 1.2 appears and waits in turn, 1.1 is the update.
    reg.push("aged", &["1.2"], None);
    let second = outcomes(&check(true))[0].clone();
    assert_eq!(
        (
            second["decision"].as_str(),
            second["latest"].as_str(),
            second["approved_change"].as_str()
        ),
        (Some("approve"), Some("1.1"), Some("minor")),
        "{second}"
    );
    assert!(
        second["waiting"]
            .as_str()
            .unwrap_or_default()
            .starts_with("1.2 first seen"),
        "{second}"
    );
    // A policy without min_age takes 1.2 at once.
    let plain = dir.write("plain.toml", "[policy]\nallow = \"minor\"\n");
    let out = vext([
        "check",
        &image,
        "--json",
        "--insecure-registry",
        r,
        "--state-dir",
        state.path().to_str().unwrap(),
        "--policy",
        plain.to_str().unwrap(),
    ])
    .expect(0);
    assert_eq!(outcomes(&out.stdout)[0]["latest"], "1.2");
}

/// Issue 30's release age from the image itself: a version whose config
/// says it was created ten days ago is old enough for min_age = "3d" at
/// once (vext saw it a moment ago); one created a minute ago, or stamped
/// 1970 as reproducible builds do, waits, and the table says whose word
/// the age is.
#[test]
fn a_created_time_in_the_image_counts_toward_min_age() {
    let reg = RegistryServer::start(None);
    let config = |created: &str, label: Option<&str>| {
        let labels = label.map_or(String::new(), |l| {
            format!("\"Labels\":{{\"org.opencontainers.image.created\":\"{l}\"}}")
        });
        format!("{{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"{created}\",\"config\":{{{labels}}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[]}}}}")
    };
    let ago = |secs: u64| {
        let t = std::time::SystemTime::now() - Duration::from_secs(secs);
        humantime::format_rfc3339_seconds(t).to_string()
    };
    reg.push_configs(
        "made",
        &[
            ("1.0", config(&ago(30 * 86400), None)),
            // The label wins over the config's own time.
            (
                "1.1",
                config("1970-01-01T00:00:00Z", Some(&ago(10 * 86400))),
            ),
            ("1.2", config(&ago(60), None)),
            ("1.3", config("1970-01-01T00:00:00Z", None)),
        ],
        None,
    );
    let r = &reg.addr;
    let state = TempDir::new("state");
    let dir = TempDir::new("policy");
    let policy = dir.write(
        "policy.toml",
        &format!("[policy]\nallow = \"minor\"\n\n[[policy.rule]]\nimage = \"{r}/made\"\nmin_age = \"3d\"\n"),
    );
    let out = vext([
        "check",
        &format!("{r}/made:1.0"),
        "--insecure-registry",
        r,
        "--state-dir",
        state.path().to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--json",
    ])
    .expect(0);
    let o = outcomes(&out.stdout)[0].clone();
    assert_eq!(
        (
            o["decision"].as_str(),
            o["latest"].as_str(),
            o["newest"].as_str()
        ),
        (Some("approve"), Some("1.1"), Some("1.3")),
        "{o}"
    );
    // 1.3 says 1970 (no time at all), so vext's own first sight counts.
    let waiting = o["waiting"].as_str().unwrap_or_default();
    assert!(
        waiting.starts_with("1.3 first seen") && waiting.contains("waits until 3days old"),
        "{waiting}"
    );
}
