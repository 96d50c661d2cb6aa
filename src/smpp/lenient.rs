//! The repair pass: when a PDU fails strict decoding and the peer's
//! [`Leniency`] allows it, walk the raw body field by field (SMPP 3.4 §4
//! layouts), fix what real peers get wrong, and hand the fixed body back for
//! a second strict decode. It runs only on the error path, so well-formed
//! traffic never pays for it.
//!
//! What can be repaired, each behind its own switch:
//! - a C-octet string longer than the field maximum: cut to the maximum
//!   (`overlong_strings`);
//! - non-ASCII octets in a C-octet string: replaced by `?` (`non_ascii`);
//!   rusmpp's string types are ASCII-only, so keeping them is not an option;
//! - a body that stops at a field boundary before the mandatory fields end,
//!   or whose last C-octet string lacks its NUL: the rest is padded with
//!   NULs and zeros, i.e. "not given" (`missing_trailing_fields`);
//! - octets after the last field, or a TLV area that ends in a fragment:
//!   dropped (`trailing_bytes`);
//! - sm_length that disagrees with the octets: when it claims more than is
//!   there, or when what follows short_message is not even one whole TLV,
//!   the octets win (`sm_length`);
//! - receipted_message_id / additional_status_info_text TLVs sent without
//!   their NUL: terminated (`unterminated_tlv_strings`).
//!
//! What is never repaired: a broken schedule_delivery_time or
//! validity_period (guessing a time changes what happens to a message), a
//! TLV value of the wrong size for its tag, submit_multi destination lists.

use super::pdu::{CommandId, Field};

/// Which malformations to accept from a peer. [`Leniency::STRICT`] for ESMEs
/// we serve (they are told what is wrong and can fix it); something closer to
/// [`Leniency::LENIENT`] for upstream SMSCs we cannot change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Leniency {
    /// Cut a C-Octet String longer than its field to the field's maximum.
    pub overlong_strings: bool,
    /// Replace octets above 0x7F in a C-Octet String by `?`.
    pub non_ascii: bool,
    /// Pad a body that stops at a field boundary before its mandatory fields
    /// end, and add the NUL to a C-Octet String the body ends inside.
    pub missing_trailing_fields: bool,
    /// Ignore octets after the last field, a body on a header-only PDU, a
    /// TLV fragment at the end, and extra TLVs on a PDU that carries at most
    /// one (bind_resp, alert_notification, replace_sm).
    pub trailing_bytes: bool,
    /// Let the octets win when sm_length claims more than is there, or when
    /// what follows short_message is not one whole TLV.
    pub sm_length: bool,
    /// Add the missing NUL to receipted_message_id and
    /// additional_status_info_text TLVs.
    pub unterminated_tlv_strings: bool,
}

impl Leniency {
    /// Accept nothing that SMPP 3.4 does not allow.
    pub const STRICT: Leniency = Leniency {
        overlong_strings: false,
        non_ascii: false,
        missing_trailing_fields: false,
        trailing_bytes: false,
        sm_length: false,
        unterminated_tlv_strings: false,
    };

    /// Accept every repairable malformation.
    pub const LENIENT: Leniency = Leniency {
        overlong_strings: true,
        non_ascii: true,
        missing_trailing_fields: true,
        trailing_bytes: true,
        sm_length: true,
        unterminated_tlv_strings: true,
    };
}

/// One change the repair pass made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repair {
    /// A C-octet string of `len` characters was cut to the field's `max`.
    TruncatedString {
        /// The field cut.
        field: Field,
        /// Its length as received, in characters without the NUL.
        len: usize,
        /// The length it was cut to: the field's size less the NUL.
        max: usize,
    },
    /// `count` non-ASCII octets replaced by `?`.
    ReplacedNonAscii {
        /// The field they were in.
        field: Field,
        /// How many octets were replaced.
        count: usize,
    },
    /// The body ended before `from`; it and the fields after it were padded.
    PaddedMissingFields {
        /// The first field that was missing.
        from: Field,
    },
    /// The body ended inside this C-octet string; a NUL was added.
    TerminatedString {
        /// The field the body ended in.
        field: Field,
    },
    /// `count` octets after the last field were ignored.
    IgnoredTrailingBytes {
        /// How many octets were ignored.
        count: usize,
    },
    /// sm_length said `declared`, the message took `actual` octets.
    AdjustedSmLength {
        /// The sm_length on the wire.
        declared: u8,
        /// The octets taken as short_message, written back as sm_length.
        actual: u8,
    },
    /// A C-octet string TLV without its NUL was terminated.
    TerminatedTlvString {
        /// The TLV's tag.
        tag: u16,
    },
    /// A TLV cut short by the end of the PDU, or one more than the PDU
    /// allows, was dropped.
    DroppedTlv {
        /// The TLV's tag.
        tag: u16,
    },
    /// The body of an error response did not decode and was ignored.
    DroppedErrorBody {
        /// Octets of body dropped.
        len: usize,
    },
}

/// One field of a mandatory-part layout.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// C-octet string with a maximum length, NUL included.
    Str(Field, usize),
    /// A 17-octet time (or a lone NUL); copied verbatim.
    Time(Field),
    /// One octet.
    Octet(Field),
    /// sm_length followed by short_message.
    ShortMessage,
    /// number_of_dests followed by that many dest_address entries.
    Dests,
    /// no_unsuccess followed by that many unsuccess_sme entries.
    Unsuccess,
    /// Any number of TLVs to the end of the body.
    Tlvs,
    /// At most one TLV, the one with this tag (bind_resp, alert_notification,
    /// replace_sm carry a single optional parameter in rusmpp's model).
    OneTlv(u16),
}

impl Slot {
    fn field(self) -> Field {
        match self {
            Slot::Str(field, _) | Slot::Time(field) | Slot::Octet(field) => field,
            Slot::ShortMessage => Field::sm_length,
            Slot::Dests => Field::number_of_dests,
            Slot::Unsuccess => Field::no_unsuccess,
            Slot::Tlvs | Slot::OneTlv(_) => Field::tlvs,
        }
    }
}

use Slot::{Octet, OneTlv, Str, Time, Tlvs};

const BIND: &[Slot] = &[
    Str(Field::system_id, 16),
    Str(Field::password, 9),
    Str(Field::system_type, 13),
    Octet(Field::interface_version),
    Octet(Field::addr_ton),
    Octet(Field::addr_npi),
    Str(Field::address_range, 41),
];
const BIND_RESP: &[Slot] = &[Str(Field::system_id, 16), OneTlv(0x0210)];
const OUTBIND: &[Slot] = &[Str(Field::system_id, 16), Str(Field::password, 9)];
const SM: &[Slot] = &[
    Str(Field::service_type, 6),
    Octet(Field::source_addr_ton),
    Octet(Field::source_addr_npi),
    Str(Field::source_addr, 21),
    Octet(Field::dest_addr_ton),
    Octet(Field::dest_addr_npi),
    Str(Field::destination_addr, 21),
    Octet(Field::esm_class),
    Octet(Field::protocol_id),
    Octet(Field::priority_flag),
    Time(Field::schedule_delivery_time),
    Time(Field::validity_period),
    Octet(Field::registered_delivery),
    Octet(Field::replace_if_present_flag),
    Octet(Field::data_coding),
    Octet(Field::sm_default_msg_id),
    Slot::ShortMessage,
    Tlvs,
];
const SM_RESP: &[Slot] = &[Str(Field::message_id, 65), Tlvs];
const SUBMIT_MULTI: &[Slot] = &[
    Str(Field::service_type, 6),
    Octet(Field::source_addr_ton),
    Octet(Field::source_addr_npi),
    Str(Field::source_addr, 21),
    Slot::Dests,
    Octet(Field::esm_class),
    Octet(Field::protocol_id),
    Octet(Field::priority_flag),
    Time(Field::schedule_delivery_time),
    Time(Field::validity_period),
    Octet(Field::registered_delivery),
    Octet(Field::replace_if_present_flag),
    Octet(Field::data_coding),
    Octet(Field::sm_default_msg_id),
    Slot::ShortMessage,
    Tlvs,
];
const SUBMIT_MULTI_RESP: &[Slot] = &[Str(Field::message_id, 65), Slot::Unsuccess, Tlvs];
const DATA_SM: &[Slot] = &[
    Str(Field::service_type, 6),
    Octet(Field::source_addr_ton),
    Octet(Field::source_addr_npi),
    Str(Field::source_addr, 21),
    Octet(Field::dest_addr_ton),
    Octet(Field::dest_addr_npi),
    Str(Field::destination_addr, 21),
    Octet(Field::esm_class),
    Octet(Field::registered_delivery),
    Octet(Field::data_coding),
    Tlvs,
];
const QUERY_SM: &[Slot] = &[
    Str(Field::message_id, 65),
    Octet(Field::source_addr_ton),
    Octet(Field::source_addr_npi),
    Str(Field::source_addr, 21),
];
const QUERY_SM_RESP: &[Slot] = &[
    Str(Field::message_id, 65),
    Time(Field::final_date),
    Octet(Field::message_state),
    Octet(Field::error_code),
];
const CANCEL_SM: &[Slot] = &[
    Str(Field::service_type, 6),
    Str(Field::message_id, 65),
    Octet(Field::source_addr_ton),
    Octet(Field::source_addr_npi),
    Str(Field::source_addr, 21),
    Octet(Field::dest_addr_ton),
    Octet(Field::dest_addr_npi),
    Str(Field::destination_addr, 21),
];
const REPLACE_SM: &[Slot] = &[
    Str(Field::message_id, 65),
    Octet(Field::source_addr_ton),
    Octet(Field::source_addr_npi),
    Str(Field::source_addr, 21),
    Time(Field::schedule_delivery_time),
    Time(Field::validity_period),
    Octet(Field::registered_delivery),
    Octet(Field::sm_default_msg_id),
    Slot::ShortMessage,
    OneTlv(0x0424),
];
const ALERT_NOTIFICATION: &[Slot] = &[
    Octet(Field::source_addr_ton),
    Octet(Field::source_addr_npi),
    Str(Field::source_addr, 65),
    Octet(Field::esme_addr_ton),
    Octet(Field::esme_addr_npi),
    Str(Field::esme_addr, 65),
    OneTlv(0x0422),
];

fn layout(id: CommandId) -> Option<&'static [Slot]> {
    Some(match id {
        CommandId::BindReceiver | CommandId::BindTransmitter | CommandId::BindTransceiver => BIND,
        CommandId::BindReceiverResp
        | CommandId::BindTransmitterResp
        | CommandId::BindTransceiverResp => BIND_RESP,
        CommandId::Outbind => OUTBIND,
        CommandId::SubmitSm | CommandId::DeliverSm => SM,
        CommandId::SubmitSmResp | CommandId::DeliverSmResp | CommandId::DataSmResp => SM_RESP,
        CommandId::SubmitMulti => SUBMIT_MULTI,
        CommandId::SubmitMultiResp => SUBMIT_MULTI_RESP,
        CommandId::DataSm => DATA_SM,
        CommandId::QuerySm => QUERY_SM,
        CommandId::QuerySmResp => QUERY_SM_RESP,
        CommandId::CancelSm => CANCEL_SM,
        CommandId::ReplaceSm => REPLACE_SM,
        CommandId::AlertNotification => ALERT_NOTIFICATION,
        _ => return None,
    })
}

/// The TLV area of a PDU body (what follows the mandatory fields), found by
/// walking the layout without repairing anything. `None` when the mandatory
/// part does not parse or the PDU has no TLVs.
pub(super) fn tlv_area(id: CommandId, body: &[u8]) -> Option<&[u8]> {
    let slots = layout(id)?;
    let mut walk = Walk {
        body,
        pos: 0,
        out: Vec::new(),
        repairs: Vec::new(),
        leniency: Leniency::STRICT,
    };
    for (index, slot) in slots.iter().enumerate() {
        if matches!(slot, Tlvs | OneTlv(_)) {
            return body.get(walk.pos..);
        }
        let next_is_tlvs = matches!(slots.get(index + 1), Some(Tlvs | OneTlv(_)));
        walk.slot(*slot, next_is_tlvs)?;
    }
    None
}

/// Whether `bytes` is a sequence of whole tag/length/value triples.
pub(super) fn is_tlv_stream(mut bytes: &[u8]) -> bool {
    while let [_, _, l0, l1, rest @ ..] = bytes {
        let len = usize::from(u16::from_be_bytes([*l0, *l1]));
        match rest.get(len..) {
            Some(next) => bytes = next,
            None => return false,
        }
    }
    bytes.is_empty()
}

/// How many whole tag/length/value triples `bytes` starts with.
fn complete_tlvs(mut bytes: &[u8]) -> usize {
    let mut count = 0;
    while let [_, _, l0, l1, rest @ ..] = bytes {
        let len = usize::from(u16::from_be_bytes([*l0, *l1]));
        match rest.get(len..) {
            Some(next) => bytes = next,
            None => break,
        }
        count += 1;
    }
    count
}

/// TLVs whose value is a C-octet string: additional_status_info_text and
/// receipted_message_id.
const C_STRING_TLVS: [u16; 2] = [0x001D, 0x001E];

/// Repair `body` of a PDU with command `id`. `None` when the layout is
/// unknown, a malformation is not allowed by `leniency` or not repairable,
/// or there was nothing to repair.
pub(super) fn repair(
    id: CommandId,
    body: &[u8],
    leniency: Leniency,
) -> Option<(Vec<u8>, Vec<Repair>)> {
    let slots = layout(id)?;
    let mut walk = Walk {
        body,
        pos: 0,
        out: Vec::with_capacity(body.len() + 8),
        repairs: Vec::new(),
        leniency,
    };
    for (index, slot) in slots.iter().enumerate() {
        let at_end = walk.pos >= body.len();
        if at_end && !matches!(slot, Tlvs | OneTlv(_)) {
            if !leniency.missing_trailing_fields || walk.pos == 0 {
                return None;
            }
            walk.repairs
                .push(Repair::PaddedMissingFields { from: slot.field() });
            for rest in slots.get(index..).unwrap_or(&[]) {
                walk.pad(*rest);
            }
            break;
        }
        let next_is_tlvs = matches!(slots.get(index + 1), Some(Tlvs | OneTlv(_)));
        walk.slot(*slot, next_is_tlvs)?;
    }
    let trailing = body.len().saturating_sub(walk.pos);
    if trailing > 0 {
        if !leniency.trailing_bytes {
            return None;
        }
        walk.repairs
            .push(Repair::IgnoredTrailingBytes { count: trailing });
    }
    if walk.repairs.is_empty() {
        return None;
    }
    Some((walk.out, walk.repairs))
}

struct Walk<'a> {
    body: &'a [u8],
    pos: usize,
    out: Vec<u8>,
    repairs: Vec<Repair>,
    leniency: Leniency,
}

impl Walk<'_> {
    fn rest(&self) -> &[u8] {
        self.body.get(self.pos..).unwrap_or(&[])
    }

    fn octet(&mut self) -> Option<u8> {
        let byte = *self.body.get(self.pos)?;
        self.pos += 1;
        Some(byte)
    }

    fn pad(&mut self, slot: Slot) {
        match slot {
            Str(..) | Time(_) | Octet(_) | Slot::Dests | Slot::Unsuccess => self.out.push(0),
            Slot::ShortMessage => self.out.push(0),
            Tlvs | OneTlv(_) => {}
        }
    }

    fn slot(&mut self, slot: Slot, next_is_tlvs: bool) -> Option<()> {
        match slot {
            Str(field, max) => self.string(field, max),
            Time(_) => {
                let len = self.rest().iter().position(|&b| b == 0)?;
                let end = self.pos + len + 1;
                self.out.extend_from_slice(self.body.get(self.pos..end)?);
                self.pos = end;
                Some(())
            }
            Octet(_) => {
                let byte = self.octet()?;
                self.out.push(byte);
                Some(())
            }
            Slot::ShortMessage => self.short_message(next_is_tlvs),
            Slot::Dests => self.dests(),
            Slot::Unsuccess => self.unsuccess(),
            Tlvs => self.tlvs(None),
            OneTlv(tag) => self.tlvs(Some(tag)),
        }
    }

    fn string(&mut self, field: Field, max: usize) -> Option<()> {
        let rest = self.rest();
        let (mut text, used) = match rest.iter().position(|&b| b == 0) {
            Some(len) => (rest.get(..len)?.to_vec(), len + 1),
            None => {
                if !self.leniency.missing_trailing_fields {
                    return None;
                }
                let text = rest.to_vec();
                self.repairs.push(Repair::TerminatedString { field });
                let used = text.len();
                (text, used)
            }
        };
        self.pos += used;
        if text.len() + 1 > max {
            if !self.leniency.overlong_strings {
                return None;
            }
            self.repairs.push(Repair::TruncatedString {
                field,
                len: text.len(),
                max: max - 1,
            });
            text.truncate(max - 1);
        }
        let count = text.iter().filter(|b| !b.is_ascii()).count();
        if count > 0 {
            if !self.leniency.non_ascii {
                return None;
            }
            self.repairs.push(Repair::ReplacedNonAscii { field, count });
            for byte in text.iter_mut().filter(|b| !b.is_ascii()) {
                *byte = b'?';
            }
        }
        self.out.extend_from_slice(&text);
        self.out.push(0);
        Some(())
    }

    fn short_message(&mut self, next_is_tlvs: bool) -> Option<()> {
        let declared = self.octet()?;
        let available = self.rest().len();
        let mut take = usize::from(declared);
        if take > available {
            if !self.leniency.sm_length {
                return None;
            }
            take = available;
        } else if self.leniency.sm_length
            && next_is_tlvs
            && available <= usize::from(u8::MAX)
            && complete_tlvs(self.rest().get(take..).unwrap_or(&[])) == 0
            && take < available
        {
            // What follows the message is not even one whole TLV: the
            // octets are message, sm_length counted something else.
            take = available;
        }
        let actual = u8::try_from(take).ok()?;
        if actual != declared {
            self.repairs
                .push(Repair::AdjustedSmLength { declared, actual });
        }
        let end = self.pos + take;
        self.out.push(actual);
        self.out.extend_from_slice(self.body.get(self.pos..end)?);
        self.pos = end;
        Some(())
    }

    fn copy_c_string(&mut self) -> Option<()> {
        let len = self.rest().iter().position(|&b| b == 0)?;
        let end = self.pos + len + 1;
        self.out.extend_from_slice(self.body.get(self.pos..end)?);
        self.pos = end;
        Some(())
    }

    fn copy_octets(&mut self, count: usize) -> Option<()> {
        let end = self.pos.checked_add(count)?;
        self.out.extend_from_slice(self.body.get(self.pos..end)?);
        self.pos = end;
        Some(())
    }

    /// number_of_dests, then per entry dest_flag 1 (ton, npi, address) or
    /// 2 (dl_name). Copied verbatim; anything else is not repairable.
    fn dests(&mut self) -> Option<()> {
        let count = self.octet()?;
        self.out.push(count);
        for _ in 0..count {
            match self.octet()? {
                1 => {
                    self.out.push(1);
                    self.copy_octets(2)?;
                    self.copy_c_string()?;
                }
                2 => {
                    self.out.push(2);
                    self.copy_c_string()?;
                }
                _ => return None,
            }
        }
        Some(())
    }

    /// no_unsuccess, then per entry ton, npi, address, error_status_code.
    fn unsuccess(&mut self) -> Option<()> {
        let count = self.octet()?;
        self.out.push(count);
        for _ in 0..count {
            self.copy_octets(2)?;
            self.copy_c_string()?;
            self.copy_octets(4)?;
        }
        Some(())
    }

    /// Copy the TLV area, terminating C-string TLVs and dropping a fragment at
    /// the end. With `only`, keep just the first TLV with that tag.
    fn tlvs(&mut self, only: Option<u16>) -> Option<()> {
        let mut kept = false;
        while !self.rest().is_empty() {
            let rest = self.rest();
            let [t0, t1, l0, l1, ..] = *rest else {
                if !self.leniency.trailing_bytes {
                    return None;
                }
                self.repairs
                    .push(Repair::IgnoredTrailingBytes { count: rest.len() });
                self.pos = self.body.len();
                break;
            };
            let tag = u16::from_be_bytes([t0, t1]);
            let len = usize::from(u16::from_be_bytes([l0, l1]));
            let Some(value) = rest.get(4..4 + len) else {
                if !self.leniency.trailing_bytes {
                    return None;
                }
                self.repairs.push(Repair::DroppedTlv { tag });
                self.pos = self.body.len();
                break;
            };
            let value = value.to_vec();
            self.pos += 4 + len;
            if only.is_some_and(|wanted| wanted != tag || kept) {
                if !self.leniency.trailing_bytes {
                    return None;
                }
                self.repairs.push(Repair::DroppedTlv { tag });
                continue;
            }
            kept = true;
            self.out.extend_from_slice(&tag.to_be_bytes());
            if C_STRING_TLVS.contains(&tag) && value.last() != Some(&0) {
                if !self.leniency.unterminated_tlv_strings {
                    return None;
                }
                let len = u16::try_from(value.len() + 1).ok()?;
                self.repairs.push(Repair::TerminatedTlvString { tag });
                self.out.extend_from_slice(&len.to_be_bytes());
                self.out.extend_from_slice(&value);
                self.out.push(0);
            } else {
                self.out.extend_from_slice(&[l0, l1]);
                self.out.extend_from_slice(&value);
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlv_stream_recognition() {
        assert!(is_tlv_stream(&[]));
        assert!(is_tlv_stream(&[0x02, 0x04, 0x00, 0x02, 0x00, 0x01]));
        assert!(!is_tlv_stream(&[0x02, 0x04, 0x00, 0x03, 0x00, 0x01]));
        assert!(!is_tlv_stream(b"hello"));
    }

    #[test]
    fn strict_leniency_repairs_nothing() {
        // bind_transmitter with an over-long system_id.
        let body = b"abcdefghijklmnopqrstuvwxyz\0pw\0\0\x34\0\0\0";
        assert!(repair(CommandId::BindTransmitter, body, Leniency::STRICT).is_none());
        let (fixed, repairs) =
            repair(CommandId::BindTransmitter, body, Leniency::LENIENT).expect("repairable");
        assert_eq!(&fixed[..16], b"abcdefghijklmno\0");
        assert_eq!(
            repairs,
            vec![Repair::TruncatedString {
                field: Field::system_id,
                len: 26,
                max: 15
            }]
        );
    }

    #[test]
    fn well_formed_bodies_need_no_repair() {
        let body = b"sys\0pw\0\0\x34\0\0\0";
        assert!(repair(CommandId::BindTransmitter, body, Leniency::LENIENT).is_none());
    }

    #[test]
    fn empty_bodies_are_not_padded_into_existence() {
        assert!(repair(CommandId::SubmitSm, b"", Leniency::LENIENT).is_none());
    }
}
