//! What a submit_sm_resp (or generic_nack) status means for the message,
//! in one table (the README's "Upstream gateways" repeats it):
//!
//! | status | outcome |
//! | --- | --- |
//! | ESME_ROK (0x00) | [`Outcome::Accepted`]: SUBMITTED with the SMSC's id |
//! | ESME_RTHROTTLED (0x58), ESME_RMSGQFUL (0x14) | [`Outcome::SlowDown`]: the gateway pauses and sends it again |
//! | ESME_RSYSERR (0x08), ESME_RINVBNDSTS (0x04), ESME_RX_T_APPN (0x64) | [`Outcome::Failed`] temporary: routed again after a pause |
//! | anything else | [`Outcome::Failed`] permanent: REJECTED, refunded, REJECTD receipt |
//!
//! Unknown and vendor-specific statuses are permanent: a message the SMSC
//! refused for a reason we cannot read is not worth a retry loop.

use crate::smpp::CommandStatus;

/// What becomes of a message after its submit_sm was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The SMSC took it.
    Accepted,
    /// The SMSC is busy: send it again later, through the same gateway.
    SlowDown,
    /// The SMSC refused it. `permanent`: it never will take it.
    Failed { permanent: bool },
}

/// The outcome of `status` (the table above).
pub fn classify(status: CommandStatus) -> Outcome {
    match status {
        CommandStatus::EsmeRok => Outcome::Accepted,
        CommandStatus::EsmeRthrottled | CommandStatus::EsmeRmsgqful => Outcome::SlowDown,
        CommandStatus::EsmeRsyserr | CommandStatus::EsmeRinvbndsts | CommandStatus::EsmeRxTAppn => {
            Outcome::Failed { permanent: false }
        }
        _ => Outcome::Failed { permanent: true },
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
        assert_eq!(classify(CommandStatus::EsmeRthrottled), Outcome::SlowDown);
        assert_eq!(classify(CommandStatus::EsmeRmsgqful), Outcome::SlowDown);
        for temporary in [
            CommandStatus::EsmeRsyserr,
            CommandStatus::EsmeRinvbndsts,
            CommandStatus::EsmeRxTAppn,
        ] {
            assert_eq!(classify(temporary), Outcome::Failed { permanent: false });
        }
        for permanent in [
            CommandStatus::EsmeRsubmitfail,
            CommandStatus::EsmeRinvdstadr,
            CommandStatus::EsmeRxPAppn,
            CommandStatus::EsmeRxRAppn,
            CommandStatus::EsmeRinvcmdid,
        ] {
            assert_eq!(classify(permanent), Outcome::Failed { permanent: true });
        }
    }

    #[test]
    fn bad_credentials_are_only_the_two_statuses() {
        assert!(bad_credentials(CommandStatus::EsmeRinvpaswd));
        assert!(bad_credentials(CommandStatus::EsmeRinvsysid));
        assert!(!bad_credentials(CommandStatus::EsmeRbindfail));
    }
}
