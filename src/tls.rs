//! TLS client configuration: the Mozilla roots (webpki-roots) plus any
//! `--ca-file` the user adds. Certificates are always verified.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::exit::{fail, Code};

pub(crate) fn client_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let mut added = 0;
        for cert in CertificateDer::pem_file_iter(path).map_err(|e| {
            fail(
                Code::Config,
                format!("reading CA file {}: {e}", path.display()),
            )
        })? {
            let cert = cert.map_err(|e| {
                fail(
                    Code::Config,
                    format!("reading CA file {}: {e}", path.display()),
                )
            })?;
            roots
                .add(cert)
                .with_context(|| format!("adding a certificate from {}", path.display()))
                .map_err(|e| fail(Code::Config, format!("{e:#}")))?;
            added += 1;
        }
        if added == 0 {
            return Err(fail(
                Code::Config,
                format!("CA file {} holds no PEM certificate", path.display()),
            ));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("configuring TLS")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Whether an HTTP error is a TLS failure (certificate not trusted, bad
/// handshake): ureq reports some of those as I/O errors wrapping rustls'.
pub(crate) fn is_tls_error(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => true,
        ureq::Error::Io(io) => {
            io.get_ref().is_some_and(|i| i.is::<rustls::Error>())
                || io.to_string().contains("certificate")
        }
        _ => false,
    }
}
