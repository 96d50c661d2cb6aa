//! The customer's side of UCP, what the `[ucp]` listener reads and writes,
//! in pasarela's terms. Pure: no clock but the one passed in.
//!
//! - [`submission`]: a submit (51) read into the same [`Submission`] an
//!   SMPP submit_sm becomes, for the same accept path.
//! - [`reference`]: the `AdC:SCTS` the submit's ACK names the message by;
//!   [`notification`]: the delivery notification (53) that reports the
//!   message's fate under the same two (its OAdC and SCTS), the way
//!   Kannel's EMI client matches them.
//! - [`error_code`]: the EC of the NACK a refusal is answered with.
//! - [`delivery`]: an MO as a delivery (52).
//!
//! The SCTS of a submitted message is not a clock time: it is the
//! message's id counted in seconds from 2000-01-01 00:00:00, so that two
//! messages never share an `AdC:SCTS` (a clock time to the second would,
//! for the parts of one concatenated message) and a notification matches
//! exactly one submit. Times a customer gives (VP, DDT) are read as UTC.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, TimeDelta, Utc};

use crate::intake::{self, Submission};
use crate::model::{Address, Message, MessageId, MessageState, Msisdn, Npi, Ton};
use crate::smpp::CommandStatus;
use crate::smpp::receipt::Receipt;
use crate::sms::udh::ESM_CLASS_UDHI;

use super::content::Content;
use super::error_code::ErrorCode;
use super::incoming::ReceivedMessage;
use super::outgoing::{SubmitError, content_of};
use super::reference::MessageReference;
use super::short_message::{DeliveryStatus, Otoa, ShortMessageFields};
use super::xser::{self, ExtraServices};

/// The SCTS of message id 0.
const SCTS_EPOCH: NaiveDateTime = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(day) => day.and_time(chrono::NaiveTime::MIN),
    None => NaiveDateTime::MIN,
};
/// Seconds from [`SCTS_EPOCH`] that stay within the years SCTS can write
/// (to 2089); ids wrap around after that many.
const SCTS_SPAN: u64 = 2_800_000_000;
/// The largest RSN (three digits).
const MAX_RSN: u16 = 999;

/// The submission a 51 asks for, received `now`; the SMPP status of what
/// is wrong with it otherwise (answered with [`error_code`]).
pub fn submission(
    fields: &ShortMessageFields,
    now: DateTime<Utc>,
) -> Result<Submission, CommandStatus> {
    let destination = destination(&fields.adc)?;
    let source = source(fields)?;
    let validity = match fields.vp {
        Some(vp) if vp.and_utc() <= now => return Err(CommandStatus::EsmeRinvexpiry),
        vp => vp.map(|vp| vp.and_utc()),
    };
    let scheduled = match (fields.dd, fields.ddt) {
        (Some(true), None) => return Err(CommandStatus::EsmeRinvsched),
        (Some(true), Some(ddt)) => Some(ddt.and_utc()).filter(|at| *at > now),
        _ => None,
    };
    let received = ReceivedMessage::read(fields);
    let udh = &received.user_data.udh;
    let esm_class = if udh.is_empty() { 0 } else { ESM_CLASS_UDHI };
    let content = [udh.as_slice(), &received.user_data.payload].concat();
    let parts = intake::parts(&content, esm_class, received.dcs)?;
    Ok(Submission {
        service_type: String::new(),
        source,
        destinations: vec![destination],
        data_coding: received.dcs,
        esm_class,
        registered_delivery: registered_delivery(fields),
        priority: 0,
        validity,
        scheduled,
        client_reference: None,
        parts,
        callback: None,
    })
}

/// AdC: an international number when it reads as one (a leading `+` or
/// `00` dropped, as Kannel writes `+`), else the digits as given.
pub(crate) fn destination(adc: &str) -> Result<Address, CommandStatus> {
    let digits = adc
        .strip_prefix('+')
        .or_else(|| adc.strip_prefix("00"))
        .unwrap_or(adc);
    if let Ok(number) = Msisdn::parse(digits) {
        return Ok(Address::international(&number));
    }
    Address::new(Ton::Unknown, Npi::Isdn, adc).map_err(|_| CommandStatus::EsmeRinvdstadr)
}

/// OAdC with OTOA: alphanumeric (5039), international (1139), or digits.
fn source(fields: &ShortMessageFields) -> Result<Address, CommandStatus> {
    let oadc = fields.oadc.as_str();
    let address = match fields.otoa {
        Some(Otoa::Alphanumeric) => Address::alphanumeric(oadc),
        Some(Otoa::International) => Address::new(Ton::International, Npi::Isdn, oadc),
        None if !oadc.is_empty() && oadc.bytes().all(|b| b.is_ascii_digit()) => {
            Address::new(Ton::Unknown, Npi::Isdn, oadc)
        }
        None => Address::alphanumeric(oadc),
    };
    address.map_err(|_| CommandStatus::EsmeRinvsrcadr)
}

/// NRq 1 asks for notifications: of delivery and failure (SMPP
/// registered_delivery 1), or of failure only when NT names only that (2).
fn registered_delivery(fields: &ShortMessageFields) -> u8 {
    if fields.nrq != Some(true) {
        return 0;
    }
    match fields.nt {
        Some(nt) if nt.not_delivered && !nt.delivered => 2,
        _ => 1,
    }
}

/// The `AdC:SCTS` the ACK of a submit to `destination` accepted as message
/// `id` carries in its SM.
pub fn reference(destination: &Address, id: MessageId) -> MessageReference {
    MessageReference {
        recipient: destination.text().to_owned(),
        scts: scts_of(id),
    }
}

/// The SCTS that stands for message `id` (see the module's doc); the
/// CIMD2 listener names its messages by it too.
pub(crate) fn scts_of(id: MessageId) -> NaiveDateTime {
    let seconds = i64::try_from(id.value() % SCTS_SPAN).unwrap_or_default();
    SCTS_EPOCH + TimeDelta::seconds(seconds)
}

/// The delivery notification (53) of a message that reached a final state:
/// AdC its originator, OAdC and SCTS as [`reference`] named it, Dst 0
/// delivered or 2 not delivered (1 buffered for a state not final), Rsn
/// its error code (000 when delivered), DSCTS when it ended (UTC), and the
/// SMPP receipt text (`id:… stat:…`) as its message.
pub fn notification(message: &Message) -> ShortMessageFields {
    let state = message.state();
    let (status, reason) = match state {
        MessageState::Delivered => (DeliveryStatus::Delivered, 0),
        state if !state.is_final() => (DeliveryStatus::Buffered, 0),
        _ => (
            DeliveryStatus::NotDelivered,
            message.error_code.map_or(0, |code| code.min(MAX_RSN)),
        ),
    };
    let receipt = Receipt::of_message(message);
    ShortMessageFields {
        adc: message.source.text().to_owned(),
        oadc: message.destination.text().to_owned(),
        scts: Some(scts_of(message.id)),
        dst: Some(status),
        rsn: Some(reason),
        dscts: receipt.done_date.map(|at| at.trunc_subsecs(0)),
        content: Content::text(&receipt.format()).ok(),
        ..ShortMessageFields::default()
    }
}

/// The delivery (52) of an MO from `source` to `destination`, `body` in
/// TP-DCS `dcs` (GSM 03.38 one septet per octet, no header), received at
/// `sent_at`. A long MO goes whole, in one 52: MT 3 and MT 4 carry any
/// length, and Kannel's EMI client reads it so.
pub fn delivery(
    source: &str,
    destination: &str,
    dcs: u8,
    body: &[u8],
    sent_at: DateTime<Utc>,
) -> Result<ShortMessageFields, SubmitError> {
    let (content, xser_dcs) = content_of(dcs, body)?;
    let mut extra = ExtraServices::default();
    if let Some(dcs) = xser_dcs {
        extra.push(xser::DCS, vec![dcs]);
    }
    let (oadc, otoa) = match source.strip_prefix('+') {
        Some(digits) if is_digits(digits) => (digits, Some(Otoa::International)),
        _ if is_digits(source) => (source, None),
        _ => (source, Some(Otoa::Alphanumeric)),
    };
    Ok(ShortMessageFields {
        adc: destination.to_owned(),
        oadc: oadc.to_owned(),
        otoa,
        scts: Some(sent_at.naive_utc().trunc_subsecs(0)),
        content: Some(content),
        xser: extra,
        ..ShortMessageFields::default()
    })
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// The EC a submit refused with SMPP `status` is NACKed with (the table in
/// docs/ucp.md). UCP has no code for throttling, credit or a content
/// rule: those are 04, "operation not allowed", with the reason in the SM.
pub fn error_code(status: CommandStatus) -> ErrorCode {
    let code = match status {
        CommandStatus::EsmeRinvdstadr | CommandStatus::EsmeRinvnumdests => 6,
        CommandStatus::EsmeRinvmsglen => 24,
        CommandStatus::EsmeRinvexpiry | CommandStatus::EsmeRinvsched => 22,
        CommandStatus::EsmeRinvesmclass | CommandStatus::EsmeRinvdcs => 23,
        CommandStatus::EsmeRsyserr => 55,
        _ => 4,
    };
    ErrorCode::new(code).unwrap_or(ErrorCode::OPERATION_NOT_ALLOWED)
}

/// The SM of that NACK: a few words on why, for the customer's log.
pub fn refusal_text(status: CommandStatus) -> &'static str {
    match status {
        CommandStatus::EsmeRinvdstadr | CommandStatus::EsmeRinvnumdests => "invalid recipient",
        CommandStatus::EsmeRinvsrcadr => "sender not allowed",
        CommandStatus::EsmeRinvmsglen => "message too long",
        CommandStatus::EsmeRinvexpiry => "invalid validity period",
        CommandStatus::EsmeRinvsched => "invalid deferred delivery time",
        CommandStatus::EsmeRinvesmclass | CommandStatus::EsmeRinvdcs => "invalid message type",
        CommandStatus::EsmeRthrottled => "throttled",
        CommandStatus::EsmeRmsgqful => "queue full",
        CommandStatus::EsmeRsubmitfail => "refused",
        CommandStatus::EsmeRsyserr => "system error",
        _ => "not allowed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sms::{gsm7, ucs2};

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_765_000_000, 0).unwrap()
    }

    fn submit(adc: &str, oadc: &str, content: Content) -> ShortMessageFields {
        ShortMessageFields {
            adc: adc.into(),
            oadc: oadc.into(),
            content: Some(content),
            ..ShortMessageFields::default()
        }
    }

    #[test]
    fn a_gsm_submit_becomes_one_part_to_an_international_number() {
        let mut fields = submit("0034600100001", "Shop", Content::text("hello @").unwrap());
        fields.otoa = Some(Otoa::Alphanumeric);
        fields.nrq = Some(true);
        let submission = submission(&fields, now()).unwrap();
        assert_eq!(submission.destinations[0].ton(), Ton::International);
        assert_eq!(submission.destinations[0].text(), "34600100001");
        assert_eq!(submission.source.ton(), Ton::Alphanumeric);
        assert_eq!(submission.data_coding, 0);
        assert_eq!(submission.registered_delivery, 1);
        assert_eq!(submission.parts.len(), 1);
        assert_eq!(
            submission.parts[0].payload,
            gsm7::encode("hello @").unwrap()
        );
    }

    #[test]
    fn a_ucs2_part_with_its_header_keeps_both() {
        let udh = vec![0x05, 0x00, 0x03, 0x2A, 0x03, 0x02];
        let mut fields = submit(
            "34600100001",
            "34600000000",
            Content::transparent(ucs2::encode("¿Qué?")),
        );
        fields.xser.push(xser::UDH, udh.clone());
        fields.xser.push(xser::DCS, vec![0x08]);
        let submission = submission(&fields, now()).unwrap();
        assert_eq!(submission.data_coding, 0x08);
        assert_eq!(submission.registered_delivery, 0);
        let part = &submission.parts[0];
        assert_eq!(part.esm_class, ESM_CLASS_UDHI);
        assert_eq!(part.payload, [udh, ucs2::encode("¿Qué?")].concat());
        let place = part.part.unwrap();
        assert_eq!((place.total(), place.seq()), (3, 2));
    }

    #[test]
    fn what_cannot_be_read_is_refused_with_its_status() {
        let text = || Content::text("x").unwrap();
        assert_eq!(
            submission(&submit("", "1", text()), now()).unwrap_err(),
            CommandStatus::EsmeRinvdstadr
        );
        assert_eq!(
            submission(&submit("34600100001", "", text()), now()).unwrap_err(),
            CommandStatus::EsmeRinvsrcadr
        );
        let mut past = submit("34600100001", "1", text());
        past.vp = Some(now().naive_utc() - TimeDelta::minutes(5));
        assert_eq!(
            submission(&past, now()).unwrap_err(),
            CommandStatus::EsmeRinvexpiry
        );
        assert_eq!(error_code(CommandStatus::EsmeRthrottled).value(), 4);
        assert_eq!(error_code(CommandStatus::EsmeRinvdstadr).value(), 6);
    }

    #[test]
    fn every_message_has_its_own_reference() {
        let to = Address::new(Ton::International, Npi::Isdn, "34600100001").unwrap();
        let first = reference(&to, MessageId::new(1));
        let second = reference(&to, MessageId::new(2));
        assert_ne!(first, second);
        assert_eq!(first.to_string(), "34600100001:010100000001");
        assert_eq!(MessageReference::parse(&second.to_string()), Some(second));
    }

    #[test]
    fn an_mo_goes_as_one_delivery_whatever_its_length() {
        let text = "a".repeat(300);
        let fields = delivery(
            "+34600100001",
            "12345",
            0,
            &gsm7::encode(&text).unwrap(),
            now(),
        )
        .unwrap();
        assert_eq!(fields.oadc, "34600100001");
        assert_eq!(fields.otoa, Some(Otoa::International));
        let read = ReceivedMessage::read(&fields);
        assert_eq!(read.user_data.payload.len(), 300);
        let fields = delivery("Shop", "12345", 8, &ucs2::encode("✓"), now()).unwrap();
        assert_eq!(fields.otoa, Some(Otoa::Alphanumeric));
        assert_eq!(ReceivedMessage::read(&fields).dcs, 8);
    }
}
