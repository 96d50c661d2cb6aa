//! Polls, P2A voting (`mo_apps::poll`; docs/two-way.md#polls): the
//! operator creates, closes and deletes them; the operator and the
//! account that owns a poll read it with its live counts and download its
//! votes as CSV (a customer sees its own polls only; another's is 404).
//! Counts are read from the votes the store holds, so they are exactly
//! what was counted, across restarts.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::{Caller, Operator};
use super::body::Fields;
use super::body_first::BodyFirst;
use super::csv_file::csv_attachment;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::admin::AdminError;
use crate::mo_apps::poll::{Poll, PollOption};
use crate::store::Vote;

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_polls)
        .service(create_poll)
        .service(read_poll)
        .service(poll_votes)
        .service(close_poll)
        .service(delete_poll);
}

/// A poll as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Poll)]
pub(in crate::actors::web) struct PollView {
    /// Unique: 1 to 64 letters, digits, `-`, `_`, `.`.
    pub(in crate::actors::web) id: String,
    /// The account whose MO are the votes, which owns the poll and pays its replies.
    pub(in crate::actors::web) account: String,
    /// The number voters send to (digits).
    pub(in crate::actors::web) number: String,
    /// The first word of a vote (`VOTE A`); null: the option is the first word.
    #[schema(required = true)]
    pub(in crate::actors::web) keyword: Option<String>,
    pub(in crate::actors::web) question: String,
    pub(in crate::actors::web) options: Vec<OptionView>,
    /// When voting ends (RFC 3339).
    pub(in crate::actors::web) closes_at: DateTime<Utc>,
    /// When it was closed early through the API, if it was.
    #[schema(required = true)]
    pub(in crate::actors::web) closed_at: Option<DateTime<Utc>>,
    /// Whether votes count now.
    pub(in crate::actors::web) open: bool,
    /// The answer to a counted vote.
    #[schema(required = true)]
    pub(in crate::actors::web) reply_text: Option<String>,
    /// The answer to a vote after closing.
    #[schema(required = true)]
    pub(in crate::actors::web) closed_text: Option<String>,
    pub(in crate::actors::web) created_at: DateTime<Utc>,
}

/// One option of a poll.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(as = PollOption)]
pub(in crate::actors::web) struct OptionView {
    /// What a voter types (`A`, `1`, `YES`), compared without case or accents.
    pub(in crate::actors::web) code: String,
    /// What it stands for.
    #[serde(default)]
    pub(in crate::actors::web) label: String,
}

/// A poll with its counts.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PollResults)]
pub(in crate::actors::web) struct ResultsView {
    #[serde(flatten)]
    pub(in crate::actors::web) poll: PollView,
    /// Votes per option, in the poll's order: each phone's last vote.
    pub(in crate::actors::web) counts: Vec<CountView>,
    /// Phones that voted.
    pub(in crate::actors::web) total: u64,
}

/// The votes of one option.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PollCount)]
pub(in crate::actors::web) struct CountView {
    pub(in crate::actors::web) code: String,
    pub(in crate::actors::web) label: String,
    pub(in crate::actors::web) votes: u64,
}

/// An option as a body gives it: its code alone, or code and label.
#[derive(Deserialize)]
#[serde(untagged)]
enum OptionInput {
    Code(String),
    Labelled(OptionView),
}

/// The body of a POST as the document shows it; read field by field.
#[derive(ToSchema)]
#[schema(as = PollInput)]
#[expect(dead_code, reason = "never built: its fields are read by name")]
struct PollBody {
    id: String,
    account: String,
    number: String,
    keyword: Option<String>,
    question: String,
    /// Codes (`["A", "B"]`) or `{"code", "label"}` objects, 1 to 100, unique without case or accents.
    options: Vec<OptionView>,
    /// RFC 3339, in the future.
    closes_at: DateTime<Utc>,
    reply_text: Option<String>,
    closed_text: Option<String>,
}

fn view(poll: &Poll, now: DateTime<Utc>) -> PollView {
    PollView {
        id: poll.id.clone(),
        account: poll.account.clone(),
        number: poll.number.clone(),
        keyword: poll.keyword.clone(),
        question: poll.question.clone(),
        options: poll
            .options
            .iter()
            .map(|option| OptionView {
                code: option.code.clone(),
                label: option.label.clone(),
            })
            .collect(),
        closes_at: poll.closes_at,
        closed_at: poll.closed_at,
        open: poll.is_open(now),
        reply_text: poll.reply_text.clone(),
        closed_text: poll.closed_text.clone(),
        created_at: poll.created_at,
    }
}

/// The poll `id`, if `caller` may see it (another account's is 404, as
/// one that does not exist).
fn visible(state: &WebState, caller: &Caller, id: &str) -> Result<Poll, Problem> {
    state
        .changes
        .mo_apps
        .current()
        .polls
        .iter()
        .find(|poll| poll.id == id && caller.sees(&poll.account))
        .cloned()
        .ok_or_else(|| AdminError::NoPoll(id.to_owned()).into())
}

/// Every vote of `poll`, read off the event loop.
async fn votes(state: &WebState, poll: &Poll) -> Result<Vec<(String, Vote)>, Problem> {
    let store = state.store.clone();
    let id = poll.id.clone();
    Ok(web::block(move || store.votes(&id)).await??)
}

/// `poll` with its counts, read from the votes the store holds.
pub(in crate::actors::web) async fn results(
    state: &WebState,
    poll: &Poll,
) -> Result<ResultsView, Problem> {
    let votes = votes(state, poll).await?;
    let counts = poll.counts(votes.iter().map(|(_, vote)| vote.option.as_str()));
    Ok(ResultsView {
        total: counts.iter().map(|(_, votes)| votes).sum(),
        counts: counts
            .into_iter()
            .zip(&poll.options)
            .map(|((code, votes), option)| CountView {
                code,
                label: option.label.clone(),
                votes,
            })
            .collect(),
        poll: view(poll, Utc::now()),
    })
}

/// Polls: every one for the operator, its own for an account
#[utoipa::path(
    security(("admin" = []), ("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    responses(
        (status = OK, description = "The polls the caller may see, by id.", body = [PollView]),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/polls")]
async fn list_polls(caller: Caller, state: web::Data<WebState>) -> HttpResponse {
    let now = Utc::now();
    let apps = state.changes.mo_apps.current();
    let mut views: Vec<PollView> = apps
        .polls
        .iter()
        .filter(|poll| caller.sees(&poll.account))
        .map(|poll| view(poll, now))
        .collect();
    views.sort_by(|a, b| a.id.cmp(&b.id));
    HttpResponse::Ok().json(views)
}

/// Create a poll; votes count from the next MO (admin)
#[utoipa::path(
    security(("admin" = [])),
    request_body = PollBody,
    responses(
        (status = CREATED, description = "The poll, no votes yet.", body = ResultsView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = CONFLICT, description = "A poll has this id (field id), or an open poll of the account takes votes on the same number and keyword (field keyword).", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/api/v1/polls")]
async fn create_poll(
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let mut fields = Fields::parse(&body)?;
    let options: Vec<OptionInput> = fields.required("options")?;
    let poll = Poll {
        id: fields.required("id")?,
        account: fields.required("account")?,
        number: fields.required("number")?,
        keyword: fields.optional("keyword")?,
        question: fields.required("question")?,
        options: options
            .into_iter()
            .map(|option| match option {
                OptionInput::Code(code) => PollOption {
                    code,
                    label: String::new(),
                },
                OptionInput::Labelled(OptionView { code, label }) => PollOption { code, label },
            })
            .collect(),
        closes_at: fields.required("closes_at")?,
        reply_text: fields.optional("reply_text")?,
        closed_text: fields.optional("closed_text")?,
        created_at: Utc::now(),
        closed_at: None,
    };
    fields.finish()?;
    let poll = state.changes.create_poll(poll).await?;
    Ok(HttpResponse::Created().json(results(&state, &poll).await?))
}

/// A poll with its live counts: the operator's, or the owning account's
#[utoipa::path(
    security(("admin" = []), ("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    params(("id" = String, Path, description = "The poll's id.")),
    responses(
        (status = OK, description = "The poll, votes per option and in all.", body = ResultsView),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, description = "No such poll, or another account's.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/api/v1/polls/{id}")]
async fn read_poll(
    id: web::Path<String>,
    caller: Caller,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let poll = visible(&state, &caller, &id)?;
    Ok(HttpResponse::Ok().json(results(&state, &poll).await?))
}

/// Every counted vote of a poll as CSV: the operator's, or the owning account's
#[utoipa::path(
    security(("admin" = []), ("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    params(("id" = String, Path, description = "The poll's id.")),
    responses(
        (status = OK, description = "CSV with a header row: number, option, time (RFC 3339); each phone's last vote, by number.", body = String, content_type = "text/csv"),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, description = "No such poll, or another account's.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/api/v1/polls/{id}/votes.csv")]
async fn poll_votes(
    id: web::Path<String>,
    caller: Caller,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let poll = visible(&state, &caller, &id)?;
    votes_csv(&state, &poll).await
}

/// Every counted vote of `poll` as a CSV attachment: a header row, then
/// number, option and time (RFC 3339) of each phone's last vote.
pub(in crate::actors::web) async fn votes_csv(
    state: &WebState,
    poll: &Poll,
) -> Result<HttpResponse, Problem> {
    let votes = votes(state, poll).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let rows = std::iter::once(["number".to_owned(), "option".to_owned(), "time".to_owned()])
        .chain(votes.into_iter().map(|(number, vote)| {
            [
                number,
                vote.option,
                vote.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            ]
        }));
    for row in rows {
        writer.write_record(&row).map_err(Problem::internal)?;
    }
    csv_attachment(writer, &format!("{}-votes.csv", poll.id))
}

/// Close a poll now: later votes are not counted (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("id" = String, Path, description = "The poll's id.")),
    responses(
        (status = OK, description = "The poll, closed, with its counts.", body = ResultsView),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[post("/api/v1/polls/{id}/close")]
async fn close_poll(
    id: web::Path<String>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let poll = state.changes.close_poll(&id).await?;
    Ok(HttpResponse::Ok().json(results(&state, &poll).await?))
}

/// Delete a poll and its votes (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("id" = String, Path, description = "The poll's id.")),
    responses(
        (status = NO_CONTENT, description = "Deleted, with its votes."),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[delete("/api/v1/polls/{id}")]
async fn delete_poll(
    id: web::Path<String>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    state.changes.delete_poll(&id).await?;
    Ok(HttpResponse::NoContent().finish())
}
