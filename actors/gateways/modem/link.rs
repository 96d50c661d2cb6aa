//! The AT transport of one modem: writes one command at a time to the
//! serial port and reads what comes back through a [`modem::at`] reader,
//! until the final result or a deadline. Unsolicited lines met on the way
//! are kept for the session to act on. Blocking: it runs on the modem's
//! own thread, never on an actor's.
//!
//! [`modem::at`]: crate::modem::at

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use serialport::TTYPort;

use crate::modem::at::{AtReader, Event, Final, Unsolicited};

/// How long one read of the port waits before the deadline is looked at.
const READ_SLICE: Duration = Duration::from_millis(50);
/// Ctrl-Z: ends the PDU written after the `> ` prompt.
const CTRL_Z: u8 = 0x1a;

/// Why the modem cannot be talked to any more (the session ends; the
/// modem actor reconnects with back-off).
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("cannot open {device}: {source}")]
    Open {
        device: String,
        #[source]
        source: serialport::Error,
    },
    #[error("serial port: {0}")]
    Io(#[from] std::io::Error),
    #[error("no answer to {command} within {timeout:?}")]
    Timeout { command: String, timeout: Duration },
}

/// What a command got back.
#[derive(Debug)]
pub struct Response {
    /// Its information lines, in order.
    pub lines: Vec<String>,
    pub result: Final,
}

impl Response {
    pub fn is_ok(&self) -> bool {
        self.result == Final::Ok
    }
}

pub struct Link {
    port: TTYPort,
    reader: AtReader,
    /// Unsolicited result codes read and not yet taken.
    unsolicited: VecDeque<Unsolicited>,
    timeout: Duration,
}

impl Link {
    /// Opens the port (exclusively: two programs on one modem garble
    /// each other's commands).
    pub fn open(device: &Path, baud: u32, timeout: Duration) -> Result<Link, LinkError> {
        let name = device.to_string_lossy().into_owned();
        let port = serialport::new(name.clone(), baud)
            .timeout(READ_SLICE)
            .open_native()
            .map_err(|source| LinkError::Open {
                device: name,
                source,
            })?;
        Ok(Link {
            port,
            reader: AtReader::new(),
            unsolicited: VecDeque::new(),
            timeout,
        })
    }

    /// Writes `text` and CR, and reads until its final result.
    pub fn command(&mut self, text: &str) -> Result<Response, LinkError> {
        self.reader.command(text);
        self.write(format!("{text}\r").as_bytes())?;
        self.finish(text)
    }

    /// AT+CMGS in PDU mode: the TPDU length, the `> ` prompt, then the
    /// PDU in hex and Ctrl-Z, and the final result with `+CMGS: <mr>`.
    pub fn submit(&mut self, tpdu_length: usize, hex: &str) -> Result<Response, LinkError> {
        let command = format!("AT+CMGS={tpdu_length}");
        self.reader.command(&command);
        self.write(format!("{command}\r").as_bytes())?;
        let deadline = Instant::now() + self.timeout;
        let mut lines = Vec::new();
        loop {
            let mut events = self.read_until(deadline, &command)?.into_iter();
            while let Some(event) = events.next() {
                match event {
                    Event::Prompt => {
                        self.keep_unsolicited(events);
                        self.reader.body(hex);
                        let mut body = hex.as_bytes().to_vec();
                        body.push(CTRL_Z);
                        self.write(&body)?;
                        return self.finish_with(&command, lines);
                    }
                    // Refused before the prompt (a wrong length, no SIM).
                    Event::Final(result) => {
                        self.keep_unsolicited(events);
                        return Ok(Response { lines, result });
                    }
                    Event::Intermediate(line) => lines.push(line),
                    Event::Unsolicited(u) => self.unsolicited.push_back(u),
                    Event::Echo(_) | Event::Overflow { .. } => {}
                }
            }
        }
    }

    /// Reads for up to `wait` with no command in flight, keeping the
    /// unsolicited lines that come.
    pub fn listen(&mut self, wait: Duration) -> Result<(), LinkError> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            let events = self.read_some()?;
            self.keep_unsolicited(events);
        }
        Ok(())
    }

    /// Keeps the unsolicited lines among `events`: also those read in the
    /// same go as, and behind, a command's final result or prompt, which
    /// a modem may send at any time.
    fn keep_unsolicited(&mut self, events: impl IntoIterator<Item = Event>) {
        self.unsolicited
            .extend(events.into_iter().filter_map(|event| match event {
                Event::Unsolicited(u) => Some(u),
                _ => None,
            }));
    }

    /// The next unsolicited line read and not yet taken.
    pub fn next_unsolicited(&mut self) -> Option<Unsolicited> {
        self.unsolicited.pop_front()
    }

    fn finish(&mut self, command: &str) -> Result<Response, LinkError> {
        self.finish_with(command, Vec::new())
    }

    fn finish_with(
        &mut self,
        command: &str,
        mut lines: Vec<String>,
    ) -> Result<Response, LinkError> {
        let deadline = Instant::now() + self.timeout;
        loop {
            let mut events = self.read_until(deadline, command)?.into_iter();
            while let Some(event) = events.next() {
                match event {
                    Event::Final(result) => {
                        self.keep_unsolicited(events);
                        return Ok(Response { lines, result });
                    }
                    Event::Intermediate(line) => lines.push(line),
                    Event::Unsolicited(u) => self.unsolicited.push_back(u),
                    Event::Echo(_) | Event::Prompt | Event::Overflow { .. } => {}
                }
            }
        }
    }

    /// Events from one read, or a timeout once `deadline` has passed.
    fn read_until(&mut self, deadline: Instant, command: &str) -> Result<Vec<Event>, LinkError> {
        if Instant::now() >= deadline {
            return Err(LinkError::Timeout {
                command: command.to_string(),
                timeout: self.timeout,
            });
        }
        self.read_some()
    }

    fn read_some(&mut self) -> Result<Vec<Event>, LinkError> {
        let mut buffer = [0u8; 512];
        match self.port.read(&mut buffer) {
            Ok(0) => {
                // A pseudo-terminal whose other end is gone reads as EOF.
                std::thread::sleep(READ_SLICE);
                Ok(Vec::new())
            }
            Ok(read) => Ok(self.reader.feed(&buffer[..read])),
            Err(error) if error.kind() == ErrorKind::TimedOut => Ok(Vec::new()),
            Err(error) if error.kind() == ErrorKind::Interrupted => Ok(Vec::new()),
            Err(error) => Err(error.into()),
        }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        self.port.write_all(bytes)?;
        self.port.flush()?;
        Ok(())
    }
}
