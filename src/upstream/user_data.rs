//! A stored message part's user data as a non-SMPP upstream protocol
//! (UCP, HTTP) sends it: the User Data Header, UDHL first, apart from the
//! body after it. The header is the payload's own when esm_class has
//! UDHI, else one built from the part's SAR numbers, else none. No I/O.

use crate::model::Message;
use crate::sms::concat::{Concat, Reference};
use crate::sms::udh::{ESM_CLASS_UDHI, Udh, UdhError};

/// The UDH (UDHL first) of `message`'s part, if it has one, and the body
/// after it; an error when esm_class has UDHI and the header does not read.
pub fn udh_and_body(message: &Message) -> Result<(Option<Vec<u8>>, &[u8]), UdhError> {
    let payload = message.payload.as_slice();
    if message.esm_class & ESM_CLASS_UDHI != 0 {
        let (_, body) = Udh::split(payload)?;
        let header = &payload[..payload.len() - body.len()];
        return Ok((Some(header.to_vec()), body));
    }
    let udh = message.part.and_then(|part| {
        let reference = match u8::try_from(part.reference()) {
            Ok(reference) => Reference::Bits8(reference),
            Err(_) => Reference::Bits16(part.reference()),
        };
        Concat::new(reference, part.total(), part.seq()).map(Concat::udh_bytes)
    });
    Ok((udh, payload))
}
