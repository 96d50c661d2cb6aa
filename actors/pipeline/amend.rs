//! cancel_sm and replace_sm of a bound ESME (SMPP 3.4 §4.9, §4.10): find
//! the one actor that holds the pending message, have it withdraw or change
//! the message there, and answer.
//!
//! A message not yet with an SMSC is owned by exactly one actor: the
//! schedule (held until its time) or its route (waiting for a gateway).
//! Each handles [`Withdraw`] and [`Amend`] within one handler, so a message
//! is taken or changed before it moves on, or it has moved on already;
//! never both. Messages move between the two (route → schedule to wait,
//! schedule → route when due), and an owner sends a hand-over before it
//! answers "not here"; so asking the schedule, then the route, then the
//! schedule again finds a message in transit at the next ask. One that a
//! gateway has taken is past recall here: ESME_RCANCELFAIL /
//! ESME_RREPLACEFAIL (passing cancel_sm on to an upstream SMSC is not
//! built).
//!
//! A cancelled message becomes DELETED through the account's
//! [`Finished`]: state, refund and receipt in one batch, and cancel_sm_resp
//! only once that batch is durable. A replaced message is written by its
//! owner, and replace_sm_resp waits for that write.

use std::sync::Arc;

use actix::prelude::*;
use chrono::Utc;
use slog::{Logger, error};
use tokio::sync::oneshot;

use crate::actors::protocol::account::Finished;
use crate::actors::protocol::pending::{Amend, Amended, Withdraw};
use crate::actors::protocol::route::{LiveRoutes, RouteHandle};
use crate::model::{AccountId, Message, MessageState};
use crate::pending::{Cancel, Replace, Target};
use crate::smpp::pdu::{CancelSm, Pdu, ReplaceSm};
use crate::smpp::{CommandStatus, validate};
use crate::store::Store;

/// Everything that may hold a pending message, and the store to look a
/// message up before asking them.
#[derive(Clone)]
pub struct Owners {
    pub store: Arc<Store>,
    pub routes: Arc<LiveRoutes>,
    /// The schedule's recipients: it may hold a pending message too.
    pub schedule_withdraw: Recipient<Withdraw>,
    pub schedule_amend: Recipient<Amend>,
    pub logger: Logger,
}

impl Owners {
    /// The status to answer a cancel_sm or replace_sm of `account` with.
    pub async fn answer(
        self,
        body: Pdu,
        account: (AccountId, Recipient<Finished>),
    ) -> CommandStatus {
        match body {
            Pdu::CancelSm(body) => self.cancel(account, &body).await,
            Pdu::ReplaceSm(body) => self.replace(account.0, &body).await,
            _ => CommandStatus::EsmeRinvcmdid,
        }
    }

    async fn cancel(
        &self,
        (account_id, account): (AccountId, Recipient<Finished>),
        body: &CancelSm,
    ) -> CommandStatus {
        let cancel = match Cancel::read(account_id, body) {
            Ok(cancel) => cancel,
            Err(status) => return status,
        };
        let route = match &cancel.target {
            Target::One { id, .. } => {
                let Some(message) = self.pending(*id).filter(|message| cancel.selects(message))
                else {
                    return CommandStatus::EsmeRcancelfail;
                };
                self.route_to(&message.account, message.destination.text())
            }
            Target::Matching { destination, .. } => self.route_to(&cancel.account, destination),
        };
        let mut taken = Vec::new();
        let one = cancel.id().is_some();
        for ask in 0..3 {
            if one && !taken.is_empty() {
                break;
            }
            let withdraw = Withdraw {
                cancel: cancel.clone(),
            };
            let answer = match (ask, &route) {
                (1, Some(route)) => route.withdraw.send(withdraw).await,
                (1, None) => continue,
                _ => self.schedule_withdraw.send(withdraw).await,
            };
            taken.extend(answer.unwrap_or_default());
        }
        if taken.is_empty() {
            return CommandStatus::EsmeRcancelfail;
        }
        let mut durable = Vec::with_capacity(taken.len());
        for message in taken {
            let (done, finished) = oneshot::channel();
            account.do_send(Finished {
                message,
                refund: true,
                done: Some(done),
                forget_upstream_id: false,
            });
            durable.push(finished);
        }
        let mut status = CommandStatus::EsmeRok;
        for finished in durable {
            if finished.await != Ok(true) {
                error!(
                    self.logger,
                    "a cancelled message could not be stored as DELETED"
                );
                status = CommandStatus::EsmeRsyserr;
            }
        }
        status
    }

    async fn replace(&self, account_id: AccountId, body: &ReplaceSm) -> CommandStatus {
        let replace = match validate::replace_sm(body)
            .and_then(|()| Replace::read(account_id, body, Utc::now()))
        {
            Ok(replace) => replace,
            Err(status) => return status,
        };
        let Some(message) = self
            .pending(replace.id)
            .filter(|message| replace.names(message))
        else {
            return CommandStatus::EsmeRreplacefail;
        };
        // Refuse what cannot fit before asking anyone.
        if let Err(status) = replace.apply(&message) {
            return status;
        }
        let route = self.route_to(&message.account, message.destination.text());
        for ask in 0..3 {
            let amend = Amend {
                replace: replace.clone(),
            };
            let answer = match (ask, &route) {
                (1, Some(route)) => route.amend.send(amend).await,
                (1, None) => continue,
                _ => self.schedule_amend.send(amend).await,
            };
            match answer {
                Ok(Amended::NotHere) | Err(_) => {}
                Ok(Amended::Refused(status)) => return status,
                Ok(Amended::Done(durable)) => {
                    return match durable.await {
                        Ok(()) => CommandStatus::EsmeRok,
                        Err(error) => {
                            error!(self.logger, "a replaced message could not be stored";
                                "message" => %replace.id, "error" => %error);
                            CommandStatus::EsmeRsyserr
                        }
                    };
                }
            }
        }
        CommandStatus::EsmeRreplacefail
    }

    /// The stored message if no SMSC has it yet (ACCEPTED or ROUTED).
    fn pending(&self, id: crate::model::MessageId) -> Option<Message> {
        self.store.message(id).ok().flatten().filter(|message| {
            matches!(
                message.state(),
                MessageState::Accepted | MessageState::Routed
            )
        })
    }

    fn route_to(&self, account: &AccountId, destination: &str) -> Option<RouteHandle> {
        self.routes
            .current()
            .lookup(account.as_str(), destination)
            .map(|(_, actor)| actor.clone())
    }
}
