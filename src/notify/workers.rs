//! Bounded threads for HTTP deliveries (Matrix, webhooks): at most `max`
//! at once and at most `per_host` to one host, so a slow or hanging
//! endpoint holds a few threads, never one per message, and never delays
//! deliveries to other hosts. The rest wait in order; a thread that
//! finishes a job takes the next one whose host has room.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub(crate) struct Workers {
    shared: Arc<Shared>,
}

struct Shared {
    max: usize,
    per_host: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    running: usize,
    by_host: HashMap<String, usize>,
    waiting: VecDeque<(String, Job)>,
}

impl State {
    fn has_room(&self, host: &str, per_host: usize) -> bool {
        self.by_host.get(host).copied().unwrap_or(0) < per_host
    }

    fn take(&mut self, host: &str) {
        *self.by_host.entry(host.to_string()).or_default() += 1;
    }

    fn release(&mut self, host: &str) {
        if let Some(n) = self.by_host.get_mut(host) {
            *n -= 1;
            if *n == 0 {
                self.by_host.remove(host);
            }
        }
    }
}

impl Workers {
    pub(crate) fn new(max: usize, per_host: usize) -> Workers {
        Workers {
            shared: Arc::new(Shared {
                max: max.max(1),
                per_host: per_host.max(1),
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// Runs `job` on a worker thread when there is room, else queues it.
    pub(crate) fn run(&self, host: &str, job: impl FnOnce() + Send + 'static) {
        let s = &self.shared;
        {
            let mut st = s.state.lock().unwrap_or_else(|p| p.into_inner());
            if st.running >= s.max || !st.has_room(host, s.per_host) {
                st.waiting.push_back((host.to_string(), Box::new(job)));
                return;
            }
            st.running += 1;
            st.take(host);
        }
        Shared::spawn(s.clone(), host.to_string(), Box::new(job));
    }

    /// Threads running and jobs waiting (for tests and metrics).
    #[cfg(test)]
    fn load(&self) -> (usize, usize) {
        let st = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
        (st.running, st.waiting.len())
    }
}

impl Shared {
    fn spawn(shared: Arc<Shared>, host: String, job: Job) {
        // Kept where a failed spawn can take it back.
        let slot = Arc::new(Mutex::new(Some((host, job))));
        let (s, taken) = (shared.clone(), slot.clone());
        let spawned = std::thread::Builder::new()
            .name("http-delivery".into())
            .spawn(move || {
                let first = taken.lock().unwrap_or_else(|p| p.into_inner()).take();
                if let Some((host, job)) = first {
                    s.work(host, job);
                }
            });
        if let Err(e) = spawned {
            log::warn!("cannot start a delivery thread ({e}): delivering on this one");
            let first = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some((host, job)) = first {
                shared.work(host, job);
            }
        }
    }

    fn work(&self, mut host: String, mut job: Job) {
        loop {
            job();
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            st.release(&host);
            let next = st
                .waiting
                .iter()
                .position(|(h, _)| st.has_room(h, self.per_host));
            match next.and_then(|i| st.waiting.remove(i)) {
                Some((h, j)) => {
                    st.take(&h);
                    (host, job) = (h, j);
                }
                None => {
                    st.running -= 1;
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    #[test]
    fn a_hanging_host_holds_its_share_and_others_still_run() {
        let w = Workers::new(8, 2);
        let (gate, opened) = (Arc::new(Mutex::new(())), Arc::new(AtomicUsize::new(0)));
        let held = gate.lock().unwrap();
        for _ in 0..20 {
            let (g, o) = (gate.clone(), opened.clone());
            w.run("slow.example", move || {
                drop(g.lock().unwrap());
                o.fetch_add(1, Ordering::SeqCst);
            });
        }
        assert_eq!(w.load(), (2, 18));
        let fast = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            let f = fast.clone();
            w.run("fast.example", move || {
                f.fetch_add(1, Ordering::SeqCst);
            });
        }
        let until = Instant::now() + Duration::from_secs(5);
        while fast.load(Ordering::SeqCst) < 3 {
            assert!(
                Instant::now() < until,
                "the fast host waited for the slow one"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(held);
        while opened.load(Ordering::SeqCst) < 20 {
            assert!(Instant::now() < until, "queued jobs never ran");
            std::thread::sleep(Duration::from_millis(5));
        }
        while w.load() != (0, 0) {
            assert!(Instant::now() < until, "{:?}", w.load());
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
