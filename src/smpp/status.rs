//! The command_status table (SMPP 3.4 §5.1.3, plus the SMPP 5.0 codes a
//! 3.4 peer may still send): code → spec name → short description, for logs,
//! the HTTP API and the web UI. Pure data; which status a given failure gets
//! is decided in [`super::error`], not here.

use super::pdu::CommandStatus;

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusInfo {
    /// The numeric command_status.
    pub code: u32,
    /// The name the spec gives it, e.g. `ESME_RINVDSTADR`. SMPP 3.4 names are
    /// used where 3.4 and 5.0 differ (`ESME_RINVOPTPARSTREAM`, not
    /// `ESME_RINVTLVSTREAM`), since that is what operators grep for.
    pub name: &'static str,
    /// A short human description.
    pub description: &'static str,
}

const fn row(code: u32, name: &'static str, description: &'static str) -> StatusInfo {
    StatusInfo {
        code,
        name,
        description,
    }
}

/// Every defined command_status, sorted by code.
pub const TABLE: &[StatusInfo] = &[
    row(0x0000_0000, "ESME_ROK", "No error"),
    row(0x0000_0001, "ESME_RINVMSGLEN", "Message length is invalid"),
    row(0x0000_0002, "ESME_RINVCMDLEN", "Command length is invalid"),
    row(0x0000_0003, "ESME_RINVCMDID", "Invalid command ID"),
    row(
        0x0000_0004,
        "ESME_RINVBNDSTS",
        "Incorrect bind status for given command",
    ),
    row(0x0000_0005, "ESME_RALYBND", "ESME already in bound state"),
    row(0x0000_0006, "ESME_RINVPRTFLG", "Invalid priority flag"),
    row(
        0x0000_0007,
        "ESME_RINVREGDLVFLG",
        "Invalid registered delivery flag",
    ),
    row(0x0000_0008, "ESME_RSYSERR", "System error"),
    row(0x0000_000A, "ESME_RINVSRCADR", "Invalid source address"),
    row(
        0x0000_000B,
        "ESME_RINVDSTADR",
        "Invalid destination address",
    ),
    row(0x0000_000C, "ESME_RINVMSGID", "Message ID is invalid"),
    row(0x0000_000D, "ESME_RBINDFAIL", "Bind failed"),
    row(0x0000_000E, "ESME_RINVPASWD", "Invalid password"),
    row(0x0000_000F, "ESME_RINVSYSID", "Invalid system ID"),
    row(0x0000_0011, "ESME_RCANCELFAIL", "cancel_sm failed"),
    row(0x0000_0013, "ESME_RREPLACEFAIL", "replace_sm failed"),
    row(0x0000_0014, "ESME_RMSGQFUL", "Message queue full"),
    row(0x0000_0015, "ESME_RINVSERTYP", "Invalid service type"),
    row(
        0x0000_0033,
        "ESME_RINVNUMDESTS",
        "Invalid number of destinations",
    ),
    row(
        0x0000_0034,
        "ESME_RINVDLNAME",
        "Invalid distribution list name",
    ),
    row(
        0x0000_0040,
        "ESME_RINVDESTFLAG",
        "Destination flag is invalid",
    ),
    row(
        0x0000_0042,
        "ESME_RINVSUBREP",
        "Invalid submit-with-replace request",
    ),
    row(
        0x0000_0043,
        "ESME_RINVESMCLASS",
        "Invalid esm_class field data",
    ),
    row(
        0x0000_0044,
        "ESME_RCNTSUBDL",
        "Cannot submit to distribution list",
    ),
    row(
        0x0000_0045,
        "ESME_RSUBMITFAIL",
        "submit_sm or submit_multi failed",
    ),
    row(0x0000_0048, "ESME_RINVSRCTON", "Invalid source address TON"),
    row(0x0000_0049, "ESME_RINVSRCNPI", "Invalid source address NPI"),
    row(
        0x0000_0050,
        "ESME_RINVDSTTON",
        "Invalid destination address TON",
    ),
    row(
        0x0000_0051,
        "ESME_RINVDSTNPI",
        "Invalid destination address NPI",
    ),
    row(0x0000_0053, "ESME_RINVSYSTYP", "Invalid system_type field"),
    row(
        0x0000_0054,
        "ESME_RINVREPFLAG",
        "Invalid replace_if_present flag",
    ),
    row(
        0x0000_0055,
        "ESME_RINVNUMMSGS",
        "Invalid number of messages",
    ),
    row(
        0x0000_0058,
        "ESME_RTHROTTLED",
        "Throttling error: message rate limit exceeded",
    ),
    row(
        0x0000_0061,
        "ESME_RINVSCHED",
        "Invalid scheduled delivery time",
    ),
    row(
        0x0000_0062,
        "ESME_RINVEXPIRY",
        "Invalid message validity period",
    ),
    row(
        0x0000_0063,
        "ESME_RINVDFTMSGID",
        "Predefined message invalid or not found",
    ),
    row(
        0x0000_0064,
        "ESME_RX_T_APPN",
        "ESME receiver temporary application error",
    ),
    row(
        0x0000_0065,
        "ESME_RX_P_APPN",
        "ESME receiver permanent application error",
    ),
    row(
        0x0000_0066,
        "ESME_RX_R_APPN",
        "ESME receiver reject message error",
    ),
    row(0x0000_0067, "ESME_RQUERYFAIL", "query_sm failed"),
    row(
        0x0000_00C0,
        "ESME_RINVOPTPARSTREAM",
        "Error in the optional part of the PDU body",
    ),
    row(
        0x0000_00C1,
        "ESME_ROPTPARNOTALLWD",
        "Optional parameter not allowed",
    ),
    row(0x0000_00C2, "ESME_RINVPARLEN", "Invalid parameter length"),
    row(
        0x0000_00C3,
        "ESME_RMISSINGOPTPARAM",
        "Expected optional parameter missing",
    ),
    row(
        0x0000_00C4,
        "ESME_RINVOPTPARAMVAL",
        "Invalid optional parameter value",
    ),
    row(0x0000_00FE, "ESME_RDELIVERYFAILURE", "Delivery failure"),
    row(0x0000_00FF, "ESME_RUNKNOWNERR", "Unknown error"),
    row(
        0x0000_0100,
        "ESME_RSERTYPUNAUTH",
        "ESME not authorised to use this service type",
    ),
    row(
        0x0000_0101,
        "ESME_RPROHIBITED",
        "ESME prohibited from using this operation",
    ),
    row(
        0x0000_0102,
        "ESME_RSERTYPUNAVAIL",
        "Service type unavailable",
    ),
    row(0x0000_0103, "ESME_RSERTYPDENIED", "Service type denied"),
    row(0x0000_0104, "ESME_RINVDCS", "Invalid data coding scheme"),
    row(
        0x0000_0105,
        "ESME_RINVSRCADDRSUBUNIT",
        "Invalid source address subunit",
    ),
    row(
        0x0000_0106,
        "ESME_RINVDSTADDRSUBUNIT",
        "Invalid destination address subunit",
    ),
];

/// The row for `code`, if the spec defines it.
pub fn lookup(code: u32) -> Option<&'static StatusInfo> {
    TABLE
        .binary_search_by_key(&code, |info| info.code)
        .ok()
        .and_then(|index| TABLE.get(index))
}

/// The row for a status value.
pub fn info(status: CommandStatus) -> Option<&'static StatusInfo> {
    lookup(u32::from(status))
}

/// The spec name of `code`, or a stable label for codes the spec leaves to
/// vendors (`0x400..=0x4FF`) or reserves.
pub fn name(code: u32) -> &'static str {
    match lookup(code) {
        Some(info) => info.name,
        None if (0x400..=0x4FF).contains(&code) => "VENDOR_SPECIFIC",
        None => "RESERVED",
    }
}

/// A one-line rendering for logs: `ESME_RINVDSTADR (0x0000000B): Invalid destination address`.
pub fn describe(code: u32) -> String {
    match lookup(code) {
        Some(info) => format!("{} (0x{code:08X}): {}", info.name, info.description),
        None => format!("{} (0x{code:08X})", name(code)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique_so_binary_search_works() {
        for pair in TABLE.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{:?} before {:?}",
                pair[0],
                pair[1]
            );
        }
    }

    #[test]
    fn every_row_agrees_with_rusmpp_on_known_codes() {
        // rusmpp names the same numbers; a disagreement would mean a typo here.
        for info in TABLE {
            let status = CommandStatus::from(info.code);
            assert_eq!(u32::from(status), info.code);
            assert!(
                !matches!(status, CommandStatus::Other(_)),
                "rusmpp does not know {}",
                info.name
            );
        }
    }

    #[test]
    fn names_and_descriptions() {
        assert_eq!(name(0x0B), "ESME_RINVDSTADR");
        assert_eq!(name(0xC0), "ESME_RINVOPTPARSTREAM");
        assert_eq!(name(0x58), "ESME_RTHROTTLED");
        assert_eq!(name(0x0410), "VENDOR_SPECIFIC");
        assert_eq!(name(0x09), "RESERVED");
        assert_eq!(
            describe(0x0E),
            "ESME_RINVPASWD (0x0000000E): Invalid password"
        );
        assert_eq!(describe(0x09), "RESERVED (0x00000009)");
        assert_eq!(
            info(CommandStatus::EsmeRsubmitfail).map(|i| i.code),
            Some(0x45)
        );
    }
}
