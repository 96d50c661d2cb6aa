//! A sans-I/O reader of what a modem answers to AT commands (3GPP TS
//! 27.007 §4–5 and 27.005 §3–4): the modem driver writes a command to the
//! serial port, tells the reader which command that was, and feeds it
//! every byte it reads; the reader returns events. No I/O here.
//!
//! What comes back is lines, each ended by CR, LF or both:
//!
//! - the command's echo, while echo (ATE1) is on → [`Event::Echo`];
//! - its information response lines, e.g. `+CSQ: 20,99`, or `+CMGL: ...`
//!   followed by a PDU line → [`Event::Intermediate`];
//! - exactly one final result: `OK`, `ERROR`, `+CME ERROR: <err>`,
//!   `+CMS ERROR: <err>`, `NO CARRIER`, `BUSY`, `NO ANSWER`,
//!   `NO DIALTONE` → [`Event::Final`]; with ATV0 (see
//!   [`AtReader::set_numeric`]) also `0`, `4`, `3`, `7`, `8`, `6`;
//! - AT+CMGS and AT+CMGW wait with `> ` and no line end for the PDU →
//!   [`Event::Prompt`];
//! - at any moment, in the middle of a command's response too, unsolicited
//!   result codes → [`Event::Unsolicited`]. `+CMT` and `+CDS` (PDU mode)
//!   are two lines, a header and the PDU; they come out as one event.
//!
//! Telling a command's response from an unsolicited line needs the
//! command: `+CREG: 1` is the answer to AT+CREG? but unsolicited otherwise.
//! A line whose prefix (`+CSQ`, `^SYSINFO`) is the command's own is always
//! the command's; a known unsolicited prefix otherwise is unsolicited; any
//! other line is the command's while one is in flight and unsolicited
//! ([`Unsolicited::Other`]) when none is. Nothing is dropped: a line that
//! does not parse into its typed form is kept as text.
//!
//! Limits: text mode (AT+CMGF=1) `+CMT`/`+CDS` are not read as two lines;
//! a `+CREG` change that arrives while AT+CREG? is in flight is taken as
//! the answer; with ATV0, an information line that is a lone `0`–`8` is
//! taken as a result code.

/// The longest line kept; longer ones are dropped with
/// [`Event::Overflow`]. A PDU line is at most 2 × (12 + 164) characters;
/// an AT+CMGL header with a long alpha tag stays well below this.
pub const MAX_LINE: usize = 1024;

/// What the reader makes of the bytes it is fed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The command line coming back while echo is on, or the PDU written
    /// after the prompt.
    Echo(String),
    /// A line of the in-flight command's response.
    Intermediate(String),
    /// `> `: AT+CMGS or AT+CMGW wants the PDU and Ctrl-Z.
    Prompt,
    /// The command is over.
    Final(Final),
    /// An unsolicited result code (27.007 §4.1), in or between responses.
    Unsolicited(Unsolicited),
    /// A line of `length` octets, longer than [`MAX_LINE`], was dropped.
    Overflow {
        /// Octets the line had, line end excluded.
        length: usize,
    },
}

/// Final result codes (27.007 §5.1, 27.005 §3.2.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Final {
    /// `OK` (ATV0: `0`): the command succeeded.
    Ok,
    /// `ERROR` (ATV0: `4`): the command failed, no reason given.
    Error,
    /// `+CME ERROR: <err>`: equipment or network error (27.007 §9.2).
    CmeError(ErrorCode),
    /// `+CMS ERROR: <err>`: message service error (27.005 §3.2.5).
    CmsError(ErrorCode),
    /// `NO CARRIER` (ATV0: `3`): the connection was not set up or ended.
    NoCarrier,
    /// `BUSY` (ATV0: `7`): the called number is busy.
    Busy,
    /// `NO ANSWER` (ATV0: `8`): the call timed out unanswered.
    NoAnswer,
    /// `NO DIALTONE` (ATV0: `6`): no dial tone.
    NoDialtone,
}

/// The `<err>` of `+CME ERROR` / `+CMS ERROR`: a number (AT+CMEE=1) or a
/// text (AT+CMEE=2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// A numeric `<err>` (AT+CMEE=1), e.g. 10 "SIM not inserted" (+CME) or
    /// 500 "unknown error" (+CMS).
    Code(u16),
    /// A verbose `<err>` (AT+CMEE=2), trimmed, or any text that is not a
    /// number.
    Text(String),
}

/// Unsolicited result codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unsolicited {
    /// `+CMTI: <mem>,<index>`: a message was stored (27.005 §3.4.1).
    Cmti {
        /// `<mem>`, quotes removed: where it was stored (`SM` SIM, `ME` phone, …).
        storage: String,
        /// `<index>`: its slot in that storage, for AT+CMGR / AT+CMGD.
        index: u32,
    },
    /// `+CDSI: <mem>,<index>`: a status report was stored.
    Cdsi {
        /// `<mem>`, quotes removed: where it was stored (`SM`, `ME`, `SR`, …).
        storage: String,
        /// `<index>`: its slot in that storage, for AT+CMGR / AT+CMGD.
        index: u32,
    },
    /// `+CMT: [<alpha>],<length>` and the PDU line: a message routed
    /// straight to the host, to be acknowledged with AT+CNMA when +CSMS
    /// service 1 is on. `length` is the TPDU's, without the SCA.
    Cmt {
        /// `<alpha>`: the sender's name from the phonebook, when the modem gives one.
        alpha: Option<String>,
        /// `<length>`: the TPDU's length in octets, SCA not counted.
        length: usize,
        /// The PDU line as hexadecimal text, SCA first when the modem sends one.
        pdu: String,
    },
    /// `+CDS: <length>` and the PDU line: a status report.
    Cds {
        /// `<length>`: the TPDU's length in octets, SCA not counted.
        length: usize,
        /// The PDU line as hexadecimal text, SCA first when the modem sends one.
        pdu: String,
    },
    /// `RING`: an incoming call.
    Ring,
    /// `+CREG: <stat>[,<lac>,<ci>[,<AcT>]]` (27.007 §7.2).
    Creg(Registration),
    /// A `^`-prefixed vendor line (`^RSSI:`, `^MODE:`, `^BOOT:`, ...).
    Vendor(String),
    /// Any other line that is not part of a response.
    Other(String),
}

/// A network registration change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    /// `<stat>`: whether and where the modem is registered.
    pub stat: RegistrationStatus,
    /// Location area code, hexadecimal as sent.
    pub lac: Option<String>,
    /// Cell id, hexadecimal as sent.
    pub ci: Option<String>,
    /// Access technology (0 GSM, 2 UTRAN, 7 E-UTRAN, ...).
    pub act: Option<u8>,
}

/// `<stat>` of +CREG.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistrationStatus {
    /// 0: not registered, not searching for an operator.
    NotSearching,
    /// 1: registered on the home network.
    Home,
    /// 2: not registered, searching for an operator.
    Searching,
    /// 3: registration denied (e.g. SIM barred or not provisioned).
    Denied,
    /// 4: unknown, e.g. out of coverage.
    Unknown,
    /// 5: registered, roaming.
    Roaming,
    /// Any other `<stat>` (6 and above: SMS-only, emergency-only and other
    /// later additions), kept as sent. Not counted as registered.
    Other(u8),
}

impl RegistrationStatus {
    /// The status for a `<stat>` number; unknown numbers are kept.
    pub const fn from_code(code: u8) -> RegistrationStatus {
        match code {
            0 => RegistrationStatus::NotSearching,
            1 => RegistrationStatus::Home,
            2 => RegistrationStatus::Searching,
            3 => RegistrationStatus::Denied,
            4 => RegistrationStatus::Unknown,
            5 => RegistrationStatus::Roaming,
            other => RegistrationStatus::Other(other),
        }
    }

    /// Registered, at home or roaming: messages can be sent.
    pub const fn is_registered(self) -> bool {
        matches!(self, RegistrationStatus::Home | RegistrationStatus::Roaming)
    }
}

/// Prefixes that are unsolicited unless they are the command's own and
/// that have no typed form here.
const OTHER_URC_PREFIXES: &[&str] = &[
    "+CGREG", "+CEREG", "+CUSD", "+CLIP", "+CRING", "+CBM", "+CIEV", "+CCWA", "+CSSI", "+CSSU",
    "+CPIN", "+CGEV",
];

/// Whole lines modems print on their own after boot.
const OTHER_URC_LINES: &[&str] = &["RDY", "Call Ready", "SMS Ready", "PB DONE"];

/// The command in flight.
#[derive(Clone, Debug)]
struct Command {
    /// As written, without the line end.
    text: String,
    /// Its response prefix, uppercase: `+CSQ` for `AT+CSQ`.
    prefix: Option<String>,
    awaits_prompt: bool,
    /// What was written after the prompt, for recognising its echo.
    body: Option<String>,
    /// A line other than the echo has come.
    answered: bool,
}

/// The header of a two-line unsolicited code, waiting for its PDU line.
#[derive(Clone, Debug)]
enum Pending {
    Cmt {
        header: String,
        alpha: Option<String>,
        length: usize,
    },
    Cds {
        header: String,
        length: usize,
    },
}

/// The reader. One per serial port; it keeps the partial line between
/// calls to [`feed`](AtReader::feed).
#[derive(Clone, Debug, Default)]
pub struct AtReader {
    line: Vec<u8>,
    /// Octets of a line being dropped for being too long.
    overflow: Option<usize>,
    command: Option<Command>,
    pending: Option<Pending>,
    numeric: bool,
}

impl AtReader {
    /// A reader with no command in flight and verbose result codes (ATV1).
    pub fn new() -> AtReader {
        AtReader::default()
    }

    /// Records the command line just written (e.g. `AT+CMGS=23`), without
    /// its CR. A command still in flight is forgotten: the driver gave up
    /// on it.
    pub fn command(&mut self, text: &str) {
        let text = text.trim().to_string();
        let prefix = command_prefix(&text);
        let awaits_prompt = matches!(prefix.as_deref(), Some("+CMGS" | "+CMGW"));
        self.command = Some(Command {
            text,
            prefix,
            awaits_prompt,
            body: None,
            answered: false,
        });
    }

    /// Records what was written after the prompt (the PDU in hex, without
    /// Ctrl-Z), so that its echo is recognised.
    pub fn body(&mut self, text: &str) {
        if let Some(command) = &mut self.command {
            command.body = Some(text.trim().to_string());
        }
    }

    /// Reads numeric result codes (ATV0) as well as verbose ones.
    pub fn set_numeric(&mut self, numeric: bool) {
        self.numeric = numeric;
    }

    /// The command in flight, as written.
    pub fn in_flight(&self) -> Option<&str> {
        self.command.as_ref().map(|c| c.text.as_str())
    }

    /// Takes bytes from the modem, any number, cut anywhere; returns the
    /// events they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        for &byte in bytes {
            if byte == b'\r' || byte == b'\n' {
                if let Some(length) = self.overflow.take() {
                    events.push(Event::Overflow { length });
                } else if !self.line.is_empty() {
                    let line = std::mem::take(&mut self.line);
                    self.line_done(&line, &mut events);
                }
                continue;
            }
            if let Some(length) = &mut self.overflow {
                *length += 1;
                continue;
            }
            self.line.push(byte);
            if self.line.len() > MAX_LINE {
                self.overflow = Some(self.line.len());
                self.line.clear();
            } else if self.line == b"> " {
                if let Some(command) = self.command.as_mut().filter(|c| c.awaits_prompt) {
                    command.awaits_prompt = false;
                    self.line.clear();
                    events.push(Event::Prompt);
                }
            }
        }
        events
    }

    fn line_done(&mut self, raw: &[u8], events: &mut Vec<Event>) {
        let text = String::from_utf8_lossy(raw);
        // Ctrl-Z and ESC after an echoed PDU, NULs some modems send at boot.
        let line = text.trim_matches(|c: char| c.is_whitespace() || c.is_control());
        if line.is_empty() {
            return;
        }
        if let Some(pending) = self.pending.take() {
            if is_hex(line) {
                events.push(Event::Unsolicited(match pending {
                    Pending::Cmt { alpha, length, .. } => Unsolicited::Cmt {
                        alpha,
                        length,
                        pdu: line.to_string(),
                    },
                    Pending::Cds { length, .. } => Unsolicited::Cds {
                        length,
                        pdu: line.to_string(),
                    },
                }));
                return;
            }
            // The PDU never came: keep the header as it was, read this line
            // on its own.
            let (Pending::Cmt { header, .. } | Pending::Cds { header, .. }) = pending;
            events.push(Event::Unsolicited(Unsolicited::Other(header)));
        }
        if let Some(command) = &self.command {
            let is_echo = (!command.answered && line.eq_ignore_ascii_case(&command.text))
                || command
                    .body
                    .as_deref()
                    .is_some_and(|body| line.eq_ignore_ascii_case(body));
            if is_echo {
                events.push(Event::Echo(line.to_string()));
                return;
            }
        }
        if let Some(result) = final_result(line, self.numeric) {
            self.command = None;
            events.push(Event::Final(result));
            return;
        }
        let own_prefix = self.command.as_ref().and_then(|c| c.prefix.as_deref());
        let prefix = line_prefix(line);
        let is_own = prefix.is_some() && prefix.as_deref() == own_prefix;
        if !is_own {
            if let Some(event) = self.unsolicited(line, prefix.as_deref()) {
                events.extend(event);
                return;
            }
        }
        match &mut self.command {
            Some(command) => {
                command.answered = true;
                events.push(Event::Intermediate(line.to_string()));
            }
            None => events.push(Event::Unsolicited(Unsolicited::Other(line.to_string()))),
        }
    }

    /// The unsolicited reading of `line`, if it has one: `Some(None)` when
    /// it is the header of a two-line code (the event comes with the PDU).
    fn unsolicited(&mut self, line: &str, prefix: Option<&str>) -> Option<Option<Event>> {
        let rest = || line.split_once(':').map_or("", |(_, rest)| rest).trim();
        let other = || {
            Some(Some(Event::Unsolicited(Unsolicited::Other(
                line.to_string(),
            ))))
        };
        let typed = |u: Option<Unsolicited>| match u {
            Some(u) => Some(Some(Event::Unsolicited(u))),
            None => other(),
        };
        match prefix {
            Some("+CMTI") => typed(
                storage_index(rest()).map(|(storage, index)| Unsolicited::Cmti { storage, index }),
            ),
            Some("+CDSI") => typed(
                storage_index(rest()).map(|(storage, index)| Unsolicited::Cdsi { storage, index }),
            ),
            Some("+CMT") => match fields(rest()).as_slice() {
                [alpha, length] if length.parse::<usize>().is_ok() => {
                    self.pending = Some(Pending::Cmt {
                        header: line.to_string(),
                        alpha: Some(unquote(alpha)).filter(|a| !a.is_empty()),
                        length: length.parse().unwrap_or(0),
                    });
                    Some(None)
                }
                _ => other(),
            },
            Some("+CDS") => match rest().parse::<usize>() {
                Ok(length) => {
                    self.pending = Some(Pending::Cds {
                        header: line.to_string(),
                        length,
                    });
                    Some(None)
                }
                Err(_) => other(),
            },
            Some("+CREG") => typed(registration(rest()).map(Unsolicited::Creg)),
            Some(p) if p.starts_with('^') => Some(Some(Event::Unsolicited(Unsolicited::Vendor(
                line.to_string(),
            )))),
            Some(p) if OTHER_URC_PREFIXES.contains(&p) => other(),
            _ if line == "RING" => Some(Some(Event::Unsolicited(Unsolicited::Ring))),
            _ if OTHER_URC_LINES.contains(&line) => other(),
            _ => None,
        }
    }
}

/// The final result `line` is, if it is one.
fn final_result(line: &str, numeric: bool) -> Option<Final> {
    let verbose = match line {
        "OK" => Some(Final::Ok),
        "ERROR" => Some(Final::Error),
        "NO CARRIER" => Some(Final::NoCarrier),
        "BUSY" => Some(Final::Busy),
        "NO ANSWER" => Some(Final::NoAnswer),
        "NO DIALTONE" | "NO DIAL TONE" => Some(Final::NoDialtone),
        _ => {
            if let Some(err) = line.strip_prefix("+CME ERROR:") {
                Some(Final::CmeError(error_code(err)))
            } else {
                line.strip_prefix("+CMS ERROR:")
                    .map(|err| Final::CmsError(error_code(err)))
            }
        }
    };
    if verbose.is_some() || !numeric {
        return verbose;
    }
    match line {
        "0" => Some(Final::Ok),
        "3" => Some(Final::NoCarrier),
        "4" => Some(Final::Error),
        "6" => Some(Final::NoDialtone),
        "7" => Some(Final::Busy),
        "8" => Some(Final::NoAnswer),
        _ => None,
    }
}

fn error_code(text: &str) -> ErrorCode {
    let text = text.trim();
    text.parse()
        .map(ErrorCode::Code)
        .unwrap_or_else(|_| ErrorCode::Text(text.to_string()))
}

/// `+CSQ` for `AT+CSQ`, `AT+csq?`, `AT+CMGS=23`; `^SYSINFO` for
/// `AT^SYSINFO`; uppercase.
fn command_prefix(command: &str) -> Option<String> {
    let body = command.get(2..).filter(|_| {
        command
            .get(..2)
            .is_some_and(|at| at.eq_ignore_ascii_case("AT"))
    })?;
    let mut chars = body.chars();
    let symbol = chars.next().filter(|c| matches!(c, '+' | '^'))?;
    let name: String = chars.take_while(char::is_ascii_alphanumeric).collect();
    (!name.is_empty()).then(|| format!("{symbol}{}", name.to_ascii_uppercase()))
}

/// `+CMTI` for `+CMTI: "SM",3`; only for `+`/`^` lines with a colon.
fn line_prefix(line: &str) -> Option<String> {
    if !line.starts_with(['+', '^']) {
        return None;
    }
    let (prefix, _) = line.split_once(':')?;
    let prefix = prefix.trim();
    (prefix.len() > 1 && prefix[1..].chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| prefix.to_ascii_uppercase())
}

/// Comma-separated fields; commas inside double quotes do not split.
fn fields(text: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, ch) in text.char_indices() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                fields.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    fields.push(text[start..].trim());
    fields
}

fn unquote(field: &str) -> String {
    let field = field.trim();
    field
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .unwrap_or(field)
        .to_string()
}

/// `"SM",3` → ("SM", 3).
fn storage_index(text: &str) -> Option<(String, u32)> {
    match fields(text).as_slice() {
        [storage, index] => Some((unquote(storage), index.parse().ok()?)),
        _ => None,
    }
}

/// The unsolicited form `<stat>[,<lac>,<ci>[,<AcT>]]`.
fn registration(text: &str) -> Option<Registration> {
    let fields = fields(text);
    let (stat, rest) = fields.split_first()?;
    let stat = RegistrationStatus::from_code(stat.parse().ok()?);
    let optional = |i: usize| rest.get(i).map(|f| unquote(f)).filter(|f| !f.is_empty());
    let act = match optional(2) {
        Some(act) => Some(act.parse().ok()?),
        None => None,
    };
    Some(Registration {
        stat,
        lac: optional(0),
        ci: optional(1),
        act,
    })
}

fn is_hex(line: &str) -> bool {
    line.bytes().all(|b| b.is_ascii_hexdigit())
}
