//! One connection of the simulator in a protocol of numbered requests
//! (`--protocol ucp` and `cimd2`), whatever the protocol: a writer task,
//! the read and decode loop, the login's hold on the hub, and the window
//! through which status reports and MO go out (at most [`WINDOW`]
//! outstanding, each under the next free number; one refused comes again
//! later, and what a closed connection had not delivered goes back to the
//! hub for another connection of its login). A [`Wire`] says how units
//! are read and written and how a request of the client's is answered.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc::{self, UnboundedSender};

use super::hub::{Deliveries, HubHandle};
use super::shared::log;
use crate::simulation::SubmitReply;
use crate::tools::link::{Reader, Transport};
use crate::upstream::{Outcome, classify};

/// Our requests outstanding at most.
pub(super) const WINDOW: usize = 100;

/// What one protocol does on a simulator connection.
pub(super) trait Wire: Sized + 'static {
    /// The numbers the server's requests go under.
    type Number: Ord + Copy;
    /// What either side sends.
    type Unit: Send + 'static;
    /// What the hub holds: a status report or an MO, not numbered yet.
    type Delivery;
    /// The protocol, for the log.
    const NAME: &'static str;
    /// Its keep-alive, for the log ("alerts").
    const KEEPALIVES: &'static str;
    /// How many numbers there are.
    const NUMBERS: u8;

    /// The hub of status reports and MO.
    fn hub(&self) -> &HubHandle<Self::Delivery>;
    /// The number at `index` (below `NUMBERS`).
    fn number(index: u8) -> Option<Self::Number>;
    /// Appends `unit`'s frame to `dst`; `false` when it cannot be written.
    fn encode(unit: &Self::Unit, dst: &mut BytesMut) -> bool;
    /// The unit at the front of `inbox` and its length; `Err` with the
    /// octets to drop and what to answer when it does not decode.
    #[allow(clippy::type_complexity)]
    fn decode(inbox: &[u8]) -> Result<Option<(Self::Unit, usize)>, (usize, Option<Self::Unit>)>;
    /// `Some` when `unit` answers one of ours: its number, and whether it
    /// refused what it answers.
    fn response(unit: &Self::Unit) -> Option<(Self::Number, bool)>;
    /// Answers the client's request `unit`.
    fn request(session: &mut Session<Self>, unit: Self::Unit);
    /// `delivery` as a request numbered `number`.
    fn numbered(delivery: &Self::Delivery, number: Self::Number) -> Option<Self::Unit>;
}

/// One connection.
pub(super) struct Session<W: Wire> {
    id: u64,
    pub wire: W,
    /// To the writer task.
    pub outbox: UnboundedSender<W::Unit>,
    /// The name it logged in with.
    pub login: Option<Arc<str>>,
    /// What the hub hands it once logged in.
    deliveries: Option<Deliveries<W::Delivery>>,
    /// Our requests not yet answered, by number.
    outstanding: BTreeMap<W::Number, W::Delivery>,
    /// Requests waiting for room in the window.
    pending: VecDeque<W::Delivery>,
    /// The index of the next number to try.
    next: u8,
    pub submits: u64,
    pub keepalives: u64,
}

/// Serve one connection until it closes.
pub(super) async fn serve<W: Wire>(id: u64, transport: Transport, peer: SocketAddr, wire: W) {
    log(format_args!("{peer}: connected ({})", W::NAME));
    let (reader, mut writer) = transport.split();
    let (outbox, mut outgoing) = mpsc::unbounded_channel::<W::Unit>();
    let writing = tokio::spawn(async move {
        while let Some(unit) = outgoing.recv().await {
            let mut frame = BytesMut::new();
            if !W::encode(&unit, &mut frame) || writer.write_all(&frame).await.is_err() {
                break;
            }
        }
    });
    let mut session = Session {
        id,
        wire,
        outbox,
        login: None,
        deliveries: None,
        outstanding: BTreeMap::new(),
        pending: VecDeque::new(),
        next: 0,
        submits: 0,
        keepalives: 0,
    };
    let reason = session.run(reader).await;
    session.finish();
    drop(session);
    let _ = writing.await;
    log(format_args!("{peer}: closed ({reason})"));
}

impl<W: Wire> Session<W> {
    /// Reads and answers until the peer closes; says why it ended.
    async fn run(&mut self, mut reader: Reader) -> String {
        let mut inbox = Vec::new();
        loop {
            tokio::select! {
                read = reader.read_buf(&mut inbox) => match read {
                    Ok(0) => {
                        return format!(
                            "by the peer after {} submits, {} {}",
                            self.submits, self.keepalives, W::KEEPALIVES
                        );
                    }
                    Ok(_) => {}
                    Err(error) => return error.to_string(),
                },
                Some(delivery) = next_delivery(&mut self.deliveries) => {
                    self.pending.push_back(delivery);
                }
            }
            loop {
                match W::decode(&inbox) {
                    Ok(None) => break,
                    Ok(Some((unit, len))) => {
                        inbox.drain(..len.min(inbox.len()));
                        self.on_unit(unit);
                    }
                    Err((skip, reply)) => {
                        inbox.drain(..skip.min(inbox.len()));
                        if let Some(reply) = reply {
                            self.send(reply);
                        }
                    }
                }
            }
            self.fill_window();
        }
    }

    fn on_unit(&mut self, unit: W::Unit) {
        match W::response(&unit) {
            Some((number, refused)) => {
                if let Some(delivery) = self.outstanding.remove(&number)
                    && refused
                    && let Some(login) = &self.login
                {
                    // Refused (not stored): it comes again later.
                    self.wire.hub().schedule(login, delivery);
                }
            }
            None => W::request(self, unit),
        }
    }

    /// Logged in as `login`: the hub hands it what that login is owed.
    pub fn logged_in(&mut self, login: &str) {
        if self.login.is_none() {
            let login: Arc<str> = Arc::from(login);
            self.deliveries = Some(self.wire.hub().bound(&login, self.id));
            self.login = Some(login);
        }
    }

    pub fn send(&self, unit: W::Unit) {
        let _ = self.outbox.send(unit);
    }

    /// What it had not delivered goes back to the hub for another
    /// connection of its login.
    fn finish(&mut self) {
        if let Some(login) = &self.login {
            let mut undelivered: Vec<W::Delivery> = std::mem::take(&mut self.outstanding)
                .into_values()
                .collect();
            undelivered.extend(self.pending.drain(..));
            self.wire.hub().gone(login, self.id, undelivered);
        }
    }

    /// Sends pending deliveries while the window has room.
    fn fill_window(&mut self) {
        while self.outstanding.len() < WINDOW {
            let Some(delivery) = self.pending.pop_front() else {
                return;
            };
            let Some(number) = self.free_number() else {
                self.pending.push_front(delivery);
                return;
            };
            if let Some(unit) = W::numbered(&delivery, number) {
                self.send(unit);
                self.outstanding.insert(number, delivery);
            }
        }
    }

    fn free_number(&mut self) -> Option<W::Number> {
        for _ in 0..W::NUMBERS {
            let number = W::number(self.next)?;
            self.next = (self.next + 1) % W::NUMBERS;
            if !self.outstanding.contains_key(&number) {
                return Some(number);
            }
        }
        None
    }
}

async fn next_delivery<D>(deliveries: &mut Option<Deliveries<D>>) -> Option<D> {
    match deliveries {
        Some(deliveries) => deliveries.recv().await,
        None => std::future::pending().await,
    }
}

/// What the simulation table says to do with a submit, in the terms both
/// protocols answer in.
pub(super) enum Reply {
    /// Refused: for now (the client may retry), or for good.
    Refuse { temporary: bool },
    /// Never answered.
    Silent,
    /// Accepted, the answer sent after this long.
    After(Duration),
}

impl Reply {
    /// The table's `reply` for a submit.
    pub fn of(reply: SubmitReply) -> Reply {
        match reply {
            SubmitReply::Refuse(status) => Reply::Refuse {
                temporary: classify(status) == Outcome::Temporary,
            },
            SubmitReply::NoResponse => Reply::Silent,
            SubmitReply::Accept => Reply::After(Duration::ZERO),
            SubmitReply::AcceptAfter(delay) => Reply::After(delay),
        }
    }
}

impl<W: Wire> Session<W>
where
    // `HubHandle` is `Clone` (derived) only when what it carries is.
    W::Delivery: Clone + Send,
{
    /// Sends `answer` (a submit's) after `delay`, then hands what follows
    /// it (its status report, an MO) to the hub for `login`.
    pub fn answer_after(
        &self,
        answer: W::Unit,
        follow: Vec<W::Delivery>,
        login: &Arc<str>,
        delay: Duration,
    ) {
        let (outbox, hub, login) = (self.outbox.clone(), self.wire.hub().clone(), login.clone());
        let deliver = move || {
            let _ = outbox.send(answer);
            for delivery in follow {
                hub.schedule(&login, delivery);
            }
        };
        if delay.is_zero() {
            deliver();
        } else {
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                deliver();
            });
        }
    }
}
