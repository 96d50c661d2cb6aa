//! The connection task of one upstream gateway: a plain tokio task, owned
//! by the `Upstream` actor, that keeps an SMPP client bind to the SMSC
//! (the tools' [`Esme`], with a lenient codec) and moves messages through
//! it.
//!
//! - Messages wait in `queue`, across reconnects, until the bind may
//!   submit, the window has room and the TPS allows one more part.
//! - Answers are matched by sequence number, in any order; the outcome of
//!   each status is [`crate::upstream::classify`]. Throttled messages go
//!   back to the queue and submitting pauses (200 ms, doubling to 5 s while
//!   the SMSC keeps throttling).
//! - Messages in flight when the connection drops, and those whose answer
//!   never came, go back to the front of the queue: at-least-once.
//! - deliver_sm and data_sm are answered by the client before we see them;
//!   receipts become `GatewayReport::Receipt` keyed by the normalised id,
//!   MO messages are logged (routing MO is not built yet).
//! - Reconnects back off 1 s doubling to 30 s with jitter; a bind refused
//!   for bad credentials is retried every 60 s.
//!
//! The task ends when the actor drops its channel: it unbinds and gives
//! every message it holds back to the switch (`SendFailed`, temporary).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use actix::Recipient;
use chrono::Utc;
use slog::{Logger, debug, error, info, warn};
use tokio::sync::mpsc;

use super::gateway::GatewayReport;
use super::upstream::LinkState;
use crate::metrics;
use crate::model::{GatewayName, Message, MessageState, SmppMessageState, UpstreamId};
use crate::smpp::dlr::read_receipt;
use crate::smpp::pdu::{
    AnyOctetString, COctetString, DataCoding, EsmClass, MessagePayload,
    MessageSubmissionRequestTlvValue, Npi, OctetString, Pdu, PriorityFlag, RegisteredDelivery,
    ServiceType, SubmitSm, Ton,
};
use crate::smpp::{Codec, CommandStatus, Leniency, time};
use crate::throttle::Throttle;
use crate::tools::client::{BindKind, ClientError, Credentials, Esme, Event};
use crate::upstream::response::bad_credentials;
use crate::upstream::{Backoff, IdFormat, Outcome, classify, ids};

/// How long the SMSC has to answer a submit_sm or enquire_link.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);
/// First and longest wait before reconnecting.
const RECONNECT_FIRST: Duration = Duration::from_secs(1);
const RECONNECT_MAX: Duration = Duration::from_secs(30);
/// Wait after a bind refused for bad credentials.
const CREDENTIALS_RETRY: Duration = Duration::from_secs(60);
/// First and longest pause after ESME_RTHROTTLED / ESME_RMSGQFUL.
const SLOW_DOWN_FIRST: Duration = Duration::from_millis(200);
const SLOW_DOWN_MAX: Duration = Duration::from_secs(5);
/// How long unbinding may take when the task ends.
const UNBIND_LIMIT: Duration = Duration::from_secs(2);
/// The most octets short_message carries; longer parts go in message_payload.
const SHORT_MESSAGE_MAX: usize = 254;
/// esm_class UDHI: the payload starts with a user data header.
const ESM_CLASS_UDHI: u8 = 0x40;

/// What the task needs to know about its gateway.
#[derive(Debug, Clone)]
pub struct Settings {
    pub name: GatewayName,
    /// `host:port`.
    pub address: String,
    pub bind: BindKind,
    pub credentials: Credentials,
    pub window: usize,
    pub tps: u32,
    pub id_format: IdFormat,
}

impl Settings {
    /// Whether this bind may submit (a receiver only collects receipts).
    fn transmits(&self) -> bool {
        self.bind != BindKind::Receiver
    }
}

/// Runs until the actor drops `inbox`'s sender.
pub async fn run(
    settings: Settings,
    inbox: mpsc::UnboundedReceiver<Message>,
    status: Recipient<LinkState>,
    reports: Recipient<GatewayReport>,
    logger: Logger,
) {
    let mut task = Task {
        throttle: Throttle::per_second(settings.tps),
        settings,
        inbox,
        status,
        reports,
        logger,
        queue: VecDeque::new(),
        reconnect: Backoff::new(RECONNECT_FIRST, RECONNECT_MAX),
        slow_down: Backoff::new(SLOW_DOWN_FIRST, SLOW_DOWN_MAX),
        resume_at: None,
    };
    task.run().await;
}

struct Task {
    settings: Settings,
    inbox: mpsc::UnboundedReceiver<Message>,
    status: Recipient<LinkState>,
    reports: Recipient<GatewayReport>,
    logger: Logger,
    /// Messages to submit, oldest first; kept across reconnects.
    queue: VecDeque<Message>,
    /// Shared by every submit of this gateway: the SMSC's TPS.
    throttle: Throttle,
    reconnect: Backoff,
    slow_down: Backoff,
    /// No submit before this (the SMSC throttled us).
    resume_at: Option<Instant>,
}

/// Why a bound session ended.
enum End {
    /// The actor dropped the channel: stop.
    Closed,
    /// The connection failed: reconnect.
    Lost(ClientError),
}

impl Task {
    async fn run(&mut self) {
        loop {
            let codec = Codec::new().with_leniency(Leniency::LENIENT);
            let bound = Esme::bind(
                &self.settings.address,
                self.settings.bind,
                &self.settings.credentials,
                self.settings.window,
                RESPONSE_TIMEOUT,
                codec,
            )
            .await;
            let delay = match bound {
                Ok(mut esme) => {
                    info!(self.logger, "bound to the SMSC";
                        "address" => &self.settings.address, "queued" => self.queue.len());
                    self.reconnect.reset();
                    self.status.do_send(LinkState {
                        up: self.settings.transmits(),
                    });
                    let end = self.session(&mut esme).await;
                    self.status.do_send(LinkState { up: false });
                    match end {
                        End::Closed => {
                            esme.unbind(UNBIND_LIMIT).await;
                            self.give_back_all();
                            return;
                        }
                        End::Lost(error) => {
                            let delay = self.reconnect.next_jittered(fastrand::f64());
                            warn!(self.logger, "connection to the SMSC lost; reconnecting";
                                "error" => %error, "in_ms" => delay.as_millis(),
                                "queued" => self.queue.len());
                            delay
                        }
                    }
                }
                Err(ClientError::Refused(status)) if bad_credentials(status) => {
                    error!(self.logger, "bind refused: bad system_id or password; retrying slowly";
                        "status" => %ClientError::Refused(status),
                        "in_s" => CREDENTIALS_RETRY.as_secs());
                    CREDENTIALS_RETRY
                }
                Err(error) => {
                    let delay = self.reconnect.next_jittered(fastrand::f64());
                    warn!(self.logger, "cannot bind to the SMSC; retrying";
                        "error" => %error, "in_ms" => delay.as_millis(),
                        "queued" => self.queue.len());
                    delay
                }
            };
            if !self.wait(delay).await {
                self.give_back_all();
                return;
            }
        }
    }

    /// Waits `delay`, queueing what arrives; `false` when the channel closed.
    async fn wait(&mut self, delay: Duration) -> bool {
        let until = tokio::time::Instant::now() + delay;
        loop {
            tokio::select! {
                message = self.inbox.recv() => match message {
                    Some(message) => self.queue.push_back(message),
                    None => return false,
                },
                () = tokio::time::sleep_until(until) => return true,
            }
        }
    }

    /// Submits and reads until the connection fails or the channel closes.
    /// Messages still in flight go back to the front of the queue.
    async fn session(&mut self, esme: &mut Esme) -> End {
        let mut in_flight: HashMap<u32, Message> = HashMap::new();
        let window = metrics::global().window_in_use(&self.settings.name);
        let end = loop {
            let wake = match self.submit_what_may_go(esme, &mut in_flight) {
                Ok(wake) => wake,
                Err(error) => break End::Lost(error),
            };
            window.set(in_flight.len() as i64);
            tokio::select! {
                message = self.inbox.recv() => match message {
                    Some(message) => self.queue.push_back(message),
                    None => break End::Closed,
                },
                event = esme.next_event() => match event {
                    Ok(event) => self.on_event(event, &mut in_flight),
                    Err(error) => break End::Lost(error),
                },
                () = sleep_until(wake) => {}
            }
        };
        window.set(0);
        let mut back: Vec<(u32, Message)> = in_flight.into_iter().collect();
        back.sort_by_key(|(sequence, _)| *sequence);
        if !back.is_empty() {
            warn!(self.logger, "messages in flight go back to the queue (the SMSC may have some: duplicates)";
                "count" => back.len());
        }
        for (_, message) in back.into_iter().rev() {
            self.queue.push_front(message);
        }
        end
    }

    /// Submits queued messages while the window, the TPS and any pause
    /// allow; returns when to try again if something is waiting on time.
    fn submit_what_may_go(
        &mut self,
        esme: &mut Esme,
        in_flight: &mut HashMap<u32, Message>,
    ) -> Result<Option<Instant>, ClientError> {
        if !self.settings.transmits() {
            return Ok(None);
        }
        while !self.queue.is_empty() && esme.can_submit() {
            let now = Instant::now();
            if let Some(at) = self.resume_at {
                if at > now {
                    return Ok(Some(at));
                }
                self.resume_at = None;
            }
            if let Err(wait) = self.throttle.try_take(1, now) {
                return Ok(Some(now + wait));
            }
            let Some(message) = self.queue.pop_front() else {
                break;
            };
            let Some(body) = submit_sm(&message) else {
                error!(self.logger, "message does not fit a submit_sm; rejected";
                    "message" => %message.id);
                self.report_failed(&message, None, true);
                continue;
            };
            match esme.submit(body) {
                Ok(sequence) => {
                    in_flight.insert(sequence, message);
                }
                Err(error) => {
                    self.queue.push_front(message);
                    return Err(error);
                }
            }
        }
        Ok(None)
    }

    fn on_event(&mut self, event: Event, in_flight: &mut HashMap<u32, Message>) {
        match event {
            Event::Answered {
                sequence,
                status,
                message_id,
                ..
            } => {
                let Some(message) = in_flight.remove(&sequence) else {
                    warn!(self.logger, "answer to a submit_sm we do not have"; "sequence" => sequence);
                    return;
                };
                self.answered(message, status, message_id);
            }
            Event::TimedOut { sequence } => {
                if let Some(message) = in_flight.remove(&sequence) {
                    warn!(self.logger, "no answer to a submit_sm; it goes again (a duplicate if the SMSC had it)";
                        "message" => %message.id);
                    self.queue.push_back(message);
                }
            }
            Event::Delivered(pdu) => self.delivered(&pdu),
        }
    }

    fn answered(&mut self, message: Message, status: CommandStatus, message_id: Option<String>) {
        match classify(status) {
            Outcome::Accepted => {
                self.slow_down.reset();
                let raw = message_id.unwrap_or_default();
                let key = self
                    .settings
                    .id_format
                    .response_key(&raw)
                    .unwrap_or_else(|error| {
                        warn!(self.logger, "submit_sm_resp id not in the configured id_format; kept as it is";
                            "error" => %error);
                        ids::as_is(&raw)
                    });
                let upstream_id = UpstreamId::new(key).or_else(|_| {
                    // Taken, but with no id a receipt could match: the
                    // message stays SUBMITTED.
                    error!(self.logger, "the SMSC took a message without a usable id; no receipt will match it";
                        "message" => %message.id, "id" => &raw);
                    UpstreamId::new(format!("none-{}", message.id))
                });
                if let Ok(upstream_id) = upstream_id {
                    self.reports.do_send(GatewayReport::Sent {
                        message: Box::new(message),
                        upstream_id,
                    });
                }
            }
            Outcome::SlowDown => {
                let pause = self.slow_down.next_delay();
                debug!(self.logger, "the SMSC asks us to slow down"; "status" => u32::from(status),
                    "pause_ms" => pause.as_millis(), "message" => %message.id);
                self.resume_at = Some(Instant::now() + pause);
                self.queue.push_back(message);
            }
            Outcome::Failed { permanent } => {
                info!(self.logger, "the SMSC refused a message";
                    "message" => %message.id, "status" => u32::from(status), "permanent" => permanent);
                self.report_failed(&message, Some(status), permanent);
            }
        }
    }

    /// A deliver_sm or data_sm (already answered): a receipt, or an MO.
    fn delivered(&mut self, pdu: &Pdu) {
        let receipt = match read_receipt(pdu) {
            Ok(Some(receipt)) => receipt,
            Ok(None) => {
                // Storing and routing MO messages is a later issue.
                info!(
                    self.logger,
                    "MO message from the SMSC acknowledged; MO routing is not built yet"
                );
                return;
            }
            Err(error) => {
                warn!(self.logger, "unreadable receipt acknowledged and dropped"; "error" => %error);
                return;
            }
        };
        let key = self
            .settings
            .id_format
            .receipt_key(&receipt.message_id)
            .unwrap_or_else(|error| {
                warn!(self.logger, "receipt id not in the configured id_format; kept as it is";
                    "error" => %error);
                ids::as_is(&receipt.message_id)
            });
        let Ok(upstream_id) = UpstreamId::new(key) else {
            warn!(self.logger, "receipt with an id that cannot be ours; dropped";
                "id" => &receipt.message_id);
            return;
        };
        let state = receipt
            .state
            .and_then(|state| SmppMessageState::from_code(u8::from(state)).outcome())
            .unwrap_or(MessageState::Unknown);
        let error_code = receipt
            .text
            .as_ref()
            .and_then(|text| text.err.as_deref())
            .and_then(|err| err.trim().parse::<u16>().ok());
        self.reports.do_send(GatewayReport::Receipt {
            gateway: self.settings.name.clone(),
            upstream_id,
            state,
            error_code,
            at: Utc::now(),
        });
    }

    fn report_failed(&self, message: &Message, status: Option<CommandStatus>, permanent: bool) {
        self.reports.do_send(GatewayReport::SendFailed {
            id: message.id,
            gateway: self.settings.name.clone(),
            status,
            permanent,
        });
    }

    /// Everything queued goes back to the switch to be routed again.
    fn give_back_all(&mut self) {
        while let Ok(message) = self.inbox.try_recv() {
            self.queue.push_back(message);
        }
        if !self.queue.is_empty() {
            info!(self.logger, "gateway stopping; queued messages given back"; "count" => self.queue.len());
        }
        for message in std::mem::take(&mut self.queue) {
            self.report_failed(&message, None, false);
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// The submit_sm for one message part, always asking the SMSC for a
/// receipt (the switch tracks every message, whatever the customer asked);
/// `None` when a field does not fit (intake checked them, so never).
fn submit_sm(message: &Message) -> Option<SubmitSm> {
    let address = |text: &str| COctetString::<1, 21>::from_string(text.to_owned()).ok();
    let validity = message.validity.map(time::absolute);
    let mut builder = SubmitSm::builder()
        .service_type(ServiceType::new(
            COctetString::from_string(message.service_type.clone()).ok()?,
        ))
        .source_addr_ton(Ton::from(u8::from(message.source.ton())))
        .source_addr_npi(Npi::from(u8::from(message.source.npi())))
        .source_addr(address(message.source.text())?)
        .dest_addr_ton(Ton::from(u8::from(message.destination.ton())))
        .dest_addr_npi(Npi::from(u8::from(message.destination.npi())))
        .destination_addr(address(message.destination.text())?)
        .esm_class(EsmClass::from(message.esm_class))
        .priority_flag(PriorityFlag::from(message.priority))
        .validity_period(time::to_field(validity.as_ref()))
        .registered_delivery(RegisteredDelivery::from(1))
        .data_coding(DataCoding::from(message.data_coding));
    if message.payload.len() <= SHORT_MESSAGE_MAX {
        builder = builder.short_message(OctetString::from_vec(message.payload.clone()).ok()?);
    } else {
        builder = builder.push_tlv(MessageSubmissionRequestTlvValue::MessagePayload(
            MessagePayload::new(AnyOctetString::from_vec(message.payload.clone())),
        ));
    }
    if let Some(part) = message.part
        && message.esm_class & ESM_CLASS_UDHI == 0
    {
        // Concatenated with SAR TLVs rather than a UDH: pass them on.
        builder = builder
            .push_tlv(MessageSubmissionRequestTlvValue::SarMsgRefNum(
                part.reference(),
            ))
            .push_tlv(MessageSubmissionRequestTlvValue::SarTotalSegments(
                part.total(),
            ))
            .push_tlv(MessageSubmissionRequestTlvValue::SarSegmentSeqnum(
                part.seq(),
            ));
    }
    Some(builder.build())
}
