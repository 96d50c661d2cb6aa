//! Values longer than sled may hold in its log file, split across keys of
//! the `chunks` tree when a checkpoint copies them into sled, and joined
//! again when read from sled. The journal and the pending writes keep
//! every value whole; only sled sees chunks, so a group commit stays one
//! atomic journal record whatever its values' sizes.
//!
//! Only the trees [`codec::holds_large_values`] names take such values
//! (an MO of up to 255 parts joined, its mailbox item, its callback); every
//! other value stays within [`MAX_VALUE_LEN`], as before.
//!
//! In sled, the value's own key holds a marker: [`MARKER`] (never a
//! version byte), the number of chunks (u16), the length (u32) and the
//! CRC-32 of the whole value, all big-endian. Chunk `i` of key `k` in tree
//! `t` is at `t k i` in `chunks` (tree index u8, the key, `i` u16
//! big-endian): two keys of one tree never share a chunk key, because the
//! index has a fixed length. Chunks are written before their marker and
//! removed before it, so after a crash mid-checkpoint either the journal
//! still holds the write (replayed at open, idempotently) or the marker and
//! its chunks match; no chunk is left behind by a remove.

use sled::IVec;

use super::codec::{self, MAX_VALUE_LEN, TreeId};
use super::error::{KeyHex, StoreError};

/// The first byte of a marker; versions count up from 1 and stay far below.
pub(super) const MARKER: u8 = 0xFF;
/// Octets per chunk: a chunk value stays within [`MAX_VALUE_LEN`].
const CHUNK_LEN: usize = MAX_VALUE_LEN - 64;
const MARKER_LEN: usize = 1 + 2 + 4 + 4;

/// What a checkpoint writes into sled for one value of `tree`.
pub(super) struct Split {
    /// The value's own key holds this: the value itself, or a marker.
    pub(super) stored: IVec,
    /// `(chunk key, chunk)`, none for a value that fits.
    pub(super) chunks: Vec<(Vec<u8>, IVec)>,
}

/// The value as sled keeps it: whole when it fits, else a marker and its
/// chunks.
pub(super) fn split(tree: TreeId, key: &[u8], value: &IVec) -> Split {
    if value.len() <= MAX_VALUE_LEN {
        return Split {
            stored: value.clone(),
            chunks: Vec::new(),
        };
    }
    let chunks: Vec<(Vec<u8>, IVec)> = value
        .chunks(CHUNK_LEN)
        .enumerate()
        .map(|(index, chunk)| {
            // A value is at most `codec::MAX_LARGE_VALUE_LEN`: few chunks.
            let index = u16::try_from(index).unwrap_or(u16::MAX);
            (chunk_key(tree, key, index), IVec::from(chunk))
        })
        .collect();
    let count = u16::try_from(chunks.len()).unwrap_or(u16::MAX);
    let length = u32::try_from(value.len()).unwrap_or(u32::MAX);
    let mut marker = Vec::with_capacity(MARKER_LEN);
    marker.push(MARKER);
    marker.extend_from_slice(&count.to_be_bytes());
    marker.extend_from_slice(&length.to_be_bytes());
    marker.extend_from_slice(&crc32fast::hash(value).to_be_bytes());
    Split {
        stored: IVec::from(marker),
        chunks,
    }
}

/// The chunk keys of a value sled holds as `stored` (none for a whole one).
pub(super) fn chunk_keys(tree: TreeId, key: &[u8], stored: &[u8]) -> Vec<Vec<u8>> {
    match read_marker(tree, key, stored) {
        Ok(Some(marker)) => (0..marker.count)
            .map(|index| chunk_key(tree, key, index))
            .collect(),
        _ => Vec::new(),
    }
}

/// The value sled holds as `stored` under `key`: itself, or, for a marker,
/// its chunks joined (`chunk` reads one from the `chunks` tree).
pub(super) fn join(
    tree: TreeId,
    key: &[u8],
    stored: IVec,
    chunk: impl Fn(&[u8]) -> Result<Option<IVec>, StoreError>,
) -> Result<IVec, StoreError> {
    let Some(marker) = read_marker(tree, key, &stored)? else {
        return Ok(stored);
    };
    let mut value = Vec::with_capacity(marker.length);
    for index in 0..marker.count {
        let part = chunk(&chunk_key(tree, key, index))?
            .ok_or_else(|| corrupt(tree, key, format!("chunk {index} is missing")))?;
        value.extend_from_slice(&part);
    }
    if value.len() != marker.length || crc32fast::hash(&value) != marker.crc {
        return Err(corrupt(
            tree,
            key,
            format!(
                "its {} chunks do not make the {} octets their marker names",
                marker.count, marker.length
            ),
        ));
    }
    Ok(IVec::from(value))
}

struct Marker {
    count: u16,
    length: usize,
    crc: u32,
}

/// `None` for a whole value.
fn read_marker(tree: TreeId, key: &[u8], stored: &[u8]) -> Result<Option<Marker>, StoreError> {
    if stored.first() != Some(&MARKER) || !codec::holds_large_values(tree) {
        return Ok(None);
    }
    let fields = stored
        .get(1..MARKER_LEN)
        .filter(|_| stored.len() == MARKER_LEN)
        .ok_or_else(|| corrupt(tree, key, format!("a marker of {} octets", stored.len())))?;
    let (count, rest) = fields.split_at(2);
    let (length, crc) = rest.split_at(4);
    let number = |bytes: &[u8]| bytes.iter().fold(0_u32, |n, &b| (n << 8) | u32::from(b));
    Ok(Some(Marker {
        count: u16::try_from(number(count)).unwrap_or(u16::MAX),
        length: usize::try_from(number(length)).unwrap_or(usize::MAX),
        crc: number(crc),
    }))
}

fn chunk_key(tree: TreeId, key: &[u8], index: u16) -> Vec<u8> {
    let mut chunk = Vec::with_capacity(key.len() + 3);
    chunk.push(u8::try_from(tree.index()).unwrap_or(u8::MAX));
    chunk.extend_from_slice(key);
    chunk.extend_from_slice(&index.to_be_bytes());
    chunk
}

fn corrupt(tree: TreeId, key: &[u8], reason: String) -> StoreError {
    StoreError::Corrupt {
        tree: tree.name(),
        key: KeyHex(key.to_vec()),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::model::{AccountId, MessageId};
    use crate::store::{Batch, InboundMessage, MailboxItem, MailboxKey, Store, StoreConfig};

    #[test]
    fn a_value_that_fits_is_kept_whole_and_a_longer_one_in_chunks_that_join_again() {
        let small = IVec::from(vec![5_u8; MAX_VALUE_LEN]);
        let whole = split(TreeId::Inbox, b"k", &small);
        assert_eq!((whole.stored.clone(), whole.chunks.len()), (small, 0));
        assert!(chunk_keys(TreeId::Inbox, b"k", &whole.stored).is_empty());

        let large: Vec<u8> = (0..100_000_u32).map(|i| (i % 251) as u8).collect();
        let large = IVec::from(large);
        let split = split(TreeId::Inbox, b"k", &large);
        assert_eq!(split.stored.len(), MARKER_LEN);
        assert!(split.chunks.iter().all(|(_, c)| c.len() <= MAX_VALUE_LEN));
        let keys: Vec<Vec<u8>> = split.chunks.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(chunk_keys(TreeId::Inbox, b"k", &split.stored), keys);
        let mut chunks: HashMap<Vec<u8>, IVec> = split.chunks.into_iter().collect();
        let read = |chunks: &HashMap<Vec<u8>, IVec>| {
            join(TreeId::Inbox, b"k", split.stored.clone(), |key| {
                Ok(chunks.get(key).cloned())
            })
        };
        assert_eq!(read(&chunks).unwrap(), large);

        // A damaged or missing chunk is a typed error, never a wrong value.
        let first = keys[0].clone();
        chunks.insert(first.clone(), IVec::from(&b"x"[..]));
        assert!(matches!(
            read(&chunks),
            Err(StoreError::Corrupt { tree: "inbox", .. })
        ));
        chunks.remove(&first);
        assert!(matches!(
            read(&chunks),
            Err(StoreError::Corrupt { tree: "inbox", .. })
        ));
    }

    /// A joined MO of 255 parts as a modem stores it: about 40,000 septets
    /// of body and its text.
    fn long_mo(fingerprint: &str, parts: usize) -> InboundMessage {
        let text: String = "Parte larga con acentos: á é í ó ú ñ ü, y más texto. "
            .chars()
            .cycle()
            .take(153 * parts)
            .collect();
        InboundMessage {
            body: text.as_bytes().to_vec(),
            text: Some(text),
            parts: u8::try_from(parts).unwrap(),
            ..InboundMessage::example("gsm1", fingerprint, "", chrono::Utc::now())
        }
    }

    fn chunks_in_sled(store: &Store) -> usize {
        store.tree(TreeId::Chunks).len()
    }

    #[test]
    fn long_records_survive_checkpoints_and_reopening_and_leave_no_chunk_when_removed() {
        let dir = tempfile::tempdir().unwrap();
        let config = || StoreConfig::new(dir.path().join("store"));
        let long = long_mo("long", 255);
        let shorter = long_mo("long", 30);
        let gateway = long.gateway.clone();
        let key = MailboxKey {
            account: AccountId::new("demo").unwrap(),
            sequence: 7,
        };
        let item = MailboxItem::Mo {
            id: MessageId::new(9),
            message: Box::new(long_mo("routed", 255)),
        };
        {
            let store = Store::open(config()).unwrap();
            let mut batch = Batch::new();
            batch.put_inbound(&long).put_mailbox(&key, &item);
            store.commit(batch).wait().unwrap();
            // Read from the pending writes, whole.
            assert!(store.inbound_message(&gateway, "long").unwrap() == Some(long.clone()));
            store.close().unwrap();
        }
        {
            // Read from sled, joined from its chunks.
            let store = Store::open(config()).unwrap();
            assert!(chunks_in_sled(&store) > 20);
            assert!(store.inbound_message(&gateway, "long").unwrap() == Some(long.clone()));
            assert!(store.inbound(&gateway).unwrap() == [long.clone()]);
            assert!(store.mailbox(&key.account).unwrap() == [(key.clone(), item)]);
            // Stored again shorter (fewer chunks), and the mailbox item gone.
            let mut batch = Batch::new();
            batch.put_inbound(&shorter).remove_mailbox(&key);
            store.commit(batch).wait().unwrap();
            store.close().unwrap();
        }
        {
            let store = Store::open(config()).unwrap();
            assert!(store.inbound_message(&gateway, "long").unwrap() == Some(shorter));
            assert_eq!(store.mailbox(&key.account).unwrap(), []);
            let mut batch = Batch::new();
            batch.remove_inbound(&gateway, "long");
            store.commit(batch).wait().unwrap();
            store.close().unwrap();
        }
        let store = Store::open(config()).unwrap();
        assert_eq!(store.inbox().unwrap().len(), 0);
        assert_eq!(chunks_in_sled(&store), 0, "no chunk outlives its record");
        store.close().unwrap();
        let blobs = std::fs::read_dir(dir.path().join("store/blobs")).map_or(0, |d| d.count());
        assert_eq!(blobs, 0, "every chunk is in sled's log file");
    }

    #[test]
    fn a_record_longer_than_any_mo_is_refused_at_the_batch() {
        let mut huge = long_mo("huge", 255);
        huge.body = vec![b'x'; codec::MAX_LARGE_VALUE_LEN];
        let mut batch = Batch::new();
        batch.put_inbound(&huge);
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        assert!(matches!(
            store.commit(batch).wait(),
            Err(StoreError::Encode { tree: "inbox", .. })
        ));
        store.close().unwrap();
    }

    #[test]
    fn chunk_keys_of_different_keys_never_meet() {
        // "a" + index [0x62, 0x00] would be "ab" + index [0x00, ...] if
        // the index had no fixed length.
        let a: Vec<Vec<u8>> = (0..300)
            .map(|i| chunk_key(TreeId::Inbox, b"a", i))
            .collect();
        let ab: Vec<Vec<u8>> = (0..300)
            .map(|i| chunk_key(TreeId::Inbox, b"ab", i))
            .collect();
        assert!(a.iter().all(|key| !ab.contains(key)));
        assert_ne!(
            chunk_key(TreeId::Inbox, b"k", 0),
            chunk_key(TreeId::Mailbox, b"k", 0)
        );
    }
}
