//! The callbacks actor's messages. A callback reaches the outbox in the
//! batch that writes the state it reports ([`enqueue`]); once that batch
//! is durable, [`Enqueued`] hands it to the actor, which sends it. The
//! admin API changes signing secrets ([`SetSecret`]) and replays dead
//! letters ([`Replay`]).

use chrono::Utc;
use slog::{Logger, error};

use crate::callbacks::request::outbox_item;
use crate::model::{AccountId, Message};
use crate::store::{Batch, OutboxItem, Store, StoreError};

/// Adds to `batch` the callback `message`, as it is now, calls for (its own
/// callback, or `account_url` for a receipt it asked for), and returns it;
/// the caller hands it over in [`Enqueued`] once `batch` is durable.
///
/// A callback that cannot be stored (a `dlr-url` that fills in too long,
/// an item past the record limit) is dropped with an error in the log and
/// leaves `batch` as it was, so the state it reports is still stored.
pub fn enqueue(
    store: &Store,
    batch: &mut Batch,
    message: &Message,
    account_url: Option<&str>,
    logger: &Logger,
) -> Result<Option<OutboxItem>, StoreError> {
    let wanted =
        message.callback.is_some() || (account_url.is_some() && message.receipt_requested());
    if !wanted {
        return Ok(None);
    }
    let id = store.next_sequence()?;
    let dropped = |reason: &dyn std::fmt::Display| {
        error!(logger, "callback dropped: it cannot be stored";
            "message" => %message.id, "account" => %message.account, "error" => %reason);
        Ok(None)
    };
    match outbox_item(message, id, account_url, Utc::now()) {
        Ok(Some(item)) => match batch.put_outbox(&item) {
            Ok(_) => Ok(Some(item)),
            Err(error) => dropped(&error),
        },
        Ok(None) => Ok(None),
        Err(error) => dropped(&error),
    }
}

/// Outbox items now durable, to send.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct Enqueued {
    pub items: Vec<OutboxItem>,
}

/// An account's callback secret changed (the admin API stored it first):
/// callbacks sent from now on, including retries of older ones, are signed
/// with `secret`, or unsigned when it is `None`.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct SetSecret {
    pub account: AccountId,
    pub secret: Option<String>,
}

/// Moves these dead letters (as the caller read them from the store) back
/// to the outbox with their attempts reset. Answers how many, once the
/// move is durable.
#[derive(actix::Message)]
#[rtype(result = "Result<usize, StoreError>")]
pub struct Replay {
    pub items: Vec<OutboxItem>,
}
