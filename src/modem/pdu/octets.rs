//! What every TPDU shares on the wire: a reader of its octets that names
//! the field it ran out in, and its encoded form (SCA then TPDU).

use super::error::DecodeError;
use crate::modem::hex;

/// An encoded PDU: the SCA followed by the TPDU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    /// SCA and TPDU, as written after the `> ` prompt (in hex).
    pub octets: Vec<u8>,
    /// Octets of the TPDU alone: the `<length>` of AT+CMGS and AT+CMGW
    /// (27.005 §3.5.1), which does not count the SCA.
    pub tpdu_length: usize,
}

impl Encoded {
    /// The octets as the hex line a modem expects.
    pub fn hex(&self) -> String {
        hex::encode(&self.octets)
    }

    /// The SCA followed by the TPDU.
    pub(crate) fn finish(sca: Vec<u8>, tpdu: Vec<u8>) -> Encoded {
        let tpdu_length = tpdu.len();
        let mut octets = sca;
        octets.extend(tpdu);
        Encoded {
            octets,
            tpdu_length,
        }
    }
}

/// A cursor over PDU octets that turns running out into
/// [`DecodeError::Truncated`] naming the field being read.
pub(crate) struct Reader<'a> {
    octets: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(octets: &'a [u8]) -> Reader<'a> {
        Reader { octets, offset: 0 }
    }

    pub(crate) fn peek(&self, field: &'static str) -> Result<u8, DecodeError> {
        self.octets
            .get(self.offset)
            .copied()
            .ok_or(DecodeError::Truncated {
                field,
                offset: self.offset,
            })
    }

    pub(crate) fn octet(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        let octet = self.peek(field)?;
        self.offset += 1;
        Ok(octet)
    }

    pub(crate) fn take(
        &mut self,
        count: usize,
        field: &'static str,
    ) -> Result<&'a [u8], DecodeError> {
        let taken = self
            .octets
            .get(self.offset..)
            .and_then(|rest| rest.get(..count))
            .ok_or(DecodeError::Truncated {
                field,
                offset: self.octets.len(),
            })?;
        self.offset += count;
        Ok(taken)
    }

    /// Whether octets remain.
    pub(crate) fn has_more(&self) -> bool {
        self.offset < self.octets.len()
    }
}
