//! The summary board: the [`Book`] of report tallies with what it needs to
//! key them (the numbering table, the routes in force) and to cost them
//! (`[[gateway_costs]]`). One per switch, shared: the account actors count
//! each part accepted and charged, and each part's final state and refund,
//! once their batch is durable; the receipts actor counts each part a
//! gateway took (moving it from "no gateway" to that gateway, at its
//! cost) and persists the book in batches of its own about once a second
//! ([`SummaryBoard::flush`]); the report endpoints and pages read it. A
//! part is counted in the hour and day it was accepted. A lock held for a
//! few map operations at a time.
//!
//! What a crash can lose: the counts since the last flush (about a
//! second's; a clean stop flushes them); the ledger and the messages,
//! written in the accounts' batches, are exact.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, NaiveDate, Utc};
use slog::{Logger, error};

use crate::actors::protocol::route::LiveRoutes;
use crate::config::{GatewayCost, NumberingConfig};
use crate::model::{GatewayName, Message, Money};
use crate::numbering::{Operators, country};
use crate::quality::{CostTable, UNKNOWN_OPERATOR};
use crate::store::{Batch, Store};
use crate::summaries::{
    Book, Ending, GroupBy, KeyIds, KeyNames, NONE, Period, Row, Span, Tally, summarise,
};

/// Counts of one message's part, to add once its batch is durable.
#[derive(Debug, Clone)]
pub struct Pending {
    accepted_at: DateTime<Utc>,
    key: KeyIds,
    tally: Tally,
}

/// The shared board.
pub struct SummaryBoard {
    book: Mutex<Book>,
    operators: Operators,
    costs: CostTable,
    routes: Arc<LiveRoutes>,
}

fn lock(mutex: &Mutex<Book>) -> MutexGuard<'_, Book> {
    // A panic while counting leaves counts, not broken invariants.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether `message` is the first (or only) part of its text.
fn first_part(message: &Message) -> bool {
    message.part.is_none_or(|part| part.seq() == 1)
}

impl SummaryBoard {
    /// An empty board.
    pub fn new(
        numbering: &[NumberingConfig],
        costs: &[GatewayCost],
        routes: Arc<LiveRoutes>,
    ) -> SummaryBoard {
        SummaryBoard {
            book: Mutex::new(Book::new()),
            operators: Operators::new(numbering),
            costs: CostTable::new(costs),
            routes,
        }
    }

    /// The board with the buckets `store` keeps.
    pub fn load(board: SummaryBoard, store: &Store, logger: &Logger) -> Arc<SummaryBoard> {
        match store.summary_buckets() {
            Ok(buckets) => {
                let mut book = lock(&board.book);
                for bucket in buckets {
                    match bucket {
                        Ok((id, tally)) => book.load(id, &tally),
                        Err(error) => {
                            error!(logger, "a report summary bucket cannot be read; dropped from the reports"; "error" => %error)
                        }
                    }
                }
            }
            Err(error) => {
                error!(logger, "cannot read the report summaries back; they start empty"; "error" => %error)
            }
        }
        Arc::new(board)
    }

    /// Runs `count` on the book with `message`'s key, under `gateway`
    /// when one took it: its names borrowed and interned once, under
    /// one lock. This runs for every part three times (accepted, taken,
    /// finished), so nothing is copied into strings.
    fn with_key<R>(
        &self,
        message: &Message,
        gateway: Option<&GatewayName>,
        count: impl FnOnce(&mut Book, KeyNames<'_>) -> R,
    ) -> R {
        let number = message.destination.text();
        let routes = self.routes.current();
        let route = routes
            .table
            .lookup(message.account.as_str(), number)
            .map_or(NONE, |route| route.prefix.as_str());
        let key = KeyNames {
            account: message.account.as_str(),
            country: country(number).unwrap_or(NONE),
            operator: self.operators.operator(number).unwrap_or(UNKNOWN_OPERATOR),
            gateway: gateway.map_or(NONE, GatewayName::as_str),
            route,
        };
        count(&mut lock(&self.book), key)
    }

    /// The counts of a part just accepted and charged (and, if it failed
    /// at once for want of a route, of its end).
    pub fn accepted(&self, message: &Message) -> Pending {
        let mut tally = Tally::default();
        tally.accept(first_part(message), message.price);
        if message.state().is_final() {
            tally.finish(Ending::of(message.state()), Money::ZERO);
        }
        Pending {
            accepted_at: message.created_at,
            key: self.with_key(message, None, |book, key| book.intern(&key)),
            tally,
        }
    }

    /// The counts of a part that reached its final state, `refunded`
    /// given back: under its gateway if one took it.
    pub fn finished(&self, message: &Message, refunded: Money) -> Pending {
        let gateway = message.upstream_id.as_ref().and(message.gateway.as_ref());
        let mut tally = Tally::default();
        tally.finish(Ending::of(message.state()), refunded);
        Pending {
            accepted_at: message.created_at,
            key: self.with_key(message, gateway, |book, key| book.intern(&key)),
            tally,
        }
    }

    /// Adds counts whose batch is durable.
    pub fn add(&self, pending: impl IntoIterator<Item = Pending>) {
        let mut book = lock(&self.book);
        for pending in pending {
            book.add(pending.accepted_at, pending.key, &pending.tally);
        }
    }

    /// The SMSC of `gateway` took `message`: its part moves from "no
    /// gateway" to `gateway`, at the gateway's cost for its number.
    pub fn taken(&self, gateway: &GatewayName, message: &Message) {
        let cost = self
            .costs
            .cost(gateway.as_str(), message.destination.text())
            .unwrap_or(Money::ZERO);
        let (first, price) = (first_part(message), message.price);
        self.with_key(message, None, |book, waiting| {
            let taken = KeyNames {
                gateway: gateway.as_str(),
                ..waiting
            };
            let (waiting, taken) = (book.intern(&waiting), book.intern(&taken));
            book.record(message.created_at, waiting, |tally| {
                tally.withdraw(first, price)
            });
            book.record(message.created_at, taken, |tally| {
                tally.accept(first, price);
                tally.take(cost);
            });
        });
    }

    /// Hands the buckets changed since the last flush to the store in a
    /// batch of its own, and drops the hour buckets no longer kept. Not
    /// waited on: a crash loses at most the counts since the last flush.
    pub fn flush(&self, store: &Store) {
        let (dirty, gone) = {
            let mut book = lock(&self.book);
            let gone = book.prune(Utc::now());
            (book.take_dirty(), gone)
        };
        if dirty.is_empty() && gone.is_empty() {
            return;
        }
        let mut batch = Batch::new();
        for (id, tally) in &dirty {
            batch.put_summary_bucket(id, tally);
        }
        for id in &gone {
            batch.remove_summary_bucket(id);
        }
        drop(store.commit(batch));
    }

    /// Each hour of the UTC day holding `now` up to its hour, with the
    /// tallies of `account` (every account when `None`).
    pub fn today(&self, now: DateTime<Utc>, account: Option<&str>) -> Vec<(DateTime<Utc>, Tally)> {
        let day = Span::Day.start(now);
        let hour = Span::Hour.start(now);
        let counted = lock(&self.book).hours(day, hour + 1, account);
        (day..=hour)
            .step_by(3_600_000)
            .filter_map(|start| {
                let at = DateTime::from_timestamp_millis(start)?;
                Some((at, counted.get(&start).cloned().unwrap_or_default()))
            })
            .collect()
    }

    /// The rows of the UTC days `from` to `to` per `period` and group.
    pub fn summary(
        &self,
        period: Period,
        (from, to): (NaiveDate, NaiveDate),
        group_by: GroupBy,
        account: Option<&str>,
    ) -> Vec<Row> {
        summarise(&lock(&self.book), period, from, to, group_by, account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::protocol::route::Routing;
    use crate::model::{AccountId, Address, MessageId, MessageState, Npi, Ton, UpstreamId};
    use crate::routing::RouteTable;

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    fn message(id: u64, at: DateTime<Utc>) -> Message {
        let mut message = Message::new(
            MessageId::new(id),
            AccountId::new("demo").unwrap(),
            Address::alphanumeric("Shop").unwrap(),
            Address::new(Ton::International, Npi::Isdn, "+34600123456").unwrap(),
            b"hi".to_vec(),
            at,
        );
        message.price = money("1.00");
        message.transition(MessageState::Routed, at).unwrap();
        message
    }

    #[test]
    fn a_part_moves_to_the_gateway_that_took_it_and_a_refused_one_stays_refunded() {
        let board = SummaryBoard::new(
            &[NumberingConfig {
                prefix: "346".into(),
                operator: "movistar".into(),
            }],
            &[GatewayCost {
                gateway: "sim".into(),
                prefix: "34".into(),
                cost: money("0.30"),
            }],
            Arc::new(LiveRoutes::new(Routing {
                table: RouteTable::default(),
                actors: Vec::new(),
            })),
        );
        let at: DateTime<Utc> = "2026-12-06T10:30:00Z".parse().unwrap();
        let sim = GatewayName::new("sim".to_owned()).unwrap();

        let mut taken = message(1, at);
        board.add([board.accepted(&taken)]);
        taken.gateway = Some(sim.clone());
        taken.upstream_id = Some(UpstreamId::new("u1".to_owned()).unwrap());
        taken.transition(MessageState::Submitted, at).unwrap();
        board.taken(&sim, &taken);
        taken.transition(MessageState::Delivered, at).unwrap();
        board.add([board.finished(&taken, Money::ZERO)]);

        let mut refused = message(2, at);
        board.add([board.accepted(&refused)]);
        refused.gateway = Some(sim);
        refused.transition(MessageState::Rejected, at).unwrap();
        board.add([board.finished(&refused, money("1.00"))]);

        let day = at.date_naive();
        let rows = board.summary(Period::Day, (day, day), GroupBy::Gateway, None);
        let cells: Vec<_> = rows
            .iter()
            .map(|row| {
                let t = &row.tally;
                (
                    row.group.as_str(),
                    t.parts,
                    t.taken,
                    t.delivered,
                    t.rejected,
                    t.credit(),
                    t.cost,
                )
            })
            .collect();
        assert_eq!(
            cells,
            [
                (NONE, 1, 0, 0, 1, Money::ZERO, Money::ZERO),
                ("sim", 1, 1, 1, 0, money("1.00"), money("0.30")),
            ]
        );
        let by_operator = board.summary(Period::Month, (day, day), GroupBy::Operator, Some("demo"));
        assert_eq!(by_operator.len(), 1);
        assert_eq!(by_operator[0].group, "movistar");
        assert_eq!(by_operator[0].country.as_deref(), Some("ES"));
        assert_eq!(by_operator[0].tally.margin(), money("0.70"));
        assert!(
            board
                .summary(Period::Day, (day, day), GroupBy::Route, Some("other"))
                .is_empty()
        );

        let hours = board.today(at, None);
        assert_eq!(hours.len(), 11);
        assert_eq!(hours[10].1.messages, 2);
        assert_eq!(hours[9].1, Tally::default());
    }
}
