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

#[test]
fn a_tls_listener_takes_address_certificate_and_key_together() {
    let config = parse(
        "[smpp]\ntls_listen = \"0.0.0.0:3550\"\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\n\
         [web]\nlisten = \"127.0.0.1:8080\"\ntls_listen = \"0.0.0.0:8443\"\n\
         tls_cert = \"c.pem\"\ntls_key = \"k.pem\"\n",
    )
    .unwrap();
    let smpp = config.smpp.tls.expect("SMPP over TLS");
    assert_eq!(smpp.listen, "0.0.0.0:3550".parse().unwrap());
    assert_eq!(
        (smpp.cert.to_str(), smpp.key.to_str()),
        (Some("c.pem"), Some("k.pem"))
    );
    assert_eq!(
        config.smpp.listen, None,
        "TLS only: no plain listener by default"
    );
    assert_eq!(config.web.listen, Some("127.0.0.1:8080".parse().unwrap()));
    assert!(config.web.tls.is_some());
    let plain = parse("").unwrap();
    assert!(plain.smpp.tls.is_none() && plain.web.tls.is_none());
    assert_eq!(plain.smpp.listen, Some("127.0.0.1:2775".parse().unwrap()));
}

#[test]
fn tls_keys_that_do_not_go_together_are_refused_at_their_line() {
    let lines = errors("[smpp]\ntls_listen = \"0.0.0.0:3550\"\n[web]\ntls_key = \"k.pem\"\n");
    for expected in [
        format!("{FILE}:2: smpp.tls_cert: required with smpp.tls_listen"),
        format!("{FILE}:2: smpp.tls_key: required with smpp.tls_listen"),
        format!("{FILE}:4: web.tls_key: only with web.tls_listen"),
    ] {
        assert!(
            lines.iter().any(|l| l.contains(&expected)),
            "{expected}: {lines:?}"
        );
    }
    let gateway = "[[gateways]]\nname = \"up\"\nkind = \"smpp\"\nhost = \"h\"\nport = 1\n\
                   system_id = \"s\"\npassword = \"p\"\ntls_ca = \"ca.pem\"\n";
    let lines = errors(gateway);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("gateways[0].tls_ca: only with tls = true")),
        "{lines:?}"
    );
    let simulator = "[[gateways]]\nname = \"sim\"\nkind = \"simulator\"\ntls = true\n";
    assert!(
        !errors(simulator).is_empty(),
        "tls is for smpp gateways only"
    );
}

#[test]
fn the_ucp_and_cimd2_listeners_are_there_only_when_given_and_their_address_is_checked_at_its_line()
{
    let empty = parse("").unwrap();
    assert_eq!((empty.ucp.listen, empty.cimd2.listen), (None, None));
    let config =
        parse("[ucp]\nlisten = \"127.0.0.1:3000\"\n[cimd2]\nlisten = \"127.0.0.1:3001\"\n")
            .unwrap();
    assert_eq!(config.ucp.listen, Some("127.0.0.1:3000".parse().unwrap()));
    assert_eq!(config.cimd2.listen, Some("127.0.0.1:3001".parse().unwrap()));
    for section in ["ucp", "cimd2"] {
        let lines = errors(&format!("[{section}]\nlisten = \"nowhere\"\n"));
        assert!(
            lines.iter().any(|l| l.contains(&format!(
                "{FILE}:2: {section}.listen: \"nowhere\" is not an address"
            ))),
            "{lines:?}"
        );
        assert!(
            !errors(&format!("[{section}]\nport = 3000\n")).is_empty(),
            "unknown keys are refused"
        );
    }
}
