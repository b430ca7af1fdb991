//! Each forge's proof that a webhook is its own, checked in constant time
//! against the secret configured for it: GitHub's `X-Hub-Signature-256`
//! (`sha256=` and the hex HMAC-SHA256 of the raw body), Gitea's and
//! Forgejo's `X-Gitea-Signature` / `X-Forgejo-Signature` (the bare hex
//! HMAC), GitLab's `X-Gitlab-Token` (the secret itself).

use super::event::Forge;

/// Checks the request's proof; the error says what was missing or wrong
/// (never the secret or what was sent).
pub(crate) fn verify<'a>(
    forge: Forge,
    secret: &[u8],
    header: impl Fn(&str) -> Option<&'a str>,
    body: &[u8],
) -> Result<(), String> {
    let hmac = |name: &str, hex: &str| {
        let tag =
            crate::util::hex::unhex(hex.trim()).ok_or_else(|| format!("{name} is not hex"))?;
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
        ring::hmac::verify(&key, body, &tag).map_err(|_| format!("{name} does not match"))
    };
    match forge {
        Forge::Github => {
            let name = "X-Hub-Signature-256";
            let value = header(name).ok_or_else(|| format!("no {name} header"))?;
            let hex = value
                .trim()
                .strip_prefix("sha256=")
                .ok_or_else(|| format!("{name} does not start with sha256="))?;
            hmac(name, hex)
        }
        Forge::Gitea => {
            let name = ["X-Forgejo-Signature", "X-Gitea-Signature"]
                .into_iter()
                .find(|n| header(n).is_some())
                .ok_or("no X-Gitea-Signature or X-Forgejo-Signature header")?;
            hmac(name, header(name).unwrap_or_default())
        }
        Forge::Gitlab => {
            let token = header("X-Gitlab-Token").ok_or("no X-Gitlab-Token header")?;
            if same(token.as_bytes(), secret) {
                Ok(())
            } else {
                Err("X-Gitlab-Token does not match".into())
            }
        }
    }
}

/// Compares in time that depends on the lengths only.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The signature a forge would send for `body` (for `vext forge test` and
/// the tests): GitHub's header value, or Gitea's.
#[cfg(test)]
pub(crate) fn sign(forge: Forge, secret: &[u8], body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let tag = ring::hmac::sign(&key, body);
    let hex = crate::util::hex::hex(tag.as_ref());
    match forge {
        Forge::Github => format!("sha256={hex}"),
        _ => hex,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_forge_is_checked_its_own_way() {
        let body = br#"{"zen":"Keep it logically awesome."}"#;
        let secret = b"It's a Secret to Everybody";
        let gh = sign(Forge::Github, secret, body);
        let headers = |pairs: Vec<(&'static str, String)>| {
            move |n: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(n))
                    .map(|(_, v)| v.clone())
            }
        };
        let check = |forge, pairs: Vec<(&'static str, String)>, body: &[u8]| {
            let h = headers(pairs);
            let owned: Vec<(String, Option<String>)> = [
                "X-Hub-Signature-256",
                "X-Gitea-Signature",
                "X-Forgejo-Signature",
                "X-Gitlab-Token",
            ]
            .iter()
            .map(|n| (n.to_string(), h(n)))
            .collect();
            verify(
                forge,
                secret,
                |n| {
                    owned
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(n))
                        .and_then(|(_, v)| v.as_deref())
                },
                body,
            )
        };
        assert!(check(
            Forge::Github,
            vec![("X-Hub-Signature-256", gh.clone())],
            body
        )
        .is_ok());
        assert!(check(
            Forge::Github,
            vec![("X-Hub-Signature-256", gh.clone())],
            b"{}"
        )
        .is_err());
        assert!(check(Forge::Github, vec![], body)
            .unwrap_err()
            .contains("no X-Hub-Signature-256"));
        let bare = sign(Forge::Gitea, secret, body);
        assert!(check(
            Forge::Gitea,
            vec![("X-Forgejo-Signature", bare.clone())],
            body
        )
        .is_ok());
        assert!(check(Forge::Gitea, vec![("X-Gitea-Signature", bare)], body).is_ok());
        assert!(check(Forge::Gitea, vec![("X-Gitea-Signature", gh)], body).is_err());
        let token = String::from_utf8(secret.to_vec()).unwrap();
        assert!(check(Forge::Gitlab, vec![("X-Gitlab-Token", token)], body).is_ok());
        assert!(check(Forge::Gitlab, vec![("X-Gitlab-Token", "nope".into())], body).is_err());
    }

    /// GitHub's documented test vector for X-Hub-Signature-256.
    #[test]
    fn github_documents_this_signature() {
        assert_eq!(
            sign(
                Forge::Github,
                b"It's a Secret to Everybody",
                b"Hello, World!"
            ),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }
}
