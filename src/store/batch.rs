//! `Batch`: the typed writes one writer hands to the group committer. A
//! batch is the unit of atomicity: after a crash either all of it is in the
//! store or none of it.
//!
//! Values are encoded here, on the writer's thread, so the single commit
//! thread only applies bytes. An encoding failure is kept and returned by
//! `Store::commit`, so the builder methods chain without a `?` each.

use super::admin_objects::{
    StoredAccount, StoredContentRule, StoredGateway, StoredMoRoute, StoredRoute,
};
use super::codec::{self, TreeId};
use super::error::StoreError;
use super::records::{ApiKey, InboundMessage, LedgerEntry, MailboxItem, MailboxKey, Vote};
use crate::mo_apps::autoreply::Autoreply;
use crate::mo_apps::poll::Poll;
use crate::model::{AccountId, GatewayName, Message, MessageId, Money, UpstreamId};

/// `message`'s key in the index by destination number.
pub(super) fn number_entry(message: &Message) -> Vec<u8> {
    codec::number_key(
        &message.destination.comparable(),
        message.id,
        &message.account,
    )
}

/// One write, as bytes.
pub(super) enum Op {
    /// `fresh`: the key has never existed before (see `journal::Write`).
    Put {
        tree: TreeId,
        key: Vec<u8>,
        value: Vec<u8>,
        fresh: bool,
    },
    Remove {
        tree: TreeId,
        key: Vec<u8>,
    },
    /// Put under `prefix` followed by a fresh id (big-endian) given at
    /// commit time, so that keys follow commit order; `entry` (encoded
    /// without a version byte) may share its key with the other entries the
    /// same group logs under `prefix`.
    Log {
        tree: TreeId,
        prefix: Vec<u8>,
        entry: Vec<u8>,
    },
}

/// Writes that become durable together, or not at all.
#[derive(Default)]
pub struct Batch {
    pub(super) ops: Vec<Op>,
    pub(super) error: Option<StoreError>,
}

impl Batch {
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Whether nothing has been added (a caller may skip the commit).
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Stores `message` as it is now (insert or replace). A message in a
    /// final state moves to the archive; one message has one writer at a
    /// time (the actor that holds it), which never writes an older state
    /// over a newer one.
    pub fn put_message(&mut self, message: &Message) -> &mut Batch {
        self.write_message(message, false)
    }

    /// Stores a message under an id never stored before (one just taken
    /// from [`Store::next_message_id`](super::Store::next_message_id)).
    /// The store can then drop a message that finishes before its next
    /// checkpoint from the in-flight tree without ever writing it there.
    /// The message is also indexed under its account and under its
    /// destination number (two more keys), for
    /// [`Store::account_messages`](super::Store::account_messages) and
    /// [`Store::number_messages`](super::Store::number_messages): in this
    /// batch, so an index entry is durable exactly when its message is.
    pub fn insert_message(&mut self, message: &Message) -> &mut Batch {
        self.write_message(message, true)
    }

    fn write_message(&mut self, message: &Message, new: bool) -> &mut Batch {
        if new {
            let index =
                codec::sequenced_key(&codec::account_prefix(&message.account), message.id.value());
            self.put(TreeId::AccountMessages, index, &(), true);
            self.put(TreeId::NumberMessages, number_entry(message), &(), true);
        }
        let key = codec::message_key(message.id).to_vec();
        if message.state().is_final() {
            self.ops.push(Op::Remove {
                tree: TreeId::Messages,
                key: key.clone(),
            });
            self.put(TreeId::Archive, key, message, new)
        } else {
            self.put(TreeId::Messages, key, message, new)
        }
    }

    /// Sets an account's credit balance. The account actor holds the
    /// balance and hands in the new value; batches commit in the order they
    /// are handed in, so the last one handed in is the one that stays.
    pub fn set_balance(&mut self, account: &AccountId, balance: Money) -> &mut Batch {
        self.put(
            TreeId::Balances,
            codec::account_key(account),
            &balance,
            false,
        )
    }

    /// Appends to the account's credit ledger.
    pub fn append_ledger(&mut self, entry: &LedgerEntry) -> &mut Batch {
        let tree = TreeId::Ledger;
        let prefix = codec::account_prefix(&entry.account);
        match codec::encode_entry(tree, &prefix, entry) {
            Ok(entry) => self.ops.push(Op::Log {
                tree,
                prefix,
                entry,
            }),
            Err(error) => self.fail(error),
        }
        self
    }

    /// Records which of our messages `gateway` knows as `upstream`, so its
    /// receipts find their message until the final one.
    pub fn put_upstream_id(
        &mut self,
        gateway: &GatewayName,
        upstream: &UpstreamId,
        message: MessageId,
    ) -> &mut Batch {
        self.put(
            TreeId::UpstreamIds,
            codec::upstream_key(gateway, upstream),
            &message,
            false,
        )
    }

    /// Forgets which message `gateway` knows as `upstream`, once its final
    /// receipt came: the index holds only messages still waiting for one,
    /// so sled keeps no key for it per finished message (and an entry put
    /// and removed between two checkpoints costs sled a lookup, no write).
    pub fn remove_upstream_id(
        &mut self,
        gateway: &GatewayName,
        upstream: &UpstreamId,
    ) -> &mut Batch {
        self.ops.push(Op::Remove {
            tree: TreeId::UpstreamIds,
            key: codec::upstream_key(gateway, upstream),
        });
        self
    }

    /// Queues `item` for the account's next bound receiver. Items are
    /// delivered in key order; take `key.sequence` from
    /// [`Store::next_sequence`](super::Store::next_sequence) so that order
    /// is the order they were queued in.
    pub fn put_mailbox(&mut self, key: &MailboxKey, item: &MailboxItem) -> &mut Batch {
        let prefix = codec::account_prefix(&key.account);
        // Sequences are never reused: the key is new.
        self.put(
            TreeId::Mailbox,
            codec::sequenced_key(&prefix, key.sequence),
            item,
            true,
        )
    }

    /// Stores a received (MO) message under its gateway and fingerprint:
    /// the same message stored twice is one record.
    pub fn put_inbound(&mut self, message: &InboundMessage) -> &mut Batch {
        self.put(
            TreeId::Inbox,
            codec::inbound_key(&message.gateway, &message.fingerprint),
            message,
            false,
        )
    }

    /// Takes a received (MO) message out of `inbox` (MO routing, in the
    /// batch that puts it in an account's mailbox).
    pub fn remove_inbound(&mut self, gateway: &GatewayName, fingerprint: &str) -> &mut Batch {
        self.ops.push(Op::Remove {
            tree: TreeId::Inbox,
            key: codec::inbound_key(gateway, fingerprint),
        });
        self
    }

    /// Stores an account as the admin API left it (replacing any before).
    pub fn put_stored_account(&mut self, account: &StoredAccount) -> &mut Batch {
        self.put(
            TreeId::AdminObjects,
            codec::admin_account_key(&account.system_id),
            account,
            false,
        )
    }

    /// Stores a route as the admin API left it, present or deleted.
    pub fn put_stored_route(&mut self, route: &StoredRoute) -> &mut Batch {
        self.put(
            TreeId::AdminObjects,
            codec::admin_route_key(route.key()),
            route,
            false,
        )
    }

    /// Stores a gateway as the admin API left it (replacing any before).
    pub fn put_stored_gateway(&mut self, gateway: &StoredGateway) -> &mut Batch {
        self.put(
            TreeId::AdminObjects,
            codec::admin_gateway_key(&gateway.name),
            gateway,
            false,
        )
    }

    /// Stores an MO route as the admin API left it, present or deleted.
    pub fn put_stored_mo_route(&mut self, route: &StoredMoRoute) -> &mut Batch {
        self.put(
            TreeId::AdminObjects,
            codec::admin_mo_route_key(&route.number, route.keyword.as_deref()),
            route,
            false,
        )
    }

    /// Stores an autoreply rule as the admin API left it.
    pub fn put_stored_autoreply(&mut self, rule: &Autoreply) -> &mut Batch {
        let key = codec::admin_named_key(codec::ADMIN_AUTOREPLY_PREFIX, &rule.name);
        self.put(TreeId::AdminObjects, key, rule, false)
    }

    /// Deletes an autoreply rule.
    pub fn remove_stored_autoreply(&mut self, name: &str) -> &mut Batch {
        self.ops.push(Op::Remove {
            tree: TreeId::AdminObjects,
            key: codec::admin_named_key(codec::ADMIN_AUTOREPLY_PREFIX, name),
        });
        self
    }

    /// Stores a poll as the admin API left it.
    pub fn put_stored_poll(&mut self, poll: &Poll) -> &mut Batch {
        let key = codec::admin_named_key(codec::ADMIN_POLL_PREFIX, &poll.id);
        self.put(TreeId::AdminObjects, key, poll, false)
    }

    /// Deletes a poll (its votes are removed with [`Batch::remove_vote`]).
    pub fn remove_stored_poll(&mut self, id: &str) -> &mut Batch {
        self.ops.push(Op::Remove {
            tree: TreeId::AdminObjects,
            key: codec::admin_named_key(codec::ADMIN_POLL_PREFIX, id),
        });
        self
    }

    /// Records `voter`'s vote in `poll`, replacing an earlier one: put in
    /// the batch of the MO that carried it, so the vote is counted once.
    pub fn put_vote(&mut self, poll: &str, voter: &str, vote: &Vote) -> &mut Batch {
        self.put(TreeId::Votes, codec::vote_key(poll, voter), vote, false)
    }

    /// Removes `voter`'s vote in `poll` (the poll is deleted).
    pub fn remove_vote(&mut self, poll: &str, voter: &str) -> &mut Batch {
        self.ops.push(Op::Remove {
            tree: TreeId::Votes,
            key: codec::vote_key(poll, voter),
        });
        self
    }

    /// Stores a content rule as the admin API left it, present or deleted.
    pub fn put_stored_content_rule(&mut self, rule: &StoredContentRule) -> &mut Batch {
        self.put(
            TreeId::AdminObjects,
            codec::admin_content_rule_key(&rule.name),
            rule,
            false,
        )
    }

    /// Stores the hash of the admin password generated at first start.
    pub fn put_admin_password(&mut self, hash: &crate::auth::PasswordHash) -> &mut Batch {
        self.put(
            TreeId::AdminObjects,
            codec::ADMIN_PASSWORD_KEY.to_vec(),
            hash,
            false,
        )
    }

    /// Stores the end of the reserved numbers (see `sequence`).
    pub(super) fn reserve_sequence(&mut self, until: u64) -> &mut Batch {
        self.put(TreeId::Meta, codec::SEQUENCE_KEY.to_vec(), &until, false)
    }

    /// Stores a customer's API key under the SHA-256 of the key.
    pub fn put_api_key(&mut self, digest: &[u8; 32], key: &ApiKey) -> &mut Batch {
        self.put(TreeId::ApiKeys, digest.to_vec(), key, true)
    }

    /// Revokes an API key.
    pub fn remove_api_key(&mut self, digest: &[u8; 32]) -> &mut Batch {
        self.ops.push(Op::Remove {
            tree: TreeId::ApiKeys,
            key: digest.to_vec(),
        });
        self
    }

    /// Removes a mailbox item once it has been delivered.
    pub fn remove_mailbox(&mut self, key: &MailboxKey) -> &mut Batch {
        let prefix = codec::account_prefix(&key.account);
        self.ops.push(Op::Remove {
            tree: TreeId::Mailbox,
            key: codec::sequenced_key(&prefix, key.sequence),
        });
        self
    }

    /// Indexes an existing message under its number (the background
    /// indexing of messages stored before the index existed).
    pub(super) fn put_number_entry(&mut self, message: &Message) -> &mut Batch {
        self.put(TreeId::NumberMessages, number_entry(message), &(), false)
    }

    pub(super) fn put<T: serde::Serialize>(
        &mut self,
        tree: TreeId,
        key: Vec<u8>,
        value: &T,
        fresh: bool,
    ) -> &mut Batch {
        match codec::encode(tree, &key, value) {
            Ok(value) => self.ops.push(Op::Put {
                tree,
                key,
                value,
                fresh,
            }),
            Err(error) => self.fail(error),
        }
        self
    }

    /// Keeps the first error: it is the one the caller must see.
    fn fail(&mut self, error: StoreError) {
        self.error.get_or_insert(error);
    }
}
