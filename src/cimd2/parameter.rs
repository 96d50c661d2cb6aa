//! CIMD2 parameter codes: the three digits before a parameter's `:`.
//! Numbers from Kannel's `smsc_cimd2.c` (see docs/cimd2.md); a code not
//! named here is still read and written.

use std::fmt;

/// A parameter code, 000 to 999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParameterCode(u16);

impl ParameterCode {
    /// 010: user identity (login).
    pub const USER_IDENTITY: ParameterCode = ParameterCode(10);
    /// 011: password (login).
    pub const PASSWORD: ParameterCode = ParameterCode(11);
    /// 021: destination address.
    pub const DESTINATION_ADDRESS: ParameterCode = ParameterCode(21);
    /// 023: originating address.
    pub const ORIGINATING_ADDRESS: ParameterCode = ParameterCode(23);
    /// 027: alphanumeric originating address.
    pub const ALPHANUMERIC_ORIGINATING_ADDRESS: ParameterCode = ParameterCode(27);
    /// 030: data coding scheme.
    pub const DATA_CODING_SCHEME: ParameterCode = ParameterCode(30);
    /// 032: user data header, as hex.
    pub const USER_DATA_HEADER: ParameterCode = ParameterCode(32);
    /// 033: user data, in CIMD2's character set ([`text`](super::text)).
    pub const USER_DATA: ParameterCode = ParameterCode(33);
    /// 034: user data binary, as hex.
    pub const USER_DATA_BINARY: ParameterCode = ParameterCode(34);
    /// 044: more messages to send (0 or 1).
    pub const MORE_MESSAGES_TO_SEND: ParameterCode = ParameterCode(44);
    /// 050: validity period relative.
    pub const VALIDITY_PERIOD_RELATIVE: ParameterCode = ParameterCode(50);
    /// 051: validity period absolute (a [`time`](super::time)).
    pub const VALIDITY_PERIOD_ABSOLUTE: ParameterCode = ParameterCode(51);
    /// 052: protocol identifier.
    pub const PROTOCOL_IDENTIFIER: ParameterCode = ParameterCode(52);
    /// 055: reply path (0 or 1).
    pub const REPLY_PATH: ParameterCode = ParameterCode(55);
    /// 056: status report request (a bit mask, 0–63).
    pub const STATUS_REPORT_REQUEST: ParameterCode = ParameterCode(56);
    /// 060: service centre timestamp (a [`time`](super::time)).
    pub const SERVICE_CENTRE_TIMESTAMP: ParameterCode = ParameterCode(60);
    /// 061: status code (of a status report).
    pub const STATUS_CODE: ParameterCode = ParameterCode(61);
    /// 062: status error code.
    pub const STATUS_ERROR_CODE: ParameterCode = ParameterCode(62);
    /// 063: discharge time (a [`time`](super::time)).
    pub const DISCHARGE_TIME: ParameterCode = ParameterCode(63);
    /// 064: tariff class.
    pub const TARIFF_CLASS: ParameterCode = ParameterCode(64);
    /// 065: service description.
    pub const SERVICE_DESCRIPTION: ParameterCode = ParameterCode(65);
    /// 066: message count.
    pub const MESSAGE_COUNT: ParameterCode = ParameterCode(66);
    /// 067: priority (1–9).
    pub const PRIORITY: ParameterCode = ParameterCode(67);
    /// 900: error code (of a response).
    pub const ERROR_CODE: ParameterCode = ParameterCode(900);
    /// 901: error text.
    pub const ERROR_TEXT: ParameterCode = ParameterCode(901);

    /// The code, or `None` above 999.
    pub const fn new(value: u16) -> Option<ParameterCode> {
        if value <= 999 {
            Some(ParameterCode(value))
        } else {
            None
        }
    }

    /// The number.
    pub const fn value(self) -> u16 {
        self.0
    }
}

impl fmt::Display for ParameterCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}", self.0)
    }
}
