//! Integration tests: the built binary against real servers on loopback.

mod support;

mod daemon;
mod send;
