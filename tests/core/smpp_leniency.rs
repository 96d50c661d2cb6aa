//! Leniency: each malformation real peers send, refused by the strict codec
//! with the right status and accepted, with the repair reported, by a
//! lenient one.

use pasarela::smpp::pdu::{CommandStatus, Field, Pdu};
use pasarela::smpp::{Codec, Decoded, Leniency, Repair, dlr};

fn pdu(id: u32, status: u32, seq: u32, body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(16 + body.len()).expect("small");
    let mut out = Vec::new();
    for word in [len, id, status, seq] {
        out.extend_from_slice(&word.to_be_bytes());
    }
    out.extend_from_slice(body);
    out
}

/// deliver_sm body: addresses, data_coding, then sm_length and the rest raw.
fn deliver_body(source: &[u8], dest: &[u8], esm_class: u8, tail: &[u8]) -> Vec<u8> {
    let mut body = vec![0x00, 0x01, 0x01];
    body.extend_from_slice(source);
    body.extend_from_slice(&[0, 0x01, 0x01]);
    body.extend_from_slice(dest);
    body.push(0);
    body.extend_from_slice(&[esm_class, 0, 0, 0, 0, 0, 0, 0, 0]);
    body.extend_from_slice(tail);
    body
}

fn strict_status(bytes: &[u8]) -> CommandStatus {
    Codec::new()
        .decode(bytes)
        .expect_err("strict refuses")
        .command_status()
}

fn lenient(bytes: &[u8]) -> Decoded {
    Codec::new()
        .with_leniency(Leniency::LENIENT)
        .decode(bytes)
        .unwrap_or_else(|e| panic!("lenient accepts: {e}"))
        .expect("complete")
}

fn deliver_sm(decoded: &Decoded) -> &pasarela::smpp::pdu::DeliverSm {
    match decoded.command.pdu() {
        Some(Pdu::DeliverSm(body)) => body,
        other => panic!("a deliver_sm, got {other:?}"),
    }
}

#[test]
fn overlong_c_octet_string_is_cut_to_the_field_maximum() {
    let bytes = pdu(0x05, 0, 1, &deliver_body(&[b'7'; 25], b"123", 0, b"\x02hi"));
    assert_eq!(strict_status(&bytes), CommandStatus::EsmeRinvsrcadr);
    let decoded = lenient(&bytes);
    assert_eq!(deliver_sm(&decoded).source_addr.as_str(), "7".repeat(20));
    assert_eq!(
        decoded.repairs,
        vec![Repair::TruncatedString {
            field: Field::source_addr,
            len: 25,
            max: 20
        }]
    );
    assert_eq!(decoded.len, bytes.len(), "consumed the original length");
}

#[test]
fn overlong_message_id_in_submit_sm_resp() {
    let mut body = vec![b'a'; 70];
    body.push(0);
    let bytes = pdu(0x8000_0004, 0, 2, &body);
    let error = Codec::new().decode(&bytes).expect_err("strict refuses");
    assert!(error.reply().is_none(), "responses are not answered");
    let decoded = lenient(&bytes);
    let Some(Pdu::SubmitSmResp(resp)) = decoded.command.pdu() else {
        panic!("submit_sm_resp")
    };
    assert_eq!(resp.message_id().as_str().len(), 64);
}

#[test]
fn non_ascii_octets_in_a_c_octet_string_become_question_marks() {
    // "Café" in Latin-1 as an alphanumeric sender.
    let bytes = pdu(0x05, 0, 3, &deliver_body(b"Caf\xE9", b"123", 0, b"\x02hi"));
    assert_eq!(strict_status(&bytes), CommandStatus::EsmeRinvsrcadr);
    let decoded = lenient(&bytes);
    assert_eq!(deliver_sm(&decoded).source_addr.as_str(), "Caf?");
    assert_eq!(
        decoded.repairs,
        vec![Repair::ReplacedNonAscii {
            field: Field::source_addr,
            count: 1
        }]
    );
}

#[test]
fn missing_trailing_fields_are_padded() {
    // bind_transmitter that stops after addr_npi: no address_range at all.
    let bytes = pdu(0x02, 0, 4, b"sys\0pw\0\0\x34\x01\x01");
    assert_eq!(strict_status(&bytes), CommandStatus::EsmeRinvcmdlen);
    let decoded = lenient(&bytes);
    let Some(Pdu::BindTransmitter(bind)) = decoded.command.pdu() else {
        panic!("bind_transmitter")
    };
    assert_eq!(bind.system_id.as_str(), "sys");
    assert_eq!(bind.address_range.as_str(), "");
    assert_eq!(
        decoded.repairs,
        vec![Repair::PaddedMissingFields {
            from: Field::address_range
        }]
    );

    // bind_transmitter_resp whose system_id lacks its NUL.
    let resp = pdu(0x8000_0002, 0, 4, b"SMSC");
    let decoded = lenient(&resp);
    let Some(Pdu::BindTransmitterResp(body)) = decoded.command.pdu() else {
        panic!("bind_transmitter_resp")
    };
    assert_eq!(body.system_id.as_str(), "SMSC");
    assert_eq!(
        decoded.repairs,
        vec![Repair::TerminatedString {
            field: Field::system_id
        }]
    );
}

#[test]
fn a_body_shorter_than_the_layout_is_padded_a_longer_one_trimmed() {
    // deliver_sm ending after data_coding: no sm_default_msg_id, no message.
    let mut short = deliver_body(b"123", b"456", 0, b"");
    short.pop();
    let bytes = pdu(0x05, 0, 5, &short);
    assert_eq!(strict_status(&bytes), CommandStatus::EsmeRinvcmdlen);
    let decoded = lenient(&bytes);
    assert_eq!(deliver_sm(&decoded).short_message().len(), 0);
    assert_eq!(
        decoded.repairs,
        vec![Repair::PaddedMissingFields {
            from: Field::sm_default_msg_id
        }]
    );

    let long = pdu(0x02, 0, 5, b"s\0p\0\0\x34\x01\x01\0XYZ");
    assert_eq!(strict_status(&long), CommandStatus::EsmeRinvcmdlen);
    let decoded = lenient(&long);
    assert_eq!(
        decoded.repairs,
        vec![Repair::IgnoredTrailingBytes { count: 3 }]
    );

    let enquire = pdu(0x15, 0, 6, &[0, 0, 0, 0]);
    let decoded = lenient(&enquire);
    assert_eq!(decoded.command.pdu(), Some(&Pdu::EnquireLink));
    assert_eq!(
        decoded.repairs,
        vec![Repair::IgnoredTrailingBytes { count: 4 }]
    );
}

#[test]
fn sm_length_disagreeing_with_the_octets_trusts_the_octets() {
    // Claims 200, carries 5.
    let bytes = pdu(0x05, 0, 7, &deliver_body(b"1", b"2", 0, b"\xC8hello"));
    assert_eq!(strict_status(&bytes), CommandStatus::EsmeRinvmsglen);
    let decoded = lenient(&bytes);
    assert_eq!(deliver_sm(&decoded).short_message().as_ref(), b"hello");
    assert_eq!(
        decoded.repairs,
        vec![Repair::AdjustedSmLength {
            declared: 200,
            actual: 5
        }]
    );

    // Claims 3 (characters, not octets), carries 5: "lo" is no TLV stream.
    let bytes = pdu(0x05, 0, 8, &deliver_body(b"1", b"2", 0, b"\x03hello"));
    assert_eq!(strict_status(&bytes), CommandStatus::EsmeRinvtlvstream);
    let decoded = lenient(&bytes);
    assert_eq!(deliver_sm(&decoded).short_message().as_ref(), b"hello");
}

#[test]
fn a_tlv_fragment_at_the_end_is_dropped() {
    let tlvs = [0x04, 0x27, 0x00, 0x01, 0x02, 0x00, 0x1E, 0x00, 0x09, b'a'];
    let mut tail = vec![0x00];
    tail.extend_from_slice(&tlvs);
    let bytes = pdu(0x05, 0, 9, &deliver_body(b"1", b"2", 4, &tail));
    assert_eq!(strict_status(&bytes), CommandStatus::EsmeRinvtlvstream);
    let decoded = lenient(&bytes);
    assert_eq!(deliver_sm(&decoded).tlvs().len(), 1);
    assert_eq!(decoded.repairs, vec![Repair::DroppedTlv { tag: 0x001E }]);
}

#[test]
fn receipted_message_id_without_its_nul_is_terminated() {
    // receipted_message_id "ABC" (no NUL), then message_state DELIVERED.
    let tlvs = [
        0x00, 0x1E, 0x00, 0x03, b'A', b'B', b'C', 0x04, 0x27, 0x00, 0x01, 0x02,
    ];
    let mut tail = vec![0x00];
    tail.extend_from_slice(&tlvs);
    let bytes = pdu(0x05, 0, 10, &deliver_body(b"1", b"2", 4, &tail));
    assert!(Codec::new().decode(&bytes).is_err(), "strict refuses");
    let decoded = lenient(&bytes);
    assert_eq!(
        decoded.repairs,
        vec![Repair::TerminatedTlvString { tag: 0x001E }]
    );
    let receipt = dlr::read_receipt(decoded.command.pdu().expect("body"))
        .expect("readable")
        .expect("receipt");
    assert_eq!(receipt.message_id, "ABC");
    assert_eq!(
        receipt.state,
        Some(pasarela::smpp::pdu::MessageState::Delivered)
    );
}

#[test]
fn a_second_tlv_where_one_is_allowed_is_dropped() {
    // bind_transmitter_resp with sc_interface_version and a vendor TLV.
    let body = [
        b'S', b'M', b'S', b'C', 0, 0x02, 0x10, 0x00, 0x01, 0x34, 0x14, 0x00, 0x00, 0x01, 0xFF,
    ];
    let bytes = pdu(0x8000_0002, 0, 11, &body);
    assert!(Codec::new().decode(&bytes).is_err(), "strict refuses");
    let decoded = lenient(&bytes);
    let Some(Pdu::BindTransmitterResp(resp)) = decoded.command.pdu() else {
        panic!("bind_transmitter_resp")
    };
    assert_eq!(resp.sc_interface_version().map(u8::from), Some(0x34));
    assert_eq!(decoded.repairs, vec![Repair::DroppedTlv { tag: 0x1400 }]);
}

#[test]
fn each_switch_is_independent() {
    let bytes = pdu(
        0x05,
        0,
        12,
        &deliver_body(&[b'7'; 25], b"123", 0, b"\x02hi"),
    );
    let only_ascii = Leniency {
        non_ascii: true,
        ..Leniency::STRICT
    };
    assert!(
        Codec::new()
            .with_leniency(only_ascii)
            .decode(&bytes)
            .is_err()
    );
    let only_overlong = Leniency {
        overlong_strings: true,
        ..Leniency::STRICT
    };
    assert!(
        Codec::new()
            .with_leniency(only_overlong)
            .decode(&bytes)
            .is_ok()
    );
}

#[test]
fn time_fields_are_never_guessed() {
    // validity_period "0101" (4 characters): not repairable.
    let mut body = deliver_body(b"1", b"2", 0, b"\x00");
    let at = 1 + 2 + 2 + 2 + 2 + 3 + 1;
    body.splice(at..at + 1, b"0101\0".iter().copied());
    let bytes = pdu(0x05, 0, 13, &body);
    let error = Codec::new()
        .with_leniency(Leniency::LENIENT)
        .decode(&bytes)
        .expect_err("still refused");
    assert_eq!(error.command_status(), CommandStatus::EsmeRinvexpiry);
}
