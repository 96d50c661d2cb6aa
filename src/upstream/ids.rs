//! Message id normalisation per gateway (config `id_format`), after
//! Kannel's `msg-id-type`: an SMSC may write the id of one message in hex
//! in submit_sm_resp and in decimal in the receipt, or the other way
//! round. Each id is turned into one canonical key before it is stored or
//! looked up: numbers (decimal or hex) become their decimal value without
//! padding; ids taken as they are compare case-insensitively and without
//! leading zeros.

use std::fmt;

/// How one side (responses or receipts) writes its ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdBase {
    /// An opaque string.
    AsIs,
    /// A decimal number, possibly zero-padded.
    Decimal,
    /// A hexadecimal number, any case, possibly zero-padded.
    Hex,
}

/// How a gateway writes its ids in submit_sm_resp and in receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdFormat {
    /// How submit_sm_resp writes `message_id`.
    pub responses: IdBase,
    /// How receipts write the id (receipted_message_id or the text's `id:`).
    pub receipts: IdBase,
}

/// An id that is not what the gateway's `id_format` says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("message id {id:?} is not {base}")]
pub struct IdError {
    /// The id as received.
    pub id: String,
    /// What the gateway's `id_format` said it would be.
    pub base: IdBase,
}

impl fmt::Display for IdBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdBase::AsIs => "an opaque id",
            IdBase::Decimal => "a decimal number",
            IdBase::Hex => "a hexadecimal number",
        })
    }
}

impl IdBase {
    /// `number` written in this base: uppercase for hex, decimal otherwise
    /// (how `pasarela sim-smsc` writes its ids).
    pub fn write(self, number: u64) -> String {
        match self {
            IdBase::Hex => format!("{number:X}"),
            IdBase::AsIs | IdBase::Decimal => number.to_string(),
        }
    }
}

impl IdFormat {
    /// The default: ids taken as they are on both sides.
    pub const AS_IS: IdFormat = IdFormat {
        responses: IdBase::AsIs,
        receipts: IdBase::AsIs,
    };

    /// The config value (`as-is`, `decimal`, `hex`, `hex-responses`,
    /// `hex-receipts`), or `None` for anything else.
    pub fn from_name(name: &str) -> Option<IdFormat> {
        let both = |base| IdFormat {
            responses: base,
            receipts: base,
        };
        Some(match name {
            "as-is" => IdFormat::AS_IS,
            "decimal" => both(IdBase::Decimal),
            "hex" => both(IdBase::Hex),
            // Kannel msg-id-type 0x01: submit_sm_resp hex, deliver_sm decimal.
            "hex-responses" => IdFormat {
                responses: IdBase::Hex,
                receipts: IdBase::Decimal,
            },
            // Kannel msg-id-type 0x02: submit_sm_resp decimal, deliver_sm hex.
            "hex-receipts" => IdFormat {
                responses: IdBase::Decimal,
                receipts: IdBase::Hex,
            },
            _ => return None,
        })
    }

    /// The key of an id from a submit_sm_resp.
    pub fn response_key(&self, id: &str) -> Result<String, IdError> {
        key(id, self.responses)
    }

    /// The key of an id from a receipt.
    pub fn receipt_key(&self, id: &str) -> Result<String, IdError> {
        key(id, self.receipts)
    }
}

impl Default for IdFormat {
    fn default() -> Self {
        IdFormat::AS_IS
    }
}

/// The canonical key of `id` written in `base`. An id that is not what
/// `base` says is an error; [`as_is`] is the caller's fallback.
pub fn key(id: &str, base: IdBase) -> Result<String, IdError> {
    let radix = match base {
        IdBase::AsIs => return Ok(as_is(id)),
        IdBase::Decimal => 10,
        IdBase::Hex => 16,
    };
    let trimmed = id.trim();
    let error = || IdError {
        id: id.to_owned(),
        base,
    };
    if trimmed.is_empty() || !trimmed.chars().all(|c| c.is_digit(radix)) {
        return Err(error());
    }
    // Leading zeros first, so a zero-padded id longer than u128 still fits.
    let digits = trimmed.trim_start_matches('0');
    if digits.is_empty() {
        return Ok("0".to_owned());
    }
    u128::from_str_radix(digits, radix)
        .map(|n| n.to_string())
        .map_err(|_| error())
}

/// An opaque id's key: trimmed, lowercase, without leading zeros.
pub fn as_is(id: &str) -> String {
    let lower = id.trim().to_ascii_lowercase();
    let unpadded = lower.trim_start_matches('0');
    if unpadded.is_empty() && !lower.is_empty() {
        "0".to_owned()
    } else {
        unpadded.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_is_ignores_case_and_padding() {
        let format = IdFormat::AS_IS;
        assert_eq!(format.response_key("00AbC1").unwrap(), "abc1");
        assert_eq!(format.receipt_key(" abc1 ").unwrap(), "abc1");
        assert_eq!(format.receipt_key("000").unwrap(), "0");
    }

    #[test]
    fn hex_in_one_place_matches_decimal_in_the_other() {
        // Kannel msg-id-type 1 and 2.
        let responses_hex = IdFormat::from_name("hex-responses").unwrap();
        assert_eq!(responses_hex.response_key("BB8").unwrap(), "3000");
        assert_eq!(responses_hex.receipt_key("0000003000").unwrap(), "3000");
        let receipts_hex = IdFormat::from_name("hex-receipts").unwrap();
        assert_eq!(receipts_hex.response_key("3000").unwrap(), "3000");
        assert_eq!(receipts_hex.receipt_key("00bb8").unwrap(), "3000");
    }

    #[test]
    fn hex_on_both_sides_is_one_number_in_any_case() {
        let hex = IdFormat::from_name("hex").unwrap();
        assert_eq!(
            hex.response_key("1A2B").unwrap(),
            hex.receipt_key("001a2b").unwrap()
        );
    }

    #[test]
    fn an_id_that_is_not_its_base_is_an_error() {
        let decimal = IdFormat::from_name("decimal").unwrap();
        assert!(decimal.response_key("12AB").is_err());
        assert!(decimal.response_key("").is_err());
        let hex = IdFormat::from_name("hex").unwrap();
        assert!(hex.receipt_key("xyz").is_err());
        // Longer than u128 but for its padding: still a number.
        let padded = format!("{}1", "0".repeat(60));
        assert_eq!(hex.receipt_key(&padded).unwrap(), "1");
        assert!(hex.receipt_key(&"F".repeat(40)).is_err());
    }

    #[test]
    fn unknown_names_are_refused() {
        assert_eq!(IdFormat::from_name("HEX"), None);
        assert_eq!(IdFormat::from_name("as-is"), Some(IdFormat::AS_IS));
    }
}
