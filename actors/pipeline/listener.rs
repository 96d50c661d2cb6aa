//! The SMPP listener: accepts connections and starts one [`EsmeSession`]
//! per connection. A connection over `smpp.max_connections` or
//! `smpp.max_connections_per_ip` ([`Admission`](super::admission)) is
//! closed at once, logged and counted. A failed accept (out of
//! descriptors, a reset during the handshake) is logged and the loop goes
//! on after a short pause.

use std::sync::Arc;
use std::time::Duration;

use slog::{Logger, info, warn};
use tokio::net::TcpListener;

use crate::actors::pipeline::esme::{EsmeSession, SessionWiring};
use crate::metrics;

/// Accepts until the system stops.
pub async fn run(listener: TcpListener, wiring: Arc<SessionWiring>, logger: Logger) {
    if let Ok(address) = listener.local_addr() {
        info!(logger, "SMPP listening"; "address" => %address);
    }
    let mut next_session = 1u64;
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let admitted = match wiring.admission.admit(peer.ip()) {
                    Ok(admitted) => admitted,
                    Err(refusal) => {
                        warn!(logger, "connection refused: over the cap";
                            "peer" => %peer, "cap" => refusal.reason(),
                            "open" => wiring.admission.open());
                        metrics::global().smpp_connection_closed(refusal.reason());
                        drop(stream);
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                EsmeSession::start(
                    next_session,
                    stream,
                    peer,
                    admitted,
                    wiring.clone(),
                    &logger,
                );
                next_session += 1;
            }
            Err(error) => {
                warn!(logger, "accept failed"; "error" => %error);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}
