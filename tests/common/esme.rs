//! A bound transceiver for end-to-end tests: it keeps every receipt it
//! reads while it waits for what the test asks for (a response, a receipt),
//! so none is lost between two waits. Built on the blocking client in
//! `raw.rs`, which the including test mounts as `raw`.

#![allow(dead_code)] // each test binary uses its own subset

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use pasarela::smpp::pdu::Pdu;
use pasarela::smpp::{Command, CommandId, CommandStatus};

use super::raw::{Raw, WAIT};

/// One receipt as read: `id:`, `stat:` and `text:` of its text, and when.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub id: String,
    pub stat: String,
    pub text: String,
    pub at: Instant,
}

pub struct Esme {
    pub raw: Raw,
    pub receipts: Vec<Receipt>,
}

impl Esme {
    /// Binds the demo account as a transceiver.
    pub fn bind(smpp: SocketAddr) -> Esme {
        let mut raw = Raw::connect(smpp);
        assert_eq!(
            raw.bind(CommandId::BindTransceiver, "demo", "demo1234"),
            CommandStatus::EsmeRok
        );
        Esme {
            raw,
            receipts: Vec::new(),
        }
    }

    fn keep(&mut self, command: &Command) {
        if let Some(Pdu::DeliverSm(body)) = command.pdu() {
            let text = String::from_utf8_lossy(body.short_message().as_ref()).into_owned();
            let field = |name: &str| {
                let rest = text.split(&format!("{name}:")).nth(1).unwrap_or("");
                if name == "text" {
                    rest.to_owned()
                } else {
                    rest.split(' ').next().unwrap_or("").to_owned()
                }
            };
            self.receipts.push(Receipt {
                id: field("id"),
                stat: field("stat"),
                text: field("text"),
                at: Instant::now(),
            });
        }
    }

    /// The response to request `seq`.
    pub fn response(&mut self, seq: u32) -> Command {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if let Some(command) = self.raw.recv(Duration::from_millis(50)) {
                if command.id().is_response() && command.sequence_number() == seq {
                    return command;
                }
                self.keep(&command);
            }
        }
        panic!("no response to request {seq} within {WAIT:?}");
    }

    /// Reads for `within`, keeping receipts.
    pub fn listen(&mut self, within: Duration) {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(command) = self.raw.recv(Duration::from_millis(50)) {
                self.keep(&command);
            }
        }
    }

    /// The receipt for `id`, waiting at most `within` for it.
    pub fn receipt(&mut self, id: &str, within: Duration) -> Receipt {
        let deadline = Instant::now() + within;
        loop {
            if let Some(receipt) = self.receipts.iter().find(|r| r.id == id) {
                return receipt.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no receipt for {id} within {within:?}; have {:?}",
                self.receipts
            );
            self.listen(Duration::from_millis(100));
        }
    }

    pub fn has_receipt(&self, id: &str) -> bool {
        self.receipts.iter().any(|r| r.id == id)
    }

    /// Submits and returns the message id of the submit_sm_resp (status 0).
    pub fn submit(&mut self, pdu: impl Into<Pdu>) -> String {
        let seq = self.raw.request(pdu);
        let resp = self.response(seq);
        assert_eq!(resp.status(), CommandStatus::EsmeRok, "submit_sm_resp");
        match resp.pdu() {
            Some(Pdu::SubmitSmResp(body)) => body.message_id().as_str().to_owned(),
            other => panic!("not a submit_sm_resp: {other:?}"),
        }
    }

    /// Sends a request and returns the status of its response.
    pub fn request(&mut self, pdu: impl Into<Pdu>) -> CommandStatus {
        let seq = self.raw.request(pdu);
        self.response(seq).status()
    }
}
