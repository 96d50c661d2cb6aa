//! The link of an `http` gateway: one tokio task that sends each queued
//! message part to the provider as one HTTP request, made from the
//! operator's templates (`upstream::http::RequestRules`), at most
//! `window` at a time.
//!
//! - Messages wait in the gateway's one queue (`upstream::queue`: TPS,
//!   retries, priority lanes), as for the other upstream kinds.
//! - Each answer is judged by `upstream::http::AnswerRules`: accepted, the
//!   message is SUBMITTED under the provider's id (which its receipts
//!   name); refused for now (429, 408, a temporary pattern), it goes to
//!   the back of its lane and the queue pauses, or fails at
//!   `max_attempts`; refused for good, it is REJECTED.
//! - A provider that is failing (a 5xx, a connection refused, no answer
//!   within `timeout_s`) takes the gateway down: no new requests, the
//!   answers in flight are awaited, then the link backs off (1 s doubling
//!   to 30 s, with jitter) and tries again with the next message. A
//!   request that may have reached the provider and had no answer goes
//!   again: a duplicate is possible exactly there.
//! - Redirects are not followed: a submit is not re-sent elsewhere behind
//!   the operator's back.
//!
//! It ends or drains as the other kinds' connections do
//! (`gateways::upstream`): closed, it gives back what it holds and what is
//! queued; drained, it sends no more, waits for the answers in flight,
//! then ends.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::Recipient;
use awc::error::SendRequestError;
use awc::http::header::{CONTENT_TYPE, USER_AGENT};
use slog::{Logger, debug, error, info, warn};
use tokio::task::JoinSet;

use super::Settings;
use crate::actors::gateways::upstream::reporter::{Reporter, reconnect_backoff};
use crate::actors::gateways::upstream::shared::{
    self, Lifeline, Shared, StateChanged, sleep_until,
};
use crate::actors::protocol::gateway::GatewayReport;
use crate::metrics;
use crate::store::Store;
use crate::upstream::http::{Method, Request, Verdict};
use crate::upstream::status::BindState;
use crate::upstream::{Backoff, Next, Outcome, Queued};

/// The most of an answer's body that is read: a provider's answer to a
/// submit is a line or a small JSON object.
const MAX_ANSWER: usize = 64 * 1024;
const USER_AGENT_VALUE: &str = concat!("pasarela/", env!("CARGO_PKG_VERSION"));

/// Why the provider is taken for failing.
#[derive(Debug, thiserror::Error)]
enum LinkError {
    #[error("the provider answered {0}")]
    Failing(String),
    #[error("cannot connect to the provider: {0}")]
    Connect(String),
    #[error("no answer from the provider within {0:?}")]
    Timeout(Duration),
    #[error("the provider's answer was lost: {0}")]
    Lost(String),
}

/// Why the session with the provider ended.
type End = shared::End<LinkError>;

/// What became of one request.
enum Exchange {
    /// The provider answered: its status and body.
    Answered(u16, String),
    /// The request never reached the provider.
    Refused(LinkError),
    /// It may have reached the provider, and no answer came.
    Unanswered(LinkError),
}

/// Starts the link; it runs until `lifeline` says it ends.
pub fn start(
    settings: &Settings,
    store: &Arc<Store>,
    shared: &Arc<Shared>,
    lifeline: Lifeline,
    link: Recipient<StateChanged>,
    reports: Recipient<GatewayReport>,
    logger: &Logger,
) {
    let timeout = settings.config.timeout;
    let client = awc::Client::builder()
        .timeout(timeout)
        .connector(awc::Connector::new().timeout(timeout))
        .disable_redirects()
        .finish();
    let task = Link {
        settings: settings.clone(),
        reporter: Reporter {
            index: 0,
            gateway: settings.name.clone(),
            max_attempts: settings.config.max_attempts,
            store: Arc::clone(store),
            shared: Arc::clone(shared),
            link,
            reports,
            logger: logger.new(slog::o!("link" => "http")),
        },
        lifeline,
        reconnect: reconnect_backoff(),
        draining: false,
        client,
    };
    actix_rt::spawn(task.run());
}

struct Link {
    settings: Settings,
    reporter: Reporter,
    /// Dropped when the link ends (the actor waits for it).
    lifeline: Lifeline,
    reconnect: Backoff,
    /// Told to drain: it ends once nothing is in flight, and never
    /// starts again.
    draining: bool,
    client: awc::Client,
}

/// The requests in flight: each task answers with its key, and the
/// message waits here so that nothing is lost when a task is dropped.
struct InFlight {
    tasks: JoinSet<(u64, Exchange)>,
    messages: HashMap<u64, Queued>,
    next_key: u64,
}

impl Link {
    async fn run(mut self) {
        loop {
            self.reporter.set_state(BindState::Bound, None);
            let end = self.session().await;
            let Some(delay) = self
                .reporter
                .session_ended(end, self.draining, &mut self.reconnect)
            else {
                return;
            };
            let waited = tokio::time::sleep(delay);
            if let Err(closed) = self.lifeline.unless_ended(waited).await {
                return self.reporter.end(closed);
            }
        }
    }

    /// Sends and reads answers until the provider fails or the link
    /// closes. Messages still in flight when it closes go back to the
    /// front of the queue.
    async fn session(&mut self) -> End {
        let shared = Arc::clone(&self.reporter.shared);
        let mut in_flight = InFlight {
            tasks: JoinSet::new(),
            messages: HashMap::new(),
            next_key: 0,
        };
        let gauge = metrics::global().window_in_use(&self.settings.name);
        let mut counted: i64 = 0;
        let mut failing: Option<LinkError> = None;
        let end = loop {
            let woken = shared.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let wake = if self.draining || failing.is_some() {
                None
            } else {
                self.send_what_may_go(&mut in_flight)
            };
            if in_flight.messages.is_empty() {
                if let Some(error) = failing.take() {
                    break End::Lost(error);
                }
                if self.draining {
                    break End::Drained;
                }
            }
            let in_use = i64::try_from(in_flight.messages.len()).unwrap_or(i64::MAX);
            gauge.inc_by(in_use - counted);
            counted = in_use;
            self.reporter.show_window(in_flight.messages.len());
            tokio::select! {
                () = &mut woken => {}
                closed = self.lifeline.closed.changed() => match closed {
                    Ok(()) if !self.draining => {
                        info!(self.reporter.logger, "draining: no more requests; waiting for the answers in flight";
                            "in_flight" => in_flight.messages.len());
                        self.draining = true;
                        self.reporter.set_state(BindState::Stopped, None);
                    }
                    _ => break End::Closed,
                },
                Some(done) = in_flight.tasks.join_next(), if !in_flight.tasks.is_empty() => {
                    let Ok((key, sent)) = done else { continue };
                    if let Some(queued) = in_flight.messages.remove(&key)
                        && let Some(error) = self.answered(queued, sent)
                    {
                        if failing.is_none() {
                            warn!(self.reporter.logger, "the provider is failing; no new requests until it recovers";
                                "error" => %error, "in_flight" => in_flight.messages.len());
                        }
                        failing = Some(error);
                    }
                }
                () = sleep_until(wake) => {}
            }
        };
        in_flight.tasks.abort_all();
        gauge.dec_by(counted);
        self.reporter.show_window(0);
        let back: Vec<Queued> = {
            let mut held: Vec<(u64, Queued)> = in_flight.messages.drain().collect();
            held.sort_by_key(|(key, _)| *key);
            held.into_iter().map(|(_, queued)| queued).collect()
        };
        self.reporter.in_flight_back(back, &end);
        end
    }

    /// Starts a request for each queued message while the window, the TPS
    /// and any pause allow; returns when to try again if something waits
    /// on time.
    fn send_what_may_go(&self, in_flight: &mut InFlight) -> Option<Instant> {
        let shared = Arc::clone(&self.reporter.shared);
        let mut wake = None;
        while in_flight.messages.len() < self.settings.window() {
            let next = shared.lock().queue.next(Instant::now());
            let queued = match next {
                Next::Submit(queued) => queued,
                Next::WaitUntil(at) => {
                    wake = Some(at);
                    break;
                }
                Next::Idle => break,
            };
            let request = match self.settings.config.request.request(&queued.message) {
                Ok(request) => request,
                Err(error) => {
                    error!(self.reporter.logger, "message does not fit the gateway's request; rejected";
                        "message" => %queued.message.id, "error" => %error);
                    self.reporter.refused(&queued.message);
                    continue;
                }
            };
            let key = in_flight.next_key;
            in_flight.next_key += 1;
            debug!(self.reporter.logger, "request to the provider";
                "message" => %queued.message.id, "method" => request.method.as_str());
            in_flight.messages.insert(key, queued);
            let send = send(
                self.client.clone(),
                request,
                self.settings.config.request.headers.clone(),
                self.settings.config.timeout,
            );
            in_flight
                .tasks
                .spawn_local(async move { (key, send.await) });
        }
        if shared.lock().fill_untold() {
            self.reporter.link.do_send(StateChanged);
        }
        wake
    }

    /// Settles one request's message; the error when the provider is
    /// failing.
    fn answered(&mut self, queued: Queued, sent: Exchange) -> Option<LinkError> {
        match sent {
            Exchange::Answered(status, body) => {
                match self.settings.config.answer.judge(status, &body) {
                    Verdict::Accepted { id } => {
                        self.reconnect.reset();
                        let status = format!("HTTP {status}");
                        self.reporter
                            .answered(queued, Outcome::Accepted, &status, || {
                                id.unwrap_or_default()
                            });
                        None
                    }
                    Verdict::Temporary { reason, failing } => {
                        self.reporter
                            .answered(queued, Outcome::Temporary, &reason, String::new);
                        failing.then_some(LinkError::Failing(reason))
                    }
                    Verdict::Permanent { reason } => {
                        self.reporter
                            .answered(queued, Outcome::Permanent, &reason, String::new);
                        None
                    }
                }
            }
            Exchange::Refused(error) => {
                let reason = error.to_string();
                self.reporter
                    .answered(queued, Outcome::Temporary, &reason, String::new);
                Some(error)
            }
            Exchange::Unanswered(error) => {
                self.reporter.unanswered(queued);
                Some(error)
            }
        }
    }
}

/// Sends `request` and reads the answer, all within `timeout`.
async fn send(
    client: awc::Client,
    request: Request,
    headers: Vec<(String, String)>,
    timeout: Duration,
) -> Exchange {
    let exchange = async {
        let mut outgoing = match request.method {
            Method::Get => client.get(&request.url),
            Method::Post => client.post(&request.url),
        }
        .insert_header((USER_AGENT, USER_AGENT_VALUE));
        for (name, value) in headers {
            outgoing = outgoing.insert_header((name, value));
        }
        let answer = match request.body {
            Some((body, content_type)) => {
                outgoing
                    .insert_header((CONTENT_TYPE, content_type))
                    .send_body(body)
                    .await
            }
            None => outgoing.send().await,
        };
        let mut response = match answer {
            Ok(response) => response,
            Err(error) => return failed_send(&error, timeout),
        };
        let status = response.status().as_u16();
        match response.body().limit(MAX_ANSWER).await {
            Ok(body) => Exchange::Answered(status, String::from_utf8_lossy(&body).into_owned()),
            Err(error) => Exchange::Unanswered(LinkError::Lost(error.to_string())),
        }
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or(Exchange::Unanswered(LinkError::Timeout(timeout)))
}

/// What a failed send means: a connection never made (or a URL that does
/// not parse) sent nothing; anything later may have reached the provider.
fn failed_send(error: &SendRequestError, timeout: Duration) -> Exchange {
    match error {
        SendRequestError::Connect(error) => {
            Exchange::Refused(LinkError::Connect(error.to_string()))
        }
        SendRequestError::Url(error) => Exchange::Refused(LinkError::Connect(error.to_string())),
        SendRequestError::Timeout => Exchange::Unanswered(LinkError::Timeout(timeout)),
        other => Exchange::Unanswered(LinkError::Lost(other.to_string())),
    }
}
