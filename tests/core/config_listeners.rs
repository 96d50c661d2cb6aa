//! The listeners' protection and TLS keys of the configuration file:
//! defaults, limits, and the keys that only go together.

use std::path::Path;
use std::time::Duration;

use pasarela::config::{Config, ConfigError};

const FILE: &str = "test.toml";

fn parse(source: &str) -> Result<Config, ConfigError> {
    Config::parse(source, Path::new(FILE))
}

/// The rendered error lines, one per issue.
fn errors(source: &str) -> Vec<String> {
    match parse(source) {
        Ok(_) => panic!("expected the configuration to be refused"),
        Err(error) => error.to_string().lines().map(str::to_string).collect(),
    }
}

#[test]
fn connection_caps_and_the_bind_timeout_have_production_defaults() {
    let config = parse("").unwrap();
    assert_eq!(config.smpp.max_connections, 1000);
    assert_eq!(config.smpp.max_connections_per_ip, 50);
    assert_eq!(config.smpp.bind_timeout, Duration::from_secs(10));
    let config =
        parse("[smpp]\nmax_connections = 7\nmax_connections_per_ip = 3\nbind_timeout_s = 2\n")
            .unwrap();
    assert_eq!(
        (
            config.smpp.max_connections,
            config.smpp.max_connections_per_ip,
            config.smpp.bind_timeout
        ),
        (7, 3, Duration::from_secs(2))
    );
}

#[test]
fn a_cap_or_bind_timeout_of_zero_is_refused_at_its_line() {
    let lines =
        errors("[smpp]\nmax_connections = 0\nmax_connections_per_ip = 0\nbind_timeout_s = 0\n");
    for (line, key) in [
        (2, "smpp.max_connections"),
        (3, "smpp.max_connections_per_ip"),
        (4, "smpp.bind_timeout_s"),
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l.contains(&format!("{FILE}:{line}: {key}: 0 is out of range"))),
            "{key}: {lines:?}"
        );
    }
}
