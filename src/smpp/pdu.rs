//! The PDU vocabulary: rusmpp's owned types re-exported under `crate::smpp`,
//! plus the few constructors and queries rusmpp leaves to its users
//! (header-only responses, "which response answers this request", "where are
//! this PDU's TLVs"). No decoding or encoding here; that is [`super::frame`].
//!
//! rusmpp models SMPP 5.0; we speak 3.4 with 5.0 TLVs. The 5.0-only
//! broadcast operations are therefore not re-exported and [`is_smpp34`]
//! tells the framing to treat their command ids as unknown.
//!
//! A trap worth knowing: `EsmClass::default()` encodes as `0x08` (rusmpp's
//! default for the ANSI-41 bits is "delivery acknowledgement"). Build esm_class
//! values with `EsmClass::from(u8)`.

pub use rusmpp::command::CommandParts;
pub use rusmpp::fields::SmppField as Field;
pub use rusmpp::pdus::{
    AlertNotification, BindReceiver, BindReceiverResp, BindTransceiver, BindTransceiverResp,
    BindTransmitter, BindTransmitterResp, CancelSm, DataSm, DataSmResp, DeliverSm, DeliverSmResp,
    Outbind, QuerySm, QuerySmResp, ReplaceSm, SubmitMulti, SubmitMultiResp, SubmitSm, SubmitSmResp,
};
pub use rusmpp::tlvs::{
    MessageDeliveryRequestTlvValue, MessageDeliveryResponseTlvValue,
    MessageSubmissionRequestTlvValue, MessageSubmissionResponseTlvValue, Tlv, TlvTag, TlvValue,
};
pub use rusmpp::types::{AnyOctetString, COctetString, EmptyOrFullCOctetString, OctetString};
pub use rusmpp::values::{
    DataCoding, DestAddress, DistributionListName, EsmClass, InterfaceVersion, MessagePayload,
    MessageState, NetworkErrorCode, Npi, PriorityFlag, RegisteredDelivery, ReplaceIfPresentFlag,
    ServiceType, SmeAddress, Ton, UnsuccessSme, UserMessageReference,
};
pub use rusmpp::{Command, CommandId, CommandStatus, Pdu};

/// Every command id SMPP 3.4 defines (§5.1.2), requests and responses.
pub const SMPP34_COMMAND_IDS: [CommandId; 27] = [
    CommandId::GenericNack,
    CommandId::BindReceiver,
    CommandId::BindReceiverResp,
    CommandId::BindTransmitter,
    CommandId::BindTransmitterResp,
    CommandId::QuerySm,
    CommandId::QuerySmResp,
    CommandId::SubmitSm,
    CommandId::SubmitSmResp,
    CommandId::DeliverSm,
    CommandId::DeliverSmResp,
    CommandId::Unbind,
    CommandId::UnbindResp,
    CommandId::ReplaceSm,
    CommandId::ReplaceSmResp,
    CommandId::CancelSm,
    CommandId::CancelSmResp,
    CommandId::BindTransceiver,
    CommandId::BindTransceiverResp,
    CommandId::Outbind,
    CommandId::EnquireLink,
    CommandId::EnquireLinkResp,
    CommandId::SubmitMulti,
    CommandId::SubmitMultiResp,
    CommandId::AlertNotification,
    CommandId::DataSm,
    CommandId::DataSmResp,
];

/// Whether SMPP 3.4 defines this command id.
pub fn is_smpp34(id: CommandId) -> bool {
    SMPP34_COMMAND_IDS.contains(&id)
}

/// PDUs that are a header and nothing else (§4: unbind, enquire_link, their
/// responses, generic_nack, cancel_sm_resp, replace_sm_resp).
pub fn is_header_only(id: CommandId) -> bool {
    matches!(
        id,
        CommandId::Unbind
            | CommandId::UnbindResp
            | CommandId::EnquireLink
            | CommandId::EnquireLinkResp
            | CommandId::GenericNack
            | CommandId::CancelSmResp
            | CommandId::ReplaceSmResp
    )
}

/// The response that answers `request`, or `None` for PDUs that get none
/// (outbind, alert_notification) and for responses themselves.
pub fn response_id(request: CommandId) -> Option<CommandId> {
    match request {
        CommandId::BindReceiver => Some(CommandId::BindReceiverResp),
        CommandId::BindTransmitter => Some(CommandId::BindTransmitterResp),
        CommandId::BindTransceiver => Some(CommandId::BindTransceiverResp),
        CommandId::QuerySm => Some(CommandId::QuerySmResp),
        CommandId::SubmitSm => Some(CommandId::SubmitSmResp),
        CommandId::DeliverSm => Some(CommandId::DeliverSmResp),
        CommandId::Unbind => Some(CommandId::UnbindResp),
        CommandId::ReplaceSm => Some(CommandId::ReplaceSmResp),
        CommandId::CancelSm => Some(CommandId::CancelSmResp),
        CommandId::EnquireLink => Some(CommandId::EnquireLinkResp),
        CommandId::SubmitMulti => Some(CommandId::SubmitMultiResp),
        CommandId::DataSm => Some(CommandId::DataSmResp),
        _ => None,
    }
}

/// A PDU with no body: the header-only PDUs, and error responses, whose body
/// SMPP 3.4 says is not returned when command_status is non-zero.
pub fn header_only(id: CommandId, status: CommandStatus, sequence_number: u32) -> Command {
    Command::from_parts(CommandParts {
        id,
        status,
        sequence_number,
        pdu: None,
    })
}

/// `generic_nack` with `status`, answering `sequence_number`.
pub fn generic_nack(status: CommandStatus, sequence_number: u32) -> Command {
    header_only(CommandId::GenericNack, status, sequence_number)
}

/// The body-less error answer to a request: `<request>_resp` with `status`,
/// or `generic_nack` for a request that has no response of its own.
pub fn error_response(request: CommandId, status: CommandStatus, sequence_number: u32) -> Command {
    match response_id(request) {
        Some(id) => header_only(id, status, sequence_number),
        None => generic_nack(status, sequence_number),
    }
}

/// The TLVs a PDU carries, in wire order; empty for PDUs without any.
pub fn tlvs(pdu: &Pdu) -> &[Tlv] {
    match pdu {
        Pdu::SubmitSm(body) => body.tlvs(),
        Pdu::SubmitSmResp(body) => body.tlvs(),
        Pdu::DeliverSm(body) => body.tlvs(),
        Pdu::DeliverSmResp(body) => body.tlvs(),
        Pdu::DataSm(body) => body.tlvs(),
        Pdu::DataSmResp(body) => body.tlvs(),
        Pdu::SubmitMulti(body) => body.tlvs(),
        Pdu::SubmitMultiResp(body) => body.tlvs(),
        Pdu::BindReceiverResp(body) => body
            .sc_interface_version_tlv()
            .map_or(&[][..], std::slice::from_ref),
        Pdu::BindTransmitterResp(body) => body
            .sc_interface_version_tlv()
            .map_or(&[][..], std::slice::from_ref),
        Pdu::BindTransceiverResp(body) => body
            .sc_interface_version_tlv()
            .map_or(&[][..], std::slice::from_ref),
        Pdu::AlertNotification(body) => body
            .ms_availability_status_tlv()
            .map_or(&[][..], std::slice::from_ref),
        Pdu::ReplaceSm(body) => body
            .message_payload_tlv()
            .map_or(&[][..], std::slice::from_ref),
        _ => &[],
    }
}

/// The first TLV with `tag`, if any.
pub fn find_tlv(pdu: &Pdu, tag: TlvTag) -> Option<&TlvValue> {
    tlvs(pdu)
        .iter()
        .find(|tlv| tlv.tag() == tag)
        .and_then(Tlv::value)
}

/// The user data of a message-carrying PDU: short_message, or the
/// message_payload TLV when short_message is empty (SMPP 3.4 says
/// the two are not used together). `None` for PDUs that carry no message.
pub fn message_content(pdu: &Pdu) -> Option<&[u8]> {
    let short_message: &[u8] = match pdu {
        Pdu::SubmitSm(body) => body.short_message(),
        Pdu::DeliverSm(body) => body.short_message(),
        Pdu::SubmitMulti(body) => body.short_message(),
        Pdu::ReplaceSm(body) => body.short_message(),
        Pdu::DataSm(_) => &[],
        _ => return None,
    };
    if !short_message.is_empty() {
        return Some(short_message);
    }
    match find_tlv(pdu, TlvTag::MessagePayload) {
        Some(TlvValue::MessagePayload(payload)) => Some(payload.value.as_ref()),
        _ => Some(short_message),
    }
}

/// The message_id of a submit_sm_resp, data_sm_resp or submit_multi_resp;
/// `None` when the command has no body (an error response) or is another PDU.
pub fn response_message_id(command: &Command) -> Option<&str> {
    match command.pdu()? {
        Pdu::SubmitSmResp(body) => Some(body.message_id().as_str()),
        Pdu::DataSmResp(body) => Some(body.message_id().as_str()),
        Pdu::SubmitMultiResp(body) => Some(body.message_id.as_str()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_with_a_response_maps_to_its_resp_id() {
        for id in SMPP34_COMMAND_IDS {
            match response_id(id) {
                Some(resp) => {
                    assert!(id.is_operation(), "{id:?}");
                    assert_eq!(resp, id.matching_response());
                    assert!(is_smpp34(resp));
                }
                None => assert!(
                    id.is_response()
                        || matches!(id, CommandId::Outbind | CommandId::AlertNotification),
                    "{id:?} should have a response"
                ),
            }
        }
    }

    #[test]
    fn broadcast_operations_are_not_smpp34() {
        assert!(!is_smpp34(CommandId::BroadcastSm));
        assert!(!is_smpp34(CommandId::QueryBroadcastSmResp));
        assert!(!is_smpp34(CommandId::Other(0x1234)));
        assert!(is_smpp34(CommandId::AlertNotification));
    }

    #[test]
    fn message_content_prefers_short_message_then_payload() {
        let short = SubmitSm::builder()
            .short_message(OctetString::from_static_slice(b"hi").expect("fits"))
            .build();
        assert_eq!(message_content(&Pdu::SubmitSm(short)), Some(&b"hi"[..]));
        let payload = DataSm::builder()
            .tlvs(vec![MessageSubmissionRequestTlvValue::MessagePayload(
                MessagePayload::new(AnyOctetString::from_static_slice(b"long text")),
            )])
            .build();
        assert_eq!(
            message_content(&Pdu::DataSm(payload)),
            Some(&b"long text"[..])
        );
        let empty = DeliverSm::default();
        assert_eq!(message_content(&Pdu::DeliverSm(empty)), Some(&b""[..]));
        assert_eq!(message_content(&Pdu::EnquireLink), None);
    }

    #[test]
    fn error_response_is_body_less_resp_or_generic_nack() {
        let resp = error_response(CommandId::SubmitSm, CommandStatus::EsmeRinvdstadr, 9);
        assert_eq!(resp.id(), CommandId::SubmitSmResp);
        assert_eq!(resp.status(), CommandStatus::EsmeRinvdstadr);
        assert_eq!(resp.sequence_number(), 9);
        assert!(resp.pdu().is_none());
        let nack = error_response(
            CommandId::AlertNotification,
            CommandStatus::EsmeRinvsrcadr,
            3,
        );
        assert_eq!(nack.id(), CommandId::GenericNack);
        assert_eq!(nack.status(), CommandStatus::EsmeRinvsrcadr);
    }
}
