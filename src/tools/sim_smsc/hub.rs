//! Where receipts and MO messages wait (SMPP deliver_sm, or UCP
//! operations 52 and 53: the hub carries any delivery `D`): first until they are due (the
//! receipt delay after the submit was answered), then until a receiver or
//! transceiver bind of the account that submitted them can take them. One
//! task owns it all; connections talk to it over a channel, so no lock is
//! taken per message.
//!
//! Every delivery is due a fixed delay after it reaches the hub, so the
//! order of arrival is the order of due times and a FIFO is the timer
//! queue: no heap, no timer per message.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

/// Messages the hub hands to one connection.
pub(super) type Deliveries<D> = UnboundedReceiver<D>;

/// What connections tell the hub.
// Nearly every message is a `Schedule`; boxing its PDU would cost an
// allocation per receipt to shrink the rare ones.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum ToHub<D> {
    /// Send `delivery` to a receiver of `system_id` once the delay is over.
    Schedule { system_id: Arc<str>, delivery: D },
    /// Connection `connection` is bound as receiver or transceiver.
    Bound {
        system_id: Arc<str>,
        connection: u64,
        sender: UnboundedSender<D>,
    },
    /// It is gone; what it had not delivered goes to another receiver.
    Gone {
        system_id: Arc<str>,
        connection: u64,
        undelivered: Vec<D>,
    },
}

/// The connections' side of the hub. If the hub task has ended (the
/// runtime is shutting down) messages are dropped: nothing is left to
/// deliver them to.
#[derive(Debug, Clone)]
pub(super) struct HubHandle<D> {
    sender: UnboundedSender<ToHub<D>>,
}

impl<D> HubHandle<D> {
    pub(super) fn schedule(&self, system_id: &Arc<str>, delivery: D) {
        let _ = self.sender.send(ToHub::Schedule {
            system_id: Arc::clone(system_id),
            delivery,
        });
    }

    /// Register a receiver; the returned channel carries its deliveries.
    pub(super) fn bound(&self, system_id: &Arc<str>, connection: u64) -> Deliveries<D> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let _ = self.sender.send(ToHub::Bound {
            system_id: Arc::clone(system_id),
            connection,
            sender,
        });
        receiver
    }

    pub(super) fn gone(&self, system_id: &Arc<str>, connection: u64, undelivered: Vec<D>) {
        let _ = self.sender.send(ToHub::Gone {
            system_id: Arc::clone(system_id),
            connection,
            undelivered,
        });
    }
}

/// Start the hub task on the current runtime.
pub(super) fn start<D: Send + 'static>(delay: Duration) -> HubHandle<D> {
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(Hub::new(delay).run(receiver));
    HubHandle { sender }
}

/// One account's receivers and what waits for one.
#[derive(Debug)]
struct Account<D> {
    receivers: Vec<(u64, UnboundedSender<D>)>,
    /// Round-robin position among `receivers`.
    next: usize,
    /// Due, but no receiver is bound.
    waiting: VecDeque<D>,
}

impl<D> Default for Account<D> {
    fn default() -> Account<D> {
        Account {
            receivers: Vec::new(),
            next: 0,
            waiting: VecDeque::new(),
        }
    }
}

impl<D> Account<D> {
    /// Hand `delivery` to the next receiver, or keep it.
    fn deliver(&mut self, mut delivery: D) {
        while !self.receivers.is_empty() {
            let index = self.next % self.receivers.len();
            self.next = index + 1;
            let Some((_, sender)) = self.receivers.get(index) else {
                break;
            };
            match sender.send(delivery) {
                Ok(()) => return,
                // Closed before its `Gone` reached us.
                Err(returned) => {
                    delivery = returned.0;
                    self.receivers.swap_remove(index);
                }
            }
        }
        self.waiting.push_back(delivery);
    }
}

#[derive(Debug)]
struct Hub<D> {
    delay: Duration,
    /// (due, account, delivery), in due order (see the module doc).
    scheduled: VecDeque<(Instant, Arc<str>, D)>,
    accounts: HashMap<Arc<str>, Account<D>>,
}

impl<D> Hub<D> {
    fn new(delay: Duration) -> Hub<D> {
        Hub {
            delay,
            scheduled: VecDeque::new(),
            accounts: HashMap::new(),
        }
    }

    async fn run(mut self, mut inbox: UnboundedReceiver<ToHub<D>>) {
        let mut batch = Vec::with_capacity(256);
        loop {
            let due = self.scheduled.front().map(|(at, ..)| *at);
            tokio::select! {
                received = inbox.recv_many(&mut batch, 256) => {
                    if received == 0 {
                        return;
                    }
                    let now = Instant::now();
                    for message in batch.drain(..) {
                        self.handle(message, now);
                    }
                }
                () = crate::tools::sleep_until(due) => {}
            }
            self.release(Instant::now());
        }
    }

    fn handle(&mut self, message: ToHub<D>, now: Instant) {
        match message {
            ToHub::Schedule {
                system_id,
                delivery,
            } => self
                .scheduled
                .push_back((now + self.delay, system_id, delivery)),
            ToHub::Bound {
                system_id,
                connection,
                sender,
            } => {
                let account = self.accounts.entry(system_id).or_default();
                account.receivers.push((connection, sender));
                let waiting = std::mem::take(&mut account.waiting);
                for delivery in waiting {
                    account.deliver(delivery);
                }
            }
            ToHub::Gone {
                system_id,
                connection,
                undelivered,
            } => {
                let account = self.accounts.entry(system_id).or_default();
                account.receivers.retain(|(id, _)| *id != connection);
                for delivery in undelivered {
                    account.deliver(delivery);
                }
            }
        }
    }

    /// Hand over everything due by `now`.
    fn release(&mut self, now: Instant) {
        while self.scheduled.front().is_some_and(|(at, ..)| *at <= now) {
            if let Some((_, system_id, delivery)) = self.scheduled.pop_front() {
                self.accounts
                    .entry(system_id)
                    .or_default()
                    .deliver(delivery);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smpp::pdu::DeliverSm;

    fn delivery(text: &'static str) -> DeliverSm {
        use crate::smpp::pdu::OctetString;
        DeliverSm::builder()
            .short_message(OctetString::from_static_slice(text.as_bytes()).unwrap())
            .build()
    }

    fn text(delivery: &DeliverSm) -> &[u8] {
        delivery.short_message().as_ref()
    }

    #[test]
    fn deliveries_wait_for_a_receiver_then_go_round_robin() {
        let mut hub = Hub::<DeliverSm>::new(Duration::from_millis(10));
        let account: Arc<str> = Arc::from("demo");
        let start = Instant::now();
        for t in ["a", "b", "c"] {
            hub.handle(
                ToHub::Schedule {
                    system_id: Arc::clone(&account),
                    delivery: delivery(t),
                },
                start,
            );
        }
        hub.release(start);
        assert_eq!(hub.scheduled.len(), 3, "not due yet");
        hub.release(start + Duration::from_millis(10));
        let waiting = &hub.accounts[&account].waiting;
        assert_eq!(waiting.len(), 3, "due, but nobody to deliver to");

        let (first, mut first_rx) = mpsc::unbounded_channel();
        let (second, mut second_rx) = mpsc::unbounded_channel();
        hub.handle(
            ToHub::Bound {
                system_id: Arc::clone(&account),
                connection: 1,
                sender: first,
            },
            start,
        );
        hub.handle(
            ToHub::Bound {
                system_id: Arc::clone(&account),
                connection: 2,
                sender: second,
            },
            start,
        );
        for t in ["d", "e"] {
            hub.handle(
                ToHub::Schedule {
                    system_id: Arc::clone(&account),
                    delivery: delivery(t),
                },
                start,
            );
        }
        hub.release(start + Duration::from_millis(10));
        let got = |rx: &mut UnboundedReceiver<DeliverSm>| {
            std::iter::from_fn(|| rx.try_recv().ok())
                .map(|d| String::from_utf8_lossy(text(&d)).into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(got(&mut first_rx), ["a", "b", "c", "e"]);
        assert_eq!(got(&mut second_rx), ["d"]);
    }

    #[test]
    fn what_a_gone_receiver_held_goes_to_another_and_closed_ones_are_skipped() {
        let mut hub = Hub::<DeliverSm>::new(Duration::ZERO);
        let account: Arc<str> = Arc::from("demo");
        let now = Instant::now();
        let (closed, closed_rx) = mpsc::unbounded_channel();
        drop(closed_rx);
        let (open, mut open_rx) = mpsc::unbounded_channel();
        for (connection, sender) in [(1, closed), (2, open)] {
            hub.handle(
                ToHub::Bound {
                    system_id: Arc::clone(&account),
                    connection,
                    sender,
                },
                now,
            );
        }
        hub.handle(
            ToHub::Gone {
                system_id: Arc::clone(&account),
                connection: 3,
                undelivered: vec![delivery("x"), delivery("y")],
            },
            now,
        );
        assert_eq!(text(&open_rx.try_recv().unwrap()), b"x");
        assert_eq!(text(&open_rx.try_recv().unwrap()), b"y");
        assert_eq!(hub.accounts[&account].receivers.len(), 1);
    }
}
