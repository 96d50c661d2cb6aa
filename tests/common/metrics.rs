//! Reading `GET /metrics` in end-to-end tests: one series' value, a
//! scrape, and a bounded wait until series reach their values. Uses
//! `http.rs`, which the including test mounts as `http`.

#![allow(dead_code)] // each test binary uses its own subset

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::http::json;

/// How long [`wait_for`] waits.
const WAIT: Duration = Duration::from_secs(15);

/// The value of the series written exactly as `series` (name and labels).
pub fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

pub fn scrape(address: SocketAddr) -> String {
    let answer = json(address, "GET", "/metrics", None, None);
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(
        answer.headers.contains("application/openmetrics-text"),
        "{}",
        answer.headers
    );
    answer.text
}

/// Scrapes until every series has its value (bounded); the last text.
pub fn wait_for(address: SocketAddr, expected: &[(&str, f64)]) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = scrape(address);
        let missing: Vec<_> = expected
            .iter()
            .filter(|(series, want)| value(&text, series) != Some(*want))
            .collect();
        if missing.is_empty() {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "never reached {missing:?}; last scrape:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
