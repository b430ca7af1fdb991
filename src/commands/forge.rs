//! `vext forge test`: a saved webhook payload read, routed and rendered
//! the way the daemon's forge endpoints would, printed instead of sent.

use std::io::{Read, Write};

use anyhow::Result;

use crate::cli::ForgeTestArgs;
use crate::config::Context;
use crate::exit::{fail, Code};
use crate::forge::route::Routes;
use crate::forge::{render, What, BODY_BYTES};

pub(crate) fn test(args: &ForgeTestArgs, ctx: &Context) -> Result<Code> {
    let routes = Routes::new(&ctx.config.forge, |t| ctx.config.expand_target(t))
        .map_err(|e| fail(Code::Config, e))?;
    let shown = args.file.display().to_string();
    let mut body = Vec::new();
    let read = if shown == "-" {
        std::io::stdin()
            .take(BODY_BYTES as u64 + 1)
            .read_to_end(&mut body)
    } else {
        std::fs::File::open(&args.file)
            .and_then(|f| f.take(BODY_BYTES as u64 + 1).read_to_end(&mut body))
    };
    read.map_err(|e| fail(Code::DataErr, format!("reading {shown}: {e}")))?;
    if body.len() > BODY_BYTES {
        return Err(fail(
            Code::DataErr,
            format!("{shown}: longer than {BODY_BYTES} bytes (the daemon refuses it with 413)"),
        ));
    }
    let event_name = args
        .event
        .as_deref()
        .unwrap_or_else(|| args.forge.default_event());
    let event = crate::forge::read(args.forge, event_name, &body)
        .map_err(|e| fail(Code::DataErr, format!("{shown}: {e}")))?;
    match &event.what {
        What::Ping => eprintln!("vext forge test: a ping: answered 200, nothing sent"),
        What::Quiet(why) => eprintln!("vext forge test: nothing sent: {why}"),
        What::Unknown(kind) => {
            eprintln!("vext forge test: {kind:?} is not an event vext reads: taken, nothing sent");
        }
        _ => {}
    }
    let targets = routes.targets(&event);
    let lines = render::lines(&event, &routes.look).map_err(|e| fail(Code::Config, e))?;
    if targets.is_empty() && !lines.is_empty() {
        eprintln!(
            "vext forge test: no [[forge.route]] sends {} of {} ({}): these lines would not be sent",
            event.kind(),
            event.repository,
            event.action().unwrap_or("no action"),
        );
    }
    let mut out = std::io::stdout().lock();
    for line in &lines {
        let json = serde_json::json!({"to": targets, "privmsg": line});
        if writeln!(out, "{json}").is_err() {
            break;
        }
    }
    Ok(Code::Ok)
}
