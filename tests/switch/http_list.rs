//! Listing an account's messages over real HTTP against `pasarela serve`:
//! JSON pages newest first with a cursor, the report's columns (type,
//! length, country, operator, credit, state, description), the filters, refusals as
//! problems naming the field, and the same rows as a streamed CSV file,
//! by its own path or by `Accept: text/csv`. Another account's messages
//! never show.

use crate::{common, http};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Switch, write_config};
use http::{json as http, with_headers};
use serde_json::{Value, json};

const DEMO: Option<(&str, &str)> = Some(("demo", "demo1234"));

/// A second account, and an operator for UK mobile numbers.
const EXTRA: &str = r#"
[[accounts]]
system_id = "other"
password = "other123"
credit = "10.00"

[[numbering]]
prefix = "447"
operator = "UK Mobile"
"#;

const WAIT: Duration = Duration::from_secs(15);

fn send(address: SocketAddr, who: Option<(&str, &str)>, to: &str, from: &str, text: &str) {
    let body = json!({"to": to, "from": from, "text": text});
    let sent = http(address, "POST", "/api/v1/messages", who, Some(&body));
    assert_eq!(sent.status, 202, "{}", sent.text);
}

fn get(address: SocketAddr, path: &str) -> Value {
    let answer = http(address, "GET", path, DEMO, None);
    assert_eq!(answer.status, 200, "{path}: {}", answer.text);
    answer.body
}

/// Every row, page by page, `limit` at a time.
fn all_pages(address: SocketAddr, limit: usize) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut path = format!("/api/v1/messages?limit={limit}");
    loop {
        let page = get(address, &path);
        let messages = page["messages"].as_array().unwrap();
        assert!(messages.len() <= limit);
        rows.extend(messages.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/messages?limit={limit}&cursor={cursor}"),
            None => return rows,
        }
    }
}

/// A switch where demo sent six parts (two of them one UCS-2 text, one
/// to a number the simulator fails) and "other" one; all final.
fn switch_with_traffic() -> (tempfile::TempDir, Switch) {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&write_config(dir.path(), EXTRA), &[]);
    for _ in 0..2 {
        send(switch.http, DEMO, "+34600000001", "Shop, Inc", "hello");
    }
    send(switch.http, DEMO, "+447700900123", "Shop", "hi there");
    send(switch.http, DEMO, "+34600009991", "Shop", "fails");
    send(
        switch.http,
        DEMO,
        "+79161234567",
        "Shop",
        &"привет ".repeat(12),
    );
    send(
        switch.http,
        Some(("other", "other123")),
        "+34600000002",
        "Other",
        "x",
    );
    let deadline = Instant::now() + WAIT;
    while get(switch.http, "/api/v1/messages?state=delivered")["messages"]
        .as_array()
        .unwrap()
        .len()
        < 5
    {
        assert!(Instant::now() < deadline, "receipts never came");
        std::thread::sleep(Duration::from_millis(100));
    }
    (dir, switch)
}

#[test]
fn pages_filters_and_csv_show_the_accounts_report() {
    let (_dir, switch) = switch_with_traffic();

    // Pages of two, newest first, six parts in all, none of "other".
    let rows = all_pages(switch.http, 2);
    let ids: Vec<u64> = rows
        .iter()
        .map(|row| row["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(ids.len(), 6, "{rows:?}");
    assert!(ids.windows(2).all(|pair| pair[0] > pair[1]), "{ids:?}");
    assert!(rows.iter().all(|row| row["sender"] != "Other"));
    assert_eq!(all_pages(switch.http, 1000), rows);

    // The newest: two UCS-2 parts to Russia.
    for row in &rows[..2] {
        assert_eq!(row["type"], "unicode", "{row}");
        assert_eq!(row["country"], "RU");
        assert_eq!(row["state"], "DELIVERED");
        assert_eq!(row["description"], "delivered to the handset");
    }
    let characters: u64 = rows[..2]
        .iter()
        .map(|row| row["length"].as_u64().unwrap())
        .sum();
    assert_eq!(characters, 84);
    let uk = &rows[3];
    assert_eq!(uk["number"], "447700900123");
    assert_eq!(
        (&uk["type"], &uk["length"], &uk["country"], &uk["credit"]),
        (&json!("text"), &json!(8), &json!("GB"), &json!("1.00"))
    );
    assert_eq!(uk["operator"], "UK Mobile");
    assert_eq!(rows[5]["operator"], "");
    let failed = &rows[2];
    assert_eq!(failed["state"], "UNDELIVERABLE", "{failed}");
    assert_eq!(failed["error_code"], 1);

    // Filters.
    let only = |query: &str| -> Vec<Value> {
        get(switch.http, &format!("/api/v1/messages?{query}"))["messages"]
            .as_array()
            .unwrap()
            .clone()
    };
    assert_eq!(only("to=%2B447700900123"), vec![uk.clone()]);
    assert_eq!(only("state=undeliverable"), vec![failed.clone()]);
    assert_eq!(only("to=34600000001").len(), 2);
    assert_eq!(only("from_date=2000-01-01&to_date=2999-12-31").len(), 6);
    let tomorrow = (chrono::Utc::now() + chrono::Days::new(1)).format("%Y-%m-%d");
    let later = get(
        switch.http,
        &format!("/api/v1/messages?from_date={tomorrow}"),
    );
    assert_eq!(later, json!({"messages": [], "next_cursor": null}));
    assert!(only("to_date=2000-01-01T00:00:00Z").is_empty());

    // CSV: the same rows, quoted where a field needs it.
    let answer = http(switch.http, "GET", "/api/v1/messages.csv", DEMO, None);
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(
        answer.headers.contains("content-type: text/csv"),
        "{}",
        answer.headers
    );
    assert!(answer.text.contains(",\"Shop, Inc\","), "{}", answer.text);
    let mut reader = csv::Reader::from_reader(answer.text.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "id",
            "number",
            "type",
            "length",
            "sender",
            "country",
            "operator",
            "credit",
            "state",
            "error_code",
            "description",
            "date"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let csv_ids: Vec<u64> = records.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(csv_ids, ids);
    assert_eq!(&records[3][4], "Shop");
    assert_eq!(&records[5][4], "Shop, Inc");
    assert_eq!(&records[2][9], "1");
    assert_eq!(&records[3][9], "0");

    let by_accept = with_headers(
        switch.http,
        "GET",
        "/api/v1/messages?to=447700900123",
        &[
            ("Authorization", "Basic ZGVtbzpkZW1vMTIzNA=="),
            ("Accept", "text/csv"),
        ],
        "application/json",
        "",
    );
    assert_eq!(by_accept.status, 200, "{}", by_accept.text);
    assert_eq!(by_accept.text.lines().count(), 2, "{}", by_accept.text);
    assert!(by_accept.text.lines().nth(1).unwrap().contains(",GB,"));
}

#[test]
fn wrong_queries_are_problems_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&write_config(dir.path(), ""), &[]);
    for (query, field) in [
        ("state=sent", "state"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("cursor=abc", "cursor"),
        ("from_date=yesterday", "from_date"),
        ("to_date=2026-13-01", "to_date"),
    ] {
        let answer = http(
            switch.http,
            "GET",
            &format!("/api/v1/messages?{query}"),
            DEMO,
            None,
        );
        assert_eq!(answer.status, 400, "{query}: {}", answer.text);
        assert_eq!(answer.body["field"], field, "{query}: {}", answer.text);
    }
    let unknown = http(
        switch.http,
        "GET",
        "/api/v1/messages?colour=red",
        DEMO,
        None,
    );
    assert_eq!(unknown.status, 400, "{}", unknown.text);
    // No messages: a CSV file of the header alone, and an empty page.
    let empty = http(switch.http, "GET", "/api/v1/messages.csv", DEMO, None);
    assert_eq!(
        empty.text,
        "id,number,type,length,sender,country,operator,credit,state,error_code,description,date\n"
    );
    assert_eq!(
        http(switch.http, "GET", "/api/v1/messages", DEMO, None).body,
        json!({"messages": [], "next_cursor": null})
    );
    let paged_csv = http(
        switch.http,
        "GET",
        "/api/v1/messages.csv?limit=5",
        DEMO,
        None,
    );
    assert_eq!(paged_csv.body["field"], "limit", "{}", paged_csv.text);
    for path in ["/api/v1/messages", "/api/v1/messages.csv"] {
        assert_eq!(http(switch.http, "GET", path, None, None).status, 401);
    }
}
