//! Kannel's dlr-url: the URL a sendsms client gives with `dlr-url`, its
//! escape codes filled in from the message and the event being reported,
//! as Kannel's `urltrans_fill_escape_codes` (gw/urltrans.c) fills them for
//! a delivery report. Pure: the callback sender calls [`expand`] and
//! fetches the result. No I/O here.
//!
//! The codes, with the user's guide's words ("Parameters (escape codes)")
//! and what pasarela puts there. Values are URL-encoded as Kannel's
//! `octstr_url_encode` does (letters, digits and `-_.!~*'()` kept, a space
//! as `+`, every other octet `%XX`), except `%S`, `%t`, `%T`, `%I` and the
//! numbers, which need none.
//!
//! | code | user's guide | here |
//! |---|---|---|
//! | `%d` | the delivery report value | the event: 1 delivered, 2 failed, 4 buffered, 8 SMSC accepted, 16 SMSC rejected |
//! | `%A` | the delivery report SMSC reply, if any | the event's reply: the receipt text, `ACK/...` or `NACK/...` |
//! | `%a` | all words of the SMS message, including the first one | the reply's words joined by `+` (in a report Kannel's "message" is the reply) |
//! | `%b` | the original SMS message, in a binary form | the reply |
//! | `%k`, `%s`, `%S`, `%r` | the keyword, next word, next word unencoded with `*` as `~`, remaining words | of the reply, as Kannel |
//! | `%p` | the phone number of the sender of the SMS message | the message's destination (a report travels back: Kannel's report swaps the two) |
//! | `%P` | the phone number of the receiver of the SMS message | the message's sender |
//! | `%q`, `%Q` | like `%p`, `%P`, but a leading `00` is replaced with `+` | the same |
//! | `%t` | the time the message was sent, "YYYY-MM-DD HH:MM" | the event's time, UTC, `YYYY-MM-DD+HH:MM:SS` as Kannel 1.4 writes it |
//! | `%T` | the time, as UNIX epoch | the event's time in seconds |
//! | `%i` | the smsc-id of the connection | the gateway the message went to |
//! | `%I` | the internal message ID | the pasarela message id |
//! | `%F` | the foreign (SMSC-provided) message ID | the gateway's id for the message |
//! | `%n` | the sendsms-user or sms-service name | the account |
//! | `%o` | the account (sendsms `account`) | the message's client reference |
//! | `%c`, `%C` | message coding (0 7-bit, 1 8-bit, 2 UCS-2); charset | from the message's data_coding: `UTF-8`, `8-BIT` or `UTF-16BE` |
//! | `%m`, `%M` | message class; message waiting indicator | from the data_coding, -1 when it carries none |
//! | `%O` | DCS | the data_coding, at least two digits |
//! | `%u` | the UDH | the message's UDH, if it has one |
//! | `%R` | the dlr-url itself | the template |
//! | `%B`, `%D`, `%f` | billing info, meta-data, SMSC number | empty: pasarela keeps none |
//! | `%%` | | `%` |
//!
//! Any other `%X` is left as written, as Kannel leaves it.

use chrono::{DateTime, Utc};

use super::escape::{self, plus_for_00, url_encode};

use crate::model::Message;
use crate::sms::{Alphabet, ESM_CLASS_UDHI};

/// What a report tells: Kannel's `dlr-mask` bits (gw/dlr.h). Bit 4,
/// `DLR_BUFFERED` (queued at the SMSC), may be in a mask; no report of it
/// is ever sent, as no SMSC link here reports buffering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DlrType {
    /// `DLR_SUCCESS`: delivered to the phone.
    Delivered = 1,
    /// `DLR_FAIL`: not delivered.
    Failed = 2,
    /// `DLR_SMSC_SUCCESS`: the SMSC took it (submit_sm_resp OK).
    SmscAccepted = 8,
    /// `DLR_SMSC_FAIL`: the SMSC refused it.
    SmscRejected = 16,
}

impl DlrType {
    /// Whether `mask` (a message's `dlr-mask`) asks for this report.
    pub fn wanted_by(self, mask: u8) -> bool {
        mask & self as u8 != 0
    }
}

/// One report of a message's fate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DlrEvent<'a> {
    /// Which event: the `dlr-mask` bit it answers to (`%d`).
    pub kind: DlrType,
    /// When it happened (`%t`, `%T`).
    pub at: DateTime<Utc>,
    /// What the SMSC said (`%A` and the word codes): a receipt's text, or
    /// `ACK/` / `NACK/<reason>` for kinds 8 and 16, as Kannel writes them.
    pub reply: &'a str,
}

/// The longest filled-in dlr-url fetched: twice the longest template
/// (`callbacks::target::MAX_URL_LEN`), room for any real use of the codes;
/// `%R` or `%A` repeated could otherwise make one callback megabytes long.
pub const MAX_EXPANDED_LEN: usize = 2048;

/// A dlr-url that fills in longer than [`MAX_EXPANDED_LEN`].
pub use escape::TooLong;

/// `template` with its escape codes filled in for `event` of `message`;
/// refused once the result passes [`MAX_EXPANDED_LEN`].
pub fn expand(template: &str, message: &Message, event: &DlrEvent<'_>) -> Result<String, TooLong> {
    escape::fill(template, event.reply, MAX_EXPANDED_LEN, |code| {
        let filled = match code {
            'A' | 'b' => url_encode(event.reply.as_bytes()),
            'c' => coding(message.data_coding).0.to_string(),
            'C' => coding(message.data_coding).1.to_owned(),
            'd' => (event.kind as u8).to_string(),
            'F' => message
                .upstream_id
                .as_ref()
                .map(|id| url_encode(id.to_string().as_bytes()))
                .unwrap_or_default(),
            'i' => message
                .gateway
                .as_ref()
                .map(|gateway| url_encode(gateway.as_str().as_bytes()))
                .unwrap_or_default(),
            'I' => message.id.to_string(),
            'm' => message_class(message.data_coding).to_string(),
            'M' => message_waiting(message.data_coding).to_string(),
            'n' => url_encode(message.account.as_str().as_bytes()),
            'o' => message
                .client_reference
                .as_deref()
                .map(|reference| url_encode(reference.as_bytes()))
                .unwrap_or_default(),
            'O' => format!("{:02}", message.data_coding),
            'p' => url_encode(message.destination.text().as_bytes()),
            'P' => url_encode(message.source.text().as_bytes()),
            'q' => plus_for_00(message.destination.text()),
            'Q' => plus_for_00(message.source.text()),
            't' => escape::time(event.at),
            'T' => event.at.timestamp().to_string(),
            'u' => udh(message),
            'R' => url_encode(template.as_bytes()),
            'B' | 'D' | 'f' => String::new(),
            _ => return None,
        };
        Some(filled)
    })
}

/// Kannel's coding number and charset name for a data_coding.
fn coding(data_coding: u8) -> (i8, &'static str) {
    match Alphabet::from_data_coding(data_coding) {
        Alphabet::Binary => (1, "8-BIT"),
        Alphabet::Ucs2 => (2, "UTF-16BE"),
        _ => (0, "UTF-8"),
    }
}

/// The message class a data_coding carries (general group with bit 4, or
/// the 1111 group), else -1 (Kannel's `MC_UNDEF`).
fn message_class(data_coding: u8) -> i8 {
    match data_coding >> 4 {
        0x1 | 0x3 | 0x5 | 0x7 | 0xF => (data_coding & 0x03) as i8,
        _ => -1,
    }
}

/// The message waiting indication a data_coding carries, as Kannel's `mwi`
/// (0–3 active, 4–7 inactive), else -1 (`MWI_UNDEF`).
fn message_waiting(data_coding: u8) -> i8 {
    match data_coding >> 4 {
        0xC..=0xE if data_coding & 0x08 != 0 => (data_coding & 0x03) as i8,
        0xC..=0xE => ((data_coding & 0x03) | 0x04) as i8,
        _ => -1,
    }
}

/// The message's UDH, URL-encoded octet by octet; empty without one.
fn udh(message: &Message) -> String {
    if message.esm_class & ESM_CLASS_UDHI == 0 {
        return String::new();
    }
    let Some(&length) = message.payload.first() else {
        return String::new();
    };
    let header = message
        .payload
        .get(..=usize::from(length))
        .unwrap_or(&message.payload);
    url_encode(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The template filled in, for templates that fit.
    fn filled(template: &str, message: &Message, event: &DlrEvent<'_>) -> String {
        expand(template, message, event).unwrap()
    }
    use crate::model::{AccountId, Address, GatewayName, MessageId, UpstreamId};
    use chrono::TimeZone;

    fn message() -> Message {
        let mut message = Message::new(
            MessageId::new(4711),
            AccountId::new("demo").unwrap(),
            Address::alphanumeric("Shop").unwrap(),
            Address::new(
                crate::model::Ton::International,
                crate::model::Npi::Isdn,
                "34600111222",
            )
            .unwrap(),
            b"Hello world".to_vec(),
            Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
        );
        message.gateway = Some(GatewayName::new("operator-a").unwrap());
        message.upstream_id = Some(UpstreamId::new("0a1b2c").unwrap());
        message.client_reference = Some("order 17".into());
        message
    }

    fn delivered(reply: &str) -> DlrEvent<'_> {
        DlrEvent {
            kind: DlrType::Delivered,
            at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 5).unwrap(),
            reply,
        }
    }

    const RECEIPT: &str = "id:0a1b2c sub:001 dlvrd:001 submit date:2612010900 done date:2612010900 stat:DELIVRD err:000 text:Hello world";

    #[test]
    fn the_guides_example_url_gets_type_and_numbers() {
        // The user's guide's DLR example: dlr-url=http://host/dlr.php?type=%d&...
        let url = filled(
            "http://host/dlr.php?type=%d&to=%p&from=%P&smsc=%i&id=%I&fid=%F",
            &message(),
            &delivered(RECEIPT),
        );
        assert_eq!(
            url,
            "http://host/dlr.php?type=1&to=34600111222&from=Shop&smsc=operator-a&id=4711&fid=0a1b2c"
        );
    }

    #[test]
    fn the_reply_and_its_words_are_url_encoded_as_kannel_does() {
        let event = DlrEvent {
            kind: DlrType::SmscRejected,
            ..delivered("NACK/0x00000045/Submit failed")
        };
        let url = filled("r=%A&d=%d&k=%k&s=%s&r2=%r&a=%a", &message(), &event);
        assert_eq!(
            url,
            "r=NACK%2F0x00000045%2FSubmit+failed&d=16&k=NACK%2F0x00000045%2FSubmit&s=failed&r2=&a=NACK%2F0x00000045%2FSubmit+failed"
        );
        // Kannel's safe set: letters, digits and -_.!~*'() stay as they are.
        assert_eq!(
            filled("%A", &message(), &delivered("a-b_c.d!e~f*g'h(i)j é&=")),
            "a-b_c.d!e~f*g'h(i)j+%C3%A9%26%3D"
        );
        assert_eq!(filled("%S", &message(), &delivered("x a*b")), "a~b");
    }

    #[test]
    fn times_are_kannels_two_formats() {
        let url = filled("t=%t&T=%T", &message(), &delivered(RECEIPT));
        assert_eq!(url, "t=2026-12-01+09:00:05&T=1796115605");
    }

    #[test]
    fn the_message_fields_fill_their_codes() {
        let mut message = message();
        message.source = Address::new(
            crate::model::Ton::Unknown,
            crate::model::Npi::Isdn,
            "0034911234567",
        )
        .unwrap();
        let url = filled(
            "q=%q&Q=%Q&n=%n&o=%o&c=%c&C=%C&m=%m&M=%M&O=%O&u=%u&B=%B&D=%D&f=%f",
            &message,
            &delivered(RECEIPT),
        );
        assert_eq!(
            url,
            "q=34600111222&Q=%2B34911234567&n=demo&o=order+17&c=0&C=UTF-8&m=-1&M=-1&O=00&u=&B=&D=&f="
        );
        message.data_coding = 0x19;
        message.esm_class = ESM_CLASS_UDHI;
        message.payload = vec![0x05, 0x00, 0x03, 0x2A, 0x02, 0x01, 0x00, 0x41];
        let url = filled("c=%c&C=%C&m=%m&O=%O&u=%u", &message, &delivered(RECEIPT));
        // 0x2A is `*`, which Kannel's safe set keeps.
        assert_eq!(url, "c=2&C=UTF-16BE&m=1&O=25&u=%05%00%03*%02%01");
        message.data_coding = 0xD8;
        assert_eq!(filled("%M", &message, &delivered(RECEIPT)), "0");
        message.data_coding = 0xC0;
        assert_eq!(filled("%M", &message, &delivered(RECEIPT)), "4");
    }

    #[test]
    fn percent_signs_and_unknown_codes_stay() {
        assert_eq!(
            filled("a=%%&b=%z&c=%", &message(), &delivered(RECEIPT)),
            "a=%&b=%z&c=%"
        );
        assert_eq!(filled("%R", &message(), &delivered(RECEIPT)), "%25R");
    }

    #[test]
    fn a_mask_selects_the_reports_it_names() {
        assert!(DlrType::Delivered.wanted_by(3));
        assert!(DlrType::Failed.wanted_by(3));
        assert!(!DlrType::SmscAccepted.wanted_by(3));
        assert!(DlrType::SmscRejected.wanted_by(31));
    }

    #[test]
    fn a_template_that_fills_in_too_long_is_refused() {
        let template = format!("http://h/?{}", "%R".repeat(500));
        assert_eq!(
            expand(&template, &message(), &delivered(RECEIPT)),
            Err(TooLong(MAX_EXPANDED_LEN))
        );
        let fits = format!("http://h/?{}", "x".repeat(MAX_EXPANDED_LEN - 10));
        assert_eq!(filled(&fits, &message(), &delivered(RECEIPT)), fits);
    }
}
