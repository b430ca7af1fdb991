//! A test CA made with openssl, and certificates it signs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::*;

/// A CA and a server certificate for 127.0.0.1 and localhost, made with openssl.
pub struct TestCa {
    pub dir: TempDir,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// `openssl req -x509` in `dir`: an EC key `NAME.key` and a self-signed
/// certificate `NAME.pem` for `subject`, with `extra` arguments.
fn self_signed_in(dir: &Path, name: &str, subject: &str, extra: &[&str]) {
    let (key, pem) = (format!("{name}.key"), format!("{name}.pem"));
    let mut args = vec![
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        &key,
        "-out",
        &pem,
        "-days",
        "2",
        "-subj",
        subject,
    ];
    args.extend(extra);
    run_ok(dir, "openssl", &args);
}

/// The common self-signed server certificate (`openssl req -x509` with its
/// defaults, CA:TRUE) for 127.0.0.1: (its dir, certificate, key).
pub fn self_signed() -> (TempDir, PathBuf, PathBuf) {
    let dir = TempDir::new("selfsigned");
    self_signed_in(
        dir.path(),
        "self",
        "/CN=localhost",
        &["-addext", "subjectAltName=IP:127.0.0.1"],
    );
    let (cert, key) = (dir.path().join("self.pem"), dir.path().join("self.key"));
    (dir, cert, key)
}

impl TestCa {
    pub fn new() -> TestCa {
        let dir = TempDir::new("ca");
        let d = dir.path();
        let run = |args: &[&str]| {
            run_ok(d, "openssl", args);
        };
        self_signed_in(
            d,
            "ca",
            "/CN=vext test CA",
            &[
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
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
