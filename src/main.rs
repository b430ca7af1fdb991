//! vext: notifications to IRC from scripts, hooks and cron (an irker
//! drop-in), through an optional relay daemon.
//!
//! `main` parses the command line, dispatches with one `match`, and maps
//! errors to sysexits-style exit codes (see `exit`).

mod bus;
mod chatops;
mod cli;
mod commands;
mod commits;
mod config;
mod exit;
mod forge;
#[cfg(test)]
mod hostile;
mod images;
mod net;
mod notify;
mod settings;
mod state;
mod util;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command, ConfigCommand};
use crate::config::Context;
use crate::exit::Code;

fn main() -> ExitCode {
    // `vext --version` answers before the command line's whole definition
    // is built: scripts call it to probe for vext.
    let mut args = std::env::args_os().skip(1);
    if let (Some(flag), None) = (args.next(), args.next()) {
        if flag == "--version" || flag == "-V" {
            let _ = writeln!(std::io::stdout(), "vext {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
    }
    let cli = match Cli::parse_args() {
        Ok(cli) => {
            // Parsed (into copies): what `ps` shows need not hold secrets.
            util::process_title::hide_secrets();
            cli
        }
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Code::Usage.into()
            } else {
                Code::Ok.into()
            };
        }
    };
    match try_main(cli) {
        Ok(code) => code.into(),
        // The reader of our output has gone (`vext scan | head`): that ends
        // the command, quietly, as for any filter.
        Err(err) if err.downcast_ref::<exit::ReaderGone>().is_some() => Code::Ok.into(),
        Err(err) => {
            eprintln!("vext: {err:#}");
            exit::code_of(&err).into()
        }
    }
}

fn try_main(cli: Cli) -> Result<Code> {
    state::dir::set_strict_permissions(cli.global.strict_permissions);
    // A proxy variable that cannot be used stops the command, rather than
    // letting its requests go around the proxy.
    net::http_proxy::check().map_err(|e| exit::fail(Code::Usage, e))?;
    let loaded = match &cli.command {
        // These need no config file.
        Command::Generate(_) | Command::Completions(_) => config::Loaded::defaults(),
        _ => match config::load(cli.global.config.as_deref()) {
            Ok(l) => l,
            // A file that is not TOML at all stops only a command that a
            // broken section can stop.
            Err(e) if stopped_by(&cli.command).is_some_and(<[&str]>::is_empty) => {
                eprintln!("vext: warning: {e:#}; going on without the config file");
                config::Loaded::defaults()
            }
            Err(e) => return Err(e),
        },
    };
    if let Some(error) = &loaded.error {
        let stops = stopped_by(&cli.command);
        if loaded
            .broken
            .iter()
            .any(|s| stops.is_none_or(|n| n.contains(&s.as_str())))
        {
            return Err(exit::fail(Code::Config, error.clone()));
        }
        let list: Vec<String> = loaded.broken.iter().map(|s| format!("[{s}]")).collect();
        eprintln!(
            "vext: warning: {error}\nvext: warning: going on without {}",
            list.join(", ")
        );
    }
    init_logging(&cli, loaded.config.daemon.log_format);
    state::dir::set_strict_permissions(
        cli.global.strict_permissions || loaded.config.strict_permissions == Some(true),
    );
    let ctx = Context {
        config: loaded.config,
        config_path: loaded.path,
        config_notes: loaded.notes,
    };
    let code = match cli.command {
        Command::Send(args) => commands::send::run(args, &ctx),
        Command::Daemon(args) => commands::daemon::run(args, &ctx),
        Command::Hook(args) => commands::hook::run(args, &ctx),
        Command::Check(args) => commands::check::run(args, &ctx),
        Command::Scan(mut args) => {
            args.notes = cli.global.verbose > 0;
            args.quiet = cli.global.quiet;
            commands::scan::run(args, &ctx)
        }
        Command::Update(args) => commands::update::run(args, &ctx),
        Command::Semaphore(args) => commands::semaphore::run(args, &ctx),
        Command::Nats(cli::NatsCommand::Status(args)) => commands::nats_status::run(args, &ctx),
        Command::History(args) => commands::history::run(args, &ctx),
        Command::Forge(cli::ForgeCommand::Test(args)) => commands::forge::test(&args, &ctx),
        Command::Config(ConfigCommand::Show) => commands::config::show(&ctx),
        Command::Config(ConfigCommand::Reference) => commands::config::reference(),
        Command::Generate(args) => commands::generate::run(args),
        Command::Completions(args) => commands::generate::completions(args.shell),
    };
    // Events a short-lived command emitted leave before it exits.
    bus::events::flush();
    code
}

/// The config file's top-level sections whose mistakes stop a command:
/// those it reads (None: all of them). A hook reads some but must never
/// block a push, so none stops it.
fn stopped_by(command: &Command) -> Option<&'static [&'static str]> {
    match command {
        Command::Scan(_) | Command::Hook(_) => Some(&[]),
        Command::History(_) => Some(&["daemon", "strict_permissions"]),
        Command::Nats(_) => Some(&["nats", "strict_permissions"]),
        Command::Forge(_) => Some(&["forge", "targets", "strict_permissions"]),
        Command::Semaphore(_) => Some(&["semaphore", "daemon", "strict_permissions"]),
        _ => None,
    }
}

/// `file_format` is `[daemon] log_format`, below `--log-format`.
fn init_logging(cli: &Cli, file_format: Option<crate::cli::LogFormat>) {
    let daemon = match &cli.command {
        Command::Daemon(args) => {
            Some(args.log_format.or(file_format) == Some(crate::cli::LogFormat::Json))
        }
        _ => None,
    };
    let level = match (cli.global.quiet, cli.global.verbose) {
        (true, _) => "error",
        (false, 0) if daemon.is_some() => "info",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let env = env_logger::Env::new().filter_or("VEXT_LOG", format!("vext={level}"));
    let mut builder = env_logger::Builder::from_env(env);
    // The HTTP client's own debug and trace lines carry what vext redacts
    // everywhere else: request URLs (webhook secrets in paths and queries)
    // and hex dumps of whole requests (Authorization headers, tokens).
    // Whatever VEXT_LOG asks, they stay off.
    for module in ["ureq", "ureq_proto"] {
        builder.filter_module(module, log::LevelFilter::Warn);
    }
    match daemon {
        Some(true) => {
            builder.format(|buf, record| {
                let component = record.module_path().unwrap_or("vext");
                let component = component.strip_prefix("vext::").unwrap_or(component);
                let line = serde_json::json!({
                    "time": humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string(),
                    "level": record.level().as_str().to_lowercase(),
                    "component": component,
                    "message": record.args().to_string(),
                });
                writeln!(buf, "{line}")
            });
        }
        // Under systemd the journal adds timestamps; elsewhere the daemon keeps them.
        Some(false) if std::env::var_os("JOURNAL_STREAM").is_none() => {}
        _ => {
            builder.format(|buf, record| {
                writeln!(
                    buf,
                    "vext: {}: {}",
                    record.level().as_str().to_lowercase(),
                    record.args()
                )
            });
        }
    }
    let _ = builder.try_init();
}
