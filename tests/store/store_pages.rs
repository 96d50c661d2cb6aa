//! The store's paged reads and retention's purge: a page of a mailbox, of
//! the outbox, of the archive and of contacts (by account, by group, by
//! selection) is the same whether its items sit in sled or still in the
//! journal's pending writes, removals included; a mailbox
//! is counted without reading it; a purged message leaves no key behind.

use chrono::{DateTime, TimeZone, Utc};
use pasarela::contacts::{Contact, GroupName, Selection};
use pasarela::lists::ListedNumber;
use pasarela::model::{
    AccountId, Address, GatewayName, Message, MessageId, MessageState, Npi, Ton, UpstreamId,
};
use pasarela::store::{
    Batch, CallbackRequest, MailboxItem, MailboxKey, OutboxItem, Store, StoreConfig,
};

fn at(second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, second).unwrap()
}

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(StoreConfig::new(dir.path().join("store"))).unwrap()
}

fn key(account: &AccountId, sequence: u64) -> MailboxKey {
    MailboxKey {
        account: account.clone(),
        sequence,
    }
}

fn receipt(id: u64) -> MailboxItem {
    MailboxItem::Receipt {
        message: MessageId::new(id),
    }
}

fn sequences(page: &[(MailboxKey, MailboxItem)]) -> Vec<u64> {
    page.iter().map(|(key, _)| key.sequence).collect()
}

#[test]
fn mailbox_pages_see_sled_and_pending_writes_alike() {
    let dir = tempfile::tempdir().unwrap();
    let demo = AccountId::new("demo").unwrap();
    let other = AccountId::new("demox").unwrap();
    let store = open(&dir);
    let mut batch = Batch::new();
    for sequence in 1..=6 {
        batch.put_mailbox(&key(&demo, sequence), &receipt(sequence));
        batch.put_mailbox(&key(&other, sequence), &receipt(sequence));
    }
    store.commit(batch).wait().unwrap();
    store.close().unwrap();

    // Now in sled; removals and new items only in the pending writes.
    let store = open(&dir);
    let mut batch = Batch::new();
    batch
        .remove_mailbox(&key(&demo, 1))
        .remove_mailbox(&key(&demo, 2))
        .remove_mailbox(&key(&demo, 4))
        .put_mailbox(&key(&demo, 9), &receipt(9));
    store.commit(batch).wait().unwrap();

    let page = |after, limit| sequences(&store.mailbox_page(&demo, after, limit).unwrap());
    assert_eq!(page(None, 2), [3, 5]);
    assert_eq!(page(Some(5), 2), [6, 9]);
    assert_eq!(page(Some(9), 2), Vec::<u64>::new());
    assert_eq!(page(Some(u64::MAX), 2), Vec::<u64>::new());
    assert_eq!(page(None, usize::MAX), [3, 5, 6, 9]);
    assert_eq!(store.mailbox_len(&demo).unwrap(), 4);
    assert_eq!(store.mailbox_len(&other).unwrap(), 6);
    store.close().unwrap();
}

fn callback(id: u64) -> OutboxItem {
    OutboxItem {
        id,
        account: AccountId::new("demo").unwrap(),
        message: MessageId::new(id),
        request: CallbackRequest::Get {
            url: format!("http://example.com/dlr?id={id}"),
        },
        attempts: 0,
        last_error: None,
        queued_at: at(0),
    }
}

#[test]
fn outbox_pages_follow_event_ids_past_removals() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let mut batch = Batch::new();
    for id in 1..=5 {
        batch.put_outbox(&callback(id)).unwrap();
    }
    store.commit(batch).wait().unwrap();
    store.close().unwrap();
    let store = open(&dir);
    let mut batch = Batch::new();
    batch
        .remove_outbox(1)
        .remove_outbox(3)
        .put_outbox(&callback(7))
        .unwrap();
    store.commit(batch).wait().unwrap();
    let page = |after, limit| -> Vec<u64> {
        store
            .outbox_page(after, limit)
            .unwrap()
            .into_iter()
            .map(|item| item.unwrap().id)
            .collect()
    };
    assert_eq!(page(None, 2), [2, 4]);
    assert_eq!(page(Some(4), 10), [5, 7]);
    assert_eq!(page(Some(7), 10), Vec::<u64>::new());
    store.close().unwrap();
}

fn delivered(id: u64, gateway: &GatewayName) -> Message {
    let mut message = Message::new(
        MessageId::new(id),
        AccountId::new("demo").unwrap(),
        Address::alphanumeric("Shop").unwrap(),
        Address::new(Ton::International, Npi::Isdn, "34600123456").unwrap(),
        b"hi".to_vec(),
        at(0),
    );
    message.gateway = Some(gateway.clone());
    message.upstream_id = Some(UpstreamId::new(format!("up-{id}")).unwrap());
    for state in [
        MessageState::Routed,
        MessageState::Submitted,
        MessageState::Delivered,
    ] {
        message.transition(state, at(1)).unwrap();
    }
    message
}

#[test]
fn a_purged_message_leaves_no_record_index_or_upstream_id() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = GatewayName::new("sim").unwrap();
    let demo = AccountId::new("demo").unwrap();
    let store = open(&dir);
    let mut batch = Batch::new();
    for id in 1..=3 {
        let message = delivered(id, &gateway);
        batch.insert_message(&message).put_upstream_id(
            &gateway,
            message.upstream_id.as_ref().unwrap(),
            message.id,
        );
    }
    store.commit(batch).wait().unwrap();

    let archived = store.archived(None, 2).unwrap();
    let ids: Vec<u64> = archived.iter().map(|(id, _)| id.value()).collect();
    assert_eq!(ids, [1, 2]);
    let first = archived[0].1.as_ref().unwrap().clone();
    let mut batch = Batch::new();
    batch.purge_message(&first);
    store.commit(batch).wait().unwrap();
    store.close().unwrap();

    let store = open(&dir);
    assert_eq!(store.message(MessageId::new(1)).unwrap(), None);
    let upstream = first.upstream_id.unwrap();
    assert_eq!(
        store.message_for_upstream(&gateway, &upstream).unwrap(),
        None
    );
    let listed: Vec<u64> = store
        .account_messages(&demo, None, 10)
        .unwrap()
        .into_iter()
        .map(MessageId::value)
        .collect();
    assert_eq!(listed, [3, 2]);
    let rest: Vec<u64> = store
        .archived(None, 10)
        .unwrap()
        .iter()
        .map(|(id, _)| id.value())
        .collect();
    assert_eq!(rest, [2, 3]);
    store.close().unwrap();
}

fn contact(n: u64, groups: &[&str]) -> Contact {
    let mut contact = Contact::new(ListedNumber::from_value(34_600_000_000 + n).unwrap());
    contact.groups = groups
        .iter()
        .map(|name| GroupName::parse(name).unwrap())
        .collect();
    contact
}

fn contact_numbers(contacts: &[Contact]) -> Vec<u64> {
    contacts
        .iter()
        .map(|contact| contact.number.value() - 34_600_000_000)
        .collect()
}

#[test]
fn contact_pages_groups_and_selections_see_sled_and_pending_writes_alike() {
    let dir = tempfile::tempdir().unwrap();
    let shop = AccountId::new("shop").unwrap();
    let store = open(&dir);
    let mut batch = Batch::new();
    for n in 1..=6 {
        batch.put_contact(&shop, &contact(n, &["vip"]), None);
    }
    store.commit(batch).wait().unwrap();
    store.close().unwrap();

    // In sled now; the changes below only in the pending writes.
    let store = open(&dir);
    let mut batch = Batch::new();
    batch
        .remove_contact(&shop, &contact(1, &["vip"]))
        .put_contact(&shop, &contact(3, &["press"]), Some(&contact(3, &["vip"])))
        .put_contact(&shop, &contact(8, &["vip", "press"]), None);
    store.commit(batch).wait().unwrap();

    let vip = GroupName::parse("vip").unwrap();
    let press = GroupName::parse("press").unwrap();
    let page = |after: Option<u64>, limit| {
        let after = after.map(|n| ListedNumber::from_value(34_600_000_000 + n).unwrap());
        contact_numbers(&store.contacts_page(&shop, after, limit).unwrap())
    };
    assert_eq!(page(None, 2), [2, 3]);
    assert_eq!(page(Some(3), 10), [4, 5, 6, 8]);
    assert_eq!(
        contact_numbers(&store.group_page(&shop, &vip, None, 10).unwrap()),
        [2, 4, 5, 6, 8]
    );
    let selection = Selection::new(vec![press.clone(), vip], Vec::new()).unwrap();
    let selected = store.selected_page(&shop, &selection, None, 100).unwrap();
    assert_eq!(contact_numbers(&selected.contacts), [2, 3, 4, 5, 6, 8]);
    assert_eq!(selected.next, None);
    let groups: Vec<(String, u64)> = store
        .groups(&shop)
        .unwrap()
        .into_iter()
        .map(|group| (group.name.to_string(), group.members))
        .collect();
    assert_eq!(groups, [("press".into(), 2), ("vip".into(), 5)]);
    store.close().unwrap();
}
