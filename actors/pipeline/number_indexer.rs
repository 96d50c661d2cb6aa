//! The number indexer: once, after a start on a store that held messages
//! before the index by destination number existed, indexes those messages
//! in the background (`Store::index_old_messages`), a page at a time on
//! the blocking pool, pausing `store.index_pause_ms` between pages so that
//! traffic's commits go first. Each page is committed with how far it got,
//! so a kill loses at most the page under way and the next start goes on.
//! A page that fails, or panics on the blocking pool, is tried again
//! after a pause. It stops when every message is indexed; until then
//! searches by number walk the accounts' indexes within their bound. Not
//! under a `Supervisor`, which would start it again once it has stopped:
//! nothing it runs on the actor itself can panic on input.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use slog::{Logger, error, info, warn};

use crate::store::{IndexingStep, Store, StoreError};

/// Messages of the accounts' index read per page.
const PAGE: usize = 512;
/// How long a failed page waits before it is tried again.
const RETRY: Duration = Duration::from_secs(10);
/// A progress line every this many messages indexed.
const REPORT_EVERY: usize = 100_000;

pub struct NumberIndexer {
    store: Arc<Store>,
    /// `store.index_pause_ms`.
    pause: Duration,
    logger: Logger,
    /// Messages indexed by this run so far.
    indexed: usize,
}

impl NumberIndexer {
    pub fn new(store: Arc<Store>, pause: Duration, logger: Logger) -> NumberIndexer {
        NumberIndexer {
            store,
            pause,
            logger,
            indexed: 0,
        }
    }

    /// Indexes the next page, then schedules the one after.
    fn index_page(&mut self, ctx: &mut Context<Self>) {
        let store = self.store.clone();
        let page = actix_rt::task::spawn_blocking(move || store.index_old_messages(PAGE));
        ctx.spawn(
            page.into_actor(self)
                .map(|outcome, indexer, ctx| match outcome {
                    Ok(Ok(step)) => indexer.page_done(step, ctx),
                    Ok(Err(error)) => indexer.page_failed(&error, ctx),
                    Err(error) => {
                        error!(indexer.logger, "indexing a page by number panicked, trying again";
                            "error" => %error, "retry_s" => RETRY.as_secs());
                        ctx.run_later(RETRY, NumberIndexer::index_page);
                    }
                }),
        );
    }

    fn page_done(&mut self, step: IndexingStep, ctx: &mut Context<Self>) {
        for error in &step.damaged {
            warn!(self.logger, "damaged message left out of the index by number"; "error" => %error);
        }
        let before = self.indexed / REPORT_EVERY;
        self.indexed += step.indexed;
        if step.finished {
            info!(self.logger, "every message is indexed by number"; "indexed" => self.indexed);
            ctx.stop();
            return;
        }
        if self.indexed / REPORT_EVERY > before {
            info!(self.logger, "indexing older messages by number"; "indexed" => self.indexed);
        }
        ctx.run_later(self.pause, NumberIndexer::index_page);
    }

    fn page_failed(&mut self, error: &StoreError, ctx: &mut Context<Self>) {
        error!(self.logger, "indexing by number failed, trying again"; "error" => %error, "retry_s" => RETRY.as_secs());
        ctx.run_later(RETRY, NumberIndexer::index_page);
    }
}

impl Actor for NumberIndexer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        info!(
            self.logger,
            "indexing older messages by number in the background"
        );
        self.index_page(ctx);
    }
}
