//! `vext send`'s settings: its flags (and `VEXT_DAEMON`, `VEXT_TIMEOUT`,
//! `VEXT_NICK`, `VEXT_CA_FILE`, which clap reads for them) over `[send]` over
//! the defaults. `vext config show` prints this same resolution.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;

use super::origin::{Flags, Origin, Set};
use crate::cli::SendArgs;
use crate::config::Config;

pub(crate) const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub(crate) struct SendSettings {
    /// The daemon to send through; None (or an empty `--via`) sends directly.
    pub(crate) via: Set<Option<String>>,
    pub(crate) timeout: Set<Duration>,
    pub(crate) nick: Set<Option<String>>,
    pub(crate) ca_file: Set<Option<PathBuf>>,
    pub(crate) client_cert: Set<Option<PathBuf>>,
    pub(crate) client_key: Set<Option<PathBuf>>,
    /// Every IRC message as NOTICE.
    pub(crate) notice: Set<bool>,
}

impl SendSettings {
    pub(crate) fn resolve(args: &SendArgs, config: &Config) -> Result<SendSettings> {
        let flags = Flags {
            from_env: &args.from_env,
            section: "send",
        };
        let file = &config.send;
        let mut via = flags.maybe("via", args.via.clone(), file.via.clone());
        if via.value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            via.value = None;
        }
        let timeout = flags.pick("timeout", args.timeout, file.timeout, TIMEOUT);
        // Beyond 30 years is a typo, and would overflow a deadline.
        if timeout.value.is_zero() || timeout.value > Duration::from_secs(1 << 30) {
            return Err(timeout
                .origin
                .error("timeout", "must be above 0 and under 30 years"));
        }
        Ok(SendSettings {
            via,
            timeout,
            nick: flags.maybe("nick", args.nick.clone(), file.nick.clone()),
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
            notice: flags.pick("notice", args.notice.then_some(true), file.notice, false),
        })
    }

    /// The `[send]` section as these settings fill it, and each key's origin.
    pub(crate) fn shown(
        &self,
        into: &mut crate::config::SendSection,
    ) -> Vec<(&'static str, Origin)> {
        let mut origins = vec![("timeout", self.timeout.origin.clone())];
        into.timeout = Some(self.timeout.value);
        if let Some(v) = &self.via.value {
            into.via = Some(v.clone());
            origins.push(("via", self.via.origin.clone()));
        }
        if let Some(n) = &self.nick.value {
            into.nick = Some(n.clone());
            origins.push(("nick", self.nick.origin.clone()));
        }
        for (key, set, slot) in [
            ("ca_file", &self.ca_file, &mut into.ca_file),
            ("client_cert", &self.client_cert, &mut into.client_cert),
            ("client_key", &self.client_key, &mut into.client_key),
        ] {
            if let Some(c) = &set.value {
                *slot = Some(c.clone());
                origins.push((key, set.origin.clone()));
            }
        }
        into.notice = Some(self.notice.value);
        origins.push(("notice", self.notice.origin.clone()));
        origins
    }
}
