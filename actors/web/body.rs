//! An admin request's JSON object body, read field by field so that every
//! problem with it names its field: one missing, one of the wrong type, or
//! one this endpoint does not know.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::api::FieldError;

/// The fields of a JSON object not read yet.
pub struct Fields(Map<String, Value>);

fn problem(field: &str, detail: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_string(),
        detail: detail.into(),
    }
}

impl Fields {
    /// The body as a JSON object; anything else is a problem with `body`.
    pub fn parse(bytes: &[u8]) -> Result<Fields, FieldError> {
        match serde_json::from_slice(bytes) {
            Ok(Value::Object(fields)) => Ok(Fields(fields)),
            Ok(_) => Err(problem("body", "must be a JSON object")),
            Err(error) => Err(problem("body", format!("is not JSON: {error}"))),
        }
    }

    /// The field `name` as a `T`, when given (`null` counts as not given).
    pub fn optional<T: DeserializeOwned>(&mut self, name: &str) -> Result<Option<T>, FieldError> {
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => serde_json::from_value(value)
                .map(Some)
                .map_err(|error| problem(name, error.to_string())),
        }
    }

    /// The field `name` when given: `Some(None)` for `null` (remove the
    /// value), `Some(Some(_))` for a value, `None` when absent (keep it).
    pub fn nullable<T: DeserializeOwned>(
        &mut self,
        name: &str,
    ) -> Result<Option<Option<T>>, FieldError> {
        match self.0.remove(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(value) => serde_json::from_value(value)
                .map(|value| Some(Some(value)))
                .map_err(|error| problem(name, error.to_string())),
        }
    }

    /// The field `name` as a `T`; missing is a problem.
    pub fn required<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, FieldError> {
        self.optional(name)?
            .ok_or_else(|| problem(name, "is required"))
    }

    /// Every field, for a body read whole (a gateway's keys).
    pub fn into_object(self) -> Map<String, Value> {
        self.0
    }

    /// Refuses any field not read: a misspelt field must not pass silently.
    pub fn finish(self) -> Result<(), FieldError> {
        match self.0.keys().next() {
            Some(unknown) => Err(problem(unknown, "is not a field of this request")),
            None => Ok(()),
        }
    }
}
