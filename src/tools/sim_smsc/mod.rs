//! `pasarela sim-smsc`: an upstream SMSC on a port, for trying the switch's
//! gateways and for load tests. It answers binds, enquire_link and unbind,
//! answers submit_sm and data_sm by the destination's last digits (the table
//! in [`crate::simulation`]), and sends delivery receipts and MO messages as
//! deliver_sm through its own window. It keeps nothing on disk. With
//! `--tls-cert` and `--tls-key` it speaks SMPP over TLS instead, for
//! trying gateways with `tls = true`. With `--protocol ucp` it speaks
//! UCP/EMI instead of SMPP, by the same table (`ucp`); with `--protocol
//! cimd2`, CIMD2 (`cimd2`).
//!
//! - `connection`: one task per TCP connection, the SMSC side of SMPP.
//! - `ucp`: one task per TCP connection, the SMSC side of UCP/EMI.
//! - `cimd2`: one task per TCP connection, the SMSC side of CIMD2.
//! - `session`: the connection loop `ucp` and `cimd2` share (reading,
//!   login, the window of status reports and MO).
//! - `hub`: holds receipts until they are due and hands them to a
//!   receiver or transceiver bind of the account that submitted them,
//!   keeping them while it has none.

mod cimd2;
mod connection;
mod hub;
mod session;
mod shared;
mod ucp;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsStream};

use crate::tls::{self, PemFile, TlsError};
use crate::tools::link::Transport;
use crate::upstream::IdBase;
use cimd2::{Cimd2, Cimd2Shared};
use shared::{Credentials, MessageIds, Shared, TestNumbers, log};
use ucp::{References, Ucp, UcpShared};

/// How long a client has to finish the TLS handshake.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(10);

/// The protocol the simulator speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Protocol {
    /// SMPP 3.4.
    Smpp,
    /// UCP/EMI: login 60, submit 51, notification 53, delivery 52, alert 31.
    Ucp,
    /// CIMD2: login 01, submit 03, status report 23, deliver 20, alive 40.
    Cimd2,
}

/// The command line of `pasarela sim-smsc`.
#[derive(Debug, Clone, clap::Args)]
pub struct SimSmscArgs {
    /// The protocol: `smpp`, `ucp` or `cimd2` (UCP/EMI or CIMD2 over plain
    /// TCP; --id-format,
    /// --mo-every-ms, --window, --response-timeout-ms, --test-number and
    /// TLS are SMPP's only).
    #[arg(long, value_enum, default_value = "smpp")]
    pub protocol: Protocol,
    /// Address to listen on; port 0 picks a free one. The bound address is
    /// printed on stdout as `sim-smsc listening on ADDR`.
    #[arg(long, default_value = "127.0.0.1:2776")]
    pub listen: SocketAddr,
    /// Only this system_id may bind (ESME_RINVSYSID otherwise; with UCP,
    /// the login's OAdC, NACK 07 otherwise; with CIMD2, the login's user
    /// identity, error code 100 otherwise). Absent: any.
    #[arg(long)]
    pub system_id: Option<String>,
    /// Binds must give this password (ESME_RINVPASWD otherwise; with UCP,
    /// the login's PWD, NACK 07 otherwise; with CIMD2, error code 100
    /// otherwise). Absent: any.
    #[arg(long)]
    pub password: Option<String>,
    /// Milliseconds from acknowledging a message to sending its receipt.
    #[arg(long, default_value_t = 200)]
    pub dlr_delay_ms: u64,
    /// How message ids are written: `decimal` or `hex` (the same number
    /// in uppercase hexadecimal, as some SMSCs write it; a gateway has to
    /// normalise it to match receipts to messages).
    #[arg(long, default_value = "decimal", value_parser = id_base)]
    pub id_format: IdBase,
    /// Send an MO message to every receiver and transceiver bind this often.
    #[arg(long, value_name = "MS")]
    pub mo_every_ms: Option<u64>,
    /// Outstanding deliver_sm (receipts and MO) per bind.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u16).range(1..))]
    pub window: u16,
    /// Milliseconds to wait for a deliver_sm_resp or enquire_link_resp.
    #[arg(long, default_value_t = 10_000)]
    pub response_timeout_ms: u64,
    /// Speak SMPP over TLS, presenting this certificate chain (PEM, the
    /// server's own first); needs --tls-key.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM); needs --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// A handset on this SMSC (repeatable, SMPP only): a message to it is
    /// answered as the table says and also arrives, as an MO from the
    /// message's source to it with its text, at the switch, the way a
    /// test number's SIM receives a probe.
    #[arg(long, value_name = "NUMBER")]
    pub test_number: Vec<String>,
    /// Messages to a --test-number arrive from this sender instead of
    /// theirs, as through a grey route that rewrites the sender.
    #[arg(long, value_name = "ADDR", requires = "test_number")]
    pub rewrite_sender: Option<String>,
    /// Messages to a --test-number arrive with this appended to their
    /// text, as through a route that changes the text.
    #[arg(long, value_name = "TEXT", requires = "test_number")]
    pub append_text: Option<String>,
}

/// The `--id-format` values.
fn id_base(name: &str) -> Result<IdBase, String> {
    match name {
        "decimal" => Ok(IdBase::Decimal),
        "hex" => Ok(IdBase::Hex),
        other => Err(format!("{other:?} is not decimal or hex")),
    }
}

/// Why the simulator could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimSmscError {
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("--tls-cert and --tls-key are for SMPP; --protocol ucp and cimd2 speak plain TCP only")]
    TlsWithUcp,
    #[error("--test-number is for SMPP; --protocol ucp and cimd2 have no test numbers")]
    TestNumbersWithUcp,
}

/// Run the simulator until ctrl-c.
pub fn run(args: SimSmscArgs) -> Result<(), SimSmscError> {
    super::runtime()
        .map_err(SimSmscError::Runtime)?
        .block_on(serve(args))
}

async fn serve(args: SimSmscArgs) -> Result<(), SimSmscError> {
    if args.protocol != Protocol::Smpp && args.tls_cert.is_some() {
        return Err(SimSmscError::TlsWithUcp);
    }
    if args.protocol != Protocol::Smpp && !args.test_number.is_empty() {
        return Err(SimSmscError::TestNumbersWithUcp);
    }
    let acceptor = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsAcceptor::from(Arc::new(tls::server_config(
            &PemFile::new("--tls-cert", cert),
            &PemFile::new("--tls-key", key),
        )?))),
        _ => None,
    };
    let listen_error = |source| SimSmscError::Listen {
        addr: args.listen,
        source,
    };
    let listener = TcpListener::bind(args.listen).await.map_err(listen_error)?;
    let local = listener.local_addr().map_err(listen_error)?;
    // Scripts and tests wait for this line; println! flushes on the newline
    // only when stdout is a terminal.
    {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "sim-smsc listening on {local}");
        let _ = stdout.flush();
    }
    let dlr_delay = Duration::from_millis(args.dlr_delay_ms);
    log(format_args!(
        "{:?}; {}receipts after {} ms, ids {:?}, window {}, credentials {}",
        args.protocol,
        if acceptor.is_some() { "TLS; " } else { "" },
        args.dlr_delay_ms,
        args.id_format,
        args.window,
        if args.system_id.is_some() || args.password.is_some() {
            "checked"
        } else {
            "not checked"
        }
    ));
    let credentials = Credentials {
        system_id: args.system_id,
        password: args.password,
    };
    let served = match args.protocol {
        Protocol::Smpp => Served::Smpp(Arc::new(Shared {
            credentials,
            dlr_delay,
            window: usize::from(args.window),
            response_timeout: Duration::from_millis(args.response_timeout_ms),
            mo_every: args
                .mo_every_ms
                .filter(|&ms| ms > 0)
                .map(Duration::from_millis),
            ids: MessageIds::from_clock(args.id_format),
            hub: hub::start(dlr_delay),
            test_numbers: TestNumbers {
                numbers: args.test_number,
                rewrite_sender: args.rewrite_sender,
                append_text: args.append_text,
            },
        })),
        Protocol::Ucp => Served::Ucp(Arc::new(UcpShared {
            credentials,
            hub: hub::start(dlr_delay),
            references: References::default(),
        })),
        Protocol::Cimd2 => Served::Cimd2(Arc::new(Cimd2Shared {
            credentials,
            hub: hub::start(dlr_delay),
            references: References::default(),
        })),
    };
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    let mut connections = 0_u64;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections += 1;
                    tokio::spawn(open(connections, stream, peer, acceptor.clone(), served.clone()));
                }
                Err(error) => {
                    // Out of file descriptors, usually: let some close.
                    log(format_args!("accept failed: {error}"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = &mut stop => {
                log(format_args!("stopping"));
                return Ok(());
            }
        }
    }
}

/// What the connections of one protocol share.
#[derive(Clone)]
enum Served {
    Smpp(Arc<Shared>),
    Ucp(Arc<UcpShared>),
    Cimd2(Arc<Cimd2Shared>),
}

/// Serves one accepted connection, after its TLS handshake when the
/// simulator speaks TLS.
async fn open(
    id: u64,
    stream: TcpStream,
    peer: SocketAddr,
    acceptor: Option<TlsAcceptor>,
    served: Served,
) {
    let transport = match acceptor {
        None => Transport::Plain(stream),
        Some(acceptor) => {
            match tokio::time::timeout(HANDSHAKE_LIMIT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => Transport::Tls(Box::new(TlsStream::Server(tls))),
                Ok(Err(error)) => {
                    log(format_args!("{peer}: TLS handshake failed: {error}"));
                    return;
                }
                Err(_) => {
                    log(format_args!(
                        "{peer}: no TLS handshake within {HANDSHAKE_LIMIT:?}"
                    ));
                    return;
                }
            }
        }
    };
    match served {
        Served::Smpp(shared) => connection::serve(id, transport, peer, shared).await,
        Served::Ucp(shared) => session::serve(id, transport, peer, Ucp(shared)).await,
        Served::Cimd2(shared) => session::serve(id, transport, peer, Cimd2(shared)).await,
    }
}
