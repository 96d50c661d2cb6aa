//! Replies the switch sends for an account to a phone that sent it an MO
//! (an opt-out's confirmation, a keyword's autoreply, a service's answer):
//! from the number the MO was sent to, to the number that sent it, through
//! the account's own accept path ([`SubmittedBy::Reply`]), so the reply is
//! routed, charged to the account, checked against the content rules and
//! stored like any message; it asks for no receipt.

use std::time::Instant;

use actix::Recipient;
use slog::{Logger, info, warn};
use tokio::sync::oneshot;

use crate::actors::protocol::account::{Accepted, Refused, Reply, Submit, SubmittedBy};
use crate::api;
use crate::intake::{self, Submission};
use crate::metrics;
use crate::model::{Address, Msisdn};
use crate::smpp::CommandStatus;
use crate::store::InboundMessage;

/// Why no reply can be made to an MO.
#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    #[error("the MO has no destination number to answer from")]
    NoNumber,
    #[error("the MO's sender {0:?} is not a number that can be answered")]
    NotANumber(String),
    #[error("the number {0:?} the MO was sent to cannot be a sender: {1}")]
    BadSender(String, String),
    #[error("the reply's text cannot be sent: {0}")]
    Text(String),
}

/// The submission that answers `mo` with `text`.
pub fn reply_to(mo: &InboundMessage, text: &str) -> Result<Submission, ReplyError> {
    let number = mo.destination.as_deref().ok_or(ReplyError::NoNumber)?;
    let source = api::sender(number)
        .map_err(|error| ReplyError::BadSender(number.to_string(), error.detail))?;
    let destination = Msisdn::parse(&mo.source)
        .map(|msisdn| Address::international(&msisdn))
        .map_err(|_| ReplyError::NotANumber(mo.source.clone()))?;
    if text.is_empty() {
        return Err(ReplyError::Text("it is empty".into()));
    }
    let (data_coding, parts) =
        intake::text_parts(text).map_err(|error| ReplyError::Text(error.to_string()))?;
    Ok(Submission {
        service_type: String::new(),
        source,
        destinations: vec![destination],
        data_coding,
        esm_class: 0,
        registered_delivery: 0,
        priority: 0,
        validity: None,
        scheduled: None,
        client_reference: None,
        parts,
        callback: None,
    })
}

/// Hands `submission` to the account as a reply and waits until it is
/// durably accepted or refused.
pub async fn submit(
    account: &Recipient<Submit>,
    submission: Submission,
) -> Result<Accepted, Refused> {
    let (reply, answer) = oneshot::channel();
    account.do_send(Submit {
        submission,
        sequence_number: 0,
        reply: Reply::Request(reply),
        received: Instant::now(),
        by: SubmittedBy::Reply,
    });
    match answer.await {
        Ok(submitted) => submitted.result,
        Err(_) => Err(CommandStatus::EsmeRsyserr.into()),
    }
}

/// Sends `text` in answer to `mo` through `account`, in the background,
/// logging and counting what became of it; `what` says which reply it
/// is (`"opt-out confirmation"`, `"autoreply"`).
pub fn send(
    account: Recipient<Submit>,
    mo: &InboundMessage,
    text: &str,
    what: &'static str,
    logger: Logger,
) {
    let submission = match reply_to(mo, text) {
        Ok(submission) => submission,
        Err(error) => {
            warn!(logger, "no reply sent"; "reply" => what, "to" => &mo.source, "error" => %error);
            metrics::global().mo_reply(what, "unsendable");
            return;
        }
    };
    let to = mo.source.clone();
    actix_rt::spawn(async move {
        match submit(&account, submission).await {
            Ok(accepted) => {
                let ids: Vec<String> = accepted.ids.iter().map(ToString::to_string).collect();
                info!(logger, "reply accepted"; "reply" => what, "to" => &to, "ids" => ids.join(","));
                metrics::global().mo_reply(what, "accepted");
            }
            Err(refused) => {
                warn!(logger, "reply refused"; "reply" => what, "to" => &to,
                    "status" => ?refused.status,
                    "check" => refused.check.map(|check| check.to_string()));
                metrics::global().mo_reply(what, "refused");
            }
        }
    });
}
