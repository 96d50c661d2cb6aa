//! `[autoreplies]` (the loop guard's interval) and `[[sms_services]]`
//! (Kannel-style MO services: an account that exists, one keyword or the
//! catch-all, exactly one of `get_url`, `post_url`, `text`).

use std::collections::HashMap;
use std::time::Duration;

use toml::Spanned;

use super::checker::Checker;
use crate::config::fields;
use crate::config::raw::{RawAutoreplies, RawSmsService};
use crate::config::{AccountConfig, AutoreplySettings, ServiceTarget, SmsServiceConfig};

/// An hour: long past any autoresponder's answer, short enough that a
/// person asking again later gets the answer again.
const DEFAULT_MIN_INTERVAL_S: u64 = 3_600;
const MAX_MIN_INTERVAL_S: u64 = 30 * 86_400;

/// Kannel's `max-messages` default.
const DEFAULT_MAX_MESSAGES: u32 = 1;
const MAX_MAX_MESSAGES: u32 = 255;

impl Checker<'_> {
    /// `[autoreplies]`.
    pub fn autoreplies(&mut self, raw: RawAutoreplies) -> AutoreplySettings {
        AutoreplySettings {
            min_interval: Duration::from_secs(self.bounded(
                raw.min_interval_s.as_ref(),
                "autoreplies.min_interval_s",
                DEFAULT_MIN_INTERVAL_S,
                1,
                MAX_MIN_INTERVAL_S,
            )),
        }
    }

    /// `[[sms_services]]`: each for an account that exists, with a
    /// one-word keyword (and aliases) or `catch_all`, and exactly one of
    /// `get_url`, `post_url` (http or https URLs) and `text`; no word
    /// claimed twice for one account, at most one catch-all each.
    pub fn sms_services(
        &mut self,
        raw: Vec<Spanned<RawSmsService>>,
        accounts: &[AccountConfig],
    ) -> Vec<SmsServiceConfig> {
        let mut claimed: HashMap<(String, String), usize> = HashMap::new();
        let mut catch_alls: HashMap<String, usize> = HashMap::new();
        let mut services = Vec::with_capacity(raw.len());
        for (index, spanned) in raw.iter().enumerate() {
            let entry = spanned.get_ref();
            let key = format!("sms_services[{index}]");
            let account = entry.account.get_ref().clone();
            if !accounts.iter().any(|known| known.system_id == account) {
                self.report(
                    &entry.account,
                    &format!("{key}.account"),
                    format!("no account has system_id {account:?}"),
                );
            }
            let catch_all = entry.catch_all.as_ref().is_some_and(|flag| *flag.get_ref());
            match (&entry.keyword, catch_all) {
                (None, false) => {
                    self.report(spanned, &key, "needs a keyword, or catch_all = true");
                }
                (Some(keyword), true) => {
                    self.report(
                        keyword,
                        &format!("{key}.keyword"),
                        "a catch_all service has no keyword",
                    );
                }
                _ => {}
            }
            if catch_all
                && let Some(first) = catch_alls.insert(account.clone(), index)
                && let Some(flag) = &entry.catch_all
            {
                self.report(
                    flag,
                    &format!("{key}.catch_all"),
                    format!("sms_services[{first}] is already {account:?}'s catch-all"),
                );
            }
            let words = entry
                .keyword
                .iter()
                .map(|word| (word, "keyword".to_owned()))
                .chain(
                    entry
                        .aliases
                        .iter()
                        .enumerate()
                        .map(|(alias, word)| (word, format!("aliases[{alias}]"))),
                );
            for (word, name) in words {
                let field = format!("{key}.{name}");
                if let Err(error) = fields::mo_keyword(word.get_ref()) {
                    self.report(word, &field, error);
                    continue;
                }
                let claim = (account.clone(), word.get_ref().to_uppercase());
                if let Some(first) = claimed.insert(claim, index) {
                    self.report(
                        word,
                        &field,
                        format!("sms_services[{first}] already answers {:?}", word.get_ref()),
                    );
                }
            }
            let targets: Vec<(&Spanned<String>, &str)> = [
                (&entry.get_url, "get_url"),
                (&entry.post_url, "post_url"),
                (&entry.text, "text"),
            ]
            .into_iter()
            .filter_map(|(value, name)| value.as_ref().map(|value| (value, name)))
            .collect();
            let target = match targets.as_slice() {
                [(value, name)] => {
                    let text = value.get_ref().clone();
                    match *name {
                        "get_url" | "post_url" => {
                            let lower = text.to_ascii_lowercase();
                            if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                                self.report(
                                    *value,
                                    &format!("{key}.{name}"),
                                    "must be an http:// or https:// URL",
                                );
                            }
                            if *name == "get_url" {
                                ServiceTarget::GetUrl(text)
                            } else {
                                ServiceTarget::PostUrl(text)
                            }
                        }
                        _ => ServiceTarget::Text(text),
                    }
                }
                [] => {
                    self.report(spanned, &key, "needs one of get_url, post_url or text");
                    ServiceTarget::Text(String::new())
                }
                [_, (value, name), ..] => {
                    self.report(
                        *value,
                        &format!("{key}.{name}"),
                        "give only one of get_url, post_url or text",
                    );
                    ServiceTarget::Text(String::new())
                }
            };
            let keyword = entry.keyword.as_ref().map(|word| word.get_ref().clone());
            let name = match &entry.name {
                Some(name) if name.get_ref().trim().is_empty() => {
                    self.report(name, &format!("{key}.name"), "must not be empty");
                    String::new()
                }
                Some(name) => name.get_ref().clone(),
                None => keyword.clone().unwrap_or_else(|| "default".to_owned()),
            };
            services.push(SmsServiceConfig {
                name,
                account,
                keyword,
                aliases: entry
                    .aliases
                    .iter()
                    .map(|alias| alias.get_ref().clone())
                    .collect(),
                catch_all,
                target,
                max_messages: self.bounded(
                    entry.max_messages.as_ref(),
                    &format!("{key}.max_messages"),
                    DEFAULT_MAX_MESSAGES,
                    0,
                    MAX_MAX_MESSAGES,
                ),
                omit_empty: entry.omit_empty.unwrap_or(false),
                strip_keyword: entry.strip_keyword.unwrap_or(false),
            });
        }
        services
    }
}
