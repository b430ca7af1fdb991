//! The Prometheus text format (exposition format 0.0.4), written one way
//! for the daemon's `/metrics`, `vext update --metrics-file` and `vext
//! check --metrics-file`: a family's `# HELP`/`# TYPE` header, then its
//! samples.

use std::fmt::{Display, Write as _};

#[derive(Debug, Default)]
pub(crate) struct Text(String);

impl Text {
    /// The header of a family: `kind` is counter, gauge or histogram.
    pub(crate) fn family(&mut self, name: &str, kind: &str, help: &str) -> &mut Self {
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
        self
    }

    /// One sample: `labels` as (name, value) pairs, none for a bare metric.
    pub(crate) fn sample(
        &mut self,
        name: &str,
        labels: &[(&str, &str)],
        value: impl Display,
    ) -> &mut Self {
        self.0.push_str(name);
        if !labels.is_empty() {
            let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
            let _ = write!(self.0, "{{{}}}", inner.join(","));
        }
        let _ = writeln!(self.0, " {value}");
        self
    }

    /// A family of one bare sample.
    pub(crate) fn metric(
        &mut self,
        name: &str,
        kind: &str,
        help: &str,
        value: impl Display,
    ) -> &mut Self {
        self.family(name, kind, help).sample(name, &[], value)
    }

    /// A histogram: `buckets` as (upper bound, observations at or below it).
    pub(crate) fn histogram(
        &mut self,
        name: &str,
        help: &str,
        buckets: impl IntoIterator<Item = (f64, u64)>,
        count: u64,
        sum: impl Display,
    ) -> &mut Self {
        self.family(name, "histogram", help);
        let bucket = format!("{name}_bucket");
        for (le, n) in buckets {
            self.sample(&bucket, &[("le", &le.to_string())], n);
        }
        self.sample(&bucket, &[("le", "+Inf")], count)
            .sample(&format!("{name}_sum"), &[], sum)
            .sample(&format!("{name}_count"), &[], count)
    }

    pub(crate) fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_samples_and_histograms_read_as_prometheus_writes_them() {
        let mut t = Text::default();
        t.metric("a_total", "counter", "As.", 3)
            .family("b", "gauge", "Bs.")
            .sample("b", &[("kind", "irc")], 1)
            .histogram("c_seconds", "Cs.", [(0.5, 1), (1.0, 2)], 2, 1.25);
        assert_eq!(
            t.into_string(),
            "# HELP a_total As.\n# TYPE a_total counter\na_total 3\n\
             # HELP b Bs.\n# TYPE b gauge\nb{kind=\"irc\"} 1\n\
             # HELP c_seconds Cs.\n# TYPE c_seconds histogram\n\
             c_seconds_bucket{le=\"0.5\"} 1\nc_seconds_bucket{le=\"1\"} 2\nc_seconds_bucket{le=\"+Inf\"} 2\n\
             c_seconds_sum 1.25\nc_seconds_count 2\n"
        );
    }
}
