//! The vocabulary every layer shares: money, identifiers, numbers and
//! addresses, the message record and its state machine. Plain data and pure
//! functions, no I/O; everything here is serde-derivable so the store, the
//! HTTP API and the config can carry it.

pub mod address;
pub mod id;
pub mod lang;
pub mod message;
pub mod money;
pub mod msisdn;
pub mod state;
pub mod timestamp;

pub use address::{Address, AddressError, Npi, Ton};
pub use id::{AccountId, CampaignId, GatewayName, IdError, MessageId, MessageIdError, UpstreamId};
pub use lang::Lang;
pub use message::{Callback, Message, Part, PartError, Transition};
pub use money::{Money, MoneyParseError};
pub use msisdn::{Msisdn, MsisdnError, comparable_number};
pub use state::{IllegalTransition, MessageState};
