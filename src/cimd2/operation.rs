//! CIMD2 operation codes: the two digits before the packet number. A
//! request's response is its code plus 50; NACK (99) and the general error
//! response (98) answer anything. Numbers from Kannel's `smsc_cimd2.c`
//! (see docs/cimd2.md).

use std::fmt;

/// An operation code, 00 to 99, known to this codec by name or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OperationCode(u8);

impl OperationCode {
    /// 01: login (user identity, password).
    pub const LOGIN: OperationCode = OperationCode(1);
    /// 02: logout.
    pub const LOGOUT: OperationCode = OperationCode(2);
    /// 03: submit message.
    pub const SUBMIT: OperationCode = OperationCode(3);
    /// 20: deliver message (an MO, from the server).
    pub const DELIVER: OperationCode = OperationCode(20);
    /// 23: deliver status report (a receipt, from the server).
    pub const STATUS_REPORT: OperationCode = OperationCode(23);
    /// 40: alive, the keep-alive either side sends.
    pub const ALIVE: OperationCode = OperationCode(40);
    /// 98: general error response.
    pub const GENERAL_ERROR: OperationCode = OperationCode(98);
    /// 99: NACK, a packet refused for its checksum or number.
    pub const NACK: OperationCode = OperationCode(99);

    /// What a request's response adds to its code.
    const RESPONSE_OFFSET: u8 = 50;

    /// The code, or `None` above 99.
    pub const fn new(value: u8) -> Option<OperationCode> {
        if value <= 99 {
            Some(OperationCode(value))
        } else {
            None
        }
    }

    /// The number.
    pub const fn value(self) -> u8 {
        self.0
    }

    /// Whether this is a request (below 50), which the peer answers.
    pub const fn is_request(self) -> bool {
        self.0 < Self::RESPONSE_OFFSET
    }

    /// The response to this request (51 for login, 90 for alive, …), or
    /// `None` when this is not a request.
    pub const fn response(self) -> Option<OperationCode> {
        if self.is_request() {
            Some(OperationCode(self.0 + Self::RESPONSE_OFFSET))
        } else {
            None
        }
    }
}

impl fmt::Display for OperationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_add_fifty() {
        assert_eq!(OperationCode::LOGIN.response(), OperationCode::new(51));
        assert_eq!(OperationCode::ALIVE.response(), OperationCode::new(90));
        assert_eq!(OperationCode::NACK.response(), None);
        assert_eq!(OperationCode::new(100), None);
        assert_eq!(OperationCode::SUBMIT.to_string(), "03");
    }
}
