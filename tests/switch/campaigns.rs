//! Campaigns end to end (SPEC §6.2, docs/campaigns.md) against
//! `pasarela serve` on a real store: a 5,000-recipient campaign through
//! an upstream SMSC over TCP (node-smpp, which journals every submit) is
//! SIGKILLed mid-way and restarted, and every recipient got its message
//! exactly once from the store's side, at least once and at most about a
//! window again from the SMSC's, and was charged once; a scheduled
//! campaign starts on time; quiet hours hold one back; pause, resume and
//! cancel; credit running out pauses a campaign and a top-up lets it go
//! on; opted-out and invalid numbers are skipped and counted; the
//! recipients' CSV; another customer sees none of it.

use crate::{common, http, node_smsc};
use std::time::{Duration, Instant};

use chrono::{Timelike, Utc};
use common::{ADMIN_PASSWORD, Switch, smpp_gateway, write_config};
use http::json;
use node_smsc::NodeSmsc;
use pasarela::campaigns::Outcome;
use pasarela::model::{AccountId, CampaignId, Money};
use pasarela::store::{Store, StoreConfig};
use serde_json::{Value, json};

const ADMIN: Option<(&str, &str)> = Some(("admin", ADMIN_PASSWORD));
const SHOP: Option<(&str, &str)> = Some(("shop", "shop1234"));
const POOR: Option<(&str, &str)> = Some(("poor", "poor1234"));

const ACCOUNTS: &str = r#"
[[accounts]]
system_id = "shop"
password = "shop1234"
credit = "100000.00"
tps = 0

[[accounts]]
system_id = "poor"
password = "poor1234"
credit = "3.00"
tps = 0
"#;

/// `count` numbers from `first` on.
fn numbers(first: u64, count: u64) -> Vec<String> {
    (first..first + count).map(|n| n.to_string()).collect()
}

fn campaign(switch: &Switch, id: u64, auth: Option<(&str, &str)>) -> Value {
    let read = json(
        switch.http,
        "GET",
        &format!("/api/v1/campaigns/{id}"),
        auth,
        None,
    );
    assert_eq!(read.status, 200, "{}", read.text);
    read.body
}

/// Polls campaign `id` until `done` holds of it (bounded).
pub fn wait_for(
    switch: &Switch,
    id: u64,
    within: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let now = campaign(switch, id, ADMIN);
        if done(&now) {
            return now;
        }
        assert!(Instant::now() < deadline, "campaign {id} stuck: {now}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Makes a campaign; its view (201).
pub fn create(switch: &Switch, auth: Option<(&str, &str)>, body: Value) -> Value {
    let made = json(switch.http, "POST", "/api/v1/campaigns", auth, Some(&body));
    assert_eq!(made.status, 201, "{}", made.text);
    made.body
}

#[test]
fn a_campaign_killed_mid_way_sends_each_recipient_once_and_charges_once() {
    const RECIPIENTS: u64 = 5_000;
    const FIRST: u64 = 34_600_100_000;
    const WINDOW: usize = 64;
    let dir = tempfile::tempdir().unwrap();
    let smsc = NodeSmsc::start(dir.path(), "smsc", &[]);
    let extra = format!(
        "{ACCOUNTS}{}\n[[routes]]\nprefix = \"346\"\naccounts = [\"*\"]\ngateways = [\"node\"]\nprice = \"1.00\"\n",
        smpp_gateway("node", smsc.addr, &format!("window = {WINDOW}"))
    );
    let config = write_config(dir.path(), &extra);
    let mut switch = Switch::start(&config, &[]);
    let made = create(
        &switch,
        SHOP,
        json!({"name": "winter sale", "from": "34911000000", "text": "Sale for {{number}}",
               "numbers": numbers(FIRST, RECIPIENTS), "tps": 1500}),
    );
    let id = made["id"].as_u64().unwrap();
    assert_eq!(made["total"], RECIPIENTS);
    assert_eq!(made["estimate"]["parts"], RECIPIENTS);
    assert_eq!(made["estimate"]["cost"], "5000.00");
    let before = wait_for(&switch, id, Duration::from_secs(30), |c| {
        c["sent"].as_u64().unwrap() >= 1_000
    });
    switch.kill();
    assert!(
        before["sent"].as_u64().unwrap() < RECIPIENTS,
        "killed mid-way: {before}"
    );
    drop(switch);

    let mut switch = Switch::start(&config, &[]);
    let done = wait_for(&switch, id, Duration::from_secs(60), |c| {
        c["state"] == "finished" && c["delivered"].as_u64() == Some(RECIPIENTS)
    });
    assert_eq!(done["sent"], RECIPIENTS, "{done}");
    assert_eq!(done["skipped"], 0);
    assert_eq!(done["failed"], 0);
    assert_eq!(done["cost"], "5000.00");
    switch.signal_and_wait(libc::SIGTERM);
    drop(switch);

    // The SMSC's side: every recipient, none more than the gateway's
    // window of submits in flight at the kill again.
    let journal = smsc.journal();
    let mut repeated = 0;
    for number in numbers(FIRST, RECIPIENTS) {
        let count = journal.count(&number);
        assert!(count >= 1, "{number} never reached the SMSC");
        repeated += count - 1;
    }
    // Routed again after the restart: the WINDOW submits in flight at the
    // kill, and those the SMSC had answered whose SUBMITTED state was not
    // yet durable (a group commit's worth, far fewer than a window).
    assert!(
        repeated <= 2 * WINDOW,
        "{repeated} submits repeated upstream"
    );

    // The store's side: one message and one charge per recipient.
    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    let recipients = store.recipients_page(CampaignId(id), 0, 10_000).unwrap();
    assert_eq!(recipients.len() as u64, RECIPIENTS);
    let mut firsts = std::collections::HashSet::new();
    for (_, recipient) in &recipients {
        match recipient.outcome {
            Some(Outcome::Sent { first, parts: 1 }) => {
                let message = store.message(first).unwrap().expect("its message");
                assert_eq!(message.destination.text(), recipient.number);
                assert_eq!(message.campaign, Some(CampaignId(id)));
                assert!(firsts.insert(first));
            }
            other => panic!("{}: {other:?}", recipient.number),
        }
    }
    let shop = AccountId::new("shop").unwrap();
    assert_eq!(
        store.account_balance(&shop).unwrap(),
        Some(Money::from_units(100_000 - RECIPIENTS as i64).unwrap()),
        "charged once per recipient"
    );
    let ledger = store.ledger(&shop).unwrap();
    assert_eq!(
        ledger
            .iter()
            .filter(|entry| entry.message.is_some())
            .count() as u64,
        RECIPIENTS
    );
}

#[test]
fn scheduling_quiet_hours_pause_resume_cancel_credit_and_skips() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), ACCOUNTS);
    let switch = Switch::start(&config, &[]);

    // Scheduled two seconds ahead, in Madrid's wall clock.
    let madrid = chrono_tz::Europe::Madrid;
    let start = (Utc::now() + chrono::Duration::seconds(2)).with_timezone(&madrid);
    let scheduled = create(
        &switch,
        SHOP,
        json!({"name": "soon", "from": "Shop", "text": "Hi", "numbers": numbers(34_600_000_000, 3),
               "start_at": start.format("%Y-%m-%dT%H:%M:%S").to_string(), "time_zone": "Europe/Madrid"}),
    );
    assert_eq!(scheduled["state"], "scheduled");
    let id = scheduled["id"].as_u64().unwrap();
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        campaign(&switch, id, SHOP)["sent"],
        0,
        "not before its time"
    );
    let done = wait_for(&switch, id, Duration::from_secs(10), |c| {
        c["state"] == "finished"
    });
    assert_eq!(done["sent"], 3);

    // Quiet from an hour ago to an hour ahead: nothing leaves.
    let hour = Utc::now().hour();
    let quiet = create(
        &switch,
        SHOP,
        json!({"name": "night", "from": "Shop", "text": "Hi", "numbers": numbers(34_600_000_100, 2),
               "quiet_hours": {"from": format!("{:02}:00", (hour + 23) % 24),
                               "to": format!("{:02}:00", (hour + 1) % 24)}}),
    );
    let quiet_id = quiet["id"].as_u64().unwrap();
    std::thread::sleep(Duration::from_millis(800));
    let held = campaign(&switch, quiet_id, SHOP);
    assert_eq!(
        (held["state"].as_str(), held["sent"].as_u64()),
        (Some("running"), Some(0))
    );

    // Paused at once, resumed, finished; a cancelled one stops for good.
    let slow = create(
        &switch,
        SHOP,
        json!({"name": "slow", "from": "Shop", "text": "Hi {{number}}", "tps": 20,
               "numbers": numbers(34_600_000_200, 60)}),
    );
    let slow_id = slow["id"].as_u64().unwrap();
    let paused = json(
        switch.http,
        "POST",
        &format!("/api/v1/campaigns/{slow_id}/pause"),
        SHOP,
        Some(&json!({})),
    );
    assert_eq!(paused.status, 200, "{}", paused.text);
    assert_eq!(paused.body["paused_because"], "asked");
    std::thread::sleep(Duration::from_millis(300));
    let at_pause = campaign(&switch, slow_id, SHOP)["sent"].as_u64().unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(
        campaign(&switch, slow_id, SHOP)["sent"].as_u64().unwrap(),
        at_pause,
        "paused"
    );
    assert!(at_pause < 60);
    let again = json(
        switch.http,
        "POST",
        &format!("/api/v1/campaigns/{slow_id}/pause"),
        SHOP,
        Some(&json!({})),
    );
    assert_eq!(again.status, 409);
    let resumed = json(
        switch.http,
        "POST",
        &format!("/api/v1/campaigns/{slow_id}/resume"),
        SHOP,
        Some(&json!({})),
    );
    assert_eq!(resumed.body["state"], "running", "{}", resumed.text);
    let done = wait_for(&switch, slow_id, Duration::from_secs(15), |c| {
        c["state"] == "finished"
    });
    assert_eq!(done["sent"], 60);
    let finished = json(
        switch.http,
        "POST",
        &format!("/api/v1/campaigns/{slow_id}/resume"),
        SHOP,
        Some(&json!({})),
    );
    assert_eq!(finished.status, 409, "a finished campaign is not restarted");

    let doomed = create(
        &switch,
        SHOP,
        json!({"name": "doomed", "from": "Shop", "text": "Hi", "tps": 10,
               "numbers": numbers(34_600_000_300, 50)}),
    );
    let doomed_id = doomed["id"].as_u64().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let cancelled = json(
        switch.http,
        "POST",
        &format!("/api/v1/campaigns/{doomed_id}/cancel"),
        SHOP,
        Some(&json!({})),
    );
    assert_eq!(cancelled.body["state"], "cancelled", "{}", cancelled.text);
    let sent = cancelled.body["sent"].as_u64().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let after = campaign(&switch, doomed_id, SHOP);
    assert!(after["sent"].as_u64().unwrap() <= sent + 1, "{after}");
    assert!(after["sent"].as_u64().unwrap() < 50);
    let resume = json(
        switch.http,
        "POST",
        &format!("/api/v1/campaigns/{doomed_id}/resume"),
        SHOP,
        Some(&json!({})),
    );
    assert_eq!(resume.status, 409);

    // Credit for three: paused with reason credit, goes on after a top-up.
    let opted = json(
        switch.http,
        "POST",
        "/api/v1/opt-outs",
        POOR,
        Some(&json!({"number": "34600000401"})),
    );
    assert!(opted.status < 300, "{}", opted.text);
    let mut listed = numbers(34_600_000_400, 6);
    listed.push("not-a-number".into());
    let poor = create(
        &switch,
        POOR,
        json!({"name": "on credit", "from": "Shop", "text": "Hi", "numbers": listed}),
    );
    let poor_id = poor["id"].as_u64().unwrap();
    let stuck = wait_for(&switch, poor_id, Duration::from_secs(10), |c| {
        c["paused_because"] == "credit"
    });
    assert_eq!(stuck["sent"], 3, "{stuck}");
    let topped = json(
        switch.http,
        "POST",
        "/api/v1/accounts/poor/credit",
        ADMIN,
        Some(&json!({"amount": "10.00", "reason": "top-up"})),
    );
    assert_eq!(topped.status, 200, "{}", topped.text);
    let done = wait_for(&switch, poor_id, Duration::from_secs(15), |c| {
        c["state"] == "finished"
    });
    assert_eq!(done["sent"], 5, "{done}");
    assert_eq!(done["skipped_by"]["opted_out"], 1);
    assert_eq!(done["skipped_by"]["invalid"], 1);
    assert_eq!(done["waiting"], 0);

    // The recipients' CSV, each with its outcome.
    let csv = http::request(
        switch.http,
        "GET",
        &format!("/api/v1/campaigns/{poor_id}/recipients.csv"),
        POOR,
        "text/plain",
        "",
    );
    assert_eq!(csv.status, 200);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(
        lines[0],
        "index,number,text,outcome,message_id,parts,state,error_code"
    );
    assert!(
        lines[2].starts_with("1,34600000401,Hi,skipped:opted_out,"),
        "{}",
        csv.text
    );
    assert!(
        lines[7].starts_with("6,not-a-number,Hi,skipped:invalid,"),
        "{}",
        csv.text
    );
    assert!(
        lines[1].starts_with("0,34600000400,Hi,sent,"),
        "{}",
        csv.text
    );

    // Another customer sees none of it; the operator sees all.
    assert_eq!(
        json(
            switch.http,
            "GET",
            &format!("/api/v1/campaigns/{poor_id}"),
            SHOP,
            None
        )
        .status,
        404
    );
    let theirs = json(
        switch.http,
        "POST",
        &format!("/api/v1/campaigns/{poor_id}/cancel"),
        SHOP,
        Some(&json!({})),
    );
    assert_eq!(theirs.status, 404);
    let all = json(switch.http, "GET", "/api/v1/campaigns", ADMIN, None);
    assert_eq!(all.body.as_array().unwrap().len(), 5);
    let own = json(switch.http, "GET", "/api/v1/campaigns", POOR, None);
    assert_eq!(own.body.as_array().unwrap().len(), 1);

    // A template naming a field no number has, without a default.
    let refused = json(
        switch.http,
        "POST",
        "/api/v1/campaigns",
        SHOP,
        Some(
            &json!({"name": "x", "from": "Shop", "text": "Hi {{name}}", "numbers": ["34600000001"]}),
        ),
    );
    assert_eq!(refused.status, 400);
    assert_eq!(refused.body["field"], "text");
}
