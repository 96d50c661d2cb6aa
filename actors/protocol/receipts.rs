//! The receipts tracker's messages besides the gateways' reports: a
//! SUBMITTED message found in the store at start, to await its receipt.

use crate::model::Message;

/// A SUBMITTED message found in the store at start.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct Track {
    pub message: Message,
}
