//! The binds of one upstream gateway: plain tokio tasks, one per bind,
//! started by the `Upstream` actor, each keeping an SMPP client bind to
//! the SMSC (the tools' [`Esme`], with a lenient codec). With `sessions =
//! N` there are N binds, or N transmitter + receiver pairs for `bind =
//! "pair"`.
//!
//! - Messages wait in the gateway's one [`Queue`], shared with the actor
//!   and every bind, across reconnects, until a bind that may submit has
//!   room in its window (per bind) and the gateway's TPS (one budget for
//!   all binds, per part) allows one more.
//! - Answers are matched by sequence number, in any order; the outcome of
//!   each status is [`crate::upstream::classify`]. A temporary refusal
//!   pauses the gateway and the message is retried, failing permanently
//!   after `max_attempts` refusals (see `upstream::queue`).
//! - Messages in flight when a connection drops, and those whose answer
//!   never came, go back to the queue: at-least-once (the SMSC may have
//!   taken them; a duplicate is possible exactly there).
//! - deliver_sm and data_sm are answered here, not by the client, and
//!   only once what they bring is durable. Receipts become
//!   `GatewayReport::Receipt` keyed by the normalised id, whichever bind
//!   (transceiver or receiver) they arrive on, and are answered when the
//!   switch says the state they set (and the customer's receipt) is
//!   stored (`Recorded`); an MO message is answered once it is in the
//!   store's `inbox` (see `upstream::mo`). Either is answered
//!   ESME_RX_T_APPN when it cannot be stored, so that the SMSC sends it
//!   again; a receipt for a message nobody has is answered at once, as
//!   there is nothing to store. The bind does not wait for those commits:
//!   submits, answers and further deliveries go on, and each delivery is
//!   answered when its commit ends. Once stored, an MO is reported to the
//!   switch (`GatewayReport::Received`) for routing to its account.
//! - Reconnects back off 1 s doubling to 30 s with jitter; a bind refused
//!   for bad credentials is retried every 60 s.
//!
//! The binds end when the actor drops its side of the `closed` channel:
//! each unbinds and gives every message it holds, and what is queued, back
//! to the switch (`SendFailed`, temporary). They drain when the actor sends
//! on it instead (the gateway is stopped or takes new settings): no more
//! submits, the answers to those in flight are awaited (or time out, back
//! to the queue), then each unbinds and ends, leaving the queue to the
//! actor. The actor knows they all ended when every `running` sender is
//! dropped.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::Recipient;
use slog::{Logger, error, info, warn};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::actors::gateways::upstream::reporter::{Reporter, reconnect_backoff};
use crate::actors::gateways::upstream::shared::{
    self, Lifeline, QueueSettings, Shared, StateChanged, sleep_until,
};
use crate::actors::protocol::gateway::GatewayReport;
use crate::config::{BindMode, SmppGatewayConfig};
use crate::metrics;
use crate::model::{GatewayName, Message, MessageState, UpstreamId};
use crate::smpp::dlr::{IncomingReceipt, read_receipt};
use crate::smpp::pdu::{
    AnyOctetString, COctetString, DataCoding, EsmClass, MessagePayload,
    MessageSubmissionRequestTlvValue, Npi, OctetString, Pdu, PriorityFlag, RegisteredDelivery,
    ServiceType, SubmitSm, Ton,
};
use crate::smpp::{Codec, CommandStatus, Leniency, time};
use crate::store::Store;
use crate::tls::PemFile;
use crate::tools::client::{
    BindKind, ClientError, Credentials, Esme, Event, TlsTarget, Unanswered,
};
use crate::upstream::response::bad_credentials;
use crate::upstream::status::{BindState, BindStatus};
use crate::upstream::{Backoff, IdFormat, Next, Queued, classify, ids, mo};

/// How long the SMSC has to answer a submit_sm or enquire_link.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long unbinding may take when the task ends.
const UNBIND_LIMIT: Duration = Duration::from_secs(2);
/// The most octets short_message carries; longer parts go in message_payload.
const SHORT_MESSAGE_MAX: usize = 254;
/// esm_class UDHI: the payload starts with a user data header.
const ESM_CLASS_UDHI: u8 = 0x40;

/// What the binds need to know about their gateway.
#[derive(Debug, Clone)]
pub struct Settings {
    pub name: GatewayName,
    /// `host:port`.
    pub address: String,
    /// `tls = true`: SMPP over TLS, the SMSC's certificate checked
    /// against `host`.
    pub tls: Option<TlsTarget>,
    /// One entry per bind to keep open.
    pub binds: Vec<BindKind>,
    pub credentials: Credentials,
    /// Outstanding submits per bind.
    pub window: usize,
    /// Parts per second for the whole gateway; 0 is unlimited.
    pub tps: u32,
    pub id_format: IdFormat,
    /// Temporary refusals after which a message fails.
    pub max_attempts: u32,
    /// How long the gateway may be down before its queued messages go
    /// back to their routes; `None`: they wait for it.
    pub failover_after: Option<Duration>,
    /// Queued messages at which the gateway takes no more (see
    /// [`Queue::is_full`]).
    pub queue_limit: usize,
}

impl Settings {
    /// What the binds of an `smpp` gateway need from its config.
    pub fn new(name: GatewayName, smpp: &SmppGatewayConfig) -> Settings {
        let session: &[BindKind] = match smpp.bind {
            BindMode::Transmitter => &[BindKind::Transmitter],
            BindMode::Receiver => &[BindKind::Receiver],
            BindMode::Transceiver => &[BindKind::Transceiver],
            BindMode::Pair => &[BindKind::Transmitter, BindKind::Receiver],
        };
        let tls = smpp.tls.as_ref().map(|tls| TlsTarget {
            authorities: tls
                .ca_file
                .as_ref()
                .map(|path| PemFile::new(format!("gateway {:?} tls_ca", name.as_str()), path)),
        });
        Settings {
            name,
            address: format!("{}:{}", smpp.host, smpp.port),
            tls,
            binds: (0..smpp.sessions)
                .flat_map(|_| session.iter().copied())
                .collect(),
            credentials: Credentials {
                system_id: smpp.system_id.clone(),
                password: smpp.password.clone(),
            },
            window: usize::try_from(smpp.window).unwrap_or(usize::MAX),
            tps: smpp.tps,
            id_format: smpp.id_format,
            max_attempts: smpp.max_attempts,
            failover_after: smpp.failover_after,
            queue_limit: usize::try_from(smpp.queue_limit).unwrap_or(usize::MAX),
        }
    }
}

/// Whether a bind of this kind may submit (a receiver only collects
/// receipts and MO).
fn transmits(kind: BindKind) -> bool {
    kind != BindKind::Receiver
}

fn kind_name(kind: BindKind) -> &'static str {
    match kind {
        BindKind::Transmitter => "transmitter",
        BindKind::Receiver => "receiver",
        BindKind::Transceiver => "transceiver",
    }
}

impl Settings {
    /// The queue's settings.
    pub fn queue(&self) -> QueueSettings {
        QueueSettings {
            tps: self.tps,
            max_attempts: self.max_attempts,
            queue_limit: self.queue_limit,
        }
    }

    /// A state per bind, none connected yet.
    pub fn bind_statuses(&self) -> Vec<BindStatus> {
        self.binds
            .iter()
            .map(|kind| BindStatus::new(kind_name(*kind), transmits(*kind)))
            .collect()
    }
}

/// Starts one task per bind; they run until `lifeline` says they end.
pub fn start(
    settings: &Settings,
    store: &Arc<Store>,
    shared: &Arc<Shared>,
    lifeline: &Lifeline,
    link: Recipient<StateChanged>,
    reports: Recipient<GatewayReport>,
    logger: &Logger,
) {
    let settings = Arc::new(settings.clone());
    for (index, kind) in settings.binds.iter().copied().enumerate() {
        let bind = Bind {
            kind,
            settings: Arc::clone(&settings),
            reporter: Reporter {
                index,
                gateway: settings.name.clone(),
                max_attempts: settings.max_attempts,
                store: Arc::clone(store),
                shared: Arc::clone(shared),
                link: link.clone(),
                reports: reports.clone(),
                logger: logger.new(slog::o!("bind" => index, "as" => kind_name(kind))),
            },
            lifeline: lifeline.clone(),
            reconnect: reconnect_backoff(),
            draining: false,
        };
        actix_rt::spawn(bind.run());
    }
}

struct Bind {
    kind: BindKind,
    settings: Arc<Settings>,
    /// What it reports through, and the queue it takes from.
    reporter: Reporter,
    /// Dropped when the bind ends (the actor waits for every one).
    lifeline: Lifeline,
    reconnect: Backoff,
    /// Told to drain: it ends once nothing is in flight, and never
    /// reconnects.
    draining: bool,
}

/// Why a bound session ended.
type End = shared::End<ClientError>;

impl Bind {
    async fn run(mut self) {
        loop {
            self.reporter.set_state(BindState::Connecting, None);
            let codec = Codec::new().with_leniency(Leniency::LENIENT);
            let binding = Esme::bind(
                &self.settings.address,
                self.settings.tls.as_ref(),
                self.kind,
                &self.settings.credentials,
                self.settings.window,
                RESPONSE_TIMEOUT,
                codec,
            );
            let bound = match self.lifeline.unless_ended(binding).await {
                Ok(bound) => bound,
                Err(closed) => return self.reporter.end(closed),
            };
            let delay = match bound {
                Ok(mut esme) => {
                    esme.answer_later();
                    info!(self.reporter.logger, "bound to the SMSC";
                        "address" => &self.settings.address);
                    self.reconnect.reset();
                    self.reporter.set_state(BindState::Bound, None);
                    let end = self.session(&mut esme).await;
                    if matches!(end, End::Closed | End::Drained) {
                        esme.unbind(UNBIND_LIMIT).await;
                    }
                    match self
                        .reporter
                        .session_ended(end, self.draining, &mut self.reconnect)
                    {
                        Some(delay) => delay,
                        None => return,
                    }
                }
                Err(error) => {
                    let refused =
                        matches!(error, ClientError::Refused(status) if bad_credentials(status));
                    self.reporter
                        .connect_failed(&mut self.reconnect, &error, refused)
                }
            };
            let waited = tokio::time::sleep(delay);
            if let Err(closed) = self.lifeline.unless_ended(waited).await {
                return self.reporter.end(closed);
            }
        }
    }

    /// Submits and reads until the connection fails or the binds close.
    /// Messages still in flight go back to the front of the queue.
    async fn session(&mut self, esme: &mut Esme) -> End {
        let mut in_flight: HashMap<u32, Queued> = HashMap::new();
        let shared = Arc::clone(&self.reporter.shared);
        // The gateway's gauge sums its binds: each adds what it changed.
        let window = metrics::global().window_in_use(&self.settings.name);
        let mut counted: i64 = 0;
        // Deliveries (MO and receipts) whose commit is under way; each is
        // answered when its commit ends, without holding up this loop
        // meanwhile.
        let mut answers: JoinSet<(Option<Unanswered>, CommandStatus)> = JoinSet::new();
        let end = loop {
            let woken = shared.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let wake = if self.draining {
                if in_flight.is_empty() {
                    break End::Drained;
                }
                None
            } else {
                match self.submit_what_may_go(esme, &mut in_flight) {
                    Ok(wake) => wake,
                    Err(error) => break End::Lost(error),
                }
            };
            let now_in_flight = i64::try_from(in_flight.len()).unwrap_or(i64::MAX);
            window.inc_by(now_in_flight - counted);
            counted = now_in_flight;
            tokio::select! {
                () = &mut woken => {}
                closed = self.lifeline.closed.changed() => match closed {
                    Ok(()) if !self.draining => {
                        info!(self.reporter.logger, "draining: no more submits; waiting for the answers in flight";
                            "in_flight" => in_flight.len());
                        self.draining = true;
                        self.reporter.set_state(BindState::Stopped, None);
                    }
                    _ => break End::Closed,
                },
                event = esme.next_event() => match event {
                    Ok(event) => {
                        if let Err(error) = self.on_event(event, esme, &mut in_flight, &mut answers) {
                            break End::Lost(error);
                        }
                    }
                    Err(error) => break End::Lost(error),
                },
                Some(answer) = answers.join_next(), if !answers.is_empty() => {
                    if let Ok((Some(delivery), status)) = answer
                        && let Err(error) = esme.acknowledge(delivery, status)
                    {
                        break End::Lost(error);
                    }
                }
                () = sleep_until(wake) => {}
            }
        };
        if matches!(end, End::Closed | End::Drained) {
            // Answer the deliveries being stored before unbinding, so the
            // SMSC does not send them again.
            while let Some(answer) = answers.join_next().await {
                if let Ok((Some(delivery), status)) = answer {
                    let _ = esme.acknowledge(delivery, status);
                }
            }
        } else {
            // The connection is gone and their answers with it, but each
            // MO still tells MO routing once it is stored: dropping the set
            // would abort that, leaving the MO unrouted until a start.
            answers.detach_all();
        }
        window.dec_by(counted);
        let mut back: Vec<(u32, Queued)> = in_flight.into_iter().collect();
        back.sort_by_key(|(sequence, _)| *sequence);
        let back: Vec<Queued> = back.into_iter().map(|(_, queued)| queued).collect();
        self.reporter.in_flight_back(back, &end);
        end
    }

    /// Submits queued messages while the window, the TPS and any pause
    /// allow; returns when to try again if something is waiting on time.
    fn submit_what_may_go(
        &mut self,
        esme: &mut Esme,
        in_flight: &mut HashMap<u32, Queued>,
    ) -> Result<Option<Instant>, ClientError> {
        if !transmits(self.kind) {
            return Ok(None);
        }
        let shared = Arc::clone(&self.reporter.shared);
        let mut state = shared.lock();
        let mut wake = None;
        while esme.can_submit() {
            let queued = match state.queue.next(Instant::now()) {
                Next::Submit(queued) => queued,
                Next::WaitUntil(at) => {
                    wake = Some(at);
                    break;
                }
                Next::Idle => break,
            };
            let Some(body) = submit_sm(&queued.message) else {
                error!(self.reporter.logger, "message does not fit a submit_sm; rejected";
                    "message" => %queued.message.id);
                self.reporter.refused(&queued.message);
                continue;
            };
            match esme.submit(body) {
                Ok(sequence) => {
                    in_flight.insert(sequence, queued);
                }
                Err(error) => {
                    state.queue.unsent(queued);
                    return Err(error);
                }
            }
        }
        if let Some(bind) = state.binds.get_mut(self.reporter.index) {
            bind.window_in_use = in_flight.len();
        }
        if state.fill_untold() {
            self.reporter.link.do_send(StateChanged);
        }
        Ok(wake)
    }

    /// Fails when a delivery cannot be answered: the connection is lost.
    /// An MO or a receipt is answered from `answers` once it is stored.
    fn on_event(
        &mut self,
        event: Event,
        esme: &mut Esme,
        in_flight: &mut HashMap<u32, Queued>,
        answers: &mut JoinSet<(Option<Unanswered>, CommandStatus)>,
    ) -> Result<(), ClientError> {
        match event {
            Event::Answered {
                sequence,
                status,
                message_id,
                ..
            } => match in_flight.remove(&sequence) {
                Some(queued) => self.answered(queued, status, message_id),
                None => {
                    warn!(self.reporter.logger, "answer to a submit_sm we do not have"; "sequence" => sequence);
                }
            },
            Event::TimedOut { sequence } => {
                if let Some(queued) = in_flight.remove(&sequence) {
                    self.reporter.unanswered(queued);
                }
            }
            Event::Delivered { pdu, unanswered } => {
                match read_receipt(&pdu) {
                    Ok(Some(receipt)) => {
                        if let Some(recorded) = self.receipt(&receipt) {
                            answers.spawn(async move {
                                let status = match recorded.await {
                                    Ok(true) => CommandStatus::EsmeRok,
                                    // Not stored: the SMSC sends it again.
                                    Ok(false) | Err(_) => CommandStatus::EsmeRxTAppn,
                                };
                                (unanswered, status)
                            });
                            return Ok(());
                        }
                    }
                    Ok(None) => {
                        let stored = self.store_mo(&pdu);
                        answers.spawn(async move { (unanswered, stored.await) });
                        return Ok(());
                    }
                    Err(error) => {
                        warn!(self.reporter.logger, "unreadable receipt acknowledged and dropped"; "error" => %error);
                    }
                }
                if let Some(unanswered) = unanswered {
                    esme.acknowledge(unanswered, CommandStatus::EsmeRok)?;
                }
            }
        }
        Ok(())
    }

    fn answered(&mut self, queued: Queued, status: CommandStatus, message_id: Option<String>) {
        let raw = message_id.unwrap_or_default();
        let key = || {
            self.settings
                .id_format
                .response_key(&raw)
                .unwrap_or_else(|error| {
                    warn!(self.reporter.logger, "submit_sm_resp id not in the configured id_format; kept as it is";
                        "error" => %error);
                    ids::as_is(&raw)
                })
        };
        let status_text = format!("{:#04x}", u32::from(status));
        self.reporter
            .answered(queued, classify(status), &status_text, key);
    }

    /// Keeps an MO in the inbox; the answer is ESME_ROK once its commit is
    /// durable, ESME_RX_T_APPN (the SMSC sends it again) when it cannot be
    /// kept.
    fn store_mo(&self, pdu: &Pdu) -> impl Future<Output = CommandStatus> + 'static {
        let gateway = &self.settings.name;
        let stored = self
            .reporter
            .store_mo(|sequence, at| mo::inbound(gateway, pdu, sequence, at));
        async move {
            if stored.await {
                CommandStatus::EsmeRok
            } else {
                CommandStatus::EsmeRxTAppn
            }
        }
    }

    /// A receipt from the SMSC, reported to the receipts actor; what it
    /// returns says when the receipt's outcome is durable, `None` when the
    /// receipt was dropped (answer it at once).
    fn receipt(&self, receipt: &IncomingReceipt) -> Option<oneshot::Receiver<bool>> {
        let key = self
            .settings
            .id_format
            .receipt_key(&receipt.message_id)
            .unwrap_or_else(|error| {
                warn!(self.reporter.logger, "receipt id not in the configured id_format; kept as it is";
                    "error" => %error);
                ids::as_is(&receipt.message_id)
            });
        let Ok(upstream_id) = UpstreamId::new(key) else {
            warn!(self.reporter.logger, "receipt with an id that cannot be ours; dropped";
                "id" => &receipt.message_id);
            return None;
        };
        let state = receipt
            .state
            .and_then(crate::smpp::message_state::from_smpp)
            .unwrap_or(MessageState::Unknown);
        let error_code = receipt
            .text
            .as_ref()
            .and_then(|text| text.err.as_deref())
            .and_then(|err| err.trim().parse::<u16>().ok());
        Some(self.reporter.receipt(upstream_id, state, error_code))
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
