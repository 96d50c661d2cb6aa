//! One connection (TCP or TLS) to the simulator: the SMSC side of SMPP. Binds are
//! checked against the command line's credentials; submit_sm and data_sm
//! are answered as [`Behaviour::for_destination`] says (refused, answered,
//! answered late, never answered), and their receipts and MO replies go to
//! the hub. As a receiver or transceiver it takes deliveries from the hub
//! and sends them as deliver_sm through its window.
//!
//! The loop reads what has arrived, handles every whole PDU, fills the
//! window, and writes all answers at once; per message it spawns nothing and
//! arms no timer (held answers wait in a FIFO, like the hub's receipts).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::hub::Deliveries;
use super::shared::{Shared, log};
use crate::framed::Frame;
use crate::model::MessageState;
use crate::simulation::{Behaviour, SubmitReply};
use crate::smpp::dlr::{self, Address, BuildError};
use crate::smpp::pdu::{
    self, BindReceiverResp, BindTransceiverResp, BindTransmitterResp, COctetString, DataCoding,
    DataSmResp, DeliverSm, EsmClass, InterfaceVersion, Npi, OctetString, Pdu, SubmitSmResp, Ton,
};
use crate::smpp::{
    BindState, Command, CommandId, CommandStatus, FrameError, Receipt, Role, Stat, validate,
};
use crate::sms::ESM_CLASS_UDHI;
use crate::tools::endpoint::{Endpoint, Inbound, Keep};
use crate::tools::link::{Link, LinkError, Transport};

/// How often we ask an idle ESME whether it is alive.
const ENQUIRE_LINK_INTERVAL: Duration = Duration::from_secs(30);

/// How long the last PDUs may take to go out when a connection closes.
const CLOSING_FLUSH: Duration = Duration::from_secs(1);

/// The system_id we answer binds with.
const OUR_SYSTEM_ID: &str = "sim-smsc";

/// Sender and recipient of the periodic MO messages (`--mo-every-ms`).
const MO_ORIGINATOR: &str = "34699000000";
const MO_RECIPIENT: &str = "12345";

/// Serve one connection until it closes.
pub(in crate::tools::sim_smsc) async fn serve(
    id: u64,
    transport: Transport,
    peer: SocketAddr,
    shared: Arc<Shared>,
) {
    let mut connection = Connection::new(id, Link::new(transport), peer, shared);
    log(format_args!("{peer}: connected"));
    let outcome = connection.run().await;
    connection.finish(outcome).await;
}

/// Whether the session goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Close,
}

/// An answer held back (the `9998` row), with what follows it.
#[derive(Debug)]
struct Held {
    response: Command,
    receipt: Option<DeliverSm>,
    reply: Option<DeliverSm>,
}

/// Counts for the closing log line.
#[derive(Debug, Default)]
struct Stats {
    submits: u64,
    refused: u64,
    unanswered: u64,
    delivered: u64,
    delivery_errors: u64,
    delivery_timeouts: u64,
    malformed: u64,
}

struct Connection {
    id: u64,
    peer: SocketAddr,
    shared: Arc<Shared>,
    /// Our deliver_sm and enquire_link wait for their answers in its
    /// window; deliveries still there when we close go back to the hub.
    endpoint: Endpoint<Option<DeliverSm>>,
    /// The account bound on this connection: its submits' receipts go to
    /// this account's receivers.
    system_id: Option<Arc<str>>,
    /// Bound as receiver or transceiver: what the hub sends us.
    deliveries: Option<Deliveries<DeliverSm>>,
    /// Deliveries waiting for room in the window.
    queued: VecDeque<DeliverSm>,
    /// Held answers, in due order: they all wait the same time.
    held: VecDeque<(Instant, Held)>,
    mo_sent: u64,
    stats: Stats,
    /// The peer ended the session with an unbind, not by closing.
    unbound: bool,
}

impl Connection {
    fn new(id: u64, link: Link, peer: SocketAddr, shared: Arc<Shared>) -> Connection {
        let endpoint = Endpoint::new(link, Role::Server, shared.window, shared.response_timeout);
        Connection {
            id,
            peer,
            shared,
            endpoint,
            system_id: None,
            deliveries: None,
            queued: VecDeque::new(),
            held: VecDeque::new(),
            mo_sent: 0,
            unbound: false,
            stats: Stats::default(),
        }
    }

    async fn run(&mut self) -> Result<(), LinkError> {
        let start = tokio::time::Instant::now();
        let mut enquire =
            tokio::time::interval_at(start + ENQUIRE_LINK_INTERVAL, ENQUIRE_LINK_INTERVAL);
        let mut mo = self
            .shared
            .mo_every
            .map(|every| tokio::time::interval_at(start + every, every));
        loop {
            while let Some(frame) = self.endpoint.link.next_frame()? {
                if self.on_frame(frame)? == Flow::Close {
                    return Ok(());
                }
            }
            self.fill_window()?;
            let timer = self.next_timer();
            tokio::select! {
                io = self.endpoint.link.io() => io?,
                Some(delivery) = next_delivery(&mut self.deliveries) => {
                    self.queued.push_back(delivery);
                    // Take the rest waiting too: one window fill, one write.
                    if let Some(deliveries) = &mut self.deliveries {
                        while let Ok(delivery) = deliveries.try_recv() {
                            self.queued.push_back(delivery);
                        }
                    }
                }
                () = crate::tools::sleep_until(timer) => {
                    if self.on_timer()? == Flow::Close {
                        return Ok(());
                    }
                }
                _ = enquire.tick() => {
                    self.endpoint.request(Pdu::EnquireLink)?;
                }
                () = tick(&mut mo) => self.periodic_mo(),
            }
        }
    }

    fn on_frame(&mut self, frame: Frame) -> Result<Flow, LinkError> {
        let command = match frame {
            Ok(decoded) => decoded.command,
            Err(error) => return self.on_malformed(&error),
        };
        match self.endpoint.receive(&command)? {
            Inbound::Handle => {}
            Inbound::Answered => return Ok(Flow::Continue),
            Inbound::Unbound => {
                self.unbound = true;
                return Ok(Flow::Close);
            }
        }
        let (id, seq) = (command.id(), command.sequence_number());
        match id {
            CommandId::BindTransmitter | CommandId::BindReceiver | CommandId::BindTransceiver => {
                self.on_bind(&command)?;
            }
            CommandId::SubmitSm | CommandId::DataSm => self.on_submit(&command)?,
            CommandId::DeliverSmResp
            | CommandId::DataSmResp
            | CommandId::EnquireLinkResp
            | CommandId::GenericNack => self.on_response(id, command.status(), seq),
            other if other.is_operation() => {
                self.endpoint
                    .send(&pdu::error_response(other, unsupported(other), seq))?;
            }
            _ => {}
        }
        Ok(Flow::Continue)
    }

    /// A PDU that did not decode: answer as the codec says, go on if the
    /// stream can.
    fn on_malformed(&mut self, error: &FrameError) -> Result<Flow, LinkError> {
        self.stats.malformed += 1;
        log(format_args!("{}: {error}", self.peer));
        let answered = self.endpoint.malformed(error)?;
        if answered.is_some_and(|pending| pending.command_id == CommandId::DeliverSm) {
            self.stats.delivery_errors += 1;
        }
        Ok(if error.can_continue() {
            Flow::Continue
        } else {
            Flow::Close
        })
    }

    fn on_bind(&mut self, command: &Command) -> Result<(), LinkError> {
        let (id, seq) = (command.id(), command.sequence_number());
        let (system_id, password) = match command.pdu() {
            Some(Pdu::BindTransmitter(bind)) => (&bind.system_id, &bind.password),
            Some(Pdu::BindReceiver(bind)) => (&bind.system_id, &bind.password),
            Some(Pdu::BindTransceiver(bind)) => (&bind.system_id, &bind.password),
            // The codec never yields a bind without its body.
            _ => {
                return self.endpoint.send(&pdu::error_response(
                    id,
                    CommandStatus::EsmeRbindfail,
                    seq,
                ));
            }
        };
        let (system_id, password) = (system_id.as_str(), password.as_str());
        let status = self.shared.credentials.check(system_id, password);
        if status != CommandStatus::EsmeRok {
            log(format_args!(
                "{}: {id:?} as {system_id:?} refused: {}",
                self.peer,
                crate::smpp::status::describe(u32::from(status))
            ));
            return self.endpoint.send(&pdu::error_response(id, status, seq));
        }
        let name = COctetString::from_string(OUR_SYSTEM_ID.to_owned()).unwrap_or_default();
        let version = Some(InterfaceVersion::Smpp3_4);
        let body: Pdu = match id {
            CommandId::BindTransmitter => BindTransmitterResp::new(name, version).into(),
            CommandId::BindReceiver => BindReceiverResp::new(name, version).into(),
            _ => BindTransceiverResp::new(name, version).into(),
        };
        let system_id: Arc<str> = Arc::from(system_id);
        self.endpoint
            .send(&Command::new(CommandStatus::EsmeRok, seq, body))?;
        log(format_args!(
            "{}: bound as {system_id:?} ({:?})",
            self.peer,
            self.endpoint.session.state()
        ));
        if matches!(
            self.endpoint.session.state(),
            BindState::BoundRx | BindState::BoundTrx
        ) {
            self.deliveries = Some(self.shared.hub.bound(&system_id, self.id));
        }
        self.system_id = Some(system_id);
        Ok(())
    }

    fn on_submit(&mut self, command: &Command) -> Result<(), LinkError> {
        let (id, seq) = (command.id(), command.sequence_number());
        self.stats.submits += 1;
        let checked = command
            .pdu()
            .ok_or(CommandStatus::EsmeRinvcmdlen)
            .and_then(|pdu| validate::request(pdu).map(|()| pdu))
            .and_then(|pdu| Submitted::read(pdu).ok_or(CommandStatus::EsmeRinvcmdid));
        let message = match checked {
            Ok(message) => message,
            Err(status) => {
                self.stats.refused += 1;
                return self.endpoint.send(&pdu::error_response(id, status, seq));
            }
        };
        let behaviour = Behaviour::for_destination(&message.destination.addr);
        let hold = match behaviour.reply {
            SubmitReply::Refuse(status) => {
                self.stats.refused += 1;
                return self.endpoint.send(&pdu::error_response(id, status, seq));
            }
            SubmitReply::NoResponse => {
                self.stats.unanswered += 1;
                return Ok(());
            }
            SubmitReply::Accept => None,
            SubmitReply::AcceptAfter(delay) => Some(delay),
        };
        let message_id = self.shared.ids.next();
        let receipt = behaviour
            .outcome
            .filter(|&state| message.wants_receipt(state))
            .and_then(|state| self.receipt(&message, &message_id, state, behaviour.error_code));
        let reply = if behaviour.mobile_originated {
            // The submitted text comes back, so a test picks the MO's
            // text (a keyword) as well as its destination (the source). A
            // part of a concatenated message comes back as it was sent,
            // header and coding included, as a handset's part would.
            let mo = if message.esm_class & ESM_CLASS_UDHI != 0 {
                mobile_originated(
                    &message.destination,
                    &message.source,
                    ESM_CLASS_UDHI,
                    message.data_coding,
                    message.content,
                )
            } else {
                let text = message.text().unwrap_or_default();
                mobile_originated(&message.destination, &message.source, 0, 0, text.as_bytes())
            };
            self.logged(mo)
        } else if let Some((sender, text)) = self.shared.test_numbers.arrival(
            &message.source,
            &message.destination,
            &message.text().unwrap_or_default(),
        ) {
            // A test number's SIM received it: it comes to the switch as
            // it arrived.
            self.logged(mobile_originated(
                &sender,
                &message.destination,
                0,
                0,
                text.as_bytes(),
            ))
        } else {
            None
        };
        let id_field = COctetString::from_string(message_id).unwrap_or_default();
        let body: Pdu = match id {
            CommandId::DataSm => DataSmResp::new(id_field, Vec::new()).into(),
            _ => SubmitSmResp::new(id_field, Vec::new()).into(),
        };
        let held = Held {
            response: Command::new(CommandStatus::EsmeRok, seq, body),
            receipt,
            reply,
        };
        match hold {
            None => self.answer(held),
            Some(delay) => {
                self.held.push_back((Instant::now() + delay, held));
                Ok(())
            }
        }
    }

    /// Send an accepting answer and schedule what follows it.
    fn answer(&mut self, held: Held) -> Result<(), LinkError> {
        self.endpoint.send(&held.response)?;
        if let Some(system_id) = &self.system_id {
            for delivery in [held.receipt, held.reply].into_iter().flatten() {
                self.shared.hub.schedule(system_id, delivery);
            }
        }
        Ok(())
    }

    /// The receipt for `message`, stamped now and done after the delay.
    fn receipt(
        &self,
        message: &Submitted,
        message_id: &str,
        state: MessageState,
        error_code: u16,
    ) -> Option<DeliverSm> {
        let submitted = chrono::Utc::now().naive_utc();
        let done = chrono::TimeDelta::from_std(self.shared.dlr_delay)
            .ok()
            .and_then(|delay| submitted.checked_add_signed(delay))
            .unwrap_or(submitted);
        let receipt = Receipt {
            id: message_id.to_owned(),
            submitted: Some(1),
            delivered: Some(u32::from(state == MessageState::Delivered)),
            submit_date: Some(submitted),
            done_date: Some(done),
            stat: Some(Stat::of(state)),
            err: Some(format!("{error_code:03}")),
            text: message.text(),
            extra: Vec::new(),
        };
        self.logged(dlr::receipt_deliver_sm(
            &message.source,
            &message.destination,
            &receipt,
        ))
    }

    fn logged(&self, built: Result<DeliverSm, BuildError>) -> Option<DeliverSm> {
        built
            .map_err(|error| log(format_args!("{}: no deliver_sm: {error}", self.peer)))
            .ok()
    }

    fn on_response(&mut self, id: CommandId, status: CommandStatus, seq: u32) {
        if let Ok(pending) = self.endpoint.window.complete(seq, id) {
            if pending.command_id == CommandId::DeliverSm {
                if status == CommandStatus::EsmeRok {
                    self.stats.delivered += 1;
                } else {
                    self.stats.delivery_errors += 1;
                }
            }
        }
    }

    /// Send what waits for the window while it has room.
    fn fill_window(&mut self) -> Result<(), LinkError> {
        while self.endpoint.may_request(CommandId::DeliverSm) {
            let Some(delivery) = self.queued.pop_front() else {
                break;
            };
            self.endpoint.request(Pdu::DeliverSm(delivery))?;
        }
        Ok(())
    }

    fn next_timer(&self) -> Option<Instant> {
        let held = self.held.front().map(|(at, _)| *at);
        let window = self.endpoint.window.next_deadline();
        match (held, window) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn on_timer(&mut self) -> Result<Flow, LinkError> {
        let now = Instant::now();
        while self.held.front().is_some_and(|(at, _)| *at <= now) {
            if let Some((_, held)) = self.held.pop_front() {
                self.answer(held)?;
            }
        }
        let mut unanswered = 0;
        for (_, pending) in self.endpoint.window.expire(now) {
            if pending.command_id != CommandId::DeliverSm {
                log(format_args!(
                    "{}: no answer to enquire_link; closing",
                    self.peer
                ));
                return Ok(Flow::Close);
            }
            unanswered += 1;
        }
        if unanswered > 0 {
            self.stats.delivery_timeouts += unanswered;
            log(format_args!(
                "{}: {unanswered} deliver_sm unanswered after {} ms; dropped",
                self.peer,
                self.shared.response_timeout.as_millis()
            ));
        }
        Ok(Flow::Continue)
    }

    fn periodic_mo(&mut self) {
        if self.deliveries.is_none() {
            return;
        }
        self.mo_sent += 1;
        let address = |addr: &str| Address {
            ton: Ton::International,
            npi: Npi::Isdn,
            addr: addr.to_owned(),
        };
        let text = format!("MO {} from sim-smsc", self.mo_sent);
        let mo = mobile_originated(
            &address(MO_ORIGINATOR),
            &address(MO_RECIPIENT),
            0,
            0,
            text.as_bytes(),
        );
        if let Some(mo) = self.logged(mo) {
            self.queued.push_back(mo);
        }
    }

    /// Flush, give undelivered deliveries back to the hub, log the totals.
    async fn finish(mut self, outcome: Result<(), LinkError>) {
        let flushed = self.endpoint.link.flush(CLOSING_FLUSH).await;
        self.endpoint.session.close();
        if let (Some(system_id), Some(mut deliveries)) = (&self.system_id, self.deliveries.take()) {
            deliveries.close();
            let mut undelivered: Vec<DeliverSm> = self
                .endpoint
                .window
                .drain()
                .into_iter()
                .filter_map(|(_, pending)| pending.payload)
                .collect();
            undelivered.extend(self.queued.drain(..));
            while let Ok(delivery) = deliveries.try_recv() {
                undelivered.push(delivery);
            }
            self.shared.hub.gone(system_id, self.id, undelivered);
        }
        let reason = match outcome.and(flushed) {
            Ok(()) | Err(LinkError::Closed) if self.unbound => "unbound".to_owned(),
            Ok(()) | Err(LinkError::Closed) => "closed".to_owned(),
            Err(error) => error.to_string(),
        };
        let s = &self.stats;
        log(format_args!(
            "{}: {reason}; submits {}, refused {}, unanswered {}, deliver_sm ok {}, \
             refused {}, timed out {}, malformed PDUs {}",
            self.peer,
            s.submits,
            s.refused,
            s.unanswered,
            s.delivered,
            s.delivery_errors,
            s.delivery_timeouts,
            s.malformed
        ));
    }
}

/// The window keeps our deliveries, `None` for enquire_link.
impl Keep for Option<DeliverSm> {
    fn keep(request: Pdu) -> Self {
        match request {
            Pdu::DeliverSm(delivery) => Some(delivery),
            _ => None,
        }
    }
}

/// The next delivery from the hub, or never when not a receiver.
async fn next_delivery(deliveries: &mut Option<Deliveries<DeliverSm>>) -> Option<DeliverSm> {
    match deliveries {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

/// The next tick of an optional interval; never when there is none.
async fn tick(interval: &mut Option<tokio::time::Interval>) {
    match interval {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// The status for requests the simulator does not carry out: it keeps no
/// message store to query, cancel or replace in, and does not fan out
/// submit_multi.
fn unsupported(request: CommandId) -> CommandStatus {
    match request {
        CommandId::QuerySm => CommandStatus::EsmeRqueryfail,
        CommandId::CancelSm => CommandStatus::EsmeRcancelfail,
        CommandId::ReplaceSm => CommandStatus::EsmeRreplacefail,
        _ => CommandStatus::EsmeRsubmitfail,
    }
}

/// What a submit_sm or data_sm asked for, as far as the simulator cares.
struct Submitted<'a> {
    source: Address,
    destination: Address,
    registered_delivery: u8,
    data_coding: u8,
    esm_class: u8,
    content: &'a [u8],
}

impl<'a> Submitted<'a> {
    fn read(pdu: &'a Pdu) -> Option<Submitted<'a>> {
        let content = pdu::message_content(pdu)?;
        match pdu {
            Pdu::SubmitSm(body) => Some(Submitted {
                source: Address::source_of(body),
                destination: Address::destination_of(body),
                registered_delivery: u8::from(body.registered_delivery),
                data_coding: u8::from(body.data_coding),
                esm_class: u8::from(body.esm_class),
                content,
            }),
            Pdu::DataSm(body) => Some(Submitted {
                source: Address {
                    ton: body.source_addr_ton,
                    npi: body.source_addr_npi,
                    addr: body.source_addr.as_str().to_owned(),
                },
                destination: Address {
                    ton: body.dest_addr_ton,
                    npi: body.dest_addr_npi,
                    addr: body.destination_addr.as_str().to_owned(),
                },
                registered_delivery: u8::from(body.registered_delivery),
                data_coding: u8::from(body.data_coding),
                esm_class: u8::from(body.esm_class),
                content,
            }),
            _ => None,
        }
    }

    /// registered_delivery's MC receipt bits: 1 any outcome, 2 failures
    /// only, 3 success only (SMPP 5.0), 0 none.
    fn wants_receipt(&self, outcome: MessageState) -> bool {
        let delivered = outcome == MessageState::Delivered;
        match self.registered_delivery & 0b11 {
            1 => true,
            2 => !delivered,
            3 => delivered,
            _ => false,
        }
    }

    /// The message text for the receipt's `text:` (cut to 20 there).
    fn text(&self) -> Option<String> {
        crate::sms::incoming::decode(self.data_coding, self.esm_class, self.content, None)
            .ok()
            .and_then(|message| message.text)
    }
}

/// An MO message from `from` to `to` with this esm_class (0, or the UDHI
/// bit for a part with its header), data_coding and short_message.
fn mobile_originated(
    from: &Address,
    to: &Address,
    esm_class: u8,
    data_coding: u8,
    short_message: &[u8],
) -> Result<DeliverSm, BuildError> {
    let address = |a: &Address| {
        COctetString::<1, 21>::from_string(a.addr.clone())
            .map_err(|_| BuildError::Address(a.addr.clone()))
    };
    let short_message = OctetString::from_vec(short_message.to_vec())
        .map_err(|_| BuildError::Text(short_message.len()))?;
    Ok(DeliverSm::builder()
        .source_addr_ton(from.ton)
        .source_addr_npi(from.npi)
        .source_addr(address(from)?)
        .dest_addr_ton(to.ton)
        .dest_addr_npi(to.npi)
        .destination_addr(address(to)?)
        .esm_class(EsmClass::from(esm_class))
        .data_coding(DataCoding::from(data_coding))
        .short_message(short_message)
        .build())
}
