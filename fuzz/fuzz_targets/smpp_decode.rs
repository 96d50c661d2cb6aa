//! Fuzz the SMPP framing and decoder: any bytes, strict and lenient codecs.
//! If we panic, we lose: a peer could take the session (or the switch) down.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use pasarela::smpp::{Codec, Leniency};

fuzz_target!(|data: &[u8]| {
    for codec in [
        Codec::new(),
        Codec::new().with_leniency(Leniency::LENIENT),
    ] {
        // Walk the input as a stream, the way a session does.
        let mut rest = data;
        while !rest.is_empty() {
            match codec.decode(rest) {
                Ok(Some(decoded)) => {
                    assert!(decoded.len >= 16 && decoded.len <= rest.len());
                    let mut out = BytesMut::new();
                    // What decoded re-encodes, and the result decodes again.
                    if codec.encode(&decoded.command, &mut out).is_ok() {
                        let again = codec.decode(&out).expect("re-encoded PDU decodes");
                        let again = again.expect("re-encoded PDU is complete");
                        assert_eq!(again.command, decoded.command);
                    }
                    rest = &rest[decoded.len..];
                }
                Ok(None) => break,
                Err(error) => {
                    let _ = error.reply();
                    match error.skip_len() {
                        Some(skip) => {
                            assert!(skip >= 16 && skip <= rest.len());
                            rest = &rest[skip..];
                        }
                        None => break,
                    }
                }
            }
        }
    }
});
