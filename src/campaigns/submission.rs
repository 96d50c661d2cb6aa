//! What one recipient's turn submits: the same [`Submission`] an SMPP
//! submit_sm or an HTTP request becomes, so a campaign's messages take
//! the accept path every other message takes (credit, rules, opt-outs,
//! DND, routes). Campaign messages ask no receipt of their own (the
//! campaign's results count the final states) and go at priority 0.

use chrono::{DateTime, Duration, Utc};

use super::{Definition, Recipient};
use crate::intake::{self, Submission};
use crate::model::{Address, Msisdn};
use crate::sms::split::SplitError;

/// Why a recipient cannot be sent to.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unsendable {
    #[error("{0}")]
    /// Not a number a message can go to.
    Number(#[from] crate::model::MsisdnError),
    #[error("the text cannot be sent: {0}")]
    /// A text no message can carry.
    Text(#[from] SplitError),
}

/// The submission of `recipient`'s turn at `now`.
pub fn submission(
    definition: &Definition,
    recipient: &Recipient,
    now: DateTime<Utc>,
) -> Result<Submission, Unsendable> {
    let destination = Address::international(&Msisdn::parse(&recipient.number)?);
    let (data_coding, parts) = intake::text_parts(&recipient.text)?;
    Ok(Submission {
        service_type: String::new(),
        source: definition.from.clone(),
        destinations: vec![destination],
        data_coding,
        esm_class: 0,
        registered_delivery: 0,
        priority: 0,
        validity: definition
            .validity_minutes
            .map(|minutes| now + Duration::minutes(i64::from(minutes))),
        scheduled: None,
        client_reference: None,
        parts,
        callback: None,
    })
}
