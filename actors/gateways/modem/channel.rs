//! What passes between the modem actor and its port thread: jobs in order
//! (messages to send, the admin API's controls) one way, the state of the
//! port the other.

use crate::config::ModemGatewayConfig;
use crate::model::Message;

/// What the port thread takes, in order.
pub enum Job {
    /// Boxed: a message is large next to a control.
    Send(Box<Message>),
    Control(Control),
}

/// The admin API's word to the port thread: the settings in force and
/// whether the gateway is stopped.
pub struct Control {
    pub config: ModemGatewayConfig,
    pub stopped: bool,
}

/// From the port thread: the modem became ready, or stopped being (with
/// the error, when one ended it).
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct PortStatus {
    pub up: bool,
    pub error: Option<String>,
}
