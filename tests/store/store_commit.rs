//! The store's contract to its callers: what is committed is read back
//! after a clean reopen, batches apply in the order they were handed in,
//! threads and async tasks can commit side by side, and a batch that cannot
//! be encoded changes nothing.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use pasarela::model::{
    AccountId, Address, GatewayName, Message, MessageId, MessageState, Money, Npi, Ton, UpstreamId,
};
use pasarela::store::{
    Batch, Durability, LedgerEntry, LedgerKind, MailboxItem, MailboxKey, Store, StoreConfig,
    StoreError,
};

fn at(second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, second).unwrap()
}

fn account(name: &str) -> AccountId {
    AccountId::new(name).unwrap()
}

fn message(id: MessageId, account: &AccountId) -> Message {
    let mut message = Message::new(
        id,
        account.clone(),
        Address::alphanumeric("Shop").unwrap(),
        Address::new(Ton::International, Npi::Isdn, "+34 600 123 456").unwrap(),
        b"your code is 1234".to_vec(),
        at(0),
    );
    message.price = Money::from_micros(1_000_000);
    message.registered_delivery = 1;
    message
}

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(StoreConfig::new(dir.path().join("store"))).unwrap()
}

#[test]
fn everything_committed_is_read_back_after_a_clean_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let demo = account("demo");
    let gateway = GatewayName::new("operator-a").unwrap();
    let upstream = UpstreamId::new("5f2a-77").unwrap();

    let store = open(&dir);
    let mut delivered = message(store.next_message_id().unwrap(), &demo);
    let pending = message(store.next_message_id().unwrap(), &demo);
    let mut batch = Batch::new();
    batch
        .put_message(&delivered)
        .put_message(&pending)
        .set_balance(&demo, Money::from_micros(98_000_000))
        .append_ledger(&LedgerEntry {
            account: demo.clone(),
            kind: LedgerKind::Reserve,
            delta: Money::from_micros(-2_000_000),
            balance: Money::from_micros(98_000_000),
            message: Some(delivered.id),
            at: at(0),
            reason: None,
        });
    store.commit(batch).wait().unwrap();

    delivered.transition(MessageState::Routed, at(1)).unwrap();
    delivered
        .transition(MessageState::Submitted, at(2))
        .unwrap();
    delivered.upstream_id = Some(upstream.clone());
    delivered.gateway = Some(gateway.clone());
    delivered
        .transition(MessageState::Delivered, at(3))
        .unwrap();
    let mut batch = Batch::new();
    batch
        .put_message(&delivered)
        .put_upstream_id(&gateway, &upstream, delivered.id)
        .put_mailbox(
            &MailboxKey {
                account: demo.clone(),
                sequence: store.next_sequence().unwrap(),
            },
            &MailboxItem::Receipt {
                message: delivered.id,
            },
        );
    store.commit(batch).wait().unwrap();
    store.close().unwrap();

    let store = open(&dir);
    assert_eq!(
        store.message(delivered.id).unwrap(),
        Some(delivered.clone())
    );
    assert_eq!(store.message(pending.id).unwrap(), Some(pending.clone()));
    assert_eq!(store.message(MessageId::new(u64::MAX)).unwrap(), None);
    assert_eq!(
        store.account_balance(&demo).unwrap(),
        Some(Money::from_micros(98_000_000))
    );
    assert_eq!(store.account_balance(&account("nobody")).unwrap(), None);
    assert_eq!(store.ledger(&demo).unwrap().len(), 1);
    assert_eq!(
        store.message_for_upstream(&gateway, &upstream).unwrap(),
        Some(delivered.id)
    );
    let other_gateway = GatewayName::new("sim").unwrap();
    assert_eq!(
        store
            .message_for_upstream(&other_gateway, &upstream)
            .unwrap(),
        None
    );
    let unfinished: Vec<Message> = store
        .unfinished_messages()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(unfinished, vec![pending]);
    let mailbox = store.mailbox(&demo).unwrap();
    assert_eq!(mailbox.len(), 1);
    assert_eq!(
        mailbox[0].1,
        MailboxItem::Receipt {
            message: delivered.id
        }
    );

    let mut batch = Batch::new();
    assert!(batch.is_empty());
    batch.remove_mailbox(&mailbox[0].0);
    assert!(!batch.is_empty());
    store.commit(batch).wait().unwrap();
    assert!(store.mailbox(&demo).unwrap().is_empty());
    store.close().unwrap();
}

#[test]
fn message_ids_keep_increasing_across_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let mut last = None;
    for _ in 0..3 {
        let store = open(&dir);
        for _ in 0..10 {
            let id = store.next_message_id().unwrap();
            assert!(last.is_none_or(|last| id > last), "{id} after {last:?}");
            last = Some(id);
        }
        store.close().unwrap();
    }
}

/// One writer pipelines many commits without waiting, across many small
/// groups: the balance must end at the last value handed in, and ledger
/// entries must follow the order they were handed in.
#[test]
fn batches_apply_in_the_order_they_were_handed_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = StoreConfig::new(dir.path().join("store"));
    config.max_batch = 3;
    config.commit_interval = Duration::from_micros(200);
    let store = Store::open(config).unwrap();
    let demo = account("demo");
    let pending: Vec<_> = (0..300)
        .map(|i| {
            let mut batch = Batch::new();
            batch
                .set_balance(&demo, Money::from_micros(i))
                .append_ledger(&LedgerEntry {
                    account: demo.clone(),
                    kind: LedgerKind::TopUp,
                    delta: Money::from_micros(i),
                    balance: Money::from_micros(i),
                    message: None,
                    at: at(0),
                    reason: None,
                });
            store.commit(batch)
        })
        .collect();
    for durable in pending {
        durable.wait().unwrap();
    }
    assert_eq!(
        store.account_balance(&demo).unwrap(),
        Some(Money::from_micros(299))
    );
    let deltas: Vec<i64> = store
        .ledger(&demo)
        .unwrap()
        .iter()
        .map(|entry| entry.delta.micros())
        .collect();
    assert_eq!(deltas, (0..300).collect::<Vec<_>>());
    store.close().unwrap();
}

/// Plain threads wait, async tasks await, on the same store at once.
#[test]
fn threads_and_async_tasks_commit_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(&dir));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            thread::spawn(move || {
                let account = account(&format!("thread{t}"));
                for i in 0..50 {
                    let message = message(store.next_message_id().unwrap(), &account);
                    let mut batch = Batch::new();
                    batch
                        .put_message(&message)
                        .set_balance(&account, Money::from_micros(i));
                    store.commit(batch).wait().unwrap();
                }
            })
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let local = tokio::task::LocalSet::new();
        for t in 0..8 {
            let store = store.clone();
            local.spawn_local(async move {
                let account = account(&format!("task{t}"));
                for i in 0..50 {
                    let message = message(store.next_message_id().unwrap(), &account);
                    let mut batch = Batch::new();
                    batch
                        .put_message(&message)
                        .set_balance(&account, Money::from_micros(i));
                    store.commit(batch).await.unwrap();
                }
            });
        }
        tokio::time::timeout(Duration::from_secs(60), local)
            .await
            .unwrap();
    });
    for thread in threads {
        thread.join().unwrap();
    }
    let store = Arc::into_inner(store).unwrap();
    let count = store.unfinished_messages().count();
    assert_eq!(count, 12 * 50);
    for name in ["thread0", "thread3", "task0", "task7"] {
        assert_eq!(
            store.account_balance(&account(name)).unwrap(),
            Some(Money::from_micros(49))
        );
    }
    store.close().unwrap();
}

#[test]
fn a_batch_that_cannot_be_encoded_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let demo = account("demo");
    let mut message = message(store.next_message_id().unwrap(), &demo);
    // Nanoseconds since 1970 in an i64 end in 2262.
    message.validity = Some(Utc.with_ymd_and_hms(2300, 1, 1, 0, 0, 0).unwrap());
    let mut batch = Batch::new();
    batch
        .set_balance(&demo, Money::from_micros(5))
        .put_message(&message);
    let error = store.commit(batch).wait().unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Encode {
                tree: "messages",
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(store.account_balance(&demo).unwrap(), None);
    assert_eq!(store.message(message.id).unwrap(), None);
    store.close().unwrap();
}

/// Closing answers every commit already handed in, and they are on disk.
#[test]
fn close_finishes_queued_commits() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = StoreConfig::new(dir.path().join("store"));
    config.durability = Durability::Power;
    config.max_batch = 7;
    let store = Store::open(config.clone()).unwrap();
    let demo = account("demo");
    let ids: Vec<MessageId> = (0..100).map(|_| store.next_message_id().unwrap()).collect();
    let pending: Vec<_> = ids
        .iter()
        .map(|&id| {
            let mut batch = Batch::new();
            batch.put_message(&message(id, &demo));
            store.commit(batch)
        })
        .collect();
    store.close().unwrap();
    for durable in pending {
        durable.wait().unwrap();
    }
    let store = Store::open(config).unwrap();
    for id in ids {
        assert!(store.message(id).unwrap().is_some(), "{id}");
    }
    store.close().unwrap();
}

/// Ledger entries of one account in one group share stored values, split
/// where a value would outgrow the record limit; they read back in order.
#[test]
fn many_ledger_entries_in_one_group_read_back_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let demo = account("demo");
    let other = account("demo2");
    let mut batch = Batch::new();
    for i in 0..5_000 {
        let account = if i % 1_000 == 999 { &other } else { &demo };
        batch.append_ledger(&LedgerEntry {
            account: account.clone(),
            kind: LedgerKind::Reserve,
            delta: Money::from_micros(-i),
            balance: Money::from_micros(i),
            message: Some(MessageId::new(u64::try_from(i).unwrap())),
            at: at(0),
            reason: None,
        });
    }
    store.commit(batch).wait().unwrap();
    store.close().unwrap();
    let store = open(&dir);
    let deltas = |account: &AccountId| -> Vec<i64> {
        store
            .ledger(account)
            .unwrap()
            .iter()
            .map(|entry| -entry.delta.micros())
            .collect()
    };
    let expected: Vec<i64> = (0..5_000).filter(|i| i % 1_000 != 999).collect();
    assert_eq!(deltas(&demo), expected);
    assert_eq!(deltas(&other), vec![999, 1999, 2999, 3999, 4999]);
    store.close().unwrap();
}

/// Close and reopen at once, many times: sled releases its file lock a
/// moment after the last handle drops, and `Store::open` must wait that out.
#[test]
fn reopening_right_after_close_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let demo = account("demo");
    for i in 0..40 {
        let store = open(&dir);
        if i > 0 {
            assert_eq!(
                store.account_balance(&demo).unwrap(),
                Some(Money::from_micros(i - 1))
            );
        }
        let mut batch = Batch::new();
        batch.set_balance(&demo, Money::from_micros(i));
        store.commit(batch).wait().unwrap();
        store.close().unwrap();
    }
}

/// A second store on the same directory is refused (after the short wait
/// for a lock being released), not opened beside the first.
#[test]
fn a_store_in_use_is_not_opened_twice() {
    let dir = tempfile::tempdir().unwrap();
    let first = open(&dir);
    let started = std::time::Instant::now();
    let second = Store::open(StoreConfig::new(dir.path().join("store")));
    assert!(matches!(second, Err(StoreError::Database { .. })));
    assert!(started.elapsed() < Duration::from_secs(10));
    first.close().unwrap();
}
