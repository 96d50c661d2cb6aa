//! What the bench sends: message `n` as its submit_sm PDUs (one per part,
//! the parts of one message sharing a concatenation reference), to a
//! destination numbered from `n`. Decided once from the command line,
//! before any connection is made, so a bad argument costs no bind.

use std::path::Path;

use crate::smpp::pdu::{
    COctetString, DataCoding, EsmClass, Npi, OctetString, RegisteredDelivery, SubmitSm, Ton,
};
use crate::sms::{Coding, Reference, coding, split_payload};

/// The longest address SMPP's 21-octet C-string field holds.
const MAX_ADDRESS: usize = 20;

/// Counter digits at least: numbers look like MSISDNs (`34600` + 6 digits).
const MIN_COUNTER_DIGITS: usize = 6;

/// The text sent when neither `--text` nor `--length` is given.
pub(super) const DEFAULT_TEXT: &str = "pasarela bench message";

/// What `--length` repeats.
const FILLER: &str = "pasarela bench 0123456789 ";

/// Why the arguments do not make a plan.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("--destination {0:?} is not digits")]
    Prefix(String),
    #[error("--destination {prefix:?} plus {digits} counter digits is longer than 20")]
    PrefixTooLong { prefix: String, digits: usize },
    #[error("cannot read --destinations {path}: {source}")]
    DestinationsFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("--destinations {0} holds no number")]
    NoDestinations(String),
    #[error("address {0:?} is empty or longer than 20 characters")]
    Address(String),
    #[error("the text is not GSM 03.38 ({0}); add --unicode")]
    NotGsm(String),
    #[error("the text needs more than 255 parts")]
    TooLong,
}

/// Where messages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Destinations {
    /// `prefix` + the message's counter, zero-padded to `digits`. Counters
    /// whose last four digits are 9990–9999 are skipped: those numbers
    /// select fault outcomes in the simulators.
    Numbered { prefix: String, digits: usize },
    /// Numbers from a file, used in turn, as written.
    Listed(Vec<String>),
}

impl Destinations {
    /// Numbered destinations for `messages` messages.
    pub(super) fn numbered(prefix: &str, messages: u64) -> Result<Destinations, PlanError> {
        if !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PlanError::Prefix(prefix.to_owned()));
        }
        let last = counter(messages.saturating_sub(1));
        let digits = last.to_string().len().max(MIN_COUNTER_DIGITS);
        if prefix.len() + digits > MAX_ADDRESS {
            return Err(PlanError::PrefixTooLong {
                prefix: prefix.to_owned(),
                digits,
            });
        }
        Ok(Destinations::Numbered {
            prefix: prefix.to_owned(),
            digits,
        })
    }

    /// One number per line; blank lines and `#` comments are skipped.
    pub(super) fn from_file(path: &Path) -> Result<Destinations, PlanError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| PlanError::DestinationsFile {
            path: shown.clone(),
            source,
        })?;
        let numbers: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_owned)
            .collect();
        if let Some(bad) = numbers.iter().find(|n| n.len() > MAX_ADDRESS) {
            return Err(PlanError::Address(bad.clone()));
        }
        if numbers.is_empty() {
            return Err(PlanError::NoDestinations(shown));
        }
        Ok(Destinations::Listed(numbers))
    }

    /// The destination of message `n`.
    pub(super) fn get(&self, n: u64) -> String {
        match self {
            Destinations::Numbered { prefix, digits } => {
                format!("{prefix}{:0digits$}", counter(n))
            }
            Destinations::Listed(numbers) => {
                let index = usize::try_from(n % numbers.len() as u64).unwrap_or_default();
                numbers.get(index).cloned().unwrap_or_default()
            }
        }
    }
}

/// The `n`th counter whose last four digits are not 9990–9999.
fn counter(n: u64) -> u64 {
    n / 9_990 * 10_000 + n % 9_990
}

/// The message text: `--text`, `--length` characters of filler, or the
/// default.
pub(super) fn text(given: Option<&str>, length: Option<usize>) -> String {
    match (given, length) {
        (Some(text), _) => text.to_owned(),
        (None, Some(length)) => FILLER.chars().cycle().take(length).collect(),
        (None, None) => DEFAULT_TEXT.to_owned(),
    }
}

/// Everything needed to build any message's PDUs.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    pub(super) messages: u64,
    /// submit_sm PDUs per message.
    pub(super) parts: usize,
    pub(super) registered_delivery: u8,
    coding: Coding,
    /// The whole text, encoded once.
    payload: Vec<u8>,
    source_ton: Ton,
    source_npi: Npi,
    source: COctetString<1, 21>,
    destinations: Destinations,
}

impl Plan {
    pub(super) fn new(
        messages: u64,
        text: &str,
        unicode: bool,
        registered_delivery: u8,
        source: &str,
        destinations: Destinations,
    ) -> Result<Plan, PlanError> {
        let coding = if unicode { Coding::Ucs2 } else { Coding::Gsm7 };
        let payload =
            coding::encode(text, coding).map_err(|error| PlanError::NotGsm(error.to_string()))?;
        let parts = split_payload(coding, &payload, Reference::Bits8(0))
            .map_err(|_| PlanError::TooLong)?
            .parts
            .len();
        let numeric = !source.is_empty() && source.bytes().all(|b| b.is_ascii_digit());
        let (source_ton, source_npi) = if numeric {
            (Ton::International, Npi::Isdn)
        } else {
            (Ton::Alphanumeric, Npi::Unknown)
        };
        let source = COctetString::from_string(source.to_owned())
            .map_err(|_| PlanError::Address(source.to_owned()))?;
        Ok(Plan {
            messages,
            parts,
            registered_delivery,
            coding,
            payload,
            source_ton,
            source_npi,
            source,
            destinations,
        })
    }

    /// Message `n`'s submit_sm PDUs, in part order.
    pub(super) fn submits(&self, n: u64) -> Vec<SubmitSm> {
        let destination = self.destinations.get(n);
        let Ok(destination) = COctetString::from_string(destination) else {
            return Vec::new();
        };
        // The reference only tells this message's parts from those of the
        // messages around it to the same number.
        let reference = Reference::Bits8((n % 256) as u8);
        let Ok(split) = split_payload(self.coding, &self.payload, reference) else {
            return Vec::new();
        };
        split
            .parts
            .iter()
            .filter_map(|part| {
                let short_message = OctetString::from_vec(part.short_message()).ok()?;
                Some(
                    SubmitSm::builder()
                        .source_addr_ton(self.source_ton)
                        .source_addr_npi(self.source_npi)
                        .source_addr(self.source.clone())
                        .dest_addr_ton(Ton::International)
                        .dest_addr_npi(Npi::Isdn)
                        .destination_addr(destination.clone())
                        .esm_class(EsmClass::from(part.esm_class(0)))
                        .registered_delivery(RegisteredDelivery::from(self.registered_delivery))
                        .data_coding(DataCoding::from(self.coding.data_coding()))
                        .short_message(short_message)
                        .build(),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulation::{Behaviour, SubmitReply};

    #[test]
    fn numbered_destinations_skip_the_fault_suffixes() {
        let destinations = Destinations::numbered("34600", 30_000).unwrap();
        assert_eq!(destinations.get(0), "34600000000");
        assert_eq!(destinations.get(9_989), "34600009989");
        assert_eq!(destinations.get(9_990), "34600010000");
        for n in 0..30_000 {
            let number = destinations.get(n);
            assert_eq!(
                Behaviour::for_destination(&number).reply,
                SubmitReply::Accept
            );
            assert!(!number[number.len() - 4..].starts_with("999"), "{number}");
        }
        let distinct: std::collections::HashSet<String> =
            (0..30_000).map(|n| destinations.get(n)).collect();
        assert_eq!(distinct.len(), 30_000);
    }

    #[test]
    fn prefixes_must_be_digits_and_fit() {
        assert!(matches!(
            Destinations::numbered("+346", 1),
            Err(PlanError::Prefix(_))
        ));
        assert!(matches!(
            Destinations::numbered("123456789012345", 1),
            Err(PlanError::PrefixTooLong { .. })
        ));
        let wide = Destinations::numbered("3", 20_000_000).unwrap();
        assert_eq!(wide.get(0), "300000000");
    }

    #[test]
    fn listed_destinations_go_round() {
        let listed = Destinations::Listed(vec!["1".into(), "2".into()]);
        assert_eq!(
            (0..5).map(|n| listed.get(n)).collect::<Vec<_>>(),
            ["1", "2", "1", "2", "1"]
        );
    }

    fn plan(text: &str, unicode: bool) -> Result<Plan, PlanError> {
        let destinations = Destinations::numbered("34600", 10).unwrap();
        Plan::new(10, text, unicode, 1, "pasarela", destinations)
    }

    #[test]
    fn long_text_goes_in_parts_sharing_a_reference() {
        let one = plan(&text(None, Some(160)), false).unwrap();
        assert_eq!(one.parts, 1);
        assert_eq!(u8::from(one.submits(0)[0].esm_class), 0);
        let two = plan(&text(None, Some(161)), false).unwrap();
        assert_eq!(two.parts, 2);
        let submits = two.submits(7);
        assert_eq!(submits.len(), 2);
        for (seq, submit) in (1..).zip(&submits) {
            assert_eq!(u8::from(submit.esm_class), 0x40, "UDHI");
            let udh = &submit.short_message().as_ref()[..6];
            assert_eq!(udh, [0x05, 0x00, 0x03, 7, 2, seq]);
            assert_eq!(submit.destination_addr.as_str(), "34600000007");
            assert_eq!(u8::from(submit.registered_delivery), 1);
        }
        let unicode = plan(&text(None, Some(71)), true).unwrap();
        assert_eq!(unicode.parts, 2);
        assert_eq!(u8::from(unicode.submits(0)[0].data_coding), 0x08);
    }

    #[test]
    fn text_outside_gsm_needs_unicode() {
        assert!(matches!(plan("日本", false), Err(PlanError::NotGsm(_))));
        assert_eq!(plan("日本", true).unwrap().parts, 1);
        assert!(matches!(
            plan(&text(None, Some(153 * 256)), false),
            Err(PlanError::TooLong)
        ));
    }
}
