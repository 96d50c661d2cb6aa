//! Mail notices in Spanish end to end, against a real SMTP server on
//! loopback (`tests/common/mail_sink.rs`), each read as its reader sees it
//! (subject and body decoded): a Spanish account's campaign-finished mail,
//! and with `[mail] language = "es"` the operator's route-quality alert
//! and daily summary. Each is checked for its Spanish words and for no
//! English word left in it (a label, a reason, a heading).

use std::path::Path;

use chrono::Timelike;

use crate::common::Switch;
use crate::http::json;
use crate::mail_sink::{
    Decoded, SHOP, SmtpSink, add_mail_keys, config, free_port, quality_alert,
    two_messages_yesterday,
};
use serde_json::json;

/// Words of the English notices that no Spanish one has: labels, headings
/// and the words of the reasons.
const ENGLISH: [&str; 37] = [
    "Recipients",
    "Sent",
    "parts",
    "Skipped",
    "Delivered",
    "Failed",
    "Cost",
    "Campaign",
    "finished",
    "account",
    "low",
    "balance",
    "credit",
    "summary",
    "Per",
    "gateway",
    "Gateway",
    "messages",
    "delivered",
    "failed",
    "used",
    "now",
    "margin",
    "cost",
    "route",
    "quality",
    "alert",
    "raised",
    "See",
    "figures",
    "delivery",
    "ratio",
    "under",
    "over",
    "latency",
    "receipts",
    "the",
];

/// The English words of `text`, once the API paths it names are taken
/// out (a word is letters, digits and `_`: `delivery_ratio`, the API's
/// label, is not `delivery`).
fn english_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|token| !token.contains("/api/"))
        .flat_map(|token| token.split(|c: char| !(c.is_alphanumeric() || c == '_')))
        .filter(|word| ENGLISH.contains(word))
        .map(str::to_owned)
        .collect()
}

/// Asserts that `mail` has no English word, in its subject or its body.
fn assert_spanish(mail: &Decoded) {
    let found = english_words(&format!("{}\n{}", mail.subject, mail.body));
    assert!(found.is_empty(), "English words {found:?} in {mail:#?}");
}

/// The shop's account in `config` speaks Spanish.
fn spanish_shop(config: &Path) {
    let text = std::fs::read_to_string(config).unwrap().replace(
        "email = \"billing@shop.example\"",
        "email = \"billing@shop.example\"\nlanguage = \"es\"",
    );
    std::fs::write(config, text).unwrap();
}

#[test]
fn english_words_are_found_and_spanish_ones_are_not() {
    assert_eq!(
        english_words("Cost: 1.00\nCoste: 1.00 (delivery_ratio) GET /api/v1/reports/daily"),
        ["Cost"]
    );
}

#[test]
fn a_spanish_accounts_finished_campaign_is_mailed_in_spanish() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let sink = SmtpSink::start(port, &dir.path().join("mails"));
    let path = config(dir.path(), port);
    spanish_shop(&path);
    let switch = Switch::start(&path, &[]);
    let made = json(
        switch.http,
        "POST",
        "/api/v1/campaigns",
        SHOP,
        Some(
            &json!({"name": "Campaña de otoño", "from": "Shop", "text": "Hola",
                     "numbers": ["34600000001", "34600000002"]}),
        ),
    );
    assert_eq!(made.status, 201, "{}", made.text);
    let mails = sink.wait_decoded(1);
    assert_eq!(mails.len(), 1, "{mails:#?}");
    let mail = &mails[0];
    assert_eq!(mail.to, ["billing@shop.example"]);
    assert_eq!(
        mail.subject,
        "pasarela: la campaña \"Campaña de otoño\" ha terminado"
    );
    let id = made.body["id"].as_u64().unwrap();
    for line in [
        format!("La campaña \"Campaña de otoño\" (id {id}) de la cuenta shop ha terminado."),
        "Destinatarios: 2".to_owned(),
        "Enviados: 2 (2 partes)".to_owned(),
        "Omitidos: 0".to_owned(),
        "Entregados hasta ahora: ".to_owned(),
        "Fallidos hasta ahora: ".to_owned(),
        "Coste: 2.00".to_owned(),
    ] {
        assert!(mail.body.contains(&line), "{line}: {}", mail.body);
    }
    assert_spanish(mail);
}

#[test]
fn with_mail_language_es_the_operators_quality_alert_is_in_spanish() {
    let dir = tempfile::tempdir().unwrap();
    let (_switch, sink, _grey) = quality_alert(dir.path(), free_port(), "language = \"es\"");
    let mails = sink.wait_decoded(1);
    assert!(!mails.is_empty(), "no alert mailed");
    let mail = &mails[0];
    assert_eq!(mail.to, ["ops@example.com"]);
    assert_eq!(
        mail.subject,
        "pasarela: alerta de calidad de ruta en la pasarela grey"
    );
    assert!(
        mail.body.starts_with(
            "La pasarela grey ha dado una alerta de calidad de ruta: tasa de entrega "
        ),
        "{}",
        mail.body
    );
    assert!(
        mail.body.contains(" por debajo de 0.50.\n"),
        "{}",
        mail.body
    );
    assert!(
        mail.body.contains(
            "Sus cifras están en GET /api/v1/reports/route-quality (alerta «delivery_ratio»)."
        ),
        "{}",
        mail.body
    );
    assert_spanish(mail);
}

#[test]
fn with_mail_language_es_the_daily_summary_is_in_spanish() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let path = config(dir.path(), port);
    let day = two_messages_yesterday(dir.path(), &path);
    let sink = SmtpSink::start(port, &dir.path().join("mails"));
    add_mail_keys(
        &path,
        &format!(
            "language = \"es\"\ndaily_summary_hour = {}",
            chrono::Utc::now().hour()
        ),
    );
    let _switch = Switch::start(&path, &[]);
    let mails = sink.wait_decoded(1);
    assert_eq!(mails.len(), 1, "{mails:#?}");
    let mail = &mails[0];
    assert_eq!(mail.to, ["ops@example.com"]);
    assert_eq!(mail.subject, format!("pasarela: resumen diario del {day}"));
    let header = |first: &str| -> Vec<String> {
        mail.body
            .lines()
            .find(|line| line.starts_with(first))
            .unwrap_or_else(|| panic!("no line of {first}: {}", mail.body))
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    assert!(
        mail.body.starts_with(&format!(
            "Las cifras del {day} (UTC, de medianoche a medianoche), como las da \
             GET /api/v1/reports/daily, y el saldo actual de cada cuenta."
        )),
        "{}",
        mail.body
    );
    assert!(mail.body.contains("\nPor cuenta:\n"), "{}", mail.body);
    assert_eq!(
        header("cuenta "),
        [
            "cuenta",
            "mensajes",
            "partes",
            "entregadas",
            "fallidas",
            "saldo",
            "usado",
            "saldo",
            "actual"
        ]
    );
    assert!(
        mail.body
            .contains("\nPor pasarela (\"-\": partes que ninguna pasarela tomó):\n"),
        "{}",
        mail.body
    );
    assert_eq!(
        header("pasarela "),
        [
            "pasarela",
            "partes",
            "entregadas",
            "fallidas",
            "saldo",
            "coste",
            "margen"
        ]
    );
    assert!(
        mail.body.contains("\nTotal: 2 mensajes, 2 partes, "),
        "{}",
        mail.body
    );
    assert_spanish(mail);
}
