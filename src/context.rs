//! What every command gets besides its own arguments: the loaded config
//! file and where it came from.

use std::path::PathBuf;

use crate::config::Config;

pub(crate) struct Context {
    pub(crate) config: Config,
    pub(crate) config_path: Option<PathBuf>,
    /// What the config file holds without effect (irkerd's INI keys).
    pub(crate) config_notes: Vec<String>,
}
