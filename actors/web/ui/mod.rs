//! The built-in web UI under `/ui/` (SPEC §4.1): server-rendered pages
//! (maud, checked at compile time), the stylesheet and one small script
//! compiled in, usable without JavaScript, in English and Spanish. The
//! operator and every customer log in with the same form and land on
//! their own home; each page's handler says who may see it
//! (`guard.rs`), and every state-changing form carries the session's
//! CSRF token.
//!
//! | file | pages |
//! |---|---|
//! | `login.rs` | `GET`/`POST /ui/login`, `POST /ui/logout`, `GET /ui/lang/{code}` |
//! | `dashboard.rs` (operator) | `GET /ui/` (a customer is sent to `/ui/me`), `GET /ui/events` (live figures, server-sent events) |
//! | `accounts.rs` (operator) | `GET`/`POST /ui/accounts`, `GET /ui/accounts/{id}`, `POST /ui/accounts/{id}/credit`, `POST /ui/accounts/{id}/suspension` |
//! | `sessions.rs` (operator) | `GET /ui/sessions`, `POST /ui/sessions/{id}/disconnect` |
//! | `gateways.rs` (operator) | `GET`/`POST /ui/gateways`, `GET`/`POST /ui/gateways/{name}`, `POST /ui/gateways/{name}/stop`, `/start` |
//! | `quality.rs` (operator) | `GET /ui/quality`, `POST /ui/quality/probes` |
//! | `routes.rs` (operator) | `GET /ui/routes` (and "test a number", `?edit=`), `POST /ui/routes`, `POST /ui/routes/{index}`, `POST /ui/routes/{index}/delete` |
//! | `customer.rs` (customer) | `GET /ui/me`, `POST /ui/me/send` |
//! | `campaign_file.rs` (customer) | `POST /ui/me/campaigns/file` (a file of numbers sent as a campaign) |
//! | `campaign_form.rs` (customer) | no route: the campaign forms' fields, read and drawn (rows of conditions, settings) |
//! | `messages.rs` (both) | `GET /ui/messages`, `/ui/messages/{id}`, `/ui/messages.csv` (operator, every account or one); `GET /ui/me/messages`, `/ui/me/messages/{id}`, `/ui/me/messages.csv` (customer) |
//! | `campaigns.rs` (both) | `GET /ui/campaigns`, `/ui/campaigns/{id}`, `/ui/campaigns/{id}/recipients.csv`, `POST /ui/campaigns/{id}/{action}` (operator); `GET`/`POST /ui/me/campaigns`, `GET /ui/me/campaigns/{id}`, `/ui/me/campaigns/{id}/recipients.csv`, `POST /ui/me/campaigns/{id}/{action}` (customer) |
//! | `inbox.rs` (operator) | `GET /ui/inbox` (unrouted MO; an account's conversations that received MO), `GET /ui/inbox/{account}/{ours}/{theirs}` (`?before=`: older pages) |
//! | `received.rs` (operator) | `GET /ui/inbox/received` (every routed MO, newest first, across conversations) |
//! | `mo_routes.rs` (operator) | `GET`/`POST /ui/mo-routes`, `POST /ui/mo-routes/delete` |
//! | `autoreplies.rs` (operator) | `GET`/`POST /ui/autoreplies` (`?edit=`), `POST /ui/autoreplies/{name}`, `POST /ui/autoreplies/{name}/delete` |
//! | `polls.rs` (operator) | `GET`/`POST /ui/polls`, `GET /ui/polls/{id}`, `/ui/polls/{id}/votes.csv`, `POST /ui/polls/{id}/close`, `/delete` |
//! | `rules.rs` (operator) | `GET`/`POST /ui/rules` (`?edit=`), `POST /ui/rules/{name}`, `POST /ui/rules/{name}/delete`, `POST /ui/held/{id}/release`, `/drop` |
//! | `dnd.rs` (operator) | `GET`/`POST /ui/dnd`, `POST /ui/dnd/import` (a file), `POST /ui/dnd/remove` |
//! | `audit.rs` (operator) | `GET /ui/audit` |
//! | `mail.rs` (operator) | `GET /ui/mail`, `POST /ui/mail/{id}/resend` |
//! | `callbacks.rs` (operator) | `GET /ui/callbacks`, `POST /ui/callbacks/{id}/replay`, `POST /ui/callbacks/replay` |
//! | `contacts.rs` (customer) | `GET`/`POST /ui/me/contacts`, `POST /ui/me/contacts/import`, `GET`/`POST /ui/me/contacts/{number}` (its name, groups and free fields), `POST /ui/me/contacts/{number}/delete` |
//! | `conversations.rs` (customer) | `GET /ui/me/conversations`, `GET`/`POST /ui/me/conversations/{ours}/{theirs}` (`?before=` pages back) |
//! | `opt_outs.rs` (both) | `GET`/`POST /ui/me/opt-outs`, `POST /ui/me/opt-outs/remove` (customer); `GET`/`POST /ui/accounts/{id}/opt-outs`, `POST /ui/accounts/{id}/opt-outs/remove` (operator) |
//! | `settings.rs` (customer) | `GET /ui/me/settings`, `POST /ui/me/keys`, `POST /ui/me/keys/{id}/revoke`, `POST /ui/me/callback`, `POST /ui/me/email`, `POST /ui/me/password` |
//! | `reports.rs` (both) | `GET /ui/reports`, `/ui/reports/{today,daily,monthly}.csv` (operator); `GET /ui/me/reports`, `/ui/me/reports/{today,daily,monthly}.csv` (customer) |
//! | `assets.rs` | `GET /ui/static/{version}/app.css`, `/live.js` |
//!
//! What the pages share: `session.rs` (the sessions and their tokens),
//! `guard.rs` (the extractors and the error page), `layout.rs` (the
//! frame), `i18n.rs` (the texts in both languages), `chart.rs` (bar
//! charts as SVG), `upload.rs` (a form's file, read as it arrives).
//!
//! These routes are the UI's, not the API's: they are registered on the
//! application directly and are not in the OpenAPI document.

mod accounts;
mod assets;
mod audit;
mod autoreplies;
mod callbacks;
mod campaign_file;
mod campaign_form;
mod campaigns;
mod chart;
mod contacts;
mod conversations;
mod customer;
mod dashboard;
mod dnd;
mod gateways;
mod guard;
mod i18n;
mod inbox;
mod layout;
mod login;
mod mail;
mod messages;
mod mo_routes;
mod opt_outs;
mod polls;
mod quality;
mod received;
mod reports;
mod routes;
mod rules;
pub mod session;
mod sessions;
mod settings;
mod upload;

use actix_web::middleware::DefaultHeaders;
use actix_web::web;

/// What a browser may do with any answer of this listener: load nothing
/// from another host, run no inline script, be framed by no page (no
/// clickjacking), post forms only here, guess no content types, and tell
/// other sites nothing of where it came from. The UI's pages need nothing
/// more; the API's JSON is not affected.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// The headers every answer carries for browsers.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Frame-Options", "DENY"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
}

/// Registers every UI route.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .configure(login::configure)
        .configure(dashboard::configure)
        .configure(accounts::configure)
        .configure(sessions::configure)
        .configure(gateways::configure)
        .configure(routes::configure)
        .configure(quality::configure)
        .configure(customer::configure)
        .configure(messages::configure)
        .configure(campaigns::configure)
        .configure(campaign_file::configure)
        .configure(callbacks::configure)
        .configure(inbox::configure)
        .configure(received::configure)
        .configure(mo_routes::configure)
        .configure(autoreplies::configure)
        .configure(polls::configure)
        .configure(rules::configure)
        .configure(dnd::configure)
        .configure(audit::configure)
        .configure(mail::configure)
        .configure(settings::configure)
        .configure(contacts::configure)
        .configure(conversations::configure)
        .configure(opt_outs::configure)
        .configure(reports::configure)
        .configure(assets::configure);
}
