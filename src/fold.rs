//! Words compared as people type them on a phone: without case and
//! without accents ("Sí", "SI" and "si" are one word), for keywords and
//! poll options. No I/O here.
//!
//! Accents are removed from the Latin letters of ISO 8859-1 and Latin
//! Extended-A (every accented letter of the GSM 03.38 alphabet and of the
//! Western and Central European languages); ß becomes SS, Æ AE, Œ OE.
//! Other scripts keep their letters, upper-cased.

/// Upper-case letters with accents, each group followed by its base.
const ACCENTED: &[(&str, &str)] = &[
    ("ÀÁÂÃÄÅĀĂĄ", "A"),
    ("ÇĆĈĊČ", "C"),
    ("ĎĐ", "D"),
    ("ÈÉÊËĒĔĖĘĚ", "E"),
    ("ĜĞĠĢ", "G"),
    ("ĤĦ", "H"),
    ("ÌÍÎÏĨĪĬĮİ", "I"),
    ("Ĵ", "J"),
    ("Ķ", "K"),
    ("ĹĻĽĿŁ", "L"),
    ("ÑŃŅŇ", "N"),
    ("ÒÓÔÕÖØŌŎŐ", "O"),
    ("ŔŖŘ", "R"),
    ("ŚŜŞŠ", "S"),
    ("ŢŤŦ", "T"),
    ("ÙÚÛÜŨŪŬŮŰŲ", "U"),
    ("Ŵ", "W"),
    ("ÝŸŶ", "Y"),
    ("ŹŻŽ", "Z"),
    ("Æ", "AE"),
    ("Œ", "OE"),
    ("Þ", "TH"),
    ("ẞ", "SS"),
];

/// `word` upper-cased with its accents removed: the form keywords and
/// poll options are compared in.
pub fn fold(word: &str) -> String {
    let mut folded = String::with_capacity(word.len());
    for upper in word.chars().flat_map(char::to_uppercase) {
        match ACCENTED.iter().find(|(letters, _)| letters.contains(upper)) {
            Some((_, base)) => folded.push_str(base),
            None => folded.push(upper),
        }
    }
    folded
}

/// The first word of `text` (split at white space), folded; `None` when
/// the text has no word.
pub fn first_word(text: &str) -> Option<String> {
    text.split_whitespace().next().map(fold)
}

/// `text` without its first word and the white space after it (the
/// original spelling kept): `"VOTE  a please"` → `"a please"`.
pub fn after_first_word(text: &str) -> &str {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(end) => text[end..].trim_start(),
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_accents_fold_away() {
        assert_eq!(fold("sí"), "SI");
        assert_eq!(fold("Síí"), "SII");
        assert_eq!(fold("Ñandú"), "NANDU");
        assert_eq!(fold("straße"), "STRASSE");
        assert_eq!(fold("Øre"), "ORE");
        assert_eq!(fold("cœur"), "COEUR");
        assert_eq!(fold("Łódź"), "LODZ");
        assert_eq!(fold("ja-1"), "JA-1");
        assert_eq!(fold("да"), "ДА");
    }

    #[test]
    fn the_first_word_and_the_rest() {
        assert_eq!(first_word("  vote\tA now").as_deref(), Some("VOTE"));
        assert_eq!(first_word(" \n "), None);
        assert_eq!(after_first_word("  VOTE  a please"), "a please");
        assert_eq!(after_first_word("VOTE"), "");
        assert_eq!(after_first_word(""), "");
    }
}
