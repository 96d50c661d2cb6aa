//! What a simulated SMSC does with a message, chosen by the last four digits
//! of its destination, so a test or a demo can ask for any outcome from any
//! SMPP client. The built-in `simulator` gateway and `pasarela sim-smsc`
//! both follow this table (the built-in one honours the rows that make sense
//! without a socket; see [`Behaviour`]).
//!
//! | destination ends in | submit_sm_resp | receipt |
//! | --- | --- | --- |
//! | `9990` | ESME_RSUBMITFAIL (0x45) | none |
//! | `9991` | OK | UNDELIV, err 001 |
//! | `9992` | OK | none ever |
//! | `9993` | OK | EXPIRED |
//! | `9994` | OK | REJECTD, err 002 |
//! | `9995` | ESME_RTHROTTLED (0x58) | none |
//! | `9996` | ESME_RMSGQFUL (0x14) | none |
//! | `9997` | never answered | none |
//! | `9998` | OK after 5 s | DELIVRD |
//! | `9999` | OK | DELIVRD, then an MO from the destination to the source with the same text (a part with its header) |
//! | anything else | OK | DELIVRD |

use std::time::Duration;

use crate::model::MessageState;
use crate::smpp::CommandStatus;

/// How long `9998` holds its response.
pub const SLOW_RESPONSE: Duration = Duration::from_secs(5);

/// How the simulated SMSC answers the submit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitReply {
    /// Acknowledged now.
    Accept,
    /// Acknowledged after this long.
    AcceptAfter(Duration),
    /// Refused with this status.
    Refuse(CommandStatus),
    /// Never answered (a lost response). The built-in gateway has no
    /// response to lose, so there it behaves as `Accept` without receipt.
    NoResponse,
}

/// The whole behaviour for one destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Behaviour {
    /// How the submit is answered.
    pub reply: SubmitReply,
    /// The final state the receipt reports, `None` for no receipt.
    pub outcome: Option<MessageState>,
    /// The receipt's `err:` code.
    pub error_code: u16,
    /// Whether the destination then "replies" with an MO.
    pub mobile_originated: bool,
}

impl Behaviour {
    const fn delivered() -> Behaviour {
        Behaviour {
            reply: SubmitReply::Accept,
            outcome: Some(MessageState::Delivered),
            error_code: 0,
            mobile_originated: false,
        }
    }

    const fn refused(status: CommandStatus) -> Behaviour {
        Behaviour {
            reply: SubmitReply::Refuse(status),
            outcome: None,
            error_code: 0,
            mobile_originated: false,
        }
    }

    /// The behaviour the table gives `destination` (its digits as sent).
    pub fn for_destination(destination: &str) -> Behaviour {
        let suffix = destination
            .len()
            .checked_sub(4)
            .and_then(|start| destination.get(start..));
        let delivered = Behaviour::delivered();
        match suffix {
            Some("9990") => Behaviour::refused(CommandStatus::EsmeRsubmitfail),
            Some("9991") => Behaviour {
                outcome: Some(MessageState::Undeliverable),
                error_code: 1,
                ..delivered
            },
            Some("9992") => Behaviour {
                outcome: None,
                ..delivered
            },
            Some("9993") => Behaviour {
                outcome: Some(MessageState::Expired),
                ..delivered
            },
            Some("9994") => Behaviour {
                outcome: Some(MessageState::Rejected),
                error_code: 2,
                ..delivered
            },
            Some("9995") => Behaviour::refused(CommandStatus::EsmeRthrottled),
            Some("9996") => Behaviour::refused(CommandStatus::EsmeRmsgqful),
            Some("9997") => Behaviour {
                reply: SubmitReply::NoResponse,
                outcome: None,
                ..delivered
            },
            Some("9998") => Behaviour {
                reply: SubmitReply::AcceptAfter(SLOW_RESPONSE),
                ..delivered
            },
            Some("9999") => Behaviour {
                mobile_originated: true,
                ..delivered
            },
            _ => delivered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_numbers_are_delivered() {
        for number in ["", "1", "34600123456", "999", "+34600999"] {
            assert_eq!(Behaviour::for_destination(number), Behaviour::delivered());
        }
    }

    #[test]
    fn each_suffix_selects_its_row() {
        let row = |n: &str| Behaviour::for_destination(&format!("34600{n}"));
        assert_eq!(
            row("9990").reply,
            SubmitReply::Refuse(CommandStatus::EsmeRsubmitfail)
        );
        assert_eq!(row("9991").outcome, Some(MessageState::Undeliverable));
        assert_eq!(row("9992").outcome, None);
        assert_eq!(row("9992").reply, SubmitReply::Accept);
        assert_eq!(row("9993").outcome, Some(MessageState::Expired));
        assert_eq!(row("9994").outcome, Some(MessageState::Rejected));
        assert_eq!(
            row("9995").reply,
            SubmitReply::Refuse(CommandStatus::EsmeRthrottled)
        );
        assert_eq!(
            row("9996").reply,
            SubmitReply::Refuse(CommandStatus::EsmeRmsgqful)
        );
        assert_eq!(row("9997").reply, SubmitReply::NoResponse);
        assert_eq!(row("9998").reply, SubmitReply::AcceptAfter(SLOW_RESPONSE));
        assert!(row("9999").mobile_originated);
    }

    #[test]
    fn multibyte_text_never_panics() {
        // Not digits, but nothing on the input path may panic.
        assert_eq!(Behaviour::for_destination("€€"), Behaviour::delivered());
        assert_eq!(
            Behaviour::for_destination("a€9990").reply,
            SubmitReply::Refuse(CommandStatus::EsmeRsubmitfail)
        );
    }
}
