//! Codec throughput: decode and encode of a realistic submit_sm and
//! deliver_sm (160-octet text, a couple of TLVs), one PDU per iteration.
//!
//! cargo bench --no-default-features --bench codec

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pasarela::smpp::pdu::{
    COctetString, Command, CommandStatus, DeliverSm, EsmClass, MessageDeliveryRequestTlvValue,
    MessageState, MessageSubmissionRequestTlvValue, Npi, OctetString, RegisteredDelivery, SubmitSm,
    Ton, UserMessageReference,
};
use pasarela::smpp::{Codec, Receipt, Stat};

const TEXT: &[u8; 160] = b"Your verification code is 482913. It expires in 10 minutes. \
Do not share it with anyone; our staff will never ask for it. Reply STOP to opt out now, thank you!!";

fn addr(s: &str) -> COctetString<1, 21> {
    COctetString::from_string(s.to_owned()).expect("bench address fits")
}

fn submit_sm() -> Command {
    let body = SubmitSm::builder()
        .source_addr_ton(Ton::Alphanumeric)
        .source_addr(addr("Pasarela"))
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(addr("34600123456"))
        .esm_class(EsmClass::from(0))
        .registered_delivery(RegisteredDelivery::from(1))
        .short_message(OctetString::from_static_slice(TEXT).expect("160 octets fit"))
        .tlvs(vec![
            MessageSubmissionRequestTlvValue::UserMessageReference(UserMessageReference::new(42)),
            MessageSubmissionRequestTlvValue::SarMsgRefNum(0x1234),
        ])
        .build();
    Command::new(CommandStatus::EsmeRok, 1, body)
}

fn deliver_sm() -> Command {
    let receipt = Receipt {
        id: "0A1B2C3D4E5F".into(),
        stat: Some(Stat::Delivered),
        err: Some("000".into()),
        text: Some("Your verification co".into()),
        ..Receipt::default()
    };
    // A receipt text padded with an MO-sized tail to 160 octets.
    let mut text = receipt.format().into_bytes();
    text.resize(160, b' ');
    let body = DeliverSm::builder()
        .source_addr_ton(Ton::International)
        .source_addr_npi(Npi::Isdn)
        .source_addr(addr("34600123456"))
        .dest_addr_ton(Ton::Alphanumeric)
        .destination_addr(addr("Pasarela"))
        .esm_class(EsmClass::from(0x04))
        .short_message(OctetString::from_vec(text).expect("160 octets fit"))
        .tlvs(vec![
            MessageDeliveryRequestTlvValue::ReceiptedMessageId(
                COctetString::from_string("0A1B2C3D4E5F".into()).expect("fits"),
            ),
            MessageDeliveryRequestTlvValue::MessageState(MessageState::Delivered),
        ])
        .build();
    Command::new(CommandStatus::EsmeRok, 2, body)
}

fn bench(c: &mut Criterion) {
    let codec = Codec::new();
    for (name, command) in [("submit_sm", submit_sm()), ("deliver_sm", deliver_sm())] {
        let mut wire = BytesMut::new();
        codec.encode(&command, &mut wire).expect("encodes");
        let wire = wire.to_vec();

        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(1));
        group.bench_function("decode", |b| {
            b.iter(|| {
                let decoded = codec.decode(black_box(&wire));
                black_box(decoded)
            })
        });
        let mut out = BytesMut::with_capacity(1024);
        group.bench_function("encode", |b| {
            b.iter(|| {
                out.clear();
                let written = codec.encode(black_box(&command), &mut out);
                black_box(written)
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
