//! What one connection of an upstream gateway (an SMPP bind, a UCP link)
//! reports through, alike for every protocol: its state for the operator
//! view and the actor (and, on a failure, how long it waits before the
//! next attempt: 1 s doubling to 30 s with jitter, 60 s after refused
//! credentials), each message's end (`Sent`, `SendFailed`), receipts
//! (answered once durable) and MO messages (stored in `inbox`, then
//! reported to MO routing).

use std::fmt::Display;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::Recipient;
use chrono::{DateTime, Utc};
use slog::{Logger, debug, error, info, warn};
use tokio::sync::oneshot;

use super::shared::{End, Shared, StateChanged};
use crate::actors::protocol::gateway::GatewayReport;
use crate::model::{GatewayName, Message, MessageState, UpstreamId};
use crate::store::{Batch, InboundMessage, Store};
use crate::upstream::status::BindState;
use crate::upstream::{Backoff, Outcome, Queued};

/// First and longest wait before reconnecting.
const RECONNECT_FIRST: Duration = Duration::from_secs(1);
const RECONNECT_MAX: Duration = Duration::from_secs(30);
/// Wait after the SMSC refused our credentials: an operator has to fix
/// them, and hammering the SMSC can get us banned.
const CREDENTIALS_RETRY: Duration = Duration::from_secs(60);

/// The back-off between a connection's attempts.
pub fn reconnect_backoff() -> Backoff {
    Backoff::new(RECONNECT_FIRST, RECONNECT_MAX)
}

/// One connection's hold on its gateway.
pub struct Reporter {
    /// Its place among the gateway's connections (`SharedState::binds`).
    pub index: usize,
    pub gateway: GatewayName,
    /// Temporary refusals after which a message fails.
    pub max_attempts: u32,
    /// Where MO messages are kept before they are answered.
    pub store: Arc<Store>,
    pub shared: Arc<Shared>,
    /// The actor, told when the connection's state changes.
    pub link: Recipient<StateChanged>,
    /// The receipts actor.
    pub reports: Recipient<GatewayReport>,
    pub logger: Logger,
}

impl Reporter {
    /// Records this connection's state (and error: a reconnect follows)
    /// and tells the actor, which decides whether the gateway is up.
    pub fn set_state(&self, state: BindState, error: Option<String>) {
        self.shared.set_bind_state(self.index, state, error);
        self.link.do_send(StateChanged);
    }

    /// Records the window in use for the operator view.
    pub fn show_window(&self, in_use: usize) {
        if let Some(bind) = self.shared.lock().binds.get_mut(self.index) {
            bind.window_in_use = in_use;
        }
    }

    /// Connecting or logging in failed with `error`: records it and says
    /// how long to wait before the next attempt (longer when the SMSC
    /// refused the credentials).
    pub fn connect_failed(
        &self,
        reconnect: &mut Backoff,
        error: &dyn Display,
        bad_credentials: bool,
    ) -> Duration {
        if bad_credentials {
            error!(self.logger, "refused: bad credentials; retrying slowly";
                "error" => %error, "in_s" => CREDENTIALS_RETRY.as_secs());
            self.set_state(BindState::BadCredentials, Some(error.to_string()));
            return CREDENTIALS_RETRY;
        }
        let delay = reconnect.next_jittered(fastrand::f64());
        warn!(self.logger, "cannot connect to the SMSC; retrying";
            "error" => %error, "in_ms" => delay.as_millis());
        self.set_state(BindState::BackingOff, Some(error.to_string()));
        delay
    }

    /// A session ended with `end`: `None` when the connection ends with
    /// it (closed: the queue goes back to the switch; drained, or lost
    /// while draining: the queue stays the actor's), else how long to wait
    /// before connecting again (the loss recorded).
    pub fn session_ended<E: Display>(
        &self,
        end: End<E>,
        draining: bool,
        reconnect: &mut Backoff,
    ) -> Option<Duration> {
        match end {
            End::Closed => self.end(true),
            End::Drained => self.end(false),
            End::Lost(error) if draining => {
                warn!(self.logger, "connection to the SMSC lost while draining; ending";
                    "error" => %error);
                self.end(false);
            }
            End::Lost(error) => {
                let delay = reconnect.next_jittered(fastrand::f64());
                warn!(self.logger, "connection to the SMSC lost; reconnecting";
                    "error" => %error, "in_ms" => delay.as_millis());
                self.set_state(BindState::BackingOff, Some(error.to_string()));
                return Some(delay);
            }
        }
        None
    }

    /// The SMSC answered the submit of `queued` (`status`, in words, for
    /// the log): accepted, it is sent under the id `key` makes; refused
    /// for now, it goes to the back of its lane and the gateway pauses, or
    /// fails at `max_attempts`; refused for good, it fails.
    pub fn answered(
        &self,
        queued: Queued,
        outcome: Outcome,
        status: &str,
        key: impl FnOnce() -> String,
    ) {
        match outcome {
            Outcome::Accepted => {
                self.shared.lock().queue.accepted();
                self.sent(queued.message, key());
            }
            Outcome::Temporary => {
                let id = queued.message.id;
                let failed = self.shared.lock().queue.refused(queued, Instant::now());
                match failed {
                    None => {
                        debug!(self.logger, "the SMSC cannot take it now; pausing";
                            "status" => status, "message" => %id);
                    }
                    Some(message) => {
                        self.too_many_attempts(&message, Some(status));
                    }
                }
            }
            Outcome::Permanent => {
                info!(self.logger, "the SMSC refused a message";
                    "message" => %queued.message.id, "status" => status);
                self.refused(&queued.message);
            }
        }
    }

    /// The SMSC took `message` and named it `key` (normalised).
    fn sent(&self, message: Message, key: String) {
        let upstream_id = UpstreamId::new(key.clone()).or_else(|_| {
            // Taken, but with no id a receipt could match: the
            // message stays SUBMITTED.
            error!(self.logger, "the SMSC took a message without a usable id; no receipt will match it";
                "message" => %message.id, "id" => &key);
            UpstreamId::new(format!("none-{}", message.id))
        });
        if let Ok(upstream_id) = upstream_id {
            self.reports.do_send(GatewayReport::Sent {
                message: Box::new(message),
                upstream_id,
            });
        }
    }

    /// The SMSC refused `message` for good: REJECTED.
    pub fn refused(&self, message: &Message) {
        self.reports.do_send(GatewayReport::Refused {
            message: Box::new(message.clone()),
        });
    }

    /// No answer came to the submit of `queued`: it goes to the back of
    /// its lane for another attempt, or fails at `max_attempts`.
    pub fn unanswered(&self, queued: Queued) {
        warn!(self.logger, "no answer to a submit; it goes again (a duplicate if the SMSC had it)";
            "message" => %queued.message.id);
        let failed = self.shared.lock().queue.unanswered(queued);
        if let Some(message) = failed {
            self.too_many_attempts(&message, None);
        }
    }

    /// `message` reached `max_attempts` temporary refusals, the last one
    /// `last` (in words, when there was an answer): REJECTED.
    fn too_many_attempts(&self, message: &Message, last: Option<&str>) {
        info!(self.logger, "temporary refusals reached max_attempts; failed";
            "message" => %message.id, "max_attempts" => self.max_attempts, "status" => last);
        self.refused(message);
    }

    /// A receipt from the SMSC for `upstream_id`, reported to the
    /// receipts actor; what it returns says when its outcome is durable
    /// (`true`) or could not be stored (`false`: the SMSC should send it
    /// again).
    pub fn receipt(
        &self,
        upstream_id: UpstreamId,
        state: MessageState,
        error_code: Option<u16>,
    ) -> oneshot::Receiver<bool> {
        let (recorded, durable) = oneshot::channel();
        self.reports.do_send(GatewayReport::Receipt {
            gateway: self.gateway.clone(),
            upstream_id,
            state,
            error_code,
            at: Utc::now(),
            recorded: Some(recorded),
        });
        durable
    }

    /// Keeps an MO in the inbox: `record` makes it from a number of the
    /// store's sequence and the time received (`None`: no content to
    /// keep). The future says whether the SMSC may be told it was taken:
    /// once its commit is durable, or at once with nothing to keep;
    /// `false` when it cannot be kept (the SMSC should send it again).
    /// The commit starts now; the future needs nothing of `self`.
    pub fn store_mo(
        &self,
        record: impl FnOnce(u64, DateTime<Utc>) -> Option<InboundMessage>,
    ) -> impl Future<Output = bool> + 'static {
        let (logger, reports) = (self.logger.clone(), self.reports.clone());
        let started = self.store.next_sequence().map(|sequence| {
            record(sequence, Utc::now()).map(|inbound| {
                let mut batch = Batch::new();
                batch.put_inbound(&inbound);
                (inbound, self.store.commit(batch))
            })
        });
        async move {
            let (inbound, durable) = match started {
                Ok(Some(started)) => started,
                Ok(None) => return true,
                Err(error) => {
                    error!(logger, "cannot number an MO message; the SMSC is told to send it again";
                        "error" => %error);
                    return false;
                }
            };
            match durable.await {
                Ok(()) => {
                    info!(logger, "MO message from the SMSC stored";
                        "source" => &inbound.source, "fingerprint" => &inbound.fingerprint);
                    reports.do_send(GatewayReport::Received {
                        gateway: inbound.gateway,
                        fingerprint: inbound.fingerprint,
                    });
                    true
                }
                Err(error) => {
                    error!(logger, "cannot store an MO message; the SMSC is told to send it again";
                        "error" => %error);
                    false
                }
            }
        }
    }

    /// Messages in flight when a session ended with `end`, oldest first,
    /// go back to the queue: at the front, unchanged, when it closed or
    /// drained; counted as an attempt when the connection was lost (those
    /// that reach `max_attempts` so fail).
    pub fn in_flight_back<E>(&self, back: Vec<Queued>, end: &End<E>) {
        if back.is_empty() {
            return;
        }
        warn!(self.logger, "messages in flight go back to the queue (the SMSC may have some: duplicates)";
            "count" => back.len());
        let failed = {
            let mut state = self.shared.lock();
            match end {
                End::Closed | End::Drained => {
                    for queued in back.into_iter().rev() {
                        state.queue.unsent(queued);
                    }
                    Vec::new()
                }
                End::Lost(_) => state.queue.dropped(back),
            }
        };
        for message in failed {
            warn!(self.logger, "in flight at too many dropped connections; failed";
                "message" => %message.id, "max_attempts" => self.max_attempts);
            self.refused(&message);
        }
        self.shared.wake.notify_waiters();
    }

    /// The connection ends: when `closed` (not drained), everything queued
    /// goes back to the switch; drained, the queue is the actor's.
    pub fn end(&self, closed: bool) {
        if closed {
            let count = self.shared.give_back_all(&self.reports);
            if count > 0 {
                info!(self.logger, "gateway stopping; queued messages given back"; "count" => count);
            }
        } else {
            self.set_state(BindState::Stopped, None);
        }
    }
}
