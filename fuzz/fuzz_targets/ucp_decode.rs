//! Fuzz the UCP framing and decoder: any bytes as a stream, and the same
//! bytes as an envelope whose LEN and checksum are made right, so that the
//! fuzzer reaches the fields instead of stopping at the checksum. Every
//! message decoded is encoded again and must decode to itself.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use pasarela::ucp::Codec;

fuzz_target!(|data: &[u8]| {
    let codec = Codec::new();
    walk(codec, data);
    if let Some(frame) = with_len_and_checksum(data) {
        walk(codec, &frame);
    }
});

/// Decodes `input` as a link would, step by step.
fn walk(codec: Codec, input: &[u8]) {
    let mut rest = input;
    loop {
        match codec.decode(rest) {
            Ok(None) => break,
            Ok(Some(decoded)) => {
                assert!(decoded.len >= 18 && decoded.len <= rest.len());
                let mut out = BytesMut::new();
                if codec.encode(&decoded.message, &mut out).is_ok() {
                    let again = codec.decode(&out).expect("re-encoded frame decodes");
                    let again = again.expect("re-encoded frame is whole");
                    assert_eq!(again.message, decoded.message);
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

/// `data` as the text between STX and ETX, with LEN (characters 3–7) and
/// the checksum (the last two) written to match; `None` when it is too
/// short to hold them or too long for LEN.
fn with_len_and_checksum(data: &[u8]) -> Option<Vec<u8>> {
    if data.len() < 16 || data.len() > 99_999 {
        return None;
    }
    let mut envelope = data.to_vec();
    let len = format!("{:05}", envelope.len());
    envelope[3..8].copy_from_slice(len.as_bytes());
    let summed = envelope.len() - 2;
    let sum = envelope[..summed]
        .iter()
        .fold(0u8, |sum, &octet| sum.wrapping_add(octet));
    envelope[summed..].copy_from_slice(format!("{sum:02X}").as_bytes());
    Some([&[0x02][..], &envelope, &[0x03]].concat())
}
