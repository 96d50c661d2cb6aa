//! Making a campaign (SPEC §6.2; docs/campaigns.md): `POST
//! /api/v1/campaigns` for listed numbers and the contacts a selection
//! picks (groups, conditions on fields), and `POST /api/v1/campaigns/file`
//! for an uploaded CSV of `number,text` rows (or of `number` and fields,
//! with a template). A customer makes its own; the operator one for the
//! account `?account=` names. The recipients are written before the
//! answer (`campaign_making.rs`); then the campaign's actor starts.

use std::collections::HashSet;

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Utc;
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::AccountInScope;
use super::campaign_making::{Made, Making, MakingError, new_id};
use super::campaigns::{CampaignView, view};
use super::contacts::{bad, group_name, query};
use super::dnd::RejectedView;
use super::list_import::is_text_import;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::protocol::directory::AccountEntry;
use crate::api::{FieldError, MAX_VALIDITY_MINUTES, sender};
use crate::campaigns::quiet_hours::{QuietHours, start_time, zone};
use crate::campaigns::template::{MAX_TEXT_BYTES, Template};
use crate::campaigns::{Audience, DEFAULT_REPLY_WINDOW_HOURS, Definition, Estimate, QuietWindow};
use crate::contacts::import::{ContactCsv, ContactRow, ImportReport, ImportedRow, RowError};
use crate::contacts::{Condition, Contact, Selection};
use crate::lists::ListedNumber;
use crate::lists::import::Rejected;
use crate::model::{AccountId, CampaignId};
use crate::store::{SelectedPage, Store, StoreError};

/// The most numbers one request may list (larger audiences are groups or
/// a file).
pub const MAX_NUMBERS: usize = 100_000;
/// The longest reply window a campaign may ask for: 30 days.
const MAX_REPLY_WINDOW_HOURS: u32 = 30 * 24;
/// Contacts read from the store at once.
const CONTACTS_PAGE: usize = 1_000;

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config.service(create_campaign).service(create_from_file);
}

/// `POST /api/v1/campaigns`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::actors::web) struct CampaignRequest {
    name: String,
    /// The sender: digits (an international number or a short code) or an
    /// alphanumeric id.
    from: String,
    /// The text, with `{{number}}`, `{{name}}`, `{{field}}` and
    /// `{{field|default}}`.
    text: String,
    /// International numbers, at most 100,000.
    #[serde(default)]
    numbers: Vec<String>,
    /// Contacts in any of these groups (with `conditions`: those of them
    /// that meet every condition).
    #[serde(default)]
    groups: Vec<String>,
    /// Conditions on the contacts' fields (`{"field", "op", "value"}`, see
    /// `POST /api/v1/contacts/count`); without `groups`, of all contacts.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    conditions: Vec<Condition>,
    /// Not before (RFC 3339, or a local time in `time_zone`); at once when
    /// absent.
    start_at: Option<String>,
    /// The IANA time zone of `start_at` and of the quiet hours; the
    /// account's `time_zone` when absent.
    time_zone: Option<String>,
    /// Messages per second at most; the account's TPS alone when absent.
    tps: Option<u32>,
    /// No message leaves between `from` and `to` (HH:MM in `time_zone`).
    quiet_hours: Option<QuietInput>,
    /// Each message's validity, in minutes (at most a week).
    #[schema(minimum = 1, maximum = 10080)]
    validity_minutes: Option<u32>,
    /// An MO from a recipient to `from` within this many hours of its
    /// message is a reply (72 when absent, at most 720).
    reply_window_hours: Option<u32>,
}

/// Quiet hours as a body gives them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct QuietInput {
    /// HH:MM.
    from: String,
    /// HH:MM; the next day when earlier than `from`.
    to: String,
}

/// What every campaign may set besides its audience and text, however
/// the request gives it.
struct Settings {
    start_at: Option<String>,
    time_zone: Option<String>,
    tps: Option<u32>,
    /// From and to, HH:MM.
    quiet: Option<(String, String)>,
    validity_minutes: Option<u32>,
    reply_window_hours: Option<u32>,
}

/// `POST /api/v1/campaigns/file`'s parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(in crate::actors::web) struct FileQuery {
    /// The operator's: whose campaign (a customer's own otherwise).
    #[expect(dead_code, reason = "read by AccountInScope; here for the document")]
    account: Option<String>,
    name: String,
    from: String,
    /// A template over the file's columns; absent: each row's `text`.
    text: Option<String>,
    /// As in `POST /api/v1/campaigns`.
    start_at: Option<String>,
    time_zone: Option<String>,
    tps: Option<u32>,
    /// Quiet hours: no message leaves from this time (HH:MM in
    /// `time_zone`) until `quiet_to`.
    quiet_from: Option<String>,
    quiet_to: Option<String>,
    #[param(minimum = 1, maximum = 10080)]
    validity_minutes: Option<u32>,
    reply_window_hours: Option<u32>,
}

impl CampaignRequest {
    fn settings(&self) -> Settings {
        Settings {
            start_at: self.start_at.clone(),
            time_zone: self.time_zone.clone(),
            tps: self.tps,
            quiet: self
                .quiet_hours
                .as_ref()
                .map(|quiet| (quiet.from.clone(), quiet.to.clone())),
            validity_minutes: self.validity_minutes,
            reply_window_hours: self.reply_window_hours,
        }
    }
}

impl FileQuery {
    fn settings(&self) -> Result<Settings, FieldError> {
        let quiet = match (&self.quiet_from, &self.quiet_to) {
            (None, None) => None,
            (Some(from), Some(to)) => Some((from.clone(), to.clone())),
            _ => {
                return Err(FieldError::new(
                    "quiet_from",
                    "quiet hours need both quiet_from and quiet_to",
                ));
            }
        };
        Ok(Settings {
            start_at: self.start_at.clone(),
            time_zone: self.time_zone.clone(),
            tps: self.tps,
            quiet,
            validity_minutes: self.validity_minutes,
            reply_window_hours: self.reply_window_hours,
        })
    }
}

/// What `POST /api/v1/campaigns/file` answers: the campaign, and the rows
/// it refused.
#[derive(Serialize, ToSchema)]
#[schema(as = CampaignFromFile)]
pub(in crate::actors::web) struct FileAnswer {
    #[serde(flatten)]
    pub(in crate::actors::web) campaign: CampaignView,
    /// The first 1000 rows refused: `{"line", "error"}`, lines counted
    /// from 1, the header's being 1.
    #[schema(value_type = Vec<RejectedView>)]
    pub(in crate::actors::web) rejected: Vec<Rejected>,
    /// Every row refused.
    pub(in crate::actors::web) rejected_total: u64,
}

/// The campaign `settings` and the rest describe, not yet with recipients.
fn draft(
    (name, from, text): (&str, &str, Option<&str>),
    settings: &Settings,
    audience: Audience,
    account: &AccountEntry,
    id: CampaignId,
) -> Result<(Definition, Option<Template>), FieldError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(FieldError::new("name", "1 to 100 characters"));
    }
    let from = sender(from)?;
    account
        .terms
        .allowed_senders
        .check(&from)
        .map_err(|refused| FieldError::new("from", refused.to_string()))?;
    let template = text
        .map(Template::parse)
        .transpose()
        .map_err(|error| FieldError::new("text", error.to_string()))?;
    let time_zone = settings
        .time_zone
        .clone()
        .unwrap_or_else(|| account.terms.time_zone.name().to_owned());
    let tz = zone(&time_zone).map_err(|error| FieldError::new("time_zone", error.to_string()))?;
    let quiet_hours = match &settings.quiet {
        None => None,
        Some((from, to)) => {
            QuietHours::parse(from, to, tz)
                .map_err(|error| FieldError::new("quiet_hours", error.to_string()))?;
            Some(QuietWindow {
                from: from.clone(),
                to: to.clone(),
            })
        }
    };
    let start_at = settings
        .start_at
        .as_deref()
        .map(|text| start_time(text, tz))
        .transpose()
        .map_err(|error| FieldError::new("start_at", error.to_string()))?;
    if let Some(minutes) = settings.validity_minutes
        && !(1..=MAX_VALIDITY_MINUTES).contains(&minutes)
    {
        return Err(FieldError::new("validity_minutes", "1 to 10080 (one week)"));
    }
    let reply_window_hours = settings
        .reply_window_hours
        .unwrap_or(DEFAULT_REPLY_WINDOW_HOURS);
    if !(1..=MAX_REPLY_WINDOW_HOURS).contains(&reply_window_hours) {
        return Err(FieldError::new("reply_window_hours", "1 to 720 (30 days)"));
    }
    Ok((
        Definition {
            id,
            account: account.id.clone(),
            name: name.to_owned(),
            from,
            text: text.unwrap_or_default().to_owned(),
            audience,
            start_at,
            tps: settings.tps.unwrap_or(0),
            quiet_hours,
            time_zone,
            validity_minutes: settings.validity_minutes,
            reply_window_hours,
            created_at: Utc::now(),
            total: 0,
            estimate: Estimate::default(),
        },
        template,
    ))
}

/// The selection `groups` and `conditions` make; `None` when both are empty.
fn selection(groups: &[String], conditions: &[Condition]) -> Result<Option<Selection>, Problem> {
    if groups.is_empty() && conditions.is_empty() {
        return Ok(None);
    }
    let groups = groups
        .iter()
        .enumerate()
        .map(|(index, group)| group_name(&format!("groups[{index}]"), group))
        .collect::<Result<Vec<_>, _>>()?;
    Selection::new(groups, conditions.to_vec())
        .map(Some)
        .map_err(|error| bad("conditions", error.to_string()))
}

/// The contacts a selection picks, but for the listed numbers, read a
/// page at a time off the event loop.
struct SelectedContacts<'a> {
    store: std::sync::Arc<Store>,
    account: AccountId,
    selection: Selection,
    listed: &'a HashSet<ListedNumber>,
    after: Option<ListedNumber>,
    ended: bool,
}

impl<'a> SelectedContacts<'a> {
    fn new(
        store: &std::sync::Arc<Store>,
        account: &AccountId,
        selection: &Selection,
        listed: &'a HashSet<ListedNumber>,
    ) -> SelectedContacts<'a> {
        SelectedContacts {
            store: store.clone(),
            account: account.clone(),
            selection: selection.clone(),
            listed,
            after: None,
            ended: false,
        }
    }

    /// The next page (possibly empty), or `None` after the last.
    async fn next_page(&mut self) -> Result<Option<Vec<Contact>>, Problem> {
        if self.ended {
            return Ok(None);
        }
        let (store, account, selection, after) = (
            self.store.clone(),
            self.account.clone(),
            self.selection.clone(),
            self.after,
        );
        let page: SelectedPage = web::block(move || -> Result<_, StoreError> {
            store.selected_page(&account, &selection, after, CONTACTS_PAGE)
        })
        .await??;
        self.after = page.next;
        self.ended = page.next.is_none();
        Ok(Some(
            page.contacts
                .into_iter()
                .filter(|contact| !self.listed.contains(&contact.number))
                .collect(),
        ))
    }
}

/// `contact`'s text: the template filled in from its fields.
fn contact_text(template: &Template, contact: &Contact) -> Result<String, Problem> {
    template
        .render(|field| contact.field(field))
        .map_err(|missing| bad("text", format!("contact {}: {missing}", contact.number)))
}

/// Make a campaign for listed numbers and selected contacts (customers: their own; the operator with ?account=)
///
/// The recipients are `numbers` (each once) and the contacts `groups` and
/// `conditions` select (those not already listed). The template is
/// filled in per recipient; one that names a field a selected contact
/// lacks, without a default, refuses the campaign (400 `text`, naming the
/// contact). A listed number that is not a number is a recipient skipped
/// `invalid`.
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = []), ("admin" = [])),
    params(("account" = Option<String>, Query, description = "The operator names the account.")),
    request_body = CampaignRequest,
    responses(
        (status = CREATED, description = "Made, and scheduled or running.", body = CampaignView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[post("/api/v1/campaigns")]
async fn create_campaign(
    AccountInScope(account): AccountInScope,
    request: web::Json<CampaignRequest>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let made = make_campaign(&state, &account, request.into_inner()).await?;
    Ok(HttpResponse::Created().json(made))
}

/// Makes the campaign `request` asks of `account`: checked whole, its
/// recipients written, its actor started.
pub(in crate::actors::web) async fn make_campaign(
    state: &WebState,
    account: &AccountEntry,
    request: CampaignRequest,
) -> Result<CampaignView, Problem> {
    let selection = selection(&request.groups, &request.conditions)?;
    if request.numbers.len() > MAX_NUMBERS {
        return Err(bad(
            "numbers",
            format!("at most {MAX_NUMBERS} numbers per request; more go in a group or a file"),
        ));
    }
    if request.numbers.is_empty() && selection.is_none() {
        return Err(bad("numbers", "numbers, groups or conditions are needed"));
    }
    let audience = Audience {
        groups: request.groups.clone(),
        conditions: (!request.conditions.is_empty())
            .then(|| serde_json::to_string(&request.conditions).unwrap_or_default()),
        numbers: request.numbers.len() as u64,
        file_rows: 0,
    };
    let id = new_id(&state.store)?;
    let (draft, template) = draft(
        (&request.name, &request.from, Some(&request.text)),
        &request.settings(),
        audience,
        account,
        id,
    )?;
    let template = template.ok_or_else(|| bad("text", "the text is empty"))?;
    // Each listed number once; the contacts among them are not picked again.
    let mut listed = HashSet::new();
    let numbers: Vec<&String> = request
        .numbers
        .iter()
        .filter(|number| match ListedNumber::parse(number) {
            Ok(parsed) => listed.insert(parsed),
            Err(_) => true,
        })
        .collect();
    if !numbers.is_empty()
        && let Some((field, _)) = template
            .fields()
            .into_iter()
            .find(|(field, has_default)| *field != "number" && !has_default)
    {
        return Err(bad(
            "text",
            format!(
                "the template names {field:?}, which a listed number does not have, without a default"
            ),
        ));
    }
    // Every selected contact's text can be made before anything is stored.
    if let Some(selection) = &selection {
        let mut pages = SelectedContacts::new(&state.store, &account.id, selection, &listed);
        while let Some(page) = pages.next_page().await? {
            for contact in &page {
                contact_text(&template, contact)?;
            }
        }
    }
    let mut making = Making::new(state.store.clone(), state.routes.current(), draft);
    for number in numbers {
        let text = template
            .render(|field| (field == "number").then_some(number.as_str()))
            .map_err(|missing| bad("text", missing.to_string()))?;
        making.add(number, text).await.map_err(making_problem)?;
    }
    if let Some(selection) = &selection {
        let mut pages = SelectedContacts::new(&state.store, &account.id, selection, &listed);
        while let Some(page) = pages.next_page().await? {
            for contact in &page {
                let text = contact_text(&template, contact)?;
                making
                    .add(&format!("+{}", contact.number), text)
                    .await
                    .map_err(making_problem)?;
            }
        }
    }
    let made = making.finish(Utc::now()).await.map_err(making_problem)?;
    Ok(started(state, made))
}

/// Make a campaign from an uploaded CSV file, streamed (customers: their own; the operator with ?account=)
///
/// `text/csv` with a header row: `number` (required), and `text`, the
/// message for that row, or any columns the `text` parameter's template
/// names (`{{name}}`, `{{code}}`). Rows are refused, with their line, as
/// a contact import refuses them (bad number, a number an earlier row had,
/// column count, not UTF-8, a cell over 3,600 bytes), and for a template
/// field the row lacks; the campaign is made of the rest.
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = []), ("admin" = [])),
    params(FileQuery),
    request_body(content = String, content_type = "text/csv", description = "A header row (number, then text or the template's fields), then one recipient per row."),
    responses(
        (status = CREATED, description = "Made; the rows refused with their line.", body = FileAnswer),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = UNSUPPORTED_MEDIA_TYPE, response = Problem),
    ),
)]
#[post("/api/v1/campaigns/file")]
async fn create_from_file(
    AccountInScope(account): AccountInScope,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let query: FileQuery = query(&request)?;
    if !is_text_import(request.headers()) {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a campaign's file is text/csv with a header row".into(),
        ));
    }
    let answer = campaign_from_file(&state, &account, &query, (payload, 0)).await?;
    Ok(HttpResponse::Created().json(answer))
}

/// Makes the campaign `query` describes for `account` from the CSV that
/// `chunks` carry (the request's body, or a form's file), read as it
/// arrives, `added` lines at their start not the file's (a header the
/// caller gave it): the rows refused are in the answer by their line in
/// the file, a campaign of none is refused whole.
pub(in crate::actors::web) async fn campaign_from_file<E: std::fmt::Display>(
    state: &WebState,
    account: &AccountEntry,
    query: &FileQuery,
    (mut chunks, added): (impl Stream<Item = Result<Bytes, E>> + Unpin, usize),
) -> Result<FileAnswer, Problem> {
    let id = new_id(&state.store)?;
    let (draft, template) = draft(
        (&query.name, &query.from, query.text.as_deref()),
        &query.settings()?,
        Audience::default(),
        account,
        id,
    )?;
    let mut making = Making::new(state.store.clone(), state.routes.current(), draft);
    let mut csv = ContactCsv::with_value_limit(MAX_TEXT_BYTES);
    let mut report = ImportReport::default();
    let mut rows: Vec<ImportedRow> = Vec::new();
    let mut ended = false;
    while !ended {
        let mut each = |row: ImportedRow| {
            rows.push(ImportedRow {
                line: row.line - added,
                ..row
            })
        };
        let read = match chunks.next().await {
            Some(Ok(chunk)) => csv.feed(&chunk, &mut each),
            Some(Err(error)) => {
                return Err(bad("body", format!("the body could not be read: {error}")));
            }
            None => {
                ended = true;
                csv.finish(&mut each)
            }
        };
        read.map_err(|error| bad("header", error.to_string()))?;
        ended |= csv.stopped();
        for ImportedRow { line, row } in rows.drain(..) {
            match row.and_then(|row| row_text(template.as_ref(), row)) {
                Ok((number, text)) => {
                    making
                        .add(&format!("+{number}"), text)
                        .await
                        .map_err(making_problem)?;
                }
                Err(error) => report.reject(line, &error),
            }
        }
    }
    if making.total() == 0 {
        let first = report
            .rejected
            .first()
            .map(|row| format!("; the first, line {}: {}", row.line, row.error))
            .unwrap_or_default();
        return Err(bad(
            "body",
            format!(
                "no row can be sent: {} refused{first}",
                report.rejected_total
            ),
        ));
    }
    let rows = making.total() + report.rejected_total;
    making.set_file_rows(rows);
    let made = making.finish(Utc::now()).await.map_err(making_problem)?;
    Ok(FileAnswer {
        campaign: started(state, made),
        rejected: report.rejected,
        rejected_total: report.rejected_total,
    })
}

/// A file row's number and text: its `text` cell, or the template filled
/// in from its cells.
fn row_text(
    template: Option<&Template>,
    row: ContactRow,
) -> Result<(ListedNumber, String), RowError> {
    let (contact, _) = row.apply(None, None).map_err(RowError::Contact)?;
    let text = match template {
        Some(template) => template
            .render(|field| contact.field(field))
            .map_err(|missing| RowError::Missing(missing.field))?,
        None => contact
            .field("text")
            .map(|text| text.into_owned())
            .ok_or_else(|| RowError::Missing("text".to_owned()))?,
    };
    Ok((contact.number, text))
}

/// Starts the actor of a campaign just stored, and shows it.
fn started(state: &WebState, made: Made) -> CampaignView {
    let Made {
        definition,
        record,
        tally,
    } = made;
    let shown = view(&definition, record.state, record.since, &tally);
    slog::info!(state.logger, "campaign made"; "campaign" => %definition.id,
        "account" => %definition.account, "recipients" => definition.total);
    state.changes.campaigns.start(definition, record);
    shown
}

fn making_problem(error: MakingError) -> Problem {
    match error {
        MakingError::Text(bad_text) => bad("text", bad_text.to_string()),
        MakingError::NoRecipients => bad("numbers", error.to_string()),
        MakingError::Store(error) => error.into(),
    }
}
