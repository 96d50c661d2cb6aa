//! The live customer sessions (SMPP binds, UCP logins), for the admin API. A session registers here once
//! bound; its [`Registration`] takes it out again when dropped, so a session
//! leaves the list however it ends (unbind, timeout, lost socket, panic).
//!
//! Per-PDU cost is a relaxed atomic add on the session's [`Counters`]; the
//! map's lock is taken only at bind, at the end of a session, and when the
//! admin reads the list. Nothing here touches a socket: a disconnect is a
//! [`Disconnect`] message to the session, which unbinds itself; a stopping
//! switch sends one to every session and waits for the list to empty.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use actix::{Message, Recipient};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::account::SessionId;
use crate::smpp::{CommandId, CommandStatus};

/// How often [`Sessions::close_all`] looks whether sessions are left.
const CLOSE_ALL_POLL: Duration = Duration::from_millis(20);

/// Asks a session to unbind and close (the operator kicks the client, or
/// the switch stops).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Disconnect;

/// How the customer bound: an SMPP bind (SMPP 3.4 §4.1), a UCP/EMI
/// login (operation 60) or a CIMD2 login (01), which submit and receive
/// as a transceiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BindKind {
    Transmitter,
    Receiver,
    Transceiver,
    Ucp,
    Cimd2,
}

impl BindKind {
    /// The kind a bind request asks for, if `request` is one.
    pub fn of(request: CommandId) -> Option<BindKind> {
        match request {
            CommandId::BindTransmitter => Some(BindKind::Transmitter),
            CommandId::BindReceiver => Some(BindKind::Receiver),
            CommandId::BindTransceiver => Some(BindKind::Transceiver),
            _ => None,
        }
    }
}

/// What a session counts while it lives. Counters only grow; the two
/// window gauges are the session's latest lengths.
#[derive(Debug, Default)]
pub struct Counters {
    submits_accepted: AtomicU64,
    submits_refused: AtomicU64,
    deliver_sm_sent: AtomicU64,
    deliver_sm_acknowledged: AtomicU64,
    /// Requests of the ESME waiting for our answer.
    inbound_outstanding: AtomicUsize,
    /// Our requests (deliver_sm, enquire_link, unbind) waiting for the ESME's.
    outbound_outstanding: AtomicUsize,
}

/// A copy of [`Counters`] at one moment, as the admin API shows it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CountersSnapshot {
    pub submits_accepted: u64,
    pub submits_refused: u64,
    pub deliver_sm_sent: u64,
    pub deliver_sm_acknowledged: u64,
    pub inbound_outstanding: usize,
    pub outbound_outstanding: usize,
}

impl Counters {
    /// Counts a PDU the bound session sends: the answer to a submit_sm,
    /// data_sm or submit_multi (accepted if ESME_ROK, else refused, whatever
    /// refused it), or a deliver_sm.
    pub fn sent(&self, id: CommandId, status: CommandStatus) {
        let counter = match id {
            CommandId::SubmitSmResp | CommandId::DataSmResp | CommandId::SubmitMultiResp => {
                if status == CommandStatus::EsmeRok {
                    &self.submits_accepted
                } else {
                    &self.submits_refused
                }
            }
            CommandId::DeliverSm => &self.deliver_sm_sent,
            _ => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn deliver_sm_acknowledged(&self) {
        self.deliver_sm_acknowledged.fetch_add(1, Ordering::Relaxed);
    }

    pub fn windows(&self, inbound: usize, outbound: usize) {
        self.inbound_outstanding.store(inbound, Ordering::Relaxed);
        self.outbound_outstanding.store(outbound, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> CountersSnapshot {
        CountersSnapshot {
            submits_accepted: self.submits_accepted.load(Ordering::Relaxed),
            submits_refused: self.submits_refused.load(Ordering::Relaxed),
            deliver_sm_sent: self.deliver_sm_sent.load(Ordering::Relaxed),
            deliver_sm_acknowledged: self.deliver_sm_acknowledged.load(Ordering::Relaxed),
            inbound_outstanding: self.inbound_outstanding.load(Ordering::Relaxed),
            outbound_outstanding: self.outbound_outstanding.load(Ordering::Relaxed),
        }
    }
}

/// One bound session: fixed at bind, plus its live counters.
pub struct LiveSession {
    pub id: SessionId,
    pub system_id: String,
    pub bind: BindKind,
    pub peer: SocketAddr,
    pub bound_since: DateTime<Utc>,
    /// The bind's interface_version octet (0x34 for SMPP 3.4).
    pub interface_version: u8,
    pub counters: Arc<Counters>,
    pub disconnect: Recipient<Disconnect>,
}

/// Every bound session, by id.
#[derive(Default)]
pub struct Sessions {
    live: Mutex<BTreeMap<SessionId, Arc<LiveSession>>>,
}

impl Sessions {
    // Nothing panics while holding it; a poisoned map is still the list.
    fn lock(&self) -> MutexGuard<'_, BTreeMap<SessionId, Arc<LiveSession>>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Lists `session` until the returned registration is dropped.
    pub fn register(self: &Arc<Self>, session: LiveSession) -> Registration {
        let id = session.id;
        self.lock().insert(id, Arc::new(session));
        Registration {
            sessions: self.clone(),
            id,
        }
    }

    /// The bound sessions, by id.
    pub fn list(&self) -> Vec<Arc<LiveSession>> {
        self.lock().values().cloned().collect()
    }

    pub fn get(&self, id: SessionId) -> Option<Arc<LiveSession>> {
        self.lock().get(&id).cloned()
    }

    /// Asks every session to unbind and close (the switch is stopping),
    /// and any that binds meanwhile, until none is left or `limit` has
    /// passed: whether none is left.
    pub async fn close_all(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut asked = BTreeSet::new();
        loop {
            let live = self.list();
            if live.is_empty() {
                return true;
            }
            for session in live.iter().filter(|session| asked.insert(session.id)) {
                session.disconnect.do_send(Disconnect);
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(CLOSE_ALL_POLL).await;
        }
    }

    /// Asks every session bound as `system_id` to unbind and close (its
    /// password changed); how many were asked.
    pub fn disconnect_account(&self, system_id: &str) -> usize {
        let bound: Vec<Arc<LiveSession>> = self
            .lock()
            .values()
            .filter(|session| session.system_id == system_id)
            .cloned()
            .collect();
        for session in &bound {
            session.disconnect.do_send(Disconnect);
        }
        bound.len()
    }
}

/// A session's place in [`Sessions`], held by the session actor: dropping
/// it (with the actor, however it ends) takes the session off the list.
pub struct Registration {
    sessions: Arc<Sessions>,
    id: SessionId,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.sessions.lock().remove(&self.id);
    }
}
