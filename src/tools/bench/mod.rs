//! `pasarela bench`: an ESME load generator. It binds S sessions, sends N
//! messages through them as fast as windows of W allow (or at `--rate`),
//! matches receipts to the ids the SMSC acknowledged, and reports submit
//! throughput, end-to-end throughput, submit_sm_resp latency, receipts by
//! `stat:` and refusals by command status.
//!
//! - `plan`: the PDUs of message `n` and their destinations.
//! - `report`: receipt matching, per-session counts, the printed report.
//!
//! Counts are of submit_sm PDUs: a message of three parts is three submits,
//! three acknowledgements and three receipts.
//!
//! With `--resubmit-refused` a submit the server refuses as full or
//! throttled (ESME_RMSGQFUL, ESME_RTHROTTLED) goes again after
//! [`RESUBMIT_PAUSE`], as an ESME does, and counts as `resubmitted`, not
//! as an error: every message then ends up taken, and a run measures a
//! switch that pushes back.

mod plan;
mod report;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, oneshot, watch};

use self::plan::{Destinations, Plan, PlanError};
use self::report::{Report, SessionTotals, Shape, Tracker};
use crate::smpp::dlr::read_receipt;
use crate::smpp::pdu::SubmitSm;
use crate::smpp::{Codec, CommandStatus, Stat, status};
use crate::throttle::Throttle;
use crate::tools::client::{BindKind, ClientError, Credentials, Esme, Event};

/// How long a submit_sm may wait for its answer before it counts as an
/// error (TIMEOUT).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a refused submit waits before it goes again
/// (`--resubmit-refused`).
const RESUBMIT_PAUSE: Duration = Duration::from_millis(20);

/// How long unbinding may take at the end.
const UNBIND_LIMIT: Duration = Duration::from_secs(2);

/// How the submitting sessions bind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BindMode {
    /// Submit and receive receipts on the same sessions.
    Transceiver,
    /// Submit on transmitter sessions and open as many receiver sessions
    /// for the receipts.
    Transmitter,
}

/// The command line of `pasarela bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// The SMPP server to load.
    #[arg(long, default_value = "127.0.0.1:2775")]
    pub connect: String,
    #[arg(long, default_value = "demo")]
    pub system_id: String,
    #[arg(long, default_value = "demo1234")]
    pub password: String,
    /// Messages to send.
    #[arg(long, default_value_t = 10_000)]
    pub messages: u64,
    /// Sessions submitting in parallel.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub sessions: u16,
    /// Outstanding submit_sm per session.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u16).range(1..))]
    pub window: u16,
    /// Total submit_sm per second over all sessions; 0 or absent: as fast
    /// as the windows allow.
    #[arg(long)]
    pub rate: Option<u32>,
    /// The message text.
    #[arg(long, conflicts_with = "length")]
    pub text: Option<String>,
    /// Send generated text of this many characters instead; over 160 (70
    /// with --unicode) it goes in concatenated parts with a UDH.
    #[arg(long)]
    pub length: Option<usize>,
    /// Send the text as UCS-2.
    #[arg(long)]
    pub unicode: bool,
    /// 1: ask for a receipt per part; 0: none.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=1))]
    pub registered_delivery: u8,
    /// Destinations are this prefix and a zero-padded counter, skipping
    /// numbers whose last four digits are 9990–9999 (the simulators' fault
    /// rows).
    #[arg(long, default_value = "34600")]
    pub destination: String,
    /// Take destinations from this file instead, one per line, in turn and
    /// as written (fault numbers included: that is how a run exercises
    /// refusals and failed receipts).
    #[arg(long, value_name = "FILE", conflicts_with = "destination")]
    pub destinations: Option<PathBuf>,
    /// The sender: digits go as an international number, anything else as
    /// alphanumeric.
    #[arg(long, default_value = "pasarela")]
    pub source: String,
    #[arg(long, value_enum, default_value_t = BindMode::Transceiver)]
    pub bind: BindMode,
    /// After the last submit is answered, how long to wait for the
    /// receipts still missing.
    #[arg(long, default_value_t = 30_000)]
    pub receipt_timeout_ms: u64,
    /// Submit again, after a pause, what the server refuses as full or
    /// throttled (ESME_RMSGQFUL, ESME_RTHROTTLED), as ESMEs do.
    #[arg(long)]
    pub resubmit_refused: bool,
    /// Print only the JSON line.
    #[arg(long)]
    pub json: bool,
}

/// Why the bench could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("session {session}: {source}")]
    Bind {
        session: usize,
        #[source]
        source: ClientError,
    },
    #[error("cannot write the report: {0}")]
    Json(#[from] serde_json::Error),
}

/// Run the bench and print its report.
pub fn run(args: BenchArgs) -> Result<(), BenchError> {
    let destinations = match &args.destinations {
        Some(path) => Destinations::from_file(path)?,
        None => Destinations::numbered(&args.destination, args.messages)?,
    };
    let text = plan::text(args.text.as_deref(), args.length);
    let plan = Plan::new(
        args.messages,
        &text,
        args.unicode,
        args.registered_delivery,
        &args.source,
        destinations,
    )?;
    let report = super::runtime()
        .map_err(BenchError::Runtime)?
        .block_on(drive(&args, plan))?;
    if !args.json {
        println!("{}", report.text());
    }
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

fn log(line: std::fmt::Arguments<'_>) {
    super::log("bench", line);
}

/// What the sessions share.
struct Run {
    plan: Plan,
    /// The next message a session may take.
    next_message: AtomicU64,
    /// `--rate`, over all sessions.
    throttle: Option<Mutex<Throttle>>,
    tracker: Mutex<Tracker>,
    /// Signalled when the last awaited receipt arrives.
    receipts_done: Notify,
    /// `--resubmit-refused`.
    resubmit: bool,
}

impl Run {
    fn tracker(&self) -> MutexGuard<'_, Tracker> {
        // A panic elsewhere cannot leave the counts inconsistent enough to
        // matter; keep counting.
        self.tracker.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Message numbers are handed out one at a time, so a session that
    /// runs faster takes more.
    fn take_message(&self) -> Option<Vec<SubmitSm>> {
        let n = self.next_message.fetch_add(1, Ordering::Relaxed);
        (n < self.plan.messages).then(|| self.plan.submits(n))
    }

    /// `Err(wait)` when `--rate` allows nothing now.
    fn pace(&self, now: Instant) -> Result<(), Duration> {
        match &self.throttle {
            Some(throttle) => throttle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .try_take(1, now),
            None => Ok(()),
        }
    }
}

async fn drive(args: &BenchArgs, plan: Plan) -> Result<Report, BenchError> {
    let credentials = Credentials {
        system_id: args.system_id.clone(),
        password: args.password.clone(),
    };
    let sessions = usize::from(args.sessions);
    let (submit_kind, receivers) = match args.bind {
        BindMode::Transceiver => (BindKind::Transceiver, 0),
        BindMode::Transmitter => (BindKind::Transmitter, sessions),
    };
    let window = usize::from(args.window);
    let mut binds = Vec::with_capacity(sessions + receivers);
    for index in 0..sessions + receivers {
        let kind = if index < sessions {
            submit_kind
        } else {
            BindKind::Receiver
        };
        let esme = Esme::bind(
            &args.connect,
            None,
            kind,
            &credentials,
            window,
            RESPONSE_TIMEOUT,
            Codec::new(),
        )
        .await
        .map_err(|source| BenchError::Bind {
            session: index + 1,
            source,
        })?;
        binds.push((esme, index < sessions));
    }
    let shape = Shape {
        messages: plan.messages,
        parts: plan.messages.saturating_mul(plan.parts as u64),
        sessions: args.sessions,
        window: args.window,
    };
    let rate = args.rate.filter(|&rate| rate > 0);
    let wants_receipts = plan.registered_delivery != 0;
    let run = Arc::new(Run {
        plan,
        next_message: AtomicU64::new(0),
        // Bursts of 10 ms worth: smooth enough to show a switch's TPS limit.
        throttle: rate.map(|rate| Mutex::new(Throttle::new(rate, (rate / 100).max(1)))),
        tracker: Mutex::new(Tracker::default()),
        receipts_done: Notify::new(),
        resubmit: args.resubmit_refused,
    });
    let start = Instant::now();
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut submit_phases = Vec::new();
    let mut tasks = Vec::new();
    for (esme, submits) in binds {
        let submit_done = submits.then(|| {
            let (done_tx, done_rx) = oneshot::channel();
            submit_phases.push(done_rx);
            done_tx
        });
        let session = Session {
            esme,
            run: Arc::clone(&run),
            submitting: submits,
            submit_done,
            totals: SessionTotals::default(),
            sent: HashMap::new(),
            again: VecDeque::new(),
        };
        tasks.push(tokio::spawn(session.run(stop_rx.clone())));
    }
    for phase in submit_phases {
        // A session that failed drops its sender: its phase is over too.
        let _ = phase.await;
    }
    if wants_receipts {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(args.receipt_timeout_ms);
        while run.tracker().missing() > 0 {
            tokio::select! {
                () = run.receipts_done.notified() => {}
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
    }
    let elapsed = start.elapsed();
    let _ = stop_tx.send(true);
    let mut totals = Vec::with_capacity(tasks.len());
    for task in tasks {
        if let Ok(session) = task.await {
            totals.push(session);
        }
    }
    let tracker = std::mem::take(&mut *run.tracker());
    Ok(Report::new(shape, totals, tracker, elapsed))
}

/// One bound connection of the run.
struct Session {
    esme: Esme,
    run: Arc<Run>,
    /// Still taking messages to send.
    submitting: bool,
    /// Told when this session has nothing more to send and nothing
    /// outstanding; receiver sessions have none.
    submit_done: Option<oneshot::Sender<()>>,
    totals: SessionTotals,
    /// With `--resubmit-refused`: each outstanding submit by sequence
    /// number, to send again if refused.
    sent: HashMap<u32, SubmitSm>,
    /// Refused submits and when they go again, oldest first.
    again: VecDeque<(Instant, SubmitSm)>,
}

impl Session {
    async fn run(mut self, mut stop: watch::Receiver<bool>) -> SessionTotals {
        let mut parts = std::collections::VecDeque::new();
        let outcome = loop {
            let wake = match self.submit(&mut parts) {
                Ok(wake) => wake,
                Err(error) => break Err(error),
            };
            if !self.submitting && self.again.is_empty() && self.esme.outstanding() == 0 {
                if let Some(done) = self.submit_done.take() {
                    let _ = done.send(());
                }
            }
            tokio::select! {
                event = self.esme.next_event() => match event {
                    Ok(event) => self.on_event(event),
                    Err(error) => break Err(error),
                },
                () = super::sleep_until(wake) => {}
                _ = stop.changed() => break Ok(()),
            }
        };
        match outcome {
            Ok(()) => self.esme.unbind(UNBIND_LIMIT).await,
            Err(error) => {
                log(format_args!("session ended early: {error}"));
                // What it had in flight will never be answered.
                let lost = self.esme.outstanding() as u64;
                *self
                    .totals
                    .errors
                    .entry("CONNECTION_LOST".to_owned())
                    .or_default() += lost;
            }
        }
        self.totals
    }

    /// Fill the window, refused submits that are due first. `Some(at)`:
    /// wake at `at`, when the rate allows the next submit or a refused
    /// one is due again.
    fn submit(&mut self, parts: &mut VecDeque<SubmitSm>) -> Result<Option<Instant>, ClientError> {
        while self.esme.can_submit() {
            let now = Instant::now();
            let again_due = self.again.front().is_some_and(|(at, _)| *at <= now);
            if !again_due {
                if !self.submitting {
                    break;
                }
                if parts.is_empty() {
                    match self.run.take_message() {
                        Some(submits) => parts.extend(submits),
                        None => {
                            self.submitting = false;
                            continue;
                        }
                    }
                }
            }
            if let Err(wait) = self.run.pace(now) {
                return Ok(Some(now + wait));
            }
            let part = if again_due {
                self.again.pop_front().map(|(_, part)| part)
            } else {
                parts.pop_front()
            };
            let Some(part) = part else {
                continue;
            };
            let kept = self.run.resubmit.then(|| part.clone());
            let sequence = self.esme.submit(part)?;
            if let Some(kept) = kept {
                self.sent.insert(sequence, kept);
            }
            self.totals.first_submit.get_or_insert(now);
        }
        // A full window wakes the session with its next answer.
        Ok(if self.esme.can_submit() {
            self.again.front().map(|(at, _)| *at)
        } else {
            None
        })
    }

    /// Whether the submit `sequence`, refused with `status`, goes again.
    fn resubmitted(&mut self, sequence: u32, status: CommandStatus, now: Instant) -> bool {
        let sent = self.sent.remove(&sequence);
        let refused_for_now = matches!(
            status,
            CommandStatus::EsmeRmsgqful | CommandStatus::EsmeRthrottled
        );
        match sent.filter(|_| refused_for_now) {
            Some(part) => {
                self.again.push_back((now + RESUBMIT_PAUSE, part));
                self.totals.resubmitted += 1;
                true
            }
            None => false,
        }
    }

    fn on_event(&mut self, event: Event) {
        let now = Instant::now();
        match event {
            Event::Answered {
                sequence,
                status,
                message_id,
                sent_at,
            } => {
                let micros = now.saturating_duration_since(sent_at).as_micros();
                self.totals
                    .latencies_us
                    .push(u32::try_from(micros).unwrap_or(u32::MAX));
                self.totals.last_response = Some(now);
                if self.resubmitted(sequence, status, now) {
                    return;
                }
                if status != CommandStatus::EsmeRok {
                    self.totals.error(status::name(u32::from(status)));
                    return;
                }
                self.totals.submitted_ok += 1;
                if let Some(id) = message_id.filter(|_| self.run.plan.registered_delivery != 0) {
                    self.run.tracker().acknowledged(id, now);
                }
            }
            Event::TimedOut { sequence } => {
                self.sent.remove(&sequence);
                self.totals.last_response = Some(now);
                self.totals.error("TIMEOUT");
            }
            Event::Delivered { pdu, .. } => match read_receipt(&pdu) {
                Ok(Some(receipt)) if !receipt.intermediate => {
                    let stat = receipt
                        .text
                        .and_then(|text| text.stat)
                        .or_else(|| receipt.state.map(Stat::from_message_state))
                        .unwrap_or(Stat::Unknown);
                    let mut tracker = self.run.tracker();
                    tracker.receipt(receipt.message_id, stat, now);
                    if tracker.missing() == 0 {
                        self.run.receipts_done.notify_one();
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => self.totals.mo_received += 1,
                Err(_) => self.totals.unreadable_receipts += 1,
            },
        }
    }
}
