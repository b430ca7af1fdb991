//! Replacing a file atomically: the new contents go to a temp file beside
//! it, which is renamed over the original (keeping its permissions), so a
//! reader sees the old file or the new one, never half of one.

use std::path::Path;

/// Writes `bytes` to `path` through a temp file renamed over it; the error
/// names the file that could not be written or replaced.
pub(crate) fn replace(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension(format!("vext-tmp{}", std::process::id()));
    let perms = std::fs::metadata(path).map(|m| m.permissions()).ok();
    std::fs::write(&tmp, bytes).map_err(|e| format!("writing {}: {e}", tmp.display()))?;
    if let Some(p) = perms {
        let _ = std::fs::set_permissions(&tmp, p);
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("replacing {}: {e}", path.display())
    })
}
