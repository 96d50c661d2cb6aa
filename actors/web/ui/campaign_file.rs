//! The customer's file of numbers sent from the send page (whose form is
//! `customer.rs`'s): `POST /ui/me/campaigns/file` makes it a campaign as
//! the API's `POST /api/v1/campaigns/file` does (`campaign_create.rs`): a
//! CSV with a header row (`number`, then `text` or the fields the form's
//! text names) or a plain list of numbers, with
//! the form's start time, TPS and quiet hours. The answer is the new
//! campaign's page with the rows refused by line; a file with no row to
//! send, or refused whole, is said above the send page.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use maud::html;
use serde_json::json;
use slog::info;

use super::campaign_form::FormSettings;
use super::campaigns::detail;
use super::customer::home_page;
use super::guard::{CustomerPage, UiError};
use super::i18n::Text;
use super::layout::{Flash, Section, respond, respond_with};
use super::upload::{Upload, receive, refused_rows};
use crate::actors::web::campaign_create::{FileQuery, campaign_from_file};
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;

/// Registers this file's route.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(send_file);
}

/// The send page with `text` above it, answered with `status`.
fn refused(
    request: &HttpRequest,
    customer: &CustomerPage,
    state: &WebState,
    status: StatusCode,
    text: String,
) -> Result<HttpResponse, UiError> {
    let markup = home_page(request, customer, state, Some(Flash::Bad(text)))?;
    Ok(respond_with(status, markup))
}

/// The API's parameters from the form's fields.
fn file_query(upload: &Upload) -> Result<FileQuery, Problem> {
    let mut query = json!({"name": upload.field("name"), "from": upload.field("from")});
    let text = upload.field("text").replace("\r\n", "\n");
    if !text.is_empty() {
        query["text"] = json!(text);
    }
    let settings = FormSettings {
        start_at: upload.field("start_at").to_owned(),
        tps: upload.field("tps").to_owned(),
        quiet_from: upload.field("quiet_from").to_owned(),
        quiet_to: upload.field("quiet_to").to_owned(),
    };
    settings.lay_into(&mut query, false)?;
    serde_json::from_value(query)
        .map_err(|refused| Problem::new(StatusCode::BAD_REQUEST, refused.to_string()))
}

#[post("/ui/me/campaigns/file")]
async fn send_file(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    form: Multipart,
) -> Result<HttpResponse, UiError> {
    let lang = customer.logged.lang;
    let upload = match receive(&request, form, &customer.logged).await? {
        Ok(upload) => upload,
        Err(refusal) => {
            return refused(
                &request,
                &customer,
                &state,
                refusal.status(),
                refusal.text(lang),
            );
        }
    };
    let query = match file_query(&upload) {
        Ok(query) => query,
        Err(problem) => {
            return refused(
                &request,
                &customer,
                &state,
                problem.status(),
                problem.to_string(),
            );
        }
    };
    let made = campaign_from_file(&state, &customer.account, &query, upload.file).await;
    let answer = match made {
        Ok(answer) => answer,
        Err(problem) => {
            return refused(
                &request,
                &customer,
                &state,
                problem.status(),
                problem.to_string(),
            );
        }
    };
    let campaign = &answer.campaign;
    info!(state.logger, "campaign made from a file in the web UI";
        "account" => %customer.account.id, "campaign" => campaign.id,
        "recipients" => campaign.total, "refused" => answer.rejected_total);
    let path = format!("/ui/me/campaigns/{}", campaign.id);
    let frame = customer.logged.frame(Section::Campaigns, &path);
    let flash = Flash::Ok(format!(
        "{}: {} {}",
        frame.t(Text::CampaignFromFile),
        campaign.total,
        frame.t(Text::Recipients).to_lowercase()
    ));
    let content = html! {
        (refused_rows(&frame, &answer.rejected, answer.rejected_total))
        (detail(&frame, &customer.logged, campaign, "/ui/me/campaigns"))
    };
    Ok(respond(frame.page(
        &format!("{} {}", frame.t(Text::Campaign), campaign.name),
        Some(flash),
        content,
    )))
}
