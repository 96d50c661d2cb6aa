//! Properties over generated input: every packet this codec can write
//! decodes back to itself, with and without a checksum; every GSM 03.38
//! text survives the character conversion; no octets, arbitrary or shaped
//! like a packet, make the reader, the decoder or the value readers panic.

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

proptest! {
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
