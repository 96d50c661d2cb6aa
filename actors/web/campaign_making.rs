//! The making of a campaign: its recipients written in order, a store
//! batch per page, each with its text filled in and counted into the
//! estimate (parts, GSM or UCS-2, cost at each number's route price);
//! then, last, its definition, state and first tally in one batch. Until
//! that batch is durable the campaign does not exist: a crash in between
//! leaves recipients nothing reads (their campaign id is never used
//! again, the store's sequence being increasing).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::actors::protocol::route::Routing;
use crate::campaigns::submission::{Unsendable, submission};
use crate::campaigns::{Definition, Outcome, Recipient, SkipReason, State, Tally, template};
use crate::model::{CampaignId, Money};
use crate::rating;
use crate::store::{Batch, StateRecord, Store, StoreError};

/// Recipients written per batch.
const PAGE: usize = 10_000;

/// A campaign being made.
pub struct Making {
    store: Arc<Store>,
    routing: Arc<Routing>,
    /// What the recipients' messages would be built from.
    draft: Definition,
    batch: Batch,
    in_batch: usize,
    next_index: u64,
    invalid: u64,
}

/// Why a recipient's text cannot be sent, refusing the whole campaign.
#[derive(Debug, thiserror::Error)]
#[error("the text for {number} cannot be sent: {reason}")]
pub struct BadText {
    pub number: String,
    pub reason: String,
}

impl Making {
    /// Starts making `draft` (its `id`, `total` and `estimate` are filled
    /// in as recipients are added).
    pub fn new(store: Arc<Store>, routing: Arc<Routing>, draft: Definition) -> Making {
        Making {
            store,
            routing,
            draft,
            batch: Batch::new(),
            in_batch: 0,
            next_index: 0,
            invalid: 0,
        }
    }

    /// Recipients so far.
    pub fn total(&self) -> u64 {
        self.next_index
    }

    /// Records how many rows the campaign's file had, refused ones included.
    pub fn set_file_rows(&mut self, rows: u64) {
        self.draft.audience.file_rows = rows;
    }

    /// Adds the next recipient: `number` as given, `text` filled in. A
    /// number no message can go to is kept, skipped as invalid; a text
    /// none can carry refuses the campaign.
    pub async fn add(&mut self, number: &str, text: String) -> Result<(), MakingError> {
        if text.len() > template::MAX_TEXT_BYTES {
            return Err(BadText {
                number: number.to_owned(),
                reason: format!(
                    "{} bytes of UTF-8, more than the {} one recipient may get",
                    text.len(),
                    template::MAX_TEXT_BYTES
                ),
            }
            .into());
        }
        let mut recipient = Recipient {
            number: number.to_owned(),
            text,
            outcome: None,
        };
        match submission(&self.draft, &recipient, Utc::now()) {
            Ok(submission) => {
                let parts = submission.parts.len();
                if submission.data_coding == 0x08 {
                    self.draft.estimate.ucs2 += 1;
                } else {
                    self.draft.estimate.gsm += 1;
                }
                let estimate = &mut self.draft.estimate;
                estimate.parts += parts as u64;
                let price = submission
                    .destinations
                    .first()
                    .and_then(|to| {
                        self.routing
                            .table
                            .lookup(self.draft.account.as_str(), to.text())
                    })
                    .map_or(Money::ZERO, |route| route.price);
                let cost = rating::submission_cost([price], parts).unwrap_or(Money::ZERO);
                estimate.cost = estimate.cost.checked_add(cost).unwrap_or(estimate.cost);
            }
            Err(Unsendable::Number(_)) => {
                recipient.outcome = Some(Outcome::Skipped(SkipReason::Invalid));
                self.invalid += 1;
            }
            Err(Unsendable::Text(error)) => {
                return Err(BadText {
                    number: number.to_owned(),
                    reason: error.to_string(),
                }
                .into());
            }
        }
        self.batch
            .put_recipient(self.draft.id, self.next_index, &recipient);
        self.next_index += 1;
        self.in_batch += 1;
        if self.in_batch >= PAGE {
            let batch = std::mem::take(&mut self.batch);
            self.in_batch = 0;
            self.store.room_for_bulk().await;
            self.store.commit(batch).await?;
        }
        Ok(())
    }

    /// Stores the campaign: what remains of its recipients, then its
    /// definition, its state (scheduled until `start_at`, else running)
    /// and its tally (the invalid numbers skipped), in one batch; answers
    /// the three as stored.
    pub async fn finish(mut self, now: DateTime<Utc>) -> Result<Made, MakingError> {
        if self.next_index == 0 {
            return Err(MakingError::NoRecipients);
        }
        self.draft.total = self.next_index;
        let state = if self.draft.start_at.is_some_and(|at| at > now) {
            State::Scheduled
        } else {
            State::Running
        };
        let mut tally = Tally::default();
        tally.skipped.invalid = self.invalid;
        let record = StateRecord {
            state,
            cursor: 0,
            since: now,
        };
        self.batch
            .put_campaign(&self.draft)
            .put_campaign_state(self.draft.id, &record)
            .put_campaign_tally(self.draft.id, &tally);
        self.store.commit(self.batch).await?;
        Ok(Made {
            definition: self.draft,
            record,
            tally,
        })
    }
}

/// A campaign just stored: what its actor starts from, and its first
/// results.
pub struct Made {
    pub definition: Definition,
    pub record: StateRecord,
    pub tally: Tally,
}

/// Why a campaign was not made.
#[derive(Debug, thiserror::Error)]
pub enum MakingError {
    #[error(transparent)]
    Text(#[from] BadText),
    #[error("the campaign has no recipients")]
    NoRecipients,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A fresh campaign id.
pub fn new_id(store: &Store) -> Result<CampaignId, StoreError> {
    store.next_sequence().map(CampaignId)
}
