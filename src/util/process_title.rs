//! Secrets out of the process title: a password in a URL given on the
//! command line (`vext send irc://bot:hunter2@host/ops`) would be readable
//! by every local user in `ps` and /proc/PID/cmdline. Once the command line
//! is parsed, the secret bytes of each argument are overwritten in place
//! with `*` (same length, so the layout the kernel reports stays valid), as
//! database clients do with `-pPASSWORD`. Linux only; elsewhere a no-op.

/// The part of each argument that must not be shown: the password of a
/// URL's `user:password@`, and the path of a webhook URL (its secret).
fn secret_ranges(arg: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = find(&arg[from..], b"://") {
        let scheme_start = arg[..from + at]
            .iter()
            .rposition(|c| !(c.is_ascii_alphanumeric() || b"+-.".contains(c)))
            .map_or(0, |i| i + 1);
        let scheme = &arg[scheme_start..from + at];
        let start = from + at + 3;
        let end = arg[start..]
            .iter()
            .position(|c| b"/?#, ".contains(c))
            .map_or(arg.len(), |i| start + i);
        let authority = &arg[start..end];
        if let Some(at_sign) = authority.iter().rposition(|&c| c == b'@') {
            if let Some(colon) = authority[..at_sign].iter().position(|&c| c == b':') {
                out.push(start + colon + 1..start + at_sign);
            }
        }
        let webhook = [&b"slack"[..], b"discord", b"mattermost", b"mattermosts"].contains(&scheme)
            || scheme.starts_with(b"webhook+");
        let path_end = arg[end..]
            .iter()
            .position(|&c| c == b' ')
            .map_or(arg.len(), |i| end + i);
        if webhook && end < path_end {
            out.push(end..path_end);
        }
        // Slack and Discord name the secret in the host part already.
        if webhook && (scheme == b"slack" || scheme == b"discord") {
            out.push(start..end);
        }
        from = if webhook { path_end } else { end }.max(start);
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Masks the secrets of this process's arguments where `ps` reads them.
pub(crate) fn hide_secrets() {
    // Most command lines hold no URL: nothing to read or write then.
    if !std::env::args_os().any(|a| find(a.as_encoded_bytes(), b"://").is_some()) {
        return;
    }
    #[cfg(target_os = "linux")]
    if let Some((start, end)) = argument_area() {
        // SAFETY: [start, end) is this process's own argument strings, as
        // the kernel reports them in /proc/self/stat (arg_start, arg_end):
        // mapped, writable stack memory for the life of the process. Only
        // bytes inside it are written, and Rust's parsed arguments are
        // copies made before this runs.
        let area = unsafe { std::slice::from_raw_parts_mut(start as *mut u8, end - start) };
        for arg in area.split_mut(|&c| c == 0) {
            for r in secret_ranges(arg) {
                arg[r].fill(b'*');
            }
        }
    }
}

/// (arg_start, arg_end) from /proc/self/stat: fields 48 and 49.
#[cfg(target_os = "linux")]
fn argument_area() -> Option<(usize, usize)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3.
    let start: usize = fields.get(48 - 3)?.parse().ok()?;
    let end: usize = fields.get(49 - 3)?.parse().ok()?;
    (start < end && end - start < 1 << 24).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::secret_ranges;

    fn masked(arg: &str) -> String {
        let mut b = arg.as_bytes().to_vec();
        for r in secret_ranges(&b) {
            b[r].fill(b'*');
        }
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn passwords_and_webhook_secrets_are_masked_in_place() {
        assert_eq!(masked("irc://bob:hunter2@h/c"), "irc://bob:*******@h/c");
        assert_eq!(masked("ircs://h:6697/c"), "ircs://h:6697/c");
        assert_eq!(
            masked("nats://u:p@a:4222,nats://v:q@b"),
            "nats://u:*@a:4222,nats://v:*@b"
        );
        assert_eq!(masked("slack://T01/B02/secret"), "slack://**************");
        assert_eq!(
            masked("webhook+https://h.example/hook/abc?x=1"),
            "webhook+https://h.example*************"
        );
        assert_eq!(masked("--message=hello"), "--message=hello");
        assert_eq!(masked("a://"), "a://");
    }
}
