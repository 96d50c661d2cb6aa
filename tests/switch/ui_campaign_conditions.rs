//! The customer's campaign form with several conditions on contact
//! fields, over real HTTP as a browser without JavaScript posts it,
//! against `pasarela serve` and its built-in simulator gateway: contacts
//! imported from a file into a group, a campaign to those of them that
//! meet two conditions (one an `in` list) whose messages go to exactly
//! those; "add a condition" drawing the form again with what was typed; a
//! bad condition refused with the API's own reason and the form kept; a
//! forged form refused; the form's Spanish.

use std::time::Duration;

use serde_json::json;

use crate::campaigns::wait_for;
use crate::common::{Switch, write_config};
use crate::http;
use crate::ui::{browse, csrf_token, form, ui_login, upload};

const DEMO: Option<(&str, &str)> = Some(("demo", "demo1234"));
const WAIT: Duration = Duration::from_secs(30);

/// The contacts file: who is in Madrid and on a gold or silver plan is
/// 001 and 004.
const CLUB: &str = "number,name,city,plan\n\
                    +34600555001,Ana,Madrid,gold\n\
                    +34600555002,Luis,Madrid,bronze\n\
                    +34600555003,Eva,Bilbao,gold\n\
                    +34600555004,Rosa,Madrid,silver\n\
                    +34600555005,Juan,,gold\n";

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

/// Imports `csv` into `group` from the contacts page, as `session`.
fn import(switch: &Switch, session: &str, group: &str, csv: &str) {
    let page = browse(switch.http, session, "GET", "/ui/me/contacts", "");
    let token = csrf_token(&page.text);
    let imported = upload(
        switch.http,
        session,
        "/ui/me/contacts/import",
        &[("csrf", &token), ("group", group)],
        Some(("contacts.csv", csv.as_bytes())),
    );
    assert_eq!(imported.status, 200, "{}", imported.text);
}

/// The campaign form's fields: the campaign's, then `rows` of conditions
/// (field, test, value) as the form's rows send them.
fn campaign_form<'a>(
    token: &'a str,
    rows: &[(&'a str, &'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("csrf", token),
        ("name", "Madrid oro y plata"),
        ("from", "Shop"),
        ("text", "Hola {{name}}"),
        ("numbers", ""),
        ("groups", "club"),
    ];
    for (field, op, value) in rows {
        fields.extend([("field", *field), ("op", *op), ("value", *value)]);
    }
    fields.extend([
        ("start_at", ""),
        ("tps", ""),
        ("quiet_from", ""),
        ("quiet_to", ""),
    ]);
    fields
}

fn post_form(switch: &Switch, session: &str, fields: &[(&str, &str)]) -> http::Answer {
    browse(
        switch.http,
        session,
        "POST",
        "/ui/me/campaigns",
        &form(fields),
    )
}

fn campaigns_of_demo(switch: &Switch) -> usize {
    let list = http::json(switch.http, "GET", "/api/v1/campaigns", DEMO, None);
    assert_eq!(list.status, 200, "{}", list.text);
    list.body.as_array().unwrap().len()
}

#[test]
fn a_campaign_from_the_form_reaches_exactly_the_contacts_meeting_two_conditions_one_in() {
    let dir = tempfile::tempdir().unwrap();
    let switch = start(dir.path());
    let demo = ui_login(switch.http, ("demo", "demo1234"));
    import(&switch, &demo, "club", CLUB);
    // In Madrid on a gold plan, but not in the group.
    import(
        &switch,
        &demo,
        "otros",
        "number,city,plan\n+34600555006,Madrid,gold\n",
    );

    let page = browse(switch.http, &demo, "GET", "/ui/me/campaigns", "");
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("data-condition=\"2\""), "three rows");
    assert!(!page.text.contains("data-condition=\"3\""), "three rows");
    assert!(page.text.contains("<option value=\"in\">one of</option>"));
    assert!(page.text.contains("name=\"more\""), "an add button");
    let token = csrf_token(&page.text);

    // "Add a condition": the form again, a fourth row, what was typed kept.
    let mut more = campaign_form(
        &token,
        &[("city", "eq", "Madrid"), ("", "eq", ""), ("", "eq", "")],
    );
    more.push(("more", "1"));
    let drawn = post_form(&switch, &demo, &more);
    assert_eq!(drawn.status, 200, "{}", drawn.text);
    assert!(
        drawn.text.contains("data-condition=\"3\""),
        "{}",
        drawn.text
    );
    assert!(
        drawn.text.contains("value=\"Madrid oro y plata\""),
        "{}",
        drawn.text
    );
    assert!(drawn.text.contains("value=\"city\""), "{}", drawn.text);
    assert_eq!(campaigns_of_demo(&switch), 0, "adding a row makes nothing");

    // Two conditions, one of them `in`, and two empty rows ignored.
    let rows = [
        ("city", "eq", "Madrid"),
        ("", "eq", ""),
        ("plan", "in", "gold, silver"),
        ("", "in", ""),
    ];
    let made = post_form(&switch, &demo, &campaign_form(&token, &rows));
    assert_eq!(made.status, 303, "{}", made.text);
    let id: u64 = made
        .headers
        .split("location: /ui/me/campaigns/")
        .nth(1)
        .and_then(|rest| rest.split('?').next())
        .and_then(|id| id.parse().ok())
        .expect("the new campaign's page");
    let done = wait_for(&switch, id, WAIT, |c| c["delivered"] == 2);
    assert_eq!(done["total"], 2, "{done}");
    assert_eq!(done["state"], "finished", "{done}");
    let recipients = browse(
        switch.http,
        &demo,
        "GET",
        &format!("/ui/me/campaigns/{id}/recipients.csv"),
        "",
    );
    assert_eq!(recipients.status, 200, "{}", recipients.text);
    let sent: Vec<&str> = recipients
        .text
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').nth(1))
        .collect();
    assert_eq!(
        sent,
        ["+34600555001", "+34600555004"],
        "{}",
        recipients.text
    );
    assert!(recipients.text.contains("Hola Ana"), "{}", recipients.text);
    assert!(recipients.text.contains("Hola Rosa"), "{}", recipients.text);
    // The messages themselves: two, to those two, delivered.
    let messages = http::json(switch.http, "GET", "/api/v1/messages", DEMO, None);
    assert_eq!(messages.status, 200, "{}", messages.text);
    let mut to: Vec<String> = messages.body["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", messages.text))
        .iter()
        .map(|message| {
            let number = message["number"].as_str().unwrap_or_default();
            format!("+{} {}", number.trim_start_matches('+'), message["state"])
        })
        .collect();
    to.sort();
    assert_eq!(
        to,
        ["+34600555001 \"DELIVERED\"", "+34600555004 \"DELIVERED\""],
        "{}",
        messages.text
    );

    // Another customer finds no such campaign.
    let other = ui_login(switch.http, ("other", "other123"));
    let theirs = browse(
        switch.http,
        &other,
        "GET",
        &format!("/ui/me/campaigns/{id}"),
        "",
    );
    assert_eq!(theirs.status, 404);
}

#[test]
fn a_bad_condition_is_refused_with_the_apis_reason_and_a_forged_form_makes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let switch = start(dir.path());
    let demo = ui_login(switch.http, ("demo", "demo1234"));
    import(&switch, &demo, "club", CLUB);
    let page = browse(switch.http, &demo, "GET", "/ui/me/campaigns", "");
    let token = csrf_token(&page.text);

    // `in` with no values: the API refuses the same condition the same way.
    let empty_in = [("city", "eq", "Madrid"), ("plan", "in", " , ")];
    let refused = post_form(&switch, &demo, &campaign_form(&token, &empty_in));
    assert_eq!(refused.status, 400, "{}", refused.text);
    let api = http::json(
        switch.http,
        "POST",
        "/api/v1/campaigns",
        DEMO,
        Some(
            &json!({"name": "x", "from": "Shop", "text": "Hola", "groups": ["club"],
                     "conditions": [{"field": "plan", "op": "in", "values": []}]}),
        ),
    );
    assert_eq!(api.status, 400, "{}", api.text);
    let reason = "\"in\" takes \"values\", a list of 1 to 1000";
    assert!(
        api.text.contains(&reason.replace('"', "\\\"")),
        "{}",
        api.text
    );
    let flash = refused
        .text
        .split("class=\"flash bad\"")
        .nth(1)
        .unwrap_or_else(|| panic!("a refusal above the form: {}", refused.text));
    assert!(
        flash.contains(&reason.replace('"', "&quot;")),
        "{}",
        refused.text
    );
    // What was typed is still there.
    assert!(
        refused.text.contains("value=\"Madrid oro y plata\""),
        "{}",
        refused.text
    );
    assert!(refused.text.contains("value=\"plan\""), "{}", refused.text);
    assert!(
        refused.text.contains("<option value=\"in\" selected>"),
        "{}",
        refused.text
    );

    // A bound that is no number, a field that is no field.
    let not_number = post_form(
        &switch,
        &demo,
        &campaign_form(&token, &[("age", "ge", "adult")]),
    );
    assert_eq!(not_number.status, 400, "{}", not_number.text);
    assert!(
        not_number
            .text
            .contains("&quot;ge&quot; compares with a number"),
        "{}",
        not_number.text
    );
    let no_field = post_form(
        &switch,
        &demo,
        &campaign_form(&token, &[("ci ty", "eq", "Madrid")]),
    );
    assert_eq!(no_field.status, 400, "{}", no_field.text);
    assert!(no_field.text.contains("ci ty"), "{}", no_field.text);
    // Rows that do not pair up: a field without its test and value.
    let mut uneven = campaign_form(&token, &[("city", "eq", "Madrid")]);
    uneven.push(("field", "plan"));
    let uneven = post_form(&switch, &demo, &uneven);
    assert_eq!(uneven.status, 400, "{}", uneven.text);
    assert!(
        uneven
            .text
            .contains("each condition is a field, a test and a value"),
        "{}",
        uneven.text
    );
    assert_eq!(campaigns_of_demo(&switch), 0);

    // Forged: a wrong token, no token, no session. Nothing made.
    let good = [("city", "eq", "Madrid"), ("plan", "in", "gold")];
    let forged = post_form(&switch, &demo, &campaign_form("wrong", &good));
    assert_eq!(forged.status, 403, "{}", forged.text);
    let without: Vec<(&str, &str)> = campaign_form(&token, &good)
        .into_iter()
        .filter(|(name, _)| *name != "csrf")
        .collect();
    assert_eq!(post_form(&switch, &demo, &without).status, 403);
    let anonymous = post_form(&switch, "", &campaign_form(&token, &good));
    assert_eq!(anonymous.status, 303);
    assert!(anonymous.headers.contains("location: /ui/login"));
    assert_eq!(campaigns_of_demo(&switch), 0);

    // The same form in Spanish.
    let spanish = http::request_with_headers(
        switch.http,
        "GET",
        "/ui/me/campaigns",
        &[(
            "Cookie".to_owned(),
            format!("pasarela_session={demo}; pasarela_lang=es"),
        )],
        b"",
    );
    assert_eq!(spanish.status, 200, "{}", spanish.text);
    for words in [
        "uno de",
        "empieza por",
        "Añadir una condición",
        "todas las condiciones",
    ] {
        assert!(spanish.text.contains(words), "{words}: {}", spanish.text);
    }
    assert!(
        !spanish.text.contains("Add a condition"),
        "{}",
        spanish.text
    );
}
