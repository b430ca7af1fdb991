//! The state floor: the SQLite database in the state dir and the small APIs
//! over it (the daemon's spool, the check memory).

pub(crate) mod spool;
