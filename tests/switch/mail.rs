//! Mail notifications end to end (docs/configuration.md#mail,
//! docs/admin-api.md#the-mail-log) against a real SMTP server on loopback
//! (aiosmtpd, `scripts/mail/smtp_sink.py`, writing each mail it receives
//! to a directory; the fixtures are `tests/common/mail_sink.rs`'s, shared
//! with `mail_spanish.rs`): a low-balance mail to the customer and the operator
//! once when the credit falls below the threshold and not again for the
//! next message, and an account's own threshold in place of the
//! global one; a Spanish account's mail in Spanish, the operator's in
//! English; mail to a server that is down queued with its attempt
//! and error, resent through the API once the server is up; queued mails
//! sent after a restart and the mail log kept across it; the mail log
//! closed to customers; a finished campaign mailed to its owner; a
//! route-quality alert (an upstream that never sends receipts) mailed to
//! the operator; the daily summary of yesterday, with the daily report's
//! figures, once a day; mails past retention
//! dropped; the console's mail log page and its Resend form (CSRF,
//! audited); a customer setting its address in its settings.

use crate::mail_sink::{
    ADMIN, SHOP, SmtpSink, add_mail_keys, config, free_port, mail_log, quality_alert, recipients,
    send, two_messages_yesterday, wait_log,
};
use crate::ui::{browse, csrf_token, ui_login};
use crate::{common, http};
use std::time::{Duration, Instant};

use common::{ADMIN_PASSWORD, Switch};
use http::json;
use serde_json::{Value, json};

#[test]
fn a_fall_below_the_threshold_is_mailed_once_to_the_customer_and_the_operator() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let sink = SmtpSink::start(port, &dir.path().join("mails"));
    let switch = Switch::start(&config(dir.path(), port), &[]);
    // 7.00 → 6.00 → 5.00: not below 5.00 yet.
    send(&switch);
    send(&switch);
    std::thread::sleep(Duration::from_millis(500));
    assert!(sink.mails().is_empty(), "{:?}", sink.mails());
    // 5.00 → 4.00: below.
    send(&switch);
    let mails = sink.wait_for(2);
    assert_eq!(
        recipients(&mails),
        ["billing@shop.example", "ops@example.com"]
    );
    for (_, text) in &mails {
        assert!(
            text.contains("Subject: pasarela: low balance for account shop"),
            "{text}"
        );
        assert!(text.contains("From: pasarela@example.com"), "{text}");
        assert!(text.contains("is 4.00, below 5.00"), "{text}");
    }
    // 4.00 → 3.00: still below, the same fall; no second mail.
    send(&switch);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(sink.mails().len(), 2);
    let log = mail_log(switch.http);
    assert_eq!(log.len(), 2, "{log:?}");
    for mail in &log {
        assert_eq!(mail["kind"], "low_balance");
        assert_eq!(mail["state"], "sent");
        assert_eq!(mail["attempts"], 1);
        assert_eq!(mail["error"], Value::Null);
    }
    // A top-up above the threshold arms the next fall.
    let topped = json(
        switch.http,
        "POST",
        "/api/v1/accounts/shop/credit",
        ADMIN,
        Some(&json!({"amount": "2.00", "reason": "top-up"})),
    );
    assert_eq!(topped.status, 200, "{}", topped.body);
    send(&switch);
    assert_eq!(sink.wait_for(4).len(), 4, "5.00 → 4.00 falls again");
    // A page at a time, newest first.
    let first = json(switch.http, "GET", "/api/v1/mail?limit=3", ADMIN, None).body;
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    let before = first["next_before"].as_str().unwrap();
    assert_eq!(before, first["items"][2]["id"]);
    let rest = json(
        switch.http,
        "GET",
        &format!("/api/v1/mail?limit=3&before={before}"),
        ADMIN,
        None,
    )
    .body;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1, "{rest}");
    assert_eq!(rest["next_before"], Value::Null);
    let bad = json(switch.http, "GET", "/api/v1/mail?limit=0", ADMIN, None);
    assert_eq!(bad.status, 400);
    // The customer cannot read the log nor resend.
    let id = log[0]["id"].as_str().unwrap();
    assert_eq!(
        json(switch.http, "GET", "/api/v1/mail", SHOP, None).status,
        401
    );
    let path = format!("/api/v1/mail/{id}/resend");
    assert_eq!(json(switch.http, "POST", &path, SHOP, None).status, 401);
    assert_eq!(
        json(switch.http, "GET", "/api/v1/mail", None, None).status,
        401
    );
}

#[test]
fn a_spanish_accounts_low_balance_mail_is_in_spanish_and_the_operators_in_english() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let sink = SmtpSink::start(port, &dir.path().join("mails"));
    let path = config(dir.path(), port);
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "email = \"billing@shop.example\"",
        "email = \"billing@shop.example\"\nlanguage = \"es\"",
    );
    std::fs::write(&path, text).unwrap();
    let switch = Switch::start(&path, &[]);
    let shop = json(switch.http, "GET", "/api/v1/accounts/shop", ADMIN, None);
    assert_eq!(shop.body["language"], "es", "{}", shop.body);
    // 7.00 → 4.00: below 5.00.
    for _ in 0..3 {
        send(&switch);
    }
    let mails = sink.wait_for(2);
    // Quoted-printable: its soft line breaks joined.
    let text = |to: &str| -> String {
        let (_, text) = mails.iter().find(|(recipient, _)| recipient == to).unwrap();
        text.replace("=\r\n", "").replace("=\n", "")
    };
    let customer = text("billing@shop.example");
    assert!(
        customer.contains("Subject: pasarela: saldo bajo en la cuenta shop"),
        "{customer}"
    );
    assert!(
        customer.contains("El saldo de la cuenta shop es 4.00, por debajo de 5.00."),
        "{customer}"
    );
    let operator = text("ops@example.com");
    assert!(
        operator.contains("Subject: pasarela: low balance for account shop"),
        "{operator}"
    );
    assert!(operator.contains("is 4.00, below 5.00"), "{operator}");
    // The admin API takes only the two languages.
    let patch = |body: Value| {
        json(
            switch.http,
            "PATCH",
            "/api/v1/accounts/shop",
            ADMIN,
            Some(&body),
        )
    };
    assert_eq!(patch(json!({"language": "fr"})).status, 400);
    let changed = patch(json!({"language": "en"}));
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["language"], "en", "{}", changed.body);
}

#[test]
fn an_account_with_its_own_threshold_is_mailed_at_its_own_not_the_global_one() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let sink = SmtpSink::start(port, &dir.path().join("mails"));
    let path = config(dir.path(), port);
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "email = \"billing@shop.example\"",
        "email = \"billing@shop.example\"\nlow_balance = \"6.50\"",
    );
    std::fs::write(&path, text).unwrap();
    let switch = Switch::start(&path, &[]);
    let shop = json(switch.http, "GET", "/api/v1/accounts/shop", ADMIN, None);
    assert_eq!(shop.body["low_balance"], "6.50", "{}", shop.body);
    // 7.00 → 6.00: below its own 6.50 (the global 5.00 is not crossed).
    send(&switch);
    let mails = sink.wait_for(2);
    assert_eq!(
        recipients(&mails),
        ["billing@shop.example", "ops@example.com"]
    );
    for (_, text) in &mails {
        assert!(text.contains("is 6.00, below 6.50"), "{text}");
    }
    // 6.00 → 5.00 → 4.00 crosses the global 5.00: not its threshold.
    send(&switch);
    send(&switch);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(sink.mails().len(), 2);
    // Through the admin API: validated like mail.low_balance, then in
    // force for the next fall (4.00 → 3.00 crosses 3.50).
    let patch = |body: Value| {
        json(
            switch.http,
            "PATCH",
            "/api/v1/accounts/shop",
            ADMIN,
            Some(&body),
        )
    };
    let refused = patch(json!({"low_balance": "-1"}));
    assert_eq!(refused.status, 400, "{}", refused.body);
    let changed = patch(json!({"low_balance": "3.50"}));
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["low_balance"], "3.50", "{}", changed.body);
    send(&switch);
    let mails = sink.wait_for(4);
    assert_eq!(mails.len(), 4);
    assert!(
        mails[2..]
            .iter()
            .all(|(_, text)| text.contains("is 3.00, below 3.50"))
    );
    // null: the global threshold again.
    let cleared = patch(json!({"low_balance": null}));
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(cleared.body["low_balance"], Value::Null, "{}", cleared.body);
}

#[test]
fn mail_to_a_server_that_is_down_waits_is_resent_through_the_api_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = config(dir.path(), port);
    let mut switch = Switch::start(&config, &[]);
    send(&switch);
    send(&switch);
    send(&switch);
    // Both mails tried once, refused connection, waiting for a retry.
    let log = wait_log(switch.http, 2, |mail| mail["attempts"] == 1);
    assert_eq!(log.len(), 2, "{log:?}");
    for mail in &log {
        assert_eq!(mail["state"], "queued", "{mail}");
        assert!(
            mail["error"]
                .as_str()
                .is_some_and(|error| !error.is_empty()),
            "{mail}"
        );
    }
    let operator = log
        .iter()
        .find(|mail| mail["to"] == "ops@example.com")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The server comes up; the operator's mail is resent at once, before
    // its retry (10 s after the first attempt) is due.
    let sink = SmtpSink::start(port, &dir.path().join("mails"));
    let resent = json(
        switch.http,
        "POST",
        &format!("/api/v1/mail/{operator}/resend"),
        ADMIN,
        None,
    );
    assert_eq!(resent.status, 202, "{}", resent.body);
    let mails = sink.wait_for(1);
    assert_eq!(recipients(&mails), ["ops@example.com"]);
    let missing = json(
        switch.http,
        "POST",
        "/api/v1/mail/999999999/resend",
        ADMIN,
        None,
    );
    assert_eq!(missing.status, 404);

    // A restart: the log is kept, and the customer's mail, still queued,
    // is sent by the restarted switch.
    switch.signal_and_wait(libc::SIGTERM);
    let switch = Switch::start(&config, &[]);
    let mails = sink.wait_for(2);
    assert_eq!(
        recipients(&mails),
        ["billing@shop.example", "ops@example.com"]
    );
    let log = wait_log(switch.http, 2, |mail| mail["state"] == "sent");
    assert_eq!(log.len(), 2, "{log:?}");
    let operator_mail = log.iter().find(|mail| mail["id"] == operator).unwrap();
    assert_eq!(operator_mail["attempts"], 2, "{operator_mail}");
    assert_eq!(operator_mail["error"], Value::Null);
    assert_eq!(
        sink.mails().len(),
        2,
        "nothing sent twice after the restart"
    );
}

#[test]
fn queued_mails_are_sent_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = config(dir.path(), port);
    let mut switch = Switch::start(&config, &[]);
    for _ in 0..3 {
        send(&switch);
    }
    wait_log(switch.http, 2, |mail| mail["attempts"] == 1);
    switch.signal_and_wait(libc::SIGTERM);
    let sink = SmtpSink::start(port, &dir.path().join("mails"));
    let switch = Switch::start(&config, &[]);
    let mails = sink.wait_for(2);
    assert_eq!(
        recipients(&mails),
        ["billing@shop.example", "ops@example.com"]
    );
    let log = wait_log(switch.http, 2, |mail| mail["state"] == "sent");
    assert!(log.iter().all(|mail| mail["attempts"] == 2), "{log:?}");
}

#[test]
fn the_console_lists_the_mail_log_and_resends_with_its_csrf_token_audited() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let sink = SmtpSink::start(port, &dir.path().join("mails"));
    let switch = Switch::start(&config(dir.path(), port), &[]);
    for _ in 0..3 {
        send(&switch);
    }
    assert_eq!(sink.wait_for(2).len(), 2);
    wait_log(switch.http, 2, |mail| mail["state"] == "sent");
    let session = ui_login(switch.http, ("admin", ADMIN_PASSWORD));
    let page = browse(switch.http, &session, "GET", "/ui/mail", "");
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("href=\"/ui/mail\""),
        "the nav links the page"
    );
    assert!(page.text.contains("pasarela: low balance for account shop"));
    assert!(page.text.contains("billing@shop.example"));
    let id = mail_log(switch.http)[0]["id"].as_str().unwrap().to_owned();
    let action = format!("/ui/mail/{id}/resend");
    assert!(page.text.contains(&format!("action=\"{action}\"")));
    // Without its token the form changes nothing.
    let forged = browse(switch.http, &session, "POST", &action, "csrf=wrong");
    assert!(forged.status >= 400, "{}", forged.status);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(sink.mails().len(), 2);
    let token = csrf_token(&page.text);
    let resent = browse(
        switch.http,
        &session,
        "POST",
        &action,
        &format!("csrf={token}"),
    );
    assert_eq!(resent.status, 303, "{}", resent.text);
    assert_eq!(sink.wait_for(3).len(), 3);
    let audit = browse(switch.http, &session, "GET", "/ui/audit", "");
    assert!(
        audit.text.contains(&format!("POST {action}")),
        "{}",
        audit.text
    );
}

#[test]
fn a_finished_campaign_is_mailed_to_its_owner() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let sink = SmtpSink::start(port, &dir.path().join("mails"));
    let switch = Switch::start(&config(dir.path(), port), &[]);
    let made = json(
        switch.http,
        "POST",
        "/api/v1/campaigns",
        SHOP,
        Some(
            &json!({"name": "Spring sale", "from": "Shop", "text": "Hi", "numbers": ["34600000001"]}),
        ),
    );
    assert_eq!(made.status, 201, "{}", made.text);
    let mails = sink.wait_for(1);
    assert_eq!(recipients(&mails), ["billing@shop.example"]);
    let text = &mails[0].1;
    assert!(
        text.contains("Subject: pasarela: campaign \"Spring sale\" finished"),
        "{text}"
    );
    assert!(text.contains("Recipients: 1"), "{text}");
    assert!(text.contains("Sent: 1 (1 parts)"), "{text}");
    let log = wait_log(switch.http, 1, |mail| mail["state"] == "sent");
    assert_eq!(log[0]["kind"], "campaign_finished");
    // 7.00 → 6.00: no low-balance mail came with it.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(sink.mails().len(), 1);
}

#[test]
fn a_route_quality_alert_is_mailed_to_the_operator() {
    let dir = tempfile::tempdir().unwrap();
    let (switch, sink, _grey) = quality_alert(dir.path(), free_port(), "");
    let mails = sink.wait_for(1);
    assert_eq!(recipients(&mails), ["ops@example.com"]);
    let text = &mails[0].1;
    assert!(
        text.contains("Subject: pasarela: route quality alert (delivery_ratio) for gateway grey"),
        "{text}"
    );
    // Raised once: the alert stands, no second mail.
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(sink.mails().len(), 1);
    let log = mail_log(switch.http);
    assert_eq!(log[0]["kind"], "quality_alert");
}

#[test]
fn the_daily_summary_reports_yesterday_as_the_daily_report_does_once_a_day() {
    use chrono::Timelike;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let plain = config(dir.path(), port);
    let day = two_messages_yesterday(dir.path(), &plain);
    let sink = SmtpSink::start(port, &dir.path().join("mails"));
    add_mail_keys(
        &plain,
        &format!("daily_summary_hour = {}", chrono::Utc::now().hour()),
    );
    let mut switch = Switch::start(&plain, &[]);
    let mails = sink.wait_for(1);
    assert_eq!(recipients(&mails), ["ops@example.com"]);
    // Quoted-printable: its soft line breaks joined.
    let text = &mails[0].1.replace("=\r\n", "").replace("=\n", "");
    assert!(
        text.contains(&format!("Subject: pasarela: daily summary for {day}")),
        "{text}"
    );
    let row = |name: &str| -> Vec<String> {
        text.lines()
            .find(|line| line.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no row for {name}: {text}"))
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    let report = |group_by: &str| -> Value {
        let report = json(
            switch.http,
            "GET",
            &format!("/api/v1/reports/daily?from={day}&to={day}&group_by={group_by}"),
            ADMIN,
            None,
        );
        assert_eq!(report.status, 200, "{}", report.body);
        report.body
    };
    let cell = |value: &Value| match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    // Per account: the report's figures, and the credit now.
    let accounts = report("account");
    let figures = accounts["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["group"] == "shop")
        .unwrap_or_else(|| panic!("no shop row: {accounts}"));
    let expected: Vec<String> = ["messages", "parts", "delivered", "failed", "credit"]
        .iter()
        .map(|column| cell(&figures[column]))
        .collect();
    assert_eq!(expected[1], "2", "{accounts}");
    assert_eq!(row("shop")[1..6], expected[..], "{text}");
    assert_eq!(row("shop")[6], "5.00", "{text}");
    assert_eq!(
        row("demo")[1..],
        ["0", "0", "0", "0", "0.00", "1000.00"],
        "{text}"
    );
    // Per gateway, with cost and margin.
    let gateways = report("gateway");
    for figures in gateways["rows"].as_array().unwrap() {
        let name = figures["group"].as_str().unwrap();
        let expected: Vec<String> = ["parts", "delivered", "failed", "credit", "cost", "margin"]
            .iter()
            .map(|column| cell(&figures[column]))
            .collect();
        assert_eq!(row(name)[1..], expected[..], "{text} {gateways}");
    }
    assert!(
        !gateways["rows"].as_array().unwrap().is_empty(),
        "{gateways}"
    );
    wait_log(switch.http, 1, |mail| mail["state"] == "sent");
    // Restarted the same day: the log says it went; not again.
    switch.signal_and_wait(libc::SIGTERM);
    let switch = Switch::start(&plain, &[]);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(sink.mails().len(), 1);
    let log = mail_log(switch.http);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["kind"], "daily_summary");
}

#[test]
fn mails_past_retention_are_dropped_from_the_log_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _sink = SmtpSink::start(port, &dir.path().join("mails"));
    let path = config(dir.path(), port);
    let mut switch = Switch::start(&path, &[]);
    for _ in 0..3 {
        send(&switch);
    }
    assert_eq!(
        wait_log(switch.http, 2, |mail| mail["state"] == "sent").len(),
        2
    );
    switch.signal_and_wait(libc::SIGTERM);
    // Kept for about two seconds from now on.
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("retention_days = 90 "));
    std::fs::write(
        &path,
        text.replace("retention_days = 90 ", "retention_days = 0.00002 "),
    )
    .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let switch = Switch::start(&path, &[]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !mail_log(switch.http).is_empty() {
        assert!(Instant::now() < deadline, "{:?}", mail_log(switch.http));
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_customer_sets_its_notification_address_and_language_in_its_settings() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&config(dir.path(), free_port()), &[]);
    let session = ui_login(switch.http, ("shop", "shop1234"));
    let page = browse(switch.http, &session, "GET", "/ui/me/settings", "");
    assert!(
        page.text.contains("value=\"billing@shop.example\""),
        "{}",
        page.text
    );
    let token = csrf_token(&page.text);
    let email = |address: &str| {
        let form = format!("csrf={token}&email={address}");
        browse(switch.http, &session, "POST", "/ui/me/email", &form)
    };
    let account = || json(switch.http, "GET", "/api/v1/accounts/shop", ADMIN, None).body;
    assert_eq!(email("not-an-address").status, 400);
    assert_eq!(account()["email"], "billing@shop.example");
    assert_eq!(email("accounts%40shop.example").status, 303);
    assert_eq!(account()["email"], "accounts@shop.example");
    assert_eq!(email("").status, 303);
    assert_eq!(account()["email"], Value::Null);
    // The language of its mails, from the same form.
    assert!(
        page.text.contains("<option value=\"en\" selected>"),
        "{}",
        page.text
    );
    let form = format!("csrf={token}&email=&language=es");
    let changed = browse(switch.http, &session, "POST", "/ui/me/email", &form);
    assert_eq!(changed.status, 303);
    assert_eq!(account()["language"], "es");
}
