//! What a session's worker thread is told: jobs from the pool, lines and
//! endings from its reading thread, and QUIT.

use crate::notify::irc::Job;

pub(crate) enum Event {
    Job(Job),
    /// A line from the server, tagged with the session it came from.
    Line(u64, String),
    /// The server side closed (or the read failed).
    Closed(u64, String),
    /// Send QUIT with this reason and end.
    Quit(String),
}
