//! Where the state lives when nothing says otherwise.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::exit::{fail, Code};

/// The state directory: the flag, else systemd's `$STATE_DIRECTORY`, else
/// `$XDG_STATE_HOME/vext`, else `~/.local/state/vext`.
pub(crate) fn state_dir(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(s) = var("STATE_DIRECTORY") {
        // systemd may list several, separated by ':'; the first is ours.
        let s = s
            .to_string_lossy()
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string();
        return Ok(PathBuf::from(s));
    }
    if let Some(x) = var("XDG_STATE_HOME") {
        return Ok(PathBuf::from(x).join("vext"));
    }
    if let Some(h) = var("HOME") {
        return Ok(PathBuf::from(h).join(".local/state/vext"));
    }
    Err(fail(
        Code::Config,
        "no state directory: give --state-dir (or set STATE_DIRECTORY, XDG_STATE_HOME or HOME)",
    ))
}
