//! `--rate N/PERIOD` and `--rate-by`: how many requests a source may make,
//! and what counts as one source. Parsed once, when the settings are read.

/// What `--rate` counts a request against (`--rate-by`, `[daemon] rate_by`).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    clap::ValueEnum,
    serde::Deserialize,
    serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RateBy {
    #[default]
    Address,
    Prefix,
    Key,
}

/// `--rate N/PERIOD`: N requests per period per source, as `--rate-by` says.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rate {
    pub(crate) per_sec: f64,
    pub(crate) burst: f64,
    pub(crate) by: RateBy,
}

impl Rate {
    pub(crate) fn parse(s: &str, by: RateBy) -> Result<Rate, String> {
        let (n, period) = s
            .split_once('/')
            .ok_or_else(|| format!("--rate {s:?}: expected N/s, N/min or N/h"))?;
        let n: f64 = n
            .trim()
            .parse()
            .ok()
            .filter(|n: &f64| *n > 0.0 && n.is_finite())
            .ok_or_else(|| format!("--rate {s:?}: {n:?} is not a positive number"))?;
        let secs = match period.trim() {
            "s" | "sec" | "second" => 1.0,
            "m" | "min" | "minute" => 60.0,
            "h" | "hour" => 3600.0,
            p => return Err(format!("--rate {s:?}: unknown period {p:?} (s, min or h)")),
        };
        Ok(Rate {
            per_sec: n / secs,
            burst: n,
            by,
        })
    }
}
