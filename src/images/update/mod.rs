//! Applying approved updates: the plan (from the scan's findings and the
//! check engine's decisions, never a second decision engine), Docker
//! containers recreated behind a health gate with automatic rollback, and
//! manifest tags rewritten in place. Each step is journaled in the state
//! database first (`state::updates`).

pub(crate) mod docker;
pub(crate) mod health;
pub(crate) mod manifest;
pub(crate) mod plan;
