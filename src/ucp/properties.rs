//! Properties over generated input: every message this codec can write
//! decodes back to itself; no octets, arbitrary or shaped like a frame and
//! then damaged, make it panic; and whatever decodes re-encodes into a
//! frame that decodes to the same message. "If we panic, we lose."

use bytes::BytesMut;
use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;

use super::*;

/// Text a field can carry: ASCII and some ISO-8859-1, no `/`.
fn text() -> impl Strategy<Value = String> {
    "[0-9A-Za-z +:.ñé]{0,12}"
}

fn digits(max: u16) -> impl Strategy<Value = Option<u16>> {
    prop::option::of(0..=max)
}

fn digit(max: u8) -> impl Strategy<Value = Option<u8>> {
    prop::option::of(0..=max)
}

fn flag() -> impl Strategy<Value = Option<bool>> {
    prop::option::of(any::<bool>())
}

/// A time two-digit years can write, to the minute or the second.
fn time(seconds: bool) -> impl Strategy<Value = Option<NaiveDateTime>> {
    let second = if seconds { 0u32..60 } else { 0u32..1 };
    prop::option::of(
        (
            1990i32..2090,
            1u32..13,
            1u32..29,
            0u32..24,
            0u32..60,
            second,
        )
            .prop_map(|(year, month, day, hour, minute, second)| {
                NaiveDate::from_ymd_opt(year, month, day)
                    .and_then(|date| date.and_hms_opt(hour, minute, second))
                    .expect("a real time")
            }),
    )
}

fn octets(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

fn content(transparent: bool) -> impl Strategy<Value = Option<Content>> {
    let numeric = "[0-9]{0,20}".prop_map(Content::Numeric).boxed();
    let alphanumeric = octets(40).prop_map(Content::Alphanumeric).boxed();
    let data = octets(40)
        .prop_flat_map(|data| {
            let bits = (data.len() * 8) as u16;
            (0..=bits, Just(data))
        })
        .prop_map(|(bits, data)| Content::Transparent { bits, data })
        .boxed();
    let kinds = if transparent {
        prop_oneof![numeric, alphanumeric, data].boxed()
    } else {
        prop_oneof![numeric, alphanumeric].boxed()
    };
    prop::option::of(kinds)
}

fn extra_services() -> impl Strategy<Value = ExtraServices> {
    proptest::collection::vec((any::<u8>(), octets(12)), 0..4).prop_map(|services| {
        let mut extra = ExtraServices::default();
        for (kind, data) in services {
            extra.push(kind, data);
        }
        extra
    })
}

/// OTOA and an OAdC that fits it.
fn originator() -> impl Strategy<Value = (Option<Otoa>, String)> {
    prop_oneof![
        (Just(None), text()),
        (Just(Some(Otoa::International)), "[0-9]{1,15}"),
        (Just(Some(Otoa::Alphanumeric)), "[A-Za-z0-9 @]{0,11}"),
    ]
}

prop_compose! {
    fn short_message()(
        addresses in (text(), originator(), text(), text(), text(), text()),
        notification in (flag(), prop::option::of(0u8..8), digits(9999), flag(), digits(9999)),
        times in (flag(), time(false), time(false), time(true), time(true)),
        status in (digits(9999), prop::option::of(prop::sample::select(vec![
            DeliveryStatus::Delivered, DeliveryStatus::Buffered, DeliveryStatus::NotDelivered,
        ])), digits(999)),
        message in (content(true), digit(9), text(), digit(9), digit(3), digit(9)),
        rest in (text(), text(), extra_services(), text(), text()),
    ) -> ShortMessageFields {
        let (adc, (otoa, oadc), ac, nadc, lrad, hplmn) = addresses;
        let (nrq, nt, npid, lrq, lpid) = notification;
        let (dd, ddt, vp, scts, dscts) = times;
        let (rpid, dst, rsn) = status;
        let (content, mms, pr, dcs, mcls, rpi) = message;
        let (cpg, rply, xser, res4, res5) = rest;
        ShortMessageFields {
            adc, oadc, ac, nrq, nadc, nt: nt.map(Notifications::from_value), npid, lrq, lrad,
            lpid, dd, ddt, vp, rpid, scts, dst, rsn, dscts, content, mms, pr, dcs, mcls, rpi,
            cpg, rply, otoa, hplmn, xser, res4, res5,
        }
    }
}

fn session() -> impl Strategy<Value = SessionManagement> {
    (
        (text(), digit(9), digit(9), digit(9), octets(16), octets(16)),
        (text(), text(), digit(9), digit(9), digits(99), text()),
    )
        .prop_map(
            |((oadc, oton, onpi, styp, pwd, npwd), (vers, ladc, lton, lnpi, opid, res1))| {
                SessionManagement {
                    oadc,
                    oton,
                    onpi,
                    styp,
                    pwd,
                    npwd,
                    vers,
                    ladc,
                    lton,
                    lnpi,
                    opid,
                    res1,
                }
            },
        )
}

fn operation() -> BoxedStrategy<Operation> {
    prop_oneof![
        (text(), text(), text(), content(false)).prop_map(|(adc, oadc, ac, content)| {
            Operation::CallInput(CallInput {
                adc,
                oadc,
                ac,
                content,
            })
        }),
        (text(), digits(9999)).prop_map(|(adc, pid)| Operation::Alert(Alert { adc, pid })),
        short_message()
            .prop_map(|fields| Operation::Submit(Box::new(fields)))
            .boxed(),
        short_message()
            .prop_map(|fields| Operation::Delivery(Box::new(fields)))
            .boxed(),
        short_message()
            .prop_map(|fields| Operation::Notification(Box::new(fields)))
            .boxed(),
        session().prop_map(Operation::Session),
    ]
    .boxed()
}

fn message() -> BoxedStrategy<Message> {
    let trn = (0u8..100).prop_map(|value| Trn::new(value).expect("00-99"));
    let ot = (0u8..100).prop_map(|value| Ot::new(value).expect("00-99"));
    let response =
        (any::<bool>(), "[0-9]{10}", text(), 0u8..100).prop_map(|(positive, mvp, sm, code)| {
            if positive {
                Response::Ack(Ack { mvp, sm })
            } else {
                Response::Nack(Nack {
                    error: ErrorCode::new(code).expect("00-99"),
                    sm,
                })
            }
        });
    prop_oneof![
        (trn.clone(), operation())
            .prop_map(|(trn, operation)| Message::Operation { trn, operation }),
        (trn, ot, response).prop_map(|(trn, ot, mut response)| {
            if let Response::Ack(ack) = &mut response
                && !ot.is_5x()
            {
                ack.mvp.clear();
            }
            Message::Result { trn, ot, response }
        }),
    ]
    .boxed()
}

/// Walks `input` as a link would: every step makes progress, and every
/// message re-encodes into a frame that decodes to it again.
fn walk(codec: Codec, input: &[u8]) {
    let mut rest = input;
    loop {
        match codec.decode(rest) {
            Ok(None) => break,
            Ok(Some(decoded)) => {
                assert!(decoded.len >= 18 && decoded.len <= rest.len());
                let mut out = BytesMut::new();
                if codec.encode(&decoded.message, &mut out).is_ok() {
                    let again = codec.decode(&out).expect("a re-encoded frame decodes");
                    assert_eq!(again.expect("whole").message, decoded.message);
                }
                rest = &rest[decoded.len..];
            }
            Err(error) => {
                let _ = error.reply();
                let skip = error.skip_len();
                assert!(skip >= 1 && skip <= rest.len(), "{error:?}");
                rest = &rest[skip..];
            }
        }
    }
}

proptest! {
    #[test]
    fn every_message_round_trips(message in message()) {
        let frame = message.encode().expect("generated values fit");
        let decoded = Codec::new().decode(&frame).expect("decodes").expect("whole");
        prop_assert_eq!(decoded.len, frame.len());
        prop_assert_eq!(decoded.message, message);
    }

    #[test]
    fn any_octets_never_panic(input in octets(600)) {
        walk(Codec::new(), &input);
        walk(Codec::new().with_max_frame_len(40), &input);
        let _ = Message::decode(&input);
    }

    #[test]
    fn damaged_frames_never_panic(
        messages in proptest::collection::vec(message(), 1..4),
        damage in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let mut input: Vec<u8> = messages
            .iter()
            .flat_map(|message| message.encode().expect("generated values fit"))
            .collect();
        for (at, octet) in damage {
            let at = at.index(input.len());
            input[at] = octet;
        }
        walk(Codec::new(), &input);
    }
}
