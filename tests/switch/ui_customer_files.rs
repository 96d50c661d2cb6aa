//! The customer panel's files and long lists over real HTTP, against
//! `pasarela serve` with its built-in simulator gateway (receipts after
//! 200 ms), as a browser without JavaScript posts: a CSV sent from the
//! send page becomes a campaign whose messages are delivered, its broken
//! rows listed by line and the rest sent; a plain list of numbers with
//! the form's text, TPS and quiet hours; the recipients' CSV; a contacts
//! file imported into a group, a campaign to those of them a condition on
//! a field picks, and a contact's free fields edited; a long
//! conversation paged back to its first message. Another customer reads
//! none of it, a form without its CSRF token changes nothing, and an
//! upload over the limit is refused with a page, before it is read.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use chrono::{Timelike, Utc};
use serde_json::{Value, json};

use crate::common::{Switch, write_config};
use crate::http;
use crate::ui::{browse, csrf_token, ui_login, upload};

const DEMO: Option<(&str, &str)> = Some(("demo", "demo1234"));
const WAIT: Duration = Duration::from_secs(30);

fn start(dir: &std::path::Path) -> Switch {
    let config = write_config(
        dir,
        r#"
[[accounts]]
system_id = "other"
password = "other123"
credit = "100.00"
allowed_ips = ["127.0.0.0/8"]
"#,
    );
    Switch::start(&config, &[])
}

/// The API's view of campaign `id`, once `done` holds (bounded wait).
fn campaign_when(switch: &Switch, id: u64, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let read = http::json(
            switch.http,
            "GET",
            &format!("/api/v1/campaigns/{id}"),
            DEMO,
            None,
        );
        assert_eq!(read.status, 200, "{}", read.text);
        if done(&read.body) {
            return read.body;
        }
        assert!(Instant::now() < deadline, "campaign {id}: {}", read.body);
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The id of the campaign a page shows (its recipients' link).
fn campaign_id(page: &str) -> u64 {
    page.split("/ui/me/campaigns/")
        .find_map(|rest| rest.split_once("/recipients.csv"))
        .and_then(|(id, _)| id.parse().ok())
        .unwrap_or_else(|| panic!("a campaign's page: {page}"))
}

fn campaigns_of_demo(switch: &Switch) -> usize {
    let list = http::json(switch.http, "GET", "/api/v1/campaigns", DEMO, None);
    assert_eq!(list.status, 200, "{}", list.text);
    list.body.as_array().unwrap().len()
}

/// A form the send page posts, the file last.
fn file_form<'a>(token: &'a str, text: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", token),
        ("name", "Desde archivo"),
        ("from", "Shop"),
        ("text", text),
    ]
}

#[test]
fn a_file_sent_from_the_panel_is_a_campaign_delivered_its_broken_rows_listed() {
    let dir = tempfile::tempdir().unwrap();
    let switch = start(dir.path());
    let demo = ui_login(switch.http, ("demo", "demo1234"));
    let home = browse(switch.http, &demo, "GET", "/ui/me", "");
    assert_eq!(home.status, 200);
    assert!(
        home.text
            .contains("action=\"/ui/me/campaigns/file\" enctype=\"multipart/form-data\""),
        "the send page's file form"
    );
    let token = csrf_token(&home.text);

    // A CSV of six good rows, one bad number and a number again.
    let mut csv = String::from("number,text\n");
    for n in 1..=6 {
        csv.push_str(&format!("+3460011100{n},Hola {n}\n"));
    }
    csv.push_str("not-a-number,Hola\n+34600111001,Otra vez\n");
    let sent = upload(
        switch.http,
        &demo,
        "/ui/me/campaigns/file",
        &file_form(&token, ""),
        Some(("lista.csv", csv.as_bytes())),
    );
    assert_eq!(sent.status, 200, "{}", sent.text);
    assert!(sent.text.contains("data-refused=\"2\""), "{}", sent.text);
    assert!(sent.text.contains("data-line=\"8\""), "{}", sent.text);
    assert!(sent.text.contains("data-line=\"9\""), "{}", sent.text);
    let id = campaign_id(&sent.text);
    let done = campaign_when(&switch, id, |c| c["delivered"] == 6);
    assert_eq!(done["total"], 6, "{done}");
    assert_eq!(done["state"], "finished", "{done}");

    // Its recipients as CSV: the header and the six rows.
    let path = format!("/ui/me/campaigns/{id}/recipients.csv");
    let recipients = browse(switch.http, &demo, "GET", &path, "");
    assert_eq!(recipients.status, 200, "{}", recipients.text);
    assert!(recipients.headers.contains("content-type: text/csv"));
    let lines: Vec<&str> = recipients.text.lines().collect();
    assert_eq!(lines.len(), 7, "{}", recipients.text);
    assert!(lines[0].starts_with("index,number,text,outcome"));
    assert!(
        lines[1..].iter().all(|line| line.contains(",sent,")),
        "{lines:?}"
    );
    assert!(recipients.text.contains("Hola 6"));

    // A plain list of numbers, the text from the form, with a TPS and
    // quiet hours that are not now.
    let hour = Utc::now().hour();
    let quiet_from = format!("{:02}:00", (hour + 6) % 24);
    let quiet_to = format!("{:02}:00", (hour + 7) % 24);
    let mut form = file_form(&token, "Hola {{number}}");
    form.extend([
        ("tps", "5"),
        ("quiet_from", quiet_from.as_str()),
        ("quiet_to", quiet_to.as_str()),
    ]);
    let plain = upload(
        switch.http,
        &demo,
        "/ui/me/campaigns/file",
        &form,
        Some((
            "numeros.txt",
            b"34600222001\n+34600222002\r\n\n34600222003\nnope\n",
        )),
    );
    assert_eq!(plain.status, 200, "{}", plain.text);
    // Counted as the file's lines, though the list has no header.
    assert!(plain.text.contains("data-refused=\"1\""), "{}", plain.text);
    assert!(plain.text.contains("data-line=\"5\""), "{}", plain.text);
    let plain_id = campaign_id(&plain.text);
    let done = campaign_when(&switch, plain_id, |c| c["delivered"] == 3);
    assert_eq!(done["tps"], 5, "{done}");
    assert_eq!(done["quiet_hours"]["from"], quiet_from.as_str(), "{done}");

    // A file the switch cannot read as one: said on the send page.
    let made = campaigns_of_demo(&switch);
    let bad = upload(
        switch.http,
        &demo,
        "/ui/me/campaigns/file",
        &file_form(&token, "Hola"),
        Some(("mal.csv", b"name,city\nAna,Madrid\n")),
    );
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(bad.text.contains("class=\"flash bad\""), "{}", bad.text);
    assert!(bad.text.contains("number"), "{}", bad.text);
    // Quiet hours with no end: refused, nothing made.
    let mut half = file_form(&token, "Hola");
    half.push(("quiet_from", "22:00"));
    let refused = upload(
        switch.http,
        &demo,
        "/ui/me/campaigns/file",
        &half,
        Some(("n.txt", b"34600222009\n")),
    );
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(refused.text.contains("quiet"), "{}", refused.text);

    // Without its CSRF token, or without a session: refused, nothing made.
    let forged = upload(
        switch.http,
        &demo,
        "/ui/me/campaigns/file",
        &file_form("wrong", "Hola"),
        Some(("n.txt", b"34600222009\n")),
    );
    assert_eq!(forged.status, 403, "{}", forged.text);
    let anonymous = upload(
        switch.http,
        "",
        "/ui/me/campaigns/file",
        &file_form(&token, "Hola"),
        Some(("n.txt", b"34600222009\n")),
    );
    assert_eq!(anonymous.status, 303);
    assert!(anonymous.headers.contains("location: /ui/login"));
    assert_eq!(campaigns_of_demo(&switch), made);

    // Over the limit: refused with the page, before the body is read.
    let answer = oversized(&switch, &demo);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("larger than the limit of 5 MiB"),
        "{answer}"
    );
    assert_eq!(campaigns_of_demo(&switch), made);

    // Another customer reads neither the campaign nor its recipients.
    let other = ui_login(switch.http, ("other", "other123"));
    let page = format!("/ui/me/campaigns/{id}");
    assert_eq!(browse(switch.http, &other, "GET", &page, "").status, 404);
    let theirs = browse(switch.http, &other, "GET", &path, "");
    assert_eq!(theirs.status, 404);
    assert!(!theirs.text.contains("Hola 6"));
    let anonymous = browse(switch.http, "", "GET", &path, "");
    assert_eq!(anonymous.status, 303);
}

/// A form that says it carries 6 MiB, of which only the start is sent:
/// the answer as it comes (read up to the end of its page).
fn oversized(switch: &Switch, session: &str) -> String {
    let mut stream = TcpStream::connect(switch.http).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let start = "------pasarela-big\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nx\r\n";
    write!(
        stream,
        "POST /ui/me/campaigns/file HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
         Content-Type: multipart/form-data; boundary=----pasarela-big\r\n\
         Cookie: pasarela_session={session}\r\nContent-Length: {}\r\n\r\n{start}",
        switch.http,
        6 * 1024 * 1024
    )
    .unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0; 8192];
    while !String::from_utf8_lossy(&answer).contains("</html>") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => answer.extend_from_slice(&buffer[..read]),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn contacts_imported_from_a_file_join_their_group_and_free_fields_are_edited() {
    let dir = tempfile::tempdir().unwrap();
    let switch = start(dir.path());
    let demo = ui_login(switch.http, ("demo", "demo1234"));
    let page = browse(switch.http, &demo, "GET", "/ui/me/contacts", "");
    assert!(
        page.text
            .contains("action=\"/ui/me/contacts/import\" enctype=\"multipart/form-data\""),
        "the import form"
    );
    let token = csrf_token(&page.text);
    let file = "number,name,city\n+34600444001,Ana,Madrid\n+34600444002,Luis,Bilbao\n\
                bad,Nadie,Soria\n+34600444003,Eva\n";
    let imported = upload(
        switch.http,
        &demo,
        "/ui/me/contacts/import",
        &[("csrf", &token), ("group", "club")],
        Some(("club.csv", file.as_bytes())),
    );
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert!(imported.text.contains("Imported: 2"), "{}", imported.text);
    assert!(
        imported.text.contains("data-refused=\"2\""),
        "{}",
        imported.text
    );
    assert!(
        imported.text.contains("data-line=\"4\""),
        "{}",
        imported.text
    );
    assert!(
        imported.text.contains("data-line=\"5\""),
        "{}",
        imported.text
    );
    let groups = http::json(switch.http, "GET", "/api/v1/groups", DEMO, None);
    assert_eq!(
        groups.body["groups"],
        json!([{"name": "club", "members": 2}]),
        "{}",
        groups.text
    );
    // A plain list of numbers into another group.
    let listed = upload(
        switch.http,
        &demo,
        "/ui/me/contacts/import",
        &[("csrf", &token), ("group", "vip")],
        Some(("vip.txt", b"+34600444001\n34600444009\n")),
    );
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert!(
        listed.text.contains("data-group=\"vip\""),
        "{}",
        listed.text
    );
    assert!(listed.text.contains("vip (2)"), "{}", listed.text);

    // A campaign from the campaigns form to the group's contacts in
    // Madrid, at 2 messages a second, with quiet hours that are not now.
    let hour = Utc::now().hour();
    let quiet = format!(
        "quiet_from={:02}%3A00&quiet_to={:02}%3A00",
        (hour + 6) % 24,
        (hour + 7) % 24
    );
    let form = format!(
        "csrf={token}&name=Madrid&from=Shop&text=Hola+%7B%7Bname%7D%7D&numbers=&groups=club\
         &field=city&op=eq&value=Madrid&start_at=&tps=2&{quiet}"
    );
    let made = browse(switch.http, &demo, "POST", "/ui/me/campaigns", &form);
    assert_eq!(made.status, 303, "{}", made.text);
    let id: u64 = made
        .headers
        .split("location: /ui/me/campaigns/")
        .nth(1)
        .and_then(|rest| rest.split('?').next())
        .and_then(|id| id.parse().ok())
        .expect("the new campaign's page");
    let done = campaign_when(&switch, id, |c| c["delivered"] == 1);
    assert_eq!(done["total"], 1, "{done}");
    assert_eq!(done["tps"], 2, "{done}");
    assert!(done["quiet_hours"].is_object(), "{done}");
    let recipients = browse(
        switch.http,
        &demo,
        "GET",
        &format!("/ui/me/campaigns/{id}/recipients.csv"),
        "",
    );
    assert!(recipients.text.contains("Hola Ana"), "{}", recipients.text);
    assert!(!recipients.text.contains("Luis"), "{}", recipients.text);
    // A TPS that is no number: said on the page, nothing made.
    let refused = browse(
        switch.http,
        &demo,
        "POST",
        "/ui/me/campaigns",
        &format!("csrf={token}&name=x&from=Shop&text=Hola&numbers=34600444001&tps=fast"),
    );
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(refused.text.contains("fast"), "{}", refused.text);

    // One contact's page, and its free fields changed there.
    let one = browse(switch.http, &demo, "GET", "/ui/me/contacts/34600444001", "");
    assert_eq!(one.status, 200, "{}", one.text);
    assert!(one.text.contains("city = Madrid"), "{}", one.text);
    let token = csrf_token(&one.text);
    let edit = format!(
        "csrf={token}&name=Ana+Mar%C3%ADa&groups=club%2C+vip&fields=city+%3D+Sevilla%0D%0Aplan+%3D+gold"
    );
    let saved = browse(
        switch.http,
        &demo,
        "POST",
        "/ui/me/contacts/34600444001",
        &edit,
    );
    assert_eq!(saved.status, 303, "{}", saved.text);
    let stored = http::json(
        switch.http,
        "GET",
        "/api/v1/contacts/34600444001",
        DEMO,
        None,
    );
    assert_eq!(stored.body["name"], "Ana María", "{}", stored.text);
    assert_eq!(
        stored.body["fields"],
        json!({"city": "Sevilla", "plan": "gold"})
    );
    assert_eq!(stored.body["groups"], json!(["club", "vip"]));
    // A line that is no field: said on the page, nothing changed.
    let wrong = browse(
        switch.http,
        &demo,
        "POST",
        "/ui/me/contacts/34600444001",
        &format!("csrf={token}&fields=just+words"),
    );
    assert_eq!(wrong.status, 400, "{}", wrong.text);
    assert!(wrong.text.contains("just words"), "{}", wrong.text);
    // Without the token: refused.
    let forged = browse(
        switch.http,
        &demo,
        "POST",
        "/ui/me/contacts/34600444001",
        "csrf=wrong&fields=city+%3D+Lugo",
    );
    assert_eq!(forged.status, 403);
    let forged_import = upload(
        switch.http,
        &demo,
        "/ui/me/contacts/import",
        &[("csrf", "wrong"), ("group", "club")],
        Some(("x.csv", b"number\n+34600444077\n")),
    );
    assert_eq!(forged_import.status, 403);

    // Another customer: not found, and the contact as it was.
    let other = ui_login(switch.http, ("other", "other123"));
    let theirs = browse(
        switch.http,
        &other,
        "GET",
        "/ui/me/contacts/34600444001",
        "",
    );
    assert_eq!(theirs.status, 404);
    assert!(!theirs.text.contains("Sevilla"));
    let token = csrf_token(&browse(switch.http, &other, "GET", "/ui/me/contacts", "").text);
    let overwrite = browse(
        switch.http,
        &other,
        "POST",
        "/ui/me/contacts/34600444001",
        &format!("csrf={token}&fields=city+%3D+Lugo"),
    );
    assert_eq!(overwrite.status, 404);
    let stored = http::json(
        switch.http,
        "GET",
        "/api/v1/contacts/34600444001",
        DEMO,
        None,
    );
    assert_eq!(stored.body["fields"]["city"], "Sevilla");
    assert_eq!(stored.body["groups"], json!(["club", "vip"]));
}

#[test]
fn a_long_conversation_pages_back_to_its_first_message() {
    let dir = tempfile::tempdir().unwrap();
    let switch = start(dir.path());
    for n in 1..=60 {
        let body = json!({"to": "34600555001", "from": "Shop", "text": format!("mensaje {n:03}")});
        let sent = http::json(switch.http, "POST", "/api/v1/messages", DEMO, Some(&body));
        assert!(sent.status < 300, "{}", sent.text);
        // Within the account's 100 messages a second.
        std::thread::sleep(Duration::from_millis(15));
    }
    let demo = ui_login(switch.http, ("demo", "demo1234"));
    let path = "/ui/me/conversations/Shop/34600555001";
    let newest = browse(switch.http, &demo, "GET", path, "");
    assert_eq!(newest.status, 200, "{}", newest.text);
    assert!(newest.text.contains("mensaje 060"));
    assert!(
        !newest.text.contains("mensaje 001"),
        "the first is on an older page"
    );
    let older = newest
        .text
        .split("rel=\"prev\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to the older page")
        .to_owned();
    assert!(older.starts_with(&format!("{path}?before=")), "{older}");
    let first = browse(switch.http, &demo, "GET", &older, "");
    assert_eq!(first.status, 200, "{}", first.text);
    assert!(first.text.contains("mensaje 001"), "{}", first.text);
    assert!(!first.text.contains("mensaje 060"));
    assert!(!first.text.contains("rel=\"prev\""), "nothing older");
    assert!(
        first.text.contains(&format!("href=\"{path}\"")),
        "back to the newest"
    );
    // Another customer's cursor shows nothing of it.
    let other = ui_login(switch.http, ("other", "other123"));
    let theirs = browse(switch.http, &other, "GET", &older, "");
    assert_eq!(theirs.status, 404);
    assert!(!theirs.text.contains("mensaje"));
    // A cursor that is no number: refused with a page, no failure.
    let bad = browse(switch.http, &demo, "GET", &format!("{path}?before=x"), "");
    assert_eq!(bad.status, 400);
}
