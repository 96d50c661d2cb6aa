//! The customer's side of CIMD2, what the `[cimd2]` listener reads and
//! writes, in pasarela's terms. Pure: no clock but the one passed in.
//!
//! - [`submission`]: a submit (03) read into the same [`Submission`] an
//!   SMPP submit_sm or a UCP 51 becomes, for the same accept path.
//! - [`accepted`]: the submit's response (53), naming the message by its
//!   destination (021) and a service centre timestamp (060) that stands
//!   for its id, as the UCP listener's SCTS does
//!   ([`ucp::customer::scts_of`](crate::ucp::customer)): unique per
//!   message, so the status report (23, [`status_report`]) that repeats
//!   both matches exactly one submit, the way Kannel's CIMD2 client finds
//!   its DLR by the timestamp.
//! - [`error_code`]: the error code (900) a refused submit is answered
//!   with.
//! - [`deliver`]: an MO as a deliver message (20).
//!
//! Times a customer gives (051) are read as UTC.

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};

use crate::intake::{self, Submission};
use crate::model::{Address, Message, MessageId, MessageState, Npi, Ton};
use crate::smpp::CommandStatus;
use crate::smpp::receipt::Receipt;
use crate::sms::udh::ESM_CLASS_UDHI;
use crate::ucp::SubmitError;
use crate::ucp::customer::{destination, scts_of};

use super::message::{
    Content, Deliver, ErrorCode, Originator, Response, StatusCode, StatusReport, Submit,
};
use super::outgoing::{user_data_of, user_data_of_delivery};

/// 056's bits that ask for a report of a failure: validity expired (2),
/// delivery failed (4), cancelled (16), deleted (32).
const REPORT_FAILURES: u8 = 2 | 4 | 16 | 32;
/// 056's bit that asks for a report of delivery.
const REPORT_DELIVERED: u8 = 8;
/// The largest status error code (062).
const MAX_STATUS_ERROR: u16 = 999;

/// The submission a 03 asks for, received `now`; the SMPP status of what
/// is wrong with it otherwise (answered with [`error_code`]).
pub fn submission(submit: &Submit, now: DateTime<Utc>) -> Result<Submission, CommandStatus> {
    let destination = destination(&submit.destination)?;
    let source = source(submit.originator.as_ref())?;
    let validity = match (submit.validity_absolute, submit.validity_relative) {
        (Some(at), _) if at.and_utc() <= now => return Err(CommandStatus::EsmeRinvexpiry),
        (Some(at), _) => Some(at.and_utc()),
        (None, Some(relative)) => Some(now + relative_validity(relative)),
        (None, None) => None,
    };
    let (data_coding, content) = user_data_of_delivery(&submit.content);
    let esm_class = if submit.content.udh.is_some() {
        ESM_CLASS_UDHI
    } else {
        0
    };
    let parts = intake::parts(&content, esm_class, data_coding)?;
    Ok(Submission {
        service_type: String::new(),
        source,
        destinations: vec![destination],
        data_coding,
        esm_class,
        registered_delivery: registered_delivery(submit.status_report_request),
        priority: 0,
        validity,
        scheduled: None,
        client_reference: None,
        parts,
        callback: None,
    })
}

/// 023 (digits, international when written with `+` or `00`) or 027 (a
/// name).
fn source(originator: Option<&Originator>) -> Result<Address, CommandStatus> {
    let address = match originator {
        Some(Originator::Alphanumeric(name)) => Address::alphanumeric(name),
        Some(Originator::Number(number)) => {
            match number
                .strip_prefix('+')
                .or_else(|| number.strip_prefix("00"))
            {
                Some(digits) => Address::new(Ton::International, Npi::Isdn, digits),
                None => Address::new(Ton::Unknown, Npi::Isdn, number),
            }
        }
        None => return Err(CommandStatus::EsmeRinvsrcadr),
    };
    address.map_err(|_| CommandStatus::EsmeRinvsrcadr)
}

/// A relative validity period (050) as GSM 03.40 counts it: 5 minutes
/// steps to 12 hours, half hours to a day, days to 30, then weeks.
fn relative_validity(value: u8) -> TimeDelta {
    let value = i64::from(value);
    match value {
        0..=143 => TimeDelta::minutes((value + 1) * 5),
        144..=167 => TimeDelta::hours(12) + TimeDelta::minutes((value - 143) * 30),
        168..=196 => TimeDelta::days(value - 166),
        _ => TimeDelta::weeks(value - 192),
    }
}

/// 056 as SMPP registered_delivery: delivery asked, a receipt of every
/// final state (1); only failures asked, of failure only (2); else none.
fn registered_delivery(request: Option<u8>) -> u8 {
    let request = request.unwrap_or_default();
    if request & REPORT_DELIVERED != 0 {
        1
    } else if request & REPORT_FAILURES != 0 {
        2
    } else {
        0
    }
}

/// The response (53) of a submit to `destination` accepted as message
/// `id`: 021 the destination, 060 the timestamp standing for `id`.
pub fn accepted(destination: &Address, id: MessageId) -> Response {
    Response {
        destination: Some(destination.text().to_owned()),
        scts: Some(scts_of(id)),
        ..Response::default()
    }
}

/// The status report (23) of `message`: 021 its destination, 023 its
/// originator, 060 the timestamp its submit's response gave, 061 what
/// became of it (4 delivered, 2 validity expired, 8 deleted, 3 delivery
/// failed with 062 its error code, 1 in process for a state not final),
/// 063 when it ended (UTC).
pub fn status_report(message: &Message) -> StatusReport {
    let state = message.state();
    let status = match state {
        MessageState::Delivered => StatusCode::Delivered,
        MessageState::Expired => StatusCode::ValidityExpired,
        MessageState::Deleted => StatusCode::Deleted,
        state if !state.is_final() => StatusCode::InProcess,
        _ => StatusCode::DeliveryFailed,
    };
    let error = match status {
        StatusCode::Delivered | StatusCode::InProcess => None,
        _ => Some(
            message
                .error_code
                .map_or(0, |code| code.min(MAX_STATUS_ERROR)),
        ),
    };
    let receipt = Receipt::of_message(message);
    StatusReport {
        destination: message.destination.text().to_owned(),
        originator: Some(message.source.text().to_owned()),
        scts: scts_of(message.id),
        status,
        error,
        discharge_time: receipt.done_date.map(|at| at.trunc_subsecs(0)),
    }
}

/// The deliver message (20) of an MO from `source` to `destination`,
/// `body` in TP-DCS `dcs` (GSM 03.38 one septet per octet, no header),
/// received at `sent_at`: 023 the number without its `+` (027 for a
/// name), 033 text or 034 octets with 030. A long MO goes whole, in one
/// 20, as the UCP listener sends it in one 52.
pub fn deliver(
    source: &str,
    destination: &str,
    dcs: u8,
    body: &[u8],
    sent_at: DateTime<Utc>,
) -> Result<Deliver, SubmitError> {
    let (user_data, data_coding) = user_data_of(dcs, body)?;
    let number = source.strip_prefix('+').unwrap_or(source);
    let originator = if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
        Originator::Number(number.to_owned())
    } else {
        Originator::Alphanumeric(source.to_owned())
    };
    Ok(Deliver {
        destination: destination.to_owned(),
        originator: Some(originator),
        content: Content {
            data_coding,
            udh: None,
            user_data: Some(user_data),
        },
        protocol_identifier: None,
        scts: Some(sent_at.naive_utc().trunc_subsecs(0)),
    })
}

/// The error code (900) a submit refused with SMPP `status` is answered
/// with (the table in docs/cimd2.md).
pub fn error_code(status: CommandStatus) -> ErrorCode {
    match status {
        CommandStatus::EsmeRinvdstadr => ErrorCode::INCORRECT_DESTINATION,
        CommandStatus::EsmeRinvnumdests => ErrorCode(301),
        CommandStatus::EsmeRinvmsglen => ErrorCode(302),
        CommandStatus::EsmeRinvesmclass | CommandStatus::EsmeRinvdcs => ErrorCode(304),
        CommandStatus::EsmeRinvexpiry => ErrorCode(305),
        CommandStatus::EsmeRinvsrcadr => ErrorCode(306),
        CommandStatus::EsmeRthrottled | CommandStatus::EsmeRmsgqful => ErrorCode::CONGESTION,
        CommandStatus::EsmeRsyserr => ErrorCode::SYSTEM_ERROR,
        _ => ErrorCode(9),
    }
}

/// The error text (901) of that answer: a few words on why.
pub fn refusal_text(status: CommandStatus) -> &'static str {
    crate::ucp::customer::refusal_text(status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cimd2::UserData;
    use crate::model::AccountId;
    use crate::sms::{gsm7, ucs2};

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_765_000_000, 0).unwrap()
    }

    fn submit(destination: &str, originator: Originator, user_data: UserData) -> Submit {
        Submit {
            destination: destination.into(),
            originator: Some(originator),
            content: Content {
                user_data: Some(user_data),
                ..Content::default()
            },
            ..Submit::default()
        }
    }

    #[test]
    fn a_text_submit_becomes_gsm_septets_to_an_international_number() {
        let mut asked = submit(
            "+34600100001",
            Originator::Alphanumeric("Shop".into()),
            UserData::Text("hello @ €".into()),
        );
        asked.status_report_request = Some(62);
        asked.validity_relative = Some(11);
        let submission = submission(&asked, now()).unwrap();
        assert_eq!(submission.destinations[0].ton(), Ton::International);
        assert_eq!(submission.destinations[0].text(), "34600100001");
        assert_eq!(submission.source.ton(), Ton::Alphanumeric);
        assert_eq!(submission.data_coding, 0);
        assert_eq!(submission.registered_delivery, 1);
        assert_eq!(submission.validity, Some(now() + TimeDelta::hours(1)));
        assert_eq!(
            submission.parts[0].payload,
            gsm7::encode("hello @ €").unwrap()
        );
    }

    #[test]
    fn a_ucs2_part_with_its_header_keeps_both() {
        let udh = vec![0x05, 0x00, 0x03, 0x2A, 0x03, 0x02];
        let mut asked = submit(
            "34600100001",
            Originator::Number("0034600000000".into()),
            UserData::Binary(ucs2::encode("¿Qué?")),
        );
        asked.content.udh = Some(udh.clone());
        asked.content.data_coding = Some(8);
        asked.status_report_request = Some(4);
        let submission = submission(&asked, now()).unwrap();
        assert_eq!(submission.source.ton(), Ton::International);
        assert_eq!(submission.data_coding, 8);
        assert_eq!(submission.registered_delivery, 2);
        let part = &submission.parts[0];
        assert_eq!(part.esm_class, ESM_CLASS_UDHI);
        assert_eq!(part.payload, [udh, ucs2::encode("¿Qué?")].concat());
    }

    #[test]
    fn what_cannot_be_read_is_refused_with_its_status() {
        let text = || UserData::Text("x".into());
        let mut no_sender = submit("34600100001", Originator::Number("1".into()), text());
        no_sender.originator = None;
        assert_eq!(
            submission(&no_sender, now()).unwrap_err(),
            CommandStatus::EsmeRinvsrcadr
        );
        let mut past = submit("34600100001", Originator::Number("1".into()), text());
        past.validity_absolute = Some(now().naive_utc() - TimeDelta::minutes(5));
        assert_eq!(
            submission(&past, now()).unwrap_err(),
            CommandStatus::EsmeRinvexpiry
        );
        assert_eq!(error_code(CommandStatus::EsmeRthrottled).0, 10);
        assert_eq!(error_code(CommandStatus::EsmeRinvdstadr).0, 300);
        assert_eq!(error_code(CommandStatus::EsmeRsubmitfail).0, 9);
    }

    #[test]
    fn a_status_report_repeats_the_response_s_destination_and_timestamp() {
        let to = Address::new(Ton::International, Npi::Isdn, "34600100001").unwrap();
        let first = accepted(&to, MessageId::new(1));
        let second = accepted(&to, MessageId::new(2));
        assert_ne!(first.scts, second.scts);
        let message = Message::new(
            MessageId::new(2),
            AccountId::new("demo").unwrap(),
            Address::alphanumeric("Shop").unwrap(),
            to,
            b"x".to_vec(),
            now(),
        );
        let report = status_report(&message);
        assert_eq!(Some(report.destination.clone()), second.destination);
        assert_eq!(Some(report.scts), second.scts);
        assert_eq!(report.status, StatusCode::InProcess);
        assert_eq!(report.error, None);
    }

    #[test]
    fn an_mo_goes_as_one_deliver_whatever_its_length() {
        let text = "a".repeat(300);
        let mo = deliver(
            "+34600100001",
            "12345",
            0,
            &gsm7::encode(&text).unwrap(),
            now(),
        )
        .unwrap();
        assert_eq!(
            mo.originator,
            Some(Originator::Number("34600100001".into()))
        );
        assert_eq!(mo.content.user_data, Some(UserData::Text(text)));
        let mo = deliver("Shop", "12345", 8, &ucs2::encode("✓"), now()).unwrap();
        assert_eq!(mo.originator, Some(Originator::Alphanumeric("Shop".into())));
        assert_eq!(mo.content.data_coding, Some(8));
    }
}
