//! Checks on a decoded submit_sm, submit_multi, data_sm or replace_sm from an ESME for
//! values the codec has to accept (every octet decodes to *some* value) but
//! SMPP 3.4 forbids, each answered with the status §5.1.3 names for it.
//! Business rules (routing, credit, content) are not here; this is the
//! protocol's own "invalid field value" layer, run by the ESME session right
//! after decoding and before anything is stored.

use super::pdu::{
    CommandStatus, DataSm, DestAddress, EmptyOrFullCOctetString, EsmClass, Npi, Pdu, PriorityFlag,
    RegisteredDelivery, ReplaceIfPresentFlag, ReplaceSm, SubmitMulti, SubmitSm, Ton,
};
use super::time;

/// esm_class message types an ESME may send (§5.2.12, bits 5..2): default,
/// ESME delivery acknowledgement, ESME manual/user acknowledgement. The
/// receipt and notification types are MC → ESME only.
const ESME_MESSAGE_TYPES: [u8; 3] = [0x00, 0x08, 0x10];
const MESSAGE_TYPE_MASK: u8 = 0b0011_1100;

/// SMPP 3.4 short_message is 0–254 octets (§4.4.1); longer text goes in
/// message_payload.
const MAX_SHORT_MESSAGE: u8 = 254;

/// submit_multi carries 1–254 destinations (§4.5.1).
const MAX_DESTINATIONS: usize = 254;

/// Check any request an ESME sends; PDUs with nothing to check pass.
pub fn request(pdu: &Pdu) -> Result<(), CommandStatus> {
    match pdu {
        Pdu::SubmitSm(body) => submit_sm(body),
        Pdu::SubmitMulti(body) => submit_multi(body),
        Pdu::DataSm(body) => data_sm(body),
        Pdu::ReplaceSm(body) => replace_sm(body),
        _ => Ok(()),
    }
}

/// Checks a submit_sm (SMPP 3.4 §4.4.1): source and destination TON/NPI
/// are values §5.2.5–5.2.6 define, the destination is not empty,
/// esm_class is a message type an ESME may send, priority_flag is 0–3,
/// both times parse, registered_delivery uses no reserved value,
/// replace_if_present_flag is 0 or 1, sm_length is at most 254. `Err`
/// carries the §5.1.3 status for the first field that fails.
pub fn submit_sm(body: &SubmitSm) -> Result<(), CommandStatus> {
    source(body.source_addr_ton, body.source_addr_npi)?;
    destination(
        body.dest_addr_ton,
        body.dest_addr_npi,
        body.destination_addr.as_str(),
    )?;
    message(
        body.esm_class,
        body.priority_flag,
        &body.schedule_delivery_time,
        &body.validity_period,
        body.registered_delivery,
        body.replace_if_present_flag,
        body.sm_length(),
    )
}

/// Checks a submit_multi (§4.5.1) as [`submit_sm`], plus 1 to 254
/// destinations, each SME address valid and each distribution list
/// named (ESME_RINVNUMDESTS, ESME_RINVDLNAME otherwise).
pub fn submit_multi(body: &SubmitMulti) -> Result<(), CommandStatus> {
    source(body.source_addr_ton, body.source_addr_npi)?;
    let dests = body.dest_address();
    if dests.is_empty() || dests.len() > MAX_DESTINATIONS {
        return Err(CommandStatus::EsmeRinvnumdests);
    }
    for dest in dests {
        match dest {
            DestAddress::SmeAddress(sme) => destination(
                sme.dest_addr_ton,
                sme.dest_addr_npi,
                sme.destination_addr.as_str(),
            )?,
            DestAddress::DistributionListName(list) if list.dl_name.is_empty() => {
                return Err(CommandStatus::EsmeRinvdlname);
            }
            DestAddress::DistributionListName(_) => {}
        }
    }
    message(
        body.esm_class,
        body.priority_flag,
        &body.schedule_delivery_time,
        &body.validity_period,
        body.registered_delivery,
        body.replace_if_present_flag,
        body.sm_length(),
    )
}

/// Checks a data_sm (§4.7.1): TON/NPI and destination as [`submit_sm`],
/// esm_class and registered_delivery. It has no times, priority or
/// short_message to check.
pub fn data_sm(body: &DataSm) -> Result<(), CommandStatus> {
    source(body.source_addr_ton, body.source_addr_npi)?;
    destination(
        body.dest_addr_ton,
        body.dest_addr_npi,
        body.destination_addr.as_str(),
    )?;
    esm_class(body.esm_class)?;
    registered_delivery(body.registered_delivery)
}

/// replace_sm (§4.10): the fields it shares with submit_sm, checked alike.
/// pasarela keeps no canned messages, so a non-zero `sm_default_msg_id`
/// is ESME_RINVDFTMSGID.
pub fn replace_sm(body: &ReplaceSm) -> Result<(), CommandStatus> {
    source(body.source_addr_ton, body.source_addr_npi)?;
    time::from_field(&body.schedule_delivery_time).map_err(|_| CommandStatus::EsmeRinvsched)?;
    time::from_field(&body.validity_period).map_err(|_| CommandStatus::EsmeRinvexpiry)?;
    registered_delivery(body.registered_delivery)?;
    if body.sm_default_msg_id != 0 {
        return Err(CommandStatus::EsmeRinvdftmsgid);
    }
    if body.sm_length() > MAX_SHORT_MESSAGE {
        return Err(CommandStatus::EsmeRinvmsglen);
    }
    Ok(())
}

fn source(ton: Ton, npi: Npi) -> Result<(), CommandStatus> {
    if matches!(ton, Ton::Other(_)) {
        return Err(CommandStatus::EsmeRinvsrcton);
    }
    if matches!(npi, Npi::Other(_)) {
        return Err(CommandStatus::EsmeRinvsrcnpi);
    }
    Ok(())
}

fn destination(ton: Ton, npi: Npi, addr: &str) -> Result<(), CommandStatus> {
    if matches!(ton, Ton::Other(_)) {
        return Err(CommandStatus::EsmeRinvdstton);
    }
    if matches!(npi, Npi::Other(_)) {
        return Err(CommandStatus::EsmeRinvdstnpi);
    }
    if addr.is_empty() {
        return Err(CommandStatus::EsmeRinvdstadr);
    }
    Ok(())
}

fn esm_class(value: EsmClass) -> Result<(), CommandStatus> {
    if ESME_MESSAGE_TYPES.contains(&(u8::from(value) & MESSAGE_TYPE_MASK)) {
        Ok(())
    } else {
        Err(CommandStatus::EsmeRinvesmclass)
    }
}

/// §5.2.17: bits 1..0 = 3 and bits 7..5 are reserved.
fn registered_delivery(value: RegisteredDelivery) -> Result<(), CommandStatus> {
    let raw = u8::from(value);
    if raw & 0b11 == 0b11 || raw & 0b1110_0000 != 0 {
        Err(CommandStatus::EsmeRinvregdlvflg)
    } else {
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
fn message(
    esm: EsmClass,
    priority: PriorityFlag,
    schedule: &EmptyOrFullCOctetString<17>,
    validity: &EmptyOrFullCOctetString<17>,
    delivery: RegisteredDelivery,
    replace: ReplaceIfPresentFlag,
    sm_length: u8,
) -> Result<(), CommandStatus> {
    esm_class(esm)?;
    if u8::from(priority) > 3 {
        return Err(CommandStatus::EsmeRinvprtflg);
    }
    time::from_field(schedule).map_err(|_| CommandStatus::EsmeRinvsched)?;
    time::from_field(validity).map_err(|_| CommandStatus::EsmeRinvexpiry)?;
    registered_delivery(delivery)?;
    if u8::from(replace) > 1 {
        return Err(CommandStatus::EsmeRinvrepflag);
    }
    if sm_length > MAX_SHORT_MESSAGE {
        return Err(CommandStatus::EsmeRinvmsglen);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smpp::pdu::{
        COctetString, DistributionListName, OctetString, ReplaceSm, SmeAddress, SubmitMulti,
    };

    fn good() -> SubmitSm {
        SubmitSm::builder()
            .source_addr_ton(Ton::Alphanumeric)
            .source_addr(COctetString::from_static_slice(b"Pasarela\0").expect("fits"))
            .dest_addr_ton(Ton::International)
            .dest_addr_npi(Npi::Isdn)
            .destination_addr(COctetString::from_static_slice(b"34600123456\0").expect("fits"))
            .esm_class(EsmClass::from(0x40))
            .priority_flag(PriorityFlag::from(1))
            .validity_period(
                EmptyOrFullCOctetString::from_static_slice(b"000001000000000R\0").expect("fits"),
            )
            .registered_delivery(RegisteredDelivery::from(1))
            .short_message(OctetString::from_static_slice(b"hello").expect("fits"))
            .build()
    }

    /// A change to a good submit_sm, and the status it must draw.
    type Case = (Box<dyn FnOnce(&mut SubmitSm)>, CommandStatus);

    fn status_of(edit: impl FnOnce(&mut SubmitSm)) -> Result<(), CommandStatus> {
        let mut body = good();
        edit(&mut body);
        request(&Pdu::SubmitSm(body))
    }

    #[test]
    fn a_plain_submit_passes() {
        assert_eq!(status_of(|_| {}), Ok(()));
        assert_eq!(
            status_of(|b| b.esm_class = EsmClass::from(0x08)),
            Ok(()),
            "ESME delivery ack"
        );
    }

    #[test]
    fn each_bad_field_gets_its_status() {
        let cases: Vec<Case> = vec![
            (
                Box::new(|b| b.source_addr_ton = Ton::from(7)),
                CommandStatus::EsmeRinvsrcton,
            ),
            (
                Box::new(|b| b.source_addr_npi = Npi::from(2)),
                CommandStatus::EsmeRinvsrcnpi,
            ),
            (
                Box::new(|b| b.dest_addr_ton = Ton::from(9)),
                CommandStatus::EsmeRinvdstton,
            ),
            (
                Box::new(|b| b.dest_addr_npi = Npi::from(5)),
                CommandStatus::EsmeRinvdstnpi,
            ),
            (
                Box::new(|b| b.destination_addr = COctetString::empty()),
                CommandStatus::EsmeRinvdstadr,
            ),
            (
                Box::new(|b| b.esm_class = EsmClass::from(0x04)),
                CommandStatus::EsmeRinvesmclass,
            ),
            (
                Box::new(|b| b.priority_flag = PriorityFlag::from(4)),
                CommandStatus::EsmeRinvprtflg,
            ),
            (
                Box::new(|b| {
                    b.schedule_delivery_time =
                        EmptyOrFullCOctetString::from_static_slice(b"991399000000000+\0")
                            .expect("16 characters")
                }),
                CommandStatus::EsmeRinvsched,
            ),
            (
                Box::new(|b| {
                    b.validity_period =
                        EmptyOrFullCOctetString::from_static_slice(b"000001000000000X\0")
                            .expect("16 characters")
                }),
                CommandStatus::EsmeRinvexpiry,
            ),
            (
                Box::new(|b| b.registered_delivery = RegisteredDelivery::from(3)),
                CommandStatus::EsmeRinvregdlvflg,
            ),
            (
                Box::new(|b| b.registered_delivery = RegisteredDelivery::from(0x21)),
                CommandStatus::EsmeRinvregdlvflg,
            ),
            (
                Box::new(|b| b.replace_if_present_flag = ReplaceIfPresentFlag::from(2)),
                CommandStatus::EsmeRinvrepflag,
            ),
            (
                Box::new(|b| {
                    b.set_short_message(OctetString::from_vec(vec![b'x'; 255]).expect("fits"))
                }),
                CommandStatus::EsmeRinvmsglen,
            ),
        ];
        for (edit, status) in cases {
            assert_eq!(status_of(edit), Err(status));
        }
    }

    #[test]
    fn submit_multi_destinations() {
        let mut multi = SubmitMulti::builder()
            .source_addr(COctetString::from_static_slice(b"1\0").expect("fits"))
            .build();
        assert_eq!(
            request(&Pdu::SubmitMulti(multi.clone())),
            Err(CommandStatus::EsmeRinvnumdests)
        );
        multi.push_dest_address(DestAddress::SmeAddress(SmeAddress::new(
            Ton::International,
            Npi::Isdn,
            COctetString::from_static_slice(b"34600000001\0").expect("fits"),
        )));
        assert_eq!(request(&Pdu::SubmitMulti(multi.clone())), Ok(()));
        multi.push_dest_address(DestAddress::DistributionListName(
            DistributionListName::new(COctetString::empty()),
        ));
        assert_eq!(
            request(&Pdu::SubmitMulti(multi)),
            Err(CommandStatus::EsmeRinvdlname)
        );
    }

    #[test]
    fn replace_sm_fields() {
        let good = || {
            ReplaceSm::builder()
                .message_id(COctetString::from_static_slice(b"42\0").expect("fits"))
                .short_message(OctetString::from_static_slice(b"new text").expect("fits"))
                .build()
        };
        assert_eq!(request(&Pdu::ReplaceSm(good())), Ok(()));
        let mut canned = good();
        canned.sm_default_msg_id = 3;
        assert_eq!(
            request(&Pdu::ReplaceSm(canned)),
            Err(CommandStatus::EsmeRinvdftmsgid)
        );
        let mut flags = good();
        flags.registered_delivery = RegisteredDelivery::from(3);
        assert_eq!(
            request(&Pdu::ReplaceSm(flags)),
            Err(CommandStatus::EsmeRinvregdlvflg)
        );
        let mut schedule = good();
        schedule.schedule_delivery_time =
            EmptyOrFullCOctetString::from_static_slice(b"991399000000000+\0").expect("16");
        assert_eq!(
            request(&Pdu::ReplaceSm(schedule)),
            Err(CommandStatus::EsmeRinvsched)
        );
    }

    #[test]
    fn other_pdus_pass() {
        assert_eq!(request(&Pdu::EnquireLink), Ok(()));
    }
}
