//! Campaigns end to end (SPEC §6.2, docs/campaigns.md) against
//! `pasarela serve` on a real store: a 5,000-recipient campaign through
//! an upstream SMSC over TCP (node-smpp, which journals every submit) is
//! SIGKILLed mid-way and restarted, and every recipient got its message
//! exactly once from the store's side, at least once and at most about a
//! window again from the SMSC's, and was charged once; a scheduled
//! campaign starts on time; quiet hours hold one back; pause, resume and
//! cancel; credit running out pauses a campaign and a top-up lets it go
//! on; opted-out and invalid numbers are skipped and counted; the
//! recipients' CSV; another customer sees none of it; recipients'
//! replies and stop words counted for the campaign that wrote to them.

use crate::{common, http, node_smsc, sim};
use std::time::{Duration, Instant};

use chrono::{Timelike, Utc};
use common::{ADMIN_PASSWORD, Switch, smpp_gateway, write_config};
use http::json;
use node_smsc::NodeSmsc;
use pasarela::campaigns::Outcome;
use pasarela::model::{AccountId, CampaignId, Money};
use pasarela::store::{Store, StoreConfig};
use serde_json::{Value, json};
use sim::Sim;

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
time_zone = "Europe/Madrid"
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

/// Asserts that line `n` (from 0, the header's) of a CSV answer starts
/// with `prefix`.
fn assert_line(csv: &http::Answer, n: usize, prefix: &str) {
    let line = csv.text.lines().nth(n).unwrap_or_default();
    assert!(line.starts_with(prefix), "line {n}: {}", csv.text);
}

/// `POST /api/v1/campaigns/{id}/{action}` as `auth`.
fn act(switch: &Switch, id: u64, action: &str, auth: Option<(&str, &str)>) -> http::Answer {
    json(
        switch.http,
        "POST",
        &format!("/api/v1/campaigns/{id}/{action}"),
        auth,
        Some(&json!({})),
    )
}

/// Campaign `id`'s recipients CSV, read as `auth`.
fn recipients(switch: &Switch, id: u64, auth: Option<(&str, &str)>) -> http::Answer {
    let csv = http::request(
        switch.http,
        "GET",
        &format!("/api/v1/campaigns/{id}/recipients.csv"),
        auth,
        "text/plain",
        "",
    );
    assert_eq!(csv.status, 200, "{}", csv.text);
    csv
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
    assert_eq!(made["estimate"]["cost_per_message"], "1.00");
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

    // Without a time zone of its own, a campaign reads its start time in
    // its account's (Madrid for "poor").
    let local = (Utc::now() + chrono::Duration::hours(2)).with_timezone(&madrid);
    let later = create(
        &switch,
        POOR,
        json!({"name": "later", "from": "Shop", "text": "Hi", "numbers": ["34600000999"],
               "start_at": local.format("%Y-%m-%dT%H:%M:%S").to_string()}),
    );
    assert_eq!(later["time_zone"], "Europe/Madrid");
    let starts = chrono::DateTime::parse_from_rfc3339(later["start_at"].as_str().unwrap()).unwrap();
    assert_eq!(starts.timestamp(), local.timestamp());
    let cancelled = act(&switch, later["id"].as_u64().unwrap(), "cancel", POOR);
    assert_eq!(cancelled.body["state"], "cancelled", "{}", cancelled.text);

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
    let paused = act(&switch, slow_id, "pause", SHOP);
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
    let again = act(&switch, slow_id, "pause", SHOP);
    assert_eq!(again.status, 409);
    let resumed = act(&switch, slow_id, "resume", SHOP);
    assert_eq!(resumed.body["state"], "running", "{}", resumed.text);
    let done = wait_for(&switch, slow_id, Duration::from_secs(15), |c| {
        c["state"] == "finished"
    });
    assert_eq!(done["sent"], 60);
    let finished = act(&switch, slow_id, "resume", SHOP);
    assert_eq!(finished.status, 409, "a finished campaign is not restarted");

    let doomed = create(
        &switch,
        SHOP,
        json!({"name": "doomed", "from": "Shop", "text": "Hi", "tps": 10,
               "numbers": numbers(34_600_000_300, 50)}),
    );
    let doomed_id = doomed["id"].as_u64().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let cancelled = act(&switch, doomed_id, "cancel", SHOP);
    assert_eq!(cancelled.body["state"], "cancelled", "{}", cancelled.text);
    let sent = cancelled.body["sent"].as_u64().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let after = campaign(&switch, doomed_id, SHOP);
    assert!(after["sent"].as_u64().unwrap() <= sent + 1, "{after}");
    assert!(after["sent"].as_u64().unwrap() < 50);
    let resume = act(&switch, doomed_id, "resume", SHOP);
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
    let csv = recipients(&switch, poor_id, POOR);
    assert_line(
        &csv,
        0,
        "index,number,text,outcome,message_id,parts,state,error_code",
    );
    assert_line(&csv, 2, "1,34600000401,Hi,skipped:opted_out,");
    assert_line(&csv, 7, "6,not-a-number,Hi,skipped:invalid,");
    assert_line(&csv, 1, "0,34600000400,Hi,sent,");

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
    let theirs = act(&switch, poor_id, "cancel", SHOP);
    assert_eq!(theirs.status, 404);
    let all = json(switch.http, "GET", "/api/v1/campaigns", ADMIN, None);
    assert_eq!(all.body.as_array().unwrap().len(), 6);
    let own = json(switch.http, "GET", "/api/v1/campaigns", POOR, None);
    assert_eq!(own.body.as_array().unwrap().len(), 2);

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

#[test]
fn campaigns_to_selected_contacts_and_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), ACCOUNTS);
    let switch = Switch::start(&config, &[]);
    let contacts = "number,name,city,age\n\
                    +34600000501,Ana,Madrid,30\n\
                    +34600000502,,Madrid,17\n\
                    +34600000503,Luis,Bilbao,40\n\
                    +34600000504,Eva,Madrid,51\n";
    let imported = http::request(
        switch.http,
        "POST",
        "/api/v1/contacts/import?group=club",
        SHOP,
        "text/csv",
        contacts,
    );
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!(imported.body["imported"], 4);

    // A field one selected contact lacks, without a default: refused.
    let refused = json(
        switch.http,
        "POST",
        "/api/v1/campaigns",
        SHOP,
        Some(
            &json!({"name": "x", "from": "Shop", "text": "Hola {{name}}", "groups": ["club"],
                     "conditions": [{"field": "city", "op": "eq", "value": "Madrid"}]}),
        ),
    );
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("34600000502"),
        "{}",
        refused.text
    );

    // Madrid and of age, with a default for the name; a listed number too,
    // and Eva listed as well as selected gets one message.
    let made = create(
        &switch,
        SHOP,
        json!({"name": "club", "from": "Shop", "text": "Hola {{name|amigo}} de {{city|}}",
               "groups": ["club"], "numbers": ["+34600000504", "+34600000599"],
               "conditions": [{"field": "city", "op": "eq", "value": "Madrid"},
                              {"field": "age", "op": "ge", "value": 18}]}),
    );
    assert_eq!(made["total"], 3, "{made}");
    let id = made["id"].as_u64().unwrap();
    let done = wait_for(&switch, id, Duration::from_secs(10), |c| {
        c["state"] == "finished"
    });
    assert_eq!(done["sent"], 3);
    let csv = recipients(&switch, id, SHOP);
    assert_line(&csv, 1, "0,+34600000504,Hola amigo de ,sent,");
    assert_line(&csv, 2, "1,+34600000599,Hola amigo de ,sent,");
    assert_line(&csv, 3, "2,+34600000501,Hola Ana de Madrid,sent,");

    // A file of number,text rows, two of them broken; then one whose
    // columns a template names.
    let file = "number,text\n\
                +34600000601,\"Hola, uno\"\n\
                not-a-number,Hola\n\
                +34600000602,Hola dos,extra\n\
                +34600000603,\"Hola \"\"tres\"\"\"\n";
    let uploaded = http::request(
        switch.http,
        "POST",
        "/api/v1/campaigns/file?name=file&from=Shop",
        SHOP,
        "text/csv",
        file,
    );
    assert_eq!(uploaded.status, 201, "{}", uploaded.text);
    assert_eq!(uploaded.body["total"], 2);
    assert_eq!(uploaded.body["rejected_total"], 2);
    assert_eq!(uploaded.body["rejected"][0]["line"], 3);
    assert_eq!(uploaded.body["rejected"][1]["line"], 4);
    let file_id = uploaded.body["id"].as_u64().unwrap();
    wait_for(&switch, file_id, Duration::from_secs(10), |c| {
        c["state"] == "finished"
    });
    let csv = recipients(&switch, file_id, SHOP);
    assert!(
        csv.text.contains("0,+34600000601,\"Hola, uno\",sent,"),
        "{}",
        csv.text
    );
    assert!(
        csv.text
            .contains("1,+34600000603,\"Hola \"\"tres\"\"\",sent,"),
        "{}",
        csv.text
    );

    let templated = http::request(
        switch.http,
        "POST",
        "/api/v1/campaigns/file?name=codes&from=Shop&text=Code%20%7B%7Bcode%7D%7D&tps=5",
        SHOP,
        "text/csv",
        "number,code\n+34600000701,1234\n+34600000702,\n",
    );
    assert_eq!(templated.status, 201, "{}", templated.text);
    assert_eq!(templated.body["total"], 1);
    assert_eq!(templated.body["tps"], 5);
    assert!(
        templated.body["rejected"][0]["error"]
            .as_str()
            .unwrap()
            .contains("code"),
        "{}",
        templated.text
    );
    let wrong = http::request(
        switch.http,
        "POST",
        "/api/v1/campaigns/file?name=x&from=Shop",
        SHOP,
        "application/json",
        "{}",
    );
    assert_eq!(wrong.status, 415);
    let nothing = http::request(
        switch.http,
        "POST",
        "/api/v1/campaigns/file?name=x&from=Shop",
        SHOP,
        "text/csv",
        "number,text\nnope,Hola\n+34600000801,Hola,de más\n",
    );
    assert_eq!(nothing.status, 400, "{}", nothing.text);
    assert_eq!(nothing.body["field"], "body");
    assert!(
        nothing.body["detail"]
            .as_str()
            .unwrap()
            .contains("2 refused; the first, line 2"),
        "{}",
        nothing.text
    );
}

#[test]
fn replies_and_stop_words_from_recipients_count_for_the_campaign() {
    // `pasarela sim-smsc` answers a message to a number ending in 9999
    // with an MO of the same text from that number: each recipient
    // replies to the campaign's sender, routed back to the account.
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&["--dlr-delay-ms", "20"]);
    let extra = format!(
        "{ACCOUNTS}{}\n[[routes]]\nprefix = \"346\"\naccounts = [\"*\"]\ngateways = [\"operator\"]\nprice = \"1.00\"\n\n\
         [[mo_routes]]\nnumber = \"+34911000000\"\naccount = \"shop\"\n",
        smpp_gateway("operator", upstream.addr, "")
    );
    let switch = Switch::start(&write_config(dir.path(), &extra), &[]);
    let recipients = ["+346000019999", "+346000029999"];
    let chat = create(
        &switch,
        SHOP,
        json!({"name": "chat", "from": "+34911000000", "text": "Hola", "numbers": recipients}),
    );
    let chat = chat["id"].as_u64().unwrap();
    wait_for(&switch, chat, Duration::from_secs(15), |c| {
        c["replies"] == 2
    });
    // "STOP" comes back as a stop word: an opt-out of the campaign, not a
    // reply, and the number is opted out of the account.
    let stop = create(
        &switch,
        SHOP,
        json!({"name": "stop", "from": "+34911000000", "text": "STOP", "numbers": [recipients[0]]}),
    );
    let stop = stop["id"].as_u64().unwrap();
    // The switch confirms the opt-out from the campaign's number, and the
    // simulator echoes that confirmation too: one reply, not a command.
    let done = wait_for(&switch, stop, Duration::from_secs(15), |c| {
        c["opt_outs"] == 1 && c["replies"] == 1
    });
    assert_eq!(done["sent"], 1, "{done}");
    let earlier = campaign(&switch, chat, SHOP);
    assert_eq!(
        (earlier["replies"].as_u64(), earlier["opt_outs"].as_u64()),
        (Some(2), Some(0))
    );
    let again = create(
        &switch,
        SHOP,
        json!({"name": "after", "from": "+34911000000", "text": "Hola", "numbers": recipients}),
    );
    let again = again["id"].as_u64().unwrap();
    let done = wait_for(&switch, again, Duration::from_secs(15), |c| {
        c["state"] == "finished"
    });
    assert_eq!(done["skipped_by"]["opted_out"], 1, "{done}");
    assert_eq!(done["sent"], 1);
}

#[test]
fn a_campaign_actor_that_panics_goes_on_from_the_store_without_a_second_message() {
    const RECIPIENTS: u64 = 300;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), ACCOUNTS);
    let mut switch = Switch::start(&config, &[("PASARELA_FAULT_CAMPAIGN_PANIC_AT", "50")]);
    let made = create(
        &switch,
        SHOP,
        json!({"name": "fragile", "from": "Shop", "text": "Hi {{number}}",
               "numbers": numbers(34_600_200_000, RECIPIENTS)}),
    );
    let id = made["id"].as_u64().unwrap();
    let done = wait_for(&switch, id, Duration::from_secs(20), |c| {
        c["state"] == "finished"
    });
    assert_eq!(done["sent"], RECIPIENTS, "{done}");
    assert!(
        switch.logged().contains("actor panicked"),
        "the fault hook fired"
    );
    switch.signal_and_wait(libc::SIGTERM);
    drop(switch);

    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    let recipients = store.recipients_page(CampaignId(id), 0, 1_000).unwrap();
    let mut firsts = std::collections::HashSet::new();
    for (_, recipient) in &recipients {
        match recipient.outcome {
            Some(Outcome::Sent { first, parts: 1 }) => assert!(firsts.insert(first)),
            other => panic!("{}: {other:?}", recipient.number),
        }
    }
    assert_eq!(firsts.len() as u64, RECIPIENTS);
    let shop = AccountId::new("shop").unwrap();
    assert_eq!(
        store.account_balance(&shop).unwrap(),
        Some(Money::from_units(100_000 - RECIPIENTS as i64).unwrap()),
        "one message, one charge per recipient"
    );
}
