//! What is counted for one key over one time bucket ([`Tally`]): messages
//! and parts accepted, credit charged and refunded, what the gateways
//! charge us, and how the messages ended; how two tallies add up, how a
//! message's counts move from "no gateway yet" to the gateway that took
//! it, and the figures read from a sum. No I/O, no clock.

use serde::{Deserialize, Serialize};

use crate::model::{MessageState, Money};

/// How a message ended, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// DELIVRD.
    Delivered,
    /// UNDELIV.
    Undelivered,
    /// EXPIRED.
    Expired,
    /// REJECTD: a gateway refused it for good (and its price went back).
    Rejected,
    /// Any other final state (DELETED, UNKNOWN, FAILED, ...).
    Other,
}

impl Ending {
    /// The ending of a final `state`.
    pub fn of(state: MessageState) -> Ending {
        match state {
            MessageState::Delivered => Ending::Delivered,
            MessageState::Undeliverable => Ending::Undelivered,
            MessageState::Expired => Ending::Expired,
            MessageState::Rejected => Ending::Rejected,
            _ => Ending::Other,
        }
    }
}

/// Everything counted for one key in one bucket. Each part of a long
/// message is a message record of its own: `parts` counts them all,
/// `messages` only the first part of each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Messages accepted (a long message once).
    pub messages: u64,
    /// Parts accepted.
    pub parts: u64,
    /// Parts a gateway took.
    pub taken: u64,
    /// Credit reserved for the parts (the route's price each).
    pub charged: Money,
    /// Credit given back (parts no SMSC took).
    pub refunded: Money,
    /// What the gateways charge us for the parts they took
    /// (`[[gateway_costs]]`).
    pub cost: Money,
    /// Parts that ended DELIVRD.
    pub delivered: u64,
    /// UNDELIV.
    pub undelivered: u64,
    /// EXPIRED.
    pub expired: u64,
    /// REJECTD.
    pub rejected: u64,
    /// Any other final state.
    pub other: u64,
}

fn add(total: Money, amount: Money) -> Money {
    total.checked_add(amount).unwrap_or(total)
}

fn sub(total: Money, amount: Money) -> Money {
    total.checked_sub(amount).unwrap_or(total)
}

impl Tally {
    /// A part accepted at `price`; `first` when it starts its message.
    pub fn accept(&mut self, first: bool, price: Money) {
        self.messages += u64::from(first);
        self.parts += 1;
        self.charged = add(self.charged, price);
    }

    /// Takes back what [`Tally::accept`] counted: the part moves to the
    /// tally of the gateway that took it. Never below zero (a count lost
    /// to a crash stays lost, it does not wrap).
    pub fn withdraw(&mut self, first: bool, price: Money) {
        self.messages = self.messages.saturating_sub(u64::from(first));
        self.parts = self.parts.saturating_sub(1);
        self.charged = sub(self.charged, price);
    }

    /// A part a gateway took at `cost` to us.
    pub fn take(&mut self, cost: Money) {
        self.taken += 1;
        self.cost = add(self.cost, cost);
    }

    /// A part reached its final state, `refunded` given back for it.
    pub fn finish(&mut self, ending: Ending, refunded: Money) {
        match ending {
            Ending::Delivered => self.delivered += 1,
            Ending::Undelivered => self.undelivered += 1,
            Ending::Expired => self.expired += 1,
            Ending::Rejected => self.rejected += 1,
            Ending::Other => self.other += 1,
        }
        self.refunded = add(self.refunded, refunded);
    }

    /// Adds `other` to this.
    pub fn merge(&mut self, other: &Tally) {
        self.messages += other.messages;
        self.parts += other.parts;
        self.taken += other.taken;
        self.charged = add(self.charged, other.charged);
        self.refunded = add(self.refunded, other.refunded);
        self.cost = add(self.cost, other.cost);
        self.delivered += other.delivered;
        self.undelivered += other.undelivered;
        self.expired += other.expired;
        self.rejected += other.rejected;
        self.other += other.other;
    }

    /// Takes `other` back out of this, where `other` was merged into it
    /// before: what is left is the sum of the rest.
    pub fn unmerge(&mut self, other: &Tally) {
        self.messages = self.messages.saturating_sub(other.messages);
        self.parts = self.parts.saturating_sub(other.parts);
        self.taken = self.taken.saturating_sub(other.taken);
        self.charged = sub(self.charged, other.charged);
        self.refunded = sub(self.refunded, other.refunded);
        self.cost = sub(self.cost, other.cost);
        self.delivered = self.delivered.saturating_sub(other.delivered);
        self.undelivered = self.undelivered.saturating_sub(other.undelivered);
        self.expired = self.expired.saturating_sub(other.expired);
        self.rejected = self.rejected.saturating_sub(other.rejected);
        self.other = self.other.saturating_sub(other.other);
    }

    /// Parts that ended in anything but DELIVRD.
    pub fn failed(&self) -> u64 {
        self.undelivered + self.expired + self.rejected + self.other
    }

    /// Credit the customers paid: charged less refunded.
    pub fn credit(&self) -> Money {
        sub(self.charged, self.refunded)
    }

    /// Credit less cost.
    pub fn margin(&self) -> Money {
        sub(self.credit(), self.cost)
    }

    /// DELIVRD over the parts that ended; `None` while none has.
    pub fn delivery_ratio(&self) -> Option<f64> {
        let ended = self.delivered + self.failed();
        (ended > 0).then(|| self.delivered as f64 / ended as f64)
    }

    /// Credit paid per part (rounded down to the micro-unit); `None`
    /// without parts.
    pub fn unit_price(&self) -> Option<Money> {
        per(self.credit(), self.parts)
    }

    /// Cost per part a gateway took; `None` when none took any.
    pub fn unit_cost(&self) -> Option<Money> {
        per(self.cost, self.taken)
    }
}

fn per(amount: Money, count: u64) -> Option<Money> {
    let count = i64::try_from(count).ok().filter(|&count| count > 0)?;
    Some(Money::from_micros(amount.micros() / count))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    #[test]
    fn credit_margin_and_unit_figures_come_from_the_counts() {
        let mut tally = Tally::default();
        // A two-part message and a one-part one at 0.05 a part; the
        // gateway takes two parts at 0.02 and refuses the third.
        tally.accept(true, money("0.05"));
        tally.accept(false, money("0.05"));
        tally.accept(true, money("0.05"));
        tally.take(money("0.02"));
        tally.take(money("0.02"));
        tally.finish(Ending::Delivered, Money::ZERO);
        tally.finish(Ending::of(MessageState::Undeliverable), Money::ZERO);
        tally.finish(Ending::of(MessageState::Rejected), money("0.05"));
        assert_eq!((tally.messages, tally.parts, tally.taken), (2, 3, 2));
        assert_eq!(tally.failed(), 2);
        assert_eq!(tally.credit(), money("0.10"));
        assert_eq!(tally.margin(), money("0.06"));
        assert_eq!(tally.delivery_ratio(), Some(1.0 / 3.0));
        assert_eq!(tally.unit_price(), Some(money("0.033333")));
        assert_eq!(tally.unit_cost(), Some(money("0.02")));
        assert_eq!(Tally::default().delivery_ratio(), None);
        assert_eq!(Tally::default().unit_cost(), None);
    }

    #[test]
    fn a_withdrawn_part_leaves_nothing_and_never_wraps() {
        let mut tally = Tally::default();
        tally.accept(true, money("0.05"));
        tally.withdraw(true, money("0.05"));
        assert_eq!(tally, Tally::default());
        tally.withdraw(true, money("0.05"));
        assert_eq!((tally.messages, tally.parts), (0, 0));
    }

    proptest! {
        #[test]
        fn merging_is_adding(
            a in proptest::collection::vec((any::<bool>(), 0i64..1_000_000, 0u8..5), 0..40),
            b in proptest::collection::vec((any::<bool>(), 0i64..1_000_000, 0u8..5), 0..40),
        ) {
            let fill = |items: &[(bool, i64, u8)], tally: &mut Tally| {
                for &(first, micros, end) in items {
                    let ending = [Ending::Delivered, Ending::Undelivered, Ending::Expired, Ending::Rejected, Ending::Other][usize::from(end)];
                    tally.accept(first, Money::from_micros(micros));
                    tally.take(Money::from_micros(micros / 3));
                    tally.finish(ending, Money::from_micros(micros / 7));
                }
            };
            let (mut left, mut right, mut both) = (Tally::default(), Tally::default(), Tally::default());
            fill(&a, &mut left);
            fill(&b, &mut right);
            fill(&a, &mut both);
            fill(&b, &mut both);
            left.merge(&right);
            prop_assert_eq!(&left, &both);
            prop_assert_eq!(left.delivered + left.failed(), (a.len() + b.len()) as u64);
        }
    }
}
