//! Kannel-style receipt callbacks: which `dlr-mask` event a message's new
//! state is, and what the SMSC "replied" for it (`%A`). The template itself
//! is filled by [`crate::kannel::dlr_url::expand`].

use crate::kannel::dlr_url::DlrType;
use crate::model::{Message, MessageState};
use crate::smpp::Stat;

/// The Kannel DLR type (`%d`) of a message entering `state`, when `mask`
/// asks for it. REJECTED and FAILED (no SMSC took the message) are 16 when
/// the mask has 16, else 2; the other final states but DELIVERED are 2.
pub fn event_for(state: MessageState, mask: u8) -> Option<DlrType> {
    let kind = match state {
        MessageState::Accepted | MessageState::Routed => return None,
        MessageState::Submitted => DlrType::SmscAccepted,
        MessageState::Delivered => DlrType::Delivered,
        MessageState::Rejected | MessageState::Failed if DlrType::SmscRejected.wanted_by(mask) => {
            DlrType::SmscRejected
        }
        MessageState::Rejected
        | MessageState::Failed
        | MessageState::Undeliverable
        | MessageState::Expired
        | MessageState::Unknown
        | MessageState::Deleted => DlrType::Failed,
    };
    kind.wanted_by(mask).then_some(kind)
}

/// The reply a report carries, as Kannel writes it: `ACK/` when the SMSC
/// took the message, `NACK/<error>` when it refused it, and for a final
/// report the `stat:` and `err:` of its receipt.
pub fn reply_for(kind: DlrType, message: &Message) -> String {
    let error = message.error_code.unwrap_or(0);
    match kind {
        DlrType::SmscAccepted => "ACK/".to_string(),
        DlrType::SmscRejected => format!("NACK/{error}"),
        DlrType::Delivered | DlrType::Failed => {
            format!("stat:{} err:{error:03}", receipt_word(message.state()))
        }
    }
}

/// The SPEC §3 `stat:` word of a final state, as the ESME's receipt has it.
fn receipt_word(state: MessageState) -> String {
    Stat::of(state).word().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mask_selects_the_events() {
        assert_eq!(
            event_for(MessageState::Delivered, 1),
            Some(DlrType::Delivered)
        );
        assert_eq!(event_for(MessageState::Delivered, 2), None);
        assert_eq!(
            event_for(MessageState::Undeliverable, 3),
            Some(DlrType::Failed)
        );
        assert_eq!(
            event_for(MessageState::Submitted, 31),
            Some(DlrType::SmscAccepted)
        );
        assert_eq!(event_for(MessageState::Submitted, 3), None);
        assert_eq!(
            event_for(MessageState::Rejected, 31),
            Some(DlrType::SmscRejected)
        );
        assert_eq!(event_for(MessageState::Rejected, 3), Some(DlrType::Failed));
        assert_eq!(event_for(MessageState::Routed, 31), None);
    }
}
