//! The reading half of a connection: a thread that turns the server's
//! lines into events on the worker's channel.

use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc::Sender;

use super::Event;

pub(super) fn spawn_reader(reader: Box<dyn Read + Send>, tx: Sender<Event>, generation: u64) {
    let spawned = std::thread::Builder::new()
        .name("irc-reader".into())
        .spawn(move || {
            let mut reader = BufReader::new(reader);
            let mut buf = Vec::with_capacity(512);
            loop {
                buf.clear();
                match reader.by_ref().take(65536).read_until(b'\n', &mut buf) {
                    Ok(0) => {
                        let _ = tx.send(Event::Closed(generation, String::new()));
                        return;
                    }
                    Ok(_) => {
                        let line = String::from_utf8_lossy(&buf)
                            .trim_end_matches(['\r', '\n'])
                            .to_string();
                        if tx.send(Event::Line(generation, line)).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Event::Closed(generation, format!(": {e}")));
                        return;
                    }
                }
            }
        });
    if let Err(e) = spawned {
        log::error!("cannot start a reader thread: {e}");
    }
}
