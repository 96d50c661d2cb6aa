//! TP-User-Data-Length and TP-User-Data (3GPP TS 23.040 §9.2.3.16,
//! §9.2.3.24): an optional User Data Header, then the text or data in the
//! alphabet TP-DCS names. GSM 7-bit text is packed and TP-UDL counts
//! septets (header and fill bits included); every other alphabet counts
//! octets. The packing and the header are [`sms`](crate::sms)'s; this
//! file only lays them out. No I/O here.

use crate::sms::coding::USER_DATA_OCTETS;
use crate::sms::incoming::{self, ShortMessage};
use crate::sms::packing;
use crate::sms::{Alphabet, UdhError};

use super::error::{DecodeError, EncodeError};
use super::octets::Reader;

/// Most septets in one short message.
pub const MAX_SEPTETS: usize = USER_DATA_OCTETS * 8 / 7;

/// The user data of one short message, unpacked: the layout SMPP uses and
/// [`sms::split::Part`](crate::sms::split::Part) produces.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserData {
    /// The User Data Header, UDHL octet first; empty when there is none.
    /// Non-empty sets TP-UDHI.
    pub udh: Vec<u8>,
    /// The text or data after the header: unpacked septets (one per octet)
    /// for GSM 7-bit, otherwise the octets as sent (UTF-16BE for UCS-2).
    pub payload: Vec<u8>,
}

impl UserData {
    /// Whether TP-UDHI is set for this user data.
    pub fn udhi(&self) -> bool {
        !self.udh.is_empty()
    }

    /// The message read in the alphabet `dcs` names: header elements,
    /// concatenation, text.
    pub fn message(&self, dcs: u8) -> Result<ShortMessage, UdhError> {
        let joined = [self.udh.as_slice(), self.payload.as_slice()].concat();
        incoming::decode_user_data(Alphabet::from_dcs(dcs), self.udhi(), &joined, None)
    }

    /// Writes TP-UDL and TP-UD for `dcs`.
    pub(crate) fn encode(&self, dcs: u8, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if let Some(&udhl) = self.udh.first() {
            let declared = usize::from(udhl) + 1;
            if declared != self.udh.len() {
                return Err(EncodeError::BadUdh {
                    declared,
                    actual: self.udh.len(),
                });
            }
        }
        let (udl, octets) = if Alphabet::from_dcs(dcs) == Alphabet::Gsm7 {
            let packed = packing::pack_user_data(&self.udh, &self.payload);
            (packed.udl, packed.octets)
        } else {
            let octets = [self.udh.as_slice(), self.payload.as_slice()].concat();
            (octets.len(), octets)
        };
        if octets.len() > USER_DATA_OCTETS {
            return Err(EncodeError::UserDataTooLong {
                octets: octets.len(),
            });
        }
        out.push(udl as u8);
        out.extend(octets);
        Ok(())
    }

    /// Reads TP-UDL and TP-UD for `dcs`; `udhi` is TP-UDHI.
    pub(crate) fn decode(
        dcs: u8,
        udhi: bool,
        reader: &mut Reader,
    ) -> Result<UserData, DecodeError> {
        let udl = usize::from(reader.octet("TP-UDL")?);
        if Alphabet::from_dcs(dcs) == Alphabet::Gsm7 {
            if udl > MAX_SEPTETS {
                return Err(DecodeError::UserDataTooLong {
                    udl,
                    max: MAX_SEPTETS,
                });
            }
            let octets = reader.take((udl * 7).div_ceil(8), "TP-UD")?;
            let unpacked = packing::unpack_user_data(octets, udl, udhi)?;
            let udh_len = if udhi {
                unpacked.first().map_or(0, |&udhl| usize::from(udhl) + 1)
            } else {
                0
            };
            let (udh, payload) = unpacked.split_at(udh_len.min(unpacked.len()));
            Ok(UserData {
                udh: udh.to_vec(),
                payload: payload.to_vec(),
            })
        } else {
            if udl > USER_DATA_OCTETS {
                return Err(DecodeError::UserDataTooLong {
                    udl,
                    max: USER_DATA_OCTETS,
                });
            }
            let octets = reader.take(udl, "TP-UD")?;
            let udh_len = if udhi {
                let udhl = *octets.first().ok_or(packing::PackingError::MissingHeader)?;
                let declared = usize::from(udhl) + 1;
                if declared > octets.len() {
                    return Err(packing::PackingError::HeaderOverrun {
                        declared,
                        available: octets.len(),
                    }
                    .into());
                }
                declared
            } else {
                0
            };
            let (udh, payload) = octets.split_at(udh_len);
            Ok(UserData {
                udh: udh.to_vec(),
                payload: payload.to_vec(),
            })
        }
    }
}
