//! The names of UCP fields, spelt as the EMI-UCP specification spells them
//! (`AdC`, `OAdC`, `XSer`, …), so that every error names the field it is
//! about the way an operator reading the specification or a Wireshark
//! trace would. Names only: reading and writing are in `wire`.

use std::fmt;

/// A field of a UCP operation or result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Address of the recipient.
    AdC,
    /// Address of the originator.
    OAdC,
    /// Authentication code of the originator.
    Ac,
    /// Notification request.
    NRq,
    /// Notification address.
    NAdC,
    /// Notification type.
    Nt,
    /// Notification PID (the kind of terminal notified).
    Npid,
    /// Last resort address request.
    LRq,
    /// Last resort address.
    LRAd,
    /// Last resort address PID.
    Lpid,
    /// Deferred delivery requested.
    Dd,
    /// Deferred delivery time.
    Ddt,
    /// Validity period.
    Vp,
    /// Replace PID (TP-PID of the message).
    Rpid,
    /// Service centre time stamp.
    Scts,
    /// Delivery status.
    Dst,
    /// Reason code.
    Rsn,
    /// Delivery time stamp.
    Dscts,
    /// Message type.
    Mt,
    /// Number of bits in a transparent message.
    Nb,
    /// The message itself: NMsg, AMsg or TMsg by the message type.
    Msg,
    /// More messages to send.
    Mms,
    /// Priority requested.
    Pr,
    /// Data coding scheme (deprecated by XSer's DCS).
    DCs,
    /// Message class.
    MCLs,
    /// Reply path.
    Rpi,
    /// Reserved (code page).
    CPg,
    /// Reserved (reply type).
    RPLy,
    /// Originator type of address.
    Otoa,
    /// Home PLMN address.
    Hplmn,
    /// Extra services.
    XSer,
    /// Reserved.
    Res4,
    /// Reserved.
    Res5,
    /// PID of an alert (operation 31).
    Pid,
    /// Originator type of number (operation 60).
    Oton,
    /// Originator numbering plan (operation 60).
    Onpi,
    /// Subtype of operation 60.
    Styp,
    /// Password.
    Pwd,
    /// New password.
    Npwd,
    /// Version of the interface.
    Vers,
    /// Address for VSMSC list operation.
    LAdC,
    /// Type of number of the list address.
    Lton,
    /// Numbering plan of the list address.
    Lnpi,
    /// Originator protocol identifier.
    Opid,
    /// Reserved.
    Res1,
    /// The first field of a result: `A` (ACK) or `N` (NACK).
    Ack,
    /// Modified validity period of a positive result.
    Mvp,
    /// Error code of a negative result.
    Ec,
    /// System message of a result.
    Sm,
}

impl Field {
    /// The name the specification gives the field.
    pub const fn name(self) -> &'static str {
        match self {
            Field::AdC => "AdC",
            Field::OAdC => "OAdC",
            Field::Ac => "AC",
            Field::NRq => "NRq",
            Field::NAdC => "NAdC",
            Field::Nt => "NT",
            Field::Npid => "NPID",
            Field::LRq => "LRq",
            Field::LRAd => "LRAd",
            Field::Lpid => "LPID",
            Field::Dd => "DD",
            Field::Ddt => "DDT",
            Field::Vp => "VP",
            Field::Rpid => "RPID",
            Field::Scts => "SCTS",
            Field::Dst => "Dst",
            Field::Rsn => "Rsn",
            Field::Dscts => "DSCTS",
            Field::Mt => "MT",
            Field::Nb => "NB",
            Field::Msg => "Msg",
            Field::Mms => "MMS",
            Field::Pr => "PR",
            Field::DCs => "DCs",
            Field::MCLs => "MCLs",
            Field::Rpi => "RPI",
            Field::CPg => "CPg",
            Field::RPLy => "RPLy",
            Field::Otoa => "OTOA",
            Field::Hplmn => "HPLMN",
            Field::XSer => "XSer",
            Field::Res4 => "RES4",
            Field::Res5 => "RES5",
            Field::Pid => "PID",
            Field::Oton => "OTON",
            Field::Onpi => "ONPI",
            Field::Styp => "STYP",
            Field::Pwd => "PWD",
            Field::Npwd => "NPWD",
            Field::Vers => "VERS",
            Field::LAdC => "LAdC",
            Field::Lton => "LTON",
            Field::Lnpi => "LNPI",
            Field::Opid => "OPID",
            Field::Res1 => "RES1",
            Field::Ack => "ACK/NACK",
            Field::Mvp => "MVP",
            Field::Ec => "EC",
            Field::Sm => "SM",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
