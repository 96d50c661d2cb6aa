//! Received short messages: data_coding and esm_class as an SMSC sends
//! them, and long messages put back together from their parts.

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use pasarela::sms::incoming::{decode, decode_user_data};
use pasarela::sms::reassembly::{IncompleteReason, Outcome};
use pasarela::sms::{
    Alphabet, Coding, Reassembler, Reference, Sar, UdhError, gsm7, packing, split_text, ucs2,
};

#[test]
fn data_coding_table() {
    let table: [(u8, &[u8], Alphabet, Option<&str>); 9] = [
        (0x00, &[0x48, 0x7D, 0x1B, 0x65], Alphabet::Gsm7, Some("Hñ€")),
        (0x01, b"Hi!", Alphabet::Ascii, Some("Hi!")),
        (0x03, b"a\xF1o", Alphabet::Latin1, Some("año")),
        (
            0x08,
            &[0x00, 0xE1, 0xD8, 0x3D, 0xDC, 0x4D],
            Alphabet::Ucs2,
            Some("á👍"),
        ),
        (0x04, &[0x01, 0x02], Alphabet::Binary, None),
        (0x02, &[0x01, 0x02], Alphabet::Binary, None),
        // 0xF0 group: GSM 7, class 0 ("flash"); bit 2 set means 8-bit data.
        (0xF0, &[0x48, 0x69], Alphabet::Gsm7, Some("Hi")),
        (0xF5, &[0x48, 0x69], Alphabet::Binary, None),
        // General data coding group with class: UCS2 in bits 3-2.
        (0x18, &[0x04, 0x1F], Alphabet::Ucs2, Some("П")),
    ];
    for (data_coding, body, alphabet, text) in table {
        let message = decode(data_coding, 0x00, body, None).unwrap();
        assert_eq!(message.alphabet, alphabet, "{data_coding:#04x}");
        assert_eq!(message.text.as_deref(), text, "{data_coding:#04x}");
        assert_eq!(message.body, body, "{data_coding:#04x}");
        assert_eq!(message.udh, None);
    }
}

#[test]
fn udh_is_split_off_when_udhi_is_set() {
    let mut short_message = vec![0x06, 0x08, 0x04, 0x01, 0x00, 0x03, 0x02];
    short_message.extend(ucs2::encode("¿qué?"));
    // esm_class 0x43: UDHI plus a message mode in the low bits.
    let message = decode(0x08, 0x43, &short_message, None).unwrap();
    assert_eq!(message.text.as_deref(), Some("¿qué?"));
    let concat = message.concat.unwrap();
    assert_eq!(
        (concat.reference(), concat.total(), concat.seq()),
        (Reference::Bits16(0x0100), 3, 2)
    );
}

#[test]
fn malformed_udh_is_a_typed_error() {
    assert_eq!(decode(0x00, 0x40, &[], None), Err(UdhError::Empty));
    assert_eq!(
        decode(0x00, 0x40, &[0x05, 0x00, 0x03, 0x01], None),
        Err(UdhError::LengthOverrun {
            udhl: 5,
            available: 3
        })
    );
    assert_eq!(
        decode(0x00, 0x40, &[0x02, 0x00, 0x03], None),
        Err(UdhError::ElementOverrun { iei: 0x00 })
    );
}

#[test]
fn concat_element_with_bad_numbers_is_ignored() {
    // Part 3 of 2: 23.040 says ignore the element; the message stands alone.
    let message = decode(
        0x00,
        0x40,
        &[0x05, 0x00, 0x03, 0x01, 0x02, 0x03, 0x41],
        None,
    )
    .unwrap();
    assert_eq!(message.concat, None);
    assert!(message.udh.is_some());
    assert_eq!(message.text.as_deref(), Some("A"));
}

#[test]
fn modem_pdu_user_data_goes_through_the_same_decoder() {
    // TP-DCS 0x00, UDHI, TP-UDL 18: an 8-bit concatenation header, one fill
    // bit, and "hello world" packed.
    let mut ud = vec![0x05, 0x00, 0x03, 0xCC, 0x02, 0x01];
    ud.extend([0xD0, 0x65, 0x36, 0xFB, 0x0D, 0xBA, 0xBF, 0xE5, 0x6C, 0x32]);
    let user_data = packing::unpack_user_data(&ud, 18, true).unwrap();
    let message = decode_user_data(Alphabet::from_dcs(0x00), true, &user_data, None).unwrap();
    assert_eq!(message.text.as_deref(), Some("hello world"));
    assert_eq!(message.concat.map(|c| (c.total(), c.seq())), Some((2, 1)));
}

fn reassembler() -> Reassembler {
    Reassembler::new(NonZeroUsize::new(16).unwrap())
}

#[test]
fn long_spanish_text_round_trip_in_udh_form() {
    let text = "¿Dónde está el niño? ".repeat(10);
    let split = split_text(&text, Reference::Bits8(0x7F)).unwrap();
    assert_eq!(split.parts.len(), 4);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut r = reassembler();
    let mut outcomes: Vec<Outcome> = split
        .parts
        .iter()
        .rev()
        .map(|part| {
            let message = decode(
                split.coding.data_coding(),
                part.esm_class(0x00),
                &part.short_message(),
                None,
            )
            .unwrap();
            r.push("34600111222", "2233", message, deadline).outcome
        })
        .collect();
    let Some(Outcome::Complete(whole)) = outcomes.pop() else {
        panic!("last part should complete the message");
    };
    assert_eq!(whole.text.as_deref(), Some(text.as_str()));
    assert_eq!(
        (whole.source.as_str(), whole.destination.as_str()),
        ("34600111222", "2233")
    );
    assert_eq!(whole.parts, 4);
}

#[test]
fn long_text_round_trip_in_sar_form() {
    let text = "Oferta: 2x1 en {todo} ~ [hoy] | 10€ ".repeat(8);
    let split = split_text(&text, Reference::Bits16(4000)).unwrap();
    assert_eq!(split.coding, Coding::Gsm7);
    assert_eq!(split.parts.len(), 3);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut r = reassembler();
    let mut last = None;
    for part in &split.parts {
        let message = decode(0x00, 0x00, &part.payload, part.sar()).unwrap();
        last = Some(r.push("A", "B", message, deadline).outcome);
    }
    let Some(Outcome::Complete(whole)) = last else {
        panic!("last part should complete the message");
    };
    assert_eq!(whole.text.as_deref(), Some(text.as_str()));
}

#[test]
fn escape_split_by_a_careless_sender_is_healed() {
    // Part one ends with ESC, part two starts with 0x65: together, '€'.
    let mut r = reassembler();
    let deadline = Instant::now();
    let first = decode(
        0x00,
        0x40,
        &[0x05, 0x00, 0x03, 0x09, 0x02, 0x01, 0x41, 0x1B],
        None,
    )
    .unwrap();
    let second = decode(
        0x00,
        0x40,
        &[0x05, 0x00, 0x03, 0x09, 0x02, 0x02, 0x65, 0x42],
        None,
    )
    .unwrap();
    assert_eq!(first.text.as_deref(), Some("A "));
    r.push("A", "B", first, deadline);
    let Outcome::Complete(whole) = r.push("A", "B", second, deadline).outcome else {
        panic!("two of two should complete");
    };
    assert_eq!(whole.text.as_deref(), Some("A€B"));
    assert_eq!(gsm7::decode(&whole.body), "A€B");
}

#[test]
fn a_missing_part_comes_back_as_incomplete_after_expiry() {
    let text = "x".repeat(400);
    let split = split_text(&text, Reference::Bits8(3)).unwrap();
    assert_eq!(split.parts.len(), 3);
    let t0 = Instant::now();
    let mut r = reassembler();
    for part in [&split.parts[0], &split.parts[2]] {
        let message = decode(0x00, part.esm_class(0), &part.short_message(), None).unwrap();
        r.push("A", "B", message, t0 + Duration::from_secs(30));
    }
    assert!(r.expire(t0 + Duration::from_secs(29)).is_empty());
    let incomplete = r.expire(t0 + Duration::from_secs(30));
    assert_eq!(incomplete.len(), 1);
    let lost = &incomplete[0];
    assert_eq!(lost.reason, IncompleteReason::Expired);
    assert_eq!(lost.missing, [2]);
    assert_eq!(lost.partial.parts, 2);
    assert_eq!(lost.partial.text.as_deref().map(str::len), Some(153 + 94));
}

#[test]
fn sar_values_out_of_range_leave_a_single_message() {
    let sar = Sar {
        msg_ref_num: 1,
        total_segments: 0,
        segment_seqnum: 1,
    };
    let message = decode(0x00, 0x00, b"Hi", Some(sar)).unwrap();
    assert_eq!(message.concat, None);
    let pushed = reassembler().push("A", "B", message, Instant::now());
    assert!(matches!(pushed.outcome, Outcome::Complete(_)));
}
