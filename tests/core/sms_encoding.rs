//! Character sets and septet packing: which characters GSM 03.38 has, what
//! they cost, and packed user data checked against published examples.

use pasarela::sms::packing::{self, PackedUserData};
use pasarela::sms::{gsm7, ucs2};

fn hex(octets: &[u8]) -> String {
    octets.iter().map(|b| format!("{b:02X}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn characters_in_the_default_alphabet() {
    for ch in "ñÑ¿¡éàùìòÇØøåÅÄÖÜäöüßÆæÉ£¥§¤@_ΔΦΓΛΩΠΨΣΘΞ".chars()
    {
        assert_eq!(
            gsm7::septet_count(&ch.to_string()),
            Ok(1),
            "{ch:?} should be one septet"
        );
    }
}

#[test]
fn characters_in_the_extension_table_cost_two_septets() {
    for ch in "^{}\\[~]|€\u{0C}".chars() {
        let septets = gsm7::encode(&ch.to_string()).unwrap();
        assert_eq!(septets.len(), 2, "{ch:?}");
        assert_eq!(septets[0], gsm7::ESCAPE, "{ch:?}");
    }
}

#[test]
fn characters_that_force_ucs2() {
    // Acute vowels other than é, lowercase Greek, Greek capitals that only
    // look Latin, ç (only Ç is in the table), and the usual suspects.
    for ch in "áíóúÁÍÓÚαβγδωΑΒΕçâê“”‘’…\u{1B}😀".chars() {
        assert!(
            !gsm7::can_encode(&ch.to_string()),
            "{ch:?} should not encode"
        );
    }
}

#[test]
fn spanish_text() {
    let text = "¿Qué tal, señor Muñoz? ¡Son 5€!";
    assert!(gsm7::can_encode(text));
    assert_eq!(gsm7::septet_count(text), Ok(text.chars().count() + 1));
    assert_eq!(gsm7::decode(&gsm7::encode(text).unwrap()), text);
    assert!(!gsm7::can_encode("¿Cuánto cuesta?"));
}

#[test]
fn known_septet_values() {
    assert_eq!(gsm7::encode("@£$¥"), Ok(vec![0x00, 0x01, 0x02, 0x03]));
    assert_eq!(gsm7::encode("ñ¿¡"), Ok(vec![0x7D, 0x60, 0x40]));
    assert_eq!(gsm7::encode("Δ_Ξ"), Ok(vec![0x10, 0x11, 0x1A]));
    assert_eq!(gsm7::encode("€"), Ok(vec![0x1B, 0x65]));
}

#[test]
fn ucs2_is_utf16_big_endian() {
    assert_eq!(ucs2::encode("añ"), [0x00, 0x61, 0x00, 0xF1]);
    assert_eq!(ucs2::code_units("👍🏽"), 4);
    assert_eq!(ucs2::decode(&ucs2::encode("Привет 👋")), "Привет 👋");
}

/// The classic example (dreamfabric / turbocontrol SMS PDU pages):
/// "hellohello", TP-UDL 0x0A, TP-UD E8329BFD4697D9EC37.
#[test]
fn golden_hellohello() {
    let septets = gsm7::encode("hellohello").unwrap();
    assert_eq!(hex(&packing::pack(&septets)), "E8329BFD4697D9EC37");
    let unpacked = packing::unpack(&unhex("E8329BFD4697D9EC37"), 10).unwrap();
    assert_eq!(gsm7::decode(&unpacked), "hellohello");
}

/// From a worked answer on alt.cellular.gsm: a reply-address UDH of 11
/// octets (88 bits) is followed by 3 fill bits, so the text starts at
/// septet 13; TP-UDL is 0x19 (25 septets) and TP-UD is
/// 0A22080B912143658709F1 80B2CBE17919242FC3D979 for "Please reply".
#[test]
fn golden_reply_address_header_with_three_fill_bits() {
    let udh = unhex("0A22080B912143658709F1");
    let septets = gsm7::encode("Please reply").unwrap();
    assert_eq!(packing::fill_bits(udh.len()), 3);
    let PackedUserData { udl, octets } = packing::pack_user_data(&udh, &septets);
    assert_eq!(udl, 0x19);
    assert_eq!(hex(&octets), "0A22080B912143658709F180B2CBE17919242FC3D979");

    let unpacked = packing::unpack_user_data(&octets, udl, true).unwrap();
    assert_eq!(unpacked[..udh.len()], udh);
    assert_eq!(gsm7::decode(&unpacked[udh.len()..]), "Please reply");

    // The same answer's cross-check: without a header, 13 '@' and the text
    // pack to zeros followed by the very same octets.
    let at_signs = gsm7::encode("@@@@@@@@@@@@@Please reply").unwrap();
    assert_eq!(
        hex(&packing::pack(&at_signs)),
        "000000000000000000000080B2CBE17919242FC3D979"
    );
}

/// A worked answer on decoding user data after an 8-bit concatenation
/// header (6 octets, 1 fill bit): "hello world" packs to
/// D06536FB0DBABFE56C32, the first octet's low bit being the fill bit.
#[test]
fn golden_concatenation_header_with_one_fill_bit() {
    let udh = [0x05, 0x00, 0x03, 0xCC, 0x02, 0x01];
    let septets = gsm7::encode("hello world").unwrap();
    let packed = packing::pack_user_data(&udh, &septets);
    assert_eq!(packed.udl, 7 + 11);
    assert_eq!(hex(&packed.octets[6..]), "D06536FB0DBABFE56C32");
    let unpacked = packing::unpack_user_data(&packed.octets, packed.udl, true).unwrap();
    assert_eq!(gsm7::decode(&unpacked[6..]), "hello world");
}

#[test]
fn sixteen_bit_concatenation_header_needs_no_fill() {
    let udh = [0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01];
    let septets = gsm7::encode("hellohello").unwrap();
    let packed = packing::pack_user_data(&udh, &septets);
    assert_eq!(packing::fill_bits(udh.len()), 0);
    assert_eq!(packed.udl, 8 + 10);
    // 56 header bits are exactly 8 septets: the text packs as on its own.
    assert_eq!(hex(&packed.octets[7..]), "E8329BFD4697D9EC37");
}

#[test]
fn seven_septets_do_not_grow_a_trailing_at_sign() {
    // 7 septets leave 7 zero bits in the last octet; with TP-UDL they are
    // not read as '@' (the gsm7 0.4.1 crate reads one).
    let septets = gsm7::encode("ABCDEFG").unwrap();
    let packed = packing::pack(&septets);
    assert_eq!(hex(&packed), "41E19058341E01");
    assert_eq!(
        gsm7::decode(&packing::unpack(&packed, 7).unwrap()),
        "ABCDEFG"
    );
}

#[test]
fn a_full_part_packs_into_140_octets() {
    let udh = [0x05, 0x00, 0x03, 0x01, 0x02, 0x01];
    let packed = packing::pack_user_data(&udh, &[0x41; 153]);
    assert_eq!((packed.udl, packed.octets.len()), (160, 140));
    let single = packing::pack(&[0x41; 160]);
    assert_eq!(single.len(), 140);
}
