//! When a campaign may send: its quiet hours (no message leaves between
//! `from` and `to` on the wall clock of a time zone, across midnight when
//! `from` is later than `to`) and its start time, read in that zone when
//! it names no offset. Daylight saving is the zone's: a `to` that does not
//! exist on a spring-forward night is the first instant after the gap.

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A daily window in which nothing is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuietHours {
    /// Quiet from this wall-clock time.
    pub from: NaiveTime,
    /// Until this one (the next day when earlier than `from`).
    pub to: NaiveTime,
    /// Whose wall clock.
    pub zone: Tz,
}

/// Why quiet hours, a zone or a start time cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WhenError {
    /// Not an IANA zone name.
    #[error("{0:?} is not a time zone of the IANA database (such as \"Europe/Madrid\" or \"UTC\")")]
    Zone(String),
    /// Not HH:MM.
    #[error("{0:?} is not a time of day as HH:MM")]
    Time(String),
    /// From and to the same time.
    #[error("quiet hours from {0} to {0} would never send")]
    Empty(String),
    /// Not a time a campaign can start at.
    #[error(
        "{0:?} is neither RFC 3339 (2026-12-06T09:00:00+01:00) nor a local time (2026-12-06T09:00)"
    )]
    Start(String),
}

/// The zone named `name`.
pub fn zone(name: &str) -> Result<Tz, WhenError> {
    name.parse::<Tz>()
        .map_err(|_| WhenError::Zone(name.to_owned()))
}

impl QuietHours {
    /// Quiet from `from` to `to` (HH:MM) in `zone`.
    pub fn parse(from: &str, to: &str, zone: Tz) -> Result<QuietHours, WhenError> {
        let time = |text: &str| {
            NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| WhenError::Time(text.to_owned()))
        };
        let (from, to) = (time(from)?, time(to)?);
        if from == to {
            return Err(WhenError::Empty(from.format("%H:%M").to_string()));
        }
        Ok(QuietHours { from, to, zone })
    }

    /// `None` when a message may leave at `now`; otherwise the instant the
    /// quiet hours end.
    pub fn quiet_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = now.with_timezone(&self.zone).naive_local();
        let time = local.time();
        let quiet = if self.from < self.to {
            self.from <= time && time < self.to
        } else {
            time >= self.from || time < self.to
        };
        if !quiet {
            return None;
        }
        let day = if time < self.to {
            local.date()
        } else {
            local.date().succ_opt().unwrap_or(local.date())
        };
        Some(instant(self.zone, day.and_time(self.to)).max(now))
    }
}

/// `text` as a start time: RFC 3339 with its offset, or a local date and
/// time (seconds optional) in `zone`.
pub fn start_time(text: &str, zone: Tz) -> Result<DateTime<Utc>, WhenError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .map(|local| instant(zone, local))
    .ok_or_else(|| WhenError::Start(text.to_owned()))
}

/// The instant a wall-clock time in `zone` names: the earlier of two in
/// the repeated hour of autumn, the end of the gap in spring.
fn instant(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let mut probe = local;
    // A gap is at most a few hours; step over it a minute at a time.
    for _ in 0..=24 * 60 {
        match zone.from_local_datetime(&probe) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => {
                return at.with_timezone(&Utc);
            }
            LocalResult::None => probe += Duration::minutes(1),
        }
    }
    Utc.from_utc_datetime(&local)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn quiet_hours_across_midnight_in_madrid() {
        let quiet = QuietHours::parse("21:00", "09:00", zone("Europe/Madrid").unwrap()).unwrap();
        // 19:59 UTC is 20:59 in Madrid in winter: not quiet.
        assert_eq!(quiet.quiet_until(utc("2026-12-06T19:59:00Z")), None);
        // 20:00 UTC is 21:00: quiet until 09:00 Madrid the next day.
        assert_eq!(
            quiet.quiet_until(utc("2026-12-06T20:00:00Z")),
            Some(utc("2026-12-07T08:00:00Z"))
        );
        // 03:00 Madrid: until 09:00 the same day.
        assert_eq!(
            quiet.quiet_until(utc("2026-12-07T02:00:00Z")),
            Some(utc("2026-12-07T08:00:00Z"))
        );
        assert_eq!(quiet.quiet_until(utc("2026-12-07T08:00:00Z")), None);
    }

    #[test]
    fn quiet_hours_within_a_day_and_summer_time() {
        let quiet = QuietHours::parse("13:00", "15:30", zone("Europe/Madrid").unwrap()).unwrap();
        // July: UTC+2.
        assert_eq!(
            quiet.quiet_until(utc("2026-07-01T11:10:00Z")),
            Some(utc("2026-07-01T13:30:00Z"))
        );
        assert_eq!(quiet.quiet_until(utc("2026-07-01T13:30:00Z")), None);
        assert_eq!(quiet.quiet_until(utc("2026-07-01T10:59:00Z")), None);
    }

    #[test]
    fn an_end_inside_the_spring_gap_is_the_end_of_the_gap() {
        // 2026-03-29 02:00–03:00 does not exist in Madrid.
        let quiet = QuietHours::parse("01:00", "02:30", zone("Europe/Madrid").unwrap()).unwrap();
        assert_eq!(
            quiet.quiet_until(utc("2026-03-29T00:10:00Z")),
            Some(utc("2026-03-29T01:00:00Z"))
        );
    }

    #[test]
    fn bad_quiet_hours_and_zones_are_refused() {
        let madrid = zone("Europe/Madrid").unwrap();
        assert!(matches!(zone("Mars/Olympus"), Err(WhenError::Zone(_))));
        assert!(matches!(
            QuietHours::parse("25:00", "09:00", madrid),
            Err(WhenError::Time(_))
        ));
        assert!(matches!(
            QuietHours::parse("09:00", "09:00", madrid),
            Err(WhenError::Empty(_))
        ));
    }

    #[test]
    fn start_times_with_and_without_an_offset() {
        let madrid = zone("Europe/Madrid").unwrap();
        assert_eq!(
            start_time("2026-12-06T09:00:00+01:00", madrid),
            Ok(utc("2026-12-06T08:00:00Z"))
        );
        assert_eq!(
            start_time("2026-12-06T09:00", madrid),
            Ok(utc("2026-12-06T08:00:00Z"))
        );
        assert_eq!(
            start_time("2026-07-06 09:00:30", madrid),
            Ok(utc("2026-07-06T07:00:30Z"))
        );
        assert!(matches!(
            start_time("tomorrow", madrid),
            Err(WhenError::Start(_))
        ));
    }
}
