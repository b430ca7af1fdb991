//! The commands: one module per subcommand. Each turns its arguments and
//! the config into settings (resolved once, in `settings`), calls a wing's
//! façade, and prints the result. Only `main` imports this room, and no
//! command calls another's module.

pub(crate) mod check;
pub(crate) mod config;
pub(crate) mod daemon;
pub(crate) mod forge;
pub(crate) mod generate;
pub(crate) mod history;
pub(crate) mod hook;
pub(crate) mod nats_status;
pub(crate) mod scan;
pub(crate) mod semaphore;
pub(crate) mod send;
pub(crate) mod update;
