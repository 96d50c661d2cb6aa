//! The typed trees against a naive model: random sequences of writes,
//! grouped into random batches, with clean reopens in between, must leave
//! the store reading exactly what plain `BTreeMap`s and `Vec`s say.

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone, Utc};
use pasarela::model::{
    AccountId, Address, GatewayName, Message, MessageId, MessageState, Money, Npi, Ton, UpstreamId,
};
use pasarela::store::{
    Batch, LedgerEntry, LedgerKind, MailboxItem, MailboxKey, Store, StoreConfig,
};
use proptest::prelude::*;

/// "a" and "ab" share a prefix on purpose: scans must keep them apart.
const ACCOUNTS: [&str; 3] = ["a", "ab", "b"];
const GATEWAYS: [&str; 2] = ["g", "g2"];

#[derive(Clone, Debug)]
enum Action {
    /// Store message `id` for `account`, moved `steps` along ACCEPTED →
    /// ROUTED → SUBMITTED → DELIVERED (so some are final, some not).
    PutMessage {
        id: u8,
        account: usize,
        steps: usize,
        payload: Vec<u8>,
    },
    SetBalance {
        account: usize,
        micros: i64,
    },
    AppendLedger {
        account: usize,
        delta: i64,
    },
    PutUpstream {
        gateway: usize,
        upstream: u8,
        message: u8,
    },
    PushMailbox {
        account: usize,
        message: u8,
    },
    /// Remove the `index`-th (modulo) committed mailbox item of `account`.
    RemoveMailbox {
        account: usize,
        index: usize,
    },
    /// Commit the batch built so far and wait until it is durable.
    Commit,
    /// Commit, close the store cleanly, open it again.
    Reopen,
}

fn action() -> impl Strategy<Value = Action> {
    let account = 0..ACCOUNTS.len();
    prop_oneof![
        4 => (0..8u8, account.clone(), 0..4usize, proptest::collection::vec(any::<u8>(), 0..40))
            .prop_map(|(id, account, steps, payload)| Action::PutMessage { id, account, steps, payload }),
        2 => (account.clone(), any::<i64>()).prop_map(|(account, micros)| Action::SetBalance { account, micros }),
        2 => (account.clone(), -1_000_000..1_000_000i64).prop_map(|(account, delta)| Action::AppendLedger { account, delta }),
        2 => (0..GATEWAYS.len(), 0..6u8, 0..8u8)
            .prop_map(|(gateway, upstream, message)| Action::PutUpstream { gateway, upstream, message }),
        2 => (account.clone(), any::<u8>()).prop_map(|(account, message)| Action::PushMailbox { account, message }),
        1 => (account, any::<usize>()).prop_map(|(account, index)| Action::RemoveMailbox { account, index }),
        3 => Just(Action::Commit),
        1 => Just(Action::Reopen),
    ]
}

fn account(index: usize) -> AccountId {
    AccountId::new(ACCOUNTS[index]).unwrap()
}

fn message(id: u8, account_index: usize, steps: usize, payload: Vec<u8>) -> Message {
    let at = Utc.with_ymd_and_hms(2026, 5, 1, 8, 0, 0).unwrap();
    let mut message = Message::new(
        MessageId::new(u64::from(id)),
        account(account_index),
        Address::alphanumeric("Shop").unwrap(),
        Address::new(Ton::International, Npi::Isdn, "34600123456").unwrap(),
        payload,
        at,
    );
    message.price = Money::from_micros(350_000);
    let path = [
        MessageState::Routed,
        MessageState::Submitted,
        MessageState::Delivered,
    ];
    for (step, state) in path.into_iter().take(steps).enumerate() {
        message
            .transition(state, at + Duration::milliseconds(step as i64 + 1))
            .unwrap();
    }
    message
}

/// What the store should hold. Mailbox items carry the sequence number the
/// store gave them once committed (`None` while pending).
#[derive(Default)]
struct Model {
    messages: BTreeMap<MessageId, Message>,
    balances: BTreeMap<AccountId, Money>,
    ledger: BTreeMap<AccountId, Vec<LedgerEntry>>,
    upstream: BTreeMap<(GatewayName, UpstreamId), MessageId>,
    mailbox: BTreeMap<AccountId, Vec<(u64, MailboxItem)>>,
}

/// A write in the batch being built, to apply to the model at commit.
enum Pending {
    Message(Box<Message>),
    Balance(AccountId, Money),
    Ledger(LedgerEntry),
    Upstream(GatewayName, UpstreamId, MessageId),
    Push(MailboxKey, MailboxItem),
    Remove(MailboxKey),
}

impl Model {
    fn apply(&mut self, pending: Vec<Pending>) {
        for write in pending {
            match write {
                Pending::Message(message) => {
                    self.messages.insert(message.id, *message);
                }
                Pending::Balance(account, balance) => {
                    self.balances.insert(account, balance);
                }
                Pending::Ledger(entry) => self
                    .ledger
                    .entry(entry.account.clone())
                    .or_default()
                    .push(entry),
                Pending::Upstream(gateway, upstream, id) => {
                    self.upstream.insert((gateway, upstream), id);
                }
                Pending::Push(key, item) => self
                    .mailbox
                    .entry(key.account)
                    .or_default()
                    .push((key.sequence, item)),
                Pending::Remove(key) => {
                    if let Some(items) = self.mailbox.get_mut(&key.account) {
                        items.retain(|(sequence, _)| *sequence != key.sequence);
                    }
                }
            }
        }
    }

    /// Checks the store against the model.
    fn check(&mut self, store: &Store) -> Result<(), TestCaseError> {
        for (id, message) in &self.messages {
            prop_assert_eq!(store.message(*id).unwrap(), Some(message.clone()));
        }
        for id in 0..8u64 {
            let id = MessageId::new(id);
            if !self.messages.contains_key(&id) {
                prop_assert_eq!(store.message(id).unwrap(), None);
            }
        }
        let unfinished: Vec<MessageId> = store
            .unfinished_messages()
            .map(|message| message.unwrap().id)
            .collect();
        let expected: Vec<MessageId> = self
            .messages
            .values()
            .filter(|message| !message.state().is_final())
            .map(|message| message.id)
            .collect();
        prop_assert_eq!(unfinished, expected);
        for index in 0..ACCOUNTS.len() {
            let account = account(index);
            prop_assert_eq!(
                store.account_balance(&account).unwrap(),
                self.balances.get(&account).copied()
            );
            prop_assert_eq!(
                store.ledger(&account).unwrap(),
                self.ledger.get(&account).cloned().unwrap_or_default()
            );
            let stored = store.mailbox(&account).unwrap();
            let items = self.mailbox.entry(account.clone()).or_default();
            prop_assert_eq!(stored.len(), items.len());
            for ((key, stored_item), (sequence, item)) in stored.iter().zip(items.iter()) {
                prop_assert_eq!(&key.account, &account);
                prop_assert_eq!(stored_item, item);
                prop_assert_eq!(key.sequence, *sequence);
            }
            let sequences: Vec<u64> = stored.iter().map(|(key, _)| key.sequence).collect();
            prop_assert!(sequences.windows(2).all(|pair| pair[0] < pair[1]));
        }
        for ((gateway, upstream), id) in &self.upstream {
            prop_assert_eq!(
                store.message_for_upstream(gateway, upstream).unwrap(),
                Some(*id)
            );
        }
        Ok(())
    }
}

fn run(actions: Vec<Action>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let open = || {
        let mut config = StoreConfig::new(dir.path().join("db"));
        config.commit_interval = std::time::Duration::ZERO;
        Store::open(config).unwrap()
    };
    let mut store = open();
    let mut model = Model::default();
    let mut batch = Batch::new();
    let mut pending = Vec::new();
    let at = Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap();
    for action in actions.into_iter().chain([Action::Commit]) {
        match action {
            Action::PutMessage {
                id,
                account,
                steps,
                payload,
            } => {
                let message = message(id, account, steps, payload);
                batch.put_message(&message);
                pending.push(Pending::Message(Box::new(message)));
            }
            Action::SetBalance {
                account: index,
                micros,
            } => {
                let balance = Money::from_micros(micros);
                batch.set_balance(&account(index), balance);
                pending.push(Pending::Balance(account(index), balance));
            }
            Action::AppendLedger {
                account: index,
                delta,
            } => {
                let entry = LedgerEntry {
                    account: account(index),
                    kind: if delta < 0 {
                        LedgerKind::Reserve
                    } else {
                        LedgerKind::TopUp
                    },
                    delta: Money::from_micros(delta),
                    balance: Money::from_micros(delta * 2),
                    message: u64::try_from(delta).ok().map(MessageId::new),
                    at,
                    reason: None,
                };
                batch.append_ledger(&entry);
                pending.push(Pending::Ledger(entry));
            }
            Action::PutUpstream {
                gateway,
                upstream,
                message,
            } => {
                let gateway = GatewayName::new(GATEWAYS[gateway]).unwrap();
                let upstream = UpstreamId::new(format!("u{upstream}")).unwrap();
                let id = MessageId::new(u64::from(message));
                batch.put_upstream_id(&gateway, &upstream, id);
                pending.push(Pending::Upstream(gateway, upstream, id));
            }
            Action::PushMailbox {
                account: index,
                message,
            } => {
                let item = MailboxItem::Receipt {
                    message: MessageId::new(u64::from(message)),
                };
                let key = MailboxKey {
                    account: account(index),
                    sequence: store.next_sequence().unwrap(),
                };
                batch.put_mailbox(&key, &item);
                pending.push(Pending::Push(key, item));
            }
            Action::RemoveMailbox {
                account: index,
                index: nth,
            } => {
                let committed = store.mailbox(&account(index)).unwrap();
                if !committed.is_empty() {
                    let (key, _) = &committed[nth % committed.len()];
                    batch.remove_mailbox(key);
                    pending.push(Pending::Remove(key.clone()));
                }
            }
            Action::Commit | Action::Reopen => {
                store.commit(std::mem::take(&mut batch)).wait().unwrap();
                model.apply(std::mem::take(&mut pending));
                if matches!(action, Action::Reopen) {
                    store.close().unwrap();
                    store = open();
                }
                model.check(&store)?;
            }
        }
    }
    store.close().unwrap();
    let store = open();
    model.check(&store)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn store_reads_what_a_naive_model_says(actions in proptest::collection::vec(action(), 0..60)) {
        run(actions)?;
    }
}
