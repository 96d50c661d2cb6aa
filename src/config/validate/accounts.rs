//! `[[accounts]]`: credentials that fit SMPP, credit, TPS, binds, networks
//! callbacks and allowed senders; no system_id twice.

use std::collections::HashSet;

use toml::Spanned;

use super::checker::{Checker, at};
use crate::checks::sender::{AllowedSenders, Sender};
use crate::config::AccountConfig;
use crate::config::fields::{self, DEFAULT_MAX_BINDS};
use crate::config::raw::RawAccount;
use crate::model::Money;

impl Checker<'_> {
    /// `[[accounts]]`.
    pub fn accounts(&mut self, raw: Vec<Spanned<RawAccount>>) -> Vec<AccountConfig> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut accounts = Vec::with_capacity(raw.len());
        for (index, entry) in raw.into_iter().enumerate() {
            let entry = entry.into_inner();
            let prefix = format!("accounts[{index}]");
            let system_id = entry.system_id.get_ref().clone();
            let key = format!("{prefix}.system_id");
            if self
                .check(&entry.system_id, &key, fields::system_id(&system_id))
                .is_some()
                && !seen.insert(system_id.clone())
            {
                let message = format!("duplicate account {system_id:?}");
                self.report(&entry.system_id, &key, message);
            }
            self.check(
                &entry.password,
                &at(&prefix, "password"),
                fields::account_password(entry.password.get_ref()),
            );
            let credit = match &entry.credit {
                Some(value) => self
                    .check(
                        value,
                        &at(&prefix, "credit"),
                        fields::not_negative(*value.get_ref()),
                    )
                    .unwrap_or(Money::ZERO),
                None => Money::ZERO,
            };
            let mut allowed_ips = Vec::with_capacity(entry.allowed_ips.len());
            for (ip_index, network) in entry.allowed_ips.iter().enumerate() {
                let key = format!("{prefix}.allowed_ips[{ip_index}]");
                allowed_ips.extend(self.check(network, &key, fields::network(network.get_ref())));
            }
            let mut allowed_senders = Vec::with_capacity(entry.allowed_senders.len());
            for (sender_index, sender) in entry.allowed_senders.iter().enumerate() {
                let key = format!("{prefix}.allowed_senders[{sender_index}]");
                let parsed = Sender::parse(sender.get_ref()).map_err(|error| error.to_string());
                allowed_senders.extend(self.check(sender, &key, parsed));
            }
            let (callback_url, callback_secret) = self.account_callback(&entry, &prefix);
            let (traffic, opt_outs) = self.account_lists(&entry, &prefix);
            accounts.push(AccountConfig {
                system_id,
                password: entry.password.into_inner(),
                credit,
                tps: entry.tps.as_ref().map_or(0, |tps| *tps.get_ref()),
                max_binds: match &entry.max_binds {
                    Some(value) => self
                        .check(
                            value,
                            &at(&prefix, "max_binds"),
                            fields::max_binds(*value.get_ref()),
                        )
                        .unwrap_or(DEFAULT_MAX_BINDS),
                    None => DEFAULT_MAX_BINDS,
                },
                allowed_ips,
                callback_url,
                callback_secret,
                allowed_senders: AllowedSenders::new(allowed_senders),
                traffic,
                opt_outs,
                time_zone: entry
                    .time_zone
                    .as_ref()
                    .and_then(|value| {
                        self.check(
                            value,
                            &at(&prefix, "time_zone"),
                            fields::time_zone(value.get_ref()),
                        )
                    })
                    .unwrap_or(chrono_tz::UTC),
                email: entry.email.as_ref().and_then(|value| {
                    self.check(
                        value,
                        &at(&prefix, "email"),
                        fields::email_address(value.get_ref()),
                    )
                    .map(|()| value.get_ref().clone())
                }),
                language: entry
                    .language
                    .as_ref()
                    .and_then(|value| {
                        self.check(
                            value,
                            &at(&prefix, "language"),
                            fields::language(value.get_ref()),
                        )
                    })
                    .unwrap_or_default(),
                low_balance: entry.low_balance.as_ref().and_then(|value| {
                    self.check(
                        value,
                        &at(&prefix, "low_balance"),
                        fields::not_negative(*value.get_ref()),
                    )
                }),
            });
        }
        accounts
    }
}
