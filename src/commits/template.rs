//! irkerhook's message template: `%(name)s` fields filled from a commit,
//! colour codes (mIRC, ANSI or none), and the file list made readable.

use std::collections::BTreeMap;

/// irkerhook's default template for git (the trailing space when there is
/// no URL is irkerhook's; IRC line hygiene trims it on the wire).
pub(crate) const DEFAULT_GIT: &str = "%(bold)s%(project)s:%(reset)s %(green)s%(author)s%(reset)s %(repo)s:%(yellow)s%(branch)s%(reset)s * %(bold)s%(rev)s%(reset)s / %(bold)s%(files)s%(reset)s: %(logmsg)s %(brown)s%(url)s%(reset)s";

/// Renders Python-style `%(name)s` (and `%%`) with the given fields.
pub(crate) fn render(template: &str, fields: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(a) = after.strip_prefix('%') {
            out.push('%');
            rest = a;
        } else if let Some(a) = after.strip_prefix('(') {
            let end = a
                .find(')')
                .ok_or_else(|| format!("template: unclosed %( in {template:?}"))?;
            let name = &a[..end];
            let spec = a[end + 1..].chars().next();
            if spec != Some('s') {
                return Err(format!(
                    "template: %({name}) must be followed by s, as in %({name})s"
                ));
            }
            let value = fields.get(name).ok_or_else(|| {
                format!(
                    "template: unknown field %({name})s (known: {})",
                    fields.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            })?;
            out.push_str(value);
            rest = &a[end + 2..];
        } else {
            return Err(format!(
                "template: a lone % in {template:?} (write %% for a percent sign)"
            ));
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The colour fields for `irker.color`: mIRC, ANSI, or none.
pub(crate) fn colors(style: Option<&str>) -> [(&'static str, &'static str); 9] {
    match style.map(str::to_ascii_lowercase).as_deref() {
        Some("mirc") => [
            ("bold", "\x02"),
            ("green", "\x0303"),
            ("blue", "\x0302"),
            // irkerhook sets red twice; the second (dark red) wins.
            ("red", "\x0305"),
            ("yellow", "\x0307"),
            ("brown", "\x0305"),
            ("magenta", "\x0306"),
            ("cyan", "\x0310"),
            ("reset", "\x0F"),
        ],
        Some("ansi") => [
            ("bold", "\x1b[1m"),
            ("green", "\x1b[1;32m"),
            ("blue", "\x1b[1;34m"),
            ("red", "\x1b[1;31m"),
            ("yellow", "\x1b[1;33m"),
            ("brown", "\x1b[33m"),
            ("magenta", "\x1b[35m"),
            ("cyan", "\x1b[36m"),
            ("reset", "\x1b[0m"),
        ],
        _ => [
            ("bold", ""),
            ("green", ""),
            ("blue", ""),
            ("red", ""),
            ("yellow", ""),
            ("brown", ""),
            ("magenta", ""),
            ("cyan", ""),
            ("reset", ""),
        ],
    }
}

/// A file list longer than this (joined) is shortened.
pub(crate) const FILES_BUDGET: usize = 160;

/// The file list as shown: all of them when short, else the directory they
/// share and a count ("src/irc/ (4 files)"), else counts.
pub(crate) fn file_list(files: &[String], cialike: Option<usize>) -> String {
    let joined = files.join(" ");
    let limit = cialike.unwrap_or(FILES_BUDGET);
    if joined.chars().count() <= limit {
        return joined;
    }
    let dirs: std::collections::BTreeSet<&str> = files
        .iter()
        .map(|f| f.rsplit_once('/').map_or("", |(d, _)| d))
        .collect();
    if cialike.is_some() {
        // irkerhook's cialike wording.
        return if dirs.len() == 1 {
            format!("({} files)", files.len())
        } else {
            format!("({} files in {} dirs)", files.len(), dirs.len())
        };
    }
    let common = common_dir(files);
    if common.is_empty() {
        format!("({} files in {} dirs)", files.len(), dirs.len())
    } else {
        format!("{common}/ ({} files)", files.len())
    }
}

/// The longest directory prefix all paths share.
fn common_dir(files: &[String]) -> String {
    let mut parts: Option<Vec<&str>> = None;
    for f in files {
        let dir: Vec<&str> = f
            .rsplit_once('/')
            .map_or(vec![], |(d, _)| d.split('/').collect());
        parts = Some(match parts {
            None => dir,
            Some(p) => p
                .iter()
                .zip(&dir)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    parts.unwrap_or_default().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn renders_like_python_percent_formatting() {
        let f = fields(&[("project", "vext"), ("rev", "abc")]);
        assert_eq!(
            render("%(project)s: %(rev)s 100%%", &f).unwrap(),
            "vext: abc 100%"
        );
        assert!(render("%(nope)s", &f).unwrap_err().contains("nope"));
        assert!(render("%(project)d", &f).is_err());
        assert!(render("50% off", &f).is_err());
        assert!(render("%(project", &f).is_err());
    }

    #[test]
    fn colour_styles() {
        assert_eq!(colors(Some("mIRC"))[0], ("bold", "\x02"));
        assert_eq!(colors(Some("ANSI"))[8], ("reset", "\x1b[0m"));
        assert_eq!(colors(Some("none"))[1], ("green", ""));
        assert_eq!(colors(None)[1], ("green", ""));
    }

    #[test]
    fn long_file_lists_are_shortened() {
        let short = vec!["a.rs".to_string(), "b.rs".to_string()];
        assert_eq!(file_list(&short, None), "a.rs b.rs");
        let irc: Vec<String> = (0..30)
            .map(|i| format!("src/irc/file_number_{i}.rs"))
            .collect();
        assert_eq!(file_list(&irc, None), "src/irc/ (30 files)");
        let mut mixed = irc.clone();
        mixed.push("README.md".into());
        assert_eq!(file_list(&mixed, None), "(31 files in 2 dirs)");
        let nested: Vec<String> = (0..30).map(|i| format!("src/d{}/f{i}.rs", i % 3)).collect();
        assert_eq!(file_list(&nested, None), "src/ (30 files)");
        assert_eq!(file_list(&irc, Some(10)), "(30 files)");
    }
}
