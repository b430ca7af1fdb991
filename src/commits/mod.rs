//! The commits wing: what changed in a repository, as a VCS hook reads it
//! (git; svn and hg through the same bounded runner), and irkerhook's
//! template that renders a commit into the line every back-end sends.

pub(crate) mod commit;
pub(crate) mod git;
pub(crate) mod style;
pub(crate) mod template;
pub(crate) mod vcs;
