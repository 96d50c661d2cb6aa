//! The core's tests, no runtime: the SMPP codec against published and
//! third-party vectors, SMS text, GSM modem PDUs and AT, the model, the
//! configuration file, logging. Pure functions, run in one binary.

mod config_file;
mod config_listeners;
mod logging;
mod model_properties;
mod modem_at;
mod modem_pdu;
mod smpp_framing;
mod smpp_leniency;
mod smpp_roundtrip;
mod smpp_session;
mod smpp_vectors;
mod sms_encoding;
mod sms_incoming;
mod sms_parts;
mod sms_properties;
