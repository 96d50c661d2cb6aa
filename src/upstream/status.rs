//! What the operator sees of one gateway (the admin endpoint
//! `GET /api/v1/gateways`): its binds and their state, the window in use,
//! the queue, the TPS configured and measured, the last error and how often
//! it reconnected. Plain serializable data; the gateway keeps it current.

use serde::Serialize;

/// Where one bind is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BindState {
    /// Connecting and binding.
    Connecting,
    /// Bound: submitting (transmitter, transceiver) or receiving.
    Bound,
    /// The connection failed or dropped; waiting before the next attempt.
    BackingOff,
    /// The SMSC refused our system_id or password; retried slowly.
    BadCredentials,
    /// The gateway is stopping or being reconfigured: no more submits;
    /// answers to those in flight are awaited, then it unbinds.
    Stopped,
}

/// One bind of a gateway.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BindStatus {
    /// `transmitter`, `receiver` or `transceiver`.
    pub kind: &'static str,
    /// Whether it submits (not a receiver).
    #[serde(skip)]
    pub submits: bool,
    /// Where the bind is now.
    pub state: BindState,
    /// Submits sent and not yet answered.
    pub window_in_use: usize,
    /// The last connection or bind error, in words; kept after a reconnect
    /// succeeds.
    pub last_error: Option<String>,
    /// Connections lost and binds that failed, each followed by another try.
    pub reconnects: u64,
}

impl BindStatus {
    /// A bind not connected yet.
    pub fn new(kind: &'static str, submits: bool) -> BindStatus {
        BindStatus {
            kind,
            submits,
            state: BindState::Connecting,
            window_in_use: 0,
            last_error: None,
            reconnects: 0,
        }
    }
}

/// One gateway.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GatewaySnapshot {
    /// The gateway's name (`[[gateways]] name`).
    pub name: String,
    /// The config `kind`: `smpp`.
    pub kind: &'static str,
    /// Whether the routes may give it messages (a bind may submit).
    pub up: bool,
    /// Stopped through the admin API: no binds until started.
    pub stopped: bool,
    /// Each bind, in session order; a `pair` gateway has a transmitter and a
    /// receiver per session.
    pub binds: Vec<BindStatus>,
    /// Submits sent and not yet answered, over all binds.
    pub window_in_use: usize,
    /// Messages waiting for a bind (not in flight).
    pub queue_depth: usize,
    /// Message parts per second allowed; 0 is unlimited.
    pub tps_configured: u32,
    /// Submits per second over the last 10 seconds.
    pub tps_measured: f64,
    /// The last error of any bind.
    pub last_error: Option<String>,
    /// Over all binds.
    pub reconnects: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_written_as_the_operator_reads_them() {
        let mut bind = BindStatus::new("transmitter", true);
        bind.state = BindState::BadCredentials;
        let json = serde_json::to_value(&bind).unwrap();
        assert_eq!(json["state"], "bad-credentials");
        assert_eq!(json["kind"], "transmitter");
        assert_eq!(json["last_error"], serde_json::Value::Null);
        assert!(json.get("submits").is_none());
    }
}
