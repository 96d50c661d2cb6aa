//! The rows of a daily or monthly report: the day buckets of a range of
//! UTC days summed per day or per month and per group (operator, account,
//! gateway or route), for every account or one; a monthly report reads
//! the book's month sums for the months wholly in range. No I/O.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate};

use super::book::{ACCOUNT, Book, COUNTRY, GATEWAY, Ids, OPERATOR, ROUTE};
use super::tally::Tally;

/// What a report's rows are grouped by besides the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// The destination's country and operator.
    Operator,
    /// The account.
    Account,
    /// The gateway that took the message.
    Gateway,
    /// The route's prefix.
    Route,
}

impl GroupBy {
    /// The `group_by` parameter's value.
    pub fn parse(text: &str) -> Option<GroupBy> {
        match text {
            "operator" => Some(GroupBy::Operator),
            "account" => Some(GroupBy::Account),
            "gateway" => Some(GroupBy::Gateway),
            "route" => Some(GroupBy::Route),
            _ => None,
        }
    }

    /// The ids of the group (and the country, by operator) of a key.
    fn group(self, ids: &Ids) -> (u32, Option<u32>) {
        match self {
            GroupBy::Operator => (ids[OPERATOR], Some(ids[COUNTRY])),
            GroupBy::Account => (ids[ACCOUNT], None),
            GroupBy::Gateway => (ids[GATEWAY], None),
            GroupBy::Route => (ids[ROUTE], None),
        }
    }
}

/// The length of a report's periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// One UTC day, labelled `YYYY-MM-DD`.
    Day,
    /// One calendar month (UTC), labelled `YYYY-MM`.
    Month,
}

impl Period {
    fn label(self, day: NaiveDate) -> String {
        match self {
            Period::Day => day.format("%Y-%m-%d").to_string(),
            Period::Month => day.format("%Y-%m").to_string(),
        }
    }
}

/// One row: a period, a group, their tally.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `YYYY-MM-DD` or `YYYY-MM`.
    pub period: String,
    /// The operator, account, gateway or route prefix.
    pub group: String,
    /// The operator's country, when grouped by operator.
    pub country: Option<String>,
    /// The sum.
    pub tally: Tally,
}

fn day_start_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map_or(0, |midnight| midnight.and_utc().timestamp_millis())
}

/// The rows of the UTC days `from` to `to` (both included), per `period`
/// and group, of `account` only when given; ordered by period, then group.
/// A group whose counts all moved elsewhere (every part a gateway took
/// left "no gateway") has no row.
pub fn summarise(
    book: &Book,
    period: Period,
    from: NaiveDate,
    to: NaiveDate,
    group_by: GroupBy,
    account: Option<&str>,
) -> Vec<Row> {
    let Some(end) = to.succ_opt() else {
        return Vec::new();
    };
    let (from_ms, end_ms) = (day_start_ms(from), day_start_ms(end));
    let days: Box<dyn Iterator<Item = (i64, &Ids, &Tally)>> = match period {
        Period::Day => match book.days(from_ms, end_ms, account) {
            Some(days) => Box::new(days),
            None => return Vec::new(),
        },
        Period::Month => match book.days_by_month(from_ms, end_ms, account) {
            Some(days) => Box::new(days),
            None => return Vec::new(),
        },
    };
    // Summed by ids; a period's label is made once per day bucket start,
    // names looked up once per row.
    let mut rows: HashMap<(i64, u32, Option<u32>), Tally> = HashMap::new();
    let mut labels: BTreeMap<i64, String> = BTreeMap::new();
    let mut current: Option<(i64, i64)> = None;
    for (start, ids, tally) in days {
        let period_start = match current {
            Some((day, period_start)) if day == start => period_start,
            _ => {
                let Some(day) = DateTime::from_timestamp_millis(start) else {
                    continue;
                };
                let label = period.label(day.date_naive());
                let period_start = match labels.iter().find(|(_, known)| **known == label) {
                    Some((&known_start, _)) => known_start,
                    None => {
                        labels.insert(start, label);
                        start
                    }
                };
                current = Some((start, period_start));
                period_start
            }
        };
        let (group, country) = group_by.group(ids);
        rows.entry((period_start, group, country))
            .or_default()
            .merge(tally);
    }
    let mut rows: Vec<Row> = rows
        .into_iter()
        .filter(|(_, tally)| *tally != Tally::default())
        .map(|((period_start, group, country), tally)| Row {
            period: labels.get(&period_start).cloned().unwrap_or_default(),
            group: book.name(group).to_owned(),
            country: country.map(|country| book.name(country).to_owned()),
            tally,
        })
        .collect();
    rows.sort_by(|a, b| (&a.period, &a.group, &a.country).cmp(&(&b.period, &b.group, &b.country)));
    rows
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use crate::summaries::KeyNames;

    use super::*;
    use crate::model::Money;

    fn key<'a>(account: &'a str, operator: &'a str, gateway: &'a str) -> KeyNames<'a> {
        KeyNames {
            account,
            country: "ES",
            operator,
            gateway,
            route: "34",
        }
    }

    fn accept(book: &mut Book, at: &str, key: &KeyNames<'_>, price: i64) {
        let at: DateTime<Utc> = at.parse().unwrap();
        let key = book.intern(key);
        book.record(at, key, |t| t.accept(true, Money::from_micros(price)));
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn rows_sum_the_days_in_range_per_period_and_group() {
        let mut book = Book::new();
        accept(
            &mut book,
            "2026-11-30T23:59:00Z",
            &key("a", "movistar", "g1"),
            10,
        );
        accept(
            &mut book,
            "2026-12-01T00:00:00Z",
            &key("a", "movistar", "g1"),
            20,
        );
        accept(
            &mut book,
            "2026-12-01T08:00:00Z",
            &key("b", "movistar", "g2"),
            40,
        );
        accept(
            &mut book,
            "2026-12-02T08:00:00Z",
            &key("a", "vodafone", "g1"),
            80,
        );
        accept(
            &mut book,
            "2027-01-01T08:00:00Z",
            &key("a", "vodafone", "g1"),
            160,
        );

        let daily = summarise(
            &book,
            Period::Day,
            date("2026-12-01"),
            date("2026-12-02"),
            GroupBy::Operator,
            None,
        );
        let cells: Vec<_> = daily
            .iter()
            .map(|row| {
                (
                    row.period.as_str(),
                    row.group.as_str(),
                    row.country.as_deref(),
                    row.tally.charged.micros(),
                )
            })
            .collect();
        assert_eq!(
            cells,
            [
                ("2026-12-01", "movistar", Some("ES"), 60),
                ("2026-12-02", "vodafone", Some("ES"), 80)
            ]
        );

        let monthly = summarise(
            &book,
            Period::Month,
            date("2026-11-01"),
            date("2027-01-31"),
            GroupBy::Gateway,
            Some("a"),
        );
        let cells: Vec<_> = monthly
            .iter()
            .map(|row| (row.period.as_str(), row.group.as_str(), row.tally.messages))
            .collect();
        assert_eq!(
            cells,
            [
                ("2026-11", "g1", 1),
                ("2026-12", "g1", 2),
                ("2027-01", "g1", 1)
            ]
        );
        assert!(
            summarise(
                &book,
                Period::Day,
                date("2026-12-03"),
                date("2026-12-31"),
                GroupBy::Account,
                None
            )
            .is_empty()
        );
    }

    #[test]
    fn a_monthly_report_is_its_days_summed_whatever_the_range() {
        let mut book = Book::new();
        let start: DateTime<Utc> = "2026-10-20T05:00:00Z".parse().unwrap();
        for n in 0..120i64 {
            let at = start + chrono::Duration::hours(n * 19);
            let which = ["movistar", "vodafone", "orange"][(n % 3) as usize];
            let key = book.intern(&key(["a", "b"][(n % 2) as usize], which, "g1"));
            book.record(at, key, |t| t.accept(true, Money::from_micros(n)));
            if n % 5 == 0 {
                book.record(at, key, |t| {
                    t.finish(crate::summaries::Ending::Delivered, Money::ZERO)
                });
            }
        }
        // A count taken back from a day that never had it stops at zero
        // there, and so in its month.
        let empty_day: DateTime<Utc> = "2026-12-31T23:00:00Z".parse().unwrap();
        let telefonica = book.intern(&key("a", "telefonica", "g1"));
        book.record(empty_day, telefonica, |t| {
            t.withdraw(true, Money::from_micros(7))
        });
        let ranges = [
            ("2026-10-01", "2027-01-31"),
            ("2026-10-21", "2026-12-31"),
            ("2026-11-01", "2026-11-30"),
            ("2026-11-02", "2026-11-29"),
            ("2026-11-15", "2027-01-10"),
            ("2026-12-31", "2027-01-01"),
        ];
        for (from, to) in ranges {
            for account in [None, Some("b")] {
                let mut by_month: BTreeMap<(String, String), Tally> = BTreeMap::new();
                for row in summarise(
                    &book,
                    Period::Day,
                    date(from),
                    date(to),
                    GroupBy::Operator,
                    account,
                ) {
                    by_month
                        .entry((row.period[..7].to_owned(), row.group))
                        .or_default()
                        .merge(&row.tally);
                }
                let monthly: BTreeMap<(String, String), Tally> = summarise(
                    &book,
                    Period::Month,
                    date(from),
                    date(to),
                    GroupBy::Operator,
                    account,
                )
                .into_iter()
                .map(|row| ((row.period, row.group), row.tally))
                .collect();
                assert_eq!(monthly, by_month, "{from} to {to}, {account:?}");
                assert!(!monthly.is_empty());
            }
        }
    }
}
