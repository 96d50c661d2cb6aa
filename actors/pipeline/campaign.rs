//! One campaign's actor, supervised: waits for the start time, walks the
//! recipients in order a page at a time, and submits each through its
//! account's actor (the accept path every message takes) at the
//! campaign's pace, outside its quiet hours, with a small window of
//! turns in flight. The account actor stores each recipient's outcome in
//! the batch that creates its messages, so this actor's only durable
//! state is its [`StateRecord`]: the state, and a cursor below which
//! every recipient has had its turn. After a crash it goes on from the
//! cursor and passes over recipients whose outcome is stored; after a
//! panic it does the same, and also passes over the turns it submitted
//! before the panic, whose answers are still to come.
//!
//! A refusal for lack of credit pauses it (reason `credit`), as a
//! suspension of the account does (`suspended`); it tries the waiting
//! recipient again every [`PROBE_EVERY`] and goes on once it is taken.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use actix::prelude::*;
use chrono::{DateTime, Utc};
use slog::{Logger, error, info, warn};

use crate::actors::faults;
use crate::actors::protocol::account::{
    CampaignTurn, Refused, Reply, Submit, Submitted, SubmittedBy,
};
use crate::actors::protocol::campaign::{ControlCampaign, ControlRefused, LiveCampaigns};
use crate::actors::protocol::directory::Directory;
use crate::actors::protocol::mail::Notices;
use crate::actors::supervision::guarded;
use crate::campaigns::quiet_hours::{QuietHours, zone};
use crate::campaigns::submission::submission;
use crate::campaigns::{Control, Definition, PauseReason, Recipient, State};
use crate::smpp::CommandStatus;
use crate::store::{Batch, StateRecord, Store};
use crate::throttle::Throttle;

/// Turns submitted and not yet answered, at most.
const WINDOW: usize = 64;
/// Recipients read from the store at once.
const PAGE: usize = 1_000;
/// How often a campaign paused for credit or a suspension tries again.
pub const PROBE_EVERY: Duration = Duration::from_secs(2);
/// How long it waits after the account's TPS or the store refused a turn.
const BACK_OFF: Duration = Duration::from_millis(50);
/// The cursor is stored at most this often while running (and at every
/// change of state).
const CURSOR_EVERY: Duration = Duration::from_secs(1);

/// What a campaign actor needs.
#[derive(Clone)]
pub struct CampaignWiring {
    pub store: Arc<Store>,
    pub directory: Arc<Directory>,
    /// Told when the campaign ends (weak: the table starts the actors).
    pub live: Weak<LiveCampaigns>,
    /// Where "campaign finished" is mailed; `None` without `[mail]`.
    pub notices: Option<Notices>,
    pub logger: Logger,
}

pub struct Campaign {
    definition: Definition,
    record: StateRecord,
    quiet: Option<QuietHours>,
    throttle: Option<Throttle>,
    wiring: CampaignWiring,
    /// Recipients read and not yet submitted, in order.
    page: VecDeque<(u64, Recipient)>,
    /// Where the next page is read from.
    next_read: u64,
    /// Nothing more to read.
    read_all: bool,
    /// Refused for now (credit, TPS): submitted again first.
    again: VecDeque<(u64, Recipient)>,
    /// Turns submitted, by the sequence number their answer carries.
    in_flight: HashMap<u32, (u64, Recipient)>,
    next_sequence: u32,
    /// A wake-up already set, so that no second one is.
    wake_at: Option<Instant>,
    cursor_stored: Instant,
}

impl Campaign {
    pub fn new(definition: Definition, record: StateRecord, wiring: CampaignWiring) -> Campaign {
        let zone = zone(&definition.time_zone).unwrap_or(chrono_tz::UTC);
        let quiet = definition
            .quiet_hours
            .as_ref()
            .and_then(|window| QuietHours::parse(&window.from, &window.to, zone).ok());
        let throttle = (definition.tps > 0).then(|| Throttle::per_second(definition.tps));
        Campaign {
            next_read: record.cursor,
            definition,
            record,
            quiet,
            throttle,
            wiring,
            page: VecDeque::new(),
            read_all: false,
            again: VecDeque::new(),
            in_flight: HashMap::new(),
            next_sequence: 0,
            wake_at: None,
            cursor_stored: Instant::now(),
        }
    }

    /// Starts it under a `Supervisor`.
    pub fn supervise(self) -> Addr<Campaign> {
        Supervisor::start(move |_| self)
    }

    fn started_by(&self, now: DateTime<Utc>) -> bool {
        self.definition.start_at.is_none_or(|at| at <= now)
    }

    /// Sets a wake-up in `after`, unless one is due sooner.
    fn wake(&mut self, ctx: &mut Context<Self>, after: Duration) {
        let at = Instant::now() + after;
        if self.wake_at.is_some_and(|set| set <= at) {
            return;
        }
        self.wake_at = Some(at);
        ctx.run_later(after, |campaign, ctx| {
            campaign.wake_at = None;
            campaign.pump(ctx);
        });
    }

    /// Every recipient before it has had its turn (or is stored as such).
    fn cursor(&self) -> u64 {
        self.in_flight
            .values()
            .chain(&self.again)
            .chain(&self.page)
            .map(|(index, _)| *index)
            .min()
            .unwrap_or(self.next_read)
    }

    /// Stores the state and cursor; the change is in force once durable.
    fn store_state(&mut self, state: State) -> crate::store::Durable {
        let now = Utc::now();
        if state != self.record.state {
            info!(self.wiring.logger, "campaign state"; "campaign" => %self.definition.id,
                "from" => self.record.state.as_str(), "to" => state.as_str(),
                "reason" => state.pause_reason().map(PauseReason::as_str));
            self.record.since = now;
        }
        self.record.state = state;
        self.record.cursor = self.cursor();
        self.cursor_stored = Instant::now();
        let mut batch = Batch::new();
        batch.put_campaign_state(self.definition.id, &self.record);
        self.wiring.store.commit(batch)
    }

    /// The next recipient whose turn has not come, reading a page when
    /// the one in memory is used up.
    fn next_recipient(&mut self) -> Result<Option<(u64, Recipient)>, crate::store::StoreError> {
        if let Some(next) = self.again.pop_front() {
            return Ok(Some(next));
        }
        loop {
            if let Some(next) = self.page.pop_front() {
                return Ok(Some(next));
            }
            if self.read_all {
                return Ok(None);
            }
            let page =
                self.wiring
                    .store
                    .recipients_page(self.definition.id, self.next_read, PAGE)?;
            self.read_all = page.len() < PAGE;
            if let Some((last, _)) = page.last() {
                self.next_read = last + 1;
            }
            let in_flight: Vec<u64> = self.in_flight.values().map(|(index, _)| *index).collect();
            self.page
                .extend(page.into_iter().filter(|(index, recipient)| {
                    recipient.outcome.is_none() && !in_flight.contains(index)
                }));
        }
    }

    /// [`Campaign::pump_now`] behind the panic guard: a panic stops the
    /// actor, and its supervisor restarts it (`restarting`).
    fn pump(&mut self, ctx: &mut Context<Self>) {
        let logger = self.wiring.logger.clone();
        let _ = guarded(self, ctx, &logger, "campaign", Campaign::pump_now);
    }

    /// Submits what may go now; finishes after the last answer.
    fn pump_now(&mut self, ctx: &mut Context<Self>) {
        let probing = matches!(
            self.record.state,
            State::Paused(PauseReason::Credit | PauseReason::Suspended)
        );
        let now = Utc::now();
        match self.record.state {
            State::Scheduled if self.started_by(now) => {
                drop(self.store_state(State::Running));
            }
            State::Scheduled => {
                let until = self.definition.start_at.unwrap_or(now);
                self.wake(ctx, (until - now).to_std().unwrap_or_default());
                return;
            }
            State::Running => {}
            _ if probing => {
                // One turn at a time until it is taken.
                if !self.in_flight.is_empty() {
                    return;
                }
            }
            _ => return,
        }
        if let Some(until) = self.quiet.and_then(|quiet| quiet.quiet_until(now)) {
            self.wake(ctx, (until - now).to_std().unwrap_or_default());
            return;
        }
        let window = if probing { 1 } else { WINDOW };
        while self.in_flight.len() < window {
            if let Some(throttle) = &mut self.throttle
                && let Err(wait) = throttle.try_take(1, Instant::now())
            {
                self.wake(ctx, wait);
                break;
            }
            let next = match self.next_recipient() {
                Ok(Some(next)) => next,
                Ok(None) => break,
                Err(error) => {
                    error!(self.wiring.logger, "cannot read a campaign's recipients";
                        "campaign" => %self.definition.id, "error" => %error);
                    self.wake(ctx, PROBE_EVERY);
                    break;
                }
            };
            self.submit(ctx, next, now);
        }
        if self.in_flight.is_empty()
            && self.again.is_empty()
            && self.page.is_empty()
            && self.read_all
        {
            drop(self.store_state(State::Finished));
            self.mail_finished();
            self.end(ctx);
            return;
        }
        if self.cursor_stored.elapsed() >= CURSOR_EVERY {
            let state = self.record.state;
            drop(self.store_state(state));
        }
    }

    fn submit(
        &mut self,
        ctx: &mut Context<Self>,
        (index, recipient): (u64, Recipient),
        now: DateTime<Utc>,
    ) {
        faults::CAMPAIGN_PANIC.tick("campaign");
        let submission = match submission(&self.definition, &recipient, now) {
            Ok(submission) => submission,
            Err(error) => {
                // Made from what was checked when the campaign was made:
                // only a damaged record gets here.
                warn!(self.wiring.logger, "campaign recipient cannot be sent; passed over";
                    "campaign" => %self.definition.id, "index" => index, "error" => %error);
                return;
            }
        };
        let Some(account) = self
            .wiring
            .directory
            .account(self.definition.account.as_str())
        else {
            error!(self.wiring.logger, "campaign of an account that is gone";
                "campaign" => %self.definition.id, "account" => %self.definition.account);
            self.again.push_front((index, recipient));
            return;
        };
        let sequence_number = self.next_sequence;
        self.next_sequence = self.next_sequence.wrapping_add(1);
        let turn = CampaignTurn {
            campaign: self.definition.id,
            index,
            recipient: recipient.clone(),
            from: self.definition.from.clone(),
            reply_window_hours: self.definition.reply_window_hours,
        };
        self.in_flight.insert(sequence_number, (index, recipient));
        account.actor.submit.do_send(Submit {
            submission,
            sequence_number,
            reply: Reply::Session(ctx.address().recipient()),
            received: Instant::now(),
            by: SubmittedBy::Campaign(Box::new(turn)),
        });
    }

    /// Tells the account's owner, when it has an address and `[mail]` is
    /// set, that the campaign finished, with its results so far.
    fn mail_finished(&self) {
        let Some(notices) = &self.wiring.notices else {
            return;
        };
        let account = &self.definition.account;
        let Some((email, language)) = self
            .wiring
            .directory
            .account(account.as_str())
            .and_then(|entry| Some((entry.terms.email.clone()?, entry.terms.language)))
        else {
            return;
        };
        let tally = match self.wiring.store.campaign_tally(self.definition.id) {
            Ok(tally) => Some(tally),
            Err(error) => {
                warn!(self.wiring.logger, "a finished campaign's results cannot be read";
                    "campaign" => %self.definition.id, "error" => %error);
                None
            }
        };
        notices.campaign_finished(
            (account, &email, language),
            (self.definition.id, &self.definition.name),
            self.definition.total,
            tally.as_ref(),
        );
    }

    /// Stops for good: finished or cancelled.
    fn end(&self, ctx: &mut Context<Self>) {
        if let Some(live) = self.wiring.live.upgrade() {
            live.ended(self.definition.id);
        }
        ctx.stop();
    }

    /// What a refused turn means for the campaign: the state to move to
    /// (none: stay) and when to try again.
    fn refused(&self, refused: &Refused) -> (Option<State>, Duration) {
        match (refused.status, &refused.check) {
            (CommandStatus::EsmeRsubmitfail, None) => {
                (Some(State::Paused(PauseReason::Credit)), PROBE_EVERY)
            }
            (CommandStatus::EsmeRinvbndsts, _) => {
                (Some(State::Paused(PauseReason::Suspended)), PROBE_EVERY)
            }
            (_, Some(check)) => {
                // The sender is no longer allowed: nothing of it can go.
                warn!(self.wiring.logger, "campaign refused by a check; paused";
                    "campaign" => %self.definition.id, "check" => check.check.as_str());
                (Some(State::Paused(PauseReason::Asked)), PROBE_EVERY)
            }
            _ => (None, BACK_OFF),
        }
    }
}

impl Actor for Campaign {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.pump(ctx);
    }
}

impl Supervised for Campaign {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        // What was in memory may be half changed by the panic: read again
        // from the stored cursor (below every turn not yet done when it
        // was stored). Turns in flight stay: their answers still come to
        // this address, and their recipients are not read again.
        self.next_read = self.record.cursor;
        self.page.clear();
        self.again.clear();
        self.read_all = false;
        self.wake_at = None;
    }
}

impl Handler<Submitted> for Campaign {
    type Result = ();

    fn handle(&mut self, answer: Submitted, ctx: &mut Context<Self>) {
        let Some(turn) = self.in_flight.remove(&answer.sequence_number) else {
            return;
        };
        let logger = self.wiring.logger.clone();
        let _ = guarded(
            self,
            ctx,
            &logger,
            "campaign answer",
            |campaign, ctx| match answer.result {
                Ok(_) => {
                    if campaign
                        .record
                        .state
                        .pause_reason()
                        .is_some_and(|reason| reason != PauseReason::Asked)
                    {
                        drop(campaign.store_state(State::Running));
                    }
                    campaign.pump(ctx);
                }
                Err(refused) => {
                    // Back in its place: several refused at once keep their order.
                    let at = campaign.again.partition_point(|(index, _)| *index < turn.0);
                    campaign.again.insert(at, turn);
                    let (state, retry) = campaign.refused(&refused);
                    if let Some(state) = state
                        && campaign.record.state == State::Running
                    {
                        drop(campaign.store_state(state));
                    }
                    campaign.wake(ctx, retry);
                }
            },
        );
    }
}

impl Handler<ControlCampaign> for Campaign {
    type Result = ResponseActFuture<Self, Result<State, ControlRefused>>;

    fn handle(&mut self, control: ControlCampaign, _ctx: &mut Context<Self>) -> Self::Result {
        let started = self.started_by(Utc::now());
        let next = match self.record.state.apply(control.control, started) {
            Ok(next) => next,
            Err(refused) => return Box::pin(fut::ready(Err(refused.into()))),
        };
        let durable = self.store_state(next);
        Box::pin(
            fut::wrap_future(durable).map(move |stored, campaign: &mut Campaign, ctx| {
                stored?;
                match control.control {
                    Control::Cancel => campaign.end(ctx),
                    Control::Resume => campaign.pump(ctx),
                    Control::Pause => {}
                }
                Ok(next)
            }),
        )
    }
}
