//! Small helpers with no home of their own: `*` patterns, temp-and-rename
//! writes, the process title that hides secrets from `ps`, the one
//! duration reader.

pub(crate) mod atomic_file;
pub(crate) mod duration;
pub(crate) mod glob;
pub(crate) mod hex;
pub(crate) mod process_title;
pub(crate) mod prometheus;
pub(crate) mod shell;
