//! UCP times ⇄ chrono: `DDMMYYHHmm` (DDT, VP) and `DDMMYYHHmmss` (SCTS,
//! DSCTS, and the SCTS in a submit's acknowledgement), in the service
//! centre's local time. UCP carries no offset, so a time is a
//! `NaiveDateTime` here; which zone it is in is the link's setting.
//!
//! Two-digit years: 90–99 are 1990–1999 and 00–89 are 2000–2089, so the
//! specification's own examples (1996) and today's traffic both read
//! right; a time outside 1990–2089 cannot be written. No clock is read.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

/// How finely a time field is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// `DDMMYYHHmm`: 10 digits (DDT, VP).
    Minutes,
    /// `DDMMYYHHmmss`: 12 digits (SCTS, DSCTS).
    Seconds,
}

impl Precision {
    /// Digits the field has.
    pub const fn digits(self) -> usize {
        match self {
            Precision::Minutes => 10,
            Precision::Seconds => 12,
        }
    }
}

/// The first year a two-digit year can stand for.
const FIRST_YEAR: i32 = 1990;
/// Two-digit years from here on are the 1990s.
const PIVOT: u32 = 90;

/// Why a field is not a UCP time, or a time cannot be written as one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// The field has the wrong number of characters.
    #[error("{actual} characters, a time here has {expected}")]
    Length {
        /// Characters the field needs: 10 or 12.
        expected: usize,
        /// Characters it has.
        actual: usize,
    },
    /// A character that is not a digit.
    #[error("a time is digits only")]
    NotDigits,
    /// The digits name no date or time (a 31st of February, hour 24).
    #[error("no such date or time")]
    NoSuchTime,
    /// The year cannot be written in two digits (1990–2089).
    #[error("year {0} is outside 1990-2089, the years two digits can stand for")]
    YearOutOfRange(i32),
}

/// The time written in `text` at `precision`.
pub fn parse(text: &[u8], precision: Precision) -> Result<NaiveDateTime, TimeError> {
    if text.len() != precision.digits() {
        return Err(TimeError::Length {
            expected: precision.digits(),
            actual: text.len(),
        });
    }
    if !text.iter().all(u8::is_ascii_digit) {
        return Err(TimeError::NotDigits);
    }
    let pair = |at: usize| {
        text.get(at..at + 2)
            .map_or(0, |d| u32::from(d[0] - b'0') * 10 + u32::from(d[1] - b'0'))
    };
    let yy = pair(4);
    let year = if yy >= PIVOT { 1900 } else { 2000 } + yy as i32;
    let seconds = match precision {
        Precision::Minutes => 0,
        Precision::Seconds => pair(10),
    };
    NaiveDate::from_ymd_opt(year, pair(2), pair(0))
        .and_then(|date| date.and_hms_opt(pair(6), pair(8), seconds))
        .ok_or(TimeError::NoSuchTime)
}

/// `at` written at `precision`; seconds are dropped for
/// [`Precision::Minutes`].
pub fn format(at: NaiveDateTime, precision: Precision) -> Result<String, TimeError> {
    let year = at.year();
    if !(FIRST_YEAR..FIRST_YEAR + 100).contains(&year) {
        return Err(TimeError::YearOutOfRange(year));
    }
    let minutes = format!(
        "{:02}{:02}{:02}{:02}{:02}",
        at.day(),
        at.month(),
        year % 100,
        at.hour(),
        at.minute()
    );
    Ok(match precision {
        Precision::Minutes => minutes,
        Precision::Seconds => format!("{minutes}{:02}", at.second()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap()
    }

    #[test]
    fn the_specifications_examples() {
        // VP of the operation 51 example, SCTS of the operation 53 example.
        assert_eq!(
            parse(b"3012961212", Precision::Minutes),
            Ok(at(1996, 12, 30, 12, 12, 0))
        );
        assert_eq!(
            parse(b"090196161057", Precision::Seconds),
            Ok(at(1996, 1, 9, 16, 10, 57))
        );
        assert_eq!(
            format(at(1996, 1, 9, 16, 10, 57), Precision::Seconds).as_deref(),
            Ok("090196161057")
        );
    }

    #[test]
    fn years_pivot_at_ninety() {
        assert_eq!(
            parse(b"0101891200", Precision::Minutes),
            Ok(at(2089, 1, 1, 12, 0, 0))
        );
        assert_eq!(
            parse(b"0101900000", Precision::Minutes),
            Ok(at(1990, 1, 1, 0, 0, 0))
        );
        assert_eq!(
            format(at(2026, 3, 7, 8, 9, 59), Precision::Minutes).as_deref(),
            Ok("0703260809")
        );
        assert_eq!(
            format(at(2090, 1, 1, 0, 0, 0), Precision::Minutes),
            Err(TimeError::YearOutOfRange(2090))
        );
        assert_eq!(
            format(at(1989, 12, 31, 0, 0, 0), Precision::Seconds),
            Err(TimeError::YearOutOfRange(1989))
        );
    }

    #[test]
    fn malformed_times_are_typed_errors() {
        assert_eq!(
            parse(b"30129612", Precision::Minutes),
            Err(TimeError::Length {
                expected: 10,
                actual: 8
            })
        );
        assert_eq!(
            parse(b"3012961212", Precision::Seconds),
            Err(TimeError::Length {
                expected: 12,
                actual: 10
            })
        );
        assert_eq!(
            parse(b"30129612 2", Precision::Minutes),
            Err(TimeError::NotDigits)
        );
        assert_eq!(
            parse(b"3002961212", Precision::Minutes),
            Err(TimeError::NoSuchTime)
        );
        assert_eq!(
            parse(b"0101962400", Precision::Minutes),
            Err(TimeError::NoSuchTime)
        );
    }
}
