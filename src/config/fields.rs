//! The rules for one value of an account or a route, shared by the
//! configuration file's validation and the admin API: each returns what is
//! wrong as a sentence, and its caller names the place (a line and key of
//! the file, or a field of a JSON body).

use ipnet::IpNet;

use super::{AccountSelector, MAX_PASSWORD_LEN, MAX_SYSTEM_ID_LEN, RouteMode};
use crate::model::{Lang, Money};

/// SMPP sessions an account may have bound at once, when not given.
pub const DEFAULT_MAX_BINDS: u32 = 10;
/// The most SMPP sessions one account may have bound at once.
pub const MAX_MAX_BINDS: u32 = 1_000;
/// The largest share weight of one gateway of a route.
pub const MAX_WEIGHT: u64 = 1000;

/// A number within `[min, max]`.
pub fn within<T>(value: T, min: T, max: T) -> Result<T, String>
where
    T: Copy + PartialOrd + std::fmt::Display,
{
    if value < min || value > max {
        Err(format!("{value} is out of range, expected {min} to {max}"))
    } else {
        Ok(value)
    }
}

/// `receipt_timeout_h` when the file does not set it: three days, longer
/// than the validity SMSCs commonly allow a message.
pub const DEFAULT_RECEIPT_TIMEOUT_H: f64 = 72.0;
/// The longest `receipt_timeout_h`: a year.
pub const MAX_RECEIPT_TIMEOUT_H: f64 = 8_760.0;

/// `receipt_timeout_h`: hours, a decimal number above 0 and at most
/// [`MAX_RECEIPT_TIMEOUT_H`].
pub fn receipt_timeout(hours: f64) -> Result<std::time::Duration, String> {
    if !(hours > 0.0 && hours <= MAX_RECEIPT_TIMEOUT_H) {
        return Err(format!(
            "{hours} is out of range, expected hours above 0 and at most {MAX_RECEIPT_TIMEOUT_H}"
        ));
    }
    Ok(std::time::Duration::from_secs_f64(hours * 3_600.0))
}

/// SMPP 3.4 limits system_id and password; peers such as python smpplib
/// and Kannel cut longer ones silently, so a login would fail mysteriously.
pub fn smpp_credential(text: &str, max: usize) -> Result<(), String> {
    if text.len() > max {
        Err(format!(
            "{} characters, but SMPP 3.4 allows at most {max} (peers silently cut longer values)",
            text.len()
        ))
    } else if !text.bytes().all(|b| b.is_ascii_graphic()) {
        Err("must be printable ASCII without spaces".into())
    } else {
        Ok(())
    }
}

/// An account's system_id: what an ESME binds with.
pub fn system_id(text: &str) -> Result<(), String> {
    match text {
        "" => Err("must not be empty".into()),
        "*" => Err("\"*\" is reserved for \"every account\" in routes".into()),
        _ => smpp_credential(text, MAX_SYSTEM_ID_LEN),
    }
}

/// An account's password: what an ESME binds with.
pub fn account_password(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("must not be empty".into());
    }
    smpp_credential(text, MAX_PASSWORD_LEN)
}

/// Starting credit, a route's price: never below zero.
pub fn not_negative(amount: Money) -> Result<Money, String> {
    if amount.is_negative() {
        Err("must not be negative".into())
    } else {
        Ok(amount)
    }
}

/// An account's bind limit.
pub fn max_binds(value: u32) -> Result<u32, String> {
    within(value, 1, MAX_MAX_BINDS)
}

/// A network in CIDR form, or a single address (a /32 or /128).
pub fn network(text: &str) -> Result<IpNet, String> {
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<std::net::IpAddr>().ok().map(IpNet::from))
        .ok_or_else(|| {
            format!("{text:?} is not an address or network such as \"10.0.0.0/8\" or \"192.0.2.7\"")
        })
}

/// A route's destination prefix.
pub fn route_prefix(prefix: &str) -> Result<(), String> {
    if prefix.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "prefix {prefix:?} must be digits only (\"\" is the default route)"
        ))
    }
}

/// A route's list of accounts as a whole: `true` for `["*"]` (every
/// account); otherwise the ids are to be checked one by one with
/// [`route_account`].
pub fn route_accounts(ids: &[String]) -> Result<bool, String> {
    if ids.is_empty() {
        return Err("must list at least one account, or [\"*\"] for every account".into());
    }
    if ids.iter().any(|id| id == "*") {
        if ids.len() > 1 {
            return Err("\"*\" already means every account; list nothing beside it".into());
        }
        return Ok(true);
    }
    Ok(false)
}

/// One account of a route's list: it must exist and be listed once.
pub fn route_account(id: &str, earlier: &[String], exists: bool) -> Result<(), String> {
    if !exists {
        Err(format!("no account {id:?}"))
    } else if earlier.iter().any(|seen| seen == id) {
        Err(format!("account {id:?} is listed twice"))
    } else {
        Ok(())
    }
}

/// A route's gateways as a whole.
pub fn route_gateways(count: usize) -> Result<(), String> {
    if count == 0 {
        Err("must name at least one gateway".into())
    } else {
        Ok(())
    }
}

/// One gateway of a route's list: it must exist and be listed once.
pub fn route_gateway(name: &str, earlier: &[String], exists: bool) -> Result<(), String> {
    if !exists {
        Err(format!("no gateway named {name:?}"))
    } else if earlier.iter().any(|seen| seen == name) {
        Err(format!("gateway {name:?} is listed twice"))
    } else {
        Ok(())
    }
}

/// A route's weights as a whole: one per gateway.
pub fn route_weights(weights: usize, gateways: usize) -> Result<(), String> {
    if weights == gateways {
        Ok(())
    } else {
        Err(format!(
            "has {weights} weights for {gateways} gateways; give one per gateway"
        ))
    }
}

/// One weight of a route.
pub fn route_weight(value: u64) -> Result<u32, String> {
    if (1..=MAX_WEIGHT).contains(&value) {
        Ok(u32::try_from(value).unwrap_or(1))
    } else {
        Err(format!("weight {value} is outside 1 to {MAX_WEIGHT}"))
    }
}

/// A route's `mode`; `weighted` needs the route to have weights.
pub fn route_mode(text: &str, weighted: bool) -> Result<RouteMode, String> {
    match text {
        "failover" => Ok(RouteMode::Failover),
        "weighted" if weighted => Ok(RouteMode::Weighted),
        "weighted" => Err("weighted needs weights".to_owned()),
        "least_cost" => Ok(RouteMode::LeastCost),
        "quality" => Ok(RouteMode::Quality),
        other => Err(format!(
            "{other:?} is not failover, weighted, least_cost or quality"
        )),
    }
}

/// The longest of route quality's durations (`window_s`,
/// `receipt_wait_s`, `hold_s`, a route's `max_latency_p95_s`...): a week.
pub const MAX_QUALITY_SECONDS: f64 = 7.0 * 86_400.0;

/// Seconds above 0 (and at least `min`) up to [`MAX_QUALITY_SECONDS`].
pub fn quality_seconds(value: f64, min: f64) -> Result<std::time::Duration, String> {
    if value.is_finite() && value >= min && value > 0.0 && value <= MAX_QUALITY_SECONDS {
        Ok(std::time::Duration::from_secs_f64(value))
    } else {
        Err(format!(
            "must be a number of seconds above {min} and at most {MAX_QUALITY_SECONDS}"
        ))
    }
}

/// A ratio from 0 to 1 (a delivery ratio, a margin).
pub fn ratio(value: f64) -> Result<f64, String> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err("must be a number from 0 to 1".into())
    }
}

/// Two routes may not both claim one prefix for one account (or for every
/// account): which would win is not obvious. `first` names the route that
/// claimed it first.
pub fn route_claim(first: &str, prefix: &str, account: &str) -> String {
    let whom = if account == "*" {
        "every account".to_string()
    } else {
        format!("account {account:?}")
    };
    format!("{first} already routes prefix {prefix:?} for {whom}")
}

/// What a route claims: `"*"`, or each account it lists.
pub fn route_claims(selector: &AccountSelector) -> Vec<String> {
    match selector {
        AccountSelector::All => vec!["*".to_string()],
        AccountSelector::Only(ids) => ids.clone(),
    }
}

/// Where an account's callbacks go: an absolute `http` or `https` URL.
pub fn callback_url(url: &str) -> Result<(), String> {
    crate::callbacks::target::check(url).map_err(|error| error.to_string())
}

/// The fewest characters of a `callback_secret`: a short HMAC key can be
/// found from one signed callback by trying keys offline.
pub const MIN_CALLBACK_SECRET_CHARS: usize = 16;

/// The HMAC key an account's callbacks are signed with.
pub fn callback_secret(secret: &str) -> Result<(), String> {
    if secret.is_empty() {
        Err("must not be empty; leave it out to send callbacks unsigned".into())
    } else if secret.chars().count() < MIN_CALLBACK_SECRET_CHARS {
        Err(format!(
            "must be at least {MIN_CALLBACK_SECRET_CHARS} characters (a short key can be guessed from one signed callback)"
        ))
    } else {
        Ok(())
    }
}

/// The longest MO keyword: a word, not a sentence.
pub const MAX_KEYWORD_CHARS: usize = 64;

/// A routing number (an MO route's or a modem's) as it is compared: its
/// digits, a leading `+` or `00` dropped.
pub fn mo_number(text: &str) -> Result<String, String> {
    crate::routing::mo::normalise_number(text)
        .map(str::to_owned)
        .ok_or_else(|| {
            format!(
                "must be 1 to {} digits, optionally after a leading + or 00",
                crate::routing::mo::MAX_NUMBER_DIGITS
            )
        })
}

/// An MO route's keyword: one word.
pub fn mo_keyword(word: &str) -> Result<(), String> {
    let one_word = !word.is_empty()
        && word.chars().count() <= MAX_KEYWORD_CHARS
        && !word.chars().any(|c| c.is_whitespace() || c.is_control());
    if one_word {
        Ok(())
    } else {
        Err(format!(
            "must be one word of 1 to {MAX_KEYWORD_CHARS} characters"
        ))
    }
}

/// An account's `traffic`: `transactional` or `promotional`.
pub fn traffic(text: &str) -> Result<crate::lists::dnd::Traffic, String> {
    text.parse()
        .map_err(|error: crate::lists::dnd::UnknownTraffic| error.to_string())
}

/// An account's `time_zone`: an IANA name (`Europe/Madrid`, `UTC`).
pub fn time_zone(text: &str) -> Result<chrono_tz::Tz, String> {
    crate::campaigns::quiet_hours::zone(text).map_err(|error| error.to_string())
}

/// An account's `opt_out_scope`: `account` or `sender`.
pub fn opt_out_scope(text: &str) -> Result<crate::lists::opt_out::OptOutScope, String> {
    use crate::lists::opt_out::OptOutScope;
    match text {
        "account" => Ok(OptOutScope::Account),
        "sender" => Ok(OptOutScope::Sender),
        _ => Err(format!("{text:?} is neither \"account\" nor \"sender\"")),
    }
}

/// The most parts a reply text (`opt_out_text`, ...) may take.
pub const MAX_REPLY_PARTS: usize = 3;

/// A text the switch answers an MO with: not empty, at most
/// [`MAX_REPLY_PARTS`] parts.
pub fn reply_text(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("must not be empty; leave it out for the default".into());
    }
    match crate::intake::text_parts(text) {
        Ok((_, parts)) if parts.len() <= MAX_REPLY_PARTS => Ok(text.to_string()),
        Ok((_, parts)) => Err(format!(
            "takes {} message parts; a reply takes at most {MAX_REPLY_PARTS}",
            parts.len()
        )),
        Err(error) => Err(error.to_string()),
    }
}

/// Passwords the shipped configuration, the README or common habit hand
/// out: refused (in any case) for the admin and for accounts while a
/// listener is exposed.
pub const SHIPPED_PASSWORDS: &[&str] = &[
    "change-me",
    "changeme",
    "demo1234",
    "secret",
    "password",
    "admin",
    "pasarela",
];

/// Whether `password` is one of [`SHIPPED_PASSWORDS`].
pub fn is_shipped(password: &str) -> bool {
    SHIPPED_PASSWORDS
        .iter()
        .any(|shipped| shipped.eq_ignore_ascii_case(password))
}

/// The longest mail address (RFC 5321 §4.5.3.1.3, a path of 256 octets
/// with its angle brackets).
pub const MAX_EMAIL_LEN: usize = 254;

/// A language of the mails, by its tag: `"en"` or `"es"`.
pub fn language(tag: &str) -> Result<Lang, String> {
    Lang::from_tag(tag).ok_or_else(|| {
        format!("{tag:?} is not a language the mails are written in: \"en\" or \"es\"")
    })
}

/// A mail address as `local@domain`: one `@`, both sides not empty, no
/// spaces, control characters or angle brackets. The SMTP server has the
/// last word; this catches what is certainly a typo.
pub fn email_address(text: &str) -> Result<(), String> {
    let shaped = text.len() <= MAX_EMAIL_LEN
        && text.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        })
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'));
    if shaped {
        Ok(())
    } else {
        Err(format!(
            "{text:?} is not a mail address such as \"ops@example.com\""
        ))
    }
}
