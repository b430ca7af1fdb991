//! Client slots a flood cannot hold. Each listener (the irker port, the
//! HTTP side) serves at most so many connections at once, each on a thread
//! of its own; when they are all taken, a new connection takes the slot of
//! the one that has gone longest without finishing a request (an idle or
//! trickling client, not one at work), and no remote address (an IPv6
//! /64) may hold more than a quarter of the slots (local clients all share
//! the loopback address, so it is not held to that). Out of file descriptors, the accept loop
//! frees a slot and backs off instead of spinning. The slot counts come
//! from the open-file limit, raised to its hard limit at start, with room
//! kept for outgoing connections and the spool.

use std::collections::HashMap;
use std::net::{IpAddr, Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::net::backoff::Backoff;

/// File descriptors kept for everything but clients: IRC and HTTP
/// connections out, the spool, NATS, the Docker socket.
const RESERVED_FILES: u64 = 256;

/// Most irker clients at once, whatever the file limit.
pub(super) const MAX_CLIENTS: usize = 1024;

/// Most HTTP connections at once.
pub(super) const MAX_HTTP: usize = 64;

/// Raises the soft open-file limit to the hard one and shares what it
/// allows out: (irker clients, HTTP connections). Under a limit of 1 024
/// that is 704 and 64; from 1 344 files up, 1 024 and 64.
pub(super) fn budget() -> (usize, usize) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write the local struct only.
    let files = unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            1024
        } else {
            if lim.rlim_cur < lim.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: lim.rlim_max,
                    rlim_max: lim.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    lim.rlim_cur = lim.rlim_max;
                }
            }
            lim.rlim_cur
        }
    };
    shares(files)
}

/// What `files` open files allow: HTTP a quarter of what is not reserved
/// (at most 64), clients the rest, each within its maximum.
fn shares(files: u64) -> (usize, usize) {
    let free = files.saturating_sub(RESERVED_FILES) as usize;
    let http = (free / 4).clamp(4, MAX_HTTP);
    let clients = free.saturating_sub(http).clamp(8, MAX_CLIENTS);
    (clients, http)
}

/// The connections one listener serves.
pub(super) struct Slots {
    max: usize,
    name: &'static str,
    table: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    next: u64,
    open: HashMap<u64, Slot>,
}

struct Slot {
    stream: Arc<TcpStream>,
    ip: Option<IpAddr>,
    /// Accepted, or its last request finished: the oldest goes first.
    since: Instant,
}

/// A connection's hold on its slot; gives it back when dropped.
pub(super) struct Held {
    slots: Arc<Slots>,
    id: u64,
}

impl Held {
    /// A request was finished: the connection is at work, not idle.
    pub(super) fn worked(&self) {
        let mut t = self.slots.lock();
        if let Some(s) = t.open.get_mut(&self.id) {
            s.since = Instant::now();
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.slots.lock().open.remove(&self.id);
    }
}

impl Slots {
    pub(super) fn new(max: usize, name: &'static str) -> Arc<Slots> {
        Arc::new(Slots {
            max: max.max(1),
            name,
            table: Mutex::new(Table::default()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a slot for `stream`, first freeing one if its address holds
    /// a quarter of them or all are taken.
    fn take(self: &Arc<Self>, stream: &Arc<TcpStream>) -> Held {
        let ip = stream.peer_addr().ok().map(|a| crate::net::source(a.ip()));
        let mut t = self.lock();
        let per_source = (self.max / 4).max(1);
        let counted = ip.filter(|ip| !ip.is_loopback());
        let same = counted.map_or(0, |_| t.open.values().filter(|s| s.ip == ip).count());
        if same >= per_source {
            evict(&mut t, self.name, |s| s.ip == ip);
        } else if t.open.len() >= self.max {
            evict(&mut t, self.name, |_| true);
        }
        t.next += 1;
        let id = t.next;
        t.open.insert(
            id,
            Slot {
                stream: stream.clone(),
                ip,
                since: Instant::now(),
            },
        );
        Held {
            slots: self.clone(),
            id,
        }
    }

    /// Frees the oldest slot (out of files).
    fn free_one(&self) {
        evict(&mut self.lock(), self.name, |_| true);
    }

    #[cfg(test)]
    fn count(&self) -> usize {
        self.lock().open.len()
    }
}

/// Shuts the oldest connection `which` picks (its thread then ends and
/// gives the slot back) and forgets it at once.
fn evict(t: &mut Table, name: &str, which: impl Fn(&Slot) -> bool) {
    let oldest = t
        .open
        .iter()
        .filter(|(_, s)| which(s))
        .min_by_key(|(_, s)| s.since)
        .map(|(id, _)| *id);
    if let Some(slot) = oldest.and_then(|id| t.open.remove(&id)) {
        log::debug!(
            "{name}: slots taken; closing the connection idle longest ({:?})",
            slot.ip
        );
        let _ = slot.stream.shutdown(Shutdown::Both);
    }
}

/// Serves each connection `listener` accepts on a thread of its own (named
/// after the slots), within `slots`. The irker listener and the HTTP side
/// both take their clients this way.
pub(super) fn accept_each(
    listener: TcpListener,
    slots: Arc<Slots>,
    serve: impl Fn(&TcpStream, &Held) + Send + Sync + 'static,
) {
    let serve = Arc::new(serve);
    let name = slots.name;
    let mut backoff = Backoff::new(Duration::from_millis(10), Duration::from_secs(1));
    let mut logged: Option<Instant> = None;
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(s) => s,
            Err(e) => {
                let out_of_files = matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE));
                if logged.is_none_or(|t| t.elapsed() > Duration::from_secs(60)) {
                    log::warn!("accept failed ({name}): {e}");
                    logged = Some(Instant::now());
                }
                if out_of_files {
                    slots.free_one();
                }
                std::thread::sleep(backoff.next());
                continue;
            }
        };
        backoff.reset();
        let stream = Arc::new(stream);
        let held = slots.take(&stream);
        let serve = serve.clone();
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .stack_size(256 * 1024)
            .spawn(move || {
                serve(&stream, &held);
                drop(held);
            });
        if let Err(e) = spawned {
            log::error!("cannot start a {name} thread: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_keep_room_and_stay_within_their_maxima() {
        assert_eq!(shares(1024), (704, 64));
        assert_eq!(shares(1 << 20), (MAX_CLIENTS, MAX_HTTP));
        let (c, h) = shares(0);
        assert!(c >= 8 && h >= 4);
    }

    #[test]
    fn a_full_table_gives_the_oldest_slot_to_a_newcomer() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let slots = Slots::new(8, "t");
        let mut clients = Vec::new();
        let mut held = Vec::new();
        for _ in 0..12 {
            clients.push(TcpStream::connect(addr).unwrap());
            let (s, _) = listener.accept().unwrap();
            held.push(slots.take(&Arc::new(s)));
            std::thread::sleep(Duration::from_millis(2));
        }
        // Loopback clients are not held to a quarter: all 8 slots.
        assert_eq!(slots.count(), 8);
        // The first ones were shut: their client reads the end.
        use std::io::Read;
        let mut buf = [0u8; 1];
        assert_eq!(clients[0].read(&mut buf).unwrap(), 0);
        drop(held);
        assert_eq!(slots.count(), 0);
    }
}
