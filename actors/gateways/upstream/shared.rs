//! What the actor of an upstream gateway (kind `smpp` or `ucp`) shares
//! with its connections (SMPP binds, a UCP link): the one queue they all
//! take from, each connection's state for the operator view, and how the
//! actor ends a set of connections and learns that they all ended (and
//! why a connection's session ended).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use actix::Recipient;
use tokio::sync::{Notify, mpsc, watch};

use crate::actors::protocol::gateway::GatewayReport;
use crate::model::Message;
use crate::upstream::status::{BindState, BindStatus};
use crate::upstream::{Fill, Queue};

/// From a connection: its state changed (the gateway may have gone up or
/// down) or the queue stopped or started being full.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct StateChanged;

/// The settings of a gateway's queue (see `upstream::queue`).
#[derive(Debug, Clone, Copy)]
pub struct QueueSettings {
    /// Parts per second for the whole gateway; 0 is unlimited.
    pub tps: u32,
    /// Temporary refusals after which a message fails.
    pub max_attempts: u32,
    /// Queued messages at which the gateway takes no more (see
    /// [`Queue::is_full`]).
    pub queue_limit: usize,
}

/// What the actor and the connections of one gateway share.
pub struct Shared {
    state: Mutex<SharedState>,
    /// Wakes the connections: something was queued, or put back.
    pub wake: Notify,
}

pub struct SharedState {
    pub queue: Queue,
    /// One per connection, in the order they were started.
    pub binds: Vec<BindStatus>,
    pub last_error: Option<String>,
    /// How full the actor last told the routes the queue was.
    pub fill_told: Fill,
}

impl Shared {
    pub fn new(queue: QueueSettings, binds: Vec<BindStatus>) -> Arc<Shared> {
        Arc::new(Shared {
            state: Mutex::new(SharedState {
                queue: Queue::new(queue.tps, queue.max_attempts, queue.queue_limit),
                binds,
                last_error: None,
                fill_told: Fill::default(),
            }),
            wake: Notify::new(),
        })
    }

    // Nothing panics while holding it; a poisoned state is still valid data.
    pub fn lock(&self) -> MutexGuard<'_, SharedState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes new settings: states for the new connections (none runs
    /// while this is called), the queue's limits, keeping what waits.
    pub fn reconfigure(&self, queue: QueueSettings, binds: Vec<BindStatus>) {
        let mut state = self.lock();
        state.binds = binds;
        state
            .queue
            .reconfigure(queue.tps, queue.max_attempts, queue.queue_limit);
    }

    /// Empties the queue (not what is in flight), giving every message
    /// back to the switch to be routed again (`SendFailed`, temporary);
    /// returns how many.
    pub fn give_back_all(&self, reports: &Recipient<GatewayReport>) -> usize {
        let queued = self.lock().queue.take_all();
        for message in &queued {
            reports.do_send(GatewayReport::given_back(message.id));
        }
        queued.len()
    }

    /// Queues a message from the route and wakes the connections.
    pub fn push(&self, message: Message) {
        self.lock().queue.push(message);
        self.wake.notify_waiters();
    }

    /// Records connection `index`'s state, and `error` (a reconnect
    /// follows) as its and the gateway's last.
    pub fn set_bind_state(&self, index: usize, state: BindState, error: Option<String>) {
        let mut shared = self.lock();
        if let Some(bind) = shared.binds.get_mut(index) {
            bind.state = state;
            if state != BindState::Bound {
                bind.window_in_use = 0;
            }
            if error.is_some() {
                bind.reconnects += 1;
                bind.last_error.clone_from(&error);
            }
        }
        if error.is_some() {
            shared.last_error = error;
        }
    }
}

impl SharedState {
    /// Whether the queue stopped or started being full, or full for
    /// bulk, since the actor last told the routes.
    pub fn fill_untold(&self) -> bool {
        self.queue.fill() != self.fill_told
    }

    /// Whether some connection may submit now: the gateway is up.
    pub fn may_submit(&self) -> bool {
        self.binds
            .iter()
            .any(|bind| bind.submits && bind.state == BindState::Bound)
    }
}

/// How the actor ends one set of connections and learns that they all
/// ended.
#[derive(Clone)]
pub struct Lifeline {
    /// Changes when the connections must end: its sender sends (drain) or
    /// is dropped (close).
    pub closed: watch::Receiver<()>,
    /// Each connection holds a clone until it ends; the actor's receiver
    /// closes when the last is dropped. Held, never read.
    #[expect(
        dead_code,
        reason = "held for its drop, which tells the actor the connection ended"
    )]
    pub running: mpsc::Sender<()>,
}

impl Lifeline {
    /// Runs `work` unless the actor ends the connection first; then
    /// `Err(closed)`: for good (`true`) or to drain (`false`).
    pub async fn unless_ended<T>(&mut self, work: impl Future<Output = T>) -> Result<T, bool> {
        tokio::select! {
            done = work => Ok(done),
            closed = self.closed.changed() => Err(closed.is_err()),
        }
    }
}

/// Why a logged-in session of a connection ended.
pub enum End<E> {
    /// The actor dropped the channel: stop.
    Closed,
    /// The actor asked the connections to drain, and nothing is in flight.
    Drained,
    /// The connection failed: reconnect.
    Lost(E),
}

/// Sleeps until `at`; forever when there is nothing to wait for (a
/// connection's next deadline, in its `select!`).
pub async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
