//! Counters for `/metrics`, in Prometheus text format.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;

use crate::images::update::metrics::Totals;
use crate::images::update::run::Run;
use crate::util::prometheus::Text;

/// Upper bounds (seconds) of the delivery-latency histogram buckets.
const BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];

#[derive(Default)]
pub(crate) struct Metrics {
    pub(crate) received: AtomicU64,
    delivered: Mutex<BTreeMap<&'static str, u64>>,
    failed: Mutex<BTreeMap<&'static str, u64>>,
    rejected: Mutex<BTreeMap<&'static str, u64>>,
    /// Deliveries not yet delivered or failed.
    pub(crate) queue_depth: AtomicI64,
    /// Of those, handed to the delivery layer (held in memory).
    pub(crate) in_memory: AtomicI64,
    /// Of those, parked in the spool behind a route's full window.
    pub(crate) parked: AtomicI64,
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    /// With scheduled updates: the safe_updater_* metrics.
    updates: Mutex<Option<Totals>>,
}

fn bump(map: &Mutex<BTreeMap<&'static str, u64>>, key: &'static str) {
    let mut m = map.lock().unwrap_or_else(|p| p.into_inner());
    *m.entry(key).or_default() += 1;
}

impl Metrics {
    /// Shows the safe_updater_* metrics (zero until the first run).
    pub(crate) fn track_updates(&self) {
        self.updates
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert_with(Totals::default);
    }

    pub(crate) fn record_updates(&self, run: &Run) {
        self.updates
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert_with(Totals::default)
            .record(run);
    }

    pub(crate) fn delivered(&self, kind: &'static str, latency_secs: f64) {
        bump(&self.delivered, kind);
        for (i, le) in BUCKETS.iter().enumerate() {
            if latency_secs <= *le {
                self.latency_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros
            .fetch_add((latency_secs.max(0.0) * 1e6) as u64, Ordering::Relaxed);
    }

    pub(crate) fn failed(&self, kind: &'static str) {
        bump(&self.failed, kind);
    }

    pub(crate) fn rejected(&self, reason: &'static str) {
        bump(&self.rejected, reason);
    }

    pub(crate) fn render(&self, irc_connections: usize) -> String {
        let mut t = Text::default();
        t.metric(
            "vext_notifications_received_total",
            "counter",
            "Notifications accepted and stored.",
            self.received.load(Ordering::Relaxed),
        );
        for (name, help, map, label) in [
            (
                "vext_notifications_delivered_total",
                "Deliveries confirmed, by target kind.",
                &self.delivered,
                "kind",
            ),
            (
                "vext_notifications_failed_total",
                "Deliveries given up, by target kind.",
                &self.failed,
                "kind",
            ),
            (
                "vext_requests_rejected_total",
                "Requests refused, by reason.",
                &self.rejected,
                "reason",
            ),
        ] {
            t.family(name, "counter", help);
            let m = map.lock().unwrap_or_else(|p| p.into_inner());
            if m.is_empty() && label == "kind" {
                t.sample(name, &[("kind", "irc")], 0);
            }
            for (k, v) in m.iter() {
                t.sample(name, &[(label, k)], v);
            }
        }
        for (name, help, value) in [
            (
                "vext_queue_depth",
                "Deliveries waiting or in flight.",
                self.queue_depth.load(Ordering::Relaxed),
            ),
            (
                "vext_deliveries_in_memory",
                "Deliveries handed to the delivery layer and not yet answered.",
                self.in_memory.load(Ordering::Relaxed),
            ),
            (
                "vext_deliveries_parked",
                "Deliveries waiting in the spool behind a route's full window.",
                self.parked.load(Ordering::Relaxed),
            ),
            (
                "vext_irc_connections_active",
                "Open IRC connections.",
                irc_connections as i64,
            ),
        ] {
            t.metric(name, "gauge", help, value.max(0));
        }
        let buckets = BUCKETS
            .iter()
            .zip(&self.latency_buckets)
            .map(|(le, n)| (*le, n.load(Ordering::Relaxed)));
        t.histogram(
            "vext_delivery_latency_seconds",
            "Time from acceptance to confirmed delivery.",
            buckets,
            self.latency_count.load(Ordering::Relaxed),
            self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6,
        );
        let mut out = t.into_string();
        if let Some(u) = &*self.updates.lock().unwrap_or_else(|p| p.into_inner()) {
            out.push_str(&u.render());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let m = Metrics::default();
        m.received.fetch_add(3, Ordering::Relaxed);
        m.delivered("irc", 0.003);
        m.delivered("irc", 0.7);
        m.rejected("bad_signature");
        let text = m.render(2);
        assert!(text.contains("vext_notifications_received_total 3\n"));
        assert!(text.contains("vext_notifications_delivered_total{kind=\"irc\"} 2\n"));
        assert!(text.contains("vext_requests_rejected_total{reason=\"bad_signature\"} 1\n"));
        assert!(text.contains("vext_delivery_latency_seconds_bucket{le=\"0.005\"} 1\n"));
        assert!(text.contains("vext_delivery_latency_seconds_bucket{le=\"1\"} 2\n"));
        assert!(text.contains("vext_delivery_latency_seconds_count 2\n"));
        assert!(text.contains("vext_irc_connections_active 2\n"));
    }
}
