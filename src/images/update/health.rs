//! The health gate an updated workload must pass before the old one is
//! removed: the operator's extra checks (`--health-url`, `--health-cmd`),
//! each tried until it passes or the gate's time is up.

use std::sync::Arc;
use std::time::Duration;

use crate::net::tls::Agents;

/// How long a container without a HEALTHCHECK must run by default.
pub(crate) const STABLE_FOR: Duration = Duration::from_secs(30);
/// The longest a gate waits by default.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(120);

/// What "healthy" means for this run.
#[derive(Debug, Clone)]
pub(crate) struct Gate {
    /// Without a HEALTHCHECK: how long the container must keep running
    /// without an exit or a restart.
    pub(crate) stable_for: Duration,
    /// The longest the whole gate may take.
    pub(crate) timeout: Duration,
    /// An HTTP URL that must answer 2xx.
    pub(crate) url: Option<String>,
    /// A shell command that must exit 0.
    pub(crate) cmd: Option<String>,
    /// The agents the URL is asked with: one pool for the whole run, the
    /// `--ca-file` trusted as for registries and webhooks.
    pub(crate) http: Arc<Agents>,
    /// The operator's post-update command, run once the workload is
    /// healthy: failing, it makes the update unhealthy.
    pub(crate) post_update: Option<String>,
    /// The update at hand in `VEXT_*` variables, for the hooks.
    pub(crate) hook_env: Vec<(&'static str, String)>,
}

/// The agents a gate asks its URL with: 5 s per try.
pub(crate) fn agents(extra_ca: Option<&[u8]>) -> Arc<Agents> {
    Arc::new(Agents::new(extra_ca, |b| {
        b.timeout_global(Some(Duration::from_secs(5)))
    }))
}

impl Gate {
    /// One try of the extra checks: None when they pass, else why not.
    pub(crate) fn extra_checks(&self) -> Option<String> {
        if let Some(url) = &self.url {
            match self.http.run(url, |agent| agent.get(url).call()) {
                Ok(r) if r.status().is_success() => {}
                Ok(r) => return Some(format!("--health-url {url} answered {}", r.status())),
                Err(e) => return Some(format!("--health-url {url}: {e}")),
            }
        }
        if let Some(cmd) = &self.cmd {
            // One try is bounded too: a check that hangs is a failed try.
            let limit = self.timeout.min(Duration::from_secs(60));
            if let Err(why) = crate::util::shell::run(cmd, &[], limit) {
                return Some(format!("--health-cmd {why}"));
            }
        }
        None
    }

    /// The last part of the gate, once the workload is healthy: the
    /// operator's post-update command, run once (a hook is an action, not
    /// a probe) within the gate's timeout. Err is why it failed.
    pub(crate) fn post_update(&self) -> Result<(), String> {
        let Some(cmd) = &self.post_update else {
            return Ok(());
        };
        crate::util::shell::run(cmd, &self.hook_env, self.timeout)
            .map_err(|why| format!("the post_update hook {why}"))
    }
}
