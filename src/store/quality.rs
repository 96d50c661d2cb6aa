//! Route quality counts (tree `route_quality`): one value per time bucket,
//! gateway and destination operator, rewritten whole by the receipts actor
//! (its only writer) in batches of its own, and dropped once out of view.
//! Read back whole at start.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `route_quality` | span u8 (0 fine, 1 coarse), start ms i64 big-endian with the sign bit flipped, gateway 0x00 operator | [`Counts`] |

use super::Store;
use super::batch::{Batch, Op};
use super::codec::TreeId;
use super::error::StoreError;
use crate::quality::{BucketId, Counts, Span};

/// A bucket read back: which one, and its counts.
pub type StoredBucket = (BucketId, Counts);

fn key(id: &BucketId) -> Vec<u8> {
    let span = match id.span {
        Span::Fine => 0,
        Span::Coarse => 1,
    };
    let mut key = vec![span];
    key.extend_from_slice(&((id.start_ms as u64) ^ (1 << 63)).to_be_bytes());
    key.extend_from_slice(id.key.0.as_bytes());
    key.push(0);
    key.extend_from_slice(id.key.1.as_bytes());
    key
}

fn bucket_id(key: &[u8]) -> Option<BucketId> {
    let span = match key.first()? {
        0 => Span::Fine,
        1 => Span::Coarse,
        _ => return None,
    };
    let start: [u8; 8] = key.get(1..9)?.try_into().ok()?;
    let start_ms = (u64::from_be_bytes(start) ^ (1 << 63)) as i64;
    let rest = std::str::from_utf8(key.get(9..)?).ok()?;
    let (gateway, operator) = rest.split_once('\0')?;
    Some(BucketId {
        span,
        start_ms,
        key: (gateway.to_owned(), operator.to_owned()),
    })
}

impl Batch {
    /// A bucket's counts, replacing what it had.
    pub fn put_quality_bucket(&mut self, id: &BucketId, counts: &Counts) -> &mut Batch {
        self.put(TreeId::RouteQuality, key(id), counts, false)
    }

    /// A bucket out of view.
    pub fn remove_quality_bucket(&mut self, id: &BucketId) -> &mut Batch {
        self.ops.push(Op::Remove {
            tree: TreeId::RouteQuality,
            key: key(id),
        });
        self
    }
}

impl Store {
    /// Every stored bucket, at start; each one that cannot be read is
    /// its error, so the others still load.
    pub fn quality_buckets(&self) -> Result<Vec<Result<StoredBucket, StoreError>>, StoreError> {
        self.scan_parsed(TreeId::RouteQuality, "a route quality bucket", bucket_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Money;
    use crate::store::StoreConfig;

    #[test]
    fn buckets_go_in_come_back_and_leave() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path().join("store"))).unwrap();
        let fine = BucketId {
            span: Span::Fine,
            start_ms: 1_800_000_000_000,
            key: ("a".to_owned(), "movistar".to_owned()),
        };
        let coarse = BucketId {
            span: Span::Coarse,
            start_ms: -5,
            key: ("b".to_owned(), "unknown".to_owned()),
        };
        let mut counts = Counts::default();
        counts.accept(Money::from_micros(20), Money::from_micros(50));
        let mut batch = Batch::new();
        batch
            .put_quality_bucket(&fine, &counts)
            .put_quality_bucket(&coarse, &Counts::default());
        store.commit(batch).wait().unwrap();
        let mut read: Vec<_> = store
            .quality_buckets()
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect();
        read.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            read,
            vec![(fine.clone(), counts), (coarse.clone(), Counts::default())]
        );
        let mut batch = Batch::new();
        batch.remove_quality_bucket(&fine);
        store.commit(batch).wait().unwrap();
        assert_eq!(store.quality_buckets().unwrap().len(), 1);
    }
}
