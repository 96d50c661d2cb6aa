//! The callbacks actor's messages. A callback reaches the outbox in the
//! batch that writes the state it reports ([`enqueue`]); once that batch
//! is durable, [`Enqueued`] hands it to the actor, which sends it. The
//! admin API changes signing secrets ([`SetSecret`]) and replays dead
//! letters ([`Replay`]).

use chrono::Utc;

use crate::callbacks::request::outbox_item;
use crate::model::{AccountId, Message};
use crate::store::{Batch, OutboxItem, Store, StoreError};

/// Adds to `batch` the callback `message`, as it is now, calls for (its own
/// callback, or `account_url` for a receipt it asked for), and returns it;
/// the caller hands it over in [`Enqueued`] once `batch` is durable.
pub fn enqueue(
    store: &Store,
    batch: &mut Batch,
    message: &Message,
    account_url: Option<&str>,
) -> Result<Option<OutboxItem>, StoreError> {
    let wanted =
        message.callback.is_some() || (account_url.is_some() && message.receipt_requested());
    if !wanted {
        return Ok(None);
    }
    let id = store.next_sequence()?;
    let item = outbox_item(message, id, account_url, Utc::now());
    if let Some(item) = &item {
        batch.put_outbox(item);
    }
    Ok(item)
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
