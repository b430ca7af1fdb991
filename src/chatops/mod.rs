//! The chatops wing: running operations tools from chat and scripts. The
//! Semaphore UI client lives here (`vext semaphore` uses it); the daemon's
//! Matrix bot will.

pub(crate) mod bot;
pub(crate) mod semaphore;
