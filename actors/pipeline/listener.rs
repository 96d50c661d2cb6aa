//! The customer listeners: SMPP plain and TLS, which start one
//! [`EsmeSession`] per connection, the same session over either, and
//! UCP/EMI (`[ucp] listen`) and CIMD2 (`[cimd2] listen`), which start a
//! [`CustomerSession`] speaking their [`Wire`]. A connection
//! over `smpp.max_connections` or `smpp.max_connections_per_ip`
//! ([`Admission`](super::admission), one count over all of them) is closed
//! at once, logged and counted. A TLS handshake runs in a task of its own, so a slow one holds
//! up no other connection, and must be done within `smpp.bind_timeout_s`.
//! A failed accept (out of descriptors, a reset during the handshake) is
//! logged and the loop goes on after a short pause.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use slog::{Logger, debug, info, warn};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::actors::pipeline::admission::Admitted;
use crate::actors::pipeline::customer_session::{CustomerSession, Wire};
use crate::actors::pipeline::esme::{EsmeSession, SessionWiring};
use crate::actors::protocol::account::SessionId;
use crate::metrics;

/// How a listener's connections are carried.
pub enum Security {
    /// SMPP on plain TCP (`smpp.listen`).
    Plain,
    /// SMPP over TLS (`smpp.tls_listen`).
    Tls(TlsAcceptor),
}

/// Session ids, unique over all listeners.
static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);

/// Accepts until the system stops.
pub async fn run(
    listener: TcpListener,
    security: Security,
    wiring: Arc<SessionWiring>,
    logger: Logger,
) {
    let name = match security {
        Security::Plain => "SMPP",
        Security::Tls(_) => "SMPP over TLS",
    };
    if let Ok(address) = listener.local_addr() {
        info!(logger, "{} listening", name; "address" => %address);
    }
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let Some((id, admitted)) = admit(&stream, peer, &wiring, &logger) else {
                    continue;
                };
                let Security::Tls(acceptor) = &security else {
                    EsmeSession::start(id, stream, peer, admitted, wiring.clone(), &logger);
                    continue;
                };
                let (acceptor, wiring, logger) = (acceptor.clone(), wiring.clone(), logger.clone());
                actix_rt::spawn(async move {
                    let limit = wiring.settings.bind_timeout;
                    match tokio::time::timeout(limit, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            EsmeSession::start(id, tls, peer, admitted, wiring, &logger);
                        }
                        Ok(Err(error)) => {
                            debug!(logger, "TLS handshake failed"; "peer" => %peer, "error" => %error);
                        }
                        Err(_) => {
                            info!(logger, "no TLS handshake within smpp.bind_timeout_s; closed";
                                "peer" => %peer);
                            metrics::global().smpp_connection_closed("bind_timeout");
                        }
                    }
                });
            }
            Err(error) => {
                warn!(logger, "accept failed"; "error" => %error);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Accepts customers speaking `W` (UCP/EMI, CIMD2) until the system
/// stops.
pub async fn run_customers<W: Wire>(
    listener: TcpListener,
    wiring: Arc<SessionWiring>,
    logger: Logger,
) {
    if let Ok(address) = listener.local_addr() {
        info!(logger, "{} listening", W::NAME.to_uppercase(); "address" => %address);
    }
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                if let Some((id, admitted)) = admit(&stream, peer, &wiring, &logger) {
                    CustomerSession::<W>::start(
                        id,
                        stream,
                        peer,
                        admitted,
                        wiring.clone(),
                        &logger,
                    );
                }
            }
            Err(error) => {
                warn!(logger, "accept failed"; "error" => %error);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// A session id and a place under the caps for a connection from `peer`;
/// `None` (logged and counted; the caller drops the connection) when a
/// cap is reached.
fn admit(
    stream: &TcpStream,
    peer: SocketAddr,
    wiring: &SessionWiring,
    logger: &Logger,
) -> Option<(SessionId, Admitted)> {
    match wiring.admission.admit(peer.ip()) {
        Ok(admitted) => {
            let _ = stream.set_nodelay(true);
            Some((NEXT_SESSION.fetch_add(1, Ordering::Relaxed), admitted))
        }
        Err(refusal) => {
            warn!(logger, "connection refused: over the cap";
                "peer" => %peer, "cap" => refusal.reason(),
                "open" => wiring.admission.open());
            metrics::global().smpp_connection_closed(refusal.reason());
            None
        }
    }
}
