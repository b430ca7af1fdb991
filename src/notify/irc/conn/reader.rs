//! The reading half of a connection: a thread that turns the server's
//! lines into events on the worker's channel, within bounds a hostile
//! server cannot push past. A line is at most [`MAX_LINE`] bytes (longer
//! ones are dropped as they arrive, never buffered whole), and at most
//! [`MAX_QUEUED`] bytes of lines wait for the worker: beyond that the
//! reader stops reading, and the server's writes back up into its own
//! socket (TCP's flow control), however fast it floods or however long
//! the worker is busy writing to a server that does not read.

use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex};

use super::event::Event;

/// The longest line taken from a server: IRCv3 message tags (8 191 bytes)
/// and the 512 bytes of the message itself.
pub(super) const MAX_LINE: usize = 8191 + 512;

/// The most bytes of lines (each counted with [`LINE_COST`]) waiting for
/// the worker per connection.
const MAX_QUEUED: usize = 128 * 1024;

/// What a queued line costs beyond its bytes (the allocation and the
/// event around it), so that a flood of tiny lines is bounded too.
const LINE_COST: usize = 64;

/// What a connection's reader may still queue; the worker gives back what
/// it has taken, and closes it when the session ends.
pub(super) struct Gate {
    state: Mutex<(usize, bool)>,
    room: Condvar,
}

impl Gate {
    pub(super) fn new() -> Arc<Gate> {
        Arc::new(Gate {
            state: Mutex::new((0, false)),
            room: Condvar::new(),
        })
    }

    /// Waits for room for `line`; false once the gate is closed.
    fn enter(&self, line: &str) -> bool {
        let cost = cost(line);
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while !g.1 && g.0 > 0 && g.0 + cost > MAX_QUEUED {
            g = self.room.wait(g).unwrap_or_else(|p| p.into_inner());
        }
        if g.1 {
            return false;
        }
        g.0 += cost;
        true
    }

    /// The worker took `line` off the channel.
    pub(super) fn taken(&self, line: &str) {
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        g.0 = g.0.saturating_sub(cost(line));
        self.room.notify_one();
    }

    /// The session is over: the reader stops at its next line.
    pub(super) fn close(&self) {
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        g.1 = true;
        self.room.notify_all();
    }
}

fn cost(line: &str) -> usize {
    line.len() + LINE_COST
}

pub(super) fn spawn_reader(
    reader: Box<dyn Read + Send>,
    tx: Sender<Event>,
    generation: u64,
    gate: Arc<Gate>,
) {
    let spawned = std::thread::Builder::new()
        .name("irc-reader".into())
        .spawn(move || {
            let why = read_lines(BufReader::new(reader), |line| {
                gate.enter(&line) && tx.send(Event::Line(generation, line)).is_ok()
            });
            if let Some(why) = why {
                let _ = tx.send(Event::Closed(generation, why));
            }
        });
    if let Err(e) = spawned {
        log::error!("cannot start a reader thread: {e}");
    }
}

/// Hands each line (without its CR LF, lossily decoded) to `take` until
/// the stream ends or `take` says stop. Some(why) when the stream ended
/// ("" at its end, ": error" on a failed read); None when told to stop.
fn read_lines(mut reader: impl BufRead, mut take: impl FnMut(String) -> bool) -> Option<String> {
    let mut line: Vec<u8> = Vec::with_capacity(512);
    let mut overlong = false;
    loop {
        let buf = match reader.fill_buf() {
            Ok([]) => return Some(String::new()),
            Ok(b) => b,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Some(format!(": {e}")),
        };
        let (part, end) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if !overlong && line.len() + part.len() <= MAX_LINE {
            line.extend_from_slice(part);
        } else if !overlong {
            overlong = true;
            line.clear();
            log::debug!("dropping a server line longer than {MAX_LINE} bytes");
        }
        let used = end.unwrap_or(buf.len());
        reader.consume(used);
        if end.is_none() {
            continue;
        }
        if !std::mem::take(&mut overlong) {
            let text = String::from_utf8_lossy(&line)
                .trim_end_matches(['\r', '\n'])
                .to_string();
            if !take(text) {
                return None;
            }
        }
        line.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(input: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        read_lines(std::io::BufReader::with_capacity(7, input), |l| {
            out.push(l);
            true
        });
        out
    }

    #[test]
    fn lines_are_cut_at_newlines_and_overlong_ones_dropped_whole() {
        assert_eq!(lines_of(b"PING :a\r\nPING :b\n:c"), ["PING :a", "PING :b"]);
        let mut huge = vec![b'x'; MAX_LINE + 1];
        huge.extend_from_slice(b"\r\nafter\r\n");
        assert_eq!(lines_of(&huge), ["after"]);
        let mut fits = vec![b'y'; MAX_LINE];
        fits.extend_from_slice(b"\n");
        assert_eq!(lines_of(&fits)[0].len(), MAX_LINE);
        assert_eq!(lines_of(b"\xff\xfe ok\n"), ["\u{fffd}\u{fffd} ok"]);
    }

    #[test]
    fn the_gate_holds_a_bounded_number_of_bytes() {
        let gate = Gate::new();
        let line = "z".repeat(1000);
        let mut entered = 0;
        let (tx, rx) = std::sync::mpsc::channel();
        let g = gate.clone();
        let l = line.clone();
        std::thread::spawn(move || {
            while g.enter(&l) {
                let _ = tx.send(());
            }
        });
        while rx
            .recv_timeout(std::time::Duration::from_millis(200))
            .is_ok()
        {
            entered += 1;
        }
        assert_eq!(entered, MAX_QUEUED / cost(&line), "stopped at the bound");
        gate.taken(&line);
        assert!(rx.recv_timeout(std::time::Duration::from_secs(5)).is_ok());
        gate.close();
    }
}
