//! Golden frames: one of each operation this increment names, written as
//! Kannel's `smsc_cimd2.c` writes and reads them (its parameter numbers,
//! its escapes, its checksum from STX through the last TAB), the
//! checksums summed outside this code and two of them by hand (`40:007`:
//! 2+52+48+58+48+48+55+9 = 320 = 0x140, so `40`; `51:001`: 316 = 0x13C, so
//! `3C`). Each decodes to the packet written out here and encodes back to
//! the same octets.

use chrono::{NaiveDate, NaiveDateTime};

use super::*;

fn at(year: i32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|date| date.and_hms_opt(hour, minute, second))
        .expect("a real time")
}

fn op(value: u8) -> OperationCode {
    OperationCode::new(value).expect("00-99")
}

/// Decodes `frame` to `expected`, then encodes `expected` back to it.
fn golden(frame: &[u8], expected: &Packet) {
    let decoded = Codec::new().decode(frame).unwrap().unwrap();
    assert_eq!(&decoded.packet, expected);
    assert_eq!(decoded.len, frame.len());
    assert_eq!(expected.encode(true).unwrap(), frame);
}

#[test]
fn login_and_its_responses() {
    let login = Packet::new(OperationCode::LOGIN, PacketNumber(1))
        .with(ParameterCode::USER_IDENTITY, "pasarela")
        .with(ParameterCode::PASSWORD, "s3cret");
    golden(b"\x0201:001\t010:pasarela\t011:s3cret\t7D\x03", &login);
    golden(b"\x0251:001\t3C\x03", &Packet::new(op(51), PacketNumber(1)));
    let refused = Packet::new(op(51), PacketNumber(1)).with(ParameterCode::ERROR_CODE, "100");
    golden(b"\x0251:001\t900:100\tA9\x03", &refused);
}

#[test]
fn submits_text_and_binary() {
    let text = Packet::new(OperationCode::SUBMIT, PacketNumber(3))
        .with(ParameterCode::DESTINATION_ADDRESS, "358401234567")
        .with(ParameterCode::ALPHANUMERIC_ORIGINATING_ADDRESS, "pasarela")
        .with(ParameterCode::STATUS_REPORT_REQUEST, "14")
        .with_text(ParameterCode::USER_DATA, "Grüße €5")
        .unwrap();
    let frame = b"\x0203:003\t021:358401234567\t027:pasarela\t056:14\t033:Gr_u\"_sse _XXe5\tE4\x03";
    golden(frame, &text);
    assert_eq!(
        text.text(ParameterCode::USER_DATA),
        Some(Ok("Grüße €5".to_owned()))
    );

    let binary = Packet::new(OperationCode::SUBMIT, PacketNumber(5))
        .with(ParameterCode::DESTINATION_ADDRESS, "358401234567")
        .with(ParameterCode::ORIGINATING_ADDRESS, "12345")
        .with_binary(ParameterCode::USER_DATA_HEADER, &[5, 0, 3, 0xCC, 2, 1])
        .with_binary(ParameterCode::USER_DATA_BINARY, b"Hi!\0")
        .with(ParameterCode::DATA_CODING_SCHEME, "4");
    golden(
        b"\x0203:005\t021:358401234567\t023:12345\t032:050003CC0201\t034:48692100\t030:4\t25\x03",
        &binary,
    );
    assert_eq!(
        binary.binary(ParameterCode::USER_DATA_BINARY),
        Some(Ok(b"Hi!\0".to_vec()))
    );
    let response = Packet::new(op(53), PacketNumber(3))
        .with(ParameterCode::DESTINATION_ADDRESS, "358401234567")
        .with_time(
            ParameterCode::SERVICE_CENTRE_TIMESTAMP,
            at(2026, 12, 6, 4, 50, 7),
        )
        .unwrap();
    golden(
        b"\x0253:003\t021:358401234567\t060:261206045007\tC0\x03",
        &response,
    );
}

#[test]
fn deliveries_and_status_reports() {
    let deliver = Packet::new(OperationCode::DELIVER, PacketNumber(2))
        .with(ParameterCode::DESTINATION_ADDRESS, "12345")
        .with(ParameterCode::ORIGINATING_ADDRESS, "358401234567")
        .with(ParameterCode::SERVICE_CENTRE_TIMESTAMP, "261206045007")
        .with(ParameterCode::USER_DATA, "Hi _Oa_--");
    golden(
        b"\x0220:002\t021:12345\t023:358401234567\t060:261206045007\t033:Hi _Oa_--\t02\x03",
        &deliver,
    );
    assert_eq!(
        deliver.text(ParameterCode::USER_DATA),
        Some(Ok("Hi @_".to_owned()))
    );
    let report = Packet::new(OperationCode::STATUS_REPORT, PacketNumber(4))
        .with(ParameterCode::DESTINATION_ADDRESS, "358401234567")
        .with(ParameterCode::SERVICE_CENTRE_TIMESTAMP, "261206045007")
        .with(ParameterCode::STATUS_CODE, "4")
        .with(ParameterCode::DISCHARGE_TIME, "261206045107");
    golden(
        b"\x0223:004\t021:358401234567\t060:261206045007\t061:4\t063:261206045107\t0A\x03",
        &report,
    );
    assert_eq!(
        report.time(ParameterCode::DISCHARGE_TIME),
        Some(Ok(at(2026, 12, 6, 4, 51, 7)))
    );
}

#[test]
fn alive_nack_and_general_error() {
    golden(
        b"\x0240:007\t40\x03",
        &Packet::new(OperationCode::ALIVE, PacketNumber(7)),
    );
    golden(
        b"\x0299:009\t50\x03",
        &Packet::new(OperationCode::NACK, PacketNumber(9)),
    );
    let error = Packet::new(OperationCode::GENERAL_ERROR, PacketNumber(11))
        .with(ParameterCode::ERROR_CODE, "002")
        .with(ParameterCode::ERROR_TEXT, "syntax error");
    golden(b"\x0298:011\t900:002\t901:syntax error\t84\x03", &error);
}

#[test]
fn the_checksum_is_optional_and_either_case() {
    let codec = Codec::new();
    let alive = Packet::new(OperationCode::ALIVE, PacketNumber(7));
    let bare = codec.decode(b"\x0240:007\t\x03").unwrap().unwrap();
    assert_eq!(bare.packet, alive);
    let mut out = bytes::BytesMut::new();
    codec
        .with_checksums(false)
        .encode(&alive, &mut out)
        .unwrap();
    assert_eq!(&out[..], b"\x0240:007\t\x03");
    let lower = b"\x0251:001\t900:100\ta9\x03";
    assert!(codec.decode(lower).unwrap().is_some());
}

#[test]
fn every_defect_is_named_and_requests_are_answered() {
    let codec = Codec::new();
    let failure = |frame: &[u8]| codec.decode(frame).unwrap_err();
    let checksum = failure(b"\x0240:007\t41\x03");
    assert_eq!(
        checksum,
        DecodeError::Packet {
            header: Some(Header {
                operation: OperationCode::ALIVE,
                number: PacketNumber(7)
            }),
            len: 11,
            error: PacketError::ChecksumMismatch {
                written: 0x41,
                computed: 0x40
            },
        }
    );
    assert_eq!(
        checksum.reply(),
        Some(Packet::new(OperationCode::NACK, PacketNumber(7)))
    );
    let header = failure(b"\x024:007\t\x03");
    assert_eq!(header.reply(), None);
    assert!(matches!(
        failure(b"\x0240:256\t\x03"),
        DecodeError::Packet {
            error: PacketError::Header,
            ..
        }
    ));
    let parameter = failure(b"\x0203:001\t021:1\t21:2\t\x03");
    assert!(matches!(
        parameter,
        DecodeError::Packet {
            error: PacketError::Parameter { index: 1 },
            ..
        }
    ));
    let syntax = Packet::new(OperationCode::new(53).unwrap(), PacketNumber(1))
        .with(ParameterCode::ERROR_CODE, "2");
    assert_eq!(parameter.reply(), Some(syntax));
    assert!(matches!(
        failure(b"\x0240:001\tXYZ\x03"),
        DecodeError::Packet {
            error: PacketError::Trailer,
            ..
        }
    ));
    // A broken response is dropped, never answered.
    assert_eq!(failure(b"\x0290:007\t00\x03").reply(), None);
    assert_eq!(
        Packet::new(OperationCode::SUBMIT, PacketNumber(1))
            .with(ParameterCode::USER_DATA, "a\tb")
            .encode(true),
        Err(EncodeError::Octet {
            parameter: ParameterCode::USER_DATA,
            octet: 0x09
        })
    );
}

#[test]
fn a_stream_with_garbage_and_a_cut_frame_yields_every_whole_frame() {
    let alive = b"\x0240:007\t40\x03".as_slice();
    let stream = [
        b"noise".as_slice(),
        alive,
        b"\x0203:00",
        alive,
        b"\r\n",
        alive,
    ]
    .concat();
    let codec = Codec::new();
    let (mut rest, mut packets, mut skipped) = (stream.as_slice(), 0, 0);
    while let Some(result) = codec.decode(rest).transpose() {
        match result {
            Ok(decoded) => {
                packets += 1;
                rest = &rest[decoded.len..];
            }
            Err(error) => {
                skipped += 1;
                rest = &rest[error.skip_len()..];
            }
        }
    }
    assert_eq!((packets, skipped), (3, 3));
    assert!(rest.is_empty());
    let tight = codec.with_max_frame_len(10);
    assert_eq!(
        tight.decode(alive),
        Err(DecodeError::Frame(crate::ucp::FrameError::TooLong {
            max: 10
        }))
    );
    assert_eq!(
        tight.encode(
            &Packet::new(OperationCode::ALIVE, PacketNumber(7)),
            &mut bytes::BytesMut::new()
        ),
        Err(EncodeError::TooLong { len: 11, max: 10 })
    );
}
