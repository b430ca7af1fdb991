//! Hostile input, generated: every parser that reads what a stranger can
//! send is fed thousands of mutations of valid inputs (bit flips, cut and
//! repeated pieces, control bytes, half characters, nesting) and must
//! answer each without a panic. The stable-toolchain stand-in for
//! `cargo fuzz`; a seed that finds a crash is printed, to become a
//! regression case. Test-only.

/// Inputs derived from `seeds`: each round picks a seed and applies one to
/// four mutations; the same `seed` gives the same inputs.
pub(crate) fn mutations(seeds: &[&[u8]], rounds: usize, seed: u64) -> Vec<Vec<u8>> {
    const SPICE: &[&[u8]] = &[
        b"\0",
        b"\r",
        b"\n",
        b"\r\n",
        b"\t",
        b"\"",
        b"\\",
        b"{",
        b"}",
        b"[",
        b"]",
        b":",
        b",",
        b"-",
        b" ",
        b"#",
        b"&",
        b"*",
        b"!",
        b"%",
        b"@",
        b"/",
        b"?",
        b"=",
        b"'",
        b"|",
        b">",
        b"\xc3",
        b"\xe2\x82",
        b"\xff",
        b"\xef\xbb\xbf",
        b"9999999999999999999999",
        b"-1",
        b"nan",
        b"inf",
        b"1e999",
        b"${X}",
        b"$$",
        b"---\n",
        b"...\n",
        b"<<: *a",
        b"&a ",
        b"*a",
        b"::",
        b"\x1b[",
        b"%00",
        b"%zz",
    ];
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out: Vec<Vec<u8>> = seeds.iter().map(|s| s.to_vec()).collect();
    for _ in 0..rounds {
        let mut v = seeds[rng.usize(..seeds.len())].to_vec();
        for _ in 0..rng.usize(1..=4) {
            let at = rng.usize(..=v.len());
            match rng.u8(..8) {
                0 if !v.is_empty() => {
                    let i = rng.usize(..v.len());
                    v[i] ^= 1 << rng.u8(..8);
                }
                1 => {
                    let s = SPICE[rng.usize(..SPICE.len())];
                    v.splice(at..at, s.iter().copied());
                }
                2 if !v.is_empty() => {
                    let end = (at + rng.usize(..=16)).min(v.len());
                    v.drain(at.min(end)..end);
                }
                3 if !v.is_empty() => {
                    let start = rng.usize(..v.len());
                    let end = (start + rng.usize(1..=64)).min(v.len());
                    let piece = v[start..end].to_vec();
                    for _ in 0..rng.usize(1..=8) {
                        v.splice(at..at, piece.iter().copied());
                    }
                }
                4 => v.truncate(at),
                5 => {
                    let other = seeds[rng.usize(..seeds.len())];
                    let from = rng.usize(..=other.len());
                    v.splice(at..at, other[from..].iter().copied());
                }
                6 => {
                    // Deep nesting.
                    let depth = rng.usize(1..=200);
                    let (open, close): (&[u8], &[u8]) = match rng.u8(..3) {
                        0 => (b"[", b"]"),
                        1 => (b"{\"a\":", b"}"),
                        _ => (b"- ", b""),
                    };
                    let mut nest = open.repeat(depth);
                    nest.extend(close.repeat(depth));
                    v.splice(at..at, nest);
                }
                _ => {
                    let n = rng.usize(1..=8);
                    let bytes: Vec<u8> = (0..n).map(|_| rng.u8(..)).collect();
                    v.splice(at..at, bytes);
                }
            }
            v.truncate(64 * 1024);
        }
        out.push(v);
    }
    out
}

/// The seed: fixed, so a failure reproduces; `VEXT_HOSTILE_SEED` tries others.
pub(crate) fn seed() -> u64 {
    std::env::var("VEXT_HOSTILE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x7665_7874)
}

/// Rounds per entry point: `VEXT_HOSTILE_ROUNDS` for a longer run.
pub(crate) fn rounds() -> usize {
    std::env::var("VEXT_HOSTILE_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::irker::protocol::{Received, Reply, Request};

    fn each(seeds: &[&[u8]], f: impl Fn(&[u8])) {
        for input in mutations(seeds, rounds(), seed()) {
            f(&input);
        }
    }

    fn text(b: &[u8]) -> String {
        String::from_utf8_lossy(b).into_owned()
    }

    #[test]
    fn irker_requests_envelopes_and_replies() {
        each(
            &[
                br#"{"to": "irc://h/c", "privmsg": "hi"}"#,
                br#"{"to": ["irc://h/c", "ircs://n:p@h:6697/c?key=k", 5], "privmsg": "a\nb", "id": "x", "ack": true}"#,
                br#"{"payload": "{\"to\":\"irc://h/c\",\"privmsg\":\"x\"}", "ts": 1700000000, "nonce": "n", "sig": "ab"}"#,
                br#"{"to": "matrix://h/!r:h", "privmsg": "x", "title": "t", "type": "failure", "format": "markdown"}"#,
            ],
            |b| {
                let _ = Request::parse(b);
                let _ = Received::parse(b);
                let _ = Reply::parse(&text(b));
            },
        );
    }

    #[test]
    fn irc_server_lines() {
        each(
            &[
                b":irc.example.net 005 vext CHANLIMIT=#:10 TARGMAX=PRIVMSG:4,JOIN: NICKLEN=30 CASEMAPPING=rfc1459 :are supported",
                b":irc.example.net CAP * LS :sasl=PLAIN,EXTERNAL multi-prefix",
                b"AUTHENTICATE +",
                b":n!u@h PRIVMSG #c :\x01ACTION waves\x01",
                b"PING :irc.example.net",
                b":irc.example.net 904 vext :SASL authentication failed",
            ],
            |b| {
                if let Ok(line) = std::str::from_utf8(b) {
                    let _ = crate::notify::irc::message::Message::parse(line);
                }
                let t = text(b);
                let lines = crate::notify::irc::line::text_lines(&t);
                assert!(lines.iter().all(|l| !l.contains(['\r', '\n', '\0'])), "{t:?}");
            },
        );
    }

    #[test]
    fn registry_challenges_and_http_replies() {
        each(
            &[
                br#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#,
                br#"Basic realm="Registry Realm", Bearer realm="https://r/t",error="invalid_token""#,
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n",
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}",
                b"Wed, 21 Oct 2015 07:28:00 GMT",
                b"120",
            ],
            |b| {
                let t = text(b);
                let _ = crate::images::registry::parse_challenges(&t);
                let _ = crate::net::http1::parse_http(b);
                let _ = crate::net::retry_after::retry_after(&t);
            },
        );
    }

    #[test]
    fn targets_image_references_and_versions() {
        each(
            &[
                b"ircs://bot:secret@irc.example.net:6697/%23ops,isnick?key=k",
                b"matrix://bot:pw@127.0.0.1:8008/%23ops:localhost",
                b"slack://T01/B02/secret",
                b"webhook+https://u:p@[::1]:8443/in?x=1#f",
                b"registry.example.org:5000/team/app:v1.25.3-alpine@sha256:0123456789abcdef",
                b"nginx",
                b"1.2.3-rc.1+build.5",
            ],
            |b| {
                let t = text(b);
                let _ = crate::notify::target::Target::parse(&t);
                let _ = crate::images::reference::ImageRef::parse(&t);
                let _ = crate::images::version::Version::parse(&t);
                let _ = crate::images::version::version_of(&t);
            },
        );
    }
}
