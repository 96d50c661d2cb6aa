//! A `[[gateways]]` entry of kind `http`: a provider with a web API. Its
//! templates are parsed and its patterns compiled here, so a misspelt
//! field or a broken regex is reported with its line when the file is
//! read (or when the admin API is given the definition), never at the
//! first message.

use std::time::Duration;

use toml::Spanned;

use super::checker::{Checker, at};
use crate::config::raw::RawGateway;
use crate::config::{GatewayKind, HttpGatewayConfig};
use crate::upstream::http::{
    AnswerRules, BodyFormat, Method, Pattern, ReceiptRules, RequestRules, StatusValues, Template,
};

/// The keys a gateway of kind `http` takes.
pub(super) const HTTP_KEYS: &[&str] = &[
    "url",
    "method",
    "body",
    "body_format",
    "headers",
    "timeout_s",
    "id_pattern",
    "success_pattern",
    "temporary_pattern",
    "permanent_pattern",
    "receipt_token",
    "receipt_id_field",
    "receipt_status_field",
    "receipt_error_field",
    "delivered_values",
    "undelivered_values",
    "expired_values",
    "rejected_values",
    "window",
    "tps",
    "max_attempts",
    "failover_after_s",
    "queue_limit",
];

const DEFAULT_HTTP_WINDOW: u32 = 10;
const MAX_HTTP_WINDOW: u32 = 1_000;
const DEFAULT_TIMEOUT_S: u64 = 30;
const MAX_TIMEOUT_S: u64 = 300;
/// A receipt token shorter than this could be guessed.
const MIN_TOKEN_LEN: usize = 16;

impl Checker<'_> {
    /// A gateway of kind `http`.
    pub(super) fn http_gateway(&mut self, entry: &RawGateway, prefix: &str) -> GatewayKind {
        self.refuse_foreign_keys(entry, prefix, "http", HTTP_KEYS);
        let request = self.http_request(entry, prefix);
        let answer = self.http_answer(entry, prefix);
        let receipts = self.http_receipts(entry, prefix);
        let window = self.bounded(
            entry.window.as_ref(),
            &at(prefix, "window"),
            DEFAULT_HTTP_WINDOW,
            1,
            MAX_HTTP_WINDOW,
        );
        let timeout_s = self.bounded(
            entry.timeout_s.as_ref(),
            &at(prefix, "timeout_s"),
            DEFAULT_TIMEOUT_S,
            1,
            MAX_TIMEOUT_S,
        );
        let queue = self.queue_keys(entry, prefix);
        GatewayKind::Http(Box::new(HttpGatewayConfig {
            request,
            answer,
            receipts,
            window,
            timeout: Duration::from_secs(timeout_s),
            tps: queue.tps,
            max_attempts: queue.max_attempts,
            failover_after: queue.failover_after,
            queue_limit: queue.queue_limit,
        }))
    }

    /// `url`, `method`, `body`, `body_format` and `headers`.
    fn http_request(&mut self, entry: &RawGateway, prefix: &str) -> RequestRules {
        let url_source = self.required(entry, prefix, "http", entry.url.as_ref(), "url");
        let url = match &entry.url {
            Some(value) => self.template(value, &at(prefix, "url")),
            None => None,
        };
        if let (Some(value), Some(_)) = (&entry.url, &url) {
            let plain = url_source.replace("{{", "").replace("}}", "");
            let authority = plain
                .strip_prefix("https://")
                .or_else(|| plain.strip_prefix("http://"))
                .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
            if authority.is_none_or(str::is_empty) {
                self.report(
                    value,
                    &at(prefix, "url"),
                    "must be an http:// or https:// URL with a host",
                );
            }
        }
        let method = match &entry.method {
            None if entry.body.is_some() => Method::Post,
            None => Method::Get,
            Some(value) => match value.get_ref().to_ascii_uppercase().as_str() {
                "GET" => Method::Get,
                "POST" => Method::Post,
                other => {
                    self.report(
                        value,
                        &at(prefix, "method"),
                        format!("unknown method {other:?}, expected GET or POST"),
                    );
                    Method::Post
                }
            },
        };
        let format = match &entry.body_format {
            None => BodyFormat::Form,
            Some(value) => match value.get_ref().as_str() {
                "form" => BodyFormat::Form,
                "json" => BodyFormat::Json,
                other => {
                    self.report(
                        value,
                        &at(prefix, "body_format"),
                        format!("unknown body_format {other:?}, expected form or json"),
                    );
                    BodyFormat::Form
                }
            },
        };
        if let (Some(value), None) = (&entry.body_format, &entry.body) {
            self.report(value, &at(prefix, "body_format"), "only with a body");
        }
        let body = entry.body.as_ref().and_then(|value| {
            if method == Method::Get {
                self.report(
                    value,
                    &at(prefix, "body"),
                    "a GET request has no body; use method = \"POST\"",
                );
            }
            self.template(value, &at(prefix, "body"))
                .map(|template| (template, format))
        });
        let headers = entry.headers.as_ref().map_or_else(Vec::new, |headers| {
            headers
                .get_ref()
                .iter()
                .filter_map(|header| self.header(header, &at(prefix, "headers")))
                .collect()
        });
        RequestRules {
            method,
            // Reported above when missing or broken.
            url: url.unwrap_or_default(),
            body,
            headers,
        }
    }

    /// A template, parsed.
    fn template(&mut self, value: &Spanned<String>, key: &str) -> Option<Template> {
        let parsed = Template::parse(value.get_ref()).map_err(|error| error.to_string());
        self.check(value, key, parsed)
    }

    /// `Name: value`, a header sent as written.
    fn header(&mut self, header: &Spanned<String>, key: &str) -> Option<(String, String)> {
        let parsed = header
            .get_ref()
            .split_once(':')
            .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
            .filter(|(name, value)| {
                !name.is_empty()
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
                    && value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
            })
            .ok_or_else(|| "a header is \"Name: value\", the name letters, digits, '-' or '_', the value printable ASCII".to_owned());
        self.check(header, key, parsed)
    }

    /// `id_pattern` and the other answer patterns.
    fn http_answer(&mut self, entry: &RawGateway, prefix: &str) -> AnswerRules {
        let mut pattern = |value: &Option<Spanned<String>>, key: &str| {
            value.as_ref().and_then(|value| {
                let compiled = Pattern::new(value.get_ref()).map_err(|error| error.to_string());
                self.check(value, &at(prefix, key), compiled)
            })
        };
        let id = pattern(&entry.id_pattern, "id_pattern");
        let success = pattern(&entry.success_pattern, "success_pattern");
        let temporary = pattern(&entry.temporary_pattern, "temporary_pattern");
        let permanent = pattern(&entry.permanent_pattern, "permanent_pattern");
        AnswerRules {
            id,
            success,
            temporary,
            permanent,
        }
    }

    /// `receipt_token` and the keys that read a receipt: all of them only
    /// with a token.
    fn http_receipts(&mut self, entry: &RawGateway, prefix: &str) -> Option<ReceiptRules> {
        let Some(token) = &entry.receipt_token else {
            let receipt_keys = [
                (
                    "receipt_id_field",
                    entry.receipt_id_field.as_ref().map(Spanned::span),
                ),
                (
                    "receipt_status_field",
                    entry.receipt_status_field.as_ref().map(Spanned::span),
                ),
                (
                    "receipt_error_field",
                    entry.receipt_error_field.as_ref().map(Spanned::span),
                ),
                (
                    "delivered_values",
                    entry.delivered_values.as_ref().map(Spanned::span),
                ),
                (
                    "undelivered_values",
                    entry.undelivered_values.as_ref().map(Spanned::span),
                ),
                (
                    "expired_values",
                    entry.expired_values.as_ref().map(Spanned::span),
                ),
                (
                    "rejected_values",
                    entry.rejected_values.as_ref().map(Spanned::span),
                ),
            ];
            for (key, span) in receipt_keys {
                if let Some(span) = span {
                    let issue = self
                        .map
                        .issue(span, at(prefix, key), "only with a receipt_token");
                    self.issues.push(issue);
                }
            }
            return None;
        };
        if entry.id_pattern.is_none() {
            self.report(
                token,
                &at(prefix, "receipt_token"),
                "receipts name the provider's id: give an id_pattern that finds it in the answer",
            );
        }
        let secret = token.get_ref();
        if secret.len() < MIN_TOKEN_LEN || !secret.bytes().all(|b| b.is_ascii_graphic()) {
            self.report(
                token,
                &at(prefix, "receipt_token"),
                format!("at least {MIN_TOKEN_LEN} printable ASCII characters, no spaces"),
            );
        }
        let field = |value: &Option<Spanned<String>>, default: &str| {
            value
                .as_ref()
                .map_or_else(|| default.to_owned(), |value| value.get_ref().clone())
        };
        let defaults = StatusValues::default();
        let values = |value: &Option<Spanned<Vec<String>>>, default: Vec<String>| {
            value
                .as_ref()
                .map_or(default, |value| value.get_ref().clone())
        };
        for (key, value) in [
            ("receipt_id_field", &entry.receipt_id_field),
            ("receipt_status_field", &entry.receipt_status_field),
            ("receipt_error_field", &entry.receipt_error_field),
        ] {
            if let Some(value) = value
                && value.get_ref().is_empty()
            {
                self.report(value, &at(prefix, key), "must not be empty");
            }
        }
        Some(ReceiptRules {
            token: secret.clone(),
            id_field: field(&entry.receipt_id_field, "id"),
            status_field: field(&entry.receipt_status_field, "status"),
            error_field: entry
                .receipt_error_field
                .as_ref()
                .map(|value| value.get_ref().clone()),
            values: StatusValues {
                delivered: values(&entry.delivered_values, defaults.delivered),
                undelivered: values(&entry.undelivered_values, defaults.undelivered),
                expired: values(&entry.expired_values, defaults.expired),
                rejected: values(&entry.rejected_values, defaults.rejected),
            },
        })
    }
}
