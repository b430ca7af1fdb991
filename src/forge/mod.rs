//! The forge wing: webhooks from GitHub, GitLab and Gitea/Forgejo, each
//! checked the way its forge signs it (`auth`), read into one normalized
//! [`Event`] (`github`, `gitlab`), routed by the config's rules (`route`)
//! and rendered into the lines `vext hook git` would send (`render`).

pub(crate) mod auth;
mod event;
mod github;
mod gitlab;
mod payload;
pub(crate) mod render;
pub(crate) mod route;

pub(crate) use event::{Event, Forge, Outcome, What, BODY_BYTES};

/// Reads the body a forge sent for `event` (the header's value) into an
/// [`Event`]. Bytes that are not UTF-8 are replaced, not refused: a forge
/// would redeliver a refused payload forever.
pub(crate) fn read(forge: Forge, event: &str, body: &[u8]) -> Result<Event, String> {
    let text = String::from_utf8_lossy(body);
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("the body is not JSON: {e}"))?;
    if !value.is_object() {
        return Err("the body is not a JSON object".into());
    }
    match forge {
        Forge::Github | Forge::Gitea => github::read(forge, event, &value),
        Forge::Gitlab => gitlab::read(event, &value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_bodies_are_errors_not_panics() {
        for body in [&b""[..], b"{", b"[]", b"null", b"\xff\xfe"] {
            assert!(read(Forge::Github, "push", body).is_err(), "{body:?}");
            assert!(read(Forge::Gitlab, "Push Hook", body).is_err(), "{body:?}");
        }
        // Shapes that are JSON objects but not the event's are read as far
        // as they go, never a panic.
        for body in [&b"{}"[..], br#"{"commits":7,"ref":[]}"#] {
            assert!(read(Forge::Github, "push", body).is_ok());
            assert!(read(Forge::Gitlab, "Push Hook", body).is_ok());
        }
    }
}
