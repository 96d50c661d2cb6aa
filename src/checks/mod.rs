//! The checks at accept (SPEC §6.1), the pure half: each decides, from a
//! submission and an account's settings, whether the submission may go
//! on. The account actor runs them, in the order SPEC §6.1 gives (sender,
//! content, opt-outs, DND), before anything is charged or stored, so every
//! interface (SMPP, HTTP, Kannel's sendsms, replies the switch sends for
//! an account) shares them. No I/O here.
//!
//! - [`sender`]: which senders an account may use, and what a sender is.
//! - [`content`]: content rules, compiled into one matcher; which rule a
//!   text matches for an account.
//! - [`Check`] and [`CheckRefusal`]: which check refused a submission and
//!   under which rule, for the SMPP status, the HTTP problem document and
//!   the `/metrics` label.

pub mod content;
pub mod sender;

use crate::smpp::CommandStatus;

/// One of the checks at accept, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Check {
    /// The account's `allowed_senders`.
    Sender,
    /// A content rule whose action is `reject`.
    Content,
    /// The destination opted out of the account (STOP).
    OptOut,
    /// The destination is on the do-not-disturb registry and the account
    /// sends promotional traffic.
    Dnd,
}

impl Check {
    /// The SMPP status a refusal by this check answers (SPEC §6.1).
    pub fn status(self) -> CommandStatus {
        match self {
            Check::Sender => CommandStatus::EsmeRinvsrcadr,
            Check::Content | Check::OptOut | Check::Dnd => CommandStatus::EsmeRsubmitfail,
        }
    }

    /// The name `/metrics` labels and HTTP problem types use.
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Sender => "sender",
            Check::Content => "content",
            Check::OptOut => "opt-out",
            Check::Dnd => "dnd",
        }
    }
}

/// A submission one check refused: nothing of it is charged or stored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("refused by the {} check{}: {detail}", .check.as_str(), .rule.as_deref().map(|rule| format!(" (rule {rule})")).unwrap_or_default())]
pub struct CheckRefusal {
    /// The check that refused it.
    pub check: Check,
    /// The rule that refused it, when the check has named rules (a
    /// content rule's name); `None` for the sender, opt-out and DND
    /// checks, whose rule the check's name already says.
    pub rule: Option<String>,
    /// What was refused, for the log and the problem document's `detail`
    /// (a destination number, a sender); never the message's text.
    pub detail: String,
}

impl CheckRefusal {
    /// A refusal by `check` with no named rule.
    pub fn new(check: Check, detail: impl Into<String>) -> CheckRefusal {
        CheckRefusal {
            check,
            rule: None,
            detail: detail.into(),
        }
    }
}
