//! Coding choice, part counting and splitting at the exact boundaries.

use pasarela::sms::coding::count_payload;
use pasarela::sms::{
    Coding, PartCount, Reference, ReferenceWidth, count_parts, gsm7, split_payload, split_text,
};

/// What the splitter produced: coding and, per part, payload length and
/// whether it opens with an escape.
fn shape(text: &str, reference: Reference) -> (Coding, Vec<usize>) {
    let split = split_text(text, reference).unwrap();
    let lengths = split.parts.iter().map(|p| p.payload.len()).collect();
    (split.coding, lengths)
}

struct Case {
    name: &'static str,
    text: String,
    coding: Coding,
    parts: usize,
    units_per_part: usize,
    total_units: usize,
    /// Payload octets of each part (septets, or 2 per UCS-2 unit).
    payloads: Vec<usize>,
}

fn case(
    name: &'static str,
    text: String,
    coding: Coding,
    (parts, units_per_part, total_units): (usize, usize, usize),
    payloads: &[usize],
) -> Case {
    Case {
        name,
        text,
        coding,
        parts,
        units_per_part,
        total_units,
        payloads: payloads.to_vec(),
    }
}

fn cases() -> Vec<Case> {
    use Coding::{Gsm7, Ucs2};
    let a = |n| "a".repeat(n);
    let u = |n| "á".repeat(n);
    vec![
        case("empty", String::new(), Gsm7, (1, 160, 0), &[0]),
        case("160 GSM", a(160), Gsm7, (1, 160, 160), &[160]),
        case("161 GSM", a(161), Gsm7, (2, 153, 161), &[153, 8]),
        case("153×2 GSM", a(306), Gsm7, (2, 153, 306), &[153, 153]),
        case("153×2+1 GSM", a(307), Gsm7, (3, 153, 307), &[153, 153, 1]),
        case(
            "158 + € fits one",
            a(158) + "€",
            Gsm7,
            (1, 160, 160),
            &[160],
        ),
        case(
            "159 + € is 161 septets",
            a(159) + "€",
            Gsm7,
            (2, 153, 161),
            &[153, 8],
        ),
        case(
            "€ straddling 153 moves whole",
            a(152) + "€" + &a(10),
            Gsm7,
            (2, 153, 164),
            &[152, 12],
        ),
        case(
            "€ ending exactly at 153",
            a(151) + "€" + &a(10),
            Gsm7,
            (2, 153, 163),
            &[153, 10],
        ),
        case("70 UCS-2", u(70), Ucs2, (1, 70, 70), &[140]),
        case("71 UCS-2", u(71), Ucs2, (2, 67, 71), &[134, 8]),
        case(
            "68 + emoji fits one",
            u(68) + "😀",
            Ucs2,
            (1, 70, 70),
            &[140],
        ),
        case(
            "69 + emoji is 71 units",
            u(69) + "😀",
            Ucs2,
            (2, 67, 71),
            &[134, 8],
        ),
        case(
            "emoji straddling 67 moves whole",
            u(66) + "😀" + &u(10),
            Ucs2,
            (2, 67, 78),
            &[132, 24],
        ),
        case(
            "emoji ending exactly at 67",
            u(65) + "😀" + &u(10),
            Ucs2,
            (2, 67, 77),
            &[134, 20],
        ),
        case(
            "Spanish in GSM",
            "¿Qué tal, señor Muñoz? ¡Son 5€!".into(),
            Gsm7,
            (1, 160, 32),
            &[32],
        ),
        case(
            "Spanish with á",
            "¿Cuánto cuesta? ¡5€!".into(),
            Ucs2,
            (1, 70, 20),
            &[40],
        ),
        case(
            "Greek capitals",
            "ΔΦΓΛΩΠΨΣΘΞ".into(),
            Gsm7,
            (1, 160, 10),
            &[10],
        ),
        case("Greek lowercase", "αβγ".into(), Ucs2, (1, 70, 3), &[6]),
        case("one emoji", "👍".into(), Ucs2, (1, 70, 2), &[4]),
        case("skin-tone emoji", "👍🏽".into(), Ucs2, (1, 70, 4), &[8]),
    ]
}

#[test]
fn boundary_table() {
    for c in cases() {
        assert_eq!(
            count_parts(&c.text, ReferenceWidth::Bits8),
            PartCount {
                coding: c.coding,
                parts: c.parts,
                units_per_part: c.units_per_part,
                total_units: c.total_units,
            },
            "count: {}",
            c.name
        );
        assert_eq!(
            shape(&c.text, Reference::Bits8(1)),
            (c.coding, c.payloads.clone()),
            "split: {}",
            c.name
        );
    }
}

#[test]
fn straddling_euro_opens_the_next_part() {
    let text = "a".repeat(152) + "€" + &"b".repeat(10);
    let split = split_text(&text, Reference::Bits8(1)).unwrap();
    assert_eq!(split.parts[0].payload, [0x61; 152]);
    assert_eq!(split.parts[1].payload[..3], [gsm7::ESCAPE, 0x65, 0x62]);
}

#[test]
fn straddling_emoji_opens_the_next_part() {
    let text = "á".repeat(66) + "😀" + &"á".repeat(5);
    let split = split_text(&text, Reference::Bits8(1)).unwrap();
    assert_eq!(split.parts.len(), 2);
    assert_eq!(split.parts[0].payload.len(), 132);
    assert_eq!(
        split.parts[1].payload[..6],
        [0xD8, 0x3D, 0xDE, 0x00, 0x00, 0xE1]
    );
}

#[test]
fn sixteen_bit_reference_parts_are_one_unit_smaller() {
    let text = "a".repeat(305);
    assert_eq!(count_parts(&text, ReferenceWidth::Bits8).parts, 2);
    let count = count_parts(&text, ReferenceWidth::Bits16);
    assert_eq!((count.parts, count.units_per_part), (3, 152));
    let (_, lengths) = shape(&text, Reference::Bits16(0x1234));
    assert_eq!(lengths, [152, 152, 1]);

    let split = split_text(&"á".repeat(140), Reference::Bits16(0x1234)).unwrap();
    let lengths: Vec<usize> = split.parts.iter().map(|p| p.payload.len()).collect();
    assert_eq!(lengths, [132, 132, 16]);
    assert_eq!(
        split.parts[2].udh,
        [0x06, 0x08, 0x04, 0x12, 0x34, 0x03, 0x03]
    );
}

#[test]
fn binary_boundaries() {
    let count = |n| count_payload(Coding::Binary, &vec![0; n], ReferenceWidth::Bits8);
    assert_eq!((count(140).parts, count(140).units_per_part), (1, 140));
    assert_eq!((count(141).parts, count(141).units_per_part), (2, 134));
    assert_eq!(count(268).parts, 2);
    assert_eq!(count(269).parts, 3);
    let split = split_payload(Coding::Binary, &[7; 141], Reference::Bits8(9)).unwrap();
    assert_eq!(split.coding.data_coding(), 0x04);
    assert_eq!(split.parts[0].short_message().len(), 140);
}

#[test]
fn every_part_fits_140_octets_on_the_air() {
    for c in cases() {
        for reference in [Reference::Bits8(1), Reference::Bits16(1)] {
            let split = split_text(&c.text, reference).unwrap();
            for part in &split.parts {
                let payload_octets = match split.coding {
                    Coding::Gsm7 => (part.payload.len() * 7).div_ceil(8),
                    Coding::Ucs2 | Coding::Binary => part.payload.len(),
                };
                let header_octets = match split.coding {
                    // The header is padded to a septet boundary.
                    Coding::Gsm7 => (part.udh.len() * 8).div_ceil(7) * 7 / 8,
                    Coding::Ucs2 | Coding::Binary => part.udh.len(),
                };
                assert!(
                    header_octets + payload_octets <= 140,
                    "{}: {header_octets} + {payload_octets}",
                    c.name
                );
            }
        }
    }
}

#[test]
fn submit_fields_for_both_forms() {
    let split = split_text(&"a".repeat(200), Reference::Bits8(0x2A)).unwrap();
    assert_eq!(split.coding.data_coding(), 0x00);
    for (i, part) in split.parts.iter().enumerate() {
        let seq = i as u8 + 1;
        // UDH form.
        let short_message = part.short_message();
        assert_eq!(short_message[..6], [0x05, 0x00, 0x03, 0x2A, 0x02, seq]);
        assert_eq!(part.esm_class(0x00) & 0x40, 0x40);
        // SAR form.
        let sar = part.sar().unwrap();
        assert_eq!(
            (sar.msg_ref_num, sar.total_segments, sar.segment_seqnum),
            (0x2A, 2, seq)
        );
    }
}
