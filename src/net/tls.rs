//! TLS client configuration: the Mozilla roots (webpki-roots) plus any
//! `--ca-file` the user adds, for IRC; the pair of HTTP agents (public roots,
//! `--ca-file` roots) that registries, homeservers and webhooks share; an
//! agent per Kubernetes API server (its CA, client certificates).
//! Certificates are always verified.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::exit::{fail, Code};

/// A client certificate chain and its private key, read once at start.
/// Two are the same when they came from the same files (`what`).
pub(crate) struct ClientIdentity {
    what: String,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Clone for ClientIdentity {
    fn clone(&self) -> ClientIdentity {
        ClientIdentity {
            what: self.what.clone(),
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientIdentity({}, key redacted)", self.what)
    }
}

impl PartialEq for ClientIdentity {
    fn eq(&self, other: &Self) -> bool {
        self.what == other.what
    }
}

impl Eq for ClientIdentity {}

impl std::hash::Hash for ClientIdentity {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.what.hash(state);
    }
}

impl PartialOrd for ClientIdentity {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ClientIdentity {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.what.cmp(&other.what)
    }
}

impl ClientIdentity {
    /// The certificates in `cert_pem` and the first private key in
    /// `key_pem`; `what` names the files in errors (exit 78). A key that
    /// does not belong to the certificate is refused here, not at the
    /// first handshake.
    pub(crate) fn from_pem(cert_pem: &[u8], key_pem: &[u8], what: &str) -> Result<ClientIdentity> {
        let chain = pem_certs(cert_pem, what)?;
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| {
            fail(
                Code::Config,
                format!("{what}: no private key (PKCS#8, RSA or EC PEM): {e}"),
            )
        })?;
        let identity = ClientIdentity {
            what: what.to_string(),
            chain,
            key,
        };
        config_with(rustls::RootCertStore::empty(), Some(&identity))?;
        Ok(identity)
    }
}

/// `base` (its roots, versions) presenting `identity` instead of its own
/// client certificate: one server's certificate from `[targets]`.
pub(crate) fn with_identity(
    base: &Arc<rustls::ClientConfig>,
    identity: &ClientIdentity,
) -> Result<Arc<rustls::ClientConfig>> {
    let provider = base.crypto_provider().clone();
    let key = rustls::sign::CertifiedKey::from_der(
        identity.chain.clone(),
        identity.key.clone_key(),
        &provider,
    )
    .map_err(|e| fail(Code::Config, format!("{}: {e}", identity.what)))?;
    let mut config = (**base).clone();
    config.client_auth_cert_resolver =
        Arc::new(rustls::sign::SingleCertAndKey::from(Arc::new(key)));
    Ok(Arc::new(config))
}

/// The public roots plus the certificates in `ca_file`, presenting
/// `identity` to servers that ask for a client certificate.
pub(crate) fn client_config(
    ca_file: Option<&Path>,
    identity: Option<&ClientIdentity>,
) -> Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            fail(
                Code::Config,
                format!("reading CA file {}: {e}", path.display()),
            )
        })?;
        add_pem_roots(&mut roots, &pem, &format!("CA file {}", path.display()))?;
    }
    config_with(roots, identity)
}

/// The certificates in PEM text; `what` names it in errors. The one reader
/// of every CA file and client certificate: a file that is not PEM, or
/// holds no certificate, is an error (exit 78), never quietly none.
pub(crate) fn pem_certs(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(Code::Config, format!("{what}: {e}")))?;
    if certs.is_empty() {
        return Err(fail(
            Code::Config,
            format!("{what} holds no PEM certificate"),
        ));
    }
    Ok(certs)
}

/// The same certificates as ureq takes them.
fn ureq_certs(pem: &[u8], what: &str) -> Result<Vec<ureq::tls::Certificate<'static>>> {
    Ok(pem_certs(pem, what)?
        .iter()
        .map(|c| ureq::tls::Certificate::from_der(c.as_ref()).to_owned())
        .collect())
}

/// Adds the PEM certificates in `pem` to `roots`; `what` names them in errors.
fn add_pem_roots(roots: &mut rustls::RootCertStore, pem: &[u8], what: &str) -> Result<()> {
    for cert in pem_certs(pem, what)? {
        roots
            .add(cert)
            .map_err(|e| fail(Code::Config, format!("{what}: {e}")))?;
    }
    Ok(())
}

/// A client config trusting `roots`, with a client certificate or without.
fn config_with(
    roots: rustls::RootCertStore,
    identity: Option<&ClientIdentity>,
) -> Result<Arc<rustls::ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("configuring TLS")?
        .with_root_certificates(roots);
    let config = match identity {
        None => builder.with_no_client_auth(),
        Some(id) => builder
            .with_client_auth_cert(id.chain.clone(), id.key.clone_key())
            .map_err(|e| fail(Code::Config, format!("the client certificate: {e}")))?,
    };
    Ok(Arc::new(config))
}

/// An HTTP agent (one connection pool) for one API server: trusting the CA
/// certificates in `ca_pem` (else the public roots), presenting a client
/// certificate and key (PEM) when given. `what` names the CA in errors.
pub(crate) fn agent_for(
    ca_pem: Option<&[u8]>,
    client: Option<(&[u8], &[u8])>,
    what: &str,
    timeout: std::time::Duration,
) -> Result<ureq::Agent> {
    use ureq::tls::{ClientCert, PrivateKey, RootCerts, TlsConfig};
    let mut tls = TlsConfig::builder();
    if let Some(pem) = ca_pem {
        tls = tls.root_certs(RootCerts::new_with_certs(&ureq_certs(pem, what)?));
    }
    if let Some((cert, key)) = client {
        let chain = ureq_certs(cert, "client certificate")?;
        let key = PrivateKey::from_pem(key)
            .map_err(|e| fail(Code::Config, format!("client key: {e}")))?;
        tls = tls.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
    }
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(super::http_proxy::get())
        .timeout_global(Some(timeout))
        .tls_config(tls.build())
        .build()
        .new_agent())
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

/// What a TLS failure means, in words, from its text (rustls' and webpki's
/// names are jargon: `CaUsedAsEndEntity`, `UnknownIssuer`), with what to do;
/// and whether it is the server speaking plain text, which no retry fixes.
pub(crate) fn explain(error: &str) -> Option<(&'static str, bool)> {
    let has = |s: &str| error.contains(s);
    Some(if has("CaUsedAsEndEntity") {
        (
            "the server presents a CA certificate (CA:TRUE) as its own, as `openssl req -x509` \
          makes by default, and that is refused: issue the server a certificate without CA:TRUE \
          (add `-addext basicConstraints=critical,CA:FALSE`, or sign it with a small CA, e.g. \
          with mkcert) and give that CA's certificate with --ca-file",
            false,
        )
    } else if has("UnknownIssuer") {
        (
            "the server's certificate is not signed by a CA vext trusts: give the certificate of \
          the CA that signed it with --ca-file",
            false,
        )
    } else if has("NotValidForName") {
        (
            "the server's certificate is not for this host name: connect by a name the \
          certificate lists",
            false,
        )
    } else if has("Expired") {
        ("the server's certificate has expired", false)
    } else if has("InvalidContentType") || has("corrupt message") || has("InvalidMessage") {
        (
            "this port does not speak TLS (the server answered in plain text): use the plain \
          scheme (irc://, http://) or the server's TLS port",
            true,
        )
    } else {
        return None;
    })
}

/// `error` with its meaning after it, when `explain` knows it.
pub(crate) fn explained(error: String) -> String {
    match explain(&error) {
        Some((hint, _)) => format!("{error} — {hint}"),
        None => error,
    }
}

/// HTTP agents: one on the public roots, and with `--ca-file` one on that
/// file's roots only, for the hosts the public roots refuse (a self-hosted
/// homeserver or registry behind a private CA). ureq takes one set of roots
/// per agent, so the second agent is tried when the first fails on the
/// certificate, and the host is remembered.
#[derive(Debug)]
pub(crate) struct Agents {
    public: ureq::Agent,
    private: Option<ureq::Agent>,
    private_hosts: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl Agents {
    /// `configure` sets what both agents share (timeouts, redirects).
    pub(crate) fn new(
        extra_ca: Option<&[u8]>,
        configure: impl Fn(
            ureq::config::ConfigBuilder<ureq::typestate::AgentScope>,
        ) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope>,
    ) -> Agents {
        let builder = || {
            configure(
                ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .proxy(super::http_proxy::get()),
            )
        };
        // The PEM was read through [`pem_certs`] where it came in
        // (`settings::extra_ca`, [`client_config`]): a bad file stopped the
        // command there, so it cannot be empty here.
        let private = extra_ca.map(|pem| {
            let certs = ureq_certs(pem, "--ca-file").unwrap_or_default();
            let tls = ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
                .build();
            builder().tls_config(tls).build().new_agent()
        });
        Agents {
            public: builder().build().new_agent(),
            private,
            private_hosts: std::sync::Mutex::new(std::collections::HashSet::new()),
        }
    }

    /// Runs `request` with the agent for the URL's host; when the public
    /// roots refuse the certificate and a CA file was given, again with it.
    pub(crate) fn run<T>(
        &self,
        url: &str,
        request: impl Fn(&ureq::Agent) -> Result<T, ureq::Error>,
    ) -> Result<T, ureq::Error> {
        let host = url
            .split("://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or("")
            .to_string();
        let hosts = || self.private_hosts.lock().unwrap_or_else(|p| p.into_inner());
        let Some(private) = &self.private else {
            return request(&self.public);
        };
        if hosts().contains(&host) {
            return request(private);
        }
        match request(&self.public) {
            Err(e) if is_tls_error(&e) => {
                let r = request(private);
                if r.is_ok() {
                    hosts().insert(host);
                }
                r
            }
            r => r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CA file that is not PEM, or holds no certificate, is refused by
    /// name by the one reader every use goes through (`vext check
    /// --ca-file` took such a file before and trusted nothing from it,
    /// silently).
    #[test]
    fn a_ca_file_without_certificates_is_an_error_everywhere() {
        for bad in [
            &b"not a certificate"[..],
            b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
        ] {
            let e = pem_certs(bad, "CA file x.pem").unwrap_err().to_string();
            assert!(e.contains("CA file x.pem"), "{e}");
            assert!(agent_for(
                Some(bad),
                None,
                "kube CA",
                std::time::Duration::from_secs(1)
            )
            .is_err());
        }
    }

    #[test]
    fn jargon_is_explained() {
        let e = "invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))".to_string();
        let said = explained(e.clone());
        assert!(said.starts_with(&e) && said.contains("CA:FALSE"), "{said}");
        assert_eq!(
            explain("received corrupt message of type InvalidContentType").map(|h| h.1),
            Some(true)
        );
        assert_eq!(explained("connection refused".into()), "connection refused");
    }
}
