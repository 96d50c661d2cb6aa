//! The callback a message's new state becomes, if any, as the outbox item
//! the account (final states) or the receipts actor (SUBMITTED, for
//! Kannel's `dlr-mask` 8) writes in the same batch as that state.
//!
//! - a per-message Kannel `dlr-url`: a GET of the filled template, for the
//!   events its `dlr-mask` selects;
//! - a per-message JSON `callback_url`: a POST of the receipt at the final
//!   state;
//! - otherwise the account's `callback_url`: a POST of the receipt at the
//!   final state, when `registered_delivery` asked for one.
//!
//! An MO message routed to an account with a `callback_url` is a POST of
//! [`MoBody`] there, written by the account in the batch that puts the MO
//! in its mailbox ([`mo_outbox_item`]).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::kannel;
use crate::kannel::dlr_url::{self, DlrEvent};
use crate::model::{AccountId, Callback, Message, MessageId, MessageState};
use crate::store::{CallbackRequest, InboundMessage, OutboxItem};

/// The JSON body of a receipt callback (README "Callbacks").
#[derive(Debug, Serialize)]
pub struct ReceiptBody<'a> {
    /// Always `"receipt"`: tells it from an MO on the same URL.
    pub event: &'static str,
    /// Unique per callback and the same on every attempt: a receiver that
    /// sees an id twice has seen that callback before.
    pub event_id: String,
    /// The part's id, as returned at submit.
    pub message_id: String,
    /// The account (system_id) that sent it.
    pub account: &'a str,
    /// The destination number.
    pub to: &'a str,
    /// The sender as submitted.
    pub from: &'a str,
    /// The final state the receipt reports.
    pub state: MessageState,
    /// The network error code of a failed delivery.
    pub error_code: Option<u16>,
    /// When the switch accepted the part.
    pub submitted_at: DateTime<Utc>,
    /// When it reached its final state, from the receipt.
    pub done_at: Option<DateTime<Utc>>,
    /// The customer's reference given at send.
    pub client_reference: Option<&'a str>,
    /// Set when the message is one part of a concatenated text.
    pub part: Option<PartInfo>,
}

/// The JSON body of an MO callback (README "Two-way: MO routing"): in the
/// receipt's style, `event` telling the two apart.
#[derive(Debug, Serialize)]
pub struct MoBody<'a> {
    /// Always `"mo"`.
    pub event: &'static str,
    /// As a receipt's: the same on every attempt of this callback.
    pub event_id: String,
    /// The MO's id, also in the logs.
    pub id: String,
    /// The account the MO routes chose.
    pub account: &'a str,
    /// The handset that sent it.
    pub from: &'a str,
    /// The number it was sent to.
    pub to: &'a str,
    /// The text, when its coding has an alphabet (null for binary).
    pub text: Option<&'a str>,
    /// SMPP data_coding (from a modem: TP-DCS) as received.
    pub coding: u8,
    /// Parts joined into it (a modem joins them; an SMPP upstream's parts
    /// come one by one, each with `complete` false).
    pub parts: u8,
    /// False for a part of a longer message, or one whose other parts
    /// never came.
    pub complete: bool,
    /// The gateway it came in on.
    pub gateway: &'a str,
    /// When the switch received it.
    pub received_at: DateTime<Utc>,
}

/// The callback of MO `message`, routed to `account` as `id`, to `url`,
/// under event id `event_id`.
pub fn mo_outbox_item(
    account: &AccountId,
    id: MessageId,
    message: &InboundMessage,
    url: &str,
    event_id: u64,
    now: DateTime<Utc>,
) -> OutboxItem {
    let body = MoBody {
        event: "mo",
        event_id: event_id.to_string(),
        id: id.to_string(),
        account: account.as_str(),
        from: &message.source,
        to: message.destination.as_deref().unwrap_or_default(),
        text: message.text.as_deref(),
        coding: message.dcs,
        parts: message.parts,
        complete: message.complete,
        gateway: message.gateway.as_str(),
        received_at: message.received_at,
    };
    OutboxItem {
        id: event_id,
        account: account.clone(),
        message: id,
        request: CallbackRequest::Post {
            url: url.to_owned(),
            // Strings, numbers and timestamps only: serialising cannot fail.
            body: serde_json::to_string(&body).unwrap_or_default(),
        },
        attempts: 0,
        last_error: None,
        queued_at: now,
    }
}

/// Which part of which concatenated text.
#[derive(Debug, Serialize)]
pub struct PartInfo {
    /// This part's number, from 1.
    pub seq: u8,
    /// How many parts the text has.
    pub total: u8,
    /// The concatenation reference shared by the text's parts.
    pub reference: u16,
}

/// The callback for `message` as it is now, under event id `id`, or
/// `None` when nobody asked for one; refused when its `dlr-url` fills in
/// too long to send.
pub fn outbox_item(
    message: &Message,
    id: u64,
    account_url: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<OutboxItem>, dlr_url::TooLong> {
    let request = match &message.callback {
        Some(Callback::Kannel { url, mask }) => {
            let Some(kind) = kannel::event_for(message.state(), *mask) else {
                return Ok(None);
            };
            let reply = kannel::reply_for(kind, message);
            let event = DlrEvent {
                kind,
                at: event_time(message),
                reply: &reply,
            };
            CallbackRequest::Get {
                url: dlr_url::expand(url, message, &event)?,
            }
        }
        Some(Callback::Json { url }) if message.state().is_final() => CallbackRequest::Post {
            url: url.clone(),
            body: receipt_body(message, id),
        },
        None if message.receipt_requested() => match account_url {
            Some(url) => CallbackRequest::Post {
                url: url.to_string(),
                body: receipt_body(message, id),
            },
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    Ok(Some(OutboxItem {
        id,
        account: message.account.clone(),
        message: message.id,
        request,
        attempts: 0,
        last_error: None,
        queued_at: now,
    }))
}

/// When the message entered the state it is in.
fn event_time(message: &Message) -> DateTime<Utc> {
    message
        .history()
        .last()
        .map_or(message.created_at, |transition| transition.at)
}

fn receipt_body(message: &Message, id: u64) -> String {
    let body = ReceiptBody {
        event: "receipt",
        event_id: id.to_string(),
        message_id: message.id.to_string(),
        account: message.account.as_str(),
        to: message.destination.text(),
        from: message.source.text(),
        state: message.state(),
        error_code: message.error_code,
        submitted_at: message.created_at,
        done_at: message.done_at(),
        client_reference: message.client_reference.as_deref(),
        part: message.part.map(|part| PartInfo {
            seq: part.seq(),
            total: part.total(),
            reference: part.reference(),
        }),
    };
    // Strings, numbers and timestamps only: serialising cannot fail.
    serde_json::to_string(&body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountId, Address, MessageId, Npi, Ton};

    fn message(registered_delivery: u8, callback: Option<Callback>) -> Message {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut message = Message::new(
            MessageId::new(7),
            AccountId::new("demo").unwrap(),
            Address::alphanumeric("Shop").unwrap(),
            Address::new(Ton::International, Npi::Isdn, "34600123456").unwrap(),
            b"hi".to_vec(),
            at,
        );
        message.registered_delivery = registered_delivery;
        message.callback = callback;
        message
    }

    fn deliver(message: &mut Message) {
        let at = DateTime::from_timestamp(1_800_000_060, 0).unwrap();
        message.transition(MessageState::Routed, at).unwrap();
        message.transition(MessageState::Submitted, at).unwrap();
        message.transition(MessageState::Delivered, at).unwrap();
    }

    fn item(message: &Message, account_url: Option<&str>) -> Option<OutboxItem> {
        outbox_item(message, 99, account_url, Utc::now()).unwrap()
    }

    #[test]
    fn the_account_url_gets_receipts_that_were_asked_for() {
        let mut wanted = message(1, None);
        deliver(&mut wanted);
        let item = item(&wanted, Some("http://hooks/dlr")).unwrap();
        let CallbackRequest::Post { url, body } = &item.request else {
            panic!("{item:?}")
        };
        assert_eq!(url, "http://hooks/dlr");
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["event"], "receipt");
        assert_eq!(body["event_id"], "99");
        assert_eq!(body["state"], "DELIVERED");
        assert_eq!(body["to"], "34600123456");

        let mut failures_only = message(2, None);
        deliver(&mut failures_only);
        assert_eq!(
            super::tests::item(&failures_only, Some("http://hooks/")),
            None
        );
        assert_eq!(super::tests::item(&wanted, None), None);
    }

    #[test]
    fn an_mo_is_posted_as_an_mo_event() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mo = InboundMessage::example("operator-a", "f", "JOIN me", at);
        let account = AccountId::new("club").unwrap();
        let item = mo_outbox_item(&account, MessageId::new(41), &mo, "http://hooks/mo", 42, at);
        assert_eq!((item.id, item.message), (42, MessageId::new(41)));
        let CallbackRequest::Post { url, body } = &item.request else {
            panic!("{item:?}")
        };
        assert_eq!(url, "http://hooks/mo");
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "event": "mo", "event_id": "42", "id": "41", "account": "club",
                "from": "34699000000", "to": "12345", "text": "JOIN me", "coding": 0,
                "parts": 1, "complete": true, "gateway": "operator-a",
                "received_at": "2027-01-15T08:00:00Z"
            })
        );
    }

    #[test]
    fn a_per_message_url_wins_and_kannel_follows_its_mask() {
        let mut json = message(
            0,
            Some(Callback::Json {
                url: "http://own/".into(),
            }),
        );
        assert_eq!(item(&json, Some("http://hooks/")), None, "not final yet");
        deliver(&mut json);
        assert_eq!(
            item(&json, Some("http://hooks/")).unwrap().request.url(),
            "http://own/"
        );

        let kannel = |mask| {
            message(
                0,
                Some(Callback::Kannel {
                    url: "http://k/dlr?s=%d&id=%I".into(),
                    mask,
                }),
            )
        };
        let mut submitted = kannel(8);
        let at = DateTime::from_timestamp(1_800_000_001, 0).unwrap();
        submitted.transition(MessageState::Routed, at).unwrap();
        submitted.transition(MessageState::Submitted, at).unwrap();
        assert_eq!(
            item(&submitted, None).unwrap().request,
            CallbackRequest::Get {
                url: "http://k/dlr?s=8&id=7".into()
            }
        );
        let mut delivered_unasked = kannel(2);
        deliver(&mut delivered_unasked);
        assert_eq!(item(&delivered_unasked, None), None);
    }
}
