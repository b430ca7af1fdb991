//! What the config and the environment add to a destination — a webhook's
//! API base, template and headers, a Matrix target's token or password —
//! resolved once when a command starts (secret files read then, not per
//! message), and bound to the destination they were configured for.
//!
//! A credential never follows a URL a request names: a `[targets]` entry's
//! secrets go only to that entry's URL, and the environment's
//! `VEXT_MATRIX_TOKEN` / `VEXT_MATRIX_PASSWORD` go, in the daemon, only to
//! the homeserver `VEXT_MATRIX_HOMESERVER` names. Only `vext send` and the
//! hooks, whose targets are the user's own command line, apply them to any
//! homeserver.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::config::{Config, TargetSection};
use crate::notify::destination::url::{host_port, split};
use crate::notify::destination::{matrix_default_port, Destination, IrcServer, MatrixDestination};

/// Whose targets these settings dress.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Scope {
    /// The user's own command (`vext send`, hooks, `vext check --notify`):
    /// the targets come from the user, so the environment's credential fits any.
    Own,
    /// The daemon: targets come from clients, so the environment's
    /// credential goes only to `VEXT_MATRIX_HOMESERVER`.
    Daemon,
}

/// A homeserver as credentials are bound to it: TLS, host, port.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Homeserver {
    tls: bool,
    host: String,
    port: u16,
}

impl Homeserver {
    /// `https://host[:port]`, `http://host:port`, `matrixs://host` or `matrix://host:port`.
    pub(crate) fn parse(s: &str) -> Result<Homeserver, String> {
        let parts = split(s.trim())?;
        let tls = match parts.scheme.as_str() {
            "https" | "matrixs" => true,
            "http" | "matrix" => false,
            other => {
                return Err(format!(
                    "unknown scheme {other:?} (expected https, http, matrixs or matrix)"
                ))
            }
        };
        if parts.userinfo.is_some() || !parts.path.is_empty() || parts.query.is_some() {
            return Err("expected only scheme://host[:port]".into());
        }
        let (host, port) = host_port(parts.hostport)?;
        Ok(Homeserver {
            tls,
            host,
            port: port.unwrap_or(matrix_default_port(tls)),
        })
    }

    fn of(m: &MatrixDestination) -> Homeserver {
        Homeserver {
            tls: m.tls,
            host: m.host.to_ascii_lowercase(),
            port: m.port_or_default(),
        }
    }
}

impl fmt::Display for Homeserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls { "matrixs" } else { "matrix" };
        write!(f, "{scheme}://{}:{}", self.host, self.port)
    }
}

/// The environment's Matrix credential and where it may go (None: anywhere,
/// for the user's own command).
struct Ambient {
    homeserver: Option<Homeserver>,
    token: Option<String>,
    password: Option<String>,
}

/// One `[targets]` entry with its secret files read.
struct Entry {
    url: String,
    section: TargetSection,
    token: Option<String>,
    password: Option<String>,
    /// An IRC entry's server and its client certificate.
    irc: Option<(IrcServer, Arc<crate::net::tls::ClientIdentity>)>,
}

/// The config's additions to targets, resolved once.
#[derive(Default)]
pub(crate) struct TargetSettings {
    entries: Vec<Entry>,
    ambient: Option<Ambient>,
}

impl fmt::Debug for TargetSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TargetSettings({} entries)", self.entries.len())
    }
}

impl TargetSettings {
    /// Reads the config's `[targets]` secrets and the environment's
    /// `VEXT_MATRIX_TOKEN`, `VEXT_MATRIX_PASSWORD` and `VEXT_MATRIX_HOMESERVER`.
    /// In the daemon a token or password without its homeserver is an error:
    /// it would otherwise go to any homeserver a client names.
    pub(crate) fn load(config: &Config, scope: Scope) -> Result<TargetSettings, String> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Self::resolve(
            config,
            scope,
            env("VEXT_MATRIX_TOKEN"),
            env("VEXT_MATRIX_PASSWORD"),
            env("VEXT_MATRIX_HOMESERVER"),
        )
    }

    fn resolve(
        config: &Config,
        scope: Scope,
        token: Option<String>,
        password: Option<String>,
        homeserver: Option<String>,
    ) -> Result<TargetSettings, String> {
        let homeserver = homeserver
            .map(|h| {
                Homeserver::parse(&h).map_err(|e| format!("VEXT_MATRIX_HOMESERVER {h:?}: {e}"))
            })
            .transpose()?;
        let credential = token.is_some() || password.is_some();
        if scope == Scope::Daemon && credential && homeserver.is_none() {
            let which = if token.is_some() {
                "VEXT_MATRIX_TOKEN"
            } else {
                "VEXT_MATRIX_PASSWORD"
            };
            return Err(format!(
                "{which} is set but VEXT_MATRIX_HOMESERVER is not: the daemon would give it to \
                 any homeserver a client names; set VEXT_MATRIX_HOMESERVER=matrixs://your.homeserver \
                 (or give the token per target in [targets])"
            ));
        }
        let mut entries = Vec::with_capacity(config.targets.len());
        for (name, t) in &config.targets {
            entries.push(Entry {
                irc: irc_identity(name, t)?,
                url: t.url.clone(),
                token: t
                    .token
                    .clone()
                    .or_else(|| t.token_file.as_deref().and_then(read_secret_file)),
                password: t
                    .password
                    .clone()
                    .or_else(|| t.password_file.as_deref().and_then(read_secret_file)),
                section: t.clone(),
            });
        }
        Ok(TargetSettings {
            entries,
            ambient: credential.then_some(Ambient {
                homeserver,
                token,
                password,
            }),
        })
    }

    /// The target with what was configured for it: a `[targets]` entry
    /// applies to its own URL only, the environment's Matrix credential to
    /// its homeserver only.
    pub(crate) fn apply(&self, target: Destination) -> Destination {
        let entry = |url: &str| self.entries.iter().find(|e| e.url == url);
        match target {
            Destination::Matrix(mut m) => {
                if let Some(e) = entry(&m.url) {
                    m.token = e.token.clone();
                    if m.password.is_none() {
                        m.password = e.password.clone();
                    }
                }
                if let Some(a) = &self.ambient {
                    let fits = a
                        .homeserver
                        .as_ref()
                        .is_none_or(|h| *h == Homeserver::of(&m));
                    if fits && m.token.is_none() && m.password.is_none() {
                        m.token = a.token.clone();
                        m.password = a.password.clone();
                    }
                }
                Destination::Matrix(m)
            }
            Destination::Webhook(mut w) => {
                if let Some(e) = entry(&w.url) {
                    if let Some(base) = &e.section.api_base {
                        w = w.with_api_base(base);
                    }
                    if e.section.template.is_some() {
                        w.template = e.section.template.clone();
                    }
                    w.headers = e
                        .section
                        .headers
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                }
                Destination::Webhook(w)
            }
            Destination::Irc(mut d) => {
                // A certificate goes to the server its entry names (TLS,
                // host, port, nick), whichever channel the target is.
                let server = &d.server;
                if let Some((_, id)) = self.entries.iter().find_map(|e| {
                    e.irc.as_ref().filter(|(s, _)| {
                        s.tls == server.tls
                            && s.host.eq_ignore_ascii_case(&server.host)
                            && s.port == server.port
                            && s.nick == server.nick
                    })
                }) {
                    d.server.identity = Some(id.clone());
                }
                Destination::Irc(d)
            }
        }
    }
}

/// The client certificate of an `ircs://` entry, read and checked now.
fn irc_identity(
    name: &str,
    t: &TargetSection,
) -> Result<Option<(IrcServer, Arc<crate::net::tls::ClientIdentity>)>, String> {
    if t.client_cert.is_none() && t.client_key.is_none() {
        return Ok(None);
    }
    let d = match Destination::parse(&t.url) {
        Ok(Destination::Irc(d)) if d.server.tls => d,
        Ok(_) => {
            return Err(format!(
                "[targets.{name}] client_cert: only an ircs:// target presents a client certificate"
            ))
        }
        Err(e) => return Err(format!("[targets.{name}] url: {e}")),
    };
    let id = crate::settings::identity::client_identity(
        t.client_cert.as_deref(),
        t.client_key.as_deref(),
    )
    .map_err(|e| format!("[targets.{name}]: {e:#}"))?;
    Ok(id.map(|id| (d.server, Arc::new(id))))
}

fn read_secret_file(path: &Path) -> Option<String> {
    if let Err(e) = crate::state::dir::check_private(path, "the secret file") {
        log::error!("{e:#}");
        return None;
    }
    match std::fs::read_to_string(path) {
        Ok(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Err(e) => {
            log::warn!("cannot read {}: {e}", path.display());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(d: Destination) -> MatrixDestination {
        match d {
            Destination::Matrix(m) => m,
            other => panic!("not Matrix: {other}"),
        }
    }

    #[test]
    fn the_environments_token_goes_only_to_its_homeserver_in_the_daemon() {
        let config = Config::default();
        assert!(
            TargetSettings::resolve(&config, Scope::Daemon, Some("t".into()), None, None).is_err(),
            "a daemon token with no homeserver is refused at start"
        );
        let s = TargetSettings::resolve(
            &config,
            Scope::Daemon,
            Some("T".into()),
            Some("P".into()),
            Some("https://Matrix.Example.org".into()),
        )
        .unwrap();
        let at = |url: &str| matrix(s.apply(Destination::parse(url).unwrap()));
        let good = at("matrixs://matrix.example.org/!r:x");
        assert_eq!(good.token.as_deref(), Some("T"));
        assert_eq!(good.password.as_deref(), Some("P"));
        for evil in [
            "matrixs://evil.example/!r:x",
            "matrix://matrix.example.org/!r:x",
            "matrixs://matrix.example.org:8448/!r:x",
            "matrixs://matrix.example.org%2Fx@evil.example/!r:x",
            "matrixs://bot@evil.example/!r:x",
        ] {
            let m = at(evil);
            assert!(
                m.token.is_none() && m.password.is_none(),
                "{evil} must get no credential"
            );
        }
        let own =
            TargetSettings::resolve(&config, Scope::Own, Some("T".into()), None, None).unwrap();
        let m = matrix(own.apply(Destination::parse("matrixs://any.example/!r:x").unwrap()));
        assert_eq!(m.token.as_deref(), Some("T"), "the user's own send");
        assert!(Homeserver::parse("ftp://x").is_err() && Homeserver::parse("https://h/p").is_err());
    }

    #[test]
    fn a_configured_token_goes_only_to_its_own_url() {
        let config = crate::config::parse(
            "[targets.ops]\nurl = \"matrixs://m.example.org/!ops:m.example.org\"\ntoken = \"SECRET\"\n",
        )
        .unwrap();
        let s = TargetSettings::resolve(&config, Scope::Daemon, None, None, None).unwrap();
        let m = matrix(
            s.apply(Destination::parse("matrixs://m.example.org/!ops:m.example.org").unwrap()),
        );
        assert_eq!(m.token.as_deref(), Some("SECRET"));
        let m = matrix(
            s.apply(Destination::parse("matrixs://evil.example/!ops:m.example.org").unwrap()),
        );
        assert_eq!(m.token, None);
    }
}
