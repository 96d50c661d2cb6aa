//! How a service centre names a message it took: the recipient and the
//! service centre time stamp, written `AdC:SCTS` in the system message of
//! a submit's acknowledgement (`012234:090996101010`). A delivery
//! notification (53) names the message it reports on with the same two,
//! as its OAdC and SCTS, so this pair is the id a receipt is matched by.

use std::fmt;

use chrono::NaiveDateTime;

use super::time::{self, Precision};

/// The identity of a submitted message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageReference {
    /// The recipient, as the service centre wrote it.
    pub recipient: String,
    /// When the service centre took the message.
    pub scts: NaiveDateTime,
}

impl MessageReference {
    /// The reference in an acknowledgement's system message; `None` when
    /// it is not `AdC:SCTS` (a service centre may say something else).
    pub fn parse(sm: &str) -> Option<MessageReference> {
        let (recipient, scts) = sm.rsplit_once(':')?;
        let scts = time::parse(scts.as_bytes(), Precision::Seconds).ok()?;
        Some(MessageReference {
            recipient: recipient.to_owned(),
            scts,
        })
    }
}

impl fmt::Display for MessageReference {
    /// `AdC:SCTS`, as the acknowledgement writes it; a time outside
    /// 1990–2089 (which no service centre sends) is written in full.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match time::format(self.scts, Precision::Seconds) {
            Ok(scts) => write!(f, "{}:{scts}", self.recipient),
            Err(_) => write!(f, "{}:{}", self.recipient, self.scts),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specifications_acknowledgement() {
        let reference = MessageReference::parse("012234:090996101010").unwrap();
        assert_eq!(reference.recipient, "012234");
        assert_eq!(
            reference.scts,
            time::parse(b"090996101010", Precision::Seconds).unwrap()
        );
        assert_eq!(reference.to_string(), "012234:090996101010");
    }

    #[test]
    fn other_system_messages_are_not_references() {
        assert_eq!(MessageReference::parse(""), None);
        assert_eq!(MessageReference::parse("0003"), None);
        assert_eq!(MessageReference::parse("012234:0909961010"), None);
    }
}
