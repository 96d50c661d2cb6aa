//! The frame every UI page shares: the document head (the compiled-in
//! stylesheet, nothing from another host), the top bar with the role's
//! navigation, the language switch and logout, a flash message, and the
//! page's own content. Also the small pieces pages repeat: a state badge,
//! a CSRF field, an account chooser.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use maud::{DOCTYPE, Markup, html};

use super::i18n::{Lang, Text};
use super::session::{Session, Who};
use crate::actors::web::state::WebState;

/// Where a page sits in the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Dashboard,
    Accounts,
    Sessions,
    Gateways,
    Routes,
    Quality,
    Home,
    Messages,
    Campaigns,
    Inbox,
    MoRoutes,
    Autoreplies,
    Polls,
    Contacts,
    Conversations,
    OptOuts,
    Dnd,
    Callbacks,
    Rules,
    Audit,
    Mail,
    Reports,
    Settings,
    None,
}

/// A group of the side bar: its heading, and its links (the section each
/// marks as the current page, where it goes, its text).
type NavGroup = (Option<Text>, &'static [(Section, &'static str, Text)]);

/// The operator's pages. Playwright's tests click links by their text, so
/// a link whose text holds another's ("Routes", "MO routes") comes first.
const OPERATOR_NAV: &[NavGroup] = &[
    (None, &[(Section::Dashboard, "/ui/", Text::Dashboard)]),
    (
        Some(Text::NavCustomers),
        &[
            (Section::Accounts, "/ui/accounts", Text::Accounts),
            (Section::Sessions, "/ui/sessions", Text::Sessions),
        ],
    ),
    (
        Some(Text::NavTraffic),
        &[
            (Section::Messages, "/ui/messages", Text::Messages),
            (Section::Campaigns, "/ui/campaigns", Text::Campaigns),
            (Section::Reports, "/ui/reports", Text::Reports),
            (Section::Callbacks, "/ui/callbacks", Text::DeadLetters),
        ],
    ),
    (
        Some(Text::NavRouting),
        &[
            (Section::Routes, "/ui/routes", Text::Routes),
            (Section::Gateways, "/ui/gateways", Text::Gateways),
            (Section::Quality, "/ui/quality", Text::RouteQuality),
        ],
    ),
    (
        Some(Text::NavTwoWay),
        &[
            (Section::Inbox, "/ui/inbox", Text::Inbox),
            (Section::MoRoutes, "/ui/mo-routes", Text::MoRoutes),
            (Section::Autoreplies, "/ui/autoreplies", Text::Autoreplies),
            (Section::Polls, "/ui/polls", Text::Polls),
        ],
    ),
    (
        Some(Text::NavFiltering),
        &[
            (Section::Rules, "/ui/rules", Text::Rules),
            (Section::Dnd, "/ui/dnd", Text::Dnd),
        ],
    ),
    (
        Some(Text::NavLogs),
        &[
            (Section::Audit, "/ui/audit", Text::AuditLog),
            (Section::Mail, "/ui/mail", Text::MailLog),
        ],
    ),
];

/// The customer's pages.
const CUSTOMER_NAV: &[NavGroup] = &[(
    None,
    &[
        (Section::Home, "/ui/me", Text::Home),
        (Section::Messages, "/ui/me/messages", Text::Messages),
        (Section::Campaigns, "/ui/me/campaigns", Text::Campaigns),
        (Section::Contacts, "/ui/me/contacts", Text::Contacts),
        (
            Section::Conversations,
            "/ui/me/conversations",
            Text::Conversations,
        ),
        (Section::OptOuts, "/ui/me/opt-outs", Text::OptOuts),
        (Section::Reports, "/ui/me/reports", Text::Reports),
        (Section::Settings, "/ui/me/settings", Text::Settings),
    ],
)];

/// What the frame needs to know about the request.
pub struct Frame<'a> {
    pub lang: Lang,
    /// The logged-in session, if any.
    pub session: Option<&'a Session>,
    pub section: Section,
    /// This page's path, where the language switch comes back to.
    pub path: &'a str,
}

/// A message at the top of the page, from the last action.
pub enum Flash {
    Ok(String),
    Bad(String),
}

impl Frame<'_> {
    /// `text` in this page's language.
    pub fn t(&self, text: Text) -> &'static str {
        text.in_(self.lang)
    }

    /// The whole page: `title` and `content` in the frame.
    pub fn page(&self, title: &str, flash: Option<Flash>, content: Markup) -> Markup {
        html! {
            (DOCTYPE)
            html lang=(self.lang.tag()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · " (self.t(Text::AppName)) }
                    link rel="stylesheet" href=(super::assets::STYLESHEET);
                }
                body {
                    (self.top_bar())
                    div.shell {
                        @if !self.nav_groups().is_empty() {
                            (self.side_bar())
                        }
                        main {
                            h1 { (title) }
                            @match flash {
                                Some(Flash::Ok(text)) => div.flash.ok role="status" { (text) },
                                Some(Flash::Bad(text)) => div.flash.bad role="alert" { (text) },
                                None => {},
                            }
                            (content)
                        }
                    }
                }
            }
        }
    }

    /// The links of the side bar, in groups each under its heading (none
    /// for the first): the operator's pages by what they are for, the
    /// customer's in one group.
    fn nav_groups(&self) -> &'static [NavGroup] {
        match self.session.map(|session| &session.who) {
            Some(Who::Operator) => OPERATOR_NAV,
            Some(Who::Customer(_)) => CUSTOMER_NAV,
            None => &[],
        }
    }

    fn top_bar(&self) -> Markup {
        let switch = format!(
            "/ui/lang/{}?back={}",
            self.lang.other().tag(),
            in_url(self.path)
        );
        html! {
            header.top {
                a.brand href="/ui/" { (self.t(Text::AppName)) }
                div.who {
                    a href=(switch) lang=(self.lang.other().tag()) { (self.t(Text::Language)) }
                    @if let Some(session) = self.session {
                        span { (who_name(&session.who)) }
                        form method="post" action="/ui/logout" {
                            (csrf_field(session))
                            button type="submit" { (self.t(Text::LogOut)) }
                        }
                    }
                }
            }
        }
    }

    fn side_bar(&self) -> Markup {
        html! {
            nav.side aria-label="main" {
                @for (heading, links) in self.nav_groups() {
                    div.group {
                        @if let Some(heading) = heading {
                            h2 { (self.t(*heading)) }
                        }
                        @for (section, href, text) in *links {
                            @if *section == self.section {
                                a href=(href) aria-current="page" { (self.t(*text)) }
                            } @else {
                                a href=(href) { (self.t(*text)) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// A message's text, or a "binary" badge for data that is not text.
    pub fn text_or_binary(&self, text: Option<&str>) -> Markup {
        match text {
            Some(text) => html! { (text) },
            None => self.badge(self.t(Text::Binary), Tone::Warn),
        }
    }

    /// A badge for a gateway's or message's state: green, red or amber.
    pub fn badge(&self, text: &str, tone: Tone) -> Markup {
        let class = match tone {
            Tone::Ok => "badge ok",
            Tone::Bad => "badge bad",
            Tone::Warn => "badge warn",
        };
        html! { span class=(class) { (text) } }
    }
}

/// A badge's colour.
#[derive(Debug, Clone, Copy)]
pub enum Tone {
    Ok,
    Bad,
    Warn,
}

/// `text` percent-encoded to stand as a path segment or a query value in
/// a link.
pub fn in_url(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The hidden field a state-changing form posts its session's token in.
pub fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}

/// Every account's system_id, sorted: what an account chooser offers.
pub fn account_ids(state: &WebState) -> Vec<String> {
    let mut accounts: Vec<String> = state.directory.accounts().keys().cloned().collect();
    accounts.sort();
    accounts
}

/// A `select` named `name` of `accounts`, `chosen` selected; its first
/// option, `none`, posts nothing.
pub fn account_select(name: &str, accounts: &[String], chosen: Option<&str>, none: &str) -> Markup {
    html! {
        select name=(name) {
            option value="" { (none) }
            @for account in accounts {
                option value=(account) selected[chosen == Some(account.as_str())] { (account) }
            }
        }
    }
}

fn who_name(who: &Who) -> String {
    match who {
        Who::Operator => "admin".to_owned(),
        Who::Customer(account) => account.to_string(),
    }
}

/// The dashboard's script, which only updates figures the page already
/// shows.
pub fn live_script() -> Markup {
    html! { script src=(super::assets::LIVE_SCRIPT) defer {} }
}

/// A page as the answer: never cached, since it shows one session's data.
pub fn respond(markup: Markup) -> HttpResponse {
    respond_with(StatusCode::OK, markup)
}

/// A page answered with `status`: a refused form shows its page again,
/// with the reason above it and the refusal's status.
pub fn respond_with(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(markup.into_string())
}

/// To `location`, after a form was applied (post, redirect, get).
pub fn see_other(location: impl Into<String>) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location.into()))
        .finish()
}
