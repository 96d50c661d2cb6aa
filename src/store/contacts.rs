//! Each account's contacts and the members of its groups (SPEC §6.2):
//! two trees whose keys end in the contact's number, so every listing is
//! a key range in number order, read a bounded page at a time.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `contacts` | account 0x00 number u64 big-endian | the contact's name, fields and groups |
//! | `group_members` | account 0x00 group 0x00 number u64 big-endian | `()`: an index entry |
//!
//! A group name holds no control character, so `group 0x00` is an exact
//! prefix. A contact's record names its groups, and its membership keys
//! are written in the same batch ([`Batch::put_contact`]), so the two
//! agree after any crash. Writers of one account's contacts must not
//! interleave a read and the write that follows it (the HTTP API takes
//! them one at a time): `put_contact` is handed the contact as stored.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::batch::{Batch, Op};
use super::codec::{self, TreeId};
use super::database::Store;
use super::error::{KeyHex, StoreError};
use crate::contacts::{Contact, GroupName, Selection};
use crate::lists::ListedNumber;
use crate::model::AccountId;

/// A contact's record: everything but the number, which is its key.
type Record = (
    Option<String>,
    BTreeMap<String, String>,
    BTreeSet<GroupName>,
);

/// How many candidates [`Store::selected_page`] may examine per contact
/// it is asked for, before it answers with what it found.
const EXAMINED_PER_SELECTED: usize = 10;

/// The most keys a selection reads from one range at once.
const MOST_READ_AT_ONCE: usize = 1000;

/// How many membership keys [`Store::groups`] reads at once.
const GROUP_SCAN_PAGE: usize = 10_000;

/// One group of an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupSummary {
    pub name: GroupName,
    /// Its contacts.
    pub members: u64,
}

/// One page of a selection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectedPage {
    /// The selected contacts in number order.
    pub contacts: Vec<Contact>,
    /// The `after` of the next page; `None`: the selection ends here.
    pub next: Option<ListedNumber>,
}

impl Batch {
    /// Stores `contact` of `account` (replacing the one with its number)
    /// and its memberships. `previous` is the contact as stored (`None`
    /// for a new one): the groups it leaves lose their membership keys,
    /// and only the groups it joins get new ones.
    pub fn put_contact(
        &mut self,
        account: &AccountId,
        contact: &Contact,
        previous: Option<&Contact>,
    ) -> &mut Batch {
        let record = (&contact.name, &contact.fields, &contact.groups);
        self.put(
            TreeId::Contacts,
            contact_key(account, contact.number),
            &record,
            false,
        );
        let before = previous.map(|previous| &previous.groups);
        for group in &contact.groups {
            if before.is_none_or(|before| !before.contains(group)) {
                self.put(
                    TreeId::GroupMembers,
                    member_key(account, group, contact.number),
                    &(),
                    false,
                );
            }
        }
        for group in before.into_iter().flatten() {
            if !contact.groups.contains(group) {
                self.remove_member(account, group, contact.number);
            }
        }
        self
    }

    /// Deletes `contact` (as stored) of `account` and its memberships.
    pub fn remove_contact(&mut self, account: &AccountId, contact: &Contact) -> &mut Batch {
        self.ops.push(Op::Remove {
            tree: TreeId::Contacts,
            key: contact_key(account, contact.number),
        });
        for group in &contact.groups {
            self.remove_member(account, group, contact.number);
        }
        self
    }

    fn remove_member(&mut self, account: &AccountId, group: &GroupName, number: ListedNumber) {
        self.ops.push(Op::Remove {
            tree: TreeId::GroupMembers,
            key: member_key(account, group, number),
        });
    }
}

impl Store {
    /// The contact of `account` with `number`, if it has one.
    pub fn contact(
        &self,
        account: &AccountId,
        number: ListedNumber,
    ) -> Result<Option<Contact>, StoreError> {
        let found: Option<Record> = self.get(TreeId::Contacts, &contact_key(account, number))?;
        Ok(found.map(|record| contact(number, record)))
    }

    /// Up to `limit` of the account's contacts after `after` (from the
    /// first when `None`), in number order.
    pub fn contacts_page(
        &self,
        account: &AccountId,
        after: Option<ListedNumber>,
        limit: usize,
    ) -> Result<Vec<Contact>, StoreError> {
        NumberRange::contacts(account, after).read_contacts(self, limit)
    }

    /// Up to `limit` of the contacts in `group` after `after` (from the
    /// first when `None`), in number order.
    pub fn group_page(
        &self,
        account: &AccountId,
        group: &GroupName,
        after: Option<ListedNumber>,
        limit: usize,
    ) -> Result<Vec<Contact>, StoreError> {
        let numbers = NumberRange::members(account, group, after).read_numbers(self, limit)?;
        let mut contacts = Vec::with_capacity(numbers.len());
        for number in numbers {
            contacts.extend(self.contact(account, number)?);
        }
        Ok(contacts)
    }

    /// Up to `limit` (at least 1) of the contacts `selection` picks after
    /// `after`, in number order: the members of its groups, each once (a
    /// merge of the groups' key ranges), or every contact when it names
    /// none, that meet its conditions. It examines at most ten candidates
    /// per contact asked for, so a selection few contacts meet costs a
    /// bounded read per call: the page may then hold fewer than `limit`,
    /// even none, with `next` saying where to go on. `next` is `None` once
    /// the candidates are exhausted.
    pub fn selected_page(
        &self,
        account: &AccountId,
        selection: &Selection,
        after: Option<ListedNumber>,
        limit: usize,
    ) -> Result<SelectedPage, StoreError> {
        let limit = limit.max(1);
        let budget = limit.saturating_mul(EXAMINED_PER_SELECTED);
        let chunk = budget.min(MOST_READ_AT_ONCE);
        let mut candidates = Candidates::new(account, selection, after);
        let mut contacts = Vec::new();
        let mut examined = 0;
        while let Some((number, candidate)) = candidates.next(self, account, chunk)? {
            examined += 1;
            if let Some(candidate) = candidate.filter(|candidate| selection.matches(candidate)) {
                contacts.push(candidate);
            }
            if contacts.len() == limit || examined == budget {
                return Ok(SelectedPage {
                    contacts,
                    next: Some(number),
                });
            }
        }
        Ok(SelectedPage {
            contacts,
            next: None,
        })
    }

    /// The account's groups by name, each with its member count. Counts
    /// by reading every membership key of the account, a page at a time:
    /// a second or so for a million memberships, memory for the answer
    /// only.
    pub fn groups(&self, account: &AccountId) -> Result<Vec<GroupSummary>, StoreError> {
        let tree = TreeId::GroupMembers;
        let prefix = codec::account_prefix(account);
        let mut from = prefix.clone();
        let mut groups: Vec<GroupSummary> = Vec::new();
        loop {
            let page = self.scan_page(tree, &prefix, &from, GROUP_SCAN_PAGE)?;
            for (key, _) in &page {
                let name = member_group(&prefix, key)?;
                match groups.last_mut() {
                    Some(last) if last.name == name => last.members += 1,
                    _ => groups.push(GroupSummary { name, members: 1 }),
                }
            }
            match page.last() {
                Some((last, _)) if page.len() == GROUP_SCAN_PAGE => {
                    from = last.to_vec();
                    from.push(0);
                }
                _ => return Ok(groups),
            }
        }
    }
}

/// A key range whose keys end in a number: an account's contacts, or a
/// group's members, read on from where the last read stopped.
struct NumberRange {
    tree: TreeId,
    prefix: Vec<u8>,
    from: Vec<u8>,
    exhausted: bool,
}

impl NumberRange {
    fn new(tree: TreeId, prefix: Vec<u8>, after: Option<ListedNumber>) -> NumberRange {
        let from = match after {
            // Numbers have at most 15 digits: the next one fits.
            Some(after) => codec::sequenced_key(&prefix, after.value() + 1),
            None => prefix.clone(),
        };
        NumberRange {
            tree,
            prefix,
            from,
            exhausted: false,
        }
    }

    fn contacts(account: &AccountId, after: Option<ListedNumber>) -> NumberRange {
        NumberRange::new(TreeId::Contacts, codec::account_prefix(account), after)
    }

    fn members(account: &AccountId, group: &GroupName, after: Option<ListedNumber>) -> NumberRange {
        NumberRange::new(TreeId::GroupMembers, members_prefix(account, group), after)
    }

    /// Up to `limit` keys' numbers and values from where the last read
    /// stopped.
    fn read(
        &mut self,
        store: &Store,
        limit: usize,
    ) -> Result<Vec<(ListedNumber, sled::IVec)>, StoreError> {
        if self.exhausted {
            return Ok(Vec::new());
        }
        let page = store.scan_page(self.tree, &self.prefix, &self.from, limit)?;
        self.exhausted = page.len() < limit;
        let mut read = Vec::with_capacity(page.len());
        for (key, value) in page {
            let number = codec::decode_sequence(self.tree, &key, self.prefix.len())?;
            let number = ListedNumber::from_value(number).ok_or_else(|| StoreError::Corrupt {
                tree: self.tree.name(),
                key: KeyHex(key.to_vec()),
                reason: "not a number a contact has".to_string(),
            })?;
            self.from = codec::sequenced_key(&self.prefix, number.value() + 1);
            read.push((number, value));
        }
        Ok(read)
    }

    fn read_numbers(
        &mut self,
        store: &Store,
        limit: usize,
    ) -> Result<Vec<ListedNumber>, StoreError> {
        Ok(self
            .read(store, limit)?
            .into_iter()
            .map(|(number, _)| number)
            .collect())
    }

    fn read_contacts(&mut self, store: &Store, limit: usize) -> Result<Vec<Contact>, StoreError> {
        self.read(store, limit)?
            .into_iter()
            .map(|(number, value)| {
                let key = codec::sequenced_key(&self.prefix, number.value());
                let record = codec::decode(self.tree, &key, &value)?;
                Ok(contact(number, record))
            })
            .collect()
    }
}

/// Where a selection's candidates come from, in number order.
enum Candidates {
    /// Every contact of the account, read a chunk at a time.
    All {
        range: NumberRange,
        read: VecDeque<Contact>,
    },
    /// The members of the groups, merged: each range with the numbers
    /// read from it and not yet taken.
    Groups(Vec<(NumberRange, VecDeque<ListedNumber>)>),
}

impl Candidates {
    fn new(account: &AccountId, selection: &Selection, after: Option<ListedNumber>) -> Candidates {
        if selection.groups.is_empty() {
            return Candidates::All {
                range: NumberRange::contacts(account, after),
                read: VecDeque::new(),
            };
        }
        let groups: BTreeSet<&GroupName> = selection.groups.iter().collect();
        Candidates::Groups(
            groups
                .into_iter()
                .map(|group| (NumberRange::members(account, group, after), VecDeque::new()))
                .collect(),
        )
    }

    /// The next candidate's number and contact (`None` for a membership
    /// whose contact is gone), reading `chunk` keys of a range at a time.
    fn next(
        &mut self,
        store: &Store,
        account: &AccountId,
        chunk: usize,
    ) -> Result<Option<(ListedNumber, Option<Contact>)>, StoreError> {
        match self {
            Candidates::All { range, read } => {
                if read.is_empty() {
                    read.extend(range.read_contacts(store, chunk)?);
                }
                Ok(read
                    .pop_front()
                    .map(|contact| (contact.number, Some(contact))))
            }
            Candidates::Groups(ranges) => {
                let mut least = None;
                for (range, read) in ranges.iter_mut() {
                    if read.is_empty() {
                        read.extend(range.read_numbers(store, chunk)?);
                    }
                    if let Some(&head) = read.front() {
                        least = Some(least.map_or(head, |least: ListedNumber| least.min(head)));
                    }
                }
                let Some(number) = least else {
                    return Ok(None);
                };
                for (_, read) in ranges.iter_mut() {
                    if read.front() == Some(&number) {
                        read.pop_front();
                    }
                }
                Ok(Some((number, store.contact(account, number)?)))
            }
        }
    }
}

fn contact(number: ListedNumber, (name, fields, groups): Record) -> Contact {
    Contact {
        number,
        name,
        fields,
        groups,
    }
}

fn contact_key(account: &AccountId, number: ListedNumber) -> Vec<u8> {
    codec::sequenced_key(&codec::account_prefix(account), number.value())
}

/// `account 0x00 group 0x00`: the prefix of a group's membership keys.
fn members_prefix(account: &AccountId, group: &GroupName) -> Vec<u8> {
    let mut prefix = codec::account_prefix(account);
    prefix.extend_from_slice(group.as_str().as_bytes());
    prefix.push(0);
    prefix
}

fn member_key(account: &AccountId, group: &GroupName, number: ListedNumber) -> Vec<u8> {
    codec::sequenced_key(&members_prefix(account, group), number.value())
}

/// The group of a membership key under the account's `prefix`.
fn member_group(prefix: &[u8], key: &[u8]) -> Result<GroupName, StoreError> {
    let corrupt = |reason: &str| StoreError::Corrupt {
        tree: TreeId::GroupMembers.name(),
        key: KeyHex(key.to_vec()),
        reason: reason.to_string(),
    };
    let rest = key.get(prefix.len()..).unwrap_or_default();
    let group = match rest.len().checked_sub(9) {
        Some(end) if rest[end] == 0 => &rest[..end],
        _ => return Err(corrupt("no group, 0x00 and number after the account")),
    };
    std::str::from_utf8(group)
        .ok()
        .and_then(|group| GroupName::parse(group).ok())
        .ok_or_else(|| corrupt("not a group name"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreConfig;

    fn number(n: u64) -> ListedNumber {
        ListedNumber::from_value(34_600_000_000 + n).unwrap()
    }

    fn group(name: &str) -> GroupName {
        GroupName::parse(name).unwrap()
    }

    fn person(n: u64, groups: &[&str]) -> Contact {
        let mut contact = Contact::new(number(n));
        contact.name = Some(format!("person {n}"));
        contact.fields.insert("n".into(), n.to_string());
        contact.groups = groups.iter().map(|name| group(name)).collect();
        contact
    }

    fn numbers(contacts: &[Contact]) -> Vec<u64> {
        contacts
            .iter()
            .map(|contact| contact.number.value() - 34_600_000_000)
            .collect()
    }

    #[test]
    fn contacts_and_their_groups_are_kept_together_and_read_in_number_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path().join("store"))).unwrap();
        let shop = AccountId::new("shop").unwrap();
        let shopper = AccountId::new("shopper").unwrap();
        let mut batch = Batch::new();
        for n in [3, 1, 2] {
            batch.put_contact(&shop, &person(n, &["vip"]), None);
        }
        batch.put_contact(&shop, &person(4, &["press"]), None);
        batch.put_contact(&shopper, &person(1, &["vip"]), None);
        store.commit(batch).wait().unwrap();

        assert_eq!(
            store.contact(&shop, number(2)).unwrap(),
            Some(person(2, &["vip"]))
        );
        assert_eq!(store.contact(&shop, number(9)).unwrap(), None);
        let first = store.contacts_page(&shop, None, 2).unwrap();
        assert_eq!(numbers(&first), [1, 2]);
        let rest = store.contacts_page(&shop, Some(number(2)), 10).unwrap();
        assert_eq!(numbers(&rest), [3, 4]);
        let vip = store
            .group_page(&shop, &group("vip"), Some(number(1)), 10)
            .unwrap();
        assert_eq!(numbers(&vip), [2, 3]);

        // Contact 2 leaves vip for press; contact 3 goes.
        let mut batch = Batch::new();
        batch
            .put_contact(&shop, &person(2, &["press"]), Some(&person(2, &["vip"])))
            .remove_contact(&shop, &person(3, &["vip"]));
        store.commit(batch).wait().unwrap();
        let vip = store.group_page(&shop, &group("vip"), None, 10).unwrap();
        assert_eq!(numbers(&vip), [1]);
        assert_eq!(
            store.groups(&shop).unwrap(),
            [
                GroupSummary {
                    name: group("press"),
                    members: 2
                },
                GroupSummary {
                    name: group("vip"),
                    members: 1
                },
            ]
        );
        assert_eq!(
            numbers(&store.contacts_page(&shop, None, 10).unwrap()),
            [1, 2, 4]
        );
        assert_eq!(store.groups(&shopper).unwrap().len(), 1);
    }

    #[test]
    fn a_selection_merges_its_groups_and_examines_a_bounded_number_per_call() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path().join("store"))).unwrap();
        let shop = AccountId::new("shop").unwrap();
        let mut batch = Batch::new();
        for n in 1..=100 {
            let groups: &[&str] = match n % 3 {
                0 => &["a", "b"],
                1 => &["a"],
                _ => &[],
            };
            batch.put_contact(&shop, &person(n, groups), None);
        }
        store.commit(batch).wait().unwrap();

        let read_all = |selection: &Selection, limit| {
            let mut all = Vec::new();
            let mut after = None;
            let mut calls = 0;
            loop {
                let page = store.selected_page(&shop, selection, after, limit).unwrap();
                calls += 1;
                assert!(page.contacts.len() <= limit);
                all.extend(page.contacts);
                match page.next {
                    Some(next) => after = Some(next),
                    None => return (numbers(&all), calls),
                }
            }
        };
        let both: Selection = serde_json::from_str(r#"{"groups": ["b", "a", "b"]}"#).unwrap();
        let expected: Vec<u64> = (1..=100).filter(|n| n % 3 != 2).collect();
        assert_eq!(read_all(&both, 7).0, expected);
        assert_eq!(read_all(&both, 1000).0, expected);

        // One contact in a hundred meets it: each call examines at most
        // ten per contact asked for, so it takes several calls.
        let rare: Selection =
            serde_json::from_str(r#"{"conditions": [{"field": "n", "op": "eq", "value": 77}]}"#)
                .unwrap();
        let (found, calls) = read_all(&rare, 2);
        assert_eq!(found, [77]);
        assert_eq!(calls, 6, "100 contacts, 20 examined per call, then the end");
        let everyone = read_all(&Selection::default(), 30).0;
        assert_eq!(everyone, (1..=100).collect::<Vec<_>>());
    }

    #[test]
    fn a_selection_is_a_record_the_store_can_hold() {
        let selection: Selection = serde_json::from_str(
            r#"{"groups": ["vip"], "conditions": [
                {"field": "age", "op": "ge", "value": 18},
                {"field": "plan", "op": "in", "values": ["gold", 3]}]}"#,
        )
        .unwrap();
        let tree = TreeId::Campaigns;
        let bytes = codec::encode(tree, b"key", &selection).unwrap();
        let read: Selection = codec::decode(tree, b"key", &bytes).unwrap();
        assert_eq!(read, selection);
    }
}
