//! Shell-style `*` patterns, for target allow-lists, history filters and
//! policy rules.

/// `*` matches any run of characters; everything else matches itself (ASCII case-insensitively).
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob(
            "irc://irc.libera.chat/*",
            "irc://irc.libera.chat/#ops"
        ));
        assert!(!glob("irc://irc.libera.chat/*", "irc://irc.evil.net/#ops"));
        assert!(glob("irc://*/#ops", "irc://a.b:7000/#ops"));
        assert!(!glob("irc://*/#ops", "irc://a.b/#opsx"));
        assert!(glob("*", ""));
    }
}
