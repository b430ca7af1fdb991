//! Applying approved updates: the plan (from the scan's findings and the
//! check engine's decisions, never a second decision engine), Docker
//! containers recreated behind a health gate with automatic rollback,
//! Kubernetes workloads patched and undone as kubectl would, and manifest
//! tags rewritten in place. Each step is journaled in the state database
//! first (`state::updates`).

pub(crate) mod compose;
pub(crate) mod docker;
pub(crate) mod health;
pub(crate) mod kube;
pub(crate) mod manifest;
pub(crate) mod metrics;
pub(crate) mod plan;
pub(crate) mod run;

/// How an update ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ending {
    Applied,
    /// The new version failed its gate; the old one runs again.
    RolledBack(String),
    /// Nothing was changed (a failed pull, a vanished workload), or the
    /// rollback itself failed (then the message says what is left).
    Failed(String),
}

impl Ending {
    /// The journal's and the summary's word for it.
    pub(crate) fn outcome(&self) -> &'static str {
        match self {
            Ending::Applied => "applied",
            Ending::RolledBack(_) => "rolled_back",
            Ending::Failed(_) => "failed",
        }
    }

    pub(crate) fn reason(&self) -> Option<&str> {
        match self {
            Ending::Applied => None,
            Ending::RolledBack(why) | Ending::Failed(why) => Some(why),
        }
    }
}

/// A test hook: `VEXT_UPDATE_STALL_AT=STEP` stops the run for good once
/// STEP is journaled, so a test can kill it there. Only debug builds (the
/// ones the tests run) have it: the shipped binary reads no such variable.
pub(crate) fn stall_at(step: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("VEXT_UPDATE_STALL_AT").ok().as_deref() == Some(step) {
        log::warn!("VEXT_UPDATE_STALL_AT={step}: stalling");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = step;
}
