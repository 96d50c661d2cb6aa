//! TP-MTI, the two bits that say which TPDU follows.

/// TP-MTI (§9.2.3.1), read in the direction a modem reads stored and
/// received messages: 00 SMS-DELIVER, 01 SMS-SUBMIT, 10 SMS-STATUS-REPORT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageType {
    Deliver,
    Submit,
    StatusReport,
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
