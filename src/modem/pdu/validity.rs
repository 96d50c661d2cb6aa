//! TP-Validity-Period of an SMS-SUBMIT (3GPP TS 23.040 §9.2.3.12): how
//! long the service centre keeps trying. TP-VPF in the first octet says
//! which of the three formats follows, if any. No I/O here.

use chrono::{DateTime, FixedOffset, TimeDelta};

use super::error::{DecodeError, EncodeError};
use super::octets::Reader;
use super::timestamp;

/// A relative TP-VP (§9.2.3.12.1): one octet on a scale that grows
/// coarser with the value:
///
/// | TP-VP | period |
/// | --- | --- |
/// | 0–143 | (TP-VP + 1) × 5 minutes (5 minutes to 12 hours) |
/// | 144–167 | 12 hours + (TP-VP − 143) × 30 minutes (to 24 hours) |
/// | 168–196 | (TP-VP − 166) days (2 to 30 days) |
/// | 197–255 | (TP-VP − 192) weeks (5 to 63 weeks) |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RelativeValidity(pub u8);

impl RelativeValidity {
    /// The shortest period the scale offers that is at least `period`, so
    /// that a message is never given up on before its sender said; 63
    /// weeks for anything longer, 5 minutes for anything shorter.
    pub fn at_least(period: TimeDelta) -> RelativeValidity {
        let minutes = period.num_minutes() + i64::from(period.num_seconds() % 60 != 0);
        let value = if minutes <= 12 * 60 {
            // (v + 1) * 5 >= minutes
            (minutes.max(5) + 4) / 5 - 1
        } else if minutes <= 24 * 60 {
            143 + (minutes - 12 * 60 + 29) / 30
        } else if minutes <= 30 * 24 * 60 {
            166 + (minutes + 24 * 60 - 1) / (24 * 60)
        } else {
            192 + (minutes + 7 * 24 * 60 - 1) / (7 * 24 * 60)
        };
        RelativeValidity(value.clamp(0, 255) as u8)
    }

    /// The period this value stands for.
    pub fn period(self) -> TimeDelta {
        let value = i64::from(self.0);
        match self.0 {
            0..=143 => TimeDelta::minutes((value + 1) * 5),
            144..=167 => TimeDelta::hours(12) + TimeDelta::minutes((value - 143) * 30),
            168..=196 => TimeDelta::days(value - 166),
            _ => TimeDelta::weeks(value - 192),
        }
    }
}

/// TP-VP in each of its formats (TP-VPF 10, 11, 01); no validity period
/// (TP-VPF 00) is `Option::None` where this is used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValidityPeriod {
    /// The relative format (TP-VPF 10), one octet (§9.2.3.12.1).
    Relative(RelativeValidity),
    /// An absolute time, laid out as a time stamp (§9.2.3.12.2).
    Absolute(DateTime<FixedOffset>),
    /// The enhanced format (§9.2.3.12.3), kept as its seven octets.
    Enhanced([u8; 7]),
}

/// TP-VPF bits 4–3 of an SMS-SUBMIT's first octet.
pub(crate) fn vpf_bits(validity: Option<&ValidityPeriod>) -> u8 {
    match validity {
        None => 0b00 << 3,
        Some(ValidityPeriod::Enhanced(_)) => 0b01 << 3,
        Some(ValidityPeriod::Relative(_)) => 0b10 << 3,
        Some(ValidityPeriod::Absolute(_)) => 0b11 << 3,
    }
}

pub(crate) fn encode(
    validity: Option<&ValidityPeriod>,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    match validity {
        None => {}
        Some(ValidityPeriod::Relative(relative)) => out.push(relative.0),
        Some(ValidityPeriod::Absolute(at)) => out.extend(timestamp::encode(at, "TP-VP")?),
        Some(ValidityPeriod::Enhanced(octets)) => out.extend(octets),
    }
    Ok(())
}

/// Reads TP-VP in the format the first octet's TP-VPF names.
pub(crate) fn decode(
    first_octet: u8,
    reader: &mut Reader,
) -> Result<Option<ValidityPeriod>, DecodeError> {
    const FIELD: &str = "TP-VP";
    Ok(match (first_octet >> 3) & 0b11 {
        0b00 => None,
        0b10 => Some(ValidityPeriod::Relative(RelativeValidity(
            reader.octet(FIELD)?,
        ))),
        0b11 => {
            let octets = take_seven(reader, FIELD)?;
            Some(ValidityPeriod::Absolute(timestamp::decode(&octets, FIELD)?))
        }
        _ => Some(ValidityPeriod::Enhanced(take_seven(reader, FIELD)?)),
    })
}

pub(crate) fn take_seven(reader: &mut Reader, field: &'static str) -> Result<[u8; 7], DecodeError> {
    let mut octets = [0; 7];
    octets.copy_from_slice(reader.take(7, field)?);
    Ok(octets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_the_shortest_for_its_own_period() {
        for value in 0..=255u8 {
            let relative = RelativeValidity(value);
            assert_eq!(
                RelativeValidity::at_least(relative.period()),
                relative,
                "{value}"
            );
        }
    }

    #[test]
    fn rounds_up_between_steps_and_clamps() {
        assert_eq!(
            RelativeValidity::at_least(TimeDelta::minutes(6)),
            RelativeValidity(1)
        );
        assert_eq!(
            RelativeValidity::at_least(TimeDelta::seconds(301)),
            RelativeValidity(1)
        );
        assert_eq!(
            RelativeValidity::at_least(TimeDelta::zero()),
            RelativeValidity(0)
        );
        assert_eq!(
            RelativeValidity::at_least(TimeDelta::hours(-3)),
            RelativeValidity(0)
        );
        assert_eq!(
            RelativeValidity::at_least(TimeDelta::hours(25)),
            RelativeValidity(168)
        );
        assert_eq!(
            RelativeValidity::at_least(TimeDelta::days(31)),
            RelativeValidity(197)
        );
        assert_eq!(
            RelativeValidity::at_least(TimeDelta::weeks(100)),
            RelativeValidity(255)
        );
    }
}
