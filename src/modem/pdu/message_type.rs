//! TP-MTI, the two bits that say which TPDU follows.

/// TP-MTI (§9.2.3.1), read in the direction a modem reads stored and
/// received messages: 00 SMS-DELIVER, 01 SMS-SUBMIT, 10 SMS-STATUS-REPORT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageType {
    /// 00: SMS-DELIVER, a message from the service centre.
    Deliver,
    /// 01: SMS-SUBMIT, a message to send (or one stored for sending).
    Submit,
    /// 10: SMS-STATUS-REPORT, what happened to a submitted message.
    StatusReport,
    /// 11: reserved; not a TPDU this crate reads.
    Reserved,
}

impl MessageType {
    /// From the low two bits of the first octet.
    pub const fn from_first_octet(octet: u8) -> MessageType {
        match octet & 0b11 {
            0b00 => MessageType::Deliver,
            0b01 => MessageType::Submit,
            0b10 => MessageType::StatusReport,
            _ => MessageType::Reserved,
        }
    }
}
