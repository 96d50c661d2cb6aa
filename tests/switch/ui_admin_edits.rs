//! The operator's editing pages of the web UI end to end
//! (docs/web-ui.md), over HTTP against a `pasarela serve` child: the
//! message search and its CSV across every account at once; a route, a
//! content rule and a gateway's definition edited in place, and a gateway
//! added and started from the console, each in force for the next message;
//! an account's opt-outs seen and removed from its page; a DND file
//! imported with its broken row reported while the good rows land; a
//! gateway's password never shown on its edit page and kept when an edit
//! leaves it out (against the node-smpp SMSC, which checks it). A
//! customer gets 403 on these pages, a form without its CSRF token
//! changes nothing, and every change is in the audit log. Every wait is
//! bounded.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{ADMIN_PASSWORD, Switch, write_config};
use crate::http;
use crate::node_smsc::NodeSmsc;
use crate::ui::{browse, csrf_token, form, page, post_form, taken_by, ui_login, upload};

const ADMIN: (&str, &str) = ("admin", ADMIN_PASSWORD);
const DEMO: (&str, &str) = ("demo", "demo1234");
const OTHER: (&str, &str) = ("other", "other123");
const WAIT: Duration = Duration::from_secs(30);

fn config(dir: &Path) -> PathBuf {
    write_config(
        dir,
        r#"
[[accounts]]
system_id = "other"
password = "other123"
credit = "100.00"
allowed_ips = ["127.0.0.0/8"]

[[gateways]]
name = "sim2"
kind = "simulator"
dlr_delay_ms = 50

[[gateway_costs]]
gateway = "sim"
prefix = "44"
cost = "0.03"

[[gateway_costs]]
gateway = "sim2"
prefix = "44"
cost = "0.01"

[[routes]]
prefix = "44"
gateways = ["sim"]
price = "0.05"
mode = "least_cost"
"#,
    )
}

/// A message of `who` to `to`: its first part's id.
fn send(address: SocketAddr, who: (&str, &str), to: &str, text: &str) -> http::Answer {
    let body = json!({"to": to, "from": "Shop", "text": text});
    http::json(address, "POST", "/api/v1/messages", Some(who), Some(&body))
}

fn sent(address: SocketAddr, who: (&str, &str), to: &str, text: &str) -> String {
    let answer = send(address, who, to, text);
    assert_eq!(answer.status, 202, "{}", answer.text);
    answer.body["messages"][0]["ids"][0]
        .as_str()
        .unwrap()
        .to_owned()
}

fn api(address: SocketAddr, method: &str, path: &str) -> Value {
    let answer = http::json(address, method, path, Some(ADMIN), None);
    assert_eq!(answer.status, 200, "{path}: {}", answer.text);
    answer.body
}

/// Posts `fields` with the CSRF token of the page at `from`; 303 expected.
fn post(address: SocketAddr, session: &str, from: &str, action: &str, fields: &[(&str, &str)]) {
    let answer = post_form(address, session, from, action, fields);
    assert_eq!(answer.status, 303, "{action}: {}", answer.text);
}

#[test]
fn the_operator_searches_and_exports_every_accounts_messages_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&config(dir.path()), &[]);
    let address = switch.http;
    let demo = sent(address, DEMO, "+34600111001", "hi");
    let other = sent(address, OTHER, "+34600111001", "hello");
    let elsewhere = sent(address, DEMO, "+34600111002", "hi");
    let session = ui_login(address, ADMIN);

    // By number across every account: both accounts' messages, no other.
    let found = page(address, &session, "/ui/messages?to=%2B34600111001");
    for id in [&demo, &other] {
        assert!(found.contains(&format!("data-message=\"{id}\"")), "{found}");
    }
    assert!(!found.contains(&format!("data-message=\"{elsewhere}\"")));
    assert!(found.contains("/ui/messages.csv?"), "an export link");
    // The sender filter, and one account still chosen by name.
    let nobody = page(address, &session, "/ui/messages?from=Nobody");
    assert!(!nobody.contains("data-message="), "{nobody}");
    let one = page(
        address,
        &session,
        "/ui/messages?account=other&to=34600111001",
    );
    assert!(one.contains(&format!("data-message=\"{other}\"")));
    assert!(!one.contains(&format!("data-message=\"{demo}\"")));
    let unknown = browse(
        address,
        &session,
        "GET",
        "/ui/messages.csv?account=nobody",
        "",
    );
    assert_eq!(unknown.status, 404);

    // The CSV: SPEC §6.4's columns, then each row's account.
    let csv = browse(
        address,
        &session,
        "GET",
        "/ui/messages.csv?to=34600111001",
        "",
    );
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(
        csv.headers.contains("content-type: text/csv"),
        "{}",
        csv.headers
    );
    let mut reader = csv::Reader::from_reader(csv.text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header.join(","),
        "id,number,type,length,sender,country,operator,credit,state,error_code,description,date,account"
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "{}", csv.text);
    for (id, account, length) in [(&demo, "demo", "2"), (&other, "other", "5")] {
        let cells = rows
            .iter()
            .find(|row| &row[0] == id.as_str())
            .unwrap_or_else(|| panic!("{id} in {}", csv.text));
        assert_eq!(cells.len(), 13, "{cells:?}");
        assert_eq!(&cells[1], "34600111001");
        assert_eq!(&cells[2], "text");
        assert_eq!(&cells[3], length);
        assert_eq!(&cells[4], "Shop");
        assert_eq!(&cells[5], "ES");
        assert_eq!(&cells[7], "1.00");
        assert_eq!(&cells[12], account);
    }

    // A customer: 403 on the operator's search and CSV.
    let customer = ui_login(address, DEMO);
    for path in ["/ui/messages?to=34600111001", "/ui/messages.csv"] {
        assert_eq!(browse(address, &customer, "GET", path, "").status, 403);
    }
}

#[test]
fn routes_rules_and_gateways_are_edited_in_place_from_the_console() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&config(dir.path()), &[]);
    let address = switch.http;
    let session = ui_login(address, ADMIN);
    let customer = ui_login(address, DEMO);

    // A customer gets 403 on every one of these pages and forms.
    for (method, path) in [
        ("GET", "/ui/gateways/sim"),
        ("GET", "/ui/routes?edit=0"),
        ("POST", "/ui/routes/0"),
        ("POST", "/ui/rules/spam"),
        ("POST", "/ui/gateways"),
    ] {
        let answer = browse(address, &customer, method, path, "csrf=x");
        assert_eq!(answer.status, 403, "{method} {path}");
    }

    // A gateway added from the page runs at once; stopped and started.
    let definition = "name = \"sim3\"\nkind = \"simulator\"\ndlr_delay_ms = 50";
    post(
        address,
        &session,
        "/ui/gateways",
        "/ui/gateways",
        &[("definition", definition)],
    );
    let listed = page(address, &session, "/ui/gateways");
    assert!(listed.contains("data-gateway=\"sim3\""), "{listed}");
    assert_eq!(api(address, "GET", "/api/v1/gateways/sim3")["up"], true);
    post(
        address,
        &session,
        "/ui/gateways",
        "/ui/gateways/sim3/stop",
        &[],
    );
    assert_eq!(
        api(address, "GET", "/api/v1/gateways/sim3")["stopped"],
        true
    );
    post(
        address,
        &session,
        "/ui/gateways",
        "/ui/gateways/sim3/start",
        &[],
    );
    let started = api(address, "GET", "/api/v1/gateways/sim3");
    assert_eq!(started["stopped"], false);
    assert_eq!(started["up"], true);
    // A definition the file's rules refuse: said on the page, kept in the
    // form, nothing added.
    let token = csrf_token(&listed);
    let bad = "name = \"sim4\"\nkind = \"carrier-pigeon\"";
    let refused = browse(
        address,
        &session,
        "POST",
        "/ui/gateways",
        &form(&[("csrf", &token), ("definition", bad)]),
    );
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(refused.text.contains("flash bad"), "{}", refused.text);
    assert!(refused.text.contains("carrier-pigeon"), "the text is kept");
    let missing = http::json(address, "GET", "/api/v1/gateways/sim4", Some(ADMIN), None);
    assert_eq!(missing.status, 404);
    // Its definition edited: shown as stored, taken as given.
    let edit = page(address, &session, "/ui/gateways/sim3");
    assert!(edit.contains("dlr_delay_ms = 50"), "{edit}");
    post(
        address,
        &session,
        "/ui/gateways/sim3",
        "/ui/gateways/sim3",
        &[("definition", "kind = \"simulator\"\ndlr_delay_ms = 70")],
    );
    assert!(page(address, &session, "/ui/gateways/sim3").contains("dlr_delay_ms = 70"));

    // The default route edited in place: the next message goes to sim3.
    let before = sent(address, DEMO, "+34600222001", "before");
    taken_by(address, &session, &before, "sim");
    let edit = page(address, &session, "/ui/routes?edit=0");
    assert!(edit.contains("action=\"/ui/routes/0\""), "{edit}");
    assert!(edit.contains("value=\"sim\""), "the form holds the route");
    let token = csrf_token(&edit);
    let fields = |csrf: &str, price: &str| {
        form(&[
            ("csrf", csrf),
            ("prefix", ""),
            ("accounts", "*"),
            ("gateways", "sim3"),
            ("weights", ""),
            ("price", price),
        ])
    };
    let forged = browse(
        address,
        &session,
        "POST",
        "/ui/routes/0",
        &fields("wrong", "1.00"),
    );
    assert_eq!(forged.status, 403);
    let wrong = browse(
        address,
        &session,
        "POST",
        "/ui/routes/0",
        &fields(&token, "lots"),
    );
    assert_eq!(wrong.status, 400, "{}", wrong.text);
    assert!(wrong.text.contains("flash bad"));
    assert_eq!(
        api(address, "GET", "/api/v1/routes")[0]["gateways"],
        json!(["sim"])
    );
    let replaced = browse(
        address,
        &session,
        "POST",
        "/ui/routes/0",
        &fields(&token, "1.00"),
    );
    assert_eq!(replaced.status, 303, "{}", replaced.text);
    let routes = api(address, "GET", "/api/v1/routes");
    assert_eq!(routes.as_array().unwrap().len(), 2, "replaced, not added");
    assert_eq!(routes[0]["gateways"], json!(["sim3"]));
    let after = sent(address, DEMO, "+34600222002", "after");
    taken_by(address, &session, &after, "sim3");
    // The file's least_cost route edited in place with its mode as the
    // form shows it: given a cheaper gateway, it sends there, where a
    // plain route would keep to its first.
    let uk = page(address, &session, "/ui/routes?edit=1");
    assert!(uk.contains("value=\"0.05\""), "{uk}");
    assert!(
        uk.contains("<option value=\"least_cost\" selected>"),
        "{uk}"
    );
    post(
        address,
        &session,
        "/ui/routes?edit=1",
        "/ui/routes/1",
        &[
            ("prefix", "44"),
            ("accounts", "*"),
            ("gateways", "sim, sim2"),
            ("weights", ""),
            ("price", "0.06"),
            ("mode", "least_cost"),
        ],
    );
    assert_eq!(api(address, "GET", "/api/v1/routes")[1]["price"], "0.06");
    let cheaper = sent(address, DEMO, "+447700900001", "least cost");
    taken_by(address, &session, &cheaper, "sim2");

    // A content rule added, then edited in place: its new pattern holds.
    post(
        address,
        &session,
        "/ui/rules",
        "/ui/rules",
        &[
            ("name", "spam"),
            ("kind", "words"),
            ("matching", "alpha"),
            ("action", "reject"),
            ("enabled", "1"),
        ],
    );
    assert_eq!(
        send(address, DEMO, "+34600222003", "alpha here").status,
        403
    );
    let edit = page(address, &session, "/ui/rules?edit=spam");
    assert!(edit.contains("action=\"/ui/rules/spam\""), "{edit}");
    post(
        address,
        &session,
        "/ui/rules?edit=spam",
        "/ui/rules/spam",
        &[
            ("kind", "pattern"),
            ("matching", "beta[0-9]"),
            ("action", "hold"),
            ("enabled", "1"),
        ],
    );
    let rule = api(address, "GET", "/api/v1/rules/spam");
    assert_eq!(rule["pattern"], "beta[0-9]", "{rule}");
    assert_eq!(rule["action"], "hold");
    sent(address, DEMO, "+34600222004", "alpha here");
    let held = sent(address, DEMO, "+34600222005", "beta7");
    let deadline = Instant::now() + WAIT;
    loop {
        let list = api(address, "GET", "/api/v1/held");
        let ids: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|message| message["id"].as_str())
            .collect();
        if ids == [held.as_str()] {
            break;
        }
        assert!(Instant::now() < deadline, "{list}");
        std::thread::sleep(Duration::from_millis(50));
    }

    // Every change is in the audit log; the forged one is not.
    let audit = page(address, &session, "/ui/audit");
    for action in [
        "POST /ui/gateways",
        "POST /ui/gateways/sim3/start",
        "POST /ui/gateways/sim3",
        "POST /ui/routes/0",
        "POST /ui/rules",
        "POST /ui/rules/spam",
    ] {
        assert!(audit.contains(&format!("{action}<")), "{action}: {audit}");
    }
}

fn dnd_listed(address: SocketAddr, number: &str) -> bool {
    api(address, "GET", &format!("/api/v1/dnd/{number}"))["listed"] == true
}

#[test]
fn a_dnd_file_lands_with_its_broken_row_reported_and_opt_outs_are_handled_from_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&config(dir.path()), &[]);
    let address = switch.http;
    let session = ui_login(address, ADMIN);

    // A forged upload lists nothing.
    let forged = upload(
        address,
        &session,
        "/ui/dnd/import",
        &[("csrf", "wrong")],
        Some(("dnd.csv", b"34600200009\n")),
    );
    assert_eq!(forged.status, 403);
    assert!(!dnd_listed(address, "34600200009"));

    // A header, two good rows, a broken one, a repeat.
    let token = csrf_token(&page(address, &session, "/ui/dnd"));
    let file = "number\n+34600200001\nnot a number\n0034600200002\n+34600200001\n";
    let imported = upload(
        address,
        &session,
        "/ui/dnd/import",
        &[("csrf", &token)],
        Some(("dnd.csv", file.as_bytes())),
    );
    assert_eq!(imported.status, 200, "{}", imported.text);
    let report = &imported.text;
    assert!(report.contains("data-imported>2<"), "{report}");
    assert!(report.contains("data-already>1<"), "{report}");
    assert!(report.contains("data-refused>1<"), "{report}");
    assert!(report.contains("data-refused-line=\"3\""), "{report}");
    assert!(dnd_listed(address, "34600200001"));
    assert!(dnd_listed(address, "34600200002"));
    let audit = page(address, &session, "/ui/audit");
    assert!(audit.contains("POST /ui/dnd/import<"), "{audit}");

    // An account's opt-outs from its page: added, seen, removed.
    let account = page(address, &session, "/ui/accounts/demo");
    assert!(
        account.contains("href=\"/ui/accounts/demo/opt-outs\""),
        "{account}"
    );
    let opt_outs = "/ui/accounts/demo/opt-outs";
    post(
        address,
        &session,
        opt_outs,
        opt_outs,
        &[("number", "+34600300001"), ("sender", "")],
    );
    let listed = page(address, &session, opt_outs);
    assert!(listed.contains("data-opt-out=\"34600300001\""), "{listed}");
    let entries = api(address, "GET", "/api/v1/opt-outs?account=demo");
    assert_eq!(entries["entries"][0]["number"], "34600300001", "{entries}");
    post(
        address,
        &session,
        opt_outs,
        &format!("{opt_outs}/remove"),
        &[("number", "34600300001"), ("sender", "")],
    );
    assert!(!page(address, &session, opt_outs).contains("data-opt-out="));
    let entries = api(address, "GET", "/api/v1/opt-outs?account=demo");
    assert_eq!(entries["entries"], json!([]), "{entries}");
    let customer = ui_login(address, DEMO);
    assert_eq!(browse(address, &customer, "GET", opt_outs, "").status, 403);
}

#[test]
fn a_gateways_password_is_never_shown_and_is_kept_when_an_edit_leaves_it_out() {
    let dir = tempfile::tempdir().unwrap();
    let password = ["--password", "Pw7xQz2k"];
    let first = NodeSmsc::start(dir.path(), "first", &password);
    let second = NodeSmsc::start(dir.path(), "second", &password);
    let switch = Switch::start(&config(dir.path()), &[]);
    let address = switch.http;
    let session = ui_login(address, ADMIN);
    let definition = |port: u16, password: Option<&str>| {
        let mut text = format!(
            "name = \"op\"\nkind = \"smpp\"\nhost = \"127.0.0.1\"\nport = {port}\nsystem_id = \"pasarela\"\n"
        );
        if let Some(password) = password {
            text.push_str(&format!("password = \"{password}\"\n"));
        }
        text
    };
    let added = definition(first.addr.port(), Some("Pw7xQz2k"));
    post(
        address,
        &session,
        "/ui/gateways",
        "/ui/gateways",
        &[("definition", &added)],
    );
    first.wait_for("bound ", 1, WAIT);

    // The edit form shows the definition without the password.
    let edit = page(address, &session, "/ui/gateways/op");
    assert!(
        edit.contains(&format!("port = {}", first.addr.port())),
        "{edit}"
    );
    assert!(!edit.contains("Pw7xQz2k"), "{edit}");

    // Moved to the second SMSC with the password left out: it binds there
    // with the stored one.
    let moved = definition(second.addr.port(), None);
    post(
        address,
        &session,
        "/ui/gateways/op",
        "/ui/gateways/op",
        &[("definition", &moved)],
    );
    second.wait_for("bound ", 1, WAIT);
    assert_eq!(second.events("bind refused"), 0);

    // A password written anew replaces it: the SMSC refuses the new one.
    let wrong = definition(first.addr.port(), Some("other99"));
    post(
        address,
        &session,
        "/ui/gateways/op",
        "/ui/gateways/op",
        &[("definition", &wrong)],
    );
    first.wait_for("bind refused", 1, WAIT);
    assert!(!page(address, &session, "/ui/gateways/op").contains("other99"));
}
