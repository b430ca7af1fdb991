//! A private ircd-hybrid with the flood settings Debian ships.
//!
//! Debian's ircd-hybrid package conflicts with ngircd's, so `make deps`
//! does not install it: it unpacks the package into target/ircd-hybrid.
//! The server looks for its core modules under the path it was built with
//! (/usr/lib/ircd-hybrid/modules), so it runs in a private mount namespace
//! where an overlay adds the unpacked modules to /usr/lib; it refuses to run
//! as root, so it runs as nobody. Its configuration is Debian's own file
//! with only what a test must change: the listener (loopback, a free port),
//! one auth block for every client (the stock ones ask for ident or a
//! password), no TLS keys, ident lookups off, logs in the test's directory,
//! and more than two connections per address, without the reconnect
//! throttle (one connection per address every 2 s: the readiness probe, the
//! observer and the relay all connect from 127.0.0.1). The flood settings — `default_floodcount`
//! 10 lines a second, a 2560-byte `recvq` — are Debian's.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use super::*;

pub struct Hybrid {
    pub port: u16,
    dir: TempDir,
    child: Child,
}

fn unpacked() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ircd-hybrid");
    assert!(
        root.join("usr/sbin/ircd-hybrid").is_file(),
        "{} missing: run `make deps` (unpacks Debian's ircd-hybrid there)",
        root.display()
    );
    root
}

/// Debian's ircd.conf with the changes the module comment lists.
fn config(stock: &str, port: u16, dir: &Path, per_address: bool) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in stock.lines() {
        let t = line.trim_start();
        // The stock listen and auth blocks are replaced below.
        if line.starts_with("listen {") || line.starts_with("auth {") {
            skipping = true;
        }
        if skipping {
            if line.starts_with("};") {
                skipping = false;
            }
            continue;
        }
        if [
            "rsa_private_key_file",
            "tls_certificate_file",
            "tls_dh_param_file",
            "enable_owner",
        ]
        .iter()
        .any(|k| t.starts_with(k))
        {
            continue;
        }
        let line = line
            .replace("disable_auth = no;", "disable_auth = yes;")
            .replace(
                "number_per_ip_local = 2;",
                if per_address {
                    "number_per_ip_local = 2;"
                } else {
                    "number_per_ip_local = 20;"
                },
            )
            .replace("throttle_time = 2 seconds;", "throttle_time = 0 seconds;")
            .replace("/var/log/ircd/", &format!("{}/", dir.display()));
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&format!(
        "listen {{\n\thost = \"127.0.0.1\";\n\tport = {port};\n}};\n\
         auth {{\n\tuser = \"*@*\";\n\tclass = \"users\";\n}};\n"
    ));
    out
}

impl Hybrid {
    pub fn start() -> Hybrid {
        Hybrid::start_with(false)
    }

    /// With Debian's limit of two client connections per address kept (the
    /// observer, on 127.0.0.1 too, takes one of them).
    pub fn with_two_per_address() -> Hybrid {
        Hybrid::start_with(true)
    }

    fn start_with(per_address: bool) -> Hybrid {
        for _ in 0..5 {
            if let Some(ircd) = Hybrid::try_start(per_address) {
                return ircd;
            }
        }
        panic!("ircd-hybrid did not start");
    }

    fn try_start(per_address: bool) -> Option<Hybrid> {
        let root = unpacked();
        let stock = std::fs::read_to_string(root.join("etc/ircd-hybrid/ircd.conf"))
            .expect("the stock ircd.conf");
        let dir = TempDir::new("hybrid");
        // It runs as nobody: its directory must be its to write.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let port = free_port();
        let conf = dir.write("ircd.conf", &config(&stock, port, dir.path(), per_address));
        let file = |name: &str| dir.path().join(name).display().to_string();
        let script = format!(
            "mount -t overlay overlay -o lowerdir={}/usr/lib:/usr/lib /usr/lib && \
             exec setpriv --reuid=nobody --regid=nogroup --clear-groups {}/usr/sbin/ircd-hybrid \
             -foreground -configfile {} -pidfile {} -logfile {} -klinefile {} -dlinefile {} \
             -xlinefile {} -resvfile {}",
            root.display(),
            root.display(),
            conf.display(),
            file("ircd.pid"),
            file("ircd.log"),
            file("kline.db"),
            file("dline.db"),
            file("xline.db"),
            file("resv.db"),
        );
        let child = spawn_listening(
            Command::new("unshare").args(["-m", "sh", "-c", &script]),
            port,
            "ircd-hybrid",
        )?;
        Some(Hybrid { port, dir, child })
    }

    /// The server's own log (why it refused something).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("ircd.log")).unwrap_or_default()
    }
}

impl IrcServer for Hybrid {
    fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for Hybrid {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
