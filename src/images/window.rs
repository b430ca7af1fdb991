//! Maintenance windows: when updates may be applied. `Sat,Sun 02:00-05:00
//! Europe/Berlin`: days (names, `Mon-Fri` ranges, or `daily`), a time span
//! (one crossing midnight ends the next day: `Fri 22:00-02:00`), and a
//! time zone from the system's tz database (`UTC` and the machine's local
//! time when none is named); several windows joined by `;`. Outside its
//! window an update is planned and reported, not applied.

use std::fmt;
use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// One or more spans of time each week, in one time zone.
#[derive(Clone)]
pub(crate) struct Window {
    text: String,
    spans: Vec<Span>,
    zone: TimeZone,
}

#[derive(Clone, Debug, PartialEq)]
struct Span {
    /// Monday first.
    days: [bool; 7],
    /// Minutes after midnight; `end <= start` ends on the next day.
    start: u32,
    end: u32,
}

impl fmt::Debug for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Window({:?})", self.text)
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A day by its name or its first three letters or more (`Sat`, `Saturday`).
fn day_of(word: &str) -> Option<usize> {
    let w = word.to_ascii_lowercase();
    DAYS.iter().position(|d| w.len() >= 3 && d.starts_with(&w))
}

fn minutes_of(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

impl Window {
    /// `DAYS HH:MM-HH:MM [ZONE]` (`;` between windows; one zone for all,
    /// written on the last).
    pub(crate) fn parse(text: &str) -> Result<Window, String> {
        let bad = |why: &str| format!("window {text:?}: {why}");
        let mut spans = Vec::new();
        let mut zone = None;
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let words: Vec<&str> = part.split_whitespace().collect();
            let (days, times, tz) = match words.as_slice() {
                [d, t] => (*d, *t, None),
                [d, t, z] => (*d, *t, Some(*z)),
                _ => {
                    return Err(bad(
                        "expected DAYS HH:MM-HH:MM [ZONE], like Sat,Sun 02:00-05:00 UTC",
                    ))
                }
            };
            let mut set = [false; 7];
            if matches!(
                days.to_ascii_lowercase().as_str(),
                "daily" | "*" | "mon-sun"
            ) {
                set = [true; 7];
            } else {
                for item in days.split(',') {
                    let (a, b) = item.split_once('-').unwrap_or((item, item));
                    let (a, b) = (
                        day_of(a).ok_or_else(|| bad(&format!("{a:?} is not a day (Mon..Sun)")))?,
                        day_of(b).ok_or_else(|| bad(&format!("{b:?} is not a day (Mon..Sun)")))?,
                    );
                    let mut d = a;
                    loop {
                        set[d] = true;
                        if d == b {
                            break;
                        }
                        d = (d + 1) % 7;
                    }
                }
            }
            let (s, e) = times
                .split_once('-')
                .ok_or_else(|| bad("expected a time span like 02:00-05:00"))?;
            let (start, end) = (
                minutes_of(s).ok_or_else(|| bad(&format!("{s:?} is not a time (HH:MM)")))?,
                minutes_of(e).ok_or_else(|| bad(&format!("{e:?} is not a time (HH:MM)")))?,
            );
            if start == end {
                return Err(bad("the span is empty"));
            }
            if let Some(z) = tz {
                let tz = if z.eq_ignore_ascii_case("local") {
                    TimeZone::system()
                } else {
                    TimeZone::get(z).map_err(|e| bad(&format!("time zone {z:?}: {e}")))?
                };
                zone = Some(tz);
            }
            spans.push(Span {
                days: set,
                start,
                end,
            });
        }
        if spans.is_empty() {
            return Err(bad("no window given"));
        }
        Ok(Window {
            text: text.trim().to_string(),
            spans,
            zone: zone.unwrap_or_else(TimeZone::system),
        })
    }

    /// Whether the window is open at `at`.
    pub(crate) fn is_open(&self, at: Timestamp) -> bool {
        let local = at.to_zoned_datetime(self.zone.clone());
        let day = local.weekday().to_monday_zero_offset() as usize;
        let minute = local.hour() as u32 * 60 + local.minute() as u32;
        let yesterday = (day + 6) % 7;
        self.spans.iter().any(|s| {
            if s.start < s.end {
                s.days[day] && minute >= s.start && minute < s.end
            } else {
                (s.days[day] && minute >= s.start) || (s.days[yesterday] && minute < s.end)
            }
        })
    }

    /// How long from `at` until the window next opens (zero when open);
    /// None when it never does within a week and a day (cannot happen for
    /// a parsed window, but time zones can skip hours).
    pub(crate) fn opens_in(&self, at: Timestamp) -> Option<Duration> {
        let start = at.as_second() - at.as_second().rem_euclid(60);
        (0..(8 * 24 * 60) as i64).find_map(|m| {
            let t = Timestamp::from_second(start + m * 60).ok()?;
            self.is_open(t).then(|| {
                Duration::from_secs(
                    u64::try_from((start + m * 60 - at.as_second()).max(0)).unwrap_or(0),
                )
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_weekend_night_window_in_a_zone_with_summer_time() {
        let w = Window::parse("Sat,Sun 02:00-05:00 Europe/Berlin").unwrap();
        // Saturday 2026-07-04 03:00 in Berlin is 01:00 UTC (CEST, +2).
        assert!(w.is_open(at("2026-07-04T01:00:00Z")));
        assert!(!w.is_open(at("2026-07-04T03:30:00Z"))); // 05:30 there
                                                         // In winter (CET, +1) 03:00 there is 02:00 UTC.
        assert!(w.is_open(at("2026-12-05T02:00:00Z")));
        assert!(!w.is_open(at("2026-12-04T02:00:00Z"))); // a Friday
                                                         // Friday 12:00 UTC: opens Saturday 02:00 Berlin = 01:00 UTC, 13 h on.
        assert_eq!(
            w.opens_in(at("2026-12-04T12:00:00Z")),
            Some(Duration::from_secs(13 * 3600))
        );
        assert_eq!(w.opens_in(at("2026-12-05T02:00:00Z")), Some(Duration::ZERO));
    }

    #[test]
    fn spans_across_midnight_ranges_and_several_windows() {
        let w = Window::parse("Mon-Fri 22:00-02:00; Sun 10:00-11:00 UTC").unwrap();
        assert!(w.is_open(at("2026-12-04T23:00:00Z"))); // Friday night
        assert!(w.is_open(at("2026-12-05T01:59:00Z"))); // its Saturday morning
        assert!(!w.is_open(at("2026-12-05T23:00:00Z"))); // Saturday night
        assert!(w.is_open(at("2026-12-06T10:30:00Z"))); // Sunday
        assert!(!w.is_open(at("2026-12-06T11:00:00Z")));
        let daily = Window::parse("daily 00:00-24:00 UTC").unwrap();
        assert!(daily.is_open(at("2026-12-06T23:59:00Z")));
    }

    #[test]
    fn bad_windows_say_what_is_wrong() {
        for (text, says) in [
            ("Sat 02:00", "expected"),
            ("Caturday 02:00-03:00", "not a day"),
            ("Sat 25:00-26:00", "not a time"),
            ("Sat 02:00-02:00", "empty"),
            ("Sat 02:00-03:00 Mars/Olympus", "time zone"),
            ("", "no window"),
        ] {
            let err = Window::parse(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
