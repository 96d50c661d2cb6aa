//! Kannel-style receipt callbacks: which `dlr-mask` bit an event is, and a
//! `dlr-url` template filled in for it.
//!
//! The filling is behind [`ExpandDlrUrl`] so the full table of Kannel's
//! escape codes can be plugged in where it lives; [`BasicEscapes`] fills
//! the codes a receipt needs and leaves any other `%x` as written.

use chrono::{DateTime, Utc};

use crate::model::MessageState;

/// `dlr-mask` 1: delivered to the handset.
pub const DELIVERED: u8 = 1;
/// `dlr-mask` 2: failed for good.
pub const FAILED: u8 = 2;
/// `dlr-mask` 8: accepted by the SMSC (our SUBMITTED).
pub const SMSC_ACCEPTED: u8 = 8;
/// `dlr-mask` 16: refused by the SMSC or never reached one.
pub const SMSC_REJECTED: u8 = 16;

/// The Kannel DLR type (`%d`) of a message entering `state`, when `mask`
/// asks for it. REJECTED and FAILED (no SMSC took the message) are 16 when
/// the mask has 16, else 2; the other final states but DELIVERED are 2.
pub fn event_for(state: MessageState, mask: u8) -> Option<u8> {
    let kind = match state {
        MessageState::Accepted | MessageState::Routed => return None,
        MessageState::Submitted => SMSC_ACCEPTED,
        MessageState::Delivered => DELIVERED,
        MessageState::Rejected | MessageState::Failed if mask & SMSC_REJECTED != 0 => SMSC_REJECTED,
        MessageState::Rejected
        | MessageState::Failed
        | MessageState::Undeliverable
        | MessageState::Expired
        | MessageState::Unknown
        | MessageState::Deleted => FAILED,
    };
    (mask & kind != 0).then_some(kind)
}

/// What a `dlr-url`'s escape codes are filled from. As in Kannel, a
/// receipt comes *from* the handset, so `%p` (the sender) is the number
/// the message went to and `%P` (the receiver) the sender it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DlrFields<'a> {
    /// `%d`: the DLR type, one `dlr-mask` bit.
    pub kind: u8,
    /// `%p`: the message's destination.
    pub to: &'a str,
    /// `%P`: the message's sender.
    pub from: &'a str,
    /// `%t` (`YYYY-MM-DD HH:MM:SS`) and `%T` (Unix seconds): the event's time.
    pub at: DateTime<Utc>,
    /// `%I`: our message id.
    pub message_id: &'a str,
    /// `%F`: the id the SMSC gave the message, if any.
    pub upstream_id: Option<&'a str>,
    /// `%i`: the gateway that had it, if any.
    pub gateway: Option<&'a str>,
}

/// Fills a `dlr-url` template for one event.
pub trait ExpandDlrUrl {
    fn expand(&self, template: &str, fields: &DlrFields<'_>) -> String;
}

/// The escape codes above, values percent-encoded; `%%` is a `%`, and any
/// other `%x` stays as written.
#[derive(Debug, Clone, Copy, Default)]
pub struct BasicEscapes;

impl ExpandDlrUrl for BasicEscapes {
    fn expand(&self, template: &str, fields: &DlrFields<'_>) -> String {
        let mut url = String::with_capacity(template.len() + 32);
        let mut chars = template.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                url.push(c);
                continue;
            }
            let Some(code) = chars.next() else {
                url.push('%');
                break;
            };
            let value = match code {
                'd' => fields.kind.to_string(),
                'p' => fields.to.to_string(),
                'P' => fields.from.to_string(),
                't' => fields.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                'T' => fields.at.timestamp().to_string(),
                'I' => fields.message_id.to_string(),
                'F' => fields.upstream_id.unwrap_or_default().to_string(),
                'i' => fields.gateway.unwrap_or_default().to_string(),
                '%' => {
                    url.push('%');
                    continue;
                }
                other => {
                    url.push('%');
                    url.push(other);
                    continue;
                }
            };
            percent_encode(&value, &mut url);
        }
        url
    }
}

/// RFC 3986 percent-encoding of everything but the unreserved characters.
fn percent_encode(value: &str, out: &mut String) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mask_selects_the_events() {
        assert_eq!(event_for(MessageState::Delivered, 1), Some(1));
        assert_eq!(event_for(MessageState::Delivered, 2), None);
        assert_eq!(event_for(MessageState::Undeliverable, 3), Some(2));
        assert_eq!(event_for(MessageState::Submitted, 31), Some(8));
        assert_eq!(event_for(MessageState::Submitted, 3), None);
        assert_eq!(event_for(MessageState::Rejected, 31), Some(16));
        assert_eq!(event_for(MessageState::Rejected, 3), Some(2));
        assert_eq!(event_for(MessageState::Routed, 31), None);
    }

    #[test]
    fn escape_codes_are_filled_and_encoded() {
        let fields = DlrFields {
            kind: 1,
            to: "34600123456",
            from: "My Shop",
            at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            message_id: "42",
            upstream_id: Some("ab/1"),
            gateway: None,
        };
        let url = BasicEscapes.expand(
            "http://h/dlr?s=%d&to=%p&from=%P&t=%t&T=%T&id=%I&f=%F&i=%i&pct=%%&q=%q&end=%",
            &fields,
        );
        assert_eq!(
            url,
            "http://h/dlr?s=1&to=34600123456&from=My%20Shop&t=2023-11-14%2022%3A13%3A20\
             &T=1700000000&id=42&f=ab%2F1&i=&pct=%&q=%q&end=%"
        );
    }
}
