//! Round trip: every SMPP 3.4 PDU, built with fields and TLVs (known and
//! unknown tags), encoded, decoded, and compared equal; plus a property
//! test that feeds arbitrary bytes and mutations of valid PDUs to the
//! decoder: it must never panic and never claim more octets than it got.

use bytes::BytesMut;
use pasarela::smpp::pdu::{
    self, AlertNotification, AnyOctetString, BindReceiver, BindReceiverResp, BindTransceiver,
    BindTransceiverResp, BindTransmitter, BindTransmitterResp, COctetString, CancelSm, Command,
    CommandId, CommandStatus, DataSm, DataSmResp, DeliverSm, DeliverSmResp, DestAddress,
    DistributionListName, EmptyOrFullCOctetString, EsmClass, InterfaceVersion,
    MessageDeliveryRequestTlvValue, MessageDeliveryResponseTlvValue, MessagePayload, MessageState,
    MessageSubmissionRequestTlvValue, MessageSubmissionResponseTlvValue, Npi, OctetString, Outbind,
    Pdu, QuerySm, QuerySmResp, RegisteredDelivery, ReplaceSm, SmeAddress, SubmitMulti,
    SubmitMultiResp, SubmitSm, SubmitSmResp, Tlv, TlvTag, TlvValue, Ton, UnsuccessSme,
    UserMessageReference,
};
use pasarela::smpp::{Codec, Leniency, decode, encode};
use proptest::prelude::*;

fn c<const MIN: usize, const MAX: usize>(s: &str) -> COctetString<MIN, MAX> {
    COctetString::from_string(s.to_owned()).expect("test string fits")
}

fn time(s: &str) -> EmptyOrFullCOctetString<17> {
    EmptyOrFullCOctetString::from_string(s.to_owned()).expect("16 characters")
}

fn unknown_tlv() -> Tlv {
    Tlv::new(TlvValue::Other {
        tag: TlvTag::Other(0x1401),
        value: AnyOctetString::from_static_slice(b"\x01\x02vendor"),
    })
}

fn submit_sm() -> SubmitSm {
    let sm = SubmitSm::builder()
        .source_addr_ton(Ton::Alphanumeric)
        .source_addr(c("Pasarela"))
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(c("34600123456"))
        .esm_class(EsmClass::from(0x40))
        .validity_period(time("000001000000000R"))
        .registered_delivery(RegisteredDelivery::from(1))
        .short_message(
            OctetString::from_static_slice(b"\x05\x00\x03\x2A\x02\x01hello").expect("fits"),
        )
        .tlvs(vec![
            MessageSubmissionRequestTlvValue::UserMessageReference(UserMessageReference::new(7)),
            MessageSubmissionRequestTlvValue::SarMsgRefNum(0x2A),
            MessageSubmissionRequestTlvValue::SarTotalSegments(2),
            MessageSubmissionRequestTlvValue::SarSegmentSeqnum(1),
        ])
        .build();
    // Append an unknown vendor TLV, which the typed builder cannot express.
    let mut parts = sm.into_parts();
    parts.tlvs.push(unknown_tlv());
    SubmitSm::from_parts(parts)
}

fn every_pdu() -> Vec<Pdu> {
    let bind_fields = |b: &mut BindTransmitter| {
        b.system_id = c("pasarela");
        b.password = c("secret");
        b.system_type = c("VMA");
        b.interface_version = InterfaceVersion::Smpp3_4;
        b.address_range = c("^34");
    };
    let mut tx = BindTransmitter::default();
    bind_fields(&mut tx);
    let rx = BindReceiver::new(
        c("esme"),
        c("pw"),
        c(""),
        InterfaceVersion::Smpp3_4,
        Ton::Unknown,
        Npi::Unknown,
        c(""),
    );
    let trx = BindTransceiver::new(
        c("esme"),
        c("pw"),
        c("SMPP"),
        InterfaceVersion::Smpp3_4,
        Ton::International,
        Npi::Isdn,
        c("346"),
    );
    let deliver = DeliverSm::builder()
        .source_addr(c("34600123456"))
        .destination_addr(c("7777"))
        .esm_class(EsmClass::from(0x04))
        .short_message(OctetString::from_static_slice(b"id:1 stat:DELIVRD").expect("fits"))
        .tlvs(vec![
            MessageDeliveryRequestTlvValue::ReceiptedMessageId(c("1")),
            MessageDeliveryRequestTlvValue::MessageState(MessageState::Delivered),
        ])
        .build();
    let data_sm = DataSm::builder()
        .source_addr(c("1"))
        .destination_addr(c("2"))
        .tlvs(vec![MessageSubmissionRequestTlvValue::MessagePayload(
            MessagePayload::new(AnyOctetString::from_vec(vec![b'x'; 600])),
        )])
        .build();
    let mut multi = SubmitMulti::builder()
        .source_addr(c("1"))
        .short_message(OctetString::from_static_slice(b"to many").expect("fits"))
        .build();
    multi.push_dest_address(DestAddress::SmeAddress(SmeAddress::new(
        Ton::International,
        Npi::Isdn,
        c("34600000001"),
    )));
    multi.push_dest_address(DestAddress::DistributionListName(
        DistributionListName::new(c("staff")),
    ));
    let mut multi_resp = SubmitMultiResp::builder().message_id(c("M1")).build();
    multi_resp.push_unsuccess_sme(UnsuccessSme::new(
        Ton::International,
        Npi::Isdn,
        c("34600000002"),
        CommandStatus::EsmeRinvdstadr,
    ));
    vec![
        Pdu::BindTransmitter(tx),
        Pdu::BindReceiver(rx),
        Pdu::BindTransceiver(trx),
        Pdu::BindTransmitterResp(BindTransmitterResp::new(
            c("SMSC"),
            Some(InterfaceVersion::Smpp3_4),
        )),
        Pdu::BindReceiverResp(BindReceiverResp::new(c("SMSC"), None)),
        Pdu::BindTransceiverResp(BindTransceiverResp::new(
            c("SMSC"),
            Some(InterfaceVersion::Smpp3_4),
        )),
        Pdu::Outbind(Outbind::new(c("SMSC"), c("pw"))),
        Pdu::Unbind,
        Pdu::UnbindResp,
        Pdu::EnquireLink,
        Pdu::EnquireLinkResp,
        Pdu::GenericNack,
        Pdu::SubmitSm(submit_sm()),
        Pdu::SubmitSmResp(
            SubmitSmResp::builder()
                .message_id(c("3E8A1F"))
                .tlvs(vec![
                    MessageSubmissionResponseTlvValue::AdditionalStatusInfoText(c("queued")),
                ])
                .build(),
        ),
        Pdu::SubmitMulti(multi),
        Pdu::SubmitMultiResp(multi_resp),
        Pdu::DeliverSm(deliver),
        Pdu::DeliverSmResp(DeliverSmResp::new(
            c(""),
            vec![MessageDeliveryResponseTlvValue::AdditionalStatusInfoText(
                c("ok"),
            )],
        )),
        Pdu::DataSm(data_sm),
        Pdu::DataSmResp(DataSmResp::new(c("D1"), vec![])),
        Pdu::QuerySm(QuerySm::new(
            c("3E8A1F"),
            Ton::Alphanumeric,
            Npi::Unknown,
            c("Pasarela"),
        )),
        Pdu::QuerySmResp(QuerySmResp::new(
            c("3E8A1F"),
            time("240305143100000+"),
            MessageState::Delivered,
            0,
        )),
        Pdu::CancelSm(CancelSm::new(
            Default::default(),
            c("3E8A1F"),
            Ton::Unknown,
            Npi::Unknown,
            c("1"),
            Ton::Unknown,
            Npi::Unknown,
            c("2"),
        )),
        Pdu::CancelSmResp,
        Pdu::ReplaceSm(
            ReplaceSm::builder()
                .message_id(c("3E8A1F"))
                .source_addr(c("1"))
                .short_message(OctetString::from_static_slice(b"new text").expect("fits"))
                .build(),
        ),
        Pdu::ReplaceSmResp,
        Pdu::AlertNotification(
            AlertNotification::builder()
                .source_addr(c("34600123456"))
                .esme_addr(c("Pasarela"))
                .build(),
        ),
    ]
}

#[test]
fn every_pdu_round_trips_with_its_tlvs() {
    let pdus = every_pdu();
    let ids: Vec<CommandId> = pdus.iter().map(Pdu::command_id).collect();
    for id in pdu::SMPP34_COMMAND_IDS {
        assert!(ids.contains(&id), "no round trip for {id:?}");
    }
    for (seq, body) in pdus.into_iter().enumerate() {
        let seq = u32::try_from(seq + 1).expect("small");
        let command = Command::new(CommandStatus::EsmeRok, seq, body);
        let mut bytes = BytesMut::new();
        let len = encode(&command, &mut bytes).expect("encodes");
        assert_eq!(len, bytes.len());
        let decoded = decode(&bytes)
            .unwrap_or_else(|e| panic!("{:?}: {e}", command.id()))
            .expect("complete");
        assert_eq!(decoded.len, len);
        assert!(decoded.repairs.is_empty());
        assert_eq!(decoded.command, command);
    }
}

#[test]
fn unknown_tlvs_survive_the_round_trip() {
    let command = Command::new(CommandStatus::EsmeRok, 1, submit_sm());
    let mut bytes = BytesMut::new();
    encode(&command, &mut bytes).expect("encodes");
    let decoded = decode(&bytes).expect("valid").expect("complete");
    let body = decoded.command.pdu().expect("body");
    let tlvs = pdu::tlvs(body);
    assert_eq!(tlvs.len(), 5);
    assert_eq!(tlvs.last(), Some(&unknown_tlv()));
}

fn valid_pdus() -> Vec<Vec<u8>> {
    every_pdu()
        .into_iter()
        .map(|body| {
            let mut bytes = BytesMut::new();
            encode(&Command::new(CommandStatus::EsmeRok, 9, body), &mut bytes).expect("encodes");
            bytes.to_vec()
        })
        .collect()
}

fn check_decoder(bytes: &[u8]) {
    for codec in [
        Codec::new(),
        Codec::new().with_leniency(Leniency::LENIENT),
        Codec::new().with_max_command_length(64),
    ] {
        match codec.decode(bytes) {
            Ok(Some(decoded)) => {
                assert!(decoded.len <= bytes.len());
                assert!(decoded.len >= 16);
                // Whatever decoded must encode again.
                let mut out = BytesMut::new();
                codec.encode(&decoded.command, &mut out).ok();
            }
            Ok(None) => {}
            Err(error) => {
                if let Some(skip) = error.skip_len() {
                    assert!(skip <= bytes.len() && skip >= 16);
                }
                // Building the reply must not panic either.
                error.reply();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        check_decoder(&bytes);
    }

    #[test]
    fn arbitrary_bodies_behind_a_sane_header_never_panic(
        id in prop::sample::select(pdu::SMPP34_COMMAND_IDS.to_vec()),
        status in prop_oneof![Just(0u32), any::<u32>()],
        body in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut bytes = Vec::new();
        let len = u32::try_from(16 + body.len()).expect("small");
        for word in [len, u32::from(id), status, 1] {
            bytes.extend_from_slice(&word.to_be_bytes());
        }
        bytes.extend_from_slice(&body);
        check_decoder(&bytes);
    }

    #[test]
    fn mutated_valid_pdus_never_panic(
        index in 0usize..27,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let pdus = valid_pdus();
        let mut bytes = pdus[index % pdus.len()].clone();
        for (at, byte, kind) in edits {
            if bytes.is_empty() {
                break;
            }
            let at = at.index(bytes.len());
            match kind {
                0 => bytes[at] = byte,
                1 => { bytes.remove(at); }
                _ => bytes.insert(at, byte),
            }
        }
        check_decoder(&bytes);
    }
}
