//! EC, the two-digit error code of a negative result (NACK), with the
//! meaning the EMI-UCP specification gives each code, for logs and for
//! choosing what to answer. Pure data.

use std::fmt;

/// An error code, 00 to 99.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorCode(u8);

impl ErrorCode {
    /// 01: the checksum does not match.
    pub const CHECKSUM_ERROR: ErrorCode = ErrorCode(1);
    /// 02: the message is not well formed.
    pub const SYNTAX_ERROR: ErrorCode = ErrorCode(2);
    /// 03: the operation type is not supported.
    pub const OPERATION_NOT_SUPPORTED: ErrorCode = ErrorCode(3);
    /// 04: the operation is not allowed (for this session, or yet).
    pub const OPERATION_NOT_ALLOWED: ErrorCode = ErrorCode(4);
    /// 07: login refused.
    pub const AUTHENTICATION_FAILURE: ErrorCode = ErrorCode(7);

    /// The code, or `None` above 99.
    pub const fn new(code: u8) -> Option<ErrorCode> {
        if code <= 99 {
            Some(ErrorCode(code))
        } else {
            None
        }
    }

    /// The number.
    pub const fn value(self) -> u8 {
        self.0
    }

    /// What the specification says the code means; `None` for codes it
    /// leaves undefined.
    pub fn description(self) -> Option<&'static str> {
        TABLE
            .iter()
            .find(|&&(code, _)| code == self.0)
            .map(|&(_, text)| text)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)?;
        match self.description() {
            Some(text) => write!(f, " ({text})"),
            None => Ok(()),
        }
    }
}

/// The codes the EMI-UCP specification defines (4.6 §4.1 and 5.x).
const TABLE: &[(u8, &str)] = &[
    (1, "Checksum error"),
    (2, "Syntax error"),
    (3, "Operation not supported by system"),
    (4, "Operation not allowed"),
    (5, "Call barring active"),
    (6, "AdC invalid"),
    (7, "Authentication failure"),
    (8, "Legitimisation code for all calls, failure"),
    (9, "GA not valid"),
    (10, "Repetition not allowed"),
    (11, "Legitimisation code for repetition, failure"),
    (12, "Priority call not allowed"),
    (13, "Legitimisation code for priority call, failure"),
    (14, "Urgent message not allowed"),
    (15, "Legitimisation code for urgent message, failure"),
    (16, "Reverse charging not allowed"),
    (17, "Legitimisation code for reverse charging, failure"),
    (18, "Deferred delivery not allowed"),
    (19, "New AC not valid"),
    (20, "New legitimisation code not valid"),
    (21, "Standard text not valid"),
    (22, "Time period not valid"),
    (23, "Message type not supported by system"),
    (24, "Message too long"),
    (25, "Requested standard text not valid"),
    (26, "Message type not valid for the pager type"),
    (27, "Message not found in SMSC"),
    (28, "Invalid character set"),
    (30, "Subscriber hang-up"),
    (31, "Fax group not supported"),
    (32, "Fax message type not supported"),
    (33, "Address already in list"),
    (34, "Address not in list"),
    (35, "List full, cannot add address to list"),
    (36, "RPID already in use"),
    (37, "Delivery in progress"),
    (38, "Message forwarded"),
    (50, "Low network status"),
    (51, "Legitimisation code for standard text, failure"),
    (53, "Operation partially successful"),
    (54, "Operation not successful"),
    (55, "System error"),
    (57, "AdC already a member of GAdC address list"),
    (58, "AdC not a member of GAdC address list"),
    (59, "Requested standard text list invalid"),
    (61, "Not controller of GAdC address list"),
    (62, "Standard text too large"),
    (63, "Not owner of standard text list"),
    (64, "Address list full"),
    (65, "GAdC invalid"),
    (66, "Operation restricted to mobile subscribers"),
    (68, "Invalid AdC type"),
    (69, "Cannot add AdC to GAdC address list"),
    (90, "Proprietary error code"),
    (91, "Proprietary error code"),
    (92, "Proprietary error code"),
    (93, "Proprietary error code"),
    (94, "Proprietary error code"),
    (95, "Proprietary error code"),
    (96, "Proprietary error code"),
    (97, "Proprietary error code"),
    (98, "Proprietary error code"),
    (99, "Proprietary error code"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_show_their_meaning() {
        assert_eq!(ErrorCode::SYNTAX_ERROR.to_string(), "02 (Syntax error)");
        assert_eq!(
            ErrorCode::new(29).map(|c| c.to_string()).as_deref(),
            Some("29")
        );
        assert_eq!(ErrorCode::new(100), None);
        assert_eq!(
            ErrorCode::AUTHENTICATION_FAILURE.description(),
            Some("Authentication failure")
        );
    }
}
