//! The callbacks actor: sends the callback outbox (receipts as JSON POSTs,
//! Kannel `dlr-url` GETs) to customer servers, retrying with back-off, and
//! moves a callback that failed `max_attempts` times to the dead letters.
//!
//! - Items reach the outbox in the batch that writes the state they report
//!   (`enqueue`, called by the account and receipts actors); once that
//!   batch is durable, `Enqueued` hands them here.
//! - A 2xx answer is success: the item leaves the outbox. Anything else
//!   (another status, a refused connection, `timeout`) is a failed attempt,
//!   written back with its count; the next comes after `callbacks::backoff`.
//! - Back-off is per `host:port` too: after a failure the host gets no
//!   request until its own delay (growing with its failures in a row, reset
//!   by a success) has passed, and then one at a time until one succeeds,
//!   so a dead server is probed, not hammered by every callback it has
//!   waiting.
//! - At most `concurrency` requests are in flight, and at most
//!   [`PER_HOST`] to one `host:port`, so a dead or slow customer server
//!   holds only its own share and others' callbacks go on.
//! - Only where `callbacks.allow_private` permits: the client connects
//!   through `callback_targets::GuardedConnector`, which resolves the host
//!   and checks every address right before connecting. A callback whose
//!   host is, or resolves only to, a refused address goes to the dead
//!   letters at once, the refusal as its `last_error`: retrying would
//!   only call into the switch's own network again.
//! - At least once: the removal of a sent item is not awaited, so a crash
//!   right after a 2xx sends it again. Every attempt carries the same event
//!   id (`X-Pasarela-Event`, and `event_id` in a JSON body).
//!
//! - The store is the queue: memory holds at most a page of it
//!   (`store.outbox_page`), the oldest callbacks, and reads the next page
//!   as these are sent; callbacks queued past the page wait in the store.
//!
//! Supervised: after a panic (or at start) the outbox's first page is read
//! back from the store behind a barrier commit and every item is due at
//! once.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use awc::http::header::CONTENT_TYPE;
use chrono::Utc;
use slog::{Logger, error, info, warn};

use super::callback_targets::{GuardedConnector, refusal};
use crate::actors::protocol::callbacks::{Enqueued, Replay, SetSecret};
use crate::actors::supervision::guarded;
use crate::callbacks::address::AddressPolicy;
use crate::callbacks::backoff::Backoff;
use crate::callbacks::signature::{EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use crate::callbacks::target;
use crate::config::CallbackSettings;
use crate::model::AccountId;
use crate::store::{Batch, CallbackRequest, OutboxItem, Store, StoreError};
use crate::tls::{self, PemFile, TlsError};
use prometheus_client::metrics::gauge::Gauge;

/// Requests in flight to one `host:port` at most.
pub const PER_HOST: usize = 4;
/// The longest `last_error` kept with an item.
const MAX_ERROR_LEN: usize = 200;
/// The most of an answer's body read (and dropped). Reading it to its end
/// is what lets the connection go back to the pool for the next callback;
/// one left unread is closed, and every callback would connect anew.
const MAX_ANSWER: usize = 64 * 1024;

/// The TLS client settings of `https://` callbacks: the Mozilla roots
/// (webpki-roots), plus the authorities in `ca_file` when given.
pub fn tls_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let authorities = ca_file.map(|path| PemFile::new("callbacks.ca_file", path));
    let mut config = tls::client_config(authorities.as_ref())?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

pub struct Callbacks {
    store: Arc<Store>,
    settings: CallbackSettings,
    tls: Arc<rustls::ClientConfig>,
    /// `callback_secret` by account: callbacks of others go unsigned.
    secrets: HashMap<AccountId, String>,
    logger: Logger,
    /// Made in `started`: the client belongs to this actor's thread.
    client: Option<awc::Client>,
    /// Items known, waiting or in flight, by event id: at most about a
    /// page of the outbox.
    items: HashMap<u64, OutboxItem>,
    /// At most this many items are read into `items` at once.
    page: usize,
    /// The highest event id read from the store or taken in: every item
    /// up to it is in `items`, or sent, or dead.
    loaded_until: Option<u64>,
    /// Whether the store may hold items past `loaded_until`.
    more: bool,
    /// `pasarela_callback_outbox_loaded`: how many `items` holds.
    loaded: Gauge,
    hosts: HashMap<String, Host>,
    in_flight: usize,
    /// The timer for the next item that becomes due.
    wake: Option<SpawnHandle>,
}

/// One customer server's items.
#[derive(Default)]
struct Host {
    /// Items waiting, by when they are due.
    due: BTreeSet<(Instant, u64)>,
    in_flight: usize,
    /// Failed attempts in a row.
    failures: u32,
    /// No request before this, after a failure.
    paused_until: Option<Instant>,
}

impl Host {
    /// When its next request may start, and which: the first item due,
    /// not before the pause ends, and only with a slot free (one while it
    /// is failing).
    fn next_start(&self) -> Option<(Instant, u64)> {
        let slots = if self.failures > 0 { 1 } else { PER_HOST };
        if self.in_flight >= slots {
            return None;
        }
        let &(due, id) = self.due.first()?;
        Some((self.paused_until.map_or(due, |until| until.max(due)), id))
    }
}

impl Callbacks {
    /// `page` is `store.outbox_page`.
    pub fn new(
        store: Arc<Store>,
        page: usize,
        settings: CallbackSettings,
        tls: Arc<rustls::ClientConfig>,
        secrets: HashMap<AccountId, String>,
        logger: Logger,
    ) -> Callbacks {
        Callbacks {
            store,
            settings,
            tls,
            secrets,
            logger,
            client: None,
            items: HashMap::new(),
            page: page.max(1),
            loaded_until: None,
            more: true,
            loaded: crate::metrics::global().outbox_loaded(),
            hosts: HashMap::new(),
            in_flight: 0,
            wake: None,
        }
    }

    /// Forgets what is in memory and takes up the outbox's first page.
    fn reload(&mut self, ctx: &mut Context<Self>) {
        self.items.clear();
        self.hosts.clear();
        self.in_flight = 0;
        // A timer of the context before a restart is gone with it.
        self.wake = None;
        self.loaded_until = None;
        self.more = true;
        self.refill();
        info!(self.logger, "callback outbox loaded"; "items" => self.items.len(), "more_in_store" => self.more);
        self.pump(ctx);
    }

    /// Reads the next page of the outbox when memory holds less than half
    /// a page and the store has more; each item is due at once.
    fn refill(&mut self) {
        if self.more && self.items.len() < self.page.div_ceil(2) {
            self.read_page();
        }
        self.report_loaded();
    }

    fn report_loaded(&self) {
        self.loaded
            .set(i64::try_from(self.items.len()).unwrap_or(i64::MAX));
    }

    fn read_page(&mut self) {
        let wanted = self.page - self.items.len();
        match self.store.outbox_page(self.loaded_until, wanted) {
            Ok(page) => {
                self.more = page.len() == wanted;
                let now = Instant::now();
                for item in page {
                    match item {
                        Ok(item) => {
                            self.loaded_until = self.loaded_until.max(Some(item.id));
                            self.add(item, now);
                        }
                        Err(error) => {
                            error!(self.logger, "unreadable callback skipped"; "error" => %error)
                        }
                    }
                }
            }
            Err(error) => error!(self.logger, "cannot read the callback outbox"; "error" => %error),
        }
    }

    /// Takes in items now durable in the outbox: kept in memory when they
    /// belong to the page, else read when the page reaches them.
    fn take_in(&mut self, items: Vec<OutboxItem>, now: Instant) {
        for item in items {
            let within = self.loaded_until.is_some_and(|until| item.id <= until);
            if within || (!self.more && self.items.len() < self.page) {
                self.loaded_until = self.loaded_until.max(Some(item.id));
                self.add(item, now);
            } else {
                self.more = true;
            }
        }
        self.report_loaded();
    }

    /// Keeps `item`, due at `due`, unless it is known already.
    fn add(&mut self, item: OutboxItem, due: Instant) {
        if self.items.contains_key(&item.id) {
            return;
        }
        let host = target::host(item.request.url());
        self.hosts
            .entry(host)
            .or_default()
            .due
            .insert((due, item.id));
        self.items.insert(item.id, item);
    }

    /// Starts every due request there is room for, then sets the timer
    /// for the next one due.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        let limit = usize::try_from(self.settings.concurrency).unwrap_or(usize::MAX);
        let now = Instant::now();
        let mut started = true;
        // One request per host and round, so hosts share the slots.
        while started && self.in_flight < limit {
            started = false;
            let ready: Vec<(String, u64)> = self
                .hosts
                .iter()
                .filter_map(|(name, host)| {
                    let (at, id) = host.next_start()?;
                    (at <= now).then(|| (name.clone(), id))
                })
                .collect();
            for (name, id) in ready {
                if self.in_flight >= limit {
                    break;
                }
                if let Some(host) = self.hosts.get_mut(&name) {
                    host.due.pop_first();
                    host.in_flight += 1;
                }
                self.in_flight += 1;
                self.start(id, name, ctx);
                started = true;
            }
        }
        self.set_wake(ctx, now);
    }

    fn set_wake(&mut self, ctx: &mut Context<Self>, now: Instant) {
        if let Some(wake) = self.wake.take() {
            ctx.cancel_future(wake);
        }
        let next = self
            .hosts
            .values()
            .filter_map(|host| host.next_start().map(|(at, _)| at))
            .min();
        if let Some(next) = next {
            let delay = next.saturating_duration_since(now);
            self.wake = Some(ctx.run_later(delay, |callbacks, ctx| {
                callbacks.wake = None;
                callbacks.pump(ctx);
            }));
        }
    }

    fn start(&mut self, id: u64, host: String, ctx: &mut Context<Self>) {
        let (Some(item), Some(client)) = (self.items.get(&id), &self.client) else {
            return;
        };
        let secret = self.secrets.get(&item.account).cloned();
        let send = send(
            client.clone(),
            item.request.clone(),
            id,
            secret,
            self.settings.timeout,
        );
        ctx.spawn(
            send.into_actor(self)
                .map(move |result, callbacks, ctx| callbacks.finished(id, &host, result, ctx)),
        );
    }

    /// Records how an attempt went. Writes are not awaited: batches commit
    /// in order, and one lost in a crash only means the callback is sent
    /// again (or an attempt is not counted).
    fn finished(
        &mut self,
        id: u64,
        host: &str,
        result: Result<(), Failure>,
        ctx: &mut Context<Self>,
    ) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let backoff = Backoff {
            first: self.settings.retry_first,
            max: self.settings.retry_max,
        };
        let now = Instant::now();
        let server = self.hosts.entry(host.to_string()).or_default();
        server.in_flight = server.in_flight.saturating_sub(1);
        let mut batch = Batch::new();
        match result {
            Ok(()) => {
                server.failures = 0;
                server.paused_until = None;
                self.items.remove(&id);
                batch.remove_outbox(id);
            }
            Err(Failure::Refused(reason)) => {
                if let Some(item) = self.items.remove(&id) {
                    let item = OutboxItem {
                        attempts: item.attempts.saturating_add(1),
                        last_error: Some(reason.chars().take(MAX_ERROR_LEN).collect()),
                        ..item
                    };
                    warn!(self.logger, "callback target refused; moved to the dead letters";
                        "event" => id, "account" => %item.account, "message" => %item.message,
                        "error" => &reason);
                    batch.remove_outbox(id).put_dead_letter(&item);
                }
            }
            Err(Failure::Attempt(reason)) => {
                server.failures = server.failures.saturating_add(1);
                server.paused_until = Some(now + backoff.delay(server.failures, fastrand::f64()));
                if let Some(item) = self.items.get_mut(&id) {
                    item.attempts = item.attempts.saturating_add(1);
                    item.last_error = Some(reason.chars().take(MAX_ERROR_LEN).collect());
                    if item.attempts >= self.settings.max_attempts {
                        warn!(self.logger, "callback failed every attempt; moved to the dead letters";
                            "event" => id, "account" => %item.account, "message" => %item.message,
                            "attempts" => item.attempts, "error" => &reason);
                        batch.remove_outbox(id).put_dead_letter(item);
                        self.items.remove(&id);
                    } else {
                        let due = now + backoff.delay(item.attempts, fastrand::f64());
                        batch.update_outbox(item);
                        server.due.insert((due, id));
                    }
                }
            }
        }
        drop(self.store.commit(batch));
        self.hosts
            .retain(|_, host| host.in_flight > 0 || !host.due.is_empty());
        self.refill();
        self.pump(ctx);
    }
}

/// Why an attempt failed.
enum Failure {
    /// No 2xx answer (another status, no connection, a timeout): worth
    /// another attempt.
    Attempt(String),
    /// `callbacks.allow_private` refused every address of the host.
    Refused(String),
}

/// One attempt: the request with its event id, timestamp and (with a
/// secret) signature headers; `Ok` on a 2xx answer.
async fn send(
    client: awc::Client,
    request: CallbackRequest,
    id: u64,
    secret: Option<String>,
    timeout: Duration,
) -> Result<(), Failure> {
    let timestamp = Utc::now().timestamp();
    let (builder, body, signed) = match request {
        CallbackRequest::Post { url, body } => {
            let builder = client
                .post(url)
                .insert_header((CONTENT_TYPE, "application/json"));
            let signed = body.clone().into_bytes();
            (builder, Some(body), signed)
        }
        CallbackRequest::Get { url } => {
            let signed = url.clone().into_bytes();
            (client.get(url), None, signed)
        }
    };
    let mut builder = builder
        .timeout(timeout)
        .insert_header((EVENT_HEADER, id.to_string()))
        .insert_header((TIMESTAMP_HEADER, timestamp.to_string()));
    if let Some(secret) = secret {
        builder = builder.insert_header((
            SIGNATURE_HEADER,
            sign(secret.as_bytes(), timestamp, &signed),
        ));
    }
    let mut response = match body {
        Some(body) => builder.send_body(body).await,
        None => builder.send().await,
    }
    .map_err(|error| match refusal(&error) {
        Some(refused) => Failure::Refused(refused.to_string()),
        None => Failure::Attempt(error.to_string()),
    })?;
    let status = response.status();
    // The status decides; a body too long or cut short only costs the
    // connection its reuse.
    let _ = response.body().limit(MAX_ANSWER).await;
    if status.is_success() {
        Ok(())
    } else {
        Err(Failure::Attempt(format!(
            "answered HTTP {}",
            status.as_u16()
        )))
    }
}

impl Actor for Callbacks {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let timeout = self.settings.timeout;
        let policy = Arc::new(AddressPolicy::new(self.settings.allow_private.clone()));
        self.client = Some(
            awc::Client::builder()
                .timeout(timeout)
                .connector(
                    awc::Connector::new()
                        .connector(GuardedConnector::new(policy))
                        .timeout(timeout)
                        .rustls_0_23(self.tls.clone()),
                )
                // A redirect is a failed attempt: a receipt is not re-sent
                // elsewhere (or turned into a GET) behind the customer's back.
                .disable_redirects()
                .finish(),
        );
        self.reload(ctx);
    }
}

impl Supervised for Callbacks {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        // Every batch handed in before the panic is applied before `started`
        // reads the outbox again.
        if let Err(error) = self.store.commit(Batch::new()).wait() {
            error!(self.logger, "store barrier failed on restart"; "error" => %error);
        }
    }
}

impl Handler<Enqueued> for Callbacks {
    type Result = ();

    fn handle(&mut self, enqueued: Enqueued, ctx: &mut Context<Self>) {
        let logger = self.logger.clone();
        let _ = guarded(self, ctx, &logger, "enqueued", |callbacks, ctx| {
            callbacks.take_in(enqueued.items, Instant::now());
            callbacks.pump(ctx);
        });
    }
}

impl Handler<SetSecret> for Callbacks {
    type Result = ();

    fn handle(&mut self, change: SetSecret, _: &mut Context<Self>) {
        match change.secret {
            Some(secret) => self.secrets.insert(change.account, secret),
            None => self.secrets.remove(&change.account),
        };
    }
}

impl Handler<Replay> for Callbacks {
    type Result = ResponseFuture<Result<usize, StoreError>>;

    fn handle(&mut self, replay: Replay, ctx: &mut Context<Self>) -> Self::Result {
        let mut batch = Batch::new();
        let now = Instant::now();
        // One replayed twice at once is moved once.
        let dead: Vec<OutboxItem> = replay
            .items
            .into_iter()
            .filter(|item| !self.items.contains_key(&item.id))
            .collect();
        let count = dead.len();
        for mut item in dead {
            item.attempts = 0;
            item.last_error = None;
            batch.remove_dead_letter(item.id).update_outbox(&item);
            if self.items.len() < self.page {
                self.add(item, now);
            } else {
                // Read again from here once the page drains; those in
                // memory already are known by id and not added twice.
                let before = item.id.checked_sub(1);
                self.loaded_until = self.loaded_until.min(before);
                self.more = true;
            }
        }
        self.report_loaded();
        let durable = self.store.commit(batch);
        self.pump(ctx);
        info!(self.logger, "dead letters replayed"; "count" => count);
        Box::pin(async move { durable.await.map(|()| count) })
    }
}
