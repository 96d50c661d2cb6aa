//! Kannel-style MO services (`[[sms_services]]`, issue 16 item 9): the
//! URL of a `get_url` or `post_url` filled with Kannel's escape codes from
//! the MO, as smsbox's `urltrans_fill_escape_codes` fills it (the codes
//! every use shares in `kannel::escape`), and the reply made of the
//! application's answer. No I/O here.
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
//! | `%d`, `%B`, `%f`, `%F`, `%u` | empty: an MO has no receipt status, billing information, SMSC number or foreign id, and its UDH is removed when its parts are joined |
//! | `%%` | `%` |
//!
//! Any other `%x` stays as written, as in Kannel. Every value but `%S`,
//! `%t` and the numbers of `%c`, `%O` and `%T` is URL-encoded as Kannel
//! does: letters, digits and `-_.!~*'()` as they are, a space as `+`,
//! every other octet as `%XX`.

use chrono::{DateTime, Utc};

use crate::kannel::escape::{self, TooLong, plus_for_00, url_encode};

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
}

/// The longest URL a service is called with: far beyond what any server
/// takes, while a 255-part MO filled in by `%a` and `%b` stays below it.
pub const MAX_URL_LEN: usize = 256 * 1024;

/// `pattern` (a `get_url`, `post_url` or `text`) with Kannel's escape
/// codes replaced by what `request` has; refused past [`MAX_URL_LEN`].
pub fn fill(pattern: &str, request: &ServiceRequest<'_>) -> Result<String, TooLong> {
    escape::fill(pattern, request.text.unwrap_or(""), MAX_URL_LEN, |code| {
        let filled = match code {
            'A' | 'b' => url_encode(request.octets()),
            'p' => url_encode(request.from.as_bytes()),
            'P' => url_encode(request.to.as_bytes()),
            'q' => plus_for_00(request.from),
            'Q' => plus_for_00(request.to),
            't' => escape::time(request.received),
            'T' => request.received.timestamp().to_string(),
            'i' => url_encode(request.gateway.as_bytes()),
            'I' => url_encode(request.id.as_bytes()),
            'n' => url_encode(request.service.as_bytes()),
            'o' => url_encode(request.account.as_bytes()),
            'c' => if request.text.is_some() { "0" } else { "1" }.to_owned(),
            'C' => if request.text.is_some() {
                "UTF-8"
            } else {
                "8-BIT"
            }
            .to_owned(),
            'O' => format!("{:02}", request.dcs),
            'd' | 'B' | 'f' | 'F' | 'u' => String::new(),
            _ => return None,
        };
        Some(filled)
    })
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

    fn fill_ok(pattern: &str, request: &ServiceRequest<'_>) -> String {
        fill(pattern, request).unwrap()
    }

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
            fill_ok("http://a/w?k=%k&c=%s&n=%s&rest=%r&all=%a", &mo),
            "http://a/w?k=WEATHER&c=Paris&n=%26&rest=*x*+2+days&all=WEATHER+Paris+%26+*x*+2+days"
        );
        assert_eq!(fill_ok("/%s/%S/%r", &mo), "/Paris/&/*x*+2+days");
        assert_eq!(fill_ok("%s%s%S", &mo), "Paris%26~x~");
        assert_eq!(fill_ok("%s%s%s%s%s%s%s|%r|", &mo), "Paris%26*x*2days||");
    }

    #[test]
    fn the_mo_fills_the_other_codes() {
        let mo = request(Some("hola señor"));
        assert_eq!(
            fill_ok("%p|%P|%q|%Q", &mo),
            "0034600111222|12345|%2B34600111222|12345"
        );
        assert_eq!(fill_ok("%t|%T", &mo), "2025-12-05+10:20:00|1764930000");
        assert_eq!(fill_ok("%i|%I|%n|%o", &mo), "operator-a|5119|weather|shop");
        assert_eq!(fill_ok("%c|%C|%O", &mo), "0|UTF-8|08");
        assert_eq!(fill_ok("%b|%A", &mo), "hola+se%C3%B1or|hola+se%C3%B1or");
        assert_eq!(fill_ok("[%d%B%f%F%u]", &mo), "[]");
        assert_eq!(fill_ok("100%% %z %", &mo), "100% %z %");
        let binary = request(None);
        assert_eq!(fill_ok("%c|%C|%b|%k|%a", &binary), "1|8-BIT|%01%02+||");
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
