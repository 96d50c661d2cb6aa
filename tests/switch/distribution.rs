//! A route with weights over two simulator gateways, end to end: messages
//! sent over HTTP are shared between both, and every part of a
//! concatenated message goes through the same one. Checked in the store
//! after the switch stops.

use crate::common;
use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use common::{Switch, write_config};
use pasarela::model::MessageId;
use pasarela::store::{Store, StoreConfig};
use serde_json::{Value, json};

/// A second simulator, and the default route shared 1:1 between both.
fn config(dir: &std::path::Path) -> std::path::PathBuf {
    let path = write_config(
        dir,
        "[[gateways]]\nname = \"sim2\"\nkind = \"simulator\"\ndlr_delay_ms = 50\n",
    );
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "gateways = [\"sim\"]",
        "gateways = [\"sim\", \"sim2\"]\nweights = [1, 1]",
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn send(http: SocketAddr, to: &[String], text: &str) -> Value {
    let body = json!({"to": to, "from": "Shop", "text": text}).to_string();
    let mut stream = TcpStream::connect(http).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // demo:demo1234
    write!(
        stream,
        "POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic ZGVtbzpkZW1vMTIzNA==\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 202"), "{answer}");
    serde_json::from_str(body).unwrap()
}

#[test]
fn weights_share_messages_and_keep_the_parts_of_one_together() {
    let dir = tempfile::tempdir().unwrap();
    let mut switch = Switch::start(&config(dir.path()), &[]);
    let numbers: Vec<String> = (0..40).map(|n| format!("+3460010{n:04}")).collect();
    let singles = send(switch.http, &numbers, "short");
    let long = send(switch.http, &numbers[..20], &"long text ".repeat(40));
    assert_eq!(long["parts"], 3);
    std::thread::sleep(Duration::from_millis(500));
    assert!(switch.signal_and_wait(libc::SIGTERM).success());

    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    let gateway_of = |id: &Value| {
        let id = MessageId::new(id.as_str().unwrap().parse().unwrap());
        let message = store.message(id).unwrap().expect("stored");
        message.gateway.expect("routed").as_str().to_string()
    };
    let mut shares: HashMap<String, usize> = HashMap::new();
    for sent in singles["messages"].as_array().unwrap() {
        *shares.entry(gateway_of(&sent["ids"][0])).or_default() += 1;
    }
    assert_eq!(shares.get("sim"), Some(&20), "{shares:?}");
    assert_eq!(shares.get("sim2"), Some(&20), "{shares:?}");
    let mut used = HashSet::new();
    for sent in long["messages"].as_array().unwrap() {
        let gateways: HashSet<String> = sent["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(gateway_of)
            .collect();
        assert_eq!(
            gateways.len(),
            1,
            "parts of one message split: {gateways:?}"
        );
        used.extend(gateways);
    }
    assert_eq!(
        used.len(),
        2,
        "concatenated messages all went one way: {used:?}"
    );
    store.close().unwrap();
}
