//! Content rules that change while the switch runs (the admin API):
//! create, replace or delete a rule by name. Like the other admin
//! changes, each is checked with the file's own rules
//! (`checks::content`), written to the store's `admin_objects` tree, and
//! applied only once that is durable: every rule is compiled again into
//! one matcher, swapped in whole, and in force for the next submission.
//!
//! At start, [`merge_content_rules`] lays the stored rules (or their
//! deletions) over the file's with the same name, and [`compile`] builds
//! the matcher the accounts read.

use std::sync::Arc;

use super::changes::Admin;
use super::error::{AdminError, invalid};
use crate::checks::content::{ContentRule, ContentRules, RuleError};
use crate::overlay;
use crate::store::{Batch, StoredContentRule};

/// The file's rules with the stored ones laid over them: a stored rule
/// replaces the file's of the same name where it stands, a stored
/// deletion removes it, and new ones follow in the order stored (by name).
pub fn merge_content_rules(
    file: &[ContentRule],
    stored: Vec<StoredContentRule>,
) -> Vec<ContentRule> {
    let mut rules = file.to_vec();
    for change in stored {
        overlay::apply(
            &mut rules,
            |rule: &ContentRule| rule.name.clone(),
            &change.name,
            |_| change.rule,
        );
    }
    rules
}

/// The matcher for `rules`; a rule that no longer compiles (stored under
/// other limits) stops the start with the rule and field named.
pub fn compile(rules: Vec<ContentRule>) -> Result<ContentRules, RuleError> {
    for rule in &rules {
        rule.check().map_err(|error| RuleError {
            field: format!("content rule {:?}: {}", rule.name, error.field),
            detail: error.detail,
        })?;
    }
    ContentRules::new(rules)
}

fn invalid_rule(error: RuleError) -> AdminError {
    AdminError::Invalid(invalid(error.field, error.detail))
}

impl Admin {
    /// Adds `rule` after the rules in force; 409 (`name`) when one has
    /// its name.
    pub async fn create_content_rule(&self, rule: ContentRule) -> Result<(), AdminError> {
        let _turn = self.changes.lock().await;
        let current = self.content_rules.load_full();
        if current.rule(&rule.name).is_some() {
            return Err(AdminError::Conflict(invalid(
                "name",
                format!("a content rule named {:?} exists", rule.name),
            )));
        }
        let mut rules = current.rules().to_vec();
        rules.push(rule.clone());
        self.apply_content_rule(rules, rule.name.clone(), Some(rule))
            .await
    }

    /// Replaces the rule named `name` where it stands in the order.
    pub async fn replace_content_rule(
        &self,
        name: &str,
        rule: ContentRule,
    ) -> Result<(), AdminError> {
        let _turn = self.changes.lock().await;
        let mut rules = self.content_rules.load().rules().to_vec();
        let Some(place) = rules.iter().position(|old| old.name == name) else {
            return Err(AdminError::NoContentRule(name.to_owned()));
        };
        rules[place] = rule.clone();
        self.apply_content_rule(rules, name.to_owned(), Some(rule))
            .await
    }

    /// Removes the rule named `name`.
    pub async fn delete_content_rule(&self, name: &str) -> Result<(), AdminError> {
        let _turn = self.changes.lock().await;
        let mut rules = self.content_rules.load().rules().to_vec();
        let before = rules.len();
        rules.retain(|rule| rule.name != name);
        if rules.len() == before {
            return Err(AdminError::NoContentRule(name.to_owned()));
        }
        self.apply_content_rule(rules, name.to_owned(), None).await
    }

    /// Checks `changed` (the rules in force with one change), stores the
    /// change, then swaps the compiled matcher in.
    async fn apply_content_rule(
        &self,
        changed: Vec<ContentRule>,
        name: String,
        rule: Option<ContentRule>,
    ) -> Result<(), AdminError> {
        if let Some(rule) = &rule {
            rule.check().map_err(invalid_rule)?;
            for (index, account) in rule.accounts.iter().enumerate() {
                if self.directory.account(account).is_none() {
                    return Err(AdminError::Invalid(invalid(
                        format!("accounts[{index}]"),
                        format!("no account has system_id {account:?}"),
                    )));
                }
            }
        }
        // Thousands of patterns take a while to compile: off the event loop.
        let compiled = actix_rt::task::spawn_blocking(move || ContentRules::new(changed))
            .await
            .map_err(|error| AdminError::Blocking(error.to_string()))?
            .map_err(invalid_rule)?;
        let mut batch = Batch::new();
        batch.put_stored_content_rule(&StoredContentRule {
            name: name.clone(),
            rule: rule.clone(),
        });
        self.store.commit(batch).await?;
        self.content_rules.store(Arc::new(compiled));
        slog::info!(self.logger, "content rule changed"; "rule" => name,
            "action" => rule.as_ref().map(|rule| rule.action.as_str()),
            "deleted" => rule.is_none());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::content::{ContentAction, Matching};

    fn rule(name: &str, word: &str) -> ContentRule {
        ContentRule {
            name: name.into(),
            matching: Matching::Words(vec![word.into()]),
            accounts: Vec::new(),
            action: ContentAction::Reject,
            description: None,
            enabled: true,
        }
    }

    #[test]
    fn stored_rules_replace_delete_or_follow_the_files() {
        let file = [rule("a", "one"), rule("b", "two"), rule("c", "three")];
        let stored = vec![
            StoredContentRule {
                name: "b".into(),
                rule: None,
            },
            StoredContentRule {
                name: "a".into(),
                rule: Some(rule("a", "uno")),
            },
            StoredContentRule {
                name: "d".into(),
                rule: Some(rule("d", "four")),
            },
        ];
        assert_eq!(
            merge_content_rules(&file, stored),
            [rule("a", "uno"), rule("c", "three"), rule("d", "four")]
        );
    }
}
