//! The receipts tracker's messages besides the gateways' reports: a
//! SUBMITTED message found in the store at start, to await its receipt,
//! and a stopping switch's question whether every report is handled.

use crate::model::Message;

/// Answered once every report handed to the receipts actor before it has
/// been handled. A stopping switch asks once the gateways' connections
/// have ended, so the `Sent` of their last answers are with the store
/// before it closes (else those messages would go again after the start).
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct Settled;

/// A SUBMITTED message found in the store at start.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct Track {
    pub message: Message,
}
