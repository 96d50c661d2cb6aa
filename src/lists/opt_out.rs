//! Opt-outs (SPEC §6.1): an MO whose first word is a stop word opts its
//! sender out of the account it was routed to, a start word opts it back
//! in, a help word asks for the account's help text; each is answered
//! from the number the MO was sent to. An opted-out number gets no MT of
//! the account: of any sender (an account-wide entry) or of one sender (an
//! entry with a sender). No I/O here.
//!
//! Words compare case- and accent-folded ([`crate::fold`]): "stop", "Stop" and
//! "STOP" are one word, and so are "Baja" and "BAJA", "ayúdame" and
//! "AYUDAME". Other MO handlers (autoreplies, polls) call
//! [`opt_out_command`] to leave alone an MO that was an opt-out command.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{ListedNumber, NumberSet};
use crate::checks::sender::Sender;
use crate::fold::fold;

/// The default stop words (SPEC §6.1).
pub const STOP_WORDS: [&str; 10] = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "BAJA",
    "ALTO",
    "CANCELAR",
    "PARAR",
];
/// The default start words.
pub const START_WORDS: [&str; 5] = ["START", "UNSTOP", "YES", "ALTA", "REANUDAR"];
/// The default help words. INFO is one only when no keyword MO route
/// claims the MO (see [`opt_out_command`]).
pub const HELP_WORDS: [&str; 3] = ["HELP", "AYUDA", "INFO"];
/// The stop word that always opts out of the whole account, whatever the
/// account's [`OptOutScope`].
pub const STOP_ALL: &str = "STOPALL";
/// The words (folded) known to be Spanish: the answer is in Spanish.
const SPANISH_WORDS: [&str; 8] = [
    "BAJA", "ALTO", "CANCELAR", "PARAR", "ALTA", "REANUDAR", "AYUDA", "INFO",
];

/// Whether `folded` (a word as [`fold`] leaves it) is one of the default
/// stop, start or help words: an application's keyword or a poll's
/// option may not be one, since such an MO is an opt-out command.
pub fn is_command_word(folded: &str) -> bool {
    STOP_WORDS
        .iter()
        .chain(&START_WORDS)
        .chain(&HELP_WORDS)
        .any(|word| *word == folded)
}

/// What an opt-out without a sender covers when it comes by keyword.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptOutScope {
    /// STOP opts the phone out of every MT of the account.
    #[default]
    Account,
    /// STOP opts the phone out of the MTs sent from the number the STOP
    /// was sent to; STOPALL still opts out of the whole account.
    Sender,
}

/// The language an answer is given in: the command word's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    /// Any word not known to be Spanish.
    English,
    /// BAJA, ALTO, CANCELAR, PARAR, ALTA, REANUDAR, AYUDA, INFO.
    Spanish,
}

/// What an opt-out command asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Opt out: of the whole account when `account_wide`, otherwise of the
    /// number the MO was sent to.
    OptOut {
        /// STOPALL, or any stop word under [`OptOutScope::Account`].
        account_wide: bool,
    },
    /// Opt back in.
    OptIn,
    /// Send the help text.
    Help,
}

/// An MO read as an opt-out command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// What it asks.
    pub action: Action,
    /// The language of the answer.
    pub language: Language,
    /// Its first word, folded.
    pub word: String,
}

/// An account's opt-out keywords and answers; the words folded, the texts
/// `None` for the defaults in the command's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptOutSettings {
    /// What a stop word other than STOPALL covers.
    pub scope: OptOutScope,
    /// Words that opt out.
    pub stop_words: Vec<String>,
    /// Words that opt back in.
    pub start_words: Vec<String>,
    /// Words answered with the help text.
    pub help_words: Vec<String>,
    /// The answer to a stop word.
    pub opt_out_text: Option<String>,
    /// The answer to a start word.
    pub opt_in_text: Option<String>,
    /// The answer to a help word.
    pub help_text: Option<String>,
}

impl Default for OptOutSettings {
    fn default() -> OptOutSettings {
        let words = |words: &[&str]| words.iter().map(|word| word.to_string()).collect();
        OptOutSettings {
            scope: OptOutScope::default(),
            stop_words: words(&STOP_WORDS),
            start_words: words(&START_WORDS),
            help_words: words(&HELP_WORDS),
            opt_out_text: None,
            opt_in_text: None,
            help_text: None,
        }
    }
}

/// Why a keyword list cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeywordError {
    /// Empty, or more than one word.
    #[error("keyword {0:?} is not one word")]
    NotOneWord(String),
}

/// `word` folded, if it is one word.
pub fn keyword(word: &str) -> Result<String, KeywordError> {
    let folded = fold(word.trim());
    if folded.is_empty() || folded.chars().any(char::is_whitespace) {
        return Err(KeywordError::NotOneWord(word.to_string()));
    }
    Ok(folded)
}

/// Reads `text` (an MO's) as an opt-out command of an account with
/// `settings`: its first word, folded, among the stop, start or help words.
/// `keyword_routed`: a keyword MO route whose keyword is that first word
/// took the MO to the account; then a help word is the route's keyword,
/// not a command (stop and start words always are: a phone must be able to
/// stop). `None`: not a command, an ordinary MO.
pub fn opt_out_command(
    text: &str,
    settings: &OptOutSettings,
    keyword_routed: bool,
) -> Option<Command> {
    let word = fold(text.split_whitespace().next()?);
    let has = |words: &[String]| words.contains(&word);
    let action = if has(&settings.stop_words) {
        Action::OptOut {
            account_wide: word == STOP_ALL || settings.scope == OptOutScope::Account,
        }
    } else if has(&settings.start_words) {
        Action::OptIn
    } else if has(&settings.help_words) && !keyword_routed {
        Action::Help
    } else {
        return None;
    };
    let language = if SPANISH_WORDS.contains(&word.as_str()) {
        Language::Spanish
    } else {
        Language::English
    };
    Some(Command {
        action,
        language,
        word,
    })
}

impl OptOutSettings {
    /// The answer to `command`: the account's text, or the default in the
    /// command's language.
    pub fn answer(&self, command: &Command) -> &str {
        let (configured, english, spanish) = match command.action {
            Action::OptOut { .. } => (
                &self.opt_out_text,
                "You are unsubscribed and will get no more messages from us. Reply START to subscribe again.",
                "Dado de baja: no recibirá más mensajes. Responda ALTA para volver.",
            ),
            Action::OptIn => (
                &self.opt_in_text,
                "You are subscribed again. Reply STOP to unsubscribe, HELP for help.",
                "Suscripción reanudada. Responda BAJA para darse de baja.",
            ),
            Action::Help => (
                &self.help_text,
                "Reply STOP to unsubscribe, START to subscribe again.",
                "Responda BAJA para darse de baja o ALTA para volver a suscribirse.",
            ),
        };
        match (configured, command.language) {
            (Some(text), _) => text,
            (None, Language::English) => english,
            (None, Language::Spanish) => spanish,
        }
    }
}

/// One account's opt-outs in memory: numbers out of every MT, and numbers
/// out of the MTs of given senders. A lookup is one or two hash lookups,
/// whatever the list's size.
#[derive(Clone, Debug, Default)]
pub struct OptOutList {
    everywhere: NumberSet,
    by_sender: HashMap<ListedNumber, Vec<Sender>>,
    by_sender_len: usize,
}

impl OptOutList {
    /// An empty list.
    pub fn new() -> OptOutList {
        OptOutList::default()
    }

    /// Opts `number` out (of `sender`'s MTs, or of all with `None`);
    /// `false` when it was already.
    pub fn add(&mut self, number: ListedNumber, sender: Option<Sender>) -> bool {
        match sender {
            None => self.everywhere.insert(number),
            Some(sender) => {
                let senders = self.by_sender.entry(number).or_default();
                if senders.contains(&sender) {
                    return false;
                }
                senders.push(sender);
                self.by_sender_len += 1;
                true
            }
        }
    }

    /// Takes the entry of `number` (and `sender`, or the account-wide one
    /// with `None`) off; `false` when there was none.
    pub fn remove(&mut self, number: ListedNumber, sender: Option<&Sender>) -> bool {
        match sender {
            None => self.everywhere.remove(number),
            Some(sender) => {
                let Some(senders) = self.by_sender.get_mut(&number) else {
                    return false;
                };
                let before = senders.len();
                senders.retain(|kept| kept != sender);
                let removed = senders.len() < before;
                if senders.is_empty() {
                    self.by_sender.remove(&number);
                }
                if removed {
                    self.by_sender_len -= 1;
                }
                removed
            }
        }
    }

    /// Whether an MT from `sender` (when it is a valid one) to `number` is
    /// refused.
    pub fn blocks(&self, number: ListedNumber, sender: Option<&Sender>) -> bool {
        self.everywhere.contains(number)
            || sender.is_some_and(|sender| {
                self.by_sender
                    .get(&number)
                    .is_some_and(|senders| senders.contains(sender))
            })
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.everywhere.len() + self.by_sender_len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> ListedNumber {
        ListedNumber::parse(text).unwrap()
    }

    #[test]
    fn command_words_are_known_folded() {
        assert!(is_command_word("STOP"));
        assert!(is_command_word(&fold("Ayúda")));
        assert!(is_command_word(&fold("info")));
        assert!(!is_command_word("VOTE"));
    }

    #[test]
    fn the_first_word_decides_the_command_and_its_language() {
        let settings = OptOutSettings::default();
        let command = |text| opt_out_command(text, &settings, false);
        assert_eq!(
            command("stop please").map(|c| c.action),
            Some(Action::OptOut { account_wide: true })
        );
        assert_eq!(command("Bája").map(|c| c.language), Some(Language::Spanish));
        assert_eq!(command("  Start").map(|c| c.action), Some(Action::OptIn));
        assert_eq!(
            command("ayuda").map(|c| (c.action, c.language)),
            Some((Action::Help, Language::Spanish))
        );
        assert_eq!(command("please stop"), None);
        assert_eq!(command("STOPPING"), None);
        assert_eq!(command(""), None);
    }

    #[test]
    fn a_keyword_route_claims_help_words_but_never_stop_or_start() {
        let settings = OptOutSettings::default();
        assert_eq!(opt_out_command("INFO", &settings, true), None);
        assert!(opt_out_command("INFO", &settings, false).is_some());
        assert!(opt_out_command("STOP", &settings, true).is_some());
        assert!(opt_out_command("START", &settings, true).is_some());
    }

    #[test]
    fn under_sender_scope_only_stopall_is_account_wide() {
        let settings = OptOutSettings {
            scope: OptOutScope::Sender,
            ..OptOutSettings::default()
        };
        assert_eq!(
            opt_out_command("stop", &settings, false).map(|c| c.action),
            Some(Action::OptOut {
                account_wide: false
            })
        );
        assert_eq!(
            opt_out_command("stopall", &settings, false).map(|c| c.action),
            Some(Action::OptOut { account_wide: true })
        );
    }

    #[test]
    fn configured_words_and_texts_replace_the_defaults() {
        let settings = OptOutSettings {
            stop_words: vec![keyword("salir").unwrap()],
            opt_out_text: Some("Bye".into()),
            ..OptOutSettings::default()
        };
        assert_eq!(opt_out_command("STOP", &settings, false), None);
        let command = opt_out_command("Salir", &settings, false).unwrap();
        assert_eq!(settings.answer(&command), "Bye");
        let help = opt_out_command("ayuda", &settings, false).unwrap();
        assert!(settings.answer(&help).starts_with("Responda"));
        let help = opt_out_command("help", &settings, false).unwrap();
        assert!(settings.answer(&help).starts_with("Reply"));
        assert!(keyword("two words").is_err());
        assert!(keyword(" ").is_err());
    }

    #[test]
    fn no_default_answer_is_itself_a_command_so_an_echo_never_loops() {
        let settings = OptOutSettings::default();
        for text in ["stop", "start", "help", "baja", "alta", "ayuda"] {
            let command = opt_out_command(text, &settings, false).unwrap();
            let answer = settings.answer(&command);
            assert_eq!(opt_out_command(answer, &settings, false), None, "{answer}");
        }
    }

    #[test]
    fn the_default_answers_fit_one_part() {
        let settings = OptOutSettings::default();
        for text in ["stop", "start", "help", "baja", "alta", "ayuda"] {
            let command = opt_out_command(text, &settings, false).unwrap();
            let answer = settings.answer(&command);
            let parts = crate::intake::text_parts(answer).map(|(_, parts)| parts.len());
            assert_eq!(parts.ok(), Some(1), "{text}: {answer}");
        }
    }

    #[test]
    fn an_opt_out_blocks_every_sender_or_one() {
        let mut list = OptOutList::new();
        let (a, b) = (number("34600000001"), number("34600000002"));
        let shop = Sender::parse("Shop").unwrap();
        let other = Sender::parse("12345").unwrap();
        assert!(list.add(a, None));
        assert!(!list.add(a, None));
        assert!(list.add(b, Some(shop.clone())));
        assert!(!list.add(b, Some(shop.clone())));
        assert_eq!(list.len(), 2);
        assert!(list.blocks(a, Some(&other)) && list.blocks(a, None));
        assert!(list.blocks(b, Some(&shop)));
        assert!(!list.blocks(b, Some(&other)) && !list.blocks(b, None));
        assert!(!list.remove(b, None));
        assert!(list.remove(b, Some(&shop)));
        assert!(!list.blocks(b, Some(&shop)));
        assert!(list.remove(a, None));
        assert!(list.is_empty());
    }
}
