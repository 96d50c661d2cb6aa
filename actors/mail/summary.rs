//! The daily summary to the operator (`mail.daily_summary_hour`): once a
//! UTC day, at or after that hour, every account's message parts
//! accepted and its credit now.
//!
//! The switch keeps no daily totals per account that could be read
//! without scanning the message archive, so the parts are what its
//! metrics already count (`pasarela_accepted_total`): the difference
//! since the previous summary, or since the switch started when there is
//! none in this run; the mail says which. Credit comes from the
//! `balances` tree, one key per account.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Timelike, Utc};

use crate::metrics;
use crate::model::Money;

/// When the summary is due and what the last one counted from.
pub struct DailySummary {
    /// The UTC hour from which a day's summary goes.
    hour: u32,
    /// The last day a summary went (this run, or found in the mail log).
    last_day: Option<NaiveDate>,
    /// Where the parts of the next summary are counted from.
    since: DateTime<Utc>,
    /// Each account's counter at `since`; an account not here counted 0.
    baseline: HashMap<String, u64>,
}

impl DailySummary {
    /// Counting from now (the process's counters start at zero).
    pub fn new(hour: u32) -> DailySummary {
        DailySummary {
            hour,
            last_day: None,
            since: Utc::now(),
            baseline: HashMap::new(),
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

    /// Today's summary (subject and body) from every account's `balances`;
    /// the next one counts from `now`.
    pub fn compose(
        &mut self,
        now: DateTime<Utc>,
        balances: &[(String, Money)],
    ) -> (String, String) {
        let day = now.date_naive();
        let mut rows = Vec::with_capacity(balances.len());
        let mut total = 0;
        let mut baseline = HashMap::with_capacity(balances.len());
        for (account, balance) in balances {
            let counted = metrics::global().accepted_parts(account);
            let parts = counted.saturating_sub(self.baseline.get(account).copied().unwrap_or(0));
            total += parts;
            rows.push(format!("{account:<16} {parts:>10} {balance:>14}"));
            baseline.insert(account.clone(), counted);
        }
        let subject = format!("pasarela: daily summary for {day}");
        let body = format!(
            "Message parts accepted per account since {since} UTC (the switch's counters, \
             which restart with it), and each account's credit now.\n\n\
             {header:<16} {parts:>10} {credit:>14}\n{rows}\n\nTotal parts: {total}\n",
            since = self.since.format("%Y-%m-%d %H:%M"),
            header = "account",
            parts = "parts",
            credit = "credit",
            rows = rows.join("\n"),
        );
        self.last_day = Some(day);
        self.since = now;
        self.baseline = baseline;
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
        let (subject, body) = summary.compose(at(6, 8), &[("shop".into(), Money::ZERO)]);
        assert_eq!(subject, "pasarela: daily summary for 2026-12-06");
        assert!(body.contains("shop"), "{body}");
        assert!(!summary.is_due(at(6, 9)));
        assert!(summary.is_due(at(7, 7)));
        let mut restarted = DailySummary::new(7);
        restarted.seen(at(7, 8));
        assert!(!restarted.is_due(at(7, 9)));
        assert!(restarted.is_due(at(8, 7)));
    }
}
