//! Held messages: those scheduled for later (SMPP `schedule_delivery_time`)
//! and those whose validity has passed, until their time comes. Then a
//! scheduled one goes back to the route that handed it over, and an expired
//! one becomes EXPIRED through its account's `Finished` (state, refund — it
//! never reached an SMSC — and receipt, in one batch).
//!
//! Routes decide what to hold ([`crate::pending::hold_until`]) and hand it
//! here with [`Hold`]; this actor owns it until it lets go, and answers
//! cancel_sm and replace_sm for it ([`Withdraw`], [`Amend`]).
//!
//! A message a content rule holds (`held_by`) waits here too, due only at
//! its validity, until an admin lists it ([`ListHeld`]) and releases or
//! drops it ([`Review`]).
//!
//! Held messages are in memory, ordered by due time (a B-tree: a hold or a
//! release is O(log n), a tick that finds nothing due looks at one entry),
//! so many thousands cost their records (~0.5 KB each) and nothing per tick.
//! The store has each as ACCEPTED, so after a restart recovery routes them
//! again and their route sends them back here. Supervised: a restart keeps
//! the map (it is plain data).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, Utc};
use slog::{Logger, debug, error, warn};

use crate::actors::protocol::account::{AccountsInForce, Finished};
use crate::actors::protocol::pending::{
    Amend, Amended, Decision, Dispatch, Hold, ListHeld, Review, Reviewed, Withdraw,
};
use crate::actors::supervision::guarded;
use crate::model::{AccountId, Message, MessageId, MessageState};
use crate::pending::{Action, hold_until, same_message};
use crate::store::{Batch, Store};

/// How often due messages are looked for: SMPP absolute times are given to
/// a tenth of a second.
const TICK: Duration = Duration::from_millis(100);

pub struct Schedule {
    store: Arc<Store>,
    accounts: HashMap<AccountId, Recipient<Finished>>,
    /// By due time, then id; each with the route to go back to.
    held: BTreeMap<(DateTime<Utc>, MessageId), (Message, Recipient<Dispatch>)>,
    /// Where each held message sits in `held`.
    due: HashMap<MessageId, DateTime<Utc>>,
    logger: Logger,
}

impl Schedule {
    pub fn new(store: Arc<Store>, logger: Logger) -> Schedule {
        Schedule {
            store,
            accounts: HashMap::new(),
            held: BTreeMap::new(),
            due: HashMap::new(),
            logger,
        }
    }

    /// Keeps `message` until it is due, or lets it go now if it need not wait.
    fn hold(&mut self, message: Message, route: Recipient<Dispatch>, now: DateTime<Utc>) {
        match hold_until(&message, now) {
            Some(due) => {
                self.due.insert(message.id, due.at);
                self.held.insert((due.at, message.id), (message, route));
            }
            None => route.do_send(Dispatch { message }),
        }
    }

    fn take(&mut self, id: MessageId) -> Option<(Message, Recipient<Dispatch>)> {
        let at = self.due.remove(&id)?;
        self.held.remove(&(at, id))
    }

    /// Lets go of everything due by `now`.
    fn release_due(&mut self, now: DateTime<Utc>) {
        while let Some(entry) = self.held.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let (message, route) = entry.remove();
            self.due.remove(&message.id);
            match hold_until(&message, now) {
                Some(due) if due.action == Action::Expire => self.expire(message, now),
                // Not due yet after all (the clock stepped back): wait on.
                Some(_) => self.hold(message, route, now),
                None => route.do_send(Dispatch { message }),
            }
        }
    }

    fn expire(&self, mut message: Message, now: DateTime<Utc>) {
        if let Err(error) = message.transition(MessageState::Expired, now) {
            error!(self.logger, "held message cannot expire from its state"; "message" => %message.id, "error" => %error);
            return;
        }
        debug!(self.logger, "validity passed; expired"; "message" => %message.id);
        match self.accounts.get(&message.account) {
            Some(account) => account.do_send(Finished {
                message,
                refund: true,
                done: None,
                forget_upstream_id: false,
            }),
            None => {
                error!(self.logger, "expired message of an account that is not loaded"; "message" => %message.id)
            }
        }
    }
}

impl Actor for Schedule {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(TICK, |schedule, ctx| {
            let logger = schedule.logger.clone();
            let _ = guarded(schedule, ctx, &logger, "tick", |schedule, _| {
                schedule.release_due(Utc::now())
            });
        });
    }
}

impl Supervised for Schedule {}

impl Handler<AccountsInForce> for Schedule {
    type Result = ();

    fn handle(&mut self, accounts: AccountsInForce, _ctx: &mut Context<Self>) {
        self.accounts = accounts.finished;
    }
}

impl Handler<Hold> for Schedule {
    type Result = ();

    fn handle(&mut self, hold: Hold, ctx: &mut Context<Self>) {
        let logger = self.logger.clone();
        let _ = guarded(self, ctx, &logger, "hold", |schedule, _| {
            schedule.hold(hold.message, hold.route, Utc::now())
        });
    }
}

impl Handler<Withdraw> for Schedule {
    type Result = Vec<Message>;

    fn handle(&mut self, withdraw: Withdraw, ctx: &mut Context<Self>) -> Vec<Message> {
        let logger = self.logger.clone();
        guarded(self, ctx, &logger, "withdraw", |schedule, _| {
            let cancel = withdraw.cancel;
            let ids: Vec<MessageId> = match cancel.id() {
                Some(id) => vec![id],
                None => schedule
                    .held
                    .values()
                    .filter(|(message, _)| cancel.selects(message))
                    .map(|(message, _)| message.id)
                    .collect(),
            };
            let now = Utc::now();
            let mut taken = Vec::new();
            for id in ids {
                let selected = schedule
                    .due
                    .get(&id)
                    .and_then(|at| schedule.held.get(&(*at, id)))
                    .is_some_and(|(message, _)| cancel.selects(message));
                if !selected {
                    continue;
                }
                if let Some((mut message, _)) = schedule.take(id) {
                    match message.transition(MessageState::Deleted, now) {
                        Ok(()) => taken.push(message),
                        Err(error) => {
                            warn!(schedule.logger, "held message cannot be deleted"; "message" => %id, "error" => %error)
                        }
                    }
                }
            }
            taken
        })
        .unwrap_or_default()
    }
}

impl Handler<Amend> for Schedule {
    type Result = MessageResult<Amend>;

    fn handle(&mut self, amend: Amend, ctx: &mut Context<Self>) -> MessageResult<Amend> {
        let logger = self.logger.clone();
        let amended = guarded(self, ctx, &logger, "amend", |schedule, _| {
            let replace = amend.replace;
            let Some((message, route)) = schedule.take(replace.id) else {
                return Amended::NotHere;
            };
            let now = Utc::now();
            match replace.apply(&message) {
                Ok(replaced) => {
                    let mut batch = Batch::new();
                    batch.put_message(&replaced);
                    // Handed in before anything the message does next.
                    let durable = schedule.store.commit(batch);
                    schedule.hold(replaced, route, now);
                    Amended::Done(durable)
                }
                Err(status) => {
                    schedule.hold(message, route, now);
                    Amended::Refused(status)
                }
            }
        });
        MessageResult(amended.unwrap_or(Amended::NotHere))
    }
}

impl Handler<ListHeld> for Schedule {
    type Result = Vec<Message>;

    fn handle(&mut self, _: ListHeld, _ctx: &mut Context<Self>) -> Vec<Message> {
        let mut held: Vec<Message> = self
            .held
            .values()
            .filter(|(message, _)| message.held_by.is_some())
            .map(|(message, _)| message.clone())
            .collect();
        held.sort_by_key(|message| message.id);
        held
    }
}

impl Handler<Review> for Schedule {
    type Result = MessageResult<Review>;

    fn handle(&mut self, review: Review, ctx: &mut Context<Self>) -> MessageResult<Review> {
        let logger = self.logger.clone();
        let reviewed = guarded(self, ctx, &logger, "review", |schedule, _| {
            let Some(named) = schedule
                .due
                .get(&review.id)
                .and_then(|at| schedule.held.get(&(*at, review.id)))
                .map(|(message, _)| message)
                .filter(|message| message.held_by.is_some())
            else {
                return Reviewed::NotHeld;
            };
            let ids: Vec<MessageId> = schedule
                .held
                .values()
                .filter(|(message, _)| message.held_by.is_some() && same_message(named, message))
                .map(|(message, _)| message.id)
                .collect();
            let taken: Vec<_> = ids.into_iter().filter_map(|id| schedule.take(id)).collect();
            let now = Utc::now();
            match review.decision {
                Decision::Release => {
                    let mut batch = Batch::new();
                    let mut released = Vec::with_capacity(taken.len());
                    for (mut message, route) in taken {
                        message.held_by = None;
                        batch.put_message(&message);
                        released.push((message, route));
                    }
                    // Handed in before anything the messages do next.
                    let durable = schedule.store.commit(batch);
                    for (message, route) in released {
                        schedule.hold(message, route, now);
                    }
                    Reviewed::Released(durable)
                }
                Decision::Drop => {
                    let mut dropped = Vec::with_capacity(taken.len());
                    for (mut message, route) in taken {
                        match message.transition(MessageState::Deleted, now) {
                            Ok(()) => dropped.push(message),
                            Err(error) => {
                                warn!(schedule.logger, "held message cannot be dropped; kept";
                                    "message" => %message.id, "error" => %error);
                                schedule.hold(message, route, now);
                            }
                        }
                    }
                    Reviewed::Dropped(dropped)
                }
            }
        });
        MessageResult(reviewed.unwrap_or(Reviewed::NotHeld))
    }
}
