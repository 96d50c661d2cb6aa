//! pasarela: an SMS switch.
//!
//! # Layout
//!
//! The crate has two halves, and the line between them is the `runtime`
//! feature (on by default). `cargo check --no-default-features` builds
//! the core alone, so the compiler proves it never names actix, sled,
//! tokio or serialport (scripts/test.sh runs it).
//!
//! **The core** (always built): pure data and pure functions over it,
//! testable without a runtime. It does no I/O: no sockets, files, clocks
//! read behind the caller's back, or threads.
//!
//! - [`api`]: the customer JSON API's bodies, and a send request turned into a submission.
//! - [`auth`]: argon2id password hashes, API key digests and the allowed-network check.
//! - [`callbacks`]: receipt and MO callbacks over HTTP, the pure half: URLs, signatures, retry schedule, Kannel dlr-url.
//! - [`campaigns`]: campaigns, the pure half: definition, states, recipients and outcomes, results, text templates, quiet hours.
//! - [`checks`]: the checks at accept (SPEC §6.1): sender rules, beside which later checks sit.
//! - [`contacts`]: contacts and groups per account: the contact and its limits, the streamed CSV import, selection by criteria.
//! - [`conversations`]: two-way conversations, the pure half: parties normalised, an MT's text, the API's views.
//! - [`config`]: the TOML file into a validated typed configuration, one section at a time.
//! - [`intake`]: an ESME's submit_sm/data_sm/submit_multi read into model types and parts.
//! - [`lists`]: number lists at accept: opt-outs (STOP/START/HELP) and the DND registry's rule, one number set for both.
//! - [`kannel`]: Kannel's `/cgi-bin/sendsms` parameters, answers and dlr-url escape codes.
//! - [`lanes`]: the order messages waiting for a gateway are served in: priority, then no campaign before a campaign, then FIFO.
//! - [`logging`]: slog, terminal or JSON lines, with `log` bridged in (builds the drain; the caller writes).
//! - [`login_throttle`]: brute-force back-off for SMPP binds and HTTP logins, per source address and account.
//! - [`mo_apps`]: keyword autoreplies, polls and Kannel-style services: which one an MO is for, templates, votes, escape codes.
//! - [`model`]: money, ids, MSISDNs, the message and its one state type.
//! - [`modem`]: GSM modems, the pure half: an AT response reader and 3GPP TS 23.040 PDUs.
//! - [`numbering`]: the country of a number, from its E.164 calling code.
//! - [`overlay`]: the admin API's stored changes laid over the file's objects.
//! - [`pending`]: messages not yet with an SMSC: when they are due, what cancel_sm and replace_sm do to them.
//! - [`rating`]: what a submission costs and what a part's refund is.
//! - [`report`]: the per-message report row (SPEC §6) and the filters of a message listing.
//! - [`summaries`]: report summaries (SPEC §6.4), counts per hour and day kept as messages change state.
//! - [`routing`]: the MT route table (longest prefix per account) and the MO route table (number, keyword).
//! - [`simulation`]: what a simulated SMSC does, chosen by the destination's last digits.
//! - [`smpp`]: sans-I/O SMPP 3.4: framing, PDUs, status codes, bind state, window, receipts, MO deliver_sm.
//! - [`sms`]: GSM 03.38 and UCS-2, part counting, splitting (UDH or SAR), decoding and reassembly.
//! - [`throttle`]: per-second rate limits (GCRA), for account and gateway TPS.
//! - [`ucp`]: sans-I/O UCP/EMI: framing, checksum, operations 01/31/51/52/53/60 and their results, IRA, 7-bit and UCS-2, the TRN window.
//! - [`cimd2`]: sans-I/O CIMD2: framing, checksum, packets and their parameters, its character set and times.
//! - [`upstream`]: an upstream SMPP gateway's decisions: id formats, response table, back-off, queue.
//!
//! **The runtime** (behind `runtime`): everything that does I/O. The
//! actors live at the top of the repository, so the actor tree is the
//! first thing a reader sees; the rest of the runtime stays here, each a
//! thin layer over the core that a binary, a test or an actor drives:
//!
//! - `actors` (in `actors/`, mounted here): the supervision tree, from the `switch` root down.
//! - `store`: sled trees behind typed methods, a group-committed write-ahead journal for durable acks; its operations are listed in its documentation.
//! - `framed`: the SMPP codec as a tokio-util `Decoder`/`Encoder` for sockets.
//! - `metrics`: the Prometheus registry `GET /metrics` serves, and the handles actors count with.
//! - `tls`: rustls settings from PEM files for the TLS listeners, the upstream gateways, callbacks and the tools.
//! - `tools`: `pasarela sim-smsc` and `pasarela bench`, plain tokio, no actix; its SMPP client also carries the upstream gateways.
//! - `cli`: the command line, parsed with clap; one function per command.

pub mod api;
pub mod auth;
pub mod callbacks;
pub mod campaigns;
pub mod checks;
pub mod cimd2;
#[cfg(feature = "runtime")]
pub mod cli;
pub mod config;
pub mod contacts;
pub mod conversations;
pub mod fold;
#[cfg(feature = "runtime")]
mod framed;
pub mod intake;
pub mod kannel;
pub mod lanes;
pub mod lists;
pub mod logging;
pub mod login_throttle;
#[cfg(feature = "runtime")]
mod metrics;
pub mod mo_apps;
pub mod model;
pub mod modem;
pub mod numbering;
pub mod overlay;
pub mod pending;
pub mod quality;
pub mod rating;
pub mod report;
pub mod routing;
pub mod simulation;
pub mod smpp;
pub mod sms;
// Public for the binary and the tests only; its operations are listed in
// its module documentation rather than one by one.
#[cfg(feature = "runtime")]
#[allow(missing_docs)]
pub mod store;
pub mod summaries;

#[cfg(feature = "runtime")]
#[path = "../actors/mod.rs"]
mod actors;
pub mod throttle;
#[cfg(feature = "runtime")]
mod tls;
#[cfg(feature = "runtime")]
mod tools;
pub mod ucp;
pub mod upstream;
