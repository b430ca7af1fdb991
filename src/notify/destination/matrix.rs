//! Matrix targets: `matrix://` (HTTP, port 8008) and `matrixs://` (HTTPS,
//! port 443) with a room id or alias. The access token never comes from the
//! URL.

use std::fmt;

use super::url::{host_port, split};

/// A homeserver's port when the URL gives none.
pub(crate) fn default_port(tls: bool) -> u16 {
    if tls {
        443
    } else {
        8008
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct MatrixDestination {
    pub(crate) tls: bool,
    pub(crate) host: String,
    pub(crate) port: Option<u16>,
    pub(crate) user: Option<String>,
    pub(crate) password: Option<String>,
    /// `!id[:server]` or `#alias:server`.
    pub(crate) room: String,
    pub(crate) url: String,
    /// From the config, the environment or a file; never from the URL.
    pub(crate) token: Option<String>,
}

impl fmt::Debug for MatrixDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MatrixDestination({self})")
    }
}

impl fmt::Display for MatrixDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls { "matrixs" } else { "matrix" };
        write!(f, "{scheme}://")?;
        if let Some(u) = &self.user {
            write!(f, "{u}@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            write!(f, "{}", self.host)?;
        }
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "/{}", self.room)
    }
}

impl MatrixDestination {
    /// The homeserver's port: the URL's, else 443 for `matrixs`, 8008 for `matrix`.
    pub(crate) fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(default_port(self.tls))
    }

    pub(crate) fn parse(url: &str) -> Result<MatrixDestination, String> {
        let parts = split(url)?;
        let tls = match parts.scheme.as_str() {
            "matrix" => false,
            "matrixs" => true,
            other => return Err(format!("not a Matrix URL ({other})")),
        };
        if parts.query.is_some_and(|q| {
            q.split('&')
                .any(|kv| kv.starts_with("token=") || kv.starts_with("access_token="))
        }) {
            return Err("an access token in the URL would leak into logs and process lists: use the config file, VEXT_MATRIX_TOKEN or --matrix-token-file".into());
        }
        let (user, password) = match parts.user_password()? {
            Some((u, p)) => (Some(u), p),
            None => (None, None),
        };
        let (host, port) = host_port(parts.hostport).map_err(|e| format!("homeserver: {e}"))?;
        let room = parts.path_with_fragment()?;
        if !(room.starts_with('!') || room.starts_with('#'))
            || room.len() < 2
            || room.chars().any(|c| c.is_control() || c == ' ')
        {
            return Err(
                "expected a room id (!id:server) or alias (%23alias:server) after the homeserver"
                    .into(),
            );
        }
        if room.starts_with('#') && !room.contains(':') {
            return Err(format!(
                "room alias {room:?} needs its server (#alias:server)"
            ));
        }
        Ok(MatrixDestination {
            tls,
            host,
            port,
            user,
            password,
            room,
            url: url.to_string(),
            token: None,
        })
    }
}
