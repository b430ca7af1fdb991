//! The state floor: the SQLite database in the state dir and the small APIs
//! over it (the daemon's spool, the check memory, the update journal).

pub(crate) mod checks;
pub(crate) mod db;
pub(crate) mod dir;
pub(crate) mod kv;
pub(crate) mod outbox;
pub(crate) mod salvage;
pub(crate) mod spool;
pub(crate) mod updates;
