//! Running the vext binary with a small builder, as a user would.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::*;

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub struct Vext {
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    env: Vec<(String, String)>,
    timeout: Duration,
}

pub fn vext<I, S>(args: I) -> Vext
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    Vext {
        args: args.into_iter().map(|s| s.as_ref().to_string()).collect(),
        stdin: None,
        env: Vec::new(),
        timeout: Duration::from_secs(60),
    }
}

impl Vext {
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// More arguments after those given to [`vext`].
    pub fn args<I, S>(mut self, more: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.args
            .extend(more.into_iter().map(|s| s.as_ref().to_string()));
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn run(self) -> Output {
        // State (check results, Matrix sessions) goes to a dir of this run's
        // own unless the test chose one, never to the user's home.
        let state = TempDir::new("state");
        let mut cmd = Command::new(VEXT);
        cmd.args(&self.args)
            .env_remove("VEXT_DAEMON")
            .env_remove("VEXT_CONFIG")
            .env_remove("VEXT_LOG")
            .env_remove("VEXT_STATE_DIR")
            .env_remove("STATE_DIRECTORY")
            .env("XDG_STATE_HOME", state.path())
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("starting vext");
        if let Some(input) = self.stdin {
            let mut stdin = child.stdin.take().expect("stdin");
            std::thread::spawn(move || {
                let _ = stdin.write_all(&input);
            });
        }
        let mut out = child.stdout.take().expect("stdout");
        let mut err = child.stderr.take().expect("stderr");
        let t_out = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        });
        let t_err = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        let until = Instant::now() + self.timeout;
        let status = loop {
            if let Some(st) = child.try_wait().expect("waiting for vext") {
                break st;
            }
            if Instant::now() > until {
                let _ = child.kill();
                panic!(
                    "vext {:?} did not finish within {:?}",
                    self.args, self.timeout
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        Output {
            code: status.code().unwrap_or(-1),
            stdout: t_out.join().unwrap_or_default(),
            stderr: t_err.join().unwrap_or_default(),
        }
    }

    /// Runs and asserts the exit code, returning the output.
    pub fn expect(self, code: i32) -> Output {
        let args = self.args.clone();
        let out = self.run();
        assert_eq!(
            out.code, code,
            "vext {args:?} exited {} (wanted {code})\nstdout: {}\nstderr: {}",
            out.code, out.stdout, out.stderr
        );
        out
    }
}
