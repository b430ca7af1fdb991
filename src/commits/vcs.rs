//! Running git, svnlook, hg and the filter command, within the hook's time
//! budget: a hook must never hold up a push, so a command still running at
//! the deadline is killed and reported.

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::exit::{fail, Code};

/// When this hook's budget runs out (set once, by the hook's runner).
static DEADLINE: OnceLock<Instant> = OnceLock::new();

/// Sets the deadline every command of this hook run must finish by.
pub(crate) fn set_deadline(deadline: Instant) {
    let _ = DEADLINE.set(deadline);
}

/// Runs `cmd` to completion or until the hook's deadline, whichever comes
/// first; `what` names it in errors (69 when it cannot start, 75 when it was
/// killed at the deadline).
pub(crate) fn run_bounded(mut cmd: Command, what: &str) -> Result<Output> {
    let deadline = DEADLINE
        .get()
        .copied()
        .unwrap_or_else(|| Instant::now() + Duration::from_secs(60));
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(Code::Unavailable, format!("cannot run {what}: {e}")))?;
    // Read both pipes meanwhile, so a chatty command never blocks on them;
    // the end of stdout (the command exiting, as a rule) wakes us at once.
    let (done, finished) = std::sync::mpsc::channel();
    let drain = |pipe: Option<Box<dyn Read + Send>>, done: Option<std::sync::mpsc::Sender<()>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            if let Some(d) = done {
                let _ = d.send(());
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        Some(done),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        None,
    );
    let timed_out = |child: &mut std::process::Child| {
        let _ = child.kill();
        let _ = child.wait();
        fail(
            Code::TempFail,
            format!("{what} did not finish within the hook's time limit; killed it"),
        )
    };
    let left = deadline.saturating_duration_since(Instant::now());
    if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(left) {
        return Err(timed_out(&mut child));
    }
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => return Err(timed_out(&mut child)),
            Ok(None) => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => return Err(fail(Code::Unavailable, format!("waiting for {what}: {e}"))),
        }
    };
    Ok(Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// Runs a version-control command (`what` names it in errors): its stdout,
/// or an error with its stderr (69 when it cannot be started, 65 when it fails).
pub(crate) fn vcs_output(cmd: Command, what: &str) -> Result<String> {
    let out = run_bounded(cmd, what)?;
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
