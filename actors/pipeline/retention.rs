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
use crate::model::Message;
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

/// One page a purge read: its removals, and where the next page starts.
struct Page<K> {
    batch: Batch,
    /// The conversation entries `batch` removes.
    entries: Vec<PurgedEntry>,
    /// How many records `batch` purges.
    purged: usize,
    /// How many records were read.
    read: usize,
    /// The last key read.
    last: Option<K>,
    /// A record past the cutoff was met: nothing after it is due.
    reached_cutoff: bool,
}

impl<K> Page<K> {
    fn new(read: usize) -> Page<K> {
        Page {
            batch: Batch::new(),
            entries: Vec::new(),
            purged: 0,
            read,
            last: None,
            reached_cutoff: false,
        }
    }
}

/// Commits the pages `read_page` makes, each read after the last key of
/// the one before, pausing between them, until one reaches the cutoff or
/// the end; tells `committed` each page's count once it is durable, and
/// returns how many records they purged.
fn purge_pages<K: Copy>(
    store: &Store,
    mut read_page: impl FnMut(Option<K>) -> Result<Page<K>, StoreError>,
    committed: impl Fn(usize),
) -> Result<usize, StoreError> {
    let mut after = None;
    let mut purged = 0;
    loop {
        let page = read_page(after)?;
        after = page.last.or(after);
        if page.purged > 0 {
            store.commit_purge(page.batch, &page.entries).wait()?;
            committed(page.purged);
            purged += page.purged;
        }
        if page.reached_cutoff || page.read < BATCH {
            return Ok(purged);
        }
        std::thread::sleep(PAUSE);
    }
}

/// Purges, batch by batch, the messages final since before `cutoff`, each
/// with its conversation entry; how many.
fn purge_messages(
    store: &Store,
    cutoff: DateTime<Utc>,
    logger: &Logger,
) -> Result<usize, StoreError> {
    purge_pages(
        store,
        |after| {
            let archived = store.archived(after, BATCH)?;
            let mut page = Page::new(archived.len());
            for (id, message) in &archived {
                page.last = Some(*id);
                match message {
                    Ok(message) if message.created_at >= cutoff => {
                        page.reached_cutoff = true;
                        break;
                    }
                    Ok(message) if final_at(message) < cutoff => {
                        page.batch.purge_message(message);
                        if let Some(entry) = PurgedEntry::of_mt(message) {
                            page.batch.purge_conversation_entry(&entry);
                            page.entries.push(entry);
                        }
                        page.purged += 1;
                    }
                    // Finished after the cutoff: a later pass.
                    Ok(_) => {}
                    Err(error) => {
                        warn!(logger, "damaged archived message kept"; "message" => %id, "error" => %error)
                    }
                }
            }
            Ok(page)
        },
        |purged| metrics::global().purged(purged),
    )
}

/// Purges, batch by batch, the routed MO received before `cutoff`: each
/// one's conversation entry and its keys in the list of MO received; how
/// many.
fn purge_mo(store: &Store, cutoff: DateTime<Utc>, logger: &Logger) -> Result<usize, StoreError> {
    purge_pages(
        store,
        |after| {
            let listed = store.received_mo_oldest(after, BATCH)?;
            let mut page = Page::new(listed.len());
            for (sequence, mo) in &listed {
                page.last = Some(*sequence);
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
                        page.reached_cutoff = true;
                        break;
                    }
                    // Past retention, or keys whose entry is gone already.
                    Ok(_) => {
                        page.batch.purge_received_mo(*sequence, mo);
                        page.entries.push(PurgedEntry::of_mo(*sequence, mo));
                        page.purged += 1;
                    }
                    Err(error) => {
                        warn!(logger, "damaged MO entry kept"; "sequence" => sequence, "error" => %error)
                    }
                }
            }
            Ok(page)
        },
        |_| {},
    )
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
