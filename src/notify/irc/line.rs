//! IRC line hygiene: user text in, safe protocol lines out.
//!
//! Nothing a user sends may become an IRC command. Text is cut into lines at
//! `\n`, `\r\n` and lone `\r`; NUL and other C0 controls are removed except the
//! IRC formatting codes; long lines are split so the line the server relays to
//! others stays within 512 bytes, at UTF-8 boundaries, preferably at spaces.

/// The longest IRC line, CRLF included.
pub(crate) const MAX_LINE: usize = 512;

/// Formatting codes IRC clients understand: bold, colour, hex colour, reset,
/// monospace, reverse, italic, strikethrough, underline.
fn is_formatting(c: char) -> bool {
    matches!(
        c,
        '\x02' | '\x03' | '\x04' | '\x0f' | '\x11' | '\x16' | '\x1d' | '\x1e' | '\x1f'
    )
}

/// Splits user text into message lines and removes what must not reach the wire.
/// Tabs become spaces; empty lines are dropped (IRC cannot send them).
pub(crate) fn text_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                push_line(&mut lines, std::mem::take(&mut current));
            }
            '\t' => current.push(' '),
            // An ANSI escape sequence (irkerhook's ANSI colours) goes whole:
            // ESC [ parameters final-byte.
            '\x1b' if chars.peek() == Some(&'[') => {
                chars.next();
                while let Some(&c) = chars.peek() {
                    chars.next();
                    if ('\x40'..='\x7e').contains(&c) {
                        break;
                    }
                }
            }
            c if is_formatting(c) => current.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {}
            // Unicode line and paragraph separators would start new lines in
            // some clients; treat them like newlines.
            '\u{2028}' | '\u{2029}' | '\u{85}' => {
                push_line(&mut lines, std::mem::take(&mut current));
            }
            c => current.push(c),
        }
    }
    push_line(&mut lines, current);
    lines
}

fn push_line(lines: &mut Vec<String>, line: String) {
    let trimmed = line.trim_end();
    if !trimmed.trim_start().is_empty() {
        lines.push(trimmed.to_string());
    }
}

/// Splits one clean line into chunks of at most `budget` bytes, never inside a
/// UTF-8 character, breaking at the last space when one is in the second half.
pub(crate) fn split_to_fit(line: &str, budget: usize) -> Vec<&str> {
    let budget = budget.max(16);
    let mut out = Vec::new();
    let mut rest = line;
    while rest.len() > budget {
        let mut cut = budget;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = match rest[..cut].rfind(' ') {
            Some(sp) if sp >= budget / 2 => (&rest[..sp], &rest[sp + 1..]),
            _ => (&rest[..cut], &rest[cut..]),
        };
        if !head.is_empty() {
            out.push(head);
        }
        rest = tail;
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Bytes left for the text of `PRIVMSG target :text` once the server has
/// prepended `:prefix ` (the sender's `nick!user@host`) and CRLF.
pub(crate) fn privmsg_budget(prefix_len: usize, target: &str) -> usize {
    // ":" + prefix + " " + "PRIVMSG " + target + " :" + text + "\r\n"
    MAX_LINE.saturating_sub(1 + prefix_len + 1 + 8 + target.len() + 2 + 2)
}

/// The length of `nick!user@host` to assume when the server has not told us ours.
pub(crate) fn assumed_prefix_len(nick: &str) -> usize {
    // ident up to 10 plus a '~', host up to 63 (a DNS label limit is a fair
    // worst case; cloaks are usually shorter).
    nick.len() + 1 + 11 + 1 + 63
}

/// Formats `COMMAND params... :trailing` after checking that no parameter can
/// break out of its line. Parameters come from parsed targets and clean text;
/// this is the last line of defence.
pub(crate) fn command(cmd: &str, params: &[&str], trailing: Option<&str>) -> String {
    let mut s = String::with_capacity(64);
    s.push_str(cmd);
    for p in params {
        s.push(' ');
        s.extend(
            p.chars()
                .filter(|&c| !matches!(c, '\r' | '\n' | '\0' | ' ')),
        );
    }
    if let Some(t) = trailing {
        s.push_str(" :");
        s.extend(t.chars().filter(|&c| !matches!(c, '\r' | '\n' | '\0')));
    }
    s
}

/// Groups channels into JOIN lines (`JOIN #a,#b key1,key2`) that each fit in a
/// line; channels with keys come first, as JOIN pairs keys positionally.
pub(crate) fn join_lines(channels: &[(&str, Option<&str>)]) -> Vec<String> {
    let mut ordered: Vec<_> = channels.iter().filter(|c| c.1.is_some()).collect();
    ordered.extend(channels.iter().filter(|c| c.1.is_none()));
    let mut lines = Vec::new();
    let (mut names, mut keys): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    let mut len = 0;
    for (name, key) in ordered {
        let add = name.len() + 1 + key.map_or(0, |k| k.len() + 1);
        // "JOIN " + names + " " + keys + CRLF
        if !names.is_empty() && 5 + len + add + 3 > MAX_LINE {
            lines.push(format_join(&names, &keys));
            names.clear();
            keys.clear();
            len = 0;
        }
        names.push(name);
        if let Some(k) = key {
            keys.push(k);
        }
        len += add;
    }
    if !names.is_empty() {
        lines.push(format_join(&names, &keys));
    }
    lines
}

fn format_join(names: &[&str], keys: &[&str]) -> String {
    if keys.is_empty() {
        command("JOIN", &[&names.join(",")], None)
    } else {
        command("JOIN", &[&names.join(","), &keys.join(",")], None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_ending_starts_a_new_line() {
        assert_eq!(text_lines("a\nb\r\nc\rd"), ["a", "b", "c", "d"]);
        assert_eq!(text_lines("hi\rQUIT :bye"), ["hi", "QUIT :bye"]);
        assert_eq!(text_lines("\n\n  \nx\n"), ["x"]);
        assert!(text_lines("").is_empty());
    }

    #[test]
    fn controls_are_removed_formatting_kept() {
        assert_eq!(text_lines("a\0b\x07c\x1bd"), ["abcd"]);
        assert_eq!(
            text_lines("\x02bold\x02 \x0304red\x0f"),
            ["\x02bold\x02 \x0304red\x0f"]
        );
        assert_eq!(text_lines("a\tb"), ["a b"]);
        assert_eq!(text_lines("\x1b[1;32mgreen\x1b[0m x\x1b"), ["green x"]);
        assert_eq!(text_lines("a\u{2028}b"), ["a", "b"]);
    }

    #[test]
    fn split_respects_bytes_chars_and_spaces() {
        let text = "é".repeat(300); // 600 bytes
        let parts = split_to_fit(&text, 101);
        assert!(parts.iter().all(|p| p.len() <= 101));
        assert_eq!(parts.concat(), text);
        let words = "word ".repeat(100);
        let parts = split_to_fit(words.trim_end(), 52);
        assert!(parts.iter().all(|p| p.len() <= 52 && !p.starts_with(' ')));
        assert!(parts.iter().all(|p| p.ends_with("word")), "{parts:?}");
        assert_eq!(split_to_fit("short", 100), ["short"]);
        let emoji = "🦀".repeat(200);
        for p in split_to_fit(&emoji, 99) {
            assert!(p.len() <= 99 && p.chars().all(|c| c == '🦀'));
        }
    }

    #[test]
    fn relayed_line_fits_in_512() {
        let nick = "vext123";
        let prefix = format!("{nick}!~vext@{}", "h".repeat(63));
        let budget = privmsg_budget(assumed_prefix_len(nick), "#chan");
        let text = "x".repeat(2000);
        for chunk in split_to_fit(&text, budget) {
            let relayed = format!(":{prefix} PRIVMSG #chan :{chunk}\r\n");
            assert!(relayed.len() <= MAX_LINE, "{}", relayed.len());
        }
    }

    #[test]
    fn command_strips_line_breaks() {
        assert_eq!(
            command("PRIVMSG", &["#a\r\nQUIT"], Some("x\ry")),
            "PRIVMSG #aQUIT :xy"
        );
    }

    #[test]
    fn joins_are_grouped_keys_first() {
        let lines = join_lines(&[("#a", None), ("#b", Some("k")), ("#c", None)]);
        assert_eq!(lines, ["JOIN #b,#a,#c k"]);
        let many: Vec<String> = (0..200).map(|i| format!("#channel{i:03}")).collect();
        let refs: Vec<(&str, Option<&str>)> = many.iter().map(|c| (c.as_str(), None)).collect();
        let lines = join_lines(&refs);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.len() + 2 <= MAX_LINE));
        assert_eq!(
            lines.iter().map(|l| l.matches('#').count()).sum::<usize>(),
            200
        );
    }
}
