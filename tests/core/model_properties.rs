//! Properties of the model that table tests cannot cover: every way of
//! writing a number normalises to the same digits, ids survive their text
//! form, and no sequence of transitions escapes the state machine.

use chrono::{DateTime, Duration, TimeZone, Utc};
use pasarela::model::{
    AccountId, Address, IllegalTransition, Message, MessageId, MessageState, Money, Msisdn, Npi,
    Part, Ton,
};
use proptest::prelude::*;

/// Digits of a plausible international number: no leading zero, 7 to 15.
fn e164_digits() -> impl Strategy<Value = String> {
    ("[1-9]", "[0-9]{6,14}").prop_map(|(first, rest)| format!("{first}{rest}"))
}

/// The same digits as a person might type them.
fn written(digits: String) -> impl Strategy<Value = (String, String)> {
    let len = digits.len();
    (
        prop_oneof![Just(""), Just("+"), Just("00")],
        proptest::collection::vec(
            prop_oneof![
                Just(""),
                Just(" "),
                Just("-"),
                Just("."),
                Just("("),
                Just(")")
            ],
            len,
        ),
    )
        .prop_map(move |(prefix, separators)| {
            let mut text = prefix.to_string();
            for (digit, separator) in digits.chars().zip(separators) {
                text.push_str(separator);
                text.push(digit);
            }
            (digits.clone(), text)
        })
}

fn any_state() -> impl Strategy<Value = MessageState> {
    proptest::sample::select(MessageState::ALL.to_vec())
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn message() -> Message {
    Message::new(
        MessageId::new(1),
        AccountId::new("demo").unwrap(),
        Address::alphanumeric("Info").unwrap(),
        Address::new(Ton::International, Npi::Isdn, "447700900123").unwrap(),
        b"hi".to_vec(),
        start(),
    )
}

proptest! {
    #[test]
    fn any_writing_of_a_number_normalises_to_its_digits((digits, text) in e164_digits().prop_flat_map(written)) {
        let number = Msisdn::parse(&text).unwrap();
        prop_assert_eq!(number.digits(), digits.as_str());
        prop_assert_eq!(Msisdn::parse(number.digits()).unwrap(), number);
    }

    #[test]
    fn msisdn_parse_never_panics_and_only_yields_digits(text in "\\PC{0,30}") {
        if let Ok(number) = Msisdn::parse(&text) {
            prop_assert!(number.digits().bytes().all(|b| b.is_ascii_digit()));
            prop_assert!((Msisdn::MIN_DIGITS..=Msisdn::MAX_DIGITS).contains(&number.digits().len()));
        }
    }

    #[test]
    fn message_ids_survive_their_text(value in any::<u64>()) {
        let id = MessageId::new(value);
        let text = id.to_string();
        prop_assert!(text.len() <= MessageId::MAX_LEN && text.is_ascii());
        prop_assert_eq!(text.parse::<MessageId>(), Ok(id));
    }

    #[test]
    fn message_id_parse_never_panics(text in "\\PC{0,30}") {
        if let Ok(id) = text.parse::<MessageId>() {
            prop_assert_eq!(id.to_string(), text);
        }
    }

    /// Drive a message with arbitrary requests: the legal ones are applied
    /// and recorded, the others change nothing, and once final it stays so.
    #[test]
    fn random_walks_stay_inside_the_state_machine(steps in proptest::collection::vec(any_state(), 0..40)) {
        let mut message = message();
        let mut expected_history = 1;
        for (i, to) in steps.into_iter().enumerate() {
            let from = message.state();
            let at = start() + Duration::seconds(i as i64);
            match message.transition(to, at) {
                Ok(()) => {
                    prop_assert!(!from.is_final());
                    expected_history += 1;
                    prop_assert_eq!(message.state(), to);
                }
                Err(IllegalTransition { from: f, to: t }) => {
                    prop_assert_eq!((f, t), (from, to));
                    prop_assert_eq!(message.state(), from);
                }
            }
            prop_assert_eq!(message.history().len(), expected_history);
            prop_assert_eq!(message.history().last().map(|h| h.state), Some(message.state()));
        }
        prop_assert_eq!(message.history()[0].state, MessageState::Accepted);
        prop_assert_eq!(message.done_at().is_some(), message.state().is_final());
    }
}

/// Human-readable formats carry ids, money and times as strings, so the
/// HTTP API and the config see "42", "1.25" and RFC 3339, not raw integers.
#[test]
fn a_message_round_trips_through_toml_with_readable_values() {
    let mut message = message();
    message.price = "0.35".parse::<Money>().unwrap();
    message.part = Some(Part::new(0x1234, 2, 1).unwrap());
    message.validity = Some(start() + Duration::hours(24));
    message
        .transition(MessageState::Routed, start() + Duration::milliseconds(1500))
        .unwrap();
    let text = toml::to_string(&message).unwrap();
    assert!(text.contains("id = \"1\""), "{text}");
    assert!(text.contains("price = \"0.35\""), "{text}");
    assert!(text.contains("2026-01-01T00:00:01.500Z"), "{text}");
    assert!(text.contains("state = \"ROUTED\""), "{text}");
    let back: Message = toml::from_str(&text).unwrap();
    assert_eq!(back, message);
}
