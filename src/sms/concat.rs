//! Which part of which long message a short message is: the concatenation
//! information elements of 3GPP TS 23.040 §9.2.3.24.1 (8-bit reference,
//! IEI 0x00) and §9.2.3.24.8 (16-bit reference, IEI 0x08), and the SMPP 3.4
//! sar_msg_ref_num / sar_total_segments / sar_segment_seqnum TLVs that carry
//! the same three numbers for peers that prefer them to a UDH.
//!
//! A [`Concat`] is always valid (at least one part, sequence number within
//! the total); anything else is turned away at the edge, the way 23.040
//! tells a receiver to ignore such an element. No I/O here.

/// IEI of the concatenation element with an 8-bit reference.
pub const IEI_CONCAT_8: u8 = 0x00;
/// IEI of the concatenation element with a 16-bit reference.
pub const IEI_CONCAT_16: u8 = 0x08;

/// Width of the reference number, which decides the header size and so how
/// much text each part holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReferenceWidth {
    /// IEI 0x00: a 6-octet UDH (153 septets / 67 UCS-2 units / 134 octets).
    #[default]
    Bits8,
    /// IEI 0x08: a 7-octet UDH (152 septets / 66 UCS-2 units / 133 octets).
    Bits16,
}

impl ReferenceWidth {
    /// Octets of a UDH holding only this concatenation element, UDHL
    /// octet included.
    pub const fn udh_len(self) -> usize {
        match self {
            ReferenceWidth::Bits8 => 6,
            ReferenceWidth::Bits16 => 7,
        }
    }
}

/// The concatenated-message reference number, chosen by the caller so that
/// it differs between long messages in flight to the same recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reference {
    /// An 8-bit reference, IEI 0x00 (0–255).
    Bits8(u8),
    /// A 16-bit reference, IEI 0x08 or SMPP sar_msg_ref_num (0–65535).
    Bits16(u16),
}

impl Reference {
    /// The width, which decides the UDH size.
    pub const fn width(self) -> ReferenceWidth {
        match self {
            Reference::Bits8(_) => ReferenceWidth::Bits8,
            Reference::Bits16(_) => ReferenceWidth::Bits16,
        }
    }

    /// The number itself, widened.
    pub const fn value(self) -> u16 {
        match self {
            Reference::Bits8(r) => r as u16,
            Reference::Bits16(r) => r,
        }
    }
}

/// One part's place in a concatenated message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Concat {
    reference: Reference,
    total: u8,
    seq: u8,
}

impl Concat {
    /// `None` unless `1 <= seq <= total`.
    pub const fn new(reference: Reference, total: u8, seq: u8) -> Option<Concat> {
        if seq == 0 || seq > total {
            None
        } else {
            Some(Concat {
                reference,
                total,
                seq,
            })
        }
    }

    /// From the SMPP SAR TLVs; `None` when they are out of range.
    pub const fn from_sar(sar: Sar) -> Option<Concat> {
        Concat::new(
            Reference::Bits16(sar.msg_ref_num),
            sar.total_segments,
            sar.segment_seqnum,
        )
    }

    /// The reference number shared by every part of the message.
    pub const fn reference(self) -> Reference {
        self.reference
    }

    /// How many parts the whole message has, at least 1.
    pub const fn total(self) -> u8 {
        self.total
    }

    /// This part's number, from 1 to [`total`](Concat::total).
    pub const fn seq(self) -> u8 {
        self.seq
    }

    /// The same numbers as SMPP SAR TLVs.
    pub const fn sar(self) -> Sar {
        Sar {
            msg_ref_num: self.reference.value(),
            total_segments: self.total,
            segment_seqnum: self.seq,
        }
    }

    /// The information element as it sits in a UDH: IEI, length, data.
    pub fn ie_bytes(self) -> Vec<u8> {
        match self.reference {
            Reference::Bits8(r) => vec![IEI_CONCAT_8, 3, r, self.total, self.seq],
            Reference::Bits16(r) => {
                let [hi, lo] = r.to_be_bytes();
                vec![IEI_CONCAT_16, 4, hi, lo, self.total, self.seq]
            }
        }
    }

    /// A whole UDH holding only this element, UDHL octet first: 6 octets
    /// for an 8-bit reference, 7 for a 16-bit one.
    pub fn udh_bytes(self) -> Vec<u8> {
        let ie = self.ie_bytes();
        let mut udh = Vec::with_capacity(ie.len() + 1);
        udh.push(ie.len() as u8);
        udh.extend(ie);
        udh
    }

    /// Reads the data of a concatenation element with identifier `iei`;
    /// `None` for another IEI, a wrong length or out-of-range numbers, all of
    /// which 23.040 §9.2.3.24 tells a receiver to ignore.
    pub fn from_ie(iei: u8, data: &[u8]) -> Option<Concat> {
        match (iei, data) {
            (IEI_CONCAT_8, &[r, total, seq]) => Concat::new(Reference::Bits8(r), total, seq),
            (IEI_CONCAT_16, &[hi, lo, total, seq]) => {
                Concat::new(Reference::Bits16(u16::from_be_bytes([hi, lo])), total, seq)
            }
            _ => None,
        }
    }
}

/// The SMPP 3.4 §5.3.2.22–24 TLVs, values as on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sar {
    /// sar_msg_ref_num (§5.3.2.22): the reference shared by all parts.
    pub msg_ref_num: u16,
    /// sar_total_segments (§5.3.2.23): how many parts, 1 to 255.
    pub total_segments: u8,
    /// sar_segment_seqnum (§5.3.2.24): this part's number, from 1.
    pub segment_seqnum: u8,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_numbers_are_not_a_concat() {
        assert_eq!(Concat::new(Reference::Bits8(1), 0, 0), None);
        assert_eq!(Concat::new(Reference::Bits8(1), 2, 0), None);
        assert_eq!(Concat::new(Reference::Bits8(1), 2, 3), None);
        assert!(Concat::new(Reference::Bits8(1), 1, 1).is_some());
    }

    #[test]
    fn ie_round_trip_both_widths() {
        for reference in [Reference::Bits8(0xCC), Reference::Bits16(0xBEEF)] {
            let concat = Concat::new(reference, 3, 2).unwrap();
            let ie = concat.ie_bytes();
            assert_eq!(usize::from(ie[1]) + 2, ie.len());
            assert_eq!(concat.udh_bytes().len(), reference.width().udh_len());
            assert_eq!(concat.udh_bytes()[1..], ie);
            assert_eq!(Concat::from_ie(ie[0], &ie[2..]), Some(concat));
        }
    }

    #[test]
    fn wrong_length_ie_is_ignored() {
        assert_eq!(Concat::from_ie(IEI_CONCAT_8, &[1, 2]), None);
        assert_eq!(Concat::from_ie(IEI_CONCAT_16, &[1, 2, 1]), None);
        assert_eq!(Concat::from_ie(0x05, &[1, 2, 1]), None);
    }

    #[test]
    fn sar_round_trip() {
        let concat = Concat::new(Reference::Bits16(300), 4, 4).unwrap();
        assert_eq!(
            concat.sar(),
            Sar {
                msg_ref_num: 300,
                total_segments: 4,
                segment_seqnum: 4
            }
        );
        assert_eq!(Concat::from_sar(concat.sar()), Some(concat));
    }
}
