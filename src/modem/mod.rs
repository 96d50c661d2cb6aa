//! GSM modems, the pure half: what a modem says over its serial line and
//! the short messages it carries, as data. No I/O here.
//!
//! The modem driver (`actors/modem/`) is one supervised actor per modem
//! whose thread owns the serial port, writes AT commands one at a time, and
//! feeds every byte it reads to an [`at::AtReader`]; the events that come out
//! (final results, intermediate lines, the `> ` prompt, unsolicited
//! indications such as a new message or a status report) drive it. Short
//! messages go out as SMS-SUBMIT PDUs (AT+CMGS in PDU mode) and come in as
//! SMS-DELIVER and SMS-STATUS-REPORT PDUs, all in [`pdu`].
//!
//! - [`at`]: a sans-I/O AT response reader: bytes in, typed events out.
//! - [`hex`]: PDU mode's hexadecimal text ⇄ octets.
//! - [`pdu`]: 3GPP TS 23.040 TPDUs: SMS-SUBMIT (encode and decode),
//!   SMS-DELIVER and SMS-STATUS-REPORT (decode, and encode for a fake modem),
//!   with addresses, time stamps and validity periods.
//!
//! Text coding, septet packing and the User Data Header are
//! [`sms`](crate::sms)'s; this module only lays them out in a TPDU.

pub mod at;
pub mod hex;
pub mod pdu;
