//! `vext send`: one notification to one or more targets, delivered directly
//! (through [`crate::notify::delivery`]) or handed to a daemon (`--via`).

use std::io::{IsTerminal, Read, Write};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use crate::cli::SendArgs;
use crate::context::Context;
use crate::exit::{fail, Code};
use crate::notify::delivery as relay;
use crate::notify::irc::line::text_lines;
use crate::notify::irker::client;
use crate::notify::irker::protocol::{new_id, Request};
use crate::notify::notice::NoticeType;
use crate::notify::target::Target;

/// The most text `vext send` reads from stdin.
const MAX_BODY: u64 = 1 << 20;

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
                if let Target::Matrix(m) = &t {
                    if m.password.is_some() {
                        log::warn!("{m}: a password in the URL shows in process lists; prefer password_file in the config");
                    }
                }
                let mut t = ctx.config.configure(t);
                if let (Target::Matrix(m), Some(file)) = (&mut t, &args.matrix_token_file) {
                    let token = std::fs::read_to_string(file).map_err(|e| {
                        fail(
                            Code::Config,
                            format!("reading --matrix-token-file {}: {e}", file.display()),
                        )
                    })?;
                    m.token = Some(token.trim().to_string());
                }
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
        title: args.title.clone(),
        format: args.format.clone(),
        msgtype: args.msgtype.clone(),
        kind: match &args.kind {
            Some(k) => {
                Some(NoticeType::parse(k).map_err(|e| fail(Code::Usage, format!("--type: {e}")))?)
            }
            None => None,
        },
    };
    let secret = match &args.secret_file {
        Some(path) => Some(crate::notify::irker::protocol::read_secret(path)?),
        None => None,
    };
    if args.dry_run {
        let line = client::request_line(&request, secret.as_deref());
        let mut out = std::io::stdout().lock();
        return match writeln!(out, "{line}") {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
            _ => Ok(Code::Ok),
        };
    }
    match via {
        Some(addr) => client::send(&addr, &request, secret.as_deref(), deadline),
        None => {
            let nick = args.nick.clone().or_else(|| file.nick.clone());
            let ca = args.ca_file.clone().or_else(|| file.ca_file.clone());
            let notice = request.notice(None);
            relay::send_now(&targets, &notice, nick, ca.as_deref(), deadline, timeout)
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
