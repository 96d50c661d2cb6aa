//! The daily summary to the operator (`mail.daily_summary_hour`): once a
//! UTC day, at or after that hour, the figures of the previous UTC day
//! (the whole day, midnight to midnight) from the report summaries, the
//! same tallies `GET /api/v1/reports/daily` reads, so the two agree: per
//! account its messages, parts, delivered, failed and credit used, with
//! its credit now (the `balances` tree); per gateway its parts,
//! delivered, failed, credit, cost and margin. In `mail.language`.

use chrono::{DateTime, Days, NaiveDate, Timelike, Utc};

use crate::model::{Lang, Money};
use crate::summaries::{Row, Tally};

/// When the summary is due.
pub struct DailySummary {
    /// The UTC hour from which a day's summary goes.
    hour: u32,
    /// The last day a summary went (this run, or found in the mail log).
    last_day: Option<NaiveDate>,
}

/// The words of a summary in one language.
struct Words {
    subject: &'static str,
    /// `{day}` stands for the day.
    intro: &'static str,
    per_account: &'static str,
    per_gateway: &'static str,
    columns: [&'static str; 11],
    total: &'static str,
}

/// What one summary reports: the day's rows of the report summaries.
pub struct Figures<'a> {
    /// The day's rows grouped by account.
    pub accounts: &'a [Row],
    /// The day's rows grouped by gateway.
    pub gateways: &'a [Row],
    /// Every account's credit now.
    pub balances: &'a [(String, Money)],
}

impl DailySummary {
    /// None sent yet.
    pub fn new(hour: u32) -> DailySummary {
        DailySummary {
            hour,
            last_day: None,
        }
    }

    /// A summary the mail log holds, queued at `at`: none is due again
    /// that day.
    pub fn seen(&mut self, at: DateTime<Utc>) {
        let day = at.date_naive();
        if self.last_day.is_none_or(|last| last < day) {
            self.last_day = Some(day);
        }
    }

    /// Whether today's summary is due at `now`.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        now.hour() >= self.hour && self.last_day.is_none_or(|last| last < now.date_naive())
    }

    /// The day a summary written at `now` reports: the UTC day before.
    pub fn day(now: DateTime<Utc>) -> NaiveDate {
        let today = now.date_naive();
        today.checked_sub_days(Days::new(1)).unwrap_or(today)
    }

    /// The summary (subject and body) written at `now` of the day
    /// [`DailySummary::day`] gives, in `language`; none is due again today.
    pub fn compose(
        &mut self,
        now: DateTime<Utc>,
        figures: &Figures,
        language: Lang,
    ) -> (String, String) {
        let day = DailySummary::day(now);
        let mut accounts = Vec::with_capacity(figures.balances.len());
        let mut total = Tally::default();
        let zero = Tally::default();
        for (account, balance) in figures.balances {
            let tally = figures
                .accounts
                .iter()
                .find(|row| row.group == *account)
                .map_or(&zero, |row| &row.tally);
            total.merge(tally);
            accounts.push(format!(
                "{account:<16} {:>10} {:>10} {:>10} {:>10} {:>14} {:>14}",
                tally.messages,
                tally.parts,
                tally.delivered,
                tally.failed(),
                tally.credit().to_string(),
                balance.to_string(),
            ));
        }
        let gateways: Vec<String> = figures
            .gateways
            .iter()
            .map(|row| {
                let tally = &row.tally;
                format!(
                    "{:<16} {:>10} {:>10} {:>10} {:>14} {:>14} {:>14}",
                    row.group,
                    tally.parts,
                    tally.delivered,
                    tally.failed(),
                    tally.credit().to_string(),
                    tally.cost.to_string(),
                    tally.margin().to_string(),
                )
            })
            .collect();
        let words = match language {
            Lang::En => Words {
                subject: "pasarela: daily summary for",
                intro: "The figures of {day} (UTC, midnight to midnight), as GET /api/v1/reports/daily \
                        gives them, and each account's credit now.",
                per_account: "Per account:",
                per_gateway: "Per gateway (\"-\": parts no gateway took):",
                columns: [
                    "account",
                    "messages",
                    "parts",
                    "delivered",
                    "failed",
                    "credit used",
                    "credit now",
                    "gateway",
                    "credit",
                    "cost",
                    "margin",
                ],
                total: "Total",
            },
            Lang::Es => Words {
                subject: "pasarela: resumen diario del",
                intro: "Las cifras del {day} (UTC, de medianoche a medianoche), como las da \
                        GET /api/v1/reports/daily, y el saldo actual de cada cuenta.",
                per_account: "Por cuenta:",
                per_gateway: "Por pasarela (\"-\": partes que ninguna pasarela tomó):",
                columns: [
                    "cuenta",
                    "mensajes",
                    "partes",
                    "entregadas",
                    "fallidas",
                    "saldo usado",
                    "saldo actual",
                    "pasarela",
                    "saldo",
                    "coste",
                    "margen",
                ],
                total: "Total",
            },
        };
        let [
            account,
            messages,
            parts,
            delivered,
            failed,
            used,
            credit_now,
            gateway,
            credit,
            cost,
            margin,
        ] = words.columns;
        let subject = format!("{} {day}", words.subject);
        let body = format!(
            "{}\n\n{}\n\
             {account:<16} {messages:>10} {parts:>10} {delivered:>10} {failed:>10} {used:>14} {credit_now:>14}\n{}\n\n{}\n\
             {gateway:<16} {parts:>10} {delivered:>10} {failed:>10} {credit:>14} {cost:>14} {margin:>14}\n{}\n\n\
             {}: {} {messages}, {} {parts}, {} {delivered}, {} {failed}, {} {used}, \
             {} {cost}, {} {margin}.\n",
            words.intro.replace("{day}", &day.to_string()),
            words.per_account,
            accounts.join("\n"),
            words.per_gateway,
            gateways.join("\n"),
            words.total,
            total.messages,
            total.parts,
            total.delivered,
            total.failed(),
            total.credit(),
            total.cost,
            total.margin(),
        );
        self.last_day = Some(now.date_naive());
        (subject, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn due_once_a_day_from_its_hour_and_not_again_after_one_in_the_log() {
        let at = |day, hour| Utc.with_ymd_and_hms(2026, 12, day, hour, 30, 0).unwrap();
        let mut summary = DailySummary::new(7);
        assert!(!summary.is_due(at(6, 6)));
        assert!(summary.is_due(at(6, 7)));
        assert!(summary.is_due(at(6, 23)));
        let mut tally = Tally::default();
        tally.accept(true, "1.00".parse().unwrap());
        let row = |group: &str| Row {
            period: "2026-12-05".into(),
            group: group.into(),
            country: None,
            tally: tally.clone(),
        };
        let figures = Figures {
            accounts: &[row("shop")],
            gateways: &[row("smsc")],
            balances: &[("shop".into(), Money::ZERO), ("idle".into(), Money::ZERO)],
        };
        let (subject, body) = summary.compose(at(6, 8), &figures, Lang::En);
        assert_eq!(subject, "pasarela: daily summary for 2026-12-05");
        let (spanish, spanish_body) = DailySummary::new(7).compose(at(6, 8), &figures, Lang::Es);
        assert_eq!(spanish, "pasarela: resumen diario del 2026-12-05");
        // Each heading as wide as its column, in both languages: the
        // columns line up under them.
        for (text, account, gateway) in [
            (&body, "account ", "gateway "),
            (&spanish_body, "cuenta ", "pasarela "),
        ] {
            let width = |start: &str| {
                let line = text.lines().find(|line| line.starts_with(start)).unwrap();
                line.chars().count()
            };
            assert_eq!(width(account), width("shop "), "{text}");
            assert_eq!(width(gateway), width("smsc "), "{text}");
        }
        let words = |start: &str| -> Vec<String> {
            let line = body.lines().find(|line| line.starts_with(start)).unwrap();
            line.split_whitespace().map(str::to_owned).collect()
        };
        assert_eq!(words("shop "), ["shop", "1", "1", "0", "0", "1.00", "0.00"]);
        assert_eq!(words("idle "), ["idle", "0", "0", "0", "0", "0.00", "0.00"]);
        assert_eq!(
            words("smsc "),
            ["smsc", "1", "0", "0", "1.00", "0.00", "1.00"]
        );
        assert!(!summary.is_due(at(6, 9)));
        assert!(summary.is_due(at(7, 7)));
        let mut restarted = DailySummary::new(7);
        restarted.seen(at(7, 8));
        assert!(!restarted.is_due(at(7, 9)));
        assert!(restarted.is_due(at(8, 7)));
    }
}
