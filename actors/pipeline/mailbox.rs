//! One account's mailbox as its actor holds it: the store is the queue,
//! and memory holds at most about a page of it (`store.mailbox_page`), the
//! oldest items, read again from the store as they drain. Items handed to
//! a session stay in memory until the ESME answers.
//!
//! The mailbox is bounded (`[limits]`): beyond `mailbox_max_items` the
//! oldest items are dropped, and so is any item that waited longer than
//! `mailbox_max_age_days`; each drop is counted in
//! `pasarela_mailbox_dropped_total` and logged, never silent. Items are
//! kept in key order, which is the order they were queued in, so the
//! oldest are always at the front of the page.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use slog::{Logger, error, warn};

use crate::actors::protocol::account::SessionId;
use crate::config::LimitsSettings;
use crate::metrics::{AccountMetrics, MailboxDrop};
use crate::model::AccountId;
use crate::store::{Batch, MailboxItem, MailboxKey, Store, StoreError};

/// The most items one call of [`Mailbox::tidy`] drops; it says when more
/// remain, so the actor goes on in its next turn and other messages are
/// handled in between.
const TIDY_BUDGET: usize = 1_000;

/// What waits for an account's receivers.
pub struct Mailbox {
    account: AccountId,
    store: Arc<Store>,
    /// At most this many items are read into `waiting` at once.
    page: usize,
    limits: LimitsSettings,
    metrics: AccountMetrics,
    logger: Logger,
    /// Items not yet handed to a session, in key (= queue) order: the
    /// oldest the store holds, about a page of them.
    waiting: BTreeMap<MailboxKey, MailboxItem>,
    /// Items a session holds until the ESME acknowledges them.
    in_flight: HashMap<MailboxKey, (SessionId, MailboxItem)>,
    /// The highest sequence read from the store or taken in: every item
    /// up to it is waiting, in flight, or gone.
    loaded_until: Option<u64>,
    /// Whether the store may hold items past `loaded_until`.
    more: bool,
    /// Items in the store: waiting, in flight, and not yet read.
    stored: usize,
}

impl Mailbox {
    /// An empty mailbox; [`Mailbox::reload`] reads the store's.
    pub fn new(
        account: AccountId,
        store: Arc<Store>,
        (page, limits): (usize, LimitsSettings),
        metrics: AccountMetrics,
        logger: Logger,
    ) -> Mailbox {
        Mailbox {
            account,
            store,
            page: page.max(1),
            limits,
            metrics,
            logger,
            waiting: BTreeMap::new(),
            in_flight: HashMap::new(),
            loaded_until: None,
            more: true,
            stored: 0,
        }
    }

    /// Forgets what is waiting in memory and reads the first page again
    /// (items in flight stay with their sessions).
    pub fn reload(&mut self) {
        self.waiting.clear();
        self.loaded_until = None;
        self.more = true;
        match self.store.mailbox_len(&self.account) {
            Ok(stored) => self.stored = stored,
            Err(error) => {
                error!(self.logger, "cannot count the mailbox"; "account" => %self.account, "error" => %error)
            }
        }
        self.refill();
    }

    /// Takes in items now durable in the store: kept in memory when they
    /// belong to the page, else read when the page reaches them.
    pub fn queued(&mut self, items: Vec<(MailboxKey, MailboxItem)>) {
        self.stored += items.len();
        for (key, item) in items {
            let within = self.loaded_until.is_some_and(|until| key.sequence <= until);
            if within || (!self.more && self.waiting.len() < self.page) {
                self.loaded_until = self.loaded_until.max(Some(key.sequence));
                if !self.in_flight.contains_key(&key) {
                    self.waiting.insert(key, item);
                }
            } else {
                self.more = true;
            }
        }
        self.report();
    }

    /// The oldest item waiting, taken out (read from the store when the
    /// page has run dry).
    pub fn pop_first(&mut self) -> Option<(MailboxKey, MailboxItem)> {
        if self.waiting.is_empty() {
            self.refill();
        }
        self.waiting.pop_first()
    }

    /// Puts back an item [`Mailbox::pop_first`] gave that could not go.
    pub fn put_back(&mut self, key: MailboxKey, item: MailboxItem) {
        self.waiting.insert(key, item);
    }

    /// `session` holds `item` until the ESME answers.
    pub fn hand_out(&mut self, key: MailboxKey, session: SessionId, item: MailboxItem) {
        self.in_flight.insert(key, (session, item));
        self.report();
    }

    /// Whether a session holds the item.
    pub fn is_in_flight(&self, key: &MailboxKey) -> bool {
        self.in_flight.contains_key(key)
    }

    /// Puts an item a session held back in the queue (its session is gone
    /// or the ESME refused it); the session that held it.
    pub fn requeue(&mut self, key: &MailboxKey) -> Option<SessionId> {
        let (session, item) = self.in_flight.remove(key)?;
        self.waiting.insert(key.clone(), item);
        Some(session)
    }

    /// The items `session` holds.
    pub fn held_by(&self, session: SessionId) -> Vec<MailboxKey> {
        self.in_flight
            .iter()
            .filter(|(_, (holder, _))| *holder == session)
            .map(|(key, _)| key.clone())
            .collect()
    }

    /// Removes a delivered (or undeliverable) item, from memory and from
    /// the store. Not awaited: if the removal is lost in a crash, the item
    /// goes out again (at least once, never lost).
    pub fn forget(&mut self, key: MailboxKey) {
        self.waiting.remove(&key);
        self.in_flight.remove(&key);
        self.remove_stored(std::slice::from_ref(&key));
        self.report();
    }

    /// Drops what is over the limits, oldest first: with `now`, items
    /// waiting longer than `mailbox_max_age_days` as of then (which reads
    /// the oldest items' messages from the store), then items beyond
    /// `mailbox_max_items`. Items in flight are left to their sessions.
    /// Returns whether work remains (more than one call's budget).
    pub fn tidy(&mut self, now: Option<DateTime<Utc>>) -> bool {
        let expired = match now {
            Some(now) => self.expired(now),
            None => Vec::new(),
        };
        let budget = TIDY_BUDGET - expired.len();
        self.drop_items(&expired, MailboxDrop::Expired);
        let max_items = usize::try_from(self.limits.mailbox_max_items).unwrap_or(usize::MAX);
        let mut overflow = Vec::new();
        while self.stored.saturating_sub(overflow.len()) > max_items && overflow.len() < budget {
            match self.pop_first() {
                Some((key, _)) => overflow.push(key),
                None => break,
            }
        }
        self.drop_items(&overflow, MailboxDrop::Full);
        self.report();
        expired.len() + overflow.len() == TIDY_BUDGET
    }

    /// The oldest items that waited past `mailbox_max_age_days` at `now`,
    /// taken out of `waiting`, at most a budget of them.
    fn expired(&mut self, now: DateTime<Utc>) -> Vec<MailboxKey> {
        let max_age = chrono::Duration::from_std(self.limits.mailbox_max_age)
            .unwrap_or(chrono::Duration::MAX);
        let cutoff = now.checked_sub_signed(max_age);
        let mut expired = Vec::new();
        while expired.len() < TIDY_BUDGET {
            let Some((key, item)) = self.pop_first() else {
                break;
            };
            match self.queued_at(&item) {
                Ok(Some(at)) if cutoff.is_none_or(|cutoff| at >= cutoff) => {
                    self.waiting.insert(key, item);
                    break;
                }
                // Its message is gone (purged by retention): nothing to send.
                Ok(_) => expired.push(key),
                Err(error) => {
                    error!(self.logger, "cannot read a mailbox item's age"; "account" => %self.account, "error" => %error);
                    self.waiting.insert(key, item);
                    break;
                }
            }
        }
        expired
    }

    /// When the item was queued: a receipt when its message reached its
    /// final state, an MO when it was received. `None`: the message is no
    /// longer in the store.
    fn queued_at(&self, item: &MailboxItem) -> Result<Option<DateTime<Utc>>, StoreError> {
        match item {
            MailboxItem::Receipt { message } => Ok(self.store.message(*message)?.map(|message| {
                message
                    .history()
                    .last()
                    .map_or(message.created_at, |transition| transition.at)
            })),
            MailboxItem::Mo { message, .. } => Ok(Some(message.received_at)),
        }
    }

    fn drop_items(&mut self, keys: &[MailboxKey], reason: MailboxDrop) {
        if keys.is_empty() {
            return;
        }
        self.remove_stored(keys);
        self.metrics.mailbox_dropped(reason, keys.len());
        let why = match reason {
            MailboxDrop::Full => "the mailbox is full (limits.mailbox_max_items)",
            MailboxDrop::Expired => "they waited too long (limits.mailbox_max_age_days)",
        };
        warn!(self.logger, "mailbox items dropped unsent, oldest first";
            "account" => %self.account, "count" => keys.len(), "reason" => why,
            "first" => keys[0].sequence, "last" => keys[keys.len() - 1].sequence);
    }

    fn remove_stored(&mut self, keys: &[MailboxKey]) {
        let mut batch = Batch::new();
        for key in keys {
            batch.remove_mailbox(key);
        }
        drop(self.store.commit(batch));
        self.stored = self.stored.saturating_sub(keys.len());
    }

    /// Reads the next page from the store when the one in memory is below
    /// half and the store has more.
    fn refill(&mut self) {
        if !self.more || self.waiting.len() >= self.page.div_ceil(2) {
            return;
        }
        let wanted = self.page - self.waiting.len();
        match self
            .store
            .mailbox_page(&self.account, self.loaded_until, wanted)
        {
            Ok(items) => {
                self.more = items.len() == wanted;
                for (key, item) in items {
                    self.loaded_until = self.loaded_until.max(Some(key.sequence));
                    if !self.in_flight.contains_key(&key) {
                        self.waiting.insert(key, item);
                    }
                }
            }
            Err(error) => {
                error!(self.logger, "cannot read the mailbox"; "account" => %self.account, "error" => %error)
            }
        }
        self.report();
    }

    fn report(&self) {
        self.metrics.mailbox(
            self.stored.max(self.waiting.len() + self.in_flight.len()),
            self.waiting.len() + self.in_flight.len(),
        );
    }
}
