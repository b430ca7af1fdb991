//! `vext daemon`: the relay. Requests arrive on TCP and UDP (irker's
//! protocol) and HTTP; each is stored in the spool before it is
//! acknowledged, then delivered through the shared delivery layer, with retries,
//! metrics, access control and a bounded drain on SIGTERM/SIGINT.

mod access;
mod dispatch;
mod forge;
mod http;
mod jetstream;
mod listen;
mod metrics;
mod slots;

use std::fs::File;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs, UdpSocket};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use crate::cli::DaemonArgs;
use crate::config::Context;
use crate::exit::{fail, Code};
use crate::notify::delivery::Delivery;
use crate::notify::notice::Notice;
use crate::settings::daemon::DaemonSettings;
use crate::state::spool;

use access::Access;
use dispatch::Dispatcher;

/// Resolve, start, wait for a signal, drain.
pub(crate) fn run(args: DaemonArgs, ctx: &Context) -> Result<Code> {
    limit_malloc_arenas();
    for note in &ctx.config_notes {
        log::warn!("{note}");
    }
    let settings = DaemonSettings::resolve(&args, &ctx.config)?;
    let running = start(&settings, ctx)?;
    running.wait_and_drain(settings.drain_timeout.value);
    Ok(Code::Ok)
}

/// What the daemon reads from files once, at start: never per request.
struct Secrets {
    nickserv_password: Option<String>,
    /// The shared secret requests are signed with.
    secret: Option<Vec<u8>>,
    /// `--ca-file`'s PEM.
    extra_ca: Option<Vec<u8>>,
    /// `--client-cert` (and `--client-key`), for ircs:// servers.
    client: Option<crate::net::tls::ClientIdentity>,
}

impl Secrets {
    fn read(s: &DaemonSettings) -> Result<Secrets> {
        let nickserv_password = match &s.nickserv_password_file.value {
            Some(path) => Some(crate::settings::read_one_line(path, "NickServ password")?),
            None => None,
        };
        let secret = match &s.secret_file.value {
            Some(path) => Some(crate::settings::read_secret(path)?),
            None => None,
        };
        Ok(Secrets {
            nickserv_password,
            secret,
            extra_ca: crate::settings::extra_ca(s.ca_file.value.as_deref())?,
            client: crate::settings::identity::client_identity(
                s.client_cert.value.as_deref(),
                s.client_key.value.as_deref(),
            )?,
        })
    }
}

/// The sockets the daemon serves.
struct Listeners {
    tcp: TcpListener,
    udp: UdpSocket,
    http: Option<TcpListener>,
}

impl Listeners {
    /// Binds what the settings name; never an open relay by accident.
    fn bind(s: &DaemonSettings, signed: bool) -> Result<Listeners> {
        let listen = &s.listen.value;
        let (tcp, udp) = bind(listen)?;
        let http =
            match &s.http.value {
                Some(a) => Some(TcpListener::bind(a.as_str()).map_err(|e| {
                    fail(Code::Unavailable, format!("cannot serve HTTP on {a}: {e}"))
                })?),
                None => None,
            };
        let beyond = |l: &TcpListener| l.local_addr().is_ok_and(|a| !a.ip().is_loopback());
        let exposed = beyond(&tcp) || http.as_ref().is_some_and(beyond);
        if exposed && !signed && !s.allow_unauthenticated {
            return Err(fail(
                Code::Usage,
                format!(
                    "refusing to listen beyond loopback ({listen}{}) without --secret-file: anyone could send \
                     through this relay (give --allow-unauthenticated if that is really what you want)",
                    s.http.value.as_deref().map(|h| format!(", http {h}")).unwrap_or_default()
                ),
            ));
        }
        Ok(Listeners { tcp, udp, http })
    }
}

/// A started daemon: what the wait and the drain need.
struct Running {
    dispatcher: Arc<Dispatcher>,
    writer: spool::Writer,
    signals: signal_hook::iterator::Signals,
    /// Held for as long as the daemon runs: one daemon per state dir.
    _lock: File,
}

/// Everything up to the ready line: every value checked, every file read,
/// the spool open, the listeners bound, the jobs started.
fn start(s: &DaemonSettings, ctx: &Context) -> Result<Running> {
    let targets = Arc::new(
        crate::settings::targets::TargetSettings::load(
            &ctx.config,
            crate::settings::targets::Scope::Daemon,
        )
        .map_err(|e| fail(Code::Config, e))?,
    );
    let forge =
        forge::Intake::load(&ctx.config.forge, |t| ctx.config.expand_target(t))?.map(Arc::new);
    let secrets = Secrets::read(s)?;
    let listeners = Listeners::bind(s, secrets.secret.is_some())?;

    let state_dir = &s.state_dir.value;
    // A daemon ran here before if its lock file is there: a spool missing
    // then has vanished, and that is said.
    let ran_before = state_dir.join("daemon.lock").exists();
    let lock = lock_state_dir(state_dir)?;
    let salvaged = check_spool(state_dir, ran_before)?;
    let (writer, _writer_thread) = spool::Writer::start(state_dir).map_err(|e| {
        fail(
            Code::Unavailable,
            format!("cannot open the spool in {}: {e:#}", state_dir.display()),
        )
    })?;
    if let Some(note) = salvaged {
        writer.set_salvaged(note);
    }

    let mut dispatcher = dispatcher(s, &secrets, writer.clone())?;
    dispatcher.targets = targets.clone();
    if let Some(url) = &s.nats {
        dispatcher.nats = Some(share_through_nats(
            url,
            s,
            ctx,
            &dispatcher,
            &writer,
            &targets,
        )?);
    }
    let dispatcher = Arc::new(dispatcher);
    dispatcher.clone().schedule(state_dir, s.retain.value)?;
    start_jobs(s, ctx, &secrets, &dispatcher)?;

    let signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ])
    .context("installing signal handlers")?;
    serve(listeners, &dispatcher, forge, s)?;
    log::info!("spool in {}", state_dir.display());
    notify_systemd("READY=1");
    Ok(Running {
        dispatcher,
        writer,
        signals,
        _lock: lock,
    })
}

/// The dispatcher over the delivery layer, as the settings shape it.
fn dispatcher(s: &DaemonSettings, secrets: &Secrets, writer: spool::Writer) -> Result<Dispatcher> {
    let irc = crate::notify::irc::Settings {
        nickserv_password: secrets.nickserv_password.clone(),
        burst: f64::from(s.burst.value),
        line_rate: s.line_rate.value,
        max_connections: s.max_connections.value,
        channel_ttl: s.channel_ttl.value,
        connection_ttl: s.connection_ttl.value,
        proxy: s.irc_proxy.clone(),
        client_certificate: secrets.client.is_some(),
        notice: s.notice.value,
        ..crate::notify::irc::Settings::new(
            s.nick
                .value
                .clone()
                .unwrap_or_else(crate::notify::delivery::default_nick),
            crate::net::tls::client_config(s.ca_file.value.as_deref(), secrets.client.as_ref())?,
        )
    };
    let mut delivery = Delivery::new(irc, secrets.extra_ca.as_deref());
    delivery.state_dir = Some(s.state_dir.value.clone());
    let access = Access::new(
        secrets.secret.clone(),
        s.trust_loopback.value,
        s.allow.clone(),
        s.rate,
    );
    let mut dispatcher = Dispatcher::new(
        delivery,
        writer,
        access,
        Arc::new(metrics::Metrics::default()),
        s.max_age.value,
    );
    dispatcher.window = s.window.value;
    Ok(dispatcher)
}

/// Joins the NATS work queue: deliveries are shared with the other daemons
/// there, events published, history served.
fn share_through_nats(
    url: &str,
    s: &DaemonSettings,
    ctx: &Context,
    dispatcher: &Dispatcher,
    writer: &spool::Writer,
    targets: &Arc<crate::settings::targets::TargetSettings>,
) -> Result<Arc<jetstream::Nats>> {
    let flags = crate::settings::NatsFlags {
        url,
        creds: s.nats_creds.as_deref(),
        token_file: s.nats_token_file.as_deref(),
        ca_file: s.ca_file.value.as_deref(),
    };
    let (bus_options, queue) = crate::settings::nats(&flags, &ctx.config.nats, "daemon")?;
    let dead_letter = match &ctx.config.nats.dead_letter {
        None => None,
        Some(t) => {
            let url = ctx
                .config
                .expand_target(t)
                .map_err(|e| fail(Code::Config, format!("[nats] dead_letter {t}: {e}")))?;
            let target = crate::notify::destination::Destination::parse(&url)
                .map_err(|e| fail(Code::Config, format!("[nats] dead_letter: {e}")))?;
            Some(targets.apply(target))
        }
    };
    let state_dir = &s.state_dir.value;
    let bus = Arc::new(crate::bus::Bus::connect(&bus_options)?);
    let nats = jetstream::Nats::start(bus.clone(), queue, state_dir)?;
    crate::bus::events::install(bus)?;
    nats.serve_history(state_dir)?;
    nats.run(jetstream::Deliver {
        delivery: dispatcher.delivery.clone(),
        history: writer.clone(),
        targets: targets.clone(),
        metrics: dispatcher.metrics.clone(),
        dead_letter,
    })?;
    log::info!("sharing the work through NATS at {url}");
    Ok(nats)
}

/// The bot, scheduled checks and scheduled updates, each checked whole
/// before the daemon says it is ready.
fn start_jobs(
    s: &DaemonSettings,
    ctx: &Context,
    secrets: &Secrets,
    dispatcher: &Arc<Dispatcher>,
) -> Result<()> {
    let state_dir = &s.state_dir.value;
    if let Some((bot, semaphore)) =
        crate::settings::bot(ctx, state_dir, s.ca_file.value.as_deref())?
    {
        let semaphore = semaphore.open().map_err(|e| {
            fail(
                crate::exit::code_of(&e),
                format!("[bot] runs Semaphore tasks: {e:#}"),
            )
        })?;
        crate::chatops::bot::start(bot, semaphore)?;
    }
    if let Some(every) = s.check_every {
        start_checks(
            every,
            ctx,
            state_dir,
            secrets.extra_ca.clone(),
            dispatcher.clone(),
        )?;
    }
    if let Some(every) = s.update_every {
        start_updates(
            every,
            ctx,
            state_dir,
            secrets.extra_ca.clone(),
            dispatcher.clone(),
        )?;
    }
    Ok(())
}

/// Starts the listener threads and prints the ready line.
fn serve(
    listeners: Listeners,
    dispatcher: &Arc<Dispatcher>,
    forge: Option<Arc<forge::Intake>>,
    s: &DaemonSettings,
) -> Result<()> {
    let Listeners { tcp, udp, http } = listeners;
    let mut ready = format!(
        "listening tcp={} udp={}",
        tcp.local_addr()?,
        udp.local_addr()?
    );
    let (clients, http_connections) = slots::budget();
    let d = dispatcher.clone();
    std::thread::Builder::new()
        .name("tcp-accept".into())
        .spawn(move || listen::accept_loop(tcp, d, clients))?;
    let d = dispatcher.clone();
    std::thread::Builder::new()
        .name("udp".into())
        .spawn(move || listen::udp_loop(udp, d))?;
    if forge.is_some() && http.is_none() {
        log::warn!(
            "[forge] has secrets but the daemon has no --http: the forge webhooks are not served"
        );
    }
    if let Some(server) = http {
        if let Ok(a) = server.local_addr() {
            ready.push_str(&format!(" http={a}"));
        }
        if let Some(f) = &forge {
            ready.push_str(&format!(" forge={}", f.forges().join(",")));
        }
        http::serve(server, dispatcher.clone(), forge, http_connections);
    }
    // The plain line is what scripts wait for; with JSON logs the same
    // news is also a JSON line, so a log collector sees it.
    eprintln!("{ready}");
    if s.log_format == Some(crate::cli::LogFormat::Json) {
        log::info!("{ready}");
    }
    Ok(())
}

impl Running {
    /// Waits for SIGTERM or SIGINT, then delivers what it can within
    /// `drain`; what is left stays in the spool for the next start.
    fn wait_and_drain(mut self, drain: Duration) {
        let signal = self
            .signals
            .forever()
            .next()
            .unwrap_or(signal_hook::consts::SIGTERM);
        notify_systemd("STOPPING=1");
        let dispatcher = &self.dispatcher;
        dispatcher.stopping.store(true, Ordering::SeqCst);
        if let Some(n) = &dispatcher.nats {
            n.stop();
        }
        let outstanding = || {
            dispatcher.outstanding.load(Ordering::SeqCst)
                + dispatcher.nats.as_ref().map_or(0, |n| n.inflight())
        };
        let inflight = outstanding();
        log::info!(
            "signal {signal}: draining {inflight} deliveries (at most {}s)",
            drain.as_secs_f64()
        );
        let until = Instant::now() + drain;
        // Deliveries to a server that is down make no progress: once nothing
        // has been confirmed for a while and all that is left waits on such
        // servers, it waits in the spool rather than holding up the stop for
        // the whole drain timeout. Anything else drains for all of it.
        let stalled = |since: Instant| {
            since.elapsed() >= STALLED
                && dispatcher.nats.as_ref().is_none_or(|n| n.inflight() == 0)
                && dispatcher.only_waiting_on_down_servers()
        };
        let (mut last, mut progress_at) = (outstanding(), Instant::now());
        while last > 0 && Instant::now() < until && !stalled(progress_at) {
            std::thread::sleep(Duration::from_millis(20));
            let now = outstanding();
            if now < last {
                progress_at = Instant::now();
            }
            last = now;
        }
        let left = outstanding();
        if left > 0 {
            log::warn!(
                "{left} deliveries not confirmed in time; they stay in the spool for the next start"
            );
        }
        if let Some(n) = &dispatcher.nats {
            n.release_leases();
        }
        dispatcher.delivery.shutdown(
            "vext relay shutting down",
            Instant::now() + Duration::from_secs(2),
        );
        self.writer.barrier();
        log::info!("stopped");
    }
}

/// glibc gives threads malloc arenas of their own, up to eight per core,
/// and each keeps its high-water mark: the daemon's short-lived client
/// threads spread small allocations over all of them, and an hour of load
/// showed resident memory creeping up, about 2 MiB above what two arenas
/// hold. A relay that waits on sockets needs no more than two. An explicit
/// MALLOC_ARENA_MAX wins; musl has no arenas.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; it is called
        // before the daemon starts its threads.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

/// The drain gives up once no delivery was confirmed for this long and
/// all that is left waits on IRC servers that are down.
const STALLED: Duration = Duration::from_secs(3);

/// Scheduled checks: at start, then every `every`; a summary of what is new
/// goes through the daemon's own spool to `[check] notify`.
fn start_checks(
    every: Duration,
    ctx: &Context,
    state_dir: &Path,
    extra_ca: Option<Vec<u8>>,
    dispatcher: Arc<Dispatcher>,
) -> Result<()> {
    let c = &ctx.config.check;
    if c.notify.is_empty() || (c.images.is_empty() && c.paths.is_empty()) {
        return Err(fail(
            Code::Config,
            "--check-every needs [check] images or paths, and notify, in the config file",
        ));
    }
    let notify = crate::settings::expand_targets(ctx, &c.notify, "[check] notify")?;
    // A bad [policy] stops the start (exit 78), not each scheduled run.
    crate::settings::policy(ctx, None)?;
    let job = crate::images::check::Scheduled {
        extra_ca,
        images: c.images.clone(),
        paths: c.paths.clone(),
        insecure_registry: c.insecure_registry.clone(),
        policy: ctx.config.policy.clone(),
    };
    let dir = state_dir.to_path_buf();
    std::thread::Builder::new()
        .name("checks".into())
        .spawn(move || loop {
            match crate::images::check::scheduled(&job, &dir) {
                Ok(Some(report)) => {
                    let notice = Notice {
                        text: report.text,
                        title: Some("vext check".into()),
                        kind: Some(report.kind),
                        ..Default::default()
                    };
                    // Once in the spool, the summary will be delivered: its
                    // news are used up. Refused, they stay for the next run.
                    if spool_summary(&dispatcher, &notify, notice, "check") {
                        if let Err(e) = report.remembered.reported(&report.conn) {
                            log::warn!("scheduled check: recording the report: {e:#}");
                        }
                    }
                }
                Ok(None) => log::info!("scheduled check: nothing new"),
                Err(e) => log::warn!("scheduled check failed: {e:#}"),
            }
            std::thread::sleep(every);
        })?;
    Ok(())
}

/// Scheduled updates: at start, then every `every`; what was applied,
/// rolled back or failed goes through the daemon's own spool to `[update]
/// notify`, and the safe_updater_* metrics onto `/metrics`.
fn start_updates(
    every: Duration,
    ctx: &Context,
    state_dir: &Path,
    extra_ca: Option<Vec<u8>>,
    dispatcher: Arc<Dispatcher>,
) -> Result<()> {
    let (settings, notify) = crate::settings::update::scheduled(ctx, extra_ca)?;
    let dir = state_dir.to_path_buf();
    dispatcher.metrics.track_updates();
    std::thread::Builder::new()
        .name("updates".into())
        .spawn(move || loop {
            match crate::images::update::run::run(&settings, &dir) {
                Ok(run) => {
                    dispatcher.metrics.record_updates(&run);
                    for r in &run.recovered {
                        log::warn!(
                            "scheduled update: {}: an interrupted update to {} ended {}",
                            r.workload,
                            r.to_ref,
                            r.ending.outcome()
                        );
                    }
                    for (image, why) in &run.unchecked {
                        log::warn!("scheduled update: {image}: not checked: {why}");
                    }
                    let notice = crate::images::update::run::notice(&run.done);
                    match notice {
                        Some(n) if !notify.is_empty() => {
                            spool_summary(&dispatcher, &notify, n, "update");
                        }
                        Some(_) => {}
                        None => log::info!("scheduled update: nothing to update"),
                    }
                }
                Err(e) => log::warn!("scheduled update failed: {e:#}"),
            }
            std::thread::sleep(every);
        })?;
    Ok(())
}

/// Hands a scheduled job's summary to the daemon's own spool; false (and
/// a warning) when it is refused.
fn spool_summary(dispatcher: &Arc<Dispatcher>, to: &[String], notice: Notice, job: &str) -> bool {
    match dispatcher.accept_own(to, notice, &format!("scheduled {job}")) {
        Ok(_) => true,
        Err(r) => {
            log::warn!(
                "scheduled {job}: the summary was not accepted: {}",
                r.message()
            );
            false
        }
    }
}

/// Checks the spool before it is opened: a damaged one is moved aside and
/// what can be read of it salvaged into a fresh one, said once in the log
/// (and returned for `/healthz`); one cut to nothing or gone is said too.
fn check_spool(dir: &std::path::Path, ran_before: bool) -> Result<Option<String>> {
    use crate::state::salvage::{check, Found};
    let path = dir.join(crate::state::db::DB_FILE);
    if ran_before && !path.exists() {
        log::error!(
            "{} is gone although a daemon ran here before: starting a fresh spool; \
             whatever it held is lost",
            path.display()
        );
        return Ok(Some("the spool was missing at start".into()));
    }
    match check(dir).map_err(|e| {
        fail(
            Code::Unavailable,
            format!("checking the spool {}: {e:#}", path.display()),
        )
    })? {
        Found::Sound => Ok(None),
        Found::Empty => {
            log::error!(
                "{} is empty (0 bytes): starting a fresh spool; whatever it held is gone",
                path.display()
            );
            Ok(Some("the spool was empty at start".into()))
        }
        Found::Salvaged { why, kept, rows } => {
            let note = format!(
                "the spool was damaged ({why}); {rows} readable rows salvaged into a fresh one, \
                 the damaged file kept at {}",
                kept.display()
            );
            log::error!("{note}");
            Ok(Some(note))
        }
    }
}

/// Creates the state directory and takes its lock: one daemon per spool.
fn lock_state_dir(dir: &Path) -> Result<File> {
    crate::state::dir::lock(dir, "daemon.lock", "vext daemon")
}

/// Binds TCP and UDP on the same address; with port 0, a port free for both.
fn bind(listen: &str) -> Result<(TcpListener, UdpSocket)> {
    let addrs: Vec<SocketAddr> = listen
        .to_socket_addrs()
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

/// systemd `Type=notify`: tells the service manager we are ready (or stopping).
fn notify_systemd(state: &str) {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    let Ok(sock) = std::os::unix::net::UnixDatagram::unbound() else {
        return;
    };
    let bytes = path.as_encoded_bytes();
    let result = if let Some(name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        std::os::unix::net::SocketAddr::from_abstract_name(name)
            .and_then(|addr| sock.send_to_addr(state.as_bytes(), &addr))
    } else {
        sock.send_to(state.as_bytes(), Path::new(&path))
    };
    if let Err(e) = result {
        log::warn!("cannot notify systemd: {e}");
    }
}
