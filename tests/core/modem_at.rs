//! The AT response reader (src/modem/at.rs): transcripts as modems print
//! them, fed whole and byte by byte, and a reader that never panics.
//!
//! Formats follow 3GPP TS 27.007 §5 (result codes, +CME ERROR, +CREG) and
//! TS 27.005 §3–4 (+CMGS prompt and answer, +CMS ERROR, +CMTI, +CMT,
//! +CDS, +CDSI in PDU mode).

use proptest::prelude::*;

use pasarela::modem::at::{
    AtReader, ErrorCode, Event, Final, MAX_LINE, Registration, RegistrationStatus, Unsolicited,
};

fn intermediate(line: &str) -> Event {
    Event::Intermediate(line.into())
}

fn urc(u: Unsolicited) -> Event {
    Event::Unsolicited(u)
}

/// Feeds `bytes` after `command` in one piece and byte by byte, checks both
/// give the same events, and returns them.
fn run(command: Option<&str>, bytes: &[u8]) -> Vec<Event> {
    let mut whole = AtReader::new();
    let mut single = AtReader::new();
    if let Some(command) = command {
        whole.command(command);
        single.command(command);
    }
    let events = whole.feed(bytes);
    let one_by_one: Vec<Event> = bytes.iter().flat_map(|&b| single.feed(&[b])).collect();
    assert_eq!(events, one_by_one, "chunking changed the events");
    events
}

#[test]
fn plain_ok_and_echo() {
    assert_eq!(
        run(Some("AT"), b"AT\r\r\nOK\r\n"),
        [Event::Echo("AT".into()), Event::Final(Final::Ok)]
    );
    // Echo off.
    assert_eq!(run(Some("ATE0"), b"\r\nOK\r\n"), [Event::Final(Final::Ok)]);
}

#[test]
fn error_finals_with_codes() {
    assert_eq!(
        run(Some("AT+CPIN?"), b"\r\n+CME ERROR: 10\r\n"),
        [Event::Final(Final::CmeError(ErrorCode::Code(10)))]
    );
    assert_eq!(
        run(Some("AT+CPIN?"), b"\r\n+CME ERROR: SIM not inserted\r\n"),
        [Event::Final(Final::CmeError(ErrorCode::Text(
            "SIM not inserted".into()
        )))]
    );
    assert_eq!(
        run(Some("AT+CMGS=23"), b"\r\n+CMS ERROR: 500\r\n"),
        [Event::Final(Final::CmsError(ErrorCode::Code(500)))]
    );
    assert_eq!(
        run(Some("ATX"), b"\r\nERROR\r\n"),
        [Event::Final(Final::Error)]
    );
    assert_eq!(
        run(Some("ATD+4670;"), b"\r\nNO CARRIER\r\n"),
        [Event::Final(Final::NoCarrier)]
    );
}

#[test]
fn intermediate_lines_of_a_command() {
    assert_eq!(
        run(Some("AT+CSQ"), b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n"),
        [intermediate("+CSQ: 20,99"), Event::Final(Final::Ok)]
    );
    // An answer without a prefix (the IMEI) is the command's too.
    assert_eq!(
        run(Some("AT+CGSN"), b"\r\n490154203237518\r\n\r\nOK\r\n"),
        [intermediate("490154203237518"), Event::Final(Final::Ok)]
    );
    // AT+CMGL: a header line and its PDU line, twice.
    let listing = b"\r\n+CMGL: 1,0,,23\r\n0791447758100650040DD0F334FC1CA6970100008080312170224008D4F29CDE0EA7D9\r\n+CMGL: 2,1,,24\r\n0011000B916407281553F80000AA0AE8329BFD4697D9EC37\r\n\r\nOK\r\n";
    assert_eq!(
        run(Some("AT+CMGL=4"), listing),
        [
            intermediate("+CMGL: 1,0,,23"),
            intermediate("0791447758100650040DD0F334FC1CA6970100008080312170224008D4F29CDE0EA7D9"),
            intermediate("+CMGL: 2,1,,24"),
            intermediate("0011000B916407281553F80000AA0AE8329BFD4697D9EC37"),
            Event::Final(Final::Ok),
        ]
    );
}

#[test]
fn cmgs_prompt_body_echo_and_reference() {
    let pdu = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37";
    let mut reader = AtReader::new();
    reader.command("AT+CMGS=23");
    assert_eq!(
        reader.feed(b"AT+CMGS=23\r\r\n> "),
        [Event::Echo("AT+CMGS=23".into()), Event::Prompt]
    );
    reader.body(pdu);
    let mut answer = pdu.as_bytes().to_vec();
    answer.extend(b"\x1A\r\n+CMGS: 12\r\n\r\nOK\r\n");
    assert_eq!(
        reader.feed(&answer),
        [
            Event::Echo(pdu.into()),
            intermediate("+CMGS: 12"),
            Event::Final(Final::Ok)
        ]
    );
    assert_eq!(reader.in_flight(), None);
}

#[test]
fn prompt_only_while_a_submit_waits_for_it() {
    // No AT+CMGS in flight: "> " is just the start of a line.
    let mut reader = AtReader::new();
    reader.command("AT+CSQ");
    assert_eq!(reader.feed(b"\r\n> "), []);
    assert_eq!(reader.feed(b"x\r\n"), [intermediate("> x")]);
    // A second prompt in the same command is not a prompt either.
    let mut reader = AtReader::new();
    reader.command("AT+CMGW=23");
    assert_eq!(reader.feed(b"\r\n> "), [Event::Prompt]);
    assert_eq!(reader.feed(b"\r\n> "), []);
}

#[test]
fn unsolicited_lines_with_no_command() {
    let bytes = b"\r\n+CMTI: \"SM\",3\r\n\r\nRING\r\n\r\n+CDSI: \"SR\",7\r\n\r\n^RSSI:17\r\n\r\n+CREG: 5,\"00C3\",\"0010A5F1\",2\r\n\r\n+CREG: 1\r\n\r\nRDY\r\n\r\nsomething else\r\n";
    assert_eq!(
        run(None, bytes),
        [
            urc(Unsolicited::Cmti {
                storage: "SM".into(),
                index: 3
            }),
            urc(Unsolicited::Ring),
            urc(Unsolicited::Cdsi {
                storage: "SR".into(),
                index: 7
            }),
            urc(Unsolicited::Vendor("^RSSI:17".into())),
            urc(Unsolicited::Creg(Registration {
                stat: RegistrationStatus::Roaming,
                lac: Some("00C3".into()),
                ci: Some("0010A5F1".into()),
                act: Some(2),
            })),
            urc(Unsolicited::Creg(Registration {
                stat: RegistrationStatus::Home,
                lac: None,
                ci: None,
                act: None,
            })),
            urc(Unsolicited::Other("RDY".into())),
            urc(Unsolicited::Other("something else".into())),
        ]
    );
    assert!(RegistrationStatus::Roaming.is_registered());
    assert!(!RegistrationStatus::Denied.is_registered());
}

#[test]
fn two_line_cmt_and_cds() {
    let bytes = b"\r\n+CMT: ,36\r\n0791447758100650040DD0F334FC1CA6970100008080312170224008D4F29CDE0EA7D9\r\n\r\n+CMT: \"Shop, Ltd\",36\r\n07914477\r\n\r\n+CDS: 25\r\n06000B910221815716F2709021510121807090215101718000\r\n";
    assert_eq!(
        run(None, bytes),
        [
            urc(Unsolicited::Cmt {
                alpha: None,
                length: 36,
                pdu: "0791447758100650040DD0F334FC1CA6970100008080312170224008D4F29CDE0EA7D9"
                    .into()
            }),
            urc(Unsolicited::Cmt {
                alpha: Some("Shop, Ltd".into()),
                length: 36,
                pdu: "07914477".into()
            }),
            urc(Unsolicited::Cds {
                length: 25,
                pdu: "06000B910221815716F2709021510121807090215101718000".into()
            }),
        ]
    );
}

#[test]
fn unsolicited_in_the_middle_of_a_command() {
    // A message, a status report and a ring arrive while AT+CSQ is
    // answered; the +CMT and +CDS PDU lines are not taken for the answer.
    let bytes = b"\r\n+CMTI: \"SM\",4\r\n\r\n+CMT: ,24\r\n0011000B916407281553F80000AA0AE8329BFD4697D9EC37\r\n\r\n+CSQ: 17,99\r\n\r\nRING\r\n\r\n+CDS: 25\r\n06000B910221815716F2709021510121807090215101718000\r\n\r\nOK\r\n";
    let events = run(Some("AT+CSQ"), bytes);
    assert_eq!(
        events,
        [
            urc(Unsolicited::Cmti {
                storage: "SM".into(),
                index: 4
            }),
            urc(Unsolicited::Cmt {
                alpha: None,
                length: 24,
                pdu: "0011000B916407281553F80000AA0AE8329BFD4697D9EC37".into()
            }),
            intermediate("+CSQ: 17,99"),
            urc(Unsolicited::Ring),
            urc(Unsolicited::Cds {
                length: 25,
                pdu: "06000B910221815716F2709021510121807090215101718000".into()
            }),
            Event::Final(Final::Ok),
        ]
    );
    // During AT+CMGS, between the prompt and the answer.
    let mut reader = AtReader::new();
    reader.command("AT+CMGS=23");
    assert_eq!(reader.feed(b"\r\n> "), [Event::Prompt]);
    assert_eq!(
        reader.feed(b"\r\n+CMTI: \"ME\",1\r\n\r\n+CMGS: 7\r\n\r\nOK\r\n"),
        [
            urc(Unsolicited::Cmti {
                storage: "ME".into(),
                index: 1
            }),
            intermediate("+CMGS: 7"),
            Event::Final(Final::Ok),
        ]
    );
}

#[test]
fn the_command_decides_whose_a_prefix_is() {
    // +CREG is the answer to AT+CREG? ...
    assert_eq!(
        run(Some("AT+CREG?"), b"\r\n+CREG: 0,1\r\n\r\nOK\r\n"),
        [intermediate("+CREG: 0,1"), Event::Final(Final::Ok)]
    );
    // ... and unsolicited during anything else.
    assert_eq!(
        run(
            Some("AT+CSQ"),
            b"\r\n+CREG: 2\r\n\r\n+CSQ: 5,99\r\n\r\nOK\r\n"
        ),
        [
            urc(Unsolicited::Creg(Registration {
                stat: RegistrationStatus::Searching,
                lac: None,
                ci: None,
                act: None
            })),
            intermediate("+CSQ: 5,99"),
            Event::Final(Final::Ok)
        ]
    );
    // A vendor command's own ^ lines are its answer.
    assert_eq!(
        run(
            Some("AT^SYSINFO"),
            b"\r\n^SYSINFO:2,3,0,5,1\r\n\r\n^RSSI:9\r\n\r\nOK\r\n"
        ),
        [
            intermediate("^SYSINFO:2,3,0,5,1"),
            urc(Unsolicited::Vendor("^RSSI:9".into())),
            Event::Final(Final::Ok)
        ]
    );
}

#[test]
fn a_cmt_header_without_its_pdu_is_kept_not_swallowed() {
    // A broken modem: +CMT with no PDU line, then OK. The OK must not be
    // taken for the PDU.
    assert_eq!(
        run(Some("AT"), b"\r\n+CMT: ,24\r\n\r\nOK\r\n"),
        [
            urc(Unsolicited::Other("+CMT: ,24".into())),
            Event::Final(Final::Ok)
        ]
    );
    // Text-mode +CMT (many fields) is not read as two lines.
    assert_eq!(
        run(None, b"+CMT: \"+4670\",\"\",\"16/04/08,17:34:17+08\"\r\n"),
        [urc(Unsolicited::Other(
            "+CMT: \"+4670\",\"\",\"16/04/08,17:34:17+08\"".into()
        ))]
    );
    // Malformed +CMTI is kept as text.
    assert_eq!(
        run(None, b"+CMTI: \"SM\",x\r\n"),
        [urc(Unsolicited::Other("+CMTI: \"SM\",x".into()))]
    );
}

#[test]
fn numeric_result_codes() {
    let mut reader = AtReader::new();
    reader.set_numeric(true);
    reader.command("AT+CSQ");
    // ATV0: information text still ends in CR LF, result codes in CR only.
    assert_eq!(
        reader.feed(b"+CSQ: 20,99\r\n0\r"),
        [intermediate("+CSQ: 20,99"), Event::Final(Final::Ok)]
    );
    reader.command("ATD123;");
    assert_eq!(reader.feed(b"7\r"), [Event::Final(Final::Busy)]);
    reader.command("AT+CMGS=5");
    assert_eq!(reader.feed(b"4\r"), [Event::Final(Final::Error)]);
    // Verbose mode leaves a lone digit alone.
    let mut verbose = AtReader::new();
    verbose.command("AT+CSQ");
    assert_eq!(verbose.feed(b"0\r\n"), [intermediate("0")]);
}

#[test]
fn overlong_lines_are_dropped_and_reported() {
    let mut bytes = vec![b'A'; MAX_LINE + 10];
    bytes.extend(b"\r\nOK\r\n");
    assert_eq!(
        run(Some("AT"), &bytes),
        [
            Event::Overflow {
                length: MAX_LINE + 10
            },
            Event::Final(Final::Ok)
        ]
    );
}

#[test]
fn noise_and_invalid_utf8() {
    // NULs at boot, a lone CR, invalid UTF-8 in a vendor line.
    assert_eq!(
        run(None, b"\0\0\r\r\n^BOOT:\xFF\xFE\r\n"),
        [urc(Unsolicited::Vendor("^BOOT:\u{FFFD}\u{FFFD}".into()))]
    );
}

proptest! {
    #[test]
    fn never_panics_and_chunking_does_not_matter(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        command in proptest::option::of("AT[+^]?[A-Z]{0,6}[=?]?[0-9]{0,3}"),
        cuts in proptest::collection::vec(0usize..600, 0..8),
        numeric: bool,
    ) {
        // If we panic, we lose.
        let mut whole = AtReader::new();
        let mut pieces = AtReader::new();
        for reader in [&mut whole, &mut pieces] {
            reader.set_numeric(numeric);
            if let Some(command) = &command {
                reader.command(command);
            }
        }
        let expected = whole.feed(&bytes);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
        cuts.sort_unstable();
        let mut got = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain([bytes.len()]) {
            got.extend(pieces.feed(&bytes[start..cut]));
            start = cut;
        }
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn interleaved_lines_keep_their_kind(
        urcs in proptest::collection::vec(0usize..4, 0..6),
        position in 0usize..8,
    ) {
        // Unsolicited lines anywhere in an AT+CSQ answer never change what
        // the answer is.
        let samples: [(&[u8], Unsolicited); 4] = [
            (b"\r\n+CMTI: \"SM\",1\r\n", Unsolicited::Cmti { storage: "SM".into(), index: 1 }),
            (b"\r\nRING\r\n", Unsolicited::Ring),
            (b"\r\n^RSSI:3\r\n", Unsolicited::Vendor("^RSSI:3".into())),
            (b"\r\n+CDS: 2\r\n0600\r\n", Unsolicited::Cds { length: 2, pdu: "0600".into() }),
        ];
        let answer: [&[u8]; 2] = [b"\r\n+CSQ: 9,99\r\n", b"\r\nOK\r\n"];
        let split = position.min(urcs.len());
        let mut bytes = Vec::new();
        let mut expected = Vec::new();
        for &i in &urcs[..split] {
            bytes.extend(samples[i].0);
            expected.push(urc(samples[i].1.clone()));
        }
        bytes.extend(answer[0]);
        expected.push(intermediate("+CSQ: 9,99"));
        for &i in &urcs[split..] {
            bytes.extend(samples[i].0);
            expected.push(urc(samples[i].1.clone()));
        }
        bytes.extend(answer[1]);
        expected.push(Event::Final(Final::Ok));
        prop_assert_eq!(run(Some("AT+CSQ"), &bytes), expected);
    }
}
