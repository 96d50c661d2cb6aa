//! A file sent with a UI form: `multipart/form-data`, which a browser
//! posts without JavaScript. The form's small fields come first and the
//! session's CSRF token among them is checked before a byte of the file
//! is read; then the file, handed on as the chunks arrive (never whole in
//! memory) and refused past [`MAX_UPLOAD_BYTES`]. A plain list of numbers
//! (its first line a number, not a header) is read as a CSV whose header
//! is `number`. Also how a page shows the rows a file had refused.

use std::collections::HashMap;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_multipart::{Field, Multipart};
use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};
use maud::{Markup, html};

use super::guard::{LoggedIn, UiError};
use super::i18n::{Lang, Text};
use super::layout::Frame;
use crate::lists::import::Rejected;

/// The largest upload a form takes: 5 MiB, some 200,000 numbers.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// The largest of the form's other fields.
const MAX_FIELD_BYTES: usize = 4096;
/// The form's field the file comes in, after every other field.
pub const FILE_FIELD: &str = "file";

/// Why an upload is not read; the page says it above the form.
#[derive(Debug)]
pub enum Refusal {
    /// Over [`MAX_UPLOAD_BYTES`], or a field over its own limit.
    TooLarge,
    /// Not a multipart form, or one that cannot be read.
    Unreadable(String),
    /// No file was chosen.
    NoFile,
}

impl Refusal {
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::Unreadable(_) | Refusal::NoFile => StatusCode::BAD_REQUEST,
        }
    }

    /// What the page says, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Refusal::TooLarge => format!(
                "{} {} MiB.",
                Text::UploadTooLarge.in_(lang),
                MAX_UPLOAD_BYTES / (1024 * 1024)
            ),
            Refusal::Unreadable(error) => format!("{} {error}", Text::UploadUnreadable.in_(lang)),
            Refusal::NoFile => Text::NoFileChosen.in_(lang).to_owned(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

/// A form with its file still to read.
pub struct Upload {
    fields: HashMap<String, String>,
    /// The file's chunks, and the lines at their start that the file
    /// does not have: 1 when a plain list was given its header.
    pub file: (FileChunks, usize),
}

impl Upload {
    /// The form's field `name`, trimmed; empty when absent.
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", |value| value.trim())
    }
}

/// The file's chunks: the header a plain list is given, the chunk read to
/// tell, then the rest as it arrives; an error past the limit.
pub struct FileChunks {
    ahead: Vec<Bytes>,
    field: Field,
    /// Holds the form's stream while the field is read.
    _form: Multipart,
    read: usize,
    ended: bool,
}

impl Stream for FileChunks {
    type Item = Result<Bytes, Refusal>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if !this.ahead.is_empty() {
            return Poll::Ready(Some(Ok(this.ahead.remove(0))));
        }
        if this.ended {
            return Poll::Ready(None);
        }
        match this.field.poll_next_unpin(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                this.ended = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(error))) => {
                this.ended = true;
                Poll::Ready(Some(Err(Refusal::Unreadable(error.to_string()))))
            }
            Poll::Ready(Some(Ok(chunk))) => {
                this.read += chunk.len();
                if this.read > MAX_UPLOAD_BYTES {
                    this.ended = true;
                    Poll::Ready(Some(Err(Refusal::TooLarge)))
                } else {
                    Poll::Ready(Some(Ok(chunk)))
                }
            }
        }
    }
}

/// Reads `form` up to its file: the fields before it, the CSRF token
/// checked (a form without it is refused as expired, its file unread).
/// A body declared larger than the limit is refused before it is read.
pub async fn receive(
    request: &HttpRequest,
    mut form: Multipart,
    logged: &LoggedIn,
) -> Result<Result<Upload, Refusal>, UiError> {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_UPLOAD_BYTES + 64 * 1024) {
        return Ok(Err(Refusal::TooLarge));
    }
    let mut fields = HashMap::new();
    loop {
        let mut field = match form.next().await {
            None => {
                logged.check_csrf(fields.get("csrf").map_or("", String::as_str))?;
                return Ok(Err(Refusal::NoFile));
            }
            Some(Err(error)) => return Ok(Err(Refusal::Unreadable(error.to_string()))),
            Some(Ok(field)) => field,
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == FILE_FIELD {
            logged.check_csrf(fields.get("csrf").map_or("", String::as_str))?;
            return Ok(file(fields, field, form).await);
        }
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            match chunk {
                Ok(chunk) if value.len() + chunk.len() <= MAX_FIELD_BYTES => {
                    value.extend_from_slice(&chunk);
                }
                Ok(_) => return Ok(Err(Refusal::TooLarge)),
                Err(error) => return Ok(Err(Refusal::Unreadable(error.to_string()))),
            }
        }
        fields.insert(name, String::from_utf8_lossy(&value).into_owned());
    }
}

/// The file's first chunks, read to tell a plain list from a CSV.
async fn file(
    fields: HashMap<String, String>,
    mut field: Field,
    form: Multipart,
) -> Result<Upload, Refusal> {
    let mut ahead = Vec::new();
    let mut ended = false;
    // Up to the first byte that is not blank (a chosen file is never
    // empty: an empty one is "no file").
    let first = loop {
        match field.next().await {
            None => {
                ended = true;
                break None;
            }
            Some(Err(error)) => return Err(Refusal::Unreadable(error.to_string())),
            Some(Ok(chunk)) => {
                let first = chunk
                    .iter()
                    .copied()
                    .find(|byte| !byte.is_ascii_whitespace());
                ahead.push(chunk);
                if first.is_some() || ahead.iter().map(Bytes::len).sum::<usize>() > 1024 {
                    break first;
                }
            }
        }
    };
    let Some(first) = first else {
        return Err(Refusal::NoFile);
    };
    let plain = first == b'+' || first.is_ascii_digit();
    if plain {
        ahead.insert(0, Bytes::from_static(b"number\n"));
    }
    let read = ahead.iter().map(Bytes::len).sum();
    let chunks = FileChunks {
        ahead,
        field,
        _form: form,
        read,
        ended,
    };
    Ok(Upload {
        fields,
        file: (chunks, usize::from(plain)),
    })
}

/// The rows a file had refused, by their line in it; `total` counts those
/// not listed too.
pub fn refused_rows(frame: &Frame<'_>, rejected: &[Rejected], total: u64) -> Markup {
    html! {
        @if total > 0 {
            div.panel data-refused=(total) {
                h2 { (frame.t(Text::RowsRefused)) ": " (total) }
                div.table-wrap {
                    table {
                        thead { tr { th.num { (frame.t(Text::Line)) } th { (frame.t(Text::Reason)) } } }
                        tbody {
                            @for row in rejected {
                                tr data-line=(row.line) {
                                    td.num { (row.line) }
                                    td { (row.error) }
                                }
                            }
                        }
                    }
                }
                @if (rejected.len() as u64) < total {
                    p.muted { (frame.t(Text::MoreRefused)) }
                }
            }
        }
    }
}
