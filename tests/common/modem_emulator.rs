//! A fake GSM modem for the tests, on a pseudo-terminal the test creates
//! (`TTYPort::pair`): the switch opens the slave by its path, a thread here
//! answers on the master as a PDU-mode modem does. Echo until ATE0, a SIM
//! PIN, the `> ` prompt and `+CMGS: <mr>` (late on demand), `+CMS ERROR` on demand, a
//! `+CMTI` in the middle of a send or right behind an answer, status
//! reports (`+CDS`), messages stored on the SIM (`+CMTI`, AT+CMGR,
//! AT+CMGL, AT+CMGD), and silence.

#![allow(dead_code)] // each test binary uses its own subset

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{FixedOffset, TimeZone};
use pasarela::modem::pdu::{
    self, Deliver, PduAddress, Status, StatusReport, Submit, Tpdu, UserData,
};
use serialport::{SerialPort, TTYPort};

/// What the emulated modem holds and how it is told to misbehave.
#[derive(Default)]
pub struct State {
    echo: bool,
    /// The PIN the SIM wants; `None` once entered or when it wants none.
    locked_with: Option<String>,
    /// Index → (TPDU length, PDU hex).
    sim: BTreeMap<u32, (usize, String)>,
    next_index: u32,
    next_mr: u8,
    /// Every PDU written after a prompt, in order, with the TP-MR given.
    pub submitted: Vec<(u8, String)>,
    /// Answer the next AT+CMGS with `+CMS ERROR: <code>`.
    pub fail_next_send: Option<u16>,
    /// A message to store and announce between the PDU and `+CMGS:`.
    pub during_next_send: Option<Deliver>,
    /// Answer the next PDU this much later (a send still under way).
    pub slow_next_send: Option<Duration>,
    /// A message to store and announce right after the next command's
    /// final result, in the same write.
    pub after_next_answer: Option<Deliver>,
    /// Refuse AT+CMGD (a switch that dies between store and delete).
    pub refuse_delete: bool,
    /// Read everything, answer nothing.
    pub silent: bool,
    /// Lines to write when the line is free.
    outbox: Vec<String>,
    /// Every command line received.
    pub commands: Vec<String>,
}

pub struct Emulator {
    /// The slave's path: the `device` of the modem gateway.
    pub device: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Emulator {
    /// A modem whose SIM wants `pin` (if any) before anything else.
    pub fn start(pin: Option<&str>) -> Emulator {
        let (master, slave) = TTYPort::pair().expect("a pseudo-terminal pair");
        let device = slave.name().expect("the slave has a path");
        // Closed here: the switch opens it by path (exclusively), and the
        // last close clears that for the next switch process.
        drop(slave);
        let state = Arc::new(Mutex::new(State {
            echo: true,
            locked_with: pin.map(str::to_owned),
            next_index: 1,
            next_mr: 1,
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || serve(master, &state, &stop))
        };
        Emulator {
            device,
            state,
            stop,
            thread: Some(thread),
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// The SMS-SUBMITs received so far, decoded, with their TP-MR.
    pub fn submitted(&self) -> Vec<(u8, Submit)> {
        self.state()
            .submitted
            .iter()
            .map(
                |(mr, hex)| match pdu::decode_hex(hex).expect("a valid PDU") {
                    Tpdu::Submit(submit) => (*mr, submit),
                    other => panic!("not an SMS-SUBMIT: {other:?}"),
                },
            )
            .collect()
    }

    /// Puts a message on the SIM and returns its index; `announce` sends
    /// `+CMTI` for it.
    pub fn receive(&self, deliver: &Deliver, announce: bool) -> u32 {
        let mut state = self.state();
        let index = state.store(deliver);
        if announce {
            state.outbox.push(format!("+CMTI: \"SM\",{index}"));
        }
        index
    }

    /// Sends `+CMTI` for the message at `index` once more, as a modem
    /// does that announces what the switch also finds listed at start.
    pub fn announce_again(&self, index: u32) {
        self.state().outbox.push(format!("+CMTI: \"SM\",{index}"));
    }

    /// Messages on the SIM.
    pub fn on_sim(&self) -> usize {
        self.state().sim.len()
    }

    /// Sends `+CDS` with `status` for the message sent with `mr`.
    pub fn report(&self, mr: u8, status: Status) {
        let time = FixedOffset::east_opt(3600)
            .unwrap()
            .with_ymd_and_hms(2026, 11, 30, 12, 0, 0)
            .unwrap();
        let report = StatusReport {
            sca: None,
            more_messages: false,
            loop_prevention: false,
            for_command: false,
            message_reference: mr,
            recipient: PduAddress::international("34600000001"),
            service_centre_time: time,
            discharge_time: time,
            status,
            protocol_id: None,
            dcs: None,
            user_data: None,
        };
        let encoded = report.encode().unwrap();
        self.state().outbox.push(format!(
            "+CDS: {}\r\n{}",
            encoded.tpdu_length,
            encoded.hex()
        ));
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An SMS-DELIVER from `from` with `user_data` in TP-DCS `dcs`.
pub fn deliver(from: &str, dcs: u8, user_data: UserData, second: u32) -> Deliver {
    Deliver {
        sca: Some(PduAddress::international("34600000000")),
        more_messages: false,
        loop_prevention: false,
        status_report_indication: false,
        reply_path: false,
        originator: PduAddress::international(from),
        protocol_id: 0,
        dcs,
        service_centre_time: FixedOffset::east_opt(3600)
            .unwrap()
            .with_ymd_and_hms(2026, 11, 30, 12, 0, second)
            .unwrap(),
        user_data,
    }
}

impl State {
    fn store(&mut self, deliver: &Deliver) -> u32 {
        let encoded = deliver.encode().unwrap();
        let index = self.next_index;
        self.next_index += 1;
        self.sim.insert(index, (encoded.tpdu_length, encoded.hex()));
        index
    }

    /// The answer to one command line (lines, then the final result).
    fn answer(&mut self, line: &str) -> Vec<String> {
        self.commands.push(line.to_owned());
        let upper = line.to_ascii_uppercase();
        let ok = |mut lines: Vec<String>| {
            lines.push("OK".to_owned());
            lines
        };
        if let Some(pin) = upper.strip_prefix("AT+CPIN=") {
            let pin = pin.trim_matches('"');
            return match &self.locked_with {
                Some(wanted) if wanted == pin => {
                    self.locked_with = None;
                    ok(vec![])
                }
                Some(_) => vec!["+CME ERROR: 16".to_owned()],
                None => vec!["+CME ERROR: 3".to_owned()],
            };
        }
        if upper == "AT+CPIN?" {
            let state = if self.locked_with.is_some() {
                "SIM PIN"
            } else {
                "READY"
            };
            return ok(vec![format!("+CPIN: {state}")]);
        }
        let sms_command = upper.starts_with("AT+CMG") || upper.starts_with("AT+CPMS");
        if self.locked_with.is_some() && sms_command {
            return vec!["+CMS ERROR: 311".to_owned()];
        }
        match upper.as_str() {
            "AT" | "AT+CMEE=1" | "AT+CMGF=0" | "AT+CNMI=2,1,0,1,0" => return ok(vec![]),
            "ATE0" => {
                self.echo = false;
                return ok(vec![]);
            }
            "AT+CSQ" => return ok(vec!["+CSQ: 21,99".to_owned()]),
            "AT+CREG?" => return ok(vec!["+CREG: 0,1".to_owned()]),
            "AT+CMGL=4" => {
                let mut lines = Vec::new();
                for (index, (length, hex)) in &self.sim {
                    lines.push(format!("+CMGL: {index},0,,{length}"));
                    lines.push(hex.clone());
                }
                return ok(lines);
            }
            _ => {}
        }
        if upper.starts_with("AT+CPMS=") {
            let used = self.sim.len();
            return ok(vec![format!("+CPMS: {used},30,{used},30,{used},30")]);
        }
        if let Some(index) = upper.strip_prefix("AT+CMGR=") {
            return match index.parse().ok().and_then(|i: u32| self.sim.get(&i)) {
                Some((length, hex)) => ok(vec![format!("+CMGR: 0,,{length}"), hex.clone()]),
                None => vec!["+CMS ERROR: 321".to_owned()],
            };
        }
        if let Some(index) = upper.strip_prefix("AT+CMGD=") {
            if self.refuse_delete {
                return vec!["+CMS ERROR: 500".to_owned()];
            }
            if let Ok(index) = index.parse::<u32>() {
                self.sim.remove(&index);
            }
            return ok(vec![]);
        }
        vec!["ERROR".to_owned()]
    }

    /// The answer to the PDU written after the prompt.
    fn submit(&mut self, hex: &str) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(deliver) = self.during_next_send.take() {
            let index = self.store(&deliver);
            lines.push(format!("+CMTI: \"SM\",{index}"));
        }
        if let Some(code) = self.fail_next_send.take() {
            lines.push(format!("+CMS ERROR: {code}"));
            return lines;
        }
        let mr = self.next_mr;
        self.next_mr = self.next_mr.wrapping_add(1);
        self.submitted.push((mr, hex.to_owned()));
        lines.push(format!("+CMGS: {mr}"));
        lines.push("OK".to_owned());
        lines
    }
}

/// The modem's side of the line, until `stop`.
fn serve(mut port: TTYPort, state: &Mutex<State>, stop: &AtomicBool) {
    let mut line = Vec::new();
    let mut in_pdu = false;
    let mut buffer = [0u8; 512];
    while !stop.load(Ordering::Relaxed) {
        let read = match port.read(&mut buffer) {
            Ok(read) => read,
            Err(error) if error.kind() == ErrorKind::TimedOut => 0,
            Err(_) => {
                // No slave open (EIO): nobody is listening yet, or any more.
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        let mut out = String::new();
        let mut delay = None;
        let mut state = state.lock().unwrap();
        if state.silent {
            continue;
        }
        for &byte in &buffer[..read] {
            if in_pdu {
                if byte == 0x1a {
                    in_pdu = false;
                    let hex = String::from_utf8_lossy(&line).trim().to_owned();
                    line.clear();
                    delay = state.slow_next_send.take();
                    for answer in state.submit(&hex) {
                        out.push_str(&format!("\r\n{answer}\r\n"));
                    }
                } else {
                    line.push(byte);
                }
                continue;
            }
            if byte != b'\r' {
                line.push(byte);
                continue;
            }
            let command = String::from_utf8_lossy(&line).trim().to_owned();
            line.clear();
            if command.is_empty() {
                continue;
            }
            if state.echo {
                out.push_str(&format!("{command}\r"));
            }
            if command.to_ascii_uppercase().starts_with("AT+CMGS=") && state.locked_with.is_none() {
                in_pdu = true;
                out.push_str("\r\n> ");
                continue;
            }
            for answer in state.answer(&command) {
                out.push_str(&format!("\r\n{answer}\r\n"));
            }
            if let Some(deliver) = state.after_next_answer.take() {
                let index = state.store(&deliver);
                out.push_str(&format!("\r\n+CMTI: \"SM\",{index}\r\n"));
            }
        }
        if !in_pdu && line.is_empty() {
            for unsolicited in std::mem::take(&mut state.outbox) {
                out.push_str(&format!("\r\n{unsolicited}\r\n"));
            }
        }
        drop(state);
        if let Some(delay) = delay {
            std::thread::sleep(delay);
        }
        if !out.is_empty() {
            let _ = port.write_all(out.as_bytes());
        }
    }
}
