//! Which coding a text goes out in and how many parts it takes: GSM 03.38
//! when every character is in the default alphabet or its extension table,
//! UCS-2 otherwise; 8-bit binary for data.
//!
//! A short message carries 140 octets of user data (3GPP TS 23.040
//! §9.2.3.16): 160 septets, 70 UCS-2 code units or 140 octets. A part of a
//! concatenated message gives up 6 octets to its header with an 8-bit
//! reference (153 / 67 / 134) or 7 with a 16-bit one (152 / 66 / 133).
//! Parts never end inside an escape sequence or a surrogate pair, so the
//! count comes from laying the message out exactly as the splitter does;
//! it is what the HTTP API shows a customer before sending. No I/O here.

use std::ops::Range;

use super::concat::ReferenceWidth;
use super::gsm7::{self, Gsm7Error};
use super::ucs2;

/// Octets of user data in one short message (TP-UD, at most 140).
pub const USER_DATA_OCTETS: usize = 140;

/// How a message's text or data is carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Coding {
    /// GSM 03.38 default alphabet with its extension table; unit: septet.
    Gsm7,
    /// UTF-16BE; unit: code unit (2 octets).
    Ucs2,
    /// 8-bit data; unit: octet.
    Binary,
}

impl Coding {
    /// SMPP data_coding for a submit: 0 (SMSC default, GSM 03.38), 8 (UCS-2)
    /// or 4 (8-bit binary). The same values are the TP-DCS of an SMS-SUBMIT
    /// with no message class.
    pub const fn data_coding(self) -> u8 {
        match self {
            Coding::Gsm7 => 0x00,
            Coding::Ucs2 => 0x08,
            Coding::Binary => 0x04,
        }
    }

    /// Units one unconcatenated message holds: 160, 70 or 140.
    pub const fn single_capacity(self) -> usize {
        self.units_in(USER_DATA_OCTETS)
    }

    /// Units each part of a concatenated message holds beside its header:
    /// 153, 67 or 134 with an 8-bit reference; 152, 66 or 133 with 16-bit.
    pub const fn part_capacity(self, width: ReferenceWidth) -> usize {
        self.units_in(USER_DATA_OCTETS - width.udh_len())
    }

    const fn units_in(self, octets: usize) -> usize {
        match self {
            Coding::Gsm7 => octets * 8 / 7,
            Coding::Ucs2 => octets / 2,
            Coding::Binary => octets,
        }
    }

    /// Octets of SMPP payload per unit: septets travel one per octet.
    const fn octets_per_unit(self) -> usize {
        match self {
            Coding::Gsm7 | Coding::Binary => 1,
            Coding::Ucs2 => 2,
        }
    }

    /// How many octets of `payload`, starting at `at` (< len), must stay in
    /// one part: an escape and the septet after it, a surrogate pair.
    fn unit_at(self, payload: &[u8], at: usize) -> usize {
        match self {
            Coding::Gsm7 if payload[at] == gsm7::ESCAPE && at + 1 < payload.len() => 2,
            Coding::Ucs2 => match payload[at..] {
                [h1, h2, l1, l2, ..]
                    if ucs2::is_high_surrogate(u16::from_be_bytes([h1, h2]))
                        && ucs2::is_low_surrogate(u16::from_be_bytes([l1, l2])) =>
                {
                    4
                }
                [_, _, ..] => 2,
                _ => 1,
            },
            Coding::Gsm7 | Coding::Binary => 1,
        }
    }
}

/// What a message will cost in parts, for showing before it is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartCount {
    /// The coding the text goes out in, which sets the unit counted.
    pub coding: Coding,
    /// Number of short messages; 1 for an empty text. May exceed 255, the
    /// most a concatenated message can have (the splitter refuses those).
    pub parts: usize,
    /// Capacity of each part in units: 160/70/140 for a single message,
    /// the concatenated capacity otherwise.
    pub units_per_part: usize,
    /// Units the whole message uses (septets, UCS-2 code units or octets),
    /// escapes counted twice and surrogate pairs as two.
    pub total_units: usize,
}

/// GSM 03.38 if every character fits, UCS-2 otherwise.
pub fn choose_coding(text: &str) -> Coding {
    if gsm7::can_encode(text) {
        Coding::Gsm7
    } else {
        Coding::Ucs2
    }
}

/// `text` as SMPP payload octets in `coding`: unpacked septets, UTF-16BE,
/// or for [`Coding::Binary`] its UTF-8 octets as they are. Fails only for
/// GSM 03.38 when a character is not in the alphabet.
pub fn encode(text: &str, coding: Coding) -> Result<Vec<u8>, Gsm7Error> {
    match coding {
        Coding::Gsm7 => gsm7::encode(text),
        Coding::Ucs2 => Ok(ucs2::encode(text)),
        Coding::Binary => Ok(text.as_bytes().to_vec()),
    }
}

/// `text` in the coding [`choose_coding`] would pick, and that coding, in
/// one pass.
pub fn encode_auto(text: &str) -> (Coding, Vec<u8>) {
    match gsm7::encode(text) {
        Ok(septets) => (Coding::Gsm7, septets),
        Err(_) => (Coding::Ucs2, ucs2::encode(text)),
    }
}

/// Parts for `text` in the coding [`choose_coding`] picks.
pub fn count_parts(text: &str, width: ReferenceWidth) -> PartCount {
    let (coding, payload) = encode_auto(text);
    count_payload(coding, &payload, width)
}

/// Parts for an already encoded payload (unpacked septets, UTF-16BE or
/// data), such as a long message_payload an ESME submitted.
pub fn count_payload(coding: Coding, payload: &[u8], width: ReferenceWidth) -> PartCount {
    let parts = layout(coding, payload, width).len();
    PartCount {
        coding,
        parts,
        units_per_part: if parts > 1 {
            coding.part_capacity(width)
        } else {
            coding.single_capacity()
        },
        total_units: payload.len().div_ceil(coding.octets_per_unit()),
    }
}

/// Where the parts of `payload` begin and end, in payload octets: one range
/// when it fits a single message, otherwise greedy parts of the
/// concatenated capacity that never cut an escape or a surrogate pair.
pub(crate) fn layout(coding: Coding, payload: &[u8], width: ReferenceWidth) -> Vec<Range<usize>> {
    let single = coding.single_capacity() * coding.octets_per_unit();
    if payload.len() <= single {
        return std::iter::once(0..payload.len()).collect();
    }
    let capacity = coding.part_capacity(width) * coding.octets_per_unit();
    let mut parts = Vec::with_capacity(payload.len() / capacity + 1);
    let (mut start, mut at) = (0, 0);
    while at < payload.len() {
        let unit = coding.unit_at(payload, at);
        if at + unit - start > capacity {
            parts.push(start..at);
            start = at;
        }
        at += unit;
    }
    parts.push(start..at);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities_follow_from_140_octets() {
        use ReferenceWidth::{Bits8, Bits16};
        let table = [
            (Coding::Gsm7, 160, 153, 152),
            (Coding::Ucs2, 70, 67, 66),
            (Coding::Binary, 140, 134, 133),
        ];
        for (coding, single, part8, part16) in table {
            assert_eq!(coding.single_capacity(), single, "{coding:?}");
            assert_eq!(coding.part_capacity(Bits8), part8, "{coding:?}");
            assert_eq!(coding.part_capacity(Bits16), part16, "{coding:?}");
        }
    }

    #[test]
    fn layout_keeps_an_escape_whole() {
        // 152 septets, then ESC '€' straddling 153, then one more: part one
        // stops at 152 and the euro opens part two.
        let mut payload = vec![0x41; 152];
        payload.extend([gsm7::ESCAPE, 0x65, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41]);
        let parts = layout(Coding::Gsm7, &payload, ReferenceWidth::Bits8);
        assert_eq!(parts, [0..152, 152..161]);
    }

    #[test]
    fn layout_keeps_a_lone_trailing_escape() {
        let mut payload = vec![0x41; 160];
        payload.push(gsm7::ESCAPE);
        let parts = layout(Coding::Gsm7, &payload, ReferenceWidth::Bits8);
        assert_eq!(parts, [0..153, 153..161]);
    }

    #[test]
    fn layout_of_odd_ucs2_payload_keeps_every_octet() {
        let payload = vec![0x00; 141];
        let parts = layout(Coding::Ucs2, &payload, ReferenceWidth::Bits8);
        assert_eq!(parts, [0..134, 134..141]);
    }
}
