//! Test support: temp dirs, the vext binary, a private ngircd, an observing
//! IRC client, and the daemon. Every helper owns what it starts and cleans
//! it up (by PID) when dropped.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const VEXT: &str = env!("CARGO_BIN_EXE_vext");

// ---- temp dirs ---------------------------------------------------------------

pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "vext-test-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("creating a temp dir");
        // ngircd started as root drops to nobody and must still read its files.
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755));
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).expect("writing a temp file");
        p
    }

    /// Writes a script (hook, plugin, fake command) and makes it executable.
    pub fn write_executable(&self, name: &str, text: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = self.write(name, text);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755))
            .expect("making a script executable");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("finding a free port")
}

/// Finds a server binary or fails naming the Makefile target that installs it.
/// Runs `prog` in `dir`, asserting that it succeeds; returns its stdout.
pub fn run_ok(dir: &Path, prog: &str, args: &[&str]) -> String {
    let out = Command::new(prog)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{prog}: {e} (make deps installs it)"));
    assert!(
        out.status.success(),
        "{prog} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn require_binary(name: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"] {
        let p = Path::new(dir).join(name);
        if p.is_file() {
            return p;
        }
    }
    panic!("{name} is not installed: run `make deps` (Debian package for {name})");
}

// ---- running vext ------------------------------------------------------------

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

// ---- ngircd ------------------------------------------------------------------

pub struct IrcdOptions {
    pub penalties: bool,
    pub max_joins: u32,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub password: Option<String>,
    pub ping_timeout: u32,
}

impl Default for IrcdOptions {
    fn default() -> Self {
        IrcdOptions {
            penalties: true,
            max_joins: 10,
            tls: None,
            password: None,
            ping_timeout: 120,
        }
    }
}

pub struct Ngircd {
    pub port: u16,
    pub tls_port: Option<u16>,
    dir: TempDir,
    conf: PathBuf,
    child: Option<Child>,
}

impl Ngircd {
    pub fn start() -> Ngircd {
        Ngircd::with(IrcdOptions::default())
    }

    pub fn with(opts: IrcdOptions) -> Ngircd {
        // free_port() can race with other tests: retry with new ports when
        // ngircd could not bind.
        for _ in 0..5 {
            if let Some(ircd) = Ngircd::try_with(&opts) {
                return ircd;
            }
        }
        panic!("ngircd did not start");
    }

    fn try_with(opts: &IrcdOptions) -> Option<Ngircd> {
        let bin = require_binary("ngircd");
        let dir = TempDir::new("ngircd");
        std::fs::create_dir_all(dir.path().join("include")).expect("include dir");
        let port = free_port();
        let tls_port = opts.tls.as_ref().map(|_| free_port());
        let mut conf = format!(
            "[Global]\nName = irc.test\nInfo = vext test server\nListen = 127.0.0.1\nPorts = {port}\n\
             MotdPhrase = hello\nIncludeDir = {include}\n{pass}\
             [Limits]\nMaxConnectionsIP = 0\nMaxJoins = {joins}\nPingTimeout = {ping}\nPongTimeout = 20\n{penalty}\
             [Options]\nDNS = no\nIdent = no\nPAM = no\n",
            include = dir.path().join("include").display(),
            pass = opts.password.as_ref().map(|p| format!("Password = {p}\n")).unwrap_or_default(),
            joins = opts.max_joins,
            ping = opts.ping_timeout,
            penalty = if opts.penalties { "" } else { "MaxPenaltyTime = 0\n" },
        );
        if let (Some((cert, key)), Some(tp)) = (&opts.tls, tls_port) {
            conf.push_str(&format!(
                "[SSL]\nCertFile = {}\nKeyFile = {}\nPorts = {tp}\n",
                cert.display(),
                key.display()
            ));
        }
        let conf_path = dir.write("ngircd.conf", &conf);
        let mut ircd = Ngircd {
            port,
            tls_port,
            dir,
            conf: conf_path,
            child: None,
        };
        let mut child = ircd.spawn(&bin);
        // Listening, but is it ours? ngircd exits when its port was taken.
        std::thread::sleep(Duration::from_millis(30));
        if let Ok(Some(_)) = child.try_wait() {
            return None;
        }
        ircd.child = Some(child);
        Some(ircd)
    }

    fn spawn(&self, bin: &Path) -> Child {
        let child = Command::new(bin)
            .args(["-n", "-f"])
            .arg(&self.conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting ngircd");
        let until = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < until,
                "ngircd did not start listening on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Some(tp) = self.tls_port {
            while TcpStream::connect(("127.0.0.1", tp)).is_err() {
                assert!(Instant::now() < until, "ngircd did not start TLS on {tp}");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        child
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        let bin = require_binary("ngircd");
        self.child = Some(self.spawn(&bin));
    }

    pub fn url(&self, channel: &str) -> String {
        format!(
            "irc://127.0.0.1:{}/{}",
            self.port,
            channel.replace('#', "%23")
        )
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Ngircd {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---- an observing IRC client ---------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Privmsg {
    pub from: String,
    pub target: String,
    pub text: String,
}

pub struct Observer {
    pub nick: String,
    stream: TcpStream,
    lines: Receiver<String>,
    /// Every raw line received, for assertions on the wire.
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Observer {
    pub fn join(port: u16, channels: &[&str]) -> Observer {
        static N: AtomicU64 = AtomicU64::new(0);
        let nick = format!("obs{}", N.fetch_add(1, Ordering::SeqCst) % 100000);
        Observer::with_nick(port, &nick, channels)
    }

    pub fn with_nick(port: u16, nick: &str, channels: &[&str]) -> Observer {
        Observer::connect(port, nick, None, channels)
    }

    pub fn with_pass(port: u16, nick: &str, pass: &str, channels: &[&str]) -> Observer {
        Observer::connect(port, nick, Some(pass), channels)
    }

    fn connect(port: u16, nick: &str, pass: Option<&str>, channels: &[&str]) -> Observer {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("observer connects");
        let reader = stream.try_clone().expect("clone");
        let (tx, rx) = mpsc::channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let log2 = log.clone();
        let mut pong = stream.try_clone().expect("clone");
        std::thread::spawn(move || {
            let mut r = BufReader::new(reader);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match r.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        let line = String::from_utf8_lossy(&buf)
                            .trim_end_matches(['\r', '\n'])
                            .to_string();
                        if let Some(token) = line.strip_prefix("PING ") {
                            let _ = pong.write_all(format!("PONG {token}\r\n").as_bytes());
                        }
                        log2.lock().unwrap().push(line.clone());
                        if tx.send(line).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let mut obs = Observer {
            nick: nick.to_string(),
            stream,
            lines: rx,
            log,
        };
        if let Some(p) = pass {
            obs.send(&format!("PASS {p}"));
        }
        obs.send(&format!("NICK {nick}"));
        obs.send(&format!("USER {nick} 0 * :observer"));
        obs.wait_for(|l| l.split(' ').nth(1) == Some("001"), "welcome");
        for ch in channels {
            obs.send(&format!("JOIN {ch}"));
            let ch_l = ch.to_lowercase();
            obs.wait_for(
                |l| {
                    let p: Vec<&str> = l.split(' ').collect();
                    p.get(1) == Some(&"366")
                        && p.get(3).map(|c| c.to_lowercase()) == Some(ch_l.clone())
                },
                "end of NAMES",
            );
        }
        obs
    }

    pub fn send(&mut self, line: &str) {
        self.stream
            .write_all(format!("{line}\r\n").as_bytes())
            .expect("observer write");
    }

    /// Waits for a line matching `pred`, failing after 10 s.
    pub fn wait_for(&mut self, pred: impl Fn(&str) -> bool, what: &str) -> String {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if pred(&l) => return l,
                Ok(_) => {}
                Err(_) => panic!(
                    "observer {}: no {what} within 10 s; saw {:?}",
                    self.nick,
                    self.log.lock().unwrap()
                ),
            }
        }
    }

    /// Collects PRIVMSGs until `n` arrived or `timeout` passed.
    pub fn privmsgs(&mut self, n: usize, timeout: Duration) -> Vec<Privmsg> {
        let until = Instant::now() + timeout;
        let mut got = Vec::new();
        while got.len() < n {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    if let Some(m) = parse_privmsg(&l) {
                        got.push(m);
                    }
                }
                Err(_) => break,
            }
        }
        got
    }

    /// PRIVMSGs that arrive within `quiet` of each other, until silence.
    pub fn drain(&mut self, quiet: Duration) -> Vec<Privmsg> {
        let mut got = Vec::new();
        while let Ok(l) = self.lines.recv_timeout(quiet) {
            if let Some(m) = parse_privmsg(&l) {
                got.push(m);
            }
        }
        got
    }
}

pub fn parse_privmsg(line: &str) -> Option<Privmsg> {
    let rest = line.strip_prefix(':')?;
    let (prefix, rest) = rest.split_once(' ')?;
    let rest = rest.strip_prefix("PRIVMSG ")?;
    let (target, text) = rest.split_once(" :")?;
    Some(Privmsg {
        from: prefix.split('!').next().unwrap_or("").to_string(),
        target: target.to_string(),
        text: text.to_string(),
    })
}

// ---- the daemon ----------------------------------------------------------------

pub struct Daemon {
    pub child: Child,
    /// The state directory (spool), owned by this daemon unless given.
    pub state: Option<TempDir>,
    pub tcp: String,
    pub udp: String,
    pub http: Option<String>,
    pub stderr: Arc<Mutex<String>>,
}

impl Daemon {
    pub fn start(extra: &[&str]) -> Daemon {
        Daemon::start_in(extra, None)
    }

    /// Starts the daemon with extra environment variables.
    pub fn start_env(extra: &[&str], env: &[(&str, &str)]) -> Daemon {
        Daemon::launch(extra, None, env)
    }

    /// Starts `vext daemon --listen 127.0.0.1:0 EXTRA...`, optionally inside a
    /// network namespace (`wrapper` is the command prefix, e.g. nsenter).
    pub fn start_in(extra: &[&str], wrapper: Option<&[&str]>) -> Daemon {
        Daemon::launch(extra, wrapper, &[])
    }

    fn launch(extra: &[&str], wrapper: Option<&[&str]>, env: &[(&str, &str)]) -> Daemon {
        let mut args: Vec<String> = vec!["daemon".into()];
        let state = if extra.contains(&"--state-dir") {
            None
        } else {
            let dir = TempDir::new("state");
            args.extend(["--state-dir".into(), dir.path().display().to_string()]);
            Some(dir)
        };
        if !extra.contains(&"--listen") {
            args.extend(["--listen".into(), "127.0.0.1:0".into()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut cmd = match wrapper {
            Some(w) => {
                let mut c = Command::new(w[0]);
                c.args(&w[1..]).arg(VEXT);
                c
            }
            None => Command::new(VEXT),
        };
        cmd.args(&args)
            .env_remove("VEXT_CONFIG")
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .env("VEXT_LOG", "vext=debug")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("starting vext daemon");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        let log = Arc::new(Mutex::new(String::new()));
        let log2 = log.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stderr);
            let mut line = String::new();
            loop {
                line.clear();
                match r.read_line(&mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        log2.lock().unwrap().push_str(&line);
                        if line.starts_with("listening ") {
                            let _ = tx.send(line.trim().to_string());
                        }
                    }
                }
            }
        });
        let ready = match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!("daemon not ready; stderr: {}", log.lock().unwrap());
            }
        };
        let field = |k: &str| {
            ready
                .split(' ')
                .find_map(|f| f.strip_prefix(k))
                .unwrap_or_else(|| panic!("no {k} in {ready:?}"))
                .to_string()
        };
        Daemon {
            tcp: field("tcp="),
            udp: field("udp="),
            http: ready
                .split(' ')
                .find_map(|f| f.strip_prefix("http="))
                .map(String::from),
            child,
            state,
            stderr: log,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn signal(&self, sig: &str) {
        let _ = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid().to_string()])
            .status();
    }

    /// Waits for the daemon to exit; returns its exit code.
    pub fn wait(&mut self, timeout: Duration) -> Option<i32> {
        let until = Instant::now() + timeout;
        loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                return st.code();
            }
            if Instant::now() > until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends raw bytes on a new TCP connection and returns the replies read
    /// until `replies` lines arrived (or 10 s passed).
    pub fn request(&self, raw: &[u8], replies: usize) -> Vec<String> {
        let mut s = TcpStream::connect(&self.tcp).expect("connect to daemon");
        s.write_all(raw).expect("write to daemon");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut r = BufReader::new(s);
        let mut out = Vec::new();
        while out.len() < replies {
            let mut l = String::new();
            match r.read_line(&mut l) {
                Ok(0) | Err(_) => break,
                Ok(_) => out.push(l.trim().to_string()),
            }
        }
        out
    }

    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until `vext history` on `state` shows a delivered target;
    /// returns that `--json` output.
    pub fn wait_delivered(&self, state: &Path, timeout: Duration) -> String {
        let until = Instant::now() + timeout;
        loop {
            let out = vext(["history", "--state-dir", state.to_str().unwrap(), "--json"])
                .expect(0)
                .stdout;
            if out.contains("\"delivered\"") {
                return out;
            }
            assert!(
                Instant::now() < until,
                "not delivered: {out}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- InspIRCd ----------------------------------------------------------------------

/// InspIRCd 3 with the flood settings Debian ships (`<connect threshold="10"
/// recvq="8192">`, fake lag on), to check the daemon's pacing on a server
/// other than ngircd. (ircd-hybrid cannot be installed beside ngircd: the
/// Debian packages conflict.)
pub struct Inspircd {
    pub port: u16,
    _dir: TempDir,
    child: Child,
}

impl Inspircd {
    pub fn start() -> Inspircd {
        for _ in 0..5 {
            if let Some(ircd) = Inspircd::try_start() {
                return ircd;
            }
        }
        panic!("inspircd did not start");
    }

    fn try_start() -> Option<Inspircd> {
        let bin = require_binary("inspircd");
        let dir = TempDir::new("inspircd");
        let port = free_port();
        let conf = dir.write(
            "inspircd.conf",
            &format!(
                "<server name=\"irc.test\" description=\"vext test\" network=\"Test\">\n\
                 <admin name=\"test\" nick=\"test\" email=\"test@localhost\">\n\
                 <bind address=\"127.0.0.1\" port=\"{port}\" type=\"clients\">\n\
                 <connect allow=\"*\" timeout=\"60\" threshold=\"10\" pingfreq=\"120\" hardsendq=\"262144\" softsendq=\"8192\" recvq=\"8192\" localmax=\"100\" globalmax=\"100\" resolvehostnames=\"no\" useident=\"no\">\n\
                 <channels users=\"20\" opers=\"60\">\n\
                 <pid file=\"{}\">\n\
                 <security maxtargets=\"20\">\n\
                 <whowas groupsize=\"10\" maxgroups=\"100000\" maxkeep=\"3d\">\n",
                dir.path().join("inspircd.pid").display()
            ),
        );
        let mut child = Command::new(bin)
            .arg(format!("--config={}", conf.display()))
            .args(["--nofork", "--runasroot"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting inspircd");
        let until = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > until || matches!(child.try_wait(), Ok(Some(_))) {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Inspircd {
            port,
            _dir: dir,
            child,
        })
    }

    pub fn url(&self, channel: &str) -> String {
        format!(
            "irc://127.0.0.1:{}/{}",
            self.port,
            channel.replace('#', "%23")
        )
    }
}

impl Drop for Inspircd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- private network namespaces ---------------------------------------------------

/// Moves the calling test thread into a new network namespace with its own
/// loopback (so irker's hard-coded port 6659 is free and private). Processes
/// and sockets this thread creates afterwards live in it. Needs root.
pub fn private_network() {
    // SAFETY: unshare only changes this thread's namespaces.
    let rc = unsafe { libc::unshare(libc::CLONE_NEWNET) };
    assert_eq!(
        rc,
        0,
        "unshare(CLONE_NEWNET) failed (tests must run as root): {}",
        std::io::Error::last_os_error()
    );
    let st = Command::new("ip")
        .args(["link", "set", "lo", "up"])
        .status()
        .expect("running ip (make deps installs iproute2)");
    assert!(st.success(), "ip link set lo up failed");
}

/// Moves the calling test thread into a private mount namespace and mounts
/// a small tmpfs on `dir` there (other tests do not see it). Needs root.
pub fn private_tmpfs(dir: &std::path::Path, size: &str) {
    // SAFETY: unshare only changes this thread's namespaces.
    let rc = unsafe { libc::unshare(libc::CLONE_NEWNS) };
    assert_eq!(
        rc,
        0,
        "unshare(CLONE_NEWNS): {}",
        std::io::Error::last_os_error()
    );
    let run = |args: &[&str]| {
        let st = Command::new(args[0])
            .args(&args[1..])
            .status()
            .expect("mount");
        assert!(st.success(), "{args:?}");
    };
    run(&["mount", "--make-rprivate", "/"]);
    run(&[
        "mount",
        "-t",
        "tmpfs",
        "-o",
        &format!("size={size}"),
        "tmpfs",
        dir.to_str().unwrap(),
    ]);
}

// ---- a scripted IRC server -------------------------------------------------------

/// A one-connection IRC server driven by a script, for what ngircd cannot
/// do (SASL) or must not do (never answer).
pub struct FakeServer {
    pub port: u16,
    pub received: Arc<Mutex<Vec<String>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeServer {
    /// `respond` sees each client line and returns the lines to answer with.
    pub fn start<F>(mut respond: F) -> FakeServer
    where
        F: FnMut(&str) -> Vec<String> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake server");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let rec = received.clone();
        let thread = std::thread::spawn(move || {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
            let mut w = stream.try_clone().expect("clone");
            let mut r = BufReader::new(stream);
            let mut line = String::new();
            loop {
                line.clear();
                match r.read_line(&mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        let l = line.trim_end().to_string();
                        rec.lock().unwrap().push(l.clone());
                        for out in respond(&l) {
                            if w.write_all(format!("{out}\r\n").as_bytes()).is_err() {
                                return;
                            }
                        }
                    }
                }
            }
        });
        FakeServer {
            port,
            received,
            thread: Some(thread),
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }

    pub fn join(mut self) -> Vec<String> {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.lines()
    }
}

// ---- a test CA ---------------------------------------------------------------------

/// A CA and a server certificate for 127.0.0.1 and localhost, made with openssl.
pub struct TestCa {
    pub dir: TempDir,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TestCa {
    pub fn new() -> TestCa {
        let dir = TempDir::new("ca");
        let d = dir.path();
        let run = |args: &[&str]| {
            run_ok(d, "openssl", args);
        };
        run(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=vext test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        run(&[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        std::fs::write(d.join("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n").unwrap();
        run(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ]);
        use std::os::unix::fs::PermissionsExt;
        for f in ["server.key", "server.pem", "ca.pem"] {
            let _ = std::fs::set_permissions(d.join(f), std::fs::Permissions::from_mode(0o644));
        }
        TestCa {
            ca: d.join("ca.pem"),
            cert: d.join("server.pem"),
            key: d.join("server.key"),
            dir,
        }
    }

    /// A rustls server config with this CA's server certificate; with
    /// `client_certs`, client certificates this CA signed are asked for
    /// (and verified) but not required.
    pub fn server_config(&self, client_certs: bool) -> Arc<rustls::ServerConfig> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&self.cert)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(&self.key).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = if client_certs {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_file_iter(&self.ca).unwrap() {
                roots.add(c.unwrap()).unwrap();
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .allow_unauthenticated()
            .build()
            .unwrap();
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        Arc::new(builder.with_single_cert(certs, key).unwrap())
    }

    /// A client certificate for `cn` signed by this CA: (cert, key) PEM paths.
    pub fn client_cert(&self, cn: &str) -> (PathBuf, PathBuf) {
        let d = self.dir.path();
        let run = |args: &[&str]| {
            run_ok(d, "openssl", args);
        };
        let (key, csr, cert) = (
            format!("{cn}.key"),
            format!("{cn}.csr"),
            format!("{cn}.pem"),
        );
        run(&[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &csr,
            "-subj",
            &format!("/CN={cn}"),
        ]);
        std::fs::write(
            d.join("client.cnf"),
            "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
        )
        .unwrap();
        run(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &cert,
            "-days",
            "2",
            "-extfile",
            "client.cnf",
        ]);
        (d.join(cert), d.join(key))
    }
}

// ---- Debian's docker-registry ----------------------------------------------------

pub struct RegistryServer {
    pub addr: String,
    dir: TempDir,
    child: Child,
}

impl RegistryServer {
    /// Starts `docker-registry serve` on a free port; with `htpasswd`, Basic auth.
    pub fn start(htpasswd: Option<(&str, &str)>) -> RegistryServer {
        RegistryServer::start_with(htpasswd, None)
    }

    /// Starts it with token authentication: Bearer tokens from `realm`,
    /// for `service`, issued by `issuer`, signed by a key whose
    /// certificate is in the PEM file `rootcertbundle`.
    pub fn start_token(
        realm: &str,
        service: &str,
        issuer: &str,
        rootcertbundle: &Path,
    ) -> RegistryServer {
        let section = format!(
            "auth:\n  token:\n    realm: {realm}\n    service: {service}\n    issuer: {issuer}\n    rootcertbundle: {}\n",
            rootcertbundle.display()
        );
        RegistryServer::start_with(None, Some(&section))
    }

    fn start_with(htpasswd: Option<(&str, &str)>, auth: Option<&str>) -> RegistryServer {
        // free_port() can race with other tests: retry when the registry
        // dies (its port was taken) or another server answers.
        for _ in 0..5 {
            if let Some(r) = RegistryServer::try_start(htpasswd, auth) {
                return r;
            }
        }
        panic!("docker-registry did not start");
    }

    fn try_start(htpasswd: Option<(&str, &str)>, auth: Option<&str>) -> Option<RegistryServer> {
        let bin = require_binary("docker-registry");
        let dir = TempDir::new("registry");
        let port = free_port();
        let mut conf = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        if let Some((user, pass)) = htpasswd {
            let file = dir.path().join("htpasswd");
            let out = Command::new("htpasswd")
                .args(["-Bbn", user, pass])
                .output()
                .expect("htpasswd (make deps installs apache2-utils)");
            std::fs::write(&file, out.stdout).unwrap();
            conf.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: test\n    path: {}\n",
                file.display()
            ));
        }
        if let Some(section) = auth {
            conf.push_str(section);
        }
        let conf_path = dir.write("config.yml", &conf);
        let mut child = Command::new(bin)
            .args(["serve"])
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting docker-registry");
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                return None;
            }
            // The registry itself answers /v2/ with its API version header.
            if let Ok((status, _)) =
                http_json("GET", &format!("http://127.0.0.1:{port}/v2/"), None, None)
            {
                if status == 200 || status == 401 {
                    if let Ok(None) = child.try_wait() {
                        return Some(RegistryServer {
                            addr: format!("127.0.0.1:{port}"),
                            dir,
                            child,
                        });
                    }
                    return None;
                }
            }
            if Instant::now() > until {
                let _ = child.kill();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Restarts the registry on the same data and port, serving TLS.
    pub fn restart_tls(&mut self, cert: &Path, key: &Path) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let conf_path = self.dir.path().join("config.yml");
        let conf = std::fs::read_to_string(&conf_path).unwrap().replacen(
            &format!("  addr: {}\n", self.addr),
            &format!(
                "  addr: {}\n  tls:\n    certificate: {}\n    key: {}\n",
                self.addr,
                cert.display(),
                key.display()
            ),
            1,
        );
        std::fs::write(&conf_path, conf).unwrap();
        self.child = Command::new(require_binary("docker-registry"))
            .args(["serve"])
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("restarting docker-registry");
        let until = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(&self.addr).is_err() {
            assert!(Instant::now() < until, "docker-registry did not restart");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Pushes a tiny image (distinct per tag) under every tag, through the HTTP API.
    pub fn push(&self, repo: &str, tags: &[&str], auth: Option<&str>) {
        self.push_revision(repo, tags, auth, "1")
    }

    /// Pushes images whose content differs by `revision`: the same tag
    /// pushed again with another revision gets another digest.
    pub fn push_revision(&self, repo: &str, tags: &[&str], auth: Option<&str>, revision: &str) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let base = format!("http://{}", self.addr);
        let with_auth = |r: ureq::RequestBuilder<ureq::typestate::WithBody>| match auth {
            Some(a) => r.header("Authorization", a),
            None => r,
        };
        let upload = |content: &[u8]| -> String {
            let digest = format!(
                "sha256:{}",
                hex(ring::digest::digest(&ring::digest::SHA256, content).as_ref())
            );
            let mut r = with_auth(agent.post(format!("{base}/v2/{repo}/blobs/uploads/")))
                .send(&[][..])
                .unwrap();
            assert_eq!(
                r.status().as_u16(),
                202,
                "start upload: {:?}",
                r.body_mut().read_to_string()
            );
            let loc = r
                .headers()
                .get("location")
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            let loc = if loc.starts_with("http") {
                loc
            } else {
                format!("{base}{loc}")
            };
            let sep = if loc.contains('?') { '&' } else { '?' };
            let r = with_auth(agent.put(format!("{loc}{sep}digest={digest}")))
                .header("Content-Type", "application/octet-stream")
                .send(content)
                .unwrap();
            assert_eq!(r.status().as_u16(), 201, "finish upload");
            digest
        };
        for tag in tags {
            let config = format!("{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{{\"Labels\":{{\"tag\":\"{tag}\",\"revision\":\"{revision}\"}}}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[]}}}}");
            let digest = upload(config.as_bytes());
            let manifest = format!(
                "{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":{},\"digest\":\"{digest}\"}},\"layers\":[]}}",
                config.len()
            );
            let mut r = with_auth(agent.put(format!("{base}/v2/{repo}/manifests/{tag}")))
                .header(
                    "Content-Type",
                    "application/vnd.docker.distribution.manifest.v2+json",
                )
                .send(manifest.as_bytes())
                .unwrap();
            assert_eq!(
                r.status().as_u16(),
                201,
                "push {repo}:{tag}: {:?}",
                r.body_mut().read_to_string()
            );
        }
    }

    /// The digest of repo:tag, as the registry reports it.
    pub fn digest(&self, repo: &str, tag: &str) -> String {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let r = agent
            .head(format!("http://{}/v2/{repo}/manifests/{tag}", self.addr))
            .header(
                "Accept",
                "application/vnd.docker.distribution.manifest.v2+json",
            )
            .call()
            .unwrap();
        r.headers()
            .get("docker-content-digest")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    }
}

impl Drop for RegistryServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---- Synapse (Matrix) -----------------------------------------------------------------

pub struct Synapse {
    pub port: u16,
    pub dir: TempDir,
    child: Option<Child>,
    config: PathBuf,
}

fn synapse_bin(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/synapse-venv/bin")
        .join(name);
    assert!(
        p.exists(),
        "{} missing: run `make deps` (installs matrix-synapse into target/synapse-venv)",
        p.display()
    );
    p
}

impl Synapse {
    pub fn start() -> Synapse {
        let dir = TempDir::new("synapse");
        let port = free_port();
        let d = dir.path().display().to_string();
        let limits = "{per_second: 1000, burst_count: 1000}";
        let config = dir.write(
            "hs.yaml",
            &format!(
                "server_name: localhost\npid_file: {d}/hs.pid\nlisteners:\n  - port: {port}\n    type: http\n    tls: false\n    bind_addresses: ['127.0.0.1']\n    resources:\n      - names: [client]\n        compress: false\n\
                 database:\n  name: sqlite3\n  args:\n    database: {d}/homeserver.db\nmedia_store_path: {d}/media\nsigning_key_path: {d}/signing.key\n\
                 registration_shared_secret: test-shared-secret\nreport_stats: false\ntrusted_key_servers: []\nsuppress_key_server_warning: true\n\
                 enable_metrics: false\nrc_message: {limits}\nrc_registration: {limits}\nrc_joins:\n  local: {limits}\n  remote: {limits}\n\
                 rc_login:\n  address: {limits}\n  account: {limits}\n  failed_attempts: {limits}\nrc_admin_redaction: {limits}\n"
            ),
        );
        let python = synapse_bin("python");
        let st = Command::new(&python)
            .args(["-m", "synapse.app.homeserver", "-c"])
            .arg(&config)
            .arg("--generate-keys")
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("synapse --generate-keys");
        assert!(st.success(), "synapse --generate-keys failed");
        let mut s = Synapse {
            port,
            dir,
            child: None,
            config,
        };
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("stderr.log")).unwrap();
        let child = Command::new(synapse_bin("python"))
            .args(["-m", "synapse.app.homeserver", "-c"])
            .arg(&self.config)
            .current_dir(self.dir.path())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("starting synapse");
        self.child = Some(child);
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = http_json(
                "GET",
                &format!("{}/_matrix/client/versions", self.base()),
                None,
                None,
            ) {
                if r.0 == 200 {
                    return;
                }
            }
            assert!(
                Instant::now() < until,
                "synapse did not start: {}",
                std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Registers a user; returns its access token.
    pub fn user(&self, name: &str, password: &str) -> String {
        self.register(name, password, false)
    }

    /// Registers a server admin; returns its access token.
    pub fn admin(&self, name: &str, password: &str) -> String {
        self.register(name, password, true)
    }

    fn register(&self, name: &str, password: &str, admin: bool) -> String {
        let st = Command::new(synapse_bin("register_new_matrix_user"))
            .args([
                "-u",
                name,
                "-p",
                password,
                if admin { "--admin" } else { "--no-admin" },
                "-c",
            ])
            .arg(&self.config)
            .arg(self.base())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("register_new_matrix_user");
        assert!(st.success(), "registering {name}");
        self.login(name, password)
    }

    pub fn login(&self, name: &str, password: &str) -> String {
        let body = serde_json::json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": name}, "password": password});
        let (status, v) = http_json(
            "POST",
            &format!("{}/_matrix/client/v3/login", self.base()),
            None,
            Some(&body),
        )
        .unwrap();
        assert_eq!(status, 200, "{v}");
        v["access_token"].as_str().unwrap().to_string()
    }

    /// GET/POST/PUT on the client API with a token.
    pub fn api(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        http_json(
            method,
            &format!("{}/_matrix/client/v3{path}", self.base()),
            Some(token),
            body,
        )
        .unwrap()
    }

    /// The m.room.message events in a room, oldest first.
    pub fn messages(&self, room: &str, token: &str) -> Vec<serde_json::Value> {
        let (_, v) = self.api(
            "GET",
            &format!(
                "/rooms/{}/messages?dir=b&limit=100",
                room.replace('!', "%21").replace(':', "%3A")
            ),
            token,
            None,
        );
        let mut events: Vec<serde_json::Value> = v["chunk"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e["type"] == "m.room.message")
            .collect();
        events.reverse();
        events
    }
}

impl Drop for Synapse {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn http_json(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&serde_json::Value>,
) -> Result<(u16, serde_json::Value), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .new_agent();
    let auth = token.map(|t| format!("Bearer {t}"));
    let result = match method {
        "GET" => {
            let mut r = agent.get(url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.call()
        }
        m => {
            let mut r = if m == "PUT" {
                agent.put(url)
            } else {
                agent.post(url)
            };
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.header("Content-Type", "application/json").send(
                body.map(|b| b.to_string())
                    .unwrap_or_else(|| "{}".into())
                    .as_bytes(),
            )
        }
    };
    let mut resp = result.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    ))
}

/// A forward proxy as HTTPS_PROXY names one: it answers `CONNECT host:port`,
/// then relays bytes both ways, and records each host it was asked for.
pub struct ConnectProxy {
    pub addr: String,
    pub asked: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    pub fn start() -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the proxy");
        let addr = listener.local_addr().unwrap().to_string();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(client.try_clone().unwrap());
                    let mut first = String::new();
                    if reader.read_line(&mut first).is_err() {
                        return;
                    }
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                            break;
                        }
                    }
                    let mut words = first.split_whitespace();
                    let (Some("CONNECT"), Some(host)) = (words.next(), words.next()) else {
                        let _ = (&client).write_all(b"HTTP/1.1 405 CONNECT only\r\n\r\n");
                        return;
                    };
                    log.lock().unwrap().push(host.to_string());
                    let Ok(upstream) = TcpStream::connect(host) else {
                        let _ = (&client).write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                        return;
                    };
                    let _ = (&client).write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                    let (mut up_r, mut up_w) = (upstream.try_clone().unwrap(), upstream);
                    let mut down_w = client;
                    let t = std::thread::spawn(move || {
                        let _ = std::io::copy(&mut reader, &mut up_w);
                        let _ = up_w.shutdown(std::net::Shutdown::Write);
                    });
                    let _ = std::io::copy(&mut up_r, &mut down_w);
                    let _ = down_w.shutdown(std::net::Shutdown::Write);
                    let _ = t.join();
                });
            }
        });
        ConnectProxy { addr, asked }
    }
}
