//! SASL for IRC (IRCv3 `sasl` 3.1/3.2): which mechanism to use, the
//! SCRAM-SHA-256 client (RFC 5802, RFC 7677), PLAIN, and the 400-byte
//! chunking of `AUTHENTICATE` in both directions.
//!
//! The choice: EXTERNAL when a client certificate was presented in the TLS
//! handshake and the server offers it (the certificate is the credential;
//! nothing secret is sent), else with a password SCRAM-SHA-256 where offered
//! (the password never crosses the wire, and the server must prove it knows
//! it), else PLAIN. A server that lists no mechanisms (`sasl` without a
//! value) is tried with PLAIN, and may answer 908 with its list; the next
//! untried mechanism from that list is then tried once.
//!
//! A hostile server is bounded: a challenge is at most [`MAX_CHALLENGE`]
//! bytes, the PBKDF2 iteration count it asks for at most [`MAX_ITERATIONS`]
//! (and at least RFC 7677's 4096), and its final signature must verify.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::{digest, hmac, pbkdf2};

/// A mechanism vext can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mechanism {
    External,
    ScramSha256,
    Plain,
}

impl Mechanism {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mechanism::External => "EXTERNAL",
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
            Mechanism::Plain => "PLAIN",
        }
    }
}

/// What vext has to authenticate with on this connection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Have {
    /// A client certificate went out in this connection's TLS handshake.
    pub(crate) certificate: bool,
    pub(crate) password: bool,
}

/// The best mechanism not yet `tried`: `offered` is the server's list
/// (None when it named none).
pub(crate) fn choose(
    offered: Option<&[String]>,
    have: Have,
    tried: &[Mechanism],
) -> Option<Mechanism> {
    let offers = |m: Mechanism| offered.is_some_and(|o| o.iter().any(|x| x == m.name()));
    let mut order = Vec::with_capacity(3);
    if have.certificate {
        order.push(Mechanism::External);
    }
    if have.password {
        order.push(Mechanism::ScramSha256);
        order.push(Mechanism::Plain);
    }
    order.into_iter().filter(|m| !tried.contains(m)).find(|&m| {
        if offered.is_some() {
            offers(m)
        } else {
            // Nothing listed: PLAIN with a password, as servers without a
            // list have always taken; EXTERNAL with only a certificate.
            m == Mechanism::Plain || (m == Mechanism::External && !have.password)
        }
    })
}

/// The mechanisms a `sasl=...` capability value lists (None for a bare `sasl`).
pub(crate) fn offered(caps: &str) -> Option<Option<Vec<String>>> {
    caps.split(' ').find_map(|c| {
        if c == "sasl" {
            Some(None)
        } else {
            c.strip_prefix("sasl=")
                .map(|m| Some(m.split(',').map(str::to_string).collect()))
        }
    })
}

/// The largest challenge (decoded) a server may send: SCRAM's are under 200 bytes.
pub(crate) const MAX_CHALLENGE: usize = 4096;

/// Bounds on the PBKDF2 iteration count a server asks for: RFC 7677's
/// floor, and a ceiling that keeps one login under about a second here
/// (a hostile server could otherwise ask for billions).
pub(crate) const MIN_ITERATIONS: u32 = 4096;
pub(crate) const MAX_ITERATIONS: u32 = 1_000_000;

/// A server's `AUTHENTICATE` payload, assembled from 400-byte pieces.
#[derive(Default)]
pub(crate) struct Incoming {
    base64: String,
}

impl Incoming {
    /// Takes one `AUTHENTICATE` parameter: the decoded challenge once it is
    /// whole (`+` is empty), None while more pieces follow.
    pub(crate) fn take(&mut self, piece: &str) -> Result<Option<Vec<u8>>, String> {
        if piece != "+" {
            self.base64.push_str(piece);
        }
        if self.base64.len() > MAX_CHALLENGE * 4 / 3 + 4 {
            return Err(format!(
                "the server's SASL challenge is over {MAX_CHALLENGE} bytes"
            ));
        }
        if piece.len() == 400 {
            return Ok(None);
        }
        let whole = std::mem::take(&mut self.base64);
        STANDARD
            .decode(whole.as_bytes())
            .map(Some)
            .map_err(|e| format!("the server's SASL challenge is not base64: {e}"))
    }
}

/// `AUTHENTICATE` lines carrying `payload`: base64 in pieces of 400, with
/// `+` after a last piece of exactly 400 (and for an empty payload).
pub(crate) fn outgoing(payload: &[u8]) -> Vec<String> {
    let blob = STANDARD.encode(payload);
    let mut lines: Vec<String> = blob
        .as_bytes()
        .chunks(400)
        .map(|c| format!("AUTHENTICATE {}", String::from_utf8_lossy(c)))
        .collect();
    if blob.len().is_multiple_of(400) {
        lines.push("AUTHENTICATE +".into());
    }
    lines
}

/// PLAIN's one message: authorization and authentication identity, password.
pub(crate) fn plain(user: &str, password: &str) -> Vec<u8> {
    format!("{user}\0{user}\0{password}").into_bytes()
}

/// One SCRAM-SHA-256 exchange, client side.
pub(crate) struct Scram {
    password: String,
    client_first_bare: String,
    nonce: String,
    /// The signature the server's final message must carry.
    server_signature: Option<Vec<u8>>,
}

impl Scram {
    /// A new exchange for `user` with a fresh random nonce.
    pub(crate) fn new(user: &str, password: &str) -> Scram {
        let mut raw = [0u8; 18];
        let rng = ring::rand::SystemRandom::new();
        if ring::rand::SecureRandom::fill(&rng, &mut raw).is_err() {
            // The system's random source failing is not survivable quietly:
            // fall back to something unpredictable enough for a nonce.
            raw.iter_mut().for_each(|b| *b = fastrand::u8(..));
        }
        Scram::with_nonce(user, password, &STANDARD.encode(raw))
    }

    fn with_nonce(user: &str, password: &str, nonce: &str) -> Scram {
        let name = user.replace('=', "=3D").replace(',', "=2C");
        Scram {
            password: password.to_string(),
            client_first_bare: format!("n={name},r={nonce}"),
            nonce: nonce.to_string(),
            server_signature: None,
        }
    }

    /// The client-first message (no channel binding).
    pub(crate) fn first(&self) -> Vec<u8> {
        format!("n,,{}", self.client_first_bare).into_bytes()
    }

    /// The client-final message answering the server-first message.
    pub(crate) fn answer(&mut self, server_first: &[u8]) -> Result<Vec<u8>, String> {
        let server_first = std::str::from_utf8(server_first)
            .map_err(|_| "the server's SCRAM challenge is not UTF-8".to_string())?;
        let field = |k: &str| {
            server_first
                .split(',')
                .find_map(|f| f.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
        };
        if let Some(e) = field("e") {
            return Err(format!("the server refused: {e}"));
        }
        let nonce = field("r").ok_or("the server's SCRAM challenge has no nonce")?;
        if !nonce.starts_with(&self.nonce) || nonce.len() <= self.nonce.len() {
            return Err("the server's SCRAM nonce does not extend ours".into());
        }
        let salt = STANDARD
            .decode(field("s").ok_or("the server's SCRAM challenge has no salt")?)
            .map_err(|_| "the server's SCRAM salt is not base64".to_string())?;
        let iterations: u32 = field("i")
            .and_then(|i| i.parse().ok())
            .ok_or("the server's SCRAM challenge has no iteration count")?;
        if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
            return Err(format!(
                "the server asks for {iterations} SCRAM iterations \
                 (vext takes {MIN_ITERATIONS} to {MAX_ITERATIONS})"
            ));
        }
        let mut salted = [0u8; 32];
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            std::num::NonZeroU32::new(iterations).ok_or("zero iterations")?,
            &salt,
            self.password.as_bytes(),
            &mut salted,
        );
        let salted = hmac::Key::new(hmac::HMAC_SHA256, &salted);
        let client_key = hmac::sign(&salted, b"Client Key");
        let stored_key = digest::digest(&digest::SHA256, client_key.as_ref());
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let signature = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, stored_key.as_ref()),
            auth_message.as_bytes(),
        );
        let proof: Vec<u8> = client_key
            .as_ref()
            .iter()
            .zip(signature.as_ref())
            .map(|(k, s)| k ^ s)
            .collect();
        let server_key = hmac::sign(&salted, b"Server Key");
        self.server_signature = Some(
            hmac::sign(
                &hmac::Key::new(hmac::HMAC_SHA256, server_key.as_ref()),
                auth_message.as_bytes(),
            )
            .as_ref()
            .to_vec(),
        );
        Ok(format!("{without_proof},p={}", STANDARD.encode(proof)).into_bytes())
    }

    /// Checks the server-final message: the server proves it knew the
    /// password's verifier, or the login is refused.
    pub(crate) fn verify(&self, server_final: &[u8]) -> Result<(), String> {
        let text = std::str::from_utf8(server_final).unwrap_or("");
        if let Some(e) = text.strip_prefix("e=") {
            return Err(format!("the server refused: {e}"));
        }
        let theirs = text
            .strip_prefix("v=")
            .and_then(|v| STANDARD.decode(v.split(',').next().unwrap_or("")).ok())
            .ok_or("the server's final SCRAM message carries no signature")?;
        // Not compared in constant time: the expected value changes with
        // every nonce, so timing teaches an impostor nothing it can reuse.
        match &self.server_signature {
            Some(ours) if *ours == theirs => Ok(()),
            _ => Err("the server's SCRAM signature is wrong: it does not know the password".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 section 3's example exchange, byte for byte.
    #[test]
    fn scram_sha_256_follows_rfc_7677s_example() {
        let mut s = Scram::with_nonce("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        assert_eq!(s.first(), b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let server_first = b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                             s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let last = s.answer(server_first).unwrap();
        assert_eq!(
            String::from_utf8(last).unwrap(),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
             p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        s.verify(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .unwrap();
        let wrong = s
            .verify(b"v=AAAiTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .unwrap_err();
        assert!(wrong.contains("signature is wrong"), "{wrong}");
    }

    #[test]
    fn a_hostile_scram_challenge_is_refused() {
        let refuse = |challenge: &str| {
            Scram::with_nonce("u", "p", "abc")
                .answer(challenge.as_bytes())
                .unwrap_err()
        };
        assert!(refuse("r=abcX,s=AAAA,i=4000000000").contains("iterations"));
        assert!(refuse("r=abcX,s=AAAA,i=1").contains("iterations"));
        assert!(refuse("r=other,s=AAAA,i=4096").contains("nonce"));
        assert!(refuse("r=abc,s=AAAA,i=4096").contains("nonce"));
        assert!(refuse("r=abcX,i=4096").contains("salt"));
        assert!(refuse("e=other-error").contains("other-error"));
        // A signature before any answer never verifies.
        assert!(Scram::with_nonce("u", "p", "abc")
            .verify(b"v=AAAA")
            .is_err());
    }

    #[test]
    fn user_names_are_escaped() {
        let s = Scram::with_nonce("a=b,c", "p", "n");
        assert_eq!(s.first(), b"n,,n=a=3Db=2Cc,r=n");
    }

    #[test]
    fn the_best_offered_mechanism_is_chosen() {
        let list = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
        let both = Have {
            certificate: true,
            password: true,
        };
        let pass = Have {
            certificate: false,
            password: true,
        };
        let cert = Have {
            certificate: true,
            password: false,
        };
        let all = list("PLAIN,EXTERNAL,SCRAM-SHA-256");
        assert_eq!(choose(Some(&all), both, &[]), Some(Mechanism::External));
        assert_eq!(choose(Some(&all), pass, &[]), Some(Mechanism::ScramSha256));
        assert_eq!(
            choose(Some(&all), pass, &[Mechanism::ScramSha256]),
            Some(Mechanism::Plain)
        );
        assert_eq!(choose(Some(&list("PLAIN")), cert, &[]), None);
        assert_eq!(choose(None, pass, &[]), Some(Mechanism::Plain));
        assert_eq!(choose(None, cert, &[]), Some(Mechanism::External));
        assert_eq!(choose(None, pass, &[Mechanism::Plain]), None);
        assert_eq!(offered("multi-prefix sasl"), Some(None));
        assert_eq!(
            offered("sasl=PLAIN,EXTERNAL x"),
            Some(Some(list("PLAIN,EXTERNAL")))
        );
        assert_eq!(offered("multi-prefix"), None);
    }

    #[test]
    fn payloads_go_in_400_byte_pieces_both_ways() {
        assert_eq!(outgoing(b""), ["AUTHENTICATE +"]);
        let lines = outgoing(&[7u8; 300]); // 400 base64 characters exactly
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1], "AUTHENTICATE +");
        let mut inc = Incoming::default();
        let blob = STANDARD.encode([9u8; 450]);
        assert_eq!(inc.take(&blob[..400]).unwrap(), None);
        assert_eq!(inc.take(&blob[400..]).unwrap().unwrap(), vec![9u8; 450]);
        assert_eq!(inc.take("+").unwrap().unwrap(), Vec::<u8>::new());
        // A server that never stops sending pieces is cut off.
        let piece = "A".repeat(400);
        let mut inc = Incoming::default();
        let err = (0..100).find_map(|_| inc.take(&piece).err()).unwrap();
        assert!(err.contains("over 4096 bytes"), "{err}");
    }
}
