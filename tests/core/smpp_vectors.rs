//! Golden vectors: every SMPP 3.4 PDU type, laid out from the spec by hand
//! (`tests/vectors/spec.hex`) and produced by python smpplib
//! (`tests/vectors/smpplib.hex`, regenerate with
//! `scripts/interop/gen_smpplib_vectors.py`). Each vector is decoded, its
//! fields asserted, and re-encoded to the same bytes.

use std::collections::BTreeSet;

use bytes::BytesMut;
use pasarela::smpp::pdu::{self, Command, CommandId, CommandStatus, Pdu, TlvTag, TlvValue};
use pasarela::smpp::{Codec, Receipt, Stat, dlr};

struct Vector {
    file: &'static str,
    name: String,
    bytes: Vec<u8>,
}

fn parse_vectors(file: &'static str, text: &str) -> Vec<Vector> {
    let mut vectors: Vec<Vector> = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            vectors.push(Vector {
                file,
                name: name.to_owned(),
                bytes: Vec::new(),
            });
            continue;
        }
        let current = vectors.last_mut().expect("hex before the first [name]");
        for token in line.split_whitespace() {
            current
                .bytes
                .push(u8::from_str_radix(token, 16).expect("hex octet"));
        }
    }
    vectors
}

fn all_vectors() -> Vec<Vector> {
    let mut all = parse_vectors("spec.hex", include_str!("../vectors/spec.hex"));
    all.extend(parse_vectors(
        "smpplib.hex",
        include_str!("../vectors/smpplib.hex"),
    ));
    all
}

fn cstr<const MIN: usize, const MAX: usize>(s: &pdu::COctetString<MIN, MAX>) -> &str {
    s.as_str()
}

fn tlv(body: &Pdu, tag: TlvTag) -> &TlvValue {
    pdu::find_tlv(body, tag).unwrap_or_else(|| panic!("TLV {tag:?} missing"))
}

/// The assertions for one vector; every vector must have some.
fn check(file: &str, name: &str, command: &Command) {
    let body = command.pdu();
    let seq = command.sequence_number();
    let status = command.status();
    match (file, name, body) {
        ("spec.hex", "spec_sample_bind_transmitter", Some(Pdu::BindTransmitter(b))) => {
            assert_eq!(seq, 1);
            assert_eq!(cstr(&b.system_id), "SMPP3TEST");
            assert_eq!(cstr(&b.password), "secret08");
            assert_eq!(cstr(&b.system_type), "SUBMIT1");
            assert_eq!(u8::from(b.interface_version), 0x50);
            assert_eq!(u8::from(b.addr_ton), 1);
            assert_eq!(cstr(&b.address_range), "");
        }
        ("spec.hex", "bind_transmitter", Some(Pdu::BindTransmitter(b))) => {
            assert_eq!(
                (seq, cstr(&b.system_id), cstr(&b.password)),
                (1, "SMPP3TEST", "secret08")
            );
            assert_eq!(u8::from(b.interface_version), 0x34);
        }
        ("spec.hex", "bind_receiver", Some(Pdu::BindReceiver(b))) => {
            assert_eq!(
                (seq, cstr(&b.system_id), cstr(&b.system_type)),
                (2, "SMPP3TEST", "SUBMIT1")
            );
        }
        ("spec.hex", "bind_transceiver", Some(Pdu::BindTransceiver(b))) => {
            assert_eq!((seq, cstr(&b.system_id)), (3, "SMPP3TEST"));
        }
        ("spec.hex", "bind_transmitter_resp", Some(Pdu::BindTransmitterResp(b))) => {
            assert_eq!(cstr(&b.system_id), "SMSC");
            assert_eq!(b.sc_interface_version().map(u8::from), Some(0x34));
        }
        ("spec.hex", "bind_receiver_resp", Some(Pdu::BindReceiverResp(b))) => {
            assert_eq!(cstr(&b.system_id), "SMSC");
            assert_eq!(b.sc_interface_version().map(u8::from), Some(0x34));
        }
        ("spec.hex", "bind_transceiver_resp", Some(Pdu::BindTransceiverResp(b))) => {
            assert_eq!((seq, cstr(&b.system_id)), (3, "SMSC"));
        }
        ("spec.hex", "outbind", Some(Pdu::Outbind(b))) => {
            assert_eq!(
                (seq, cstr(&b.system_id), cstr(&b.password)),
                (4, "SMSC", "secret08")
            );
        }
        (_, "unbind", Some(Pdu::Unbind))
        | (_, "unbind_resp", Some(Pdu::UnbindResp))
        | (_, "enquire_link", Some(Pdu::EnquireLink))
        | (_, "enquire_link_resp", Some(Pdu::EnquireLinkResp))
        | ("spec.hex", "cancel_sm_resp", Some(Pdu::CancelSmResp))
        | ("spec.hex", "replace_sm_resp", Some(Pdu::ReplaceSmResp)) => {
            assert_eq!(status, CommandStatus::EsmeRok);
            assert!(seq > 0);
        }
        (_, "generic_nack", Some(Pdu::GenericNack)) => {
            assert_eq!(status, CommandStatus::EsmeRinvcmdid);
        }
        ("spec.hex", "submit_sm", Some(Pdu::SubmitSm(b))) => {
            assert_eq!(seq, 7);
            assert_eq!(cstr(&b.source_addr), "34911000000");
            assert_eq!(cstr(&b.destination_addr), "34600123456");
            assert_eq!(b.validity_period.as_str(), "240305143015704+");
            assert_eq!(u8::from(b.registered_delivery), 1);
            assert_eq!(b.short_message().as_ref(), b"Hello");
            match tlv(body.expect("body"), TlvTag::UserMessageReference) {
                TlvValue::UserMessageReference(r) => assert_eq!(r.value, 42),
                other => panic!("{other:?}"),
            }
        }
        ("spec.hex", "submit_sm_resp", Some(Pdu::SubmitSmResp(b))) => {
            assert_eq!((seq, b.message_id().as_str()), (7, "MSG-1"));
        }
        ("spec.hex", "submit_multi", Some(Pdu::SubmitMulti(b))) => {
            assert_eq!(b.number_of_dests(), 2);
            assert_eq!(b.dest_address().len(), 2);
            let debug = format!("{:?}", b.dest_address());
            assert!(
                debug.contains("34600123456") && debug.contains("friends"),
                "{debug}"
            );
            assert_eq!(b.validity_period.as_str(), "000001000000000R");
            assert_eq!(b.short_message().as_ref(), b"Hi");
        }
        ("spec.hex", "submit_multi_resp", Some(Pdu::SubmitMultiResp(b))) => {
            assert_eq!(b.message_id.as_str(), "MULTI-1");
            assert_eq!(b.no_unsuccess(), 1);
            let debug = format!("{:?}", b.unsuccess_sme());
            assert!(
                debug.contains("34600999999") && debug.contains("Rinvdstadr"),
                "{debug}"
            );
        }
        ("spec.hex", "deliver_sm", Some(Pdu::DeliverSm(b))) => {
            assert_eq!(u8::from(b.esm_class), 0x04);
            let receipt = dlr::read_receipt(body.expect("body"))
                .expect("readable")
                .expect("a receipt");
            assert_eq!(receipt.message_id, "MSG-1");
            assert_eq!(receipt.state, Some(pdu::MessageState::Delivered));
            let text =
                Receipt::parse(std::str::from_utf8(b.short_message().as_ref()).expect("ascii"))
                    .expect("receipt text");
            assert_eq!(text.stat, Some(Stat::Delivered));
            assert_eq!(text.text.as_deref(), Some("Hello"));
        }
        ("spec.hex", "deliver_sm_resp", Some(Pdu::DeliverSmResp(b))) => {
            assert_eq!(b.message_id().as_str(), "");
        }
        ("spec.hex", "data_sm", Some(Pdu::DataSm(b))) => {
            assert_eq!(cstr(&b.destination_addr), "34600123456");
            match tlv(body.expect("body"), TlvTag::MessagePayload) {
                TlvValue::MessagePayload(p) => assert_eq!(p.value.as_ref(), b"Hello"),
                other => panic!("{other:?}"),
            }
            match tlv(body.expect("body"), TlvTag::Other(0x1401)) {
                TlvValue::Other { value, .. } => assert_eq!(value.as_ref(), &[0xCA, 0xFE]),
                other => panic!("unknown TLV must be kept raw, got {other:?}"),
            }
        }
        ("spec.hex", "data_sm_resp", Some(Pdu::DataSmResp(b))) => {
            assert_eq!(b.message_id().as_str(), "DATA-1");
        }
        ("spec.hex", "query_sm", Some(Pdu::QuerySm(b))) => {
            assert_eq!(
                (cstr(&b.message_id), cstr(&b.source_addr)),
                ("MSG-1", "34911000000")
            );
        }
        ("spec.hex", "query_sm_resp", Some(Pdu::QuerySmResp(b))) => {
            assert_eq!(b.message_state, pdu::MessageState::Enroute);
            assert_eq!(b.final_date.as_str(), "");
            assert_eq!(b.error_code, 0);
        }
        ("spec.hex", "cancel_sm", Some(Pdu::CancelSm(b))) => {
            assert_eq!(cstr(&b.message_id), "MSG-1");
            assert_eq!(cstr(&b.destination_addr), "34600123456");
        }
        ("spec.hex", "replace_sm", Some(Pdu::ReplaceSm(b))) => {
            assert_eq!(cstr(&b.message_id), "MSG-1");
            assert_eq!(b.validity_period.as_str(), "000000010000000R");
            assert_eq!(b.short_message().as_ref(), b"Bye");
        }
        ("spec.hex", "alert_notification", Some(Pdu::AlertNotification(b))) => {
            assert_eq!(cstr(&b.source_addr), "34600123456");
            assert_eq!(cstr(&b.esme_addr), "34911000000");
            assert!(b.ms_availability_status().is_some());
        }
        // smpplib vectors.
        ("smpplib.hex", "bind_transmitter", Some(Pdu::BindTransmitter(b))) => {
            assert_eq!(
                (cstr(&b.system_id), cstr(&b.password)),
                ("pasarela", "secret08")
            );
            assert_eq!(u8::from(b.interface_version), 0x34);
        }
        ("smpplib.hex", "bind_transceiver", Some(Pdu::BindTransceiver(b))) => {
            assert_eq!(
                (cstr(&b.system_id), cstr(&b.password)),
                ("pasarela", "secret08")
            );
            assert_eq!(seq, 3);
        }
        ("smpplib.hex", "bind_receiver", Some(Pdu::BindReceiver(b))) => {
            assert_eq!(cstr(&b.address_range), "^346");
        }
        ("smpplib.hex", "bind_transmitter_resp", Some(Pdu::BindTransmitterResp(b))) => {
            assert_eq!(cstr(&b.system_id), "SMSC");
            assert_eq!(b.sc_interface_version().map(u8::from), Some(0x34));
        }
        ("smpplib.hex", "bind_receiver_resp", Some(Pdu::BindReceiverResp(b))) => {
            assert_eq!(cstr(&b.system_id), "SMSC");
            assert!(b.sc_interface_version().is_none());
        }
        ("smpplib.hex", "bind_transceiver_resp_error", Some(Pdu::BindTransceiverResp(b))) => {
            // smpplib sends an (empty) body with an error status.
            assert_eq!(status, CommandStatus::EsmeRinvpaswd);
            assert_eq!(cstr(&b.system_id), "");
        }
        ("smpplib.hex", "submit_sm", Some(Pdu::SubmitSm(b))) => {
            assert_eq!(seq, 7);
            assert_eq!(u8::from(b.source_addr_ton), 5);
            assert_eq!(cstr(&b.source_addr), "Pasarela");
            assert_eq!(b.short_message().len(), 160);
            assert_eq!(b.validity_period.as_str(), "000001000000000R");
            let tags: Vec<u16> = b.tlvs().iter().map(|t| u16::from(t.tag())).collect();
            assert_eq!(tags, vec![0x0204, 0x020C, 0x020E, 0x020F]);
            match tlv(body.expect("body"), TlvTag::SarMsgRefNum) {
                TlvValue::SarMsgRefNum(n) => assert_eq!(*n, 0x1234),
                other => panic!("{other:?}"),
            }
        }
        ("smpplib.hex", "submit_sm_payload", Some(Pdu::SubmitSm(b))) => {
            assert_eq!(b.sm_length(), 0);
            assert_eq!(u8::from(b.data_coding), 8);
            match tlv(body.expect("body"), TlvTag::MessagePayload) {
                TlvValue::MessagePayload(p) => {
                    let units: Vec<u16> = p
                        .value
                        .as_ref()
                        .chunks(2)
                        .map(|c| u16::from_be_bytes([c[0], c[1]]))
                        .collect();
                    assert_eq!(String::from_utf16(&units).expect("utf-16"), "¡Hola, señor!");
                }
                other => panic!("{other:?}"),
            }
        }
        ("smpplib.hex", "submit_sm_resp", Some(Pdu::SubmitSmResp(b))) => {
            assert_eq!(b.message_id().as_str(), "3E8A1F");
        }
        ("smpplib.hex", "submit_sm_resp_error", Some(Pdu::SubmitSmResp(b))) => {
            assert_eq!(status, CommandStatus::EsmeRsubmitfail);
            assert_eq!(b.message_id().as_str(), "");
        }
        ("smpplib.hex", "deliver_sm_receipt", Some(Pdu::DeliverSm(_))) => {
            let receipt = dlr::read_receipt(body.expect("body"))
                .expect("readable")
                .expect("a receipt");
            assert_eq!(receipt.message_id, "3E8A1F");
            assert_eq!(receipt.state, Some(pdu::MessageState::Delivered));
            assert!(receipt.network_error.is_some());
            assert_eq!(receipt.text.map(|t| t.id), Some("3E8A1F".to_owned()));
        }
        ("smpplib.hex", "deliver_sm_mo", Some(Pdu::DeliverSm(b))) => {
            assert_eq!(b.short_message().as_ref(), b"STOP");
            assert_eq!(dlr::read_receipt(body.expect("body")), Ok(None));
        }
        ("smpplib.hex", "deliver_sm_resp", Some(Pdu::DeliverSmResp(b))) => {
            assert_eq!(b.message_id().as_str(), "");
        }
        ("smpplib.hex", "data_sm", Some(Pdu::DataSm(b))) => {
            assert!(format!("{:?}", b.service_type).contains("\"WAP\""));
            assert_eq!(b.tlvs().len(), 3);
        }
        ("smpplib.hex", "data_sm_resp", Some(Pdu::DataSmResp(b))) => {
            assert_eq!(b.message_id().as_str(), "DS-1");
        }
        ("smpplib.hex", "query_sm", Some(Pdu::QuerySm(b))) => {
            assert_eq!(cstr(&b.message_id), "3E8A1F");
        }
        ("smpplib.hex", "query_sm_resp", Some(Pdu::QuerySmResp(b))) => {
            assert_eq!(b.final_date.as_str(), "240305143100000+");
            assert_eq!(b.message_state, pdu::MessageState::Delivered);
        }
        ("smpplib.hex", "alert_notification", Some(Pdu::AlertNotification(b))) => {
            assert_eq!(cstr(&b.esme_addr), "Pasarela");
        }
        _ => panic!("{file} [{name}]: no assertions for {command:?}"),
    }
}

#[test]
fn every_vector_decodes_to_the_expected_fields_and_reencodes_byte_for_byte() {
    let codec = Codec::new();
    for vector in all_vectors() {
        let label = format!("{} [{}]", vector.file, vector.name);
        let decoded = codec
            .decode(&vector.bytes)
            .unwrap_or_else(|e| panic!("{label}: {e}"))
            .unwrap_or_else(|| panic!("{label}: incomplete"));
        assert_eq!(decoded.len, vector.bytes.len(), "{label}");
        assert!(decoded.repairs.is_empty(), "{label}: {:?}", decoded.repairs);
        check(vector.file, &vector.name, &decoded.command);
        let mut out = BytesMut::new();
        let written = codec.encode(&decoded.command, &mut out).expect("encodes");
        assert_eq!(written, vector.bytes.len(), "{label}");
        assert_eq!(&out[..], &vector.bytes[..], "{label}: re-encoding differs");
    }
}

#[test]
fn the_vectors_cover_every_smpp34_command_id() {
    let covered: BTreeSet<u32> = all_vectors()
        .iter()
        .filter_map(|v| pasarela::smpp::Header::parse(&v.bytes))
        .map(|h| h.command_id_raw())
        .collect();
    for id in pdu::SMPP34_COMMAND_IDS {
        assert!(covered.contains(&u32::from(id)), "no vector for {id:?}");
    }
    // Both sources contribute.
    let smpplib: BTreeSet<CommandId> =
        parse_vectors("smpplib.hex", include_str!("../vectors/smpplib.hex"))
            .iter()
            .filter_map(|v| pasarela::smpp::Header::parse(&v.bytes))
            .map(|h| h.command_id)
            .collect();
    assert!(smpplib.len() >= 20, "{smpplib:?}");
}
