//! Where the state lives when nothing says otherwise, and keeping it
//! private: the state dir holds other people's credentials (IRC passwords in
//! queued targets, Matrix sessions), so it is 0700 and every file vext
//! writes in it 0600, whatever the umask, as ssh and systemd services keep
//! theirs.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;

use crate::exit::{fail, Code};

/// Makes sure `dir` is vext's own before anything is kept in it: created
/// 0700 when it does not exist; else it must be a directory (a file there
/// is an error before any change, exit 78), owned by this user (else exit
/// 77: whoever owns it could plant links that make vext write where they
/// choose), and reached without a symbolic link that someone else owns.
/// An existing dir and the files in it are tightened (0700/0600) through
/// their own descriptors, never through a link; a file in it that another
/// user owns, or a link, is refused by name.
pub(crate) fn ensure_private(dir: &Path) -> Result<()> {
    let shown = dir.display();
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| {
                    fail(
                        Code::Unavailable,
                        format!("cannot create the state directory {shown}: {e}"),
                    )
                })?;
        }
        Err(e) => return Err(fail(Code::Unavailable, format!("{shown}: {e}"))),
        Ok(m) if m.file_type().is_symlink() => {
            // A link the admin made (/var/lib/vext -> /srv/vext) is fine; a
            // link someone else could have made is not.
            if !ours_or_root(m.uid()) {
                return Err(fail(
                    Code::NoPerm,
                    format!(
                        "the state directory {shown} is a symbolic link owned by uid {}: \
                         refused (give the real directory, owned by this user)",
                        m.uid()
                    ),
                ));
            }
        }
        Ok(_) => {}
    }
    let handle = open_nofollow(&real_path(dir)?, true)?;
    let meta = handle.metadata()?;
    if !meta.is_dir() {
        return Err(fail(
            Code::Config,
            format!("the state directory {shown} is not a directory"),
        ));
    }
    owned(&meta, dir, "the state directory")?;
    tighten(&handle, &meta, dir, 0o700)?;
    for e in std::fs::read_dir(dir)?.flatten() {
        let path = e.path();
        let Ok(m) = std::fs::symlink_metadata(&path) else {
            // Gone meanwhile (another process's journal): nothing to do.
            continue;
        };
        if m.file_type().is_symlink() || (m.is_file() && m.uid() != euid()) {
            return Err(fail(
                Code::NoPerm,
                format!(
                    "{} in the state directory is {}: refused (vext writes only files of its own there); remove it",
                    path.display(),
                    if m.file_type().is_symlink() {
                        "a symbolic link".to_string()
                    } else {
                        format!("owned by uid {}", m.uid())
                    }
                ),
            ));
        }
        if m.is_file() && m.permissions().mode() & 0o077 != 0 {
            match open_nofollow(&path, false) {
                Ok(f) => tighten(&f, &f.metadata()?, &path, 0o600)?,
                Err(_) if !path.exists() => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// The path with an accepted link in its last part resolved (the checks
/// above refused any other), so the open below may refuse links.
fn real_path(dir: &Path) -> Result<PathBuf> {
    if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return std::fs::canonicalize(dir)
            .map_err(|e| fail(Code::Unavailable, format!("{}: {e}", dir.display())));
    }
    Ok(dir.to_path_buf())
}

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

fn ours_or_root(uid: u32) -> bool {
    uid == euid() || uid == 0
}

/// Opens `path` without following a link in its last part.
fn open_nofollow(path: &Path, dir: bool) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let flags = libc::O_NOFOLLOW | libc::O_CLOEXEC | if dir { libc::O_DIRECTORY } else { 0 };
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
        .map_err(|e| open_error(path, &e))
}

/// Why `path` could not be opened, with the exit code that says it: a link
/// refused by O_NOFOLLOW is 77, a file where a dir should be 78.
fn open_error(path: &Path, e: &std::io::Error) -> anyhow::Error {
    let code = match e.raw_os_error() {
        Some(libc::ELOOP) => Code::NoPerm,
        Some(libc::ENOTDIR) => Code::Config,
        _ => Code::Unavailable,
    };
    fail(code, format!("cannot open {}: {e}", path.display()))
}

/// Refuses what another user owns (root included, unless we are root).
fn owned(meta: &std::fs::Metadata, path: &Path, what: &str) -> Result<()> {
    if meta.uid() == euid() {
        return Ok(());
    }
    Err(fail(
        Code::NoPerm,
        format!(
            "{what} {} is owned by uid {}, not by this user (uid {}): refused, since its owner \
             could make vext write where they choose; use a directory of this user's own",
            path.display(),
            meta.uid(),
            euid()
        ),
    ))
}

/// Sets `mode` on the opened `file` (ours: `owned` said so) when group or
/// others have any access.
fn tighten(file: &std::fs::File, meta: &std::fs::Metadata, path: &Path, mode: u32) -> Result<()> {
    let current = meta.permissions().mode() & 0o777;
    if current & 0o077 == 0 {
        return Ok(());
    }
    file.set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(|e| {
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

/// Makes sure `path` in a checked state dir is a regular file of this
/// user's own (never a link), creating it 0600 when it does not exist;
/// never opens an existing one (see `db::open`).
pub(crate) fn check_own_file(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => open_own_file(path).map(drop),
        Err(e) => Err(fail(Code::Unavailable, format!("{}: {e}", path.display()))),
        Ok(m) if m.file_type().is_symlink() => Err(fail(
            Code::NoPerm,
            format!("{} is a symbolic link: refused; remove it", path.display()),
        )),
        Ok(m) if !m.is_file() => Err(fail(
            Code::Config,
            format!("{} is not a regular file", path.display()),
        )),
        Ok(m) => owned(&m, path, "the file"),
    }
}

/// Opens (creating 0600) a file of vext's own in a checked state dir:
/// never through a link, and never a file another user owns.
pub(crate) fn open_own_file(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .mode(0o600)
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| open_error(path, &e))?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(fail(
            Code::Config,
            format!("{} is not a regular file", path.display()),
        ));
    }
    owned(&meta, path, "the file")?;
    Ok(file)
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
    ensure_private(dir)?;
    let path = dir.join(name);
    let mut file = open_own_file(&path)?;
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
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        ensure_private(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(mode, 0o700);
    }
}
