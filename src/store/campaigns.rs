//! Campaigns' records (trees `campaigns` and `campaign_recipients`). Each
//! part of a campaign has one writer, so no two actors ever rewrite the
//! same key: the definition is written once when it is made, the state by
//! its actor, the tally and each recipient's outcome by its account's
//! actor in the batches that create the recipient's messages.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `campaigns` | `def` 0x00 id u64 big-endian | [`Definition`] |
//! | `campaigns` | `state` 0x00 id | [`StateRecord`] |
//! | `campaigns` | `tally` 0x00 id | [`Tally`] |
//! | `campaigns` | `reach` 0x00 account 0x00 sender 0x00 number | [`Reach`]: the campaign that last wrote to a number from a sender |
//! | `campaign_recipients` | id u64 big-endian, index u64 big-endian | [`Recipient`] |

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Store;
use super::batch::Batch;
use super::codec::{self, TreeId};
use super::error::{KeyHex, StoreError};
use crate::campaigns::{Definition, Recipient, State, Tally};
use crate::model::{AccountId, CampaignId, timestamp};

const DEFINITION: &[u8] = b"def\0";
const STATE: &[u8] = b"state\0";
const TALLY: &[u8] = b"tally\0";
const REACH: &[u8] = b"reach\0";

/// A campaign's state, and how far its actor has walked its recipients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateRecord {
    /// Where it is in its life.
    pub state: State,
    /// Every recipient before this index has had its turn; those from it
    /// on are looked at again after a restart (an outcome already stored
    /// is not acted on twice).
    pub cursor: u64,
    /// When the state was last changed.
    #[serde(with = "timestamp")]
    pub since: DateTime<Utc>,
}

/// The campaign that last sent a message to a number from a sender, and
/// until when an MO from that number to that sender is a reply to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reach {
    /// The campaign.
    pub campaign: CampaignId,
    /// The end of its reply window.
    #[serde(with = "timestamp")]
    pub until: DateTime<Utc>,
}

fn keyed(prefix: &[u8], id: CampaignId) -> Vec<u8> {
    let mut key = prefix.to_vec();
    key.extend_from_slice(&id.to_be_bytes());
    key
}

fn reach_key(account: &AccountId, sender: &str, number: &str) -> Vec<u8> {
    let mut key = REACH.to_vec();
    for part in [account.as_str(), sender, number] {
        key.extend_from_slice(part.as_bytes());
        key.push(0);
    }
    key
}

fn recipient_key(id: CampaignId, index: u64) -> Vec<u8> {
    let mut key = id.to_be_bytes().to_vec();
    key.extend_from_slice(&index.to_be_bytes());
    key
}

impl Batch {
    /// A campaign just made (its recipients are put beside it).
    pub fn put_campaign(&mut self, definition: &Definition) -> &mut Batch {
        self.put(
            TreeId::Campaigns,
            keyed(DEFINITION, definition.id),
            definition,
            true,
        )
    }

    /// A campaign's state (its actor's).
    pub fn put_campaign_state(&mut self, id: CampaignId, state: &StateRecord) -> &mut Batch {
        self.put(TreeId::Campaigns, keyed(STATE, id), state, false)
    }

    /// A campaign's results (its account actor's).
    pub fn put_campaign_tally(&mut self, id: CampaignId, tally: &Tally) -> &mut Batch {
        self.put(TreeId::Campaigns, keyed(TALLY, id), tally, false)
    }

    /// Recipient `index` of campaign `id`, with its outcome once it has one.
    pub fn put_recipient(
        &mut self,
        id: CampaignId,
        index: u64,
        recipient: &Recipient,
    ) -> &mut Batch {
        self.put(
            TreeId::CampaignRecipients,
            recipient_key(id, index),
            recipient,
            false,
        )
    }

    /// Records that `reach.campaign` wrote to `number` from `sender`.
    pub fn put_reach(
        &mut self,
        account: &AccountId,
        sender: &str,
        number: &str,
        reach: &Reach,
    ) -> &mut Batch {
        self.put(
            TreeId::Campaigns,
            reach_key(account, sender, number),
            reach,
            false,
        )
    }
}

impl Store {
    /// A campaign as made.
    pub fn campaign(&self, id: CampaignId) -> Result<Option<Definition>, StoreError> {
        self.get(TreeId::Campaigns, &keyed(DEFINITION, id))
    }

    /// A campaign's state; `None` only for a campaign that does not exist.
    pub fn campaign_state(&self, id: CampaignId) -> Result<Option<StateRecord>, StoreError> {
        self.get(TreeId::Campaigns, &keyed(STATE, id))
    }

    /// A campaign's results so far (all zero before its first recipient).
    pub fn campaign_tally(&self, id: CampaignId) -> Result<Tally, StoreError> {
        Ok(self
            .get(TreeId::Campaigns, &keyed(TALLY, id))?
            .unwrap_or_default())
    }

    /// Up to `limit` campaigns from id `from` on, in id order (every
    /// account's; the caller keeps those it may see).
    pub fn campaigns_page(
        &self,
        from: CampaignId,
        limit: usize,
    ) -> Result<Vec<Definition>, StoreError> {
        let tree = TreeId::Campaigns;
        self.scan_page(tree, DEFINITION, &keyed(DEFINITION, from), limit)?
            .into_iter()
            .map(|(key, bytes)| codec::decode(tree, &key, &bytes))
            .collect()
    }

    /// Every campaign, in id order, read a page at a time (at start, and
    /// for the API's listing).
    pub fn campaigns(&self) -> Result<Vec<Definition>, StoreError> {
        let mut all = Vec::new();
        loop {
            let from = all
                .last()
                .map_or(CampaignId(0), |last: &Definition| CampaignId(last.id.0 + 1));
            let page = self.campaigns_page(from, 500)?;
            if page.is_empty() {
                return Ok(all);
            }
            all.extend(page);
        }
    }

    /// Up to `limit` recipients of campaign `id` from `from` on, with
    /// their indexes.
    pub fn recipients_page(
        &self,
        id: CampaignId,
        from: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Recipient)>, StoreError> {
        let tree = TreeId::CampaignRecipients;
        self.scan_page(tree, &id.to_be_bytes(), &recipient_key(id, from), limit)?
            .into_iter()
            .map(|(key, bytes)| {
                let index = key
                    .get(8..16)
                    .and_then(|index| <[u8; 8]>::try_from(index).ok())
                    .map(u64::from_be_bytes)
                    .ok_or_else(|| StoreError::Corrupt {
                        tree: tree.name(),
                        key: KeyHex(key.to_vec()),
                        reason: "not a campaign id and an index".to_owned(),
                    })?;
                Ok((index, codec::decode(tree, &key, &bytes)?))
            })
            .collect()
    }

    /// The campaign that last wrote to `number` from `sender`.
    pub fn reach(
        &self,
        account: &AccountId,
        sender: &str,
        number: &str,
    ) -> Result<Option<Reach>, StoreError> {
        self.get(TreeId::Campaigns, &reach_key(account, sender, number))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaigns::{Audience, Estimate, Outcome, SkipReason};
    use crate::model::Address;
    use crate::store::StoreConfig;

    #[test]
    fn a_campaigns_records_read_back_and_recipients_page_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path().join("store"))).unwrap();
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let account = AccountId::new("shop").unwrap();
        let definition = |id| Definition {
            id: CampaignId(id),
            account: account.clone(),
            name: format!("c{id}"),
            from: Address::alphanumeric("Shop").unwrap(),
            text: "Hi {{name}}".into(),
            audience: Audience::default(),
            start_at: None,
            tps: 0,
            quiet_hours: None,
            time_zone: "UTC".into(),
            validity_minutes: None,
            reply_window_hours: 72,
            created_at: at,
            total: 3,
            estimate: Estimate::default(),
        };
        let mut batch = Batch::new();
        for id in [258, 7] {
            batch.put_campaign(&definition(id));
        }
        for index in [2u64, 0, 1, 256] {
            batch.put_recipient(
                CampaignId(7),
                index,
                &Recipient {
                    number: format!("3460000000{index}"),
                    text: "Hi".into(),
                    outcome: (index == 1).then_some(Outcome::Skipped(SkipReason::Dnd)),
                },
            );
        }
        batch.put_recipient(
            CampaignId(8),
            0,
            &Recipient {
                number: "1".into(),
                text: String::new(),
                outcome: None,
            },
        );
        let state = StateRecord {
            state: State::Running,
            cursor: 1,
            since: at,
        };
        let tally = Tally {
            sent: 1,
            ..Tally::default()
        };
        let reach = Reach {
            campaign: CampaignId(7),
            until: at,
        };
        batch
            .put_campaign_state(CampaignId(7), &state)
            .put_campaign_tally(CampaignId(7), &tally)
            .put_reach(&account, "34911000000", "34600000001", &reach);
        store.commit(batch).wait().unwrap();

        assert_eq!(store.campaign(CampaignId(7)).unwrap(), Some(definition(7)));
        assert_eq!(store.campaign_state(CampaignId(7)).unwrap(), Some(state));
        assert_eq!(store.campaign_tally(CampaignId(7)).unwrap(), tally);
        assert_eq!(
            store.campaign_tally(CampaignId(258)).unwrap(),
            Tally::default()
        );
        assert_eq!(
            store
                .campaigns_page(CampaignId(0), 10)
                .unwrap()
                .iter()
                .map(|campaign| campaign.id)
                .collect::<Vec<_>>(),
            [CampaignId(7), CampaignId(258)]
        );
        let page = store.recipients_page(CampaignId(7), 1, 2).unwrap();
        assert_eq!(
            page.iter().map(|(index, _)| *index).collect::<Vec<_>>(),
            [1, 2]
        );
        assert_eq!(page[0].1.outcome, Some(Outcome::Skipped(SkipReason::Dnd)));
        let rest = store.recipients_page(CampaignId(7), 3, 10).unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].0, 256);
        assert_eq!(
            store.reach(&account, "34911000000", "34600000001").unwrap(),
            Some(reach)
        );
        assert_eq!(store.reach(&account, "Shop", "34600000001").unwrap(), None);
    }
}
