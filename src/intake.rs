//! What an ESME asked for, read out of its submit_sm, data_sm or
//! submit_multi into model types: addresses checked, times resolved, the
//! user data cut into the parts that will each be a [`Message`](crate::model::Message).
//!
//! Protocol-level checks ([`crate::smpp::validate`]) run before this; this
//! layer refuses what the model cannot hold (an address it cannot parse, a
//! time that does not resolve) with the status SMPP names for it. Business
//! rules (route, credit, TPS) come after, in the account actor. No I/O here.

use chrono::{DateTime, Utc};

use crate::model::{Address, AddressError, Callback, Npi, Part, Ton};
use crate::smpp::pdu::{
    self, COctetString, DataSm, DestAddress, EmptyOrFullCOctetString, Pdu, SubmitMulti, SubmitSm,
    TlvTag, TlvValue,
};
use crate::smpp::{CommandStatus, time};
use crate::sms::coding::Coding;
use crate::sms::concat::{Concat, Reference, Sar};
use crate::sms::data_coding::Alphabet;
use crate::sms::split::{Split, SplitError, split_payload, split_text};
use crate::sms::udh::{ESM_CLASS_UDHI, Udh};

/// One message an ESME submitted, to one or more destinations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    /// SMPP `service_type`; empty when not given.
    pub service_type: String,
    /// `source_addr` with its TON and NPI, checked (ESME_RINVSRCADR otherwise).
    pub source: Address,
    /// One for submit_sm and data_sm; one per SME address of a submit_multi.
    pub destinations: Vec<Address>,
    /// SMPP `data_coding` as given; forwarded unchanged, and it picks the
    /// alphabet a long text is split in.
    pub data_coding: u8,
    /// SMPP `esm_class` as given; each part's own (with UDHI when it carries a
    /// UDH) is in [`PartData::esm_class`].
    pub esm_class: u8,
    /// SMPP `registered_delivery` as given: bits 1–0 ask for a receipt.
    pub registered_delivery: u8,
    /// SMPP `priority_flag`, 0 to 3; 0 for data_sm, which has none.
    pub priority: u8,
    /// `validity_period` resolved against the time of the submit; `None` when
    /// empty (and always for data_sm).
    pub validity: Option<DateTime<Utc>>,
    /// `schedule_delivery_time` resolved against the time of the submit; `None`
    /// when empty (and always for data_sm).
    pub scheduled: Option<DateTime<Utc>>,
    /// `user_message_reference`, as decimal text.
    pub client_reference: Option<String>,
    /// The parts to send to each destination, in order.
    pub parts: Vec<PartData>,
    /// Where to report the message's fate over HTTP, besides SMPP.
    pub callback: Option<Callback>,
}

impl Submission {
    /// The message parts it would create: its parts times its destinations.
    pub fn total_parts(&self) -> u64 {
        (self.parts.len() as u64).saturating_mul(self.destinations.len() as u64)
    }

    /// Refuses a submission that would create more than `max` message
    /// parts (`limits.max_parts_per_request`): one request must not fill
    /// the store or one group commit on its own.
    pub fn check_parts(&self, max: u32) -> Result<(), TooManyParts> {
        let parts = self.total_parts();
        if parts <= u64::from(max) {
            return Ok(());
        }
        Err(TooManyParts {
            parts,
            destinations: self.destinations.len(),
            max,
        })
    }
}

/// A request that would create more message parts than one request may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{parts} message parts ({destinations} destinations), more than the {max} one request may create"
)]
pub struct TooManyParts {
    /// The parts it would create, over all its destinations.
    pub parts: u64,
    /// How many destinations it names.
    pub destinations: usize,
    /// `limits.max_parts_per_request`.
    pub max: u32,
}

impl TooManyParts {
    /// The SMPP answer: ESME_RINVNUMDESTS when the destinations make it
    /// too many (a submit_multi, a list of numbers), ESME_RINVMSGLEN when
    /// one destination's text alone is too long.
    pub fn status(&self) -> CommandStatus {
        if self.destinations > 1 {
            CommandStatus::EsmeRinvnumdests
        } else {
            CommandStatus::EsmeRinvmsglen
        }
    }
}

/// The user data of one part and its place in a concatenated message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartData {
    /// short_message as it goes upstream, UDH included when `esm_class`
    /// has UDHI.
    pub payload: Vec<u8>,
    /// This part's `esm_class`: the submission's, with UDHI (0x40) set when
    /// the payload starts with a UDH.
    pub esm_class: u8,
    /// Its place in a concatenated message, from its UDH or the SAR TLVs;
    /// `None` for a message on its own.
    pub part: Option<Part>,
}

/// The fields submit_sm, data_sm and submit_multi share, borrowed.
struct Fields<'a> {
    service_type: &'a str,
    source: (u8, u8, &'a str),
    esm_class: u8,
    data_coding: u8,
    registered_delivery: u8,
    priority: u8,
    schedule: Option<&'a EmptyOrFullCOctetString<17>>,
    validity: Option<&'a EmptyOrFullCOctetString<17>>,
}

/// Reads a submit_sm, data_sm or submit_multi; any other PDU is
/// ESME_RINVCMDID (the session only calls this for those three).
pub fn read(pdu: &Pdu, now: DateTime<Utc>) -> Result<Submission, CommandStatus> {
    let (fields, destinations) = match pdu {
        Pdu::SubmitSm(body) => (submit_sm_fields(body), vec![destination_of_submit(body)?]),
        Pdu::DataSm(body) => (data_sm_fields(body), vec![destination_of_data(body)?]),
        Pdu::SubmitMulti(body) => (submit_multi_fields(body), destinations_of_multi(body)?),
        _ => return Err(CommandStatus::EsmeRinvcmdid),
    };
    let source = address(fields.source, CommandStatus::EsmeRinvsrcadr)?;
    let scheduled = resolve(fields.schedule, now, CommandStatus::EsmeRinvsched)?;
    let validity = resolve(fields.validity, now, CommandStatus::EsmeRinvexpiry)?;
    let content = pdu::message_content(pdu).unwrap_or_default();
    let parts = cut(content, fields.esm_class, fields.data_coding, sar(pdu))?;
    let client_reference = match pdu::find_tlv(pdu, TlvTag::UserMessageReference) {
        Some(TlvValue::UserMessageReference(reference)) => Some(reference.value.to_string()),
        _ => None,
    };
    Ok(Submission {
        service_type: fields.service_type.to_owned(),
        source,
        destinations,
        data_coding: fields.data_coding,
        esm_class: fields.esm_class,
        registered_delivery: fields.registered_delivery,
        priority: fields.priority,
        validity,
        scheduled,
        client_reference,
        parts,
        callback: None,
    })
}

/// submit_sm, data_sm and submit_multi name these fields alike but are
/// distinct types.
macro_rules! fields {
    ($body:expr, priority: $priority:expr, schedule: $schedule:expr, validity: $validity:expr) => {
        Fields {
            service_type: $body.service_type.value().as_str(),
            source: (
                $body.source_addr_ton.into(),
                $body.source_addr_npi.into(),
                $body.source_addr.as_str(),
            ),
            esm_class: $body.esm_class.into(),
            data_coding: $body.data_coding.into(),
            registered_delivery: $body.registered_delivery.into(),
            priority: $priority,
            schedule: $schedule,
            validity: $validity,
        }
    };
}

fn submit_sm_fields(body: &SubmitSm) -> Fields<'_> {
    fields!(body, priority: body.priority_flag.into(),
        schedule: Some(&body.schedule_delivery_time), validity: Some(&body.validity_period))
}

/// data_sm has no priority, schedule or validity fields.
fn data_sm_fields(body: &DataSm) -> Fields<'_> {
    fields!(body, priority: 0, schedule: None, validity: None)
}

fn submit_multi_fields(body: &SubmitMulti) -> Fields<'_> {
    fields!(body, priority: body.priority_flag.into(),
        schedule: Some(&body.schedule_delivery_time), validity: Some(&body.validity_period))
}

fn destination_of_submit(body: &SubmitSm) -> Result<Address, CommandStatus> {
    destination(
        body.dest_addr_ton.into(),
        body.dest_addr_npi.into(),
        &body.destination_addr,
    )
}

fn destination_of_data(body: &DataSm) -> Result<Address, CommandStatus> {
    destination(
        body.dest_addr_ton.into(),
        body.dest_addr_npi.into(),
        &body.destination_addr,
    )
}

/// The SME addresses of a submit_multi. Distribution lists are not kept
/// by pasarela, so a list name is ESME_RINVDLNAME.
fn destinations_of_multi(body: &SubmitMulti) -> Result<Vec<Address>, CommandStatus> {
    body.dest_address()
        .iter()
        .map(|dest| match dest {
            DestAddress::SmeAddress(sme) => destination(
                sme.dest_addr_ton.into(),
                sme.dest_addr_npi.into(),
                &sme.destination_addr,
            ),
            DestAddress::DistributionListName(_) => Err(CommandStatus::EsmeRinvdlname),
        })
        .collect()
}

fn destination(ton: u8, npi: u8, text: &COctetString<1, 21>) -> Result<Address, CommandStatus> {
    address((ton, npi, text.as_str()), CommandStatus::EsmeRinvdstadr)
}

fn address(
    (ton, npi, text): (u8, u8, &str),
    status: CommandStatus,
) -> Result<Address, CommandStatus> {
    Address::new(Ton::from(ton), Npi::from(npi), text).map_err(|_: AddressError| status)
}

/// An SMPP time field resolved against `now`: `None` when empty, `status`
/// when it does not parse or resolve.
pub fn resolve(
    field: Option<&EmptyOrFullCOctetString<17>>,
    now: DateTime<Utc>,
    status: CommandStatus,
) -> Result<Option<DateTime<Utc>>, CommandStatus> {
    let Some(field) = field else { return Ok(None) };
    match time::from_field(field).map_err(|_| status)? {
        None => Ok(None),
        Some(time) => time.resolve(now).map(Some).map_err(|_| status),
    }
}

/// `content` as the one short message it must fit (a replace_sm's new
/// text): checked as a submit's would be, ESME_RINVMSGLEN when it would
/// need more than one part.
pub fn one_part(content: &[u8], esm_class: u8, data_coding: u8) -> Result<Vec<u8>, CommandStatus> {
    let mut parts = cut(content, esm_class, data_coding, None)?;
    match (parts.pop(), parts.is_empty()) {
        (Some(part), true) => Ok(part.payload),
        _ => Err(CommandStatus::EsmeRinvmsglen),
    }
}

/// `content` (its UDH first when `esm_class` has UDHI) cut into the parts
/// of a submission as a submit_sm's short_message is: what the message of
/// a UCP submit (51) becomes.
pub fn parts(
    content: &[u8],
    esm_class: u8,
    data_coding: u8,
) -> Result<Vec<PartData>, CommandStatus> {
    cut(content, esm_class, data_coding, None)
}

/// The SAR TLVs, when all three are present.
fn sar(pdu: &Pdu) -> Option<Sar> {
    let reference = match pdu::find_tlv(pdu, TlvTag::SarMsgRefNum)? {
        TlvValue::SarMsgRefNum(value) => *value,
        _ => return None,
    };
    let total = match pdu::find_tlv(pdu, TlvTag::SarTotalSegments)? {
        TlvValue::SarTotalSegments(value) => *value,
        _ => return None,
    };
    let seq = match pdu::find_tlv(pdu, TlvTag::SarSegmentSeqnum)? {
        TlvValue::SarSegmentSeqnum(value) => *value,
        _ => return None,
    };
    Some(Sar {
        msg_ref_num: reference,
        total_segments: total,
        segment_seqnum: seq,
    })
}

/// The user data as parts: as given when it carries its own UDH or fits
/// one short message (its concatenation place read from the UDH or the SAR
/// TLVs), else split with a concatenation UDH whose reference is derived
/// from the content.
fn cut(
    content: &[u8],
    esm_class: u8,
    data_coding: u8,
    sar: Option<Sar>,
) -> Result<Vec<PartData>, CommandStatus> {
    let as_given = |concat: Option<Concat>| {
        Ok(vec![PartData {
            payload: content.to_vec(),
            esm_class,
            part: concat.and_then(part_of),
        }])
    };
    if esm_class & ESM_CLASS_UDHI != 0 {
        let (udh, _) = Udh::split(content).map_err(|_| CommandStatus::EsmeRinvesmclass)?;
        return as_given(udh.concat());
    }
    let coding = match Alphabet::from_data_coding(data_coding) {
        Alphabet::Gsm7 => Coding::Gsm7,
        Alphabet::Ucs2 => Coding::Ucs2,
        _ => Coding::Binary,
    };
    let split = split_payload(coding, content, Reference::Bits8(reference_for(content)))
        .map_err(|_| CommandStatus::EsmeRinvmsglen)?;
    if split.parts.len() == 1 {
        return as_given(sar.and_then(Concat::from_sar));
    }
    Ok(parts_of(&split, esm_class))
}

/// A text as the parts that carry it, in GSM 03.38 when every character
/// has a septet and in UCS-2 otherwise, with the `data_coding` that says
/// which: what a send request's or a reply's text becomes.
pub fn text_parts(text: &str) -> Result<(u8, Vec<PartData>), SplitError> {
    let split = split_text(text, Reference::Bits8(reference_for(text.as_bytes())))?;
    let data_coding = match split.coding {
        Coding::Gsm7 => 0x00,
        Coding::Ucs2 => 0x08,
        Coding::Binary => 0x04,
    };
    Ok((data_coding, parts_of(&split, 0)))
}

/// The parts of `split` as a submission carries them, each with
/// `esm_class` and UDHI on those that start with a header.
pub fn parts_of(split: &Split, esm_class: u8) -> Vec<PartData> {
    split
        .parts
        .iter()
        .map(|part| PartData {
            esm_class: part.esm_class(esm_class),
            part: part.concat.and_then(part_of),
            payload: part.short_message(),
        })
        .collect()
}

fn part_of(concat: Concat) -> Option<Part> {
    Part::new(concat.reference().value(), concat.total(), concat.seq()).ok()
}

/// An 8-bit concatenation reference that differs between messages with
/// different content (a handset reassembles by sender and reference).
pub fn reference_for(content: &[u8]) -> u8 {
    content
        .iter()
        .fold(0x5Au8, |acc, octet| acc.rotate_left(3) ^ octet)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smpp::pdu::{
        AnyOctetString, MessagePayload, MessageSubmissionRequestTlvValue, OctetString,
        RegisteredDelivery,
    };

    fn submit(source: &str, dest: &str, short_message: &[u8]) -> SubmitSm {
        SubmitSm::builder()
            .source_addr_ton(pdu::Ton::Alphanumeric)
            .source_addr(COctetString::from_string(source.into()).unwrap())
            .dest_addr_ton(pdu::Ton::International)
            .dest_addr_npi(pdu::Npi::Isdn)
            .destination_addr(COctetString::from_string(dest.into()).unwrap())
            .registered_delivery(RegisteredDelivery::request_all())
            .short_message(OctetString::from_vec(short_message.to_vec()).unwrap())
            .build()
    }

    #[test]
    fn a_short_submit_is_one_part_with_its_fields() {
        let pdu = Pdu::SubmitSm(submit("Shop", "34600123456", b"hello"));
        let submission = read(&pdu, Utc::now()).unwrap();
        assert_eq!(submission.source.text(), "Shop");
        assert_eq!(submission.destinations[0].text(), "34600123456");
        assert_eq!(submission.parts.len(), 1);
        assert_eq!(submission.parts[0].payload, b"hello");
        assert_eq!(submission.parts[0].part, None);
        assert_eq!(submission.registered_delivery & 0x03, 1);
    }

    #[test]
    fn a_bad_destination_is_invalid_destination_address() {
        let pdu = Pdu::SubmitSm(submit("Shop", "34abc", b"hi"));
        assert_eq!(read(&pdu, Utc::now()), Err(CommandStatus::EsmeRinvdstadr));
    }

    #[test]
    fn a_udh_part_keeps_its_place() {
        // UDH: concat 8-bit, reference 0x42, part 2 of 3.
        let data = [&[0x05, 0x00, 0x03, 0x42, 0x03, 0x02][..], b"part two"].concat();
        let mut body = submit("Shop", "34600123456", &data);
        body.esm_class = ESM_CLASS_UDHI.into();
        let submission = read(&Pdu::SubmitSm(body), Utc::now()).unwrap();
        let part = submission.parts[0].part.unwrap();
        assert_eq!((part.reference(), part.total(), part.seq()), (0x42, 3, 2));
        assert_eq!(submission.parts[0].payload, data);
    }

    #[test]
    fn a_long_message_payload_is_split_into_udh_parts() {
        let mut body = submit("Shop", "34600123456", b"");
        body.push_tlv(MessageSubmissionRequestTlvValue::MessagePayload(
            MessagePayload::new(AnyOctetString::from_vec(vec![b'a'; 300])),
        ));
        let submission = read(&Pdu::SubmitSm(body), Utc::now()).unwrap();
        assert_eq!(submission.parts.len(), 2, "300 septets: 153 + 147");
        for (index, part) in submission.parts.iter().enumerate() {
            assert_ne!(part.esm_class & ESM_CLASS_UDHI, 0);
            assert!(part.payload.len() <= 160, "153 septets and a 6-octet UDH");
            assert_eq!(part.part.unwrap().seq() as usize, index + 1);
        }
    }

    #[test]
    fn parts_over_the_limit_are_refused_by_destinations_or_by_length() {
        let mut body = submit("Shop", "34600123456", b"");
        body.push_tlv(MessageSubmissionRequestTlvValue::MessagePayload(
            MessagePayload::new(AnyOctetString::from_vec(vec![b'a'; 300])),
        ));
        let mut submission = read(&Pdu::SubmitSm(body), Utc::now()).unwrap();
        assert_eq!(submission.check_parts(2), Ok(()));
        let long = submission.check_parts(1).unwrap_err();
        assert_eq!(
            (long.parts, long.status()),
            (2, CommandStatus::EsmeRinvmsglen)
        );
        submission.destinations = vec![submission.destinations[0].clone(); 3];
        assert_eq!(submission.total_parts(), 6);
        assert_eq!(submission.check_parts(6), Ok(()));
        let many = submission.check_parts(5).unwrap_err();
        assert_eq!(many.status(), CommandStatus::EsmeRinvnumdests);
        assert_eq!(
            many.to_string(),
            "6 message parts (3 destinations), more than the 5 one request may create"
        );
    }

    #[test]
    fn a_relative_validity_resolves_against_now() {
        let mut body = submit("Shop", "34600123456", b"x");
        body.validity_period =
            EmptyOrFullCOctetString::from_vec(b"000001000000000R\0".to_vec()).unwrap();
        let now = Utc::now();
        let submission = read(&Pdu::SubmitSm(body), now).unwrap();
        assert_eq!(submission.validity, Some(now + chrono::Duration::days(1)));
    }
}
