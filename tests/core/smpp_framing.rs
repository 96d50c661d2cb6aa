//! Framing and the decode-failure → command_status mapping, on raw bytes:
//! partial input, back-to-back PDUs, fatal lengths, skippable bodies, and
//! which reply (generic_nack or `<request>_resp`) each failure gets.

use bytes::BytesMut;
use pasarela::smpp::pdu::{CommandId, CommandStatus, Pdu};
use pasarela::smpp::{BodyError, Codec, FrameError, Repair, decode, encode};

fn pdu(id: u32, status: u32, seq: u32, body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(16 + body.len()).expect("small");
    let mut out = Vec::new();
    for word in [len, id, status, seq] {
        out.extend_from_slice(&word.to_be_bytes());
    }
    out.extend_from_slice(body);
    out
}

/// A submit_sm body with the given addresses, message and trailing TLV bytes.
fn submit_body(source: &[u8], dest: &[u8], sm_length: u8, message: &[u8], tlvs: &[u8]) -> Vec<u8> {
    let mut body = vec![0x00, 0x01, 0x01]; // service_type NULL, ton, npi
    body.extend_from_slice(source);
    body.push(0);
    body.extend_from_slice(&[0x01, 0x01]);
    body.extend_from_slice(dest);
    body.push(0);
    // esm_class, protocol_id, priority_flag, schedule NULL, validity NULL,
    // registered_delivery, replace_if_present, data_coding, sm_default_msg_id
    body.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0, 0, 0]);
    body.push(sm_length);
    body.extend_from_slice(message);
    body.extend_from_slice(tlvs);
    body
}

fn body_error(bytes: &[u8]) -> (FrameError, BodyError) {
    match decode(bytes) {
        Err(error @ FrameError::Body { .. }) => {
            let FrameError::Body { error: inner, .. } = &error else {
                unreachable!("matched above")
            };
            let inner = inner.clone();
            (error, inner)
        }
        other => panic!("expected a body error, got {other:?}"),
    }
}

#[test]
fn every_prefix_of_a_pdu_needs_more_bytes() {
    let bytes = pdu(0x04, 0, 1, &submit_body(b"123", b"456", 5, b"hello", &[]));
    for len in 0..bytes.len() {
        assert_eq!(decode(&bytes[..len]), Ok(None), "prefix of {len}");
    }
    let decoded = decode(&bytes).expect("valid").expect("complete");
    assert_eq!(decoded.len, bytes.len());
}

#[test]
fn back_to_back_pdus_are_consumed_one_at_a_time() {
    let mut stream = pdu(0x15, 0, 1, &[]);
    stream.extend(pdu(0x8000_0015, 0, 1, &[]));
    stream.extend(pdu(0x06, 0, 2, &[]));
    let mut offset = 0;
    let mut ids = Vec::new();
    while let Some(decoded) = decode(&stream[offset..]).expect("valid") {
        ids.push(decoded.command.id());
        offset += decoded.len;
    }
    assert_eq!(offset, stream.len());
    assert_eq!(
        ids,
        vec![
            CommandId::EnquireLink,
            CommandId::EnquireLinkResp,
            CommandId::Unbind
        ]
    );
}

#[test]
fn command_length_below_16_or_above_max_is_fatal() {
    let mut short = pdu(0x15, 0, 9, &[]);
    short[3] = 8;
    let error = decode(&short).expect_err("too short");
    assert!(!error.can_continue());
    assert_eq!(error.skip_len(), None);
    assert_eq!(error.command_status(), CommandStatus::EsmeRinvcmdlen);
    let reply = error.reply().expect("nack before close");
    assert_eq!(reply.id(), CommandId::GenericNack);
    assert_eq!(reply.sequence_number(), 9, "best-effort sequence number");

    // Decided from the first four octets, without waiting for the rest.
    assert!(matches!(
        decode(&[0, 0, 0, 3]),
        Err(FrameError::Length {
            command_length: 3,
            header: None,
            ..
        })
    ));

    let codec = Codec::new().with_max_command_length(64);
    let big = pdu(0x04, 0, 1, &[0u8; 60]);
    assert!(matches!(
        codec.decode(&big[..4]),
        Err(FrameError::Length {
            command_length: 76,
            max: 64,
            ..
        })
    ));
    // "GET / HTTP/1.1" from a confused client: 0x47455420 octets.
    assert!(matches!(
        decode(b"GET / HTTP/1.1\r\n"),
        Err(FrameError::Length { .. })
    ));
}

#[test]
fn unknown_command_id_is_skipped_and_nacked_with_rinvcmdid() {
    let bytes = pdu(0x0000_0777, 0, 42, &[1, 2, 3]);
    let (error, inner) = body_error(&bytes);
    assert_eq!(inner, BodyError::UnknownCommandId(0x777));
    assert_eq!(error.skip_len(), Some(19));
    let reply = error.reply().expect("nack");
    assert_eq!(reply.id(), CommandId::GenericNack);
    assert_eq!(reply.status(), CommandStatus::EsmeRinvcmdid);
    assert_eq!(reply.sequence_number(), 42);
    // SMPP 5.0 broadcast_sm is not ours either.
    let (_, inner) = body_error(&pdu(0x0000_0111, 0, 1, &[]));
    assert_eq!(inner, BodyError::UnknownCommandId(0x111));
}

#[test]
fn a_bad_pdu_between_good_ones_is_skipped() {
    let mut stream = pdu(0x15, 0, 1, &[]);
    stream.extend(pdu(0x04, 0, 2, &[0xFF; 10]));
    stream.extend(pdu(0x15, 0, 3, &[]));
    let first = decode(&stream).expect("ok").expect("complete");
    let error = decode(&stream[first.len..]).expect_err("garbage body");
    let skip = error.skip_len().expect("skippable");
    let third = decode(&stream[first.len + skip..])
        .expect("ok")
        .expect("complete");
    assert_eq!(third.command.sequence_number(), 3);
}

#[test]
fn field_failures_answer_the_request_resp_with_the_field_status() {
    let cases: Vec<(&str, Vec<u8>, u32, CommandId)> = vec![
        (
            "source_addr over 20 characters",
            pdu(0x04, 0, 5, &submit_body(&[b'1'; 25], b"456", 1, b"x", &[])),
            0x0A,
            CommandId::SubmitSmResp,
        ),
        (
            "destination_addr not ASCII",
            pdu(
                0x04,
                0,
                5,
                &submit_body(b"123", "4é6".as_bytes(), 1, b"x", &[]),
            ),
            0x0B,
            CommandId::SubmitSmResp,
        ),
        (
            "sm_length beyond the body",
            pdu(0x04, 0, 5, &submit_body(b"123", b"456", 200, b"short", &[])),
            0x01,
            CommandId::SubmitSmResp,
        ),
        (
            "TLV area cut inside a header",
            pdu(
                0x04,
                0,
                5,
                &submit_body(b"123", b"456", 1, b"x", &[0x02, 0x04, 0x00]),
            ),
            0xC0,
            CommandId::SubmitSmResp,
        ),
        (
            "TLV value_length shorter than its type",
            pdu(
                0x04,
                0,
                5,
                &submit_body(b"123", b"456", 1, b"x", &[0x02, 0x0C, 0x00, 0x01, 0x12]),
            ),
            0xC2,
            CommandId::SubmitSmResp,
        ),
        (
            "TLV value_length longer than its type",
            pdu(
                0x04,
                0,
                5,
                &submit_body(
                    b"123",
                    b"456",
                    1,
                    b"x",
                    &[0x02, 0x0C, 0x00, 0x03, 0x12, 0x34, 0x56],
                ),
            ),
            0xC2,
            CommandId::SubmitSmResp,
        ),
        (
            "TLV value_length beyond the end of the PDU",
            pdu(
                0x04,
                0,
                5,
                &submit_body(
                    b"123",
                    b"456",
                    1,
                    b"x",
                    &[0x02, 0x0C, 0x00, 0x09, 0x12, 0x34],
                ),
            ),
            0xC0,
            CommandId::SubmitSmResp,
        ),
        (
            "validity_period of the wrong length",
            pdu(0x04, 0, 5, &{
                let mut body = submit_body(b"123", b"456", 1, b"x", &[]);
                // Replace the validity_period NUL (after esm, pid, prio, sched).
                let at = 1 + 2 + 4 + 2 + 4 + 3 + 1;
                body.splice(at..at + 1, b"0101\0".iter().copied());
                body
            }),
            0x62,
            CommandId::SubmitSmResp,
        ),
        (
            "bind password over 8 characters",
            pdu(0x02, 0, 5, b"sys\0password12\0\0\x34\x01\x01\0"),
            0x0E,
            CommandId::BindTransmitterResp,
        ),
        (
            "bind system_id over 15 characters",
            pdu(0x09, 0, 5, b"a-very-long-system-id\0pw\0\0\x34\x01\x01\0"),
            0x0F,
            CommandId::BindTransceiverResp,
        ),
        (
            "query_sm message_id not terminated",
            pdu(0x03, 0, 5, &[b'9'; 70]),
            0x0C,
            CommandId::QuerySmResp,
        ),
    ];
    for (label, bytes, status, resp) in cases {
        let (error, inner) = body_error(&bytes);
        assert_eq!(
            u32::from(error.command_status()),
            status,
            "{label}: {inner:?}"
        );
        let reply = error.reply().expect("requests are answered");
        assert_eq!(reply.id(), resp, "{label}");
        assert_eq!(reply.sequence_number(), 5, "{label}");
        assert!(
            reply.pdu().is_none(),
            "{label}: error responses carry no body"
        );
        assert_eq!(error.skip_len(), Some(bytes.len()), "{label}");
    }
}

#[test]
fn structural_failures_answer_generic_nack_with_rinvcmdlen() {
    // A fixed-size field cut off: the body is shorter than the PDU needs.
    let mut body = submit_body(b"123", b"456", 0, b"", &[]);
    body.truncate(13); // ends right after destination_addr
    let cases = vec![
        ("submit_sm without a body", pdu(0x04, 0, 8, &[])),
        ("submit_sm cut short", pdu(0x04, 0, 8, &body)),
        ("enquire_link with a body", pdu(0x15, 0, 8, &[0, 0])),
        (
            "bind with trailing octets",
            pdu(0x02, 0, 8, b"s\0p\0\0\x34\x01\x01\0XYZ"),
        ),
    ];
    for (label, bytes) in cases {
        let (error, inner) = body_error(&bytes);
        assert_eq!(
            error.command_status(),
            CommandStatus::EsmeRinvcmdlen,
            "{label}: {inner:?}"
        );
        let reply = error.reply().expect("answered");
        assert_eq!(reply.id(), CommandId::GenericNack, "{label}");
        assert_eq!(reply.sequence_number(), 8, "{label}");
    }
}

#[test]
fn broken_responses_are_reported_not_answered() {
    let (error, _) = body_error(&pdu(0x8000_0004, 0, 11, &[b'x'; 70]));
    assert!(error.reply().is_none());
    let header = error.header().expect("kept");
    assert_eq!(header.command_id, CommandId::SubmitSmResp);
    assert_eq!(header.sequence_number, 11);
}

#[test]
fn error_responses_need_no_body_and_a_broken_one_is_dropped() {
    let bare = decode(&pdu(0x8000_0004, 0x45, 3, &[]))
        .expect("ok")
        .expect("complete");
    assert_eq!(bare.command.status(), CommandStatus::EsmeRsubmitfail);
    assert!(bare.command.pdu().is_none());
    assert!(bare.repairs.is_empty());

    let broken = decode(&pdu(0x8000_0004, 0x45, 3, &[b'x'; 70]))
        .expect("ok")
        .expect("complete");
    assert!(broken.command.pdu().is_none());
    assert_eq!(broken.repairs, vec![Repair::DroppedErrorBody { len: 70 }]);
}

#[test]
fn unknown_tlvs_are_kept_and_reencoded() {
    let tlvs = [
        0x14, 0x01, 0x00, 0x03, 0xAA, 0xBB, 0xCC, 0x02, 0x04, 0x00, 0x02, 0x00, 0x07,
    ];
    let bytes = pdu(0x04, 0, 1, &submit_body(b"123", b"456", 2, b"hi", &tlvs));
    let decoded = decode(&bytes)
        .expect("unknown TLVs are fine")
        .expect("complete");
    let Some(Pdu::SubmitSm(body)) = decoded.command.pdu() else {
        panic!("a submit_sm")
    };
    assert_eq!(body.tlvs().len(), 2);
    assert_eq!(u16::from(body.tlvs()[0].tag()), 0x1401);
    let mut out = BytesMut::new();
    encode(&decoded.command, &mut out).expect("encodes");
    assert_eq!(&out[..], &bytes[..]);
}

#[test]
fn encode_refuses_what_the_peer_would_refuse() {
    let decoded = decode(&pdu(
        0x04,
        0,
        1,
        &submit_body(b"1", b"2", 100, &[b'a'; 100], &[]),
    ))
    .expect("ok")
    .expect("complete");
    let mut out = BytesMut::new();
    let small = Codec::new().with_max_command_length(64);
    assert!(small.encode(&decoded.command, &mut out).is_err());
    assert!(out.is_empty(), "nothing half-written");
}
