//! `[[mo_routes]]` (a number, an optional keyword, an account that
//! exists) and `[[numbering]]` (operators by number prefix).

use std::collections::HashMap;

use toml::Spanned;

use super::checker::Checker;
use crate::config::fields;
use crate::config::raw::{RawMoRoute, RawNumbering};
use crate::config::{AccountConfig, MoRouteConfig, NumberingConfig};

impl Checker<'_> {
    /// A routing number (`[[mo_routes]]` and a modem's `number`) as it is
    /// compared: digits, a leading `+` or `00` dropped.
    pub fn mo_number(&mut self, value: &Spanned<String>, key: &str) -> String {
        fields::mo_number(value.get_ref()).unwrap_or_else(|error| {
            self.report(value, key, error);
            value.get_ref().clone()
        })
    }

    /// `[[mo_routes]]`: a number, an optional one-word keyword and an
    /// account that exists; no (number, keyword) twice, keywords compared
    /// without case.
    pub fn mo_routes(
        &mut self,
        raw: Vec<Spanned<RawMoRoute>>,
        accounts: &[AccountConfig],
    ) -> Vec<MoRouteConfig> {
        let mut claimed: HashMap<(String, Option<String>), usize> = HashMap::new();
        let mut routes = Vec::with_capacity(raw.len());
        for (index, entry) in raw.into_iter().enumerate() {
            let entry = entry.into_inner();
            let key = format!("mo_routes[{index}]");
            let number = self.mo_number(&entry.number, &format!("{key}.number"));
            let keyword = entry.keyword.as_ref().map(|keyword| {
                let word = keyword.get_ref();
                if let Err(error) = fields::mo_keyword(word) {
                    self.report(keyword, &format!("{key}.keyword"), error);
                }
                word.clone()
            });
            let claim = (number.clone(), keyword.as_deref().map(str::to_uppercase));
            if let Some(first) = claimed.insert(claim, index) {
                let what = match &keyword {
                    Some(keyword) => format!("number {number:?} with keyword {keyword:?}"),
                    None => format!("number {number:?} without a keyword"),
                };
                let place = entry
                    .keyword
                    .as_ref()
                    .map_or((&entry.number, "number"), |keyword| (keyword, "keyword"));
                self.report(
                    place.0,
                    &format!("{key}.{}", place.1),
                    format!("mo_routes[{first}] already routes {what}"),
                );
            }
            let account = entry.account.get_ref();
            if !accounts.iter().any(|known| &known.system_id == account) {
                self.report(
                    &entry.account,
                    &format!("{key}.account"),
                    format!("no account has system_id {account:?}"),
                );
            }
            routes.push(MoRouteConfig {
                number,
                keyword,
                account: account.clone(),
            });
        }
        routes
    }

    /// `[[numbering]]`: digits and a name each, no prefix twice.
    pub fn numbering(&mut self, raw: Vec<Spanned<RawNumbering>>) -> Vec<NumberingConfig> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut entries = Vec::with_capacity(raw.len());
        for (index, entry) in raw.into_iter().enumerate() {
            let entry = entry.into_inner();
            let prefix = entry.prefix.get_ref().clone();
            let key = format!("numbering[{index}]");
            if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
                self.report(
                    &entry.prefix,
                    &format!("{key}.prefix"),
                    "must be international digits, country code first",
                );
            } else if let Some(first) = seen.insert(prefix.clone(), index) {
                self.report(
                    &entry.prefix,
                    &format!("{key}.prefix"),
                    format!("numbering[{first}] already names prefix {prefix:?}"),
                );
            }
            if entry.operator.get_ref().trim().is_empty() {
                self.report(
                    &entry.operator,
                    &format!("{key}.operator"),
                    "must not be empty",
                );
            }
            entries.push(NumberingConfig {
                prefix,
                operator: entry.operator.into_inner(),
            });
        }
        entries
    }
}
