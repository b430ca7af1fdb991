//! The configuration file (TOML) and how its values combine with flags,
//! environment variables and defaults: flag > environment > file > default.
//! (clap reads flags and `VEXT_*` variables; this module adds the file and the
//! defaults.) Unknown keys are errors that name the key and the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::exit::{fail, Code};

pub(crate) mod irkerd;

/// Every section and key, with an example value and what it means: `vext
/// config reference` and vext-config(5). A test keeps it complete and true.
pub(crate) const REFERENCE: &str = include_str!("reference.toml");

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    /// Refuse secret files that group or others can read (as
    /// `--strict-permissions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) strict_permissions: Option<bool>,
    #[serde(default)]
    pub(crate) send: SendSection,
    #[serde(default)]
    pub(crate) daemon: DaemonSection,
    /// Named targets: `vext send @ops` means `[targets.ops] url = ...`.
    #[serde(default)]
    pub(crate) targets: BTreeMap<String, TargetSection>,
    /// Scheduled checks in the daemon.
    #[serde(default)]
    pub(crate) check: CheckSection,
    /// Scheduled updates in the daemon.
    #[serde(default)]
    pub(crate) update: UpdateSection,
    /// Semaphore UI, for `vext semaphore`.
    #[serde(default)]
    pub(crate) semaphore: SemaphoreSection,
    /// The daemon's Matrix bot for Semaphore (runs when this section is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) bot: Option<BotSection>,
    /// NATS JetStream, for `vext daemon --nats`.
    #[serde(default)]
    pub(crate) nats: NatsSection,
    /// Forge webhooks into the daemon: secrets, look and routes.
    #[serde(default)]
    pub(crate) forge: crate::forge::route::ForgeSection,
    /// The safe-update policy for `vext check`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) policy: Option<crate::images::policy::PolicySection>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NatsSection {
    /// Server URL(s), comma-separated.
    pub(crate) url: Option<String>,
    pub(crate) creds: Option<PathBuf>,
    pub(crate) token_file: Option<PathBuf>,
    pub(crate) user: Option<String>,
    pub(crate) password_file: Option<PathBuf>,
    pub(crate) nkey_seed_file: Option<PathBuf>,
    pub(crate) ca_file: Option<PathBuf>,
    /// The work-queue stream [default: VEXT].
    pub(crate) stream: Option<String>,
    /// Stream replicas, 1 or 3 [default: 1].
    pub(crate) replicas: Option<usize>,
    /// How long a delivery may go unacknowledged before another daemon gets it [default: 30s].
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) ack_wait: Option<Duration>,
    /// Attempts per message [default: 10].
    pub(crate) max_deliver: Option<i64>,
    /// How long a message id is remembered to drop a retried request [default: 2m].
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) dedup_window: Option<Duration>,
    /// How soon another daemon takes over an IRC network whose daemon died [default: 10s].
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) lease_ttl: Option<Duration>,
    /// Where to say that a notification was given up on (a URL or @name).
    pub(crate) dead_letter: Option<String>,
}

/// `[bot]`: the daemon's Matrix bot that runs Semaphore tasks from chat.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BotSection {
    /// The homeserver's base URL, e.g. `https://matrix.example.org`.
    pub(crate) homeserver: Option<String>,
    /// The bot's Matrix user id, e.g. "@vext:example.org".
    pub(crate) user_id: Option<String>,
    pub(crate) token_file: Option<PathBuf>,
    /// Without a token: log in with this password (the session is kept).
    pub(crate) password_file: Option<PathBuf>,
    /// Room ids or aliases the bot answers in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) rooms: Vec<String>,
    /// Matrix user ids whose commands the bot carries out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) admins: Vec<String>,
    /// What starts a command [default: "!cd"].
    pub(crate) prefix: Option<String>,
    /// Ask before `run` starts a task [default: true].
    pub(crate) confirm: Option<bool>,
    /// How long a `run` waits for `yes` [default: 5m].
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) confirm_timeout: Option<Duration>,
    /// How often running tasks are looked at [default: 10s].
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) poll_interval: Option<Duration>,
    /// When to say a task is still running [default: 5m].
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) still_running: Option<Duration>,
    /// Shortcuts: `deploy = "run Infra 'Deploy web'"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) aliases: BTreeMap<String, String>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SemaphoreSection {
    pub(crate) url: Option<String>,
    pub(crate) token: Option<String>,
    pub(crate) token_file: Option<PathBuf>,
    /// Without a token: log in as this user and mint one (kept in the state dir).
    pub(crate) user: Option<String>,
    pub(crate) password_file: Option<PathBuf>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SendSection {
    pub(crate) via: Option<String>,
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) timeout: Option<Duration>,
    pub(crate) nick: Option<String>,
    pub(crate) ca_file: Option<PathBuf>,
    pub(crate) client_cert: Option<PathBuf>,
    pub(crate) client_key: Option<PathBuf>,
    pub(crate) notice: Option<bool>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DaemonSection {
    pub(crate) listen: Option<String>,
    pub(crate) nick: Option<String>,
    pub(crate) nickserv_password_file: Option<PathBuf>,
    pub(crate) ca_file: Option<PathBuf>,
    pub(crate) client_cert: Option<PathBuf>,
    pub(crate) client_key: Option<PathBuf>,
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) channel_ttl: Option<Duration>,
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) connection_ttl: Option<Duration>,
    pub(crate) burst: Option<u32>,
    pub(crate) line_rate: Option<f64>,
    pub(crate) max_connections: Option<usize>,
    pub(crate) window: Option<u32>,
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) drain_timeout: Option<Duration>,
    pub(crate) state_dir: Option<PathBuf>,
    /// A duration such as "24h".
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) max_age: Option<Duration>,
    /// A duration such as "7d".
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) retain: Option<Duration>,
    pub(crate) http: Option<String>,
    pub(crate) secret_file: Option<PathBuf>,
    pub(crate) trust_loopback: Option<bool>,
    pub(crate) notice: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) allow_target: Vec<String>,
    pub(crate) rate: Option<String>,
    pub(crate) rate_by: Option<crate::net::rate::RateBy>,
    pub(crate) log_format: Option<crate::cli::LogFormat>,
}

/// `[update]`: what `vext daemon --update-every` updates and whom it tells.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateSection {
    /// How often (e.g. "6h"); the daemon's --update-every wins. Off unless given.
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) every: Option<Duration>,
    /// Containers of the Docker engine.
    #[serde(default)]
    pub(crate) docker: bool,
    pub(crate) docker_host: Option<String>,
    /// Workloads of the Kubernetes API.
    #[serde(default)]
    pub(crate) kube: bool,
    pub(crate) kubeconfig: Option<PathBuf>,
    pub(crate) context: Option<String>,
    pub(crate) namespace: Option<String>,
    #[serde(default)]
    pub(crate) all_namespaces: bool,
    /// Manifest files or directories: approved tags are rewritten and
    /// committed (nothing is pushed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) paths: Vec<PathBuf>,
    /// Only images matching these globs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) only: Vec<String>,
    /// Targets (URLs or @names) told what was applied, rolled back or failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) notify: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) insecure_registry: Vec<String>,
    /// As `vext update`'s flags of the same names.
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) stable_for: Option<Duration>,
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) health_timeout: Option<Duration>,
    pub(crate) health_url: Option<String>,
    pub(crate) health_cmd: Option<String>,
    #[serde(default)]
    pub(crate) prune: bool,
    /// Apply updates only in this maintenance window (a policy rule's wins).
    pub(crate) window: Option<String>,
    /// A command run before each update; failing, it skips that update.
    pub(crate) pre_update: Option<String>,
    /// A command run after each update, with its result.
    pub(crate) post_update: Option<String>,
    /// How long an approval (`vext update --approve ID`) stays good [default: 24h].
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) approval_ttl: Option<Duration>,
}

/// `[check]`: what `vext daemon --check-every` checks and whom it tells.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckSection {
    /// How often (e.g. "6h"); the daemon's --check-every wins.
    #[serde(default, with = "crate::util::duration::optional")]
    pub(crate) every: Option<Duration>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) images: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) paths: Vec<PathBuf>,
    /// Targets (URLs or @names) for the summary of what is new.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) notify: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) insecure_registry: Vec<String>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TargetSection {
    pub(crate) url: String,
    /// Slack/Discord API base instead of the public one (tests, proxies).
    pub(crate) api_base: Option<String>,
    /// Generic webhooks: the JSON body, with {title}, {body}, {type}, {time}.
    pub(crate) template: Option<String>,
    /// Generic webhooks: extra HTTP headers (values are secrets: redacted on show).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) headers: BTreeMap<String, String>,
    /// Matrix: the access token (prefer token_file).
    pub(crate) token: Option<String>,
    /// Matrix: a file holding the access token.
    pub(crate) token_file: Option<PathBuf>,
    /// Matrix: the password to log in with (prefer password_file).
    pub(crate) password: Option<String>,
    pub(crate) password_file: Option<PathBuf>,
    /// IRC (ircs://): a client certificate presented to this target's server.
    pub(crate) client_cert: Option<PathBuf>,
    /// IRC: its private key, when not in `client_cert`'s file.
    pub(crate) client_key: Option<PathBuf>,
}

/// What every command gets besides its own arguments: the loaded config
/// file and where it came from.
pub(crate) struct Context {
    pub(crate) config: Config,
    pub(crate) config_path: Option<PathBuf>,
    /// What the config file holds without effect (irkerd's INI keys).
    pub(crate) config_notes: Vec<String>,
}

/// The configuration and the file it came from (None: defaults only).
pub(crate) struct Loaded {
    pub(crate) config: Config,
    pub(crate) path: Option<PathBuf>,
    /// What was accepted without effect (irkerd's INI keys vext has no use for).
    pub(crate) notes: Vec<String>,
    /// The top-level sections that could not be read (left out of `config`),
    /// and the file's error: a command that needs one of them stops with
    /// it, the others say so and go on.
    pub(crate) broken: Vec<String>,
    pub(crate) error: Option<String>,
}

impl Loaded {
    /// No file: the defaults only.
    pub(crate) fn defaults() -> Loaded {
        Loaded {
            config: Config::default(),
            path: None,
            notes: Vec::new(),
            broken: Vec::new(),
            error: None,
        }
    }
}

/// Where the configuration is looked for when neither `--config` nor `VEXT_CONFIG` says.
pub(crate) fn default_paths() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(xdg) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        paths.push(PathBuf::from(xdg).join("vext/config.toml"));
    } else if let Some(home) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        paths.push(PathBuf::from(home).join(".config/vext/config.toml"));
    }
    paths.push(PathBuf::from("/etc/vext/config.toml"));
    // irkerd's INI file, where the system vext replaces documents it.
    paths.push(PathBuf::from("/etc/vext/vext.conf"));
    paths
}

/// Loads the given file (which must exist), else the first default that exists.
pub(crate) fn load(explicit: Option<&Path>) -> Result<Loaded> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => default_paths().into_iter().find(|p| p.is_file()),
    };
    let Some(path) = path else {
        return Ok(Loaded::defaults());
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        fail(
            Code::Config,
            format!("cannot read config file {}: {e}", path.display()),
        )
    })?;
    // irkerd's INI file, recognised by its content, is read as a migration path.
    if irkerd::looks_like(&text) {
        let (irkerd, notes) = irkerd::parse(&text).map_err(|e| {
            fail(
                Code::Config,
                format!("config file {} (irkerd's INI format): {e}", path.display()),
            )
        })?;
        let mut config = Config::default();
        config.daemon.listen = irkerd.listen;
        config.daemon.nick = irkerd.nick;
        config.daemon.connection_ttl = irkerd.connection_ttl.map(Duration::from_secs);
        config.daemon.line_rate = irkerd.line_rate;
        return Ok(Loaded {
            config,
            notes: notes
                .into_iter()
                .map(|n| format!("{}: {n}", path.display()))
                .collect(),
            path: Some(path),
            broken: Vec::new(),
            error: None,
        });
    }
    let error = |e: String| format!("config file {}: {}", path.display(), e.trim_end());
    match parse(&text) {
        Ok(config) => Ok(Loaded {
            config,
            path: Some(path),
            notes: Vec::new(),
            broken: Vec::new(),
            error: None,
        }),
        Err(e) => {
            // Valid TOML with a bad section: keep the others.
            let message = error(e);
            let (config, broken) =
                salvage(&text).ok_or_else(|| fail(Code::Config, message.clone()))?;
            Ok(Loaded {
                config,
                path: Some(path),
                notes: Vec::new(),
                broken,
                error: Some(message),
            })
        }
    }
}

/// The config from the top-level sections that read on their own, and the
/// names of those that do not; None when the text is not TOML at all. Each
/// section is read through `parse` again (written back as TOML text), so the
/// binary carries one reader of the config, not a second one for TOML values.
fn salvage(text: &str) -> Option<(Config, Vec<String>)> {
    let table: toml::Table = text.parse().ok()?;
    let mut good = toml::Table::new();
    let mut broken = Vec::new();
    for (key, value) in table {
        let alone = toml::Table::from_iter([(key.clone(), value.clone())]);
        if toml::to_string(&alone).is_ok_and(|t| parse(&t).is_ok()) {
            good.insert(key, value);
        } else {
            broken.push(key);
        }
    }
    let config = parse(&toml::to_string(&good).ok()?).ok()?;
    Some((config, broken))
}

/// Reads a config file's text, with what serde cannot check: every named
/// target's URL parses.
pub(crate) fn parse(text: &str) -> Result<Config, String> {
    let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
    for (name, t) in &config.targets {
        crate::notify::destination::Destination::parse(&t.url).map_err(|e| {
            format!(
                "[targets.{name}] url {:?}: {e}",
                crate::notify::destination::redacted(&t.url)
            )
        })?;
    }
    crate::forge::route::Routes::new(&config.forge, |t| config.expand_target(t))?;
    Ok(config)
}

impl Config {
    /// Expands `@name` to the URL configured under `[targets.name]`.
    pub(crate) fn expand_target(&self, arg: &str) -> Result<String, String> {
        match arg.strip_prefix('@') {
            Some(name) => self
                .targets
                .get(name)
                .map(|t| t.url.clone())
                .ok_or_else(|| {
                    if self.targets.is_empty() {
                        format!("no target named {name:?}: the config file defines no [targets]")
                    } else {
                        format!(
                            "no target named {name:?} (defined: {})",
                            self.targets
                                .keys()
                                .map(|k| format!("@{k}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                }),
            None => Ok(arg.to_string()),
        }
    }
}

/// Where a resolved value came from: (section, key, origin as shown).
pub(crate) type Origins = Vec<(&'static str, &'static str, String)>;

/// The configuration as TOML, each resolved value followed by where it came
/// from (`# VEXT_LISTEN`, `# file`, `# default`). Secrets must already be
/// redacted by the caller.
pub(crate) fn annotated_toml(config: &Config, origins: &Origins) -> Result<String> {
    let text = toml::to_string(config)
        .map_err(|e| fail(Code::Software, format!("rendering the configuration: {e}")))?;
    Ok(annotate(&text, origins))
}

/// Appends `# origin` to the `key = value` lines of the sections named.
fn annotate(text: &str, origins: &Origins) -> String {
    let mut section = String::new();
    let mut out = String::with_capacity(text.len() * 2);
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
        }
        out.push_str(line);
        let key = line.split_once(" = ").map(|(k, _)| k.trim());
        if let Some((_, _, from)) = origins
            .iter()
            .find(|(s, k, _)| *s == section && Some(*k) == key)
        {
            out.push_str("  # ");
            out.push_str(from);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys of a TOML section as the reference writes them.
    fn reference_keys(section: &str) -> Vec<String> {
        let mut keys = Vec::new();
        let mut current = String::new();
        for line in REFERENCE.lines() {
            let line = line.trim();
            if let Some(h) = line.strip_prefix('[') {
                current = h
                    .trim_start_matches('[')
                    .split(']')
                    .next()
                    .unwrap_or_default()
                    .to_string();
            } else if let Some((k, _)) = line.split_once(" = ") {
                if current == section && !k.starts_with('#') {
                    keys.push(k.trim().to_string());
                }
            }
        }
        keys
    }

    /// What a section accepts, from serde's own "unknown field" message.
    fn accepted_keys(section: &str) -> Vec<String> {
        let header = if section.is_empty() {
            String::new()
        } else if section == "policy.rule" {
            "[[policy.rule]]\nimage = \"x\"\n".into()
        } else {
            format!("[{section}]\n")
        };
        let extra = if section == "targets.ops" {
            "url = \"x\"\n"
        } else {
            ""
        };
        let text = format!("{header}{extra}zz_not_a_key = 1\n");
        let err = toml::from_str::<Config>(&text).unwrap_err().to_string();
        let list = err
            .split("expected one of ")
            .nth(1)
            .or_else(|| err.split("expected ").nth(1))
            .unwrap_or_else(|| panic!("{section}: {err}"));
        list.split(',')
            .map(|k| {
                k.trim()
                    .trim_matches(|c: char| c == '`' || c.is_whitespace())
                    .to_string()
            })
            .map(|k| k.split('`').next().unwrap_or_default().to_string())
            .filter(|k| !k.is_empty())
            .collect()
    }

    #[test]
    fn the_reference_is_a_valid_config_naming_every_key() {
        let c: Config = toml::from_str(REFERENCE).expect("the reference parses as a config");
        assert!(c.bot.is_some() && c.policy.is_some() && c.targets.contains_key("ops"));
        for section in [
            "",
            "send",
            "daemon",
            "targets.ops",
            "check",
            "update",
            "policy",
            "policy.rule",
            "semaphore",
            "bot",
            "nats",
        ] {
            let documented = reference_keys(section);
            for key in accepted_keys(section) {
                // Sections are keys of the level above.
                let path = if section.is_empty() {
                    key.clone()
                } else {
                    format!("{section}.{key}")
                };
                if REFERENCE.contains(&format!("[{path}"))
                    || REFERENCE.contains(&format!("[[{path}"))
                {
                    continue;
                }
                assert!(
                    documented.contains(&key),
                    "[{section}] {key} is accepted but not in src/config/reference.toml"
                );
            }
        }
    }

    #[test]
    fn parses_sections() {
        let c = parse(
            "[daemon]\nlisten = \"127.0.0.1:7000\"\nburst = 3\n\n[targets.ops]\nurl = \"irc://h/ops\"\n",
        )
        .unwrap();
        assert_eq!(c.daemon.listen.as_deref(), Some("127.0.0.1:7000"));
        assert_eq!(c.daemon.burst, Some(3));
        assert_eq!(c.expand_target("@ops").unwrap(), "irc://h/ops");
        assert!(c.expand_target("@nope").unwrap_err().contains("@ops"));
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = parse("[daemon]\nlisten_on = 1\n").unwrap_err();
        assert!(err.contains("listen_on"), "{err}");
        let err = parse("[bogus]\n").unwrap_err();
        assert!(err.contains("bogus"), "{err}");
        let err = parse("[targets.x]\nurl = \"irc://h:0/c\"\n").unwrap_err();
        assert!(err.contains("targets.x") && err.contains("port"), "{err}");
    }

    #[test]
    fn durations_are_accepted_alike_everywhere() {
        let c = parse("[send]\ntimeout = \"30s\"\n[daemon]\nchannel_ttl = \"3h\"\nconnection_ttl = 60\ndrain_timeout = \"1m 30s\"\n").unwrap();
        let secs = |n| Some(Duration::from_secs(n));
        assert_eq!(c.send.timeout, secs(30));
        assert_eq!(c.daemon.channel_ttl, secs(3 * 3600));
        assert_eq!(c.daemon.connection_ttl, secs(60));
        assert_eq!(c.daemon.drain_timeout, secs(90));
        let e = parse("[send]\ntimeout = \"soon\"\n").unwrap_err();
        assert!(e.contains("soon"), "{e}");
        assert!(parse("[send]\ntimeout = -1\n").is_err());
    }

    #[test]
    fn redacts_secrets() {
        assert_eq!(
            crate::notify::destination::redacted("ircs://bot:hunter2@h:6697/c?key=k"),
            "ircs://bot:***@h:6697/c?key=***"
        );
        assert_eq!(
            crate::notify::destination::redacted("irc://h/c"),
            "irc://h/c"
        );
    }
}
