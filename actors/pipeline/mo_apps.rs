//! What an account's actor does with an MO for the applications that
//! answer it (`mo_apps`: keyword autoreplies, polls, Kannel-style
//! services), in two steps around the MO's batch:
//!
//! - [`AccountMoApps::react`], while the batch is built: asks which
//!   application claims the MO, adds a vote to the batch (so the vote is
//!   durable exactly when the MO leaves the inbox, and counted once), lets
//!   an autoreply through the loop guard, fills a service's URL;
//! - [`Answer::send`], once the batch is durable: the reply goes out
//!   through the account (`replies`), or the service's application is
//!   called over HTTP first, without blocking the actor.
//!
//! An opt-out command (its first word a stop, start or help word) never
//! reaches them: the account answers it (`lists::opt_out`).

use std::sync::Arc;
use std::time::Duration;

use actix::Recipient;
use awc::http::header::{CONTENT_TYPE, DATE, USER_AGENT};
use chrono::{DateTime, Utc};
use slog::{Logger, info, warn};

use crate::actors::pipeline::replies;
use crate::actors::protocol::account::Submit;
use crate::actors::protocol::mo_apps::LiveMoApps;
use crate::config::{ServiceTarget, SmsServiceConfig};
use crate::fold;
use crate::metrics;
use crate::mo_apps::Claim;
use crate::mo_apps::autoreply::{Autoreply, MoFields, ReplyGuard, Template};
use crate::mo_apps::poll::{Ballot, Poll};
use crate::mo_apps::service::{self, ServiceRequest};
use crate::model::{AccountId, MessageId};
use crate::routing::mo::normalise_number;
use crate::store::{Batch, InboundMessage, Vote};

/// What the applications need from the switch; one for every account.
#[derive(Clone)]
pub struct MoAppsWiring {
    /// The applications in force.
    pub live: Arc<LiveMoApps>,
    /// `autoreplies.min_interval_s`.
    pub min_interval: Duration,
    /// How long a service's application may take to answer
    /// (`callbacks.timeout_ms`, the switch's one HTTP client timeout).
    pub service_timeout: Duration,
}

/// What a service's reply is called in the log and in `/metrics`.
const SERVICE_ANSWER: &str = "service answer";

/// The largest answer read from a service's application: more than any
/// reply of `max_messages` parts.
const MAX_ANSWER: usize = 64 * 1024;

/// One account's side of the applications: the wiring, and its loop
/// guard for autoreplies.
pub struct AccountMoApps {
    wiring: MoAppsWiring,
    guard: ReplyGuard,
    /// Made at the first service call, on the actor's thread.
    client: Option<awc::Client>,
}

/// What is done for an MO once its batch is durable.
pub enum Answer {
    /// No application claimed it, or the one that did sends nothing.
    Nothing,
    /// This text, sent to the MO's sender from the number it was sent to.
    Reply {
        mo: Box<InboundMessage>,
        text: String,
        /// Which reply it is, for the log.
        what: &'static str,
    },
    /// A service's application asked first; its answer is the reply.
    Service {
        mo: Box<InboundMessage>,
        call: ServiceCall,
        client: awc::Client,
    },
}

/// A `post_url` request's body and headers.
struct Post {
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
}

/// A request to a service's application.
pub struct ServiceCall {
    name: String,
    /// `None`: a GET.
    post: Option<Post>,
    url: String,
    max_messages: u32,
    omit_empty: bool,
}

impl AccountMoApps {
    pub fn new(wiring: MoAppsWiring) -> AccountMoApps {
        AccountMoApps {
            guard: ReplyGuard::new(wiring.min_interval),
            wiring,
            client: None,
        }
    }

    /// What the MO `mo` (routed to `account` under `id`) is for: a vote
    /// is added to `batch`; the rest waits in the [`Answer`] until the
    /// batch is durable.
    pub fn react(
        &mut self,
        account: &AccountId,
        mo: &InboundMessage,
        id: MessageId,
        batch: &mut Batch,
        logger: &Logger,
    ) -> Answer {
        let apps = self.wiring.live.current();
        let claim = apps.claim(
            account.as_str(),
            mo.destination.as_deref(),
            mo.text.as_deref(),
            mo.received_at,
        );
        match claim {
            None => Answer::Nothing,
            Some(Claim::Vote(poll)) => vote(poll, mo, id, batch, logger),
            Some(Claim::Autoreply(rule)) => self.autoreply(rule, mo, Utc::now(), logger),
            Some(Claim::Service(service)) => self.service(service, account, mo, id, logger),
        }
    }

    fn autoreply(
        &mut self,
        rule: &Autoreply,
        mo: &InboundMessage,
        now: DateTime<Utc>,
        logger: &Logger,
    ) -> Answer {
        let template = match Template::parse(&rule.text) {
            Ok(template) => template,
            Err(error) => {
                warn!(logger, "autoreply rule has a broken template; no reply";
                    "rule" => &rule.name, "error" => %error);
                return Answer::Nothing;
            }
        };
        if !self.guard.admit(&rule.name, &mo.source, now) {
            info!(logger, "autoreply held back: this rule answered this sender within autoreplies.min_interval_s";
                "rule" => &rule.name, "to" => &mo.source);
            return Answer::Nothing;
        }
        let text = mo.text.as_deref().unwrap_or("");
        let keyword = text.split_whitespace().next().unwrap_or("");
        let rest = if rule.keyword.is_some() {
            fold::after_first_word(text)
        } else {
            text.trim()
        };
        let fields = MoFields {
            from: &mo.source,
            to: mo.destination.as_deref().unwrap_or(""),
            keyword,
            text: rest,
        };
        Answer::Reply {
            text: template.render(&fields),
            mo: Box::new(mo.clone()),
            what: "autoreply",
        }
    }

    fn service(
        &mut self,
        service: &SmsServiceConfig,
        account: &AccountId,
        mo: &InboundMessage,
        id: MessageId,
        logger: &Logger,
    ) -> Answer {
        let id = id.to_string();
        let request = ServiceRequest {
            service: &service.name,
            account: account.as_str(),
            from: &mo.source,
            to: mo.destination.as_deref().unwrap_or(""),
            text: mo.text.as_deref(),
            body: &mo.body,
            dcs: mo.dcs,
            received: mo.received_at,
            gateway: mo.gateway.as_str(),
            id: &id,
        };
        let (pattern, post) = match &service.target {
            ServiceTarget::Text(text) => (text, None),
            ServiceTarget::GetUrl(url) => (url, None),
            ServiceTarget::PostUrl(url) => {
                let body = match (service.strip_keyword, mo.text.as_deref()) {
                    (true, Some(text)) => fold::after_first_word(text).as_bytes().to_vec(),
                    _ => request.octets().to_vec(),
                };
                let headers = kannel_headers(&request);
                (url, Some(Post { body, headers }))
            }
        };
        let filled = match service::fill(pattern, &request) {
            Ok(filled) => filled,
            Err(error) => {
                warn!(logger, "service not called; no reply"; "service" => &service.name,
                    "error" => %error);
                metrics::global().mo_reply(SERVICE_ANSWER, "unsendable");
                return Answer::Nothing;
            }
        };
        let url = match &service.target {
            ServiceTarget::Text(_) => {
                let reply = service::reply_text(&filled, service.max_messages, service.omit_empty);
                return match reply {
                    Some(text) => Answer::Reply {
                        text: service::within_parts(&text, service.max_messages),
                        mo: Box::new(mo.clone()),
                        what: SERVICE_ANSWER,
                    },
                    None => Answer::Nothing,
                };
            }
            ServiceTarget::GetUrl(_) | ServiceTarget::PostUrl(_) => filled,
        };
        info!(logger, "calling a service's application"; "service" => &service.name,
            "from" => &mo.source, "url" => &url);
        let timeout = self.wiring.service_timeout;
        let client = self
            .client
            .get_or_insert_with(|| {
                awc::Client::builder()
                    .timeout(timeout)
                    .connector(awc::Connector::new().timeout(timeout))
                    .finish()
            })
            .clone();
        Answer::Service {
            mo: Box::new(mo.clone()),
            call: ServiceCall {
                name: service.name.clone(),
                post,
                url,
                max_messages: service.max_messages,
                omit_empty: service.omit_empty,
            },
            client,
        }
    }
}

/// A counted vote goes into `batch` (replacing the voter's earlier one);
/// the poll's reply or closed text, if any, is the answer.
fn vote(
    poll: &Poll,
    mo: &InboundMessage,
    id: MessageId,
    batch: &mut Batch,
    logger: &Logger,
) -> Answer {
    let Some(voter) = normalise_number(&mo.source) else {
        info!(logger, "vote not counted: the sender is not a number";
            "poll" => &poll.id, "from" => &mo.source);
        return Answer::Nothing;
    };
    let text = mo.text.as_deref().unwrap_or("");
    let reply = match poll.ballot(text, mo.received_at) {
        Ballot::Counted(option) => {
            info!(logger, "vote counted"; "poll" => &poll.id, "from" => voter, "option" => &option);
            batch.put_vote(
                &poll.id,
                voter,
                &Vote {
                    option,
                    at: mo.received_at,
                    message: id,
                },
            );
            poll.reply_text.as_ref()
        }
        Ballot::Closed => {
            info!(logger, "vote not counted: the poll is closed"; "poll" => &poll.id, "from" => voter);
            poll.closed_text.as_ref()
        }
        Ballot::NoOption => {
            info!(logger, "vote not counted: no such option"; "poll" => &poll.id, "from" => voter);
            None
        }
    };
    match reply {
        Some(text) => Answer::Reply {
            text: text.clone(),
            mo: Box::new(mo.clone()),
            what: "poll reply",
        },
        None => Answer::Nothing,
    }
}

/// The `X-Kannel-*` headers smsbox sends with a `post-url` request: the
/// sender (`X-Kannel-From`; smsbox only with `send-sender`), the number it
/// was sent to, the time, the gateway, the coding and the service.
fn kannel_headers(request: &ServiceRequest<'_>) -> Vec<(&'static str, String)> {
    let content_type = if request.text.is_some() {
        "text/plain; charset=\"UTF-8\""
    } else {
        "application/octet-stream"
    };
    let coding = if request.text.is_some() { "0" } else { "1" };
    vec![
        (CONTENT_TYPE.as_str(), content_type.to_owned()),
        ("X-Kannel-From", request.from.to_owned()),
        ("X-Kannel-To", request.to.to_owned()),
        (
            "X-Kannel-Time",
            request.received.format("%Y-%m-%d %H:%M:%S").to_string(),
        ),
        (
            DATE.as_str(),
            Utc::now().format("%Y-%m-%d %H:%M:%S").to_string(),
        ),
        ("X-Kannel-SMSC", request.gateway.to_owned()),
        ("X-Kannel-Coding", coding.to_owned()),
        ("X-Kannel-Service", request.service.to_owned()),
    ]
}

impl Answer {
    /// Sends the reply through `account`, or calls the service and sends
    /// its answer; in the background.
    pub fn send(self, account: Recipient<Submit>, logger: Logger) {
        match self {
            Answer::Nothing => {}
            Answer::Reply { mo, text, what } => replies::send(account, &mo, &text, what, logger),
            Answer::Service { mo, call, client } => {
                actix_rt::spawn(call_service(client, call, mo, account, logger));
            }
        }
    }
}

/// Calls the application and sends its answer as the reply.
async fn call_service(
    client: awc::Client,
    call: ServiceCall,
    mo: Box<InboundMessage>,
    account: Recipient<Submit>,
    logger: Logger,
) {
    let user_agent = concat!("pasarela/", env!("CARGO_PKG_VERSION"));
    let answer = match call.post {
        None => {
            client
                .get(&call.url)
                .insert_header((USER_AGENT, user_agent))
                .send()
                .await
        }
        Some(Post { body, headers }) => {
            let mut request = client
                .post(&call.url)
                .insert_header((USER_AGENT, user_agent));
            for header in headers {
                request = request.insert_header(header);
            }
            request.send_body(body).await
        }
    };
    let mut response = match answer {
        Ok(response) => response,
        Err(error) => {
            warn!(logger, "service's application did not answer; no reply";
                "service" => &call.name, "error" => %error);
            metrics::global().mo_reply(SERVICE_ANSWER, "service_failed");
            return;
        }
    };
    if !response.status().is_success() {
        warn!(logger, "service's application answered with an error; no reply";
            "service" => &call.name, "status" => response.status().as_u16());
        metrics::global().mo_reply(SERVICE_ANSWER, "service_failed");
        return;
    }
    let body = match response.body().limit(MAX_ANSWER).await {
        Ok(body) => body,
        Err(error) => {
            warn!(logger, "service's answer could not be read; no reply";
                "service" => &call.name, "error" => %error);
            metrics::global().mo_reply(SERVICE_ANSWER, "service_failed");
            return;
        }
    };
    let answer = String::from_utf8_lossy(&body);
    match service::reply_text(&answer, call.max_messages, call.omit_empty) {
        Some(text) => {
            let text = service::within_parts(&text, call.max_messages);
            replies::send(account, &mo, &text, SERVICE_ANSWER, logger);
        }
        None => info!(logger, "service's answer is empty; no reply"; "service" => &call.name),
    }
}
