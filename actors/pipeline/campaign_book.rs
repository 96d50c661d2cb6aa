//! The account actor's book of its campaigns' results: every change of a
//! campaign's [`Tally`] and of a recipient's outcome is written in the
//! batch that causes it (the batch creating the recipient's messages, the
//! one recording its skip, a message's final state, an MO reply), and
//! only the account actor writes them, so the counts are exact across
//! crashes and never race.
//!
//! The tallies of the campaigns the actor has touched are held in memory,
//! read from the store the first time (every batch of an earlier life of
//! the actor is durable by then: the restart waits for them).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{DateTime, Duration, Utc};

use crate::actors::protocol::account::CampaignTurn;
use crate::campaigns::{Outcome, SkipReason, Tally};
use crate::model::{
    AccountId, Address, CampaignId, Message, MessageId, MessageState, Money, Msisdn, Ton,
};
use crate::store::{Batch, InboundMessage, Reach, Store, StoreError};

/// What happened to one recipient's turn, for [`CampaignBook::record_turn`].
pub enum TurnResult<'a> {
    /// Its messages were created (their ids, what they were charged);
    /// `unroutable`: no route covers the number, so they failed at once.
    Sent {
        ids: &'a [MessageId],
        charged: Money,
        unroutable: bool,
    },
    /// No message, for this reason.
    Skipped(SkipReason),
}

/// The tallies of one account's campaigns.
#[derive(Default)]
pub struct CampaignBook {
    tallies: HashMap<CampaignId, Tally>,
}

impl CampaignBook {
    fn tally(&mut self, store: &Store, id: CampaignId) -> Result<&mut Tally, StoreError> {
        Ok(match self.tallies.entry(id) {
            Entry::Occupied(held) => held.into_mut(),
            Entry::Vacant(empty) => empty.insert(store.campaign_tally(id)?),
        })
    }

    /// Writes the outcome of `turn` and the campaign's tally into `batch`;
    /// a sent turn also records whom the campaign reached from which
    /// number, so that replies count (`reply_window`).
    pub fn record_turn(
        &mut self,
        store: &Store,
        batch: &mut Batch,
        account: &AccountId,
        turn: &CampaignTurn,
        result: TurnResult<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tally = self.tally(store, turn.campaign)?;
        let outcome = match result {
            TurnResult::Sent {
                ids,
                charged,
                unroutable,
            } => {
                let parts = u32::try_from(ids.len()).unwrap_or(u32::MAX);
                tally.sent += 1;
                tally.parts += u64::from(parts);
                tally.cost = tally.cost.checked_add(charged).unwrap_or(tally.cost);
                if unroutable {
                    tally.failed += 1;
                }
                let first = ids.first().copied().unwrap_or(MessageId::new(0));
                Outcome::Sent { first, parts }
            }
            TurnResult::Skipped(reason) => {
                tally.skipped.add(reason);
                Outcome::Skipped(reason)
            }
        };
        let tally = *tally;
        let mut recipient = turn.recipient.clone();
        recipient.outcome = Some(outcome);
        batch
            .put_recipient(turn.campaign, turn.index, &recipient)
            .put_campaign_tally(turn.campaign, &tally);
        if let (Outcome::Sent { .. }, Some(ours), Some(theirs)) = (
            outcome,
            reply_address(&turn.from),
            Msisdn::parse(&recipient.number).ok(),
        ) {
            let until = now + Duration::hours(i64::from(turn.reply_window_hours));
            batch.put_reach(
                account,
                &ours,
                theirs.digits(),
                &Reach {
                    campaign: turn.campaign,
                    until,
                },
            );
        }
        Ok(())
    }

    /// Counts a campaign message's final state (its first part stands for
    /// the recipient) and a refund of its price, into `batch`.
    pub fn record_final(
        &mut self,
        store: &Store,
        batch: &mut Batch,
        message: &Message,
        refunded: Money,
    ) -> Result<(), StoreError> {
        let Some(id) = message.campaign else {
            return Ok(());
        };
        let first_part = message.part.is_none_or(|part| part.seq() == 1);
        if !first_part && refunded == Money::ZERO {
            return Ok(());
        }
        let tally = self.tally(store, id)?;
        if first_part {
            if message.state() == MessageState::Delivered {
                tally.delivered += 1;
            } else {
                tally.failed += 1;
            }
        }
        tally.cost = tally.cost.checked_sub(refunded).unwrap_or(tally.cost);
        let tally = *tally;
        batch.put_campaign_tally(id, &tally);
        Ok(())
    }

    /// Counts `mo` as a reply to the campaign that last wrote to its
    /// sender from the number it was sent to, while within that
    /// campaign's reply window (`stop`: a stop word, an opt-out).
    pub fn record_mo(
        &mut self,
        store: &Store,
        batch: &mut Batch,
        account: &AccountId,
        mo: &InboundMessage,
        stop: bool,
    ) -> Result<(), StoreError> {
        let (Some(ours), Ok(theirs)) = (
            mo.destination.as_deref().map(normalised),
            Msisdn::parse(&mo.source),
        ) else {
            return Ok(());
        };
        let Some(reach) = store.reach(account, &ours, theirs.digits())? else {
            return Ok(());
        };
        if mo.received_at > reach.until {
            return Ok(());
        }
        let tally = self.tally(store, reach.campaign)?;
        if stop {
            tally.opt_outs += 1;
        } else {
            tally.replies += 1;
        }
        let tally = *tally;
        batch.put_campaign_tally(reach.campaign, &tally);
        Ok(())
    }

    /// Forgets what is held in memory: a batch failed, so the store's
    /// tallies are the truth again.
    pub fn forget(&mut self) {
        self.tallies.clear();
    }
}

/// The number replies to a campaign from `from` are sent to; `None` for
/// an alphanumeric sender, which cannot be replied to.
fn reply_address(from: &Address) -> Option<String> {
    (from.ton() != Ton::Alphanumeric).then(|| normalised(from.text()))
}

/// A number as both sides of a reply name it: an international number's
/// digits, anything else (a short code) as written.
fn normalised(number: &str) -> String {
    Msisdn::parse(number)
        .map(|msisdn| msisdn.digits().to_owned())
        .unwrap_or_else(|_| number.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaigns::Recipient;
    use crate::model::GatewayName;
    use crate::store::StoreConfig;

    fn mo(from: &str, to: &str, at: DateTime<Utc>) -> InboundMessage {
        InboundMessage {
            gateway: GatewayName::new("sim").unwrap(),
            fingerprint: "f".into(),
            source: from.into(),
            dcs: 0,
            body: b"ok".to_vec(),
            text: Some("ok".into()),
            parts: 1,
            complete: true,
            sent_at: at,
            received_at: at,
            destination: Some(to.into()),
            part: None,
        }
    }

    #[test]
    fn replies_and_stops_within_the_window_count_for_the_campaign() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path().join("store"))).unwrap();
        let account = AccountId::new("shop").unwrap();
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let turn = |from: &str| CampaignTurn {
            campaign: CampaignId(9),
            index: 0,
            recipient: Recipient {
                number: "+34600000001".into(),
                text: "Hi".into(),
                outcome: None,
            },
            from: crate::api::sender(from).unwrap(),
            reply_window_hours: 2,
        };
        let mut book = CampaignBook::default();
        let mut batch = Batch::new();
        let sent = TurnResult::Sent {
            ids: &[MessageId::new(5)],
            charged: Money::from_units(1).unwrap(),
            unroutable: false,
        };
        book.record_turn(
            &store,
            &mut batch,
            &account,
            &turn("+34911000000"),
            sent,
            now,
        )
        .unwrap();
        store.commit(batch).wait().unwrap();
        let mut batch = Batch::new();
        for (from, to, after, stop) in [
            // A reply, written as the SMSC writes numbers.
            ("0034600000001", "34911000000", 1, false),
            ("34600000001", "+34911000000", 1, true),
            // Past the window, another number, another sender: nothing.
            ("34600000001", "34911000000", 3, false),
            ("34600000002", "34911000000", 1, false),
            ("34600000001", "34911000009", 1, false),
        ] {
            let at = now + Duration::hours(after);
            book.record_mo(&store, &mut batch, &account, &mo(from, to, at), stop)
                .unwrap();
        }
        store.commit(batch).wait().unwrap();
        let tally = store.campaign_tally(CampaignId(9)).unwrap();
        assert_eq!((tally.sent, tally.replies, tally.opt_outs), (1, 1, 1));
        assert_eq!(tally.cost, Money::from_units(1).unwrap());

        // An alphanumeric sender cannot be replied to: no reach is kept.
        let mut other = turn("Shop");
        other.campaign = CampaignId(10);
        other.recipient.number = "34600000003".into();
        let mut batch = Batch::new();
        let sent = TurnResult::Sent {
            ids: &[MessageId::new(6)],
            charged: Money::ZERO,
            unroutable: false,
        };
        book.record_turn(&store, &mut batch, &account, &other, sent, now)
            .unwrap();
        store.commit(batch).wait().unwrap();
        assert_eq!(store.reach(&account, "Shop", "34600000003").unwrap(), None);
    }
}
