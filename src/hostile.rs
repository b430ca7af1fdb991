//! Hostile input, generated: every parser that reads what a stranger can
//! send is fed thousands of mutations of valid inputs (bit flips, cut and
//! repeated pieces, control bytes, half characters, nesting) and must
//! answer each without a panic, within a time bound (a watchdog stops the
//! run on an input still being handled after `HANG`) and an allocation bound
//! (`MAX_GROWTH` more live heap on the handling thread than before the
//! input). The stable-toolchain stand-in for `cargo fuzz`; a seed that finds
//! a crash is printed, to become a regression case. Test-only.

use std::time::{Duration, Instant};

/// An input still being handled after this long is a hang.
pub(crate) const HANG: Duration = Duration::from_secs(60);

/// The most heap one input may make its handler hold at once.
pub(crate) const MAX_GROWTH: usize = 256 << 20;

/// Inputs derived from `seeds`: each round picks a seed and applies one to
/// four mutations; the same `seed` gives the same inputs.
#[allow(clippy::too_many_lines)] // the table of spice bytes and the mutation kinds read best side by side
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

/// How long each entry point is fed (`VEXT_HOSTILE_SECONDS`, for `make fuzz
/// FUZZ_MINUTES=10`): batches of `rounds()` inputs from seed after seed
/// until the time is up. Unset: one batch.
fn seconds() -> Option<Duration> {
    std::env::var("VEXT_HOSTILE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
}

/// Feeds `f` mutations of `seeds`, under the watchdog and the allocation
/// bound; `what` names the entry point in failures and in the figures
/// printed at the end (`make fuzz` shows them).
pub(crate) fn each(what: &str, seeds: &[&[u8]], f: impl Fn(&[u8])) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    // The input in hand: its seed, index, start and bytes.
    type InHand = Option<(u64, usize, Instant, Vec<u8>)>;
    let current: Arc<Mutex<InHand>> = Arc::new(Mutex::new(None));
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let (current, done) = (current.clone(), done.clone());
        let what = what.to_string();
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let hand = current.lock().unwrap_or_else(|p| p.into_inner());
                if let Some((seed, i, started, input)) = hand.as_ref() {
                    if started.elapsed() > HANG {
                        eprintln!(
                            "{what}: input {i} of seed {seed} still handled after {HANG:?}: {:?}",
                            String::from_utf8_lossy(input)
                        );
                        std::process::abort();
                    }
                }
            }
        })
    };
    let begun = Instant::now();
    let (mut count, mut slowest, mut largest) = (0usize, Duration::ZERO, 0usize);
    let mut batch_seed = seed();
    loop {
        for (i, input) in mutations(seeds, rounds(), batch_seed).iter().enumerate() {
            let started = Instant::now();
            *current.lock().unwrap_or_else(|p| p.into_inner()) =
                Some((batch_seed, i, started, input.clone()));
            let grew = held(|| f(input));
            count += 1;
            slowest = slowest.max(started.elapsed());
            largest = largest.max(grew);
            assert!(
                grew <= MAX_GROWTH,
                "{what}: input {i} of seed {batch_seed} made its handler hold {} MiB: {:?}",
                grew >> 20,
                String::from_utf8_lossy(input)
            );
        }
        match seconds() {
            Some(budget) if begun.elapsed() < budget => batch_seed = batch_seed.wrapping_add(1),
            _ => break,
        }
    }
    done.store(true, Ordering::Relaxed);
    let _ = watchdog.join();
    eprintln!(
        "{what}: {count} inputs in {:.0} s (seeds {}..={batch_seed}), slowest {:.1} ms, most heap held {:.1} MiB",
        begun.elapsed().as_secs_f64(),
        seed(),
        slowest.as_secs_f64() * 1000.0,
        largest as f64 / (1 << 20) as f64
    );
}

/// The most heap `f` held at once beyond what was live before it, on this
/// thread.
pub(crate) fn held(f: impl FnOnce()) -> usize {
    let base = counting::start();
    f();
    counting::peak().saturating_sub(base)
}

/// Live heap per thread, for the allocation bound: the test binary's
/// allocator counts what each thread holds and the most it held since
/// `start`.
#[cfg(test)]
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static LIVE: Cell<usize> = const { Cell::new(0) };
        static PEAK: Cell<usize> = const { Cell::new(0) };
    }

    /// Starts a measurement: returns the live heap now.
    pub(super) fn start() -> usize {
        let live = LIVE.try_with(Cell::get).unwrap_or(0);
        let _ = PEAK.try_with(|p| p.set(live));
        live
    }

    pub(super) fn peak() -> usize {
        PEAK.try_with(Cell::get).unwrap_or(0)
    }

    fn add(n: usize) {
        let _ = LIVE.try_with(|l| {
            let v = l.get().saturating_add(n);
            l.set(v);
            let _ = PEAK.try_with(|p| p.set(p.get().max(v)));
        });
    }

    fn sub(n: usize) {
        let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(n)));
    }

    struct Counting;

    #[global_allocator]
    static ALLOCATOR: Counting = Counting;

    // SAFETY: every call is passed on to the system allocator unchanged;
    // the counting touches only const-initialised thread-locals, which
    // never allocate.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's contract is the system allocator's.
            let p = unsafe { System.alloc(layout) };
            if !p.is_null() {
                add(layout.size());
            }
            p
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: as for alloc.
            let p = unsafe { System.alloc_zeroed(layout) };
            if !p.is_null() {
                add(layout.size());
            }
            p
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: as for alloc.
            unsafe { System.dealloc(ptr, layout) };
            sub(layout.size());
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: as for alloc.
            let p = unsafe { System.realloc(ptr, layout, new_size) };
            if !p.is_null() {
                sub(layout.size());
                add(new_size);
            }
            p
        }
    }

    #[test]
    fn the_allocation_bound_sees_what_a_handler_holds() {
        let base = start();
        let big = vec![1u8; 8 << 20];
        assert!(peak() - base >= 8 << 20);
        drop(big);
        let base = start();
        assert_eq!(peak(), base, "a fresh measurement starts from what is live");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::irker::protocol::{Received, Reply, Request};

    fn text(b: &[u8]) -> String {
        String::from_utf8_lossy(b).into_owned()
    }

    #[test]
    fn irker_requests_envelopes_and_replies() {
        each(
            "irker",
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
            "irc lines",
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
    fn registry_challenges_http_replies_and_requests() {
        each(
            "registry replies and HTTP requests",
            &[
                br#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#,
                br#"Basic realm="Registry Realm", Bearer realm="https://r/t",error="invalid_token""#,
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n",
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}",
                b"POST /v1/notify HTTP/1.1\r\nX-Vext-Timestamp: 1700000000\r\nX-Vext-Nonce: n\r\nX-Vext-Signature: ab\r\nContent-Length: 2\r\n\r\n{}",
                b"POST /v1/notify HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                b"Wed, 21 Oct 2015 07:28:00 GMT",
                b"120",
                b"0",
                b"99999999999999999999999999",
                br#"</v2/x/tags/list?n=1000&last=b>; rel="next""#,
                br#"<https://elsewhere/v2/x/tags/list>; rel="next", <>; rel="prev""#,
            ],
            |b| {
                let t = text(b);
                let _ = crate::images::registry::parse_challenges(&t);
                let _ = crate::net::http1::parse_http(b);
                let _ = crate::images::registry::next_link(&t);
                // Whatever a server asks, the wait has our floor and a cap.
                let asked = crate::net::retry_after::retry_after(&t);
                let floor = Duration::from_secs(1);
                let wait = crate::net::backoff::Backoff::new(floor, 60 * floor).after(asked);
                assert!(wait >= floor.mul_f64(0.75), "{t:?}: {wait:?}");
                assert!(wait <= crate::net::backoff::MAX_ASKED.max(60 * floor), "{t:?}");
                // The same bytes as a request to the daemon's HTTP side.
                let mut r = std::io::BufReader::new(b);
                if let Ok(head) = crate::net::http1::read_head(&mut r, 16 * 1024) {
                    let _ = crate::net::http1::read_body(&mut r, &head, 64 * 1024);
                }
            },
        );
    }

    #[test]
    fn targets_image_references_and_versions() {
        each(
            "targets and references",
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
                let _ = crate::notify::destination::Destination::parse(&t);
                let _ = crate::images::reference::ImageRef::parse(&t);
                let _ = crate::images::version::Version::parse(&t);
                let _ = crate::images::version::version_of(&t);
            },
        );
    }

    /// What the Docker engine and the Kubernetes API answer, read by
    /// `vext update` to rebuild a container and to judge a rollout.
    #[test]
    fn engine_and_cluster_replies() {
        each(
            "engine and cluster replies",
            &[
                br#"{"Id":"0123456789abcdef0123","Name":"/web","Config":{"Hostname":"0123456789ab","Env":["A=1","PATH=/bin"],"Cmd":["httpd","-f"],"Labels":{"a":"b"},"ExposedPorts":{"80/tcp":{}},"Volumes":{"/data":{}},"Healthcheck":{"Test":["CMD","true"]}},"HostConfig":{"NetworkMode":"front","Binds":["/a:/b:ro"],"Mounts":[{"Target":"/c"}],"PortBindings":{"80/tcp":[{"HostPort":"8080"}]},"RestartPolicy":{"Name":"always"}},"NetworkSettings":{"Networks":{"front":{"Aliases":["web","0123456789ab"],"IPAMConfig":{"IPv4Address":"10.0.0.5"}},"bridge":{}}},"Mounts":[{"Type":"volume","Name":"data","Destination":"/data","RW":false}],"State":{"Status":"running","Health":{"Status":"healthy"}},"RestartCount":0}"#,
                br#"{"Id":"ab","Config":{},"HostConfig":{"NetworkMode":"container:db"},"NetworkSettings":{"Networks":{}}}"#,
                br#"{"metadata":{"generation":3},"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"a","image":"x:1"}]}}},"status":{"observedGeneration":3,"replicas":3,"updatedReplicas":2,"availableReplicas":2,"conditions":[{"type":"Progressing","reason":"ProgressDeadlineExceeded"}]}}"#,
                br#"{"metadata":{"generation":2},"spec":{"replicas":3,"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":1}}},"status":{"observedGeneration":2,"readyReplicas":3,"updatedReplicas":2,"currentRevision":"a","updateRevision":"b","desiredNumberScheduled":3,"updatedNumberScheduled":1,"numberAvailable":3}}"#,
            ],
            |b| {
                let Ok(v) = serde_json::from_slice::<serde_json::Value>(b) else {
                    return;
                };
                use crate::images::update::{docker, kube};
                let _ = docker::without_downtime(&v);
                let _ = docker::planned_steps(&v);
                let _ = docker::create_body(&v, &v, "reg:5000/web:2", (1, 43));
                let _ = docker::create_body(&v, &serde_json::Value::Null, "web:2", (1, 44));
                for kind in ["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Pod"] {
                    let _ = kube::rollout_status(kind, &v);
                }
            },
        );
    }

    /// A stranger's text and title, rendered for every back-end: IRC lines,
    /// the Matrix event, each webhook kind's JSON.
    #[test]
    fn notices_rendered_for_every_back_end() {
        use crate::notify::destination::Destination;
        use crate::notify::notice::{Notice, NoticeType};
        let webhooks: Vec<_> = [
            "slack://T0/B0/secret",
            "discord://1/token",
            "mattermost://h/hooks/k",
            "webhook+https://h/in",
        ]
        .iter()
        .filter_map(|u| match Destination::parse(u) {
            Ok(Destination::Webhook(w)) => Some(w),
            _ => None,
        })
        .collect();
        assert_eq!(webhooks.len(), 4);
        each(
            "notices",
            &[
                b"deploy *web* 1.2 -> 1.3 [log](https://ci/1)\n```\ncode\n```",
                b"\x02bold\x02 \x0304red\x03 \x1b[31mansi\x1b[0m <b>&amp;</b>",
                "long line \u{1F680} caf\u{e9} ".repeat(40).as_bytes(),
            ],
            |b| {
                let t = text(b);
                let n = Notice {
                    text: t.clone(),
                    title: Some(t.chars().take(40).collect()),
                    kind: Some(NoticeType::Failure),
                    format: None,
                    msgtype: None,
                    id: None,
                };
                for line in crate::notify::irc::line::text_lines(&t) {
                    let _ = crate::notify::irc::line::split_to_fit(&line, 40);
                }
                use crate::notify::notice::{Format, MsgType};
                for format in [Some(Format::Markdown), Some(Format::Html), None] {
                    let _ = crate::notify::matrix::content(&n, format, Some(MsgType::Text));
                }
                for w in &webhooks {
                    let body = w.body(&n);
                    assert!(
                        serde_json::from_str::<serde_json::Value>(&body).is_ok(),
                        "{body}"
                    );
                }
            },
        );
    }
}
