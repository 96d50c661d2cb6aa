//! An account's number-list keys: `traffic` (DND), `opt_out_scope`, the
//! stop/start/help words and the texts that answer them.

use super::checker::{Checker, at};
use crate::config::fields;
use crate::config::raw::RawAccount;
use crate::lists::dnd::Traffic;
use crate::lists::opt_out::{self, OptOutSettings};

impl Checker<'_> {
    /// The account's traffic and opt-out settings, the defaults for keys
    /// left out.
    pub fn account_lists(&mut self, entry: &RawAccount, prefix: &str) -> (Traffic, OptOutSettings) {
        let traffic = entry
            .traffic
            .as_ref()
            .and_then(|value| {
                self.check(
                    value,
                    &at(prefix, "traffic"),
                    fields::traffic(value.get_ref()),
                )
            })
            .unwrap_or_default();
        let mut settings = OptOutSettings::default();
        if let Some(value) = &entry.opt_out_scope
            && let Some(scope) = self.check(
                value,
                &at(prefix, "opt_out_scope"),
                fields::opt_out_scope(value.get_ref()),
            )
        {
            settings.scope = scope;
        }
        for (name, given, words) in [
            ("stop_words", &entry.stop_words, &mut settings.stop_words),
            ("start_words", &entry.start_words, &mut settings.start_words),
            ("help_words", &entry.help_words, &mut settings.help_words),
        ] {
            if let Some(given) = given {
                words.clear();
                for (index, word) in given.iter().enumerate() {
                    let key = format!("{prefix}.{name}[{index}]");
                    let folded = opt_out::keyword(word.get_ref()).map_err(|e| e.to_string());
                    words.extend(self.check(word, &key, folded));
                }
            }
        }
        for (name, given, text) in [
            (
                "opt_out_text",
                &entry.opt_out_text,
                &mut settings.opt_out_text,
            ),
            ("opt_in_text", &entry.opt_in_text, &mut settings.opt_in_text),
            ("help_text", &entry.help_text, &mut settings.help_text),
        ] {
            if let Some(value) = given {
                *text = self.check(
                    value,
                    &at(prefix, name),
                    fields::reply_text(value.get_ref()),
                );
            }
        }
        (traffic, settings)
    }
}
