//! Splitting a long message into the short messages that carry it, each
//! ready for an SMPP submit_sm in either form a peer may want:
//!
//! - UDH form: short_message = concatenation UDH + payload, with esm_class
//!   UDHI (0x40) set;
//! - SAR form: short_message = payload alone, plus the sar_msg_ref_num,
//!   sar_total_segments and sar_segment_seqnum TLVs.
//!
//! Both forms size the parts the same way, because an SMSC that receives
//! SAR TLVs still spends the header octets when it delivers to the handset.
//! The layout (and so the part count) is [`coding`]'s; this
//! file only cuts and labels. The reference number is the caller's choice.
//! No I/O here.

use super::coding::{self, Coding};
use super::concat::{Concat, Reference, Sar};
use super::gsm7::Gsm7Error;
use super::udh::ESM_CLASS_UDHI;

/// The most parts a concatenated message can have: the count is one octet.
pub const MAX_PARTS: usize = 255;

/// Why a message cannot be split.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// GSM 03.38 was asked for and a character is not in it.
    #[error(transparent)]
    Unencodable(#[from] Gsm7Error),
    /// The message needs more than [`MAX_PARTS`] parts.
    #[error("the message needs {parts} parts; at most {MAX_PARTS} can be concatenated")]
    TooManyParts {
        /// Parts it would need.
        parts: usize,
    },
}

/// One short message of a split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// Which part this is; `None` when the message fits in one.
    pub concat: Option<Concat>,
    /// The concatenation UDH (UDHL first) for the UDH form; empty when the
    /// message fits in one.
    pub udh: Vec<u8>,
    /// This part's text or data: unpacked septets, UTF-16BE or octets.
    pub payload: Vec<u8>,
}

impl Part {
    /// short_message in the UDH form: the header, then the payload.
    pub fn short_message(&self) -> Vec<u8> {
        [self.udh.as_slice(), self.payload.as_slice()].concat()
    }

    /// `esm_class` with UDHI set when [`short_message`](Part::short_message)
    /// starts with a header.
    pub fn esm_class(&self, esm_class: u8) -> u8 {
        if self.udh.is_empty() {
            esm_class
        } else {
            esm_class | ESM_CLASS_UDHI
        }
    }

    /// The SAR TLVs for the SAR form, whose short_message is
    /// [`payload`](Part::payload) alone; `None` for a single message.
    pub fn sar(&self) -> Option<Sar> {
        self.concat.map(Concat::sar)
    }
}

/// A message cut into parts, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// The coding of every part's payload; its SMPP data_coding is
    /// [`Coding::data_coding`].
    pub coding: Coding,
    /// At least one part; exactly one, with no header, when the message fits.
    pub parts: Vec<Part>,
}

/// Splits `text` in the coding [`coding::choose_coding`] picks.
pub fn split_text(text: &str, reference: Reference) -> Result<Split, SplitError> {
    let (coding, payload) = coding::encode_auto(text);
    split_payload(coding, &payload, reference)
}

/// Splits `text` in a coding the caller insists on; GSM 03.38 fails when a
/// character is not in the alphabet.
pub fn split_text_as(
    text: &str,
    coding: Coding,
    reference: Reference,
) -> Result<Split, SplitError> {
    split_payload(coding, &coding::encode(text, coding)?, reference)
}

/// Splits an already encoded payload (unpacked septets, UTF-16BE or data),
/// such as a long message_payload for a peer that takes only short_message.
pub fn split_payload(
    coding: Coding,
    payload: &[u8],
    reference: Reference,
) -> Result<Split, SplitError> {
    let ranges = coding::layout(coding, payload, reference.width());
    let total = u8::try_from(ranges.len()).map_err(|_| SplitError::TooManyParts {
        parts: ranges.len(),
    })?;
    let parts = if total == 1 {
        vec![Part {
            concat: None,
            udh: Vec::new(),
            payload: payload.to_vec(),
        }]
    } else {
        (1..=total)
            .zip(ranges)
            .map(|(seq, range)| {
                let concat = Concat::new(reference, total, seq);
                Part {
                    udh: concat.map(Concat::udh_bytes).unwrap_or_default(),
                    concat,
                    payload: payload[range].to_vec(),
                }
            })
            .collect()
    };
    Ok(Split { coding, parts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_part_has_no_header() {
        let split = split_text("hola", Reference::Bits8(7)).unwrap();
        assert_eq!(split.coding, Coding::Gsm7);
        assert_eq!(split.parts.len(), 1);
        let part = &split.parts[0];
        assert_eq!(part.short_message(), [0x68, 0x6F, 0x6C, 0x61]);
        assert_eq!(part.esm_class(0x03), 0x03);
        assert_eq!(part.sar(), None);
    }

    #[test]
    fn parts_carry_udh_and_sar() {
        let text = "a".repeat(200);
        let split = split_text(&text, Reference::Bits8(0xCC)).unwrap();
        assert_eq!(split.parts.len(), 2);
        let second = &split.parts[1];
        assert_eq!(second.udh, [0x05, 0x00, 0x03, 0xCC, 0x02, 0x02]);
        assert_eq!(second.payload.len(), 47);
        assert_eq!(second.esm_class(0x00), 0x40);
        assert_eq!(
            second.sar(),
            Some(Sar {
                msg_ref_num: 0xCC,
                total_segments: 2,
                segment_seqnum: 2
            })
        );
    }

    #[test]
    fn empty_text_is_one_empty_part() {
        let split = split_text("", Reference::Bits8(0)).unwrap();
        assert_eq!(split.parts.len(), 1);
        assert!(split.parts[0].payload.is_empty());
    }

    #[test]
    fn too_many_parts_is_refused() {
        let text = "a".repeat(153 * 255 + 1);
        assert_eq!(
            split_text(&text, Reference::Bits8(0)),
            Err(SplitError::TooManyParts { parts: 256 })
        );
        assert_eq!(
            split_text(&"a".repeat(153 * 255), Reference::Bits8(0)).map(|s| s.parts.len()),
            Ok(255)
        );
    }

    #[test]
    fn forced_gsm7_fails_on_unencodable_text() {
        assert!(matches!(
            split_text_as("á", Coding::Gsm7, Reference::Bits8(0)),
            Err(SplitError::Unencodable(_))
        ));
        let split = split_text_as("a", Coding::Ucs2, Reference::Bits8(0)).unwrap();
        assert_eq!(split.parts[0].payload, [0x00, 0x61]);
    }
}
