//! Logging in to IRC beyond a password: SASL SCRAM-SHA-256 (the password
//! never crosses the wire, and the server must prove it knows it), a client
//! certificate (CertFP) shown to a real InspIRCd, and SASL EXTERNAL with it.
//! SASL runs against scripted servers (neither ngircd nor InspIRCd without
//! services speaks it); the SCRAM server side here verifies the client's
//! proof as RFC 5802 says, so a wrong proof fails the test.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::{digest, hmac, pbkdf2};

use crate::support::*;

const WAIT: Duration = Duration::from_secs(15);

/// How the scripted SCRAM server behaves.
#[derive(Clone, Copy, PartialEq)]
enum Scram {
    /// Verifies the proof and proves itself.
    Honest,
    /// Answers with a server signature it made up (it does not know the password).
    Impostor,
    /// Asks for this many PBKDF2 iterations.
    Iterations(u64),
}

/// What the scripted server saw of the login.
#[derive(Default)]
struct Seen {
    proof_verified: Option<bool>,
}

/// A scripted server offering `mechanisms` that checks SCRAM-SHA-256
/// logins against `password` (salt and iterations of its own).
fn scram_server(
    mechanisms: &str,
    password: &'static str,
    how: Scram,
) -> (FakeServer, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let s = seen.clone();
    let caps = format!(":fake CAP * LS :multi-prefix sasl={mechanisms}");
    let salt = b"vext-test-salt!!".to_vec();
    let mut step = 0;
    let mut client_first_bare = String::new();
    let mut server_first = String::new();
    let fake = FakeServer::start(move |line| {
        let cmd: Vec<&str> = line.splitn(3, ' ').collect();
        match (cmd[0], cmd.get(1).copied()) {
            ("CAP", Some("LS")) => vec![caps.clone()],
            ("CAP", Some("REQ")) => vec![":fake CAP * ACK :sasl".into()],
            ("AUTHENTICATE", Some("SCRAM-SHA-256")) => vec!["AUTHENTICATE +".into()],
            ("AUTHENTICATE", Some("PLAIN")) => {
                vec![":fake 904 scrambot :PLAIN not wanted here".into()]
            }
            ("AUTHENTICATE", Some("+")) if step == 2 => vec![
                ":fake 900 scrambot scrambot!u@h scrambot :You are now logged in".into(),
                ":fake 903 scrambot :SASL authentication successful".into(),
            ],
            ("AUTHENTICATE", Some("*")) => {
                vec![":fake 906 scrambot :SASL authentication aborted".into()]
            }
            ("AUTHENTICATE", Some(blob)) => {
                let msg = String::from_utf8(STANDARD.decode(blob).unwrap()).unwrap();
                step += 1;
                if step == 1 {
                    // "n,,n=user,r=nonce"
                    client_first_bare = msg.strip_prefix("n,,").unwrap().to_string();
                    let nonce = client_first_bare.split(",r=").nth(1).unwrap();
                    let iterations = match how {
                        Scram::Iterations(i) => i,
                        _ => 4096,
                    };
                    server_first = format!(
                        "r={nonce}srvNONCE,s={},i={iterations}",
                        STANDARD.encode(&salt)
                    );
                    return vec![format!("AUTHENTICATE {}", STANDARD.encode(&server_first))];
                }
                // "c=biws,r=...,p=proof"
                let (without_proof, proof) = msg.rsplit_once(",p=").unwrap();
                let proof = STANDARD.decode(proof).unwrap();
                let mut salted = [0u8; 32];
                pbkdf2::derive(
                    pbkdf2::PBKDF2_HMAC_SHA256,
                    std::num::NonZeroU32::new(4096).unwrap(),
                    &salt,
                    password.as_bytes(),
                    &mut salted,
                );
                let salted = hmac::Key::new(hmac::HMAC_SHA256, &salted);
                let client_key = hmac::sign(&salted, b"Client Key");
                let stored_key = digest::digest(&digest::SHA256, client_key.as_ref());
                let auth = format!("{client_first_bare},{server_first},{without_proof}");
                let sig = hmac::sign(
                    &hmac::Key::new(hmac::HMAC_SHA256, stored_key.as_ref()),
                    auth.as_bytes(),
                );
                let recovered: Vec<u8> =
                    proof.iter().zip(sig.as_ref()).map(|(p, s)| p ^ s).collect();
                let ok =
                    digest::digest(&digest::SHA256, &recovered).as_ref() == stored_key.as_ref();
                s.lock().unwrap().proof_verified = Some(ok);
                if !ok {
                    return vec![":fake 904 scrambot :SASL authentication failed".into()];
                }
                let server_sig = match how {
                    Scram::Impostor => vec![7u8; 32],
                    _ => {
                        let server_key = hmac::sign(&salted, b"Server Key");
                        hmac::sign(
                            &hmac::Key::new(hmac::HMAC_SHA256, server_key.as_ref()),
                            auth.as_bytes(),
                        )
                        .as_ref()
                        .to_vec()
                    }
                };
                vec![format!(
                    "AUTHENTICATE {}",
                    STANDARD.encode(format!("v={}", STANDARD.encode(server_sig)))
                )]
            }
            ("USER", _) => welcome("scrambot"),
            ("JOIN", Some(ch)) => vec![format!(":scrambot!u@h JOIN {ch}")],
            ("PING", Some(tok)) => vec![format!(":fake PONG fake {tok}")],
            ("QUIT", _) => vec!["ERROR :bye".into()],
            _ => vec![],
        }
    });
    (fake, seen)
}

fn welcome(nick: &str) -> Vec<String> {
    vec![
        format!(":fake 001 {nick} :Welcome {nick}!u@h"),
        format!(":fake 005 {nick} CHANLIMIT=#:5 :are supported"),
        format!(":fake 376 {nick} :End of MOTD"),
    ]
}

#[test]
fn scram_sha_256_logs_in_without_the_password_crossing_the_wire() {
    let (fake, seen) = scram_server("PLAIN,SCRAM-SHA-256", "s3cret-pw", Scram::Honest);
    let url = format!("irc://scrambot:s3cret-pw@127.0.0.1:{}/room", fake.port);
    vext(["send", &url, "-m", "hello scram"]).expect(0);
    let lines = fake.join();
    assert_eq!(seen.lock().unwrap().proof_verified, Some(true), "{lines:?}");
    let pos = |needle: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(needle))
            .unwrap_or_else(|| panic!("{needle} not sent: {lines:?}"))
    };
    // SCRAM chosen over PLAIN, the login done before registration.
    assert!(pos("AUTHENTICATE SCRAM-SHA-256") < pos("CAP END"));
    assert!(pos("CAP END") < pos("NICK scrambot"));
    assert!(pos("PRIVMSG #room :hello scram") > pos("NICK scrambot"));
    assert!(
        !lines.iter().any(|l| l == "AUTHENTICATE PLAIN"),
        "{lines:?}"
    );
    // Nothing that went out holds the password, plain or in base64.
    let b64 = STANDARD.encode("s3cret-pw");
    for l in &lines {
        let decoded = l
            .strip_prefix("AUTHENTICATE ")
            .and_then(|b| STANDARD.decode(b).ok())
            .map(|d| String::from_utf8_lossy(&d).into_owned())
            .unwrap_or_default();
        assert!(
            !l.contains("s3cret-pw") && !l.contains(&b64[..8]) && !decoded.contains("s3cret-pw"),
            "the password went out: {l}"
        );
    }
}

#[test]
fn a_wrong_scram_password_is_an_authentication_error() {
    let (fake, seen) = scram_server("SCRAM-SHA-256", "the-real-one", Scram::Honest);
    let url = format!("irc://scrambot:not-it@127.0.0.1:{}/room", fake.port);
    let out = vext(["send", &url, "-m", "x", "--timeout", "10"]).expect(77);
    assert!(
        out.stderr.contains("SASL authentication failed"),
        "{}",
        out.stderr
    );
    let lines = fake.join();
    assert_eq!(seen.lock().unwrap().proof_verified, Some(false));
    assert!(!lines.iter().any(|l| l.starts_with("PRIVMSG")), "{lines:?}");
}

/// A server that takes the proof but cannot prove it knows the password
/// (a man in the middle, a fake network) is left before anything is sent.
#[test]
fn a_server_that_cannot_prove_it_knows_the_password_gets_nothing() {
    let (fake, _) = scram_server("SCRAM-SHA-256", "s3cret-pw", Scram::Impostor);
    let url = format!("irc://scrambot:s3cret-pw@127.0.0.1:{}/room", fake.port);
    let out = vext(["send", &url, "-m", "secret news"]).expect(77);
    assert!(
        out.stderr.contains("does not know the password"),
        "{}",
        out.stderr
    );
    let lines = fake.join();
    assert!(
        lines.iter().any(|l| l == "AUTHENTICATE *"),
        "aborted: {lines:?}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("PRIVMSG") || l.starts_with("NICK")),
        "{lines:?}"
    );
}

/// Bound: a server asking for 4 billion PBKDF2 iterations (hours of CPU)
/// is refused at once; vext takes 4096 to 1 000 000.
#[test]
fn a_server_asking_for_endless_iterations_is_refused_at_once() {
    let (fake, _) = scram_server(
        "SCRAM-SHA-256",
        "s3cret-pw",
        Scram::Iterations(4_000_000_000),
    );
    let url = format!("irc://scrambot:s3cret-pw@127.0.0.1:{}/room", fake.port);
    let start = Instant::now();
    let out = vext(["send", &url, "-m", "x"]).expect(77);
    let took = start.elapsed();
    assert!(
        out.stderr.contains("4000000000 SCRAM iterations"),
        "{}",
        out.stderr
    );
    eprintln!("refused a 4e9-iteration challenge in {took:?}");
    assert!(!fake.join().iter().any(|l| l.starts_with("PRIVMSG")));
}

/// A scripted TLS server asking for client certificates, offering
/// EXTERNAL; as IRCv3 says, registration waits for CAP END once CAP LS came.
fn external_server(ca: &TestCa, accept: bool) -> FakeServer {
    let (mut negotiating, mut user) = (false, false);
    FakeServer::start_tls(ca.server_config(true), move |line| {
        let cmd: Vec<&str> = line.splitn(3, ' ').collect();
        match (cmd[0], cmd.get(1).copied()) {
            ("CAP", Some("LS")) => {
                negotiating = true;
                vec![":fake CAP * LS :sasl=PLAIN,EXTERNAL".into()]
            }
            ("CAP", Some("END")) => {
                negotiating = false;
                if user {
                    welcome("certbot")
                } else {
                    vec![]
                }
            }
            ("USER", _) if negotiating => {
                user = true;
                vec![]
            }
            ("CAP", Some("REQ")) => vec![":fake CAP * ACK :sasl".into()],
            ("AUTHENTICATE", Some("EXTERNAL")) => vec!["AUTHENTICATE +".into()],
            ("AUTHENTICATE", Some("+")) if accept => vec![
                ":fake 900 certbot certbot!u@h certbot :You are now logged in as certbot".into(),
                ":fake 903 certbot :SASL authentication successful".into(),
            ],
            ("AUTHENTICATE", Some("+")) => {
                vec![":fake 904 certbot :No account for this certificate".into()]
            }
            ("USER", _) => welcome("certbot"),
            ("JOIN", Some(ch)) => vec![format!(":certbot!u@h JOIN {ch}")],
            ("PING", Some(tok)) => vec![format!(":fake PONG fake {tok}")],
            ("QUIT", _) => vec!["ERROR :bye".into()],
            _ => vec![],
        }
    })
}

fn der_of(pem: &std::path::Path) -> Vec<u8> {
    let text = std::fs::read_to_string(pem).unwrap();
    let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(b64).unwrap()
}

#[test]
fn sasl_external_logs_in_with_the_client_certificate() {
    let ca = TestCa::new();
    let (cert, key) = ca.client_cert("certbot");
    let fake = external_server(&ca, true);
    let url = format!("ircs://certbot@127.0.0.1:{}/room", fake.port);
    vext(["send", &url, "-m", "hello by certificate"])
        .args(["--ca-file", ca.ca.to_str().unwrap()])
        .args([
            "--client-cert",
            cert.to_str().unwrap(),
            "--client-key",
            key.to_str().unwrap(),
        ])
        .expect(0);
    let presented = fake.client_certificate.lock().unwrap().clone();
    assert_eq!(
        presented,
        Some(der_of(&cert)),
        "the certificate went out in the handshake"
    );
    let lines = fake.join();
    let pos = |needle: &str| {
        lines
            .iter()
            .position(|l| l == needle)
            .unwrap_or_else(|| panic!("{needle} not sent: {lines:?}"))
    };
    assert!(pos("AUTHENTICATE EXTERNAL") < pos("AUTHENTICATE +"));
    assert!(pos("AUTHENTICATE +") < pos("CAP END"));
    assert!(pos("PRIVMSG #room :hello by certificate") > pos("CAP END"));
}

/// With only a certificate (irkerd's -e), a server that knows no account
/// for it still gets the message: the login is a bonus, as with irkerd.
#[test]
fn a_refused_certificate_login_goes_on_without_one() {
    let ca = TestCa::new();
    let (cert, key) = ca.client_cert("certbot");
    // One file holding certificate and key, as irkerd's -e takes it.
    let both = ca.dir.path().join("both.pem");
    let mut pem = std::fs::read(&cert).unwrap();
    pem.extend(std::fs::read(&key).unwrap());
    std::fs::write(&both, pem).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&both, std::fs::Permissions::from_mode(0o600)).unwrap();
    let fake = external_server(&ca, false);
    let url = format!("ircs://certbot@127.0.0.1:{}/room", fake.port);
    vext(["send", &url, "-m", "still delivered"])
        .args([
            "--ca-file",
            ca.ca.to_str().unwrap(),
            "--client-cert",
            both.to_str().unwrap(),
        ])
        .expect(0);
    let lines = fake.join();
    assert!(
        lines.iter().any(|l| l == "PRIVMSG #room :still delivered"),
        "{lines:?}"
    );
}

#[test]
fn a_key_that_is_not_the_certificates_is_refused_before_connecting() {
    let ca = TestCa::new();
    let (cert, _) = ca.client_cert("one");
    let (_, other_key) = ca.client_cert("two");
    let out = vext(["send", "ircs://127.0.0.1:1/room", "-m", "x"])
        .args([
            "--client-cert",
            cert.to_str().unwrap(),
            "--client-key",
            other_key.to_str().unwrap(),
        ])
        .expect(78);
    assert!(out.stderr.contains("client certificate"), "{}", out.stderr);
    let out = vext(["send", "ircs://127.0.0.1:1/room", "-m", "x"])
        .args(["--client-key", other_key.to_str().unwrap()])
        .expect(78);
    assert!(
        out.stderr.contains("without a client certificate"),
        "{}",
        out.stderr
    );
}

/// The daemon presents `--client-cert` to a real InspIRCd, which shows the
/// certificate's SHA-256 fingerprint in WHOIS (what NickServ CERT and
/// CertFP opers match on): the same fingerprint openssl computes.
#[test]
fn inspircd_sees_the_daemons_client_certificate() {
    let ca = TestCa::new();
    let ircd = Inspircd::start_tls(&ca);
    let (cert, key) = ca.client_cert("vextrelay");
    let daemon = Daemon::start(&[
        "--nick",
        "certrelay",
        "--ca-file",
        ca.ca.to_str().unwrap(),
        "--client-cert",
        cert.to_str().unwrap(),
        "--client-key",
        key.to_str().unwrap(),
    ]);
    let mut obs = Observer::join(ircd.port, &["#certs"]);
    let url = format!("ircs://localhost:{}/certs", ircd.tls_port.unwrap());
    daemon.request(
        format!(r#"{{"to": "{url}", "privmsg": "over TLS with a certificate"}}"#).as_bytes(),
        0,
    );
    let got = obs.privmsgs(1, WAIT);
    assert_eq!(got.len(), 1, "{}", daemon.log());
    assert_eq!(got[0].text, "over TLS with a certificate");
    obs.send("WHOIS certrelay");
    let line = obs.wait_for(|l| l.contains(" 276 "), "RPL_WHOISCERTFP");
    let fingerprint = run_ok(
        ca.dir.path(),
        "openssl",
        &[
            "x509",
            "-in",
            cert.to_str().unwrap(),
            "-noout",
            "-fingerprint",
            "-sha256",
        ],
    );
    let want = fingerprint
        .trim()
        .rsplit('=')
        .next()
        .unwrap()
        .replace(':', "")
        .to_ascii_lowercase();
    assert!(
        line.to_ascii_lowercase().contains(&want),
        "{line} lacks {want}"
    );
}

/// InspIRCd without its cap module ignores CAP LS (no reply at all): a
/// connection with a password registers after a short wait (PASS, NICK,
/// USER) instead of waiting for an answer that never comes.
#[test]
fn a_server_that_ignores_cap_still_gets_the_message() {
    let ircd = Inspircd::start();
    let mut obs = Observer::join(ircd.port, &["#nocap"]);
    let url = format!("irc://pwbot:some-password@127.0.0.1:{}/nocap", ircd.port);
    let out = vext([
        "send",
        &url,
        "-m",
        "registered without CAP",
        "--timeout",
        "20",
    ])
    .expect(0);
    assert_eq!(
        obs.privmsgs(1, WAIT)[0].text,
        "registered without CAP",
        "{}",
        out.stderr
    );
}

/// A `[targets]` entry's `client_cert` goes to that entry's server only:
/// `@certnet` presents it (and logs in by SASL EXTERNAL), another ircs://
/// server in the same command sees no certificate.
#[test]
fn a_targets_certificate_goes_to_its_server_only() {
    let ca = TestCa::new();
    let (cert, key) = ca.client_cert("certbot");
    let named = external_server(&ca, true);
    let other = external_server(&ca, true);
    let dir = TempDir::new("certnet");
    let config = dir.write(
        "vext.toml",
        &format!(
            "[targets.certnet]\nurl = \"ircs://certbot@127.0.0.1:{}/room\"\nclient_cert = \"{}\"\nclient_key = \"{}\"\n",
            named.port,
            cert.display(),
            key.display()
        ),
    );
    let elsewhere = format!("ircs://certbot@127.0.0.1:{}/room", other.port);
    vext([
        "--config",
        config.to_str().unwrap(),
        "send",
        "@certnet",
        &elsewhere,
        "-m",
        "two servers",
    ])
    .args(["--ca-file", ca.ca.to_str().unwrap()])
    .expect(0);
    assert_eq!(
        *named.client_certificate.lock().unwrap(),
        Some(der_of(&cert))
    );
    assert_eq!(*other.client_certificate.lock().unwrap(), None);
    let (named, other) = (named.join(), other.join());
    assert!(
        named.iter().any(|l| l == "AUTHENTICATE EXTERNAL"),
        "{named:?}"
    );
    // No certificate, no password: no SASL at all there.
    assert!(
        !other
            .iter()
            .any(|l| l.starts_with("AUTHENTICATE") || l.starts_with("CAP")),
        "{other:?}"
    );
    assert!(
        other.iter().any(|l| l == "PRIVMSG #room :two servers"),
        "{other:?}"
    );
    // A certificate on a target that is not ircs:// is a config error.
    let bad = dir.write(
        "bad.toml",
        &format!(
            "[targets.plain]\nurl = \"irc://127.0.0.1:1/room\"\nclient_cert = \"{}\"\n",
            cert.display()
        ),
    );
    let out = vext([
        "--config",
        bad.to_str().unwrap(),
        "send",
        "@plain",
        "-m",
        "x",
    ])
    .expect(78);
    assert!(
        out.stderr.contains("only an ircs:// target"),
        "{}",
        out.stderr
    );
}
