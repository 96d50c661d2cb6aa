//! Decode failures and THE mapping from each failure to the command_status
//! the server answers (and whether it answers with `generic_nack` or with the
//! request's own `_resp`). Every ESME-visible decode rejection is decided in
//! [`BodyError::command_status`]; nothing else in the crate picks a status for
//! malformed input.
//!
//! Two families, because they call for different actions:
//! - [`FrameError::Length`]: command_length below 16 or above the configured
//!   maximum. The stream cannot be resynchronised: answer `generic_nack`
//!   (ESME_RINVCMDLEN) and close.
//! - [`FrameError::Body`]: the length was sane, so the PDU can be skipped
//!   and the session goes on. The header is kept so the answer carries the
//!   right sequence number and response type.

use rusmpp::decode::{
    COctetStringDecodeError, DecodeError, DecodeErrorKind, OctetStringDecodeError,
};

use super::header::Header;
use super::pdu::{self, Command, CommandId, CommandStatus, Field};

/// What was wrong with a byte stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// command_length outside `16..=max`: close the connection.
    #[error(
        "command_length {command_length} outside 16..={max}; the stream cannot be resynchronised"
    )]
    Length {
        /// The command_length read from the first four octets.
        command_length: u32,
        /// The codec's ceiling ([`Codec::max_command_length`](super::Codec::max_command_length)).
        max: u32,
        /// The (possibly meaningless) header, when 16 octets had arrived.
        header: Option<Header>,
    },
    /// A PDU of sane length whose body is unusable: skip `header.command_length`
    /// octets and go on.
    #[error("{:?} (sequence {}): {error}", header.command_id, header.sequence_number)]
    Body {
        /// The header as read; its command_length says how much to skip and its
        /// sequence_number goes into the reply.
        header: Header,
        /// What was wrong with the body.
        error: BodyError,
    },
}

/// Why a PDU body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// A command id SMPP 3.4 does not define.
    #[error("unknown command_id 0x{0:08X}")]
    UnknownCommandId(u32),
    /// A request that needs a body arrived with none.
    #[error("the PDU has no body")]
    MissingBody,
    /// A header-only PDU (enquire_link, unbind, …) carried a body.
    #[error("{len} unexpected body octets on a header-only PDU")]
    UnexpectedBody {
        /// Octets of body that followed the header.
        len: usize,
    },
    /// The mandatory fields and TLVs ended before command_length did.
    #[error("{count} octets left after the last field")]
    TrailingBytes {
        /// Octets left unread.
        count: usize,
    },
    /// A mandatory field could not be read.
    #[error("field {field:?}: {problem}")]
    Field {
        /// The mandatory field, as rusmpp names it (SMPP 3.4 §4 spelling).
        field: Field,
        /// What was wrong in it.
        problem: Problem,
    },
    /// The TLV area could not be cut into tag/length/value triples.
    #[error("TLV stream: {problem}")]
    TlvStream {
        /// What was wrong; [`Problem::Truncated`] when the triples do not tile the TLV area.
        problem: Problem,
    },
    /// A TLV's value did not decode as its tag requires.
    #[error("TLV value: {problem}")]
    TlvValue {
        /// What was wrong in the value.
        problem: Problem,
    },
    /// A TLV's value_length disagrees with the size its tag prescribes.
    #[error("TLV 0x{tag:04X}: value_length {declared}, value takes {actual}")]
    TlvLength {
        /// The TLV's tag (SMPP 3.4 §5.3.2).
        tag: u16,
        /// The value_length the TLV declared, in octets.
        declared: usize,
        /// The octets its decoded value takes.
        actual: usize,
    },
}

/// What was wrong inside a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The input ended inside the field.
    #[error("ended before the field did")]
    Truncated,
    /// A C-Octet String has no NUL within its maximum length (SMPP 3.4
    /// §3.1): too long for the field.
    #[error("C-octet string not NUL-terminated within its maximum length")]
    NotNulTerminated,
    /// A C-Octet String holds octets above 0x7F.
    #[error("C-octet string contains non-ASCII octets")]
    NotAscii,
    /// Fewer octets than the field's minimum, e.g. a time field that is
    /// neither empty nor 17 octets.
    #[error("{actual} octets, the field needs at least {min}")]
    TooShort {
        /// Octets present.
        actual: usize,
        /// Octets the field needs.
        min: usize,
    },
    /// More octets than the field's maximum.
    #[error("{actual} octets, the field allows at most {max}")]
    TooLong {
        /// Octets present.
        actual: usize,
        /// Octets the field allows.
        max: usize,
    },
    /// The TLV triples tile the TLV area, yet a value did not decode: its
    /// value_length does not match the size its tag prescribes.
    #[error("value_length does not fit the type its tag prescribes")]
    WrongLength,
    /// Any other rusmpp decode failure (invalid UDH, an unsupported key,
    /// too many elements, …); the text says which.
    #[error("{0}")]
    Other(&'static str),
}

impl From<DecodeErrorKind> for Problem {
    fn from(kind: DecodeErrorKind) -> Self {
        match kind {
            DecodeErrorKind::UnexpectedEof => Problem::Truncated,
            DecodeErrorKind::COctetStringDecodeError(error) => match error {
                COctetStringDecodeError::NotAscii => Problem::NotAscii,
                COctetStringDecodeError::NotNullTerminated => Problem::NotNulTerminated,
                // Nothing left at all: the body ended before this field.
                COctetStringDecodeError::TooFewBytes { actual: 0, .. } => Problem::Truncated,
                COctetStringDecodeError::TooFewBytes { actual, min } => {
                    Problem::TooShort { actual, min }
                }
                _ => Problem::Other("invalid C-octet string"),
            },
            DecodeErrorKind::OctetStringDecodeError(error) => match error {
                OctetStringDecodeError::TooManyBytes { actual, max } => {
                    Problem::TooLong { actual, max }
                }
                OctetStringDecodeError::TooFewBytes { actual, min } => {
                    Problem::TooShort { actual, min }
                }
                _ => Problem::Other("invalid octet string"),
            },
            DecodeErrorKind::TooManyElements { .. } => Problem::Other("too many elements"),
            DecodeErrorKind::UnsupportedKey { .. } => Problem::Other("unsupported key"),
            DecodeErrorKind::UdhDecodeError(_) => Problem::Other("invalid UDH"),
            _ => Problem::Other("invalid value"),
        }
    }
}

impl BodyError {
    /// Classify a rusmpp decode error. rusmpp's `verbose` feature records the
    /// path of fields down to the one that failed (`pdu` → `tlvs` → `value`);
    /// the deepest field names the culprit, and whether the path went through
    /// `tlvs` tells a TLV problem from a mandatory-field one.
    pub fn from_rusmpp(error: &DecodeError) -> BodyError {
        let problem = Problem::from(error.kind());
        let mut in_tlvs = false;
        let mut deepest = None;
        let mut source = error.source();
        while let Some(step) = source {
            let field = step.field();
            if matches!(
                field,
                Field::tlvs
                    | Field::sc_interface_version
                    | Field::ms_availability_status
                    | Field::message_payload
            ) {
                in_tlvs = true;
            }
            deepest = Some(field);
            source = step.error().source();
        }
        match deepest {
            Some(Field::tag | Field::value_length) if in_tlvs => BodyError::TlvStream { problem },
            Some(_) if in_tlvs => BodyError::TlvValue { problem },
            Some(Field::pdu) | None => BodyError::MissingBody,
            Some(field) => BodyError::Field { field, problem },
        }
    }

    /// The command_status a server answers for this failure.
    pub fn command_status(&self) -> CommandStatus {
        match self {
            BodyError::UnknownCommandId(_) => CommandStatus::EsmeRinvcmdid,
            BodyError::MissingBody
            | BodyError::UnexpectedBody { .. }
            | BodyError::TrailingBytes { .. } => CommandStatus::EsmeRinvcmdlen,
            BodyError::TlvStream { .. } => CommandStatus::EsmeRinvtlvstream,
            BodyError::TlvLength { .. } => CommandStatus::EsmeRinvtlvlen,
            BodyError::TlvValue { problem } => match problem {
                Problem::Truncated
                | Problem::TooShort { .. }
                | Problem::TooLong { .. }
                | Problem::WrongLength => CommandStatus::EsmeRinvtlvlen,
                _ => CommandStatus::EsmeRinvtlvval,
            },
            BodyError::Field { field, problem } => field_status(*field, *problem),
        }
    }

    /// Whether the PDU could not be understood as a 3.4 PDU at all (unknown
    /// id, a body of the wrong size), which SMPP answers with `generic_nack`
    /// rather than the request's `_resp`.
    fn is_structural(&self) -> bool {
        matches!(
            self.command_status(),
            CommandStatus::EsmeRinvcmdlen | CommandStatus::EsmeRinvcmdid
        )
    }
}

/// The status for a failed mandatory field. A body that ends before a field
/// starts is shorter than the PDU: ESME_RINVCMDLEN (except for the message
/// itself, where sm_length is what lies: ESME_RINVMSGLEN). A field that is
/// there but malformed gets the status the spec attaches to that field.
fn field_status(field: Field, problem: Problem) -> CommandStatus {
    match field {
        Field::short_message | Field::sm_length => CommandStatus::EsmeRinvmsglen,
        _ if problem == Problem::Truncated => CommandStatus::EsmeRinvcmdlen,
        Field::source_addr => CommandStatus::EsmeRinvsrcadr,
        Field::destination_addr | Field::esme_addr | Field::dest_address => {
            CommandStatus::EsmeRinvdstadr
        }
        Field::dl_name => CommandStatus::EsmeRinvdlname,
        Field::number_of_dests => CommandStatus::EsmeRinvnumdests,
        Field::service_type => CommandStatus::EsmeRinvsertyp,
        Field::system_id => CommandStatus::EsmeRinvsysid,
        Field::password => CommandStatus::EsmeRinvpaswd,
        Field::system_type => CommandStatus::EsmeRinvsystyp,
        Field::address_range => CommandStatus::EsmeRbindfail,
        Field::message_id => CommandStatus::EsmeRinvmsgid,
        Field::schedule_delivery_time => CommandStatus::EsmeRinvsched,
        Field::validity_period => CommandStatus::EsmeRinvexpiry,
        Field::esm_class => CommandStatus::EsmeRinvesmclass,
        Field::registered_delivery => CommandStatus::EsmeRinvregdlvflg,
        Field::replace_if_present_flag => CommandStatus::EsmeRinvrepflag,
        Field::priority_flag => CommandStatus::EsmeRinvprtflg,
        Field::sm_default_msg_id => CommandStatus::EsmeRinvdftmsgid,
        _ => CommandStatus::EsmeRinvcmdlen,
    }
}

impl FrameError {
    /// Whether the session can go on after this error (skipping the PDU).
    pub fn can_continue(&self) -> bool {
        matches!(self, FrameError::Body { .. })
    }

    /// Octets to drop from the input before the next PDU; `None` when the
    /// stream cannot be resynchronised.
    pub fn skip_len(&self) -> Option<usize> {
        match self {
            FrameError::Length { .. } => None,
            FrameError::Body { header, .. } => usize::try_from(header.command_length).ok(),
        }
    }

    /// The header of the offending PDU, when one could be read.
    pub fn header(&self) -> Option<&Header> {
        match self {
            FrameError::Length { header, .. } => header.as_ref(),
            FrameError::Body { header, .. } => Some(header),
        }
    }

    /// The command_status a server answers.
    pub fn command_status(&self) -> CommandStatus {
        match self {
            FrameError::Length { .. } => CommandStatus::EsmeRinvcmdlen,
            FrameError::Body { error, .. } => error.command_status(),
        }
    }

    /// What a server sends back, if anything:
    /// - a bad command_length, an unknown command_id, or a body that cannot
    ///   be parsed into fields: `generic_nack` with the status;
    /// - a request whose fields parsed but one is invalid: `<request>_resp`
    ///   with the status (and no body, as 3.4 prescribes for errors), so the
    ///   ESME sees the failure where it expects the answer;
    /// - a malformed *response*: nothing (a response is never answered); the
    ///   caller fails the matching window entry using [`Self::header`].
    pub fn reply(&self) -> Option<Command> {
        let status = self.command_status();
        match self {
            FrameError::Length { header, .. } => Some(pdu::generic_nack(
                status,
                header.map_or(0, |h| h.sequence_number),
            )),
            FrameError::Body { header, error } => {
                let id = header.command_id;
                let seq = header.sequence_number;
                if matches!(error, BodyError::UnknownCommandId(_)) {
                    Some(pdu::generic_nack(status, seq))
                } else if id.is_response() {
                    None
                } else if error.is_structural() {
                    Some(pdu::generic_nack(status, seq))
                } else {
                    Some(pdu::error_response(id, status, seq))
                }
            }
        }
    }

    /// The command id of the offending PDU, when known.
    pub fn command_id(&self) -> Option<CommandId> {
        self.header().map(|h| h.command_id)
    }
}

/// Why a command could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The encoded PDU would exceed the codec's maximum command_length.
    #[error("the PDU would be {len} octets, more than the {max} allowed")]
    TooLong {
        /// The command_length the PDU would have, header included.
        len: usize,
        /// The codec's ceiling.
        max: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(id: CommandId, error: BodyError) -> FrameError {
        FrameError::Body {
            header: Header {
                command_length: 40,
                command_id: id,
                command_status: CommandStatus::EsmeRok,
                sequence_number: 77,
            },
            error,
        }
    }

    #[test]
    fn field_failures_map_to_the_field_status() {
        let cases = [
            (Field::source_addr, Problem::NotNulTerminated, 0x0A),
            (Field::destination_addr, Problem::NotAscii, 0x0B),
            (Field::short_message, Problem::Truncated, 0x01),
            (Field::system_id, Problem::NotNulTerminated, 0x0F),
            (Field::password, Problem::NotNulTerminated, 0x0E),
            (Field::system_type, Problem::NotNulTerminated, 0x53),
            (Field::service_type, Problem::NotNulTerminated, 0x15),
            (Field::message_id, Problem::NotNulTerminated, 0x0C),
            (
                Field::schedule_delivery_time,
                Problem::TooShort { actual: 5, min: 17 },
                0x61,
            ),
            (
                Field::validity_period,
                Problem::TooShort { actual: 5, min: 17 },
                0x62,
            ),
            (Field::esm_class, Problem::Truncated, 0x02),
            (Field::address_range, Problem::Truncated, 0x02),
            (Field::address_range, Problem::NotNulTerminated, 0x0D),
            (Field::data_coding, Problem::Truncated, 0x02),
            (Field::dl_name, Problem::NotNulTerminated, 0x34),
        ];
        for (field, problem, code) in cases {
            let error = BodyError::Field { field, problem };
            assert_eq!(
                u32::from(error.command_status()),
                code,
                "{field:?} {problem:?}"
            );
        }
    }

    #[test]
    fn tlv_failures_map_to_the_c0_range() {
        let stream = BodyError::TlvStream {
            problem: Problem::Truncated,
        };
        assert_eq!(u32::from(stream.command_status()), 0xC0);
        let length = BodyError::TlvLength {
            tag: 0x020C,
            declared: 1,
            actual: 2,
        };
        assert_eq!(u32::from(length.command_status()), 0xC2);
        let value = BodyError::TlvValue {
            problem: Problem::NotNulTerminated,
        };
        assert_eq!(u32::from(value.command_status()), 0xC4);
        let short = BodyError::TlvValue {
            problem: Problem::TooShort { actual: 1, min: 4 },
        };
        assert_eq!(u32::from(short.command_status()), 0xC2);
    }

    #[test]
    fn replies_pick_generic_nack_resp_or_nothing() {
        let unknown = body(CommandId::Other(0x99), BodyError::UnknownCommandId(0x99));
        let reply = unknown.reply().expect("unknown ids are nacked");
        assert_eq!(reply.id(), CommandId::GenericNack);
        assert_eq!(reply.status(), CommandStatus::EsmeRinvcmdid);
        assert_eq!(reply.sequence_number(), 77);

        let bad_dest = body(
            CommandId::SubmitSm,
            BodyError::Field {
                field: Field::destination_addr,
                problem: Problem::NotNulTerminated,
            },
        );
        let reply = bad_dest.reply().expect("requests are answered");
        assert_eq!(reply.id(), CommandId::SubmitSmResp);
        assert_eq!(reply.status(), CommandStatus::EsmeRinvdstadr);
        assert!(reply.pdu().is_none());

        let truncated = body(CommandId::SubmitSm, BodyError::MissingBody);
        let reply = truncated.reply().expect("requests are answered");
        assert_eq!(reply.id(), CommandId::GenericNack);
        assert_eq!(reply.status(), CommandStatus::EsmeRinvcmdlen);

        let bad_resp = body(CommandId::SubmitSmResp, BodyError::MissingBody);
        assert!(bad_resp.reply().is_none());
        assert_eq!(bad_resp.skip_len(), Some(40));
        assert!(bad_resp.can_continue());

        let length = FrameError::Length {
            command_length: 3,
            max: 4096,
            header: None,
        };
        assert!(!length.can_continue());
        assert_eq!(length.skip_len(), None);
        let reply = length.reply().expect("a nack before closing");
        assert_eq!(reply.id(), CommandId::GenericNack);
        assert_eq!(reply.status(), CommandStatus::EsmeRinvcmdlen);
    }
}
