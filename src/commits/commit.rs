//! One commit, as every VCS reader gives it to the message template.

#[derive(Debug, Clone, Default)]
pub(crate) struct CommitData {
    pub(crate) hash: String,
    pub(crate) short: String,
    pub(crate) author_name: String,
    pub(crate) mail: String,
    pub(crate) subject: String,
    pub(crate) author_date: String,
    pub(crate) commit_date: String,
    pub(crate) files: Vec<String>,
    /// `git describe` output, when a tag is reachable.
    pub(crate) describe: Option<String>,
    /// The revision as shown, when the VCS decides it (svn `r12`, hg `3:abc`).
    pub(crate) rev: Option<String>,
    /// The commit's page, when its source gives one (a forge's payload);
    /// otherwise the URL preset makes it.
    pub(crate) url: Option<String>,
}
