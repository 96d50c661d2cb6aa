//! Contacts and groups end to end (SPEC §6.2, docs/http-api.md#contacts-and-groups):
//! a CSV import with broken rows answered with each refused line and
//! why, a second import updating what its cells name, an import larger
//! than one stored page, contacts listed, read, added, replaced and
//! deleted, groups listed and deleted (their contacts kept), a selection
//! counted, and each account's contacts its own, the operator reaching
//! any with `?account=`.

use crate::common::{ADMIN_PASSWORD, Switch, write_config};
use crate::http::{self, Answer, json};
use base64::Engine as _;
use serde_json::{Value, json};

const SHOP: Option<(&str, &str)> = Some(("shop", "shop1234"));
const CLUB: Option<(&str, &str)> = Some(("club", "club1234"));
const ADMIN: Option<(&str, &str)> = Some(("admin", ADMIN_PASSWORD));

const ACCOUNTS: &str = r#"
[[accounts]]
system_id = "shop"
password = "shop1234"
credit = "10.00"

[[accounts]]
system_id = "club"
password = "club1234"
credit = "10.00"
"#;

fn start(dir: &tempfile::TempDir) -> Switch {
    Switch::start(&write_config(dir.path(), ACCOUNTS), &[])
}

/// A POST of `body` (any octets) as `content_type`.
fn post_bytes(
    switch: &Switch,
    path: &str,
    who: Option<(&str, &str)>,
    content_type: &str,
    body: &[u8],
) -> Answer {
    let mut headers = vec![("Content-Type".to_string(), content_type.to_string())];
    if let Some((user, password)) = who {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        headers.push(("Authorization".to_string(), format!("Basic {token}")));
    }
    http::request_with_headers(switch.http, "POST", path, &headers, body)
}

fn import(switch: &Switch, path: &str, who: Option<(&str, &str)>, csv: &[u8]) -> Answer {
    post_bytes(switch, path, who, "text/csv", csv)
}

fn get(switch: &Switch, path: &str, who: Option<(&str, &str)>) -> Answer {
    json(switch.http, "GET", path, who, None)
}

/// The numbers of a page of contacts.
fn numbers(page: &Value) -> Vec<String> {
    page["contacts"]
        .as_array()
        .unwrap_or_else(|| panic!("no contacts in {page}"))
        .iter()
        .map(|contact| contact["number"].as_str().unwrap().to_string())
        .collect()
}

fn count(switch: &Switch, who: Option<(&str, &str)>, path: &str, selection: Value) -> Answer {
    json(switch.http, "POST", path, who, Some(&selection))
}

#[test]
fn an_import_names_its_broken_rows_and_a_second_import_updates_what_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let switch = start(&dir);
    let mut csv = b"number,name,city,plan\r\n\
        +34600000001,\"P\xC3\xA9rez, Ana\",Madrid,gold\r\n\
        34600000002,Bob,Bilbao,silver\r\n\
        not-a-number,Cy,Madrid,gold\r\n\
        0034600000001,Ana again,Madrid,gold\r\n\
        34600000003,Dee,Sevilla\r\n\
        34600000004,\xFF\xFE,Cadiz,gold\r\n\
        \r\n\
        \"34600000005\",\"Eve \"\"E\"\" Smith\",\"Las Palmas, GC\",bronze\r\n"
        .to_vec();
    csv.extend_from_slice(b"34600000007,\"Two\nlines\",Vigo,gold\n34600000008,Hal,Lugo,gold");
    let imported = import(&switch, "/api/v1/contacts/import?group=vip", SHOP, &csv);
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!(
        imported.body,
        json!({
            "imported": 5,
            "updated": 0,
            "unchanged": 0,
            "rejected": [
                {"line": 4, "error": "bad number: number \"not-a-number\" has 'n' as character 1; only digits, spaces, dashes, dots, parentheses and a leading + or 00 are allowed"},
                {"line": 5, "error": "duplicate in file: 34600000001 is on an earlier line"},
                {"line": 6, "error": "3 columns where the header names 4"},
                {"line": 7, "error": "column \"name\" is not UTF-8"},
            ],
            "rejected_total": 4,
        })
    );
    let eve = get(&switch, "/api/v1/contacts/+34600000005", SHOP);
    assert_eq!(eve.status, 200, "{}", eve.text);
    assert_eq!(
        eve.body,
        json!({
            "number": "34600000005",
            "name": "Eve \"E\" Smith",
            "fields": {"city": "Las Palmas, GC", "plan": "bronze"},
            "groups": ["vip"],
        })
    );
    let two_lines = get(&switch, "/api/v1/contacts/34600000007", SHOP);
    assert_eq!(two_lines.body["name"], "Two\nlines");
    let after_it = get(&switch, "/api/v1/contacts/34600000008", SHOP);
    assert_eq!(after_it.body["fields"]["city"], "Lugo", "{}", after_it.text);

    // Only the non-empty cells it names change a contact.
    let again = b"\xEF\xBB\xBFNumber , City,AGE\n\
        34600000001,Valencia,30\n\
        34600000002,,41\n\
        34600000006,Toledo,17\n\
        34600000005,\"Las Palmas, GC\",\n";
    let updated = import(&switch, "/api/v1/contacts/import", SHOP, again);
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(
        updated.body,
        json!({"imported": 1, "updated": 2, "unchanged": 1, "rejected": [], "rejected_total": 0})
    );
    let ana = get(&switch, "/api/v1/contacts/34600000001", SHOP);
    assert_eq!(
        ana.body,
        json!({
            "number": "34600000001",
            "name": "Pérez, Ana",
            "fields": {"age": "30", "city": "Valencia", "plan": "gold"},
            "groups": ["vip"],
        })
    );
    let bob = get(&switch, "/api/v1/contacts/34600000002", SHOP);
    assert_eq!(
        bob.body["fields"],
        json!({"age": "41", "city": "Bilbao", "plan": "silver"})
    );

    // Joining a group is a change too.
    let joined = import(
        &switch,
        "/api/v1/contacts/import?group=newsletter",
        SHOP,
        b"number\n34600000006\n",
    );
    assert_eq!(joined.body["updated"], 1, "{}", joined.text);
    let toledo = get(&switch, "/api/v1/contacts/34600000006", SHOP);
    assert_eq!(toledo.body["groups"], json!(["newsletter"]));
}

#[test]
fn a_header_it_cannot_read_refuses_the_whole_import() {
    let dir = tempfile::tempdir().unwrap();
    let switch = start(&dir);
    for (csv, detail) in [
        (
            &b"name,city\n34600000001,Madrid\n"[..],
            "no \"number\" column",
        ),
        (
            b"number,City,city\n34600000001,a,b\n",
            "names \"city\" again",
        ),
        (
            b"number,home town\n34600000001,Madrid\n",
            "column 2 of the header",
        ),
        (b"", "no header row"),
    ] {
        let refused = import(&switch, "/api/v1/contacts/import", SHOP, csv);
        assert_eq!(refused.status, 400, "{}", refused.text);
        assert_eq!(refused.body["field"], "header");
        assert!(
            refused.body["detail"].as_str().unwrap().contains(detail),
            "{}",
            refused.text
        );
    }
    let listed = get(&switch, "/api/v1/contacts", SHOP);
    assert_eq!(listed.body["contacts"], json!([]), "nothing was stored");
    let bad_group = import(
        &switch,
        "/api/v1/contacts/import?group=a/b",
        SHOP,
        b"number\n",
    );
    assert_eq!(bad_group.status, 400);
    assert_eq!(bad_group.body["field"], "group");
    let form = post_bytes(
        &switch,
        "/api/v1/contacts/import",
        SHOP,
        "application/x-www-form-urlencoded",
        b"number\n34600000001\n",
    );
    assert_eq!(form.status, 415, "{}", form.text);
    let from_a_page = http::with_headers(
        switch.http,
        "POST",
        "/api/v1/contacts/import",
        &[
            ("Authorization", "Basic c2hvcDpzaG9wMTIzNA=="),
            ("Origin", "https://elsewhere.example"),
        ],
        "text/plain",
        "number\n34600000001\n",
    );
    assert_eq!(from_a_page.status, 415, "{}", from_a_page.text);
    assert_eq!(
        get(&switch, "/api/v1/contacts", SHOP).body["contacts"],
        json!([])
    );
}

#[test]
fn an_import_larger_than_a_stored_page_is_stored_whole_and_listed_in_pages() {
    let dir = tempfile::tempdir().unwrap();
    let switch = start(&dir);
    let rows = 25_000;
    let mut csv = String::from("number,name,n\n");
    for n in 0..rows {
        csv.push_str(&format!("3460{n:07},person {n},{n}\n"));
    }
    csv.push_str("34600000000,again,0\n");
    let imported = import(
        &switch,
        "/api/v1/contacts/import?group=all",
        SHOP,
        csv.as_bytes(),
    );
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!(imported.body["imported"], rows);
    assert_eq!(
        imported.body["rejected"],
        json!([{"line": rows + 2, "error": "duplicate in file: 34600000000 is on an earlier line"}])
    );
    let groups = get(&switch, "/api/v1/groups", SHOP);
    assert_eq!(
        groups.body["groups"],
        json!([{"name": "all", "members": rows}])
    );

    let mut listed = 0;
    let mut path = "/api/v1/contacts?group=all&limit=1000".to_string();
    loop {
        let page = get(&switch, &path, SHOP);
        assert_eq!(page.status, 200, "{}", page.text);
        let numbers = numbers(&page.body);
        // A full last page still has a `next`, whose page is empty.
        let Some(first) = numbers.first() else { break };
        assert_eq!(first, &format!("3460{listed:07}"));
        listed += numbers.len();
        match page.body["next"].as_str() {
            Some(next) => path = format!("/api/v1/contacts?group=all&limit=1000&after={next}"),
            None => break,
        }
    }
    assert_eq!(listed, rows);
    let some = count(
        &switch,
        SHOP,
        "/api/v1/contacts/count",
        json!({"conditions": [{"field": "n", "op": "lt", "value": 1234}]}),
    );
    assert_eq!(some.body, json!({"count": 1234}), "{}", some.text);
}

#[test]
fn contacts_are_added_read_replaced_deleted_grouped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let switch = start(&dir);
    let add = |body: Value| json(switch.http, "POST", "/api/v1/contacts", SHOP, Some(&body));
    let zoe = add(json!({
        "number": "+34 600 000 010",
        "name": "Zoe",
        "fields": {"City": "Madrid", "age": 25, "member": true},
        "groups": ["vip", "staff"],
    }));
    assert_eq!(zoe.status, 201, "{}", zoe.text);
    assert_eq!(
        zoe.body,
        json!({
            "number": "34600000010",
            "name": "Zoe",
            "fields": {"age": "25", "city": "Madrid", "member": "true"},
            "groups": ["staff", "vip"],
        })
    );
    let twice = add(json!({"number": "34600000010"}));
    assert_eq!(twice.status, 409, "{}", twice.text);
    assert_eq!(twice.body["field"], "number");
    for (body, field) in [
        (json!({"number": "12"}), "number"),
        (
            json!({"number": "34600000011", "fields": {"home town": "x"}}),
            "fields",
        ),
        (
            json!({"number": "34600000011", "fields": {"name": "x"}}),
            "fields",
        ),
        (
            json!({"number": "34600000011", "fields": {"a": "x".repeat(257)}}),
            "fields",
        ),
        (
            json!({"number": "34600000011", "fields": {"a": [1]}}),
            "fields.a",
        ),
        (
            json!({"number": "34600000011", "groups": ["ok", "a/b"]}),
            "groups[1]",
        ),
        (json!({"number": "34600000011", "colour": "red"}), "colour"),
    ] {
        let refused = add(body.clone());
        assert_eq!(refused.status, 400, "{body}: {}", refused.text);
        assert_eq!(refused.body["field"], field, "{body}: {}", refused.text);
    }
    for (number, city, age, groups) in [
        ("34600000011", "Madrid", "17", vec!["vip"]),
        ("34600000012", "Bilbao", "40", vec!["vip"]),
        ("34600000013", "Madrid", "x", vec!["vip"]),
        ("34600000014", "Madrid", "60", vec![]),
    ] {
        let added =
            add(json!({"number": number, "fields": {"city": city, "age": age}, "groups": groups}));
        assert_eq!(added.status, 201, "{}", added.text);
    }

    let first = get(&switch, "/api/v1/contacts?limit=2", SHOP);
    assert_eq!(numbers(&first.body), ["34600000010", "34600000011"]);
    assert_eq!(first.body["next"], "34600000011");
    let rest = get(&switch, "/api/v1/contacts?limit=10&after=34600000011", SHOP);
    assert_eq!(
        numbers(&rest.body),
        ["34600000012", "34600000013", "34600000014"]
    );
    assert_eq!(rest.body["next"], Value::Null);
    let vip = get(&switch, "/api/v1/contacts?group=vip", SHOP);
    assert_eq!(
        numbers(&vip.body),
        ["34600000010", "34600000011", "34600000012", "34600000013"]
    );
    assert_eq!(get(&switch, "/api/v1/contacts?limit=0", SHOP).status, 400);
    assert_eq!(
        get(&switch, "/api/v1/contacts?colour=red", SHOP).status,
        400
    );

    // Madrid adults in vip: 10 (25) only; 11 is 17, 13's age is no number.
    let adults = json!({"groups": ["vip"], "conditions": [
        {"field": "city", "op": "eq", "value": "Madrid"},
        {"field": "age", "op": "ge", "value": 18}]});
    let counted = count(&switch, SHOP, "/api/v1/contacts/count", adults.clone());
    assert_eq!(counted.body, json!({"count": 1}), "{}", counted.text);
    let everyone = count(&switch, SHOP, "/api/v1/contacts/count", json!({}));
    assert_eq!(everyone.body, json!({"count": 5}));
    let in_either = count(
        &switch,
        SHOP,
        "/api/v1/contacts/count",
        json!({"groups": ["staff", "vip"], "conditions": [
            {"field": "city", "op": "in", "values": ["Madrid", "Bilbao"]},
            {"field": "number", "op": "prefix", "value": "346000000"}]}),
    );
    assert_eq!(in_either.body, json!({"count": 4}), "{}", in_either.text);
    let broken = count(
        &switch,
        SHOP,
        "/api/v1/contacts/count",
        json!({"conditions": [{"field": "age", "op": "eq", "value": 1}, {"field": "age", "op": "gt", "value": "old"}]}),
    );
    assert_eq!(broken.status, 400, "{}", broken.text);
    assert_eq!(broken.body["field"], "conditions[1]");

    let replaced = json(
        switch.http,
        "PUT",
        "/api/v1/contacts/34600000010",
        SHOP,
        Some(&json!({"name": "Zoe Q", "fields": {"city": "Bilbao"}, "groups": ["staff"]})),
    );
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    assert_eq!(
        get(&switch, "/api/v1/contacts/34600000010", SHOP).body,
        json!({"number": "34600000010", "name": "Zoe Q", "fields": {"city": "Bilbao"}, "groups": ["staff"]})
    );
    let missing = json(
        switch.http,
        "PUT",
        "/api/v1/contacts/34600000099",
        SHOP,
        Some(&json!({"name": "Nobody"})),
    );
    assert_eq!(missing.status, 404, "{}", missing.text);
    let groups = get(&switch, "/api/v1/groups", SHOP);
    assert_eq!(
        groups.body,
        json!({"account": "shop", "groups": [{"name": "staff", "members": 1}, {"name": "vip", "members": 3}]})
    );

    let gone = json(switch.http, "DELETE", "/api/v1/groups/vip", SHOP, None);
    assert_eq!(gone.status, 200, "{}", gone.text);
    assert_eq!(gone.body, json!({"group": "vip", "removed": 3}));
    assert_eq!(
        get(&switch, "/api/v1/contacts?group=vip", SHOP).body["contacts"],
        json!([])
    );
    assert_eq!(
        get(&switch, "/api/v1/contacts/34600000011", SHOP).body["groups"],
        json!([]),
        "the contacts stay"
    );
    assert_eq!(
        json(switch.http, "DELETE", "/api/v1/groups/vip", SHOP, None).status,
        404
    );

    let deleted = json(
        switch.http,
        "DELETE",
        "/api/v1/contacts/34600000010",
        SHOP,
        None,
    );
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(
        get(&switch, "/api/v1/contacts/34600000010", SHOP).status,
        404
    );
    assert_eq!(
        get(&switch, "/api/v1/groups", SHOP).body["groups"],
        json!([])
    );
    assert_eq!(
        json(
            switch.http,
            "DELETE",
            "/api/v1/contacts/34600000010",
            SHOP,
            None
        )
        .status,
        404
    );
}

#[test]
fn a_customer_reaches_its_own_contacts_only_and_the_operator_any_with_account() {
    let dir = tempfile::tempdir().unwrap();
    let switch = start(&dir);
    let csv = b"number,name\n34600000001,Ana\n34600000002,Bob\n";
    assert_eq!(
        import(&switch, "/api/v1/contacts/import?group=vip", SHOP, csv).status,
        200
    );

    // club sees none of shop's, by any path.
    assert_eq!(
        get(&switch, "/api/v1/contacts", CLUB).body["contacts"],
        json!([])
    );
    assert_eq!(
        get(&switch, "/api/v1/contacts/34600000001", CLUB).status,
        404
    );
    assert_eq!(
        get(&switch, "/api/v1/contacts?account=shop", CLUB).status,
        403
    );
    assert_eq!(
        get(&switch, "/api/v1/contacts?group=vip", CLUB).body["contacts"],
        json!([])
    );
    assert_eq!(
        get(&switch, "/api/v1/groups", CLUB).body["groups"],
        json!([])
    );
    let club_count = count(
        &switch,
        CLUB,
        "/api/v1/contacts/count",
        json!({"groups": ["vip"]}),
    );
    assert_eq!(club_count.body, json!({"count": 0}));
    assert_eq!(
        import(&switch, "/api/v1/contacts/import?account=shop", CLUB, csv).status,
        403
    );
    let put = json(
        switch.http,
        "PUT",
        "/api/v1/contacts/34600000001",
        CLUB,
        Some(&json!({"name": "Mallory"})),
    );
    assert_eq!(put.status, 404);
    assert_eq!(
        json(
            switch.http,
            "DELETE",
            "/api/v1/contacts/34600000001",
            CLUB,
            None
        )
        .status,
        404
    );
    assert_eq!(
        json(switch.http, "DELETE", "/api/v1/groups/vip", CLUB, None).status,
        404
    );
    let add = json(
        switch.http,
        "POST",
        "/api/v1/contacts?account=shop",
        CLUB,
        Some(&json!({"number": "34600000009"})),
    );
    assert_eq!(add.status, 403);
    // club's own contact with shop's number is club's.
    let own = json(
        switch.http,
        "POST",
        "/api/v1/contacts",
        CLUB,
        Some(&json!({"number": "34600000001", "name": "Club's Ana"})),
    );
    assert_eq!(own.status, 201, "{}", own.text);
    let shops = get(&switch, "/api/v1/contacts?group=vip", SHOP);
    assert_eq!(numbers(&shops.body), ["34600000001", "34600000002"]);
    assert_eq!(
        get(&switch, "/api/v1/contacts/34600000001", SHOP).body["name"],
        "Ana"
    );
    assert_eq!(get(&switch, "/api/v1/contacts", None).status, 401);

    // The operator names the account.
    let unnamed = get(&switch, "/api/v1/contacts", ADMIN);
    assert_eq!(unnamed.status, 400, "{}", unnamed.text);
    assert_eq!(unnamed.body["field"], "account");
    let shops = get(&switch, "/api/v1/contacts?account=shop", ADMIN);
    assert_eq!(shops.body["account"], "shop");
    assert_eq!(numbers(&shops.body), ["34600000001", "34600000002"]);
    let imported = import(
        &switch,
        "/api/v1/contacts/import?account=club&group=members",
        ADMIN,
        b"number\n34600000003\n",
    );
    assert_eq!(imported.body["imported"], 1, "{}", imported.text);
    let clubs = count(
        &switch,
        ADMIN,
        "/api/v1/contacts/count?account=club",
        json!({"groups": ["members"]}),
    );
    assert_eq!(clubs.body, json!({"count": 1}));
    let deleted = json(
        switch.http,
        "DELETE",
        "/api/v1/contacts/34600000002?account=shop",
        ADMIN,
        None,
    );
    assert_eq!(deleted.status, 204);
    assert_eq!(
        get(&switch, "/api/v1/contacts?account=nobody", ADMIN).status,
        404
    );
}
