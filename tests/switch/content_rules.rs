//! Content rules (SPEC §6.1, docs/two-way.md "Content rules") against a
//! real `pasarela serve`: a `reject` rule refuses over SMPP
//! (ESME_RSUBMITFAIL), HTTP (403, type content-rule, the rule named) and
//! Kannel's sendsms, uncharged, unstored and counted; words match in any
//! case, accent, alphabet and across parts, never inside another word;
//! a rule applies to its accounts only; a rule created through the admin
//! API applies at once and survives a restart. A `hold` rule's messages
//! are accepted and charged but reach no gateway until the admin API
//! releases them (delivered, with their receipt) or drops them (DELETED,
//! receipt, refunded once in the ledger), expire at their validity as
//! scheduled ones do, and stay held across a SIGKILL.

use crate::{common, esme, http, raw, scrape};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{ADMIN_PASSWORD, Switch, write_config};
use esme::Esme;
use http::json as http;
use pasarela::smpp::CommandStatus;
use pasarela::smpp::pdu::{EmptyOrFullCOctetString, OctetString, SubmitSm};
use raw::WAIT;
use serde_json::{Value, json};

/// `pills` refuses two words for everyone, `casino` a pattern for `shop`
/// only, `review` holds a phrase.
const RULES: &str = r#"
[[accounts]]
system_id = "shop"
password = "shop1234"
credit = "10.00"

[[content_rules]]
name = "pills"
words = ["viagra", "free money"]
action = "reject"
description = "pharma spam"

[[content_rules]]
name = "casino"
pattern = 'casino\s*bonus'
accounts = ["shop"]
action = "reject"

[[content_rules]]
name = "review"
words = ["review me"]
action = "hold"
"#;

const DEMO: Option<(&str, &str)> = Some(("demo", "demo1234"));
const SHOP: Option<(&str, &str)> = Some(("shop", "shop1234"));
const ADMIN: Option<(&str, &str)> = Some(("admin", ADMIN_PASSWORD));
const RECEIPT: u8 = 1;

fn start() -> (tempfile::TempDir, std::path::PathBuf, Switch) {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), RULES);
    let switch = Switch::start(&config, &[]);
    (dir, config, switch)
}

fn admin(switch: &Switch, method: &str, path: &str, body: Option<Value>) -> http::Answer {
    http(switch.http, method, path, ADMIN, body.as_ref())
}

fn balance(address: SocketAddr, who: Option<(&str, &str)>) -> String {
    let answer = http(address, "GET", "/api/v1/balance", who, None);
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["balance"].as_str().unwrap().to_string()
}

/// `POST /api/v1/messages` of `text`.
fn send(address: SocketAddr, who: Option<(&str, &str)>, text: &str) -> http::Answer {
    let body = json!({"to": "+34600000001", "from": "Shop", "text": text});
    http(address, "POST", "/api/v1/messages", who, Some(&body))
}

/// `GET /cgi-bin/sendsms` as demo of `text` (already URL-encoded).
fn sendsms(address: SocketAddr, text: &str) -> (u16, String) {
    let query = format!(
        "/cgi-bin/sendsms?username=demo&password=demo1234&to=34600000001&from=Shop&text={text}"
    );
    let answer = http::request_with_headers(address, "GET", &query, &[], b"");
    (answer.status, answer.text)
}

/// A submit_sm of `body` in `data_coding` to 34600000001.
fn text_pdu(data_coding: u8, body: Vec<u8>, registered_delivery: u8) -> SubmitSm {
    let mut submit = raw::hello("34600000001", registered_delivery);
    submit.data_coding = data_coding.into();
    submit.set_short_message(OctetString::from_vec(body).unwrap());
    submit
}

fn gsm(text: &str) -> SubmitSm {
    text_pdu(0, pasarela::sms::gsm7::encode(text).unwrap(), 0)
}

fn ucs2(text: &str) -> SubmitSm {
    text_pdu(8, pasarela::sms::ucs2::encode(text), 0)
}

fn latin1(text: &str) -> SubmitSm {
    text_pdu(
        3,
        text.chars().map(|ch| u8::try_from(ch).unwrap()).collect(),
        0,
    )
}

/// The messages held now, once `count` of them are (the schedule gets
/// them a moment after they are accepted).
fn held(switch: &Switch, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let answer = admin(switch, "GET", "/api/v1/held", None);
        assert_eq!(answer.status, 200, "{}", answer.text);
        let list = answer.body.as_array().unwrap().clone();
        if list.len() == count || Instant::now() > deadline {
            assert_eq!(list.len(), count, "{}", answer.text);
            return list;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The state of message `id` of `who`, once it is `want` (or the last seen).
fn state_becomes(switch: &Switch, who: Option<(&str, &str)>, id: &str, want: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let answer = http(
            switch.http,
            "GET",
            &format!("/api/v1/messages/{id}"),
            who,
            None,
        );
        let state = answer.body["state"].as_str().unwrap_or_default().to_owned();
        if state == want || Instant::now() > deadline {
            return state;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_reject_rule_refuses_everywhere_in_any_case_or_accent_uncharged_and_counted() {
    let (_dir, _config, switch) = start();
    let mut esme = Esme::bind(switch.smpp);

    for refused in [
        gsm("Buy ViAgRa now"),
        ucs2("víagra barata"),
        latin1("VÍAGRA ya"),
        gsm("get FREE   money"),
    ] {
        assert_eq!(esme.request(refused), CommandStatus::EsmeRsubmitfail);
    }
    // A word inside another word is not the word.
    esme.submit(gsm("viagras and freemoney"));

    let refused = send(switch.http, DEMO, "Cheap VIAGRA");
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(refused.body["type"], "urn:pasarela:problem:content-rule");
    assert_eq!(refused.body["rule"], "pills", "{}", refused.text);
    assert!(
        !refused.text.contains("Cheap"),
        "the text is never echoed: {}",
        refused.text
    );
    // Long enough for two parts, the word split across them.
    let long = format!("{}via\u{301}gra", "x ".repeat(76));
    assert_eq!(send(switch.http, DEMO, &long).status, 403);
    assert_eq!(
        sendsms(switch.http, "free%20MONEY"),
        (
            400,
            "Number(s) has/have been denied by white- and/or black-lists.".to_string()
        )
    );
    assert_eq!(
        balance(switch.http, DEMO),
        "999.00",
        "only the one accepted is charged"
    );
    let listed = http(switch.http, "GET", "/api/v1/messages", DEMO, None);
    assert_eq!(
        listed.body["messages"].as_array().unwrap().len(),
        1,
        "{}",
        listed.text
    );

    // `casino` is shop's only.
    assert_eq!(send(switch.http, DEMO, "Casino BONUS tonight").status, 202);
    let shop = send(switch.http, SHOP, "Casino BONUS tonight");
    assert_eq!(shop.status, 403, "{}", shop.text);
    assert_eq!(shop.body["rule"], "casino");
    assert_eq!(balance(switch.http, SHOP), "10.00");

    scrape::wait_for(
        switch.http,
        &[
            (
                "pasarela_checks_refused_total{check=\"content\",rule=\"pills\"}",
                7.0,
            ),
            (
                "pasarela_checks_refused_total{check=\"content\",rule=\"casino\"}",
                1.0,
            ),
        ],
    );
}

#[test]
fn a_rule_created_through_the_api_applies_at_once_and_survives_a_restart() {
    let (_dir, config, mut switch) = start();
    let listed = admin(&switch, "GET", "/api/v1/rules", None);
    let names: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["pills", "casino", "review"], "{}", listed.text);
    assert_eq!(listed.body[0]["words"], json!(["viagra", "free money"]));
    assert_eq!(listed.body[0]["pattern"], Value::Null);
    assert_eq!(listed.body[1]["accounts"], json!(["shop"]));

    assert_eq!(send(switch.http, DEMO, "CRÉDITO  RÁPIDO hoy").status, 202);
    let rule = json!({"name": "loans", "pattern": "credito\\s+rapido", "action": "reject",
        "description": "loan spam"});
    let created = admin(&switch, "POST", "/api/v1/rules", Some(rule.clone()));
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["enabled"], true);
    assert_eq!(created.body["accounts"], json!([]));
    let refused = send(switch.http, DEMO, "CRÉDITO  RÁPIDO hoy");
    assert_eq!(refused.status, 403, "at once: {}", refused.text);
    assert_eq!(refused.body["rule"], "loans");

    let problem = |answer: http::Answer| (answer.status, answer.body["field"].clone());
    assert_eq!(
        problem(admin(&switch, "POST", "/api/v1/rules", Some(rule))),
        (409, json!("name"))
    );
    let bad_regex = json!({"name": "bad", "pattern": "(unclosed", "action": "reject"});
    assert_eq!(
        problem(admin(&switch, "POST", "/api/v1/rules", Some(bad_regex))),
        (400, json!("pattern"))
    );
    let both = json!({"name": "x", "pattern": "a", "words": ["a"], "action": "hold"});
    assert_eq!(
        problem(admin(&switch, "POST", "/api/v1/rules", Some(both))),
        (400, json!("pattern"))
    );
    let nobody = json!({"name": "x", "words": ["a"], "accounts": ["nobody"], "action": "hold"});
    assert_eq!(
        problem(admin(&switch, "POST", "/api/v1/rules", Some(nobody))),
        (400, json!("accounts[0]"))
    );
    let action = json!({"name": "x", "words": ["a"], "action": "block"});
    assert_eq!(
        problem(admin(&switch, "POST", "/api/v1/rules", Some(action))),
        (400, json!("action"))
    );
    let name = json!({"name": "no spaces", "words": ["a"], "action": "hold"});
    assert_eq!(
        problem(admin(&switch, "POST", "/api/v1/rules", Some(name))),
        (400, json!("name"))
    );

    // The file's `pills` narrowed to shop by PUT; `casino` deleted.
    let narrowed = json!({"words": ["viagra"], "accounts": ["shop"], "action": "reject"});
    let put = admin(&switch, "PUT", "/api/v1/rules/pills", Some(narrowed));
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(put.body["accounts"], json!(["shop"]));
    assert_eq!(send(switch.http, DEMO, "viagra").status, 202);
    assert_eq!(send(switch.http, SHOP, "viagra").status, 403);
    assert_eq!(
        admin(&switch, "DELETE", "/api/v1/rules/casino", None).status,
        204
    );
    assert_eq!(
        admin(&switch, "DELETE", "/api/v1/rules/casino", None).status,
        404
    );
    assert_eq!(
        admin(&switch, "GET", "/api/v1/rules/casino", None).status,
        404
    );
    assert_eq!(send(switch.http, SHOP, "casino bonus").status, 202);

    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    drop(switch);
    let switch = Switch::start(&config, &[]);
    let refused = send(switch.http, DEMO, "credito rapido");
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(refused.body["rule"], "loans");
    assert_eq!(
        send(switch.http, DEMO, "viagra").status,
        202,
        "pills stays narrowed"
    );
    assert_eq!(send(switch.http, SHOP, "viagra").status, 403);
    assert_eq!(
        send(switch.http, SHOP, "casino bonus").status,
        202,
        "casino stays deleted"
    );
    let loans = admin(&switch, "GET", "/api/v1/rules/loans", None);
    assert_eq!(loans.status, 200, "{}", loans.text);
    assert_eq!(loans.body["description"], "loan spam");
    let names: Vec<String> = admin(&switch, "GET", "/api/v1/rules", None)
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["pills", "review", "loans"]);
}

#[test]
fn a_held_message_is_released_and_delivered_another_dropped_and_refunded() {
    let (_dir, _config, switch) = start();
    let mut esme = Esme::bind(switch.smpp);
    let released = esme.submit(text_pdu(0, b"please REVIEW me".to_vec(), RECEIPT));
    let dropped = esme.submit(text_pdu(0, b"review  me too".to_vec(), RECEIPT));
    // Two parts, one held message.
    let long = send(switch.http, DEMO, &format!("{} review me", "y".repeat(160)));
    assert_eq!(long.status, 202, "{}", long.text);
    let long_ids: Vec<String> = long.body["messages"][0]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(long_ids.len(), 2);
    assert_eq!(balance(switch.http, DEMO), "996.00", "charged while held");

    let list = held(&switch, 3);
    assert_eq!(list[0]["id"], released.as_str());
    assert_eq!(list[0]["rule"], "review");
    assert_eq!(list[0]["account"], "demo");
    assert_eq!(list[0]["text"], "please REVIEW me");
    assert_eq!(list[0]["to"], "34600000001");
    assert!(list[0]["held_at"].is_string(), "{}", list[0]);
    assert_eq!(list[2]["parts"], 2);
    assert_eq!(list[2]["ids"], json!(long_ids));
    assert_eq!(
        admin(&switch, "GET", "/api/v1/held?account=shop", None).body,
        json!([])
    );

    // The simulator answers in 200 ms: nothing held reached it.
    esme.listen(Duration::from_millis(800));
    assert!(esme.receipts.is_empty(), "{:?}", esme.receipts);
    assert_eq!(
        state_becomes(&switch, DEMO, &released, "ACCEPTED"),
        "ACCEPTED"
    );

    let answer = admin(
        &switch,
        "POST",
        &format!("/api/v1/held/{released}/release"),
        None,
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(esme.receipt(&released, WAIT).stat, "DELIVRD");

    let answer = admin(
        &switch,
        "POST",
        &format!("/api/v1/held/{dropped}/drop"),
        None,
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(esme.receipt(&dropped, WAIT).stat, "DELETED");
    for (id, verb) in [
        (&dropped, "drop"),
        (&dropped, "release"),
        (&released, "drop"),
    ] {
        let again = admin(&switch, "POST", &format!("/api/v1/held/{id}/{verb}"), None);
        assert_eq!(again.status, 404, "{verb} {id}: {}", again.text);
    }
    assert_eq!(
        admin(&switch, "POST", "/api/v1/held/nonsense/drop", None).status,
        404
    );

    // The long one released whole: both parts delivered.
    let answer = admin(
        &switch,
        "POST",
        &format!("/api/v1/held/{}/release", long_ids[0]),
        None,
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    for id in &long_ids {
        assert_eq!(
            state_becomes(&switch, DEMO, id, "DELIVERED"),
            "DELIVERED",
            "{id}"
        );
    }
    held(&switch, 0);

    assert_eq!(
        balance(switch.http, DEMO),
        "997.00",
        "the dropped one refunded"
    );
    let ledger = admin(&switch, "GET", "/api/v1/accounts/demo/ledger", None);
    let refunds: Vec<&Value> = ledger.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["kind"] == "REFUND")
        .collect();
    assert_eq!(refunds.len(), 1, "{}", ledger.text);
    assert_eq!(refunds[0]["message"], dropped.as_str());
    assert_eq!(refunds[0]["delta"], "1.00");
    scrape::wait_for(
        switch.http,
        &[("pasarela_content_held_total{rule=\"review\"}", 3.0)],
    );
}

#[test]
fn a_held_message_stays_held_across_a_sigkill_and_is_released_after() {
    let (_dir, config, mut switch) = start();
    let mut esme = Esme::bind(switch.smpp);
    let id = esme.submit(text_pdu(0, b"review me".to_vec(), RECEIPT));
    held(&switch, 1);
    drop(esme);
    switch.kill();

    let switch = Switch::start(&config, &[]);
    let list = held(&switch, 1);
    assert_eq!(list[0]["id"], id.as_str());
    let mut esme = Esme::bind(switch.smpp);
    esme.listen(Duration::from_millis(800));
    assert!(!esme.has_receipt(&id), "still held: {:?}", esme.receipts);
    let answer = admin(&switch, "POST", &format!("/api/v1/held/{id}/release"), None);
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(esme.receipt(&id, WAIT).stat, "DELIVRD");
    assert_eq!(balance(switch.http, DEMO), "999.00", "charged once");
}

#[test]
fn a_held_message_expires_at_its_validity_like_a_scheduled_one() {
    let (_dir, _config, switch) = start();
    let mut esme = Esme::bind(switch.smpp);
    let mut pdu = text_pdu(0, b"review me".to_vec(), RECEIPT);
    // SMPP relative time: two seconds.
    pdu.validity_period =
        EmptyOrFullCOctetString::from_string("000000000002000R".to_owned()).unwrap();
    let id = esme.submit(pdu);
    let list = held(&switch, 1);
    assert!(list[0]["validity"].is_string(), "{}", list[0]);
    assert_eq!(balance(switch.http, DEMO), "999.00");
    assert_eq!(esme.receipt(&id, WAIT).stat, "EXPIRED");
    held(&switch, 0);
    assert_eq!(balance(switch.http, DEMO), "1000.00", "refunded");
    let again = admin(&switch, "POST", &format!("/api/v1/held/{id}/release"), None);
    assert_eq!(again.status, 404, "{}", again.text);
}
