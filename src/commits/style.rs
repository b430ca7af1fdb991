//! How a commit becomes the line every back-end sends: irkerhook's
//! template filled from a commit's fields (colours, the commit link from a
//! URL preset, the file list), and the one-line notices of a push. The VCS
//! hooks and the forge webhooks both render through it, so a channel sees
//! the same line for a push whichever way it came.

use std::collections::BTreeMap;

use anyhow::Result;

use super::commit::CommitData;
use super::template;
use crate::exit::{fail, Code};

/// How lines look: the project and repository names, the template, the
/// colours and the commit link.
pub(crate) struct Style {
    pub(crate) project: String,
    pub(crate) repo: String,
    pub(crate) template: String,
    pub(crate) color: Option<String>,
    pub(crate) urlprefix: Option<String>,
    /// raw, short or describe.
    pub(crate) revformat: String,
    pub(crate) filtercmd: Option<String>,
    pub(crate) cialike: Option<usize>,
    /// This machine's name, for irkerhook's `%(host)s` (read once).
    pub(crate) host: String,
}

/// The URL prefix for a commit link, or None for no URL.
fn url_prefix(s: &Style) -> Option<String> {
    let p = s.urlprefix.as_deref()?;
    if p.is_empty() || p.eq_ignore_ascii_case("none") {
        return None;
    }
    let fill = |t: &str| t.replace("%(host)s", &s.host).replace("%(repo)s", &s.repo);
    let preset = |base: &str| format!("{}/commit/", base.trim_end_matches('/'));
    Some(match p.split_once(':') {
        _ if p == "gitweb" => fill("http://%(host)s/cgi-bin/gitweb.cgi?p=%(repo)s;a=commit;h="),
        _ if p == "cgit" => fill("http://%(host)s/cgi-bin/cgit.cgi/%(repo)s/commit/?id="),
        _ if p == "viewcvs" => fill("http://%(host)s/viewcvs/%(repo)s?view=revision&revision="),
        Some(("github", path)) => preset(&format!("https://github.com/{path}")),
        Some(("gitlab", path)) => {
            format!("https://gitlab.com/{}/-/commit/", path.trim_matches('/'))
        }
        Some(("codeberg", path)) => preset(&format!("https://codeberg.org/{path}")),
        Some(("gitea" | "forgejo", base)) => preset(base),
        _ => fill(p),
    })
}

/// The fields one commit offers to the template.
fn fields(s: &Style, branch: &str, c: &CommitData) -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    for (k, v) in template::colors(s.color.as_deref()) {
        f.insert(k.to_string(), v.to_string());
    }
    let rev = match s.revformat.as_str() {
        _ if c.rev.is_some() => c.rev.clone().unwrap_or_default(),
        "raw" => c.hash.clone(),
        "describe" => c.describe.clone().unwrap_or_default(),
        _ => String::new(),
    };
    let mut commit = c.hash.clone();
    let rev = if rev.is_empty() {
        // irkerhook: the abbreviated hash, which also shortens gitweb/cgit links.
        if s.urlprefix
            .as_deref()
            .is_none_or(|p| p == "gitweb" || p == "cgit")
        {
            commit = c.short.clone();
        }
        c.short.clone()
    } else {
        rev
    };
    let url = match &c.url {
        Some(url) => url.clone(),
        None => url_prefix(s).map(|p| p + &commit).unwrap_or_default(),
    };
    let pairs = [
        ("project", s.project.clone()),
        ("repo", s.repo.clone()),
        ("branch", branch.to_string()),
        ("rev", rev),
        ("author", c.author_name.clone()),
        ("author_name", c.author_name.clone()),
        ("mail", c.mail.clone()),
        ("files", template::file_list(&c.files, s.cialike)),
        ("logmsg", c.subject.clone()),
        ("url", url),
        ("commit", commit),
        ("author_date", c.author_date.clone()),
        ("commit_date", c.commit_date.clone()),
        ("host", s.host.clone()),
    ];
    for (k, v) in pairs {
        f.insert(k.to_string(), v);
    }
    f
}

/// Lets `irker.filtercmd` rewrite the fields (JSON in as its argument, JSON out).
fn filter(cmd: &str, fields: &mut BTreeMap<String, String>) -> Result<()> {
    let json = serde_json::to_string(fields)?;
    let mut command = std::process::Command::new(cmd);
    command.arg(&json);
    let out = crate::commits::vcs::run_bounded(command, &format!("irker.filtercmd {cmd}"))?;
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        fail(
            Code::DataErr,
            format!("irker.filtercmd {cmd}: output is not JSON: {e}"),
        )
    })?;
    if let Some(obj) = value.as_object() {
        for (k, v) in obj {
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            fields.insert(k.clone(), v);
        }
    }
    Ok(())
}

pub(crate) fn message(s: &Style, branch: &str, c: &CommitData) -> Result<String> {
    let mut f = fields(s, branch, c);
    if let Some(cmd) = &s.filtercmd {
        filter(cmd, &mut f)?;
    }
    let mut text = template::render(&s.template, &f).map_err(|e| fail(Code::Config, e))?;
    // irkerhook's reduction: drop the file list when the line is too long.
    if text.chars().count() > 510 {
        f.insert("files".into(), String::new());
        text = template::render(&s.template, &f).map_err(|e| fail(Code::Config, e))?;
    }
    Ok(text)
}

/// A one-line notice (deletion, forced push, summary) in the template's style.
pub(crate) fn notice(s: &Style, branch: &str, what: &str) -> String {
    let c: BTreeMap<&str, &str> = template::colors(s.color.as_deref()).into_iter().collect();
    format!(
        "{}{}:{} {}{}{} {what}",
        c["bold"], s.project, c["reset"], c["yellow"], branch, c["reset"]
    )
}
