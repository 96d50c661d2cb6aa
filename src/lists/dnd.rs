//! The do-not-disturb registry's rule: numbers on it may not get
//! promotional traffic. What an account sends is its [`Traffic`]; the
//! registry itself is a [`NumberSet`](super::NumberSet) the runtime keeps
//! and swaps. No I/O here.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What an account's messages are, for the DND check (SPEC §6.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Traffic {
    /// One-time passwords, alerts, receipts: sent to DND numbers too.
    #[default]
    Transactional,
    /// Marketing: refused for a number on the DND registry.
    Promotional,
}

impl Traffic {
    /// Whether a number on the DND registry refuses this traffic.
    pub fn refused_for_dnd(self) -> bool {
        self == Traffic::Promotional
    }

    /// The name the file and the API use.
    pub fn as_str(self) -> &'static str {
        match self {
            Traffic::Transactional => "transactional",
            Traffic::Promotional => "promotional",
        }
    }
}

impl fmt::Display for Traffic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `traffic` value that is neither of the two.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("traffic {0:?} is neither \"transactional\" nor \"promotional\"")]
pub struct UnknownTraffic(pub String);

impl FromStr for Traffic {
    type Err = UnknownTraffic;

    fn from_str(text: &str) -> Result<Traffic, UnknownTraffic> {
        match text {
            "transactional" => Ok(Traffic::Transactional),
            "promotional" => Ok(Traffic::Promotional),
            other => Err(UnknownTraffic(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_promotional_traffic_is_refused_for_dnd_numbers() {
        assert_eq!(Traffic::default(), Traffic::Transactional);
        assert!(!Traffic::Transactional.refused_for_dnd());
        assert!(Traffic::Promotional.refused_for_dnd());
        assert_eq!("promotional".parse(), Ok(Traffic::Promotional));
        assert!("Promotional".parse::<Traffic>().is_err());
    }
}
