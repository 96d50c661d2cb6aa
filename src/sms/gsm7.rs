//! GSM 03.38 (3GPP TS 23.038 §6.2.1) default alphabet and its extension
//! table, as unpacked septets: one septet per octet, the way SMPP carries
//! data_coding 0.
//!
//! Text to septets stops at the first character outside the tables (the
//! caller then falls back to UCS-2). Septets to text never fails: a code
//! the tables do not define is shown the way 23.038 tells a receiving entity
//! to show it. Packing septets into octets for the air interface is
//! [`packing`](super::packing)'s job; nothing here does I/O.

/// The septet that switches the next septet to the extension table.
pub const ESCAPE: u8 = 0x1B;

/// The default alphabet, indexed by septet (23.038 §6.2.1).
///
/// 0x1B is the escape to the extension table, not a character. It holds a
/// space because 23.038 says an entity that does not understand the escape
/// "shall display it as a space", which is what decoding a lone escape does.
const BASE: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', ' ', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The extension table (23.038 §6.2.1.1): the septet after [`ESCAPE`] and
/// the character it stands for. Each costs two septets on the wire.
const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0C}'), // form feed (page break)
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// No septet for this ASCII code point in [`ASCII_TO_SEPTET`].
const NONE: u8 = 0xFF;

/// ASCII code point → default-alphabet septet, built from [`BASE`] so the
/// two can never disagree. Most text is ASCII, so most lookups end here.
const ASCII_TO_SEPTET: [u8; 128] = {
    let mut table = [NONE; 128];
    let mut septet = 0;
    while septet < BASE.len() {
        let code = BASE[septet] as u32;
        if septet != ESCAPE as usize && code < 128 {
            table[code as usize] = septet as u8;
        }
        septet += 1;
    }
    table
};

/// How one character is written in GSM 03.38.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gsm7Char {
    /// One septet of the default alphabet.
    Base(u8),
    /// [`ESCAPE`] followed by this septet of the extension table.
    Extension(u8),
}

impl Gsm7Char {
    /// How many septets the character costs: 1, or 2 for the extension table.
    pub const fn septets(self) -> usize {
        match self {
            Gsm7Char::Base(_) => 1,
            Gsm7Char::Extension(_) => 2,
        }
    }
}

/// Why a text cannot be written in GSM 03.38.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Gsm7Error {
    /// The text holds a character in neither the GSM 03.38 default alphabet
    /// nor its extension table.
    #[error("{ch:?} (U+{:04X}) at byte {offset} is not in the GSM 03.38 alphabet", *.ch as u32)]
    Unencodable {
        /// The first character that is in neither table.
        ch: char,
        /// Its byte offset in the UTF-8 text.
        offset: usize,
    },
}

/// How `c` is written in GSM 03.38, or `None` when it is in neither table.
pub fn lookup(c: char) -> Option<Gsm7Char> {
    let code = c as u32;
    if code < 128 {
        let septet = ASCII_TO_SEPTET[code as usize];
        if septet != NONE {
            return Some(Gsm7Char::Base(septet));
        }
    } else if let Some(septet) = BASE.iter().position(|&b| b == c) {
        // Only non-ASCII characters reach the scan; none of them is the
        // space kept at ESCAPE's index, so that index is never returned.
        return Some(Gsm7Char::Base(septet as u8));
    }
    EXTENSION
        .iter()
        .find(|&&(_, ext)| ext == c)
        .map(|&(septet, _)| Gsm7Char::Extension(septet))
}

/// Whether every character of `text` is in the default alphabet or its
/// extension table.
pub fn can_encode(text: &str) -> bool {
    text.chars().all(|c| lookup(c).is_some())
}

/// How many septets `text` costs, counting extension characters twice.
pub fn septet_count(text: &str) -> Result<usize, Gsm7Error> {
    text.char_indices().try_fold(0, |count, (offset, ch)| {
        lookup(ch)
            .map(|g| count + g.septets())
            .ok_or(Gsm7Error::Unencodable { ch, offset })
    })
}

/// `text` as unpacked septets, one per octet (SMPP data_coding 0).
pub fn encode(text: &str) -> Result<Vec<u8>, Gsm7Error> {
    let mut septets = Vec::with_capacity(text.len());
    for (offset, ch) in text.char_indices() {
        match lookup(ch) {
            Some(Gsm7Char::Base(septet)) => septets.push(septet),
            Some(Gsm7Char::Extension(septet)) => septets.extend([ESCAPE, septet]),
            None => return Err(Gsm7Error::Unencodable { ch, offset }),
        }
    }
    Ok(septets)
}

/// Unpacked septets to text. Never fails:
///
/// - an escape followed by a code the extension table does not define shows
///   the default-alphabet character for that code (23.038 §6.2.1.1);
/// - escape, escape (reserved for a further extension table) and an escape
///   with nothing after it show a space (23.038 §6.2.1);
/// - an octet above 0x7F is not a septet and shows U+FFFD.
pub fn decode(septets: &[u8]) -> String {
    let mut text = String::with_capacity(septets.len());
    let mut rest = septets.iter();
    while let Some(&septet) = rest.next() {
        let ch = if septet == ESCAPE {
            match rest.next() {
                Some(&ext) => extension_char(ext),
                None => base_char(ESCAPE),
            }
        } else {
            base_char(septet)
        };
        text.push(ch);
    }
    text
}

fn base_char(septet: u8) -> char {
    BASE.get(usize::from(septet))
        .copied()
        .unwrap_or(char::REPLACEMENT_CHARACTER)
}

fn extension_char(septet: u8) -> char {
    EXTENSION
        .iter()
        .find(|&&(ext, _)| ext == septet)
        .map_or_else(|| base_char(septet), |&(_, ch)| ch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_base_septet_encodes_back_to_itself() {
        for septet in 0..128u8 {
            if septet == ESCAPE {
                continue;
            }
            let ch = BASE[usize::from(septet)];
            assert_eq!(lookup(ch), Some(Gsm7Char::Base(septet)), "{ch:?}");
        }
    }

    #[test]
    fn every_extension_septet_encodes_back_to_itself() {
        for (septet, ch) in EXTENSION {
            assert_eq!(lookup(ch), Some(Gsm7Char::Extension(septet)), "{ch:?}");
            assert_eq!(decode(&[ESCAPE, septet]), ch.to_string());
        }
    }

    #[test]
    fn escape_itself_is_not_a_character() {
        assert_eq!(lookup('\u{1B}'), None);
        assert_eq!(lookup(' '), Some(Gsm7Char::Base(0x20)));
    }

    #[test]
    fn unknown_escape_falls_back_to_the_base_table() {
        // ESC 'A' is not in the extension table: show 'A'.
        assert_eq!(decode(&[ESCAPE, 0x41]), "A");
        // ESC ESC is reserved: a space.
        assert_eq!(decode(&[ESCAPE, ESCAPE, 0x41]), " A");
        // A trailing escape: a space.
        assert_eq!(decode(&[0x41, ESCAPE]), "A ");
    }

    #[test]
    fn octets_above_0x7f_decode_to_replacement() {
        assert_eq!(decode(&[0x41, 0x80, 0xFF]), "A\u{FFFD}\u{FFFD}");
    }

    #[test]
    fn error_names_the_first_unencodable_character() {
        assert_eq!(
            encode("añá"),
            Err(Gsm7Error::Unencodable {
                ch: 'á', offset: 3
            })
        );
        assert_eq!(
            septet_count("ok 😀"),
            Err(Gsm7Error::Unencodable {
                ch: '😀',
                offset: 3
            })
        );
    }
}
