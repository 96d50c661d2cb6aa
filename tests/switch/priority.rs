//! Bulk never delays the urgent, end to end: a backlog of priority-0
//! messages waits at an `smpp` gateway held to a low TPS in front of a
//! `pasarela sim-smsc`; messages of a higher priority sent after it over
//! SMPP (`priority_flag`), the JSON API (`priority`) and Kannel's sendsms
//! (`priority`) reach the SMSC long before the backlog drains. Where each
//! arrived is read from the SMSC's ids (one counter, one bind: the order it
//! received them in), not from clocks, so a slow machine only moves the
//! urgent a few places. A campaign fills only half of a gateway's queue:
//! a single message sent while one fills it finds room, and goes ahead of
//! the campaign's waiting messages, which all still go. A priority out of
//! range is a 400 naming the field.

use crate::campaigns::{create, wait_for};
use crate::esme::Esme;
use crate::http::{self, json};
use crate::raw::hello;
use crate::{common, sim};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{ADMIN_PASSWORD, Switch, write_config, write_config_without_account_tps};
use pasarela::campaigns::Outcome;
use pasarela::model::{CampaignId, MessageId};
use pasarela::smpp::pdu::PriorityFlag;
use pasarela::store::{Store, StoreConfig};
use serde_json::{Value, json};
use sim::Sim;

const DEMO: Option<(&str, &str)> = Some(("demo", "demo1234"));
/// The gateway's rate: the backlog takes `BACKLOG / TPS` = 20 s to drain.
const TPS: u32 = 20;
/// Priority-0 messages queued before the urgent ones, in requests of
/// [`PER_REQUEST`] numbers.
const BACKLOG: usize = 400;
const PER_REQUEST: usize = 100;
/// The longest any wait here lasts.
const WAIT: Duration = Duration::from_secs(20);

/// A switch whose `34` route goes to gateway `slow`, an `smpp` gateway at
/// `upstream` with one bind of window 16 and `settings` (its TPS, say),
/// and no account TPS.
fn config(dir: &Path, upstream: SocketAddr, settings: &str) -> PathBuf {
    let gateway = common::smpp_gateway("slow", upstream, &format!("window = 16\n{settings}"));
    let extra = format!(
        r#"
{gateway}

[[routes]]
prefix = "34"
gateways = ["slow"]
price = "0.01"
"#
    );
    write_config_without_account_tps(dir, &extra)
}

/// Waits (bounded) until gateway `name` is bound to its SMSC, so that what
/// follows queues at the gateway rather than in the route.
fn wait_until_up(switch: &Switch, name: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let answer = json(
            switch.http,
            "GET",
            &format!("/api/v1/gateways/{name}"),
            Some(("admin", ADMIN_PASSWORD)),
            None,
        );
        if answer.body["up"] == true {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{name} never up: {}",
            answer.body
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends `body` to `POST /api/v1/messages`; the ids of its parts.
fn send(switch: &Switch, body: &Value) -> Vec<MessageId> {
    let answer = json(switch.http, "POST", "/api/v1/messages", DEMO, Some(body));
    assert_eq!(answer.status, 202, "{}", answer.body);
    answer.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|sent| sent["ids"].as_array().unwrap().iter())
        .map(|id| id.as_str().unwrap().parse().unwrap())
        .collect()
}

/// [`BACKLOG`] priority-0 messages, sent over HTTP; their ids.
fn queue_backlog(switch: &Switch) -> Vec<MessageId> {
    (0..BACKLOG)
        .collect::<Vec<usize>>()
        .chunks(PER_REQUEST)
        .flat_map(|numbers| {
            let to: Vec<String> = numbers.iter().map(|n| format!("34600{n:06}")).collect();
            send(
                switch,
                &json!({"to": to, "from": "Shop", "text": "sale", "receipt": false}),
            )
        })
        .collect()
}

/// The id of the one message of the demo account to `number`, from the
/// listing (a Kannel answer carries none).
fn listed(switch: &Switch, number: &str) -> MessageId {
    let answer = json(
        switch.http,
        "GET",
        &format!("/api/v1/messages?to={number}"),
        DEMO,
        None,
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let rows = answer.body["messages"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", answer.body);
    rows[0]["id"].as_str().unwrap().parse().unwrap()
}

/// Waits (bounded) until message `id` has left for the SMSC.
fn wait_until_submitted(switch: &Switch, id: MessageId) {
    let deadline = Instant::now() + WAIT;
    loop {
        let answer = json(
            switch.http,
            "GET",
            &format!("/api/v1/messages/{id}"),
            DEMO,
            None,
        );
        if ["SUBMITTED", "DELIVERED"].contains(&answer.body["state"].as_str().unwrap_or("")) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{id} never reached the SMSC: {}",
            answer.body
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How many of campaign `id`'s recipients have a message that has reached
/// the SMSC, from the recipients' CSV.
fn campaign_at_smsc(switch: &Switch, id: u64) -> usize {
    let csv = http::request(
        switch.http,
        "GET",
        &format!("/api/v1/campaigns/{id}/recipients.csv"),
        DEMO,
        "text/plain",
        "",
    );
    assert_eq!(csv.status, 200, "{}", csv.text);
    csv.text
        .lines()
        .skip(1)
        .filter(|line| {
            let state = line.split(',').nth(6).unwrap_or("");
            ["SUBMITTED", "DELIVERED"].contains(&state)
        })
        .count()
}

/// The id of each recipient's message of campaign `id`, in recipient
/// order, from the store of a stopped switch.
fn campaign_messages(dir: &Path, id: u64) -> Vec<MessageId> {
    let store = Store::open(StoreConfig::new(dir.join("data/store"))).unwrap();
    store
        .recipients_page(CampaignId(id), 0, 10_000)
        .unwrap()
        .into_iter()
        .map(|(_, recipient)| match recipient.outcome {
            Some(Outcome::Sent { first, .. }) => first,
            other => panic!("{}: {other:?}", recipient.number),
        })
        .collect()
}

/// The SMSC's id of each message it has received (none for one still
/// waiting), from the store of a stopped switch.
fn smsc_ids(dir: &Path, ids: &[MessageId]) -> Vec<Option<u64>> {
    let store = Store::open(StoreConfig::new(dir.join("data/store"))).unwrap();
    ids.iter()
        .map(|id| {
            let message = store.message(*id).unwrap().expect("stored");
            message.upstream_id.map(|upstream| {
                upstream
                    .to_string()
                    .parse()
                    .expect("sim-smsc's ids are decimal")
            })
        })
        .collect()
}

#[test]
fn urgent_messages_overtake_a_backlog_at_a_slow_gateway() {
    let upstream = Sim::start(&["--dlr-delay-ms", "20"]);
    let dir = tempfile::tempdir().unwrap();
    let mut switch = Switch::start(
        &config(dir.path(), upstream.addr, &format!("tps = {TPS}")),
        &[],
    );
    wait_until_up(&switch, "slow");
    let backlog = queue_backlog(&switch);
    assert_eq!(backlog.len(), BACKLOG);

    let mut esme = Esme::bind(switch.smpp);
    let mut over_smpp = hello("34699000001", 0);
    over_smpp.priority_flag = PriorityFlag::from(1);
    let over_smpp: MessageId = esme.submit(over_smpp).parse().unwrap();
    let over_http = send(
        &switch,
        &json!({"to": "34699000002", "from": "Bank", "text": "code 1234", "priority": 3}),
    );
    let over_kannel = http::request_with_headers(
        switch.http,
        "GET",
        "/cgi-bin/sendsms?username=demo&password=demo1234&to=34699000003&from=Bank&text=code&priority=2",
        &[],
        b"",
    );
    assert_eq!(over_kannel.status, 202, "{}", over_kannel.text);
    let urgent = [over_smpp, over_http[0], listed(&switch, "34699000003")];
    for id in urgent {
        wait_until_submitted(&switch, id);
    }
    switch.signal_and_wait(libc::SIGTERM);

    let backlog_at_smsc = smsc_ids(dir.path(), &backlog);
    let backlog_left = backlog_at_smsc.iter().filter(|id| id.is_none()).count();
    for (id, at_smsc) in urgent.iter().zip(smsc_ids(dir.path(), &urgent)) {
        let at_smsc = at_smsc.expect("the urgent message reached the SMSC");
        let place = backlog_at_smsc
            .iter()
            .flatten()
            .filter(|bulk| **bulk < at_smsc)
            .count();
        assert!(
            place < BACKLOG / 2,
            "message {id} reached the SMSC after {place} of the {BACKLOG} queued before it"
        );
    }
    assert!(
        backlog_left > BACKLOG / 2,
        "the backlog drained before the urgent were seen: {backlog_left} of {BACKLOG} left"
    );
}

#[test]
fn a_single_message_finds_room_beside_a_campaign_filling_the_gateway() {
    /// The gateway's queue: campaign messages fill half of it (100)...
    const QUEUE_LIMIT: usize = 200;
    /// ...and leave it at this rate: the campaign takes 8 s.
    const BULK_TPS: u32 = 50;
    /// Twice what the queue holds: the route keeps the rest meanwhile.
    const RECIPIENTS: usize = 400;
    /// Campaign messages that may reach the SMSC between the single
    /// message's acceptance and its own arrival: those already in flight
    /// and a slow machine's scheduling. Without the bulk share the
    /// single message waits for the full queue to drain to 90 %, 20 of
    /// them.
    const SLACK: usize = 5;
    let upstream = Sim::start(&["--dlr-delay-ms", "20"]);
    let dir = tempfile::tempdir().unwrap();
    let settings = format!("tps = {BULK_TPS}\nqueue_limit = {QUEUE_LIMIT}");
    let mut switch = Switch::start(&config(dir.path(), upstream.addr, &settings), &[]);
    wait_until_up(&switch, "slow");
    let numbers: Vec<String> = (0..RECIPIENTS).map(|n| format!("34600{n:06}")).collect();
    let made = create(
        &switch,
        DEMO,
        json!({"name": "sale", "from": "Shop", "text": "Sale {{number}}", "numbers": numbers}),
    );
    let campaign = made["id"].as_u64().unwrap();
    // Every message made: the gateway holds its share, the route the rest.
    wait_for(&switch, campaign, WAIT, |view| view["sent"] == RECIPIENTS);

    let single = send(
        &switch,
        &json!({"to": "34699000001", "from": "Bank", "text": "code 1234"}),
    )[0];
    let before_single = campaign_at_smsc(&switch, campaign);
    wait_until_submitted(&switch, single);
    let done = wait_for(&switch, campaign, 2 * WAIT, |view| {
        view["state"] == "finished" && view["delivered"] == RECIPIENTS
    });
    assert_eq!(done["failed"], 0, "{done}");
    switch.signal_and_wait(libc::SIGTERM);

    let bulk_at_smsc: Vec<u64> = smsc_ids(dir.path(), &campaign_messages(dir.path(), campaign))
        .into_iter()
        .map(|id| id.expect("every campaign message reached the SMSC"))
        .collect();
    let single_at_smsc =
        smsc_ids(dir.path(), &[single])[0].expect("the single message reached the SMSC");
    let ahead = bulk_at_smsc
        .iter()
        .filter(|bulk| **bulk < single_at_smsc)
        .count();
    assert!(
        ahead <= before_single + SLACK,
        "{} campaign messages reached the SMSC after the single one was accepted and before it \
         ({before_single} had before)",
        ahead.saturating_sub(before_single)
    );
    assert!(
        RECIPIENTS - ahead > RECIPIENTS / 2,
        "most of the campaign went first: {ahead} of {RECIPIENTS}"
    );
}

#[test]
fn a_priority_out_of_range_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&write_config(dir.path(), ""), &[]);
    for priority in [json!(4), json!(-1)] {
        let answer = json(
            switch.http,
            "POST",
            "/api/v1/messages",
            DEMO,
            Some(&json!({"to": "34600000001", "from": "Shop", "text": "x", "priority": priority})),
        );
        assert_eq!(answer.status, 400, "{}", answer.body);
        assert_eq!(answer.body["field"], "priority", "{}", answer.body);
    }
}
