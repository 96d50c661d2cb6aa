//! Where a callback may connect, enforced with I/O: the TCP connector
//! the callbacks' HTTP client goes through, and the check of a URL a
//! customer gives. Both resolve the host themselves and ask the core's
//! [`AddressPolicy`] (`callbacks.allow_private`) about every address.
//!
//! - [`GuardedConnector`] resolves right before connecting, drops every
//!   address the policy refuses and connects to one of those left: what
//!   is checked is what is connected to, so a name that resolved to a
//!   public address when the callback was accepted and resolves to
//!   127.0.0.1 now (DNS rebinding) is refused now. When nothing is left
//!   the attempt fails with [`Refused`] as its cause ([`refusal`]).
//! - [`check_url`] refuses, when a URL is given, an address literal or a
//!   `localhost` name the policy refuses, and a name that resolves only
//!   to refused addresses. A name that does not resolve (yet) passes:
//!   the connector decides when the callback is sent.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use actix_rt::net::TcpStream;
use actix_service::Service;
use actix_tls::connect::{ConnectError, ConnectInfo, Connection};
use awc::error::{ConnectError as ClientConnectError, SendRequestError};
use awc::http::Uri;

use crate::callbacks::address::{AddressPolicy, Refused, url_host, url_port};

/// The longest a lookup made to check a given URL may take; past it the
/// URL is accepted and checked again when the callback is sent.
pub const ACCEPT_LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

/// awc's TCP connector for callbacks, with the address policy applied to
/// every address it would connect to.
#[derive(Clone)]
pub struct GuardedConnector {
    policy: Arc<AddressPolicy>,
}

impl GuardedConnector {
    /// A connector that connects only where `policy` permits.
    pub fn new(policy: Arc<AddressPolicy>) -> GuardedConnector {
        GuardedConnector { policy }
    }
}

impl Service<ConnectInfo<Uri>> for GuardedConnector {
    type Response = Connection<Uri, TcpStream>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ConnectError>>>>;

    actix_service::always_ready!();

    /// Addresses awc may have set on the request are ignored on purpose:
    /// the only addresses connected to are the ones resolved and checked
    /// here.
    fn call(&self, request: ConnectInfo<Uri>) -> Self::Future {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = request.hostname().to_string();
            let port = request.port();
            let resolved = resolve(&host, port)
                .await
                .map_err(|error| ConnectError::Resolver(Box::new(error)))?;
            let permitted = policy
                .permitted(&host, resolved)
                .map_err(|refused| ConnectError::Resolver(Box::new(refused)))?;
            let mut last_error = None;
            for address in permitted {
                match TcpStream::connect(SocketAddr::new(address, port)).await {
                    Ok(stream) => return Ok(Connection::new(request.request().clone(), stream)),
                    Err(error) => last_error = Some(error),
                }
            }
            Err(last_error.map_or(ConnectError::NoRecords, ConnectError::Io))
        })
    }
}

/// The addresses of `host` (a name, dotted IPv4 or bracketed IPv6).
async fn resolve(host: &str, port: u16) -> std::io::Result<Vec<IpAddr>> {
    let bare = host
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(host);
    Ok(tokio::net::lookup_host((bare, port))
        .await?
        .map(|address| address.ip())
        .collect())
}

/// The policy's refusal behind a failed request, if that is why it failed.
pub fn refusal(error: &SendRequestError) -> Option<&Refused> {
    match error {
        SendRequestError::Connect(ClientConnectError::Resolver(cause)) => cause.downcast_ref(),
        _ => None,
    }
}

/// Checks a callback URL a customer gives (already checked for its form
/// by `callbacks::target::check`): refused when its host is, or resolves
/// only to, addresses the policy refuses. A lookup that fails or takes
/// longer than [`ACCEPT_LOOKUP_TIMEOUT`] accepts it.
pub async fn check_url(policy: &AddressPolicy, url: &str) -> Result<(), Refused> {
    let host = url_host(url);
    let Some(name) = policy.check_host(host)? else {
        return Ok(());
    };
    let lookup = resolve(name, url_port(url));
    match tokio::time::timeout(ACCEPT_LOOKUP_TIMEOUT, lookup).await {
        Ok(Ok(resolved)) => policy.permitted(name, resolved).map(drop),
        Ok(Err(_)) | Err(_) => Ok(()),
    }
}
