//! A CSV document the browser saves as a file: the export endpoints
//! (opt-outs, a poll's votes) answer with it.

use actix_web::HttpResponse;

use super::problem::Problem;

/// `writer`'s rows as a `text/csv` attachment named `file_name`.
pub fn csv_attachment(
    writer: csv::Writer<Vec<u8>>,
    file_name: &str,
) -> Result<HttpResponse, Problem> {
    let body = writer
        .into_inner()
        .map_err(|error| Problem::internal(error.into_error()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(body))
}
