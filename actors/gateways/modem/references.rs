//! Which of our messages a status report is about: a modem names a sent
//! message only by its 8-bit TP-MR (`+CMGS: <mr>`), which wraps after 256
//! sends. The upstream id we record is `<epoch>.<mr>`, where the epoch is a
//! number from the store's increasing sequence taken at start and at every
//! wrap, so two messages never share an upstream id and the store's
//! upstream-id index never loses one to the other. The TP-MR → upstream id
//! map lives in memory and is rebuilt at start from the SUBMITTED messages
//! the store has for this gateway: a restart loses none of it.
//!
//! Limit: a status report names only the TP-MR, so a report that comes
//! after 256 later sends reused its TP-MR is taken for the newest message
//! with that TP-MR.

use std::collections::HashMap;

use crate::model::{GatewayName, IdError, MessageState, UpstreamId};
use crate::store::{Store, StoreError};

/// Why a sent message got no upstream id.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("cannot take a new epoch: {0}")]
    Store(#[from] StoreError),
    #[error("upstream id: {0}")]
    Id(#[from] IdError),
}

pub struct References {
    epoch: u64,
    last: Option<u8>,
    by_mr: HashMap<u8, UpstreamId>,
}

impl References {
    /// A new epoch, and the TP-MRs of the messages `gateway` sent that
    /// still wait for their status report.
    pub fn rebuild(store: &Store, gateway: &GatewayName) -> Result<References, StoreError> {
        let mut newest: HashMap<u8, (u64, UpstreamId)> = HashMap::new();
        for message in store.unfinished_messages() {
            let message = message?;
            if message.state() != MessageState::Submitted
                || message.gateway.as_ref() != Some(gateway)
            {
                continue;
            }
            let Some(upstream) = message.upstream_id else {
                continue;
            };
            if let Some((epoch, mr)) = parse(&upstream) {
                let entry = newest.entry(mr).or_insert((epoch, upstream.clone()));
                if epoch > entry.0 {
                    *entry = (epoch, upstream);
                }
            }
        }
        Ok(References {
            epoch: store.next_sequence()?,
            last: None,
            by_mr: newest
                .into_iter()
                .map(|(mr, (_, upstream))| (mr, upstream))
                .collect(),
        })
    }

    /// The upstream id of a message the modem just sent with `mr`.
    pub fn sent(&mut self, mr: u8, store: &Store) -> Result<UpstreamId, ReferenceError> {
        if self.last.is_some_and(|last| mr <= last) {
            self.epoch = store.next_sequence()?;
        }
        self.last = Some(mr);
        let upstream = UpstreamId::new(format!("{}.{mr}", self.epoch))?;
        self.by_mr.insert(mr, upstream.clone());
        Ok(upstream)
    }

    /// The upstream id a status report with `mr` is about; a final report
    /// ends the entry.
    pub fn report(&mut self, mr: u8, is_final: bool) -> Option<UpstreamId> {
        if is_final {
            self.by_mr.remove(&mr)
        } else {
            self.by_mr.get(&mr).cloned()
        }
    }

    /// Sent messages still waiting for their report.
    pub fn waiting(&self) -> usize {
        self.by_mr.len()
    }
}

fn parse(upstream: &UpstreamId) -> Option<(u64, u8)> {
    let (epoch, mr) = upstream.as_str().split_once('.')?;
    Some((epoch.parse().ok()?, mr.parse().ok()?))
}
