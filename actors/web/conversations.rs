//! Conversations (SPEC §6.1): `GET /api/v1/conversations` lists an
//! account's conversations by last activity, `GET
//! /api/v1/conversations/{ours}/{theirs}` reads one in order (and marks
//! it read), `POST /api/v1/conversations/{ours}/{theirs}/messages`
//! replies inside one as `POST /api/v1/messages` sends. Customers see
//! their own; the operator names the account with `?account=`
//! ([`AccountInScope`]). The index is written with the messages
//! themselves (`store::conversations`); this file only reads it, and
//! writes read marks.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::AccountInScope;
use super::body_first::BodyFirst;
use super::customer::accept;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::protocol::directory::AccountEntry;
use crate::api::{FieldError, Recipients, SendRequest, SendResponse};
use crate::conversations::{
    ConversationList, ConversationMessageView, ConversationPage, ConversationView, Direction,
    Party, ReplyRequest, entry_state,
};
use crate::model::AccountId;
use crate::store::{Batch, Conversation, ConversationEntry, ReadMark, Window};

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_conversations)
        .service(read_conversation)
        .service(reply_in_conversation);
}

/// A page's default size, and its largest.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;

/// The query of the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// The operator's: whose conversations (a customer's own otherwise).
    #[expect(dead_code, reason = "read by AccountInScope; here for the document")]
    account: Option<String>,
    /// 1 to 500 (50).
    limit: Option<usize>,
    /// The `next_cursor` of the page before.
    before: Option<String>,
}

/// The query of one conversation.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PageQuery {
    /// The operator's: whose conversation (a customer's own otherwise).
    #[expect(dead_code, reason = "read by AccountInScope; here for the document")]
    account: Option<String>,
    /// 1 to 500 (50).
    limit: Option<usize>,
    /// A `previous_cursor`: the messages just before it.
    before: Option<String>,
    /// A `next_cursor`: the messages stored after it.
    after: Option<String>,
}

/// The operator's `?account=` on the reply.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ReplyQuery {
    /// The operator's: whose conversation (a customer's own otherwise).
    #[expect(dead_code, reason = "read by AccountInScope; here for the document")]
    account: Option<String>,
}

fn bad(field: &str, detail: String) -> Problem {
    Problem::from(FieldError {
        field: field.into(),
        detail,
    })
}

fn query<T: serde::de::DeserializeOwned>(request: &HttpRequest) -> Result<T, Problem> {
    web::Query::<T>::from_query(request.query_string())
        .map(web::Query::into_inner)
        .map_err(|error| Problem::new(StatusCode::BAD_REQUEST, error.to_string()))
}

fn limit(limit: Option<usize>) -> Result<usize, Problem> {
    match limit.unwrap_or(DEFAULT_LIMIT) {
        limit @ 1..=MAX_LIMIT => Ok(limit),
        other => Err(bad(
            "limit",
            format!("{other} is not between 1 and {MAX_LIMIT}"),
        )),
    }
}

fn cursor(field: &str, cursor: Option<&str>) -> Result<Option<u64>, Problem> {
    cursor
        .map(|text| {
            text.parse::<u64>()
                .map_err(|_| bad(field, format!("{text:?} is not a cursor this API gave")))
        })
        .transpose()
}

/// The two parties of the path, normalised; 400 naming the one at fault.
pub(in crate::actors::web) fn parties(path: &(String, String)) -> Result<(Party, Party), Problem> {
    let ours = Party::parse(&path.0).map_err(|error| bad("ours", error.to_string()))?;
    let theirs = Party::parse(&path.1).map_err(|error| bad("theirs", error.to_string()))?;
    Ok((ours, theirs))
}

fn not_found(account: &AccountId, ours: &Party, theirs: &Party) -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        format!("account {account} has no conversation between {ours} and {theirs}"),
    )
}

fn view(conversation: &Conversation) -> ConversationView {
    let summary = &conversation.summary;
    ConversationView {
        ours: conversation.ours.to_string(),
        theirs: conversation.theirs.to_string(),
        last_at: summary.last_at,
        last_direction: summary.last_direction,
        last_text: summary.last_text.clone(),
        unread: conversation.unread(),
        messages: summary.received.saturating_add(summary.sent),
        received: summary.received,
        sent: summary.sent,
    }
}

/// An account's conversations, the most recent first
///
/// Customers see their own; the operator names the account with
/// `?account=`.
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = []), ("admin" = [])),
    params(ListQuery),
    responses(
        (status = OK, description = "One page of conversations.", body = ConversationList),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[get("/api/v1/conversations")]
async fn list_conversations(
    AccountInScope(account): AccountInScope,
    request: HttpRequest,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let query: ListQuery = query(&request)?;
    let limit = limit(query.limit)?;
    let before = cursor("before", query.before.as_deref())?;
    Ok(HttpResponse::Ok().json(list(&state, &account.id, before, limit).await?))
}

/// Up to `limit` of `account`'s conversations active before `before`, the
/// most recently active first.
pub(in crate::actors::web) async fn list(
    state: &WebState,
    account: &AccountId,
    before: Option<u64>,
    limit: usize,
) -> Result<ConversationList, Problem> {
    let store = state.store.clone();
    let id = account.clone();
    let found = web::block(move || store.conversations(&id, before, limit))
        .await
        .map_err(Problem::internal)??;
    let next_cursor = (found.len() == limit)
        .then(|| found.last().map(|last| last.summary.last.to_string()))
        .flatten();
    Ok(ConversationList {
        account: account.to_string(),
        conversations: found.iter().map(view).collect(),
        next_cursor,
    })
}

/// One conversation's messages in order; marks it read
///
/// Without a cursor, the newest messages (oldest of them first). Reading
/// a page that reaches past the read mark moves the mark to its newest
/// message, so the MO up to it are no longer unread.
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = []), ("admin" = [])),
    params(
        ("ours" = String, Path, description = "The account's number or sender id, any way written (+34911000000, 0034911000000, 34911000000)."),
        ("theirs" = String, Path, description = "The other number, any way written."),
        PageQuery,
    ),
    responses(
        (status = OK, description = "One page of the conversation.", body = ConversationPage),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[get("/api/v1/conversations/{ours}/{theirs}")]
async fn read_conversation(
    AccountInScope(account): AccountInScope,
    request: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let (ours, theirs) = parties(&path)?;
    let query: PageQuery = query(&request)?;
    let limit = limit(query.limit)?;
    let window = match (
        cursor("before", query.before.as_deref())?,
        cursor("after", query.after.as_deref())?,
    ) {
        (Some(_), Some(_)) => {
            return Err(bad("after", "give before or after, not both".into()));
        }
        (Some(before), None) => Window::Before(before),
        (None, Some(after)) => Window::After(after),
        (None, None) => Window::Latest,
    };
    let shown = page(
        &state,
        &account.id,
        (ours, theirs),
        (window, limit),
        Reader::Account,
    )
    .await?;
    Ok(HttpResponse::Ok().json(shown))
}

/// Whether reading a page of a conversation moves its read mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::actors::web) enum Reader {
    /// The account (or the API on its behalf): the mark moves to the
    /// page's newest message.
    Account,
    /// The operator looking from the console: the mark stays.
    Onlooker,
}

/// A page of `account`'s conversation between `ours` and `theirs`, in
/// order; for the account's `reader`, the read mark moved to its newest
/// message.
pub(in crate::actors::web) async fn page(
    state: &WebState,
    account: &AccountId,
    (ours, theirs): (Party, Party),
    (window, limit): (Window, usize),
    reader: Reader,
) -> Result<ConversationPage, Problem> {
    let store = state.store.clone();
    let id = account.clone();
    let (found, has_before, entries, states) = {
        let (ours, theirs) = (ours.clone(), theirs.clone());
        web::block(move || -> Result<_, crate::store::StoreError> {
            let Some(found) = store.conversation(&id, &ours, &theirs)? else {
                return Ok((None, false, Vec::new(), Vec::new()));
            };
            let entries = store.conversation_messages(&id, &ours, &theirs, window, limit)?;
            let has_before = match entries.first() {
                Some((first, _)) => store.conversation_has_before(&id, &ours, &theirs, *first)?,
                None => false,
            };
            let mut states = Vec::with_capacity(entries.len());
            for (_, entry) in &entries {
                states.push(mt_state(&store, entry)?);
            }
            Ok((Some(found), has_before, entries, states))
        })
        .await
        .map_err(Problem::internal)??
    };
    let mut conversation = found.ok_or_else(|| not_found(account, &ours, &theirs))?;
    if let Some((newest, entry)) = entries.last()
        && reader == Reader::Account
        && conversation.read.is_none_or(|mark| mark.through < *newest)
    {
        let mark = ReadMark {
            through: *newest,
            received: entry.received,
        };
        let mut batch = Batch::new();
        batch.mark_conversation_read(account, &ours, &theirs, &mark);
        state.store.commit(batch).await?;
        conversation.read = Some(mark);
    }
    let previous_cursor = has_before
        .then(|| entries.first().map(|(first, _)| first.to_string()))
        .flatten();
    let next_cursor = entries
        .last()
        .map(|(last, _)| *last)
        .or(match window {
            Window::After(after) => Some(after),
            Window::Before(before) => before.checked_sub(1),
            Window::Latest => None,
        })
        .map(|cursor| cursor.to_string());
    let messages = entries
        .into_iter()
        .zip(states)
        .map(|((_, entry), state)| ConversationMessageView {
            direction: entry.direction,
            id: entry
                .ids
                .first()
                .map(ToString::to_string)
                .unwrap_or_default(),
            ids: entry.ids.iter().map(ToString::to_string).collect(),
            text: entry.text,
            at: entry.at,
            state,
        })
        .collect();
    Ok(ConversationPage {
        account: account.to_string(),
        ours: ours.to_string(),
        theirs: theirs.to_string(),
        messages,
        unread: conversation.unread(),
        previous_cursor,
        next_cursor,
    })
}

/// The state an MT entry shows (`conversations::entry_state`); `None` for
/// an MO.
fn mt_state(
    store: &crate::store::Store,
    entry: &ConversationEntry,
) -> Result<Option<crate::model::MessageState>, crate::store::StoreError> {
    if entry.direction == Direction::Mo {
        return Ok(None);
    }
    let mut states = Vec::with_capacity(entry.ids.len());
    for id in &entry.ids {
        if let Some(message) = store.message(*id)? {
            states.push(message.state());
        }
    }
    Ok(entry_state(&states))
}

/// Reply inside a conversation
///
/// The body is `{"text"}` (only). A customer submission from `ours` to
/// `theirs` through the account's
/// accept path: sender rules, content, opt-out and DND checks, TPS and
/// credit apply, and it answers as `POST /api/v1/messages`. The reply
/// joins the conversation like any MT.
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = []), ("admin" = [])),
    params(
        ("ours" = String, Path, description = "The account's number: the reply's sender."),
        ("theirs" = String, Path, description = "The other number: the reply's destination."),
        ReplyQuery,
    ),
    request_body = ReplyRequest,
    responses(
        (status = ACCEPTED, description = "Durably accepted.", body = SendResponse),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = PAYMENT_REQUIRED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
        (status = TOO_MANY_REQUESTS, response = Problem),
        (status = PAYLOAD_TOO_LARGE, response = Problem),
    ),
)]
#[post("/api/v1/conversations/{ours}/{theirs}/messages")]
async fn reply_in_conversation(
    BodyFirst {
        body,
        caller: AccountInScope(account),
        read,
    }: BodyFirst<web::Json<serde_json::Value>, AccountInScope>,
    path: web::Path<(String, String)>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    // Read as JSON before the caller is known, as a field after.
    let ReplyRequest { text } = serde_json::from_value(body.into_inner())
        .map_err(|error| bad("body", error.to_string()))?;
    let (ours, theirs) = parties(&path)?;
    let sent = reply(&state, &account, &ours, &theirs, text, read).await?;
    Ok(HttpResponse::Accepted().json(sent))
}

/// Sends `text` from `ours` to `theirs` inside `account`'s conversation
/// between them, as a send does; 404 when there is none.
pub(in crate::actors::web) async fn reply(
    state: &WebState,
    account: &AccountEntry,
    ours: &Party,
    theirs: &Party,
    text: String,
    read: std::time::Instant,
) -> Result<SendResponse, Problem> {
    if !theirs.is_number() {
        return Err(bad(
            "theirs",
            format!("{theirs:?} is a sender id, not a number a reply can go to"),
        ));
    }
    if state
        .store
        .conversation(&account.id, ours, theirs)?
        .is_none()
    {
        return Err(not_found(&account.id, ours, theirs));
    }
    let request = SendRequest {
        to: Recipients::One(theirs.to_string()),
        from: ours.to_string(),
        text,
        receipt: true,
        validity_minutes: None,
        scheduled_at: None,
        client_reference: None,
        callback_url: None,
        priority: None,
    };
    accept(account, &request, read, state).await
}
