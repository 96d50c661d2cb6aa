//! Properties over generated input: every packet this codec can write
//! decodes back to itself, with and without a checksum; every GSM 03.38
//! text survives the character conversion; no octets, arbitrary or shaped
//! like a packet, make the reader, the decoder or the value readers panic;
//! every typed operation written as a packet reads back as itself, and no
//! packet makes the typed reader panic.

use proptest::prelude::*;

use super::*;

/// Octets a value may hold: anything but TAB, STX and ETX.
fn value() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..20).prop_map(|octets| {
        octets
            .into_iter()
            .filter(|o| !matches!(o, 2 | 3 | 9))
            .collect()
    })
}

fn packet() -> impl Strategy<Value = Packet> {
    (
        0u8..=99,
        any::<u8>(),
        prop::collection::vec((0u16..=999, value()), 0..8),
    )
        .prop_map(|(operation, number, parameters)| {
            parameters.into_iter().fold(
                Packet::new(
                    OperationCode::new(operation).expect("0-99"),
                    PacketNumber(number),
                ),
                |packet, (code, value)| {
                    packet.with(ParameterCode::new(code).expect("0-999"), value)
                },
            )
        })
}

/// Strings the address and login parameters carry: printable ISO-8859-1.
fn string() -> impl Strategy<Value = String> {
    "[ -~¡-ÿ]{0,12}"
}

fn gsm_text() -> impl Strategy<Value = String> {
    "[@£$¥èéΔ_ΦΓ !\"#%&()*+,./0-9:;<=>?¡A-ZÄÖ§¿a-zäöñüà\n^{}\\[~\\]|€-]{0,40}"
}

fn at() -> impl Strategy<Value = chrono::NaiveDateTime> {
    (0i64..3_155_760_000).prop_map(|seconds| {
        chrono::DateTime::from_timestamp(631_152_000 + seconds, 0)
            .expect("1990-2089")
            .naive_utc()
    })
}

fn originator() -> impl Strategy<Value = Option<Originator>> {
    prop_oneof![
        Just(None),
        string().prop_map(|s| Some(Originator::Number(s))),
        string().prop_map(|s| Some(Originator::Alphanumeric(s))),
    ]
}

fn content() -> impl Strategy<Value = Content> {
    let user_data = prop_oneof![
        Just(None),
        gsm_text().prop_map(|t| Some(UserData::Text(t))),
        prop::collection::vec(any::<u8>(), 0..20).prop_map(|b| Some(UserData::Binary(b))),
    ];
    (
        prop::option::of(any::<u8>()),
        prop::option::of(prop::collection::vec(any::<u8>(), 0..8)),
        user_data,
    )
        .prop_map(|(data_coding, udh, user_data)| Content {
            data_coding,
            udh,
            user_data,
        })
}

fn response() -> impl Strategy<Value = Response> {
    (
        prop::option::of((0u16..=999).prop_map(ErrorCode)),
        prop::option::of(string()),
        prop::option::of(string()),
        prop::option::of(at()),
    )
        .prop_map(|(error, error_text, destination, scts)| Response {
            error,
            error_text,
            destination,
            scts,
        })
}

fn message() -> impl Strategy<Value = Message> {
    let submit = (
        (string(), originator(), content()),
        (
            prop::option::of(any::<bool>()),
            prop::option::of(any::<u8>()),
            prop::option::of(at()),
            prop::option::of(any::<u8>()),
            prop::option::of(0u8..=63),
            prop::option::of(1u8..=9),
        ),
    )
        .prop_map(
            |(
                (destination, originator, content),
                (more, relative, absolute, pid, srr, priority),
            )| {
                Message::Submit(Box::new(Submit {
                    destination,
                    originator,
                    content,
                    more_messages: more,
                    validity_relative: relative,
                    validity_absolute: absolute,
                    protocol_identifier: pid,
                    status_report_request: srr,
                    priority,
                }))
            },
        );
    let deliver = (
        string(),
        originator(),
        content(),
        prop::option::of(any::<u8>()),
        prop::option::of(at()),
    )
        .prop_map(|(destination, originator, content, pid, scts)| {
            Message::Deliver(Box::new(Deliver {
                destination,
                originator,
                content,
                protocol_identifier: pid,
                scts,
            }))
        });
    let report = (
        string(),
        prop::option::of(string()),
        at(),
        1u16..=9,
        prop::option::of(0u16..=999),
        prop::option::of(at()),
    )
        .prop_map(
            |(destination, originator, scts, status, error, discharge_time)| {
                Message::StatusReport(Box::new(StatusReport {
                    destination,
                    originator,
                    scts,
                    status: StatusCode::new(status).expect("1-9"),
                    error,
                    discharge_time,
                }))
            },
        );
    let requests = [1u8, 2, 3, 20, 23, 40].map(|code| OperationCode::new(code).expect("known"));
    prop_oneof![
        (string(), string()).prop_map(|(user, password)| Message::Login { user, password }),
        Just(Message::Logout),
        submit,
        deliver,
        report,
        Just(Message::Alive),
        Just(Message::Nack),
        response().prop_map(Message::GeneralError),
        (prop::sample::select(requests.to_vec()), response())
            .prop_map(|(request, response)| Message::Response { request, response }),
    ]
}

proptest! {
    #[test]
    fn typed_operations_round_trip(message in message(), number in any::<u8>()) {
        let packet = message.packet(PacketNumber(number)).unwrap();
        let frame = packet.encode(true).unwrap();
        let decoded = Codec::new().with_max_frame_len(usize::MAX).decode(&frame).unwrap().unwrap();
        prop_assert_eq!(Message::read(&decoded.packet).unwrap(), message);
    }

    #[test]
    fn no_packet_makes_the_typed_reader_panic(packet in packet()) {
        let _ = Message::read(&packet);
    }

    #[test]
    fn no_typed_operation_damaged_makes_it_panic(
        message in message(),
        at in any::<prop::sample::Index>(),
        octet in any::<u8>(),
    ) {
        let mut frame = message.packet(PacketNumber(1)).unwrap().encode(false).unwrap();
        let index = at.index(frame.len());
        frame[index] = octet;
        if let Ok(Some(decoded)) = Codec::new().decode(&frame) {
            let _ = Message::read(&decoded.packet);
        }
    }

    #[test]
    fn packets_round_trip(packet in packet(), checksum in any::<bool>()) {
        let frame = packet.encode(checksum).unwrap();
        let decoded = Codec::new().with_max_frame_len(usize::MAX).decode(&frame).unwrap().unwrap();
        prop_assert_eq!(decoded.packet, packet);
        prop_assert_eq!(decoded.len, frame.len());
    }

    #[test]
    fn gsm_text_round_trips(text in "[@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà\n\r^{}\\[~\\]|€-]{0,40}") {
        let written = text::encode(&text).unwrap();
        prop_assert!(written.iter().all(|&o| o.is_ascii() && !matches!(o, 2 | 3 | 9)));
        prop_assert_eq!(text::decode(&written).unwrap(), text);
    }

    #[test]
    fn no_octets_make_it_panic(input in prop::collection::vec(any::<u8>(), 0..200)) {
        walk(&input);
        let _ = text::decode(&input);
    }

    #[test]
    fn no_damaged_packet_makes_it_panic(
        packet in packet(),
        at in any::<prop::sample::Index>(),
        octet in any::<u8>(),
    ) {
        let mut frame = packet.encode(true).unwrap();
        let index = at.index(frame.len());
        frame[index] = octet;
        walk(&frame);
        if let Ok(Some(decoded)) = Codec::new().decode(&frame) {
            for parameter in &decoded.packet.parameters {
                let _ = decoded.packet.text(parameter.code);
                let _ = decoded.packet.binary(parameter.code);
                let _ = decoded.packet.time(parameter.code);
            }
        }
    }
}

/// Decodes `input` as a link would, every step moving forward.
fn walk(input: &[u8]) {
    let codec = Codec::new();
    let mut rest = input;
    while let Some(result) = codec.decode(rest).transpose() {
        let skip = match result {
            Ok(decoded) => decoded.len,
            Err(error) => {
                let _ = error.reply();
                error.skip_len()
            }
        };
        assert!(skip >= 1 && skip <= rest.len());
        rest = &rest[skip..];
    }
}
