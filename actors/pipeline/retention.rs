//! The retention actor: purges messages that have been in a final state
//! for longer than `store.retention_days`, with their index entries and
//! their conversation entries, and the routed MO received longer ago than
//! that, so neither the archive nor the conversation index grows for ever.
//!
//! A pass reads the archive a page at a time, oldest id first, on the
//! blocking pool (never on an actor's thread), and commits each page's
//! removals as one small batch through the group commit like any other
//! write, pausing between batches so that traffic's commits go first. Ids
//! grow with acceptance time, so a pass stops at the first message
//! accepted after the cutoff. Then it reads the routed MO the same way,
//! oldest first, and stops at the first received after the cutoff. A
//! conversation goes with its newest entry (see the store's
//! `conversation_retention`). A pass starts every twentieth of the
//! retention (between [`SWEEP_MIN`] and [`SWEEP_MAX`]), never two at once.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, Utc};
use slog::{Logger, error, info, warn};

use crate::metrics;
use crate::model::{Message, MessageId};
use crate::store::{Batch, PurgedEntry, Store, StoreError};

/// Messages read, and at most purged, per batch.
const BATCH: usize = 256;
/// The pause between two batches of one pass.
const PAUSE: Duration = Duration::from_millis(5);
/// The shortest time between the starts of two passes.
pub const SWEEP_MIN: Duration = Duration::from_millis(200);
/// The longest time between the starts of two passes.
pub const SWEEP_MAX: Duration = Duration::from_secs(600);

pub struct Retention {
    store: Arc<Store>,
    /// `store.retention_days`.
    retention: Duration,
    logger: Logger,
    /// A pass is under way on the blocking pool.
    running: bool,
}

impl Retention {
    pub fn new(store: Arc<Store>, retention: Duration, logger: Logger) -> Retention {
        Retention {
            store,
            retention,
            logger,
            running: false,
        }
    }

    /// Starts a pass unless one is under way.
    fn sweep(&mut self, ctx: &mut Context<Self>) {
        if self.running {
            return;
        }
        let Some(cutoff) = chrono::Duration::from_std(self.retention)
            .ok()
            .and_then(|retention| Utc::now().checked_sub_signed(retention))
        else {
            return;
        };
        self.running = true;
        let (store, logger) = (self.store.clone(), self.logger.clone());
        let pass = actix_rt::task::spawn_blocking(move || purge(&store, cutoff, &logger));
        ctx.spawn(
            pass.into_actor(self)
                .map(|outcome, retention, _| {
                    retention.running = false;
                    match outcome {
                        Ok(Ok(Purged { messages: 0, mo: 0 })) => {}
                        Ok(Ok(Purged { messages, mo })) => {
                            info!(retention.logger, "purged after retention"; "finished_messages" => messages, "mo" => mo)
                        }
                        Ok(Err(error)) => {
                            error!(retention.logger, "retention pass failed"; "error" => %error)
                        }
                        Err(error) => {
                            error!(retention.logger, "retention pass stopped"; "error" => %error)
                        }
                    }
                }),
        );
    }
}

/// What one pass purged.
struct Purged {
    /// Finished messages.
    messages: usize,
    /// Routed MO.
    mo: usize,
}

/// One pass: the finished messages, then the routed MO, from before
/// `cutoff`.
fn purge(store: &Store, cutoff: DateTime<Utc>, logger: &Logger) -> Result<Purged, StoreError> {
    let messages = purge_messages(store, cutoff, logger)?;
    let mo = purge_mo(store, cutoff, logger)?;
    Ok(Purged { messages, mo })
}

/// Purges, batch by batch, the messages final since before `cutoff`, each
/// with its conversation entry; how many.
fn purge_messages(
    store: &Store,
    cutoff: DateTime<Utc>,
    logger: &Logger,
) -> Result<usize, StoreError> {
    let mut after: Option<MessageId> = None;
    let mut purged = 0;
    loop {
        let page = store.archived(after, BATCH)?;
        let mut batch = Batch::new();
        let mut entries = Vec::new();
        let mut count = 0;
        let mut reached_cutoff = false;
        for (id, message) in &page {
            after = Some(*id);
            match message {
                Ok(message) if message.created_at >= cutoff => {
                    reached_cutoff = true;
                    break;
                }
                Ok(message) if final_at(message) < cutoff => {
                    batch.purge_message(message);
                    if let Some(entry) = PurgedEntry::of_mt(message) {
                        batch.purge_conversation_entry(&entry);
                        entries.push(entry);
                    }
                    count += 1;
                }
                // Finished after the cutoff: a later pass.
                Ok(_) => {}
                Err(error) => {
                    warn!(logger, "damaged archived message kept"; "message" => %id, "error" => %error)
                }
            }
        }
        if count > 0 {
            store.commit_purge(batch, &entries).wait()?;
            metrics::global().purged(count);
            purged += count;
        }
        if reached_cutoff || page.len() < BATCH {
            return Ok(purged);
        }
        std::thread::sleep(PAUSE);
    }
}

/// Purges, batch by batch, the routed MO received before `cutoff`: each
/// one's conversation entry and its keys in the list of MO received; how
/// many.
fn purge_mo(store: &Store, cutoff: DateTime<Utc>, logger: &Logger) -> Result<usize, StoreError> {
    let mut after: Option<u64> = None;
    let mut purged = 0;
    loop {
        let page = store.received_mo_oldest(after, BATCH)?;
        let mut batch = Batch::new();
        let mut entries = Vec::new();
        let mut reached_cutoff = false;
        for (sequence, mo) in &page {
            after = Some(*sequence);
            let mo = match mo {
                Ok(mo) => mo,
                Err(error) => {
                    warn!(logger, "damaged MO list key kept"; "sequence" => sequence, "error" => %error);
                    continue;
                }
            };
            let entry = store.conversation_entry(&mo.account, &mo.ours, &mo.theirs, *sequence);
            match entry {
                Ok(Some(entry)) if entry.at >= cutoff => {
                    reached_cutoff = true;
                    break;
                }
                // Past retention, or keys whose entry is gone already.
                Ok(_) => {
                    batch.purge_received_mo(*sequence, mo);
                    entries.push(PurgedEntry::of_mo(*sequence, mo));
                }
                Err(error) => {
                    warn!(logger, "damaged MO entry kept"; "sequence" => sequence, "error" => %error)
                }
            }
        }
        if !entries.is_empty() {
            store.commit_purge(batch, &entries).wait()?;
            purged += entries.len();
        }
        if reached_cutoff || page.len() < BATCH {
            return Ok(purged);
        }
        std::thread::sleep(PAUSE);
    }
}

/// When the message reached its final state: its last transition.
fn final_at(message: &Message) -> DateTime<Utc> {
    message
        .history()
        .last()
        .map_or(message.created_at, |transition| transition.at)
}

impl Actor for Retention {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.sweep(ctx);
        let every = (self.retention / 20).clamp(SWEEP_MIN, SWEEP_MAX);
        ctx.run_interval(every, Retention::sweep);
    }
}

impl Supervised for Retention {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        self.running = false;
    }
}
