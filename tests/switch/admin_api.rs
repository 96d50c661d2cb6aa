//! The admin API over real HTTP and SMPP on 127.0.0.1, against `pasarela
//! serve` with a real store: an account created at runtime binds at once;
//! suspension refuses binds, submissions and HTTP; credit is topped up and
//! deducted with reasons kept in the ledger; a route added at runtime
//! routes the next message, and messages queued in a replaced route go
//! through the new table; all of it survives a SIGTERM and a SIGKILL
//! restart; bad bodies are problems naming their field; a missing admin
//! password is generated once and kept.

use crate::{common, http, raw};
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{Switch, write_config};
use http::{Answer, json as http};
use pasarela::smpp::{CommandId, CommandStatus};
use raw::Raw;
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(10);
const ADMIN: Option<(&str, &str)> = Some(("admin", "change-me"));
const DEMO: Option<(&str, &str)> = Some(("demo", "demo1234"));

/// A second simulated SMSC, and an SMPP gateway that is never up (its
/// port refuses connections), with a route to it for prefix 33.
fn extra_config(refusing_port: u16) -> String {
    format!(
        r#"
[[gateways]]
name = "sim2"
kind = "simulator"
dlr_delay_ms = 50

[[gateways]]
name = "down"
kind = "smpp"
host = "127.0.0.1"
port = {refusing_port}
system_id = "nobody"
password = "nothing"

[[routes]]
prefix = "33"
accounts = ["*"]
gateways = ["down"]
price = "1.00"
"#
    )
}

/// A port nothing listens on (bound, then let go).
fn refusing_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn configure(dir: &Path) -> PathBuf {
    write_config(dir, &extra_config(refusing_port()))
}

fn admin(switch: &Switch, method: &str, path: &str, body: Option<Value>) -> Answer {
    http(switch.http, method, path, ADMIN, body.as_ref())
}

/// Sends "hi" over HTTP as `account`; returns the answer.
fn send(switch: &Switch, account: Option<(&str, &str)>, to: &str) -> Answer {
    let body = json!({"to": to, "from": "Shop", "text": "hi", "receipt": false});
    http(
        switch.http,
        "POST",
        "/api/v1/messages",
        account,
        Some(&body),
    )
}

/// Polls the message (as `account`) until it is in `state` (bounded).
fn wait_for_state(switch: &Switch, account: Option<(&str, &str)>, id: &str, state: &str) -> Value {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let path = format!("/api/v1/messages/{id}");
        let answer = http(switch.http, "GET", &path, account, None);
        assert_eq!(answer.status, 200, "{}", answer.body);
        if answer.body["state"] == state {
            return answer.body;
        }
        assert!(
            Instant::now() < deadline,
            "message {id} never reached {state}: {}",
            answer.body
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Binds a transmitter as `system_id`; the bind_resp's status and the
/// session.
fn bind(smpp: SocketAddr, system_id: &str, password: &str) -> (CommandStatus, Raw) {
    let mut raw = Raw::connect(smpp);
    let status = raw.bind(CommandId::BindTransmitter, system_id, password);
    (status, raw)
}

/// Submits one message on a bound session; the submit_sm_resp's status.
fn submit(raw: &mut Raw, destination: &str) -> CommandStatus {
    let sequence = raw.submit(destination, 0);
    let response = raw.expect();
    assert_eq!(response.id(), CommandId::SubmitSmResp);
    assert_eq!(response.sequence_number(), sequence);
    response.status()
}

fn create_acme(switch: &Switch) {
    let created = admin(
        switch,
        "POST",
        "/api/v1/accounts",
        Some(
            json!({"system_id": "acme", "password": "acme1234", "credit": "5.00",
                    "tps": 50, "allowed_ips": ["127.0.0.0/8"]}),
        ),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["balance"], "5.00");
    assert_eq!(created.body["tps"], 50);
    assert_eq!(created.body["suspended"], false);
}

fn suspend(switch: &Switch, system_id: &str, suspended: bool) {
    let path = format!("/api/v1/accounts/{system_id}");
    let answer = admin(
        switch,
        "PATCH",
        &path,
        Some(json!({"suspended": suspended})),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["suspended"], suspended);
}

#[test]
fn an_account_created_at_runtime_is_usable_at_once_and_suspension_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&configure(dir.path()), &[]);
    let (status, _) = bind(switch.smpp, "acme", "acme1234");
    assert_eq!(
        status,
        CommandStatus::EsmeRinvsysid,
        "unknown before it is created"
    );

    create_acme(&switch);
    let (status, mut session) = bind(switch.smpp, "acme", "acme1234");
    assert_eq!(status, CommandStatus::EsmeRok);
    assert_eq!(submit(&mut session, "34600111222"), CommandStatus::EsmeRok);
    let acme = Some(("acme", "acme1234"));
    let sent = send(&switch, acme, "34600111223");
    assert_eq!(sent.status, 202, "{}", sent.body);
    let read = admin(&switch, "GET", "/api/v1/accounts/acme", None);
    assert_eq!(
        read.body["balance"], "3.00",
        "two messages at 1.00: {}",
        read.body
    );

    suspend(&switch, "acme", true);
    let (status, _) = bind(switch.smpp, "acme", "acme1234");
    assert_eq!(status, CommandStatus::EsmeRbindfail);
    assert_eq!(
        submit(&mut session, "34600111224"),
        CommandStatus::EsmeRinvbndsts,
        "a session bound before the suspension may not submit"
    );
    let refused = send(&switch, acme, "34600111225");
    assert_eq!(refused.status, 403, "{}", refused.body);
    let kannel = || {
        http::request(
            switch.http,
            "GET",
            "/cgi-bin/sendsms?username=acme&password=acme1234&to=34600111225&from=Shop&text=hi",
            None,
            "text/plain",
            "",
        )
    };
    assert_eq!(kannel().status, 403, "{}", kannel().text);
    assert_eq!(
        send(&switch, DEMO, "34600111226").status,
        202,
        "others unaffected"
    );

    suspend(&switch, "acme", false);
    assert_eq!(submit(&mut session, "34600111227"), CommandStatus::EsmeRok);
    assert_eq!(kannel().status, 202, "{}", kannel().text);
    let changed = admin(
        &switch,
        "PATCH",
        "/api/v1/accounts/acme",
        Some(json!({"password": "new-pass"})),
    );
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(
        bind(switch.smpp, "acme", "acme1234").0,
        CommandStatus::EsmeRinvpaswd
    );
    assert_eq!(send(&switch, acme, "34600111228").status, 401);
    assert_eq!(
        bind(switch.smpp, "acme", "new-pass").0,
        CommandStatus::EsmeRok
    );

    let again = admin(
        &switch,
        "POST",
        "/api/v1/accounts",
        Some(json!({"system_id": "acme", "password": "x1234567"})),
    );
    assert_eq!(again.status, 409, "{}", again.body);
    assert_eq!(again.body["field"], "system_id");
}

/// The ledger page's entries as (kind, delta, balance, reason).
fn ledger(switch: &Switch, query: &str) -> (u64, Vec<(String, String, String, Value)>) {
    let page = admin(
        switch,
        "GET",
        &format!("/api/v1/accounts/acme/ledger{query}"),
        None,
    );
    assert_eq!(page.status, 200, "{}", page.body);
    let entries = page.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["kind"].as_str().unwrap().to_string(),
                entry["delta"].as_str().unwrap().to_string(),
                entry["balance"].as_str().unwrap().to_string(),
                entry["reason"].clone(),
            )
        })
        .collect();
    (page.body["total"].as_u64().unwrap(), entries)
}

fn entry(kind: &str, delta: &str, balance: &str, reason: &str) -> (String, String, String, Value) {
    (kind.into(), delta.into(), balance.into(), json!(reason))
}

#[test]
fn credit_is_topped_up_and_deducted_with_reasons_in_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&configure(dir.path()), &[]);
    create_acme(&switch);
    let credit = |amount: &str, reason: &str| {
        admin(
            &switch,
            "POST",
            "/api/v1/accounts/acme/credit",
            Some(json!({"amount": amount, "reason": reason})),
        )
    };
    let topped = credit("10.00", "bank transfer 4711");
    assert_eq!(topped.status, 200, "{}", topped.body);
    assert_eq!(topped.body["balance"], "15.00");
    let deducted = credit("-2.50", "chargeback");
    assert_eq!(deducted.status, 200, "{}", deducted.body);
    assert_eq!(deducted.body["kind"], "DEDUCT");
    let too_much = credit("-12.51", "more than there is");
    assert_eq!(too_much.status, 409, "{}", too_much.body);
    assert_eq!(too_much.body["field"], "amount");
    let read = admin(&switch, "GET", "/api/v1/accounts/acme", None);
    assert_eq!(read.body["balance"], "12.50");

    let (total, all) = ledger(&switch, "");
    assert_eq!(total, 3);
    assert_eq!(
        all,
        [
            entry("TOP_UP", "5.00", "5.00", "starting credit"),
            entry("TOP_UP", "10.00", "15.00", "bank transfer 4711"),
            entry("DEDUCT", "-2.50", "12.50", "chargeback"),
        ]
    );
    let (_, page) = ledger(&switch, "?offset=1&limit=1");
    assert_eq!(page, all[1..2]);
    let bad_page = admin(&switch, "GET", "/api/v1/accounts/acme/ledger?limit=0", None);
    assert_eq!(bad_page.status, 400);
    assert_eq!(bad_page.body["field"], "limit");
    let nobody = admin(&switch, "GET", "/api/v1/accounts/nobody/ledger", None);
    assert_eq!(nobody.status, 404);
}

/// The index of the route with `prefix` in the table in force.
fn route_index(switch: &Switch, prefix: &str) -> Option<u64> {
    let routes = admin(switch, "GET", "/api/v1/routes", None);
    assert_eq!(routes.status, 200, "{}", routes.body);
    routes
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|route| route["prefix"] == prefix)
        .map(|route| route["index"].as_u64().unwrap())
}

#[test]
fn a_route_added_at_runtime_routes_new_messages() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&configure(dir.path()), &[]);
    let before = send(&switch, DEMO, "447700900123");
    assert_eq!(before.body["cost"], "1.00", "the default route first");

    let added = admin(
        &switch,
        "POST",
        "/api/v1/routes",
        Some(json!({"prefix": "44", "gateways": ["sim2"], "price": "2.50"})),
    );
    assert_eq!(added.status, 201, "{}", added.body);
    assert_eq!(added.body["accounts"], json!(["*"]));
    let after = send(&switch, DEMO, "447700900124");
    assert_eq!(after.status, 202, "{}", after.body);
    assert_eq!(after.body["cost"], "2.50");
    let id = after.body["messages"][0]["ids"][0].as_str().unwrap();
    let delivered = wait_for_state(&switch, DEMO, id, "DELIVERED");
    assert_eq!(delivered["price"], "2.50");

    let index = route_index(&switch, "44").unwrap();
    let deleted = admin(&switch, "DELETE", &format!("/api/v1/routes/{index}"), None);
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(route_index(&switch, "44"), None);
    assert_eq!(send(&switch, DEMO, "447700900125").body["cost"], "1.00");
}

#[test]
fn messages_queued_in_a_replaced_route_go_through_the_new_table() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&configure(dir.path()), &[]);
    let queued: Vec<String> = (0..3)
        .map(|n| {
            let sent = send(&switch, DEMO, &format!("3361234567{n}"));
            assert_eq!(sent.status, 202, "{}", sent.body);
            sent.body["messages"][0]["ids"][0]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    // Its only gateway is never up: they wait in the route.
    std::thread::sleep(Duration::from_millis(300));
    for id in &queued {
        wait_for_state(&switch, DEMO, id, "ACCEPTED");
    }
    let index = route_index(&switch, "33").unwrap();
    let replaced = admin(
        &switch,
        "PUT",
        &format!("/api/v1/routes/{index}"),
        Some(json!({"prefix": "33", "gateways": ["sim2"], "price": "1.00"})),
    );
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    for id in &queued {
        wait_for_state(&switch, DEMO, id, "DELIVERED");
    }
}

/// Reads what serve printed on stdout until it exits.
fn printed(switch: &mut Switch) -> String {
    let mut text = String::new();
    if let Some(mut stdout) = switch.stdout.take() {
        stdout.read_to_string(&mut text).unwrap();
    }
    text
}

#[test]
fn admin_changes_survive_a_sigterm_and_a_sigkill_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = configure(dir.path());
    let mut switch = Switch::start(&config, &[]);
    create_acme(&switch);
    let topped = admin(
        &switch,
        "POST",
        "/api/v1/accounts/acme/credit",
        Some(json!({"amount": "1.25", "reason": "goodwill"})),
    );
    assert_eq!(topped.status, 200, "{}", topped.body);
    let added = admin(
        &switch,
        "POST",
        "/api/v1/routes",
        Some(json!({"prefix": "44", "accounts": ["acme"], "gateways": ["sim2"], "price": "0.50"})),
    );
    assert_eq!(added.status, 201, "{}", added.body);
    let index = route_index(&switch, "33").unwrap();
    assert_eq!(
        admin(&switch, "DELETE", &format!("/api/v1/routes/{index}"), None).status,
        200
    );
    let demo = admin(
        &switch,
        "PATCH",
        "/api/v1/accounts/demo",
        Some(json!({"tps": 7, "time_zone": "America/Bogota"})),
    );
    assert_eq!(demo.status, 200, "{}", demo.body);
    assert_eq!(demo.body["time_zone"], "America/Bogota");
    let unknown = admin(
        &switch,
        "PATCH",
        "/api/v1/accounts/demo",
        Some(json!({"time_zone": "Mars/Olympus"})),
    );
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.body["field"], "time_zone");
    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    drop(switch);

    let mut switch = Switch::start(&config, &[]);
    let read = admin(&switch, "GET", "/api/v1/accounts/acme", None);
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["balance"], "6.25");
    assert_eq!(read.body["tps"], 50);
    let (status, _) = bind(switch.smpp, "acme", "acme1234");
    assert_eq!(status, CommandStatus::EsmeRok, "the stored hash is used");
    let acme = Some(("acme", "acme1234"));
    assert_eq!(send(&switch, acme, "447700900123").body["cost"], "0.50");
    assert_eq!(route_index(&switch, "33"), None, "a deletion stays deleted");
    let demo = admin(&switch, "GET", "/api/v1/accounts/demo", None);
    assert_eq!(
        demo.body["tps"], 7,
        "the stored change wins over the file's 100"
    );
    assert_eq!(demo.body["time_zone"], "America/Bogota");
    assert_eq!(read.body["time_zone"], "UTC", "the default");
    let (_, entries) = ledger(&switch, "");
    assert_eq!(entries[1], entry("TOP_UP", "1.25", "6.25", "goodwill"));

    suspend(&switch, "acme", true);
    switch.kill();
    drop(switch);

    let switch = Switch::start(&config, &[]);
    let (status, _) = bind(switch.smpp, "acme", "acme1234");
    assert_eq!(status, CommandStatus::EsmeRbindfail, "still suspended");
    let read = admin(&switch, "GET", "/api/v1/accounts/acme", None);
    assert_eq!(read.body["suspended"], true);
    assert_eq!(read.body["balance"], "5.75");
    assert_eq!(route_index(&switch, "33"), None);
    assert!(route_index(&switch, "44").is_some());
}

#[test]
fn invalid_bodies_are_problems_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&configure(dir.path()), &[]);
    let cases = [
        (
            "POST",
            "/api/v1/accounts",
            json!({"password": "a1234567"}),
            "system_id",
        ),
        (
            "POST",
            "/api/v1/accounts",
            json!({"system_id": "a-system-id-too-long", "password": "a"}),
            "system_id",
        ),
        (
            "POST",
            "/api/v1/accounts",
            json!({"system_id": "*", "password": "a"}),
            "system_id",
        ),
        (
            "POST",
            "/api/v1/accounts",
            json!({"system_id": "new", "password": "longer than 8"}),
            "password",
        ),
        (
            "POST",
            "/api/v1/accounts",
            json!({"system_id": "new", "password": "p", "credit": "-1"}),
            "credit",
        ),
        (
            "POST",
            "/api/v1/accounts",
            json!({"system_id": "new", "password": "p", "credit": 1.5}),
            "credit",
        ),
        (
            "POST",
            "/api/v1/accounts",
            json!({"system_id": "new", "password": "p", "tps": "fast"}),
            "tps",
        ),
        (
            "POST",
            "/api/v1/accounts",
            json!({"system_id": "new", "password": "p", "max_binds": 0}),
            "max_binds",
        ),
        (
            "POST",
            "/api/v1/accounts",
            json!({"system_id": "new", "password": "p", "allowed_ips": ["10.0.0.0/8", "nowhere"]}),
            "allowed_ips[1]",
        ),
        (
            "POST",
            "/api/v1/accounts",
            json!({"system_id": "new", "password": "p", "colour": "red"}),
            "colour",
        ),
        (
            "POST",
            "/api/v1/accounts",
            json!(["not", "an", "object"]),
            "body",
        ),
        (
            "PATCH",
            "/api/v1/accounts/demo",
            json!({"suspended": "yes"}),
            "suspended",
        ),
        (
            "PATCH",
            "/api/v1/accounts/demo",
            json!({"password": ""}),
            "password",
        ),
        (
            "POST",
            "/api/v1/accounts/demo/credit",
            json!({"reason": "x"}),
            "amount",
        ),
        (
            "POST",
            "/api/v1/accounts/demo/credit",
            json!({"amount": "0", "reason": "x"}),
            "amount",
        ),
        (
            "POST",
            "/api/v1/accounts/demo/credit",
            json!({"amount": "1.00"}),
            "reason",
        ),
        (
            "POST",
            "/api/v1/accounts/demo/credit",
            json!({"amount": "1.00", "reason": " "}),
            "reason",
        ),
        (
            "POST",
            "/api/v1/routes",
            json!({"prefix": "4a", "gateways": ["sim"], "price": "1"}),
            "prefix",
        ),
        (
            "POST",
            "/api/v1/routes",
            json!({"prefix": "49", "gateways": [], "price": "1"}),
            "gateways",
        ),
        (
            "POST",
            "/api/v1/routes",
            json!({"prefix": "49", "gateways": ["sim", "nope"], "price": "1"}),
            "gateways[1]",
        ),
        (
            "POST",
            "/api/v1/routes",
            json!({"prefix": "49", "gateways": ["sim", "sim"], "price": "1"}),
            "gateways[1]",
        ),
        (
            "POST",
            "/api/v1/routes",
            json!({"prefix": "49", "accounts": [], "gateways": ["sim"], "price": "1"}),
            "accounts",
        ),
        (
            "POST",
            "/api/v1/routes",
            json!({"prefix": "49", "accounts": ["ghost"], "gateways": ["sim"], "price": "1"}),
            "accounts[0]",
        ),
        (
            "POST",
            "/api/v1/routes",
            json!({"prefix": "49", "gateways": ["sim"], "weights": [1, 2], "price": "1"}),
            "weights",
        ),
        (
            "POST",
            "/api/v1/routes",
            json!({"prefix": "49", "gateways": ["sim"], "weights": [0], "price": "1"}),
            "weights[0]",
        ),
        (
            "POST",
            "/api/v1/routes",
            json!({"prefix": "49", "gateways": ["sim"], "price": "-1"}),
            "price",
        ),
        (
            "POST",
            "/api/v1/routes",
            json!({"prefix": "49", "gateways": ["sim"]}),
            "price",
        ),
    ];
    for (method, path, body, field) in cases {
        let answer = admin(&switch, method, path, Some(body.clone()));
        assert_eq!(
            answer.status, 400,
            "{method} {path} {body}: {}",
            answer.body
        );
        assert!(
            answer
                .headers
                .contains("content-type: application/problem+json"),
            "{}",
            answer.headers
        );
        assert_eq!(
            answer.body["field"], field,
            "{method} {path} {body}: {}",
            answer.body
        );
    }
    let clash = admin(
        &switch,
        "POST",
        "/api/v1/routes",
        Some(json!({"prefix": "33", "gateways": ["sim"], "price": "1"})),
    );
    assert_eq!(clash.status, 409, "{}", clash.body);
    assert_eq!(clash.body["field"], "prefix");
    let unknown = admin(
        &switch,
        "PUT",
        "/api/v1/routes/99",
        Some(json!({"prefix": "1", "gateways": ["sim"], "price": "1"})),
    );
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    for refused in [DEMO, Some(("admin", "wrong")), None] {
        let answer = http(
            switch.http,
            "POST",
            "/api/v1/accounts",
            refused,
            Some(&json!({})),
        );
        assert_eq!(answer.status, 401, "{:?}", refused);
    }
}

#[test]
fn a_missing_admin_password_is_generated_into_a_private_file_never_logged_and_kept() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let config = configure(dir.path());
    let text = std::fs::read_to_string(&config).unwrap();
    let without: String = text
        .lines()
        .filter(|line| !line.starts_with("admin_password"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_ne!(text.len(), without.len());
    std::fs::write(&config, without).unwrap();

    let mut switch = Switch::start(&config, &[]);
    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    let file = dir.path().join("data").join("admin-password");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "readable by the service user only");
    let password = std::fs::read_to_string(&file).unwrap().trim().to_string();
    assert!(password.len() >= 16, "{password:?}");
    let logged = switch.logged();
    assert!(
        logged.contains(&file.display().to_string()),
        "the log names the file: {logged}"
    );
    assert!(!logged.contains(&password), "never logged: {logged}");
    assert_eq!(printed(&mut switch), "", "never printed");
    drop(switch);
    std::fs::remove_file(&file).unwrap();

    let mut switch = Switch::start(&config, &[]);
    let listed = http(
        switch.http,
        "GET",
        "/api/v1/accounts",
        Some(("admin", &password)),
        None,
    );
    assert_eq!(listed.status, 200, "{}", listed.body);
    let refused = http(switch.http, "GET", "/api/v1/accounts", ADMIN, None);
    assert_eq!(refused.status, 401);
    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    assert!(!file.exists(), "generated once, never again");
}

#[test]
fn the_operators_api_actions_are_audited_and_refusals_and_customers_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut switch = Switch::start(&write_config(dir.path(), ""), &[]);
    let top_up = json!({"amount": "5.00", "reason": "audit me"});
    let path = "/api/v1/accounts/demo/credit";
    assert_eq!(
        http(switch.http, "POST", path, ADMIN, Some(&top_up)).status,
        200
    );
    // Refused: a wrong password, a customer, a body the API rejects.
    let wrong = Some(("admin", "not-the-password"));
    assert_eq!(
        http(switch.http, "POST", path, wrong, Some(&top_up)).status,
        401
    );
    assert_eq!(
        http(switch.http, "POST", path, DEMO, Some(&top_up)).status,
        401
    );
    let zero = json!({"amount": "0", "reason": "nothing"});
    assert_eq!(
        http(switch.http, "POST", path, ADMIN, Some(&zero)).status,
        400
    );
    let message = json!({"to": "+34600123456", "from": "Shop", "text": "hi"});
    assert_eq!(
        http(
            switch.http,
            "POST",
            "/api/v1/messages",
            DEMO,
            Some(&message)
        )
        .status,
        202
    );
    assert!(switch.signal_and_wait(libc::SIGTERM).success());

    let store = pasarela::store::Store::open(pasarela::store::StoreConfig::new(
        dir.path().join("data/store"),
    ))
    .unwrap();
    let entries = store.audit_page(None, 100).unwrap();
    let actions: Vec<(&str, &str, u16)> = entries
        .iter()
        .map(|(_, entry)| (entry.who.as_str(), entry.action.as_str(), entry.status))
        .collect();
    assert_eq!(
        actions,
        [("admin", "POST /api/v1/accounts/demo/credit", 200)]
    );
    assert_eq!(entries[0].1.peer.as_deref(), Some("127.0.0.1"));
}
