//! Report summary tallies (tree `report_summaries`): one value per time
//! bucket (UTC hour or day) and key, rewritten whole by the summary board
//! (its only writer) in batches of its own; hour buckets are dropped after
//! a few days. Read back whole at start.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `report_summaries` | span u8 (0 hour, 1 day), start ms i64 big-endian with the sign bit flipped, account 0x00 country 0x00 operator 0x00 gateway 0x00 route | [`Tally`] |

use super::Store;
use super::batch::{Batch, Op};
use super::codec::TreeId;
use super::error::StoreError;
use crate::summaries::{BucketId, Key, Span, Tally};

/// A bucket read back: which one, and its tally.
pub type StoredTally = (BucketId, Tally);

fn key(id: &BucketId) -> Vec<u8> {
    let span = match id.span {
        Span::Hour => 0,
        Span::Day => 1,
    };
    let mut key = vec![span];
    key.extend_from_slice(&((id.start_ms as u64) ^ (1 << 63)).to_be_bytes());
    let fields = [
        &id.key.account,
        &id.key.country,
        &id.key.operator,
        &id.key.gateway,
        &id.key.route,
    ];
    for (index, field) in fields.into_iter().enumerate() {
        if index > 0 {
            key.push(0);
        }
        key.extend_from_slice(field.as_bytes());
    }
    key
}

fn bucket_id(key: &[u8]) -> Option<BucketId> {
    let span = match key.first()? {
        0 => Span::Hour,
        1 => Span::Day,
        _ => return None,
    };
    let start: [u8; 8] = key.get(1..9)?.try_into().ok()?;
    let start_ms = (u64::from_be_bytes(start) ^ (1 << 63)) as i64;
    let rest = std::str::from_utf8(key.get(9..)?).ok()?;
    let mut fields = rest.split('\0').map(str::to_owned);
    let key = Key {
        account: fields.next()?,
        country: fields.next()?,
        operator: fields.next()?,
        gateway: fields.next()?,
        route: fields.next()?,
    };
    fields.next().is_none().then_some(BucketId {
        span,
        start_ms,
        key,
    })
}

impl Batch {
    /// A bucket's tally, replacing what it had.
    pub fn put_summary_bucket(&mut self, id: &BucketId, tally: &Tally) -> &mut Batch {
        self.put(TreeId::ReportSummaries, key(id), tally, false)
    }

    /// A bucket no longer kept.
    pub fn remove_summary_bucket(&mut self, id: &BucketId) -> &mut Batch {
        self.ops.push(Op::Remove {
            tree: TreeId::ReportSummaries,
            key: key(id),
        });
        self
    }
}

impl Store {
    /// Every stored bucket, at start; each one that cannot be read is
    /// its error, so the others still load.
    pub fn summary_buckets(&self) -> Result<Vec<Result<StoredTally, StoreError>>, StoreError> {
        self.scan_parsed(
            TreeId::ReportSummaries,
            "a report summary bucket",
            bucket_id,
        )
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
        let hour = BucketId {
            span: Span::Hour,
            start_ms: 1_800_000_000_000,
            key: Key {
                account: "acme".to_owned(),
                country: "ES".to_owned(),
                operator: "movistar".to_owned(),
                gateway: "gw".to_owned(),
                route: String::new(),
            },
        };
        let day = BucketId {
            span: Span::Day,
            start_ms: -5,
            key: Key::default(),
        };
        let mut tally = Tally::default();
        tally.accept(true, Money::from_micros(50));
        let mut batch = Batch::new();
        batch
            .put_summary_bucket(&hour, &tally)
            .put_summary_bucket(&day, &Tally::default());
        store.commit(batch).wait().unwrap();
        let mut read: Vec<_> = store
            .summary_buckets()
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect();
        read.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            read,
            vec![(hour.clone(), tally), (day.clone(), Tally::default())]
        );
        let mut batch = Batch::new();
        batch.remove_summary_bucket(&hour);
        store.commit(batch).wait().unwrap();
        assert_eq!(store.summary_buckets().unwrap().len(), 1);
    }
}
