//! The per-message report of SPEC §6 (id, number, type, length, sender,
//! country, operator, credit, state, error code, description, date), one
//! row per stored message part, and the filters a listing takes. Pure: the
//! listing endpoint (`actors/web/messages_list.rs`) reads the store and
//! writes the rows as JSON or CSV.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::api::FieldError;
use crate::model::{AccountId, Message, MessageState, comparable_number};
use crate::numbering::{self, Operators};
use crate::sms::Alphabet;
use crate::sms::incoming::decode_text;
use crate::sms::udh::body_of;

/// One message part as the report shows it. Field order is the CSV's
/// column order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    /// Our message id, decimal.
    pub id: String,
    /// The destination.
    pub number: String,
    /// `text` (GSM 03.38, ASCII, Latin-1), `unicode` (UCS-2) or `binary`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Characters of text, or octets of binary data, in this part (its
    /// user data header not counted).
    pub length: usize,
    /// The sender (`source_addr`) as stored: E.164 digits, an alphanumeric
    /// id, or other text as given.
    pub sender: String,
    /// ISO 3166-1 alpha-2, from the calling code; empty when unknown.
    pub country: &'static str,
    /// From the `[[numbering]]` ranges; empty when none covers the number.
    pub operator: String,
    /// What the part was charged, as a decimal.
    pub credit: String,
    /// The part's state now.
    pub state: MessageState,
    /// The `err:` code of the final receipt, upstream's or ours; empty until
    /// there is one.
    pub error_code: Option<u16>,
    /// The state in words (see [`describe`]).
    pub description: &'static str,
    /// When it was accepted.
    pub date: DateTime<Utc>,
    /// The account that sent it: only in the operator's listing of every
    /// account, after the columns above.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl ReportRow {
    /// The CSV header: the fields' serialized names, in order.
    pub const COLUMNS: [&'static str; 12] = [
        "id",
        "number",
        "type",
        "length",
        "sender",
        "country",
        "operator",
        "credit",
        "state",
        "error_code",
        "description",
        "date",
    ];

    /// The row of `message`, its operator from `operators`.
    pub fn new(message: &Message, operators: &Operators) -> ReportRow {
        let alphabet = Alphabet::from_data_coding(message.data_coding);
        let body = body_of(message.esm_class, &message.payload);
        let (kind, length) = match decode_text(alphabet, body) {
            Some(text) if alphabet == Alphabet::Ucs2 => ("unicode", text.chars().count()),
            Some(text) => ("text", text.chars().count()),
            None => ("binary", body.len()),
        };
        let number = message.destination.text().to_string();
        ReportRow {
            id: message.id.to_string(),
            country: numbering::country(&number).unwrap_or(""),
            operator: operators.operator(&number).unwrap_or("").to_string(),
            number,
            kind,
            length,
            sender: message.source.text().to_string(),
            credit: message.price.to_string(),
            state: message.state(),
            error_code: message.error_code,
            description: describe(message.state()),
            date: message.created_at,
            account: None,
        }
    }

    /// This row naming `account` in its last column.
    pub fn with_account(self, account: &AccountId) -> ReportRow {
        ReportRow {
            account: Some(account.to_string()),
            ..self
        }
    }
}

/// What a state means, in words for the report's reader.
pub fn describe(state: MessageState) -> &'static str {
    match state {
        MessageState::Accepted => "accepted, not yet routed",
        MessageState::Routed => "waiting for or being sent to a gateway",
        MessageState::Submitted => "with the operator, waiting for its receipt",
        MessageState::Delivered => "delivered to the handset",
        MessageState::Undeliverable => "the network could not deliver it",
        MessageState::Expired => "its validity period passed",
        MessageState::Rejected => "refused by the operator",
        MessageState::Unknown => "the operator does not know what became of it",
        MessageState::Failed => "never reached an operator (no route, or every gateway refused it)",
        MessageState::Deleted => "cancelled",
    }
}

/// Which messages a listing shows; every filter given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only messages in this state.
    pub state: Option<MessageState>,
    /// The destination as searches compare numbers
    /// ([`comparable_number`]: "+34 600 123 456" is 34600123456).
    pub to: Option<String>,
    /// Accepted at or after.
    pub from_date: Option<DateTime<Utc>>,
    /// Accepted before.
    pub to_date: Option<DateTime<Utc>>,
    /// The sender as stored (a leading `+` is ignored).
    pub sender: Option<String>,
}

impl Filter {
    /// From the query parameters `state`, `to`, `from_date` and `to_date`
    /// (RFC 3339, or a day `YYYY-MM-DD`: from its start, or to its end).
    pub fn parse(
        state: Option<&str>,
        to: Option<&str>,
        from_date: Option<&str>,
        to_date: Option<&str>,
    ) -> Result<Filter, FieldError> {
        let state = state
            .map(|name| {
                MessageState::ALL
                    .into_iter()
                    .find(|state| state.as_str().eq_ignore_ascii_case(name))
                    .ok_or_else(|| FieldError {
                        field: "state".into(),
                        detail: format!("unknown state {name:?}"),
                    })
            })
            .transpose()?;
        Ok(Filter {
            state,
            to: to.map(|to| comparable_number(to.trim()).into_owned()),
            from_date: from_date
                .map(|text| instant("from_date", text, 0))
                .transpose()?,
            to_date: to_date
                .map(|text| instant("to_date", text, 1))
                .transpose()?,
            sender: None,
        })
    }

    /// This filter, also only for messages from `sender` when given.
    pub fn from_sender(self, sender: Option<&str>) -> Filter {
        Filter {
            sender: sender.map(|sender| sender.strip_prefix('+').unwrap_or(sender).to_string()),
            ..self
        }
    }

    /// Whether `message` passes every filter given.
    pub fn matches(&self, message: &Message) -> bool {
        self.state.is_none_or(|state| message.state() == state)
            && self
                .to
                .as_ref()
                .is_none_or(|to| message.destination.comparable() == to.as_str())
            && self.from_date.is_none_or(|from| message.created_at >= from)
            && self.to_date.is_none_or(|to| message.created_at < to)
            && self
                .sender
                .as_ref()
                .is_none_or(|sender| message.source.text() == sender)
    }

    /// Whether no message accepted at or before `created` can match, so a
    /// newest-first walk may stop.
    pub fn ends_before(&self, created: DateTime<Utc>) -> bool {
        self.from_date.is_some_and(|from| created < from)
    }
}

/// An RFC 3339 instant, or the start of a day plus `days_after` days.
fn instant(field: &str, text: &str, days_after: u64) -> Result<DateTime<Utc>, FieldError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.checked_add_days(chrono::Days::new(days_after)))
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|start| start.and_utc())
        .ok_or_else(|| FieldError {
            field: field.into(),
            detail: format!("{text:?} is neither an RFC 3339 time nor a YYYY-MM-DD day"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountId, Address, MessageId, Money, Npi, Ton};
    use crate::sms::ESM_CLASS_UDHI;

    fn message(payload: &[u8], data_coding: u8, esm_class: u8) -> Message {
        let mut message = Message::new(
            MessageId::new(7),
            AccountId::new("demo").unwrap(),
            Address::alphanumeric("Shop").unwrap(),
            Address::new(Ton::International, Npi::Isdn, "34600123456").unwrap(),
            payload.to_vec(),
            "2026-12-01T10:00:00Z".parse().unwrap(),
        );
        message.data_coding = data_coding;
        message.esm_class = esm_class;
        message.price = Money::from_micros(1_500_000);
        message
    }

    fn row_of(message: &Message) -> ReportRow {
        let operators = Operators::new(&[crate::config::NumberingConfig {
            prefix: "34600".into(),
            operator: "Movil B".into(),
        }]);
        ReportRow::new(message, &operators)
    }

    #[test]
    fn a_row_tells_type_length_country_operator_and_credit() {
        let row = row_of(&message(b"hello", 0, 0));
        assert_eq!(
            (row.kind, row.length, row.country, row.credit.as_str()),
            ("text", 5, "ES", "1.50")
        );
        assert_eq!(row.number, "34600123456");
        assert_eq!(row.operator, "Movil B");
        assert_eq!(row.sender, "Shop");
        assert_eq!(row.state, MessageState::Accepted);

        // UCS-2 "ñé" after a concatenation header: two characters.
        let ucs2 = [0x05, 0x00, 0x03, 0x01, 0x02, 0x01, 0x00, 0xF1, 0x00, 0xE9];
        let row = row_of(&message(&ucs2, 8, ESM_CLASS_UDHI));
        assert_eq!((row.kind, row.length), ("unicode", 2));

        let row = row_of(&message(&[1, 2, 3], 4, 0));
        assert_eq!((row.kind, row.length), ("binary", 3));
    }

    #[test]
    fn filters_match_state_number_and_dates() {
        let stored = message(b"hi", 0, 0);
        let filter = |state, to, from, until| Filter::parse(state, to, from, until).unwrap();
        assert!(filter(None, None, None, None).matches(&stored));
        assert!(filter(Some("accepted"), Some("+34600123456"), None, None).matches(&stored));
        assert!(filter(None, Some(" 0034 600 123 456 "), None, None).matches(&stored));
        assert!(!filter(Some("DELIVERED"), None, None, None).matches(&stored));
        assert!(!filter(None, Some("34600000000"), None, None).matches(&stored));
        // A day includes all of it; an instant is exclusive at the end.
        assert!(filter(None, None, Some("2026-12-01"), Some("2026-12-01")).matches(&stored));
        assert!(!filter(None, None, None, Some("2026-12-01T10:00:00Z")).matches(&stored));
        assert!(!filter(None, None, Some("2026-12-02"), None).matches(&stored));
        assert!(filter(None, None, Some("2026-12-02"), None).ends_before(stored.created_at));

        let wrong = Filter::parse(Some("sent"), None, None, None).unwrap_err();
        assert_eq!(wrong.field, "state");
        let wrong = Filter::parse(None, None, Some("yesterday"), None).unwrap_err();
        assert_eq!(wrong.field, "from_date");
    }
}
