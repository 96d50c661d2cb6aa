//! SMPP time (3.4 §7.1.1) ⇄ chrono, for schedule_delivery_time,
//! validity_period and final_date.
//!
//! - Absolute `YYMMDDhhmmsstnnp`: local time with tenths of a second `t`,
//!   the offset from UTC `nn` in quarter hours (00–48) and `p` = `+` (local
//!   time ahead of UTC) or `-` (behind).
//! - Relative `YYMMDDhhmmss000R`: an interval from "now"; `tnn` must be
//!   `000`.
//! - The empty string (a lone NUL on the wire) means "not given".
//!
//! Years are 20YY. No clock is read here: relative times are resolved
//! against a `now` the caller passes.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, Months, NaiveDate, NaiveDateTime, TimeZone,
    Timelike, Utc,
};

use super::pdu::EmptyOrFullCOctetString;

/// A parsed SMPP time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmppTime {
    /// A point in time, with the offset it was written in.
    Absolute(DateTime<FixedOffset>),
    /// An interval from the moment the PDU is processed.
    Relative(RelativeTime),
}

/// The fields of a relative time, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RelativeTime {
    /// `YY`: years, 00–99.
    pub years: u8,
    /// `MM`: months, 00–99 (not limited to 12).
    pub months: u8,
    /// `DD`: days, 00–99.
    pub days: u8,
    /// `hh`: hours, 00–99.
    pub hours: u8,
    /// `mm`: minutes, 00–99.
    pub minutes: u8,
    /// `ss`: seconds, 00–99.
    pub seconds: u8,
}

/// Why a string is not an SMPP time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Neither empty nor 16 octets; carries the length in characters.
    #[error("SMPP time must be 16 characters, got {0}")]
    Length(usize),
    /// A non-digit in `YYMMDDhhmmsstnn`; carries the text.
    #[error("SMPP time has a non-digit where digits belong: {0:?}")]
    NotDigits(String),
    /// The 16th character is not `+`, `-` or `R`; carries it.
    #[error("SMPP time ends in {0:?}; expected '+', '-' or 'R'")]
    BadIndicator(char),
    /// The `nn` of an absolute time is above 48 quarter hours (±12:00).
    #[error("UTC offset of {0} quarter hours is outside 00..=48")]
    BadOffset(u8),
    /// A relative time whose `tnn` is not `000`; carries those three
    /// characters.
    #[error("relative SMPP time must have \"000\" before the R, got {0:?}")]
    BadRelativeTail(String),
    /// An absolute time naming a date or time that does not exist (month 13,
    /// 30 February, hour 24); carries the text.
    #[error("no such date or time: {0:?}")]
    NoSuchTime(String),
    /// A relative time that, added to now, goes past the calendar chrono
    /// can represent.
    #[error("relative time {0:?} overflows the calendar")]
    Overflow(RelativeTime),
}

/// Parse the text of an SMPP time field. `Ok(None)` for the empty string.
pub fn parse(text: &str) -> Result<Option<SmppTime>, TimeError> {
    if text.is_empty() {
        return Ok(None);
    }
    let bytes = text.as_bytes();
    let [
        y0,
        y1,
        mo0,
        mo1,
        d0,
        d1,
        h0,
        h1,
        mi0,
        mi1,
        s0,
        s1,
        t,
        n0,
        n1,
        p,
    ] = *bytes
    else {
        return Err(TimeError::Length(text.chars().count()));
    };
    let pair = |a: u8, b: u8| -> Result<u8, TimeError> {
        if a.is_ascii_digit() && b.is_ascii_digit() {
            Ok((a - b'0') * 10 + (b - b'0'))
        } else {
            Err(TimeError::NotDigits(text.to_owned()))
        }
    };
    let (years, months, days) = (pair(y0, y1)?, pair(mo0, mo1)?, pair(d0, d1)?);
    let (hours, minutes, seconds) = (pair(h0, h1)?, pair(mi0, mi1)?, pair(s0, s1)?);
    if !t.is_ascii_digit() {
        return Err(TimeError::NotDigits(text.to_owned()));
    }
    let quarters = pair(n0, n1)?;
    match p {
        b'R' => {
            if t != b'0' || quarters != 0 {
                return Err(TimeError::BadRelativeTail(
                    text.get(12..15).unwrap_or_default().to_owned(),
                ));
            }
            Ok(Some(SmppTime::Relative(RelativeTime {
                years,
                months,
                days,
                hours,
                minutes,
                seconds,
            })))
        }
        b'+' | b'-' => {
            if quarters > 48 {
                return Err(TimeError::BadOffset(quarters));
            }
            let offset_secs = i32::from(quarters) * 15 * 60;
            let offset = if p == b'+' {
                FixedOffset::east_opt(offset_secs)
            } else {
                FixedOffset::west_opt(offset_secs)
            }
            .ok_or(TimeError::BadOffset(quarters))?;
            let no_such = || TimeError::NoSuchTime(text.to_owned());
            let date = NaiveDate::from_ymd_opt(
                2000 + i32::from(years),
                u32::from(months),
                u32::from(days),
            )
            .ok_or_else(no_such)?;
            let local = date
                .and_hms_milli_opt(
                    u32::from(hours),
                    u32::from(minutes),
                    u32::from(seconds),
                    u32::from(t - b'0') * 100,
                )
                .ok_or_else(no_such)?;
            let at = offset
                .from_local_datetime(&local)
                .single()
                .ok_or_else(no_such)?;
            Ok(Some(SmppTime::Absolute(at)))
        }
        other => Err(TimeError::BadIndicator(char::from(other))),
    }
}

impl SmppTime {
    /// The UTC instant this time designates; relative times count from `now`.
    pub fn resolve(&self, now: DateTime<Utc>) -> Result<DateTime<Utc>, TimeError> {
        match self {
            SmppTime::Absolute(at) => Ok(at.with_timezone(&Utc)),
            SmppTime::Relative(rel) => {
                let overflow = || TimeError::Overflow(*rel);
                let months = u32::from(rel.years) * 12 + u32::from(rel.months);
                let span = Duration::days(i64::from(rel.days))
                    + Duration::hours(i64::from(rel.hours))
                    + Duration::minutes(i64::from(rel.minutes))
                    + Duration::seconds(i64::from(rel.seconds));
                now.checked_add_months(Months::new(months))
                    .and_then(|t| t.checked_add_signed(span))
                    .ok_or_else(overflow)
            }
        }
    }

    /// The 16-character SMPP text.
    pub fn format(&self) -> String {
        match self {
            SmppTime::Absolute(at) => {
                // The field holds offsets up to 48 quarter hours (±12:00);
                // write anything further out (UTC+13, +14) in UTC instead.
                let at = if at.offset().local_minus_utc().unsigned_abs() > 48 * 15 * 60 {
                    at.with_timezone(&Utc).fixed_offset()
                } else {
                    *at
                };
                let offset = at.offset().local_minus_utc();
                let sign = if offset < 0 { '-' } else { '+' };
                let quarters = offset.unsigned_abs() / (15 * 60);
                let tenths = at.nanosecond() % 1_000_000_000 / 100_000_000;
                format!(
                    "{:02}{:02}{:02}{:02}{:02}{:02}{}{:02}{}",
                    at.year().rem_euclid(100),
                    at.month(),
                    at.day(),
                    at.hour(),
                    at.minute(),
                    at.second(),
                    tenths,
                    quarters,
                    sign
                )
            }
            SmppTime::Relative(rel) => format!(
                "{:02}{:02}{:02}{:02}{:02}{:02}000R",
                rel.years, rel.months, rel.days, rel.hours, rel.minutes, rel.seconds
            ),
        }
    }
}

/// An absolute SMPP time for a UTC instant (written with offset `00+`).
pub fn absolute(at: DateTime<Utc>) -> SmppTime {
    SmppTime::Absolute(at.fixed_offset())
}

/// Read a PDU time field.
pub fn from_field(field: &EmptyOrFullCOctetString<17>) -> Result<Option<SmppTime>, TimeError> {
    parse(field.as_str())
}

/// Write a PDU time field; `None` is the empty field.
pub fn to_field(time: Option<&SmppTime>) -> EmptyOrFullCOctetString<17> {
    match time {
        None => EmptyOrFullCOctetString::empty(),
        // `format` always yields 16 ASCII characters, so the conversion
        // cannot fail; fall back to "not given" rather than panic regardless.
        Some(time) => EmptyOrFullCOctetString::from_string(time.format())
            .unwrap_or_else(|_| EmptyOrFullCOctetString::empty()),
    }
}

/// The receipt date format `YYMMDDhhmm` (SPEC §3) for a naive timestamp.
pub fn receipt_date(at: NaiveDateTime) -> String {
    format!(
        "{:02}{:02}{:02}{:02}{:02}",
        at.year().rem_euclid(100),
        at.month(),
        at.day(),
        at.hour(),
        at.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
            .single()
            .expect("valid test date")
    }

    #[test]
    fn absolute_with_positive_offset() {
        // 2024-03-05 14:30:15.7 at UTC+01:00 (4 quarter hours ahead).
        let time = parse("240305143015704+").expect("valid").expect("given");
        assert_eq!(
            time.resolve(utc(2000, 1, 1, 0, 0, 0)).expect("absolute"),
            utc(2024, 3, 5, 13, 30, 15) + Duration::milliseconds(700)
        );
        assert_eq!(time.format(), "240305143015704+");
    }

    #[test]
    fn absolute_with_negative_offset_and_zero_offset() {
        let time = parse("991231235959020-").expect("valid").expect("given");
        // 23:59:59 at UTC-05:00 (20 quarter hours behind) is 04:59:59 UTC
        // the next day, and the next century.
        assert_eq!(
            time.resolve(utc(2000, 1, 1, 0, 0, 0)).expect("absolute"),
            utc(2100, 1, 1, 4, 59, 59)
        );
        let utc_time = absolute(utc(2025, 7, 1, 8, 0, 0));
        assert_eq!(utc_time.format(), "250701080000000+");
    }

    #[test]
    fn relative_resolves_against_now() {
        let time = parse("000102030405000R").expect("valid").expect("given");
        assert_eq!(
            time,
            SmppTime::Relative(RelativeTime {
                years: 0,
                months: 1,
                days: 2,
                hours: 3,
                minutes: 4,
                seconds: 5
            })
        );
        assert_eq!(
            time.resolve(utc(2024, 1, 31, 0, 0, 0)).expect("fits"),
            // 31 Jan + 1 month clamps to 29 Feb (leap year), then +2d 3h 4m 5s.
            utc(2024, 3, 2, 3, 4, 5)
        );
        assert_eq!(time.format(), "000102030405000R");
    }

    #[test]
    fn offsets_beyond_twelve_hours_are_written_in_utc() {
        let kiribati = FixedOffset::east_opt(14 * 3600).expect("valid offset");
        let at = kiribati
            .with_ymd_and_hms(2024, 1, 1, 10, 0, 0)
            .single()
            .expect("valid");
        let text = SmppTime::Absolute(at).format();
        assert_eq!(text, "231231200000000+");
        let back = parse(&text).expect("parses").expect("given");
        assert_eq!(
            back.resolve(utc(2000, 1, 1, 0, 0, 0)),
            Ok(at.with_timezone(&Utc))
        );
    }

    #[test]
    fn empty_is_none() {
        assert_eq!(parse(""), Ok(None));
        assert_eq!(from_field(&EmptyOrFullCOctetString::empty()), Ok(None));
        assert_eq!(to_field(None), EmptyOrFullCOctetString::empty());
    }

    #[test]
    fn garbage_is_a_typed_error() {
        assert_eq!(parse("2403051430"), Err(TimeError::Length(10)));
        assert!(matches!(
            parse("24030514301570+x"),
            Err(TimeError::NotDigits(_))
        ));
        assert_eq!(parse("240305143015704*"), Err(TimeError::BadIndicator('*')));
        assert_eq!(parse("240305143015749+"), Err(TimeError::BadOffset(49)));
        assert!(matches!(
            parse("241305143015704+"),
            Err(TimeError::NoSuchTime(_))
        ));
        assert!(matches!(
            parse("240230143015704+"),
            Err(TimeError::NoSuchTime(_))
        ));
        assert!(matches!(
            parse("240305253015704+"),
            Err(TimeError::NoSuchTime(_))
        ));
        assert_eq!(
            parse("000001000000100R"),
            Err(TimeError::BadRelativeTail("100".into()))
        );
        assert_eq!(parse("ñ"), Err(TimeError::Length(1)));
    }

    #[test]
    fn field_round_trip() {
        let time = parse("000000010000000R").expect("valid").expect("given");
        let field = to_field(Some(&time));
        assert_eq!(field.as_str(), "000000010000000R");
        assert_eq!(from_field(&field), Ok(Some(time)));
    }

    #[test]
    fn receipt_dates_have_ten_digits() {
        let at = utc(2024, 3, 5, 14, 30, 59).naive_utc();
        assert_eq!(receipt_date(at), "2403051430");
    }
}
