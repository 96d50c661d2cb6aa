//! Fuzz the CIMD2 framing and decoder: any bytes as a stream, and the same
//! bytes between an STX and an ETX, so that the fuzzer reaches the packet
//! (whose checksum is optional) without first finding the framing. Every
//! packet decoded is encoded again and must decode to itself, and its
//! values are read as text, hex and times. Each packet is also read as a
//! typed operation (`cimd2::Message`); one that reads is written again and
//! must read back as itself.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use pasarela::cimd2::{Codec, Message};

fuzz_target!(|data: &[u8]| {
    let codec = Codec::new();
    walk(codec, data);
    walk(codec, &[&[0x02][..], data, &[0x03]].concat());
});

/// Decodes `input` as a link would, step by step.
fn walk(codec: Codec, input: &[u8]) {
    let mut rest = input;
    loop {
        match codec.decode(rest) {
            Ok(None) => break,
            Ok(Some(decoded)) => {
                assert!(decoded.len >= 9 && decoded.len <= rest.len());
                let packet = &decoded.packet;
                for parameter in &packet.parameters {
                    let _ = packet.text(parameter.code);
                    let _ = packet.binary(parameter.code);
                    let _ = packet.time(parameter.code);
                }
                if let Ok(message) = Message::read(packet)
                    && let Ok(written) = message.packet(packet.number)
                {
                    assert_eq!(Message::read(&written).as_ref(), Ok(&message));
                }
                let mut out = BytesMut::new();
                if codec.encode(packet, &mut out).is_ok() {
                    let again = codec.decode(&out).expect("re-encoded frame decodes");
                    let again = again.expect("re-encoded frame is whole");
                    assert_eq!(&again.packet, packet);
                }
                rest = &rest[decoded.len..];
            }
            Err(error) => {
                let _ = error.reply();
                let skip = error.skip_len();
                assert!(skip >= 1 && skip <= rest.len());
                rest = &rest[skip..];
            }
        }
    }
}
