//! vext: notifications to IRC from scripts, hooks and cron (an irker
//! drop-in), through an optional relay daemon.
//!
//! `main` parses the command line, dispatches with one `match`, and maps
//! errors to sysexits-style exit codes (see `exit`).

mod atomic_file;
mod bus;
mod chatops;
mod check;
mod cli;
mod config;
mod context;
mod daemon;
mod exit;
mod generate;
mod glob;
mod history;
mod hook;
#[cfg(test)]
mod hostile;
mod images;
mod irkerd_conf;
mod nats;
mod net;
mod notify;
mod process_title;
mod scan;
mod semaphore;
mod send;
mod settings;
mod state;
mod update;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command, ConfigCommand};
use crate::context::Context;
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
            process_title::hide_secrets();
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
        Err(err) => {
            eprintln!("vext: {err:#}");
            exit::code_of(&err).into()
        }
    }
}

fn try_main(cli: Cli) -> Result<Code> {
    state::dir::set_strict_permissions(cli.global.strict_permissions);
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
        Command::Send(args) => send::run(args, &ctx),
        Command::Daemon(args) => daemon::run(args, &ctx),
        Command::Hook(args) => hook::run(args, &ctx),
        Command::Check(args) => check::run(args, &ctx),
        Command::Scan(mut args) => {
            args.notes = cli.global.verbose > 0;
            args.quiet = cli.global.quiet;
            scan::run(args, &ctx)
        }
        Command::Update(args) => update::run(args, &ctx),
        Command::Semaphore(args) => semaphore::run(args, &ctx),
        Command::Nats(cli::NatsCommand::Status(args)) => nats::status(args, &ctx),
        Command::History(args) => history::run(args, &ctx),
        Command::Config(ConfigCommand::Show) => show_config(&ctx),
        Command::Config(ConfigCommand::Reference) => {
            print!("{}", config::REFERENCE);
            Ok(Code::Ok)
        }
        Command::Generate(args) => generate::run(args),
        Command::Completions(args) => generate::completions(args.shell),
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

fn show_config(ctx: &Context) -> Result<Code> {
    let mut config = ctx.config.clone();
    // [check] notify may hold URLs (webhooks are their own secret).
    for n in &mut config.check.notify {
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
    out.push_str(&config::effective_toml(&config)?);
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(out.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(Code::Ok),
    }
}
