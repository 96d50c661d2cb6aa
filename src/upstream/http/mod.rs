//! The decisions of an `http` gateway (a provider with a web API), without
//! I/O: the request made for a message part from the operator's URL and
//! body templates ([`request`], [`template`]), what the provider's answer
//! means ([`answer`]), and how its receipts are read ([`receipt`]). The
//! link in `actors/gateways/http/` sends the requests; the receipts come
//! in through `actors/web/gateway_receipts.rs`.

pub mod answer;
pub mod receipt;
pub mod request;
pub mod template;

pub use answer::{AnswerRules, Pattern, Verdict};
pub use receipt::{ReceiptRules, StatusValues};
pub use request::{BodyFormat, Method, PartError, Request, RequestRules};
pub use template::{Escape, Field, Template, TemplateError};
