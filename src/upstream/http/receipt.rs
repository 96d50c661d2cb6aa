//! How an `http` gateway's provider reports delivery: the receipt it
//! sends to `/receipts/{gateway}` names its message id and a status in
//! fields the operator names, with status values the operator lists per
//! final state ([`ReceiptRules`]). No I/O: the web handler reads the
//! request and asks these rules what it says.

use crate::model::MessageState;

/// Status values each final state is named by, compared without regard to
/// case; others (`sent`, `buffered`, …) say nothing final and are taken
/// and dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusValues {
    /// `delivered_values`: DELIVERED.
    pub delivered: Vec<String>,
    /// `undelivered_values`: UNDELIVERABLE.
    pub undelivered: Vec<String>,
    /// `expired_values`: EXPIRED.
    pub expired: Vec<String>,
    /// `rejected_values`: REJECTED.
    pub rejected: Vec<String>,
}

impl Default for StatusValues {
    /// The words most providers use, and the SMPP receipt's `stat:`.
    fn default() -> StatusValues {
        let words = |list: &[&str]| list.iter().map(|word| (*word).to_owned()).collect();
        StatusValues {
            delivered: words(&["delivered", "DELIVRD"]),
            undelivered: words(&["undelivered", "failed", "UNDELIV"]),
            expired: words(&["expired", "EXPIRED"]),
            rejected: words(&["rejected", "REJECTD"]),
        }
    }
}

/// What a receipt request must carry and how it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRules {
    /// The secret the provider's request carries (`token` parameter or
    /// `X-Receipt-Token` header).
    pub token: String,
    /// The field holding the provider's message id.
    pub id_field: String,
    /// The field holding the status.
    pub status_field: String,
    /// The field holding an error code, if the provider sends one.
    pub error_field: Option<String>,
    /// The status values of each final state.
    pub values: StatusValues,
}

impl ReceiptRules {
    /// The final state `status` names; `None` for an interim or unknown
    /// status.
    pub fn state_of(&self, status: &str) -> Option<MessageState> {
        let status = status.trim();
        let listed = |list: &[String]| list.iter().any(|value| value.eq_ignore_ascii_case(status));
        let values = &self.values;
        [
            (&values.delivered, MessageState::Delivered),
            (&values.undelivered, MessageState::Undeliverable),
            (&values.expired, MessageState::Expired),
            (&values.rejected, MessageState::Rejected),
        ]
        .into_iter()
        .find(|(list, _)| listed(list))
        .map(|(_, state)| state)
    }

    /// Whether `given` is the token, compared in time that does not
    /// depend on where they differ.
    pub fn token_matches(&self, given: &str) -> bool {
        let (expected, given) = (self.token.as_bytes(), given.as_bytes());
        if expected.len() != given.len() {
            return false;
        }
        expected
            .iter()
            .zip(given)
            .fold(0u8, |differs, (a, b)| differs | (a ^ b))
            == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> ReceiptRules {
        ReceiptRules {
            token: "s3cret-token-0123".into(),
            id_field: "id".into(),
            status_field: "status".into(),
            error_field: None,
            values: StatusValues::default(),
        }
    }

    #[test]
    fn listed_values_name_final_states_in_any_case() {
        let rules = rules();
        assert_eq!(rules.state_of("DELIVERED"), Some(MessageState::Delivered));
        assert_eq!(rules.state_of(" DELIVRD "), Some(MessageState::Delivered));
        assert_eq!(rules.state_of("failed"), Some(MessageState::Undeliverable));
        assert_eq!(rules.state_of("Expired"), Some(MessageState::Expired));
        assert_eq!(rules.state_of("rejected"), Some(MessageState::Rejected));
        assert_eq!(rules.state_of("sent"), None);
        assert_eq!(rules.state_of(""), None);
    }

    #[test]
    fn only_the_whole_token_matches() {
        let rules = rules();
        assert!(rules.token_matches("s3cret-token-0123"));
        assert!(!rules.token_matches("s3cret-token-0124"));
        assert!(!rules.token_matches("s3cret"));
        assert!(!rules.token_matches(""));
    }
}
