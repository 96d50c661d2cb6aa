//! 3GPP TS 23.040 PDUs as a GSM modem exchanges them (src/modem/pdu):
//! published examples byte for byte, round trips, and decoders that never
//! panic on arbitrary octets.
//!
//! Where each published PDU comes from:
//! - [dreamfabric] "SMS and the PDU format", Lars Pettersson, dreamfabric.com
//!   (mirrored at turbocontrol.com/CoolStuff and subnets.ru/saved): the
//!   "hellohello" SMS-SUBMIT and SMS-DELIVER;
//! - [ofono] oFono unit/test-sms.c: simple_deliver, alnum_sender,
//!   simple_submit, assembly_pdu1 (UCS-2, concatenated),
//!   expected_no_fragmentation_7bit;
//! - [gsmmodem] python-gsmmodem test/test_pdu.py (faucamp/python-gsmmodem):
//!   encode and decode vectors, including a status report and one
//!   "semi-invalid status report PDU captured from a ZTE modem";
//! - [amro] amro.blogspot.com, "receiving an SMS status report message"
//!   (2007): a +CDS PDU a modem printed without its SCA.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta};
use proptest::prelude::*;

use pasarela::model::{Npi, Ton};
use pasarela::modem::hex;
use pasarela::modem::pdu::{
    self, DecodeError, Deliver, EncodeError, PduAddress, RelativeValidity, Status, StatusCategory,
    StatusReport, Submit, Tpdu, UserData, ValidityPeriod,
};
use pasarela::sms::{Alphabet, Coding, Concat, Reference, gsm7, split_text, ucs2};

fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap()
}

fn gsm7_submit(destination: PduAddress, text: &str) -> Submit {
    let split = split_text(text, Reference::Bits8(0)).unwrap();
    assert_eq!(split.coding, Coding::Gsm7, "{text}");
    assert_eq!(split.parts.len(), 1, "{text}");
    Submit::from_part(destination, split.coding, &split.parts[0])
}

fn deliver(text: &str) -> Deliver {
    match pdu::decode_hex(text).unwrap() {
        Tpdu::Deliver(deliver) => deliver,
        other => panic!("not a deliver: {other:?}"),
    }
}

fn status_report(octets: &[u8], tpdu_length: usize) -> StatusReport {
    match pdu::decode_with_length(octets, tpdu_length).unwrap() {
        Tpdu::StatusReport(report) => report,
        other => panic!("not a status report: {other:?}"),
    }
}

fn text_of(deliver: &Deliver) -> String {
    deliver.message().unwrap().text.unwrap()
}

// ---- SMS-SUBMIT, encoded byte for byte ----

#[test]
fn hellohello_submit() {
    // [dreamfabric], also [ofono] simple_submit: SIM's SMSC, TP-MR 0,
    // relative validity 0xAA (4 days), "hellohello" packed.
    let mut submit = gsm7_submit(PduAddress::international("46708251358"), "hellohello");
    submit.validity = Some(ValidityPeriod::Relative(RelativeValidity::at_least(
        TimeDelta::days(4),
    )));
    let encoded = submit.encode().unwrap();
    assert_eq!(
        encoded.hex(),
        "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"
    );
    // AT+CMGS=23: [ofono] asserts a TPDU length of 23 (the SCA octet not counted).
    assert_eq!(encoded.tpdu_length, 23);
    assert_eq!(Submit::decode(&encoded.octets), Ok(submit));
}

#[test]
fn submit_without_validity() {
    // [gsmmodem] test_encodeSmsSubmit: "+27820001111", "Hello World!", no TP-VP.
    let submit = gsm7_submit(PduAddress::international("27820001111"), "Hello World!");
    assert_eq!(
        submit.encode().unwrap().hex(),
        "0001000B917228001011F100000CC8329BFD065DDF72363904"
    );
}

#[test]
fn submit_ucs2_with_sca_and_a_year_of_validity() {
    // [gsmmodem] test_encodeSmsSubmit: "+123456789", '世界您好！', 52 weeks,
    // SMSC "+44000000000".
    let split = split_text("世界您好！", Reference::Bits8(0)).unwrap();
    assert_eq!(split.coding, Coding::Ucs2);
    let mut submit = Submit::from_part(
        PduAddress::international("123456789"),
        split.coding,
        &split.parts[0],
    );
    submit.sca = Some(PduAddress::international("44000000000"));
    submit.validity = Some(ValidityPeriod::Relative(RelativeValidity::at_least(
        TimeDelta::weeks(52),
    )));
    let encoded = submit.encode().unwrap();
    assert_eq!(
        encoded.hex(),
        "07914400000000F01100099121436587F90008F40A4E16754C60A8597DFF01"
    );
    // The SCA is 8 octets (length, type, 6 of digits) and not counted.
    assert_eq!(encoded.tpdu_length, encoded.octets.len() - 8);
}

#[test]
fn submit_national_numbers_reference_and_status_report() {
    // [gsmmodem] test_encodeSmsSubmit: "0126541234" (TON national, NPI
    // ISDN: type-of-address 0xA1), TP-MR 13, 3 days, SMSC "12345" also
    // national, status report requested (first octet 0x31: TP-SRR,
    // TP-VPF relative, SMS-SUBMIT). The test's sixth positional argument is
    // python-gsmmodem's `requestStatusReport`.
    let national = |digits: &str| PduAddress::new(Ton::National, Npi::Isdn, digits);
    let mut submit = gsm7_submit(national("0126541234"), "Test message: local numbers");
    submit.sca = Some(national("12345"));
    submit.message_reference = 13;
    submit.status_report_request = true;
    submit.validity = Some(ValidityPeriod::Relative(RelativeValidity::at_least(
        TimeDelta::days(3),
    )));
    assert_eq!(
        submit.encode().unwrap().hex(),
        "04A12143F5310D0AA110624521430000A91BD4F29C0E6A97E7F3F0B9AC03B1DFE3301BE4AEB7C565F91C"
    );
}

#[test]
fn submit_with_absolute_validity() {
    // [gsmmodem] test_encodeSmsSubmit: validity 2013-07-10 13:39 GMT+2,
    // TP-VPF 11 (first octet 0x19).
    let mut submit = gsm7_submit(
        PduAddress::international("27820001111"),
        "Timestamp validity test",
    );
    submit.validity = Some(ValidityPeriod::Absolute(at("2013-07-10T13:39:00+02:00")));
    let encoded = submit.encode().unwrap();
    assert_eq!(
        encoded.hex(),
        "0019000B917228001011F100003170013193008017D474BB3CA787DB70903DCC4E93D3F43C885E9ED301"
    );
    assert_eq!(Submit::decode(&encoded.octets), Ok(submit));
}

#[test]
fn submit_with_a_given_sca() {
    // [ofono] test_prepare_7bit: SMSC +358405202090, to +358478400241,
    // TP-VP 0xA7 (24 hours).
    let mut submit = gsm7_submit(
        PduAddress::international("358478400241"),
        "This is testing !",
    );
    submit.sca = Some(PduAddress::international("358405202090"));
    submit.validity = Some(ValidityPeriod::Relative(RelativeValidity::at_least(
        TimeDelta::hours(24),
    )));
    assert_eq!(
        submit.encode().unwrap().hex(),
        "079153485002020911000C915348870420140000A71154747A0E4ACF41F4F29C9E769F4121"
    );
}

#[test]
fn concatenated_submit_packs_after_the_header_fill_bit() {
    // [gsmmodem] test_encodeSmsSubmit_concatenated: three parts, 8-bit
    // reference 0, reject duplicates (first octet 0x45: UDHI, RD, SUBMIT).
    // The 6-octet UDH takes 7 septets with 1 fill bit before the text.
    let text = "Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.Ut enim ad minim veniam, quinostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.Duis aute irure dolor in reprehenderit in voluptate velit esse cillum doloe eu fugiat nulla pariatur.Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum";
    let expected = [
        "0045000B915121551532F40000A0050003000301986F79B90D4AC3E7F53688FC66BFE5A0799A0E0AB7CB741668FC76CFCB637A995E9783C2E4343C3D4F8FD3EE33A8CC4ED359A079990C22BF41E5747DDE7E9341F4721BFE9683D2EE719A9C26D7DD74509D0E6287C56F791954A683C86FF65B5E06B5C36777181466A7E3F5B0AB4A0795DDE936284C06B5D3EE741B642FBBD3E1360B14AFA7DD",
        "0045000B915121551532F40000A0050003000302DE73BABC4E0695F165F9384D0FD3D36F37A8CE6687DBE337881D16BFE5E939C89D9EA741753A28CC4EC7EB6938A88C0795C3A0F1BBDD7E93DFA0F1DB3D2FC7EB61BA8B584FCF41E13ABD0C4ACBEBF23288FC66BFE5A0B41B242FC3E56574D94D2ECBD37450DA0DB2BFD975383D4C2F83EC65769A0E2ACFE765D038CD66D7DB20F29BFD2E83CA",
        "0045000B915121551532F400008C050003000303EA2073FD9C0ED341EE3A9B1D06C1C3F274985E97BB8AF871194E2FD7E5A079DA4D07BDC7E370791CA683C675789A1CA687E920F7DB0D82CBDF6972D94D6781E675371D947683C675363C0C8AD7D3A0B7D99C1EA7C32072795E96D7DD7450FBCD66A7E9A0B03BDD06A5C9A0F29C0E6287C56F79BD0D",
    ];
    let split = split_text(text, Reference::Bits8(0)).unwrap();
    assert_eq!(split.parts.len(), expected.len());
    let mut joined = String::new();
    for (part, expected) in split.parts.iter().zip(expected) {
        let mut submit =
            Submit::from_part(PduAddress::international("15125551234"), split.coding, part);
        submit.reject_duplicates = true;
        let encoded = submit.encode().unwrap();
        assert_eq!(encoded.hex(), expected);
        let decoded = Submit::decode(&encoded.octets).unwrap();
        let message = decoded.user_data.message(decoded.dcs).unwrap();
        assert_eq!(message.concat, part.concat);
        joined.push_str(&message.text.unwrap());
    }
    assert_eq!(joined, text);
}

#[test]
fn status_report_request_and_8_bit_data() {
    let part = pasarela::sms::Part {
        concat: None,
        udh: Vec::new(),
        payload: b"Hello world!".to_vec(),
    };
    let mut submit = Submit::from_part(
        PduAddress::international("27821234567"),
        Coding::Binary,
        &part,
    );
    submit.status_report_request = true;
    let encoded = submit.encode().unwrap();
    // First octet 0x21: TP-SRR and SMS-SUBMIT; TP-DCS 0x04; TP-UDL in octets.
    assert_eq!(encoded.octets[1], 0x21);
    assert_eq!(
        encoded.hex(),
        "0021000B917228214365F700040C48656C6C6F20776F726C6421"
    );
    // [gsmmodem] decodes the same TPDU (with SCA +2781191, no SRR) as
    // 8-bit "Hello world!".
    match pdu::decode_hex("0591721891F101000B917228214365F700040C48656C6C6F20776F726C6421").unwrap()
    {
        Tpdu::Submit(submit) => {
            assert_eq!(submit.sca, Some(PduAddress::international("2781191")));
            assert_eq!(submit.user_data.payload, b"Hello world!");
            assert_eq!(
                submit.user_data.message(submit.dcs).unwrap().alphabet,
                Alphabet::Binary
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn submit_refusals() {
    let mut submit = gsm7_submit(PduAddress::international("46708251358"), "hi");
    submit.destination = PduAddress::new(Ton::Alphanumeric, Npi::Unknown, "Shop");
    assert_eq!(submit.encode(), Err(EncodeError::AlphanumericDestination));
    submit.destination = PduAddress::international("+46708251358");
    assert!(matches!(
        submit.encode(),
        Err(EncodeError::AddressCharacter { ch: '+', .. })
    ));
    submit.destination = PduAddress::international("123456789012345678901");
    assert!(matches!(
        submit.encode(),
        Err(EncodeError::AddressTooLong { length: 21, .. })
    ));
    submit.destination = PduAddress::international("46708251358");
    submit.user_data.payload = vec![0x41; 161];
    assert_eq!(
        submit.encode(),
        Err(EncodeError::UserDataTooLong { octets: 141 })
    );
    submit.user_data.payload = vec![0x41; 10];
    submit.user_data.udh = vec![0x05, 0x00, 0x03];
    assert_eq!(
        submit.encode(),
        Err(EncodeError::BadUdh {
            declared: 6,
            actual: 3
        })
    );
}

// ---- SMS-DELIVER, decoded ----

#[test]
fn dreamfabric_deliver() {
    // [dreamfabric]: SMSC +27381000015; sender type 0xC8 (TON subscriber,
    // NPI national); 99-03-29 15:16:59, zone "80" = 8 quarter hours.
    let deliver =
        deliver("07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37");
    assert_eq!(deliver.sca, Some(PduAddress::international("27381000015")));
    assert_eq!(
        deliver.originator,
        PduAddress::new(Ton::SubscriberNumber, Npi::National, "27838890001")
    );
    assert_eq!(deliver.service_centre_time, at("1999-03-29T15:16:59+02:00"));
    assert!(!deliver.more_messages);
    assert_eq!(text_of(&deliver), "hellohello");
}

#[test]
fn ofono_simple_deliver_negative_zone() {
    // [ofono] simple_deliver: zone octet 0x48, -4 quarter hours.
    let deliver =
        deliver("07911326040000F0040B911346610089F60000208062917314480CC8F71D14969741F977FD07");
    assert_eq!(deliver.sca, Some(PduAddress::international("31624000000")));
    assert_eq!(deliver.originator, PduAddress::international("31641600986"));
    assert_eq!(deliver.service_centre_time, at("2002-08-26T19:37:41-01:00"));
    assert_eq!(text_of(&deliver), "How are you?");
    assert_eq!(
        deliver
            .originator
            .to_address()
            .unwrap()
            .msisdn()
            .unwrap()
            .digits(),
        "31641600986"
    );
}

#[test]
fn alphanumeric_originator() {
    // [ofono] alnum_sender: TP-OA type 0xD0, 13 semi-octets of packed "sipgate".
    let deliver = deliver("0791447758100650040DD0F334FC1CA6970100008080312170224008D4F29CDE0EA7D9");
    assert_eq!(deliver.sca, Some(PduAddress::international("447785016005")));
    assert_eq!(
        deliver.originator,
        PduAddress::new(Ton::Alphanumeric, Npi::Unknown, "sipgate")
    );
    assert_eq!(deliver.service_centre_time, at("2008-08-13T12:07:22+01:00"));
    assert_eq!(text_of(&deliver), "Testmail");
    // Encoding it again gives the published octets.
    assert_eq!(
        deliver.encode().unwrap().hex(),
        "0791447758100650040DD0F334FC1CA6970100008080312170224008D4F29CDE0EA7D9"
    );
}

#[test]
fn python_gsmmodem_delivers() {
    // [gsmmodem] test_decode.
    let d = deliver("06917228195339040B917228214365F700003130805120618005D4F29C2E03");
    assert_eq!(d.sca, Some(PduAddress::international("2782913593")));
    assert_eq!(d.originator, PduAddress::international("27821234567"));
    assert_eq!(d.service_centre_time, at("2013-03-08T15:02:16+02:00"));
    assert_eq!(text_of(&d), "Test2");

    let d = deliver(
        "07915892000000F0040B915892214365F700007040213252242331493A283D0795C3F33C88FE06C9CB6132885EC6D341EDF27C1E3E97E7207B3A0C0A5241E377BB1D7693E72E",
    );
    assert_eq!(d.sca, Some(PduAddress::international("85290000000")));
    assert_eq!(d.service_centre_time, at("2007-04-12T23:25:42+08:00"));
    assert_eq!(
        text_of(&d),
        "It is easy to read text messages via AT commands."
    );

    // The extension table: '{' and '}' are escape sequences.
    let d = deliver("06917228195339040B917228214365F70000313062315352800A800D8A5E98D337A910");
    assert_eq!(text_of(&d), "@{tést}!");
}

#[test]
fn deliver_with_a_concatenation_header_and_fill_bit() {
    // [gsmmodem] test_decode: UDHI set, UDH 05 00 03 C3 01 01, GSM 7-bit
    // text after one fill bit; sender "2781188" with TON unknown.
    let d = deliver(
        "0591721891F1400781721881F800003160526104848059050003C30101916536FB1DCABEEB2074D85E064941B19CAB060319A5C522289C96D3D3ED32286C0FA7D96131BBEC024941B19CAB0603DDD36C36A88C87A7E565D0DB0D82C55EB0DB4B068BCD5C20",
    );
    assert_eq!(d.sca, Some(PduAddress::international("2781191")));
    assert_eq!(
        d.originator,
        PduAddress::new(Ton::Unknown, Npi::Isdn, "2781188")
    );
    assert_eq!(d.user_data.udh, [0x05, 0x00, 0x03, 0xC3, 0x01, 0x01]);
    let message = d.message().unwrap();
    assert_eq!(message.concat, Concat::new(Reference::Bits8(0xC3), 1, 1));
    assert_eq!(
        message.text.as_deref(),
        Some("Hello!You have R 19.50 FREE airtime available. R 19.50 will expire on 01/07/2013. ")
    );
}

#[test]
fn ucs2_concatenated_deliver() {
    // [ofono] assembly_pdu1: part 1 of 3, 8-bit reference 0x1E, UCS-2
    // (TP-DCS 0x19: general group, UCS2, class 1), Russian text.
    let d = deliver(concat!(
        "038121F350048155550119906041001222048C0500",
        "031E0301041804420430043A002C002004100",
        "43B0435043A04410430043D04340440002000",
        "200441043B044304480430043B00200437043",
        "000200434043204350440044C044E00200020",
        "04380020002004320441043500200431043E0",
        "43B044C044804350020043F04400435043804",
        "41043F043E043B043D044F043B0441044F002",
        "000200433043D0435"
    ));
    assert_eq!(d.sca, Some(PduAddress::new(Ton::Unknown, Npi::Isdn, "123")));
    assert_eq!(d.originator.value, "5555");
    assert_eq!(d.dcs, 0x19);
    let message = d.message().unwrap();
    assert_eq!(message.alphabet, Alphabet::Ucs2);
    assert_eq!(message.concat, Concat::new(Reference::Bits8(0x1E), 3, 1));
    assert!(
        message
            .text
            .as_deref()
            .unwrap()
            .starts_with("Итак, Александр"),
        "{:?}",
        message.text
    );
}

#[test]
fn sixteen_bit_reference_and_ucs2_round_trip() {
    let text = "Привет, 👍 мир";
    let mut deliver = Deliver {
        sca: Some(PduAddress::international("34646456456")),
        more_messages: false,
        loop_prevention: false,
        status_report_indication: true,
        reply_path: false,
        originator: PduAddress::international("34616585119"),
        protocol_id: 0,
        dcs: 0x08,
        service_centre_time: at("2024-02-29T23:59:59-03:30"),
        user_data: UserData {
            udh: Concat::new(Reference::Bits16(0xBEEF), 2, 2)
                .unwrap()
                .udh_bytes(),
            payload: ucs2::encode(text),
        },
    };
    let encoded = deliver.encode().unwrap();
    let back = Deliver::decode(&encoded.octets).unwrap();
    assert_eq!(back, deliver);
    let message = back.message().unwrap();
    assert_eq!(message.text.as_deref(), Some(text));
    assert_eq!(message.concat, Concat::new(Reference::Bits16(0xBEEF), 2, 2));
    // The same with GSM 7-bit and the 16-bit header: 7 octets, no fill bits.
    deliver.dcs = 0x00;
    deliver.user_data.payload = gsm7::encode("Hello [world]").unwrap();
    let back = Deliver::decode(&deliver.encode().unwrap().octets).unwrap();
    assert_eq!(
        back.message().unwrap().text.as_deref(),
        Some("Hello [world]")
    );
}

// ---- SMS-STATUS-REPORT ----

#[test]
fn python_gsmmodem_status_report() {
    // [gsmmodem] test_decode: no SCA, TP-MR 214, to +31628870634, status 0.
    let octets = hex::decode("0006D60B911326880736F4111011719551401110117195714000").unwrap();
    let report = status_report(&octets, octets.len() - 1);
    assert_eq!(report.sca, None);
    assert_eq!(report.message_reference, 214);
    assert_eq!(report.recipient, PduAddress::international("31628870634"));
    assert_eq!(report.service_centre_time, at("2011-01-11T17:59:15+01:00"));
    assert_eq!(report.discharge_time, at("2011-01-11T17:59:17+01:00"));
    assert_eq!(report.status, Status::RECEIVED);
    assert_eq!(report.status.category(), StatusCategory::Delivered);
    assert!(!report.more_messages);
    assert_eq!(report.encode().unwrap().octets, octets);
}

#[test]
fn status_report_without_sca_as_some_modems_print_cds() {
    // [amro]: "+CDS: 06000B910221815716F2709021510121807090215101718000",
    // 25 octets, the TPDU alone. With the +CDS length of 25 the reader
    // knows no SCA precedes it.
    let octets = hex::decode("06000B910221815716F2709021510121807090215101718000").unwrap();
    assert_eq!(octets.len(), 25);
    let report = status_report(&octets, 25);
    assert_eq!(report.message_reference, 0);
    assert_eq!(report.recipient, PduAddress::international("20121875612"));
    assert_eq!(report.service_centre_time, at("2007-09-12T15:10:12+02:00"));
    assert_eq!(report.discharge_time, at("2007-09-12T15:10:17+02:00"));
    assert_eq!(report.status.category(), StatusCategory::Delivered);
    // Read as if an SCA came first, the same octets do not make sense.
    assert!(!matches!(pdu::decode(&octets), Ok(Tpdu::StatusReport(_))));
}

#[test]
fn zte_semi_invalid_status_report() {
    // [gsmmodem]: "Semi-invalid status report PDU captured from a ZTE
    // modem": an SCA of one digit with type 0x97, and a recipient whose
    // first semi-octet is 0xB, which 23.040 §9.1.2.3 reads as '#'.
    let octets =
        hex::decode("0297F1061C0F910B487228297020F5317062419272803170624192138000").unwrap();
    let report = status_report(&octets, octets.len() - 3);
    assert_eq!(
        report.sca,
        Some(PduAddress::new(Ton::International, Npi::Other(7), "1"))
    );
    assert_eq!(report.message_reference, 28);
    assert_eq!(report.recipient.value, "#08427829207025");
    assert!(report.recipient.to_address().is_err());
    assert_eq!(report.service_centre_time, at("2013-07-26T14:29:27+02:00"));
    assert_eq!(report.discharge_time, at("2013-07-26T14:29:31+02:00"));
}

#[test]
fn status_categories() {
    use pasarela::model::MessageState;
    let table = [
        (
            0x00,
            StatusCategory::Delivered,
            Some(MessageState::Delivered),
        ),
        (
            0x02,
            StatusCategory::Delivered,
            Some(MessageState::Delivered),
        ),
        (0x21, StatusCategory::StillTrying, None),
        (
            0x41,
            StatusCategory::PermanentError,
            Some(MessageState::Undeliverable),
        ),
        (
            0x46,
            StatusCategory::PermanentError,
            Some(MessageState::Expired),
        ),
        (
            0x48,
            StatusCategory::PermanentError,
            Some(MessageState::Deleted),
        ),
        (
            0x61,
            StatusCategory::TemporaryErrorGivenUp,
            Some(MessageState::Undeliverable),
        ),
        (0x80, StatusCategory::Reserved, Some(MessageState::Unknown)),
    ];
    for (value, category, state) in table {
        assert_eq!(Status(value).category(), category, "{value:#04x}");
        assert_eq!(Status(value).message_state(), state, "{value:#04x}");
    }
}

#[test]
fn status_report_with_optional_parameters_round_trips() {
    let report = StatusReport {
        sca: None,
        more_messages: true,
        loop_prevention: false,
        for_command: false,
        message_reference: 7,
        recipient: PduAddress::international("447700900123"),
        service_centre_time: at("2026-11-30T22:00:00+00:00"),
        discharge_time: at("2026-11-30T22:00:05+00:00"),
        status: Status::VALIDITY_PERIOD_EXPIRED,
        protocol_id: Some(0),
        dcs: Some(0),
        user_data: Some(UserData {
            udh: Vec::new(),
            payload: gsm7::encode("expired").unwrap(),
        }),
    };
    let encoded = report.encode().unwrap();
    assert_eq!(StatusReport::decode(&encoded.octets), Ok(report));
}

// ---- malformed input: typed errors ----

#[test]
fn malformed_pdus_are_typed_errors() {
    // [gsmmodem]: "UCS-2 PDU; User data length is invalid in this PDU (too
    // long)". Its TP-DA length also counts the 0xF filler (12 for 11
    // digits), which is read leniently; TP-UDL 160 octets is not.
    assert!(matches!(
        pdu::decode_hex("0041010C910661345542F60008A0050003000301306F3044"),
        Err(DecodeError::UserDataTooLong { udl: 160, max: 140 })
    ));
    assert!(matches!(
        pdu::decode(&[]),
        Err(DecodeError::Truncated { .. })
    ));
    assert!(matches!(
        pdu::decode(&[0x00]),
        Err(DecodeError::Truncated { .. })
    ));
    assert_eq!(
        pdu::decode(&[0x00, 0x03]),
        Err(DecodeError::ReservedMessageType)
    );
    assert!(matches!(pdu::decode_hex("0G"), Err(DecodeError::Hex(_))));
    // The hellohello deliver cut short inside its time stamp.
    assert!(matches!(
        pdu::decode_hex("07917283010010F5040BC87238880900F100009930925161"),
        Err(DecodeError::Truncated {
            field: "TP-SCTS",
            ..
        })
    ));
    // A time stamp with month 13.
    assert!(matches!(
        pdu::decode_hex("00040B917228214365F70000993192516195800AE8329BFD4697D9EC37"),
        Err(DecodeError::BadTime {
            field: "TP-SCTS",
            ..
        })
    ));
    // Submit decoder given a deliver.
    assert!(matches!(
        Submit::decode(
            &hex::decode("00040B917228214365F70000993092516195800AE8329BFD4697D9EC37").unwrap()
        ),
        Err(DecodeError::WrongType { .. })
    ));
}

// ---- properties ----

fn gsm_text() -> impl Strategy<Value = String> {
    // Base table and extension characters (two septets each); 80
    // characters always fit one message.
    proptest::collection::vec(
        prop::sample::select(vec![
            'a', 'Z', '0', ' ', '@', '£', 'é', 'Ω', '{', '€', '\n', '~',
        ]),
        0..=80,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn timestamp() -> impl Strategy<Value = DateTime<FixedOffset>> {
    (
        2000i32..2090,
        1u32..=12,
        1u32..=28,
        0u32..24,
        0u32..60,
        0u32..60,
        -79i32..=79,
    )
        .prop_map(|(y, mo, d, h, mi, s, q)| {
            NaiveDate::from_ymd_opt(y, mo, d)
                .unwrap()
                .and_hms_opt(h, mi, s)
                .unwrap()
                .and_local_timezone(FixedOffset::east_opt(q * 900).unwrap())
                .unwrap()
        })
}

proptest! {
    #[test]
    fn decoders_never_panic(octets in proptest::collection::vec(any::<u8>(), 0..200), length in 0usize..200) {
        // If we panic, we lose: every input is a value or a typed error.
        let _ = pdu::decode(&octets);
        let _ = pdu::decode_with_length(&octets, length);
        let _ = Submit::decode(&octets);
        let _ = Deliver::decode(&octets);
        let _ = StatusReport::decode(&octets);
        if let Ok(Tpdu::Deliver(d)) = pdu::decode(&octets) {
            let _ = d.message();
        }
    }

    #[test]
    fn submit_round_trips(
        text in gsm_text(),
        digits in "[0-9*#]{1,20}",
        ton in 0u8..5,
        srr: bool,
        rd: bool,
        mr: u8,
        vp in proptest::option::of(any::<u8>()),
        reference: u8,
    ) {
        let split = split_text(&text, Reference::Bits8(reference)).unwrap();
        let destination = PduAddress::new(Ton::from(ton), Npi::Isdn, digits);
        for part in &split.parts {
            let mut submit = Submit::from_part(destination.clone(), split.coding, part);
            submit.status_report_request = srr;
            submit.reject_duplicates = rd;
            submit.message_reference = mr;
            submit.validity = vp.map(|v| ValidityPeriod::Relative(RelativeValidity(v)));
            let encoded = submit.encode().unwrap();
            prop_assert_eq!(encoded.tpdu_length, encoded.octets.len() - 1);
            prop_assert_eq!(Submit::decode(&encoded.octets), Ok(submit));
        }
    }

    #[test]
    fn deliver_round_trips(
        text in gsm_text(),
        sender in "[A-Za-z0-9 ]{1,11}",
        when in timestamp(),
        more: bool,
    ) {
        let deliver = Deliver {
            sca: Some(PduAddress::international("447785016005")),
            more_messages: more,
            loop_prevention: false,
            status_report_indication: false,
            reply_path: false,
            originator: PduAddress::new(Ton::Alphanumeric, Npi::Unknown, sender),
            protocol_id: 0,
            dcs: 0,
            service_centre_time: when,
            user_data: UserData { udh: Vec::new(), payload: gsm7::encode(&text).unwrap() },
        };
        let back = Deliver::decode(&deliver.encode().unwrap().octets).unwrap();
        prop_assert_eq!(back.message().unwrap().text, Some(text));
        prop_assert_eq!(back, deliver);
    }
}
