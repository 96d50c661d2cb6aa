//! Kannel-style MO services (`[[sms_services]]`, issue 16 item 9): the
//! URL of a `get_url` or `post_url` filled with Kannel's escape codes from
//! the MO, as smsbox's `urltrans_fill_escape_codes` fills it, and the
//! reply made of the application's answer. No I/O here.
//!
//! | code | replaced with |
//! |---|---|
//! | `%k` | the first word (the keyword) |
//! | `%s` | the next word not yet used, starting at the second (each `%s` or `%S` takes one) |
//! | `%S` | as `%s`, not URL-encoded, with `*` turned into `~` |
//! | `%r` | the words `%s` and `%S` have not used, joined by `+` |
//! | `%a` | every word, joined by `+` |
//! | `%A`, `%b` | the whole text as received (a binary MO's octets) |
//! | `%p` | the number that sent the MO |
//! | `%P` | the number it was sent to |
//! | `%q`, `%Q` | as `%p`, `%P`, a leading `00` written `+` |
//! | `%t` | when it was received, `YYYY-MM-DD+HH:MM:SS` (UTC) |
//! | `%T` | the same as seconds since 1970 |
//! | `%i` | the gateway (Kannel's smsc-id) it came through |
//! | `%I` | its message id |
//! | `%n` | the service's name |
//! | `%o` | the account (system_id) it was routed to |
//! | `%c` | its coding: 0 for text (passed as UTF-8), 1 for binary |
//! | `%C` | its charset: `UTF-8` for text, `8-BIT` for binary |
//! | `%O` | its data_coding (DCS), two digits at least |
//! | `%d`, `%A` of a receipt, `%B`, `%f`, `%F`, `%u` | empty: an MO has no receipt status, billing information, SMSC number or foreign id, and its UDH is removed when its parts are joined |
//! | `%%` | `%` |
//!
//! Any other `%x` stays as written, as in Kannel. Every value but `%S`,
//! `%t` and the numbers of `%c`, `%O` and `%T` is URL-encoded as Kannel
//! does: letters, digits and `-_.!~*'()` as they are, a space as `+`,
//! every other octet as `%XX`.

use chrono::{DateTime, Utc};

/// The MO a service is called for.
#[derive(Debug, Clone, Copy)]
pub struct ServiceRequest<'a> {
    /// The service's name (`%n`).
    pub service: &'a str,
    /// The account it was routed to (`%o`).
    pub account: &'a str,
    /// The number that sent it (`%p`).
    pub from: &'a str,
    /// The number it was sent to (`%P`).
    pub to: &'a str,
    /// Its text, when it has one; a binary MO has `None`.
    pub text: Option<&'a str>,
    /// Its octets as received (for a binary MO).
    pub body: &'a [u8],
    /// Its data_coding (`%O`).
    pub dcs: u8,
    /// When it was received (`%t`, `%T`).
    pub received: DateTime<Utc>,
    /// The gateway it came through (`%i`).
    pub gateway: &'a str,
    /// Its message id (`%I`).
    pub id: &'a str,
}

impl ServiceRequest<'_> {
    /// The octets `%b` and a `post_url`'s body carry.
    pub fn octets(&self) -> &[u8] {
        match self.text {
            Some(text) => text.as_bytes(),
            None => self.body,
        }
    }

    /// The words of the text, split at white space.
    fn words(&self) -> Vec<&str> {
        self.text
            .map(|text| text.split_whitespace().collect())
            .unwrap_or_default()
    }
}

/// `pattern` (a `get_url` or `post_url`) with Kannel's escape codes
/// replaced by what `request` has.
pub fn fill(pattern: &str, request: &ServiceRequest<'_>) -> String {
    let words = request.words();
    let mut next_word = 1;
    let mut filled = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            filled.push(c);
            continue;
        }
        let Some(code) = chars.next() else {
            filled.push('%');
            break;
        };
        match code {
            'k' => {
                if let Some(word) = words.first() {
                    encode_into(word.as_bytes(), &mut filled);
                }
            }
            's' => {
                if let Some(word) = words.get(next_word) {
                    encode_into(word.as_bytes(), &mut filled);
                    next_word += 1;
                }
            }
            'S' => {
                if let Some(word) = words.get(next_word) {
                    filled.extend(word.chars().map(|c| if c == '*' { '~' } else { c }));
                    next_word += 1;
                }
            }
            'r' => join_into(words.iter().skip(next_word), &mut filled),
            'a' => join_into(words.iter(), &mut filled),
            'A' | 'b' => encode_into(request.octets(), &mut filled),
            'p' => encode_into(request.from.as_bytes(), &mut filled),
            'P' => encode_into(request.to.as_bytes(), &mut filled),
            'q' => plus_for_00(request.from, &mut filled),
            'Q' => plus_for_00(request.to, &mut filled),
            't' => filled.push_str(&request.received.format("%Y-%m-%d+%H:%M:%S").to_string()),
            'T' => filled.push_str(&request.received.timestamp().to_string()),
            'i' => encode_into(request.gateway.as_bytes(), &mut filled),
            'I' => encode_into(request.id.as_bytes(), &mut filled),
            'n' => encode_into(request.service.as_bytes(), &mut filled),
            'o' => encode_into(request.account.as_bytes(), &mut filled),
            'c' => filled.push(if request.text.is_some() { '0' } else { '1' }),
            'C' => filled.push_str(if request.text.is_some() {
                "UTF-8"
            } else {
                "8-BIT"
            }),
            'O' => filled.push_str(&format!("{:02}", request.dcs)),
            'd' | 'B' | 'f' | 'F' | 'u' => {}
            '%' => filled.push('%'),
            other => {
                filled.push('%');
                filled.push(other);
            }
        }
    }
    filled
}

/// `words` URL-encoded and joined by `+`.
fn join_into<'w>(words: impl Iterator<Item = &'w &'w str>, filled: &mut String) {
    for (index, word) in words.enumerate() {
        if index > 0 {
            filled.push('+');
        }
        encode_into(word.as_bytes(), filled);
    }
}

/// A number with a leading `00` written as `+` (encoded, `%2B`).
fn plus_for_00(number: &str, filled: &mut String) {
    match number.strip_prefix("00") {
        Some(rest) => {
            filled.push_str("%2B");
            encode_into(rest.as_bytes(), filled);
        }
        None => encode_into(number.as_bytes(), filled),
    }
}

/// Kannel's `octstr_url_encode`: letters, digits and `-_.!~*'()` kept, a
/// space as `+`, every other octet `%XX`.
fn encode_into(octets: &[u8], filled: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &octet in octets {
        match octet {
            b' ' => filled.push('+'),
            b'a'..=b'z'
            | b'A'..=b'Z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'~'
            | b'*'
            | b'\''
            | b'('
            | b')' => filled.push(char::from(octet)),
            _ => {
                filled.push('%');
                filled.push(char::from(HEX[usize::from(octet >> 4)]));
                filled.push(char::from(HEX[usize::from(octet & 0xf)]));
            }
        }
    }
}

/// The reply an application's answer makes: `None` when there is nothing
/// to send (`max_messages` 0, or an empty answer with `omit_empty`);
/// otherwise the answer with surrounding white space trimmed, or, when it
/// is empty, Kannel's `<Empty reply from service provider>`.
pub fn reply_text(answer: &str, max_messages: u32, omit_empty: bool) -> Option<String> {
    if max_messages == 0 {
        return None;
    }
    let answer = answer.trim();
    if answer.is_empty() {
        return (!omit_empty).then(|| EMPTY_REPLY.to_owned());
    }
    Some(answer.to_owned())
}

/// `text` cut to what `max_messages` SMS parts carry: smsbox sends no
/// more than `max-messages` messages of a long answer and drops the rest.
pub fn within_parts(text: &str, max_messages: u32) -> String {
    let fits = |chars: usize| {
        let prefix: String = text.chars().take(chars).collect();
        crate::intake::text_parts(&prefix)
            .is_ok_and(|(_, parts)| parts.len() <= max_messages as usize)
    };
    let total = text.chars().count();
    if fits(total) {
        return text.to_owned();
    }
    // The longest prefix that fits: `low` fits, `high` does not.
    let (mut low, mut high) = (0, total);
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if fits(middle) {
            low = middle;
        } else {
            high = middle;
        }
    }
    text.chars().take(low).collect()
}

/// What smsbox sends for an empty answer when `omit-empty` is off (its
/// `reply-emptymessage`).
pub const EMPTY_REPLY: &str = "<Empty reply from service provider>";

#[cfg(test)]
mod tests {
    use super::*;

    fn request(text: Option<&'static str>) -> ServiceRequest<'static> {
        ServiceRequest {
            service: "weather",
            account: "shop",
            from: "0034600111222",
            to: "12345",
            text,
            body: b"\x01\x02 ",
            dcs: 8,
            received: DateTime::from_timestamp(1_764_930_000, 0).unwrap(),
            gateway: "operator-a",
            id: "5119",
        }
    }

    #[test]
    fn words_are_taken_as_kannel_takes_them() {
        let mo = request(Some("WEATHER  Paris &  *x* 2 days"));
        assert_eq!(
            fill("http://a/w?k=%k&c=%s&n=%s&rest=%r&all=%a", &mo),
            "http://a/w?k=WEATHER&c=Paris&n=%26&rest=*x*+2+days&all=WEATHER+Paris+%26+*x*+2+days"
        );
        assert_eq!(fill("/%s/%S/%r", &mo), "/Paris/&/*x*+2+days");
        assert_eq!(fill("%s%s%S", &mo), "Paris%26~x~");
        assert_eq!(fill("%s%s%s%s%s%s%s|%r|", &mo), "Paris%26*x*2days||");
    }

    #[test]
    fn the_mo_fills_the_other_codes() {
        let mo = request(Some("hola señor"));
        assert_eq!(
            fill("%p|%P|%q|%Q", &mo),
            "0034600111222|12345|%2B34600111222|12345"
        );
        assert_eq!(fill("%t|%T", &mo), "2025-12-05+10:20:00|1764930000");
        assert_eq!(fill("%i|%I|%n|%o", &mo), "operator-a|5119|weather|shop");
        assert_eq!(fill("%c|%C|%O", &mo), "0|UTF-8|08");
        assert_eq!(fill("%b|%A", &mo), "hola+se%C3%B1or|hola+se%C3%B1or");
        assert_eq!(fill("[%d%B%f%F%u]", &mo), "[]");
        assert_eq!(fill("100%% %z %", &mo), "100% %z %");
        let binary = request(None);
        assert_eq!(fill("%c|%C|%b|%k|%a", &binary), "1|8-BIT|%01%02+||");
    }

    #[test]
    fn the_answer_becomes_the_reply() {
        assert_eq!(reply_text(" Sunny \n", 1, true).as_deref(), Some("Sunny"));
        assert_eq!(reply_text("", 1, true), None);
        assert_eq!(reply_text("  ", 1, false).as_deref(), Some(EMPTY_REPLY));
        assert_eq!(reply_text("Sunny", 0, false), None);
    }

    #[test]
    fn a_long_answer_is_cut_to_max_messages_parts() {
        let long = "x".repeat(400);
        assert_eq!(within_parts("short", 1), "short");
        assert_eq!(within_parts(&long, 1).len(), 160);
        assert_eq!(within_parts(&long, 2).len(), 306);
        assert_eq!(within_parts(&long, 3), long);
        assert_eq!(within_parts(&"ñ".repeat(100), 1).chars().count(), 100);
        assert_eq!(within_parts(&"ж".repeat(100), 1).chars().count(), 70);
    }
}
