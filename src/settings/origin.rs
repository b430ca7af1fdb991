//! Where a resolved value came from, kept beside it: the command uses the
//! value, `vext config show` prints both, and an error about a value names
//! the flag, variable or key the user has to change.

use std::fmt;

use crate::exit::{fail, Code};

/// The source of one setting, in the order they win.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A command-line flag, as `--listen`.
    Flag(String),
    /// An environment variable clap read for a flag (`VEXT_LISTEN`), or one
    /// of irkerd's (`IRKERD_NICK`).
    Env(String),
    /// The config file, with the key's place in it (`[daemon] max_age`).
    File(String),
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(s) | Origin::Env(s) => f.write_str(s),
            Origin::File(_) => f.write_str("file"),
            Origin::Default => f.write_str("default"),
        }
    }
}

impl Origin {
    /// What an error about the value names: the flag, the variable, the
    /// file's key, or the key with "(default)".
    pub(crate) fn named(&self, key: &str) -> String {
        match self {
            Origin::Flag(s) | Origin::Env(s) | Origin::File(s) => s.clone(),
            Origin::Default => format!("{key} (default)"),
        }
    }

    /// An error about the value of `key` from here: exit 64 for a flag or
    /// a variable, 78 for the file.
    pub(crate) fn error(&self, key: &str, why: &str) -> anyhow::Error {
        let code = match self {
            Origin::File(_) => Code::Config,
            _ => Code::Usage,
        };
        fail(code, format!("{}: {why}", self.named(key)))
    }
}

/// A resolved value and its origin.
#[derive(Debug, Clone)]
pub(crate) struct Set<T> {
    pub(crate) value: T,
    pub(crate) origin: Origin,
}

/// The flags a command's arguments hold, with how clap got each: `from_env`
/// lists (flag id, variable) for the values clap took from the environment.
pub(crate) struct Flags<'a> {
    pub(crate) from_env: &'a [(String, String)],
    /// The file's section, for `[daemon] key` in origins.
    pub(crate) section: &'static str,
}

impl Flags<'_> {
    /// The origin of a value clap holds for the flag `id` (`max_age`).
    pub(crate) fn of(&self, id: &str) -> Origin {
        match self.from_env.iter().find(|(i, _)| i == id) {
            Some((_, var)) => Origin::Env(var.clone()),
            None => Origin::Flag(format!("--{}", id.replace('_', "-"))),
        }
    }

    /// Flag, else file, else default: the first that holds a value.
    pub(crate) fn pick<T>(&self, id: &str, flag: Option<T>, file: Option<T>, default: T) -> Set<T> {
        match (flag, file) {
            (Some(value), _) => Set {
                value,
                origin: self.of(id),
            },
            (None, Some(value)) => Set {
                value,
                origin: Origin::File(format!("[{}] {id}", self.section)),
            },
            (None, None) => Set {
                value: default,
                origin: Origin::Default,
            },
        }
    }

    /// As [`pick`](Self::pick), for a value that may stay unset.
    pub(crate) fn maybe<T>(&self, id: &str, flag: Option<T>, file: Option<T>) -> Set<Option<T>> {
        self.pick(id, flag.map(Some), file.map(Some), None)
    }
}
