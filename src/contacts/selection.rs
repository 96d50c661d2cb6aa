//! Selection by criteria (SPEC §6.2): which of an account's contacts a
//! campaign is for, or a count previews: those in any of some groups (all
//! of them when no group is named) that meet every condition on their
//! fields. Read from JSON as
//!
//! ```json
//! {"groups": ["vip"],
//!  "conditions": [{"field": "city", "op": "eq", "value": "Madrid"},
//!                 {"field": "age", "op": "ge", "value": 18},
//!                 {"field": "plan", "op": "in", "values": ["gold", "silver"]},
//!                 {"field": "number", "op": "prefix", "value": "34"}]}
//! ```
//!
//! `eq`, `ne` and `in` compare a string value with the field's text
//! exactly (case included) and a number value with the field read as a
//! decimal number; `prefix` takes a string; `lt`, `le`, `gt` and `ge`
//! compare the field read as a decimal number (`-12.5`, `18`) with a
//! number (or a string holding one). A contact without the field, or
//! whose field is not a number where a number is compared, meets no
//! condition on it (`ne` included). `number` (its digits, without `+`)
//! and `name` are fields too.
//!
//! In formats that are not human-readable (the store's bincode) a value
//! is written with a tag instead, since such formats cannot tell a string
//! from a number by looking.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::contact::{Contact, ContactError, GroupName, normalise_field_name};

/// The most groups one selection names.
pub const MAX_SELECTED_GROUPS: usize = 100;
/// The most conditions one selection has.
pub const MAX_CONDITIONS: usize = 50;
/// The most values one `in` condition lists.
pub const MAX_IN_VALUES: usize = 1000;

/// What is wrong with a selection or one of its conditions.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// A field name that is not one.
    #[error(transparent)]
    Field(ContactError),
    /// An operation other than `in` without its one `value`; its name.
    #[error("\"{0}\" takes a \"value\" (and no \"values\")")]
    Value(&'static str),
    /// `in` without its list of `values`, or with too many.
    #[error("\"in\" takes \"values\", a list of 1 to {MAX_IN_VALUES} (and no \"value\")")]
    Values,
    /// A comparison with something that is not a number; its name.
    #[error("\"{0}\" compares with a number")]
    NotNumber(&'static str),
    /// `prefix` with a number.
    #[error("\"prefix\" takes a string")]
    NotText,
    /// More than [`MAX_SELECTED_GROUPS`].
    #[error("more than {MAX_SELECTED_GROUPS} groups")]
    TooManyGroups,
    /// More than [`MAX_CONDITIONS`].
    #[error("more than {MAX_CONDITIONS} conditions")]
    TooManyConditions,
}

/// A value a condition compares with.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// Compared with the field's text.
    Text(String),
    /// Compared with the field read as a decimal number.
    Number(f64),
}

/// How a condition tests a field's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    /// `eq`: equal.
    Eq(Operand),
    /// `ne`: comparable and not equal.
    Ne(Operand),
    /// `in`: equal to one of them.
    In(Vec<Operand>),
    /// `prefix`: the text starts with it.
    Prefix(String),
    /// `lt`, `le`, `gt`, `ge`: the field's number against the bound.
    Compare(Comparison, f64),
}

/// A numeric comparison: the field's number against the bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// Below.
    Lt,
    /// Below or equal.
    Le,
    /// Above.
    Gt,
    /// Above or equal.
    Ge,
}

/// One condition on one field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ConditionFields", into = "ConditionFields")]
pub struct Condition {
    /// [`normalise_field_name`]'s form: `number`, `name` or a free field.
    pub field: String,
    /// What its value must be.
    pub test: Test,
}

/// The contacts a campaign or a count is for.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SelectionFields")]
pub struct Selection {
    /// Contacts in any of these; empty: every contact of the account.
    pub groups: Vec<GroupName>,
    /// Every one of these holds.
    pub conditions: Vec<Condition>,
}

impl Selection {
    /// A selection within the limits on its groups and conditions.
    pub fn new(
        groups: Vec<GroupName>,
        conditions: Vec<Condition>,
    ) -> Result<Selection, SelectionError> {
        if groups.len() > MAX_SELECTED_GROUPS {
            return Err(SelectionError::TooManyGroups);
        }
        if conditions.len() > MAX_CONDITIONS {
            return Err(SelectionError::TooManyConditions);
        }
        Ok(Selection { groups, conditions })
    }

    /// Whether `contact` is selected: in one of the groups (or no group
    /// named), and meeting every condition.
    pub fn matches(&self, contact: &Contact) -> bool {
        (self.groups.is_empty()
            || self
                .groups
                .iter()
                .any(|group| contact.groups.contains(group)))
            && self
                .conditions
                .iter()
                .all(|condition| condition.matches(contact))
    }
}

impl Condition {
    /// Whether `contact`'s field meets it; never when it has no such field.
    pub fn matches(&self, contact: &Contact) -> bool {
        let Some(value) = contact.field(&self.field) else {
            return false;
        };
        match &self.test {
            Test::Eq(operand) => operand.equals(&value),
            Test::Ne(operand) => operand.differs(&value),
            Test::In(operands) => operands.iter().any(|operand| operand.equals(&value)),
            Test::Prefix(prefix) => value.starts_with(prefix.as_str()),
            Test::Compare(comparison, bound) => {
                decimal(&value).is_some_and(|number| match comparison {
                    Comparison::Lt => number < *bound,
                    Comparison::Le => number <= *bound,
                    Comparison::Gt => number > *bound,
                    Comparison::Ge => number >= *bound,
                })
            }
        }
    }
}

impl Operand {
    fn equals(&self, value: &str) -> bool {
        match self {
            Operand::Text(text) => text == value,
            Operand::Number(number) => decimal(value) == Some(*number),
        }
    }

    /// Not equal, for a value that can be compared at all (a number
    /// against a field that is not one is neither).
    fn differs(&self, value: &str) -> bool {
        match self {
            Operand::Text(text) => text != value,
            Operand::Number(number) => decimal(value).is_some_and(|value| value != *number),
        }
    }

    /// A number, or a string holding one.
    fn number(&self) -> Option<f64> {
        match self {
            Operand::Number(number) => Some(*number),
            Operand::Text(text) => decimal(text),
        }
    }
}

/// `text` as a decimal number: an optional sign, digits, optionally a
/// point and more digits (no exponent, no `inf`), white space around
/// allowed.
fn decimal(text: &str) -> Option<f64> {
    let text = text.trim();
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    let plain = digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty());
    if plain { text.parse().ok() } else { None }
}

/// The operation of a condition as JSON names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Op {
    Eq,
    Ne,
    In,
    Prefix,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::In => "in",
            Op::Prefix => "prefix",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::Gt => "gt",
            Op::Ge => "ge",
        }
    }
}

/// A condition as written: `{"field", "op", "value"}` or `{"field",
/// "op": "in", "values"}`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionFields {
    field: String,
    op: Op,
    #[serde(default)]
    value: Option<Operand>,
    #[serde(default)]
    values: Option<Vec<Operand>>,
}

impl TryFrom<ConditionFields> for Condition {
    type Error = SelectionError;

    fn try_from(written: ConditionFields) -> Result<Condition, SelectionError> {
        let field = normalise_field_name(&written.field).map_err(SelectionError::Field)?;
        let op = written.op;
        let test = match (op, written.value, written.values) {
            (Op::In, None, Some(values)) if (1..=MAX_IN_VALUES).contains(&values.len()) => {
                Test::In(values)
            }
            (Op::In, _, _) => return Err(SelectionError::Values),
            (_, Some(value), None) => match op {
                Op::Eq => Test::Eq(value),
                Op::Ne => Test::Ne(value),
                Op::Prefix => match value {
                    Operand::Text(prefix) => Test::Prefix(prefix),
                    Operand::Number(_) => return Err(SelectionError::NotText),
                },
                Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                    let bound = value.number().ok_or(SelectionError::NotNumber(op.name()))?;
                    let comparison = match op {
                        Op::Lt => Comparison::Lt,
                        Op::Le => Comparison::Le,
                        Op::Gt => Comparison::Gt,
                        _ => Comparison::Ge,
                    };
                    Test::Compare(comparison, bound)
                }
                Op::In => return Err(SelectionError::Values),
            },
            _ => return Err(SelectionError::Value(op.name())),
        };
        Ok(Condition { field, test })
    }
}

impl From<Condition> for ConditionFields {
    fn from(condition: Condition) -> ConditionFields {
        let (op, value, values) = match condition.test {
            Test::Eq(value) => (Op::Eq, Some(value), None),
            Test::Ne(value) => (Op::Ne, Some(value), None),
            Test::In(values) => (Op::In, None, Some(values)),
            Test::Prefix(prefix) => (Op::Prefix, Some(Operand::Text(prefix)), None),
            Test::Compare(comparison, bound) => {
                let op = match comparison {
                    Comparison::Lt => Op::Lt,
                    Comparison::Le => Op::Le,
                    Comparison::Gt => Op::Gt,
                    Comparison::Ge => Op::Ge,
                };
                (op, Some(Operand::Number(bound)), None)
            }
        };
        ConditionFields {
            field: condition.field,
            op,
            value,
            values,
        }
    }
}

/// A selection as written; both keys may be left out.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SelectionFields {
    #[serde(default)]
    groups: Vec<GroupName>,
    #[serde(default)]
    conditions: Vec<Condition>,
}

impl TryFrom<SelectionFields> for Selection {
    type Error = SelectionError;

    fn try_from(written: SelectionFields) -> Result<Selection, SelectionError> {
        Selection::new(written.groups, written.conditions)
    }
}

/// An operand as formats that are not human-readable write it: tagged.
#[derive(Serialize, Deserialize)]
enum TaggedOperand {
    Text(String),
    Number(f64),
}

impl Serialize for Operand {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !serializer.is_human_readable() {
            let tagged = match self {
                Operand::Text(text) => TaggedOperand::Text(text.clone()),
                Operand::Number(number) => TaggedOperand::Number(*number),
            };
            return tagged.serialize(serializer);
        }
        match self {
            Operand::Text(text) => serializer.serialize_str(text),
            // 18, not 18.0, for a whole number an i64 holds exactly.
            Operand::Number(number)
                if number.fract() == 0.0 && number.abs() < 9_007_199_254_740_992.0 =>
            {
                serializer.serialize_i64(*number as i64)
            }
            Operand::Number(number) => serializer.serialize_f64(*number),
        }
    }
}

impl<'de> Deserialize<'de> for Operand {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Operand, D::Error> {
        if !deserializer.is_human_readable() {
            return Ok(match TaggedOperand::deserialize(deserializer)? {
                TaggedOperand::Text(text) => Operand::Text(text),
                TaggedOperand::Number(number) => Operand::Number(number),
            });
        }
        deserializer.deserialize_any(OperandVisitor)
    }
}

struct OperandVisitor;

impl Visitor<'_> for OperandVisitor {
    type Value = Operand;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a string or a number")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Operand, E> {
        Ok(Operand::Text(text.to_string()))
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Operand, E> {
        Ok(Operand::Number(number as f64))
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Operand, E> {
        Ok(Operand::Number(number as f64))
    }

    fn visit_f64<E: de::Error>(self, number: f64) -> Result<Operand, E> {
        Ok(Operand::Number(number))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::lists::ListedNumber;

    fn contact(
        number: &str,
        name: Option<&str>,
        fields: &[(&str, &str)],
        groups: &[&str],
    ) -> Contact {
        let mut contact = Contact::new(ListedNumber::parse(number).unwrap());
        contact.name = name.map(str::to_string);
        for (field, value) in fields {
            contact.fields.insert(field.to_string(), value.to_string());
        }
        for group in groups {
            contact.groups.insert(GroupName::parse(group).unwrap());
        }
        contact
    }

    fn condition(field: &str, test: Test) -> Condition {
        Condition {
            field: field.into(),
            test,
        }
    }

    fn text(value: &str) -> Operand {
        Operand::Text(value.into())
    }

    #[test]
    fn conditions_test_fields_as_text_or_as_decimal_numbers() {
        let ana = contact(
            "34600000001",
            Some("Ana"),
            &[
                ("city", "Madrid"),
                ("age", "18"),
                ("plan", "gold"),
                ("score", "n/a"),
            ],
            &["vip"],
        );
        let holds = |field, test| condition(field, test).matches(&ana);
        assert!(holds("city", Test::Eq(text("Madrid"))));
        assert!(!holds("city", Test::Eq(text("madrid"))), "case counts");
        assert!(holds("city", Test::Ne(text("Bilbao"))));
        assert!(holds("age", Test::Eq(Operand::Number(18.0))));
        assert!(holds("age", Test::Compare(Comparison::Ge, 18.0)));
        assert!(holds("age", Test::Compare(Comparison::Le, 18.0)));
        assert!(!holds("age", Test::Compare(Comparison::Gt, 18.0)));
        assert!(holds("age", Test::Compare(Comparison::Lt, 18.5)));
        assert!(holds("plan", Test::In(vec![text("silver"), text("gold")])));
        assert!(!holds("plan", Test::In(vec![text("silver")])));
        assert!(holds("number", Test::Prefix("346".into())));
        assert!(holds("name", Test::Eq(text("Ana"))));
        for test in [
            Test::Compare(Comparison::Gt, 0.0),
            Test::Eq(Operand::Number(0.0)),
            Test::Ne(Operand::Number(0.0)),
        ] {
            assert!(!holds("score", test.clone()), "not a number: {test:?}");
            assert!(!holds("missing", test), "no such field");
        }
        assert!(!holds("missing", Test::Ne(text("x"))));
    }

    #[test]
    fn a_selection_takes_any_of_its_groups_and_every_condition() {
        let ana = contact(
            "34600000001",
            None,
            &[("city", "Madrid")],
            &["vip", "staff"],
        );
        let bob = contact("34600000002", None, &[("city", "Bilbao")], &[]);
        let everyone = Selection::default();
        assert!(everyone.matches(&ana) && everyone.matches(&bob));
        let vip_or_press: Selection =
            serde_json::from_str(r#"{"groups": ["press", "vip"]}"#).unwrap();
        assert!(vip_or_press.matches(&ana) && !vip_or_press.matches(&bob));
        let madrid: Selection = serde_json::from_str(
            r#"{"conditions": [{"field": "City", "op": "eq", "value": "Madrid"},
                               {"field": "number", "op": "prefix", "value": "34"}]}"#,
        )
        .unwrap();
        assert!(madrid.matches(&ana) && !madrid.matches(&bob));
    }

    #[test]
    fn json_reads_every_operation_and_writes_it_back() {
        let written = r#"{"groups":["vip"],"conditions":[
            {"field":"city","op":"eq","value":"Madrid"},
            {"field":"age","op":"ge","value":18},
            {"field":"age","op":"lt","value":"65.5"},
            {"field":"plan","op":"in","values":["gold","silver",3]},
            {"field":"number","op":"prefix","value":"34"},
            {"field":"name","op":"ne","value":"Bob"}]}"#;
        let selection: Selection = serde_json::from_str(written).unwrap();
        assert_eq!(
            selection.conditions[1],
            condition("age", Test::Compare(Comparison::Ge, 18.0))
        );
        assert_eq!(
            selection.conditions[2],
            condition("age", Test::Compare(Comparison::Lt, 65.5))
        );
        let again: Selection =
            serde_json::from_value(serde_json::to_value(&selection).unwrap()).unwrap();
        assert_eq!(again, selection);
        let json = serde_json::to_value(&selection.conditions[1]).unwrap();
        assert_eq!(json["value"], serde_json::json!(18));
    }

    #[test]
    fn malformed_conditions_are_refused_saying_why() {
        let refused = |json: &str| {
            serde_json::from_str::<Condition>(json)
                .unwrap_err()
                .to_string()
        };
        assert!(
            refused(r#"{"field":"age","op":"gt","value":"old"}"#)
                .contains("compares with a number")
        );
        assert!(
            refused(r#"{"field":"age","op":"in","value":"x"}"#).contains("\"in\" takes \"values\"")
        );
        assert!(
            refused(r#"{"field":"age","op":"in","values":[]}"#).contains("\"in\" takes \"values\"")
        );
        assert!(refused(r#"{"field":"age","op":"eq"}"#).contains("\"eq\" takes a \"value\""));
        assert!(
            refused(r#"{"field":"number","op":"prefix","value":34}"#).contains("takes a string")
        );
        assert!(refused(r#"{"field":"home town","op":"eq","value":"x"}"#).contains("field name"));
        assert!(refused(r#"{"field":"age","op":"like","value":"x"}"#).contains("unknown variant"));
        assert!(
            refused(r#"{"field":"age","op":"eq","value":"x","also":1}"#).contains("unknown field")
        );
        assert!(
            refused(r#"{"field":"age","op":"eq","value":[1]}"#).contains("a string or a number")
        );
        let many = format!(
            r#"{{"conditions": [{}]}}"#,
            vec![r#"{"field":"a","op":"eq","value":"x"}"#; MAX_CONDITIONS + 1].join(",")
        );
        assert!(serde_json::from_str::<Selection>(&many).is_err());
    }

    #[test]
    fn decimals_are_plain_signed_numbers_with_an_optional_point() {
        assert_eq!(decimal(" 18 "), Some(18.0));
        assert_eq!(decimal("-12.5"), Some(-12.5));
        assert_eq!(decimal("+.5"), Some(0.5));
        assert_eq!(decimal("3."), Some(3.0));
        for not in ["", ".", "-", "1e3", "inf", "NaN", "1,5", "12a", "1.2.3"] {
            assert_eq!(decimal(not), None, "{not:?}");
        }
    }

    proptest! {
        #[test]
        fn ne_is_eq_negated_and_comparisons_split_numbers(
            value in prop_oneof!["-?[0-9]{1,4}(\\.[0-9]{1,2})?", "[a-z ]{0,6}"],
            other in prop_oneof!["-?[0-9]{1,4}(\\.[0-9]{1,2})?", "[a-z ]{0,6}"],
        ) {
            let person = contact("34600000001", None, &[("f", value.as_str())], &[]);
            let holds = |test| condition("f", test).matches(&person);
            prop_assert_ne!(holds(Test::Eq(text(&other))), holds(Test::Ne(text(&other))));
            prop_assert_eq!(holds(Test::Eq(text(&other))), holds(Test::In(vec![text(&other)])));
            if let Some(bound) = decimal(&other) {
                let numeric = decimal(&value).is_some();
                let lt = holds(Test::Compare(Comparison::Lt, bound));
                let ge = holds(Test::Compare(Comparison::Ge, bound));
                let gt = holds(Test::Compare(Comparison::Gt, bound));
                let le = holds(Test::Compare(Comparison::Le, bound));
                prop_assert_eq!(lt != ge, numeric);
                prop_assert_eq!(gt != le, numeric);
                let eq = holds(Test::Eq(Operand::Number(bound)));
                prop_assert_eq!(eq, le && ge);
                prop_assert_eq!(holds(Test::Ne(Operand::Number(bound))), numeric && !eq);
            }
        }
    }
}
