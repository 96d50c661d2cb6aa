//! A contact import read as it arrives: CSV (RFC 4180: quoted fields with
//! commas and line breaks, doubled quotes, CRLF or LF) fed chunk by chunk
//! to [`ContactCsv`], which keeps at most one row's bytes and the numbers
//! seen so far, and hands on each row as a [`ContactRow`] or a
//! [`RowError`] with its line. [`ContactRow::apply`] lays a row over the
//! contact stored before, and [`ImportReport`] counts the outcome. No I/O
//! here.
//!
//! The first row that is not blank is the header: it names the columns
//! (`number` required, `name` optional, any other a free field), case-
//! insensitive and trimmed; a header it cannot read refuses the whole
//! import ([`HeaderError`]). Lines count from 1 (the header's line is 1 in
//! a file that starts with it); a row spanning lines (a quoted line
//! break) is named by its first. A UTF-8 byte order mark is skipped, and
//! so are blank rows (nothing but white space and commas).

use std::collections::HashSet;

use serde::Serialize;

use super::contact::{
    Contact, ContactError, GroupName, MAX_FIELDS, MAX_NAME_BYTES, MAX_VALUE_BYTES, free_field_name,
};
use crate::lists::ListedNumber;
use crate::lists::import::{MAX_REJECTED_LISTED, Rejected};
use crate::model::MsisdnError;

/// The longest row, in bytes as written (quotes included); a longer one is
/// a row error, and nothing of it is kept beyond this many bytes.
pub const MAX_ROW_BYTES: usize = 16 * 1024;

/// The most rows one import reads (blank ones not counted): the numbers
/// remembered for the duplicate check then take about 40 MB. The row after them is
/// refused and reading stops ([`ContactCsv::stopped`]).
pub const MAX_IMPORT_ROWS: usize = 2_000_000;

/// The most columns a header names: the number, the name and the fields.
const MAX_COLUMNS: usize = 2 + MAX_FIELDS;

const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// A header the import cannot go on with: the whole import is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// Nothing but blank rows.
    #[error("the file has no header row naming its columns")]
    Missing,
    /// No column named `number`.
    #[error("the header names no \"number\" column")]
    NoNumber,
    /// A header row longer than [`MAX_ROW_BYTES`].
    #[error("the header row is longer than {MAX_ROW_BYTES} bytes")]
    TooLong,
    /// More free fields than a contact holds.
    #[error("the header names more than {MAX_FIELDS} fields besides number and name")]
    TooManyColumns,
    /// A column name that is not UTF-8; its column, from 1.
    #[error("column {0} of the header is not UTF-8")]
    NotUtf8(usize),
    /// A column name that is not a field name.
    #[error("column {column} of the header: {error}")]
    Invalid {
        /// From 1.
        column: usize,
        /// What is wrong with the name.
        error: ContactError,
    },
    /// A column named twice (names are case-insensitive).
    #[error("column {column} of the header names {name:?} again")]
    Duplicate {
        /// The second one, from 1.
        column: usize,
        /// The name, lower-cased.
        name: String,
    },
}

/// Why one row is refused; the rest of the import goes on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    /// The number is not an international number.
    #[error("bad number: {0}")]
    BadNumber(MsisdnError),
    /// A number an earlier row of the file had (only the first is taken).
    #[error("duplicate in file: {0} is on an earlier line")]
    Duplicate(ListedNumber),
    /// Not as many cells as the header names columns.
    #[error("{found} columns where the header names {expected}")]
    ColumnCount {
        /// The header's columns.
        expected: usize,
        /// The row's cells.
        found: usize,
    },
    /// A cell that is not UTF-8; its column's name.
    #[error("column {0:?} is not UTF-8")]
    NotUtf8(String),
    /// A name or field value beyond its limit.
    #[error("column {column:?} is longer than {limit} bytes")]
    TooLong {
        /// The column's name.
        column: String,
        /// Its limit, in bytes.
        limit: usize,
    },
    /// A row longer than [`MAX_ROW_BYTES`].
    #[error("row longer than {MAX_ROW_BYTES} bytes")]
    RowTooLong,
    /// The contact the row would make breaks a contact's limits.
    #[error("{0}")]
    Contact(ContactError),
    /// A value the row must give and does not: the field a campaign's
    /// template names without a default.
    #[error("no value for {0:?}, which the text needs")]
    Missing(String),
    /// The row after the [`MAX_IMPORT_ROWS`] an import reads.
    #[error("an import reads at most {MAX_IMPORT_ROWS} rows: this one and the rest were not read")]
    TooManyRows,
}

/// What a header names a column.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Column {
    Number,
    Name,
    Field(String),
}

impl Column {
    fn label(&self) -> &str {
        match self {
            Column::Number => "number",
            Column::Name => "name",
            Column::Field(name) => name,
        }
    }
}

/// One row read: the non-empty cells of a contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactRow {
    /// Normalised.
    pub number: ListedNumber,
    /// `None` when the row has no name column or leaves it empty.
    pub name: Option<String>,
    /// The free fields the row gives a value, in the header's order.
    pub fields: Vec<(String, String)>,
}

/// One row and the line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedRow {
    /// The line it starts on, from 1.
    pub line: usize,
    /// The contact's cells, or why the row is refused.
    pub row: Result<ContactRow, RowError>,
}

/// What a row did to the account's contacts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A contact the account did not have.
    New,
    /// A contact it had, whose name or fields changed or that joined the group.
    Updated,
    /// A contact it had, as it was.
    Unchanged,
}

impl ContactRow {
    /// The contact once this row is laid over `existing` (the one stored,
    /// if any) and put in `group`: a non-empty cell overwrites, fields the
    /// row leaves empty or does not name are kept. Refused when the result
    /// breaks a contact's limits ([`Contact::check`]).
    pub fn apply(
        self,
        existing: Option<&Contact>,
        group: Option<&GroupName>,
    ) -> Result<(Contact, Change), ContactError> {
        let mut contact = existing
            .cloned()
            .unwrap_or_else(|| Contact::new(self.number));
        if let Some(name) = self.name {
            contact.name = Some(name);
        }
        contact.fields.extend(self.fields);
        if let Some(group) = group {
            contact.groups.insert(group.clone());
        }
        contact.check()?;
        let change = match existing {
            None => Change::New,
            Some(existing) if *existing == contact => Change::Unchanged,
            Some(_) => Change::Updated,
        };
        Ok((contact, change))
    }
}

/// What an import did: `{"imported", "updated", "unchanged", "rejected":
/// [{"line", "error"}], "rejected_total"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Contacts the account did not have.
    pub imported: u64,
    /// Contacts it had whose name or fields changed or that joined the group.
    pub updated: u64,
    /// Contacts it had, as they were.
    pub unchanged: u64,
    /// The first [`MAX_REJECTED_LISTED`] rows refused.
    pub rejected: Vec<Rejected>,
    /// Every row refused, listed or not.
    pub rejected_total: u64,
}

impl ImportReport {
    /// Counts one stored row.
    pub fn count(&mut self, change: Change) {
        match change {
            Change::New => self.imported += 1,
            Change::Updated => self.updated += 1,
            Change::Unchanged => self.unchanged += 1,
        }
    }

    /// Counts a refused row, listing it while there is room.
    pub fn reject(&mut self, line: usize, error: &RowError) {
        self.rejected_total += 1;
        if self.rejected.len() < MAX_REJECTED_LISTED {
            self.rejected.push(Rejected {
                line,
                error: error.to_string(),
            });
        }
    }
}

/// The CSV reader of one import, fed the body chunk by chunk.
pub struct ContactCsv {
    csv: csv_core::Reader,
    /// The current row's unquoted bytes, `row_len` of them used.
    row: Box<[u8]>,
    row_len: usize,
    /// Where each of the row's cells ends in `row`, `ends_len` of them.
    ends: [usize; MAX_COLUMNS + 1],
    ends_len: usize,
    /// Cells of the row beyond what `ends` holds, only counted.
    cells_beyond: usize,
    /// The row outgrew `row`: its bytes are dropped as they come.
    overlong: bool,
    /// Inside a row (its first byte read, its end not yet).
    in_row: bool,
    row_line: usize,
    /// Line breaks read so far.
    newlines: usize,
    /// The first bytes, until there are enough to tell a byte order mark.
    head: Option<Vec<u8>>,
    columns: Option<Vec<Column>>,
    seen: HashSet<u64>,
    rows: usize,
    /// [`MAX_IMPORT_ROWS`]; smaller in tests.
    max_rows: usize,
    /// The longest free field value: [`MAX_VALUE_BYTES`] for contacts.
    value_limit: usize,
    stopped: bool,
}

impl Default for ContactCsv {
    fn default() -> ContactCsv {
        ContactCsv {
            csv: csv_core::Reader::new(),
            row: vec![0; MAX_ROW_BYTES].into_boxed_slice(),
            row_len: 0,
            ends: [0; MAX_COLUMNS + 1],
            ends_len: 0,
            cells_beyond: 0,
            overlong: false,
            in_row: false,
            row_line: 0,
            newlines: 0,
            head: Some(Vec::new()),
            columns: None,
            seen: HashSet::new(),
            rows: 0,
            max_rows: MAX_IMPORT_ROWS,
            value_limit: MAX_VALUE_BYTES,
            stopped: false,
        }
    }
}

impl ContactCsv {
    /// Nothing read yet.
    pub fn new() -> ContactCsv {
        ContactCsv::default()
    }

    /// A reader whose free fields may be `limit` bytes long: a campaign's
    /// file of `number,text` rows, whose texts are longer than a
    /// contact's fields may be.
    pub fn with_value_limit(limit: usize) -> ContactCsv {
        ContactCsv {
            value_limit: limit,
            ..ContactCsv::default()
        }
    }

    /// Whether it read [`MAX_IMPORT_ROWS`] and refused the row after: the
    /// rest of the body need not be read.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Reads `chunk`, calling `each` with every row it completes.
    pub fn feed(
        &mut self,
        chunk: &[u8],
        each: &mut impl FnMut(ImportedRow),
    ) -> Result<(), HeaderError> {
        match self.head.as_mut() {
            Some(head) if head.len() + chunk.len() < BYTE_ORDER_MARK.len() => {
                head.extend_from_slice(chunk);
                Ok(())
            }
            Some(_) => {
                let mut head = self.head.take().unwrap_or_default();
                head.extend_from_slice(chunk);
                let body = head.strip_prefix(BYTE_ORDER_MARK).unwrap_or(&head);
                self.read(body, each)
            }
            None => self.read(chunk, each),
        }
    }

    /// The end of the body: its last row, if it had no line break. Refused
    /// when no header came.
    pub fn finish(&mut self, each: &mut impl FnMut(ImportedRow)) -> Result<(), HeaderError> {
        if let Some(head) = self.head.take() {
            let body = head.strip_prefix(BYTE_ORDER_MARK).unwrap_or(&head);
            self.read(body, each)?;
        }
        while !self.stopped {
            let (result, _, written, ended) = self.csv.read_record(
                &[],
                &mut self.row[self.row_len..],
                &mut self.ends[self.ends_len..],
            );
            match result {
                csv_core::ReadRecordResult::Record | csv_core::ReadRecordResult::OutputEndsFull => {
                    self.take(result, written, ended, each)?;
                }
                _ => break,
            }
        }
        match self.columns {
            Some(_) => Ok(()),
            None => Err(HeaderError::Missing),
        }
    }

    fn read(
        &mut self,
        mut input: &[u8],
        each: &mut impl FnMut(ImportedRow),
    ) -> Result<(), HeaderError> {
        while !input.is_empty() && !self.stopped {
            if !self.in_row {
                // Line breaks between rows: blank lines, or the LF of a CRLF.
                let breaks = input
                    .iter()
                    .take_while(|&&byte| byte == b'\r' || byte == b'\n')
                    .count();
                self.newlines += count_newlines(&input[..breaks]);
                input = &input[breaks..];
                if input.is_empty() {
                    break;
                }
                self.in_row = true;
                self.row_line = self.newlines + 1;
            }
            let (result, read, written, ended) = self.csv.read_record(
                input,
                &mut self.row[self.row_len..],
                &mut self.ends[self.ends_len..],
            );
            self.newlines += count_newlines(&input[..read]);
            input = &input[read..];
            self.take(result, written, ended, each)?;
        }
        Ok(())
    }

    /// Takes in what one call of the CSV reader did.
    fn take(
        &mut self,
        result: csv_core::ReadRecordResult,
        written: usize,
        ended: usize,
        each: &mut impl FnMut(ImportedRow),
    ) -> Result<(), HeaderError> {
        self.row_len += written;
        self.ends_len += ended;
        match result {
            csv_core::ReadRecordResult::OutputFull => {
                self.overlong = true;
                self.row_len = 0;
            }
            csv_core::ReadRecordResult::OutputEndsFull => {
                self.cells_beyond += self.ends_len;
                self.ends_len = 0;
            }
            csv_core::ReadRecordResult::Record => self.end_row(each)?,
            csv_core::ReadRecordResult::InputEmpty | csv_core::ReadRecordResult::End => {}
        }
        Ok(())
    }

    fn end_row(&mut self, each: &mut impl FnMut(ImportedRow)) -> Result<(), HeaderError> {
        let line = self.row_line;
        let found = self.cells_beyond + self.ends_len;
        let overlong = self.overlong;
        let mut cells = Vec::with_capacity(self.ends_len);
        if !overlong && self.cells_beyond == 0 {
            let mut start = 0;
            for &end in &self.ends[..self.ends_len] {
                cells.push(self.row.get(start..end).unwrap_or_default());
                start = end;
            }
        }
        let blank = !overlong
            && self.cells_beyond == 0
            && cells.iter().all(|cell| cell.trim_ascii().is_empty());
        let outcome = if blank {
            Ok(())
        } else {
            match &self.columns {
                None if overlong => Err(HeaderError::TooLong),
                None if found > MAX_COLUMNS => Err(HeaderError::TooManyColumns),
                None => header(&cells).map(|columns| self.columns = Some(columns)),
                Some(_) if self.rows >= self.max_rows => {
                    self.stopped = true;
                    each(ImportedRow {
                        line,
                        row: Err(RowError::TooManyRows),
                    });
                    Ok(())
                }
                Some(columns) => {
                    let row = if overlong {
                        Err(RowError::RowTooLong)
                    } else if found != columns.len() {
                        Err(RowError::ColumnCount {
                            expected: columns.len(),
                            found,
                        })
                    } else {
                        contact_row(columns, &cells, &mut self.seen, self.value_limit)
                    };
                    self.rows += 1;
                    each(ImportedRow { line, row });
                    Ok(())
                }
            }
        };
        self.row_len = 0;
        self.ends_len = 0;
        self.cells_beyond = 0;
        self.overlong = false;
        self.in_row = false;
        outcome
    }
}

fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&byte| byte == b'\n').count()
}

/// The columns a header row names.
fn header(cells: &[&[u8]]) -> Result<Vec<Column>, HeaderError> {
    let mut columns = Vec::with_capacity(cells.len());
    for (index, cell) in cells.iter().enumerate() {
        let column = index + 1;
        let text = std::str::from_utf8(cell)
            .map_err(|_| HeaderError::NotUtf8(column))?
            .trim();
        let named = match text.to_ascii_lowercase().as_str() {
            "number" => Column::Number,
            "name" => Column::Name,
            _ => Column::Field(
                free_field_name(text).map_err(|error| HeaderError::Invalid { column, error })?,
            ),
        };
        if columns.contains(&named) {
            return Err(HeaderError::Duplicate {
                column,
                name: named.label().to_string(),
            });
        }
        columns.push(named);
    }
    if !columns.contains(&Column::Number) {
        return Err(HeaderError::NoNumber);
    }
    let fields = columns
        .iter()
        .filter(|column| matches!(column, Column::Field(_)))
        .count();
    if fields > MAX_FIELDS {
        return Err(HeaderError::TooManyColumns);
    }
    Ok(columns)
}

/// One row's cells, as many as `columns`, read as a contact; a number
/// taken is remembered in `seen`.
fn contact_row(
    columns: &[Column],
    cells: &[&[u8]],
    seen: &mut HashSet<u64>,
    value_limit: usize,
) -> Result<ContactRow, RowError> {
    let mut number = None;
    let mut name = None;
    let mut fields = Vec::new();
    for (column, cell) in columns.iter().zip(cells) {
        let text = std::str::from_utf8(cell)
            .map_err(|_| RowError::NotUtf8(column.label().to_string()))?
            .trim();
        let limit = match column {
            Column::Number => usize::MAX,
            Column::Name => MAX_NAME_BYTES,
            Column::Field(_) => value_limit,
        };
        if text.len() > limit {
            return Err(RowError::TooLong {
                column: column.label().to_string(),
                limit,
            });
        }
        match column {
            Column::Number => {
                number = Some(ListedNumber::parse(text).map_err(RowError::BadNumber)?);
            }
            _ if text.is_empty() => {}
            Column::Name => name = Some(text.to_string()),
            Column::Field(field) => fields.push((field.clone(), text.to_string())),
        }
    }
    // The header names a number column, and the row has every column.
    let number = number.ok_or(RowError::ColumnCount {
        expected: columns.len(),
        found: cells.len(),
    })?;
    if !seen.insert(number.value()) {
        return Err(RowError::Duplicate(number));
    }
    Ok(ContactRow {
        number,
        name,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> ListedNumber {
        ListedNumber::parse(text).unwrap()
    }

    /// Every row of `chunks` read in order, or the header's error.
    fn read(chunks: &[&[u8]]) -> Result<Vec<ImportedRow>, HeaderError> {
        let mut csv = ContactCsv::new();
        let mut rows = Vec::new();
        let mut each = |row| rows.push(row);
        for chunk in chunks {
            csv.feed(chunk, &mut each)?;
        }
        csv.finish(&mut each)?;
        Ok(rows)
    }

    fn row(number_text: &str, name: Option<&str>, fields: &[(&str, &str)]) -> ContactRow {
        ContactRow {
            number: number(number_text),
            name: name.map(str::to_string),
            fields: fields
                .iter()
                .map(|(field, value)| (field.to_string(), value.to_string()))
                .collect(),
        }
    }

    fn errors(rows: &[ImportedRow]) -> Vec<(usize, String)> {
        rows.iter()
            .filter_map(|row| {
                row.row
                    .as_ref()
                    .err()
                    .map(|error| (row.line, error.to_string()))
            })
            .collect()
    }

    #[test]
    fn rows_are_read_with_quotes_across_chunks_a_bom_crlf_and_blank_lines() {
        let body = "\u{FEFF}Number , NAME,City\r\n\
                    +34600000001,\"Pérez, Ana\",Madrid\r\n\
                    \r\n\
                    34600000002,\"Bob \"\"the\"\" builder\",\"Line\nbreak\"\n\
                    ,,\n\
                    34600000003,,\n\
                    34600000004,Dee,Bilbao";
        let bytes = body.as_bytes();
        // Every split, the byte order mark's included, reads the same.
        let whole = read(&[bytes]).unwrap();
        for split in 1..bytes.len() {
            let (first, second) = bytes.split_at(split);
            assert_eq!(read(&[first, second]).unwrap(), whole, "split at {split}");
        }
        let single_bytes: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(read(&single_bytes).unwrap(), whole);
        assert_eq!(
            whole,
            vec![
                ImportedRow {
                    line: 2,
                    row: Ok(row(
                        "34600000001",
                        Some("Pérez, Ana"),
                        &[("city", "Madrid")]
                    )),
                },
                ImportedRow {
                    line: 4,
                    row: Ok(row(
                        "34600000002",
                        Some("Bob \"the\" builder"),
                        &[("city", "Line\nbreak")]
                    )),
                },
                ImportedRow {
                    line: 7,
                    row: Ok(row("34600000003", None, &[])),
                },
                ImportedRow {
                    line: 8,
                    row: Ok(row("34600000004", Some("Dee"), &[("city", "Bilbao")])),
                },
            ]
        );
    }

    #[test]
    fn broken_rows_are_refused_with_their_line_and_the_rest_read() {
        let mut body = b"number,name,city\n\
            not-a-number,Ana,Madrid\n\
            34600000001,Ana,Madrid\n\
            0034600000001,Ana again,Madrid\n\
            34600000002,Bob\n\
            34600000003,Cy,Sevilla,extra\n\
            34600000004,\xff\xfe,Cadiz\n"
            .to_vec();
        body.extend_from_slice(format!("34600000005,Eve,{}\n", "x".repeat(300)).as_bytes());
        body.extend_from_slice(
            format!("34600000006,\"{}\",x\n", "y".repeat(MAX_ROW_BYTES)).as_bytes(),
        );
        body.extend_from_slice(b"34600000007,Gil,Vigo\n");
        let rows = read(&[&body]).unwrap();
        assert_eq!(
            errors(&rows),
            vec![
                (2, "bad number: number \"not-a-number\" has 'n' as character 1; only digits, spaces, dashes, dots, parentheses and a leading + or 00 are allowed".to_string()),
                (4, "duplicate in file: 34600000001 is on an earlier line".to_string()),
                (5, "2 columns where the header names 3".to_string()),
                (6, "4 columns where the header names 3".to_string()),
                (7, "column \"name\" is not UTF-8".to_string()),
                (8, "column \"city\" is longer than 256 bytes".to_string()),
                (9, format!("row longer than {MAX_ROW_BYTES} bytes")),
            ]
        );
        let taken: Vec<_> = rows
            .iter()
            .filter_map(|row| row.row.as_ref().ok().map(|row| row.number))
            .collect();
        assert_eq!(taken, [number("34600000001"), number("34600000007")]);
    }

    #[test]
    fn more_cells_than_any_header_may_name_are_counted() {
        let mut body = b"number,name\n34600000001".to_vec();
        body.extend_from_slice(",x".repeat(MAX_COLUMNS * 3).as_bytes());
        let rows = read(&[&body]).unwrap();
        assert_eq!(
            errors(&rows),
            [(
                2,
                format!("{} columns where the header names 2", MAX_COLUMNS * 3 + 1)
            )]
        );
    }

    #[test]
    fn a_header_it_cannot_read_refuses_the_import() {
        assert_eq!(read(&[b""]), Err(HeaderError::Missing));
        assert_eq!(read(&[b"\n\n"]), Err(HeaderError::Missing));
        assert_eq!(read(&[b"name,city\n"]), Err(HeaderError::NoNumber));
        assert_eq!(
            read(&[b"number,City,CITY\n"]),
            Err(HeaderError::Duplicate {
                column: 3,
                name: "city".into()
            })
        );
        assert_eq!(
            read(&[b"number,Name,name\n"]),
            Err(HeaderError::Duplicate {
                column: 3,
                name: "name".into()
            })
        );
        assert!(matches!(
            read(&[b"number,home town\n"]),
            Err(HeaderError::Invalid { column: 2, .. })
        ));
        assert!(matches!(
            read(&[b"number,,city\n"]),
            Err(HeaderError::Invalid { column: 2, .. })
        ));
        assert_eq!(read(&[b"number,\xff\n"]), Err(HeaderError::NotUtf8(2)));
        let wide = format!(
            "number{}\n",
            (0..MAX_FIELDS + 1)
                .map(|i| format!(",f{i}"))
                .collect::<String>()
        );
        assert_eq!(read(&[wide.as_bytes()]), Err(HeaderError::TooManyColumns));
        let long = format!("number,{}\n", "f".repeat(MAX_ROW_BYTES));
        assert_eq!(read(&[long.as_bytes()]), Err(HeaderError::TooLong));
    }

    #[test]
    fn a_row_overwrites_with_its_non_empty_cells_and_keeps_the_rest() {
        let vip = GroupName::parse("vip").unwrap();
        let (stored, change) = row(
            "34600000001",
            Some("Ana"),
            &[("city", "Madrid"), ("plan", "gold")],
        )
        .apply(None, None)
        .unwrap();
        assert_eq!(change, Change::New);
        let (same, change) = row("34600000001", None, &[("city", "Madrid")])
            .apply(Some(&stored), None)
            .unwrap();
        assert_eq!((same.clone(), change), (stored.clone(), Change::Unchanged));
        let (moved, change) = row("34600000001", None, &[("city", "Bilbao")])
            .apply(Some(&stored), Some(&vip))
            .unwrap();
        assert_eq!(change, Change::Updated);
        assert_eq!(moved.name.as_deref(), Some("Ana"));
        assert_eq!(moved.fields["city"], "Bilbao");
        assert_eq!(moved.fields["plan"], "gold");
        assert!(moved.groups.contains(&vip));
        let (_, change) = row("34600000001", None, &[])
            .apply(Some(&moved), Some(&vip))
            .unwrap();
        assert_eq!(change, Change::Unchanged);

        let mut full = Contact::new(number("34600000002"));
        for index in 0..MAX_FIELDS {
            full.fields.insert(format!("f{index}"), "v".into());
        }
        assert_eq!(
            row("34600000002", None, &[("another", "v")]).apply(Some(&full), None),
            Err(ContactError::TooManyFields)
        );
    }

    #[test]
    fn reading_stops_at_the_row_after_the_most_an_import_reads() {
        let mut csv = ContactCsv::new();
        csv.max_rows = 2;
        let mut rows = Vec::new();
        let body = b"number\n34600000001\nbad\n\n34600000002\n34600000003\n";
        csv.feed(body, &mut |row| rows.push(row)).unwrap();
        assert!(csv.stopped());
        assert_eq!(
            errors(&rows),
            [
                (3, "bad number: number \"bad\" has 'b' as character 1; only digits, spaces, dashes, dots, parentheses and a leading + or 00 are allowed".to_string()),
                (5, RowError::TooManyRows.to_string()),
            ]
        );
        assert_eq!(rows.len(), 3);
    }

    #[test]
    fn a_report_lists_a_bounded_number_of_rejected_rows_and_counts_all() {
        let mut report = ImportReport::default();
        for line in 0..MAX_REJECTED_LISTED + 3 {
            report.reject(line + 2, &RowError::RowTooLong);
        }
        report.count(Change::New);
        report.count(Change::Updated);
        assert_eq!(report.rejected.len(), MAX_REJECTED_LISTED);
        assert_eq!(report.rejected_total, MAX_REJECTED_LISTED as u64 + 3);
        assert_eq!(
            (report.imported, report.updated, report.unchanged),
            (1, 1, 0)
        );
    }
}
