//! Conversations end to end over TCP: `pasarela serve` with a real store,
//! `pasarela sim-smsc` as its upstream SMSC, which answers every message
//! to a number ending in 9999 with an MO from that number back to the
//! sender, same text. So an MT from shop's long number to [`THEIRS`]
//! (over SMPP or HTTP) comes back as an MO routed to shop, and the two
//! interleave in one conversation; unread counts follow the MO and the
//! read mark; a reply through the conversation endpoint reaches the
//! simulator (its echo comes back); another customer sees none of it; and
//! after a SIGKILL under traffic the conversation holds every message
//! once, the same MO the account received.

use crate::{common, http, raw, sim};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{ADMIN_PASSWORD, Switch, smpp_gateway, write_config};
use pasarela::smpp::pdu::{COctetString, Npi, OctetString, Pdu, SubmitSm, Ton};
use pasarela::smpp::{CommandId, CommandStatus};
use raw::Raw;
use serde_json::{Value, json};
use sim::Sim;

/// shop's long number, its MO route.
const OURS: &str = "447700900123";
/// The handset: the simulator echoes what is sent to it as an MO.
const THEIRS: &str = "346000009999";
const GATEWAY: &str = "operator-a";
const WAIT: Duration = Duration::from_secs(20);
const SHOP: Option<(&str, &str)> = Some(("shop", "shop1234"));
const CLUB: Option<(&str, &str)> = Some(("club", "club1234"));
const ADMIN: Option<(&str, &str)> = Some(("admin", ADMIN_PASSWORD));

fn config(dir: &Path, upstream: &Sim) -> PathBuf {
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
credit = "100"

[[accounts]]
system_id = "club"
password = "club1234"
credit = "100"

[[mo_routes]]
number = "{OURS}"
account = "shop"
"#,
        gateway = smpp_gateway(GATEWAY, upstream.addr, "")
    );
    write_config(dir, &config)
}

fn get(switch: &Switch, path: &str, auth: Option<(&str, &str)>) -> http::Answer {
    http::json(switch.http, "GET", path, auth, None)
}

/// shop's conversation with [`THEIRS`] as listed, once it has `messages`
/// (bounded wait).
fn listed_once(switch: &Switch, messages: u64) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let answer = get(switch, "/api/v1/conversations", SHOP);
        assert_eq!(answer.status, 200, "{}", answer.text);
        let found = answer.body["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["theirs"] == THEIRS)
            .cloned();
        if let Some(conversation) = found
            && conversation["messages"].as_u64() >= Some(messages)
        {
            return conversation;
        }
        assert!(
            Instant::now() < deadline,
            "no {messages} messages: {}",
            answer.text
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A transmitter bound as shop.
fn shop_session(switch: &Switch) -> Raw {
    let mut raw = Raw::connect(switch.smpp);
    assert_eq!(
        raw.bind(CommandId::BindTransmitter, "shop", "shop1234"),
        CommandStatus::EsmeRok
    );
    raw
}

/// submit_sm from shop's number to [`THEIRS`]; its message id once
/// acknowledged.
fn submit(raw: &mut Raw, text: &str) -> String {
    let body = SubmitSm::builder()
        .source_addr_ton(Ton::International)
        .source_addr_npi(Npi::Isdn)
        .source_addr(COctetString::from_string(OURS.to_owned()).unwrap())
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(COctetString::from_string(THEIRS.to_owned()).unwrap())
        .short_message(OctetString::from_vec(text.as_bytes().to_vec()).unwrap())
        .build();
    let seq = raw.request(body);
    let deadline = Instant::now() + WAIT;
    loop {
        let command = raw
            .recv(deadline.saturating_duration_since(Instant::now()))
            .expect("a submit_sm_resp");
        if command.id() == CommandId::SubmitSmResp && command.sequence_number() == seq {
            assert_eq!(command.status(), CommandStatus::EsmeRok);
            let Some(Pdu::SubmitSmResp(resp)) = command.pdu() else {
                panic!("{command:?}");
            };
            return resp.message_id().as_str().to_owned();
        }
    }
}

/// (direction, text) of each message of a conversation page.
fn texts(page: &Value) -> Vec<(String, String)> {
    page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["direction"].as_str().unwrap().to_owned(),
                m["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(direction: &str, text: &str) -> (String, String) {
    (direction.to_owned(), text.to_owned())
}

#[test]
fn mts_and_mos_interleave_in_one_conversation_read_and_answered_by_its_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let switch = Switch::start(&config(dir.path(), &upstream), &[]);
    let mut shop = shop_session(&switch);

    // Over SMPP; the echo comes back as an MO.
    let smpp_id = submit(&mut shop, "first over smpp");
    listed_once(&switch, 2);
    // Over HTTP, the numbers written the other way round.
    let sent = http::json(
        switch.http,
        "POST",
        "/api/v1/messages",
        SHOP,
        Some(
            &json!({"from": format!("+{OURS}"), "to": format!("00{THEIRS}"), "text": "second over http"}),
        ),
    );
    assert_eq!(sent.status, 202, "{}", sent.text);
    let http_id = sent.body["messages"][0]["ids"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = listed_once(&switch, 4);
    assert_eq!(listed["unread"], 2, "{listed}");
    assert_eq!(
        (listed["sent"].as_u64(), listed["received"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(listed["ours"], OURS);
    assert_eq!(listed["last_direction"], "mo");
    assert_eq!(listed["last_text"], "second over http");

    // Read: in order, MT with their ids and states; nothing unread after.
    let path = format!("/api/v1/conversations/+{OURS}/{THEIRS}");
    let page = get(&switch, &path, SHOP);
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(
        texts(&page.body),
        [
            pair("mt", "first over smpp"),
            pair("mo", "first over smpp"),
            pair("mt", "second over http"),
            pair("mo", "second over http"),
        ]
    );
    let messages = page.body["messages"].as_array().unwrap();
    assert_eq!(messages[0]["id"], smpp_id.as_str());
    assert_eq!(messages[2]["ids"], json!([http_id]));
    assert!(messages[0]["state"].is_string(), "{}", page.text);
    assert!(messages[1]["state"].is_null(), "{}", page.text);
    assert_eq!(page.body["unread"], 0);
    assert!(page.body["previous_cursor"].is_null());
    assert_eq!(listed_once(&switch, 4)["unread"], 0);

    // Paging back from the newest two.
    let newest = get(&switch, &format!("{path}?limit=2"), SHOP);
    assert_eq!(texts(&newest.body)[0], pair("mt", "second over http"));
    let cursor = newest.body["previous_cursor"].as_str().unwrap().to_owned();
    let older = get(&switch, &format!("{path}?limit=2&before={cursor}"), SHOP);
    assert_eq!(
        texts(&older.body),
        [pair("mt", "first over smpp"), pair("mo", "first over smpp")]
    );

    // A reply inside the conversation goes through the accept path to the
    // simulator, whose echo comes back unread.
    let reply_path = format!("/api/v1/conversations/{OURS}/{THEIRS}/messages");
    let reply = http::json(
        switch.http,
        "POST",
        &reply_path,
        SHOP,
        Some(&json!({"text": "a reply"})),
    );
    assert_eq!(reply.status, 202, "{}", reply.text);
    assert_eq!(reply.body["parts"], 1);
    assert_eq!(reply.body["cost"], "0.01");
    let listed = listed_once(&switch, 6);
    assert_eq!(listed["unread"], 1, "{listed}");
    let after = get(
        &switch,
        &format!(
            "{path}?after={}",
            page.body["next_cursor"].as_str().unwrap()
        ),
        SHOP,
    );
    assert_eq!(
        texts(&after.body),
        [pair("mt", "a reply"), pair("mo", "a reply")]
    );

    // An alphanumeric sender id has its own (one-way) conversation.
    let alert = http::json(
        switch.http,
        "POST",
        "/api/v1/messages",
        SHOP,
        Some(&json!({"from": "Shop Alert", "to": THEIRS, "text": "your order shipped"})),
    );
    assert_eq!(alert.status, 202, "{}", alert.text);
    let alerts = get(
        &switch,
        &format!("/api/v1/conversations/Shop%20Alert/{THEIRS}"),
        SHOP,
    );
    assert_eq!(alerts.status, 200, "{}", alerts.text);
    assert_eq!(texts(&alerts.body), [pair("mt", "your order shipped")]);
    assert_eq!(alerts.body["ours"], "Shop Alert");
    let listed = get(&switch, "/api/v1/conversations", SHOP);
    assert_eq!(
        listed.body["conversations"][0]["ours"], "Shop Alert",
        "{}",
        listed.text
    );
    assert_eq!(listed.body["conversations"][1]["ours"], OURS);

    // Another customer sees none of it, and cannot answer in it.
    let club = get(&switch, "/api/v1/conversations", CLUB);
    assert_eq!(club.status, 200, "{}", club.text);
    assert_eq!(club.body["conversations"], json!([]));
    assert_eq!(get(&switch, &path, CLUB).status, 404);
    let foreign = http::json(
        switch.http,
        "POST",
        &reply_path,
        CLUB,
        Some(&json!({"text": "hi"})),
    );
    assert_eq!(foreign.status, 404, "{}", foreign.text);
    let peek = get(&switch, "/api/v1/conversations?account=shop", CLUB);
    assert_eq!(peek.status, 403, "{}", peek.text);
    assert_eq!(peek.body["field"], "account");

    // The operator names the account.
    let admin = get(&switch, "/api/v1/conversations?account=shop", ADMIN);
    assert_eq!(admin.status, 200, "{}", admin.text);
    assert_eq!(admin.body["conversations"][0]["theirs"], THEIRS);
    let unnamed = get(&switch, "/api/v1/conversations", ADMIN);
    assert_eq!(
        (unnamed.status, unnamed.body["field"].as_str()),
        (400, Some("account"))
    );
    let unknown = get(&switch, "/api/v1/conversations?account=nobody", ADMIN);
    assert_eq!(unknown.status, 404, "{}", unknown.text);

    // Bad numbers and cursors are problems naming the field.
    let bad = get(&switch, "/api/v1/conversations/+34abc/346000009999", SHOP);
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (400, Some("ours")),
        "{}",
        bad.text
    );
    let bad = get(&switch, &format!("{path}?before=x"), SHOP);
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (400, Some("before"))
    );
    let bad = http::json(
        switch.http,
        "POST",
        &format!("/api/v1/conversations/{OURS}/Bank/messages"),
        SHOP,
        Some(&json!({"text": "hi"})),
    );
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (400, Some("theirs"))
    );
    let bad = http::json(
        switch.http,
        "POST",
        &reply_path,
        SHOP,
        Some(&json!({"text": "hi", "to": "34600000001"})),
    );
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (400, Some("body"))
    );
}

/// Each MO a receiver bound as shop gets, by text, until `quiet` passes
/// without one (bounded).
fn received_mo(switch: &Switch, quiet: Duration) -> BTreeMap<String, usize> {
    let mut raw = Raw::connect(switch.smpp);
    assert_eq!(
        raw.bind(CommandId::BindReceiver, "shop", "shop1234"),
        CommandStatus::EsmeRok
    );
    let mut texts = BTreeMap::new();
    let deadline = Instant::now() + WAIT;
    while let Some(command) = raw.recv(quiet) {
        if let Some(Pdu::DeliverSm(body)) = command.pdu() {
            let text = String::from_utf8_lossy(body.short_message()).into_owned();
            *texts.entry(text).or_insert(0) += 1;
        }
        assert!(Instant::now() < deadline, "the receiver never went quiet");
    }
    texts
}

/// The whole conversation, every page after `after`, oldest first.
fn whole(switch: &Switch) -> Vec<Value> {
    let path = format!("/api/v1/conversations/{OURS}/{THEIRS}");
    let mut messages = Vec::new();
    let mut after = "0".to_owned();
    loop {
        let page = get(switch, &format!("{path}?limit=7&after={after}"), SHOP);
        assert_eq!(page.status, 200, "{}", page.text);
        let batch = page.body["messages"].as_array().unwrap().clone();
        if batch.is_empty() {
            return messages;
        }
        after = page.body["next_cursor"].as_str().unwrap().to_owned();
        messages.extend(batch);
    }
}

#[test]
fn after_a_sigkill_under_traffic_the_conversation_holds_each_message_once() {
    const COUNT: usize = 25;
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let config = config(dir.path(), &upstream);
    let mut switch = Switch::start(&config, &[]);
    let mut shop = shop_session(&switch);
    let mut acknowledged = Vec::new();
    for n in 1..=COUNT {
        acknowledged.push(submit(&mut shop, &format!("message {n}")));
    }
    // Killed while the echoes are coming back.
    switch.signal_and_wait(libc::SIGKILL);
    drop(shop);

    let switch = Switch::start(&config, &[]);
    let delivered = received_mo(&switch, Duration::from_millis(1500));
    let messages = whole(&switch);
    let ids: Vec<&str> = messages.iter().map(|m| m["id"].as_str().unwrap()).collect();
    let mut sequences: Vec<u64> = ids.iter().map(|id| id.parse().unwrap()).collect();
    sequences.sort_unstable();
    sequences.dedup();
    assert_eq!(sequences.len(), ids.len(), "a message twice: {ids:?}");
    let mut mt = Vec::new();
    let mut mo = BTreeMap::new();
    for message in &messages {
        let text = message["text"].as_str().unwrap().to_owned();
        match message["direction"].as_str().unwrap() {
            "mt" => mt.push(message["id"].as_str().unwrap().to_owned()),
            _ => *mo.entry(text).or_insert(0) += 1,
        }
    }
    assert_eq!(mt, acknowledged, "every acknowledged MT, once, in order");
    assert_eq!(
        mo, delivered,
        "the MO of the conversation are those shop got"
    );
    let listed = listed_once(&switch, messages.len() as u64);
    assert_eq!(listed["messages"], messages.len());
    assert_eq!(listed["sent"], COUNT);
    assert_eq!(listed["received"], mo.values().sum::<usize>());

    // And it goes on counting from there.
    let mut shop = shop_session(&switch);
    submit(&mut shop, "after the restart");
    let listed = listed_once(&switch, messages.len() as u64 + 1);
    assert_eq!(listed["sent"], COUNT + 1);
}

/// shop's conversations with `theirs`, by the other number.
fn conversations_with(switch: &Switch) -> BTreeMap<String, Value> {
    let answer = get(switch, "/api/v1/conversations", SHOP);
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["theirs"].as_str().unwrap().to_owned(), c.clone()))
        .collect()
}

/// Retention takes a conversation's messages with their own: a
/// conversation idle past it leaves the listing, one still in use keeps
/// only its recent messages, and a message to the idle one's number
/// afterwards starts it again, counted from one and unread.
#[test]
fn retention_takes_old_messages_out_of_conversations_and_idle_conversations_away() {
    // Echoed as well, a second handset.
    const OTHER: &str = "346000019999";
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let config = config(dir.path(), &upstream);
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("retention_days = 90 "));
    // 0.0002 days: 17.28 s.
    let text = text.replace("retention_days = 90 ", "retention_days = 0.0002 ");
    std::fs::write(&config, text).unwrap();
    let switch = Switch::start(&config, &[]);
    let send = |to: &str, text: &str| {
        let sent = http::json(
            switch.http,
            "POST",
            "/api/v1/messages",
            SHOP,
            Some(&json!({"from": OURS, "to": to, "text": text})),
        );
        assert_eq!(sent.status, 202, "{}", sent.text);
    };
    send(THEIRS, "old");
    send(OTHER, "old");
    listed_once(&switch, 2);
    // Read through: the MO echo is read.
    let path = format!("/api/v1/conversations/{OURS}/{THEIRS}");
    assert_eq!(get(&switch, &path, SHOP).body["unread"], 0);
    std::thread::sleep(Duration::from_secs(8));
    send(OTHER, "recent");

    let other_path = format!("/api/v1/conversations/{OURS}/{OTHER}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let listed = conversations_with(&switch);
        let other = get(&switch, &other_path, SHOP);
        let only_recent = texts(&other.body) == [pair("mt", "recent"), pair("mo", "recent")];
        if !listed.contains_key(THEIRS) && only_recent {
            // Still listed, with its counts since it began.
            assert_eq!(listed[OTHER]["sent"], 2, "{listed:?}");
            assert_eq!(listed[OTHER]["received"], 2, "{listed:?}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not purged: {listed:?}, {}",
            other.text
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(get(&switch, &path, SHOP).status, 404);

    send(THEIRS, "again");
    let again = listed_once(&switch, 2);
    assert_eq!(
        (again["sent"].as_u64(), again["received"].as_u64()),
        (Some(1), Some(1)),
        "{again}"
    );
    assert_eq!(again["unread"], 1, "{again}");
    let page = get(&switch, &path, SHOP);
    assert_eq!(
        texts(&page.body),
        [pair("mt", "again"), pair("mo", "again")]
    );
}
