//! The decisions an upstream gateway (SMPP, UCP or HTTP) makes, without I/O:
//! how the SMSC's message ids are normalised so that a receipt finds its
//! message ([`ids`]), what each submit_sm_resp status means for the
//! message ([`response`]) and each UCP NACK's or CIMD2 error code ([`nack`]), how
//! long to wait before reconnecting ([`backoff`]), which queued message
//! goes next and when one has been refused too often ([`queue`]), what an
//! MO from the SMSC is stored as ([`mo`]), and what the operator sees of
//! a gateway ([`status`]); a part's UDH apart from its body for the
//! protocols that carry them apart ([`user_data`]); and an HTTP
//! provider's requests, answers and receipts ([`http`]). The actor in `actors/gateways/upstream/` and
//! its connections call these; everything here is unit-tested alone.

pub mod backoff;
pub mod http;
pub mod ids;
// Its record type is the store's, which exists only with the runtime.
#[cfg(feature = "runtime")]
pub mod mo;
pub mod nack;
pub mod queue;
pub mod response;
pub mod status;
pub mod user_data;

pub use backoff::Backoff;
pub use ids::{IdBase, IdFormat};
pub use nack::{bad_login, cimd2_bad_login, classify_cimd2, classify_nack};
pub use queue::{Fill, Next, Queue, Queued};
pub use response::{Outcome, classify};
