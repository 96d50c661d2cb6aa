//! Delivery receipt text (SMPP 3.4 Appendix B, SPEC §3):
//! `id:ID sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:STAT err:ERR text:FIRST20`.
//!
//! [`Receipt::format`] writes exactly that. [`Receipt::parse`] reads what
//! real SMSCs send: keys in any case, fields missing or reordered,
//! `submit_date`/`done_date` spellings, 10- or 12-digit dates, unknown
//! `key:value` fields (kept), and a `text:` that runs to the end with spaces
//! and colons in it. The id is kept exactly as sent; a gateway's `id_format`
//! (`upstream::ids`) makes ids that one SMSC writes in hex and another in
//! decimal compare equal.

use chrono::{NaiveDate, NaiveDateTime};

use super::message_state;
use super::pdu::MessageState;
use super::time::receipt_date;

/// The `stat:` of a receipt. Unknown words are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stat {
    /// `DELIVRD`: delivered to the handset (message_state 2). Final.
    Delivered,
    /// `EXPIRED`: the validity period passed (message_state 3). Final.
    Expired,
    /// `DELETED`: cancelled (message_state 4). Final.
    Deleted,
    /// `UNDELIV`: the network gave up (message_state 5). Final.
    Undeliverable,
    /// `ACCEPTD` (message_state 6). SMPP 3.4 calls it final; here it is an
    /// intermediate receipt, as SMSCs use it for "accepted by the SMSC".
    Accepted,
    /// `UNKNOWN`: the SMSC does not know the outcome (message_state 7). Final.
    Unknown,
    /// `REJECTD`: refused (message_state 8). Final.
    Rejected,
    /// `ENROUTE`: still on its way (message_state 1). Not final.
    Enroute,
    /// A word the spec does not define, kept as written. Not final, and has
    /// no message_state.
    Other(String),
}

impl Stat {
    /// From the receipt word, case-insensitively (`DELIVRD`, `UNDELIV`, …;
    /// the spelled-out forms some SMSCs use are accepted too).
    pub fn from_word(word: &str) -> Stat {
        match word.to_ascii_uppercase().as_str() {
            "DELIVRD" | "DELIVERED" => Stat::Delivered,
            "EXPIRED" => Stat::Expired,
            "DELETED" => Stat::Deleted,
            "UNDELIV" | "UNDELIVERABLE" => Stat::Undeliverable,
            "ACCEPTD" | "ACCEPTED" => Stat::Accepted,
            "UNKNOWN" => Stat::Unknown,
            "REJECTD" | "REJECTED" => Stat::Rejected,
            "ENROUTE" => Stat::Enroute,
            _ => Stat::Other(word.to_owned()),
        }
    }

    /// The 7-letter word written in receipts.
    pub fn word(&self) -> &str {
        match self {
            Stat::Delivered => "DELIVRD",
            Stat::Expired => "EXPIRED",
            Stat::Deleted => "DELETED",
            Stat::Undeliverable => "UNDELIV",
            Stat::Accepted => "ACCEPTD",
            Stat::Unknown => "UNKNOWN",
            Stat::Rejected => "REJECTD",
            Stat::Enroute => "ENROUTE",
            Stat::Other(word) => word,
        }
    }

    /// The message_state TLV value for this stat.
    pub fn message_state(&self) -> Option<MessageState> {
        Some(match self {
            Stat::Delivered => MessageState::Delivered,
            Stat::Expired => MessageState::Expired,
            Stat::Deleted => MessageState::Deleted,
            Stat::Undeliverable => MessageState::Undeliverable,
            Stat::Accepted => MessageState::Accepted,
            Stat::Unknown => MessageState::Unknown,
            Stat::Rejected => MessageState::Rejected,
            Stat::Enroute => MessageState::Enroute,
            Stat::Other(_) => return None,
        })
    }

    /// The stat of a message of ours in `state`.
    pub fn of(state: crate::model::MessageState) -> Stat {
        Stat::from_message_state(message_state::to_smpp(state))
    }

    /// The stat for a message_state TLV value.
    pub fn from_message_state(state: MessageState) -> Stat {
        match state {
            MessageState::Delivered => Stat::Delivered,
            MessageState::Expired => Stat::Expired,
            MessageState::Deleted => Stat::Deleted,
            MessageState::Undeliverable => Stat::Undeliverable,
            MessageState::Accepted => Stat::Accepted,
            MessageState::Rejected => Stat::Rejected,
            MessageState::Enroute | MessageState::Scheduled => Stat::Enroute,
            _ => Stat::Unknown,
        }
    }

    /// Whether the message has reached a final state.
    pub fn is_final(&self) -> bool {
        !matches!(self, Stat::Enroute | Stat::Accepted | Stat::Other(_))
    }
}

/// A delivery receipt's fields. Everything is optional because real
/// receipts omit things; [`Receipt::format`] writes defaults for what is
/// missing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Receipt {
    /// The message id exactly as written (hex, decimal, zero-padded…).
    pub id: String,
    /// `sub:` — messages submitted (normally 1).
    pub submitted: Option<u32>,
    /// `dlvrd:` — messages delivered.
    pub delivered: Option<u32>,
    /// `submit date:` in the SMSC's local time (no zone is given).
    pub submit_date: Option<NaiveDateTime>,
    /// `done date:` in the SMSC's local time.
    pub done_date: Option<NaiveDateTime>,
    /// `stat:` — the message's state, [`Stat`].
    pub stat: Option<Stat>,
    /// `err:` as written; usually three digits, network specific.
    pub err: Option<String>,
    /// `text:` — the first 20 characters of the original message.
    pub text: Option<String>,
    /// Fields we do not know, `(key, value)` in the order seen.
    pub extra: Vec<(String, String)>,
}

/// The first 20 characters of the message, for the receipt's `text:`,
/// non-ASCII shown as `?` (the receipt itself goes out as GSM 03.38/ASCII).
fn first_text(message: &crate::model::Message) -> String {
    crate::sms::incoming::decode(
        message.data_coding,
        message.esm_class,
        &message.payload,
        None,
    )
    .ok()
    .and_then(|decoded| decoded.text)
    .map(|text| {
        text.chars()
            .take(20)
            .map(|c| {
                if c.is_ascii_graphic() || c == ' ' {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Why a text is not a receipt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// The text has no `id:` field; carries the text.
    #[error("no id: field in receipt text {0:?}")]
    MissingId(String),
}

impl Receipt {
    /// Parse receipt text. Only `id:` is required; a field whose value does
    /// not parse (a date of the wrong length) is left `None` and the raw
    /// `key:value` goes to [`Receipt::extra`].
    pub fn parse(text: &str) -> Result<Receipt, ReceiptError> {
        let (head, body) = split_text(text);
        let mut receipt = Receipt {
            text: body.map(str::to_owned),
            ..Receipt::default()
        };
        let mut id = None;
        let mut words = head.split_ascii_whitespace().peekable();
        while let Some(word) = words.next() {
            let (mut key, mut value) = match word.split_once(':') {
                Some((key, value)) => (key.to_ascii_lowercase(), value.to_owned()),
                None => (word.to_ascii_lowercase(), String::new()),
            };
            // "submit date:2403051430": the key spans two words.
            if !word.contains(':') {
                if let Some(next) = words.peek() {
                    if let Some((second, rest)) = next.split_once(':') {
                        key = format!("{key} {}", second.to_ascii_lowercase());
                        value = rest.to_owned();
                        words.next();
                    }
                }
            }
            let normalised = key.replace(['_', ' '], "");
            let known = match normalised.as_str() {
                "id" => {
                    id = Some(value.clone());
                    true
                }
                "sub" => set(&mut receipt.submitted, value.parse().ok()),
                "dlvrd" => set(&mut receipt.delivered, value.parse().ok()),
                "submitdate" => set(&mut receipt.submit_date, parse_date(&value)),
                "donedate" => set(&mut receipt.done_date, parse_date(&value)),
                "stat" => set(&mut receipt.stat, Some(Stat::from_word(&value))),
                "err" => set(&mut receipt.err, Some(value.clone())),
                _ => false,
            };
            if !known {
                receipt.extra.push((key, value));
            }
        }
        receipt.id = id.ok_or_else(|| ReceiptError::MissingId(text.to_owned()))?;
        Ok(receipt)
    }

    /// The SPEC §3 receipt of a finished message, as pasarela sends it to
    /// its customer (over SMPP as a deliver_sm, over UCP as the text of a
    /// delivery notification): dates in UTC, `err:` the message's error
    /// code in three digits, `text:` its first 20 characters with anything
    /// but printable ASCII shown as `?`.
    pub fn of_message(message: &crate::model::Message) -> Receipt {
        let done = message
            .history()
            .last()
            .map_or(message.created_at, |step| step.at);
        let stat = Stat::of(message.state());
        let delivered = u32::from(message.state() == crate::model::MessageState::Delivered);
        Receipt {
            id: message.id.to_string(),
            submitted: Some(1),
            delivered: Some(delivered),
            submit_date: Some(message.created_at.naive_utc()),
            done_date: Some(done.naive_utc()),
            stat: Some(stat),
            err: Some(format!("{:03}", message.error_code.unwrap_or(0))),
            text: Some(first_text(message)),
            extra: Vec::new(),
        }
    }

    /// The canonical text, fields in spec order, 10-digit dates, counts as
    /// three digits, `text:` cut to 20 characters.
    pub fn format(&self) -> String {
        let date =
            |d: &Option<NaiveDateTime>| d.map(receipt_date).unwrap_or_else(|| "0000000000".into());
        let text: String = self
            .text
            .as_deref()
            .unwrap_or_default()
            .chars()
            .take(20)
            .collect();
        format!(
            "id:{} sub:{:03} dlvrd:{:03} submit date:{} done date:{} stat:{} err:{} text:{}",
            self.id,
            self.submitted.unwrap_or(1),
            self.delivered
                .unwrap_or(u32::from(self.stat == Some(Stat::Delivered))),
            date(&self.submit_date),
            date(&self.done_date),
            self.stat.as_ref().map_or("UNKNOWN", Stat::word),
            self.err.as_deref().unwrap_or("000"),
            text
        )
    }
}

fn set<T>(slot: &mut Option<T>, value: Option<T>) -> bool {
    let parsed = value.is_some();
    if parsed {
        *slot = value;
    }
    parsed
}

/// Split at the first `text:` key (any case) that starts a word.
fn split_text(text: &str) -> (&str, Option<&str>) {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower.get(from..).and_then(|rest| rest.find("text:")) {
        let at = from + found;
        let starts_word = at == 0
            || lower
                .as_bytes()
                .get(at - 1)
                .is_some_and(u8::is_ascii_whitespace);
        if starts_word {
            return (text.get(..at).unwrap_or_default(), text.get(at + 5..));
        }
        from = at + 5;
    }
    (text, None)
}

/// `YYMMDDhhmm` or `YYMMDDhhmmss`, years 20YY. Read digit pair by digit
/// pair: it runs for every receipt, and chrono's format parser cost more
/// than the rest of the receipt's parse.
fn parse_date(value: &str) -> Option<NaiveDateTime> {
    let digits = value.as_bytes();
    if !matches!(digits.len(), 10 | 12) || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // The pair at `at`; past the end (the seconds of a ten-digit date), 0.
    let pair = |at: usize| {
        digits.get(at..at + 2).map_or(0, |two| {
            u32::from(two[0] - b'0') * 10 + u32::from(two[1] - b'0')
        })
    };
    let year = 2000 + i32::try_from(pair(0)).ok()?;
    NaiveDate::from_ymd_opt(year, pair(2), pair(4))?.and_hms_opt(pair(6), pair(8), pair(10))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|date| date.and_hms_opt(h, mi, s))
            .expect("valid test date")
    }

    #[test]
    fn final_message_states_report_the_seven_words_of_the_spec() {
        use crate::model::MessageState as Ours;
        let table = [
            (Ours::Delivered, "DELIVRD"),
            (Ours::Undeliverable, "UNDELIV"),
            (Ours::Expired, "EXPIRED"),
            (Ours::Rejected, "REJECTD"),
            (Ours::Unknown, "UNKNOWN"),
            (Ours::Failed, "UNDELIV"),
            (Ours::Deleted, "DELETED"),
        ];
        let finals = Ours::ALL.iter().filter(|state| state.is_final()).count();
        assert_eq!(table.len(), finals);
        for (state, word) in table {
            assert_eq!(Stat::of(state).word(), word, "{state}");
        }
    }

    #[test]
    fn spec_receipt_round_trips() {
        let text = "id:0123456789 sub:001 dlvrd:001 submit date:2403051430 done date:2403051431 stat:DELIVRD err:000 text:Hello world, this is";
        let receipt = Receipt::parse(text).expect("a receipt");
        assert_eq!(receipt.id, "0123456789");
        assert_eq!(receipt.submitted, Some(1));
        assert_eq!(receipt.delivered, Some(1));
        assert_eq!(receipt.submit_date, Some(at(2024, 3, 5, 14, 30, 0)));
        assert_eq!(receipt.done_date, Some(at(2024, 3, 5, 14, 31, 0)));
        assert_eq!(receipt.stat, Some(Stat::Delivered));
        assert_eq!(receipt.err.as_deref(), Some("000"));
        assert_eq!(receipt.text.as_deref(), Some("Hello world, this is"));
        assert!(receipt.extra.is_empty());
        assert_eq!(receipt.format(), text);
    }

    #[test]
    fn tolerates_what_smscs_send() {
        let text = "ID:3E8A1F SUB:1 DLVRD:0 Submit_Date:240305143015 done_date:2403051431 STAT:undeliv ERR:0x0b vendor:xyz Text:hi there: you";
        let receipt = Receipt::parse(text).expect("a receipt");
        assert_eq!(receipt.id, "3E8A1F");
        assert_eq!(receipt.submitted, Some(1));
        assert_eq!(receipt.delivered, Some(0));
        assert_eq!(receipt.submit_date, Some(at(2024, 3, 5, 14, 30, 15)));
        assert_eq!(receipt.done_date, Some(at(2024, 3, 5, 14, 31, 0)));
        assert_eq!(receipt.stat, Some(Stat::Undeliverable));
        assert_eq!(receipt.err.as_deref(), Some("0x0b"));
        assert_eq!(receipt.text.as_deref(), Some("hi there: you"));
        assert_eq!(receipt.extra, vec![("vendor".to_owned(), "xyz".to_owned())]);
    }

    #[test]
    fn missing_fields_and_bad_dates_are_none() {
        let receipt =
            Receipt::parse("id:42 stat:EXPIRED submit date:24030 done date:").expect("id");
        assert_eq!(receipt.id, "42");
        assert_eq!(receipt.stat, Some(Stat::Expired));
        assert_eq!(receipt.submit_date, None);
        assert_eq!(receipt.done_date, None);
        assert_eq!(receipt.text, None);
        assert_eq!(receipt.extra.len(), 2, "unparsed values are kept raw");
        assert_eq!(
            Receipt::parse("stat:DELIVRD text:x"),
            Err(ReceiptError::MissingId("stat:DELIVRD text:x".into()))
        );
        assert!(Receipt::parse("").is_err());
    }

    #[test]
    fn a_date_is_ten_or_twelve_digits_of_a_real_instant() {
        assert_eq!(parse_date("2402291459"), Some(at(2024, 2, 29, 14, 59, 0)));
        assert_eq!(
            parse_date("991231235959"),
            Some(at(2099, 12, 31, 23, 59, 59))
        );
        for impossible in [
            "2302291459",   // no 29 February in 2023
            "2413011200",   // month 13
            "2401012400",   // hour 24
            "2401011260",   // minute 60
            "240101120060", // second 60
            "24010112000",  // eleven digits
            "24010112-0",
            "２４０１０１１２００", // full-width digits
        ] {
            assert_eq!(parse_date(impossible), None, "{impossible}");
        }
    }

    #[test]
    fn text_key_inside_a_word_is_not_the_text_field() {
        let receipt = Receipt::parse("id:7 context:abc text:real").expect("id");
        assert_eq!(receipt.text.as_deref(), Some("real"));
        assert_eq!(
            receipt.extra,
            vec![("context".to_owned(), "abc".to_owned())]
        );
    }

    #[test]
    fn format_fills_defaults_and_cuts_text() {
        let receipt = Receipt {
            id: "abc".into(),
            stat: Some(Stat::Delivered),
            text: Some("0123456789012345678901234".into()),
            ..Receipt::default()
        };
        assert_eq!(
            receipt.format(),
            "id:abc sub:001 dlvrd:001 submit date:0000000000 done date:0000000000 stat:DELIVRD err:000 text:01234567890123456789"
        );
    }

    #[test]
    fn stats_map_to_message_states_and_back() {
        for word in [
            "DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD", "ENROUTE",
        ] {
            let stat = Stat::from_word(word);
            assert_eq!(stat.word(), word);
            let state = stat.message_state().expect("a state");
            assert_eq!(Stat::from_message_state(state), stat);
        }
        assert_eq!(Stat::from_word("FOO"), Stat::Other("FOO".into()));
        assert!(Stat::Delivered.is_final());
        assert!(!Stat::Enroute.is_final());
    }
}
