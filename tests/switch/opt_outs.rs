//! Opt-outs end to end (SPEC §6.1, docs/two-way.md#opt-outs): an MO
//! injected by `pasarela sim-smsc` whose first word is a stop word opts
//! the phone out of the account its number is routed to; the confirmation
//! MT goes from that number to the phone (the simulator answers an MT to a
//! number ending in 9999 with an MO of the same text, so the confirmation
//! comes back to the account's receiver, proof it reached the simulator);
//! MTs to the phone are then refused over SMPP (ESME_RSUBMITFAIL) and HTTP
//! (403 opted-out), uncharged, also after a SIGKILL; a start word takes the
//! opt-out off. Help words are answered in the word's language, the
//! per-sender scope refuses only the number's own MTs, and the API keeps
//! each account's list to itself, with a CSV import that names its broken
//! lines.

use crate::mo_routing::{REPLIER, make_mo, next_mo};
use crate::{common, http, raw, scrape, sim};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{ADMIN_PASSWORD, Switch, smpp_gateway, write_config};
use http::json;
use pasarela::smpp::pdu::{COctetString, Npi, SubmitSm, Ton};
use pasarela::smpp::{CommandId, CommandStatus};
use raw::{Raw, hello};
use serde_json::json;
use sim::Sim;

const GATEWAY: &str = "operator-a";
const SHOP_NUMBER: &str = "447700900123";
const CLUB_FIRST: &str = "447700900124";
const CLUB_SECOND: &str = "447700900125";
const SHOP: Option<(&str, &str)> = Some(("shop", "shop1234"));
const CLUB: Option<(&str, &str)> = Some(("club", "club1234"));
const ADMIN: Option<(&str, &str)> = Some(("admin", ADMIN_PASSWORD));
const WAIT: Duration = Duration::from_secs(15);

/// "shop" (account-wide STOP) on one long number, "club" (per-sender
/// STOP) on two, both sending to the phone through the simulator.
fn config(dir: &Path, upstream: SocketAddr) -> PathBuf {
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

[[accounts]]
system_id = "club"
password = "club1234"
credit = "10.00"
opt_out_scope = "sender"

[[mo_routes]]
number = "{SHOP_NUMBER}"
account = "shop"

[[mo_routes]]
number = "{CLUB_FIRST}"
account = "club"

[[mo_routes]]
number = "{CLUB_SECOND}"
account = "club"
"#,
        gateway = smpp_gateway(GATEWAY, upstream, "")
    );
    write_config(dir, &config)
}

/// A demo session, which makes MO (`mo_routing::make_mo`).
fn demo(switch: &Switch) -> Raw {
    bound(switch, "demo", "demo1234")
}

fn bound(switch: &Switch, system_id: &str, password: &str) -> Raw {
    let mut raw = Raw::connect(switch.smpp);
    assert_eq!(
        raw.bind(CommandId::BindTransceiver, system_id, password),
        CommandStatus::EsmeRok
    );
    raw
}

/// The texts of the MO `raw` reads until, for each of `wanted`, one
/// contains it (bounded).
fn mo_texts_until(raw: &mut Raw, wanted: &[&str]) -> Vec<String> {
    let mut texts: Vec<String> = Vec::new();
    let deadline = Instant::now() + WAIT;
    while !wanted
        .iter()
        .all(|wanted| texts.iter().any(|text| text.contains(wanted)))
    {
        assert!(
            Instant::now() < deadline,
            "no MO with {wanted:?}; got {texts:?}"
        );
        if let Some(mo) = next_mo(raw, Duration::from_millis(200)) {
            texts.push(mo.text);
        }
    }
    texts
}

/// A submit_sm from `source` to the phone, answered.
fn mt(esme: &mut Raw, source: &str) -> CommandStatus {
    let mut submit: SubmitSm = hello(REPLIER, 0);
    submit.source_addr_ton = Ton::International;
    submit.source_addr_npi = Npi::Isdn;
    submit.source_addr = COctetString::from_string(source.to_owned()).unwrap();
    let sequence = esme.request(submit);
    let deadline = Instant::now() + WAIT;
    loop {
        let command = esme
            .recv(deadline.saturating_duration_since(Instant::now()))
            .expect("a submit_sm_resp");
        if command.id() == CommandId::SubmitSmResp && command.sequence_number() == sequence {
            return command.status();
        }
    }
}

fn balance(switch: &Switch, who: Option<(&str, &str)>) -> String {
    let answer = json(switch.http, "GET", "/api/v1/balance", who, None);
    answer.body["balance"].as_str().unwrap().to_string()
}

#[test]
fn stop_refuses_mts_over_smpp_and_http_uncharged_across_a_sigkill_and_start_takes_them_again() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let config = config(dir.path(), upstream.addr);
    let mut switch = Switch::start(&config, &[]);
    let mut shop = bound(&switch, "shop", "shop1234");
    assert_eq!(mt(&mut shop, SHOP_NUMBER), CommandStatus::EsmeRok);
    let _ = mo_texts_until(&mut shop, &["hello"]);
    assert_eq!(balance(&switch, SHOP), "9.99");

    make_mo(&mut demo(&switch), SHOP_NUMBER, "stop please");
    // The MO reaches the account as before; the confirmation, sent from
    // the number to the phone, comes back from the simulator.
    mo_texts_until(&mut shop, &["stop please", "You are unsubscribed"]);
    assert_eq!(
        balance(&switch, SHOP),
        "9.98",
        "the confirmation is charged"
    );

    assert_eq!(mt(&mut shop, SHOP_NUMBER), CommandStatus::EsmeRsubmitfail);
    let refused = json(
        switch.http,
        "POST",
        "/api/v1/messages",
        SHOP,
        Some(&json!({"to": format!("+{REPLIER}"), "from": "Shop", "text": "offer"})),
    );
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(refused.body["type"], "urn:pasarela:problem:opted-out");
    assert_eq!(balance(&switch, SHOP), "9.98", "nothing refused is charged");
    let listed = json(switch.http, "GET", "/api/v1/opt-outs", SHOP, None);
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body["entries"][0]["number"], REPLIER);
    assert_eq!(listed.body["entries"][0]["sender"], json!(null));
    assert_eq!(listed.body["entries"][0]["by"], "keyword");
    scrape::wait_for(
        switch.http,
        &[(
            "pasarela_checks_refused_total{check=\"opt-out\",rule=\"\"}",
            2.0,
        )],
    );

    switch.kill();
    drop(shop);
    let switch = Switch::start(&config, &[]);
    let mut shop = bound(&switch, "shop", "shop1234");
    assert_eq!(
        mt(&mut shop, SHOP_NUMBER),
        CommandStatus::EsmeRsubmitfail,
        "the opt-out survives SIGKILL"
    );

    make_mo(&mut demo(&switch), SHOP_NUMBER, "Start");
    mo_texts_until(&mut shop, &["Start", "You are subscribed again"]);
    assert_eq!(mt(&mut shop, SHOP_NUMBER), CommandStatus::EsmeRok);
    let _ = mo_texts_until(&mut shop, &["hello"]);
    let listed = json(switch.http, "GET", "/api/v1/opt-outs", SHOP, None);
    assert_eq!(listed.body["entries"], json!([]), "{}", listed.text);
}

#[test]
fn help_and_stop_words_are_answered_in_their_language_whatever_their_case() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let switch = Switch::start(&config(dir.path(), upstream.addr), &[]);
    let mut shop = bound(&switch, "shop", "shop1234");
    make_mo(&mut demo(&switch), SHOP_NUMBER, "ayuda");
    mo_texts_until(&mut shop, &["Responda BAJA para darse de baja o ALTA"]);
    make_mo(&mut demo(&switch), SHOP_NUMBER, "HELP");
    mo_texts_until(&mut shop, &["Reply STOP to unsubscribe, START"]);
    assert_eq!(
        mt(&mut shop, SHOP_NUMBER),
        CommandStatus::EsmeRok,
        "help opts nobody out"
    );
    // Accents are folded too (src/lists/opt_out.rs); the simulator echoes
    // GSM text only, so the case is what varies here.
    make_mo(&mut demo(&switch), SHOP_NUMBER, "Baja gracias");
    mo_texts_until(&mut shop, &["Dado de baja"]);
    assert_eq!(mt(&mut shop, SHOP_NUMBER), CommandStatus::EsmeRsubmitfail);
}

#[test]
fn under_sender_scope_stop_refuses_that_number_only_and_stopall_every_one() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let switch = Switch::start(&config(dir.path(), upstream.addr), &[]);
    let mut club = bound(&switch, "club", "club1234");
    make_mo(&mut demo(&switch), CLUB_FIRST, "STOP");
    mo_texts_until(&mut club, &["You are unsubscribed"]);
    assert_eq!(mt(&mut club, CLUB_FIRST), CommandStatus::EsmeRsubmitfail);
    assert_eq!(mt(&mut club, CLUB_SECOND), CommandStatus::EsmeRok);
    let listed = json(switch.http, "GET", "/api/v1/opt-outs", CLUB, None);
    assert_eq!(
        listed.body["entries"][0]["sender"], CLUB_FIRST,
        "{}",
        listed.text
    );

    make_mo(&mut demo(&switch), CLUB_SECOND, "stopall");
    mo_texts_until(&mut club, &["stopall", "You are unsubscribed"]);
    assert_eq!(mt(&mut club, CLUB_SECOND), CommandStatus::EsmeRsubmitfail);
    let http = json(
        switch.http,
        "POST",
        "/api/v1/messages",
        CLUB,
        Some(&json!({"to": REPLIER, "from": "Club", "text": "offer"})),
    );
    assert_eq!(http.status, 403, "{}", http.text);
}

#[test]
fn an_account_reaches_its_own_opt_outs_only_and_a_csv_import_names_its_broken_lines() {
    let dir = tempfile::tempdir().unwrap();
    let extra = r#"
[[accounts]]
system_id = "shop"
password = "shop1234"
credit = "10.00"

[[accounts]]
system_id = "club"
password = "club1234"
credit = "10.00"
"#;
    let switch = Switch::start(&write_config(dir.path(), extra), &[]);
    let csv = "number,sender\n+34600000001\n34600000002,Shop\nnot-a-number\n0034600000001\n34600000003,TwelveChars!\n";
    let imported = http::request(
        switch.http,
        "POST",
        "/api/v1/opt-outs/import",
        SHOP,
        "text/csv",
        csv,
    );
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!(imported.body["imported"], 2, "{}", imported.text);
    assert_eq!(imported.body["already"], 1);
    assert_eq!(imported.body["rejected_total"], 2);
    assert_eq!(imported.body["rejected"][0]["line"], 4);
    assert_eq!(imported.body["rejected"][1]["line"], 6);

    let send = |who, from: &str, to: &str| {
        json(
            switch.http,
            "POST",
            "/api/v1/messages",
            who,
            Some(&json!({"to": to, "from": from, "text": "offer"})),
        )
        .status
    };
    assert_eq!(send(SHOP, "Other", "+34600000001"), 403);
    assert_eq!(send(SHOP, "Shop", "+34600000002"), 403);
    assert_eq!(send(SHOP, "Other", "+34600000002"), 202);
    assert_eq!(
        send(CLUB, "Club", "+34600000001"),
        202,
        "club's list is its own"
    );

    let export = http::request(
        switch.http,
        "GET",
        "/api/v1/opt-outs/export",
        SHOP,
        "application/json",
        "",
    );
    assert_eq!(export.status, 200);
    let lines: Vec<&str> = export.text.lines().collect();
    assert_eq!(lines[0], "number,sender,since,by");
    assert!(lines[1].starts_with("34600000001,,"), "{lines:?}");
    assert!(lines[2].starts_with("34600000002,Shop,"), "{lines:?}");
    assert!(lines[2].ends_with(",import"), "{lines:?}");

    // Another account's list is out of a customer's reach.
    let other = json(
        switch.http,
        "GET",
        "/api/v1/opt-outs?account=shop",
        CLUB,
        None,
    );
    assert_eq!(other.status, 403, "{}", other.text);
    let own = json(switch.http, "GET", "/api/v1/opt-outs", CLUB, None);
    assert_eq!(own.body["entries"], json!([]), "{}", own.text);
    let add = json(
        switch.http,
        "POST",
        "/api/v1/opt-outs",
        CLUB,
        Some(&json!({"account": "shop", "number": "34600000009"})),
    );
    assert_eq!(add.status, 403, "{}", add.text);
    let import = http::request(
        switch.http,
        "POST",
        "/api/v1/opt-outs/import?account=shop",
        CLUB,
        "text/csv",
        "34600000009\n",
    );
    assert_eq!(import.status, 403);
    let remove = json(
        switch.http,
        "DELETE",
        "/api/v1/opt-outs/34600000001?account=shop",
        CLUB,
        None,
    );
    assert_eq!(remove.status, 403);
    assert_eq!(send(SHOP, "Other", "+34600000001"), 403, "still opted out");

    // The operator names the account; pages go on from `next`.
    let unnamed = json(switch.http, "GET", "/api/v1/opt-outs", ADMIN, None);
    assert_eq!(unnamed.status, 400);
    assert_eq!(unnamed.body["field"], "account");
    let first = json(
        switch.http,
        "GET",
        "/api/v1/opt-outs?account=shop&limit=1",
        ADMIN,
        None,
    );
    assert_eq!(
        first.body["entries"][0]["number"], "34600000001",
        "{}",
        first.text
    );
    let next = first.body["next"].as_str().unwrap().to_string();
    let second = json(
        switch.http,
        "GET",
        &format!("/api/v1/opt-outs?account=shop&limit=1&after={next}"),
        ADMIN,
        None,
    );
    assert_eq!(
        second.body["entries"][0]["sender"], "Shop",
        "{}",
        second.text
    );
    let added = json(
        switch.http,
        "POST",
        "/api/v1/opt-outs",
        ADMIN,
        Some(&json!({"account": "club", "number": "+34600000001"})),
    );
    assert_eq!(added.status, 201, "{}", added.text);
    assert_eq!(send(CLUB, "Club", "+34600000001"), 403);
    let removed = json(
        switch.http,
        "DELETE",
        "/api/v1/opt-outs/34600000001",
        SHOP,
        None,
    );
    assert_eq!(removed.status, 200, "{}", removed.text);
    assert_eq!(send(SHOP, "Other", "+34600000001"), 202);
    let again = json(
        switch.http,
        "DELETE",
        "/api/v1/opt-outs/34600000001",
        SHOP,
        None,
    );
    assert_eq!(again.status, 404);
}
