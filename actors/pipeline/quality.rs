//! The route quality board: the [`Book`] of counts with what it needs to
//! fill and read it (the numbering table, the gateway costs, `[quality]`),
//! and what the `least_cost` and `quality` routes decided lately. One per
//! switch, shared: the receipts actor counts into it and persists it in
//! batches of its own ([`QualityBoard::flush`]), the route actors read
//! their gateways' figures from it and note their changes, the report
//! endpoint reads it all. It also keeps the probes in flight: the prober
//! notes each one sent, the receipts actor its receipt, the MO router its
//! arrival, and the flush settles those done. A lock held for a few map
//! operations at a time.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use slog::{Logger, error, info, warn};

use crate::actors::protocol::mail::Notices;
use crate::config::{GatewayCost, NumberingConfig, QualitySettings, RouteMode};
use crate::metrics;
use crate::model::{GatewayName, Lang, Message, MessageState, Money};
use crate::numbering::Operators;
use crate::quality::probes::{Probe, Probes};
use crate::quality::{
    Alert, AlertChange, Alerts, Book, CostTable, Counts, Key, Observed, Outcome, ProbeFindings,
    UNKNOWN_OPERATOR, crossed,
};
use crate::store::{Batch, Store};

/// Changes kept per route for the report.
const CHANGES_KEPT: usize = 20;

/// One automatic change of a route, as the report shows it.
#[derive(Debug, Clone)]
pub struct Decision {
    pub at: DateTime<Utc>,
    /// `taken_out`, `restored` or `preferred`.
    pub change: &'static str,
    pub gateway: String,
    /// For `preferred`: the gateway traffic went to before.
    pub from: Option<String>,
    pub reason: String,
}

/// Where a `least_cost` or `quality` route stands.
#[derive(Debug, Clone, Default)]
pub struct RouteStanding {
    pub mode: RouteMode,
    pub preferred: Option<String>,
    pub taken_out: Vec<String>,
    /// Newest last, at most [`CHANGES_KEPT`].
    pub changes: VecDeque<Decision>,
}

/// The shared board.
pub struct QualityBoard {
    book: Mutex<Book>,
    operators: Operators,
    costs: CostTable,
    settings: QualitySettings,
    routes: Mutex<BTreeMap<String, RouteStanding>>,
    alerts: Mutex<Alerts>,
    probes: Mutex<Probes>,
    /// `probes.wait_s`; `None` without `[probes]`.
    probe_wait: Option<Duration>,
    /// Probes asked for through the API, not yet sent.
    probe_asked: AtomicBool,
    /// Where a raised alert is mailed; `None` without `[mail]`.
    notices: Option<Notices>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while counting leaves counts, not broken invariants.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl QualityBoard {
    /// An empty board.
    pub fn new(
        settings: QualitySettings,
        numbering: &[NumberingConfig],
        costs: &[GatewayCost],
        probe_wait: Option<Duration>,
    ) -> QualityBoard {
        QualityBoard {
            book: Mutex::new(Book::new(settings.window)),
            operators: Operators::new(numbering),
            costs: CostTable::new(costs),
            settings,
            routes: Mutex::new(BTreeMap::new()),
            alerts: Mutex::new(Alerts::default()),
            probes: Mutex::new(Probes::default()),
            probe_wait,
            probe_asked: AtomicBool::new(false),
            notices: None,
        }
    }

    /// The board, mailing each alert it raises through `notices`.
    pub fn with_notices(self, notices: Option<Notices>) -> QualityBoard {
        QualityBoard { notices, ..self }
    }

    /// The board with the buckets `store` keeps.
    pub fn load(board: QualityBoard, store: &Store, logger: &Logger) -> Arc<QualityBoard> {
        match store.quality_buckets() {
            Ok(buckets) => {
                let mut book = lock(&board.book);
                for bucket in buckets {
                    match bucket {
                        Ok((id, counts)) => book.load(id, &counts),
                        Err(error) => {
                            error!(logger, "a route quality bucket cannot be read; dropped from the counts"; "error" => %error)
                        }
                    }
                }
            }
            Err(error) => {
                error!(logger, "cannot read the route quality counts back; they start empty"; "error" => %error)
            }
        }
        Arc::new(board)
    }

    /// `[quality]`.
    pub fn settings(&self) -> &QualitySettings {
        &self.settings
    }

    fn key(&self, gateway: &GatewayName, number: &str) -> Key {
        let operator = self.operators.operator(number).unwrap_or(UNKNOWN_OPERATOR);
        (gateway.as_str().to_owned(), operator.to_owned())
    }

    fn record(&self, gateway: &GatewayName, message: &Message, count: impl Fn(&mut Counts)) {
        let key = self.key(gateway, message.destination.text());
        lock(&self.book).record(Utc::now(), &key, count);
    }

    /// The SMSC of `gateway` took `message`.
    pub fn accepted(&self, gateway: &GatewayName, message: &Message) {
        let cost = self
            .costs
            .cost(gateway.as_str(), message.destination.text())
            .unwrap_or(Money::ZERO);
        let price = message.price;
        self.record(gateway, message, |counts| counts.accept(cost, price));
    }

    /// The SMSC of `gateway` refused `message` for good.
    pub fn refused(&self, gateway: &GatewayName, message: &Message) {
        self.record(gateway, message, |counts| counts.refused += 1);
    }

    /// `message` reached its final `state` by a receipt (or was given up);
    /// after `receipt_wait_s` it is a late receipt.
    pub fn finished(&self, message: &Message, state: MessageState, error_code: Option<u16>) {
        let Some(gateway) = &message.gateway else {
            return;
        };
        let now = Utc::now();
        let latency = message
            .submitted_at()
            .and_then(|at| (now - at).to_std().ok())
            .unwrap_or_default();
        lock(&self.probes).receipt(message.id, state);
        let outcome = Outcome::of(state);
        let late = latency > self.settings.receipt_wait;
        self.record(gateway, message, |counts| {
            if late {
                counts.late_receipt(latency);
            } else {
                counts.receipt(outcome, error_code, latency);
            }
        });
    }

    /// `message`'s receipt had not come `receipt_wait_s` after its submit.
    pub fn missing(&self, message: &Message) {
        if let Some(gateway) = &message.gateway {
            self.record(gateway, message, |counts| counts.missing += 1);
        }
    }

    /// What `gateway` did over the last window for the route of `prefix`:
    /// for the operator the prefix belongs to, when the numbering table
    /// says, else for every operator; its cost for the prefix.
    pub fn observed(&self, gateway: &str, prefix: &str) -> Observed {
        let operator = self.operators.operator(prefix);
        let counts = lock(&self.book).gateway_window(Utc::now(), gateway, operator);
        let figures = counts.figures();
        Observed {
            cost: self.costs.cost(gateway, prefix),
            figures: (figures.settled >= self.settings.min_receipts).then_some(figures),
            fake_receipts: counts.fake_receipts,
        }
    }

    /// Each (gateway, operator)'s counts over the last window and the
    /// last 24 windows.
    pub fn windows(&self) -> (BTreeMap<Key, Counts>, BTreeMap<Key, Counts>) {
        let now = Utc::now();
        let book = lock(&self.book);
        (book.last_window(now), book.last_day(now))
    }

    /// Notes where the route of `prefix` stands and the changes it made.
    pub fn standing(&self, prefix: &str, standing: RouteStanding, changes: Vec<Decision>) {
        let mut routes = lock(&self.routes);
        let entry = routes.entry(prefix.to_owned()).or_default();
        let mut kept = std::mem::take(&mut entry.changes);
        kept.extend(changes);
        while kept.len() > CHANGES_KEPT {
            kept.pop_front();
        }
        *entry = RouteStanding {
            changes: kept,
            ..standing
        };
    }

    /// The route of `prefix` no longer picks by quality and cost.
    pub fn forget_standing(&self, prefix: &str) {
        lock(&self.routes).remove(prefix);
    }

    /// Every `least_cost` and `quality` route's standing, by prefix.
    pub fn standings(&self) -> BTreeMap<String, RouteStanding> {
        lock(&self.routes).clone()
    }

    /// Probe `message` was handed to `gateway`.
    pub fn probe_sent(&self, gateway: &GatewayName, message: &Message) {
        let (gateway, operator) = self.key(gateway, message.destination.text());
        let probe = Probe {
            gateway,
            operator,
            sender: message.source.text().to_owned(),
            text: String::from_utf8_lossy(&message.payload).into_owned(),
            sent_at: Utc::now(),
            receipt: None,
            arrived: None,
        };
        lock(&self.probes).sent(message.id, probe);
    }

    /// An MO from `sender` with `text` arrived; `true` when it was a
    /// probe in flight.
    pub fn probe_arrived(&self, sender: &str, text: &str) -> bool {
        lock(&self.probes).arrived(sender, text, Utc::now())
    }

    /// Whether there are test numbers to probe (`[probes]`).
    pub fn probing(&self) -> bool {
        self.probe_wait.is_some()
    }

    /// Asks the prober for a round of probes now; `false` without
    /// `[probes]`.
    pub fn ask_probes(&self) -> bool {
        self.probe_asked.store(true, Ordering::Relaxed);
        self.probe_wait.is_some()
    }

    /// Whether a round was asked for since the last call.
    pub fn probes_asked(&self) -> bool {
        self.probe_asked.swap(false, Ordering::Relaxed)
    }

    /// Counts the probes done: arrived (with the real delivery time and
    /// whether the sender or the text was changed), or waited out; a
    /// DELIVRD one that never arrived is a fake receipt. Fake receipts and
    /// rewritten senders are logged.
    fn settle_probes(&self, now: DateTime<Utc>, logger: &Logger) {
        let Some(wait) = self.probe_wait else {
            return;
        };
        let settled = lock(&self.probes).settle(now, wait);
        let mut book = lock(&self.book);
        for done in settled {
            let probe = &done.probe;
            if done.fake_receipt {
                warn!(logger, "fake receipt: DELIVRD for a probe that never arrived";
                    "gateway" => &probe.gateway, "operator" => &probe.operator, "text" => &probe.text);
            }
            let sender_rewritten = probe
                .arrived
                .as_ref()
                .filter(|arrival| !arrival.sender_as_sent);
            if let Some(arrival) = sender_rewritten {
                warn!(logger, "sender rewritten: a probe arrived from another sender than it was sent with";
                    "gateway" => &probe.gateway, "operator" => &probe.operator, "text" => &probe.text,
                    "sent_as" => &probe.sender, "arrived_as" => &arrival.sender);
            }
            let key = (probe.gateway.clone(), probe.operator.clone());
            book.record(probe.sent_at, &key, |counts| {
                counts.probes += 1;
                if let Some(delivery) = done.delivery {
                    counts.probes_arrived += 1;
                    counts.probe_latency.observe(delivery);
                }
                if probe
                    .arrived
                    .as_ref()
                    .is_some_and(|arrival| !arrival.text_as_sent)
                {
                    counts.probes_altered += 1;
                }
                if sender_rewritten.is_some() {
                    counts.probes_sender_rewritten += 1;
                }
                if done.fake_receipt {
                    counts.fake_receipts += 1;
                }
            });
        }
    }

    /// The alerts in force, by gateway.
    pub fn alerts(&self) -> BTreeMap<String, Alert> {
        lock(&self.alerts).active().clone()
    }

    /// Hands the buckets changed since the last flush to the store in a
    /// batch of their own, drops those out of view, sets each gateway's
    /// gauges from the last window, and raises or clears its alert.
    pub fn flush(&self, store: &Store, logger: &Logger) {
        let now = Utc::now();
        self.settle_probes(now, logger);
        let (dirty, gone, window) = {
            let mut book = lock(&self.book);
            let gone = book.prune(now);
            (book.take_dirty(), gone, book.last_window(now))
        };
        if !dirty.is_empty() || !gone.is_empty() {
            let mut batch = Batch::new();
            for (id, counts) in &dirty {
                batch.put_quality_bucket(id, counts);
            }
            for id in &gone {
                batch.remove_quality_bucket(id);
            }
            // Not waited on: counts are statistics, a crash loses at most
            // the last flush's.
            drop(store.commit(batch));
        }
        let mut by_gateway: BTreeMap<&str, Counts> = BTreeMap::new();
        for ((gateway, _), counts) in &window {
            by_gateway.entry(gateway).or_default().merge(counts);
        }
        let mut alerts = lock(&self.alerts);
        for (gateway, counts) in by_gateway {
            let figures = counts.figures();
            let findings = ProbeFindings {
                fake_receipts: counts.fake_receipts,
                senders_rewritten: counts.probes_sender_rewritten,
            };
            let crossing = (figures.settled >= self.settings.min_receipts)
                .then(|| crossed(&self.settings.alerts, &figures, findings));
            match alerts.look(gateway, crossing, now) {
                Some(AlertChange::Raised(alert)) => {
                    let crossing = alert.crossing;
                    warn!(logger, "route quality alert raised";
                        "gateway" => gateway, "kind" => crossing.kind(),
                        "reason" => crossing.reason(Lang::En));
                    metrics::global().quality_alert(gateway, crossing.kind());
                    if let Some(notices) = &self.notices {
                        notices.quality_alert(gateway, &crossing);
                    }
                }
                Some(AlertChange::Cleared(alert)) => {
                    info!(logger, "route quality alert cleared";
                        "gateway" => gateway, "kind" => alert.crossing.kind(),
                        "raised_for" => alert.crossing.reason(Lang::En));
                }
                None => {}
            }
            metrics::global().set_gateway_quality(
                gateway,
                [
                    figures.delivery_ratio,
                    figures.latency_p50_s,
                    figures.latency_p95_s,
                ],
            );
        }
    }

    /// How often the receipts actor flushes: a fine bucket, 50 ms to 1 s.
    pub fn flush_every(&self) -> Duration {
        (self.settings.window / 60).clamp(Duration::from_millis(50), Duration::from_secs(1))
    }
}
