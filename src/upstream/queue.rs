//! The queue of one upstream gateway, shared by all its binds, without
//! I/O (the caller passes the time): which message goes next, when the
//! gateway's TPS and the SMSC's "slow down" allow it; how many temporary
//! refusals a message has had and when it has had too many; which queued
//! messages are past their validity or must leave for another gateway.
//!
//! - One TPS budget for the gateway, counted per message part (each
//!   message here is one part), with a tenth of a second of burst: the
//!   rate holds over any second, not only on average.
//! - A temporary refusal (ESME_RTHROTTLED, ESME_RMSGQFUL, the other
//!   temporary statuses), a submit that was never answered and a submit in
//!   flight when its connection dropped all count against the message's
//!   `max_attempts`; at the limit the caller fails it permanently.
//! - A refusal pauses every bind of the gateway (200 ms doubling to 5 s
//!   while refusals continue); an accepted submit ends the pause doubling.
//! - The queue is *full* from `limit` messages until it is below 90 % of
//!   `limit` again (so that the gateway's routes do not flap between it
//!   and the next gateway at every message).
//! - Campaign messages may fill only half of it: the queue is *full for
//!   bulk* from `limit / 2` campaign messages until they are below 90 % of
//!   that (45 % of `limit`), so messages of no campaign always find room,
//!   and being in lanes before the campaign's, go next.
//! - Messages wait in [`Lanes`]: by priority, a campaign's behind the
//!   others of its priority, first in first out within a lane. A retried
//!   message goes back into its own lane only.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::Backoff;
use crate::lanes::{Lanes, Waiting, is_campaign};
use crate::model::Message;
use crate::pending;
use crate::throttle::Throttle;

/// First and longest pause after a temporary refusal.
const SLOW_DOWN_FIRST: Duration = Duration::from_millis(200);
const SLOW_DOWN_MAX: Duration = Duration::from_secs(5);
/// The span over which the submit rate is measured.
pub const MEASURE_SPAN: Duration = Duration::from_secs(10);

/// A message with the temporary refusals it has had at this gateway.
#[derive(Debug, Clone)]
pub struct Queued {
    /// The message part, in state ROUTED, waiting for a bind.
    pub message: Message,
    /// Temporary refusals, unanswered submits and submits lost with their
    /// connection so far; at `max_attempts` the message fails.
    pub refusals: u32,
}

impl Waiting for Queued {
    fn message(&self) -> &Message {
        &self.message
    }
}

/// What a bind may do next.
// Short-lived and returned by value once per submit: boxing the message
// would cost an allocation per submit to save stack bytes.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Next {
    /// Submit this one now (its TPS share is already taken).
    Submit(Queued),
    /// Something waits, but not before this time.
    WaitUntil(Instant),
    /// Nothing queued.
    Idle,
}

/// How full a queue is: what its gateway tells its routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fill {
    /// It takes no message (see [`Queue::is_full`]).
    pub full: bool,
    /// It takes no campaign message (see [`Queue::is_full_for_bulk`]).
    pub full_for_bulk: bool,
}

/// One gateway's queue, TPS budget, slow-down pause and fullness.
#[derive(Debug)]
pub struct Queue {
    waiting: Lanes<Queued>,
    throttle: Throttle,
    max_attempts: u32,
    slow_down: Backoff,
    /// No submit before this (the SMSC refused one for now).
    resume_at: Option<Instant>,
    /// When each submit of the last [`MEASURE_SPAN`] went.
    submitted: VecDeque<Instant>,
    /// Over every message waiting.
    full: Hysteresis,
    /// Over the campaign messages waiting.
    full_for_bulk: Hysteresis,
}

/// Full from `limit` messages until fewer than 90 % of `limit` wait.
#[derive(Debug)]
struct Hysteresis {
    limit: usize,
    resume_below: usize,
    full: bool,
}

impl Hysteresis {
    /// At least 1: an empty queue is never full.
    fn new(limit: usize) -> Hysteresis {
        let limit = limit.max(1);
        Hysteresis {
            limit,
            resume_below: limit - limit / 10,
            full: false,
        }
    }

    /// Updates `full` now that `waiting` wait.
    fn update(&mut self, waiting: usize) {
        if waiting >= self.limit {
            self.full = true;
        } else if waiting < self.resume_below {
            self.full = false;
        }
    }
}

impl Queue {
    /// For a gateway of `tps` parts per second (0: unlimited) whose
    /// messages fail after `max_attempts` temporary refusals (at least 1),
    /// full at `limit` messages and full for bulk at half as many campaign
    /// messages (each at least 1).
    pub fn new(tps: u32, max_attempts: u32, limit: usize) -> Queue {
        Queue {
            waiting: Lanes::new(),
            throttle: Throttle::new(tps, (tps / 10).max(1)),
            max_attempts: max_attempts.max(1),
            slow_down: Backoff::new(SLOW_DOWN_FIRST, SLOW_DOWN_MAX),
            resume_at: None,
            submitted: VecDeque::new(),
            full: Hysteresis::new(limit),
            full_for_bulk: Hysteresis::new(limit / 2),
        }
    }

    /// Takes new settings (see [`Queue::new`]), keeping what waits; the
    /// pause and the TPS measure start afresh.
    pub fn reconfigure(&mut self, tps: u32, max_attempts: u32, limit: usize) {
        let waiting = std::mem::take(&mut self.waiting);
        *self = Queue::new(tps, max_attempts, limit);
        self.waiting = waiting;
        self.recheck();
    }

    /// A message from the route: last of its lane.
    pub fn push(&mut self, message: Message) {
        self.waiting.push_back(Queued {
            message,
            refusals: 0,
        });
        self.recheck();
    }

    /// Whether the gateway should take no more messages: it has held
    /// `limit` since it last held fewer than 90 % of `limit`.
    pub fn is_full(&self) -> bool {
        self.full.full
    }

    /// Whether the gateway should take no more campaign messages: it is
    /// full, or has held `limit / 2` of them since it last held fewer
    /// than 90 % of that.
    pub fn is_full_for_bulk(&self) -> bool {
        self.full.full || self.full_for_bulk.full
    }

    /// Both fullnesses at once.
    pub fn fill(&self) -> Fill {
        Fill {
            full: self.is_full(),
            full_for_bulk: self.is_full_for_bulk(),
        }
    }

    /// Whether the gateway should take `message` now.
    pub fn takes(&self, message: &Message) -> bool {
        if is_campaign(message) {
            !self.is_full_for_bulk()
        } else {
            !self.is_full()
        }
    }

    /// Updates the fullness after the messages waiting changed.
    fn recheck(&mut self) {
        self.full.update(self.waiting.len());
        self.full_for_bulk.update(self.waiting.campaign_len());
    }

    /// Messages waiting for a bind, those in flight not counted.
    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    /// Whether no message is waiting.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// The next message to submit at `now`, if the pause and the TPS allow.
    pub fn next(&mut self, now: Instant) -> Next {
        if self.waiting.is_empty() {
            return Next::Idle;
        }
        if let Some(at) = self.resume_at {
            if at > now {
                return Next::WaitUntil(at);
            }
            self.resume_at = None;
        }
        if let Err(wait) = self.throttle.try_take(1, now) {
            return Next::WaitUntil(now + wait);
        }
        match self.waiting.pop_front() {
            Some(queued) => {
                self.record_submit(now);
                self.recheck();
                Next::Submit(queued)
            }
            None => Next::Idle,
        }
    }

    /// A message that could not be submitted after all (the connection
    /// failed as it was written): first of its lane again, its refusals
    /// unchanged.
    pub fn unsent(&mut self, queued: Queued) {
        self.waiting.push_front(queued);
        self.recheck();
    }

    /// The SMSC took a submit: refusals no longer double the pause.
    pub fn accepted(&mut self) {
        self.slow_down.reset();
    }

    /// A temporary refusal of `queued` at `now`: the gateway pauses, and
    /// the message waits at the back of its lane for another attempt, or,
    /// after `max_attempts` refusals, comes back to be failed.
    pub fn refused(&mut self, queued: Queued, now: Instant) -> Option<Message> {
        self.resume_at = Some(now + self.slow_down.next_delay());
        self.retry_back(queued)
    }

    /// A submit that got no answer: at the back of its lane for another
    /// attempt, or back to be failed after `max_attempts`.
    pub fn unanswered(&mut self, queued: Queued) -> Option<Message> {
        self.retry_back(queued)
    }

    /// Submits that were in flight when their connection dropped, oldest
    /// first: back at the front of their lanes, in order. Those that reach
    /// `max_attempts` come back to be failed.
    pub fn dropped(&mut self, in_flight: Vec<Queued>) -> Vec<Message> {
        let mut failed = Vec::new();
        for mut queued in in_flight.into_iter().rev() {
            queued.refusals += 1;
            if queued.refusals >= self.max_attempts {
                failed.push(queued.message);
            } else {
                self.waiting.push_front(queued);
            }
        }
        self.recheck();
        failed
    }

    fn retry_back(&mut self, mut queued: Queued) -> Option<Message> {
        queued.refusals += 1;
        if queued.refusals >= self.max_attempts {
            return Some(queued.message);
        }
        self.waiting.push_back(queued);
        self.recheck();
        None
    }

    /// Takes the queued messages whose validity has passed at `now`.
    pub fn take_expired(&mut self, now: DateTime<Utc>) -> Vec<Message> {
        let expired = self
            .waiting
            .take_where(|queued| pending::expired(&queued.message, now));
        self.recheck();
        expired.into_iter().map(|queued| queued.message).collect()
    }

    /// Takes every queued message (not those in flight).
    pub fn take_all(&mut self) -> Vec<Message> {
        let taken = self.waiting.take_all();
        self.recheck();
        taken.into_iter().map(|queued| queued.message).collect()
    }

    fn record_submit(&mut self, now: Instant) {
        self.forget_before(now);
        self.submitted.push_back(now);
    }

    fn forget_before(&mut self, now: Instant) {
        while self
            .submitted
            .front()
            .is_some_and(|at| now.duration_since(*at) >= MEASURE_SPAN)
        {
            self.submitted.pop_front();
        }
    }

    /// Submits per second over the last [`MEASURE_SPAN`] before `now`.
    pub fn measured_tps(&mut self, now: Instant) -> f64 {
        self.forget_before(now);
        self.submitted.len() as f64 / MEASURE_SPAN.as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::model::{AccountId, Address, CampaignId, MessageId, Npi, Ton};

    fn message(id: u64) -> Message {
        let address = |text| Address::new(Ton::International, Npi::Isdn, text).unwrap();
        Message::new(
            MessageId::new(id),
            AccountId::new("demo").unwrap(),
            address("34911000000"),
            address("34600123456"),
            b"hello".to_vec(),
            Utc::now(),
        )
    }

    fn of_priority(id: u64, priority: u8) -> Message {
        let mut message = message(id);
        message.priority = priority;
        message
    }

    fn of_campaign(id: u64) -> Message {
        let mut message = message(id);
        message.campaign = Some(CampaignId(7));
        message
    }

    fn queue_of(ids: &[u64], tps: u32, max_attempts: u32) -> Queue {
        let mut queue = Queue::new(tps, max_attempts, 10_000);
        for id in ids {
            queue.push(message(*id));
        }
        queue
    }

    fn submit(queue: &mut Queue, now: Instant) -> Queued {
        match queue.next(now) {
            Next::Submit(queued) => queued,
            other => panic!("expected a submit, got {other:?}"),
        }
    }

    #[test]
    fn the_tps_budget_holds_over_every_second() {
        let start = Instant::now();
        let ids: Vec<u64> = (1..=1000).collect();
        let mut queue = queue_of(&ids, 50, 10);
        let mut now = start;
        let mut sent = 0;
        while now < start + Duration::from_secs(10) {
            while let Next::Submit(_) = queue.next(now) {
                sent += 1;
            }
            now += Duration::from_millis(1);
        }
        // 10 s at 50/s, plus the burst of a tenth of a second (5 at once).
        assert_eq!(sent, 504);
        let measured = queue.measured_tps(now);
        assert!((49.5..=50.5).contains(&measured), "{measured}");
    }

    #[test]
    fn an_urgent_message_passes_the_backlog_within_the_tps_budget() {
        let start = Instant::now();
        let backlog: Vec<u64> = (1..=100).collect();
        // 10/s: one at once, then one every 100 ms.
        let mut queue = queue_of(&backlog, 10, 10);
        assert_eq!(submit(&mut queue, start).message.id, MessageId::new(1));
        queue.push(of_priority(101, 1));
        assert!(matches!(queue.next(start), Next::WaitUntil(_)));
        let later = start + Duration::from_millis(100);
        assert_eq!(submit(&mut queue, later).message.id, MessageId::new(101));
        assert!(matches!(queue.next(later), Next::WaitUntil(_)));
        let after = later + Duration::from_millis(100);
        assert_eq!(submit(&mut queue, after).message.id, MessageId::new(2));
    }

    #[test]
    fn retried_messages_go_back_into_their_own_lane() {
        let now = Instant::now();
        let mut queue = queue_of(&[1, 2], 0, 10);
        queue.push(of_priority(3, 2));
        let urgent = submit(&mut queue, now);
        let bulk = submit(&mut queue, now);
        assert_eq!(
            (urgent.message.id, bulk.message.id),
            (MessageId::new(3), MessageId::new(1))
        );
        queue.push(of_priority(4, 2));
        assert!(queue.unanswered(urgent).is_none());
        assert!(queue.dropped(vec![bulk]).is_empty());
        let order: Vec<u64> = queue.take_all().iter().map(|m| m.id.value()).collect();
        assert_eq!(order, [4, 3, 1, 2]);
    }

    #[test]
    fn a_refusal_pauses_and_the_message_fails_at_the_limit() {
        let start = Instant::now();
        let mut queue = queue_of(&[1, 2], 0, 3);
        let first = submit(&mut queue, start);
        assert!(queue.refused(first, start).is_none());
        assert!(
            matches!(queue.next(start), Next::WaitUntil(at) if at == start + Duration::from_millis(200))
        );
        let later = start + Duration::from_secs(1);
        let second = submit(&mut queue, later);
        assert_eq!(second.message.id, MessageId::new(2));
        let again = submit(&mut queue, later);
        assert_eq!((again.message.id, again.refusals), (MessageId::new(1), 1));
        assert!(queue.unanswered(again).is_none());
        let last = submit(&mut queue, later);
        assert_eq!(last.refusals, 2);
        let failed = queue.refused(last, later).expect("failed at the limit");
        assert_eq!(failed.id, MessageId::new(1));
        assert!(queue.is_empty());
    }

    #[test]
    fn dropped_submits_go_first_in_order_and_count() {
        let now = Instant::now();
        let mut queue = queue_of(&[1, 2, 3], 0, 2);
        let one = submit(&mut queue, now);
        let mut two = submit(&mut queue, now);
        two.refusals = 1;
        let failed = queue.dropped(vec![one, two]);
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].id, MessageId::new(2));
        let order: Vec<MessageId> = queue.take_all().iter().map(|m| m.id).collect();
        assert_eq!(order, [MessageId::new(1), MessageId::new(3)]);
    }

    #[test]
    fn expired_messages_leave_the_queue() {
        let now = Utc::now();
        let mut queue = Queue::new(0, 10, 10_000);
        let mut old = message(1);
        old.validity = Some(now - TimeDelta::seconds(1));
        let mut fresh = message(2);
        fresh.validity = Some(now + TimeDelta::seconds(60));
        queue.push(old);
        queue.push(fresh);
        queue.push(message(3));
        let expired = queue.take_expired(now);
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].id, MessageId::new(1));
        assert_eq!(queue.len(), 2);
    }

    #[test]
    fn full_at_the_limit_until_below_ninety_percent() {
        let now = Instant::now();
        let mut queue = Queue::new(0, 10, 10);
        for id in 1..=9 {
            queue.push(message(id));
        }
        assert!(!queue.is_full());
        queue.push(message(10));
        assert!(queue.is_full());
        // 9 is not below 90 %: still full.
        let first = submit(&mut queue, now);
        assert!(queue.is_full());
        submit(&mut queue, now);
        assert!(!queue.is_full(), "8 waiting");
        // Put back above the limit, full again; emptied, not full.
        queue.unsent(first);
        queue.push(message(11));
        assert!(queue.is_full());
        queue.take_all();
        assert!(!queue.is_full());
    }

    #[test]
    fn campaigns_fill_half_until_below_forty_five_percent() {
        let now = Instant::now();
        let mut queue = Queue::new(0, 10, 100);
        for id in 1..=49 {
            queue.push(of_campaign(id));
        }
        assert!(!queue.is_full_for_bulk());
        queue.push(of_campaign(50));
        assert!(queue.is_full_for_bulk(), "50 campaign messages of 100");
        assert!(!queue.takes(&of_campaign(51)));
        // The rest of the room is for everything else, which goes first.
        assert!(queue.takes(&message(101)) && !queue.is_full());
        queue.push(message(101));
        assert_eq!(submit(&mut queue, now).message.id, MessageId::new(101));
        // 45 campaign messages are not below 45 %: still full for bulk.
        for _ in 0..5 {
            submit(&mut queue, now);
        }
        assert!(queue.is_full_for_bulk());
        let put_back = submit(&mut queue, now);
        assert!(!queue.is_full_for_bulk(), "44 campaign messages");
        assert!(queue.takes(&of_campaign(51)));
        // Put back and topped up to 50, full for bulk again; emptied, not.
        queue.unsent(put_back);
        for id in 51..=54 {
            queue.push(of_campaign(id));
        }
        assert!(!queue.is_full_for_bulk(), "49 campaign messages");
        queue.push(of_campaign(55));
        assert!(queue.is_full_for_bulk());
        queue.take_all();
        assert!(!queue.is_full_for_bulk());
    }

    #[test]
    fn a_full_queue_takes_nothing_of_any_kind() {
        let mut queue = Queue::new(0, 10, 10);
        for id in 1..=10 {
            queue.push(message(id));
        }
        assert!(queue.is_full() && queue.is_full_for_bulk());
        assert!(!queue.takes(&message(11)));
        assert!(!queue.takes(&of_campaign(12)));
        // A limit of 1 still takes one campaign message.
        let mut tiny = Queue::new(0, 10, 1);
        assert!(tiny.takes(&of_campaign(1)));
        tiny.push(of_campaign(1));
        assert!(!tiny.takes(&message(2)));
    }

    #[test]
    fn new_settings_keep_what_waits_in_its_order() {
        let mut queue = queue_of(&[1, 2, 3], 0, 10);
        queue.reconfigure(0, 10, 2);
        assert!(queue.is_full(), "3 waiting over a limit of 2");
        let mut bulk = Queue::new(0, 10, 10);
        for id in 1..=3 {
            bulk.push(of_campaign(id));
        }
        bulk.reconfigure(0, 10, 6);
        assert!(
            bulk.is_full_for_bulk() && !bulk.is_full(),
            "3 of a bulk limit of 3"
        );
        let now = Instant::now();
        let order: Vec<u64> = (0..3)
            .map(|_| submit(&mut queue, now).message.id.value())
            .collect();
        assert_eq!(order, [1, 2, 3]);
        assert!(matches!(queue.next(now), Next::Idle));
    }
}
