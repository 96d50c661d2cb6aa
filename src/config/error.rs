//! Configuration errors that point at the place to fix: file, line and key.
//!
//! Every error the loader reports carries a [`Location`] computed from the
//! byte span that the TOML parser or a `Spanned` field gives us, so an
//! operator reads `config/pasarela.toml:23: gateways[1].kind: ...` and knows
//! where to look.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// Where in the configuration file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// 1-based line number, when the problem is tied to a place in the file.
    pub line: Option<usize>,
    /// Dotted key path such as `gateways[1].port`, when known.
    pub key: Option<String>,
}

/// One problem found in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    /// Where it is: line and key, as far as known.
    pub location: Location,
    /// What is wrong, as a sentence an operator can act on.
    pub message: String,
}

/// Why a configuration could not be loaded. Validation reports every issue it
/// finds, not only the first, so one edit-and-check round fixes them all.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read (missing, unreadable, not UTF-8).
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The path as given.
        file: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but does not parse or validate.
    #[error("{}", render(file, issues))]
    Invalid {
        /// The path as given; written in front of each issue.
        file: PathBuf,
        /// Every issue found, in the order found; never empty.
        issues: Vec<ConfigIssue>,
    },
}

impl ConfigError {
    /// The issues found, empty for a file that could not be read.
    pub fn issues(&self) -> &[ConfigIssue] {
        match self {
            ConfigError::Read { .. } => &[],
            ConfigError::Invalid { issues, .. } => issues,
        }
    }
}

fn render(file: &std::path::Path, issues: &[ConfigIssue]) -> String {
    let lines: Vec<String> = issues
        .iter()
        .map(|issue| format!("{}{}", file.display(), issue))
        .collect();
    lines.join("\n")
}

impl fmt::Display for ConfigIssue {
    /// `:LINE: KEY: MESSAGE`, leaving out what is unknown; the file name is
    /// written in front by the caller.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.location.line {
            write!(f, ":{line}")?;
        }
        f.write_str(": ")?;
        if let Some(key) = &self.location.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Maps byte offsets in the source text to lines and key paths.
pub(crate) struct SourceMap<'a> {
    source: &'a str,
}

impl<'a> SourceMap<'a> {
    pub(crate) fn new(source: &'a str) -> SourceMap<'a> {
        SourceMap { source }
    }

    /// 1-based line of a byte offset (clamped to the text).
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.source.len());
        let prefix = self.source.get(..end).unwrap_or(self.source);
        prefix.bytes().filter(|&b| b == b'\n').count() + 1
    }

    /// An issue at a span with a key path the caller already knows.
    pub(crate) fn issue(
        &self,
        span: Range<usize>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> ConfigIssue {
        ConfigIssue {
            location: Location {
                line: Some(self.line_of(span.start)),
                key: Some(key.into()),
            },
            message: message.into(),
        }
    }

    /// An issue reported by the TOML parser: the key path is reconstructed
    /// from the table header in force at that line and the key on the line.
    pub(crate) fn parse_issue(&self, error: &toml::de::Error) -> ConfigIssue {
        let Some(span) = error.span() else {
            return ConfigIssue {
                location: Location {
                    line: None,
                    key: None,
                },
                message: error.message().to_string(),
            };
        };
        let line = self.line_of(span.start);
        ConfigIssue {
            location: Location {
                line: Some(line),
                key: self.key_path_at(line),
            },
            message: error.message().to_string(),
        }
    }

    /// `table[index].key` for a 1-based line: the nearest header above it
    /// (with the index of an array-of-tables entry) and the key assigned on
    /// the line itself, when there is one.
    fn key_path_at(&self, line: usize) -> Option<String> {
        let lines: Vec<&str> = self.source.lines().collect();
        let here = lines.get(line.checked_sub(1)?)?.trim();
        let key_here = here
            .split_once('=')
            .map(|(key, _)| key.trim().to_string())
            .filter(|key| !key.is_empty() && !key.starts_with('['));
        let mut table: Option<String> = None;
        for candidate in lines[..line].iter().rev() {
            let trimmed = candidate.trim();
            if let Some(name) = trimmed
                .strip_prefix("[[")
                .and_then(|rest| rest.split_once("]]"))
            {
                let name = name.0.trim();
                let header = format!("[[{name}]]");
                let index = lines[..line]
                    .iter()
                    .filter(|l| l.trim().starts_with(&header))
                    .count()
                    .saturating_sub(1);
                table = Some(format!("{name}[{index}]"));
                break;
            }
            if let Some(name) = trimmed
                .strip_prefix('[')
                .and_then(|rest| rest.split_once(']'))
            {
                table = Some(name.0.trim().to_string());
                break;
            }
        }
        match (table, key_here) {
            (Some(table), Some(key)) => Some(format!("{table}.{key}")),
            (Some(table), None) => Some(table),
            (None, key) => key,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_path_names_the_array_entry_and_key() {
        let source = "data_dir = \"x\"\n[smpp]\nlisten = \"a\"\n[[gateways]]\nname = \"a\"\n[[gateways]]\nname = \"b\"\nport = 1\n";
        let map = SourceMap::new(source);
        assert_eq!(map.key_path_at(1).as_deref(), Some("data_dir"));
        assert_eq!(map.key_path_at(3).as_deref(), Some("smpp.listen"));
        assert_eq!(map.key_path_at(5).as_deref(), Some("gateways[0].name"));
        assert_eq!(map.key_path_at(8).as_deref(), Some("gateways[1].port"));
        assert_eq!(map.key_path_at(6).as_deref(), Some("gateways[1]"));
        assert_eq!(map.key_path_at(99), None);
    }

    #[test]
    fn line_of_counts_newlines_and_clamps() {
        let map = SourceMap::new("a\nb\nc");
        assert_eq!(map.line_of(0), 1);
        assert_eq!(map.line_of(2), 2);
        assert_eq!(map.line_of(4), 3);
        assert_eq!(map.line_of(1000), 3);
    }
}
