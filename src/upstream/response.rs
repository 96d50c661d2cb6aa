//! What a submit_sm_resp (or generic_nack) status means for the message,
//! in one table (the README's "Upstream gateways" repeats it):
//!
//! | status | outcome |
//! | --- | --- |
//! | ESME_ROK (0x00) | [`Outcome::Accepted`]: SUBMITTED with the SMSC's id |
//! | ESME_RTHROTTLED (0x58), ESME_RMSGQFUL (0x14), ESME_RSYSERR (0x08), ESME_RINVBNDSTS (0x04), ESME_RX_T_APPN (0x64) | [`Outcome::Temporary`]: the gateway pauses and sends it again, up to `max_attempts` |
//! | anything else | [`Outcome::Permanent`]: REJECTED, refunded, REJECTD receipt |
//!
//! Unknown and vendor-specific statuses are permanent: a message the SMSC
//! refused for a reason we cannot read is not worth a retry loop.

use crate::smpp::CommandStatus;

/// What becomes of a message after its submit_sm was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The SMSC took it.
    Accepted,
    /// The SMSC cannot take it now: send it again later, through the same
    /// gateway.
    Temporary,
    /// The SMSC will never take it.
    Permanent,
}

/// The outcome of `status` (the table above).
pub fn classify(status: CommandStatus) -> Outcome {
    match status {
        CommandStatus::EsmeRok => Outcome::Accepted,
        CommandStatus::EsmeRthrottled
        | CommandStatus::EsmeRmsgqful
        | CommandStatus::EsmeRsyserr
        | CommandStatus::EsmeRinvbndsts
        | CommandStatus::EsmeRxTAppn => Outcome::Temporary,
        _ => Outcome::Permanent,
    }
}

/// Whether a refused bind means the credentials are wrong (retried slowly:
/// an operator has to fix them, and hammering the SMSC can get us banned).
pub fn bad_credentials(status: CommandStatus) -> bool {
    matches!(
        status,
        CommandStatus::EsmeRinvpaswd | CommandStatus::EsmeRinvsysid
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table() {
        assert_eq!(classify(CommandStatus::EsmeRok), Outcome::Accepted);
        for temporary in [
            CommandStatus::EsmeRthrottled,
            CommandStatus::EsmeRmsgqful,
            CommandStatus::EsmeRsyserr,
            CommandStatus::EsmeRinvbndsts,
            CommandStatus::EsmeRxTAppn,
        ] {
            assert_eq!(classify(temporary), Outcome::Temporary);
        }
        for permanent in [
            CommandStatus::EsmeRsubmitfail,
            CommandStatus::EsmeRinvdstadr,
            CommandStatus::EsmeRxPAppn,
            CommandStatus::EsmeRxRAppn,
            CommandStatus::EsmeRinvcmdid,
        ] {
            assert_eq!(classify(permanent), Outcome::Permanent);
        }
    }

    #[test]
    fn bad_credentials_are_only_the_two_statuses() {
        assert!(bad_credentials(CommandStatus::EsmeRinvpaswd));
        assert!(bad_credentials(CommandStatus::EsmeRinvsysid));
        assert!(!bad_credentials(CommandStatus::EsmeRbindfail));
    }
}
