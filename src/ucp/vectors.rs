//! Golden frames: every example the EMI-UCP specification gives for the
//! operations this codec reads (as the 5.2 edition prints them, page
//! numbers below; their checksums and LEN checked by hand), and frames
//! real clients write. Each is decoded to the value written out here and,
//! where the writer is byte-exact, encoded back to the same octets.

use chrono::{NaiveDate, NaiveDateTime};

use super::*;

fn at(day: u32, month: u32, year: i32, hour: u32, minute: u32, second: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|date| date.and_hms_opt(hour, minute, second))
        .expect("a real time")
}

fn trn(value: u8) -> Trn {
    Trn::new(value).expect("00-99")
}

fn operation(value: u8, operation: Operation) -> Message {
    Message::Operation {
        trn: trn(value),
        operation,
    }
}

fn ack(value: u8, ot: Ot, sm: &str) -> Message {
    Message::Result {
        trn: trn(value),
        ot,
        response: Response::Ack(Ack {
            mvp: String::new(),
            sm: sm.to_owned(),
        }),
    }
}

fn nack(value: u8, ot: Ot, code: u8) -> Message {
    Message::Result {
        trn: trn(value),
        ot,
        response: Response::Nack(Nack {
            error: ErrorCode::new(code).expect("00-99"),
            sm: String::new(),
        }),
    }
}

fn text(text: &str) -> Option<Content> {
    Some(Content::text(text).expect("GSM 03.38"))
}

/// The message in `envelope` (the text between STX and ETX), through the
/// codec as it would arrive.
fn decode(envelope: &str) -> Message {
    let frame = [b"\x02", envelope.as_bytes(), b"\x03"].concat();
    let decoded = Codec::new()
        .decode(&frame)
        .unwrap_or_else(|e| panic!("{envelope}: {e}"))
        .expect("a whole frame");
    assert_eq!(decoded.len, frame.len());
    decoded.message
}

fn assert_both_ways(envelope: &str, expected: Message) {
    assert_eq!(decode(envelope), expected, "{envelope}");
    let frame = expected.encode().expect("encodes");
    assert_eq!(
        String::from_utf8_lossy(&frame[1..frame.len() - 1]),
        envelope,
        "re-encoded"
    );
}

#[test]
fn call_input_4_2() {
    // p. 10: an alphanumeric message and a numeric one.
    assert_both_ways(
        "00/00070/O/01/01234567890/09876543210//3/53686F7274204D657373616765/D9",
        operation(
            0,
            Operation::CallInput(CallInput {
                adc: "01234567890".into(),
                oadc: "09876543210".into(),
                ac: String::new(),
                content: text("Short Message"),
            }),
        ),
    );
    assert_both_ways(
        "00/00041/O/01/0888444///2/716436383334/C5",
        operation(
            0,
            Operation::CallInput(CallInput {
                adc: "0888444".into(),
                content: Some(Content::Numeric("716436383334".into())),
                ..CallInput::default()
            }),
        ),
    );
    // p. 11: its results.
    assert_both_ways(
        "06/00043/R/01/A/01234567890:090196103258/4E",
        ack(6, Ot::CALL_INPUT, "01234567890:090196103258"),
    );
    assert_both_ways("12/00022/R/01/N/02//03", nack(12, Ot::CALL_INPUT, 2));
}

#[test]
fn alert_4_6() {
    // p. 18 and 19.
    assert_both_ways(
        "02/00035/O/31/0234765439845/0139/A0",
        operation(
            2,
            Operation::Alert(Alert {
                adc: "0234765439845".into(),
                pid: Some(139),
            }),
        ),
    );
    assert_both_ways("04/00023/R/31/A/0003/2D", ack(4, Ot::ALERT, "0003"));
    assert_both_ways("00/00022/R/31/N/06//07", nack(0, Ot::ALERT, 6));
}

#[test]
fn submit_5_3() {
    // p. 36: text with notifications to a TCP/IP address.
    assert_both_ways(
        "18/00113/O/51/012345/09876//1/1920870340125000/4/0539//////3012961212//////3//4D657373616765203531/////////////CD",
        operation(
            18,
            Operation::Submit(Box::new(ShortMessageFields {
                adc: "012345".into(),
                oadc: "09876".into(),
                nrq: Some(true),
                nadc: "1920870340125000".into(),
                nt: Some(Notifications {
                    buffered: true,
                    ..Notifications::default()
                }),
                npid: Some(539),
                vp: Some(at(30, 12, 1996, 12, 12, 0)),
                content: text("Message 51"),
                ..ShortMessageFields::default()
            })),
        ),
    );
    // p. 36: transparent data, deferred, with a last resort address.
    assert_both_ways(
        "39/00099/O/51/0657467/078769//1//7//1/0545765/0122/1/0808971800///////4/32/F5AA34DE////1/////////65",
        operation(
            39,
            Operation::Submit(Box::new(ShortMessageFields {
                adc: "0657467".into(),
                oadc: "078769".into(),
                nrq: Some(true),
                nt: Some(Notifications::from_value(7)),
                lrq: Some(true),
                lrad: "0545765".into(),
                lpid: Some(122),
                dd: Some(true),
                ddt: Some(at(8, 8, 1997, 18, 0, 0)),
                content: Some(Content::Transparent {
                    bits: 32,
                    data: vec![0xF5, 0xAA, 0x34, 0xDE],
                }),
                mcls: Some(1),
                ..ShortMessageFields::default()
            })),
        ),
    );
    // p. 37: its results.
    assert_both_ways(
        "00/00039/R/51/A//012234:090996101010/68",
        ack(0, Ot::SUBMIT, "012234:090996101010"),
    );
    assert_both_ways("00/00022/R/51/N/31//07", nack(0, Ot::SUBMIT, 31));
}

#[test]
fn delivery_5_4() {
    // p. 39.
    assert_both_ways(
        "00/00120/O/52/076523578/07686745/////////////120396111055////3//43616C6C20796F75206261636B206C617465722E///0//////////A3",
        operation(
            0,
            Operation::Delivery(Box::new(ShortMessageFields {
                adc: "076523578".into(),
                oadc: "07686745".into(),
                scts: Some(at(12, 3, 1996, 11, 10, 55)),
                content: text("Call you back later."),
                dcs: Some(0),
                ..ShortMessageFields::default()
            })),
        ),
    );
    assert_both_ways(
        "00/00039/R/52/A//076567:010196010101/6C",
        ack(0, Ot::DELIVERY, "076567:010196010101"),
    );
    assert_both_ways("00/00022/R/52/N/01//05", nack(0, Ot::DELIVERY, 1));
}

#[test]
fn notification_5_5() {
    // p. 41.
    assert_both_ways(
        "00/00234/O/53/1299998/3155555/////////////090196161057/1/108/090196161105/3//4D65737361676520666F7220333135353535352C2077697468206964656E74696669636174696F6E2039363031303931363130353720686173206265656E206275666665726564/////////////1F",
        operation(
            0,
            Operation::Notification(Box::new(ShortMessageFields {
                adc: "1299998".into(),
                oadc: "3155555".into(),
                scts: Some(at(9, 1, 1996, 16, 10, 57)),
                dst: Some(DeliveryStatus::Buffered),
                rsn: Some(108),
                dscts: Some(at(9, 1, 1996, 16, 11, 5)),
                content: text(
                    "Message for 3155555, with identification 960109161057 has been buffered",
                ),
                ..ShortMessageFields::default()
            })),
        ),
    );
    assert_both_ways(
        "00/00032/R/53/A//020296020202/F2",
        ack(0, Ot::NOTIFICATION, "020296020202"),
    );
    assert_both_ways("00/00022/R/53/N/02//07", nack(0, Ot::NOTIFICATION, 2));
}

#[test]
fn session_management_6_3() {
    // p. 57 and 58.
    assert_both_ways(
        "02/00059/O/60/07656765/2/1/1/50617373776F7264//0100//////61",
        operation(
            2,
            Operation::Session(SessionManagement {
                oadc: "07656765".into(),
                oton: Some(2),
                onpi: Some(1),
                styp: Some(1),
                pwd: b"Password".to_vec(),
                vers: "0100".into(),
                ..SessionManagement::default()
            }),
        ),
    );
    assert_both_ways("00/00019/R/60/A//6D", ack(0, Ot::SESSION, ""));
    assert_both_ways("00/00022/R/60/N/01//04", nack(0, Ot::SESSION, 1));
}

#[test]
fn net_ucp_alphanumeric_originator() {
    // Net::UCP's documented submit, from "ALPHA@NUM".
    assert_both_ways(
        "01/00154/O/51/00393201001/10412614190438AB4D/////////////////3//53686F7274204D65737361676520666F72204E454D5558206279204E65743A3A554350////1////5039/////C7",
        operation(
            1,
            Operation::Submit(Box::new(ShortMessageFields {
                adc: "00393201001".into(),
                oadc: "ALPHA@NUM".into(),
                otoa: Some(Otoa::Alphanumeric),
                content: text("Short Message for NEMUX by Net::UCP"),
                mcls: Some(1),
                ..ShortMessageFields::default()
            })),
        ),
    );
}

#[test]
fn a_go_client_with_nb_beside_text_and_three_services() {
    // An octet-counted originator, NB with MT 3, XSer DCS 00 and services
    // 06 and 07: read, though not written back the same way.
    let message = decode(
        "00/00120/O/51/09191234567/08F4F29C0E//1//1/////////////3/88/68656C6C6F20776F726C64////1////5039//020100060101070101///B7",
    );
    let Message::Operation {
        operation: Operation::Submit(fields),
        ..
    } = message
    else {
        panic!("{message:?}");
    };
    assert_eq!(fields.oadc, "test");
    assert_eq!(fields.content, text("hello world"));
    assert_eq!(fields.xser.dcs(), Some(0x00));
    assert_eq!(fields.xser.services.len(), 3);
    assert_eq!(fields.nt, Some(Notifications::from_value(1)));
}
