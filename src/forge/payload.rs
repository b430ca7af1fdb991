//! What the readers share: a payload's text made safe for a line, and
//! the commit shape GitHub, Gitea and GitLab push payloads have in common.

use crate::commits::commit::CommitData;

/// The most bytes any one text taken from a payload keeps (a title, a
/// branch name, a commit subject): a line is for reading, not for a novel.
const FIELD_CHARS: usize = 300;

/// A payload's text made safe for a one-line notice: control characters
/// (CR and LF, IRC's colour and formatting codes, ESC) become spaces, so a
/// commit subject or branch name can neither start a line of its own nor
/// colour the ones after it; cut at [`FIELD_CHARS`].
pub(crate) fn clean(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(FIELD_CHARS)
        .collect();
    if text.chars().count() > FIELD_CHARS {
        out.push('…');
    }
    out.trim().to_string()
}

/// A string field at a JSON pointer, cleaned; empty when absent.
pub(super) fn text(v: &serde_json::Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(serde_json::Value::as_str)
        .map(clean)
        .unwrap_or_default()
}

/// The first line of a commit message.
fn subject(message: &str) -> String {
    clean(message.lines().next().unwrap_or_default())
}

/// Whether a git object id is all zeros (a ref that did not or no longer exists).
pub(super) fn zero(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b == b'0')
}

/// The new commits of a push payload, oldest first. GitHub marks commits
/// already in the repository (a branch made from another) as not
/// distinct: they are not new, as `vext hook git` sees it.
pub(super) fn commits(v: &serde_json::Value) -> Vec<CommitData> {
    v.pointer("/commits")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| c.pointer("/distinct").and_then(serde_json::Value::as_bool) != Some(false))
        .map(commit)
        .collect()
}

/// One commit of a push payload (GitHub, Gitea and GitLab share the shape).
fn commit(c: &serde_json::Value) -> CommitData {
    let hash = text(c, "/id");
    let mut files: Vec<String> = ["/added", "/modified", "/removed"]
        .iter()
        .filter_map(|p| c.pointer(p).and_then(serde_json::Value::as_array))
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .map(clean)
        .collect();
    files.sort();
    files.dedup();
    let message = c
        .pointer("/message")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    CommitData {
        short: hash.chars().take(7).collect(),
        hash,
        author_name: text(c, "/author/name"),
        mail: text(c, "/author/email"),
        subject: subject(message),
        author_date: text(c, "/timestamp"),
        commit_date: text(c, "/timestamp"),
        files,
        describe: None,
        rev: None,
        url: Some(text(c, "/url")).filter(|u| !u.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_text_cannot_break_or_colour_a_line() {
        assert_eq!(clean("fix\r\nPRIVMSG #x :owned"), "fix  PRIVMSG #x :owned");
        assert_eq!(clean("\x02bold\x0304red\x0f \x1b[31m"), "bold 04red   [31m");
        let long = "x".repeat(1000);
        assert_eq!(clean(&long).chars().count(), FIELD_CHARS + 1);
    }
}
