//! Serde for `DateTime<Utc>` the way `Money` does amounts: an RFC 3339
//! string in human-readable formats (JSON, TOML), nanoseconds since the Unix
//! epoch as an `i64` in binary ones (the store), which is exact, compact and
//! cheap to decode. Use with `#[serde(with = "timestamp")]` or
//! `#[serde(with = "timestamp::option")]`.
//!
//! An `i64` of nanoseconds covers the years 1677 to 2262; a time outside
//! them is refused with a serialization error rather than changed.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Writes `at` as RFC 3339 in UTC with a `Z` and 0, 3, 6 or 9 fractional
/// digits, as few as keep it exact; as nanoseconds since the epoch in
/// binary formats.
pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    if serializer.is_human_readable() {
        serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    } else {
        let nanos = at.timestamp_nanos_opt().ok_or_else(|| {
            serde::ser::Error::custom(format!("time {at} is outside the years 1677 to 2262"))
        })?;
        serializer.serialize_i64(nanos)
    }
}

/// Reads an RFC 3339 time with any offset (kept as UTC), or nanoseconds
/// since the epoch in binary formats.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    if deserializer.is_human_readable() {
        let text = String::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|at| at.with_timezone(&Utc))
            .map_err(|error| serde::de::Error::custom(format!("time {text:?}: {error}")))
    } else {
        i64::deserialize(deserializer).map(DateTime::from_timestamp_nanos)
    }
}

/// The same for `Option<DateTime<Utc>>`.
pub mod option {
    use super::*;

    /// A time inside the `Option`, (de)serialized as the parent module does.
    struct Out<'a>(&'a DateTime<Utc>);

    impl Serialize for Out<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            super::serialize(self.0, serializer)
        }
    }

    struct In(DateTime<Utc>);

    impl<'de> Deserialize<'de> for In {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<In, D::Error> {
            super::deserialize(deserializer).map(In)
        }
    }

    /// Writes `None` as the format's none, `Some` as [`serialize`](super::serialize) does.
    pub fn serialize<S: Serializer>(
        at: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        at.as_ref().map(Out).serialize(serializer)
    }

    /// Reads a missing or none value as `None`, any other as [`deserialize`](super::deserialize) does.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        Ok(Option::<In>::deserialize(deserializer)?.map(|In(at)| at))
    }
}
