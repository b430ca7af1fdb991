//! `vext config show` and `vext config reference`: the configuration as the
//! commands resolve it (secrets redacted, each value with its origin), and
//! every key the file takes.

use std::io::Write;

use anyhow::Result;

use crate::cli::{DaemonArgs, SendArgs};
use crate::config::{self, Context};
use crate::exit::{fail, Code};
use crate::settings::daemon::DaemonSettings;
use crate::settings::send::SendSettings;

pub(crate) fn show(ctx: &Context) -> Result<Code> {
    let mut config = ctx.config.clone();
    // [check] notify and [[forge.route]] to may hold URLs (webhooks are
    // their own secret).
    let routes = config.forge.routes.iter_mut().flat_map(|r| r.to.iter_mut());
    for n in config.check.notify.iter_mut().chain(routes) {
        *n = crate::notify::destination::redacted(n);
    }
    if config.semaphore.token.is_some() {
        config.semaphore.token = Some("***".into());
    }
    for t in config.targets.values_mut() {
        t.url = crate::notify::destination::redacted(&t.url);
        for v in t.headers.values_mut() {
            *v = "***".into();
        }
        for secret in [&mut t.token, &mut t.password] {
            if secret.is_some() {
                *secret = Some("***".into());
            }
        }
    }
    let mut out = String::new();
    match &ctx.config_path {
        Some(p) => out.push_str(&format!("# from {}\n", p.display())),
        None => {
            let looked: Vec<String> = config::default_paths()
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            out.push_str(&format!(
                "# no config file found (looked for {}); defaults only\n",
                looked.join(", ")
            ));
        }
    }
    for note in &ctx.config_notes {
        out.push_str(&format!("# note: {note}\n"));
    }
    // The settings exactly as `vext send` and `vext daemon` resolve them
    // when given no flags: the environment, the file, the defaults.
    let usage = |e: clap::Error| fail(Code::Usage, e.to_string().trim().to_string());
    let (mut send, from_env) = crate::cli::from_environment::<SendArgs>("send").map_err(usage)?;
    send.from_env = from_env;
    let (mut daemon, from_env) =
        crate::cli::from_environment::<DaemonArgs>("daemon").map_err(usage)?;
    daemon.from_env = from_env;
    let send = SendSettings::resolve(&send, &ctx.config)?;
    let daemon = DaemonSettings::resolve(&daemon, &ctx.config)?;
    let mut origins = config::Origins::new();
    for (key, from) in send.shown(&mut config.send) {
        origins.push(("send", key, from.to_string()));
    }
    for (key, from) in daemon.shown(&mut config.daemon) {
        origins.push(("daemon", key, from.to_string()));
    }
    out.push_str(&config::annotated_toml(&config, &origins)?);
    let mut stdout = std::io::stdout().lock();
    crate::exit::stdout_wrote(stdout.write_all(out.as_bytes()))?;
    Ok(Code::Ok)
}

/// Every section and key, with an example and what it means.
pub(crate) fn reference() -> Result<Code> {
    let mut stdout = std::io::stdout().lock();
    crate::exit::stdout_wrote(stdout.write_all(config::REFERENCE.as_bytes()))?;
    Ok(Code::Ok)
}
