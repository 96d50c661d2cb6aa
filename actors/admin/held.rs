//! Messages a content rule holds (`action = "hold"`), as the admin API
//! lists, releases and drops them. The schedule owns each held message
//! (`actors::pipeline::schedule`) and decides within one handler, so a
//! message is released or dropped once, never both. A release is written
//! (the message without its hold) before the admin is answered, and the
//! message goes to its route as if just accepted. A drop makes it DELETED
//! through its account's `Finished`: state, refund (a `REFUND` ledger
//! entry) and receipt in one batch, answered once durable; the store no
//! longer has it unfinished, so no restart holds or refunds it again.

use slog::info;

use super::changes::Admin;
use super::error::AdminError;
use crate::actors::protocol::account::Finished;
use crate::actors::protocol::pending::{Decision, ListHeld, Review, Reviewed};
use crate::model::{Message, MessageId};

impl Admin {
    /// Every message a content rule holds now, oldest first.
    pub async fn held_messages(&self) -> Result<Vec<Message>, AdminError> {
        Ok(self.held.list.send(ListHeld).await?)
    }

    /// Sends held message `id` (every part) on to its route.
    pub async fn release_held(&self, id: MessageId) -> Result<(), AdminError> {
        let review = Review {
            id,
            decision: Decision::Release,
        };
        match self.held.review.send(review).await? {
            Reviewed::Released(durable) => {
                durable.await?;
                info!(self.logger, "held message released"; "message" => %id);
                Ok(())
            }
            Reviewed::NotHeld | Reviewed::Dropped(_) => Err(AdminError::NotHeld(id)),
        }
    }

    /// Drops held message `id` (every part): DELETED, its charge refunded,
    /// a receipt if one was asked for.
    pub async fn drop_held(&self, id: MessageId) -> Result<(), AdminError> {
        let review = Review {
            id,
            decision: Decision::Drop,
        };
        let dropped = match self.held.review.send(review).await? {
            Reviewed::Dropped(dropped) => dropped,
            Reviewed::NotHeld | Reviewed::Released(_) => return Err(AdminError::NotHeld(id)),
        };
        let mut stored = Vec::with_capacity(dropped.len());
        let mut rule = String::new();
        for message in dropped {
            rule = message.held_by.clone().unwrap_or_default();
            let account = message.account.clone();
            let entry = self
                .directory
                .account(account.as_str())
                .ok_or_else(|| AdminError::NoAccount(account.to_string()))?;
            let (done, finished) = tokio::sync::oneshot::channel();
            entry.actor.finished.do_send(Finished {
                message,
                refund: true,
                done: Some(done),
                forget_upstream_id: false,
            });
            stored.push(finished);
        }
        for finished in stored {
            if finished.await != Ok(true) {
                return Err(AdminError::NotStored);
            }
        }
        info!(self.logger, "held message dropped and refunded"; "message" => %id, "rule" => rule);
        Ok(())
    }
}
