//! One settings layer: a command's flags (with the `VEXT_*` variables clap
//! reads for them) over the config file over the defaults, resolved once into
//! the typed settings the wings take. The wings never read the config.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;

use crate::config::Context;
use crate::exit::{fail, Code};
use crate::notify::destination::Destination;
use crate::notify::sender::{Daemon, Direct, Sender};

pub(crate) mod daemon;
pub(crate) mod identity;
pub(crate) mod origin;
pub(crate) mod send;
pub(crate) mod targets;
pub(crate) mod update;

/// The delivery flags a command was given; None where it has no such flag.
#[derive(Default)]
pub(crate) struct DeliveryFlags<'a> {
    /// `--via` (or `VEXT_DAEMON`); an empty value turns a configured daemon off.
    pub(crate) via: Option<&'a str>,
    pub(crate) no_ack: bool,
    pub(crate) secret_file: Option<&'a Path>,
    pub(crate) nick: Option<&'a str>,
    pub(crate) ca_file: Option<&'a Path>,
    /// `--client-cert` and `--client-key` (else `[send]`'s).
    pub(crate) client_cert: Option<&'a Path>,
    pub(crate) client_key: Option<&'a Path>,
    /// `--notice` (else `[send] notice`).
    pub(crate) notice: bool,
    pub(crate) state_dir: Option<&'a Path>,
}

/// How this command delivers: through the daemon when one is named (flag,
/// else `[send] via`), else directly with the nick, CA file and state dir
/// from the flags or the config.
pub(crate) fn sender(ctx: &Context, flags: &DeliveryFlags) -> Result<Sender> {
    let file = &ctx.config.send;
    let via = match flags.via {
        Some(v) => Some(v.to_string()),
        None => file.via.clone(),
    }
    .filter(|v| !v.trim().is_empty());
    if let Some(addr) = via {
        let secret = match flags.secret_file {
            Some(path) => Some(read_secret(path)?),
            None => None,
        };
        return Ok(Sender::Daemon(Daemon {
            addr,
            secret,
            ack: !flags.no_ack,
        }));
    }
    Ok(Sender::Direct(Direct {
        nick: flags.nick.map(str::to_string).or_else(|| file.nick.clone()),
        ca_file: flags
            .ca_file
            .map(Path::to_path_buf)
            .or_else(|| file.ca_file.clone()),
        state_dir: state_dir(ctx, flags.state_dir).ok(),
        proxy: irc_proxy()?,
        client: identity::client_identity(
            flags.client_cert.or(file.client_cert.as_deref()),
            flags.client_key.or(file.client_key.as_deref()),
        )?
        .map(std::sync::Arc::new),
        notice: flags.notice || file.notice.unwrap_or(false),
    }))
}

/// The SOCKS5 proxy for IRC connections: `ALL_PROXY` when it names one
/// (`socks5h://` or `socks5://`), with `NO_PROXY`'s exceptions; a bad one
/// is a usage error naming the variable.
pub(crate) fn irc_proxy() -> Result<Option<crate::net::socks::Socks5>> {
    crate::net::socks::from_env().map_err(|e| fail(Code::Usage, e))
}

/// The state dir: the flag (or `VEXT_STATE_DIR`), else `[daemon] state_dir`,
/// else systemd's `$STATE_DIRECTORY`, `$XDG_STATE_HOME/vext`, `~/.local/state/vext`.
pub(crate) fn state_dir(ctx: &Context, flag: Option<&Path>) -> Result<PathBuf> {
    crate::state::dir::state_dir(flag.or(ctx.config.daemon.state_dir.as_deref()))
}

/// Destination arguments (URLs or `@name`s) as URLs and typed targets, with what
/// the config adds (Matrix tokens, webhook templates). `what` names the
/// argument in errors (`--notify`); every bad one is reported before failing.
pub(crate) fn targets(
    ctx: &Context,
    args: &[String],
    what: &str,
) -> Result<(Vec<String>, Vec<Destination>)> {
    let outfit = targets::TargetSettings::load(&ctx.config, targets::Scope::Own)
        .map_err(|e| fail(Code::Config, e))?;
    let mut urls = Vec::new();
    let mut targets = Vec::new();
    let mut bad = 0;
    for arg in args {
        let url = match ctx.config.expand_target(arg) {
            Ok(u) => u,
            Err(e) => {
                eprintln!("vext: bad {what} {arg}: {e}");
                bad += 1;
                continue;
            }
        };
        match Destination::parse(&url) {
            Ok(t) => {
                if let Destination::Matrix(m) = &t {
                    if m.password.is_some() {
                        log::warn!("{m}: a password in the URL shows in process lists; prefer password_file in the config");
                    }
                }
                urls.push(url);
                targets.push(outfit.apply(t));
            }
            Err(e) => {
                eprintln!(
                    "vext: bad {what} URL {}: {e}",
                    crate::notify::destination::redacted(&url)
                );
                bad += 1;
            }
        }
    }
    if bad > 0 {
        return Err(fail(
            Code::Usage,
            format!(
                "{bad} bad {what}{}; nothing was sent",
                if bad == 1 { "" } else { "s" }
            ),
        ));
    }
    Ok((urls, targets))
}

/// `--notify` targets and how to reach them, checked before any work starts;
/// None without targets.
pub(crate) struct Notifier {
    pub(crate) urls: Vec<String>,
    pub(crate) targets: Vec<Destination>,
    pub(crate) sender: Sender,
}

pub(crate) fn notifier(
    ctx: &Context,
    report: &crate::cli::ReportArgs,
    ca_file: Option<&Path>,
    state_dir: Option<&Path>,
) -> Result<Option<Notifier>> {
    if report.notify.is_empty() {
        return Ok(None);
    }
    let (urls, targets) = targets(ctx, &report.notify, "--notify")?;
    let sender = sender(
        ctx,
        &DeliveryFlags {
            via: report.via.as_deref(),
            secret_file: report.secret_file.as_deref(),
            ca_file,
            state_dir,
            ..DeliveryFlags::default()
        },
    )?;
    Ok(Some(Notifier {
        urls,
        targets,
        sender,
    }))
}

impl Notifier {
    /// Sends one notice, waiting up to 30 s; an undelivered one is an error
    /// with the delivery's exit code.
    pub(crate) fn send(&self, notice: &crate::notify::notice::Notice, what: &str) -> Result<()> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let code = self
            .sender
            .send(&self.urls, &self.targets, notice, deadline)?;
        if code != Code::Ok {
            return Err(fail(code, format!("{what} could not be delivered")));
        }
        Ok(())
    }
}

/// The policy: `--policy FILE` (TOML with a `[policy]` section), else
/// `[policy]` in the config file, else the defaults.
pub(crate) fn policy(ctx: &Context, file: Option<&Path>) -> Result<crate::images::policy::Policy> {
    use crate::images::policy::{Policy, PolicySection};
    let section: Option<PolicySection> = match file {
        Some(path) => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct File {
                policy: PolicySection,
            }
            let text = std::fs::read_to_string(path)
                .map_err(|e| fail(Code::Config, format!("reading {}: {e}", path.display())))?;
            let f: File = toml::from_str(&text)
                .map_err(|e| fail(Code::Config, format!("{}: {e}", path.display())))?;
            Some(f.policy)
        }
        None => ctx.config.policy.clone(),
    };
    Policy::from_section(section.as_ref()).map_err(|e| fail(Code::Config, e))
}

/// `--ca-file`'s PEM, read once.
pub(crate) fn extra_ca(file: Option<&Path>) -> Result<Option<Vec<u8>>> {
    let Some(p) = file else { return Ok(None) };
    let pem = std::fs::read(p).map_err(|e| {
        fail(
            Code::Config,
            format!("reading --ca-file {}: {e}", p.display()),
        )
    })?;
    crate::net::tls::pem_certs(&pem, &format!("--ca-file {}", p.display()))?;
    Ok(Some(pem))
}

/// The NATS flags a command was given.
pub(crate) struct NatsFlags<'a> {
    pub(crate) url: &'a str,
    pub(crate) creds: Option<&'a Path>,
    pub(crate) token_file: Option<&'a Path>,
    pub(crate) ca_file: Option<&'a Path>,
}

/// The NATS connection and queue settings: flags, then `[nats]`, then defaults.
pub(crate) fn nats(
    flags: &NatsFlags,
    file: &crate::config::NatsSection,
    command: &str,
) -> Result<(crate::bus::Options, crate::bus::queue::QueueConfig)> {
    let token = match flags.token_file.or(file.token_file.as_deref()) {
        Some(p) => Some(read_one_line(p, "NATS token")?),
        None => None,
    };
    let user_password = match (&file.user, &file.password_file) {
        (Some(u), Some(p)) => Some((u.clone(), read_one_line(p, "NATS password")?)),
        (None, None) => None,
        _ => {
            return Err(fail(
                Code::Config,
                "[nats] user and password_file go together",
            ))
        }
    };
    let nkey_seed = match &file.nkey_seed_file {
        Some(p) => Some(read_one_line(p, "NATS NKey seed")?),
        None => None,
    };
    let options = crate::bus::Options {
        urls: flags.url.to_string(),
        creds: flags
            .creds
            .map(Path::to_path_buf)
            .or_else(|| file.creds.clone()),
        token,
        user_password,
        nkey_seed,
        ca_file: file
            .ca_file
            .clone()
            .or_else(|| flags.ca_file.map(Path::to_path_buf)),
        name: format!("vext {command} (pid {})", std::process::id()),
    };
    let mut queue = crate::bus::queue::QueueConfig::default();
    if let Some(s) = &file.stream {
        if s.is_empty() || s.contains(['.', '*', '>', ' ']) {
            return Err(fail(
                Code::Config,
                format!("[nats] stream {s:?}: a stream name has no dots, spaces or wildcards"),
            ));
        }
        queue.stream = s.clone();
    }
    if let Some(r) = file.replicas {
        if !(1..=5).contains(&r) {
            return Err(fail(Code::Config, "[nats] replicas must be 1, 3 or 5"));
        }
        queue.replicas = r;
    }
    queue.ack_wait = file.ack_wait.unwrap_or(queue.ack_wait);
    queue.dedup_window = file.dedup_window.unwrap_or(queue.dedup_window);
    queue.lease_ttl = file.lease_ttl.unwrap_or(queue.lease_ttl);
    if queue.lease_ttl < Duration::from_secs(1) {
        return Err(fail(Code::Config, "[nats] lease_ttl must be at least 1s"));
    }
    if let Some(m) = file.max_deliver {
        if m < 1 {
            return Err(fail(Code::Config, "[nats] max_deliver must be at least 1"));
        }
        queue.max_deliver = m;
    }
    Ok((options, queue))
}

/// Reads a shared secret file: its content, trimmed, at least 16 bytes.
pub(crate) fn read_secret(path: &Path) -> Result<Vec<u8>> {
    crate::state::dir::check_private(path, "the secret file")?;
    let text = std::fs::read(path).map_err(|e| {
        fail(
            Code::Config,
            format!("reading the secret file {}: {e}", path.display()),
        )
    })?;
    let trimmed = text.trim_ascii().to_vec();
    if trimmed.len() < 16 {
        return Err(fail(
            Code::Config,
            format!("the secret in {} is shorter than 16 bytes", path.display()),
        ));
    }
    Ok(trimmed)
}

/// A secret or name kept in a file: one non-empty line (a warning when
/// others may read the file).
pub(crate) fn read_one_line(path: &Path, what: &str) -> Result<String> {
    crate::state::dir::check_private(path, &format!("the {what} file"))?;
    let text = std::fs::read_to_string(path).map_err(|e| {
        fail(
            Code::Config,
            format!("reading the {what} file {}: {e}", path.display()),
        )
    })?;
    let line = text.trim().to_string();
    if line.is_empty() || line.contains(['\r', '\n', '\0']) {
        return Err(fail(
            Code::Config,
            format!("{}: the {what} must be one non-empty line", path.display()),
        ));
    }
    Ok(line)
}

/// Where this command publishes its events, when a NATS server is named
/// (`flag`, `VEXT_NATS`, `[nats] url`): the connection settings, resolved
/// without connecting. Events are a side channel: settings that cannot be
/// read are a warning, never the command's failure.
pub(crate) fn events(
    ctx: &Context,
    flag: Option<&str>,
    command: &str,
) -> Option<crate::bus::Options> {
    let url = flag
        .map(String::from)
        .or_else(|| std::env::var("VEXT_NATS").ok())
        .or_else(|| ctx.config.nats.url.clone())
        .filter(|u| !u.trim().is_empty())?;
    let flags = NatsFlags {
        url: &url,
        creds: None,
        token_file: None,
        ca_file: None,
    };
    match nats(&flags, &ctx.config.nats, command) {
        Ok((options, _)) => Some(options),
        Err(e) => {
            log::warn!("events are not published: {e:#}");
            None
        }
    }
}

/// Where `vext semaphore` (or the daemon's bot) finds Semaphore: flags over
/// `VEXT_SEMAPHORE_TOKEN` over `[semaphore]`.
pub(crate) struct SemaphoreFlags<'a> {
    pub(crate) url: Option<&'a str>,
    pub(crate) token_file: Option<&'a Path>,
    pub(crate) ca_file: Option<&'a Path>,
    pub(crate) timeout: Duration,
}

/// The Semaphore client: the URL and a token from a flag, the environment,
/// `[semaphore] token`/`token_file`, or a login as `user` with
/// `password_file` (the minted token kept in the state database).
pub(crate) fn semaphore(
    ctx: &Context,
    flags: &SemaphoreFlags,
) -> Result<crate::chatops::semaphore::Semaphore> {
    use crate::chatops::semaphore::{Credentials, Semaphore, Settings};
    let file = &ctx.config.semaphore;
    let url = flags
        .url
        .map(String::from)
        .or(file.url.clone())
        .ok_or_else(|| {
            fail(
                Code::Usage,
                "no Semaphore URL: give --url, VEXT_SEMAPHORE_URL, or url under [semaphore] in the config",
            )
        })?;
    let settings = Settings {
        url,
        token: String::new(),
        ca_pem: extra_ca(flags.ca_file)?,
        timeout: flags.timeout,
    };
    let from_file = |path: &Path| read_one_line(path, "Semaphore token");
    let token = match (flags.token_file, std::env::var("VEXT_SEMAPHORE_TOKEN")) {
        (Some(p), _) => from_file(p)?,
        (None, Ok(t)) if !t.trim().is_empty() => t.trim().to_string(),
        _ => match (&file.token, &file.token_file, &file.user, &file.password_file) {
            (Some(t), ..) => t.clone(),
            (None, Some(p), ..) => from_file(p)?,
            (None, None, Some(user), Some(pw)) => {
                let credentials = Credentials::Login {
                    user: user.clone(),
                    password: read_one_line(pw, "Semaphore password")?,
                    state_dir: state_dir(ctx, None)?,
                };
                return Ok(Semaphore {
                    settings,
                    credentials,
                });
            }
            _ => {
                return Err(fail(
                    Code::Usage,
                    "no Semaphore token: give --token-file, VEXT_SEMAPHORE_TOKEN, or under [semaphore] \
                     token_file (or user and password_file, to log in and mint one)",
                ))
            }
        },
    };
    if token.is_empty() || token.contains(['\r', '\n']) {
        return Err(fail(
            Code::Config,
            "the Semaphore token must be one non-empty line",
        ));
    }
    Ok(Semaphore {
        settings,
        credentials: Credentials::Token(token),
    })
}

/// The daemon's bot, when the config has a `[bot]` section: its settings
/// and the Semaphore client it drives (from `[semaphore]`).
pub(crate) fn bot(
    ctx: &Context,
    state_dir: &Path,
    ca_file: Option<&Path>,
) -> Result<
    Option<(
        crate::chatops::bot::Settings,
        crate::chatops::semaphore::Semaphore,
    )>,
> {
    let Some(b) = &ctx.config.bot else {
        return Ok(None);
    };
    let bad = |what: String| fail(Code::Config, format!("[bot] {what}"));
    let homeserver = b.homeserver.clone().ok_or_else(|| {
        bad("needs homeserver (the base URL, e.g. https://matrix.example.org)".into())
    })?;
    let user_id = b
        .user_id
        .clone()
        .filter(|u| u.starts_with('@') && u.contains(':'))
        .ok_or_else(|| bad("needs user_id, the bot's Matrix id (@name:server)".into()))?;
    let (token, password) = match (&b.token_file, &b.password_file) {
        (Some(f), _) => (Some(read_one_line(f, "bot's Matrix token")?), None),
        (None, Some(f)) => (None, Some(read_one_line(f, "bot's Matrix password")?)),
        (None, None) => {
            return Err(bad(
                "needs token_file, or password_file to log in as user_id".into(),
            ))
        }
    };
    if b.rooms.is_empty() {
        return Err(bad(
            "needs rooms, the room ids or aliases to answer in".into()
        ));
    }
    if let Some(r) = b
        .rooms
        .iter()
        .find(|r| !(r.starts_with('!') || r.starts_with('#')))
    {
        return Err(bad(format!(
            "rooms: {r:?} is neither a room id (!…) nor an alias (#…)"
        )));
    }
    if b.admins.is_empty() {
        return Err(bad(
            "needs admins, the Matrix ids the bot obeys (it would obey no one)".into(),
        ));
    }
    if let Some(a) = b
        .admins
        .iter()
        .find(|a| !(a.starts_with('@') && a.contains(':')))
    {
        return Err(bad(format!(
            "admins: {a:?} is not a Matrix user id (@name:server)"
        )));
    }
    let prefix = b.prefix.clone().unwrap_or_else(|| "!cd".into());
    if prefix.trim().is_empty() || prefix.contains(char::is_whitespace) {
        return Err(bad(format!("prefix {prefix:?} must be one word")));
    }
    let duration = |v: Option<Duration>, key: &str, default: u64| -> Result<Duration> {
        match v {
            None => Ok(Duration::from_secs(default)),
            Some(d) if d.is_zero() => Err(bad(format!("{key} must be above 0, such as 10s or 5m"))),
            Some(d) => Ok(d),
        }
    };
    let settings = crate::chatops::bot::Settings {
        homeserver,
        user_id,
        token,
        password,
        rooms: b.rooms.clone(),
        admins: b.admins.clone(),
        prefix,
        confirm: b.confirm.unwrap_or(true),
        poll_interval: duration(b.poll_interval, "poll_interval", 10)?,
        still_running: duration(b.still_running, "still_running", 300)?,
        confirm_within: duration(b.confirm_timeout, "confirm_timeout", 300)?,
        aliases: b.aliases.clone(),
        extra_ca: extra_ca(ca_file)?,
        state_dir: state_dir.to_path_buf(),
    };
    let url = std::env::var("VEXT_SEMAPHORE_URL").ok();
    let semaphore = semaphore(
        ctx,
        &SemaphoreFlags {
            url: url.as_deref().filter(|u| !u.trim().is_empty()),
            token_file: None,
            ca_file,
            timeout: Duration::from_secs(30),
        },
    )
    .map_err(|e| {
        fail(
            crate::exit::code_of(&e),
            format!("[bot] runs Semaphore tasks: {e:#}"),
        )
    })?;
    Ok(Some((settings, semaphore)))
}

/// Destination URLs and `@names` from a config list, expanded (`what` names the
/// list in errors).
pub(crate) fn expand_targets(ctx: &Context, list: &[String], what: &str) -> Result<Vec<String>> {
    list.iter()
        .map(|n| {
            ctx.config
                .expand_target(n)
                .map_err(|e| fail(Code::Config, format!("{what} {n}: {e}")))
        })
        .collect()
}
