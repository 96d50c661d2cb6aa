//! Messages pending delivery: accepted, not yet handed to an SMSC. When
//! such a message is due (released to its route at its scheduled time, or
//! expired at its validity), which of them a cancel_sm selects (SMPP 3.4
//! §4.9), and what a replace_sm changes (§4.10).
//!
//! Pure decisions over model types, no I/O: the schedule and route actors,
//! which each own the pending messages they hold, call in here.

use chrono::{DateTime, Utc};

use crate::intake;
use crate::model::{AccountId, Address, Message, MessageId, Npi, Ton};
use crate::smpp::CommandStatus;
use crate::smpp::pdu::{self, COctetString, CancelSm, Pdu, ReplaceSm};

/// What happens to a held message, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    /// When: the scheduled time, or the end of the validity period.
    pub at: DateTime<Utc>,
    /// What happens then.
    pub action: Action,
}

/// What becomes of a held message when it is [`Due`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Its scheduled time: hand it to its route.
    Release,
    /// Its validity period: it becomes EXPIRED.
    Expire,
}

/// Whether `message` must wait before its route sees it, and until when:
/// `None` when it may go now. A message already past its validity expires
/// now; one a content rule holds (`held_by`) waits for an admin, and
/// expires at its validity if it has one; one scheduled for later waits
/// for that time, unless its validity ends first, in which case it
/// expires at its validity.
pub fn hold_until(message: &Message, now: DateTime<Utc>) -> Option<Due> {
    let expire = |at| Due {
        at,
        action: Action::Expire,
    };
    if let Some(validity) = message.validity.filter(|validity| *validity <= now) {
        return Some(expire(validity));
    }
    if message.held_by.is_some() {
        return Some(expire(message.validity.unwrap_or(DateTime::<Utc>::MAX_UTC)));
    }
    let scheduled = message.scheduled.filter(|scheduled| *scheduled > now)?;
    Some(match message.validity {
        Some(validity) if validity <= scheduled => expire(validity),
        _ => Due {
            at: scheduled,
            action: Action::Release,
        },
    })
}

/// What makes parts one message: one submission's parts share their
/// account, source, destination, time of acceptance and concatenation
/// reference and total. An admin releases or drops a held message whole,
/// all its parts at once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum WholeMessage {
    /// A message of one part, by its id.
    Single(MessageId),
    /// The parts of one concatenated message.
    Concatenated {
        /// Whose.
        account: AccountId,
        /// Its sender, as stored.
        source: String,
        /// Its recipient, as stored.
        destination: String,
        /// When it was accepted.
        created_at: DateTime<Utc>,
        /// The concatenation reference and total of its parts.
        reference: (u16, u8),
    },
}

/// The whole message `message` is (a part of).
pub fn whole_message(message: &Message) -> WholeMessage {
    match message.part {
        None => WholeMessage::Single(message.id),
        Some(part) => WholeMessage::Concatenated {
            account: message.account.clone(),
            source: message.source.text().to_owned(),
            destination: message.destination.text().to_owned(),
            created_at: message.created_at,
            reference: (part.reference(), part.total()),
        },
    }
}

/// Whether `a` and `b` are (parts of) the same whole message.
pub fn same_message(a: &Message, b: &Message) -> bool {
    whole_message(a) == whole_message(b)
}

/// Whether a message waiting for a gateway has outlived its validity.
pub fn expired(message: &Message, now: DateTime<Utc>) -> bool {
    message.validity.is_some_and(|validity| validity <= now)
}

/// Which messages of an account a cancel_sm names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancel {
    /// The account whose session sent the cancel_sm; only its messages are
    /// selected.
    pub account: AccountId,
    /// Which of its messages.
    pub target: Target,
}

/// What a cancel_sm (SMPP 3.4 §4.9) selects: one message by id, or every
/// pending one matching source, destination and service_type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// One message; its source must match when the ESME gave one.
    One {
        /// Our message id, as the submit_sm_resp gave it.
        id: MessageId,
        /// `source_addr` when given (normalised like a submit's): the message's
        /// source must equal it.
        source: Option<String>,
    },
    /// message_id empty: every pending message from `source` to
    /// `destination`, of `service_type` when one is given.
    Matching {
        /// `service_type`; empty selects any.
        service_type: String,
        /// `source_addr` the messages must have (normalised like a submit's).
        source: String,
        /// `destination_addr` the messages must have (normalised like a submit's).
        destination: String,
    },
}

impl Cancel {
    /// Reads a cancel_sm of `account`. An id that is not one of ours is
    /// ESME_RINVMSGID; without an id, the source and destination the
    /// selection needs are ESME_RINVSRCADR / ESME_RINVDSTADR when missing.
    pub fn read(account: AccountId, body: &CancelSm) -> Result<Cancel, CommandStatus> {
        let source = address_text(
            body.source_addr_ton.into(),
            body.source_addr_npi.into(),
            &body.source_addr,
        );
        let target = if body.message_id.as_str().is_empty() {
            let destination = address_text(
                body.dest_addr_ton.into(),
                body.dest_addr_npi.into(),
                &body.destination_addr,
            );
            Target::Matching {
                service_type: body.service_type.value().as_str().to_owned(),
                source: source.ok_or(CommandStatus::EsmeRinvsrcadr)?,
                destination: destination.ok_or(CommandStatus::EsmeRinvdstadr)?,
            }
        } else {
            Target::One {
                id: message_id(&body.message_id)?,
                source,
            }
        };
        Ok(Cancel { account, target })
    }

    /// Whether this cancel_sm names `message` (of any state; the caller
    /// only asks about the pending messages it holds).
    pub fn selects(&self, message: &Message) -> bool {
        if message.account != self.account {
            return false;
        }
        match &self.target {
            Target::One { id, source } => {
                *id == message.id && source_matches(source.as_deref(), &message.source)
            }
            Target::Matching {
                service_type,
                source,
                destination,
            } => {
                (service_type.is_empty() || *service_type == message.service_type)
                    && source == message.source.text()
                    && destination == message.destination.text()
            }
        }
    }

    /// The one message this names, if it names one by id.
    pub fn id(&self) -> Option<MessageId> {
        match self.target {
            Target::One { id, .. } => Some(id),
            Target::Matching { .. } => None,
        }
    }
}

/// What a replace_sm asks to change in one pending message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replace {
    /// The account whose session sent the replace_sm; only its messages can
    /// be replaced.
    pub account: AccountId,
    /// The message to change, as the submit_sm_resp gave its id.
    pub id: MessageId,
    source: Option<String>,
    /// The new user data; `None` keeps the text (an empty short_message
    /// and no message_payload: an empty SMS is never what was meant).
    content: Option<Vec<u8>>,
    /// `None`: keep (SMPP: "set to NULL to preserve").
    scheduled: Option<DateTime<Utc>>,
    validity: Option<DateTime<Utc>>,
    registered_delivery: u8,
}

impl Replace {
    /// Reads a replace_sm of `account` (already through
    /// [`crate::smpp::validate`]); relative times resolve against `now`.
    pub fn read(
        account: AccountId,
        body: &ReplaceSm,
        now: DateTime<Utc>,
    ) -> Result<Replace, CommandStatus> {
        let id = message_id(&body.message_id)?;
        let content = pdu::message_content(&Pdu::ReplaceSm(body.clone()))
            .filter(|content| !content.is_empty())
            .map(<[u8]>::to_vec);
        Ok(Replace {
            account,
            id,
            source: address_text(
                body.source_addr_ton.into(),
                body.source_addr_npi.into(),
                &body.source_addr,
            ),
            content,
            scheduled: intake::resolve(
                Some(&body.schedule_delivery_time),
                now,
                CommandStatus::EsmeRinvsched,
            )?,
            validity: intake::resolve(
                Some(&body.validity_period),
                now,
                CommandStatus::EsmeRinvexpiry,
            )?,
            registered_delivery: body.registered_delivery.into(),
        })
    }

    /// Whether this replace_sm is about `message` (its id, account and,
    /// when given, source).
    pub fn names(&self, message: &Message) -> bool {
        message.id == self.id
            && message.account == self.account
            && source_matches(self.source.as_deref(), &message.source)
    }

    /// `message` with the changes, or why not: ESME_RREPLACEFAIL when it is
    /// not the message named or is one part of a concatenated message (one
    /// part cannot be replaced alone), ESME_RINVMSGLEN when the new text
    /// does not fit the one short message it had.
    pub fn apply(&self, message: &Message) -> Result<Message, CommandStatus> {
        if !self.names(message) || message.part.is_some() {
            return Err(CommandStatus::EsmeRreplacefail);
        }
        let mut replaced = message.clone();
        if let Some(content) = &self.content {
            replaced.payload = intake::one_part(content, message.esm_class, message.data_coding)?;
        }
        if let Some(scheduled) = self.scheduled {
            replaced.scheduled = Some(scheduled);
        }
        if let Some(validity) = self.validity {
            replaced.validity = Some(validity);
        }
        replaced.registered_delivery = self.registered_delivery;
        Ok(replaced)
    }
}

/// Our message ids are decimal numbers; anything else cannot be one.
fn message_id(field: &COctetString<1, 65>) -> Result<MessageId, CommandStatus> {
    field
        .as_str()
        .parse()
        .map_err(|_| CommandStatus::EsmeRinvmsgid)
}

/// The address as the model writes it (an international number by its
/// digits), or as given when it does not parse; `None` when empty.
fn address_text(ton: u8, npi: u8, text: &COctetString<1, 21>) -> Option<String> {
    let text = text.as_str();
    if text.is_empty() {
        return None;
    }
    Some(
        Address::new(Ton::from(ton), Npi::from(npi), text)
            .map_or_else(|_| text.to_owned(), |address| address.text().to_owned()),
    )
}

fn source_matches(given: Option<&str>, source: &Address) -> bool {
    given.is_none_or(|given| given == source.text())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MessageState, Part};
    use crate::smpp::pdu::{EmptyOrFullCOctetString, OctetString, ServiceType};
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn demo() -> AccountId {
        AccountId::new("demo").unwrap()
    }

    fn message() -> Message {
        let mut message = Message::new(
            MessageId::new(42),
            demo(),
            Address::new(Ton::International, Npi::Isdn, "34911000000").unwrap(),
            Address::new(Ton::International, Npi::Isdn, "34600123456").unwrap(),
            b"hello".to_vec(),
            now(),
        );
        message.service_type = "WAP".to_owned();
        message
    }

    #[test]
    fn a_held_message_waits_for_an_admin_or_its_validity_whatever_its_schedule() {
        let mut m = message();
        m.held_by = Some("review".to_owned());
        let forever = Due {
            at: DateTime::<Utc>::MAX_UTC,
            action: Action::Expire,
        };
        assert_eq!(hold_until(&m, now()), Some(forever));
        m.scheduled = Some(now() + Duration::minutes(5));
        assert_eq!(hold_until(&m, now()), Some(forever), "held beats scheduled");
        let validity = now() + Duration::hours(1);
        m.validity = Some(validity);
        let at_validity = Due {
            at: validity,
            action: Action::Expire,
        };
        assert_eq!(hold_until(&m, now()), Some(at_validity));
        assert_eq!(hold_until(&m, validity), Some(at_validity), "expires then");
        m.held_by = None;
        assert_eq!(
            hold_until(&m, now()).map(|due| due.action),
            Some(Action::Release)
        );
    }

    #[test]
    fn parts_of_one_submission_are_one_message() {
        let part = |id: u64, seq: u8, reference: u16| {
            let mut m = message();
            m.id = MessageId::new(id);
            m.part = Some(Part::new(reference, 2, seq).unwrap());
            m
        };
        assert!(same_message(&part(1, 1, 7), &part(2, 2, 7)));
        assert!(
            !same_message(&part(1, 1, 7), &part(2, 2, 8)),
            "another reference"
        );
        let mut later = part(2, 2, 7);
        later.created_at += Duration::seconds(1);
        assert!(!same_message(&part(1, 1, 7), &later), "another submission");
        assert!(!same_message(&message(), &{
            let mut m = message();
            m.id = MessageId::new(43);
            m
        }));
        assert!(same_message(&message(), &message()));
    }

    fn text(value: &str) -> COctetString<1, 21> {
        COctetString::from_string(value.to_owned()).unwrap()
    }

    #[test]
    fn a_message_waits_for_its_schedule_unless_its_validity_ends_first() {
        let mut m = message();
        assert_eq!(hold_until(&m, now()), None, "nothing set: goes now");
        m.scheduled = Some(now() - Duration::seconds(1));
        assert_eq!(hold_until(&m, now()), None, "scheduled in the past");
        let later = now() + Duration::minutes(5);
        m.scheduled = Some(later);
        let release = Due {
            at: later,
            action: Action::Release,
        };
        assert_eq!(hold_until(&m, now()), Some(release));
        m.validity = Some(later + Duration::seconds(1));
        assert_eq!(hold_until(&m, now()), Some(release));
        let sooner = now() + Duration::minutes(1);
        m.validity = Some(sooner);
        let expire_sooner = Due {
            at: sooner,
            action: Action::Expire,
        };
        assert_eq!(hold_until(&m, now()), Some(expire_sooner));
        m.scheduled = None;
        assert_eq!(hold_until(&m, now()), None, "valid, not scheduled");
        m.validity = Some(now());
        assert_eq!(
            hold_until(&m, now()),
            Some(Due {
                at: now(),
                action: Action::Expire
            })
        );
        assert!(expired(&m, now()));
        assert!(!expired(&m, now() - Duration::seconds(1)));
    }

    #[test]
    fn cancel_by_id_checks_account_and_a_given_source() {
        let body = |id: &str, source: &str| {
            CancelSm::builder()
                .message_id(COctetString::from_string(id.to_owned()).unwrap())
                .source_addr_ton(pdu::Ton::International)
                .source_addr(text(source))
                .build()
        };
        let m = message();
        let cancel = Cancel::read(demo(), &body("42", "")).unwrap();
        assert!(cancel.selects(&m));
        assert_eq!(cancel.id(), Some(MessageId::new(42)));
        assert!(
            Cancel::read(demo(), &body("42", "+34911000000"))
                .unwrap()
                .selects(&m),
            "the source is compared as the model writes it"
        );
        assert!(
            !Cancel::read(demo(), &body("42", "34911000001"))
                .unwrap()
                .selects(&m)
        );
        assert!(!Cancel::read(demo(), &body("43", "")).unwrap().selects(&m));
        let other = AccountId::new("other").unwrap();
        assert!(!Cancel::read(other, &body("42", "")).unwrap().selects(&m));
        assert_eq!(
            Cancel::read(demo(), &body("abc", "")),
            Err(CommandStatus::EsmeRinvmsgid)
        );
    }

    #[test]
    fn cancel_without_id_selects_by_service_type_source_and_destination() {
        let body = |service_type: &'static [u8], source: &str, destination: &str| {
            CancelSm::builder()
                .service_type(ServiceType::new(
                    COctetString::from_static_slice(service_type).unwrap(),
                ))
                .source_addr_ton(pdu::Ton::International)
                .source_addr(text(source))
                .dest_addr_ton(pdu::Ton::International)
                .destination_addr(text(destination))
                .build()
        };
        let m = message();
        let selects = |b| Cancel::read(demo(), &b).unwrap().selects(&m);
        assert!(selects(body(b"\0", "34911000000", "34600123456")));
        assert!(selects(body(b"WAP\0", "34911000000", "34600123456")));
        assert!(!selects(body(b"VMA\0", "34911000000", "34600123456")));
        assert!(!selects(body(b"\0", "34911000000", "34600123457")));
        assert!(!selects(body(b"\0", "34911000001", "34600123456")));
        assert_eq!(
            Cancel::read(demo(), &body(b"\0", "34911000000", "")),
            Err(CommandStatus::EsmeRinvdstadr)
        );
        assert_eq!(
            Cancel::read(demo(), &body(b"\0", "", "34600123456")),
            Err(CommandStatus::EsmeRinvsrcadr)
        );
    }

    fn replace_body(short_message: &[u8]) -> ReplaceSm {
        ReplaceSm::builder()
            .message_id(COctetString::from_static_slice(b"42\0").unwrap())
            .short_message(OctetString::from_vec(short_message.to_vec()).unwrap())
            .build()
    }

    #[test]
    fn replace_changes_text_times_and_receipt_request() {
        let mut body = replace_body(b"new text");
        body.validity_period =
            EmptyOrFullCOctetString::from_static_slice(b"000000010000000R\0").unwrap();
        body.registered_delivery = 1.into();
        let replace = Replace::read(demo(), &body, now()).unwrap();
        let mut m = message();
        m.scheduled = Some(now() + Duration::hours(2));
        let replaced = replace.apply(&m).unwrap();
        assert_eq!(replaced.payload, b"new text");
        assert_eq!(replaced.validity, Some(now() + Duration::hours(1)));
        assert_eq!(replaced.scheduled, m.scheduled, "an empty field keeps it");
        assert_eq!(replaced.registered_delivery, 1);
        assert_eq!(replaced.state(), MessageState::Accepted);
        assert_eq!(replaced.history(), m.history());

        let keep = Replace::read(demo(), &replace_body(b""), now()).unwrap();
        assert_eq!(keep.apply(&m).unwrap().payload, b"hello");
    }

    #[test]
    fn replace_refuses_what_does_not_fit_or_is_not_its_message() {
        let m = message();
        let long = Replace::read(demo(), &replace_body(&[b'x'; 161]), now()).unwrap();
        assert_eq!(long.apply(&m), Err(CommandStatus::EsmeRinvmsglen));
        let fits = Replace::read(demo(), &replace_body(&[b'x'; 160]), now()).unwrap();
        assert!(fits.apply(&m).is_ok());
        let mut ucs2 = message();
        ucs2.data_coding = 8;
        let ucs2_long = Replace::read(demo(), &replace_body(&[0; 142]), now()).unwrap();
        assert_eq!(
            ucs2_long.apply(&ucs2),
            Err(CommandStatus::EsmeRinvmsglen),
            "71 UCS-2 characters need two parts"
        );
        let mut part = message();
        part.part = Some(Part::new(1, 2, 1).unwrap());
        assert_eq!(fits.apply(&part), Err(CommandStatus::EsmeRreplacefail));
        let other =
            Replace::read(AccountId::new("other").unwrap(), &replace_body(b"x"), now()).unwrap();
        assert_eq!(other.apply(&m), Err(CommandStatus::EsmeRreplacefail));
        let mut bad_id = replace_body(b"x");
        bad_id.message_id = COctetString::from_static_slice(b"x1\0").unwrap();
        assert_eq!(
            Replace::read(demo(), &bad_id, now()),
            Err(CommandStatus::EsmeRinvmsgid)
        );
    }
}
