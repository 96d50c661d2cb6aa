//! The checker every section's rules run on: it collects each issue at
//! its place in the file (line, key) and goes on, so one run reports them
//! all; and the helpers the sections share.

use std::net::SocketAddr;
use std::time::Duration;

use toml::Spanned;

use crate::config::error::{ConfigIssue, SourceMap};
use crate::config::fields;

const SECONDS_PER_DAY: f64 = 86_400.0;

/// The issues found so far in one file (or one gateway definition).
pub struct Checker<'a> {
    pub map: SourceMap<'a>,
    pub issues: Vec<ConfigIssue>,
}

/// `prefix.key`, or the bare key when there is no prefix.
pub fn at(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

impl<'a> Checker<'a> {
    pub fn new(map: SourceMap<'a>) -> Checker<'a> {
        Checker {
            map,
            issues: Vec::new(),
        }
    }

    /// `value` when no issue was found, else every issue, in file order.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<ConfigIssue>> {
        if self.issues.is_empty() {
            Ok(value)
        } else {
            let mut issues = self.issues;
            issues.sort_by_key(|issue| issue.location.line);
            Err(issues)
        }
    }

    pub fn report<T>(&mut self, value: &Spanned<T>, key: &str, message: impl Into<String>) {
        let issue = self.map.issue(value.span(), key, message);
        self.issues.push(issue);
    }

    /// The outcome of a rule from `fields` for `value`: reported at its
    /// place when it is an error.
    pub fn check<T, V>(
        &mut self,
        value: &Spanned<V>,
        key: &str,
        outcome: Result<T, String>,
    ) -> Option<T> {
        outcome
            .map_err(|message| self.report(value, key, message))
            .ok()
    }

    /// A number within `[min, max]`, or `default` when the key is absent.
    pub fn bounded<T>(
        &mut self,
        value: Option<&Spanned<T>>,
        key: &str,
        default: T,
        min: T,
        max: T,
    ) -> T
    where
        T: Copy + PartialOrd + std::fmt::Display,
    {
        match value {
            None => default,
            Some(value) => self
                .check(value, key, fields::within(*value.get_ref(), min, max))
                .unwrap_or(default),
        }
    }

    /// A number of days, decimals allowed, within `[min, max]` (and not
    /// NaN), or `default` when the key is absent.
    pub fn days(
        &mut self,
        value: Option<&Spanned<f64>>,
        key: &str,
        default: f64,
        (min, max): (f64, f64),
    ) -> Duration {
        let days = match value {
            Some(days) if !days.get_ref().is_finite() => {
                self.report(days, key, "must be a finite number of days");
                default
            }
            _ => self.bounded(value, key, default, min, max),
        };
        Duration::from_secs_f64(days * SECONDS_PER_DAY)
    }

    pub fn socket_addr(
        &mut self,
        value: Option<&Spanned<String>>,
        key: &str,
        default: &str,
    ) -> SocketAddr {
        let fallback = || SocketAddr::from(([127, 0, 0, 1], 0));
        match value {
            None => default.parse().unwrap_or_else(|_| fallback()),
            Some(text) => text.get_ref().parse().unwrap_or_else(|_| {
                let message = format!(
                    "{:?} is not an address:port such as \"127.0.0.1:2775\"",
                    text.get_ref()
                );
                self.report(text, key, message);
                fallback()
            }),
        }
    }

    pub fn smpp_credential(&mut self, value: &Spanned<String>, key: &str, max: usize) {
        self.check(value, key, fields::smpp_credential(value.get_ref(), max));
    }
}
