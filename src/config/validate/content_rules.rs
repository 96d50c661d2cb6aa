//! `[[content_rules]]`: each rule checked with the rules the admin API
//! uses too (`checks::content`), its accounts existing, no name twice,
//! and all of them compiling into one matcher.

use std::collections::HashMap;

use toml::Spanned;

use super::checker::Checker;
use crate::checks::content::{ContentAction, ContentRule, ContentRules, Matching};
use crate::config::AccountConfig;
use crate::config::raw::RawContentRule;

impl Checker<'_> {
    /// `[[content_rules]]`: a name, exactly one of `pattern` and `words`,
    /// an `action`, accounts that exist.
    pub fn content_rules(
        &mut self,
        raw: Vec<Spanned<RawContentRule>>,
        accounts: &[AccountConfig],
    ) -> Vec<ContentRule> {
        let mut named: HashMap<String, usize> = HashMap::new();
        let mut rules = Vec::with_capacity(raw.len());
        for (index, entry) in raw.into_iter().enumerate() {
            let key = format!("content_rules[{index}]");
            let whole = entry.span();
            let entry = entry.into_inner();
            let matching = match (&entry.pattern, &entry.words) {
                (Some(pattern), None) => Matching::Pattern(pattern.get_ref().clone()),
                (None, Some(words)) => Matching::Words(words.get_ref().clone()),
                (Some(pattern), Some(_)) => {
                    self.report(
                        pattern,
                        &format!("{key}.pattern"),
                        "give pattern or words, not both",
                    );
                    continue;
                }
                (None, None) => {
                    let table = Spanned::new(whole, ());
                    self.report(&table, &key, "give a pattern or words");
                    continue;
                }
            };
            let Some(action) = ContentAction::parse(entry.action.get_ref()) else {
                self.report(
                    &entry.action,
                    &format!("{key}.action"),
                    "must be \"reject\" or \"hold\"",
                );
                continue;
            };
            let rule = ContentRule {
                name: entry.name.get_ref().clone(),
                matching,
                accounts: entry
                    .accounts
                    .iter()
                    .map(|account| account.get_ref().clone())
                    .collect(),
                action,
                description: entry
                    .description
                    .as_ref()
                    .map(|text| text.get_ref().clone()),
                enabled: entry.enabled.unwrap_or(true),
            };
            if let Err(error) = rule.check() {
                let place = match error.field.split('[').next() {
                    Some("pattern") => entry.pattern.as_ref().map(Spanned::span),
                    Some("words") => entry.words.as_ref().map(Spanned::span),
                    Some("description") => entry.description.as_ref().map(Spanned::span),
                    _ => None,
                }
                .unwrap_or(entry.name.span());
                let at = Spanned::new(place, ());
                self.report(&at, &format!("{key}.{}", error.field), error.detail);
                continue;
            }
            for (at, account) in entry.accounts.iter().enumerate() {
                if !accounts
                    .iter()
                    .any(|known| &known.system_id == account.get_ref())
                {
                    self.report(
                        account,
                        &format!("{key}.accounts[{at}]"),
                        format!("no account has system_id {:?}", account.get_ref()),
                    );
                }
            }
            if let Some(first) = named.insert(rule.name.clone(), index) {
                self.report(
                    &entry.name,
                    &format!("{key}.name"),
                    format!("content_rules[{first}] has this name"),
                );
                continue;
            }
            rules.push(rule);
        }
        if let Err(error) = ContentRules::new(rules.clone()) {
            let table = Spanned::new(0..0, ());
            self.report(&table, "content_rules", error.to_string());
        }
        rules
    }
}
