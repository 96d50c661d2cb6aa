//! The 16-octet PDU header (SMPP 3.4 §3.2), read on its own so that the
//! session can still answer the right sequence number with the right
//! response type when the body that follows is garbage.

use super::pdu::{CommandId, CommandStatus};

/// Octets in a header: command_length, command_id, command_status, sequence_number.
pub const HEADER_LEN: usize = 16;

/// A parsed header. The values are taken as they are on the wire, even when
/// they make no sense (an unknown command_id, a zero sequence number): the
/// header is what the error path reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Length of the whole PDU, header included.
    pub command_length: u32,
    /// Which operation; unknown values are kept as `CommandId::Other`.
    pub command_id: CommandId,
    /// Zero on requests; the outcome on responses.
    pub command_status: CommandStatus,
    /// Correlates a response with its request.
    pub sequence_number: u32,
}

impl Header {
    /// The header at the start of `src`, or `None` when fewer than 16 octets
    /// have arrived.
    pub fn parse(src: &[u8]) -> Option<Header> {
        let [
            l0,
            l1,
            l2,
            l3,
            i0,
            i1,
            i2,
            i3,
            s0,
            s1,
            s2,
            s3,
            q0,
            q1,
            q2,
            q3,
            ..,
        ] = *src
        else {
            return None;
        };
        Some(Header {
            command_length: u32::from_be_bytes([l0, l1, l2, l3]),
            command_id: CommandId::from(u32::from_be_bytes([i0, i1, i2, i3])),
            command_status: CommandStatus::from(u32::from_be_bytes([s0, s1, s2, s3])),
            sequence_number: u32::from_be_bytes([q0, q1, q2, q3]),
        })
    }

    /// The command_length prefix alone, available after four octets.
    pub fn peek_length(src: &[u8]) -> Option<u32> {
        let [l0, l1, l2, l3, ..] = *src else {
            return None;
        };
        Some(u32::from_be_bytes([l0, l1, l2, l3]))
    }

    /// The raw command_id, for logs and for `generic_nack` decisions.
    pub fn command_id_raw(&self) -> u32 {
        u32::from(self.command_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_bind_transmitter_header() {
        let bytes = [
            0x00, 0x00, 0x00, 0x2F, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x01, 0xFF,
        ];
        let header = Header::parse(&bytes).expect("16 octets are there");
        assert_eq!(header.command_length, 47);
        assert_eq!(header.command_id, CommandId::BindTransmitter);
        assert_eq!(header.command_status, CommandStatus::EsmeRok);
        assert_eq!(header.sequence_number, 1);
        assert_eq!(Header::peek_length(&bytes[..4]), Some(47));
    }

    #[test]
    fn short_input_is_none_not_a_panic() {
        for len in 0..HEADER_LEN {
            assert!(Header::parse(&[0u8; HEADER_LEN][..len]).is_none());
        }
        assert!(Header::peek_length(&[0, 0, 0]).is_none());
    }

    #[test]
    fn unknown_ids_are_kept() {
        let mut bytes = [0u8; 16];
        bytes[4..8].copy_from_slice(&0x0000_0777u32.to_be_bytes());
        let header = Header::parse(&bytes).expect("16 octets");
        assert_eq!(header.command_id, CommandId::Other(0x777));
        assert_eq!(header.command_id_raw(), 0x777);
    }
}
