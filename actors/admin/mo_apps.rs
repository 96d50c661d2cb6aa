//! Autoreply rules and polls changed while the switch runs (the admin
//! API). Like the other changes (`changes.rs`), each is checked, written
//! to the store's `admin_objects` tree, and put in force (`LiveMoApps`)
//! only once that is durable, one change at a time; at start the stored
//! rules and polls are read back whole (the file has none). A poll's
//! votes live in the store's `votes` tree, written with the MO that
//! carried them; deleting a poll removes them with it.

use chrono::Utc;

use super::changes::Admin;
use super::error::{AdminError, invalid};
use crate::config::fields;
use crate::fold;
use crate::lists::opt_out::is_command_word;
use crate::mo_apps::MoApps;
use crate::mo_apps::autoreply::{self, Autoreply, Template};
use crate::mo_apps::poll::Poll;
use crate::store::Batch;

impl Admin {
    /// Creates the autoreply rule `rule.name` (`creating`: 409 when one
    /// has that name) or replaces it (otherwise: 404 when none has).
    pub async fn put_autoreply(
        &self,
        mut rule: Autoreply,
        creating: bool,
    ) -> Result<(), AdminError> {
        let _turn = self.changes.lock().await;
        let exists = self
            .mo_apps
            .current()
            .autoreplies
            .iter()
            .any(|old| old.name == rule.name);
        match (creating, exists) {
            (true, true) => {
                return Err(AdminError::Conflict(invalid(
                    "name",
                    format!("an autoreply rule {:?} exists", rule.name),
                )));
            }
            (false, false) => return Err(AdminError::NoAutoreply(rule.name)),
            _ => {}
        }
        autoreply::check_name(&rule.name)
            .map_err(|error| AdminError::Invalid(invalid("name", error.to_string())))?;
        self.known_account(&rule.account)?;
        rule.number = number(&rule.number)?;
        if let Some(keyword) = &rule.keyword {
            check_keyword(keyword)?;
        }
        Template::parse(&rule.text)
            .map_err(|error| AdminError::Invalid(invalid("text", error.to_string())))?;
        let apps = self.mo_apps.current();
        let folded = rule.folded_keyword();
        if let Some(other) = apps.autoreplies.iter().find(|other| {
            other.name != rule.name
                && other.account == rule.account
                && other.number == rule.number
                && other.folded_keyword() == folded
        }) {
            return Err(AdminError::Conflict(invalid(
                "keyword",
                format!(
                    "rule {:?} already answers this account's MO to {} {}",
                    other.name,
                    rule.number,
                    rule.keyword
                        .as_deref()
                        .map_or("without a keyword".to_owned(), |k| format!(
                            "with keyword {k:?}"
                        )),
                ),
            )));
        }
        let mut batch = Batch::new();
        batch.put_stored_autoreply(&rule);
        self.store.commit(batch).await?;
        let mut changed = MoApps::clone(&apps);
        changed.autoreplies.retain(|old| old.name != rule.name);
        changed.autoreplies.push(rule.clone());
        changed.autoreplies.sort_by(|a, b| a.name.cmp(&b.name));
        self.mo_apps.replace(changed);
        slog::info!(self.logger, "autoreply rule set"; "name" => &rule.name,
            "account" => &rule.account, "number" => &rule.number, "enabled" => rule.enabled);
        Ok(())
    }

    /// Deletes the autoreply rule `name`.
    pub async fn delete_autoreply(&self, name: &str) -> Result<(), AdminError> {
        let _turn = self.changes.lock().await;
        let apps = self.mo_apps.current();
        if !apps.autoreplies.iter().any(|rule| rule.name == name) {
            return Err(AdminError::NoAutoreply(name.to_owned()));
        }
        let mut batch = Batch::new();
        batch.remove_stored_autoreply(name);
        self.store.commit(batch).await?;
        let mut changed = MoApps::clone(&apps);
        changed.autoreplies.retain(|rule| rule.name != name);
        self.mo_apps.replace(changed);
        slog::info!(self.logger, "autoreply rule deleted"; "name" => name);
        Ok(())
    }

    /// Creates `poll` (its `created_at` set now); 409 when its id is
    /// taken or an open poll of the account already takes votes on its
    /// number and keyword.
    pub async fn create_poll(&self, mut poll: Poll) -> Result<Poll, AdminError> {
        let _turn = self.changes.lock().await;
        autoreply::check_name(&poll.id)
            .map_err(|error| AdminError::Invalid(invalid("id", error.to_string())))?;
        self.known_account(&poll.account)?;
        poll.number = number(&poll.number)?;
        if let Some(keyword) = &poll.keyword {
            check_keyword(keyword)?;
        }
        poll.check(is_command_word)
            .map_err(|error| AdminError::Invalid(invalid(error.field, error.detail)))?;
        let now = Utc::now();
        if poll.closes_at <= now {
            return Err(AdminError::Invalid(invalid(
                "closes_at",
                "must be in the future",
            )));
        }
        let apps = self.mo_apps.current();
        if apps.polls.iter().any(|other| other.id == poll.id) {
            return Err(AdminError::Conflict(invalid(
                "id",
                format!("a poll {:?} exists", poll.id),
            )));
        }
        let keyword = poll.keyword.as_deref().map(fold::fold);
        if let Some(other) = apps.polls.iter().find(|other| {
            other.account == poll.account
                && other.number == poll.number
                && other.keyword.as_deref().map(fold::fold) == keyword
                && other.is_open(now)
        }) {
            return Err(AdminError::Conflict(invalid(
                "keyword",
                format!(
                    "poll {:?} takes these votes until {}; close it first",
                    other.id,
                    other.end().to_rfc3339()
                ),
            )));
        }
        poll.created_at = now;
        poll.closed_at = None;
        let mut batch = Batch::new();
        batch.put_stored_poll(&poll);
        self.store.commit(batch).await?;
        let mut changed = MoApps::clone(&apps);
        changed.polls.push(poll.clone());
        self.mo_apps.replace(changed);
        slog::info!(self.logger, "poll created"; "id" => &poll.id, "account" => &poll.account,
            "number" => &poll.number, "closes_at" => poll.closes_at.to_rfc3339());
        Ok(poll)
    }

    /// Closes the poll `id` now (a closed one stays as it is).
    pub async fn close_poll(&self, id: &str) -> Result<Poll, AdminError> {
        let _turn = self.changes.lock().await;
        let apps = self.mo_apps.current();
        let mut poll = apps
            .polls
            .iter()
            .find(|poll| poll.id == id)
            .cloned()
            .ok_or_else(|| AdminError::NoPoll(id.to_owned()))?;
        let now = Utc::now();
        if !poll.is_open(now) {
            return Ok(poll);
        }
        poll.closed_at = Some(now);
        let mut batch = Batch::new();
        batch.put_stored_poll(&poll);
        self.store.commit(batch).await?;
        let mut changed = MoApps::clone(&apps);
        if let Some(old) = changed.polls.iter_mut().find(|old| old.id == id) {
            *old = poll.clone();
        }
        self.mo_apps.replace(changed);
        slog::info!(self.logger, "poll closed"; "id" => id);
        Ok(poll)
    }

    /// Deletes the poll `id` and its votes, in one batch.
    pub async fn delete_poll(&self, id: &str) -> Result<(), AdminError> {
        let _turn = self.changes.lock().await;
        let apps = self.mo_apps.current();
        if !apps.polls.iter().any(|poll| poll.id == id) {
            return Err(AdminError::NoPoll(id.to_owned()));
        }
        let store = self.store.clone();
        let owned = id.to_owned();
        let votes = actix_rt::task::spawn_blocking(move || store.votes(&owned))
            .await
            .map_err(|error| AdminError::Blocking(error.to_string()))??;
        let mut batch = Batch::new();
        batch.remove_stored_poll(id);
        for (voter, _) in &votes {
            batch.remove_vote(id, voter);
        }
        self.store.commit(batch).await?;
        let mut changed = MoApps::clone(&apps);
        changed.polls.retain(|poll| poll.id != id);
        self.mo_apps.replace(changed);
        slog::info!(self.logger, "poll deleted"; "id" => id, "votes" => votes.len());
        Ok(())
    }

    fn known_account(&self, account: &str) -> Result<(), AdminError> {
        match self.directory.account(account) {
            Some(_) => Ok(()),
            None => Err(AdminError::Invalid(invalid(
                "account",
                format!("no account has system_id {account:?}"),
            ))),
        }
    }
}

/// A number as MO routes compare it, or a problem with `number`.
fn number(number: &str) -> Result<String, AdminError> {
    fields::mo_number(number).map_err(|error| AdminError::Invalid(invalid("number", error)))
}

/// One word, and not an opt-out command word (an MO starting with one is
/// an opt-out command, which no application answers).
fn check_keyword(keyword: &str) -> Result<(), AdminError> {
    fields::mo_keyword(keyword).map_err(|error| AdminError::Invalid(invalid("keyword", error)))?;
    if is_command_word(&fold::fold(keyword)) {
        return Err(AdminError::Invalid(invalid(
            "keyword",
            format!("{keyword:?} is an opt-out command word, which no application answers"),
        )));
    }
    Ok(())
}
