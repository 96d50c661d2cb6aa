//! One actor per customer account: its TPS, its credit, its bound sessions
//! and its mailbox of receipts and MO messages waiting for a receiver.
//!
//! Accepting a submission: parts over `limits.max_parts_per_request`
//! (ESME_RINVNUMDESTS, or ESME_RINVMSGLEN for one destination) → TPS
//! (ESME_RTHROTTLED over it) → the checks at accept (`checks`, SPEC
//! §6.1): sender rules (ESME_RINVSRCADR for a sender that is invalid or
//! not among `allowed_senders`), content rules (ESME_RSUBMITFAIL for a
//! `reject` rule; a `hold` rule's name goes on every message, which the
//! schedule then keeps from the gateways) → route per destination → price × parts reserved from credit
//! (ESME_RSUBMITFAIL when short) → messages, balance and ledger handed to
//! the store in one batch. The session is answered, and the messages handed
//! to their routes, only once that batch is durable. A destination no route
//! covers is accepted uncharged and fails at once with an UNDELIV receipt
//! (SPEC §3). Each part accepted is counted on the report summaries
//! (`summaries`) once that batch is durable.
//!
//! Receipts: a finished message (from the receipts actor) is written with
//! its final state, any refund and a mailbox item in one batch; once durable
//! the item goes to a bound receiver (and the final state and refund are
//! counted on the report summaries), round robin, within each session's
//! window, and leaves the mailbox when the ESME acknowledges it. With no
//! receiver bound, items wait in the store and go out in order on bind;
//! memory holds a page of them, and the mailbox is bounded in size and age
//! (`mailbox`).
//!
//! MO messages (from the MO router, [`RouteMo`]) take the same way: one
//! batch takes the MO out of `inbox` and puts it in the mailbox, with its
//! callback when the account has a `callback_url`; so an MO is in the
//! inbox or in the mailbox, never both. The applications that answer MO
//! (autoreplies, polls, services; `mo_apps`) act in that batch (a vote)
//! and once it is durable (a reply). The same MO offered twice (the
//! router restarted, or read the inbox at start while a gateway reported
//! it) is routed once: it is skipped while its batch is pending, and once
//! that batch is durable the inbox no longer has it.
//!
//! A callback over HTTP, when the message or the account asks for one
//! (`callbacks::enqueue`), joins the final state's batch as an outbox item
//! and goes to the callbacks actor once durable.
//!
//! Supervised: after a panic the balance and mailbox are read back from
//! the store (behind a barrier commit, so every batch handed in before is
//! applied); bound sessions stay registered.
//!
//! The admin API changes an account's [`Terms`] (a suspended account
//! refuses binds with ESME_RBINDFAIL and submissions with
//! ESME_RINVBNDSTS) and its credit ([`AdjustCredit`]) through this actor,
//! so a change of credit is ordered with the charges and never races one.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use actix::prelude::*;
use chrono::{DateTime, Utc};
use slog::{Logger, error, info, warn};

use crate::actors::faults;
use crate::actors::pipeline::campaign_book::{CampaignBook, TurnResult};
use crate::actors::pipeline::mailbox::Mailbox;
use crate::actors::pipeline::mo_apps::{AccountMoApps, Answer, MoAppsWiring};
use crate::actors::pipeline::summaries::{Pending, SummaryBoard};
use crate::actors::protocol::account::{
    Accepted, AccountHandle, AdjustCredit, Bind, ChangeOptOuts, Configure, CreditRefused,
    DeliverDone, DeliverOut, Finished, OptOutChange, OptOutCounts, Outgoing, Refused, RouteMo,
    SessionId, Submit, Submitted, SubmittedBy, Terms, Unbound,
};
use crate::actors::protocol::callbacks::{Enqueued, enqueue};
use crate::actors::protocol::content_rules::LiveContentRules;
use crate::actors::protocol::dnd::DndRegistry;
use crate::actors::protocol::mail::Notices;
use crate::actors::protocol::pending::Dispatch;
use crate::actors::protocol::route::{LiveRoutes, Routing};
use crate::actors::supervision::guarded;
use crate::callbacks::request::mo_outbox_item;
use crate::campaigns::SkipReason;
use crate::checks::content::{ContentAction, Verdict, submission_text};
use crate::checks::sender::Sender;
use crate::checks::{Check, CheckRefusal};
use crate::config::LimitsSettings;
use crate::intake::Submission;
use crate::lists::ListedNumber;
use crate::lists::opt_out::{Action, Command, OptOutList, opt_out_command};
use crate::metrics;
use crate::metrics::MoOutcome;
use crate::model::{AccountId, GatewayName, Message, MessageId, MessageState, Money};
use crate::rating;
use crate::routing;
use crate::smpp::CommandStatus;
use crate::store::{
    Batch, ConversationIndex, InboundMessage, LedgerEntry, LedgerKind, ListId, ListKey, Listed,
    ListedBy, MailboxItem, MailboxKey, OutboxItem, Store, StoreError,
};
use crate::throttle::Throttle;

/// What an account needs from the rest of the switch.
pub struct AccountWiring {
    pub store: Arc<Store>,
    pub routes: Arc<LiveRoutes>,
    pub callbacks: Recipient<Enqueued>,
    /// `store.mailbox_page`: the most mailbox items held in memory.
    pub mailbox_page: usize,
    /// `[limits]`: parts per request, the mailbox's size and age.
    pub limits: LimitsSettings,
    /// Autoreplies, polls and services answering the account's MO.
    pub mo_apps: MoAppsWiring,
    /// The content rules in force, checked at accept.
    pub content_rules: Arc<LiveContentRules>,
    /// The DND registry in force, asked at accept for promotional traffic.
    pub dnd: Arc<DndRegistry>,
    /// Where a fall below `mail.low_balance` is told; `None` without `[mail]`.
    pub notices: Option<Notices>,
    /// The report summaries, counted once a batch is durable.
    pub summaries: Arc<SummaryBoard>,
    pub logger: Logger,
}

pub struct Account {
    id: AccountId,
    wiring: AccountWiring,
    terms: Terms,
    throttle: Option<Throttle>,
    /// The last customer submission was refused for a full route queue:
    /// logged once when refusals start, not for every one (they are
    /// counted as `queue_full`).
    refusing_for_full_queue: bool,
    metrics: metrics::AccountMetrics,
    balance: Money,
    sessions: HashMap<SessionId, Bound>,
    /// Receipts and MO waiting for a receiver: a page in memory, the rest
    /// in the store.
    mailbox: Mailbox,
    /// MO messages (gateway, fingerprint) whose batch is not yet durable.
    routing_mo: HashSet<(GatewayName, String)>,
    /// Where the round robin over receivers continues.
    next_receiver: usize,
    /// Every MT and MO by (our number, theirs), written in their batches.
    conversations: ConversationIndex,
    /// Autoreplies, polls and services, with the autoreply loop guard.
    mo_apps: AccountMoApps,
    /// The numbers opted out of this account (its `number_lists` range),
    /// changed by MO stop and start words and by the API through this
    /// actor only.
    opt_outs: OptOutList,
    /// The results of the account's campaigns, changed in the batches that
    /// change them.
    campaigns: CampaignBook,
}

struct Bound {
    /// Receivers and transceivers take deliver_sm; transmitters do not.
    receiver: Option<Recipient<DeliverOut>>,
    window: usize,
    in_flight: usize,
}

impl Account {
    /// An account with the balance the store holds (the caller has created
    /// it at first start) and its stored mailbox queued.
    pub fn new(terms: Terms, id: AccountId, wiring: AccountWiring) -> Account {
        let metrics = metrics::global().account(&id);
        let mailbox = Mailbox::new(
            id.clone(),
            wiring.store.clone(),
            (wiring.mailbox_page, wiring.limits),
            metrics.clone(),
            wiring.logger.clone(),
        );
        let conversations = ConversationIndex::new(wiring.store.clone(), id.clone());
        let mo_apps = AccountMoApps::new(wiring.mo_apps.clone());
        let mut account = Account {
            conversations,
            mo_apps,
            metrics,
            id,
            wiring,
            terms,
            throttle: None,
            refusing_for_full_queue: false,
            balance: Money::ZERO,
            sessions: HashMap::new(),
            mailbox,
            routing_mo: HashSet::new(),
            next_receiver: 0,
            opt_outs: OptOutList::new(),
            campaigns: CampaignBook::default(),
        };
        account.reload();
        account
    }

    /// Starts the actor under a `Supervisor`; the handle is where its
    /// messages go.
    pub fn supervise(self) -> AccountHandle {
        let address = Supervisor::start(move |_| self);
        AccountHandle {
            submit: address.clone().recipient(),
            finished: address.clone().recipient(),
            route_mo: address.clone().recipient(),
            bind: address.clone().recipient(),
            unbound: address.clone().recipient(),
            configure: address.clone().recipient(),
            adjust_credit: address.clone().recipient(),
            change_opt_outs: address.recipient(),
        }
    }

    /// The credit after a change; a fall below the account's
    /// `low_balance`, or else `mail.low_balance`, is mailed about (once:
    /// the next fall needs a rise above it first).
    fn set_balance(&mut self, balance: Money) {
        if let Some(notices) = &self.wiring.notices
            && let Some(threshold) = notices.threshold(self.terms.low_balance)
            && Notices::falls_below(threshold, self.balance, balance)
        {
            info!(self.wiring.logger, "credit fell below the low-balance threshold";
                "balance" => %balance, "threshold" => %threshold);
            let customer = self
                .terms
                .email
                .as_deref()
                .map(|email| (email, self.terms.language));
            notices.low_balance(&self.id, balance, threshold, customer);
        }
        self.balance = balance;
    }

    /// Balance, throttle and waiting mailbox items from the store.
    fn reload(&mut self) {
        self.throttle = (self.terms.tps > 0).then(|| Throttle::per_second(self.terms.tps));
        match self.wiring.store.account_balance(&self.id) {
            Ok(balance) => self.balance = balance.unwrap_or(Money::ZERO),
            Err(error) => {
                error!(self.wiring.logger, "cannot read balance"; "error" => %error)
            }
        }
        self.mailbox.reload();
        self.campaigns.forget();
        match self.load_opt_outs() {
            Ok(list) => self.opt_outs = list,
            Err(error) => {
                error!(self.wiring.logger, "cannot read the opt-outs"; "error" => %error)
            }
        }
    }

    /// The account's opt-outs as the store has them, a page at a time.
    fn load_opt_outs(&self) -> Result<OptOutList, StoreError> {
        let list = ListId::OptOuts(self.id.clone());
        let mut opt_outs = OptOutList::new();
        let mut after = None;
        loop {
            let page = self.wiring.store.list_page(&list, after.as_ref(), 10_000)?;
            let Some((last, _)) = page.last() else {
                return Ok(opt_outs);
            };
            after = Some(last.clone());
            for (key, _) in page {
                if let ListKey::OptOut { number, sender, .. } = key {
                    opt_outs.add(number, sender);
                }
            }
        }
    }

    /// The opt-out and DND checks of a customer's submission (SPEC §6.1),
    /// in that order: refused, naming the number, when any destination
    /// opted out of this account (of every sender, or of this sender), or
    /// when the account sends promotional traffic and any destination is
    /// on the DND registry. The whole submission is refused: none of its
    /// destinations is charged or sent (a submit_multi has one answer).
    fn check_lists(&self, submission: &Submission) -> Result<(), CheckRefusal> {
        let numbers: Vec<ListedNumber> = submission
            .destinations
            .iter()
            .filter_map(|destination| ListedNumber::parse(destination.text()).ok())
            .collect();
        let sender = Sender::parse(submission.source.text()).ok();
        if let Some(number) = numbers
            .iter()
            .find(|number| self.opt_outs.blocks(**number, sender.as_ref()))
        {
            info!(self.wiring.logger, "submission refused: opted out";
                "number" => %number);
            return Err(CheckRefusal::new(
                Check::OptOut,
                format!("{number} opted out of this account's messages"),
            ));
        }
        if self.terms.traffic.refused_for_dnd()
            && let Some(number) = numbers
                .iter()
                .find(|number| self.wiring.dnd.contains(**number))
        {
            info!(self.wiring.logger, "submission refused: DND";
                "number" => %number);
            return Err(CheckRefusal::new(
                Check::Dnd,
                format!(
                    "{number} is on the do-not-disturb registry and the account's traffic is promotional"
                ),
            ));
        }
        Ok(())
    }

    /// Puts an item back in the queue (its session is gone or the ESME
    /// refused it).
    fn requeue(&mut self, key: &MailboxKey) {
        if let Some(session) = self.mailbox.requeue(key)
            && let Some(bound) = self.sessions.get_mut(&session)
        {
            bound.in_flight = bound.in_flight.saturating_sub(1);
        }
    }

    /// Drops what is over the mailbox's limits, going on in later turns
    /// while more remains. `by_age`: also what waited too long, which
    /// reads the store; the timer does that, while items just queued are
    /// only checked against the count, so a busy account reads nothing.
    fn tidy_mailbox(&mut self, ctx: &mut Context<Self>, by_age: bool) {
        if self.mailbox.tidy(by_age.then(Utc::now)) {
            ctx.run_later(Duration::ZERO, move |account, ctx| {
                account.tidy_mailbox(ctx, by_age);
            });
        }
    }

    /// Refuses a customer's message to a route whose queue is full
    /// (`limits.route_queue_max`): its gateways are down or slower than
    /// the customers, and the queue is in memory.
    fn check_route_queues<'a>(
        &mut self,
        routing: &Routing,
        mut routes: impl Iterator<Item = &'a routing::Route>,
    ) -> Result<(), Refused> {
        let max = usize::try_from(self.wiring.limits.route_queue_max).unwrap_or(usize::MAX);
        let full = |route: &&routing::Route| {
            routing
                .actors
                .get(route.index)
                .is_some_and(|handle| handle.waiting.load(Ordering::Relaxed) >= max)
        };
        let refusing = routes.find(full);
        match (refusing, self.refusing_for_full_queue) {
            (Some(route), false) => {
                warn!(self.wiring.logger, "refusing submissions: the route's queue is full";
                    "route" => &route.prefix, "limit" => max);
            }
            (None, true) => {
                info!(
                    self.wiring.logger,
                    "taking submissions again: room in the route's queue"
                );
            }
            _ => {}
        }
        self.refusing_for_full_queue = refusing.is_some();
        match refusing {
            Some(_) => Err(CommandStatus::EsmeRmsgqful.into()),
            None => Ok(()),
        }
    }

    /// Everything up to the commit; the commit itself is the caller's last step.
    fn accept(
        &mut self,
        submission: Submission,
        by: &SubmittedBy,
        now: DateTime<Utc>,
    ) -> Result<Checked, Refused> {
        faults::ACCOUNT_PANIC.tick("account");
        if self.terms.suspended {
            return Err(CommandStatus::EsmeRinvbndsts.into());
        }
        submission
            .check_parts(self.wiring.limits.max_parts_per_request)
            .map_err(|refused| {
                warn!(self.wiring.logger, "submission refused: too many parts";
                    "reason" => %refused);
                Refused::from(refused.status())
            })?;
        let per_destination = u32::try_from(submission.parts.len()).unwrap_or(u32::MAX);
        let destinations = u32::try_from(submission.destinations.len()).unwrap_or(u32::MAX);
        if let Some(throttle) = &mut self.throttle
            && throttle
                .try_take(per_destination.saturating_mul(destinations), Instant::now())
                .is_err()
        {
            return Err(CommandStatus::EsmeRthrottled.into());
        }
        if by.checks_customer() {
            self.terms
                .allowed_senders
                .check(&submission.source)
                .map_err(|refused| {
                    info!(self.wiring.logger, "submission refused: sender";
                        "reason" => %refused);
                    CheckRefusal::new(Check::Sender, refused.to_string())
                })?;
        }
        let held_by = self.check_content(&submission)?;
        if by.checks_customer() {
            self.check_lists(&submission)?;
        }
        let routing = self.wiring.routes.current();
        let plan: Vec<_> = submission
            .destinations
            .iter()
            .map(|destination| {
                let route = routing.table.lookup(self.id.as_str(), destination.text());
                (destination, route)
            })
            .collect();
        // A campaign has its own pace and queue lane, and a reply answers
        // a phone: only a customer's own messages wait for room.
        if matches!(by, SubmittedBy::Customer) {
            self.check_route_queues(&routing, plan.iter().filter_map(|(_, route)| *route))?;
        }
        let plan: Vec<_> = plan
            .into_iter()
            .map(|(destination, route)| {
                (destination, route.map(|route| (route.index, route.price)))
            })
            .collect();
        let prices = plan
            .iter()
            .map(|(_, route)| route.map_or(Money::ZERO, |(_, price)| price));
        let total = rating::submission_cost(prices, submission.parts.len())
            .ok_or(CommandStatus::EsmeRsubmitfail)?;
        let balance = self
            .balance
            .checked_sub(total)
            .filter(|balance| !balance.is_negative())
            .ok_or(CommandStatus::EsmeRsubmitfail)?;

        let mut batch = Batch::new();
        let mut ids = Vec::new();
        let mut routed = Vec::new();
        let mut unroutable = Vec::new();
        let mut callbacks = Vec::new();
        let mut summaries = Vec::new();
        let mut running = self.balance;
        for (destination, route) in plan {
            for part in &submission.parts {
                let id = self.next_id()?;
                let mut message = Message::new(
                    id,
                    self.id.clone(),
                    submission.source.clone(),
                    destination.clone(),
                    part.payload.clone(),
                    now,
                );
                message.data_coding = submission.data_coding;
                message.esm_class = part.esm_class;
                message.part = part.part;
                message.registered_delivery = submission.registered_delivery;
                message.priority = submission.priority;
                message.validity = submission.validity;
                message.scheduled = submission.scheduled;
                message.client_reference = submission.client_reference.clone();
                message.service_type = submission.service_type.clone();
                message.callback = submission.callback.clone();
                message.held_by = held_by.clone();
                message.campaign = by.campaign().map(|turn| turn.campaign);
                ids.push(id);
                let counted = match route {
                    Some((index, price)) => {
                        message.price = price;
                        running = running
                            .checked_sub(price)
                            .ok_or(CommandStatus::EsmeRsubmitfail)?;
                        batch.insert_message(&message).append_ledger(&LedgerEntry {
                            account: self.id.clone(),
                            kind: LedgerKind::Reserve,
                            delta: Money::ZERO.checked_sub(price).unwrap_or(Money::ZERO),
                            balance: running,
                            message: Some(id),
                            at: now,
                            reason: None,
                        });
                        let counted = self.wiring.summaries.accepted(&message);
                        routed.push((index, message));
                        counted
                    }
                    None => {
                        message.error_code = Some(NO_ROUTE_ERROR);
                        // ACCEPTED → FAILED is always legal.
                        let _ = message.transition(MessageState::Failed, now);
                        let key = self.queue_receipt(&mut batch, &message)?;
                        callbacks.extend(self.queue_callback(&mut batch, &message)?);
                        batch.insert_message(&message);
                        unroutable.extend(key);
                        self.wiring.summaries.accepted(&message)
                    }
                };
                summaries.push(counted);
            }
        }
        if total != Money::ZERO {
            batch.set_balance(&self.id, balance);
        }
        if let Err(error) = self
            .conversations
            .record_mt(&mut batch, &submission, &ids, now)
        {
            warn!(self.wiring.logger, "MT not in its conversation"; "error" => %error);
        }
        if let Some(turn) = by.campaign() {
            let result = TurnResult::Sent {
                ids: &ids,
                charged: total,
                unroutable: routed.is_empty(),
            };
            self.campaigns
                .record_turn(&self.wiring.store, &mut batch, &self.id, turn, result, now)
                .map_err(|error| {
                    error!(self.wiring.logger, "cannot read a campaign's results";
                        "campaign" => %turn.campaign, "error" => %error);
                    CommandStatus::EsmeRsyserr
                })?;
        }
        self.set_balance(balance);
        if let Some(rule) = &held_by {
            info!(self.wiring.logger, "submission held by a content rule";
                "rule" => rule, "messages" => ids.len());
            self.metrics.held(rule);
        }
        Ok(Checked {
            ids,
            batch,
            routing,
            routed,
            unroutable,
            callbacks,
            summaries,
            charged: total,
        })
    }

    /// [`Account::accept`]; for a campaign's recipient that the opt-out,
    /// DND or content check refuses, the batch recording it as skipped
    /// instead (no ids, nothing charged).
    fn accept_or_skip(
        &mut self,
        submission: Submission,
        by: &SubmittedBy,
        now: DateTime<Utc>,
    ) -> Result<Checked, Refused> {
        let refused = match self.accept(submission, by, now) {
            Ok(checked) => return Ok(checked),
            Err(refused) => refused,
        };
        let skipped = refused
            .check
            .as_ref()
            .and_then(|refusal| match refusal.check {
                Check::OptOut => Some(SkipReason::OptedOut),
                Check::Dnd => Some(SkipReason::Dnd),
                Check::Content => Some(SkipReason::Rule),
                Check::Sender => None,
            });
        let (Some(turn), Some(reason)) = (by.campaign(), skipped) else {
            return Err(refused);
        };
        self.metrics
            .rejected(refused.status, refused.check.as_ref());
        let mut batch = Batch::new();
        self.campaigns
            .record_turn(
                &self.wiring.store,
                &mut batch,
                &self.id,
                turn,
                TurnResult::Skipped(reason),
                now,
            )
            .map_err(|error| {
                error!(self.wiring.logger, "cannot read a campaign's results";
                    "campaign" => %turn.campaign, "error" => %error);
                CommandStatus::EsmeRsyserr
            })?;
        Ok(Checked {
            ids: Vec::new(),
            batch,
            routing: self.wiring.routes.current(),
            routed: Vec::new(),
            unroutable: Vec::new(),
            callbacks: Vec::new(),
            summaries: Vec::new(),
            charged: Money::ZERO,
        })
    }

    /// The content rules' verdict on the submission's text for this
    /// account: refused by a `reject` rule, or the name of the `hold` rule
    /// that keeps its messages from the gateways.
    fn check_content(&self, submission: &Submission) -> Result<Option<String>, CheckRefusal> {
        let rules = self.wiring.content_rules.load();
        if rules.is_idle() {
            return Ok(None);
        }
        let Some(text) = submission_text(submission) else {
            return Ok(None);
        };
        match rules.verdict(self.id.as_str(), &text) {
            None => Ok(None),
            Some(Verdict {
                rule,
                action: ContentAction::Hold,
            }) => Ok(Some(rule.to_owned())),
            Some(Verdict {
                rule,
                action: ContentAction::Reject,
            }) => {
                info!(self.wiring.logger, "submission refused: content rule";
                    "rule" => rule);
                Err(CheckRefusal {
                    check: Check::Content,
                    rule: Some(rule.to_owned()),
                    detail: format!("the text matches content rule {rule}"),
                })
            }
        }
    }

    fn next_id(&self) -> Result<MessageId, CommandStatus> {
        self.wiring.store.next_message_id().map_err(|error| {
            error!(self.wiring.logger, "cannot allocate a message id"; "error" => %error);
            CommandStatus::EsmeRsyserr
        })
    }

    /// Adds a mailbox item for `message` to `batch` when the ESME asked for
    /// this receipt.
    fn queue_receipt(
        &self,
        batch: &mut Batch,
        message: &Message,
    ) -> Result<Option<(MailboxKey, MailboxItem)>, CommandStatus> {
        if !message.receipt_requested() {
            return Ok(None);
        }
        let item = MailboxItem::Receipt {
            message: message.id,
        };
        self.put_mailbox(batch, item)
            .map(Some)
            .map_err(|_| CommandStatus::EsmeRsyserr)
    }

    /// Adds `item` to `batch` under a new mailbox key.
    fn put_mailbox(
        &self,
        batch: &mut Batch,
        item: MailboxItem,
    ) -> Result<(MailboxKey, MailboxItem), StoreError> {
        let sequence = self.wiring.store.next_sequence().inspect_err(|error| {
            error!(self.wiring.logger, "cannot allocate a mailbox key"; "error" => %error);
        })?;
        let key = MailboxKey {
            account: self.id.clone(),
            sequence,
        };
        batch.put_mailbox(&key, &item);
        Ok((key, item))
    }

    /// The batch that moves MO `message` from `inbox` to the mailbox, with
    /// its callback and, when it is a stop or start word, the change of
    /// the opt-outs; `None` when it is no longer in `inbox` (routed before).
    fn route_mo(
        &mut self,
        message: InboundMessage,
        records: &[String],
        keyword_routed: bool,
    ) -> Result<Option<RoutedMo>, StoreError> {
        let store = self.wiring.store.clone();
        for record in records {
            if store.inbound_message(&message.gateway, record)?.is_none() {
                return Ok(None);
            }
        }
        let id = store.next_message_id()?;
        let mut batch = Batch::new();
        for record in records {
            batch.remove_inbound(&message.gateway, record);
        }
        let callback = match &self.terms.callback_url {
            Some(url) => {
                let item = mo_outbox_item(
                    &self.id,
                    id,
                    &message,
                    url,
                    store.next_sequence()?,
                    Utc::now(),
                );
                match batch.put_outbox(&item) {
                    Ok(_) => Some(item),
                    Err(error) => {
                        error!(self.wiring.logger, "MO callback dropped: it cannot be stored";
                            "message" => %id, "error" => %error);
                        None
                    }
                }
            }
            None => None,
        };
        let command = message
            .text
            .as_deref()
            .and_then(|text| opt_out_command(text, &self.terms.opt_outs, keyword_routed));
        let stop = command
            .as_ref()
            .is_some_and(|command| matches!(command.action, Action::OptOut { .. }));
        self.campaigns
            .record_mo(&store, &mut batch, &self.id, &message, stop)?;
        let answer = match command {
            Some(command) => self.opt_out_by_mo(&message, command, &mut batch),
            None => self
                .mo_apps
                .react(&self.id, &message, id, &mut batch, &self.wiring.logger),
        };
        let item = MailboxItem::Mo {
            id,
            message: Box::new(message),
        };
        let queued = self.put_mailbox(&mut batch, item)?;
        if let (_, MailboxItem::Mo { id, message }) = &queued
            && let Err(error) = self.conversations.record_mo(&mut batch, *id, message)
        {
            warn!(self.wiring.logger, "MO not in its conversation"; "error" => %error);
        }
        Ok(Some(RoutedMo {
            batch,
            queued,
            callback,
            answer,
        }))
    }

    /// What the opt-out command `command` of `mo` does (SPEC §6.1): its
    /// change of the opt-outs added to `batch` (the MO's own, so it happens
    /// exactly once) and made in memory, and the answer to send once that
    /// batch is durable; no application answers it. A stop word opts the MO's sender out of the account (or,
    /// under `opt_out_scope = "sender"`, of the MTs from the number it
    /// was sent to; STOPALL always of the account); a start word takes
    /// both entries off; a help word changes nothing.
    fn opt_out_by_mo(
        &mut self,
        mo: &InboundMessage,
        command: Command,
        batch: &mut Batch,
    ) -> Answer {
        let Ok(number) = ListedNumber::parse(&mo.source) else {
            warn!(self.wiring.logger, "opt-out command from a sender that is not a number; ignored";
                "source" => &mo.source, "word" => &command.word);
            return Answer::Nothing;
        };
        let to = mo
            .destination
            .as_deref()
            .and_then(|destination| Sender::parse(destination).ok());
        let key = |sender: Option<Sender>| ListKey::OptOut {
            account: self.id.clone(),
            number,
            sender,
        };
        let what = match command.action {
            Action::OptOut { account_wide } => {
                let sender = if account_wide { None } else { to };
                batch.put_listed(
                    &key(sender.clone()),
                    &Listed::new(Utc::now(), ListedBy::Keyword),
                );
                self.opt_outs.add(number, sender);
                "opt-out confirmation"
            }
            Action::OptIn => {
                batch.remove_listed(&key(None));
                self.opt_outs.remove(number, None);
                if let Some(sender) = to {
                    batch.remove_listed(&key(Some(sender.clone())));
                    self.opt_outs.remove(number, Some(&sender));
                }
                "opt-in confirmation"
            }
            Action::Help => "help text",
        };
        info!(self.wiring.logger, "opt-out command"; "from" => %number,
            "word" => &command.word, "answer" => what);
        Answer::Reply {
            mo: Box::new(mo.clone()),
            text: self.terms.opt_outs.answer(&command).to_string(),
            what,
        }
    }

    /// Adds the HTTP callback `message` calls for, if any, to `batch`.
    fn queue_callback(
        &self,
        batch: &mut Batch,
        message: &Message,
    ) -> Result<Option<OutboxItem>, CommandStatus> {
        enqueue(
            &self.wiring.store,
            batch,
            message,
            self.terms.callback_url.as_deref(),
            &self.wiring.logger,
        )
        .map_err(|error| {
            error!(self.wiring.logger, "cannot queue a callback"; "error" => %error);
            CommandStatus::EsmeRsyserr
        })
    }

    /// Hands waiting items to receivers with room in their window.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        let receivers: Vec<SessionId> = self
            .sessions
            .iter()
            .filter(|(_, bound)| bound.receiver.is_some())
            .map(|(id, _)| *id)
            .collect();
        if receivers.is_empty() {
            return;
        }
        let mut blocked = HashSet::new();
        while blocked.len() < receivers.len() {
            let session = receivers[self.next_receiver % receivers.len()];
            self.next_receiver = self.next_receiver.wrapping_add(1);
            let Some(bound) = self.sessions.get_mut(&session) else {
                blocked.insert(session);
                continue;
            };
            let Some(receiver) = bound
                .receiver
                .as_ref()
                .filter(|_| bound.in_flight < bound.window)
            else {
                blocked.insert(session);
                continue;
            };
            let Some((key, item)) = self.mailbox.pop_first() else {
                break;
            };
            let outgoing = match &item {
                MailboxItem::Receipt { message: id } => match self.wiring.store.message(*id) {
                    Ok(Some(message)) => Outgoing::Receipt(Box::new(message)),
                    Ok(None) => {
                        warn!(self.wiring.logger, "mailbox item for a message the store does not have; dropped";
                            "message" => %id);
                        self.mailbox.forget(key);
                        continue;
                    }
                    Err(error) => {
                        error!(self.wiring.logger, "cannot read a message for its receipt"; "message" => %id, "error" => %error);
                        self.mailbox.put_back(key, item);
                        break;
                    }
                },
                MailboxItem::Mo { id, message } => Outgoing::Mo {
                    id: *id,
                    message: message.clone(),
                },
            };
            bound.in_flight += 1;
            self.mailbox.hand_out(key.clone(), session, item);
            receiver.do_send(DeliverOut {
                key,
                outgoing,
                account: ctx.address().recipient(),
            });
        }
    }
}

/// The `err:` code of a receipt for a destination no route covers.
pub const NO_ROUTE_ERROR: u16 = 1;

/// An MO moved to the mailbox, its batch not yet committed.
struct RoutedMo {
    batch: Batch,
    queued: (MailboxKey, MailboxItem),
    callback: Option<OutboxItem>,
    /// What the MO applications send once the batch is durable.
    answer: Answer,
}

/// A submission checked and charged, its batch not yet committed.
struct Checked {
    ids: Vec<MessageId>,
    batch: Batch,
    /// The table the routes were chosen from, whose actors take them.
    routing: Arc<Routing>,
    routed: Vec<(usize, Message)>,
    unroutable: Vec<(MailboxKey, MailboxItem)>,
    callbacks: Vec<OutboxItem>,
    /// Counts for the report summaries.
    summaries: Vec<Pending>,
    charged: Money,
}

impl Actor for Account {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.tidy_mailbox(ctx, true);
        let every = (self.wiring.limits.mailbox_max_age / 10).clamp(TIDY_MIN, TIDY_MAX);
        ctx.run_interval(every, |account, ctx| account.tidy_mailbox(ctx, true));
    }
}

/// How often the mailbox is checked for items past their age: a tenth of
/// `limits.mailbox_max_age_days`, within these bounds.
const TIDY_MIN: Duration = Duration::from_millis(100);
const TIDY_MAX: Duration = Duration::from_secs(60);

impl Supervised for Account {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        // Every batch handed in before the panic is applied before we read.
        if let Err(error) = self.wiring.store.commit(Batch::new()).wait() {
            error!(self.wiring.logger, "store barrier failed on restart"; "error" => %error);
        }
        self.reload();
    }
}

impl Handler<Submit> for Account {
    type Result = ();

    fn handle(&mut self, submit: Submit, ctx: &mut Context<Self>) {
        let received = submit.received;
        let logger = self.wiring.logger.clone();
        let outcome = guarded(self, ctx, &logger, "submit", |account, _| {
            account
                .accept_or_skip(submit.submission, &submit.by, Utc::now())
                .map(|accepted| {
                    let durable = account.wiring.store.commit(accepted.batch);
                    (
                        accepted.ids,
                        (accepted.routing, accepted.routed),
                        (accepted.unroutable, accepted.callbacks),
                        (accepted.charged, accepted.summaries),
                        durable,
                    )
                })
        });
        let sequence_number = submit.sequence_number;
        let (ids, (routing, routed), (unroutable, callbacks), (charged, counted), durable) =
            match outcome {
                Ok(Ok(accepted)) => accepted,
                Ok(Err(refused)) => {
                    self.metrics
                        .rejected(refused.status, refused.check.as_ref());
                    submit.reply.send(Submitted {
                        sequence_number,
                        result: Err(refused),
                    });
                    return;
                }
                Err(_) => {
                    self.metrics.rejected(CommandStatus::EsmeRsyserr, None);
                    submit.reply.send(Submitted {
                        sequence_number,
                        result: Err(CommandStatus::EsmeRsyserr.into()),
                    });
                    return;
                }
            };
        let callback_sender = self.wiring.callbacks.clone();
        let account = ctx.address();
        let metrics = self.metrics.clone();
        let summaries = self.wiring.summaries.clone();
        // Not tied to this actor's context: a restart must not drop an
        // answer whose batch may already be on disk.
        actix_rt::spawn(async move {
            match durable.await {
                Ok(()) => {
                    summaries.add(counted);
                    metrics.accepted(ids.len(), received.elapsed());
                    submit.reply.send(Submitted {
                        sequence_number,
                        result: Ok(Accepted { ids, charged }),
                    });
                    for (index, message) in routed {
                        if let Some(route) = routing.actors.get(index) {
                            route.dispatch.do_send(Dispatch { message });
                        }
                    }
                    if !unroutable.is_empty() {
                        account.do_send(Queued { items: unroutable });
                    }
                    if !callbacks.is_empty() {
                        callback_sender.do_send(Enqueued { items: callbacks });
                    }
                }
                Err(error) => {
                    metrics.rejected(CommandStatus::EsmeRsyserr, None);
                    submit.reply.send(Submitted {
                        sequence_number,
                        result: Err(CommandStatus::EsmeRsyserr.into()),
                    });
                    account.do_send(CommitFailed { charged, error });
                }
            }
        });
    }
}

/// A batch changing the credit (a reservation, an adjustment, a refund)
/// failed: undo the change in memory (nothing of it reached the store).
/// `charged` is what the change took off; negative for credit it gave.
#[derive(Message)]
#[rtype(result = "()")]
struct CommitFailed {
    charged: Money,
    error: StoreError,
}

impl Handler<CommitFailed> for Account {
    type Result = ();

    fn handle(&mut self, failed: CommitFailed, _ctx: &mut Context<Self>) {
        error!(self.wiring.logger, "a change of credit could not be stored; refused";
            "error" => %failed.error);
        self.conversations.forget();
        self.campaigns.forget();
        if let Some(balance) = self.balance.checked_add(failed.charged) {
            self.set_balance(balance);
        }
    }
}

/// Mailbox items now durable, to deliver.
#[derive(Message)]
#[rtype(result = "()")]
struct Queued {
    items: Vec<(MailboxKey, MailboxItem)>,
}

impl Handler<Queued> for Account {
    type Result = ();

    fn handle(&mut self, queued: Queued, ctx: &mut Context<Self>) {
        self.mailbox.queued(queued.items);
        self.tidy_mailbox(ctx, false);
        self.pump(ctx);
    }
}

impl Handler<RouteMo> for Account {
    type Result = ();

    fn handle(&mut self, route: RouteMo, ctx: &mut Context<Self>) {
        let inbox_key = (
            route.message.gateway.clone(),
            route.message.fingerprint.clone(),
        );
        if self.routing_mo.contains(&inbox_key) {
            return;
        }
        let logger = self.wiring.logger.clone();
        let (source, destination) = (
            route.message.source.clone(),
            route.message.destination.clone().unwrap_or_default(),
        );
        let outcome = guarded(self, ctx, &logger, "route MO", |account, _| {
            account.route_mo(route.message, &route.records, route.keyword_routed)
        });
        let RoutedMo {
            batch,
            queued,
            callback,
            answer,
        } = match outcome {
            Ok(Ok(Some(routed))) => routed,
            Ok(Ok(None)) | Err(_) => return,
            Ok(Err(error)) => {
                error!(logger, "cannot route an MO message; it stays in the inbox";
                    "gateway" => %inbox_key.0, "fingerprint" => &inbox_key.1,
                    "error" => %error);
                return;
            }
        };
        let durable = self.wiring.store.commit(batch);
        self.routing_mo.insert(inbox_key.clone());
        let account = ctx.address();
        let callback_sender = self.wiring.callbacks.clone();
        actix_rt::spawn(async move {
            let stored = durable.await;
            match &stored {
                Ok(()) => {
                    info!(logger, "MO message routed"; "gateway" => %inbox_key.0,
                        "source" => &source, "destination" => &destination);
                    metrics::global().mo(&inbox_key.0, MoOutcome::Routed);
                    account.do_send(Queued {
                        items: vec![queued],
                    });
                    if let Some(callback) = callback {
                        callback_sender.do_send(Enqueued {
                            items: vec![callback],
                        });
                    }
                    answer.send(account.clone().recipient(), logger.clone());
                }
                Err(error) => {
                    error!(logger, "cannot store a routed MO message; it stays in the inbox";
                        "gateway" => %inbox_key.0, "error" => %error);
                }
            }
            account.do_send(MoSettled { inbox_key });
        });
    }
}

/// The batch of a routed MO is durable (or failed): an offer of it again
/// reads the inbox afresh.
#[derive(Message)]
#[rtype(result = "()")]
struct MoSettled {
    inbox_key: (GatewayName, String),
}

impl Handler<MoSettled> for Account {
    type Result = ();

    fn handle(&mut self, settled: MoSettled, _ctx: &mut Context<Self>) {
        self.routing_mo.remove(&settled.inbox_key);
    }
}

impl Handler<Finished> for Account {
    type Result = ();

    fn handle(&mut self, finished: Finished, ctx: &mut Context<Self>) {
        let logger = self.wiring.logger.clone();
        let Finished {
            message,
            refund,
            done,
            forget_upstream_id,
        } = finished;
        let outcome = guarded(self, ctx, &logger, "finished", |account, _| {
            let mut batch = Batch::new();
            batch.put_message(&message);
            if forget_upstream_id
                && let (Some(gateway), Some(upstream)) = (&message.gateway, &message.upstream_id)
            {
                batch.remove_upstream_id(gateway, upstream);
            }
            let mut balance = account.balance;
            let refunded = if refund {
                rating::refund(&message)
            } else {
                Money::ZERO
            };
            if refunded != Money::ZERO {
                balance = balance.checked_add(refunded).unwrap_or(balance);
                batch
                    .set_balance(&account.id, balance)
                    .append_ledger(&LedgerEntry {
                        account: account.id.clone(),
                        kind: LedgerKind::Refund,
                        delta: refunded,
                        balance,
                        message: Some(message.id),
                        at: Utc::now(),
                        reason: None,
                    });
            }
            if let Err(error) = account.campaigns.record_final(
                &account.wiring.store,
                &mut batch,
                &message,
                refunded,
            ) {
                error!(account.wiring.logger, "a campaign's results miss a final state";
                    "message" => %message.id, "error" => %error);
            }
            let item = account.queue_receipt(&mut batch, &message).ok().flatten();
            let callback = account.queue_callback(&mut batch, &message).ok().flatten();
            // Undone by `CommitFailed` if the batch fails, as a
            // reservation is: memory never keeps credit the store has not.
            account.set_balance(balance);
            let counted = account.wiring.summaries.finished(&message, refunded);
            (
                account.wiring.store.commit(batch),
                (item, callback),
                (refunded, counted),
            )
        });
        let Ok((durable, (item, callback), (refunded, counted))) = outcome else {
            return;
        };
        let summaries = self.wiring.summaries.clone();
        let account = ctx.address();
        let callback_sender = self.wiring.callbacks.clone();
        let logger = self.wiring.logger.clone();
        actix_rt::spawn(async move {
            let durable = durable.await;
            if let Some(done) = done {
                let _ = done.send(durable.is_ok());
            }
            match durable {
                Ok(()) => {
                    summaries.add([counted]);
                    if let Some(item) = item {
                        account.do_send(Queued { items: vec![item] });
                    }
                    if let Some(callback) = callback {
                        callback_sender.do_send(Enqueued {
                            items: vec![callback],
                        });
                    }
                }
                Err(error) => {
                    error!(logger, "cannot store a final state"; "error" => %error);
                    if refunded != Money::ZERO {
                        account.do_send(CommitFailed {
                            charged: Money::ZERO.checked_sub(refunded).unwrap_or(Money::ZERO),
                            error,
                        });
                    }
                }
            }
        });
    }
}

impl Handler<DeliverDone> for Account {
    type Result = ();

    fn handle(&mut self, done: DeliverDone, ctx: &mut Context<Self>) {
        if !self.mailbox.is_in_flight(&done.key) {
            return;
        }
        self.requeue(&done.key);
        if done.delivered {
            self.mailbox.forget(done.key);
        }
        self.pump(ctx);
    }
}

impl Handler<Bind> for Account {
    type Result = Result<(), CommandStatus>;

    fn handle(&mut self, bind: Bind, ctx: &mut Context<Self>) -> Self::Result {
        if self.terms.suspended
            || self.sessions.len() >= usize::try_from(self.terms.max_binds).unwrap_or(usize::MAX)
        {
            return Err(CommandStatus::EsmeRbindfail);
        }
        self.sessions.insert(
            bind.session,
            Bound {
                receiver: bind.receiver,
                window: bind.window.max(1),
                in_flight: 0,
            },
        );
        self.pump(ctx);
        Ok(())
    }
}

impl Handler<Unbound> for Account {
    type Result = ();

    fn handle(&mut self, unbound: Unbound, ctx: &mut Context<Self>) {
        self.sessions.remove(&unbound.session);
        for key in &self.mailbox.held_by(unbound.session) {
            self.requeue(key);
        }
        self.pump(ctx);
    }
}

impl Handler<Configure> for Account {
    type Result = ();

    fn handle(&mut self, configure: Configure, _ctx: &mut Context<Self>) {
        if configure.terms.tps != self.terms.tps {
            self.throttle =
                (configure.terms.tps > 0).then(|| Throttle::per_second(configure.terms.tps));
        }
        self.terms = configure.terms;
    }
}

impl Handler<AdjustCredit> for Account {
    type Result = ResponseFuture<Result<LedgerEntry, CreditRefused>>;

    fn handle(&mut self, adjust: AdjustCredit, ctx: &mut Context<Self>) -> Self::Result {
        let Some(balance) = self
            .balance
            .checked_add(adjust.amount)
            .filter(|balance| !balance.is_negative())
        else {
            let balance = self.balance;
            return Box::pin(async move { Err(CreditRefused::BelowZero { balance }) });
        };
        let entry = LedgerEntry {
            account: self.id.clone(),
            kind: if adjust.amount.is_negative() {
                LedgerKind::Deduct
            } else {
                LedgerKind::TopUp
            },
            delta: adjust.amount,
            balance,
            message: None,
            at: Utc::now(),
            reason: Some(adjust.reason),
        };
        let mut batch = Batch::new();
        batch.set_balance(&self.id, balance).append_ledger(&entry);
        let durable = self.wiring.store.commit(batch);
        self.set_balance(balance);
        let account = ctx.address();
        Box::pin(async move {
            match durable.await {
                Ok(()) => Ok(entry),
                Err(error) => {
                    let undo = Money::ZERO.checked_sub(entry.delta).unwrap_or(Money::ZERO);
                    account.do_send(CommitFailed {
                        charged: undo,
                        error: error.clone(),
                    });
                    Err(CreditRefused::Store(error))
                }
            }
        })
    }
}

impl Handler<ChangeOptOuts> for Account {
    type Result = ResponseFuture<Result<OptOutCounts, StoreError>>;

    fn handle(&mut self, change: ChangeOptOuts, _ctx: &mut Context<Self>) -> Self::Result {
        let mut counts = OptOutCounts::default();
        let mut batch = Batch::new();
        let listed = Listed::new(Utc::now(), change.by);
        for change in change.changes {
            match change {
                OptOutChange::Add { number, sender } => {
                    let key = ListKey::OptOut {
                        account: self.id.clone(),
                        number,
                        sender: sender.clone(),
                    };
                    if self.opt_outs.add(number, sender) {
                        batch.put_listed(&key, &listed);
                        counts.added += 1;
                    } else {
                        counts.already += 1;
                    }
                }
                OptOutChange::Remove { number, sender } => {
                    if self.opt_outs.remove(number, sender.as_ref()) {
                        batch.remove_listed(&ListKey::OptOut {
                            account: self.id.clone(),
                            number,
                            sender,
                        });
                        counts.removed += 1;
                    } else {
                        counts.absent += 1;
                    }
                }
            }
        }
        // In memory at once, as an MO's opt-out is: batches are durable in
        // the order they are handed in, and a failed one fails the store.
        let durable = self.wiring.store.commit(batch);
        Box::pin(async move { durable.await.map(|()| counts) })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::actors::pipeline::replies;
    use crate::actors::protocol::mo_apps::LiveMoApps;
    use crate::routing::RouteTable;
    use crate::store::StoreConfig;

    /// Stands in for the callbacks actor: counts what it is handed.
    struct Sink(Arc<AtomicUsize>);

    impl Actor for Sink {
        type Context = Context<Self>;
    }

    impl Handler<Enqueued> for Sink {
        type Result = ();

        fn handle(&mut self, enqueued: Enqueued, _ctx: &mut Context<Self>) {
            self.0.fetch_add(enqueued.items.len(), Ordering::SeqCst);
        }
    }

    fn mo() -> InboundMessage {
        InboundMessage::example("up", "20261201.34699000000.1", "JOIN", Utc::now())
    }

    /// An account's wiring over `store`, with no routes.
    fn wiring(store: &Arc<Store>, callbacks: Recipient<Enqueued>) -> AccountWiring {
        let routes = Arc::new(LiveRoutes::new(Routing {
            table: RouteTable::default(),
            actors: Vec::new(),
        }));
        AccountWiring {
            store: store.clone(),
            routes: routes.clone(),
            callbacks,
            mailbox_page: 10,
            limits: LimitsSettings {
                max_parts_per_request: 10,
                mailbox_max_items: 10,
                mailbox_max_age: Duration::from_secs(3600),
                route_queue_max: 10,
            },
            mo_apps: MoAppsWiring {
                live: Arc::new(LiveMoApps::new(Default::default())),
                min_interval: Duration::from_secs(3600),
                service_timeout: Duration::from_secs(5),
            },
            content_rules: Default::default(),
            dnd: Arc::new(DndRegistry::with(Default::default())),
            notices: None,
            summaries: Arc::new(SummaryBoard::new(&[], &[], routes.clone())),
            logger: Logger::root(slog::Discard, slog::o!()),
        }
    }

    fn terms() -> Terms {
        Terms {
            tps: 0,
            max_binds: 1,
            suspended: false,
            callback_url: None,
            callback_secret: None,
            allowed_senders: Default::default(),
            traffic: Default::default(),
            opt_outs: Default::default(),
            time_zone: chrono_tz::UTC,
            email: None,
            low_balance: None,
            language: Default::default(),
        }
    }

    /// Submits `submission` to `account` as `by`: its answer.
    async fn submit(
        account: &Addr<Account>,
        submission: Submission,
        by: SubmittedBy,
    ) -> Result<Accepted, Refused> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        account
            .send(Submit {
                submission,
                sequence_number: 0,
                reply: crate::actors::protocol::account::Reply::Request(reply),
                received: Instant::now(),
                by,
            })
            .await
            .unwrap();
        answer.await.unwrap().result
    }

    #[test]
    fn a_stop_mo_opts_its_sender_out_in_the_mos_own_batch_and_customers_mts_to_it_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(StoreConfig::new(dir.path().join("store"))).unwrap());
        let id = AccountId::new("shop").unwrap();
        let stop = InboundMessage::example("up", "20261201.34699000000.2", "Stop now", Utc::now());
        let key = ListKey::OptOut {
            account: id.clone(),
            number: ListedNumber::parse(&stop.source).unwrap(),
            sender: None,
        };
        actix_rt::System::new().block_on(async {
            let mut batch = Batch::new();
            batch.put_inbound(&stop);
            store.commit(batch).await.unwrap();
            let callbacks = Sink(Arc::default()).start().recipient();
            let account = Account::new(terms(), id.clone(), wiring(&store, callbacks)).start();
            let records = vec![stop.fingerprint.clone()];
            account
                .send(RouteMo {
                    message: stop.clone(),
                    records,
                    keyword_routed: false,
                })
                .await
                .unwrap();
            store.commit(Batch::new()).await.unwrap();
            // The opt-out is durable exactly when the MO left the inbox.
            assert!(store.listed(&key).unwrap().is_some());
            assert_eq!(store.inbox().unwrap().len(), 0);

            let to_phone = || replies::reply_to(&stop, "an offer").unwrap();
            let refused = submit(&account, to_phone(), SubmittedBy::Customer).await;
            let check = refused.err().and_then(|refused| refused.check);
            assert_eq!(check.map(|check| check.check), Some(Check::OptOut));
            // The switch's own answers to the phone are not opt-out checked.
            assert!(
                submit(&account, to_phone(), SubmittedBy::Reply)
                    .await
                    .is_ok()
            );
        });
        // A restarted actor reads the list back.
        actix_rt::System::new().block_on(async {
            let callbacks = Sink(Arc::default()).start().recipient();
            let account = Account::new(terms(), id.clone(), wiring(&store, callbacks)).start();
            let refused = submit(
                &account,
                replies::reply_to(&stop, "again").unwrap(),
                SubmittedBy::Customer,
            )
            .await;
            assert_eq!(
                refused.err().and_then(|r| r.check).map(|c| c.check),
                Some(Check::OptOut)
            );
        });
    }

    #[test]
    fn an_mo_offered_again_is_routed_once_into_the_mailbox_with_one_callback() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(StoreConfig::new(dir.path().join("store"))).unwrap());
        let id = AccountId::new("club").unwrap();
        let callbacks = Arc::new(AtomicUsize::new(0));
        let received = mo();
        actix_rt::System::new().block_on(async {
            let mut batch = Batch::new();
            batch.put_inbound(&received);
            store.commit(batch).await.unwrap();
            let terms = Terms {
                callback_url: Some("http://hooks/mo".to_owned()),
                ..terms()
            };
            let wiring = wiring(&store, Sink(callbacks.clone()).start().recipient());
            let account = Account::new(terms, id.clone(), wiring).start();
            // Twice while the first batch is pending, once after it is durable.
            for _ in 0..2 {
                let (message, records) = (received.clone(), vec![received.fingerprint.clone()]);
                account
                    .send(RouteMo {
                        message,
                        records,
                        keyword_routed: false,
                    })
                    .await
                    .unwrap();
            }
            store.commit(Batch::new()).await.unwrap();
            let deadline = Instant::now() + std::time::Duration::from_secs(5);
            while callbacks.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
                actix_rt::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            let (message, records) = (received.clone(), vec![received.fingerprint.clone()]);
            account
                .send(RouteMo {
                    message,
                    records,
                    keyword_routed: false,
                })
                .await
                .unwrap();
            store.commit(Batch::new()).await.unwrap();
        });
        let mailbox = store.mailbox(&id).unwrap();
        assert_eq!(mailbox.len(), 1, "{mailbox:?}");
        assert!(
            matches!(&mailbox[0].1, MailboxItem::Mo { message, .. } if **message == received),
            "{mailbox:?}"
        );
        assert_eq!(store.inbox().unwrap().len(), 0);
        assert_eq!(store.outbox().unwrap().len(), 1);
        assert_eq!(callbacks.load(Ordering::SeqCst), 1);
    }
}
