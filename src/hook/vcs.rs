//! Running git, svnlook and hg.

use anyhow::Result;

use crate::exit::{fail, Code};

/// Runs a version-control command (`what` names it in errors): its stdout,
/// or an error with its stderr (69 when it cannot be started, 65 when it fails).
pub(crate) fn vcs_output(mut cmd: std::process::Command, what: &str) -> Result<String> {
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| fail(Code::Unavailable, format!("cannot run {what}: {e}")))?;
    if !out.status.success() {
        return Err(fail(
            Code::DataErr,
            format!(
                "{what} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
