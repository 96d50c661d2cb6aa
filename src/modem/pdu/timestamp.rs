//! TP-Service-Centre-Time-Stamp (3GPP TS 23.040 §9.2.3.11), also the
//! layout of TP-Discharge-Time and of an absolute TP-VP: seven octets of
//! swapped decimal semi-octets, year, month, day, hour, minute, second,
//! and the time zone in quarter hours from GMT with its sign in bit 3 of
//! the first semi-octet. The time is the service centre's local time; the
//! zone says how far that is from UTC. No I/O here.
//!
//! The year has two digits and 23.040 does not say which century: 00–89
//! are read as 2000–2089 and 90–99 as 1990–1999 (published PDUs from 1999
//! are still used as examples).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};

use super::error::{DecodeError, EncodeError};

/// Octets a time stamp takes.
pub const LENGTH: usize = 7;

/// Reads a time stamp. Each semi-octet must be a decimal digit and the
/// result a real date and time; the zone may be anything from −19:45 to
/// +19:45 (79 quarter hours, all that two semi-octets hold).
pub fn decode(
    octets: &[u8; LENGTH],
    field: &'static str,
) -> Result<DateTime<FixedOffset>, DecodeError> {
    let mut fields = [0u32; 6];
    for (value, &octet) in fields.iter_mut().zip(octets) {
        *value = swapped_bcd(octet, field)?;
    }
    let zone = octets[6];
    let negative = zone & 0x08 != 0;
    let quarters = swapped_bcd(zone & 0xF7, field)? as i32;
    let seconds = quarters * 15 * 60 * if negative { -1 } else { 1 };
    let [year, month, day, hour, minute, second] = fields;
    let year = if year >= 90 { 1900 + year } else { 2000 + year } as i32;
    let bad_time = || DecodeError::BadTime {
        field,
        value: format!(
            "{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02} {quarters} quarter hours"
        ),
    };
    let offset = FixedOffset::east_opt(seconds).ok_or_else(bad_time)?;
    let local = NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|date| date.and_hms_opt(hour, minute, second))
        .ok_or_else(bad_time)?;
    local
        .and_local_timezone(offset)
        .single()
        .ok_or_else(bad_time)
}

/// Writes a time stamp. The offset must be a whole number of quarter hours
/// within ±19:45; the year is written modulo 100.
pub fn encode(
    at: &DateTime<FixedOffset>,
    field: &'static str,
) -> Result<[u8; LENGTH], EncodeError> {
    let seconds = at.offset().local_minus_utc();
    if seconds % 900 != 0 || seconds.abs() > 79 * 900 {
        return Err(EncodeError::TimeZone { field, seconds });
    }
    let quarters = (seconds.abs() / 900) as u32;
    let mut zone = swap_bcd(quarters);
    if seconds < 0 {
        zone |= 0x08;
    }
    Ok([
        swap_bcd(at.year().rem_euclid(100) as u32),
        swap_bcd(at.month()),
        swap_bcd(at.day()),
        swap_bcd(at.hour()),
        swap_bcd(at.minute()),
        swap_bcd(at.second()),
        zone,
    ])
}

/// Two decimal digits, the first in the low nibble.
fn swapped_bcd(octet: u8, field: &'static str) -> Result<u32, DecodeError> {
    let (tens, units) = (octet & 0x0F, octet >> 4);
    for nibble in [tens, units] {
        if nibble > 9 {
            return Err(DecodeError::BadSemiOctet { field, nibble });
        }
    }
    Ok(u32::from(tens * 10 + units))
}

/// `value` (0–99) as two swapped decimal digits.
fn swap_bcd(value: u32) -> u8 {
    let value = (value % 100) as u8;
    ((value % 10) << 4) | (value / 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_zone_round_trips() {
        // 23.040 §9.2.3.11: bit 3 of the zone octet is the sign.
        let octets = [0x70, 0x40, 0x21, 0x32, 0x52, 0x24, 0x2B];
        let at = decode(&octets, "TP-SCTS").unwrap();
        assert_eq!(at.to_rfc3339(), "2007-04-12T23:25:42-08:00");
        assert_eq!(encode(&at, "TP-SCTS"), Ok(octets));
    }

    #[test]
    fn invalid_dates_and_nibbles_are_errors() {
        // 2021-02-30.
        assert!(matches!(
            decode(&[0x12, 0x20, 0x03, 0, 0, 0, 0], "TP-SCTS"),
            Err(DecodeError::BadTime { .. })
        ));
        assert_eq!(
            decode(&[0x1A, 0x10, 0x10, 0, 0, 0, 0], "TP-DT"),
            Err(DecodeError::BadSemiOctet {
                field: "TP-DT",
                nibble: 0xA
            })
        );
        let odd = FixedOffset::east_opt(60).unwrap();
        let at = NaiveDate::from_ymd_opt(2020, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_local_timezone(odd)
            .unwrap();
        assert!(matches!(
            encode(&at, "TP-VP"),
            Err(EncodeError::TimeZone { seconds: 60, .. })
        ));
    }
}
