//! One connection to a modem, from its init sequence until the port fails
//! or the modem stops answering: sends messages with AT+CMGS, one at a
//! time, the most urgent of those handed over first (`lanes`), turns status
//! reports into receipts, stores incoming messages and then deletes them
//! from the SIM, and polls signal and registration for the log. Runs on
//! the modem's thread; every wait is bounded by the link's timeout.
//!
//! Incoming messages: a message (every part of a concatenated one) is
//! written to the store's inbox and the commit waited for before its parts
//! are deleted from the SIM, never the other way round. Its inbox key is a
//! fingerprint of the message, so one stored, not deleted (a crash in
//! between) and read again after a restart overwrites itself. Parts of an
//! incomplete message stay on the SIM; at every connection all stored
//! messages are listed (AT+CMGL=4) and read again.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};

use actix::Recipient;
use chrono::{DateTime, FixedOffset, Utc};
use slog::{Logger, debug, error, info, warn};
use tokio::sync::oneshot;

use super::channel::{Control, Job};
use super::link::{Link, LinkError, Response};
use super::references::References;
use crate::actors::protocol::gateway::{GatewayReport, Radio};
use crate::config::ModemGatewayConfig;
use crate::lanes::Lanes;
use crate::model::{GatewayName, Message, UpstreamId};
use crate::modem::at::{ErrorCode, Final, Unsolicited};
use crate::modem::hex;
use crate::modem::pdu::{self, Deliver, PduAddress, StatusReport, Submit, Tpdu, UserData};
use crate::sms::reassembly::{Incomplete, Outcome, Reassembled};
use crate::sms::{Alphabet, ESM_CLASS_UDHI, Reassembler};
use crate::store::{Batch, InboundMessage, Store};

/// How long the session listens for unsolicited lines between jobs.
const LISTEN: Duration = Duration::from_millis(20);
/// How long the parts of a concatenated message are waited for (counted
/// again at every connection, since the parts wait on the SIM).
const REASSEMBLY_WAIT: Duration = Duration::from_secs(600);
/// Concatenated messages held incomplete at once.
const MAX_INCOMPLETE: usize = 256;
/// +CMS ERROR codes (27.005 §3.2.5, 24.011 E.2) worth sending again
/// later: network out of order, temporary failure, congestion, resources
/// unavailable, no network service, network timeout, unknown error.
const TEMPORARY_CMS_ERRORS: [u16; 7] = [38, 41, 42, 47, 331, 332, 500];

/// Why a connection ended.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error("{command} refused: {result:?}")]
    Refused { command: String, result: Final },
    #[error("the SIM wants a PIN and none is configured")]
    PinRequired,
    #[error(
        "the SIM refused the configured PIN; not tried again until a restart (a third wrong PIN locks it)"
    )]
    PinRefused,
    #[error("the SIM is locked: {0}")]
    SimLocked(String),
}

/// How a connection ended without a failure.
pub enum Ended {
    /// The modem actor is gone: the process is stopping.
    Stopped,
    /// The admin API stopped the gateway or changed its settings: the
    /// port is closed and the thread does as `Control` says.
    Changed(Control),
    /// The switch is stopping (`Job::ShutDown`): the port is closed and
    /// the thread ends, dropping this to say so.
    ShutDown(oneshot::Sender<()>),
}

/// Who a session reports to and what it remembers between connections.
pub struct Wiring {
    pub name: GatewayName,
    pub store: Arc<Store>,
    pub reports: Recipient<GatewayReport>,
    pub references: References,
    /// The SIM refused the PIN once: entering it again on every reconnect
    /// would lock the SIM (PUK) after three tries.
    pub pin_refused: bool,
    /// Where signal and registration go at every poll (the live view).
    pub radio: Recipient<Radio>,
    pub logger: Logger,
}

/// Parts of one concatenated message waiting on the SIM.
#[derive(Default)]
struct PartsOnSim {
    indexes: Vec<u32>,
    earliest: Option<DateTime<FixedOffset>>,
}

type PartsKey = (String, u16, u8);

pub struct Session<'a> {
    link: Link,
    wiring: &'a mut Wiring,
    config: &'a ModemGatewayConfig,
    reassembler: Reassembler,
    on_sim: HashMap<PartsKey, PartsOnSim>,
    next_poll: Instant,
}

impl<'a> Session<'a> {
    /// Opens the port and runs the init sequence; the modem is ready to
    /// send when this returns.
    pub fn open(
        config: &'a ModemGatewayConfig,
        wiring: &'a mut Wiring,
    ) -> Result<Session<'a>, SessionError> {
        let link = Link::open(&config.device, config.baud, config.command_timeout)?;
        let mut session = Session {
            link,
            wiring,
            config,
            reassembler: Reassembler::new(
                NonZeroUsize::new(MAX_INCOMPLETE).unwrap_or(NonZeroUsize::MIN),
            ),
            on_sim: HashMap::new(),
            next_poll: Instant::now(),
        };
        session.init()?;
        Ok(session)
    }

    fn init(&mut self) -> Result<(), SessionError> {
        // A modem mid-way through something answers the first AT with
        // whatever it was saying; only its final result matters.
        self.link.command("AT")?;
        self.expect_ok("ATE0")?;
        // Numeric +CME/+CMS errors; some old modems refuse, which is fine.
        self.link.command("AT+CMEE=1")?;
        self.unlock_sim()?;
        self.expect_ok("AT+CMGF=0")?;
        let storage = self.link.command("AT+CPMS=\"SM\",\"SM\",\"SM\"")?;
        if !storage.is_ok() {
            warn!(self.wiring.logger, "modem refused SIM storage; keeping its own"; "result" => ?storage.result);
        }
        // New messages stored and announced (+CMTI), status reports routed
        // to us (+CDS).
        self.expect_ok("AT+CNMI=2,1,0,1,0")?;
        self.poll()?;
        self.read_sim()?;
        Ok(())
    }

    fn unlock_sim(&mut self) -> Result<(), SessionError> {
        let state = self.link.command("AT+CPIN?")?;
        let status = state
            .lines
            .iter()
            .find_map(|line| line.strip_prefix("+CPIN:"))
            .map(str::trim)
            .unwrap_or("")
            .to_string();
        match status.as_str() {
            "READY" => Ok(()),
            "SIM PIN" => {
                let Some(pin) = &self.config.pin else {
                    return Err(SessionError::PinRequired);
                };
                if self.wiring.pin_refused {
                    return Err(SessionError::PinRefused);
                }
                // Not through expect_ok: the PIN must not reach the log.
                let entered = self.link.command(&format!("AT+CPIN=\"{pin}\""))?;
                if !entered.is_ok() {
                    self.wiring.pin_refused = true;
                    return Err(SessionError::PinRefused);
                }
                info!(self.wiring.logger, "SIM unlocked with the configured PIN");
                Ok(())
            }
            _ if !state.is_ok() => Err(SessionError::Refused {
                command: "AT+CPIN?".to_string(),
                result: state.result,
            }),
            other => Err(SessionError::SimLocked(other.to_string())),
        }
    }

    /// Takes messages to send and reacts to the modem until the link
    /// fails or the actor is gone. Every message handed over waits in
    /// `waiting` until its turn; what is left there when this returns is
    /// the caller's.
    pub fn run(
        &mut self,
        jobs: &Receiver<Job>,
        waiting: &mut Lanes<Message>,
    ) -> Result<Ended, SessionError> {
        loop {
            while let Some(unsolicited) = self.link.next_unsolicited() {
                self.unsolicited(unsolicited)?;
            }
            for incomplete in self.reassembler.expire(Instant::now()) {
                self.store_incomplete(incomplete)?;
            }
            if Instant::now() >= self.next_poll {
                self.poll()?;
            }
            if let Some(ended) = self.take_jobs(jobs, waiting) {
                return Ok(ended);
            }
            match waiting.pop_front() {
                Some(message) => self.send(message)?,
                None => self.link.listen(LISTEN)?,
            }
        }
    }

    /// Moves every message handed over so far into `waiting`, and ends the
    /// session when the admin API stopped the gateway or changed its
    /// settings, when the switch is stopping, or when the actor is gone.
    fn take_jobs(&self, jobs: &Receiver<Job>, waiting: &mut Lanes<Message>) -> Option<Ended> {
        loop {
            match jobs.try_recv() {
                Ok(Job::Send(message)) => waiting.push_back(*message),
                Ok(Job::Control(control)) => {
                    if control.stopped || control.config != *self.config {
                        return Some(Ended::Changed(control));
                    }
                }
                Ok(Job::ShutDown(done)) => return Some(Ended::ShutDown(done)),
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => return Some(Ended::Stopped),
            }
        }
    }

    /// Sends one message part; the link failing on the way gives it back.
    fn send(&mut self, message: Message) -> Result<(), SessionError> {
        let encoded = match submit_for(&message).and_then(|submit| {
            submit
                .encode()
                .map_err(|error| format!("cannot encode the PDU: {error}"))
        }) {
            Ok(encoded) => encoded,
            Err(reason) => {
                warn!(self.wiring.logger, "message cannot go through a modem"; "message" => %message.id, "reason" => reason);
                self.failed(&message, true);
                return Ok(());
            }
        };
        let response = match self.link.submit(encoded.tpdu_length, &encoded.hex()) {
            Ok(response) => response,
            Err(error) => {
                self.failed(&message, false);
                return Err(error.into());
            }
        };
        if !response.is_ok() {
            let permanent = !matches!(&response.result,
                Final::CmsError(ErrorCode::Code(code)) if TEMPORARY_CMS_ERRORS.contains(code));
            warn!(self.wiring.logger, "modem refused a message"; "message" => %message.id, "result" => ?response.result, "permanent" => permanent);
            self.failed(&message, permanent);
            return Ok(());
        }
        let Some(mr) = field(&response, "+CMGS:", 0).and_then(|mr| mr.parse::<u8>().ok()) else {
            // Sent, but no reference to match a report with: it stays
            // SUBMITTED until it expires, which is all anyone can know.
            warn!(self.wiring.logger, "modem sent a message without +CMGS: <mr>"; "message" => %message.id);
            let upstream = format!("nomr.{}", message.id);
            self.sent_as(message, upstream);
            return Ok(());
        };
        match self.wiring.references.sent(mr, &self.wiring.store) {
            Ok(upstream_id) => {
                debug!(self.wiring.logger, "sent"; "message" => %message.id, "mr" => mr, "upstream_id" => %upstream_id);
                self.wiring.reports.do_send(GatewayReport::Sent {
                    message: Box::new(message),
                    upstream_id,
                });
            }
            Err(error) => {
                error!(self.wiring.logger, "sent message has no upstream id; its receipt will be missed"; "message" => %message.id, "error" => %error);
            }
        }
        Ok(())
    }

    fn sent_as(&self, message: Message, upstream: String) {
        if let Ok(upstream_id) = UpstreamId::new(upstream) {
            self.wiring.reports.do_send(GatewayReport::Sent {
                message: Box::new(message),
                upstream_id,
            });
        }
    }

    fn failed(&self, message: &Message, permanent: bool) {
        self.wiring.reports.do_send(GatewayReport::SendFailed {
            id: message.id,
            permanent,
        });
    }

    fn unsolicited(&mut self, unsolicited: Unsolicited) -> Result<(), SessionError> {
        match unsolicited {
            Unsolicited::Cmti { index, .. } | Unsolicited::Cdsi { index, .. } => {
                self.read_stored(index)
            }
            Unsolicited::Cds { length, pdu } => {
                match decode(&pdu, Some(length)) {
                    // Routed to us directly (AT+CNMI ds=1): the modem keeps
                    // no copy to delete, so there is nothing to wait for.
                    Ok(Tpdu::StatusReport(report)) => drop(self.status_report(&report)),
                    Ok(_) => {
                        warn!(self.wiring.logger, "+CDS that is not a status report"; "pdu" => pdu)
                    }
                    Err(error) => {
                        warn!(self.wiring.logger, "unreadable status report"; "pdu" => pdu, "error" => %error)
                    }
                }
                Ok(())
            }
            Unsolicited::Cmt { length, pdu, .. } => {
                // Not asked for (AT+CNMI mt=1 stores messages), but a modem
                // that routes one to us anyway has it nowhere else.
                match decode(&pdu, Some(length)) {
                    Ok(Tpdu::Deliver(deliver)) => self.incoming(None, &deliver),
                    _ => {
                        warn!(self.wiring.logger, "unreadable +CMT"; "pdu" => pdu);
                        Ok(())
                    }
                }
            }
            Unsolicited::Creg(registration) => {
                info!(self.wiring.logger, "network registration changed"; "status" => ?registration.stat);
                Ok(())
            }
            other => {
                debug!(self.wiring.logger, "unsolicited line ignored"; "line" => ?other);
                Ok(())
            }
        }
    }

    /// Every message waiting on the SIM, as after a restart.
    fn read_sim(&mut self) -> Result<(), SessionError> {
        let listing = self.link.command("AT+CMGL=4")?;
        if !listing.is_ok() {
            warn!(self.wiring.logger, "cannot list the messages on the SIM"; "result" => ?listing.result);
            return Ok(());
        }
        let mut stored = Vec::new();
        let mut lines = listing.lines.iter();
        while let Some(header) = lines.next() {
            let Some(fields) = header.strip_prefix("+CMGL:") else {
                continue;
            };
            let mut fields = fields.split(',').map(str::trim);
            let index = fields.next().and_then(|index| index.parse::<u32>().ok());
            let length = fields.next_back().and_then(|length| length.parse().ok());
            if let (Some(index), Some(pdu)) = (index, lines.next()) {
                stored.push((index, length, pdu.clone()));
            }
        }
        info!(self.wiring.logger, "messages waiting on the SIM"; "count" => stored.len());
        for (index, length, pdu) in stored {
            self.stored(index, length, &pdu)?;
        }
        Ok(())
    }

    fn read_stored(&mut self, index: u32) -> Result<(), SessionError> {
        let read = self.link.command(&format!("AT+CMGR={index}"))?;
        if !read.is_ok() {
            warn!(self.wiring.logger, "cannot read a stored message"; "index" => index, "result" => ?read.result);
            return Ok(());
        }
        let length = field(&read, "+CMGR:", 2).and_then(|length| length.parse().ok());
        match read.lines.get(1) {
            Some(pdu) => {
                let pdu = pdu.clone();
                self.stored(index, length, &pdu)
            }
            None => Ok(()),
        }
    }

    /// A message read from the SIM at `index`.
    fn stored(&mut self, index: u32, length: Option<usize>, pdu: &str) -> Result<(), SessionError> {
        match decode(pdu, length) {
            Ok(Tpdu::Deliver(deliver)) => self.incoming(Some(index), &deliver),
            Ok(Tpdu::StatusReport(report)) => {
                let recorded = self.status_report(&report);
                // Deleted only once the state it sets is durable: until
                // then the SIM is the only copy.
                match recorded.map(|recorded| recorded.blocking_recv()) {
                    None | Some(Ok(true)) => self.delete(index),
                    Some(Ok(false) | Err(_)) => {
                        warn!(self.wiring.logger, "status report not stored; left on the SIM"; "index" => index);
                        Ok(())
                    }
                }
            }
            Ok(Tpdu::Submit(_)) => Ok(()),
            Err(error) => {
                // Left on the SIM for someone to look at: deleting what
                // cannot be read would lose it.
                error!(self.wiring.logger, "unreadable message left on the SIM"; "index" => index, "error" => %error);
                Ok(())
            }
        }
    }

    /// Reports a final status as a receipt; what it returns hears once
    /// the state it sets is durable (`None`: nothing was reported).
    fn status_report(&mut self, report: &StatusReport) -> Option<oneshot::Receiver<bool>> {
        let state = report.status.message_state();
        let Some(upstream_id) = self
            .wiring
            .references
            .report(report.message_reference, state.is_some())
        else {
            warn!(self.wiring.logger, "status report for a TP-MR nothing was sent with"; "mr" => report.message_reference);
            return None;
        };
        let Some(state) = state else {
            debug!(self.wiring.logger, "service centre still trying"; "upstream_id" => %upstream_id, "status" => report.status.0);
            return None;
        };
        let (recorded, durable) = oneshot::channel();
        self.wiring.reports.do_send(GatewayReport::Receipt {
            gateway: self.wiring.name.clone(),
            upstream_id,
            state,
            error_code: Some(u16::from(report.status.0)),
            at: report.discharge_time.with_timezone(&Utc),
            recorded: Some(recorded),
        });
        Some(durable)
    }

    /// An incoming message or part; `index` is where it waits on the SIM.
    fn incoming(&mut self, index: Option<u32>, deliver: &Deliver) -> Result<(), SessionError> {
        let source = deliver.originator.value.clone();
        let message = match deliver.message() {
            Ok(message) => message,
            Err(error) => {
                error!(self.wiring.logger, "incoming message with a malformed header left on the SIM"; "index" => ?index, "error" => %error);
                return Ok(());
            }
        };
        let key = message
            .concat
            .filter(|concat| concat.total() > 1)
            .map(|concat| (source.clone(), concat.reference().value(), concat.total()));
        if let Some(key) = &key {
            let parts = self.on_sim.entry(key.clone()).or_default();
            if index.is_some_and(|index| parts.indexes.contains(&index)) {
                // The slot it is held from, read again (listed at the
                // connection and announced too): no twin, and the SIM's
                // copy is the only durable one until the whole is stored.
                debug!(self.wiring.logger, "part read again from its slot"; "index" => ?index);
                return Ok(());
            }
            parts.indexes.extend(index);
            let time = deliver.service_centre_time;
            parts.earliest = Some(parts.earliest.map_or(time, |t| t.min(time)));
        }
        let pushed = self
            .reassembler
            .push(&source, "", message, Instant::now() + REASSEMBLY_WAIT);
        if let Some(evicted) = pushed.evicted {
            self.store_incomplete(evicted)?;
        }
        match pushed.outcome {
            Outcome::Complete(whole) => {
                let (indexes, sent_at) = match key.and_then(|key| self.on_sim.remove(&key)) {
                    Some(parts) => (parts.indexes, parts.earliest),
                    None => (index.into_iter().collect(), None),
                };
                let sent_at = sent_at.unwrap_or(deliver.service_centre_time);
                self.keep(&whole, deliver.dcs, sent_at, true, &indexes)
            }
            Outcome::Stored { received, .. } => {
                debug!(self.wiring.logger, "part of a long message kept on the SIM"; "received" => received);
                Ok(())
            }
            Outcome::Duplicate { seq, .. } => {
                // Its twin is held (or the message was stored): this copy
                // can go.
                info!(self.wiring.logger, "duplicate part deleted"; "seq" => seq);
                if let Some(index) = index {
                    if let Some(parts) = self
                        .on_sim
                        .values_mut()
                        .find(|p| p.indexes.contains(&index))
                    {
                        parts.indexes.retain(|&i| i != index);
                    }
                    self.delete(index)?;
                }
                Ok(())
            }
        }
    }

    fn store_incomplete(&mut self, incomplete: Incomplete) -> Result<(), SessionError> {
        let key = (
            incomplete.key.source.clone(),
            incomplete.key.reference,
            incomplete.key.total,
        );
        warn!(self.wiring.logger, "long message incomplete; storing what came"; "source" => &key.0, "missing" => ?incomplete.missing);
        let parts = self.on_sim.remove(&key).unwrap_or_default();
        let sent_at = parts.earliest.unwrap_or_else(|| Utc::now().fixed_offset());
        let dcs = match incomplete.partial.alphabet {
            Alphabet::Ucs2 => 0x08,
            Alphabet::Gsm7 => 0x00,
            _ => 0x04,
        };
        self.keep(&incomplete.partial, dcs, sent_at, false, &parts.indexes)
    }

    /// Stores a received message, waits for the commit, then deletes its
    /// parts from the SIM.
    fn keep(
        &mut self,
        message: &Reassembled,
        dcs: u8,
        sent_at: DateTime<FixedOffset>,
        complete: bool,
        indexes: &[u32],
    ) -> Result<(), SessionError> {
        let inbound = InboundMessage {
            gateway: self.wiring.name.clone(),
            fingerprint: fingerprint(&message.source, sent_at, &message.body),
            source: message.source.clone(),
            dcs,
            body: message.body.clone(),
            text: message.text.clone(),
            parts: message.parts,
            complete,
            sent_at: sent_at.with_timezone(&Utc),
            received_at: Utc::now(),
            destination: self.config.number.clone(),
            // Joined here already, or given up as incomplete.
            part: None,
        };
        let mut batch = Batch::new();
        batch.put_inbound(&inbound);
        if let Err(error) = self.wiring.store.commit(batch).wait() {
            error!(self.wiring.logger, "cannot store an incoming message; left on the SIM"; "error" => %error);
            return Ok(());
        }
        info!(self.wiring.logger, "incoming message stored"; "source" => &inbound.source, "parts" => inbound.parts, "fingerprint" => &inbound.fingerprint);
        self.wiring.reports.do_send(GatewayReport::Received {
            gateway: inbound.gateway,
            fingerprint: inbound.fingerprint,
        });
        for &index in indexes {
            self.delete(index)?;
        }
        Ok(())
    }

    fn delete(&mut self, index: u32) -> Result<(), SessionError> {
        let deleted = self.link.command(&format!("AT+CMGD={index}"))?;
        if !deleted.is_ok() {
            // Stored already; read again at the next start, it overwrites
            // itself.
            warn!(self.wiring.logger, "cannot delete a message from the SIM"; "index" => index, "result" => ?deleted.result);
        }
        Ok(())
    }

    /// Signal quality and registration, for the operator's log; also how
    /// a silent modem is noticed while idle.
    fn poll(&mut self) -> Result<(), SessionError> {
        self.next_poll = Instant::now() + self.config.poll_interval;
        let signal = self.link.command("AT+CSQ")?;
        let rssi = field(&signal, "+CSQ:", 0).and_then(|rssi| rssi.parse::<i32>().ok());
        // 27.007 §8.5: 0 is -113 dBm or less, 31 is -51 dBm or more, 99 unknown.
        let dbm = rssi.filter(|&r| r <= 31).map(|r| -113 + 2 * r);
        let registration = self.link.command("AT+CREG?")?;
        let stat = field(&registration, "+CREG:", 1).unwrap_or("?").to_string();
        info!(self.wiring.logger, "modem status";
            "rssi" => rssi,
            "dbm" => dbm,
            "registration" => registration_name(&stat),
            "awaiting_reports" => self.wiring.references.waiting());
        self.wiring.radio.do_send(Radio {
            dbm,
            registration: registration_name(&stat),
        });
        Ok(())
    }

    fn expect_ok(&mut self, command: &str) -> Result<Response, SessionError> {
        let response = self.link.command(command)?;
        if response.is_ok() {
            Ok(response)
        } else {
            Err(SessionError::Refused {
                command: command.to_string(),
                result: response.result,
            })
        }
    }
}

/// The SMS-SUBMIT for one message part, asking for a status report.
fn submit_for(message: &Message) -> Result<Submit, String> {
    // SMPP data_coding → TP-DCS (23.038 §4), for what a modem can carry.
    let dcs = match Alphabet::from_data_coding(message.data_coding) {
        Alphabet::Gsm7 => 0x00,
        Alphabet::Ucs2 => 0x08,
        Alphabet::Binary => 0x04,
        other => return Err(format!("data_coding {other:?} has no TP-DCS")),
    };
    let (udh, payload) = if message.esm_class & ESM_CLASS_UDHI != 0 {
        let udh_len = message
            .payload
            .first()
            .map_or(0, |&udhl| usize::from(udhl) + 1);
        if udh_len > message.payload.len() {
            return Err("the UDH is longer than the message".to_string());
        }
        message.payload.split_at(udh_len)
    } else {
        (&[][..], message.payload.as_slice())
    };
    Ok(Submit {
        sca: None,
        reject_duplicates: false,
        status_report_request: true,
        reply_path: false,
        message_reference: 0,
        destination: PduAddress::from(&message.destination),
        protocol_id: 0,
        dcs,
        validity: None,
        user_data: UserData {
            udh: udh.to_vec(),
            payload: payload.to_vec(),
        },
    })
}

/// A PDU line, with the TPDU length the modem gave when it gave one.
fn decode(pdu: &str, length: Option<usize>) -> Result<Tpdu, pdu::DecodeError> {
    let octets = hex::decode(pdu)?;
    match length {
        Some(length) => pdu::decode_with_length(&octets, length),
        None => pdu::decode(&octets),
    }
}

/// Field `n` (from 0, comma-separated) of the response line that starts
/// with `prefix`.
fn field<'r>(response: &'r Response, prefix: &str, n: usize) -> Option<&'r str> {
    response
        .lines
        .iter()
        .find_map(|line| line.strip_prefix(prefix))
        .and_then(|rest| rest.split(',').nth(n))
        .map(str::trim)
}

/// The same received message always gets the same key: who sent it, when
/// the service centre stamped it, and a checksum of what it says.
fn fingerprint(source: &str, sent_at: DateTime<FixedOffset>, body: &[u8]) -> String {
    let mut crc = crc32fast::Hasher::new();
    crc.update(source.as_bytes());
    crc.update(body);
    format!(
        "{}.{source}.{:08x}",
        sent_at.with_timezone(&Utc).format("%Y%m%d%H%M%S"),
        crc.finalize()
    )
}

fn registration_name(stat: &str) -> &'static str {
    match stat {
        "0" => "not searching",
        "1" => "home",
        "2" => "searching",
        "3" => "denied",
        "5" => "roaming",
        _ => "unknown",
    }
}
