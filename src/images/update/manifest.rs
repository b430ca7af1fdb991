//! Rewriting approved tags in the files `vext scan` found them in, changing
//! only the bytes of the tag: the reference itself (Kubernetes YAML,
//! compose, Dockerfile `FROM`), a kustomization's `newTag`, or the `ARG`
//! default a Dockerfile's tag comes from. Comments, quoting, key order and
//! every other byte stay as they were.

use std::path::{Path, PathBuf};

use crate::images::reference::ImageRef;

/// One tag to rewrite.
#[derive(Debug, Clone)]
pub(crate) struct Edit {
    /// The file the scan named, and the line of the reference.
    pub(crate) file: PathBuf,
    pub(crate) line: usize,
    /// The reference as written there.
    pub(crate) raw: String,
    /// The kustomization whose `images:` override applied, if any.
    pub(crate) kustomization: Option<PathBuf>,
    pub(crate) from_tag: String,
    pub(crate) to_tag: String,
}

/// Where the change was made: the file and line actually rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    pub(crate) file: PathBuf,
    pub(crate) line: usize,
}

/// Applies one edit; the error is a one-line reason and nothing is written.
pub(crate) fn apply(edit: &Edit) -> Result<Written, String> {
    let (written, bytes) = rewritten(edit)?;
    crate::util::atomic_file::replace(&written.file, &bytes)?;
    Ok(written)
}

/// Applies one edit as [`apply`] does, and gives the file's bytes from
/// before it too, to put back if what follows fails.
pub(crate) fn apply_keeping(edit: &Edit) -> Result<(Written, Vec<u8>), String> {
    let (written, bytes) = rewritten(edit)?;
    let before = std::fs::read(&written.file)
        .map_err(|e| format!("reading {}: {e}", written.file.display()))?;
    crate::util::atomic_file::replace(&written.file, &bytes)?;
    Ok((written, before))
}

/// What one edit makes of its file, without writing it.
pub(crate) fn rewritten(edit: &Edit) -> Result<(Written, Vec<u8>), String> {
    let (file, offset, line) = locate(edit)?;
    let mut bytes = std::fs::read(&file).map_err(|e| format!("reading {}: {e}", file.display()))?;
    if bytes.get(offset..offset + edit.from_tag.len()) != Some(edit.from_tag.as_bytes()) {
        return Err(format!(
            "{}: changed on disk since the scan",
            file.display()
        ));
    }
    bytes.splice(offset..offset + edit.from_tag.len(), edit.to_tag.bytes());
    Ok((Written { file, line }, bytes))
}

/// The file, byte offset and line of the tag bytes to replace.
fn locate(edit: &Edit) -> Result<(PathBuf, usize, usize), String> {
    if let Some(k) = &edit.kustomization {
        if let Some((offset, line)) = kustomize_new_tag(k, edit)? {
            return Ok((k.clone(), offset, line));
        }
    }
    let text = std::fs::read_to_string(&edit.file)
        .map_err(|e| format!("reading {}: {e}", edit.file.display()))?;
    let line_start = line_offset(&text, edit.line).ok_or_else(|| {
        format!(
            "{}:{}: changed on disk since the scan (no such line)",
            edit.file.display(),
            edit.line
        )
    })?;
    let line_text = text[line_start..].lines().next().unwrap_or_default();
    let Some(at) = line_text.find(&edit.raw) else {
        return Err(format!(
            "{}:{}: changed on disk since the scan ({} is no longer there)",
            edit.file.display(),
            edit.line,
            edit.raw
        ));
    };
    if edit.raw.contains('@') {
        return Err(format!(
            "{}:{}: {} pins a digest beside the tag; skipped (update the digest by hand)",
            edit.file.display(),
            edit.line,
            edit.raw
        ));
    }
    // The tag follows the last colon after the last slash.
    let name_end = edit.raw.rfind('/').map_or(0, |i| i + 1);
    match edit.raw[name_end..].rfind(':') {
        Some(c) if edit.raw[name_end + c + 1..] == edit.from_tag => Ok((
            edit.file.clone(),
            line_start + at + name_end + c + 1,
            edit.line,
        )),
        _ if edit.raw.contains('$') => dockerfile_arg(&edit.file, &text, edit),
        _ => Err(format!(
            "{}:{}: the tag {} is not written in {}",
            edit.file.display(),
            edit.line,
            edit.from_tag,
            edit.raw
        )),
    }
}

/// The byte offset where line `n` (1-based) starts.
fn line_offset(text: &str, n: usize) -> Option<usize> {
    if n == 0 {
        return None;
    }
    let mut offset = 0;
    for _ in 1..n {
        offset += text[offset..].find('\n')? + 1;
    }
    (offset <= text.len()).then_some(offset)
}

/// A value after `key:` on a YAML line, unquoted: (start offset in line, value).
fn yaml_value<'a>(line: &'a str, key: &str) -> Option<(usize, &'a str)> {
    let t = line.trim_start().trim_start_matches("- ").trim_start();
    let rest = t.strip_prefix(key)?.strip_prefix(':')?;
    let start = line.len() - rest.len();
    let value = rest.split(" #").next().unwrap_or(rest);
    let lead = value.len() - value.trim_start().len();
    let v = value.trim();
    let (v, quote) = match v.as_bytes().first() {
        Some(b'"' | b'\'') => (&v[1..v.len().saturating_sub(1).max(1)], 1),
        _ => (v, 0),
    };
    Some((start + lead + quote, v))
}

/// The kustomization's `newTag` for this image, if the tag comes from it.
fn kustomize_new_tag(k: &Path, edit: &Edit) -> Result<Option<(usize, usize)>, String> {
    let text = std::fs::read_to_string(k).map_err(|e| format!("reading {}: {e}", k.display()))?;
    let want = ImageRef::parse(&edit.raw).ok().map(|r| r.name());
    let mut current_name: Option<String> = None;
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if let Some((_, name)) = yaml_value(line, "name") {
            current_name = ImageRef::parse(name).ok().map(|r| r.name());
        }
        if let Some((at, value)) = yaml_value(line, "newTag") {
            if value == edit.from_tag && current_name.is_some() && current_name == want {
                return Ok(Some((offset + at, i + 1)));
            }
        }
        offset += line.len();
    }
    Ok(None)
}

/// The `ARG NAME=TAG` default a Dockerfile's `FROM` takes its tag from.
fn dockerfile_arg(file: &Path, text: &str, edit: &Edit) -> Result<(PathBuf, usize, usize), String> {
    let mut offset = 0;
    let mut found = Vec::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let t = line.trim_start();
        if t.len() > 4 && t[..4].eq_ignore_ascii_case("ARG ") {
            let lead = line.len() - t.len() + 4;
            for decl in t[4..].split_whitespace() {
                if let Some((name, value)) = decl.split_once('=') {
                    let v = value.trim_matches('"');
                    let uses = edit.raw.contains(&format!("${name}"))
                        || edit.raw.contains(&format!("${{{name}"));
                    if uses && v == edit.from_tag {
                        let at = t[4..].find(decl).unwrap_or(0)
                            + name.len()
                            + 1
                            + usize::from(value.starts_with('"'));
                        found.push((offset + lead + at, i + 1));
                    }
                }
            }
        }
        offset += line.len();
    }
    match found.as_slice() {
        [one] => Ok((file.to_path_buf(), one.0, one.1)),
        [] => Err(format!(
            "{}:{}: no ARG default holds the tag {} of {}",
            file.display(),
            edit.line,
            edit.from_tag,
            edit.raw
        )),
        _ => Err(format!(
            "{}:{}: several ARG defaults could hold the tag of {}; skipped",
            file.display(),
            edit.line,
            edit.raw
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit_in(dir: &Path, name: &str, body: &str, line: usize, raw: &str) -> Edit {
        let file = dir.join(name);
        std::fs::write(&file, body).unwrap();
        Edit {
            file,
            line,
            raw: raw.into(),
            kustomization: None,
            from_tag: "1.25.3".into(),
            to_tag: "1.25.10".into(),
        }
    }

    #[test]
    fn only_the_tag_bytes_change() {
        let dir = std::env::temp_dir().join(format!("vext-unit-manifest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let yaml = "spec:\n  containers:\n    - image: \"nginx:1.25.3\" # web\n      name: web\n";
        let e = edit_in(&dir, "a.yaml", yaml, 3, "nginx:1.25.3");
        apply(&e).unwrap();
        assert_eq!(
            std::fs::read_to_string(&e.file).unwrap(),
            yaml.replace("1.25.3", "1.25.10")
        );
        let docker = "ARG V=1.25.3\nFROM nginx:${V} AS web\nRUN true\n";
        let e = edit_in(&dir, "Dockerfile", docker, 2, "nginx:${V}");
        assert_eq!(apply(&e).unwrap().line, 1);
        assert_eq!(
            std::fs::read_to_string(&e.file).unwrap(),
            "ARG V=1.25.10\nFROM nginx:${V} AS web\nRUN true\n"
        );
        let e = edit_in(
            &dir,
            "b.yaml",
            "image: registry:5000/nginx:1.25.3\n",
            1,
            "registry:5000/nginx:1.25.3",
        );
        apply(&e).unwrap();
        assert_eq!(
            std::fs::read_to_string(&e.file).unwrap(),
            "image: registry:5000/nginx:1.25.10\n"
        );
        // Changed since the scan: nothing is written.
        let mut e = edit_in(&dir, "c.yaml", "image: nginx:1.24\n", 1, "nginx:1.25.3");
        assert!(apply(&e).unwrap_err().contains("changed on disk"));
        e.raw = "nginx:1.25.3@sha256:abc".into();
        std::fs::write(&e.file, "image: nginx:1.25.3@sha256:abc\n").unwrap();
        assert!(apply(&e).unwrap_err().contains("digest"));
        // A kustomization's newTag.
        let k = dir.join("kustomization.yaml");
        std::fs::write(
            &k,
            "images:\n- name: redis\n  newTag: '1.25.3'\n- name: nginx\n  newTag: '1.25.3' # pinned\n",
        )
        .unwrap();
        let mut e = edit_in(&dir, "d.yaml", "image: nginx\n", 1, "nginx");
        e.kustomization = Some(k.clone());
        assert_eq!(
            apply(&e).unwrap(),
            Written {
                file: k.clone(),
                line: 5
            }
        );
        assert_eq!(
            std::fs::read_to_string(&k).unwrap(),
            "images:\n- name: redis\n  newTag: '1.25.3'\n- name: nginx\n  newTag: '1.25.10' # pinned\n"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
