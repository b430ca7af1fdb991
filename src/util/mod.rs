//! Small helpers with no home of their own: `*` patterns, temp-and-rename
//! writes, and the process title that hides secrets from `ps`.

pub(crate) mod atomic_file;
pub(crate) mod glob;
pub(crate) mod process_title;
