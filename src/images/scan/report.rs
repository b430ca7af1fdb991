//! What a scan has to say about files it could not read: diagnostics on
//! stderr, counted, and the capped file reader every scanner uses.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Diagnostics on stderr, counted.
pub(crate) struct Report {
    verbose: bool,
    quiet: bool,
    pub(crate) errors: AtomicUsize,
    lock: Mutex<()>,
}

impl Report {
    pub(crate) fn new(verbose: bool, quiet: bool) -> Report {
        Report {
            verbose,
            quiet,
            errors: AtomicUsize::new(0),
            lock: Mutex::new(()),
        }
    }

    #[cfg(test)]
    pub(crate) fn quiet() -> Report {
        Report::new(false, true)
    }

    fn say(&self, level: &str, msg: &str) {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        eprintln!("vext: {level}: {msg}");
    }

    /// A file that should be a manifest but cannot be read or parsed.
    pub(crate) fn error(&self, msg: &str) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        // Errors show even with -q, as the log's error level does.
        self.say("error", msg);
    }

    pub(crate) fn warn(&self, msg: &str) {
        if !self.quiet {
            self.say("warning", msg);
        }
    }

    /// Skipped files and the like: only with -v.
    pub(crate) fn note(&self, msg: &str) {
        if self.verbose && !self.quiet {
            self.say("note", msg);
        }
    }
}

/// Files larger than this are not parsed.
const MAX_FILE: u64 = 32 << 20;

pub(crate) fn read_text(path: &Path, report: &Report) -> Option<String> {
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE => {
            report.error(&format!(
                "{}: larger than {} MiB, not scanned",
                path.display(),
                MAX_FILE >> 20
            ));
            return None;
        }
        Err(e) => {
            report.error(&format!("{}: {e}", path.display()));
            return None;
        }
        _ => {}
    }
    match std::fs::read(path) {
        // Image names are ASCII: stray non-UTF-8 bytes elsewhere do not matter.
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) => {
            report.error(&format!("{}: {e}", path.display()));
            None
        }
    }
}
