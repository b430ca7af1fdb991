//! The `safe_updater_*` metrics operators of safe auto-updaters alert on:
//! counters and histograms summed over runs (the daemon's schedule) and
//! gauges from the latest run, in the Prometheus text format that the
//! daemon's `/metrics` and `vext update --metrics-file` both serve.

use super::run::Run;
use crate::util::prometheus::Text;

/// Upper bounds of the duration histograms' buckets, in seconds.
const BUCKETS: [f64; 9] = [0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0];

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Observations at or below each bound of [`BUCKETS`].
    le: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, v: f64) {
        for (n, b) in self.le.iter_mut().zip(BUCKETS) {
            if v <= b {
                *n += 1;
            }
        }
        self.count += 1;
        self.sum += v;
    }

    fn render(&self, t: &mut Text, name: &str, help: &str) {
        let buckets = BUCKETS.into_iter().zip(self.le.iter().copied());
        t.histogram(name, help, buckets, self.count, format!("{:.3}", self.sum));
    }
}

/// Everything the metrics say, as runs add to it.
#[derive(Debug, Default, Clone)]
pub(crate) struct Totals {
    scans: u64,
    attempted: u64,
    succeeded: u64,
    failed: u64,
    rollbacks: u64,
    tracked: usize,
    pending: usize,
    failed_health: usize,
    update_seconds: Histogram,
    health_seconds: Histogram,
    scan_seconds: Histogram,
}

impl Totals {
    /// Adds one run (a plan or a recovery alone adds nothing).
    pub(crate) fn record(&mut self, run: &Run) {
        let count = |r: &str| run.done.iter().filter(|d| d.result == r).count();
        let acted = run.done.iter().filter(|d| d.result != "skipped");
        self.scans += 1;
        self.attempted += acted.clone().count() as u64;
        self.succeeded += count("applied") as u64;
        self.failed += (count("failed") + count("rolled_back")) as u64;
        self.rollbacks += count("rolled_back") as u64;
        self.tracked = run.tracked;
        self.pending = run.planned.len().saturating_sub(count("applied"));
        self.failed_health = count("rolled_back");
        for d in acted {
            self.update_seconds.observe(d.seconds);
            if let Some(g) = d.gate_seconds {
                self.health_seconds.observe(g);
            }
        }
        self.scan_seconds.observe(run.scan_seconds);
    }

    /// The Prometheus text format.
    pub(crate) fn render(&self) -> String {
        let mut t = Text::default();
        let mut metric = |name: &str, kind: &str, help: &str, value: u64| {
            t.metric(name, kind, help, value);
        };
        metric(
            "safe_updater_scans_total",
            "counter",
            "Scans run.",
            self.scans,
        );
        metric(
            "safe_updater_updates_attempted_total",
            "counter",
            "Updates attempted.",
            self.attempted,
        );
        metric(
            "safe_updater_updates_succeeded_total",
            "counter",
            "Updates applied and healthy.",
            self.succeeded,
        );
        metric(
            "safe_updater_updates_failed_total",
            "counter",
            "Updates that failed or were rolled back.",
            self.failed,
        );
        metric(
            "safe_updater_rollbacks_total",
            "counter",
            "Updates rolled back.",
            self.rollbacks,
        );
        metric(
            "safe_updater_assets_tracked",
            "gauge",
            "Workloads found by the latest scan.",
            self.tracked as u64,
        );
        metric(
            "safe_updater_pending_updates",
            "gauge",
            "Approved updates the latest run did not apply.",
            self.pending as u64,
        );
        metric(
            "safe_updater_failed_health_checks",
            "gauge",
            "Updates whose health gate failed in the latest run.",
            self.failed_health as u64,
        );
        self.update_seconds.render(
            &mut t,
            "safe_updater_update_duration_seconds",
            "Time to apply one update, health gate included.",
        );
        self.health_seconds.render(
            &mut t,
            "safe_updater_health_check_duration_seconds",
            "Time the health gate took (included in the update's).",
        );
        self.scan_seconds.render(
            &mut t,
            "safe_updater_scan_duration_seconds",
            "Time to find workloads and check their registries.",
        );
        t.into_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative() {
        let mut h = Histogram::default();
        h.observe(0.3);
        h.observe(20.0);
        let mut text = Text::default();
        h.render(&mut text, "x", "X.");
        let t = text.into_string();
        assert!(t.contains("x_bucket{le=\"0.1\"} 0\n"), "{t}");
        assert!(t.contains("x_bucket{le=\"0.5\"} 1\n"), "{t}");
        assert!(t.contains("x_bucket{le=\"30\"} 2\n"), "{t}");
        assert!(
            t.contains("x_bucket{le=\"+Inf\"} 2\nx_sum 20.300\nx_count 2\n"),
            "{t}"
        );
    }
}
