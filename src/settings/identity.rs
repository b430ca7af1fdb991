//! The client certificate an IRC connection presents, read once when a
//! command starts: `--client-cert`/`--client-key` (every ircs:// server)
//! and a `[targets]` entry's `client_cert` (its server only).

use std::path::Path;

use anyhow::Result;

use crate::exit::{fail, Code};

/// The client certificate ircs:// connections present: the certificates in
/// `cert` and the private key in `key`, else in `cert`'s own file (as
/// irkerd's `-e` takes both in one). The file holding the key is checked
/// private like every secret file.
pub(crate) fn client_identity(
    cert: Option<&Path>,
    key: Option<&Path>,
) -> Result<Option<crate::net::tls::ClientIdentity>> {
    let read = |p: &Path, what: &str| {
        std::fs::read(p).map_err(|e| {
            fail(
                Code::Config,
                format!("reading the {what} {}: {e}", p.display()),
            )
        })
    };
    let cert = match (cert, key) {
        (None, None) => return Ok(None),
        (None, Some(k)) => {
            return Err(fail(
                Code::Config,
                format!(
                    "a client key ({}) without a client certificate: give --client-cert",
                    k.display()
                ),
            ))
        }
        (Some(c), _) => c,
    };
    let key_file = key.unwrap_or(cert);
    crate::state::dir::check_private(key_file, "the client key file")?;
    let cert_pem = read(cert, "client certificate")?;
    let key_pem = match key {
        Some(k) => read(k, "client key")?,
        None => cert_pem.clone(),
    };
    let what = match key {
        Some(k) => format!(
            "client certificate {} with key {}",
            cert.display(),
            k.display()
        ),
        None => format!("client certificate {}", cert.display()),
    };
    crate::net::tls::ClientIdentity::from_pem(&cert_pem, &key_pem, &what).map(Some)
}
