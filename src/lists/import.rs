//! Imported lists read line by line: a body of any size arrives in chunks
//! ([`Lines`] cuts them into lines, keeping at most one line's bytes), each
//! line is read as a number and, for opt-outs, a sender ([`read_line`]),
//! and the outcome is counted with per-line errors ([`ImportReport`]).
//! No I/O here.
//!
//! A line is CSV (`number[,sender[,...]]`, fields optionally in double
//! quotes) or just a number (`text/plain`, one per line). The first line
//! may be a header: one whose first field has no digit (`number`,
//! `msisdn`). Blank lines are skipped. Lines count from 1, the header
//! being line 1, as in SPEC §6.2's contact import.

use serde::Serialize;

use super::ListedNumber;
use crate::checks::sender::Sender;

/// The longest line read; a longer one is a per-line error (nothing of it
/// is kept beyond this many bytes).
pub const MAX_LINE: usize = 1024;

/// The most per-line errors an answer lists; the rest are only counted.
pub const MAX_REJECTED_LISTED: usize = 1000;

/// Splits a body arriving in chunks into lines (`\n`, with `\r\n` and a
/// leading UTF-8 byte order mark accepted), holding at most [`MAX_LINE`]
/// bytes of an unfinished line.
#[derive(Debug, Default)]
pub struct Lines {
    partial: Vec<u8>,
    overlong: bool,
    number: usize,
}

impl Lines {
    /// Nothing read yet.
    pub fn new() -> Lines {
        Lines::default()
    }

    /// Reads `chunk`, calling `each` with the number and text (or the
    /// error) of every line it completes.
    pub fn feed(&mut self, chunk: &[u8], each: &mut impl FnMut(usize, Result<&str, String>)) {
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|&byte| byte == b'\n') {
            self.take(&rest[..end]);
            self.emit(each);
            rest = &rest[end + 1..];
        }
        self.take(rest);
    }

    /// The end of the body: its last line, if it had no `\n`.
    pub fn finish(&mut self, each: &mut impl FnMut(usize, Result<&str, String>)) {
        if !self.partial.is_empty() || self.overlong {
            self.emit(each);
        }
    }

    fn take(&mut self, bytes: &[u8]) {
        let room = MAX_LINE.saturating_sub(self.partial.len());
        if bytes.len() > room {
            self.overlong = true;
        }
        self.partial
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn emit(&mut self, each: &mut impl FnMut(usize, Result<&str, String>)) {
        self.number += 1;
        let mut bytes = self.partial.as_slice();
        if self.number == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if self.overlong {
            each(
                self.number,
                Err(format!("line longer than {MAX_LINE} bytes")),
            );
        } else {
            match std::str::from_utf8(bytes) {
                Ok(text) => each(self.number, Ok(text)),
                Err(_) => each(self.number, Err("not UTF-8".to_string())),
            }
        }
        self.partial.clear();
        self.overlong = false;
    }
}

/// What one line holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    /// Nothing (white space only).
    Blank,
    /// The first line, naming the columns.
    Header,
    /// A number, and the sender of the second column when asked for.
    Entry {
        /// The number, normalised.
        number: ListedNumber,
        /// The second column (opt-outs): a sender; `None` when empty or
        /// not asked for.
        sender: Option<Sender>,
    },
}

/// Reads line number `line` (from 1); `with_sender` reads a second column
/// as a sender (opt-outs), otherwise later columns are ignored (the DND
/// registry's first column is the number).
pub fn read_line(text: &str, line: usize, with_sender: bool) -> Result<Line, String> {
    if text.trim().is_empty() {
        return Ok(Line::Blank);
    }
    let mut fields = text.split(',').map(unquote);
    let first = fields.next().unwrap_or_default();
    if line == 1 && !first.bytes().any(|byte| byte.is_ascii_digit()) {
        return Ok(Line::Header);
    }
    let number = ListedNumber::parse(first).map_err(|error| error.to_string())?;
    let sender = match fields.next().filter(|_| with_sender) {
        Some("") | None => None,
        Some(sender) => Some(Sender::parse(sender).map_err(|error| error.to_string())?),
    };
    Ok(Line::Entry { number, sender })
}

/// A field without surrounding white space and double quotes.
fn unquote(field: &str) -> &str {
    let field = field.trim();
    field
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(field)
        .trim()
}

/// One line refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// Its number, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub error: String,
}

/// What an import did: `{"imported", "already", "rejected": [...],
/// "rejected_total"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Entries added to the list.
    pub imported: u64,
    /// Entries the list had already (or that came twice).
    pub already: u64,
    /// The first [`MAX_REJECTED_LISTED`] lines refused.
    pub rejected: Vec<Rejected>,
    /// Every line refused, listed or not.
    pub rejected_total: u64,
}

impl ImportReport {
    /// Counts a refused line, listing it while there is room.
    pub fn reject(&mut self, line: usize, error: String) {
        self.rejected_total += 1;
        if self.rejected.len() < MAX_REJECTED_LISTED {
            self.rejected.push(Rejected { line, error });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(chunks: &[&[u8]]) -> Vec<(usize, Result<String, String>)> {
        let mut lines = Lines::new();
        let mut seen = Vec::new();
        let mut each = |number, line: Result<&str, String>| {
            seen.push((number, line.map(str::to_string)));
        };
        for chunk in chunks {
            lines.feed(chunk, &mut each);
        }
        lines.finish(&mut each);
        seen
    }

    #[test]
    fn lines_are_cut_across_chunks_with_crlf_and_a_bom() {
        let seen = lines(&[
            b"\xEF\xBB\xBFnum",
            b"ber\r\n3460",
            b"0000001\n\n34600000002",
        ]);
        assert_eq!(
            seen,
            vec![
                (1, Ok("number".to_string())),
                (2, Ok("34600000001".to_string())),
                (3, Ok(String::new())),
                (4, Ok("34600000002".to_string())),
            ]
        );
    }

    #[test]
    fn an_overlong_or_non_utf8_line_is_an_error_of_its_own() {
        let long = vec![b'1'; MAX_LINE * 3];
        let seen = lines(&[&long, b"\n\xff\n34600000001\n"]);
        assert_eq!(seen.len(), 3);
        assert!(seen[0].1.as_ref().unwrap_err().contains("longer"));
        assert_eq!(seen[1].1, Err("not UTF-8".to_string()));
        assert_eq!(seen[2], (3, Ok("34600000001".to_string())));
    }

    #[test]
    fn a_line_is_a_number_with_an_optional_sender_or_a_first_line_header() {
        let number = ListedNumber::parse("34600000001").unwrap();
        assert_eq!(read_line("number,sender", 1, true), Ok(Line::Header));
        assert_eq!(read_line("  ", 5, true), Ok(Line::Blank));
        assert_eq!(
            read_line("\"+34600000001\", Shop", 2, true),
            Ok(Line::Entry {
                number,
                sender: Some(Sender::Alphanumeric("Shop".into()))
            })
        );
        assert_eq!(
            read_line("34600000001,Shop,extra", 2, false),
            Ok(Line::Entry {
                number,
                sender: None
            })
        );
        assert_eq!(
            read_line("34600000001,", 2, true),
            Ok(Line::Entry {
                number,
                sender: None
            })
        );
        assert!(read_line("number", 2, false).is_err());
        assert!(
            read_line("0600000001", 1, false)
                .unwrap_err()
                .contains("country code")
        );
    }

    #[test]
    fn a_report_lists_a_bounded_number_of_rejected_lines_and_counts_all() {
        let mut report = ImportReport::default();
        for line in 0..MAX_REJECTED_LISTED + 5 {
            report.reject(line + 1, "bad".into());
        }
        assert_eq!(report.rejected.len(), MAX_REJECTED_LISTED);
        assert_eq!(report.rejected_total, MAX_REJECTED_LISTED as u64 + 5);
    }
}
