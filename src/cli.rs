//! The whole command-line interface, in one place: every clap type lives here
//! so the user interface can be reviewed in one file. Completions and man
//! pages are generated from these definitions (`vext generate`).

// The doc comments here are clap's help text, written for a terminal:
// `[nats] url` and `HOST[:PORT]` are what users type, not rustdoc links.
#![allow(rustdoc::broken_intra_doc_links)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::notify::notice::NoticeType;

/// The exit-code table, shown in `--help` (and README.md).
/// Every target scheme with one example: `vext --help` and `vext send --help`.
macro_rules! targets {
    () => {
        "Targets:
  irc://[nick[:password]@]host[:port]/channel[?key=KEY]   port 6667 by default
  ircs://...                                             TLS, port 6697, certificate verified
  irc://host/name,isnick                                 a private message to a user
  irc://host/channel?notice                              NOTICE instead of PRIVMSG (&notice after a key)
  irc://host/channel?nojoin                              without joining (joins if the channel is +n)
  matrixs://matrix.example.org/!room:example.org         a Matrix room (matrix:// for plain HTTP)
  slack://T000/B000/SECRET                               a Slack incoming webhook
  discord://ID/TOKEN                                     a Discord webhook
  mattermosts://chat.example.org/hooks/KEY               a Mattermost webhook (mattermost://: HTTP)
  webhook+https://[user:password@]example.org/hook       JSON {title, body, type, time} to any URL
  @name                                                  a target defined in the config file
"
    };
}

macro_rules! exit_codes {
    () => {
        "Exit codes:
  0   ok
  64  bad arguments or target URL
  65  bad input data
  69  service unavailable (the server refused us, no daemon at --via)
  75  temporary failure, worth retrying (timeout, connection refused, DNS failure)
  77  TLS verification or authentication failed (SASL/PASS rejected)
  78  bad configuration
With several targets, the exit code is the worst one; each failed target gets one line on stderr."
    };
}

#[derive(Parser, Debug)]
#[command(
    name = "vext",
    version,
    about = "Tell people what happened (notifications to IRC, Matrix and chat webhooks from \
             scripts, hooks and cron, through an irker-compatible relay daemon) and what needs \
             updating (the container images in use, checked against their registries and \
             updated safely)",
    long_about = None,
    after_help = "Examples:
  vext send irc://irc.libera.chat/myproject -m 'deploy of web-1 finished'
  make 2>&1 | tail -1 | vext send ircs://irc.libera.chat/ops
  vext daemon --listen 127.0.0.1:6659
  vext send --via localhost:6659 irc://irc.libera.chat/ops -m 'backup done'
  vext check deploy/ --docker
  vext update --docker --plan",
    after_long_help = concat!(targets!(), "
Examples:
  vext send irc://irc.libera.chat/myproject -m 'deploy of web-1 finished'
  make 2>&1 | tail -1 | vext send ircs://irc.libera.chat/ops
  vext daemon --listen 127.0.0.1:6659
  vext send --via localhost:6659 irc://irc.libera.chat/ops -m 'backup done'
  vext check deploy/ --docker
  vext update --docker --plan

", exit_codes!())
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

impl Cli {
    /// Parses the command line. `vext send ...`, which scripts and hooks
    /// run often, builds only its own definition (the whole tree, with every
    /// subcommand's long help, was most of its user time); anything that
    /// does not parse that way (`--help`, a mistake) is parsed again with
    /// the whole tree, so help and errors read the same.
    pub(crate) fn parse_args() -> Result<Cli, clap::Error> {
        use clap::{CommandFactory, FromArgMatches};
        let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        if let Some(cli) = Cli::parse_send(&args) {
            return Ok(cli);
        }
        let mut cmd = Cli::command();
        let matches = cmd.try_get_matches_from_mut(args)?;
        let mut cli = Cli::from_arg_matches(&matches)?;
        if let (Command::Daemon(d), Some(sub), Some(m)) = (
            &mut cli.command,
            cmd.find_subcommand("daemon"),
            matches.subcommand_matches("daemon"),
        ) {
            d.from_env = from_env(sub, m);
        }
        Ok(cli)
    }

    fn parse_send(args: &[std::ffi::OsString]) -> Option<Cli> {
        use clap::FromArgMatches;
        if args.get(1)? != "send" {
            return None;
        }
        let mut cmd = Global::augment_args(clap::Command::new("vext"))
            .subcommand(SendArgs::augment_args(clap::Command::new("send")));
        let matches = cmd.try_get_matches_from_mut(args).ok()?;
        let mut cli = Cli::from_arg_matches(&matches).ok()?;
        if let (Command::Send(s), Some(sub), Some(m)) = (
            &mut cli.command,
            cmd.find_subcommand("send"),
            matches.subcommand_matches("send"),
        ) {
            s.from_env = from_env(sub, m);
        }
        Some(cli)
    }
}

/// (flag id, variable) for each value clap took from the environment
/// rather than the command line: the settings layer says which it was.
fn from_env(cmd: &clap::Command, m: &clap::ArgMatches) -> Vec<(String, String)> {
    cmd.get_arguments()
        .filter(|a| {
            m.value_source(a.get_id().as_str()) == Some(clap::parser::ValueSource::EnvVariable)
        })
        .filter_map(|a| {
            let var = a.get_env()?.to_string_lossy().into_owned();
            Some((a.get_id().to_string(), var))
        })
        .collect()
}

/// A subcommand's arguments as the environment alone gives them (no flags):
/// what `vext config show` resolves.
pub(crate) fn from_environment<A: Args + clap::FromArgMatches>(
    name: &'static str,
) -> Result<(A, Vec<(String, String)>), clap::Error> {
    // Nothing is required here: what is resolved is what the environment gives.
    let mut cmd = A::augment_args(clap::Command::new(name)).mut_args(|a| a.required(false));
    let m = cmd.try_get_matches_from_mut([name])?;
    let args = A::from_arg_matches(&m)?;
    Ok((args, from_env(&cmd, &m)))
}

#[derive(Args, Debug, Clone)]
pub(crate) struct Global {
    /// Configuration file (TOML).
    ///
    /// Default: $XDG_CONFIG_HOME/vext/config.toml (~/.config/vext/config.toml),
    /// else /etc/vext/config.toml. A missing default file is fine; a missing
    /// file given here is an error.
    #[arg(
        long,
        global = true,
        env = "VEXT_CONFIG",
        value_name = "FILE",
        display_order = 900
    )]
    pub(crate) config: Option<PathBuf>,

    /// More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace).
    ///
    /// VEXT_LOG (e.g. VEXT_LOG=debug) overrides -v and -q. No level shows a
    /// secret; the HTTP client library's own lines (which would: URLs, raw
    /// requests) stay off at every level.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, display_order = 901)]
    pub(crate) verbose: u8,

    /// Only errors on stderr.
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "verbose",
        display_order = 902
    )]
    pub(crate) quiet: bool,

    /// Refuse secret files (tokens, passwords, --secret-file, .creds) that
    /// group or others can read, instead of warning (also
    /// `strict_permissions = true` in the config).
    #[arg(
        long,
        global = true,
        env = "VEXT_STRICT_PERMISSIONS",
        display_order = 903
    )]
    pub(crate) strict_permissions: bool,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Deliver one notification to IRC, Matrix and webhook targets, directly or through a daemon.
    #[command(
        long_about = "Deliver one notification to one or more targets.\n\n\
The text comes from -m/--message, else from stdin. Each line of the text becomes \
one IRC message; long lines are split to fit. Directly, vext connects, registers, \
joins, sends, and returns once the server has taken the lines (PING/PONG). With \
--via (or VEXT_DAEMON) it hands the notification to a running `vext daemon` (or, \
with --no-ack, to irkerd) instead.",
        after_help = concat!(targets!(), "A channel without #, & or + gets #. A password logs in with SASL PLAIN when the
server offers it, else with PASS. Matrix tokens never go in the URL: the config
file, VEXT_MATRIX_TOKEN or --matrix-token-file.

Examples:
  vext send irc://irc.libera.chat/myproject -m 'release 1.4 tagged'
  echo 'disk almost full' | vext send ircs://bot:secret@irc.example.net/ops
  vext send --via 127.0.0.1:6659 irc://irc.example.net/ci -m 'build #512 failed'
  vext send --dry-run --via localhost irc://irc.example.net/ci -m test

", exit_codes!())
    )]
    Send(SendArgs),

    /// Run the relay daemon: irker's JSON protocol on TCP and UDP, persistent IRC connections.
    #[command(
        long_about = "Run the relay daemon, a drop-in replacement for irkerd.\n\n\
It serves irker's protocol (one JSON object per line: {\"to\": URL or [URL...], \
\"privmsg\": TEXT}) on TCP and UDP on the same port, keeps one pool of connections \
per IRC server (several channels per connection, up to the server's CHANLIMIT), \
paces each connection so no server disconnects it for flooding, parts idle channels, \
reconnects with backoff, and on SIGTERM/SIGINT delivers what is queued before it quits.\n\n\
With a [bot] section in the config (and [semaphore]), it also runs a Matrix bot that \
starts, follows and stops Semaphore UI tasks from the rooms listed there, for the admins \
listed there (`!cd help` in a room lists its commands).\n\n\
When ready it prints `listening tcp=ADDR udp=ADDR` on stderr (with --log-format json, \
also as a JSON log line).\n\n\
The daemon logs at info level without -v (what it accepted and delivered, connections, \
failures); -vv adds debug, -vvv the IRC protocol trace (passwords masked), -q keeps errors \
only.\n\n\
Matrix credentials from the environment (VEXT_MATRIX_TOKEN, VEXT_MATRIX_PASSWORD) go \
only to the homeserver VEXT_MATRIX_HOMESERVER names; [targets] credentials only to their \
own URL. A request naming another homeserver gets none.\n\n\
IRC connections go through the SOCKS5 proxy ALL_PROXY names (socks5h://[user:password@]host:port), \
HTTP ones through HTTPS_PROXY/HTTP_PROXY; NO_PROXY lists hosts reached directly.",
        after_help = "Examples:
  vext daemon                                  # 127.0.0.1:6659, like irkerd
  vext daemon --listen 127.0.0.1:0 -vv         # a free port, printed on stderr; debug logs
  vext daemon --nick mybot --nickserv-password-file /etc/vext/nickserv
  irk irc://irc.example.net/test 'hello'       # irker's own clients work unchanged"
    )]
    Daemon(DaemonArgs),

    /// Announce commits from git hooks (a drop-in for irkerhook).
    Hook(HookArgs),

    /// Find the container images in use: manifest files (Kubernetes, kustomize, compose, Dockerfiles) and Docker.
    #[command(after_help = "Examples:
  vext scan                          # the current directory, as a table
  vext scan k8s/ docker/ --json      # an array of findings
  vext scan --ndjson | jq -r .image  # one JSON object per line, streamed
  vext scan --unique                 # one line per image, with a count
  vext scan --docker                 # running containers (DOCKER_HOST or /var/run/docker.sock)

Each JSON finding has image (normalised, e.g. docker.io/library/nginx:1.27-alpine; null when
unresolved), raw (as written), kind (k8s, kustomize, compose, dockerfile, docker) and source
(file and line, or container and id), plus digest where the running digest is known.")]
    Scan(ScanArgs),

    /// Check registries for newer versions of the images in use, gated by a safe-update policy.
    #[command(after_help = "Examples:
  vext check nginx:1.25-alpine postgres:16.2
  vext check deploy/ --json                 # every image found in the manifests
  vext scan --json | vext check --from -
  vext check deploy/ --exit-code || echo 'updates approved'

JSON: one object per image with image, current, latest (the newest tag the policy
approves), newest (the newest tag of the same variant and shape), change (current to
newest: none, patch, minor, major, digest), approved_change (current to latest),
decision (approve, hold, ignore, none) and error.
Exit: 0, or 1 with --exit-code when an update is approved; when no image could be
checked: 77 (authentication), 75 (temporary: timeouts, 429, 5xx), else 69.")]
    Check(CheckArgs),

    /// Apply the updates the policy approves: recreate containers, patch Kubernetes workloads, rewrite manifest tags; health gate and automatic rollback.
    #[command(
        long_about = "Apply the updates the policy approves, safely.\n\n\
The inputs and the policy are `vext check`'s. For each Docker container (--docker) \
whose image has an approved update, vext pulls the new image, recreates the container \
with everything the user set (env, mounts, ports, networks and aliases, restart \
policy, labels, ...), keeps the old one (renamed NAME.vext-old) until the new one is \
proven healthy, and rolls back by itself when it is not: the old container runs again \
under its name and the failed version is held, skipped by later runs until a newer \
one appears or --release clears it. A container without published host ports keeps \
serving while the new one starts (no downtime); an old container is stopped with the \
grace period it was created with (stop_grace_period, --stop-timeout).\n\n\
Containers go in dependency order: the compose services one depends on (depends_on, \
links) and the container whose network it shares come first; containers that share the \
network of one being recreated (network_mode: service:X) are recreated after it on \
their own image. A compose container keeps its project's labels (docker compose ps \
lists it); with --write the project's compose file names the new tag too, and the new \
container carries the config hash compose computes for the edited file, so a later \
`docker compose up -d` does not recreate it again.\n\n\
For each Kubernetes Deployment, StatefulSet, DaemonSet or CronJob (--kube), vext \
patches the container's image (refused if the workload changed since vext looked), \
records kubernetes.io/change-cause, and waits for the rollout as `kubectl rollout \
status` judges it, within --health-timeout; a new pod in ImagePullBackOff, \
ErrImagePull, CrashLoopBackOff or CreateContainerConfigError fails it at once. A \
failed rollout is undone as `kubectl rollout undo` does (the previous ReplicaSet's or \
ControllerRevision's pod template is put back) and the version is held.\n\n\
Manifest files given as PATHs are rewritten with --write (only the tag bytes change), \
and --commit commits them.\n\n\
Every step is journaled in the state dir before it is taken: a run that is killed is \
finished or undone by the next one (or --recover). Two runs never act at once.",
        after_help = concat!("Examples:
  vext update --docker --plan                # what would be done, changes nothing
  vext update --docker --health-url http://127.0.0.1:8080/health
  vext update --kube -n web --only 'ghcr.io/acme/*'
  vext update deploy/ --write --commit       # rewrite approved tags in the manifests, one commit
  vext update --release ghcr.io/acme/app:2.1.0

JSON (--plan --json): one object per planned step, in order: workload, source (docker,
kube, file), step (pull, stop_old, rename_old, create, start, verify, remove_old, patch,
wait_rollout, rewrite),
image (the repository), current, target (the new reference), change (patch, minor,
major, digest). JSON (apply): one object per workload: workload, source, image,
current, target, change, result (applied, rolled_back, failed, skipped), reason.

Exit: 0 when everything approved was applied (or nothing was to do); 1 when at least one
update was rolled back or failed.
", exit_codes!())
    )]
    Update(UpdateArgs),

    /// Run, follow and stop Semaphore UI (Ansible) tasks.
    #[command(after_help = concat!("Examples:
  export VEXT_SEMAPHORE_URL=https://semaphore.example.org VEXT_SEMAPHORE_TOKEN=...
  vext semaphore projects
  vext semaphore templates infra
  vext semaphore run infra 'Deploy web' --limit web1 --wait --follow
  vext semaphore logs infra 42 --tail 20
  vext semaphore stop infra 42 --force

Projects and templates are named by id or by name (case-insensitive).
`run --wait` exits 0 when the task succeeds, 1 on error, 2 when it was stopped;
75 when Semaphore is unreachable, 77 when it refuses the token.
", exit_codes!()))]
    Semaphore(SemaphoreArgs),

    /// Inspect the NATS JetStream work queue that daemons run with --nats share.
    #[command(after_help = concat!("Examples:
  vext nats status --nats nats://127.0.0.1:4222
  vext nats status --json              # [nats] url from the config

Shows the work-queue stream (messages stored, not yet delivered) and the
consumer every daemon pulls from: pending (not fetched yet), ack pending
(fetched by a daemon, not yet confirmed) and redelivered.
", exit_codes!()))]
    #[command(subcommand)]
    Nats(NatsCommand),

    /// Forge webhooks (GitHub, GitLab, Gitea, Forgejo): try the [forge] routes on a saved payload.
    #[command(
        subcommand,
        long_about = "Forge webhooks into the daemon.\n\n\
`vext daemon --http ADDR` takes POST /v1/forge/github, /v1/forge/gitlab and /v1/forge/gitea \
(Forgejo too) when [forge] in the config gives that forge's secret, and sends what \
[[forge.route]] rules say, in the lines `vext hook git` would send. `vext forge test` \
renders a saved payload through those rules without sending, for people writing rules.",
        after_help = "Examples:
  vext forge test push.json --forge github
  vext forge test mr.json --forge gitlab --event 'Merge Request Hook'
  curl -s ... | vext forge test - --forge gitea --event pull_request"
    )]
    Forge(ForgeCommand),

    /// Show what the daemon stored and delivered (the spool is the history).
    #[command(after_help = "Examples:
  vext history                       # the last 100 messages
  vext history --state failed --since 1d
  vext history --target 'irc://irc.libera.chat/*' --json
  vext history -f                    # follow new messages as they arrive")]
    History(HistoryArgs),

    /// Inspect the configuration.
    #[command(
        subcommand,
        after_help = "Examples:
  vext config show                        # every resolved value and where it came from
  vext --config /etc/vext/vext.toml config show
  VEXT_LISTEN=0.0.0.0:6659 vext config show | grep listen
  vext config reference                   # every section and key, with what it means

The file is TOML: --config or VEXT_CONFIG, else the first of
$XDG_CONFIG_HOME/vext/config.toml (~/.config/vext/config.toml),
/etc/vext/config.toml and irkerd's INI file /etc/vext/vext.conf that exists.
Secrets are shown as ***."
    )]
    Config(ConfigCommand),

    /// Print the completion script for a shell (the static binary carries its own).
    #[command(after_help = "Examples:
  vext completions bash > /etc/bash_completion.d/vext
  vext completions zsh > \"${fpath[1]}/_vext\"
  vext completions fish > ~/.config/fish/completions/vext.fish

make install puts them (and the man pages) in place under PREFIX.")]
    Completions(CompletionsArgs),

    /// Write shell completions and man pages (for packagers and the project itself).
    #[command(hide = true)]
    Generate(GenerateArgs),
}

#[derive(Args, Debug)]
pub(crate) struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_name = "SHELL")]
    pub(crate) shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub(crate) struct SendArgs {
    /// Where to send: irc://host/channel, ircs://..., matrixs://..., slack://...,
    /// discord://..., mattermost[s]://..., webhook+https://..., or @name from the config file.
    #[arg(required = true, value_name = "TARGET")]
    pub(crate) targets: Vec<String>,

    /// The text to send (each line becomes a message). Without it, stdin is read.
    #[arg(short, long, value_name = "TEXT")]
    pub(crate) message: Option<String>,

    /// Hand the notification to a running daemon at HOST[:PORT] (port 6659 by default).
    #[arg(long, env = "VEXT_DAEMON", value_name = "HOST:PORT")]
    pub(crate) via: Option<String>,

    /// With --via: send a plain irker request and do not wait for a reply (for irkerd).
    /// Exit 0 then only means the request was written: a refusal by the daemon
    /// (a signature it requires, a target it does not allow) is in its log only.
    #[arg(long, requires = "via")]
    pub(crate) no_ack: bool,

    /// Print the one request line --via would send, and send nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// An idempotency key for --via (a random one by default).
    #[arg(long, value_name = "ID")]
    pub(crate) id: Option<String>,

    /// Give up after this long (exit 75): seconds, or like 30s or 2m [default: 30].
    #[arg(long, env = "VEXT_TIMEOUT", value_name = "SECS", value_parser = parse_duration)]
    pub(crate) timeout: Option<std::time::Duration>,

    /// Nick to use when the target URL names none [default: vext + 3 random digits].
    #[arg(long, env = "VEXT_NICK", value_name = "NICK")]
    pub(crate) nick: Option<String>,

    /// Also trust the CA certificates in this PEM file (a private CA), besides the public roots, for ircs://, matrixs:// and HTTPS webhooks.
    #[arg(long, env = "VEXT_CA_FILE", value_name = "PEM")]
    pub(crate) ca_file: Option<PathBuf>,

    /// Present this client certificate (PEM) to ircs:// servers that ask: CertFP, and SASL EXTERNAL where the server offers it (irkerd -e). The file may hold the private key too.
    #[arg(long, env = "VEXT_CLIENT_CERT", value_name = "PEM")]
    pub(crate) client_cert: Option<PathBuf>,

    /// The client certificate's private key (PEM) when it is not in --client-cert's file; keep it chmod 600.
    #[arg(long, env = "VEXT_CLIENT_KEY", value_name = "PEM")]
    pub(crate) client_key: Option<PathBuf>,

    /// Send every IRC message as NOTICE instead of PRIVMSG, as many channels ask of bots (per target: ?notice).
    #[arg(long)]
    pub(crate) notice: bool,

    /// A title: bold on IRC, the attachment/embed title on Slack and Discord.
    #[arg(long, value_name = "TEXT")]
    pub(crate) title: Option<String>,

    /// What kind of news: info, success, warning or failure (colours the message where the target can).
    #[arg(long = "type", value_name = "TYPE")]
    pub(crate) kind: Option<NoticeType>,

    /// Matrix: how the text is formatted (markdown, html or text) [default: text].
    #[arg(long, value_name = "FORMAT")]
    pub(crate) format: Option<MatrixFormat>,

    /// Matrix: send m.notice (default; bots must not trigger other bots) or m.text.
    #[arg(long, value_name = "TYPE")]
    pub(crate) msgtype: Option<MsgType>,

    /// Matrix: read the access token from FILE (else the config file or VEXT_MATRIX_TOKEN).
    #[arg(long, value_name = "FILE")]
    pub(crate) matrix_token_file: Option<PathBuf>,

    /// With --via: sign the request with the shared secret in FILE (the daemon's --secret-file).
    #[arg(long, env = "VEXT_SECRET_FILE", value_name = "FILE")]
    pub(crate) secret_file: Option<PathBuf>,

    /// (flag id, variable) for the values above that came from the environment.
    #[arg(skip)]
    pub(crate) from_env: Vec<(String, String)>,
}

#[derive(Args, Debug)]
pub(crate) struct DaemonArgs {
    /// Address for irker's protocol, TCP and UDP on the same port [default: 127.0.0.1:6659].
    #[arg(long, env = "VEXT_LISTEN", value_name = "ADDR")]
    pub(crate) listen: Option<String>,

    /// Nick on IRC servers when a target URL names none (irkerd -n) [default: vext + 3 random digits].
    #[arg(long, short = 'n', env = "VEXT_NICK", value_name = "NICK")]
    pub(crate) nick: Option<String>,

    /// File holding the NickServ password sent after registration (irkerd -p, but not on the command line).
    #[arg(long, value_name = "FILE")]
    pub(crate) nickserv_password_file: Option<PathBuf>,

    /// Also trust the CA certificates in this PEM file (a private CA), besides the public roots, for ircs://, matrixs:// and HTTPS webhooks.
    #[arg(long, env = "VEXT_CA_FILE", value_name = "PEM")]
    pub(crate) ca_file: Option<PathBuf>,

    /// Present this client certificate (PEM) to ircs:// servers that ask: CertFP, and SASL EXTERNAL where the server offers it (irkerd -e). The file may hold the private key too.
    #[arg(long, env = "VEXT_CLIENT_CERT", value_name = "PEM")]
    pub(crate) client_cert: Option<PathBuf>,

    /// The client certificate's private key (PEM) when it is not in --client-cert's file; keep it chmod 600.
    #[arg(long, env = "VEXT_CLIENT_KEY", value_name = "PEM")]
    pub(crate) client_key: Option<PathBuf>,

    /// Part a channel after this long without messages: seconds, or like 90m [default: 10800, 3 hours].
    #[arg(long, value_name = "SECS", value_parser = parse_duration)]
    pub(crate) channel_ttl: Option<std::time::Duration>,

    /// Quit a connection with no channels left after this long [default: 10800, 3 hours].
    #[arg(long, value_name = "SECS", value_parser = parse_duration)]
    pub(crate) connection_ttl: Option<std::time::Duration>,

    /// Lines a connection may send at once before pacing starts [default: 5].
    #[arg(long, value_name = "LINES")]
    pub(crate) burst: Option<u32>,

    /// Lines per second per connection after the burst [default: 1].
    #[arg(long, value_name = "RATE")]
    pub(crate) line_rate: Option<f64>,

    /// Connections per IRC server that a message to many channels is spread
    /// over, so that it is not paced down one connection (more only when the
    /// server's CHANLIMIT forces them) [default: 4].
    #[arg(long, value_name = "N")]
    pub(crate) max_connections: Option<usize>,

    /// Deliveries per route (IRC server, homeserver, webhook host) held in
    /// memory at once [default: 1000].
    ///
    /// The rest wait in the spool and follow in order as these are answered,
    /// so a server that is down for a day costs bounded memory.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) window: Option<u32>,

    /// On SIGTERM/SIGINT, keep delivering what is queued for at most this long [default: 10 seconds].
    ///
    /// What is not delivered by then stays in the spool and is sent after the next start.
    #[arg(long, value_name = "SECS", value_parser = parse_duration)]
    pub(crate) drain_timeout: Option<std::time::Duration>,

    /// Where the spool (SQLite) and the lock file live.
    ///
    /// Default: $STATE_DIRECTORY (systemd's StateDirectory=), else
    /// $XDG_STATE_HOME/vext, else ~/.local/state/vext.
    #[arg(long, env = "VEXT_STATE_DIR", value_name = "DIR")]
    pub(crate) state_dir: Option<PathBuf>,

    /// Retry transient failures until a message is this old, then mark it failed
    /// (e.g. 24h, 90m, 2d) [default: 24h].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) max_age: Option<std::time::Duration>,

    /// Keep delivered and failed messages this long for `vext history` [default: 7d].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) retain: Option<std::time::Duration>,

    /// Serve HTTP on ADDR: GET /healthz, GET /metrics (Prometheus), POST /v1/notify. Off by default.
    #[arg(long, env = "VEXT_HTTP", value_name = "ADDR")]
    pub(crate) http: Option<String>,

    /// Require requests signed with the shared secret in FILE (HMAC-SHA256).
    ///
    /// Needed to listen on a non-loopback address (or --allow-unauthenticated).
    #[arg(long, env = "VEXT_SECRET_FILE", value_name = "FILE")]
    pub(crate) secret_file: Option<PathBuf>,

    /// Listen beyond loopback without a secret: anyone who can reach the port can send.
    #[arg(long)]
    pub(crate) allow_unauthenticated: bool,

    /// Send every IRC message as NOTICE instead of PRIVMSG, as many channels ask of bots (per target: ?notice).
    #[arg(long)]
    pub(crate) notice: bool,

    /// With a secret: accept unsigned requests from loopback (irk and irkerhook cannot sign).
    #[arg(long)]
    pub(crate) trust_loopback: bool,

    /// Only deliver to targets matching PATTERN (repeatable), e.g. 'irc://*.libera.chat/*'.
    /// Matched as scheme://host[:port]/path on the parsed target: a `*` host label
    /// stands for whole labels, `:*` for any port, and a URL's user part never counts.
    #[arg(long, value_name = "PATTERN")]
    pub(crate) allow_target: Vec<String>,

    /// Per-source rate limit, e.g. 100/min, 10/s, 1000/h; beyond it requests are refused.
    /// What a source is: see --rate-by.
    #[arg(long, value_name = "N/PERIOD")]
    pub(crate) rate: Option<String>,

    /// What --rate counts against: address (an IPv4 address, all of 127/8 as one, or an
    /// IPv6 /64), prefix (an IPv4 /24 or an IPv6 /48), or key (signed requests against
    /// the secret, whatever address they come from; unsigned ones by address).
    #[arg(long, value_name = "BY", value_enum)]
    pub(crate) rate_by: Option<RateBy>,

    /// Run `vext check` on what [check] in the config lists, this often (e.g. 6h),
    /// and send [check] notify a summary of what is new.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) check_every: Option<std::time::Duration>,

    /// Run `vext update` on what [update] in the config names (docker, kube, paths),
    /// this often (e.g. 6h), and tell [update] notify what was applied, rolled back or
    /// failed. Off unless given here or as [update] every.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) update_every: Option<std::time::Duration>,

    /// Log format on stderr: text, or json (one object per line).
    #[arg(long, value_name = "FORMAT")]
    pub(crate) log_format: Option<LogFormat>,

    /// Share the work with other daemons through NATS JetStream at URL
    /// (comma-separated for a cluster), e.g. nats://127.0.0.1:4222.
    ///
    /// Accepted notifications go to the work-queue stream ([nats] stream,
    /// default VEXT) and are acknowledged after the stream stored them;
    /// every daemon on the stream delivers from it. While NATS is out of
    /// reach they wait in the local outbox and are forwarded later.
    #[arg(long, env = "VEXT_NATS", value_name = "URL")]
    pub(crate) nats: Option<String>,

    /// NATS credentials file (.creds: a user JWT and NKey seed).
    #[arg(long, value_name = "FILE")]
    pub(crate) nats_creds: Option<PathBuf>,

    /// File holding a NATS token.
    #[arg(long, value_name = "FILE")]
    pub(crate) nats_token_file: Option<PathBuf>,

    /// (flag id, variable) for the values above that came from the environment.
    #[arg(skip)]
    pub(crate) from_env: Vec<(String, String)>,
}

#[derive(Args, Debug)]
pub(crate) struct HookArgs {
    #[command(subcommand)]
    pub(crate) command: HookCommand,
}

#[derive(Subcommand, Debug)]
pub(crate) enum HookCommand {
    /// Announce git commits: HEAD (post-commit), the given REVs, or a push (--stdin, post-receive).
    #[command(
        long_about = "Announce git commits, one notification per commit, in irkerhook's format.\n\n\
Settings come from git config: irkerhook's irker.* keys (project, repo, channels, server, \
tcp, template, color, urlprefix, revformat, maxchannels, filtercmd, cialike; tinyifier is \
accepted and ignored), then the same keys under vext.*, then --KEY=VALUE flags. The \
notification goes to the daemon at irker.server (localhost:6659); when nothing listens \
there, vext delivers directly in a detached child so the push is not held up. A failure \
prints one warning and exits 0 unless --strict.",
        after_help = "Examples:
  git config irker.channels irc://irc.libera.chat/myproject
  vext hook install git post-receive        # writes .git/hooks/post-receive
  vext hook git --dry-run                   # the JSON irkerhook -n would print for HEAD
  vext hook git --urlprefix=github:me/proj HEAD~2 HEAD

URL prefixes: gitweb, cgit, viewcvs (irkerhook's), github:OWNER/REPO, gitlab:GROUP/REPO,
codeberg:OWNER/REPO, gitea:URL, forgejo:URL, or any prefix; none or empty: no URL."
    )]
    Git(Box<HookGitArgs>),

    /// Announce a Subversion commit (from the post-commit hook: vext hook svn "$REPOS" "$REV").
    #[command(
        after_help = "Settings come from irker.conf in the repository (key = value lines, like irkerhook),
then --KEY=VALUE flags.

Example hooks/post-commit:
  #!/bin/sh
  exec vext hook svn \"$1\" \"$2\""
    )]
    Svn(Box<HookSvnArgs>),

    /// Announce Mercurial changesets (from a commit or changegroup hook).
    #[command(
        after_help = "Settings come from the [irker] section of hgrc, then --KEY=VALUE flags.

Example .hg/hgrc:
  [hooks]
  changegroup.vext = vext hook hg
  commit.vext = vext hook hg
  [irker]
  channels = irc://irc.libera.chat/myproject"
    )]
    Hg(Box<HookHgArgs>),

    /// Install vext as a git hook (post-receive or post-commit).
    Install(HookInstallArgs),
}

#[derive(Args, Debug)]
pub(crate) struct HookGitArgs {
    /// Commits to announce [default: HEAD].
    #[arg(value_name = "REV")]
    pub(crate) revs: Vec<String>,

    /// Read post-receive lines (OLD NEW REFNAME) on stdin and announce each pushed ref.
    #[arg(long, conflicts_with = "revs")]
    pub(crate) stdin: bool,

    /// Commits announced per ref; beyond, one summary line [default: 5].
    #[arg(long, value_name = "N")]
    pub(crate) max_commits: Option<usize>,

    /// The repository (irkerhook's --repository) [default: the current directory].
    #[arg(short = 'C', long = "repository", value_name = "DIR")]
    pub(crate) repository: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) common: HookCommon,
}

#[derive(Args, Debug)]
pub(crate) struct HookSvnArgs {
    /// The repository path (the post-commit hook's first argument).
    #[arg(value_name = "REPO")]
    pub(crate) repository: PathBuf,

    /// The revision (the post-commit hook's second argument).
    #[arg(value_name = "REV")]
    pub(crate) rev: String,

    #[command(flatten)]
    pub(crate) common: HookCommon,
}

#[derive(Args, Debug)]
pub(crate) struct HookHgArgs {
    /// Changesets to announce [default: $HG_NODE..$HG_NODE_LAST from the hook, else tip].
    #[arg(value_name = "REV")]
    pub(crate) revs: Vec<String>,

    /// The repository [default: the current directory].
    #[arg(short = 'R', long = "repository", value_name = "DIR")]
    pub(crate) repository: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) common: HookCommon,
}

/// What every `vext hook` VCS shares: run mode and irkerhook's settings.
#[derive(Args, Debug)]
pub(crate) struct HookCommon {
    /// Print each request as JSON (like irkerhook -n) and send nothing.
    #[arg(long, short = 'n')]
    pub(crate) dry_run: bool,

    /// Fail (non-zero exit) when the notification cannot be delivered, and deliver in the foreground.
    #[arg(long)]
    pub(crate) strict: bool,

    /// Time budget for the whole run, in seconds [default: 5].
    #[arg(long, value_name = "SECS")]
    pub(crate) timeout: Option<f64>,
    /// Project name [default: the repository directory without .git].
    #[arg(
        long,
        value_name = "NAME",
        help_heading = "Settings (override git config irker.*/vext.*)"
    )]
    pub(crate) project: Option<String>,
    /// Repository name in the message [default: the project in lower case].
    #[arg(
        long,
        value_name = "NAME",
        help_heading = "Settings (override git config irker.*/vext.*)"
    )]
    pub(crate) repo: Option<String>,
    /// Comma-separated target URLs.
    #[arg(
        long,
        value_name = "URLS",
        help_heading = "Settings (override git config irker.*/vext.*)"
    )]
    pub(crate) channels: Option<String>,
    /// The daemon's HOST[:PORT] [default: localhost:6659].
    #[arg(
        long,
        value_name = "HOST",
        help_heading = "Settings (override git config irker.*/vext.*)"
    )]
    pub(crate) server: Option<String>,
    /// TCP (true) or UDP (false) to the daemon [default: true].
    #[arg(
        long,
        value_name = "BOOL",
        help_heading = "Settings (override git config irker.*/vext.*)"
    )]
    pub(crate) tcp: Option<String>,
    /// Message template with irkerhook's %(field)s names.
    #[arg(
        long,
        value_name = "TEMPLATE",
        help_heading = "Settings (override git config irker.*/vext.*)"
    )]
    pub(crate) template: Option<String>,
    /// mIRC, ANSI or none.
    #[arg(
        long,
        value_name = "STYLE",
        help_heading = "Settings (override git config irker.*/vext.*)"
    )]
    pub(crate) color: Option<String>,
    /// Commit link prefix: a URL the commit id is appended to, or a preset
    /// (github:OWNER/REPO, gitlab:GROUP/REPO, codeberg:OWNER/REPO, gitea:URL,
    /// forgejo:URL, gitweb, cgit, viewcvs); empty or none: no URL.
    #[arg(
        long,
        value_name = "PREFIX",
        help_heading = "Settings (override git config irker.*/vext.*)"
    )]
    pub(crate) urlprefix: Option<String>,
    /// raw, short or describe [default: describe].
    #[arg(
        long,
        value_name = "FORMAT",
        help_heading = "Settings (override git config irker.*/vext.*)"
    )]
    pub(crate) revformat: Option<String>,
    /// Send to at most N channels (0: all).
    #[arg(
        long,
        value_name = "N",
        help_heading = "Settings (override git config irker.*/vext.*)"
    )]
    pub(crate) maxchannels: Option<String>,
    /// A program that gets the fields as JSON and prints them, changed, as JSON.
    #[arg(
        long,
        value_name = "PROGRAM",
        help_heading = "Settings (override git config irker.*/vext.*)"
    )]
    pub(crate) filtercmd: Option<String>,
    /// Shorten file lists longer than N characters the way irkerhook's cialike does.
    #[arg(
        long,
        value_name = "N",
        help_heading = "Settings (override git config irker.*/vext.*)"
    )]
    pub(crate) cialike: Option<String>,
    /// Accepted for irkerhook compatibility and ignored (vext never calls a URL shortener).
    #[arg(long, value_name = "URL", hide = true)]
    pub(crate) tinyifier: Option<String>,
}

impl HookCommon {
    /// The settings given as flags, by irkerhook key.
    pub(crate) fn overrides(&self) -> Vec<(&'static str, String)> {
        [
            ("project", &self.project),
            ("repo", &self.repo),
            ("channels", &self.channels),
            ("server", &self.server),
            ("tcp", &self.tcp),
            ("template", &self.template),
            ("color", &self.color),
            ("urlprefix", &self.urlprefix),
            ("revformat", &self.revformat),
            ("maxchannels", &self.maxchannels),
            ("filtercmd", &self.filtercmd),
            ("cialike", &self.cialike),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect()
    }
}

#[derive(Args, Debug)]
pub(crate) struct HookInstallArgs {
    /// Version control system (git).
    #[arg(value_name = "VCS")]
    pub(crate) vcs: Vcs,

    /// Which hook: post-receive (a server repository) or post-commit (a working copy).
    #[arg(value_name = "HOOK")]
    pub(crate) hook: GitHook,

    /// The repository [default: the current directory].
    #[arg(short = 'C', value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,

    /// Replace an existing hook that is not vext's.
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    /// Images (nginx:1.25) or paths to scan for them (an argument that exists on disk is a path).
    #[arg(value_name = "IMAGE|PATH")]
    pub(crate) inputs: Vec<String>,

    /// Read `vext scan --json`/`--ndjson` output from FILE, or - for stdin.
    #[arg(long, value_name = "FILE")]
    pub(crate) from: Option<String>,

    #[command(flatten)]
    pub(crate) live: LiveArgs,

    /// The policy file (TOML with a [policy] section) [default: [policy] in the config file].
    #[arg(long, value_name = "FILE")]
    pub(crate) policy: Option<PathBuf>,

    /// Output a JSON array, one object per image: image, current, latest (approved), newest, change, decision, error, digest.
    #[arg(long)]
    pub(crate) json: bool,

    /// Exit 1 when at least one update is approved.
    #[arg(long)]
    pub(crate) exit_code: bool,

    /// Talk plain HTTP to this registry HOST[:PORT] (repeatable; never the default).
    #[arg(long, value_name = "HOST[:PORT]")]
    pub(crate) insecure_registry: Vec<String>,

    /// Also trust the CA certificates in this PEM file for registries (self-signed or private CAs).
    #[arg(long, env = "VEXT_CA_FILE", value_name = "PEM")]
    pub(crate) ca_file: Option<PathBuf>,

    /// Bound the whole run: images not checked by then are failures that say so
    /// (exit 75 when none could be checked) [default: no limit beyond each request's 30 s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) timeout: Option<std::time::Duration>,

    /// Report only what is new since the last --only-new report that reached its reader.
    ///
    /// New: another newest or approved version, or another digest behind a tag such as
    /// `latest`, approved and held alike. A report counts once it is printed and the --notify
    /// summary is delivered: when delivery fails (exit 75), the next run reports the same
    /// items again. Plain runs in between use nothing up. With nothing new, the table
    /// prints nothing at all (`--json` prints `[]`); images that could not be checked are
    /// reported every run, on stderr and in the summary.
    #[arg(long)]
    pub(crate) only_new: bool,

    #[command(flatten)]
    pub(crate) report: ReportArgs,

    /// Write Prometheus textfile metrics to PATH (replaced atomically), for node_exporter.
    #[arg(long, value_name = "PATH")]
    pub(crate) metrics_file: Option<PathBuf>,

    /// Where each run records what it found, for --only-new and for telling when a `latest`-style tag's digest changed since the last run (the daemon's state dir) [default: as vext daemon].
    #[arg(long, env = "VEXT_STATE_DIR", value_name = "DIR")]
    pub(crate) state_dir: Option<PathBuf>,
}

/// Where `vext check` and `vext update` report what they found or did:
/// a summary to targets (directly or through a daemon), events to NATS.
#[derive(Args, Debug)]
pub(crate) struct ReportArgs {
    /// Send a summary to TARGET when there is something to report
    /// (repeatable; nothing is sent when there is not).
    #[arg(long, value_name = "TARGET")]
    pub(crate) notify: Vec<String>,

    /// With --notify: hand the summary to a daemon at HOST[:PORT] instead of sending it directly.
    #[arg(long, env = "VEXT_DAEMON", value_name = "HOST:PORT")]
    pub(crate) via: Option<String>,

    /// With --via: sign the summary with the shared secret in FILE (the daemon's --secret-file).
    #[arg(long, env = "VEXT_SECRET_FILE", value_name = "FILE")]
    pub(crate) secret_file: Option<PathBuf>,

    /// Publish events (what was found, applied, rolled back) to NATS at URL
    /// on vext.events.> [default: [nats] url in the config, if any].
    #[arg(long, env = "VEXT_NATS", value_name = "URL")]
    pub(crate) nats: Option<String>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum ForgeCommand {
    /// Render a saved webhook payload through [forge] in the config, without sending:
    /// one JSON line per line, {"to": [targets], "privmsg": line}, as `vext hook --dry-run`.
    Test(ForgeTestArgs),
}

#[derive(Args, Debug)]
pub(crate) struct ForgeTestArgs {
    /// The payload, as the forge sent it (JSON); - reads stdin.
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,

    /// The forge that sent it.
    #[arg(long, value_enum)]
    pub(crate) forge: crate::forge::Forge,

    /// The event, as the forge's header names it (X-GitHub-Event: push, pull_request,
    /// issues, release, workflow_run, check_suite; X-Gitlab-Event: 'Push Hook',
    /// 'Merge Request Hook', 'Pipeline Hook'…) [default: push, or 'Push Hook'].
    #[arg(long, value_name = "EVENT")]
    pub(crate) event: Option<String>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum NatsCommand {
    /// The stream, the shared consumer and its counts.
    Status(NatsStatusArgs),
}

#[derive(Args, Debug)]
pub(crate) struct NatsStatusArgs {
    /// NATS server URL(s), comma-separated [default: [nats] url in the config].
    #[arg(long, env = "VEXT_NATS", value_name = "URL")]
    pub(crate) nats: Option<String>,

    /// NATS credentials file (.creds).
    #[arg(long, value_name = "FILE")]
    pub(crate) nats_creds: Option<PathBuf>,

    /// File holding a NATS token.
    #[arg(long, value_name = "FILE")]
    pub(crate) nats_token_file: Option<PathBuf>,

    /// Also trust the CA certificates in this PEM file (tls:// servers).
    #[arg(long, env = "VEXT_CA_FILE", value_name = "PEM")]
    pub(crate) ca_file: Option<PathBuf>,

    /// Output JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Args, Debug)]
pub(crate) struct SemaphoreArgs {
    /// Semaphore's base URL [default: [semaphore] url in the config].
    #[arg(long, env = "VEXT_SEMAPHORE_URL", value_name = "URL", global = true)]
    pub(crate) url: Option<String>,

    /// A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file].
    #[arg(long, value_name = "FILE", global = true)]
    pub(crate) token_file: Option<PathBuf>,

    /// Also trust the CA certificates in this PEM file.
    #[arg(long, env = "VEXT_CA_FILE", value_name = "PEM", global = true)]
    pub(crate) ca_file: Option<PathBuf>,

    /// The longest one request to Semaphore may take.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration, global = true)]
    pub(crate) timeout: std::time::Duration,

    /// Output JSON.
    #[arg(long, global = true)]
    pub(crate) json: bool,

    #[command(subcommand)]
    pub(crate) command: SemaphoreCommand,
}

#[derive(Subcommand, Debug)]
pub(crate) enum SemaphoreCommand {
    /// List the projects.
    Projects,
    /// List a project's templates.
    Templates {
        /// The project, by id or name.
        project: String,
    },
    /// Start a task from a template.
    Run(SemaphoreRunArgs),
    /// Show a task's status.
    Status {
        project: String,
        /// The task id.
        task: i64,
    },
    /// Print a task's log.
    Logs {
        project: String,
        task: i64,
        /// Keep printing new lines until the task ends.
        #[arg(long, short = 'f')]
        follow: bool,
        /// Only the last N lines.
        #[arg(long, value_name = "N")]
        tail: Option<usize>,
    },
    /// Stop a running task.
    Stop {
        project: String,
        task: i64,
        /// Kill it instead of asking it to stop.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args, Debug)]
pub(crate) struct SemaphoreRunArgs {
    /// The project, by id or name.
    pub(crate) project: String,
    /// The template, by id or name.
    pub(crate) template: String,
    /// Limit the play to these hosts (Ansible --limit).
    #[arg(long, value_name = "HOSTS")]
    pub(crate) limit: Option<String>,
    /// Only tasks with these tags (Ansible --tags).
    #[arg(long, value_name = "TAGS")]
    pub(crate) tags: Option<String>,
    /// Skip tasks with these tags (Ansible --skip-tags).
    #[arg(long, value_name = "TAGS")]
    pub(crate) skip_tags: Option<String>,
    /// Extra variables, a JSON object.
    #[arg(long, value_name = "JSON")]
    pub(crate) extra_vars: Option<String>,
    /// Check mode: change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Verbose Ansible output.
    #[arg(long)]
    pub(crate) debug: bool,
    /// The git branch of the repository to run from.
    #[arg(long, value_name = "BRANCH")]
    pub(crate) branch: Option<String>,
    /// Wait for the task to end; the exit status says how it ended.
    #[arg(long)]
    pub(crate) wait: bool,
    /// Print the task's log as it runs (implies --wait).
    #[arg(long)]
    pub(crate) follow: bool,
    /// How often to ask Semaphore while waiting.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub(crate) poll: std::time::Duration,
}

#[derive(Args, Debug)]
pub(crate) struct UpdateArgs {
    /// Manifest files or directories to update (with --write).
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,

    #[command(flatten)]
    pub(crate) live: LiveArgs,

    /// Only images matching GLOB (nginx, 'ghcr.io/acme/*'; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub(crate) only: Vec<String>,

    /// Print what an apply would do, in order, and change nothing.
    #[arg(long)]
    pub(crate) plan: bool,

    /// Output JSON (see below for the fields).
    #[arg(long)]
    pub(crate) json: bool,

    /// Rewrite approved tags in the manifest files found under PATHs, and in the compose file of a compose container updated.
    #[arg(long)]
    pub(crate) write: bool,

    /// With --write: make one git commit listing each change (nothing is pushed).
    #[arg(long, requires = "write")]
    pub(crate) commit: bool,

    /// With --commit: commit on a new branch NAME.
    #[arg(long, value_name = "NAME", requires = "commit")]
    pub(crate) branch: Option<String>,

    /// Without a HEALTHCHECK in the image: how long the new container must run without an exit or a restart [default: 30s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) stable_for: Option<std::time::Duration>,

    /// The longest the health gate waits for a new container to prove itself, or a Kubernetes rollout to complete [default: 120s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) health_timeout: Option<std::time::Duration>,

    /// Also require this URL to answer 2xx before an update counts as healthy.
    #[arg(long, value_name = "URL")]
    pub(crate) health_url: Option<String>,

    /// Also require this shell command to exit 0 before an update counts as healthy.
    #[arg(long, value_name = "CMD")]
    pub(crate) health_cmd: Option<String>,

    /// Remove the old image once the new container is healthy.
    #[arg(long)]
    pub(crate) prune: bool,

    /// Clear the hold on IMAGE:TAG (set after a rolled-back update) and exit.
    #[arg(long, value_name = "IMAGE:TAG")]
    pub(crate) release: Option<String>,

    /// Approve the pending update ID (a policy's approve = "manual" or "chat" holds updates for this) and exit; the next run applies it.
    #[arg(long, value_name = "ID", conflicts_with = "deny")]
    pub(crate) approve: Option<String>,

    /// Deny the pending update ID and exit: later runs skip that version (a newer one asks again).
    #[arg(long, value_name = "ID")]
    pub(crate) deny: Option<String>,

    /// List the updates waiting for approval, and those approved, and exit.
    #[arg(long)]
    pub(crate) pending: bool,

    /// Finish or undo what an interrupted run left, and exit (every run does this first).
    #[arg(long)]
    pub(crate) recover: bool,

    /// Apply approved updates now, even outside the maintenance window (the policy's or [update] window).
    #[arg(long)]
    pub(crate) now: bool,

    /// Run CMD (sh -c) before each update, with VEXT_WORKLOAD, VEXT_IMAGE, VEXT_FROM, VEXT_TO, VEXT_CHANGE, VEXT_SOURCE set; if it fails, that update is skipped.
    #[arg(long, value_name = "CMD")]
    pub(crate) pre_update: Option<String>,

    /// Run CMD (sh -c) once each updated workload is healthy, with the same variables; if it fails, the update is rolled back and the version held.
    #[arg(long, value_name = "CMD")]
    pub(crate) post_update: Option<String>,

    /// Update up to N workloads at once.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) parallel: u16,

    /// The policy file (TOML with a [policy] section) [default: [policy] in the config file].
    #[arg(long, value_name = "FILE")]
    pub(crate) policy: Option<PathBuf>,

    /// Talk plain HTTP to this registry HOST[:PORT] (repeatable; never the default).
    #[arg(long, value_name = "HOST[:PORT]")]
    pub(crate) insecure_registry: Vec<String>,

    /// Also trust the CA certificates in this PEM file for registries.
    #[arg(long, env = "VEXT_CA_FILE", value_name = "PEM")]
    pub(crate) ca_file: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) report: ReportArgs,

    /// Write Prometheus textfile metrics (safe_updater_*) to PATH, replaced atomically.
    #[arg(long, value_name = "PATH")]
    pub(crate) metrics_file: Option<PathBuf>,

    /// Where the update journal and the held versions live (the daemon's state dir) [default: as vext daemon].
    #[arg(long, env = "VEXT_STATE_DIR", value_name = "DIR")]
    pub(crate) state_dir: Option<PathBuf>,
}

/// Where running images come from: the Docker engine and the Kubernetes API
/// (shared by `vext scan` and `vext check`).
#[derive(Args, Debug)]
pub(crate) struct LiveArgs {
    /// Also the running containers of the Docker engine (their images).
    #[arg(long)]
    pub(crate) docker: bool,

    /// The Docker engine: unix:///path/to/docker.sock or tcp://host:port [default: $DOCKER_HOST, else unix:///var/run/docker.sock].
    #[arg(long, value_name = "SOCKET_OR_URL")]
    pub(crate) docker_host: Option<String>,

    /// With --docker: stopped containers too.
    #[arg(long)]
    pub(crate) all: bool,

    /// Also the workloads of the Kubernetes API (kubeconfig or in-cluster): Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Pods.
    #[arg(long)]
    pub(crate) kube: bool,

    /// With --kube: the kubeconfig file [default: $KUBECONFIG, else ~/.kube/config].
    #[arg(long, value_name = "FILE")]
    pub(crate) kubeconfig: Option<PathBuf>,

    /// With --kube: the kubeconfig context [default: current-context].
    #[arg(long, value_name = "NAME")]
    pub(crate) context: Option<String>,

    /// With --kube: the namespace [default: the context's, else default].
    #[arg(long, short = 'N', value_name = "NS")]
    pub(crate) namespace: Option<String>,

    /// With --kube: every namespace.
    #[arg(long, short = 'A', conflicts_with = "namespace")]
    pub(crate) all_namespaces: bool,
}

impl LiveArgs {
    /// The live sources these flags ask for, as the images wing takes them.
    pub(crate) fn settings(&self) -> crate::images::scan::Live {
        crate::images::scan::Live {
            docker: self.docker,
            docker_host: self.docker_host.clone(),
            all: self.all,
            kube: self.kube,
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            namespace: self.namespace.clone(),
            all_namespaces: self.all_namespaces,
        }
    }
}

#[derive(Args, Debug)]
pub(crate) struct ScanArgs {
    /// Files and directories to scan [default: . unless --docker or --kube].
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,

    #[command(flatten)]
    pub(crate) live: LiveArgs,

    /// Output a JSON array.
    #[arg(long, conflicts_with = "ndjson")]
    pub(crate) json: bool,

    /// Output one JSON object per line, as results come.
    #[arg(long)]
    pub(crate) ndjson: bool,

    /// Group by image: {image, count, sources}.
    #[arg(long)]
    pub(crate) unique: bool,

    /// Also scan hidden files and directories.
    #[arg(long)]
    pub(crate) hidden: bool,

    /// Do not skip what .gitignore, .ignore and git's excludes ignore.
    #[arg(long)]
    pub(crate) no_ignore: bool,

    /// Exit 65 when a manifest could not be read or parsed (the scan still goes on).
    #[arg(long)]
    pub(crate) strict: bool,

    /// Say which files were skipped and why (-v).
    #[arg(skip)]
    pub(crate) notes: bool,

    /// Print no warnings or notes (-q); errors still.
    #[arg(skip)]
    pub(crate) quiet: bool,
}

impl ScanArgs {
    pub(crate) fn verbose_notes(&self) -> bool {
        self.notes
    }
}

#[derive(Args, Debug)]
pub(crate) struct HistoryArgs {
    /// The daemon's state directory (same default as `vext daemon --state-dir`).
    #[arg(long, env = "VEXT_STATE_DIR", value_name = "DIR")]
    pub(crate) state_dir: Option<PathBuf>,

    /// Only messages with a target matching PATTERN (`*` matches anything).
    #[arg(long, value_name = "PATTERN")]
    pub(crate) target: Option<String>,

    /// Only messages received since then: a duration (1h, 2d) or a time (2026-11-22T10:00:00Z).
    #[arg(long, value_name = "WHEN")]
    pub(crate) since: Option<String>,

    /// Only messages with a target in this state.
    #[arg(long, value_name = "STATE")]
    pub(crate) state: Option<DeliveryState>,

    /// One JSON object per line (with --follow too), for programs.
    #[arg(long)]
    pub(crate) json: bool,

    /// Keep printing new messages as they arrive.
    #[arg(long, short)]
    pub(crate) follow: bool,

    /// At most this many messages (the newest) [default: 100; 0 for all].
    #[arg(long, short = 'n', value_name = "N")]
    pub(crate) limit: Option<usize>,
}

/// Durations like `24h`, `90m`, `7d`, `30s` or plain seconds, read as
/// the config file reads them.
pub(crate) fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    crate::util::duration::parse(s)
}

#[derive(Subcommand, Debug)]
pub(crate) enum ConfigCommand {
    /// Print the effective configuration (file, environment and defaults), secrets redacted.
    Show,
    /// Print every section and key the file may hold, with an example value and what it means (also vext-config(5)).
    Reference,
}

#[derive(Args, Debug)]
pub(crate) struct GenerateArgs {
    /// Directory that receives completions/ and man/.
    #[arg(long, default_value = ".")]
    pub(crate) out: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// The `send` fast path parses exactly as the whole tree does, and
    /// leaves what it cannot parse to it.
    #[test]
    fn send_parses_the_same_with_its_own_definition_alone() {
        use clap::Parser;
        let cases: &[&[&str]] = &[
            &["vext", "send", "irc://h/c", "-m", "hi"],
            &[
                "vext",
                "send",
                "--via",
                "127.0.0.1:6659",
                "irc://h/c",
                "ircs://h/d",
                "-m",
                "x",
            ],
            &[
                "vext",
                "send",
                "-vv",
                "--config",
                "/etc/v.toml",
                "@ops",
                "--no-ack",
                "--via",
                "h",
            ],
            &[
                "vext",
                "send",
                "--dry-run",
                "--via",
                "h:1",
                "irc://h/c",
                "--quiet",
            ],
            &[
                "vext",
                "send",
                "--timeout",
                "5",
                "--nick",
                "bot",
                "irc://h/c",
            ],
        ];
        for args in cases {
            let os: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
            let fast = Cli::parse_send(&os).unwrap_or_else(|| panic!("{args:?}: not parsed"));
            let full = Cli::try_parse_from(args.iter()).unwrap();
            assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{args:?}");
        }
        for args in [
            &["vext", "send"][..],
            &["vext", "send", "--help"],
            &["vext", "send", "--no-such-flag", "irc://h/c"],
            &["vext", "--quiet", "send", "irc://h/c"],
        ] {
            let os: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
            assert!(Cli::parse_send(&os).is_none(), "{args:?}");
        }
    }

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_carries_exit_codes() {
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("75  temporary failure"), "{help}");
    }
}

pub(crate) use crate::notify::notice::{Format as MatrixFormat, MsgType};

/// The daemon's log lines on stderr (`--log-format`, `[daemon] log_format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LogFormat {
    Text,
    Json,
}

pub(crate) use crate::net::rate::RateBy;

/// The version control systems `vext hook install` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Vcs {
    Git,
}

/// The git hooks `vext hook install` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum GitHook {
    PostReceive,
    PostCommit,
}

pub(crate) use crate::state::spool::DeliveryState;

/// The names as the user typed them (clap's spelling).
macro_rules! value_names {
    ($($t:ty),*) => {$(
        impl $t {
            pub(crate) fn name(self) -> String {
                self.to_possible_value()
                    .map(|v| v.get_name().to_string())
                    .unwrap_or_default()
            }
        }
    )*};
}
value_names!(GitHook);
