//! A private ngircd on a free port, with its own config.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::*;

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
