//! What `vext hook git` reads from git, with as few invocations as possible
//! and never through a shell: one `git config`, one `git log` for every
//! commit's data and files, one `git describe` for all of them. Where the
//! repository is found plainly (a `.git` directory above the working
//! directory, a bare repository, or `GIT_DIR` as hooks get it) its name and
//! branch are read from the files; anything else (worktrees, submodules,
//! `GIT_WORK_TREE`, ceilings) asks `git rev-parse`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result};

use super::commit::CommitData;
use super::vcs::vcs_output;
use crate::exit::{fail, Code};

pub(crate) struct Git {
    dir: Option<PathBuf>,
}

impl Git {
    pub(crate) fn new(dir: Option<&Path>) -> Git {
        Git {
            dir: dir.map(Path::to_path_buf),
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new("git");
        if let Some(d) = &self.dir {
            cmd.current_dir(d);
        }
        cmd.stdin(Stdio::null());
        cmd
    }

    /// Runs git; the output on success, None when git exits non-zero.
    pub(crate) fn try_run(&self, args: &[&str]) -> Result<Option<String>> {
        let mut cmd = self.command();
        cmd.args(args);
        let out = super::vcs::run_bounded(cmd, &format!("git {}", args.join(" ")))?;
        if !out.status.success() {
            return Ok(None);
        }
        Ok(Some(String::from_utf8_lossy(&out.stdout).into_owned()))
    }

    pub(crate) fn run(&self, args: &[&str]) -> Result<String> {
        let mut cmd = self.command();
        cmd.args(args);
        vcs_output(cmd, &format!("git {}", args.join(" ")))
    }

    /// `irker.*` then `vext.*` settings (the latter win), keys without the section.
    pub(crate) fn settings(&self) -> Result<BTreeMap<String, String>> {
        let text = self
            .try_run(&["config", "-z", "--get-regexp", r"^(irker|vext)\."])?
            .unwrap_or_default();
        let mut irker = BTreeMap::new();
        let mut vext = BTreeMap::new();
        for entry in text.split('\0').filter(|e| !e.is_empty()) {
            let (key, value) = entry.split_once('\n').unwrap_or((entry, ""));
            if let Some(k) = key.strip_prefix("irker.") {
                irker.insert(k.to_string(), value.to_string());
            } else if let Some(k) = key.strip_prefix("vext.") {
                vext.insert(k.to_string(), value.to_string());
            }
        }
        irker.extend(vext);
        Ok(irker)
    }
}

pub(crate) struct RepoInfo {
    /// The repository's name: its top directory without `.git`.
    pub(crate) name: String,
    /// The branch HEAD points at (`main`), empty when detached.
    pub(crate) head_branch: String,
}

pub(crate) fn repo_info(git: &Git) -> Result<RepoInfo> {
    if let Some(info) = repo_info_from_files(git.dir.as_deref()) {
        return Ok(info);
    }
    // One call: the git dir, whether it is bare, and the branch HEAD names
    // ("HEAD" when detached; nothing on an unborn branch).
    // (The second form only when the first fails: an unborn branch.)
    let first = git.try_run(&[
        "rev-parse",
        "--absolute-git-dir",
        "--is-bare-repository",
        "--symbolic-full-name",
        "HEAD",
    ])?;
    let out = match first {
        Some(out) => out,
        None => git
            .try_run(&["rev-parse", "--absolute-git-dir", "--is-bare-repository"])?
            .ok_or_else(|| fail(Code::Usage, "not in a git repository (give -C DIR)"))?,
    };
    let mut lines = out.lines();
    let git_dir = PathBuf::from(lines.next().unwrap_or_default());
    let bare = lines.next() == Some("true");
    let head = lines.next().unwrap_or_default();
    let top = if !bare && git_dir.file_name().is_some_and(|n| n == ".git") {
        git_dir
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or(git_dir.clone())
    } else {
        git_dir.clone()
    };
    let mut name = top
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(stripped) = name.strip_suffix(".git") {
        name = stripped.to_string();
    }
    Ok(RepoInfo {
        name,
        head_branch: if head.starts_with("refs/") {
            short_ref(head)
        } else {
            String::new()
        },
    })
}

/// The repository's name and branch without running git, where finding it
/// is plain: `GIT_DIR` (as git exports it to hooks), else a `.git`
/// directory in `start` or above, else `start` itself when it is a bare
/// repository. None (ask git) for anything else.
fn repo_info_from_files(start: Option<&Path>) -> Option<RepoInfo> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if ["GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_CEILING_DIRECTORIES"]
        .iter()
        .any(|k| var(k).is_some())
    {
        return None;
    }
    let cwd = std::env::current_dir().ok()?;
    let start = match start {
        Some(d) => cwd.join(d),
        None => cwd,
    };
    let is_repo = |d: &Path| {
        d.join("HEAD").is_file() && d.join("objects").is_dir() && d.join("refs").is_dir()
    };
    let git_dir = if let Some(d) = var("GIT_DIR") {
        start.join(d)
    } else {
        let found = start.ancestors().find_map(|d| {
            let dot = d.join(".git");
            if dot.is_dir() {
                Some(Some(dot))
            } else if dot.exists() {
                Some(None) // a gitdir file (worktree, submodule): ask git
            } else {
                None
            }
        });
        match found {
            Some(dot) => dot?,
            None if is_repo(&start) => start,
            None => return None,
        }
    };
    if !is_repo(&git_dir) {
        return None;
    }
    let git_dir = git_dir.canonicalize().ok()?;
    let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
    let head_branch = match head.trim_end().strip_prefix("ref: ") {
        Some(r) if r.starts_with("refs/") => short_ref(r),
        Some(_) => return None,
        None => String::new(), // detached
    };
    let top = match git_dir.file_name() {
        Some(n) if n == ".git" => git_dir.parent()?.to_path_buf(),
        _ => git_dir.clone(),
    };
    let mut name = top.file_name()?.to_string_lossy().into_owned();
    if let Some(stripped) = name.strip_suffix(".git") {
        name = stripped.to_string();
    }
    Some(RepoInfo { name, head_branch })
}

/// `refs/heads/main` → `main` (irkerhook strips `refs/<anything>/`).
pub(crate) fn short_ref(refname: &str) -> String {
    match refname.strip_prefix("refs/") {
        Some(rest) => rest.split_once('/').map_or(rest, |(_, r)| r).to_string(),
        None => refname.to_string(),
    }
}

const SEP: char = '\x1f';
const REC: char = '\x1e';

/// Every commit's data in one `git log` (files included: merges against
/// their first parent, root commits against the empty tree).
pub(crate) fn commits(git: &Git, revs: &[String], want_describe: bool) -> Result<Vec<CommitData>> {
    if revs.is_empty() {
        return Ok(Vec::new());
    }
    // Each revision once, so that the log's records and describe's lines
    // pair up one to one.
    let mut seen = std::collections::HashSet::new();
    let revs: Vec<&String> = revs.iter().filter(|r| seen.insert(*r)).collect();
    let mut args: Vec<&str> = vec![
        "-c",
        "log.showSignature=false",
        "log",
        "--no-walk=unsorted",
        "--format=%x1e%H%x1f%h%x1f%an%x1f%ae%x1f%s%x1f%ai%x1f%ci%x1f%P",
        "--name-only",
        "--diff-merges=first-parent",
        "--no-renames",
    ];
    args.extend(revs.iter().map(|r| r.as_str()));
    args.push("--");
    // One `git describe` for all the commits (git log's `%(describe)`
    // would run one per commit), run beside the log: it needs only the
    // revisions, and the two then cost the time of one.
    let mut describe_args = vec!["describe", "--always"];
    describe_args.extend(revs.iter().map(|r| r.as_str()));
    let (out, described) = std::thread::scope(|scope| {
        let described = want_describe.then(|| scope.spawn(|| git.try_run(&describe_args)));
        let out = git.run(&args);
        let described = match described {
            Some(d) => d.join().unwrap_or(Ok(None)),
            None => Ok(None),
        };
        (out, described)
    });
    let out = out.context("reading commits")?;
    let mut commits = Vec::new();
    for record in out.split(REC).filter(|r| !r.trim().is_empty()) {
        let mut lines = record.lines();
        let header = lines.next().unwrap_or_default();
        let f: Vec<&str> = header.split(SEP).collect();
        if f.len() < 8 {
            return Err(fail(
                Code::DataErr,
                format!("unexpected git log output: {header:?}"),
            ));
        }
        commits.push(CommitData {
            hash: f[0].into(),
            short: f[1].into(),
            author_name: f[2].into(),
            mail: f[3].into(),
            subject: f[4].into(),
            author_date: f[5].into(),
            commit_date: f[6].into(),
            files: lines.filter(|l| !l.is_empty()).map(String::from).collect(),
            describe: None,
            rev: None,
            url: None,
        });
    }
    // One line per revision given, in order, as the log's records are.
    if let Some(out) = described? {
        if commits.len() == revs.len() {
            for (c, d) in commits.iter_mut().zip(out.lines()) {
                // --always falls back to the abbreviated hash: that is "no tag".
                if d != c.short && !d.is_empty() {
                    c.describe = Some(d.to_string());
                }
            }
        }
    }
    Ok(commits)
}

/// One line of post-receive input: `OLD NEW REFNAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RefUpdate {
    pub(crate) old: String,
    pub(crate) new: String,
    pub(crate) refname: String,
}

pub(crate) fn parse_updates(input: &str) -> Result<Vec<RefUpdate>> {
    let mut out = Vec::new();
    for (n, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        let is_hash = |s: &str| s.len() >= 40 && s.chars().all(|c| c.is_ascii_hexdigit());
        match parts.as_slice() {
            [old, new, refname] if is_hash(old) && is_hash(new) => out.push(RefUpdate {
                old: old.to_string(),
                new: new.to_string(),
                refname: refname.to_string(),
            }),
            _ => {
                return Err(fail(
                    Code::DataErr,
                    format!(
                        "stdin line {}: expected \"OLD NEW REFNAME\" (post-receive), got {line:?}",
                        n + 1
                    ),
                ))
            }
        }
    }
    Ok(out)
}

pub(crate) fn is_zero(hash: &str) -> bool {
    hash.chars().all(|c| c == '0')
}

/// What a ref update means for the announcement.
#[derive(Debug)]
pub(crate) enum Change {
    Deleted,
    Created { commits: Vec<String> },
    Updated { commits: Vec<String>, forced: bool },
}

pub(crate) fn classify(git: &Git, u: &RefUpdate) -> Result<Change> {
    if is_zero(&u.new) {
        return Ok(Change::Deleted);
    }
    if is_zero(&u.old) {
        // Only commits no other branch or tag had (the new ref itself aside).
        let short = u
            .refname
            .strip_prefix("refs/heads/")
            .or_else(|| u.refname.strip_prefix("refs/tags/"))
            .unwrap_or(&u.refname);
        let exclude = format!("--exclude={short}");
        let out = git.run(&[
            "rev-list",
            "--reverse",
            &u.new,
            "--not",
            &exclude,
            "--branches",
            "--tags",
        ])?;
        return Ok(Change::Created {
            commits: out.lines().map(String::from).collect(),
        });
    }
    // One walk of the symmetric difference: `>` commits are the new ones
    // (OLD..NEW), any `<` commit was dropped from the branch: a forced push.
    let range = format!("{}...{}", u.old, u.new);
    let out = git.run(&["rev-list", "--reverse", "--left-right", &range])?;
    let mut forced = false;
    let mut commits = Vec::new();
    for line in out.lines() {
        if let Some(h) = line.strip_prefix('>') {
            commits.push(h.to_string());
        } else if line.starts_with('<') {
            forced = true;
        }
    }
    Ok(Change::Updated { commits, forced })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_shortened_like_irkerhook() {
        assert_eq!(short_ref("refs/heads/main"), "main");
        assert_eq!(short_ref("refs/heads/feature/x"), "feature/x");
        assert_eq!(short_ref("refs/tags/v1.0"), "v1.0");
        assert_eq!(short_ref(""), "");
    }

    #[test]
    fn post_receive_lines() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let u = parse_updates(&format!("{z} {a} refs/heads/new\n\n")).unwrap();
        assert_eq!(u[0].refname, "refs/heads/new");
        assert!(is_zero(&u[0].old));
        assert!(parse_updates("garbage\n")
            .unwrap_err()
            .to_string()
            .contains("line 1"));
    }
}
