//! Kannel's escape codes (`gw/urltrans.c`, `urltrans_fill_escape_codes`),
//! the part every use of them shares: walking the template, the word
//! codes of the message's text (`%k`, `%s`, `%S`, `%r`, `%a`), `%%`,
//! unknown codes left as written, and Kannel's URL encoding. What the
//! other codes mean is the caller's: a delivery report's dlr-url
//! (`dlr_url`) and an MO service's URL (`mo_apps::service`). No I/O here.

use chrono::{DateTime, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};

/// Kannel's `is_safe` set without the space: what `octstr_url_encode`
/// leaves as it is.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// A template that fills in longer than the caller's limit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the template filled in is longer than {0} octets")]
pub struct TooLong(pub usize);

/// `template` with its escape codes filled in: the word codes from
/// `words` (the text, split at white space), `%%`, and every other code
/// from `value`, which answers the code's replacement (already encoded
/// as it must be) or `None` for a code it does not know, left as written;
/// refused once the result passes `limit` octets.
pub fn fill(
    template: &str,
    words: &str,
    limit: usize,
    mut value: impl FnMut(char) -> Option<String>,
) -> Result<String, TooLong> {
    let words: Vec<&str> = words.split_whitespace().collect();
    let mut next_word = 1;
    let mut result = String::with_capacity(template.len() + 64);
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if result.len() > limit {
            return Err(TooLong(limit));
        }
        if c != '%' {
            result.push(c);
            continue;
        }
        let Some(code) = chars.next() else {
            result.push('%');
            break;
        };
        match code {
            'a' => result.push_str(&join_encoded(&words)),
            'k' => {
                if let Some(word) = words.first() {
                    result.push_str(&url_encode(word.as_bytes()));
                }
            }
            'r' => result.push_str(&join_encoded(words.get(next_word..).unwrap_or_default())),
            's' => {
                if let Some(word) = words.get(next_word) {
                    result.push_str(&url_encode(word.as_bytes()));
                    next_word += 1;
                }
            }
            'S' => {
                if let Some(word) = words.get(next_word) {
                    result.push_str(&word.replace('*', "~"));
                    next_word += 1;
                }
            }
            '%' => result.push('%'),
            other => match value(other) {
                Some(filled) => result.push_str(&filled),
                None => {
                    result.push('%');
                    result.push(other);
                }
            },
        }
    }
    if result.len() > limit {
        return Err(TooLong(limit));
    }
    Ok(result)
}

/// Kannel's `octstr_url_encode`: letters, digits and `-_.!~*'()` as they
/// are, a space as `+`, every other octet `%XX`.
pub fn url_encode(octets: &[u8]) -> String {
    percent_encode(octets, ENCODED)
        .to_string()
        .replace("%20", "+")
}

fn join_encoded(words: &[&str]) -> String {
    words
        .iter()
        .map(|word| url_encode(word.as_bytes()))
        .collect::<Vec<_>>()
        .join("+")
}

/// `%q`/`%Q`: a number, a leading `00` written as an encoded `+`.
pub fn plus_for_00(number: &str) -> String {
    match number.strip_prefix("00") {
        Some(rest) => format!("%2B{}", url_encode(rest.as_bytes())),
        None => url_encode(number.as_bytes()),
    }
}

/// `%t`: UTC, `YYYY-MM-DD+HH:MM:SS` as Kannel 1.4 writes it.
pub fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d+%H:%M:%S").to_string()
}
