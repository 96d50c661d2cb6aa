//! Properties over arbitrary input: split then reassemble gives the text
//! back whatever the order and however many duplicates; encodings round
//! trip; no decoder or parser panics on any octets. "If we panic!, we lose."

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use pasarela::sms::incoming::decode;
use pasarela::sms::reassembly::Outcome;
use pasarela::sms::{
    Alphabet, Coding, Concat, Reassembler, Reference, ReferenceWidth, Sar, ShortMessage, Udh,
    count_parts, gsm7, packing, split_text, ucs2,
};
use proptest::prelude::*;
use proptest::sample::Index;

/// Every character GSM 03.38 has, extension table included.
const GSM_CHARS: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                         ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà\
                         ^{}\\[~]|€\u{0C}";

fn gsm_text(max: usize) -> impl Strategy<Value = String> {
    let chars: Vec<char> = GSM_CHARS.chars().collect();
    prop::collection::vec(prop::sample::select(chars), 0..max)
        .prop_map(|chars| chars.into_iter().collect())
}

/// Mostly GSM text with the odd character that forces UCS-2, including
/// emoji, or anything at all.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        gsm_text(700),
        (
            gsm_text(400),
            prop::sample::select(vec!['á', '😀', 'ç', 'ω', '中']),
            any::<Index>()
        )
            .prop_map(|(text, odd, at)| {
                let mut chars: Vec<char> = text.chars().collect();
                chars.insert(at.index(chars.len() + 1), odd);
                chars.into_iter().collect()
            }),
        ".{0,400}",
    ]
}

fn reference() -> impl Strategy<Value = Reference> {
    prop_oneof![
        any::<u8>().prop_map(Reference::Bits8),
        any::<u16>().prop_map(Reference::Bits16)
    ]
}

/// The parts as they would arrive: each part once, some twice, in an order
/// given by `keys`.
fn arrival(parts: usize, duplicates: &[Index], keys: &[u32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..parts)
        .chain(duplicates.iter().map(|d| d.index(parts)))
        .collect();
    let mut keyed: Vec<(u32, usize)> = order
        .drain(..)
        .enumerate()
        .map(|(i, part)| (keys.get(i).copied().unwrap_or(u32::MAX), part))
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, part)| part).collect()
}

fn reassemble(messages: Vec<ShortMessage>) -> (Vec<String>, usize) {
    let mut r = Reassembler::new(NonZeroUsize::new(4).unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut complete = Vec::new();
    let mut duplicates = 0;
    for message in messages {
        let pushed = r.push("34600000000", "2233", message, deadline);
        assert_eq!(pushed.evicted, None);
        match pushed.outcome {
            Outcome::Complete(whole) => complete.push(whole.text.unwrap_or_default()),
            Outcome::Duplicate { .. } => duplicates += 1,
            Outcome::Stored { .. } => {}
        }
    }
    assert!(r.is_empty());
    (complete, duplicates)
}

proptest! {
    #[test]
    fn split_then_reassemble_in_udh_form(
        text in any_text(),
        reference in reference(),
        duplicates in prop::collection::vec(any::<Index>(), 0..4),
        keys in prop::collection::vec(any::<u32>(), 0..12),
    ) {
        let split = split_text(&text, reference).unwrap();
        let order = arrival(split.parts.len(), &duplicates, &keys);
        let messages = order.iter().map(|&i| {
            let part = &split.parts[i];
            decode(split.coding.data_coding(), part.esm_class(0), &part.short_message(), None).unwrap()
        }).collect();
        let (complete, seen_duplicates) = reassemble(messages);
        if split.parts.len() == 1 {
            // A message on its own has nothing to tell copies apart by:
            // telling them apart is the SMPP session's job.
            prop_assert_eq!(complete, vec![text; 1 + duplicates.len()]);
        } else {
            prop_assert_eq!(complete, vec![text]);
            prop_assert_eq!(seen_duplicates, duplicates.len());
        }
    }

    #[test]
    fn split_then_reassemble_in_sar_form(
        text in any_text(),
        reference in reference(),
        keys in prop::collection::vec(any::<u32>(), 0..12),
    ) {
        let split = split_text(&text, reference).unwrap();
        let order = arrival(split.parts.len(), &[], &keys);
        let messages = order.iter().map(|&i| {
            let part = &split.parts[i];
            decode(split.coding.data_coding(), 0, &part.payload, part.sar()).unwrap()
        }).collect();
        let (complete, _) = reassemble(messages);
        prop_assert_eq!(complete, vec![text]);
    }

    #[test]
    fn count_agrees_with_split(text in any_text(), reference in reference()) {
        let count = count_parts(&text, reference.width());
        let split = split_text(&text, reference).unwrap();
        prop_assert_eq!(count.coding, split.coding);
        prop_assert_eq!(count.parts, split.parts.len());
        let unit = if split.coding == Coding::Ucs2 { 2 } else { 1 };
        let total: usize = split.parts.iter().map(|p| p.payload.len()).sum();
        prop_assert_eq!(count.total_units * unit, total);
        for part in &split.parts {
            prop_assert!(part.payload.len() <= count.units_per_part * unit);
        }
        let expected = if gsm7::can_encode(&text) { Coding::Gsm7 } else { Coding::Ucs2 };
        prop_assert_eq!(split.coding, expected);
    }

    #[test]
    fn gsm7_round_trip(text in gsm_text(400)) {
        let septets = gsm7::encode(&text).unwrap();
        prop_assert_eq!(gsm7::septet_count(&text), Ok(septets.len()));
        prop_assert!(septets.iter().all(|&s| s < 0x80));
        prop_assert_eq!(gsm7::decode(&septets), text);
    }

    #[test]
    fn ucs2_round_trip(text in ".{0,200}") {
        let octets = ucs2::encode(&text);
        prop_assert_eq!(octets.len(), 2 * ucs2::code_units(&text));
        prop_assert_eq!(ucs2::decode(&octets), text);
    }

    #[test]
    fn packing_round_trip(septets in prop::collection::vec(0u8..0x80, 0..200)) {
        let packed = packing::pack(&septets);
        prop_assert_eq!(packed.len(), (septets.len() * 7).div_ceil(8));
        prop_assert_eq!(packing::unpack(&packed, septets.len()), Ok(septets));
    }

    /// A header followed by fill bits must put the text exactly where it
    /// would be after as many '@' (all-zero septets) as the header takes.
    #[test]
    fn user_data_round_trip_and_header_alignment(
        ie in prop::collection::vec(any::<u8>(), 0..20),
        septets in prop::collection::vec(0u8..0x80, 0..140),
    ) {
        let mut udh = vec![ie.len() as u8];
        udh.extend(&ie);
        let packed = packing::pack_user_data(&udh, &septets);
        let header = packing::header_septets(udh.len());
        prop_assert_eq!(packed.udl, header + septets.len());
        let mut at_signs = vec![0u8; header];
        at_signs.extend(&septets);
        let plain = packing::pack(&at_signs);
        prop_assert_eq!(&packed.octets[udh.len()..], &plain[udh.len()..]);
        let unpacked = packing::unpack_user_data(&packed.octets, packed.udl, true).unwrap();
        prop_assert_eq!(&unpacked[..udh.len()], &udh[..]);
        prop_assert_eq!(&unpacked[udh.len()..], &septets[..]);
    }

    #[test]
    fn decoding_arbitrary_octets_never_panics(
        data_coding in any::<u8>(),
        esm_class in any::<u8>(),
        octets in prop::collection::vec(any::<u8>(), 0..300),
        sar in prop::option::of((any::<u16>(), any::<u8>(), any::<u8>())),
    ) {
        let sar = sar.map(|(msg_ref_num, total_segments, segment_seqnum)| Sar {
            msg_ref_num, total_segments, segment_seqnum,
        });
        if let Ok(message) = decode(data_coding, esm_class, &octets, sar) {
            prop_assert!(message.body.len() <= octets.len());
            if let Some(concat) = message.concat {
                prop_assert!(concat.seq() >= 1 && concat.seq() <= concat.total());
            }
        }
        let _ = Udh::split(&octets);
        let _ = gsm7::decode(&octets);
        let _ = ucs2::decode(&octets);
        let _ = Alphabet::from_dcs(data_coding);
    }

    #[test]
    fn unpacking_arbitrary_user_data_never_panics(
        octets in prop::collection::vec(any::<u8>(), 0..160),
        udl in 0usize..400,
        udhi in any::<bool>(),
    ) {
        if let Ok(unpacked) = packing::unpack_user_data(&octets, udl, udhi) {
            prop_assert!(unpacked.len() <= udl + octets.len());
        }
        let _ = packing::unpack(&octets, udl);
    }

    #[test]
    fn reassembler_survives_arbitrary_parts(
        parts in prop::collection::vec(
            (0u8..3, 0u8..4, any::<u8>(), any::<u8>(), 0u64..20, prop::collection::vec(any::<u8>(), 0..8)),
            0..60,
        ),
        max in 1usize..4,
    ) {
        let t0 = Instant::now();
        let mut r = Reassembler::new(NonZeroUsize::new(max).unwrap());
        let mut accounted = 0;
        let mut pushed_parts = 0;
        for (source, reference, total, seq, secs, body) in parts {
            let concat = Concat::new(Reference::Bits8(reference), total % 5, seq % 6);
            let message = ShortMessage {
                alphabet: Alphabet::Gsm7,
                udh: None,
                concat,
                text: Some(gsm7::decode(&body)),
                body,
            };
            pushed_parts += 1;
            let pushed = r.push(&source.to_string(), "D", message, t0 + Duration::from_secs(secs));
            prop_assert!(r.len() <= max);
            if let Some(evicted) = pushed.evicted {
                accounted += usize::from(evicted.partial.parts);
            }
            match pushed.outcome {
                Outcome::Complete(whole) => accounted += usize::from(whole.parts),
                Outcome::Duplicate { .. } => accounted += 1,
                Outcome::Stored { .. } => {}
            }
            for expired in r.expire(t0 + Duration::from_secs(secs / 2)) {
                accounted += usize::from(expired.partial.parts);
            }
        }
        for expired in r.expire(t0 + Duration::from_secs(3600)) {
            accounted += usize::from(expired.partial.parts);
        }
        // Every part pushed was handed back one way or another.
        prop_assert!(r.is_empty());
        prop_assert_eq!(accounted, pushed_parts);
    }
}

#[test]
fn reference_width_of_each_reference() {
    assert_eq!(Reference::Bits8(1).width(), ReferenceWidth::Bits8);
    assert_eq!(Reference::Bits16(1).width(), ReferenceWidth::Bits16);
}
