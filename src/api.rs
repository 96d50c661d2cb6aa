//! The customer JSON API's bodies (SPEC §4) and the turning of a send
//! request into the same [`Submission`] an SMPP submit_sm becomes, so both
//! take one path through the switch. No I/O: `actors/web.rs` serves it.
//!
//! `POST /api/v1/messages` takes
//!
//! ```json
//! {"to": "+34600123456" | ["+34600123456", ...], "from": "Shop" | "+34911234567",
//!  "text": "...", "receipt": true, "validity_minutes": 60,
//!  "scheduled_at": "2026-12-01T09:00:00Z", "client_reference": "order-17",
//!  "callback_url": "http://example.com/receipts", "priority": 1}
//! ```
//!
//! Only `to`, `from` and `text` are required. The text is GSM 03.38 when it
//! fits, UCS-2 otherwise, and split into concatenated parts when long. A
//! sender of digits (with an optional `+`) goes as an international number,
//! anything else as an alphanumeric sender id. A `callback_url` gets each
//! part's receipt as a JSON POST (README "Callbacks"), in place of the
//! account's `callback_url`. `priority` is SMPP's `priority_flag`: where
//! messages wait for a gateway, higher goes first ([`crate::lanes`]).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::callbacks::target;
use crate::intake::{self, Submission};
use crate::lanes::HIGHEST_PRIORITY;
use crate::model::{Address, Callback, Message, MessageState, Msisdn, Npi, Part, Ton};

/// The most destinations one request may name.
pub const MAX_DESTINATIONS: usize = 1000;
/// The longest validity a request may ask for: SMPP relative validity ends
/// at 63 weeks, and carriers cap far lower.
pub const MAX_VALIDITY_MINUTES: u32 = 7 * 24 * 60;

/// `POST /api/v1/messages`.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "runtime", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    /// International numbers, with or without a leading +.
    pub to: Recipients,
    /// Digits (an international number) or an alphanumeric sender id of at
    /// most 11 characters.
    pub from: String,
    /// GSM 03.38 when it fits, UCS-2 otherwise; split into concatenated
    /// parts when long.
    #[cfg_attr(feature = "runtime", schema(min_length = 1))]
    pub text: String,
    /// Ask for a delivery receipt (pushed over SMPP to a bound receiver).
    #[serde(default = "yes")]
    #[cfg_attr(feature = "runtime", schema(default = true))]
    pub receipt: bool,
    /// How long the SMSC keeps trying, in minutes (at most a week); the
    /// gateway's default when absent.
    #[cfg_attr(feature = "runtime", schema(minimum = 1, maximum = 10080))]
    pub validity_minutes: Option<u32>,
    /// Hold the message until this time (RFC 3339); sent at once when absent
    /// or past.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// The customer's own reference, returned with the message and its
    /// receipts.
    #[cfg_attr(feature = "runtime", schema(max_length = 64))]
    pub client_reference: Option<String>,
    /// http or https URL that gets a JSON POST of each part's receipt at
    /// its final state (README "Callbacks"), in place of the account's.
    #[cfg_attr(feature = "runtime", schema(format = "uri"))]
    pub callback_url: Option<String>,
    /// SMPP's priority_flag, 0 (the default) to 3: where messages wait for
    /// a gateway, a higher priority goes first. Read as any integer, so
    /// that one out of range is answered naming this field.
    #[cfg_attr(feature = "runtime", schema(minimum = 0, maximum = 3, default = 0))]
    pub priority: Option<i64>,
}

fn yes() -> bool {
    true
}

/// One number or a list (its schema: `actors/web/schemas.rs`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Recipients {
    /// `"to": "34600111222"`.
    One(String),
    /// `"to": ["34600111222", "34600111333"]`.
    Many(Vec<String>),
}

/// A request that cannot be sent, and the field to blame: the body of a
/// problem-details answer (RFC 9457).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {detail}")]
pub struct FieldError {
    /// The request field at fault, as named in the body (`to`, `text`, ...).
    pub field: String,
    /// What is wrong with it, for a person to read.
    pub detail: String,
}

impl FieldError {
    /// `detail` about the request field `field`.
    pub fn new(field: impl Into<String>, detail: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            detail: detail.into(),
        }
    }
}

/// The answer to a send: per destination, the ids of its parts.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "runtime", derive(utoipa::ToSchema))]
pub struct SendResponse {
    /// One entry per destination, in the order given.
    pub messages: Vec<Sent>,
    /// Parts per destination.
    pub parts: usize,
    /// What was reserved from the account's credit, as a decimal string.
    pub cost: String,
}

/// The parts sent to one destination.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "runtime", derive(utoipa::ToSchema))]
pub struct Sent {
    /// The destination as normalised (international digits, no +).
    pub to: String,
    /// One id per part.
    pub ids: Vec<String>,
}

/// `GET /api/v1/messages/{id}`: one part as the customer sees it.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "runtime", derive(utoipa::ToSchema))]
pub struct MessageView {
    /// The part's id, as returned by the send and in receipts.
    pub id: String,
    /// The destination number.
    pub to: String,
    /// The sender, number or alphanumeric id.
    pub from: String,
    /// Where the part is now (SPEC §6 states).
    pub state: MessageState,
    /// Which part of a concatenated message; absent for a single part.
    pub part: Option<PartView>,
    /// What this part cost, as a decimal string (zero once refunded).
    pub price: String,
    /// The network error code of a failed delivery, from the receipt.
    pub error_code: Option<u16>,
    /// The customer's reference given at send.
    pub client_reference: Option<String>,
    /// When the switch accepted the part.
    pub created_at: DateTime<Utc>,
    /// Every state the part reached, oldest first.
    pub history: Vec<HistoryEntry>,
}

/// Which part of a concatenated message this is.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "runtime", derive(utoipa::ToSchema))]
pub struct PartView {
    /// This part's number, from 1.
    pub seq: u8,
    /// How many parts the message has.
    pub total: u8,
}

/// A state the part reached, and when.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "runtime", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    /// The state reached.
    pub state: MessageState,
    /// When it was reached.
    pub at: DateTime<Utc>,
}

impl From<&Message> for MessageView {
    fn from(message: &Message) -> MessageView {
        MessageView {
            id: message.id.to_string(),
            to: message.destination.text().to_string(),
            from: message.source.text().to_string(),
            state: message.state(),
            part: message.part.map(|part: Part| PartView {
                seq: part.seq(),
                total: part.total(),
            }),
            price: message.price.to_string(),
            error_code: message.error_code,
            client_reference: message.client_reference.clone(),
            created_at: message.created_at,
            history: message
                .history()
                .iter()
                .map(|transition| HistoryEntry {
                    state: transition.state,
                    at: transition.at,
                })
                .collect(),
        }
    }
}

/// `GET /api/v1/balance`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "runtime", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "runtime", schema(as = Balance))]
pub struct BalanceView {
    /// The account's system_id.
    pub account: String,
    /// Its prepaid credit, as a decimal string.
    pub balance: String,
}

/// The submission a send request asks for, checked field by field.
pub fn submission(request: &SendRequest, now: DateTime<Utc>) -> Result<Submission, FieldError> {
    let numbers: Vec<&str> = match &request.to {
        Recipients::One(number) => vec![number],
        Recipients::Many(numbers) => numbers.iter().map(String::as_str).collect(),
    };
    if numbers.is_empty() {
        return Err(FieldError::new("to", "at least one number is needed"));
    }
    if numbers.len() > MAX_DESTINATIONS {
        return Err(FieldError::new(
            "to",
            format!("at most {MAX_DESTINATIONS} numbers per request"),
        ));
    }
    let destinations = numbers
        .iter()
        .enumerate()
        .map(|(index, number)| {
            Msisdn::parse(number)
                .map(|msisdn| Address::international(&msisdn))
                .map_err(|error| FieldError::new(format!("to[{index}]"), error.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let source = sender(&request.from)?;
    if request.text.is_empty() {
        return Err(FieldError::new("text", "the text is empty"));
    }
    let (data_coding, parts) = intake::text_parts(&request.text)
        .map_err(|error| FieldError::new("text", error.to_string()))?;
    let validity = match request.validity_minutes {
        None => None,
        Some(0) => return Err(FieldError::new("validity_minutes", "must be at least 1")),
        Some(minutes) if minutes > MAX_VALIDITY_MINUTES => {
            return Err(FieldError::new(
                "validity_minutes",
                format!("at most {MAX_VALIDITY_MINUTES} (one week)"),
            ));
        }
        Some(minutes) => Some(now + Duration::minutes(i64::from(minutes))),
    };
    let client_reference = match &request.client_reference {
        Some(reference) if reference.len() > 64 => {
            return Err(FieldError::new("client_reference", "at most 64 characters"));
        }
        other => other.clone(),
    };
    let callback = match &request.callback_url {
        None => None,
        Some(url) => {
            target::check(url)
                .map_err(|error| FieldError::new("callback_url", error.to_string()))?;
            Some(Callback::Json { url: url.clone() })
        }
    };
    let priority = match request.priority {
        None => 0,
        Some(priority) => u8::try_from(priority)
            .ok()
            .filter(|priority| *priority <= HIGHEST_PRIORITY)
            .ok_or_else(|| {
                FieldError::new("priority", format!("must be 0 to {HIGHEST_PRIORITY}"))
            })?,
    };
    Ok(Submission {
        service_type: String::new(),
        source,
        destinations,
        data_coding,
        esm_class: 0,
        registered_delivery: u8::from(request.receipt),
        priority,
        validity,
        scheduled: request.scheduled_at.filter(|at| *at > now),
        client_reference,
        parts,
        callback,
    })
}

/// The fewest and most digits of a short code sender (`12345`).
pub const SHORT_CODE_DIGITS: std::ops::RangeInclusive<usize> = 3..=8;

/// `from` as an address: 3 to 8 digits a short code (TON network
/// specific, kept as given), other digits (with an optional `+`) an
/// international number, anything else an alphanumeric sender id.
pub fn sender(from: &str) -> Result<Address, FieldError> {
    let numeric = from
        .strip_prefix('+')
        .unwrap_or(from)
        .chars()
        .all(|c| c.is_ascii_digit());
    let short_code =
        from.bytes().all(|c| c.is_ascii_digit()) && SHORT_CODE_DIGITS.contains(&from.len());
    let address = if short_code {
        Address::new(Ton::NetworkSpecific, Npi::Unknown, from).map_err(|e| e.to_string())
    } else if numeric && !from.is_empty() {
        Msisdn::parse(from)
            .map(|msisdn| Address::international(&msisdn))
            .map_err(|e| e.to_string())
    } else {
        Address::alphanumeric(from).map_err(|e| e.to_string())
    };
    address.map_err(|detail| FieldError::new("from", detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> SendRequest {
        serde_json::from_str(json).unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn short_codes_numbers_and_ids_are_senders() {
        for (from, ton, text) in [
            ("123", Ton::NetworkSpecific, "123"),
            ("12345", Ton::NetworkSpecific, "12345"),
            ("12345678", Ton::NetworkSpecific, "12345678"),
            ("+34911000000", Ton::International, "34911000000"),
            ("0034911000000", Ton::International, "34911000000"),
            ("Shop", Ton::Alphanumeric, "Shop"),
        ] {
            let address = sender(from).unwrap();
            assert_eq!((address.ton(), address.text()), (ton, text), "{from}");
        }
        for from in ["12", "+12345", "", "TwelveChars!"] {
            assert_eq!(sender(from).unwrap_err().field, "from", "{from}");
        }
    }

    #[test]
    fn a_short_gsm_text_is_one_part_to_each_number() {
        let submission = submission(
            &request(r#"{"to":["+34600123456","0044 7700 900123"],"from":"Shop","text":"hello"}"#),
            now(),
        )
        .unwrap();
        assert_eq!(submission.destinations.len(), 2);
        assert_eq!(submission.destinations[1].text(), "447700900123");
        assert_eq!(submission.parts.len(), 1);
        assert_eq!(submission.parts[0].payload, b"hello");
        assert_eq!(
            (submission.data_coding, submission.registered_delivery),
            (0, 1)
        );
        assert_eq!(submission.source.text(), "Shop");
    }

    #[test]
    fn a_long_unicode_text_is_split_into_ucs2_parts_with_a_header() {
        let text = "ñandú ✓ ".repeat(20);
        let submission = submission(
            &request(&format!(
                r#"{{"to":"+34600123456","from":"+34911234567","text":"{text}"}}"#
            )),
            now(),
        )
        .unwrap();
        assert_eq!(submission.data_coding, 0x08);
        assert!(submission.parts.len() > 1);
        assert!(
            submission
                .parts
                .iter()
                .all(|part| part.esm_class & 0x40 != 0)
        );
        assert_eq!(submission.source.text(), "34911234567");
    }

    #[test]
    fn each_bad_field_is_named() {
        let field = |json: &str| submission(&request(json), now()).unwrap_err().field;
        assert_eq!(field(r#"{"to":[],"from":"Shop","text":"x"}"#), "to");
        assert_eq!(
            field(r#"{"to":["+34600123456","12"],"from":"Shop","text":"x"}"#),
            "to[1]"
        );
        assert_eq!(
            field(r#"{"to":"+34600123456","from":"A sender too long","text":"x"}"#),
            "from"
        );
        assert_eq!(
            field(r#"{"to":"+34600123456","from":"Shop","text":""}"#),
            "text"
        );
        assert_eq!(
            field(r#"{"to":"+34600123456","from":"Shop","text":"x","validity_minutes":0}"#),
            "validity_minutes"
        );
        assert_eq!(
            field(r#"{"to":"+34600123456","from":"Shop","text":"x","callback_url":"ftp://h/"}"#),
            "callback_url"
        );
        for priority in ["-1", "4", "99999999999"] {
            assert_eq!(
                field(&format!(
                    r#"{{"to":"+34600123456","from":"Shop","text":"x","priority":{priority}}}"#
                )),
                "priority"
            );
        }
    }

    #[test]
    fn the_priority_is_carried_and_zero_by_default() {
        let priority = |extra: &str| {
            let json = format!(r#"{{"to":"+34600123456","from":"Shop","text":"x"{extra}}}"#);
            submission(&request(&json), now()).unwrap().priority
        };
        assert_eq!(priority(""), 0);
        assert_eq!(priority(r#","priority":0"#), 0);
        assert_eq!(priority(r#","priority":3"#), 3);
    }

    #[test]
    fn validity_and_schedule_become_times() {
        let submission = submission(
            &request(
                r#"{"to":"+34600123456","from":"Shop","text":"x","receipt":false,
                    "validity_minutes":30,"scheduled_at":"2030-01-01T00:00:00Z"}"#,
            ),
            now(),
        )
        .unwrap();
        assert_eq!(submission.validity, Some(now() + Duration::minutes(30)));
        assert_eq!(
            submission.scheduled.map(|at| at.to_rfc3339()).as_deref(),
            Some("2030-01-01T00:00:00+00:00")
        );
        assert_eq!(submission.registered_delivery, 0);
    }
}
