//! The operator's list of every routed MO (`/ui/inbox/received`) and the
//! older pages of a conversation in the operator's inbox, end to end over
//! real HTTP against `pasarela serve` with `pasarela sim-smsc` upstream
//! (MO made as `mo_routing.rs` makes them):
//!
//! - MO routed to two accounts from several numbers list newest first
//!   across conversations, for every account and for one, filtered by a
//!   number (ours or theirs, any way written), 50 a page back to the
//!   first; a number that cannot be one is refused with the reason, an
//!   unknown account is 404, a customer gets 403;
//! - a conversation of more than 50 messages pages back to its first on
//!   the operator's page, and the account's read mark does not move.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{ADMIN_PASSWORD, Switch, smpp_gateway, write_config};
use crate::http;
use crate::mo_routing::{demo, make_mo_from};
use crate::sim::Sim;
use crate::ui::{browse, ui_login};
use crate::ui_inbound::wait_page;

const GATEWAY: &str = "operator-a";
const ADMIN: Option<(&str, &str)> = Some(("admin", ADMIN_PASSWORD));
/// The simulator answers a message to a number ending in 9999 with an MO
/// from it.
pub(crate) const ANA: &str = "346000009999";
pub(crate) const BEA: &str = "346000019999";
const CAL: &str = "346000029999";

/// Accounts "shop" (MO to 12345) and "tv" (MO to 5555), the route to the
/// simulator.
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

[[accounts]]
system_id = "tv"
password = "tv123456"

[[mo_routes]]
number = "12345"
account = "shop"

[[mo_routes]]
number = "5555"
account = "tv"
"#,
        gateway = smpp_gateway(GATEWAY, upstream.addr, "")
    );
    Switch::start(&write_config(dir, &config), &[])
}

/// The texts of the MO rows of a page, in the order shown.
fn texts_shown(page: &str) -> Vec<String> {
    page.split("<tr data-mo=")
        .skip(1)
        .map(|row| {
            let cells: Vec<&str> = row.split("<td>").collect();
            cells[5].split("</td>").next().unwrap().to_owned()
        })
        .collect()
}

/// The texts of a conversation page's MO, in the order shown.
fn texts(page: &str) -> Vec<String> {
    page.split("<tr data-direction=\"mo\">")
        .skip(1)
        .map(|row| {
            let cells: Vec<&str> = row.split("<td>").collect();
            cells[5].split("</td>").next().unwrap().to_owned()
        })
        .collect()
}

/// The `href` of the link `rel` of a page, unescaped.
fn link(page: &str, rel: &str) -> Option<String> {
    let marker = format!("rel=\"{rel}\" href=\"");
    page.split(&marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|href| href.replace("&amp;", "&"))
}

/// Waits (bounded) until `account`'s conversation with `theirs` has
/// received `count` MO.
pub(crate) fn wait_received(switch: &Switch, account: &str, theirs: &str, count: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let path = format!("/api/v1/conversations?account={account}");
    loop {
        let listed = http::json(switch.http, "GET", &path, ADMIN, None);
        assert_eq!(listed.status, 200, "{}", listed.text);
        let received = listed.body["conversations"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|conversation| conversation["theirs"] == theirs)
            .and_then(|conversation| conversation["received"].as_u64());
        if received == Some(count) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{account} has {received:?} MO from {theirs}, not {count}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn get(switch: &Switch, session: &str, path: &str) -> String {
    let page = browse(switch.http, session, "GET", path, "");
    assert_eq!(page.status, 200, "{path}: {}", page.text);
    page.text
}

#[test]
fn every_routed_mo_lists_newest_first_filters_by_number_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let switch = start(dir.path(), &upstream);
    let admin = ui_login(switch.http, ("admin", ADMIN_PASSWORD));
    let mut esme = demo(&switch);
    let every = "/ui/inbox/received";
    // One at a time, each listed before the next: the order is known.
    for (phone, number, text) in [
        (ANA, "12345", "ana to shop"),
        (BEA, "5555", "bea to tv"),
        (ANA, "5555", "ana to tv"),
        (BEA, "12345", "bea to shop"),
    ] {
        make_mo_from(&mut esme, phone, number, text);
        wait_page(&switch, &admin, every, &format!("<td>{text}</td>"));
    }
    let listed = |path: &str| texts_shown(&get(&switch, &admin, path));
    assert_eq!(
        listed(every),
        ["bea to shop", "ana to tv", "bea to tv", "ana to shop"]
    );
    assert_eq!(
        listed("/ui/inbox/received?account=shop&number="),
        ["bea to shop", "ana to shop"]
    );
    assert_eq!(
        listed(&format!("{every}?account=&number=%2B{ANA}")),
        ["ana to tv", "ana to shop"]
    );
    assert_eq!(
        listed(&format!("{every}?number=00{BEA}&account=tv")),
        ["bea to tv"]
    );
    assert_eq!(
        listed(&format!("{every}?number=%2B12345")),
        ["bea to shop", "ana to shop"],
        "our number, written with a +"
    );
    assert!(listed(&format!("{every}?account=tv&number={CAL}")).is_empty());
    // Each row leads to its conversation; the inbox leads here.
    let page = get(&switch, &admin, every);
    assert!(
        page.contains(&format!("href=\"/ui/inbox/tv/5555/{ANA}\"")),
        "{page}"
    );
    let inbox = get(&switch, &admin, "/ui/inbox?account=shop&number=");
    assert!(
        inbox.contains("href=\"/ui/inbox/received?account=shop&amp;number=\""),
        "{inbox}"
    );

    // More than a page: 50, then the rest through "Older".
    for n in 1..=49 {
        make_mo_from(&mut esme, CAL, "12345", &format!("cal {n:02}"));
    }
    wait_received(&switch, "shop", CAL, 49);
    let first = get(&switch, &admin, every);
    let shown = texts_shown(&first);
    assert_eq!(shown.len(), 50);
    let mut cal = shown[..49].to_vec();
    cal.sort();
    let sent: Vec<String> = (1..=49).map(|n| format!("cal {n:02}")).collect();
    assert_eq!(cal, sent);
    assert_eq!(shown[49], "bea to shop");
    let older = link(&first, "next").expect("an Older link");
    let second = get(&switch, &admin, &older);
    assert_eq!(
        texts_shown(&second),
        ["ana to tv", "bea to tv", "ana to shop"]
    );
    assert!(link(&second, "next").is_none(), "the last page: {second}");
    // Filtered pages page within the filter.
    let shop = format!("{every}?account=shop&number=");
    let first = get(&switch, &admin, &shop);
    assert_eq!(texts_shown(&first).len(), 50);
    let second = get(&switch, &admin, &link(&first, "next").unwrap());
    assert_eq!(texts_shown(&second), ["ana to shop"]);

    // Refused: a number that cannot be one, with the reason; an unknown
    // account; a customer; no session.
    let bad = browse(
        switch.http,
        &admin,
        "GET",
        &format!("{every}?number=%2B12ab"),
        "",
    );
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(bad.text.contains("class=\"flash bad\""), "{}", bad.text);
    assert!(
        bad.text.contains("which no number or sender id has"),
        "{}",
        bad.text
    );
    assert!(texts_shown(&bad.text).is_empty());
    let unknown = browse(
        switch.http,
        &admin,
        "GET",
        &format!("{every}?account=nobody"),
        "",
    );
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    let customer = ui_login(switch.http, ("shop", "shop1234"));
    assert_eq!(browse(switch.http, &customer, "GET", every, "").status, 403);
    let anonymous = browse(switch.http, "", "GET", every, "");
    assert_eq!(anonymous.status, 303);
    assert!(anonymous.headers.contains("location: /ui/login"));
}

#[test]
fn a_long_conversation_pages_back_to_its_first_message_on_the_operators_page() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let switch = start(dir.path(), &upstream);
    let admin = ui_login(switch.http, ("admin", ADMIN_PASSWORD));
    let mut esme = demo(&switch);
    for n in 1..=55 {
        make_mo_from(&mut esme, ANA, "12345", &format!("mo {n:02}"));
    }
    wait_received(&switch, "shop", ANA, 55);
    let here = format!("/ui/inbox/shop/12345/{ANA}");
    let newest = get(&switch, &admin, &here);
    assert_eq!(texts(&newest).len(), 50);
    let older = link(&newest, "prev").expect("a link to the older page");
    assert!(older.starts_with(&format!("{here}?before=")), "{older}");
    let first = get(&switch, &admin, &older);
    assert_eq!(texts(&first).len(), 5);
    assert!(link(&first, "prev").is_none(), "the first page: {first}");
    let mut every = texts(&first);
    every.extend(texts(&newest));
    every.sort();
    let sent: Vec<String> = (1..=55).map(|n| format!("mo {n:02}")).collect();
    assert_eq!(every, sent, "each message once, on one page or the other");
    assert!(
        first.contains(&format!("href=\"{here}\"")),
        "back to the newest"
    );
    // The operator's pages left every MO unread.
    let listed = http::json(
        switch.http,
        "GET",
        "/api/v1/conversations?account=shop",
        ADMIN,
        None,
    );
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body["conversations"][0]["unread"], 55);
    // A customer gets 403, another account's number 404.
    let customer = ui_login(switch.http, ("shop", "shop1234"));
    assert_eq!(
        browse(switch.http, &customer, "GET", &older, "").status,
        403
    );
    let none = browse(
        switch.http,
        &admin,
        "GET",
        &format!("/ui/inbox/tv/12345/{ANA}"),
        "",
    );
    assert_eq!(none.status, 404);
}
