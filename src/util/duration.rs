//! One reading of a duration for flags, the environment and the config
//! file alike: plain seconds (`90`, `1.5`) or a humantime span (`30s`,
//! `1m 30s`, `24h`, `7d`). Negative, infinite or absurd values are errors,
//! never a panic.

use std::time::Duration;

/// The longest duration taken (about 31 700 years): beyond it is a typo.
const MAX_SECS: f64 = 1e12;

pub(crate) fn parse(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if let Ok(secs) = t.parse::<f64>() {
        return from_secs(secs).map_err(|e| format!("{s:?}: {e}"));
    }
    humantime::parse_duration(t)
        .map_err(|e| format!("{s:?}: {e} (a number of seconds, or like 30s, 90m, 24h, 7d)"))
}

/// A number of seconds as a duration, if it is one.
pub(crate) fn from_secs(secs: f64) -> Result<Duration, String> {
    if secs.is_finite() && (0.0..MAX_SECS).contains(&secs) {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(format!("{secs}: expected a duration of 0 or more"))
    }
}

/// `#[serde(default, with = "crate::util::duration::optional")]`: a config
/// key holding a duration, read as [`parse`] reads one (a number of seconds
/// or a span in a string) and written back as a number of seconds.
pub(crate) mod optional {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Number(f64),
        Text(String),
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        let parsed = match Option::<Given>::deserialize(d)? {
            None => return Ok(None),
            Some(Given::Number(n)) => super::from_secs(n),
            Some(Given::Text(t)) => super::parse(&t),
        };
        parsed.map(Some).map_err(serde::de::Error::custom)
    }

    #[allow(clippy::ref_option)] // serde's `with` hands the field over by reference
    pub(crate) fn serialize<S: Serializer>(v: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            None => s.serialize_none(),
            Some(d) if d.subsec_nanos() == 0 => s.serialize_u64(d.as_secs()),
            Some(d) => s.serialize_f64(d.as_secs_f64()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_spans_read_alike() {
        assert_eq!(parse("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse(" 1.5 "), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("1m 30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("7d"), Ok(Duration::from_secs(7 * 86_400)));
        for bad in ["-1", "inf", "NaN", "1e300", "", "soon", "3 parsecs"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
