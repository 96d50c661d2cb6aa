//! A list imported over HTTP (`POST /api/v1/dnd/import`,
//! `POST /api/v1/opt-outs/import`, a file uploaded to `/ui/dnd/import`),
//! read as it arrives: the body (or the uploaded file) is cut
//! into lines from the payload stream and handed on a page of entries at a
//! time, the next chunk read only once the caller has stored the page, so
//! a body of ten million lines never sits in memory. Per-line errors go
//! into the [`ImportReport`].

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::web::{self, Bytes};
use futures_util::StreamExt;
use futures_util::stream::LocalBoxStream;

use super::problem::Problem;
use crate::checks::sender::Sender;
use crate::lists::ListedNumber;
use crate::lists::import::{ImportReport, Line, Lines, read_line};

/// The most entries handed on at once: one store batch.
pub const PAGE: usize = 10_000;

/// One entry of an imported list.
pub struct Entry {
    pub number: ListedNumber,
    pub sender: Option<Sender>,
}

/// The media type of `Content-Type` (its parameters left out), lower-cased.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|essence| essence.trim().to_ascii_lowercase())
}

/// Whether a body is one an import reads: `text/csv` or `text/plain`.
pub fn is_text_import(headers: &HeaderMap) -> bool {
    matches!(
        media_type(headers).as_deref(),
        Some("text/csv" | "text/plain")
    )
}

/// Reads a list from a request body, a page at a time.
pub struct ImportReader {
    /// The body's chunks, or why one could not be read.
    payload: LocalBoxStream<'static, Result<Bytes, String>>,
    lines: Lines,
    with_sender: bool,
    done: bool,
}

impl ImportReader {
    /// A reader of `payload`, which `request` says is `text/csv` or
    /// `text/plain` (415 otherwise); `with_sender` reads the second
    /// column as a sender (opt-outs).
    pub fn new(
        request: &HttpRequest,
        payload: web::Payload,
        with_sender: bool,
    ) -> Result<ImportReader, Problem> {
        if !is_text_import(request.headers()) {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "a list is imported as text/csv (first column the number) or text/plain (one number per line)".into(),
            ));
        }
        Ok(ImportReader::of(payload, with_sender))
    }

    /// A reader of the chunks of `stream` (a request body, or a file in a
    /// form), read as CSV whose first column is the number (one number
    /// per line is such a CSV).
    pub fn of<E: std::fmt::Display>(
        stream: impl futures_util::Stream<Item = Result<Bytes, E>> + 'static,
        with_sender: bool,
    ) -> ImportReader {
        ImportReader {
            payload: stream
                .map(|chunk| chunk.map_err(|error| error.to_string()))
                .boxed_local(),
            lines: Lines::new(),
            with_sender,
            done: false,
        }
    }

    /// The next entries (at least [`PAGE`] unless the body ends), or
    /// `None` at the end; refused lines are counted in `report`.
    pub async fn next_page(
        &mut self,
        report: &mut ImportReport,
    ) -> Result<Option<Vec<Entry>>, Problem> {
        let mut page = Vec::new();
        while page.len() < PAGE && !self.done {
            let with_sender = self.with_sender;
            let mut each = |number: usize, text: Result<&str, String>| match text
                .and_then(|text| read_line(text, number, with_sender))
            {
                Ok(Line::Entry { number, sender }) => page.push(Entry { number, sender }),
                Ok(Line::Blank | Line::Header) => {}
                Err(error) => report.reject(number, error),
            };
            match self.payload.next().await {
                Some(Ok(chunk)) => self.lines.feed(&chunk, &mut each),
                Some(Err(error)) => {
                    return Err(Problem::new(
                        StatusCode::BAD_REQUEST,
                        format!("the body could not be read: {error}"),
                    ));
                }
                None => {
                    self.lines.finish(&mut each);
                    self.done = true;
                }
            }
        }
        Ok((!page.is_empty() || !self.done).then_some(page))
    }
}
