//! The two languages the switch speaks to people, English and Spanish:
//! the web UI's pages and the mails (an account's own `language`, the
//! operator's `mail.language`). Written as its BCP 47 tag, `"en"` or
//! `"es"`, in the file, the admin API and the store.

use serde::{Deserialize, Serialize};

/// A language of the UI and the mails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English, the default.
    #[default]
    En,
    /// Spanish.
    Es,
}

impl Lang {
    /// The BCP 47 tag, for `<html lang>`, the cookie, the file and the API.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language of a tag, `"en"` or `"es"`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        match tag {
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            _ => None,
        }
    }

    /// The other language, which the switch offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Es,
            Lang::Es => Lang::En,
        }
    }
}
