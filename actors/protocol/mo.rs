//! The MO router's messages: the accounts to route to (at start), a new
//! MO route table (the admin API), and an MO message a gateway stored in
//! the inbox.

use std::sync::Arc;

use super::directory::Directory;
use crate::model::GatewayName;
use crate::routing::MoRouteTable;

/// The accounts run: route what `inbox` holds, and every MO from now on.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct Start {
    pub directory: Arc<Directory>,
}

/// The MO routes changed (the admin API stored the change): route by
/// `table` from now on, and offer the inbox again, so MO no route claimed
/// before are routed now if the new table claims them.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct SetRoutes {
    pub table: MoRouteTable,
}

/// An MO message is durably in `inbox` under this gateway and fingerprint.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct Inboxed {
    pub gateway: GatewayName,
    pub fingerprint: String,
}
