//! One contact of an account and the names it carries: its number (the
//! key), an optional name, free fields and the groups it belongs to, each
//! validated, and the limits that keep one contact well inside one store
//! record.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::lists::ListedNumber;

/// The most free fields a contact has.
pub const MAX_FIELDS: usize = 32;
/// The longest field name, in characters (ASCII).
pub const MAX_FIELD_NAME_CHARS: usize = 64;
/// The longest field value, in bytes of UTF-8.
pub const MAX_VALUE_BYTES: usize = 256;
/// The longest contact name, in bytes of UTF-8.
pub const MAX_NAME_BYTES: usize = 256;
/// The longest group name, in characters.
pub const MAX_GROUP_NAME_CHARS: usize = 64;
/// The most groups one contact belongs to.
pub const MAX_GROUPS: usize = 32;
/// The most bytes of text one contact holds in all: its name, every
/// field's name and value, every group's name. With the encoding's
/// lengths and tags that stays under 3,400 bytes, well inside the store's
/// 4 KiB record.
pub const MAX_CONTACT_BYTES: usize = 3072;

/// The field names every contact answers to besides its free fields.
pub const RESERVED_FIELDS: [&str; 2] = ["number", "name"];

/// What is wrong with a contact, a field name or a group name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    /// A field name that is empty, too long or has a character not allowed.
    #[error("field name {name:?}: {reason}")]
    FieldName {
        /// As given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `number` or `name` given as a free field.
    #[error("{0:?} is not a free field: every contact has it")]
    ReservedField(String),
    /// Two fields whose names differ only in case.
    #[error("field {0:?} is given twice (field names are case-insensitive)")]
    DuplicateField(String),
    /// More than [`MAX_FIELDS`].
    #[error("more than {MAX_FIELDS} fields")]
    TooManyFields,
    /// A value longer than [`MAX_VALUE_BYTES`]; the field's name.
    #[error("field {0:?} is longer than {MAX_VALUE_BYTES} bytes")]
    ValueTooLong(String),
    /// A name longer than [`MAX_NAME_BYTES`].
    #[error("the name is longer than {MAX_NAME_BYTES} bytes")]
    NameTooLong,
    /// A group name that is empty, too long or has a character not allowed.
    #[error("group name {name:?}: {reason}")]
    GroupName {
        /// As given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// More than [`MAX_GROUPS`].
    #[error("more than {MAX_GROUPS} groups")]
    TooManyGroups,
    /// More than [`MAX_CONTACT_BYTES`] in all; how many.
    #[error("{0} bytes of name, fields and groups; a contact holds at most {MAX_CONTACT_BYTES}")]
    TooLarge(usize),
}

/// A group's name: 1 to 64 characters, no control character, no `/`, no
/// white space at either end. Serde reads and writes it as a string.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GroupName(String);

impl GroupName {
    /// `text` as a group name, as given (case kept).
    pub fn parse(text: &str) -> Result<GroupName, ContactError> {
        let refuse = |reason| ContactError::GroupName {
            name: text.to_string(),
            reason,
        };
        let chars = text.chars().count();
        if chars == 0 {
            return Err(refuse("empty"));
        }
        if chars > MAX_GROUP_NAME_CHARS {
            return Err(refuse("longer than 64 characters"));
        }
        if text.chars().any(char::is_control) {
            return Err(refuse("has a control character"));
        }
        if text.contains('/') {
            return Err(refuse("has a '/'"));
        }
        if text.trim() != text {
            return Err(refuse("starts or ends with white space"));
        }
        Ok(GroupName(text.to_string()))
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for GroupName {
    type Error = ContactError;

    fn try_from(text: String) -> Result<GroupName, ContactError> {
        GroupName::parse(&text)
    }
}

impl From<GroupName> for String {
    fn from(name: GroupName) -> String {
        name.0
    }
}

impl std::fmt::Display for GroupName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `text` as a field name any contact may be asked for (`number`, `name`
/// or a free field): 1 to 64 ASCII letters, digits, `_` and `-`, lower-cased
/// (field names are case-insensitive).
pub fn normalise_field_name(text: &str) -> Result<String, ContactError> {
    let refuse = |reason| ContactError::FieldName {
        name: text.to_string(),
        reason,
    };
    if text.is_empty() {
        return Err(refuse("empty"));
    }
    if text.len() > MAX_FIELD_NAME_CHARS {
        return Err(refuse("longer than 64 characters"));
    }
    if !text
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
    {
        return Err(refuse(
            "only ASCII letters, digits, '_' and '-' are allowed",
        ));
    }
    Ok(text.to_ascii_lowercase())
}

/// `text` as the name of a free field: [`normalise_field_name`], and not
/// one of the [`RESERVED_FIELDS`].
pub fn free_field_name(text: &str) -> Result<String, ContactError> {
    let name = normalise_field_name(text)?;
    if RESERVED_FIELDS.contains(&name.as_str()) {
        return Err(ContactError::ReservedField(name));
    }
    Ok(name)
}

/// Free fields as given (a JSON object's keys and values): names through
/// [`free_field_name`], two that differ only in case refused.
pub fn free_fields(
    given: impl IntoIterator<Item = (String, String)>,
) -> Result<BTreeMap<String, String>, ContactError> {
    let mut fields = BTreeMap::new();
    for (name, value) in given {
        let name = free_field_name(&name)?;
        if fields.contains_key(&name) {
            return Err(ContactError::DuplicateField(name));
        }
        fields.insert(name, value);
    }
    Ok(fields)
}

/// One contact of an account. The number is its key: an account has one
/// contact per number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    /// The key: one contact per number and account.
    pub number: ListedNumber,
    /// How templates greet it (`{{name}}`); `None` when unknown.
    pub name: Option<String>,
    /// Free fields by name ([`free_field_name`]).
    pub fields: BTreeMap<String, String>,
    /// The groups it belongs to.
    pub groups: BTreeSet<GroupName>,
}

impl Contact {
    /// A contact with nothing but its number.
    pub fn new(number: ListedNumber) -> Contact {
        Contact {
            number,
            name: None,
            fields: BTreeMap::new(),
            groups: BTreeSet::new(),
        }
    }

    /// The value of `field` ([`normalise_field_name`]'s form): the digits
    /// of `number`, the `name`, or a free field; `None` when it has none.
    pub fn field(&self, field: &str) -> Option<Cow<'_, str>> {
        match field {
            "number" => Some(Cow::Owned(self.number.to_string())),
            "name" => self.name.as_deref().map(Cow::Borrowed),
            free => self
                .fields
                .get(free)
                .map(|value| Cow::Borrowed(value.as_str())),
        }
    }

    /// Whether it keeps within the limits: field names in their
    /// normalised form and not reserved, at most [`MAX_FIELDS`] fields of
    /// [`MAX_VALUE_BYTES`] each, a name of [`MAX_NAME_BYTES`], at most
    /// [`MAX_GROUPS`] groups and [`MAX_CONTACT_BYTES`] in all.
    pub fn check(&self) -> Result<(), ContactError> {
        if self
            .name
            .as_ref()
            .is_some_and(|name| name.len() > MAX_NAME_BYTES)
        {
            return Err(ContactError::NameTooLong);
        }
        if self.fields.len() > MAX_FIELDS {
            return Err(ContactError::TooManyFields);
        }
        for (name, value) in &self.fields {
            if free_field_name(name)? != *name {
                return Err(ContactError::FieldName {
                    name: name.clone(),
                    reason: "not in lower case",
                });
            }
            if value.len() > MAX_VALUE_BYTES {
                return Err(ContactError::ValueTooLong(name.clone()));
            }
        }
        if self.groups.len() > MAX_GROUPS {
            return Err(ContactError::TooManyGroups);
        }
        let bytes = self.name.as_ref().map_or(0, String::len)
            + self
                .fields
                .iter()
                .map(|(name, value)| name.len() + value.len())
                .sum::<usize>()
            + self.groups.iter().map(|group| group.0.len()).sum::<usize>();
        if bytes > MAX_CONTACT_BYTES {
            return Err(ContactError::TooLarge(bytes));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number() -> ListedNumber {
        ListedNumber::parse("34600000001").unwrap()
    }

    #[test]
    fn group_names_are_one_to_64_characters_without_controls_or_slashes() {
        assert_eq!(
            GroupName::parse("VIP clients").unwrap().as_str(),
            "VIP clients"
        );
        assert!(GroupName::parse(&"ñ".repeat(64)).is_ok());
        for bad in ["", " vip", "vip ", "a/b", "tab\there", &"x".repeat(65)] {
            assert!(GroupName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn field_names_are_folded_to_lower_case_and_two_are_reserved() {
        assert_eq!(
            normalise_field_name("Last_Visit-2").unwrap(),
            "last_visit-2"
        );
        assert_eq!(normalise_field_name("NAME").unwrap(), "name");
        assert_eq!(
            free_field_name("Number"),
            Err(ContactError::ReservedField("number".into()))
        );
        for bad in ["", "city name", "ciudad¿", &"x".repeat(65)] {
            assert!(normalise_field_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn free_fields_are_named_once_whatever_their_case() {
        let given = |pairs: &[(&str, &str)]| {
            free_fields(
                pairs
                    .iter()
                    .map(|(name, value)| (name.to_string(), value.to_string())),
            )
        };
        let fields = given(&[("City", "Madrid"), ("plan", "gold")]).unwrap();
        assert_eq!(fields["city"], "Madrid");
        assert_eq!(
            given(&[("City", "Madrid"), ("city", "Bilbao")]),
            Err(ContactError::DuplicateField("city".into()))
        );
        assert_eq!(
            given(&[("name", "Ana")]),
            Err(ContactError::ReservedField("name".into()))
        );
    }

    #[test]
    fn a_contact_answers_for_its_number_name_and_free_fields() {
        let mut contact = Contact::new(number());
        contact.fields.insert("city".into(), "Madrid".into());
        assert_eq!(contact.field("number").as_deref(), Some("34600000001"));
        assert_eq!(contact.field("name"), None);
        assert_eq!(contact.field("city").as_deref(), Some("Madrid"));
        assert_eq!(contact.field("plan"), None);
    }

    #[test]
    fn a_contact_keeps_within_its_limits() {
        let mut contact = Contact::new(number());
        contact.name = Some("Ana".into());
        for index in 0..MAX_FIELDS {
            contact.fields.insert(format!("f{index}"), "v".repeat(80));
        }
        assert_eq!(contact.check(), Ok(()));
        contact.fields.insert("one_more".into(), "v".into());
        assert_eq!(contact.check(), Err(ContactError::TooManyFields));
        contact.fields.remove("one_more");
        contact
            .fields
            .insert("f0".into(), "v".repeat(MAX_VALUE_BYTES + 1));
        assert_eq!(
            contact.check(),
            Err(ContactError::ValueTooLong("f0".into()))
        );
        contact
            .fields
            .insert("f0".into(), "v".repeat(MAX_VALUE_BYTES));
        for index in 0..MAX_GROUPS {
            contact
                .groups
                .insert(GroupName::parse(&format!("{index:0>60}")).unwrap());
        }
        assert!(matches!(contact.check(), Err(ContactError::TooLarge(_))));
        contact.fields.remove("f1");
        contact.fields.insert("Upper".into(), "v".into());
        assert!(matches!(
            contact.check(),
            Err(ContactError::FieldName { .. })
        ));
    }
}
