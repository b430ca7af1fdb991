//! `vext send`: one notification to one or more targets, delivered directly
//! (through [`crate::relay`]) or handed to a daemon (`--via`).

use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use crate::cli::SendArgs;
use crate::exit::{fail, Code};
use crate::irc::line::text_lines;
use crate::protocol::{new_id, Reply, Request};
use crate::relay::Relay;
use crate::target::Target;
use crate::Context;

/// The most text `vext send` reads from stdin.
const MAX_BODY: u64 = 1 << 20;

pub(crate) const DEFAULT_PORT: u16 = 6659;

pub(crate) fn run(args: SendArgs, ctx: &Context) -> Result<Code> {
    let file = &ctx.config.send;
    let timeout = args
        .timeout
        .or(file.timeout)
        .unwrap_or(crate::config::defaults::TIMEOUT);
    if !(timeout.is_finite() && timeout > 0.0 && timeout < 1e9) {
        return Err(fail(
            Code::Usage,
            format!("--timeout {timeout}: must be a positive number of seconds"),
        ));
    }
    let deadline = Instant::now() + Duration::from_secs_f64(timeout);

    // Every target is checked before anything is read or sent.
    let mut urls = Vec::new();
    let mut targets = Vec::new();
    let mut bad = 0;
    for arg in &args.targets {
        let url = match ctx.config.expand_target(arg) {
            Ok(u) => u,
            Err(e) => {
                eprintln!("vext: bad target {arg}: {e}");
                bad += 1;
                continue;
            }
        };
        match Target::parse(&url) {
            Ok(t) => {
                urls.push(url);
                targets.push(t);
            }
            Err(e) => {
                eprintln!(
                    "vext: bad target URL {}: {e}",
                    crate::config::redact_url(&url)
                );
                bad += 1;
            }
        }
    }
    if bad > 0 {
        return Err(fail(
            Code::Usage,
            format!(
                "{bad} bad target{}; nothing was sent",
                if bad == 1 { "" } else { "s" }
            ),
        ));
    }

    let text = read_body(args.message.as_deref())?;
    let via = args.via.clone().or_else(|| file.via.clone());
    let request = Request {
        to: urls,
        privmsg: text,
        id: (via.is_some() && !args.no_ack).then(|| args.id.clone().unwrap_or_else(new_id)),
        ack: via.is_some() && !args.no_ack,
    };
    let secret = match &args.secret_file {
        Some(path) => Some(crate::protocol::read_secret(path)?),
        None => None,
    };
    if args.dry_run {
        let line = request_line(&request, secret.as_deref());
        let mut out = std::io::stdout().lock();
        return match writeln!(out, "{line}") {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
            _ => Ok(Code::Ok),
        };
    }
    match via {
        Some(addr) => send_via(&addr, &request, secret.as_deref(), deadline),
        None => {
            let nick = args.nick.clone().or_else(|| file.nick.clone());
            let ca = args.ca_file.clone().or_else(|| file.ca_file.clone());
            send_direct(&targets, &request.privmsg, nick, ca, deadline, timeout)
        }
    }
}

fn read_body(message: Option<&str>) -> Result<String> {
    let text = match message {
        Some(m) => m.to_string(),
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Err(fail(
                    Code::Usage,
                    "no message: give -m TEXT or pipe the text on stdin",
                ));
            }
            let mut buf = Vec::new();
            stdin
                .lock()
                .take(MAX_BODY + 1)
                .read_to_end(&mut buf)
                .context("reading the message from stdin")?;
            if buf.len() as u64 > MAX_BODY {
                return Err(fail(
                    Code::DataErr,
                    format!("the message on stdin is longer than {MAX_BODY} bytes"),
                ));
            }
            String::from_utf8(buf).map_err(|e| {
                fail(
                    Code::DataErr,
                    format!(
                        "the message on stdin is not UTF-8 (invalid byte at offset {})",
                        e.utf8_error().valid_up_to()
                    ),
                )
            })?
        }
    };
    if text_lines(&text).is_empty() {
        return Err(fail(Code::Usage, "the message is empty"));
    }
    Ok(text)
}

/// `HOST[:PORT]` with irker's port by default.
pub(crate) fn daemon_addr(addr: &str) -> Result<(String, u16)> {
    let addr = addr.trim();
    let bad = || fail(Code::Usage, format!("--via {addr:?}: expected HOST[:PORT]"));
    if let Some(rest) = addr.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| bad())?,
            None if after.is_empty() => DEFAULT_PORT,
            None => return Err(bad()),
        };
        return Ok((host.to_string(), port));
    }
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => {
            let port: u16 = port.parse().map_err(|_| bad())?;
            if host.is_empty() || port == 0 {
                return Err(bad());
            }
            Ok((host.to_string(), port))
        }
        Some(_) => Ok((addr.to_string(), DEFAULT_PORT)),
        None if !addr.is_empty() => Ok((addr.to_string(), DEFAULT_PORT)),
        None => Err(bad()),
    }
}

fn send_via(
    addr: &str,
    request: &Request,
    secret: Option<&[u8]>,
    deadline: Instant,
) -> Result<Code> {
    let (host, port) = daemon_addr(addr)?;
    let stream = crate::irc::transport::connect_tcp(&host, port, deadline).map_err(|e| {
        let refused = e
            .chain()
            .filter_map(|c| c.downcast_ref::<std::io::Error>())
            .any(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
        if refused {
            fail(
                Code::Unavailable,
                format!("no daemon at {host}:{port} (connection refused)"),
            )
        } else {
            e.context(format!("connecting to the daemon at {host}:{port}"))
        }
    })?;
    let mut writer = &stream;
    let mut line = request_line(request, secret);
    line.push('\n');
    writer
        .write_all(line.as_bytes())
        .with_context(|| format!("sending to the daemon at {host}:{port}"))?;
    if !request.ack {
        let _ = stream.shutdown(std::net::Shutdown::Write);
        return Ok(Code::Ok);
    }
    let left = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    stream.set_read_timeout(Some(left))?;
    let mut reply = String::new();
    let read = BufReader::new(&stream)
        .take(64 * 1024)
        .read_line(&mut reply);
    match read {
        Ok(0) => Err(fail(Code::Unavailable, format!("the daemon at {host}:{port} closed the connection without a reply (is it irkerd? use --no-ack)"))),
        Ok(_) => match Reply::parse(&reply) {
            Ok(Reply::Ok { id }) => {
                log::info!("queued as {id}");
                Ok(Code::Ok)
            }
            Ok(Reply::Err { error }) => Err(fail(Code::Unavailable, format!("the daemon at {host}:{port} refused the notification: {error}"))),
            Err(e) => Err(fail(Code::Unavailable, format!("unexpected reply from {host}:{port}: {e}"))),
        },
        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
            Err(fail(Code::TempFail, format!("no reply from the daemon at {host}:{port} before the timeout")))
        }
        Err(e) => Err(e).with_context(|| format!("reading the reply from {host}:{port}")),
    }
}

/// The line `--via` sends: the request, signed when there is a secret.
fn request_line(request: &Request, secret: Option<&[u8]>) -> String {
    match secret {
        Some(secret) => {
            crate::protocol::sign_line(secret, &request.to_line(), crate::spool::now_ms() / 1000)
        }
        None => request.to_line(),
    }
}

/// A default nick like irkerd's: a fixed stem and three random digits.
pub(crate) fn default_nick() -> String {
    format!("vext{:03}", fastrand::u32(0..1000))
}

fn send_direct(
    targets: &[Target],
    text: &str,
    nick: Option<String>,
    ca_file: Option<PathBuf>,
    deadline: Instant,
    timeout: f64,
) -> Result<Code> {
    let settings = crate::irc::Settings {
        nick: nick.unwrap_or_else(default_nick),
        username: "vext".into(),
        realname: "vext notification".into(),
        nickserv_password: None,
        tls: crate::tls::client_config(ca_file.as_deref())?,
        burst: f64::from(crate::config::defaults::BURST),
        line_rate: crate::config::defaults::LINE_RATE,
        connect_timeout: deadline.saturating_duration_since(Instant::now()),
        channel_ttl: Duration::from_secs(3600),
        connection_ttl: Duration::from_secs(3600),
        keepalive: Duration::from_secs(60),
        reconnect: false,
        default_chanlimit: 18,
    };
    let relay = Relay::new(settings);
    let (tx, rx) = mpsc::channel();
    let lines: Arc<[String]> = text_lines(text).into();
    relay.submit(
        targets,
        lines,
        None,
        Arc::new(move |i, result| {
            let _ = tx.send((i, result));
        }),
    );
    let mut results = vec![None; targets.len()];
    let mut pending = targets.len();
    while pending > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((i, result)) => {
                if results[i].is_none() {
                    pending -= 1;
                }
                results[i] = Some(result);
            }
            Err(_) => break,
        }
    }
    let quit_by = (Instant::now() + Duration::from_secs(2))
        .min(deadline.max(Instant::now() + Duration::from_millis(200)));
    relay.shutdown("vext", quit_by);
    let mut worst = Code::Ok;
    for (t, r) in targets.iter().zip(results) {
        let code = match r {
            Some(Ok(())) => Code::Ok,
            Some(Err(e)) => {
                eprintln!("vext: {t}: {}", e.message);
                e.code
            }
            None => {
                eprintln!("vext: {t}: not delivered within the {timeout}s timeout");
                Code::TempFail
            }
        };
        worst = worst.max(code);
    }
    Ok(worst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daemon_addresses() {
        assert_eq!(
            daemon_addr("localhost").unwrap(),
            ("localhost".into(), 6659)
        );
        assert_eq!(
            daemon_addr("127.0.0.1:7000").unwrap(),
            ("127.0.0.1".into(), 7000)
        );
        assert_eq!(daemon_addr("[::1]:7000").unwrap(), ("::1".into(), 7000));
        assert_eq!(daemon_addr("[::1]").unwrap(), ("::1".into(), 6659));
        assert!(daemon_addr("h:x").is_err());
        assert!(daemon_addr(":7000").is_err());
        assert!(daemon_addr("").is_err());
    }
}
