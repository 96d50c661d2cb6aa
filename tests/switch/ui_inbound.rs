//! The operator's web UI pages for incoming messages end to end, over
//! real HTTP against `pasarela serve` with `pasarela sim-smsc` upstream
//! (which answers a message to a number ending in 9999 with an MO from
//! it, so the tests make MO as `mo_routing.rs` does):
//!
//! - an MO no route takes shows as unrouted on `/ui/inbox`; an MO route
//!   added on `/ui/mo-routes` delivers it to the account's receiver, and
//!   the inbox then shows the account's conversation instead, whose own
//!   page shows the MO without marking it read;
//! - an autoreply added on `/ui/autoreplies` answers the next MO;
//! - a poll created on `/ui/polls` counts a vote and closes from its page;
//!   its votes download as CSV, and once deleted from its page it and its
//!   votes are gone and its keyword counts no more;
//! - an autoreply edited on its page (`?edit=`) answers with its new text,
//!   and is disabled by unticking its box;
//! - deleting from the pages takes the route and the rule away;
//! - each action is in the audit log; a customer gets 403, no session is
//!   sent to the login form, a form without its CSRF token or with bad
//!   input changes nothing and says why.

use std::path::Path;
use std::time::{Duration, Instant};

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::common::{ADMIN_PASSWORD, Switch, smpp_gateway, write_config};
use crate::http;
use crate::mo_apps::wait_for_mo;
use crate::mo_routing::{demo, make_mo_from, receiver};
use crate::sim::Sim;
use crate::ui::{browse, csrf_token, ui_login};

const GATEWAY: &str = "operator-a";
const ADMIN: Option<(&str, &str)> = Some(("admin", ADMIN_PASSWORD));
const PHONE: &str = "346000009999";
const VOTER: &str = "346000019999";
const WAIT: Duration = Duration::from_secs(15);

/// Accounts "shop" and "tv" with credit for replies, the route to the
/// simulator, and "tv"'s short code 5555; 12345 has no MO route.
fn start(dir: &Path, upstream: &Sim) -> Switch {
    let config = format!(
        r#"
{gateway}
[[routes]]
prefix = "34600"
gateways = ["{GATEWAY}"]
price = "0.01"

[[accounts]]
system_id = "shop"
password = "shop1234"
credit = "10.00"
allowed_ips = ["127.0.0.0/8"]

[[accounts]]
system_id = "tv"
password = "tv123456"
credit = "10.00"

[[mo_routes]]
number = "5555"
account = "tv"
"#,
        gateway = smpp_gateway(GATEWAY, upstream.addr, "")
    );
    Switch::start(&write_config(dir, &config), &[])
}

/// `pairs` as a form body.
fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", utf8_percent_encode(value, NON_ALPHANUMERIC)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Posts `pairs` to `path` with the CSRF token of the page at `page`.
fn post(
    switch: &Switch,
    session: &str,
    page: &str,
    path: &str,
    pairs: &[(&str, &str)],
) -> http::Answer {
    let shown = browse(switch.http, session, "GET", page, "");
    assert_eq!(shown.status, 200, "{page}: {}", shown.text);
    let token = csrf_token(&shown.text);
    let mut pairs = pairs.to_vec();
    pairs.push(("csrf", &token));
    browse(switch.http, session, "POST", path, &form(&pairs))
}

/// The page at `path` once it shows `text` (bounded).
pub(crate) fn wait_page(switch: &Switch, session: &str, path: &str, text: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let page = browse(switch.http, session, "GET", path, "");
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        if page.text.contains(text) {
            return page.text;
        }
        assert!(
            Instant::now() < deadline,
            "{path} never showed {text:?}: {}",
            page.text
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn api(switch: &Switch, path: &str) -> Value {
    let answer = http::json(switch.http, "GET", path, ADMIN, None);
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body
}

#[test]
fn the_inbound_pages_are_the_operators_and_refuse_forged_or_bad_forms() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let switch = start(dir.path(), &upstream);
    let admin = ui_login(switch.http, ("admin", ADMIN_PASSWORD));
    let shop = ui_login(switch.http, ("shop", "shop1234"));
    for page in ["/ui/inbox", "/ui/mo-routes", "/ui/autoreplies", "/ui/polls"] {
        let answer = http::request(switch.http, "GET", page, None, "text/plain", "");
        assert_eq!(answer.status, 303, "{page}");
        assert!(answer.headers.contains("location: /ui/login"), "{page}");
        assert_eq!(
            browse(switch.http, &shop, "GET", page, "").status,
            403,
            "{page}"
        );
        let shown = browse(switch.http, &admin, "GET", page, "");
        assert_eq!(shown.status, 200, "{page}");
        assert!(
            shown
                .text
                .contains(&format!("href=\"{page}\" aria-current=\"page\"")),
            "{page} in the nav"
        );
    }
    // A customer's form is refused even with its own token.
    let forged = post(
        &switch,
        &shop,
        "/ui/me",
        "/ui/mo-routes",
        &[("number", "12345"), ("account", "shop")],
    );
    assert_eq!(forged.status, 403);
    // No token: refused, nothing stored.
    let bare = form(&[("number", "12345"), ("account", "shop")]);
    let refused = browse(switch.http, &admin, "POST", "/ui/mo-routes", &bare);
    assert_eq!(refused.status, 403);
    let with_wrong = browse(
        switch.http,
        &admin,
        "POST",
        "/ui/autoreplies",
        &format!("{bare}&csrf=wrong&name=x&text=hi"),
    );
    assert_eq!(with_wrong.status, 403);
    assert_eq!(
        api(&switch, "/api/v1/mo-routes").as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        api(&switch, "/api/v1/autoreplies"),
        Value::Array(Vec::new())
    );

    // Bad input: the page again, the reason on it.
    let unknown = post(
        &switch,
        &admin,
        "/ui/mo-routes",
        "/ui/mo-routes",
        &[("number", "12345"), ("account", "nobody")],
    );
    assert_eq!(unknown.status, 400, "{}", unknown.text);
    assert!(
        unknown.text.contains("class=\"flash bad\""),
        "{}",
        unknown.text
    );
    assert!(unknown.text.contains("nobody"), "{}", unknown.text);
    let number = post(
        &switch,
        &admin,
        "/ui/mo-routes",
        "/ui/mo-routes",
        &[("number", "12a45"), ("account", "shop")],
    );
    assert_eq!(number.status, 400, "{}", number.text);
    let template = post(
        &switch,
        &admin,
        "/ui/autoreplies",
        "/ui/autoreplies",
        &[
            ("name", "bad"),
            ("account", "shop"),
            ("number", "12345"),
            ("text", "Hi {{name}}"),
        ],
    );
    assert_eq!(template.status, 400, "{}", template.text);
    assert!(template.text.contains("class=\"flash bad\""));
    let when = post(
        &switch,
        &admin,
        "/ui/polls",
        "/ui/polls",
        &[
            ("id", "p"),
            ("account", "tv"),
            ("number", "5555"),
            ("question", "Q?"),
            ("options", "A, B"),
            ("closes_at", "soon"),
        ],
    );
    assert_eq!(when.status, 400, "{}", when.text);
    assert!(when.text.contains("YYYY-MM-DD"), "{}", when.text);
    let missing = browse(switch.http, &admin, "GET", "/ui/polls/none", "");
    assert_eq!(missing.status, 404);
    let filter = browse(switch.http, &admin, "GET", "/ui/inbox?number=%2Babc", "");
    assert_eq!(filter.status, 400, "{}", filter.text);
    // Nothing refused was stored, or audited.
    assert_eq!(
        api(&switch, "/api/v1/mo-routes").as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(api(&switch, "/api/v1/polls"), Value::Array(Vec::new()));
    let audit = browse(switch.http, &admin, "GET", "/ui/audit", "");
    assert!(!audit.text.contains("POST /ui/mo-routes"), "{}", audit.text);
}

#[test]
fn mo_routes_autoreplies_and_polls_set_on_the_pages_take_effect_and_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let switch = start(dir.path(), &upstream);
    let admin = ui_login(switch.http, ("admin", ADMIN_PASSWORD));
    let mut esme = demo(&switch);

    // No route takes 12345: the MO waits, unrouted, on the inbox page.
    make_mo_from(&mut esme, PHONE, "12345", "early bird");
    let inbox = wait_page(&switch, &admin, "/ui/inbox", "early bird");
    assert!(inbox.contains(PHONE) && inbox.contains(GATEWAY), "{inbox}");
    let filtered = browse(
        switch.http,
        &admin,
        "GET",
        "/ui/inbox?number=%2B34600000000",
        "",
    );
    assert!(
        !filtered.text.contains("early bird"),
        "another number's MO is not shown"
    );
    let kept = browse(
        switch.http,
        &admin,
        "GET",
        &format!("/ui/inbox?number=00{PHONE}"),
        "",
    );
    assert!(kept.text.contains("early bird"));

    // A route added on the page delivers it, and the next.
    let added = post(
        &switch,
        &admin,
        "/ui/mo-routes",
        "/ui/mo-routes",
        &[("number", "+12345"), ("keyword", ""), ("account", "shop")],
    );
    assert_eq!(added.status, 303, "{}", added.text);
    let routes = browse(switch.http, &admin, "GET", "/ui/mo-routes", "");
    assert!(
        routes.text.contains("data-mo-route=\"12345/*\""),
        "{}",
        routes.text
    );
    let mut shop = receiver(&switch, "shop", "shop1234");
    wait_for_mo(&mut shop, PHONE, "early bird");
    let inbox = browse(switch.http, &admin, "GET", "/ui/inbox?account=shop", "");
    assert!(
        !inbox.text.contains("data-unrouted"),
        "routed: {}",
        inbox.text
    );
    assert!(
        inbox
            .text
            .contains(&format!("data-conversation=\"12345/{PHONE}\"")),
        "{}",
        inbox.text
    );
    // The conversation's own page shows the MO, and leaves it unread.
    let unread =
        || api(&switch, "/api/v1/conversations?account=shop")["conversations"][0]["unread"].clone();
    assert_eq!(unread(), 1);
    let thread = browse(
        switch.http,
        &admin,
        "GET",
        &format!("/ui/inbox/shop/12345/{PHONE}"),
        "",
    );
    assert_eq!(thread.status, 200, "{}", thread.text);
    assert!(
        thread.text.contains("data-direction=\"mo\"") && thread.text.contains("early bird"),
        "{}",
        thread.text
    );
    assert_eq!(
        unread(),
        1,
        "the operator's look is not the customer's reading"
    );
    let none = browse(
        switch.http,
        &admin,
        "GET",
        "/ui/inbox/shop/12345/346000000001",
        "",
    );
    assert_eq!(none.status, 404);

    // An autoreply added on the page answers the next MO.
    let rule = post(
        &switch,
        &admin,
        "/ui/autoreplies",
        "/ui/autoreplies",
        &[
            ("name", "hello"),
            ("account", "shop"),
            ("number", "12345"),
            ("keyword", ""),
            ("text", "Thanks {{from}}: {{text}}"),
        ],
    );
    assert_eq!(rule.status, 303, "{}", rule.text);
    assert!(
        browse(switch.http, &admin, "GET", "/ui/autoreplies", "")
            .text
            .contains("data-autoreply=\"hello\"")
    );
    make_mo_from(&mut esme, PHONE, "12345", "hi there");
    wait_for_mo(&mut shop, PHONE, "hi there");
    // The simulator echoes the answer back as an MO.
    wait_for_mo(&mut shop, PHONE, &format!("Thanks {PHONE}: hi there"));

    // A poll created on the page counts a vote, and closes from its page.
    let closes = (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let created = post(
        &switch,
        &admin,
        "/ui/polls",
        "/ui/polls",
        &[
            ("id", "song"),
            ("account", "tv"),
            ("number", "5555"),
            ("keyword", "vote"),
            ("question", "Best song?"),
            ("options", "A=Ay, B=Bee"),
            ("closes_at", &closes),
            ("reply_text", "Thanks for voting"),
            ("closed_text", ""),
        ],
    );
    assert_eq!(created.status, 303, "{}", created.text);
    assert!(
        created.headers.contains("location: /ui/polls/song"),
        "{}",
        created.headers
    );
    make_mo_from(&mut esme, VOTER, "5555", "VOTE b");
    let results = wait_page(&switch, &admin, "/ui/polls/song", "data-total>1<");
    assert!(results.contains("data-option=\"B\""), "{results}");
    assert!(results.contains("Bee"), "{results}");
    assert_eq!(api(&switch, "/api/v1/polls/song")["total"], 1);
    let closed = post(
        &switch,
        &admin,
        "/ui/polls/song",
        "/ui/polls/song/close",
        &[],
    );
    assert_eq!(closed.status, 303, "{}", closed.text);
    assert_eq!(api(&switch, "/api/v1/polls/song")["open"], false);

    // Deleted on the pages: gone from the API too.
    let gone = post(
        &switch,
        &admin,
        "/ui/autoreplies",
        "/ui/autoreplies/hello/delete",
        &[],
    );
    assert_eq!(gone.status, 303, "{}", gone.text);
    assert_eq!(
        api(&switch, "/api/v1/autoreplies"),
        Value::Array(Vec::new())
    );
    let gone = post(
        &switch,
        &admin,
        "/ui/mo-routes",
        "/ui/mo-routes/delete",
        &[("number", "12345"), ("keyword", "")],
    );
    assert_eq!(gone.status, 303, "{}", gone.text);
    let left = api(&switch, "/api/v1/mo-routes");
    assert_eq!(left.as_array().map(Vec::len), Some(1), "only 5555: {left}");
    let twice = post(
        &switch,
        &admin,
        "/ui/mo-routes",
        "/ui/mo-routes/delete",
        &[("number", "12345"), ("keyword", "")],
    );
    assert_eq!(twice.status, 404, "{}", twice.text);

    let audit = browse(switch.http, &admin, "GET", "/ui/audit", "");
    for action in [
        "POST /ui/mo-routes",
        "POST /ui/autoreplies",
        "POST /ui/polls",
        "POST /ui/polls/song/close",
        "POST /ui/autoreplies/hello/delete",
        "POST /ui/mo-routes/delete",
    ] {
        assert!(
            audit.text.contains(&format!("<code>{action}</code>")),
            "{action}: {}",
            audit.text
        );
    }
}

#[test]
fn an_autoreply_edited_on_its_page_answers_anew_and_a_deleted_poll_counts_no_more() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let switch = start(dir.path(), &upstream);
    let admin = ui_login(switch.http, ("admin", ADMIN_PASSWORD));
    let shop_page = ui_login(switch.http, ("shop", "shop1234"));
    let mut esme = demo(&switch);
    let mut shop = receiver(&switch, "shop", "shop1234");
    let mut tv = receiver(&switch, "tv", "tv123456");
    let route = post(
        &switch,
        &admin,
        "/ui/mo-routes",
        "/ui/mo-routes",
        &[("number", "12345"), ("keyword", ""), ("account", "shop")],
    );
    assert_eq!(route.status, 303, "{}", route.text);

    // An autoreply, edited in place: its form filled in, then its new
    // text answers the next MO.
    let added = post(
        &switch,
        &admin,
        "/ui/autoreplies",
        "/ui/autoreplies",
        &[
            ("name", "hello"),
            ("account", "shop"),
            ("number", "12345"),
            ("text", "Old {{text}}"),
        ],
    );
    assert_eq!(added.status, 303, "{}", added.text);
    let editing = browse(switch.http, &admin, "GET", "/ui/autoreplies?edit=hello", "");
    assert!(
        editing.text.contains("action=\"/ui/autoreplies/hello\"")
            && editing.text.contains("Old {{text}}")
            && editing.text.contains("value=\"12345\"")
            && editing
                .text
                .contains("name=\"enabled\" value=\"1\" checked"),
        "{}",
        editing.text
    );
    // The rule's fields with `text`, and the Enabled box ticked or not.
    let edit = |text: &str, enabled: bool| {
        let mut pairs = vec![
            ("account", "shop"),
            ("number", "12345"),
            ("keyword", ""),
            ("text", text),
        ];
        if enabled {
            pairs.push(("enabled", "1"));
        }
        post(
            &switch,
            &admin,
            "/ui/autoreplies?edit=hello",
            "/ui/autoreplies/hello",
            &pairs,
        )
    };
    let edited = edit("New {{text}}", true);
    assert_eq!(edited.status, 303, "{}", edited.text);
    make_mo_from(&mut esme, PHONE, "12345", "hi there");
    wait_for_mo(&mut shop, PHONE, "hi there");
    wait_for_mo(&mut shop, PHONE, "New hi there");
    assert_eq!(
        api(&switch, "/api/v1/autoreplies/hello")["text"],
        "New {{text}}"
    );
    // Bad input: the edit form again, the reason on it, nothing changed.
    let bad = edit("Hi {{name}}", true);
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(
        bad.text.contains("class=\"flash bad\"")
            && bad.text.contains("action=\"/ui/autoreplies/hello\""),
        "{}",
        bad.text
    );
    // Unticked: disabled.
    let disabled = edit("New {{text}}", false);
    assert_eq!(disabled.status, 303, "{}", disabled.text);
    assert_eq!(api(&switch, "/api/v1/autoreplies/hello")["enabled"], false);
    // Forged or a customer's: refused, nothing changed.
    let body = form(&[("account", "shop"), ("number", "12345"), ("text", "Forged")]);
    let forged = browse(switch.http, &admin, "POST", "/ui/autoreplies/hello", &body);
    assert_eq!(forged.status, 403);
    let theirs = post(
        &switch,
        &shop_page,
        "/ui/me",
        "/ui/autoreplies/hello",
        &[("account", "shop"), ("number", "12345"), ("text", "Mine")],
    );
    assert_eq!(theirs.status, 403);
    assert_eq!(
        browse(
            switch.http,
            &shop_page,
            "GET",
            "/ui/autoreplies?edit=hello",
            ""
        )
        .status,
        403
    );
    assert_eq!(
        api(&switch, "/api/v1/autoreplies/hello")["text"],
        "New {{text}}"
    );

    // A poll's votes download as CSV from its page.
    let closes = (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let create = || {
        post(
            &switch,
            &admin,
            "/ui/polls",
            "/ui/polls",
            &[
                ("id", "song"),
                ("account", "tv"),
                ("number", "5555"),
                ("keyword", "vote"),
                ("question", "Best song?"),
                ("options", "A=Ay, B=Bee"),
                ("closes_at", &closes),
            ],
        )
    };
    assert_eq!(create().status, 303);
    make_mo_from(&mut esme, VOTER, "5555", "VOTE b");
    let results = wait_page(&switch, &admin, "/ui/polls/song", "data-total>1<");
    assert!(
        results.contains("href=\"/ui/polls/song/votes.csv\""),
        "{results}"
    );
    let csv = browse(switch.http, &admin, "GET", "/ui/polls/song/votes.csv", "");
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(csv.headers.contains("text/csv"), "{}", csv.headers);
    let rows: Vec<&str> = csv.text.lines().collect();
    assert_eq!(rows[0], "number,option,time", "{}", csv.text);
    assert_eq!(rows.len(), 2, "{}", csv.text);
    assert!(rows[1].starts_with(&format!("{VOTER},B,")), "{}", csv.text);
    assert_eq!(
        browse(
            switch.http,
            &shop_page,
            "GET",
            "/ui/polls/song/votes.csv",
            ""
        )
        .status,
        403
    );
    assert_eq!(
        browse(switch.http, &admin, "GET", "/ui/polls/none/votes.csv", "").status,
        404
    );

    // Deleting it: forged or a customer's refused; the operator's takes
    // the poll and its votes away, and its keyword counts no more.
    let forged = browse(switch.http, &admin, "POST", "/ui/polls/song/delete", "");
    assert_eq!(forged.status, 403);
    let theirs = post(&switch, &shop_page, "/ui/me", "/ui/polls/song/delete", &[]);
    assert_eq!(theirs.status, 403);
    assert_eq!(api(&switch, "/api/v1/polls/song")["total"], 1);
    let deleted = post(
        &switch,
        &admin,
        "/ui/polls/song",
        "/ui/polls/song/delete",
        &[],
    );
    assert_eq!(deleted.status, 303, "{}", deleted.text);
    assert!(
        deleted.headers.contains("location: /ui/polls?done=1"),
        "{}",
        deleted.headers
    );
    assert_eq!(
        browse(switch.http, &admin, "GET", "/ui/polls/song", "").status,
        404
    );
    let gone = http::json(switch.http, "GET", "/api/v1/polls/song", ADMIN, None);
    assert_eq!(gone.status, 404);
    let twice = browse(switch.http, &admin, "GET", "/ui/polls", "");
    let token = csrf_token(&twice.text);
    let again = browse(
        switch.http,
        &admin,
        "POST",
        "/ui/polls/song/delete",
        &form(&[("csrf", &token)]),
    );
    assert_eq!(again.status, 404);
    make_mo_from(&mut esme, VOTER, "5555", "VOTE a");
    wait_for_mo(&mut tv, VOTER, "VOTE a");
    // A poll made again with the same id starts from nothing: the old
    // votes went with it, and the vote after the deletion was not counted.
    assert_eq!(create().status, 303);
    assert_eq!(api(&switch, "/api/v1/polls/song")["total"], 0);
    let csv = browse(switch.http, &admin, "GET", "/ui/polls/song/votes.csv", "");
    assert_eq!(csv.text.trim(), "number,option,time");

    let audit = browse(switch.http, &admin, "GET", "/ui/audit", "");
    for action in ["POST /ui/autoreplies/hello", "POST /ui/polls/song/delete"] {
        assert!(
            audit.text.contains(&format!("<code>{action}</code>")),
            "{action}: {}",
            audit.text
        );
    }
}
