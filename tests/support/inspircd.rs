//! A private InspIRCd with Debian's stock flood settings.

use std::process::{Child, Command};

use super::*;

/// InspIRCd 3 with the flood settings Debian ships (`<connect threshold="10"
/// recvq="8192">`, fake lag on), to check the daemon's pacing on a server
/// other than ngircd.
pub struct Inspircd {
    pub port: u16,
    /// With [`Inspircd::start_tls`]: the TLS port (GnuTLS, client
    /// certificates asked for, their SHA-256 fingerprints shown by WHOIS).
    pub tls_port: Option<u16>,
    _dir: TempDir,
    child: Child,
}

impl Inspircd {
    pub fn start() -> Inspircd {
        Inspircd::start_with(None)
    }

    /// Also listening with TLS (`ca`'s server certificate), asking clients
    /// for certificates (m_ssl_gnutls, m_sslinfo).
    pub fn start_tls(ca: &TestCa) -> Inspircd {
        Inspircd::start_with(Some(ca))
    }

    fn start_with(ca: Option<&TestCa>) -> Inspircd {
        for _ in 0..5 {
            if let Some(ircd) = Inspircd::try_start(ca) {
                return ircd;
            }
        }
        panic!("inspircd did not start");
    }

    fn try_start(ca: Option<&TestCa>) -> Option<Inspircd> {
        let bin = require_binary("inspircd");
        let dir = TempDir::new("inspircd");
        let port = free_port();
        let tls_port = ca.map(|_| free_port());
        let tls = match (ca, tls_port) {
            (Some(ca), Some(tls_port)) => format!(
                "<module name=\"ssl_gnutls\">\n\
                 <module name=\"sslinfo\">\n\
                 <sslinfo operonly=\"no\">\n\
                 <sslprofile name=\"test\" provider=\"gnutls\" certfile=\"{}\" keyfile=\"{}\" hash=\"sha256\" requestclientcert=\"yes\">\n\
                 <bind address=\"127.0.0.1\" port=\"{tls_port}\" type=\"clients\" sslprofile=\"test\">\n",
                ca.cert.display(),
                ca.key.display()
            ),
            _ => String::new(),
        };
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
                 <whowas groupsize=\"10\" maxgroups=\"100000\" maxkeep=\"3d\">\n{tls}",
                dir.path().join("inspircd.pid").display()
            ),
        );
        let child = spawn_listening(
            Command::new(bin)
                .arg(format!("--config={}", conf.display()))
                .args(["--nofork", "--runasroot"]),
            port,
            "inspircd",
        )?;
        Some(Inspircd {
            port,
            tls_port,
            _dir: dir,
            child,
        })
    }
}

impl IrcServer for Inspircd {
    fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for Inspircd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
