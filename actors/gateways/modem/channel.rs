//! What passes between the modem actor and its port thread: jobs in order
//! (messages to send, the admin API's controls, a stopping switch's
//! shutdown) one way, the state of the port the other.

use tokio::sync::oneshot;

use crate::config::ModemGatewayConfig;
use crate::model::Message;

/// What the port thread takes, in order.
pub enum Job {
    /// Boxed: a message is large next to a control.
    Send(Box<Message>),
    Control(Control),
    /// The switch is stopping: once the command under way is done, the
    /// thread closes the port and ends, dropping this to say so. Messages
    /// still waiting stay in the store for the next start.
    ShutDown(oneshot::Sender<()>),
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
