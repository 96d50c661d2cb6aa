//! What smsbox answers a sendsms request: an HTTP status and one line of
//! text (`Content-Type: text/html`), decided here in one place. The texts
//! and codes are Kannel's own (gw/smsbox.c: `delayed_http_reply`,
//! `smsbox_req_sendsms`, `smsbox_sendsms_post`, `smsbox_req_handle`); the
//! few marked "pasarela" are refusals Kannel never needs, worded in its
//! style. No I/O here.

/// The answer to a message that is durably stored: smsbox's answer when
/// bearerbox acknowledges the message as stored (`ack_success`), which is
/// the moment pasarela answers too.
pub const ACCEPTED: &str = "0: Accepted for delivery";
/// HTTP 202, with [`ACCEPTED`].
pub const ACCEPTED_STATUS: u16 = 202;

/// A sendsms request refused, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Unknown username, wrong password, or an address the account may
    /// not use (`authorise_username`): 403.
    #[error("Authorization failed for sendsms")]
    AuthorizationFailed,
    /// GET without `to`: 400.
    #[error("Missing receiver number, rejected")]
    MissingReceiver,
    /// POST without `X-Kannel-To`: 400.
    #[error("Missing receiver(s) number(s), rejected")]
    MissingReceivers,
    /// `to=` given empty: 400.
    #[error("Empty receiver number not allowed, rejected")]
    EmptyReceiver,
    /// No number in `to` is acceptable (characters outside
    /// `0123456789 +-`, or, in pasarela, not an international number), or,
    /// in pasarela, the account's sender rules refuse `from` (SPEC §6.1
    /// asks for the answer smsbox gives a denied number): 400.
    #[error("Number(s) has/have been denied by white- and/or black-lists.")]
    Denied,
    /// No `from`: pasarela has no global sender: 400.
    #[error("Sender missing and no global set, rejected")]
    MissingSender,
    /// A parameter out of its range, named as Kannel names it (`DLR-Mask`,
    /// `MClass`, `Coding`, ...): 400.
    #[error("{0} field misformed, rejected")]
    Misformed(&'static str),
    /// `udh` longer than an SMS: 400.
    #[error("UDH field is too long, rejected")]
    UdhTooLong,
    /// `account` longer than 64 or with `[`, `]`, CR or LF: 400.
    #[error("Account field misformed or too long, rejected")]
    AccountMisformed,
    /// `charset` unknown, or the text not valid in it: 400.
    #[error("Charset or body misformed, rejected")]
    Charset,
    /// A POST body of a type other than text/plain or
    /// application/octet-stream: 400.
    #[error("Invalid content-type")]
    InvalidContentType,
    /// pasarela: a Kannel parameter pasarela cannot honour (`pid`, `rpi`,
    /// `alt-dcs`, `compress`, `binfo`, `meta-data` with a value other than
    /// the default): 400.
    #[error("{0} field not supported, rejected")]
    Unsupported(&'static str),
    /// pasarela: more than 255 parts, or a message with `udh` that does not
    /// fit one SMS (Kannel would cut it): 400.
    #[error("Message too long, rejected")]
    TooLong,
    /// pasarela: a `dlr-url` longer than callbacks take
    /// (`callbacks::target::MAX_URL_LEN`): 400.
    #[error("DLR-URL field is too long, rejected")]
    DlrUrlTooLong,
    /// pasarela: a `dlr-url` whose host is, or resolves only to, an
    /// internal address (loopback, private, link-local, ...) that
    /// `callbacks.allow_private` does not list: 400.
    #[error("DLR-URL field points to an address not allowed, rejected")]
    DlrUrlRefused,
    /// pasarela: more numbers in `to` than one request may carry: 400.
    #[error("Too many receivers, rejected")]
    TooManyReceivers,
    /// A refusal that retrying will not change (`ack_failed`): `smsc` names
    /// no gateway the message could take, or the credit does not cover it: 403.
    #[error("Not routable. Do not try again.")]
    NotRoutable,
    /// A refusal that may pass later (`ack_failed_tmp`): over the account's
    /// TPS, or the store could not take it: 503.
    #[error("Temporal failure, try again later.")]
    Temporary,
}

impl Refusal {
    /// The HTTP status smsbox gives this answer.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::AuthorizationFailed | Refusal::NotRoutable => 403,
            Refusal::Temporary => 503,
            _ => 400,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each expected line is copied from Kannel's gw/smsbox.c (1.4.x), in
    // the function named beside it; the user's guide does not list them.
    #[test]
    fn texts_and_codes_are_smsboxs() {
        let cases = [
            // authorise_user failing in smsbox_req_sendsms
            (
                Refusal::AuthorizationFailed,
                403,
                "Authorization failed for sendsms",
            ),
            // smsbox_req_sendsms, to == NULL / octstr_len(to) == 0
            (
                Refusal::MissingReceiver,
                400,
                "Missing receiver number, rejected",
            ),
            (
                Refusal::EmptyReceiver,
                400,
                "Empty receiver number not allowed, rejected",
            ),
            // smsbox_sendsms_post, to == NULL && tolist == NULL
            (
                Refusal::MissingReceivers,
                400,
                "Missing receiver(s) number(s), rejected",
            ),
            // smsbox_req_handle, field_error cases
            (
                Refusal::Denied,
                400,
                "Number(s) has/have been denied by white- and/or black-lists.",
            ),
            (
                Refusal::MissingSender,
                400,
                "Sender missing and no global set, rejected",
            ),
            (
                Refusal::Misformed("DLR-Mask"),
                400,
                "DLR-Mask field misformed, rejected",
            ),
            (
                Refusal::Misformed("UDH"),
                400,
                "UDH field misformed, rejected",
            ),
            (Refusal::UdhTooLong, 400, "UDH field is too long, rejected"),
            (
                Refusal::AccountMisformed,
                400,
                "Account field misformed or too long, rejected",
            ),
            (Refusal::Charset, 400, "Charset or body misformed, rejected"),
            // smsbox_sendsms_post, unknown content type
            (Refusal::InvalidContentType, 400, "Invalid content-type"),
            // delayed_http_reply: ack_failed, ack_failed_tmp
            (Refusal::NotRoutable, 403, "Not routable. Do not try again."),
            (
                Refusal::Temporary,
                503,
                "Temporal failure, try again later.",
            ),
        ];
        for (refusal, status, text) in cases {
            assert_eq!(
                (refusal.status(), refusal.to_string().as_str()),
                (status, text)
            );
        }
        // delayed_http_reply: ack_success
        assert_eq!(
            (ACCEPTED_STATUS, ACCEPTED),
            (202, "0: Accepted for delivery")
        );
    }
}
