//! CIMD2 times (`YYMMDDhhmmss`: service centre timestamp, discharge time,
//! absolute validity) ⇄ chrono. The digits are UCP's `DDMMYYHHmmss` in
//! another order, so [`ucp::time`](crate::ucp::time) reads and writes them:
//! the same two-digit years (1990–2089), the same [`TimeError`], no offset
//! and no clock.

use chrono::NaiveDateTime;

use crate::ucp::time::{self as ucp_time, Precision, TimeError};

/// `YYMMDD` ⇄ `DDMMYY`: the same swap both ways (a text too short to
/// swap is left for UCP's length check).
fn swap_date(text: &[u8]) -> Vec<u8> {
    let mut swapped = text.to_vec();
    if let (Some(first), Some(third)) = (text.get(0..2), text.get(4..6)) {
        swapped[0..2].copy_from_slice(third);
        swapped[4..6].copy_from_slice(first);
    }
    swapped
}

/// The time `text` writes.
pub fn parse(text: &[u8]) -> Result<NaiveDateTime, TimeError> {
    ucp_time::parse(&swap_date(text), Precision::Seconds)
}

/// `at` as `YYMMDDhhmmss`.
pub fn format(at: NaiveDateTime) -> Result<String, TimeError> {
    let ucp = ucp_time::format(at, Precision::Seconds)?;
    Ok(swap_date(ucp.as_bytes())
        .into_iter()
        .map(char::from)
        .collect())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn year_first_both_ways() {
        let at = NaiveDate::from_ymd_opt(2026, 12, 6)
            .and_then(|d| d.and_hms_opt(4, 50, 7))
            .unwrap();
        assert_eq!(parse(b"261206045007"), Ok(at));
        assert_eq!(format(at).unwrap(), "261206045007");
        assert!(parse(b"2612060450").is_err());
        assert!(parse(b"261306045007").is_err());
        assert!(parse(b"26120604500x").is_err());
    }
}
