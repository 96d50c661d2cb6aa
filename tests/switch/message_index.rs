//! The index of messages by destination number, end to end against
//! `pasarela serve`: a search by a number, however written, finds exactly
//! that number's messages across accounts, newest first, a page at a time
//! and as CSV, for the operator and for one account; retention takes
//! purged messages out of it; a SIGKILL under traffic leaves every
//! acknowledged message findable by its number; and a store written
//! without the index (its tree and marker removed, as before the index
//! existed) is indexed in the background after start, the page saying so
//! meanwhile.

use crate::common::{ADMIN_PASSWORD, Switch, write_config, write_config_without_account_tps};
use crate::http::json as http_json;
use crate::ui::{browse, ui_login};

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pasarela::model::MessageId;
use pasarela::store::{Store, StoreConfig};
use serde_json::{Value, json};

const DEMO: (&str, &str) = ("demo", "demo1234");
const OTHER: (&str, &str) = ("other", "other123");

/// A second account.
const OTHER_ACCOUNT: &str = r#"
[[accounts]]
system_id = "other"
password = "other123"
credit = "1000.00"
allowed_ips = ["127.0.0.0/8"]
"#;

/// The number searched, the one beside it, and one it is a prefix of.
const NUMBER: &str = "34600100001";
const NEIGHBOUR: &str = "34600100002";
const LONGER: &str = "346001000011";

const WAIT: Duration = Duration::from_secs(30);

/// Sends `text` to `to` as `who`: the ids of its parts.
fn send(address: SocketAddr, who: (&str, &str), to: &[String], from: &str, text: &str) -> Vec<u64> {
    let body = json!({"to": to, "from": from, "text": text});
    let sent = http_json(address, "POST", "/api/v1/messages", Some(who), Some(&body));
    assert_eq!(sent.status, 202, "{}", sent.text);
    sent.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|message| message["ids"].as_array().unwrap().clone())
        .map(|id| id.as_str().unwrap().parse().unwrap())
        .collect()
}

/// The ids of a UI page's message rows, in page order, and its "Older"
/// link.
fn ui_rows(page: &str) -> (Vec<u64>, Option<String>) {
    let ids = page
        .split("data-message=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().parse().unwrap())
        .collect();
    let next = page
        .split("rel=\"next\" href=\"")
        .nth(1)
        .map(|rest| rest.split('"').next().unwrap().replace("&amp;", "&"));
    (ids, next)
}

/// Every id of the operator's search at `path`, page by page, each page's
/// row count.
fn ui_search(address: SocketAddr, session: &str, path: &str) -> (Vec<u64>, Vec<usize>, String) {
    let mut ids = Vec::new();
    let mut sizes = Vec::new();
    let mut path = path.to_owned();
    let mut first = None;
    loop {
        let page = browse(address, session, "GET", &path, "");
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        let (rows, next) = ui_rows(&page.text);
        sizes.push(rows.len());
        ids.extend(rows);
        first.get_or_insert(page.text);
        match next {
            Some(next) => path = next,
            None => return (ids, sizes, first.unwrap_or_default()),
        }
    }
}

/// Every id of one account's API listing at `query`, `limit` a page.
fn api_search(address: SocketAddr, who: (&str, &str), query: &str, limit: usize) -> Vec<u64> {
    let mut ids = Vec::new();
    let mut path = format!("/api/v1/messages?{query}&limit={limit}");
    loop {
        let page = http_json(address, "GET", &path, Some(who), None);
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        let rows = page.body["messages"].as_array().unwrap();
        assert!(rows.len() <= limit);
        ids.extend(
            rows.iter()
                .map(|row| row["id"].as_str().unwrap().parse::<u64>().unwrap()),
        );
        match page.body["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/api/v1/messages?{query}&limit={limit}&cursor={cursor}")
            }
            None => return ids,
        }
    }
}

fn newest_first(mut ids: Vec<u64>) -> Vec<u64> {
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids
}

fn set_store_keys(config: &Path, keys: &str) {
    let text = std::fs::read_to_string(config).unwrap();
    let text = text
        .replacen("[store]\n", &format!("[store]\n{keys}\n"), 1)
        .replace("retention_days = 90 ", "# retention_days = 90 ");
    std::fs::write(config, text).unwrap();
}

#[test]
fn a_number_however_written_finds_its_messages_across_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(
        &write_config_without_account_tps(dir.path(), OTHER_ACCOUNT),
        &[],
    );
    let long = "x".repeat(600); // four parts
    let mut demo_ids = Vec::new();
    let mut other_ids = Vec::new();
    // Interleaved, so the accounts' messages alternate in time.
    for round in 0..8 {
        demo_ids.extend(send(
            switch.http,
            DEMO,
            &[format!("+{NUMBER}")],
            "Shop",
            &long,
        ));
        if round < 6 {
            other_ids.extend(send(
                switch.http,
                OTHER,
                &[format!("00{NUMBER}")],
                "Other",
                &long,
            ));
        }
    }
    let neighbours = send(
        switch.http,
        DEMO,
        &[NEIGHBOUR.into(), LONGER.into()],
        "Shop",
        "hi",
    );
    send(switch.http, OTHER, &[LONGER.into()], "Other", "hi");
    assert_eq!(
        (demo_ids.len(), other_ids.len(), neighbours.len()),
        (32, 24, 2)
    );
    let all = newest_first(demo_ids.iter().chain(&other_ids).copied().collect());

    // The operator, every account, the number written with 00 and spaces:
    // 56 messages, 50 a page, newest first.
    let session = ui_login(switch.http, ("admin", ADMIN_PASSWORD));
    let (found, pages, first) = ui_search(
        switch.http,
        &session,
        "/ui/messages?to=0034%20600%20100%20001",
    );
    assert_eq!(found, all);
    assert_eq!(pages, [50, 6]);
    // No bound to announce: the index answers.
    assert!(!first.contains("data-notice=\"number-index\""), "{first}");
    assert!(
        !first.contains("the CSV looks at the newest messages only"),
        "{first}"
    );
    let (unfiltered, _, every) = ui_search(switch.http, &session, "/ui/messages");
    assert_eq!(unfiltered.len(), 59);
    assert!(
        every.contains("the CSV looks at the newest messages only"),
        "{every}"
    );

    // The other fields still filter: one account, one sender.
    let (found, _, _) = ui_search(
        switch.http,
        &session,
        &format!("/ui/messages?to=%2B{NUMBER}&account=other"),
    );
    assert_eq!(found, newest_first(other_ids.clone()));
    let (found, _, _) = ui_search(
        switch.http,
        &session,
        &format!("/ui/messages?to={NUMBER}&from=Shop"),
    );
    assert_eq!(found, newest_first(demo_ids.clone()));
    let (found, _, _) = ui_search(switch.http, &session, &format!("/ui/messages?to={LONGER}"));
    assert_eq!(found.len(), 2);

    // The CSV of every account: the same messages, each row's number and
    // account.
    let csv = browse(
        switch.http,
        &session,
        "GET",
        "/ui/messages.csv?to=%2B34-600-100-001",
        "",
    );
    assert_eq!(csv.status, 200, "{}", csv.text);
    let mut reader = csv::Reader::from_reader(csv.text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let ids: Vec<u64> = rows.iter().map(|row| row[0].parse().unwrap()).collect();
    assert_eq!(ids, all);
    assert!(rows.iter().all(|row| &row[1] == NUMBER), "{rows:?}");
    let accounts: BTreeSet<&str> = rows
        .iter()
        .map(|row| row.get(row.len() - 1).unwrap())
        .collect();
    assert_eq!(accounts, BTreeSet::from(["demo", "other"]));

    // One account over the API, ten a page: its own messages only.
    assert_eq!(
        api_search(switch.http, DEMO, &format!("to=%2B{NUMBER}"), 10),
        newest_first(demo_ids)
    );
    assert_eq!(
        api_search(switch.http, OTHER, &format!("to={NUMBER}"), 7),
        newest_first(other_ids)
    );
}

#[test]
fn retention_takes_purged_messages_out_of_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    // 0.0001 days: 8.64 seconds.
    set_store_keys(&config, "retention_days = 0.0001");
    let mut switch = Switch::start(&config, &[]);
    let old = send(switch.http, DEMO, &[NUMBER.into()], "Shop", "old");
    std::thread::sleep(Duration::from_secs(5));
    let recent = send(switch.http, DEMO, &[NUMBER.into()], "Shop", "recent");
    let deadline = Instant::now() + WAIT;
    let path = format!("/api/v1/messages/{}", old[0]);
    while http_json(switch.http, "GET", &path, Some(DEMO), None).status != 404 {
        assert!(Instant::now() < deadline, "message {old:?} never purged");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        api_search(switch.http, DEMO, &format!("to={NUMBER}"), 10),
        recent
    );
    assert!(switch.signal_and_wait(libc::SIGTERM).success());

    // The entry itself is gone, not only skipped.
    assert_eq!(stored_index(dir.path()), recent);
}

/// The ids the stopped switch's store in `dir` indexes under [`NUMBER`],
/// newest first.
fn stored_index(dir: &Path) -> Vec<u64> {
    let store = Store::open(StoreConfig::new(dir.join("data/store"))).unwrap();
    let indexed = store
        .number_messages(NUMBER, None, 10)
        .unwrap()
        .into_iter()
        .map(|(id, _)| id.value())
        .collect();
    store.close().unwrap();
    indexed
}

/// `POST /api/v1/messages` to `to` over a socket that may die with the
/// switch: the ids of an acknowledged (202) message, else `None`.
fn try_send(address: SocketAddr, to: &str) -> Option<Vec<u64>> {
    let body = json!({"to": [to], "from": "Shop", "text": "load"}).to_string();
    let mut stream = TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let basic = "ZGVtbzpkZW1vMTIzNA=="; // demo:demo1234
    write!(
        stream,
        "POST /api/v1/messages HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Authorization: Basic {basic}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    if !head.starts_with("HTTP/1.1 202") {
        return None;
    }
    let body: Value = serde_json::from_str(body).ok()?;
    Some(
        body["messages"][0]["ids"]
            .as_array()?
            .iter()
            .filter_map(|id| id.as_str()?.parse().ok())
            .collect(),
    )
}

#[test]
fn every_acknowledged_message_is_found_by_number_after_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_without_account_tps(dir.path(), "");
    let mut switch = Switch::start(&config, &[]);
    let numbers: Vec<String> = (0..5).map(|n| format!("3460020000{n}")).collect();
    let acked: Arc<Mutex<Vec<(String, u64)>>> = Arc::default();
    let senders: Vec<_> = (0..4)
        .map(|sender| {
            let (numbers, acked, address) = (numbers.clone(), acked.clone(), switch.http);
            std::thread::spawn(move || {
                let deadline = Instant::now() + WAIT;
                for n in sender.. {
                    let number = &numbers[n % numbers.len()];
                    let Some(ids) = try_send(address, number) else {
                        return;
                    };
                    let mut acked = acked.lock().unwrap();
                    acked.extend(ids.into_iter().map(|id| (number.clone(), id)));
                    if Instant::now() > deadline {
                        return;
                    }
                }
            })
        })
        .collect();
    let load_until = Instant::now() + WAIT;
    while acked.lock().unwrap().len() < 200 {
        assert!(Instant::now() < load_until, "the load never got going");
        std::thread::sleep(Duration::from_millis(10));
    }
    switch.signal_and_wait(libc::SIGKILL);
    for sender in senders {
        sender.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();

    let switch = Switch::start(&config, &[]);
    for number in &numbers {
        let expected: BTreeSet<u64> = acked
            .iter()
            .filter(|(to, _)| to == number)
            .map(|(_, id)| *id)
            .collect();
        let found = api_search(switch.http, DEMO, &format!("to=%2B{number}"), 1000);
        let missing: Vec<&u64> = expected.iter().filter(|id| !found.contains(id)).collect();
        assert!(
            missing.is_empty(),
            "{number}: acknowledged, not found: {missing:?}"
        );
        assert_eq!(found, newest_first(found.clone()));
        for id in found {
            let message = http_json(
                switch.http,
                "GET",
                &format!("/api/v1/messages/{id}"),
                Some(DEMO),
                None,
            );
            assert_eq!(
                message.body["to"].as_str(),
                Some(number.as_str()),
                "{}",
                message.text
            );
        }
    }
}

#[test]
fn messages_stored_before_the_index_are_indexed_after_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_without_account_tps(dir.path(), OTHER_ACCOUNT);
    // A page of the indexing is 512 messages: with 600 stored, the second
    // page waits this long, and the page says so meanwhile.
    set_store_keys(&config, "index_pause_ms = 5000");
    let mut switch = Switch::start(&config, &[]);
    let many: Vec<String> = (0..600).map(|n| format!("34600300{n:03}")).collect();
    for chunk in many.chunks(200) {
        send(switch.http, DEMO, chunk, "Shop", "bulk");
    }
    let mut old = send(switch.http, DEMO, &[NUMBER.into()], "Shop", "old");
    old.extend(send(switch.http, OTHER, &[NUMBER.into()], "Other", "old"));
    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    forget_the_index(&dir.path().join("data/store"));

    let mut switch = Switch::start(&config, &[]);
    let session = ui_login(switch.http, ("admin", ADMIN_PASSWORD));
    let search = format!("/ui/messages?to=%2B{NUMBER}");
    let (found, _, page) = ui_search(switch.http, &session, &search);
    assert!(page.contains("data-notice=\"number-index\""), "{page}");
    assert!(page.contains("10\u{202f}000"), "{page}");
    // Meanwhile the bounded walk still finds them.
    assert_eq!(found, newest_first(old.clone()));
    let customer = ui_login(switch.http, DEMO);
    let mine = browse(
        switch.http,
        &customer,
        "GET",
        &format!("/ui/me/messages?to={NUMBER}"),
        "",
    );
    assert!(
        mine.text.contains("data-notice=\"number-index\""),
        "{}",
        mine.text
    );

    let deadline = Instant::now() + WAIT;
    while !switch
        .logged()
        .contains("every message is indexed by number")
    {
        assert!(
            Instant::now() < deadline,
            "indexing never finished: {}",
            switch.logged()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let recent = send(switch.http, DEMO, &[NUMBER.into()], "Shop", "recent");
    let (found, _, page) = ui_search(switch.http, &session, &search);
    assert!(!page.contains("data-notice=\"number-index\""), "{page}");
    assert_eq!(
        found,
        newest_first(old.iter().chain(&recent).copied().collect())
    );
    assert!(switch.signal_and_wait(libc::SIGTERM).success());

    assert_eq!(
        stored_index(dir.path()),
        newest_first(old.iter().chain(&recent).copied().collect())
    );
    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    assert_eq!(
        store.number_messages(&many[599], None, 10).unwrap().len(),
        1
    );
    assert!(store.message(MessageId::new(old[0])).unwrap().is_some());
    store.close().unwrap();
}

/// Makes the store at `path` one written before the index by number
/// existed: without that index's tree and its marker in `meta`. Opened
/// and closed once first, so its journal is all in sled.
fn forget_the_index(path: &Path) {
    Store::open(StoreConfig::new(path))
        .unwrap()
        .close()
        .unwrap();
    // sled lets go of its lock a moment after it is closed.
    let deadline = Instant::now() + WAIT;
    let db = loop {
        match sled::open(path) {
            Ok(db) => break db,
            Err(error) => {
                assert!(Instant::now() < deadline, "{error}");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    assert!(db.drop_tree("number_messages").unwrap());
    assert!(
        db.open_tree("meta")
            .unwrap()
            .remove("old_messages")
            .unwrap()
            .is_some()
    );
    db.flush().unwrap();
}
