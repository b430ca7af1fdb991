//! `vext send`: one notification to one or more targets, delivered directly
//! (through [`crate::notify::delivery`]) or handed to a daemon (`--via`).

use std::io::{IsTerminal, Read, Write};
use std::time::Instant;

use anyhow::{Context as _, Result};

use crate::cli::SendArgs;
use crate::config::Context;
use crate::exit::{fail, Code};
use crate::notify::destination::Destination;
use crate::notify::irc::line::text_lines;
use crate::notify::notice::Notice;
use crate::notify::sender::Sender;
use crate::settings::send::SendSettings;
use crate::settings::DeliveryFlags;

/// The most text `vext send` reads from stdin.
const MAX_BODY: u64 = 1 << 20;

pub(crate) fn run(args: SendArgs, ctx: &Context) -> Result<Code> {
    let settings = SendSettings::resolve(&args, &ctx.config)?;
    let deadline = Instant::now() + settings.timeout.value;

    // Every target is checked before anything is read or sent.
    let (urls, mut targets) = crate::settings::targets(ctx, &args.targets, "target")?;
    if let Some(file) = &args.matrix_token_file {
        // Checked as every secret file is: private, one line.
        let token = crate::settings::read_one_line(file, "Matrix token")?;
        for t in &mut targets {
            if let Destination::Matrix(m) = t {
                m.token = Some(token.clone());
            }
        }
    }
    let sender = crate::settings::sender(
        ctx,
        &DeliveryFlags {
            // Resolved already: no daemon is the empty address.
            via: Some(settings.via.value.as_deref().unwrap_or("")),
            no_ack: args.no_ack,
            secret_file: args.secret_file.as_deref(),
            nick: settings.nick.value.as_deref(),
            ca_file: settings.ca_file.value.as_deref(),
            client_cert: settings.client_cert.value.as_deref(),
            client_key: settings.client_key.value.as_deref(),
            notice: settings.notice.value,
            state_dir: None,
        },
    )?;
    let notice = Notice {
        text: read_body(args.message.as_deref())?,
        title: args.title.clone(),
        kind: args.kind,
        format: args.format,
        msgtype: args.msgtype,
        // The idempotency id a daemon de-duplicates by.
        id: match &sender {
            Sender::Daemon(_) => args.id.clone(),
            Sender::Direct(_) => None,
        },
    };
    if args.dry_run {
        let line = sender.request_line(&urls, &notice);
        let mut out = std::io::stdout().lock();
        crate::exit::stdout_wrote(writeln!(out, "{line}"))?;
        return Ok(Code::Ok);
    }
    sender.send(&urls, &targets, &notice, deadline)
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
