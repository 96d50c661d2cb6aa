//! Typed CIMD2 operations: a [`Packet`] read into the operation it carries
//! ([`Message::read`]) and written back ([`Message::packet`]), each
//! parameter checked against its type and range. Sans-I/O, as the rest of
//! the codec.
//!
//! | code | [`Message`] | parameters read |
//! | --- | --- | --- |
//! | 01 | `Login` | 010 user identity, 011 password |
//! | 02 | `Logout` | — |
//! | 03 | `Submit` | 021, 023 or 027, 030, 032, 033 or 034, 044, 050, 051, 052, 056, 067 |
//! | 20 | `Deliver` | 021, 023 or 027, 030, 032, 033 or 034, 052, 060 |
//! | 23 | `StatusReport` | 021, 023, 060, 061, 062, 063 |
//! | 40 | `Alive` | — |
//! | 51–90 | `Response` | 900 error code, 901 error text, 021 and 060 (a submit's) |
//! | 98 | `GeneralError` | 900, 901 |
//! | 99 | `Nack` | — |
//!
//! Addresses, the login's strings and error texts are ISO-8859-1 octets,
//! as Kannel writes them; user data (033) is CIMD2 text ([`text`](super::text)),
//! binary user data (034) and the header (032) hex. Parameters this module
//! does not name are dropped when reading.

use chrono::NaiveDateTime;

use crate::model::MessageState;

use super::operation::OperationCode;
use super::packet::{Packet, PacketNumber, Parameter, TAB};
use super::parameter::ParameterCode;
use super::text;
use super::time;
use crate::ucp::frame::{ETX, STX};

/// An error code (900): 0–999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ErrorCode(pub u16);

impl ErrorCode {
    /// 1: unexpected operation.
    pub const UNEXPECTED_OPERATION: ErrorCode = ErrorCode(1);
    /// 2: syntax error.
    pub const SYNTAX_ERROR: ErrorCode = ErrorCode(2);
    /// 6: general system error.
    pub const SYSTEM_ERROR: ErrorCode = ErrorCode(6);
    /// 10: temporary congestion.
    pub const CONGESTION: ErrorCode = ErrorCode(10);
    /// 100: invalid login.
    pub const INVALID_LOGIN: ErrorCode = ErrorCode(100);
    /// 300: incorrect destination address.
    pub const INCORRECT_DESTINATION: ErrorCode = ErrorCode(300);
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A status report's status code (061).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCode {
    /// 1: in process.
    InProcess,
    /// 2: validity period expired.
    ValidityExpired,
    /// 3: delivery failed.
    DeliveryFailed,
    /// 4: delivery successful.
    Delivered,
    /// 5: no response.
    NoResponse,
    /// 6: last no response.
    LastNoResponse,
    /// 7: message cancelled.
    Cancelled,
    /// 8: message deleted.
    Deleted,
    /// 9: message deleted by cancel.
    DeletedByCancel,
}

impl StatusCode {
    const ALL: [StatusCode; 9] = [
        StatusCode::InProcess,
        StatusCode::ValidityExpired,
        StatusCode::DeliveryFailed,
        StatusCode::Delivered,
        StatusCode::NoResponse,
        StatusCode::LastNoResponse,
        StatusCode::Cancelled,
        StatusCode::Deleted,
        StatusCode::DeletedByCancel,
    ];

    /// The code, 1–9.
    pub fn value(self) -> u16 {
        let index = StatusCode::ALL
            .iter()
            .position(|code| *code == self)
            .unwrap_or_default();
        u16::try_from(index).unwrap_or_default() + 1
    }

    /// The status of `value`, `None` outside 1–9.
    pub fn new(value: u16) -> Option<StatusCode> {
        let index = usize::from(value).checked_sub(1)?;
        StatusCode::ALL.get(index).copied()
    }

    /// The final state this reports, `None` while the SMSC still tries
    /// (1 in process, 5 no response).
    pub const fn state(self) -> Option<MessageState> {
        match self {
            StatusCode::InProcess | StatusCode::NoResponse => None,
            StatusCode::ValidityExpired => Some(MessageState::Expired),
            StatusCode::DeliveryFailed | StatusCode::LastNoResponse => {
                Some(MessageState::Undeliverable)
            }
            StatusCode::Delivered => Some(MessageState::Delivered),
            StatusCode::Cancelled | StatusCode::Deleted | StatusCode::DeletedByCancel => {
                Some(MessageState::Deleted)
            }
        }
    }
}

/// Who a message is from: digits (023) or a name (027).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Originator {
    /// 023: digits.
    Number(String),
    /// 027: a name.
    Alphanumeric(String),
}

/// User data: CIMD2 text (033) or octets (034).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserData {
    /// 033: text in CIMD2's character set.
    Text(String),
    /// 034: octets, as hex.
    Binary(Vec<u8>),
}

/// What a submit or a delivery carries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Content {
    /// 030: the data coding scheme; absent is the default alphabet.
    pub data_coding: Option<u8>,
    /// 032: the user data header, its length octet (UDHL) first.
    pub udh: Option<Vec<u8>>,
    /// 033 or 034; absent is an empty message.
    pub user_data: Option<UserData>,
}

/// A submit message (03).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Submit {
    /// 021.
    pub destination: String,
    /// 023 or 027.
    pub originator: Option<Originator>,
    /// 030, 032, 033 or 034.
    pub content: Content,
    /// 044: more messages to send.
    pub more_messages: Option<bool>,
    /// 050: validity period relative, 0–255.
    pub validity_relative: Option<u8>,
    /// 051: validity period absolute, in the SMSC's local time.
    pub validity_absolute: Option<NaiveDateTime>,
    /// 052: protocol identifier.
    pub protocol_identifier: Option<u8>,
    /// 056: status report request, a bit mask 0–63.
    pub status_report_request: Option<u8>,
    /// 067: priority, 1–9.
    pub priority: Option<u8>,
}

/// A deliver message (20): an MO.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Deliver {
    /// 021: the number it was sent to.
    pub destination: String,
    /// 023 or 027.
    pub originator: Option<Originator>,
    /// 030, 032, 033 or 034.
    pub content: Content,
    /// 052.
    pub protocol_identifier: Option<u8>,
    /// 060: when the SMSC took it.
    pub scts: Option<NaiveDateTime>,
}

/// A deliver status report (23): a receipt for the submit the SMSC named
/// `destination` and `scts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// 021: the submit's destination.
    pub destination: String,
    /// 023: the submit's originator, when the SMSC says.
    pub originator: Option<String>,
    /// 060: the submit's service centre timestamp.
    pub scts: NaiveDateTime,
    /// 061.
    pub status: StatusCode,
    /// 062: why it failed, 0–999.
    pub error: Option<u16>,
    /// 063: when it was delivered or given up.
    pub discharge_time: Option<NaiveDateTime>,
}

/// The answer to a request (its code plus 50).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Response {
    /// 900: present when the request failed.
    pub error: Option<ErrorCode>,
    /// 901.
    pub error_text: Option<String>,
    /// 021: a submit's destination, as the SMSC names it.
    pub destination: Option<String>,
    /// 060: a submit's service centre timestamp.
    pub scts: Option<NaiveDateTime>,
}

/// One CIMD2 operation, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// 01.
    Login {
        /// 010.
        user: String,
        /// 011.
        password: String,
    },
    /// 02.
    Logout,
    /// 03.
    Submit(Box<Submit>),
    /// 20.
    Deliver(Box<Deliver>),
    /// 23.
    StatusReport(Box<StatusReport>),
    /// 40.
    Alive,
    /// The response to `request` (the request's code).
    Response {
        /// The request's code (01 for a 51).
        request: OperationCode,
        /// What it says.
        response: Response,
    },
    /// 98.
    GeneralError(Response),
    /// 99.
    Nack,
}

/// Why a packet does not read as a typed operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// An operation this module does not type (04–09, …).
    #[error("operation {0} is not one this codec types")]
    Unsupported(OperationCode),
    /// A parameter the operation needs is absent.
    #[error("operation {operation} without parameter {parameter}")]
    Missing {
        /// The operation.
        operation: OperationCode,
        /// The parameter.
        parameter: ParameterCode,
    },
    /// A parameter whose value is not of its type or range.
    #[error("parameter {parameter}: {reason}")]
    Invalid {
        /// The parameter.
        parameter: ParameterCode,
        /// What is wrong.
        reason: String,
    },
}

/// Why a typed operation cannot be written as a packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// A character the parameter cannot carry (user data outside GSM
    /// 03.38, a string outside ISO-8859-1 or with TAB, STX or ETX).
    #[error("parameter {0}: a character CIMD2 cannot carry")]
    Character(ParameterCode),
    /// A time outside the two-digit years.
    #[error("parameter {0}: a time outside 1990–2089")]
    Time(ParameterCode),
    /// A response to an operation that has none (a response, 98, 99).
    #[error("operation {0} has no response")]
    NoResponse(OperationCode),
}

impl Message {
    /// The operation code this message is written with.
    pub fn operation(&self) -> Option<OperationCode> {
        Some(match self {
            Message::Login { .. } => OperationCode::LOGIN,
            Message::Logout => OperationCode::LOGOUT,
            Message::Submit(_) => OperationCode::SUBMIT,
            Message::Deliver(_) => OperationCode::DELIVER,
            Message::StatusReport(_) => OperationCode::STATUS_REPORT,
            Message::Alive => OperationCode::ALIVE,
            Message::Response { request, .. } => return request.response(),
            Message::GeneralError(_) => OperationCode::GENERAL_ERROR,
            Message::Nack => OperationCode::NACK,
        })
    }

    /// The packet numbered `number`.
    pub fn packet(&self, number: PacketNumber) -> Result<Packet, WriteError> {
        let operation = match self.operation() {
            Some(operation) => operation,
            None => {
                let request = match self {
                    Message::Response { request, .. } => *request,
                    _ => OperationCode::NACK,
                };
                return Err(WriteError::NoResponse(request));
            }
        };
        let mut writer = Writer(Packet::new(operation, number));
        match self {
            Message::Login { user, password } => {
                writer.string(ParameterCode::USER_IDENTITY, Some(user))?;
                writer.string(ParameterCode::PASSWORD, Some(password))?;
            }
            Message::Submit(submit) => {
                writer.string(
                    ParameterCode::DESTINATION_ADDRESS,
                    Some(&submit.destination),
                )?;
                writer.originator(submit.originator.as_ref())?;
                writer.content(&submit.content)?;
                writer.number(
                    ParameterCode::MORE_MESSAGES_TO_SEND,
                    submit.more_messages.map(u16::from),
                );
                writer.number(
                    ParameterCode::VALIDITY_PERIOD_RELATIVE,
                    submit.validity_relative.map(u16::from),
                );
                writer.time(
                    ParameterCode::VALIDITY_PERIOD_ABSOLUTE,
                    submit.validity_absolute,
                )?;
                writer.number(
                    ParameterCode::PROTOCOL_IDENTIFIER,
                    submit.protocol_identifier.map(u16::from),
                );
                writer.number(
                    ParameterCode::STATUS_REPORT_REQUEST,
                    submit.status_report_request.map(u16::from),
                );
                writer.number(ParameterCode::PRIORITY, submit.priority.map(u16::from));
            }
            Message::Deliver(deliver) => {
                writer.string(
                    ParameterCode::DESTINATION_ADDRESS,
                    Some(&deliver.destination),
                )?;
                writer.originator(deliver.originator.as_ref())?;
                writer.content(&deliver.content)?;
                writer.number(
                    ParameterCode::PROTOCOL_IDENTIFIER,
                    deliver.protocol_identifier.map(u16::from),
                );
                writer.time(ParameterCode::SERVICE_CENTRE_TIMESTAMP, deliver.scts)?;
            }
            Message::StatusReport(report) => {
                writer.string(
                    ParameterCode::DESTINATION_ADDRESS,
                    Some(&report.destination),
                )?;
                writer.string(
                    ParameterCode::ORIGINATING_ADDRESS,
                    report.originator.as_deref(),
                )?;
                writer.time(ParameterCode::SERVICE_CENTRE_TIMESTAMP, Some(report.scts))?;
                writer.number(ParameterCode::STATUS_CODE, Some(report.status.value()));
                writer.number(ParameterCode::STATUS_ERROR_CODE, report.error);
                writer.time(ParameterCode::DISCHARGE_TIME, report.discharge_time)?;
            }
            Message::Response { response, .. } | Message::GeneralError(response) => {
                writer.string(
                    ParameterCode::DESTINATION_ADDRESS,
                    response.destination.as_deref(),
                )?;
                writer.time(ParameterCode::SERVICE_CENTRE_TIMESTAMP, response.scts)?;
                writer.number(ParameterCode::ERROR_CODE, response.error.map(|code| code.0));
                writer.string(ParameterCode::ERROR_TEXT, response.error_text.as_deref())?;
            }
            Message::Logout | Message::Alive | Message::Nack => {}
        }
        Ok(writer.0)
    }

    /// The operation `packet` carries.
    pub fn read(packet: &Packet) -> Result<Message, MessageError> {
        let reader = Reader(packet);
        let operation = packet.operation;
        Ok(match operation {
            OperationCode::LOGIN => Message::Login {
                user: reader.required(ParameterCode::USER_IDENTITY, Reader::string)?,
                password: reader.required(ParameterCode::PASSWORD, Reader::string)?,
            },
            OperationCode::LOGOUT => Message::Logout,
            OperationCode::SUBMIT => Message::Submit(Box::new(Submit {
                destination: reader.required(ParameterCode::DESTINATION_ADDRESS, Reader::string)?,
                originator: reader.originator()?,
                content: reader.content()?,
                more_messages: reader
                    .number(ParameterCode::MORE_MESSAGES_TO_SEND, 1)?
                    .map(|n| n == 1),
                validity_relative: reader.byte(ParameterCode::VALIDITY_PERIOD_RELATIVE)?,
                validity_absolute: reader.time(ParameterCode::VALIDITY_PERIOD_ABSOLUTE)?,
                protocol_identifier: reader.byte(ParameterCode::PROTOCOL_IDENTIFIER)?,
                status_report_request: reader
                    .number(ParameterCode::STATUS_REPORT_REQUEST, 63)?
                    .and_then(|n| u8::try_from(n).ok()),
                priority: reader
                    .number(ParameterCode::PRIORITY, 9)?
                    .and_then(|n| u8::try_from(n).ok()),
            })),
            OperationCode::DELIVER => Message::Deliver(Box::new(Deliver {
                destination: reader.required(ParameterCode::DESTINATION_ADDRESS, Reader::string)?,
                originator: reader.originator()?,
                content: reader.content()?,
                protocol_identifier: reader.byte(ParameterCode::PROTOCOL_IDENTIFIER)?,
                scts: reader.time(ParameterCode::SERVICE_CENTRE_TIMESTAMP)?,
            })),
            OperationCode::STATUS_REPORT => {
                let status = reader.required(ParameterCode::STATUS_CODE, |reader, code| {
                    reader
                        .number(code, 9)?
                        .map(|value| {
                            StatusCode::new(value).ok_or_else(|| invalid(code, "not a status 1-9"))
                        })
                        .transpose()
                })?;
                Message::StatusReport(Box::new(StatusReport {
                    destination: reader
                        .required(ParameterCode::DESTINATION_ADDRESS, Reader::string)?,
                    originator: reader.string(ParameterCode::ORIGINATING_ADDRESS)?,
                    scts: reader.required(ParameterCode::SERVICE_CENTRE_TIMESTAMP, Reader::time)?,
                    status,
                    error: reader.number(ParameterCode::STATUS_ERROR_CODE, 999)?,
                    discharge_time: reader.time(ParameterCode::DISCHARGE_TIME)?,
                }))
            }
            OperationCode::ALIVE => Message::Alive,
            OperationCode::GENERAL_ERROR => Message::GeneralError(reader.response()?),
            OperationCode::NACK => Message::Nack,
            code if !code.is_request() => {
                let request =
                    OperationCode::new(code.value() - 50).ok_or(MessageError::Unsupported(code))?;
                Message::Response {
                    request,
                    response: reader.response()?,
                }
            }
            code => return Err(MessageError::Unsupported(code)),
        })
    }
}

fn invalid(parameter: ParameterCode, reason: impl Into<String>) -> MessageError {
    MessageError::Invalid {
        parameter,
        reason: reason.into(),
    }
}

/// Builds a packet parameter by parameter, skipping what is absent.
struct Writer(Packet);

impl Writer {
    fn push(&mut self, code: ParameterCode, value: Vec<u8>) {
        self.0.parameters.push(Parameter { code, value });
    }

    /// ISO-8859-1 octets; TAB, STX and ETX cannot be written.
    fn string(&mut self, code: ParameterCode, value: Option<&str>) -> Result<(), WriteError> {
        let Some(value) = value else {
            return Ok(());
        };
        let octets = value
            .chars()
            .map(|ch| {
                u8::try_from(u32::from(ch))
                    .ok()
                    .filter(|o| !matches!(*o, TAB | STX | ETX))
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or(WriteError::Character(code))?;
        self.push(code, octets);
        Ok(())
    }

    fn number(&mut self, code: ParameterCode, value: Option<u16>) {
        if let Some(value) = value {
            self.push(code, value.to_string().into_bytes());
        }
    }

    fn time(&mut self, code: ParameterCode, at: Option<NaiveDateTime>) -> Result<(), WriteError> {
        if let Some(at) = at {
            let written = time::format(at).map_err(|_| WriteError::Time(code))?;
            self.push(code, written.into_bytes());
        }
        Ok(())
    }

    fn originator(&mut self, originator: Option<&Originator>) -> Result<(), WriteError> {
        match originator {
            Some(Originator::Number(number)) => {
                self.string(ParameterCode::ORIGINATING_ADDRESS, Some(number))
            }
            Some(Originator::Alphanumeric(name)) => {
                self.string(ParameterCode::ALPHANUMERIC_ORIGINATING_ADDRESS, Some(name))
            }
            None => Ok(()),
        }
    }

    fn content(&mut self, content: &Content) -> Result<(), WriteError> {
        self.number(
            ParameterCode::DATA_CODING_SCHEME,
            content.data_coding.map(u16::from),
        );
        if let Some(udh) = &content.udh {
            self.push(ParameterCode::USER_DATA_HEADER, hex(udh));
        }
        match &content.user_data {
            Some(UserData::Text(text)) => {
                let written = text::encode(text)
                    .map_err(|_| WriteError::Character(ParameterCode::USER_DATA))?;
                self.push(ParameterCode::USER_DATA, written);
            }
            Some(UserData::Binary(octets)) => {
                self.push(ParameterCode::USER_DATA_BINARY, hex(octets));
            }
            None => {}
        }
        Ok(())
    }
}

fn hex(octets: &[u8]) -> Vec<u8> {
    crate::modem::hex::encode(octets).into_bytes()
}

/// Reads the parameters of one packet.
struct Reader<'a>(&'a Packet);

impl Reader<'_> {
    /// A parameter the operation cannot do without.
    fn required<T>(
        &self,
        code: ParameterCode,
        read: impl FnOnce(&Self, ParameterCode) -> Result<Option<T>, MessageError>,
    ) -> Result<T, MessageError> {
        read(self, code)?.ok_or(MessageError::Missing {
            operation: self.0.operation,
            parameter: code,
        })
    }

    fn string(&self, code: ParameterCode) -> Result<Option<String>, MessageError> {
        Ok(self
            .0
            .get(code)
            .map(|value| value.iter().copied().map(char::from).collect()))
    }

    /// A decimal number up to `max`.
    fn number(&self, code: ParameterCode, max: u16) -> Result<Option<u16>, MessageError> {
        let Some(value) = self.0.get(code) else {
            return Ok(None);
        };
        std::str::from_utf8(value)
            .ok()
            .filter(|digits| {
                !digits.is_empty()
                    && digits.len() <= 3
                    && digits.bytes().all(|d| d.is_ascii_digit())
            })
            .and_then(|digits| digits.parse::<u16>().ok())
            .filter(|number| *number <= max)
            .map(Some)
            .ok_or_else(|| invalid(code, format!("not a number 0-{max}")))
    }

    fn byte(&self, code: ParameterCode) -> Result<Option<u8>, MessageError> {
        Ok(self
            .number(code, 255)?
            .and_then(|number| u8::try_from(number).ok()))
    }

    fn time(&self, code: ParameterCode) -> Result<Option<NaiveDateTime>, MessageError> {
        self.0
            .time(code)
            .transpose()
            .map_err(|error| invalid(code, error.to_string()))
    }

    fn binary(&self, code: ParameterCode) -> Result<Option<Vec<u8>>, MessageError> {
        self.0
            .binary(code)
            .transpose()
            .map_err(|error| invalid(code, error.to_string()))
    }

    fn originator(&self) -> Result<Option<Originator>, MessageError> {
        if let Some(number) = self.string(ParameterCode::ORIGINATING_ADDRESS)? {
            return Ok(Some(Originator::Number(number)));
        }
        Ok(self
            .string(ParameterCode::ALPHANUMERIC_ORIGINATING_ADDRESS)?
            .map(Originator::Alphanumeric))
    }

    fn content(&self) -> Result<Content, MessageError> {
        let user_data = match self.0.text(ParameterCode::USER_DATA) {
            Some(text) => {
                Some(UserData::Text(text.map_err(|error| {
                    invalid(ParameterCode::USER_DATA, error.to_string())
                })?))
            }
            None => self
                .binary(ParameterCode::USER_DATA_BINARY)?
                .map(UserData::Binary),
        };
        Ok(Content {
            data_coding: self.byte(ParameterCode::DATA_CODING_SCHEME)?,
            udh: self.binary(ParameterCode::USER_DATA_HEADER)?,
            user_data,
        })
    }

    fn response(&self) -> Result<Response, MessageError> {
        Ok(Response {
            error: self.number(ParameterCode::ERROR_CODE, 999)?.map(ErrorCode),
            error_text: self.string(ParameterCode::ERROR_TEXT)?,
            destination: self.string(ParameterCode::DESTINATION_ADDRESS)?,
            scts: self.time(ParameterCode::SERVICE_CENTRE_TIMESTAMP)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cimd2::Codec;

    fn read(frame: &[u8]) -> Message {
        let decoded = Codec::new().decode(frame).unwrap().unwrap();
        Message::read(&decoded.packet).unwrap()
    }

    #[test]
    fn a_login_and_its_refusal() {
        assert_eq!(
            read(b"\x0201:001\t010:pasarela\t011:s3cret\t7D\x03"),
            Message::Login {
                user: "pasarela".into(),
                password: "s3cret".into()
            }
        );
        assert_eq!(
            read(b"\x0251:001\t900:100\tA9\x03"),
            Message::Response {
                request: OperationCode::LOGIN,
                response: Response {
                    error: Some(ErrorCode::INVALID_LOGIN),
                    ..Response::default()
                }
            }
        );
    }

    #[test]
    fn a_status_report_names_its_submit_and_state() {
        let frame = Message::StatusReport(Box::new(StatusReport {
            destination: "358401234567".into(),
            originator: None,
            scts: time::parse(b"261206045007").unwrap(),
            status: StatusCode::Delivered,
            error: Some(0),
            discharge_time: time::parse(b"261206045009").ok(),
        }))
        .packet(PacketNumber(2))
        .unwrap()
        .encode(true)
        .unwrap();
        assert!(frame.starts_with(
            b"\x0223:002\t021:358401234567\t060:261206045007\t061:4\t062:0\t063:261206045009\t"
        ));
        let Message::StatusReport(report) = read(&frame) else {
            panic!("a status report");
        };
        assert_eq!(report.status.state(), Some(MessageState::Delivered));
        for (value, state) in [
            (1, None),
            (2, Some(MessageState::Expired)),
            (3, Some(MessageState::Undeliverable)),
            (5, None),
            (6, Some(MessageState::Undeliverable)),
            (7, Some(MessageState::Deleted)),
            (9, Some(MessageState::Deleted)),
        ] {
            let code = StatusCode::new(value).unwrap();
            assert_eq!(code.value(), value);
            assert_eq!(code.state(), state, "{value}");
        }
        assert_eq!(StatusCode::new(0), None);
        assert_eq!(StatusCode::new(10), None);
    }

    #[test]
    fn a_window_numbers_requests_odd_and_wraps() {
        use crate::ucp::Window;
        use std::time::Instant;
        let now = Instant::now();
        let mut window: Window<u16, PacketNumber> = Window::new(500);
        let numbers: Vec<u8> = (0..128).map(|i| window.open(i, now).unwrap().0).collect();
        assert_eq!(numbers, (0..128).map(|i| i * 2 + 1).collect::<Vec<u8>>());
        assert_eq!(window.open(128, now), Err(128));
        assert_eq!(window.close(PacketNumber(255)), Some(127));
        assert_eq!(window.open(7, now), Ok(PacketNumber(255)));
        assert_eq!(window.close(PacketNumber(1)), Some(0));
        assert_eq!(window.open(8, now), Ok(PacketNumber(1)));
    }

    #[test]
    fn missing_and_bad_parameters_are_named() {
        let packet = Packet::new(OperationCode::SUBMIT, PacketNumber(3));
        assert_eq!(
            Message::read(&packet),
            Err(MessageError::Missing {
                operation: OperationCode::SUBMIT,
                parameter: ParameterCode::DESTINATION_ADDRESS
            })
        );
        let packet = packet
            .with(ParameterCode::DESTINATION_ADDRESS, "1")
            .with(ParameterCode::DATA_CODING_SCHEME, "x8");
        assert!(matches!(
            Message::read(&packet),
            Err(MessageError::Invalid {
                parameter: ParameterCode::DATA_CODING_SCHEME,
                ..
            })
        ));
        let unknown = Packet::new(OperationCode::new(4).unwrap(), PacketNumber(1));
        assert!(matches!(
            Message::read(&unknown),
            Err(MessageError::Unsupported(_))
        ));
    }
}
