use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rusmpp::decode::DecodeWithLength;
use rusmpp::encode::{Length, owned::Encode};
use rusmpp::pdus::SubmitSm;
use rusmpp::tlvs::MessageSubmissionRequestTlvValue;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::*;
use rusmpp::{Command, CommandStatus};
use rusmpp_core::decode::borrowed::DecodeWithLength as _;
use std::hint::black_box;

fn submit() -> Vec<u8> {
    let text = vec![b'a'; 160];
    let sm = SubmitSm::builder()
        .source_addr(COctetString::from_static_slice(b"Pasarela\0").unwrap())
        .destination_addr(COctetString::from_static_slice(b"34600123456\0").unwrap())
        .esm_class(EsmClass::from(0u8))
        .registered_delivery(RegisteredDelivery::from(1u8))
        .short_message(OctetString::from_vec(text).unwrap())
        .tlvs(vec![
            MessageSubmissionRequestTlvValue::SarMsgRefNum(7),
            MessageSubmissionRequestTlvValue::UserMessageReference(UserMessageReference::new(42)),
        ])
        .build();
    let cmd = Command::new(CommandStatus::EsmeRok, 1, sm);
    let mut b = BytesMut::new();
    b.extend_from_slice(&((cmd.length() + 4) as u32).to_be_bytes());
    cmd.encode(&mut b);
    b.to_vec()
}

fn bench(c: &mut Criterion) {
    let bytes = submit();
    let mut g = c.benchmark_group("raw");
    g.throughput(Throughput::Elements(1));
    g.bench_function("decode_submit_sm_copy", |b| {
        b.iter(|| {
            let src = black_box(&bytes[..]);
            let mut buf = BytesMut::from(&src[4..]);
            let r = Command::decode(&mut buf, src.len() - 4).unwrap();
            black_box(r)
        })
    });
    g.bench_function("decode_submit_sm_borrowed", |b| {
        b.iter(|| {
            let src = black_box(&bytes[..]);
            let r =
                rusmpp_core::command::borrowed::Command::<'_, 8>::decode(&src[4..], src.len() - 4)
                    .unwrap();
            black_box(r)
        })
    });
    g.bench_function("alloc_only", |b| {
        b.iter(|| {
            let src = black_box(&bytes[..]);
            let buf = BytesMut::from(&src[4..]);
            black_box(buf)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
