//! An operator's command (`--health-cmd`, update hooks), run through
//! `/bin/sh -c` with stdin closed, in a process group of its own that is
//! killed whole at its deadline, its output read meanwhile and only the
//! last [`KEPT`] bytes kept for the message: a command that hangs or never
//! stops talking costs its timeout and a few KiB, nothing more.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Output kept from a command (its last bytes, stdout and stderr together).
pub(crate) const KEPT: usize = 2048;

/// Runs `cmd` with `env` added; Ok when it exits 0 within `timeout`, else
/// why not (its exit status or the timeout, and the end of its output).
pub(crate) fn run(cmd: &str, env: &[(&str, String)], timeout: Duration) -> Result<(), String> {
    let mut command = Command::new("/bin/sh");
    command
        .args(["-c", cmd])
        .envs(env.iter().map(|(k, v)| (k, v)));
    bounded(command, timeout).map(|_| ())
}

/// Runs a program (no shell) in `dir` with `env` added; Ok with the last
/// [`KEPT`] bytes of its standard output when it exits 0 within `timeout`,
/// else why not, as [`run`] says it.
pub(crate) fn output(
    program: &str,
    args: &[String],
    env: &[(&str, String)],
    dir: &std::path::Path,
    timeout: Duration,
) -> Result<String, String> {
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)));
    bounded(command, timeout)
}

/// The end of what a command wrote: stdout alone, and both streams as they
/// came (for the message when it fails).
#[derive(Default)]
struct Tails {
    out: Vec<u8>,
    both: Vec<u8>,
}

fn keep_last(buf: &mut Vec<u8>, more: &[u8]) {
    buf.extend_from_slice(more);
    let extra = buf.len().saturating_sub(KEPT);
    buf.drain(..extra);
}

/// Spawns `command` with stdin closed in a process group of its own, reads
/// both pipes keeping their tails, and kills the group at `timeout`.
fn bounded(mut command: Command, timeout: Duration) -> Result<String, String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = command.spawn().map_err(|e| format!("cannot run it: {e}"))?;
    let tails = std::sync::Arc::new(std::sync::Mutex::new(Tails::default()));
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|p| (true, Box::new(p) as Box<dyn Read + Send>)),
        child
            .stderr
            .take()
            .map(|p| (false, Box::new(p) as Box<dyn Read + Send>)),
    ]
    .into_iter()
    .flatten()
    .map(|(is_out, mut pipe)| {
        let tails = tails.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut t = tails.lock().unwrap_or_else(|p| p.into_inner());
                if is_out {
                    keep_last(&mut t.out, &buf[..n]);
                }
                keep_last(&mut t.both, &buf[..n]);
            }
        })
    })
    .collect();
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for it: {e}")),
        }
    };
    let pid = i32::try_from(child.id()).unwrap_or(0);
    if status.is_none() && pid > 0 {
        // SAFETY: kill(2) on the process group this child leads (made so
        // with process_group(0) above); no memory is touched.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
        let _ = child.wait();
    }
    // The pipes close once every process of the group is gone; a daemon
    // it left behind that keeps them open is not waited for.
    for r in readers {
        if status.is_none() {
            break;
        }
        let _ = r.join();
    }
    let tails = std::mem::take(&mut *tails.lock().unwrap_or_else(|p| p.into_inner()));
    if status.is_some_and(|s| s.success()) {
        return Ok(String::from_utf8_lossy(&tails.out).into_owned());
    }
    let mut said = String::from_utf8_lossy(&tails.both)
        .trim()
        .replace('\n', " / ");
    if said.len() > KEPT {
        let mut cut = said.len() - KEPT;
        while !said.is_char_boundary(cut) {
            cut += 1;
        }
        said = format!("...{}", &said[cut..]);
    }
    let said = if said.is_empty() {
        String::new()
    } else {
        format!(": {said}")
    };
    match status {
        Some(s) => Err(format!("exited with {s}{said}")),
        None => Err(format!(
            "still running after {} and was killed{said}",
            humantime::format_duration(timeout)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_failure_environment_and_output() {
        assert!(run("exit 0", &[], Duration::from_secs(5)).is_ok());
        let err = run("echo nope >&2; exit 3", &[], Duration::from_secs(5)).unwrap_err();
        assert!(
            err.contains("exit status: 3") && err.contains("nope"),
            "{err}"
        );
        let env = [("VEXT_TO", "1.1".to_string())];
        assert!(run("test \"$VEXT_TO\" = 1.1", &env, Duration::from_secs(5)).is_ok());
    }

    /// Bounds: a command that never ends is killed at its timeout, with its
    /// children; one that floods its output leaves only the last KEPT bytes.
    #[test]
    fn a_hanging_or_flooding_command_is_bounded() {
        let started = Instant::now();
        let err = run("sleep 30 & sleep 30", &[], Duration::from_millis(300)).unwrap_err();
        assert!(err.contains("killed"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        let err = run(
            "yes flood | head -c 10000000; exit 1",
            &[],
            Duration::from_secs(20),
        )
        .unwrap_err();
        assert!(err.len() < KEPT + 200, "{}", err.len());
    }
}
