//! Which alphabet a received message is in, from SMPP data_coding (SMPP 3.4
//! §5.2.19) or from a TP-DCS octet (3GPP TS 23.038 §4).
//!
//! SMPP defines 0x00–0x0F itself; above that it defers to the GSM coding
//! groups, where the alphabet sits in bits 3–2 of the general data coding
//! groups (00xx xxxx, 01xx xxxx) and in bit 2 of the 1111 xxxx group.
//! Values not decoded as text are kept, never dropped. No I/O here.

/// The alphabet of a message body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Alphabet {
    /// GSM 03.38 default alphabet, one septet per octet (SMPP data_coding 0,
    /// "SMSC default", taken as GSM 03.38).
    Gsm7,
    /// IA5 / ASCII (SMPP data_coding 1).
    Ascii,
    /// ISO-8859-1 (SMPP data_coding 3).
    Latin1,
    /// UTF-16BE (SMPP data_coding 8, DCS UCS2).
    Ucs2,
    /// 8-bit data: octets, no text (SMPP data_coding 2 and 4, DCS 8-bit).
    Binary,
    /// An alphabet this layer does not turn into text (JIS, Cyrillic,
    /// Hebrew, pictograms, KS C 5601, compressed text, reserved values):
    /// the data_coding or DCS value, so the octets can still be passed on.
    Unsupported(u8),
}

impl Alphabet {
    /// From SMPP data_coding.
    pub const fn from_data_coding(data_coding: u8) -> Alphabet {
        match data_coding {
            0x00 => Alphabet::Gsm7,
            0x01 => Alphabet::Ascii,
            0x02 | 0x04 => Alphabet::Binary,
            0x03 => Alphabet::Latin1,
            0x08 => Alphabet::Ucs2,
            0x05..=0x07 | 0x09..=0x0F => Alphabet::Unsupported(data_coding),
            _ => Alphabet::from_dcs(data_coding),
        }
    }

    /// From a 3GPP TS 23.038 §4 data coding scheme (TP-DCS of a PDU).
    ///
    /// Reserved coding groups and the reserved alphabet value are GSM 03.38,
    /// as §4 tells a receiving entity to assume; compressed text is
    /// [`Unsupported`](Alphabet::Unsupported).
    pub const fn from_dcs(dcs: u8) -> Alphabet {
        match dcs >> 4 {
            // General data coding and automatic deletion groups:
            // bit 5 compressed, bits 3-2 the alphabet.
            0x0..=0x7 => {
                if dcs & 0x20 != 0 {
                    Alphabet::Unsupported(dcs)
                } else {
                    match (dcs >> 2) & 0b11 {
                        0b01 => Alphabet::Binary,
                        0b10 => Alphabet::Ucs2,
                        _ => Alphabet::Gsm7,
                    }
                }
            }
            // Message waiting indication, store message, UCS2.
            0xE => Alphabet::Ucs2,
            // Data coding / message class: bit 2 is 8-bit data.
            0xF => {
                if dcs & 0x04 != 0 {
                    Alphabet::Binary
                } else {
                    Alphabet::Gsm7
                }
            }
            // Reserved groups 1000-1011, message waiting discard/store (GSM 7).
            _ => Alphabet::Gsm7,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smpp_values() {
        let table = [
            (0x00, Alphabet::Gsm7),
            (0x01, Alphabet::Ascii),
            (0x02, Alphabet::Binary),
            (0x03, Alphabet::Latin1),
            (0x04, Alphabet::Binary),
            (0x06, Alphabet::Unsupported(0x06)),
            (0x08, Alphabet::Ucs2),
            (0x0E, Alphabet::Unsupported(0x0E)),
        ];
        for (data_coding, alphabet) in table {
            assert_eq!(
                Alphabet::from_data_coding(data_coding),
                alphabet,
                "{data_coding:#04x}"
            );
        }
    }

    #[test]
    fn gsm_coding_groups() {
        let table = [
            (0x10, Alphabet::Gsm7),              // general, class 0 (flash)
            (0x14, Alphabet::Binary),            // general, 8-bit, class 0
            (0x18, Alphabet::Ucs2),              // general, UCS2, class 0
            (0x1C, Alphabet::Gsm7),              // reserved alphabet → GSM 7
            (0x28, Alphabet::Unsupported(0x28)), // compressed
            (0x48, Alphabet::Ucs2),              // automatic deletion, UCS2
            (0x90, Alphabet::Gsm7),              // reserved group
            (0xC0, Alphabet::Gsm7),              // MWI discard
            (0xD8, Alphabet::Gsm7),              // MWI store
            (0xE8, Alphabet::Ucs2),              // MWI store UCS2
            (0xF0, Alphabet::Gsm7),              // class 0, GSM 7
            (0xF1, Alphabet::Gsm7),              // class 1, GSM 7
            (0xF4, Alphabet::Binary),            // class 0, 8-bit
            (0xF6, Alphabet::Binary),            // class 2 (SIM), 8-bit
        ];
        for (value, alphabet) in table {
            assert_eq!(Alphabet::from_data_coding(value), alphabet, "{value:#04x}");
            assert_eq!(Alphabet::from_dcs(value), alphabet, "{value:#04x}");
        }
        // Below 0x10 the DCS reading differs from SMPP's own table.
        assert_eq!(Alphabet::from_dcs(0x04), Alphabet::Binary);
        assert_eq!(Alphabet::from_dcs(0x08), Alphabet::Ucs2);
        assert_eq!(Alphabet::from_dcs(0x01), Alphabet::Gsm7);
    }
}
