//! `vext daemon`: the relay. irker's JSON protocol on TCP and UDP (same
//! port), each TCP client on its own thread, deliveries through the shared
//! [`crate::relay`], and a bounded drain on SIGTERM/SIGINT.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use crate::cli::DaemonArgs;
use crate::config::defaults;
use crate::exit::{fail, Code};
use crate::irc::line::text_lines;
use crate::protocol::{new_id, Reply, Request, MAX_REQUEST};
use crate::relay::Relay;
use crate::target::Target;
use crate::Context;

/// TCP clients served at once; more are refused (each has a thread).
const MAX_CLIENTS: usize = 1024;

/// An idle TCP client is dropped after this long.
const CLIENT_IDLE: Duration = Duration::from_secs(600);

struct Shared {
    relay: Relay,
    /// Deliveries (one per target) accepted and not yet confirmed or failed.
    outstanding: Arc<AtomicUsize>,
    stopping: AtomicBool,
}

pub(crate) fn run(args: DaemonArgs, ctx: &Context) -> Result<Code> {
    let file = &ctx.config.daemon;
    let listen = args
        .listen
        .clone()
        .or_else(|| file.listen.clone())
        .unwrap_or_else(|| defaults::LISTEN.into());
    let nickserv_file = args
        .nickserv_password_file
        .clone()
        .or_else(|| file.nickserv_password_file.clone());
    let nickserv_password = match nickserv_file {
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                fail(
                    Code::Config,
                    format!("reading the NickServ password file {}: {e}", path.display()),
                )
            })?;
            let pass = text.trim().to_string();
            if pass.is_empty() || pass.contains(['\r', '\n', '\0']) {
                return Err(fail(
                    Code::Config,
                    format!(
                        "{}: the NickServ password must be one non-empty line",
                        path.display()
                    ),
                ));
            }
            Some(pass)
        }
        None => None,
    };
    let burst = args.burst.or(file.burst).unwrap_or(defaults::BURST);
    let line_rate = args
        .line_rate
        .or(file.line_rate)
        .unwrap_or(defaults::LINE_RATE);
    if burst == 0 || !(line_rate.is_finite() && line_rate > 0.0) {
        return Err(fail(
            Code::Usage,
            "--burst must be at least 1 and --line-rate above 0",
        ));
    }
    let drain = args
        .drain_timeout
        .or(file.drain_timeout)
        .unwrap_or(defaults::DRAIN_TIMEOUT);
    if !(drain.is_finite() && drain >= 0.0) {
        return Err(fail(
            Code::Usage,
            "--drain-timeout must be a number of seconds",
        ));
    }
    let settings = crate::irc::Settings {
        nick: args
            .nick
            .clone()
            .or_else(|| file.nick.clone())
            .unwrap_or_else(crate::send::default_nick),
        username: "vext".into(),
        realname: "vext relay".into(),
        nickserv_password,
        tls: crate::tls::client_config(args.ca_file.as_deref().or(file.ca_file.as_deref()))?,
        burst: f64::from(burst),
        line_rate,
        connect_timeout: Duration::from_secs(30),
        channel_ttl: Duration::from_secs(
            args.channel_ttl
                .or(file.channel_ttl)
                .unwrap_or(defaults::CHANNEL_TTL),
        ),
        connection_ttl: Duration::from_secs(
            args.connection_ttl
                .or(file.connection_ttl)
                .unwrap_or(defaults::CONNECTION_TTL),
        ),
        keepalive: Duration::from_secs(120),
        reconnect: true,
        default_chanlimit: 18,
    };

    let (tcp, udp) = bind(&listen)?;
    let tcp_addr = tcp.local_addr()?;
    let udp_addr = udp.local_addr()?;
    let shared = Arc::new(Shared {
        relay: Relay::new(settings),
        outstanding: Arc::new(AtomicUsize::new(0)),
        stopping: AtomicBool::new(false),
    });

    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ])
    .context("installing signal handlers")?;
    {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("tcp-accept".into())
            .spawn(move || accept_loop(tcp, shared))?;
    }
    {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("udp".into())
            .spawn(move || udp_loop(udp, shared))?;
    }
    eprintln!("listening tcp={tcp_addr} udp={udp_addr}");

    let signal = signals
        .forever()
        .next()
        .unwrap_or(signal_hook::consts::SIGTERM);
    shared.stopping.store(true, Ordering::SeqCst);
    let queued = shared.outstanding.load(Ordering::SeqCst);
    log::info!("signal {signal}: draining {queued} deliveries (at most {drain}s)");
    let until = Instant::now() + Duration::from_secs_f64(drain);
    while shared.outstanding.load(Ordering::SeqCst) > 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    let left = shared.outstanding.load(Ordering::SeqCst);
    if left > 0 {
        log::warn!("{left} deliveries not confirmed when the drain time ran out");
    }
    shared.relay.shutdown(
        "vext relay shutting down",
        Instant::now() + Duration::from_secs(2),
    );
    log::info!("stopped");
    Ok(Code::Ok)
}

/// Binds TCP and UDP on the same address; with port 0, a port free for both.
fn bind(listen: &str) -> Result<(TcpListener, UdpSocket)> {
    let addrs: Vec<SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(listen)
        .map_err(|e| fail(Code::Usage, format!("--listen {listen:?}: {e}")))?
        .collect();
    let addr = *addrs
        .first()
        .ok_or_else(|| fail(Code::Usage, format!("--listen {listen:?}: no address")))?;
    let mut last_err = None;
    for _ in 0..20 {
        let tcp = TcpListener::bind(addr).map_err(|e| bind_error(listen, "TCP", e))?;
        let port = tcp.local_addr()?.port();
        let mut udp_addr = addr;
        udp_addr.set_port(port);
        match UdpSocket::bind(udp_addr) {
            Ok(udp) => return Ok((tcp, udp)),
            Err(e) if addr.port() == 0 => last_err = Some(e),
            Err(e) => return Err(bind_error(listen, "UDP", e)),
        }
    }
    Err(bind_error(
        listen,
        "UDP",
        last_err.unwrap_or_else(|| std::io::Error::from(std::io::ErrorKind::AddrInUse)),
    ))
}

fn bind_error(listen: &str, proto: &str, e: std::io::Error) -> anyhow::Error {
    let code = match e.kind() {
        std::io::ErrorKind::AddrInUse => Code::Unavailable,
        std::io::ErrorKind::PermissionDenied => Code::NoPerm,
        _ => Code::Usage,
    };
    fail(code, format!("cannot listen on {listen} ({proto}): {e}"))
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let clients = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                if clients.load(Ordering::SeqCst) >= MAX_CLIENTS {
                    log::warn!(
                        "{}: refused, already {MAX_CLIENTS} clients connected",
                        stream
                            .peer_addr()
                            .map_or_else(|_| "?".into(), |a| a.to_string())
                    );
                    continue;
                }
                clients.fetch_add(1, Ordering::SeqCst);
                let shared = shared.clone();
                let clients = clients.clone();
                let spawned = std::thread::Builder::new()
                    .name("client".into())
                    .stack_size(128 * 1024)
                    .spawn(move || {
                        serve_client(stream, &shared);
                        clients.fetch_sub(1, Ordering::SeqCst);
                    });
                if let Err(e) = spawned {
                    log::error!("cannot start a client thread: {e}");
                }
            }
            Err(e) => {
                log::warn!("accept failed: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

fn serve_client(stream: TcpStream, shared: &Shared) {
    let peer = stream
        .peer_addr()
        .map_or_else(|_| "?".to_string(), |a| a.to_string());
    let _ = stream.set_read_timeout(Some(CLIENT_IDLE));
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(e) => {
            log::warn!("{peer}: {e}");
            return;
        }
    };
    let mut reader = BufReader::new(stream);
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        let n = match reader
            .by_ref()
            .take(MAX_REQUEST as u64 + 1)
            .read_until(b'\n', &mut buf)
        {
            Ok(n) => n,
            Err(e) => {
                log::debug!("{peer}: {e}");
                return;
            }
        };
        if n == 0 {
            return;
        }
        if buf.len() > MAX_REQUEST && buf.last() != Some(&b'\n') {
            log::warn!("{peer}: request longer than {MAX_REQUEST} bytes, skipped");
            if skip_line(&mut reader).is_err() {
                return;
            }
            continue;
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if let Some(reply) = handle(&buf, &peer, shared) {
            let mut line = reply.to_line();
            line.push('\n');
            if writer.write_all(line.as_bytes()).is_err() {
                return;
            }
        }
    }
}

/// Discards the rest of an overlong line.
fn skip_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        if let Some(i) = buf.iter().position(|&b| b == b'\n') {
            reader.consume(i + 1);
            return Ok(());
        }
        let n = buf.len();
        reader.consume(n);
    }
}

fn udp_loop(socket: UdpSocket, shared: Arc<Shared>) {
    let mut buf = vec![0u8; 65536];
    loop {
        let (n, peer) = match socket.recv_from(&mut buf) {
            Ok(r) => r,
            Err(e) => {
                log::warn!("UDP receive failed: {e}");
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let peer = peer.to_string();
        for line in buf[..n].split(|&b| b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            // UDP clients get no reply, even when they ask for one.
            let _ = handle(line, &peer, &shared);
        }
    }
}

/// Accepts one request line; the reply is for clients that asked for an ack.
fn handle(line: &[u8], peer: &str, shared: &Shared) -> Option<Reply> {
    let request = match Request::parse(line) {
        Ok(r) => r,
        Err(e) => {
            log::warn!("{peer}: bad request skipped: {e}");
            // Without a parsed request we cannot know whether an ack was asked for;
            // answer when the line looks like one of ours.
            return looks_like_ack(line).then_some(Reply::Err { error: e });
        }
    };
    let ack = request.ack;
    match accept(request, peer, shared) {
        Ok(id) => ack.then_some(Reply::Ok { id }),
        Err(error) => {
            log::warn!("{peer}: request refused: {error}");
            ack.then_some(Reply::Err { error })
        }
    }
}

fn looks_like_ack(line: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(line)
        .ok()
        .and_then(|v| v.get("ack").and_then(serde_json::Value::as_bool))
        .unwrap_or(false)
}

fn accept(request: Request, peer: &str, shared: &Shared) -> Result<String, String> {
    if shared.stopping.load(Ordering::SeqCst) {
        return Err("the daemon is shutting down".into());
    }
    let mut targets = Vec::with_capacity(request.to.len());
    for url in &request.to {
        let t = Target::parse(url)
            .map_err(|e| format!("bad target URL {}: {e}", crate::config::redact_url(url)))?;
        targets.push(t);
    }
    let lines: Arc<[String]> = text_lines(&request.privmsg).into();
    if lines.is_empty() {
        return Err("empty privmsg".into());
    }
    let id = request.id.clone().unwrap_or_else(new_id);
    log::debug!("{peer}: {id} for {} target(s)", targets.len());
    shared
        .outstanding
        .fetch_add(targets.len(), Ordering::SeqCst);
    let shown: Vec<String> = targets.iter().map(Target::to_string).collect();
    let counter = shared.outstanding.clone();
    let msg_id = id.clone();
    shared.relay.submit(
        &targets,
        lines,
        Arc::new(move |i, result| {
            counter.fetch_sub(1, Ordering::SeqCst);
            match result {
                Ok(()) => log::info!("{msg_id}: delivered to {}", shown[i]),
                Err(e) if e.permanent => {
                    log::warn!("{msg_id}: {}: {} (permanent)", shown[i], e.message)
                }
                Err(e) => log::warn!("{msg_id}: {}: {}", shown[i], e.message),
            }
        }),
    );
    Ok(id)
}
