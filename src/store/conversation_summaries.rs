//! A conversation's summary (its counts and last activity) and each
//! account's memory of the summaries it handed to the store: the account's
//! `ConversationIndex` counts on from it before the store shows them, and
//! retention (`conversation_retention`) checks it before removing a
//! conversation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::conversations::Direction;
use crate::model::{AccountId, timestamp};

/// A conversation's counts and last activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    /// The sequence of its newest entry (its key in `conversation_activity`).
    pub last: u64,
    #[serde(with = "timestamp")]
    pub last_at: DateTime<Utc>,
    pub last_direction: Direction,
    /// The newest entry's text, cut to `conversations::PREVIEW_CHARS`.
    pub last_text: Option<String>,
    /// MO messages in it.
    pub received: u64,
    /// MT entries in it (one per submission and number).
    pub sent: u64,
}

/// How many summaries `ConversationIndex` remembers before it first
/// forgets those the store already has.
pub(super) const REMEMBERED: usize = 4096;

/// Summaries as last handed to the store, by conversation key: the store
/// shows a batch only once it is durable, and the next one may be built
/// before. `None`: retention removed the conversation (see
/// `conversation_retention`), so the next entry starts it again.
pub(super) struct Written {
    pub(super) summaries: HashMap<Vec<u8>, Option<ConversationSummary>>,
    /// The size at which those the store has are forgotten: twice what
    /// remained after the last time (at least [`REMEMBERED`]), so each
    /// summary costs the store one look-up there, whatever the traffic.
    pub(super) tidy_at: usize,
    /// How many times summaries were forgotten (a tidy, a failed batch):
    /// while it stays the same, every summary handed in since a moment is
    /// still here, so one the store showed then and that is not here is
    /// still the latest.
    pub(super) forgets: u64,
}

impl Default for Written {
    fn default() -> Written {
        Written {
            summaries: HashMap::new(),
            tidy_at: REMEMBERED,
            forgets: 0,
        }
    }
}

impl Written {
    /// Forgets every summary.
    pub(super) fn clear(&mut self) {
        self.summaries.clear();
        self.tidy_at = REMEMBERED;
        self.forgets += 1;
    }
}

/// Each account's [`Written`], kept by the store so that its account's
/// `ConversationIndex` and retention, which removes conversations,
/// share one view of what was handed to the store.
#[derive(Default)]
pub(super) struct SummaryCaches(Mutex<HashMap<AccountId, Arc<Mutex<Written>>>>);

impl SummaryCaches {
    pub(super) fn of(&self, account: &AccountId) -> Arc<Mutex<Written>> {
        let mut caches = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        caches.entry(account.clone()).or_default().clone()
    }
}
