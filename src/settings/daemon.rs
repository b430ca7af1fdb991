//! `vext daemon`'s settings: its flags (and the `VEXT_*` variables clap
//! reads for them) over irkerd's variables over `[daemon]` in the file over
//! the defaults, typed and checked in one pass that touches nothing but
//! memory. `vext config show` prints this same resolution.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;

use super::origin::{Flags, Origin, Set};
use crate::cli::{DaemonArgs, LogFormat};
use crate::config::{irkerd, Config, DaemonSection};
use crate::exit::{fail, Code};
use crate::net::rate::Rate;
use crate::notify::destination::pattern::TargetPattern;

/// The defaults, each written once.
pub(crate) const LISTEN: &str = "127.0.0.1:6659";
pub(crate) const CHANNEL_TTL: Duration = Duration::from_secs(3 * 3600);
pub(crate) const CONNECTION_TTL: Duration = Duration::from_secs(3 * 3600);
pub(crate) const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
pub(crate) const MAX_AGE: Duration = Duration::from_secs(24 * 3600);
pub(crate) const RETAIN: Duration = Duration::from_secs(7 * 24 * 3600);
/// Deliveries held in memory per route (IRC server, homeserver, webhook
/// host) by default. A server that is down, or slower than what arrives,
/// costs this much memory at most; everything else waits in the spool,
/// parked, and is taken back in order as the window drains.
pub(crate) const WINDOW: usize = 1000;

/// Everything the daemon runs with that the flags, the environment and
/// `[daemon]` decide.
#[derive(Debug)]
pub(crate) struct DaemonSettings {
    pub(crate) listen: Set<String>,
    /// None: a nick of vext's choosing per connection.
    pub(crate) nick: Set<Option<String>>,
    pub(crate) nickserv_password_file: Set<Option<PathBuf>>,
    pub(crate) ca_file: Set<Option<PathBuf>>,
    /// Presented to ircs:// servers (irkerd -e).
    pub(crate) client_cert: Set<Option<PathBuf>>,
    pub(crate) client_key: Set<Option<PathBuf>>,
    pub(crate) channel_ttl: Set<Duration>,
    pub(crate) connection_ttl: Set<Duration>,
    pub(crate) burst: Set<u32>,
    pub(crate) line_rate: Set<f64>,
    pub(crate) max_connections: Set<usize>,
    /// Deliveries per route held in memory.
    pub(crate) window: Set<usize>,
    pub(crate) drain_timeout: Set<Duration>,
    pub(crate) state_dir: Set<PathBuf>,
    pub(crate) max_age: Set<Duration>,
    pub(crate) retain: Set<Duration>,
    pub(crate) http: Set<Option<String>>,
    pub(crate) secret_file: Set<Option<PathBuf>>,
    pub(crate) allow_unauthenticated: bool,
    pub(crate) trust_loopback: Set<bool>,
    /// Every IRC message as NOTICE.
    pub(crate) notice: Set<bool>,
    pub(crate) allow: Vec<TargetPattern>,
    pub(crate) rate: Option<Rate>,
    pub(crate) log_format: Option<LogFormat>,
    /// `--nats`, `VEXT_NATS`, `[nats] url`.
    pub(crate) nats: Option<String>,
    pub(crate) nats_creds: Option<PathBuf>,
    pub(crate) nats_token_file: Option<PathBuf>,
    pub(crate) check_every: Option<Duration>,
    pub(crate) update_every: Option<Duration>,
    /// `ALL_PROXY`'s SOCKS5 proxy for IRC connections.
    pub(crate) irc_proxy: Option<crate::net::socks::Socks5>,
}

impl DaemonSettings {
    /// Resolves and checks every value; the first bad one is the error,
    /// naming where it came from (exit 64 for a flag or variable, 78 for
    /// the file).
    pub(crate) fn resolve(args: &DaemonArgs, config: &Config) -> Result<DaemonSettings> {
        let flags = Flags {
            from_env: &args.from_env,
            section: "daemon",
        };
        let file = &config.daemon;
        let (listen, nick) = address_and_nick(&flags, args, file);
        let (burst, line_rate, window, max_connections) = pacing(&flags, args, file)?;

        let (allow, rate) = access(args, file)?;
        let state_dir = match args.state_dir.clone().or(file.state_dir.clone()) {
            Some(_) => flags.pick(
                "state_dir",
                args.state_dir.clone(),
                file.state_dir.clone(),
                PathBuf::new(),
            ),
            None => Set {
                value: crate::state::dir::state_dir(None)?,
                origin: Origin::Default,
            },
        };
        let nats = args
            .nats
            .clone()
            .or_else(|| config.nats.url.clone())
            .filter(|u| !u.trim().is_empty());
        Ok(DaemonSettings {
            listen,
            nick,
            nickserv_password_file: flags.maybe(
                "nickserv_password_file",
                args.nickserv_password_file.clone(),
                file.nickserv_password_file.clone(),
            ),
            ca_file: flags.maybe("ca_file", args.ca_file.clone(), file.ca_file.clone()),
            client_cert: flags.maybe(
                "client_cert",
                args.client_cert.clone(),
                file.client_cert.clone(),
            ),
            client_key: flags.maybe(
                "client_key",
                args.client_key.clone(),
                file.client_key.clone(),
            ),
            channel_ttl: flags.pick(
                "channel_ttl",
                args.channel_ttl,
                file.channel_ttl,
                CHANNEL_TTL,
            ),
            connection_ttl: flags.pick(
                "connection_ttl",
                args.connection_ttl,
                file.connection_ttl,
                CONNECTION_TTL,
            ),
            burst,
            line_rate,
            max_connections,
            window,
            drain_timeout: flags.pick(
                "drain_timeout",
                args.drain_timeout,
                file.drain_timeout,
                DRAIN_TIMEOUT,
            ),
            state_dir,
            max_age: flags.pick("max_age", args.max_age, file.max_age, MAX_AGE),
            retain: flags.pick("retain", args.retain, file.retain, RETAIN),
            http: flags.maybe("http", args.http.clone(), file.http.clone()),
            secret_file: flags.maybe(
                "secret_file",
                args.secret_file.clone(),
                file.secret_file.clone(),
            ),
            allow_unauthenticated: args.allow_unauthenticated,
            notice: flags.pick("notice", args.notice.then_some(true), file.notice, false),
            trust_loopback: flags.pick(
                "trust_loopback",
                args.trust_loopback.then_some(true),
                file.trust_loopback,
                false,
            ),
            allow,
            rate,
            log_format: args.log_format.or(file.log_format),
            nats,
            nats_creds: args.nats_creds.clone(),
            nats_token_file: args.nats_token_file.clone(),
            check_every: args.check_every.or(config.check.every),
            irc_proxy: super::irc_proxy()?,
            update_every: args.update_every.or(config.update.every),
        })
    }

    /// The `[daemon]` section as these settings fill it, and each key's
    /// origin: what `vext config show` prints.
    pub(crate) fn shown(
        &self,
        into: &mut crate::config::DaemonSection,
    ) -> Vec<(&'static str, Origin)> {
        let mut origins = Vec::new();
        macro_rules! show {
            ($key:ident) => {
                into.$key = Some(self.$key.value.clone());
                origins.push((stringify!($key), self.$key.origin.clone()));
            };
            (maybe $key:ident) => {
                if self.$key.value.is_some() {
                    into.$key = self.$key.value.clone();
                    origins.push((stringify!($key), self.$key.origin.clone()));
                }
            };
        }
        show!(listen);
        show!(maybe nick);
        show!(maybe ca_file);
        show!(maybe client_cert);
        show!(maybe client_key);
        show!(channel_ttl);
        show!(connection_ttl);
        show!(burst);
        show!(line_rate);
        show!(drain_timeout);
        show!(max_age);
        show!(retain);
        show!(state_dir);
        show!(maybe http);
        show!(maybe secret_file);
        show!(notice);
        origins
    }
}

/// The IRC pacing and the memory bounds, each checked.
#[allow(clippy::type_complexity)] // four settings read together, named at the one caller
fn pacing(
    flags: &Flags,
    args: &DaemonArgs,
    file: &DaemonSection,
) -> Result<(Set<u32>, Set<f64>, Set<usize>, Set<usize>)> {
    let burst = flags.pick("burst", args.burst, file.burst, crate::notify::irc::BURST);
    if burst.value == 0 {
        return Err(burst.origin.error("burst", "must be at least 1"));
    }
    let line_rate = flags.pick(
        "line_rate",
        args.line_rate,
        file.line_rate,
        crate::notify::irc::LINE_RATE,
    );
    if !(line_rate.value.is_finite() && line_rate.value > 0.0) {
        return Err(line_rate
            .origin
            .error("line_rate", "must be a number of lines per second above 0"));
    }
    let window = flags.pick(
        "window",
        args.window.map(|n| n as usize),
        file.window.map(|n| n as usize),
        WINDOW,
    );
    if window.value == 0 {
        return Err(window.origin.error("window", "must be at least 1"));
    }
    let max_connections = flags.pick(
        "max_connections",
        args.max_connections,
        file.max_connections,
        crate::notify::irc::MAX_CONNECTIONS,
    );
    if max_connections.value == 0 {
        return Err(max_connections
            .origin
            .error("max_connections", "must be at least 1"));
    }
    Ok((burst, line_rate, window, max_connections))
}

/// Where to listen and the nick: irkerd's variables sit below vext's own
/// flags and variables, and above the file.
fn address_and_nick(
    flags: &Flags,
    args: &DaemonArgs,
    file: &DaemonSection,
) -> (Set<String>, Set<Option<String>>) {
    let irkerd_listen = irkerd::env_listen().map(|l| Set {
        value: l,
        origin: Origin::Env("IRKERD_HOST/IRKERD_PORT".into()),
    });
    let listen = match (&args.listen, irkerd_listen) {
        (None, Some(set)) => set,
        _ => flags.pick(
            "listen",
            args.listen.clone(),
            file.listen.clone(),
            LISTEN.to_string(),
        ),
    };
    let irkerd_nick = irkerd::env_nick().map(|n| Set {
        value: Some(n),
        origin: Origin::Env("IRKERD_NICK".into()),
    });
    let nick = match (&args.nick, irkerd_nick) {
        (None, Some(set)) => set,
        _ => flags.maybe("nick", args.nick.clone(), file.nick.clone()),
    };
    (listen, nick)
}

/// `--allow-target` and `--rate`, parsed.
fn access(args: &DaemonArgs, file: &DaemonSection) -> Result<(Vec<TargetPattern>, Option<Rate>)> {
    let allow = file
        .allow_target
        .iter()
        .chain(&args.allow_target)
        .map(|p| TargetPattern::parse(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(Code::Usage, e))?;
    let rate = match args.rate.as_deref().or(file.rate.as_deref()) {
        Some(r) => {
            let by = args.rate_by.or(file.rate_by).unwrap_or_default();
            Some(Rate::parse(r, by).map_err(|e| fail(Code::Usage, e))?)
        }
        None => None,
    };
    Ok((allow, rate))
}
