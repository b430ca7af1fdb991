//! Where the state lives when nothing says otherwise, and keeping it
//! private: the state dir holds other people's credentials (IRC passwords in
//! queued targets, Matrix sessions), so it is 0700 and every file vext
//! writes in it 0600, whatever the umask, as ssh and systemd services keep
//! theirs.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;

use crate::exit::{fail, Code};

/// Creates `dir` (0700) when it does not exist; tightens an existing one and
/// the files vext keeps in it when group or others may read them, with one
/// warning each. A dir or file vext may not change is an error naming it.
pub(crate) fn ensure_private(dir: &Path) -> Result<()> {
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| {
                fail(
                    Code::Unavailable,
                    format!("cannot create the state directory {}: {e}", dir.display()),
                )
            })?;
    }
    tighten(dir, 0o700)?;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            if path.is_file() {
                tighten(&path, 0o600)?;
            }
        }
    }
    Ok(())
}

/// Sets `mode` on `path` when group or others have any access.
fn tighten(path: &Path, mode: u32) -> Result<()> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        // Gone meanwhile (another process's journal or temporary file):
        // nothing left to tighten.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(fail(Code::Unavailable, format!("{}: {e}", path.display()))),
    };
    let current = meta.permissions().mode() & 0o777;
    if current & 0o077 == 0 {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| {
        // Not ours to change: a permission error; a read-only file system
        // cannot hold a spool at all.
        let code = match e.kind() {
            std::io::ErrorKind::PermissionDenied => Code::NoPerm,
            _ => Code::Unavailable,
        };
        fail(
            code,
            format!(
                "{} is readable by others (mode {current:o}) and cannot be made private: {e}; chmod {mode:o} it",
                path.display()
            ),
        )
    })?;
    log::warn!(
        "{} was readable by others (mode {current:o}); made it {mode:o}",
        path.display()
    );
    Ok(())
}

/// Warns when a file holding a secret is readable by group or others, with
/// the chmod that fixes it (as ssh does for keys).
/// `--strict-permissions` (or `strict_permissions = true` in the config):
/// a secret file others can read is refused, not only warned about.
static STRICT: AtomicBool = AtomicBool::new(false);

pub(crate) fn set_strict_permissions(on: bool) {
    STRICT.store(on, Ordering::Relaxed);
}

/// Checks a secret file as ssh does its keys: readable by group or others
/// is a warning naming the `chmod` that fixes it, or with
/// `--strict-permissions` an error (exit 78).
pub(crate) fn check_private(path: &Path, what: &str) -> Result<()> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 == 0 {
        return Ok(());
    }
    let p = path.display();
    if STRICT.load(Ordering::Relaxed) {
        return Err(fail(
            Code::Config,
            format!(
                "{what} {p} is readable by others (mode {mode:o}); refused with \
                 --strict-permissions: chmod 600 {p}"
            ),
        ));
    }
    log::warn!("{what} {p} is readable by others (mode {mode:o}): chmod 600 {p}");
    Ok(())
}

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

/// Takes the lock file `name` in the state dir (created 0600, holding our
/// pid), for as long as the returned file lives: one `what` per state dir.
pub(crate) fn lock(dir: &Path, name: &str, what: &str) -> Result<std::fs::File> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    ensure_private(dir)?;
    let path = dir.join(name);
    let mut file = std::fs::OpenOptions::new()
        .mode(0o600)
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|e| {
            fail(
                Code::Unavailable,
                format!("cannot open {}: {e}", path.display()),
            )
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            return Err(fail(
                Code::Unavailable,
                format!(
                    "another {what} (pid {}) is using the state directory {}",
                    holder.split_whitespace().next().unwrap_or("?"),
                    dir.display()
                ),
            ));
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(fail(
                Code::Unavailable,
                format!("cannot lock {}: {e}", path.display()),
            ))
        }
    }
    let _ = file.set_len(0);
    let _ = writeln!(file, "{}", std::process::id());
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Another process's journal or temporary file that goes while the
    /// directory is being tightened is no error: a `vext send` that hit one
    /// went on without its login lock and made a second Matrix device.
    #[test]
    fn a_file_gone_meanwhile_is_not_an_error() {
        let dir = std::env::temp_dir().join(format!("vext-tighten-{}", std::process::id()));
        assert!(tighten(&dir.join("spool.sqlite-journal"), 0o600).is_ok());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        ensure_private(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(mode, 0o700);
    }
}
