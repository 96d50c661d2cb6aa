//! What every connection of the simulator shares: its settings, the
//! credentials a bind must present, the test numbers it delivers to, the
//! message id counter, the hub of receipts, and its log.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::hub::HubHandle;
use crate::smpp::CommandStatus;
use crate::smpp::dlr::Address;
use crate::smpp::pdu::{DeliverSm, Npi, Ton};
use crate::upstream::IdBase;

/// Settings every connection reads.
#[derive(Debug)]
pub struct Shared {
    pub credentials: Credentials,
    pub dlr_delay: Duration,
    pub window: usize,
    pub response_timeout: Duration,
    pub mo_every: Option<Duration>,
    pub ids: MessageIds,
    pub hub: HubHandle<DeliverSm>,
    pub test_numbers: TestNumbers,
}

/// Handsets on this SMSC whose messages come back to the switch as MO
/// (`--test-number`), and what the route to them changes on the way.
#[derive(Debug, Default)]
pub struct TestNumbers {
    pub numbers: Vec<String>,
    /// `--rewrite-sender`.
    pub rewrite_sender: Option<String>,
    /// `--append-text`.
    pub append_text: Option<String>,
}

impl TestNumbers {
    /// The MO's sender and text when a message from `source` with `text`
    /// goes to one of these numbers.
    pub fn arrival(
        &self,
        source: &Address,
        destination: &Address,
        text: &str,
    ) -> Option<(Address, String)> {
        if !self.numbers.contains(&destination.addr) {
            return None;
        }
        let sender = match &self.rewrite_sender {
            None => source.clone(),
            Some(rewritten) => {
                let (ton, npi) = if rewritten.bytes().all(|b| b.is_ascii_digit()) {
                    (Ton::International, Npi::Isdn)
                } else {
                    (Ton::Alphanumeric, Npi::Unknown)
                };
                Address {
                    ton,
                    npi,
                    addr: rewritten.clone(),
                }
            }
        };
        let text = format!("{text}{}", self.append_text.as_deref().unwrap_or_default());
        Some((sender, text))
    }
}

/// What a bind must present; `None` accepts anything.
#[derive(Debug)]
pub struct Credentials {
    pub system_id: Option<String>,
    pub password: Option<String>,
}

impl Credentials {
    /// The bind_resp status for these credentials.
    pub fn check(&self, system_id: &str, password: &str) -> CommandStatus {
        if self.system_id.as_deref().is_some_and(|s| s != system_id) {
            CommandStatus::EsmeRinvsysid
        } else if self.password.as_deref().is_some_and(|p| p != password) {
            CommandStatus::EsmeRinvpaswd
        } else {
            CommandStatus::EsmeRok
        }
    }
}

/// Message ids: one counter for all connections, written as the command
/// line asked.
#[derive(Debug)]
pub struct MessageIds {
    next: AtomicU64,
    format: IdBase,
}

impl MessageIds {
    /// The counter starts from the clock, so that a restarted simulator
    /// does not hand out ids a gateway may still hold receipts for.
    pub fn from_clock(format: IdBase) -> MessageIds {
        let start = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |since| since.as_secs() << 24);
        MessageIds::starting_at(start, format)
    }

    pub fn starting_at(first: u64, format: IdBase) -> MessageIds {
        MessageIds {
            next: AtomicU64::new(first),
            format,
        }
    }

    /// The next id, written in the simulator's base.
    pub fn next(&self) -> String {
        self.format.write(self.next.fetch_add(1, Ordering::Relaxed))
    }
}

/// One line of the simulator's log.
pub fn log(line: std::fmt::Arguments<'_>) {
    crate::tools::log("sim-smsc", line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_ids_are_the_same_numbers_in_uppercase() {
        let decimal = MessageIds::starting_at(3_000, IdBase::Decimal);
        let hex = MessageIds::starting_at(3_000, IdBase::Hex);
        assert_eq!(decimal.next(), "3000");
        assert_eq!(decimal.next(), "3001");
        assert_eq!(hex.next(), "BB8");
        assert_eq!(hex.next(), "BB9");
    }

    #[test]
    fn credentials_are_checked_only_when_configured() {
        let open = Credentials {
            system_id: None,
            password: None,
        };
        assert_eq!(open.check("any", "thing"), CommandStatus::EsmeRok);
        let strict = Credentials {
            system_id: Some("pasarela".into()),
            password: Some("secret".into()),
        };
        assert_eq!(strict.check("pasarela", "secret"), CommandStatus::EsmeRok);
        assert_eq!(
            strict.check("other", "secret"),
            CommandStatus::EsmeRinvsysid
        );
        assert_eq!(
            strict.check("pasarela", "wrong"),
            CommandStatus::EsmeRinvpaswd
        );
    }

    fn address(ton: Ton, addr: &str) -> Address {
        Address {
            ton,
            npi: Npi::Isdn,
            addr: addr.to_owned(),
        }
    }

    #[test]
    fn a_test_number_receives_the_message_as_the_route_changed_it() {
        let probe = address(Ton::Alphanumeric, "Probe");
        let handset = address(Ton::International, "34600100009");
        let plain = TestNumbers {
            numbers: vec!["34600100009".into()],
            ..TestNumbers::default()
        };
        assert_eq!(
            plain.arrival(&probe, &handset, "hi"),
            Some((probe.clone(), "hi".to_owned()))
        );
        let other = address(Ton::International, "34600100008");
        assert_eq!(plain.arrival(&probe, &other, "hi"), None);
        let grey = TestNumbers {
            rewrite_sender: Some("34699000000".into()),
            append_text: Some(" ad".into()),
            ..plain
        };
        let (sender, text) = grey.arrival(&probe, &handset, "hi").unwrap();
        assert_eq!((sender.ton, sender.npi), (Ton::International, Npi::Isdn));
        assert_eq!(
            (sender.addr.as_str(), text.as_str()),
            ("34699000000", "hi ad")
        );
        let named = TestNumbers {
            rewrite_sender: Some("Promo".into()),
            ..grey
        };
        let (sender, _) = named.arrival(&probe, &handset, "hi").unwrap();
        assert_eq!((sender.ton, sender.npi), (Ton::Alphanumeric, Npi::Unknown));
    }
}
