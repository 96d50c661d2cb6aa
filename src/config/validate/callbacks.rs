//! `[callbacks]` (retries, timeouts, concurrency, extra CAs, internal
//! networks allowed) and an
//! account's callback URL and secret.

use std::path::PathBuf;
use std::time::Duration;

use toml::Spanned;

use super::checker::{Checker, at};
use crate::config::CallbackSettings;
use crate::config::fields;
use crate::config::raw::{RawAccount, RawCallbacks};

const DEFAULT_CALLBACK_RETRY_FIRST_MS: u64 = 1_000;
const DEFAULT_CALLBACK_RETRY_MAX_MS: u64 = 600_000;
const MAX_CALLBACK_RETRY_MS: u64 = 86_400_000;
const DEFAULT_CALLBACK_MAX_ATTEMPTS: u32 = 10;
const MAX_CALLBACK_MAX_ATTEMPTS: u32 = 1_000;
const DEFAULT_CALLBACK_TIMEOUT_MS: u64 = 10_000;
const MAX_CALLBACK_TIMEOUT_MS: u64 = 300_000;
const DEFAULT_CALLBACK_CONCURRENCY: u32 = 32;
const MAX_CALLBACK_CONCURRENCY: u32 = 1_024;

impl Checker<'_> {
    /// `[callbacks]`.
    pub fn callbacks(&mut self, raw: RawCallbacks) -> CallbackSettings {
        let millis = |this: &mut Self, value: Option<&Spanned<u64>>, key: &str, default, max| {
            Duration::from_millis(this.bounded(value, key, default, 1, max))
        };
        let retry_first = millis(
            self,
            raw.retry_first_ms.as_ref(),
            "callbacks.retry_first_ms",
            DEFAULT_CALLBACK_RETRY_FIRST_MS,
            MAX_CALLBACK_RETRY_MS,
        );
        let retry_max = millis(
            self,
            raw.retry_max_ms.as_ref(),
            "callbacks.retry_max_ms",
            DEFAULT_CALLBACK_RETRY_MAX_MS.max(retry_first.as_millis() as u64),
            MAX_CALLBACK_RETRY_MS,
        );
        if let Some(value) = &raw.retry_max_ms
            && retry_max < retry_first
        {
            self.report(
                value,
                "callbacks.retry_max_ms",
                "must not be less than callbacks.retry_first_ms",
            );
        }
        CallbackSettings {
            retry_first,
            retry_max,
            max_attempts: self.bounded(
                raw.max_attempts.as_ref(),
                "callbacks.max_attempts",
                DEFAULT_CALLBACK_MAX_ATTEMPTS,
                1,
                MAX_CALLBACK_MAX_ATTEMPTS,
            ),
            timeout: millis(
                self,
                raw.timeout_ms.as_ref(),
                "callbacks.timeout_ms",
                DEFAULT_CALLBACK_TIMEOUT_MS,
                MAX_CALLBACK_TIMEOUT_MS,
            ),
            concurrency: self.bounded(
                raw.concurrency.as_ref(),
                "callbacks.concurrency",
                DEFAULT_CALLBACK_CONCURRENCY,
                1,
                MAX_CALLBACK_CONCURRENCY,
            ),
            ca_file: match raw.ca_file {
                Some(path) if path.get_ref().trim().is_empty() => {
                    self.report(&path, "callbacks.ca_file", "must not be empty");
                    None
                }
                path => path.map(|path| PathBuf::from(path.into_inner())),
            },
            allow_private: raw
                .allow_private
                .iter()
                .enumerate()
                .filter_map(|(index, network)| {
                    let key = format!("callbacks.allow_private[{index}]");
                    self.check(network, &key, fields::network(network.get_ref()))
                })
                .collect(),
        }
    }

    /// An account's `callback_url` and `callback_secret`.
    pub fn account_callback(
        &mut self,
        entry: &RawAccount,
        prefix: &str,
    ) -> (Option<String>, Option<String>) {
        if let Some(url) = &entry.callback_url
            && let Err(error) = fields::callback_url(url.get_ref())
        {
            self.report(url, &at(prefix, "callback_url"), error);
        }
        if let Some(secret) = &entry.callback_secret
            && let Err(error) = fields::callback_secret(secret.get_ref())
        {
            self.report(secret, &at(prefix, "callback_secret"), error);
        }
        (
            entry.callback_url.as_ref().map(|url| url.get_ref().clone()),
            entry
                .callback_secret
                .as_ref()
                .map(|secret| secret.get_ref().clone()),
        )
    }
}
