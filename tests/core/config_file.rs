//! The configuration loader: the shipped file is valid, and every kind of
//! mistake is reported with the file, the line and the key to fix.

use std::path::Path;
use std::time::Duration;

use pasarela::checks::content::{ContentAction, Matching};
use pasarela::config::{
    AccountSelector, BindMode, Config, ConfigError, Durability, GatewayKind, IdFormat, LogFormat,
    ServiceTarget,
};
use pasarela::model::{MessageState, Money};
use pasarela::upstream::http::Method;

const FILE: &str = "test.toml";

const VALID: &str = r#"
data_dir = "/var/lib/pasarela"

[store]
durability = "power"
commit_interval_ms = 5

[smpp]
listen = "0.0.0.0:2775"

[[gateways]]
name = "sim"
kind = "simulator"

[[gateways]]
name = "operator-a"
kind = "smpp"
host = "smsc.example.net"
port = 2776
system_id = "pasarela"
password = "secret"
bind = "transmitter"
tps = 500

[[gateways]]
name = "modem1"
kind = "modem"
device = "/dev/ttyUSB0"

[[routes]]
prefix = ""
gateways = ["sim"]
price = "0.50"

[[routes]]
prefix = "34"
accounts = ["acme"]
gateways = ["operator-a", "modem1"]
price = "1.25"

[[accounts]]
system_id = "acme"
password = "pw"
credit = "10"
allowed_ips = ["10.0.0.0/8", "192.0.2.7"]
"#;

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

fn with(extra: &str) -> String {
    format!("{VALID}\n{extra}")
}

/// Line (1-based) of the first occurrence of `needle` in `source`.
fn line_of(source: &str, needle: &str) -> usize {
    let offset = source.find(needle).expect("needle in source");
    source[..offset].matches('\n').count() + 1
}

#[test]
fn the_shipped_config_is_valid_and_self_contained() {
    let config = Config::load(Path::new("config/pasarela.toml")).expect("shipped config loads");
    assert_eq!(config.smpp.listen, Some("127.0.0.1:2775".parse().unwrap()));
    assert_eq!(config.web.listen, Some("127.0.0.1:8080".parse().unwrap()));
    assert_eq!(config.data_dir, Path::new("data"));
    let demo = config.account("demo").expect("demo account");
    assert_eq!(demo.credit, "1000.00".parse::<Money>().unwrap());
    assert!(matches!(
        config.gateway("sim").map(|g| &g.kind),
        Some(GatewayKind::Simulator(_))
    ));
    assert_eq!(config.routes.len(), 1);
    assert_eq!(config.routes[0].gateways, vec!["sim".to_string()]);
}

#[test]
fn a_valid_file_becomes_typed_values_with_defaults() {
    let config = parse(VALID).unwrap();
    assert_eq!(config.store.durability, Durability::Power);
    assert_eq!(config.store.commit_interval.as_millis(), 5);
    assert_eq!(config.store.commit_max_batch, 4096);
    assert_eq!(config.store.cache_bytes, 16 * 1024 * 1024);
    assert_eq!(config.log.format, LogFormat::Term);
    assert_eq!(config.web.admin_user, "admin");
    assert_eq!(config.web.admin_password, None);
    let GatewayKind::Smpp(upstream) = &config.gateway("operator-a").unwrap().kind else {
        panic!("operator-a is an smpp gateway");
    };
    assert_eq!(upstream.bind, BindMode::Transmitter);
    assert_eq!(upstream.window, 64);
    assert_eq!(upstream.tps, 500);
    assert_eq!(upstream.id_format, IdFormat::AS_IS);
    let GatewayKind::Modem(modem) = &config.gateway("modem1").unwrap().kind else {
        panic!("modem1 is a modem gateway");
    };
    assert_eq!(modem.baud, 115_200);
    let GatewayKind::Simulator(sim) = &config.gateway("sim").unwrap().kind else {
        panic!("sim is a simulator");
    };
    assert_eq!(sim.dlr_delay.as_millis(), 200);
    assert_eq!(config.routes[0].accounts, AccountSelector::All);
    assert_eq!(
        config.routes[1].accounts,
        AccountSelector::Only(vec!["acme".to_string()])
    );
    assert_eq!(config.routes[1].price, "1.25".parse::<Money>().unwrap());
    let acme = config.account("acme").unwrap();
    assert_eq!(acme.allowed_ips.len(), 2);
    assert_eq!(acme.allowed_ips[1].to_string(), "192.0.2.7/32");
    assert_eq!(acme.tps, 0);
    assert!(acme.allowed_senders.is_any(), "none listed: any sender");
}

#[test]
fn allowed_senders_are_read_and_a_bad_one_is_named() {
    let config = parse(&with(
        "[[accounts]]\nsystem_id = \"b\"\npassword = \"x\"\nallowed_senders = [\"Shop\", \"+34911000000\", \"12345\"]\n",
    ))
    .unwrap();
    assert_eq!(
        config.account("b").unwrap().allowed_senders.entries(),
        ["Shop", "34911000000", "12345"]
    );
    let source = with(
        "[[accounts]]\nsystem_id = \"b\"\npassword = \"x\"\nallowed_senders = [\"Shop\", \"TwelveChars!\"]\n",
    );
    let lines = errors(&source);
    let prefix = format!(
        "{FILE}:{}: accounts[1].allowed_senders[1]: sender \"TwelveChars!\" takes 12 GSM 03.38 characters",
        line_of(&source, "TwelveChars!")
    );
    assert!(
        lines.iter().any(|line| line.starts_with(&prefix)),
        "missing {prefix:?} in {lines:?}"
    );
}

#[test]
fn traffic_and_opt_out_keys_are_read_and_a_bad_one_is_named() {
    use pasarela::lists::dnd::Traffic;
    use pasarela::lists::opt_out::OptOutScope;
    let config = parse(&with(
        "[[accounts]]\nsystem_id = \"b\"\npassword = \"x\"\ntraffic = \"promotional\"\nopt_out_scope = \"sender\"\nstop_words = [\"salir\", \"Bája\"]\nhelp_text = \"Call 900 000 000\"\n",
    ))
    .unwrap();
    let b = config.account("b").unwrap();
    assert_eq!(b.traffic, Traffic::Promotional);
    assert_eq!(b.opt_outs.scope, OptOutScope::Sender);
    assert_eq!(b.opt_outs.stop_words, ["SALIR", "BAJA"]);
    assert_eq!(b.opt_outs.start_words[0], "START", "left out: the defaults");
    assert_eq!(b.opt_outs.help_text.as_deref(), Some("Call 900 000 000"));
    assert_eq!(config.accounts[0].traffic, Traffic::Transactional);

    let source = with(
        "[[accounts]]\nsystem_id = \"b\"\npassword = \"x\"\ntraffic = \"marketing\"\nstart_words = [\"two words\"]\nopt_in_text = \" \"\n",
    );
    let lines = errors(&source);
    for (key, needle, message) in [
        (
            "accounts[1].traffic",
            "marketing",
            "traffic \"marketing\" is neither",
        ),
        (
            "accounts[1].start_words[0]",
            "two words",
            "keyword \"two words\" is not one word",
        ),
        (
            "accounts[1].opt_in_text",
            "opt_in_text",
            "must not be empty",
        ),
    ] {
        let prefix = format!("{FILE}:{}: {key}: {message}", line_of(&source, needle));
        assert!(
            lines.iter().any(|line| line.starts_with(&prefix)),
            "missing {prefix:?} in {lines:?}"
        );
    }
}

#[test]
fn an_unknown_key_names_file_line_and_key() {
    let source = with("[[accounts]]\nsystem_id = \"b\"\npassword = \"x\"\ncredti = \"5\"\n");
    let lines = errors(&source);
    let line = line_of(&source, "credti");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!(
            "{FILE}:{line}: accounts[1].credti: unknown field `credti`"
        )),
        "{lines:?}"
    );
}

#[test]
fn a_wrong_type_names_file_line_and_key() {
    let source = VALID.replace("port = 2776", "port = \"2776\"");
    let lines = errors(&source);
    let line = line_of(&source, "port = \"2776\"");
    assert!(
        lines[0].starts_with(&format!("{FILE}:{line}: gateways[1].port: invalid type")),
        "{lines:?}"
    );
}

#[test]
fn a_float_amount_is_refused_with_advice() {
    let source = VALID.replace("price = \"1.25\"", "price = 1.25");
    let lines = errors(&source);
    let line = line_of(&source, "price = 1.25");
    assert!(
        lines[0].starts_with(&format!("{FILE}:{line}: routes[1].price:")),
        "{lines:?}"
    );
    assert!(lines[0].contains("write it as a string"), "{lines:?}");
}

#[test]
fn duplicate_names_are_refused() {
    let source = with(
        "[[gateways]]\nname = \"sim\"\nkind = \"simulator\"\n\n[[accounts]]\nsystem_id = \"acme\"\npassword = \"x\"\n",
    );
    let lines = errors(&source);
    let gateway_line = source
        .match_indices("name = \"sim\"")
        .nth(1)
        .map(|(at, _)| source[..at].matches('\n').count() + 1)
        .unwrap();
    let account_line = source
        .match_indices("system_id = \"acme\"")
        .nth(1)
        .map(|(at, _)| source[..at].matches('\n').count() + 1)
        .unwrap();
    assert!(
        lines.contains(&format!(
            "{FILE}:{gateway_line}: gateways[3].name: duplicate gateway name \"sim\""
        )),
        "{lines:?}"
    );
    assert!(
        lines.contains(&format!(
            "{FILE}:{account_line}: accounts[1].system_id: duplicate account \"acme\""
        )),
        "{lines:?}"
    );
}

#[test]
fn a_route_naming_a_missing_gateway_or_account_is_refused() {
    let source = VALID
        .replace(
            "gateways = [\"operator-a\", \"modem1\"]",
            "gateways = [\"operator-a\", \"operator-b\"]",
        )
        .replace("accounts = [\"acme\"]", "accounts = [\"acme\", \"nobody\"]");
    let lines = errors(&source);
    let line = line_of(&source, "\"operator-b\"");
    assert!(
        lines.contains(&format!(
            "{FILE}:{line}: routes[1].gateways[1]: no gateway named \"operator-b\""
        )),
        "{lines:?}"
    );
    let line = line_of(&source, "\"nobody\"");
    assert!(
        lines.contains(&format!(
            "{FILE}:{line}: routes[1].accounts[1]: no account \"nobody\""
        )),
        "{lines:?}"
    );
}

#[test]
fn every_issue_is_reported_at_once() {
    let source = VALID
        .replace("kind = \"modem\"", "kind = \"modem\"\nhost = \"x\"")
        .replace("password = \"pw\"", "password = \"much-too-long\"")
        .replace("prefix = \"34\"", "prefix = \"+34\"")
        .replace("\"192.0.2.7\"", "\"192.0.2.300\"")
        .replace("bind = \"transmitter\"", "bind = \"sideways\"");
    let lines = errors(&source);
    assert_eq!(lines.len(), 5, "{lines:?}");
    let expect = [
        (
            "host = \"x\"",
            "gateways[2].host: does not apply to a gateway of kind modem",
        ),
        (
            "much-too-long",
            "accounts[0].password: 13 characters, but SMPP 3.4 allows at most 8",
        ),
        (
            "\"+34\"",
            "routes[1].prefix: prefix \"+34\" must be digits only",
        ),
        (
            "192.0.2.300",
            "accounts[0].allowed_ips[1]: \"192.0.2.300\" is not an address",
        ),
        ("sideways", "gateways[1].bind: unknown bind \"sideways\""),
    ];
    for (needle, message) in expect {
        let prefix = format!("{FILE}:{}: {message}", line_of(&source, needle));
        assert!(
            lines.iter().any(|line| line.starts_with(&prefix)),
            "missing {prefix:?} in {lines:?}"
        );
    }
}

#[test]
fn id_format_is_read_and_an_unknown_one_is_refused_at_its_line() {
    let hex =
        parse(&VALID.replace("tps = 500", "tps = 500\nid_format = \"hex-receipts\"")).unwrap();
    let GatewayKind::Smpp(upstream) = &hex.gateway("operator-a").unwrap().kind else {
        panic!("operator-a is an smpp gateway");
    };
    assert_eq!(
        upstream.id_format,
        IdFormat::from_name("hex-receipts").unwrap()
    );

    let source = VALID.replace("tps = 500", "tps = 500\nid_format = \"octal\"");
    let lines = errors(&source);
    let expected = format!(
        "{FILE}:{}: gateways[1].id_format: unknown id_format \"octal\"",
        line_of(&source, "\"octal\"")
    );
    assert!(
        lines.iter().any(|line| line.starts_with(&expected)),
        "missing {expected:?} in {lines:?}"
    );
    let modem = VALID.replace("device = ", "id_format = \"hex\"\ndevice = ");
    assert!(
        errors(&modem).iter().any(|line| line
            .contains("gateways[2].id_format: does not apply to a gateway of kind modem")),
        "{:?}",
        errors(&modem)
    );
}

#[test]
fn missing_keys_of_a_kind_are_named() {
    let source = with("[[gateways]]\nname = \"up\"\nkind = \"smpp\"\nhost = \"h\"\n");
    let lines = errors(&source);
    let line = line_of(&source, "kind = \"smpp\"\nhost = \"h\"");
    for key in ["port", "system_id", "password"] {
        let expected =
            format!("{FILE}:{line}: gateways[3].{key}: required for a gateway of kind smpp");
        assert!(
            lines.contains(&expected),
            "missing {expected:?} in {lines:?}"
        );
    }
}

#[test]
fn two_routes_for_the_same_prefix_and_account_are_ambiguous() {
    let source = with("[[routes]]\nprefix = \"\"\ngateways = [\"sim\"]\nprice = \"1\"\n");
    let lines = errors(&source);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0]
            .contains("routes[2].prefix: routes[0] already routes prefix \"\" for every account"),
        "{lines:?}"
    );
}

#[test]
fn out_of_range_and_unknown_values_are_refused() {
    let source = VALID
        .replace("commit_interval_ms = 5", "commit_interval_ms = 5000")
        .replace("durability = \"power\"", "durability = \"maybe\"")
        .replace("listen = \"0.0.0.0:2775\"", "listen = \"localhost\"");
    let lines = errors(&source);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("store.commit_interval_ms: 5000 is out of range")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("store.durability: unknown durability \"maybe\"")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("smpp.listen: \"localhost\" is not an address:port")),
        "{lines:?}"
    );
}

#[test]
fn a_broken_toml_line_is_located() {
    let source = "data_dir = \"data\"\n[smpp\nlisten = \"x\"\n";
    let lines = errors(source);
    assert!(lines[0].starts_with(&format!("{FILE}:2:")), "{lines:?}");
}

#[test]
fn an_unreadable_file_is_a_read_error() {
    let error = Config::load(Path::new("/nonexistent/pasarela.toml")).unwrap_err();
    assert!(matches!(error, ConfigError::Read { .. }));
    assert!(
        error
            .to_string()
            .starts_with("/nonexistent/pasarela.toml: cannot read")
    );
}

#[test]
fn route_weights_are_one_per_gateway_each_from_1_to_1000() {
    let weighted = VALID.replace(
        "gateways = [\"operator-a\", \"modem1\"]",
        "gateways = [\"operator-a\", \"modem1\"]\nweights = [3, 1]",
    );
    let config = parse(&weighted).unwrap();
    assert_eq!(config.routes[1].weights, Some(vec![3, 1]));
    assert_eq!(config.routes[0].weights, None);

    let short = VALID.replace(
        "gateways = [\"operator-a\", \"modem1\"]",
        "gateways = [\"operator-a\", \"modem1\"]\nweights = [3]",
    );
    let line = line_of(&short, "weights = [3]");
    assert_eq!(
        errors(&short),
        [format!(
            "{FILE}:{line}: routes[1].weights: has 1 weights for 2 gateways; give one per gateway"
        )]
    );
    let zero = VALID.replace(
        "gateways = [\"operator-a\", \"modem1\"]",
        "gateways = [\"operator-a\", \"modem1\"]\nweights = [1, 0]",
    );
    let line = line_of(&zero, "weights = [1, 0]");
    assert_eq!(
        errors(&zero),
        [format!(
            "{FILE}:{line}: routes[1].weights[1]: weight 0 is outside 1 to 1000"
        )]
    );
}

#[test]
fn upstream_sessions_pair_retries_failover_and_queue_limit_are_read_and_checked() {
    let shipped = parse(VALID).unwrap();
    let GatewayKind::Smpp(defaults) = &shipped.gateway("operator-a").unwrap().kind else {
        panic!("operator-a is an smpp gateway");
    };
    assert_eq!(
        (
            defaults.sessions,
            defaults.max_attempts,
            defaults.failover_after,
            defaults.queue_limit
        ),
        (1, 10, None, 10_000)
    );
    let set = "bind = \"pair\"\nsessions = 4\nmax_attempts = 3\nfailover_after_s = 30\nqueue_limit = 50\n";
    let config = parse(&VALID.replace("bind = \"transmitter\"\n", set)).unwrap();
    let GatewayKind::Smpp(upstream) = &config.gateway("operator-a").unwrap().kind else {
        panic!("operator-a is an smpp gateway");
    };
    assert_eq!(upstream.bind, BindMode::Pair);
    assert_eq!((upstream.sessions, upstream.max_attempts), (4, 3));
    assert_eq!(upstream.failover_after, Some(Duration::from_secs(30)));
    assert_eq!(upstream.queue_limit, 50);

    let wrong = "sessions = 65\nmax_attempts = 0\nfailover_after_s = 0\nqueue_limit = 0\nbind = \"duplex\"\n";
    let lines = errors(&VALID.replace("bind = \"transmitter\"\n", wrong));
    for expected in [
        "gateways[1].sessions: 65 is out of range, expected 1 to 64",
        "gateways[1].max_attempts: 0 is out of range",
        "gateways[1].failover_after_s: 0 is out of range",
        "gateways[1].queue_limit: 0 is out of range",
        "gateways[1].bind: unknown bind \"duplex\"",
    ] {
        assert!(
            lines.iter().any(|line| line.contains(expected)),
            "missing {expected:?} in {lines:?}"
        );
    }
    let modem = VALID.replace("device = ", "sessions = 2\ndevice = ");
    assert!(
        errors(&modem)
            .iter()
            .any(|line| line.contains("gateways[2].sessions: does not apply")),
        "{:?}",
        errors(&modem)
    );
}

#[test]
fn numbering_ranges_are_digits_with_an_operator_each_once() {
    let good = with(
        "[[numbering]]\nprefix = \"34600\"\noperator = \"Movil B\"\n\n[[numbering]]\nprefix = \"346\"\noperator = \"Movil A\"\n",
    );
    let config = parse(&good).unwrap();
    assert_eq!(config.numbering.len(), 2);
    assert_eq!(config.numbering[0].prefix, "34600");
    assert_eq!(config.numbering[0].operator, "Movil B");

    let source = with(
        "[[numbering]]\nprefix = \"+34\"\noperator = \"A\"\n\n[[numbering]]\nprefix = \"44\"\noperator = \" \"\n\n[[numbering]]\nprefix = \"44\"\noperator = \"C\"\n",
    );
    let lines = errors(&source);
    for (needle, nth, expected) in [
        (
            "prefix = \"+34\"",
            0,
            "numbering[0].prefix: must be international digits, country code first",
        ),
        (
            "operator = \" \"",
            0,
            "numbering[1].operator: must not be empty",
        ),
        (
            "prefix = \"44\"",
            1,
            "numbering[2].prefix: numbering[1] already names prefix \"44\"",
        ),
    ] {
        let line = source
            .match_indices(needle)
            .nth(nth)
            .map(|(at, _)| source[..at].matches('\n').count() + 1)
            .unwrap();
        assert!(
            lines.contains(&format!("{FILE}:{line}: {expected}")),
            "{lines:?}"
        );
    }
}

#[test]
fn mo_routes_name_a_number_an_optional_keyword_and_an_account() {
    let good = with(
        "[[mo_routes]]\nnumber = \"+447700900123\"\naccount = \"acme\"\n\n[[mo_routes]]\nnumber = \"12345\"\nkeyword = \"Join\"\naccount = \"acme\"\n",
    );
    let config = parse(&good).unwrap();
    assert_eq!(config.mo_routes.len(), 2);
    assert_eq!(config.mo_routes[0].number, "447700900123");
    assert_eq!(config.mo_routes[0].keyword, None);
    assert_eq!(config.mo_routes[1].keyword.as_deref(), Some("Join"));
    assert_eq!(config.mo_routes[1].account, "acme");

    let source = with(
        "[[mo_routes]]\nnumber = \"12a45\"\naccount = \"acme\"\n\n\
         [[mo_routes]]\nnumber = \"555\"\nkeyword = \"two words\"\naccount = \"nobody\"\n\n\
         [[mo_routes]]\nnumber = \"777\"\nkeyword = \"STOP\"\naccount = \"acme\"\n\n\
         [[mo_routes]]\nnumber = \"00777\"\nkeyword = \"stop\"\naccount = \"acme\"\n\n\
         [[mo_routes]]\nnumber = \"888\"\naccount = \"acme\"\n\n\
         [[mo_routes]]\nnumber = \"+888\"\naccount = \"acme\"\n",
    );
    let lines = errors(&source);
    for (needle, expected) in [
        (
            "number = \"12a45\"",
            "mo_routes[0].number: must be 1 to 15 digits, optionally after a leading + or 00",
        ),
        (
            "keyword = \"two words\"",
            "mo_routes[1].keyword: must be one word of 1 to 64 characters",
        ),
        (
            "account = \"nobody\"",
            "mo_routes[1].account: no account has system_id \"nobody\"",
        ),
        (
            "keyword = \"stop\"",
            "mo_routes[3].keyword: mo_routes[2] already routes number \"777\" with keyword \"stop\"",
        ),
        (
            "number = \"+888\"",
            "mo_routes[5].number: mo_routes[4] already routes number \"888\" without a keyword",
        ),
    ] {
        let line = line_of(&source, needle);
        assert!(
            lines.contains(&format!("{FILE}:{line}: {expected}")),
            "{expected}: {lines:?}"
        );
    }
    assert_eq!(lines.len(), 5, "{lines:?}");
}

#[test]
fn a_modem_number_is_digits_and_belongs_to_modems_only() {
    let modem = |number: &str| {
        with(&format!(
            "[[gateways]]\nname = \"gsm1\"\nkind = \"modem\"\ndevice = \"/dev/ttyUSB0\"\nnumber = \"{number}\"\n"
        ))
    };
    let config = parse(&modem("+447700900123")).unwrap();
    let Some(GatewayKind::Modem(gsm1)) = config.gateway("gsm1").map(|g| &g.kind) else {
        panic!("a modem gateway")
    };
    assert_eq!(gsm1.number.as_deref(), Some("447700900123"));
    let source = modem("call me");
    let line = line_of(&source, "number = \"call me\"");
    assert!(errors(&source).contains(&format!(
        "{FILE}:{line}: gateways[3].number: must be 1 to 15 digits, optionally after a leading + or 00"
    )));
}

#[test]
fn receipt_timeout_is_hours_above_zero_decimal_allowed_72_by_default() {
    let shipped = parse(VALID).unwrap();
    assert_eq!(shipped.receipt_timeout, Duration::from_secs(72 * 3600));
    let top = |value: &str| {
        VALID.replacen(
            "data_dir =",
            &format!("receipt_timeout_h = {value}\ndata_dir ="),
            1,
        )
    };
    assert_eq!(
        parse(&top("0.0005")).unwrap().receipt_timeout,
        Duration::from_millis(1800)
    );
    assert_eq!(
        parse(&top("24")).unwrap().receipt_timeout,
        Duration::from_secs(24 * 3600)
    );
    for bad in ["0", "-1", "nan", "9000"] {
        let lines = errors(&top(bad));
        assert_eq!(lines.len(), 1, "{bad}: {lines:?}");
        assert!(
            lines[0].contains("test.toml:2: receipt_timeout_h:"),
            "{bad}: {lines:?}"
        );
    }
}

#[test]
fn callbacks_allow_private_lists_networks_and_is_empty_by_default() {
    assert!(parse(VALID).unwrap().callbacks.allow_private.is_empty());
    let shipped = Config::load(Path::new("config/pasarela.toml")).unwrap();
    let loopback: ipnet::IpNet = "127.0.0.0/8".parse().unwrap();
    assert_eq!(shipped.callbacks.allow_private, [loopback]);

    let set = parse(&with(
        "[callbacks]\nallow_private = [\"127.0.0.0/8\", \"10.1.2.3\"]\n",
    ))
    .unwrap();
    let host: ipnet::IpNet = "10.1.2.3/32".parse().unwrap();
    assert_eq!(set.callbacks.allow_private, [loopback, host]);

    let source = with("[callbacks]\nallow_private = [\"10.0.0.0/8\", \"inside\"]\n");
    let lines = errors(&source);
    let line = line_of(&source, "allow_private");
    assert_eq!(
        lines,
        [format!(
            "{FILE}:{line}: callbacks.allow_private[1]: \"inside\" is not an address or network such as \"10.0.0.0/8\" or \"192.0.2.7\""
        )]
    );
}

#[test]
fn sms_services_are_kannels_groups_checked_key_by_key() {
    let good = with(
        "[autoreplies]\nmin_interval_s = 60\n\n\
         [[sms_services]]\naccount = \"acme\"\nkeyword = \"weather\"\naliases = [\"tiempo\"]\n\
         get_url = \"http://127.0.0.1:8000/w?q=%s\"\nmax_messages = 3\nomit_empty = true\n\n\
         [[sms_services]]\nname = \"rest\"\naccount = \"acme\"\ncatch_all = true\ntext = \"Send WEATHER city\"\n",
    );
    let config = parse(&good).unwrap();
    assert_eq!(config.autoreplies.min_interval, Duration::from_secs(60));
    let weather = &config.sms_services[0];
    assert_eq!(
        (
            weather.name.as_str(),
            weather.keyword.as_deref(),
            weather.max_messages
        ),
        ("weather", Some("weather"), 3)
    );
    assert_eq!(
        weather.target,
        ServiceTarget::GetUrl("http://127.0.0.1:8000/w?q=%s".into())
    );
    assert!(weather.omit_empty && !weather.strip_keyword && !weather.catch_all);
    assert_eq!(
        weather.keywords().collect::<Vec<_>>(),
        ["weather", "tiempo"]
    );
    let rest = &config.sms_services[1];
    assert!(rest.catch_all && rest.keyword.is_none());
    assert_eq!(rest.max_messages, 1, "Kannel's default");
    assert_eq!(
        parse(&with("")).unwrap().autoreplies.min_interval,
        Duration::from_secs(3600)
    );

    let source = with(
        "[autoreplies]\nmin_interval_s = 0\n\n\
         [[sms_services]]\naccount = \"nobody\"\nkeyword = \"a\"\ntext = \"x\"\n\n\
         [[sms_services]]\naccount = \"acme\"\nkeyword = \"B\"\nget_url = \"ftp://x\"\n\n\
         [[sms_services]]\naccount = \"acme\"\nkeyword = \"b\"\nget_url = \"http://z\"\npost_url = \"http://y\"\n\n\
         [[sms_services]]\naccount = \"acme\"\nkeyword = \"c\"\ncatch_all = true\ntext = \"x\"\n\n\
         [[sms_services]]\naccount = \"acme\"\ncatch_all = true\n\n\
         [[sms_services]]\naccount = \"acme\"\naliases = [\"two words\"]\ntext = \"x\"\n",
    );
    let lines = errors(&source);
    for (needle, expected) in [
        (
            "min_interval_s = 0",
            "autoreplies.min_interval_s: 0 is out of range",
        ),
        (
            "account = \"nobody\"",
            "sms_services[0].account: no account has system_id \"nobody\"",
        ),
        (
            "get_url = \"ftp://x\"",
            "sms_services[1].get_url: must be an http:// or https:// URL",
        ),
        (
            "keyword = \"b\"",
            "sms_services[2].keyword: sms_services[1] already answers \"b\"",
        ),
        (
            "post_url = \"http://y\"",
            "sms_services[2].post_url: give only one of get_url, post_url or text",
        ),
        (
            "keyword = \"c\"",
            "sms_services[3].keyword: a catch_all service has no keyword",
        ),
        (
            "catch_all = true\n\n[[",
            "sms_services[4].catch_all: sms_services[3] is already \"acme\"'s catch-all",
        ),
        (
            "\"two words\"",
            "sms_services[5].aliases[0]: must be one word of 1 to 64 characters",
        ),
    ] {
        let line = line_of(&source, needle);
        assert!(
            lines
                .iter()
                .any(|issue| issue.starts_with(&format!("{FILE}:{line}: {expected}"))),
            "{expected} at line {line}: {lines:?}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|issue| issue.contains("sms_services[4]: needs one of get_url, post_url or text")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|issue| issue.contains("sms_services[5]: needs a keyword, or catch_all = true")),
        "{lines:?}"
    );
}

#[test]
fn content_rules_are_read_and_each_mistake_is_named_at_its_line() {
    let good = with(
        "[[content_rules]]\nname = \"pills\"\nwords = [\"viagra\", \"free money\"]\naction = \"reject\"\n\n\
         [[content_rules]]\nname = \"loans\"\npattern = 'cr[eé]dito\\s+\\d+'\naccounts = [\"acme\"]\naction = \"hold\"\ndescription = \"review loans\"\nenabled = false\n",
    );
    let config = parse(&good).unwrap();
    let rules = &config.content_rules;
    assert_eq!(rules.len(), 2);
    assert_eq!(
        rules[0].matching,
        Matching::Words(vec!["viagra".into(), "free money".into()])
    );
    assert_eq!(rules[0].action, ContentAction::Reject);
    assert!(rules[0].enabled && rules[0].accounts.is_empty());
    assert_eq!(
        rules[1].matching,
        Matching::Pattern("cr[eé]dito\\s+\\d+".into())
    );
    assert_eq!(rules[1].accounts, ["acme"]);
    assert_eq!(rules[1].action, ContentAction::Hold);
    assert_eq!(rules[1].description.as_deref(), Some("review loans"));
    assert!(!rules[1].enabled);

    let source = with(
        "[[content_rules]]\nname = \"bad regex\"\npattern = \"(unclosed\"\naction = \"reject\"\n\n\
         [[content_rules]]\nname = \"both\"\npattern = \"a\"\nwords = [\"a\"]\naction = \"reject\"\n\n\
         [[content_rules]]\nname = \"act\"\nwords = [\"a\"]\naction = \"block\"\n\n\
         [[content_rules]]\nname = \"scope\"\nwords = [\"a\"]\naccounts = [\"nobody\"]\naction = \"hold\"\n\n\
         [[content_rules]]\nname = \"scope\"\nwords = [\"b\"]\naction = \"hold\"\n\n\
         [[content_rules]]\nname = \"regex\"\npattern = \"(open\"\naction = \"hold\"\n",
    );
    let lines = errors(&source);
    for (needle, expected) in [
        (
            "name = \"bad regex\"",
            "content_rules[0].name: must be 1 to 64 of A-Z, a-z, 0-9, _ and -",
        ),
        (
            "pattern = \"a\"",
            "content_rules[1].pattern: give pattern or words, not both",
        ),
        (
            "action = \"block\"",
            "content_rules[2].action: must be \"reject\" or \"hold\"",
        ),
        (
            "accounts = [\"nobody\"]",
            "content_rules[3].accounts[0]: no account has system_id \"nobody\"",
        ),
        (
            "name = \"scope\"\nwords = [\"b\"]",
            "content_rules[4].name: content_rules[3] has this name",
        ),
    ] {
        let line = line_of(&source, needle);
        assert!(
            lines.contains(&format!("{FILE}:{line}: {expected}")),
            "{expected}: {lines:?}"
        );
    }
    let line = line_of(&source, "pattern = \"(open\"");
    let expected =
        format!("{FILE}:{line}: content_rules[5].pattern: regex parse error: unclosed group");
    assert!(lines.contains(&expected), "{lines:?}");
    assert_eq!(lines.len(), 6, "{lines:?}");
}

#[test]
fn an_accounts_time_zone_is_read_utc_by_default_and_an_unknown_one_named() {
    let config = parse(&with(
        "[[accounts]]\nsystem_id = \"b\"\npassword = \"x\"\ntime_zone = \"Europe/Madrid\"\n",
    ))
    .unwrap();
    assert_eq!(
        config.account("b").unwrap().time_zone,
        chrono_tz::Europe::Madrid
    );
    assert_eq!(config.accounts[0].time_zone, chrono_tz::UTC);
    let source =
        with("[[accounts]]\nsystem_id = \"b\"\npassword = \"x\"\ntime_zone = \"Mars/Olympus\"\n");
    let prefix = format!(
        "{FILE}:{}: accounts[1].time_zone: \"Mars/Olympus\" is not a time zone",
        line_of(&source, "Mars/Olympus")
    );
    let lines = errors(&source);
    assert!(
        lines.iter().any(|line| line.starts_with(&prefix)),
        "missing {prefix:?} in {lines:?}"
    );
}

#[test]
fn an_http_gateway_is_read_with_its_templates_and_patterns_checked() {
    let http = r#"[[gateways]]
name = "web"
kind = "http"
url = "https://api.example.net/send?key=k&to={{to}}"
body = '{"text":"{{text}}"}'
body_format = "json"
headers = ["Authorization: Bearer x"]
id_pattern = '"id":"([^"]+)"'
receipt_token = "0123456789abcdef"
"#;
    let config = parse(&with(http)).unwrap();
    let GatewayKind::Http(web) = &config.gateway("web").unwrap().kind else {
        panic!("web is an http gateway");
    };
    assert_eq!(web.request.method, Method::Post);
    assert_eq!(
        web.request.url.source(),
        "https://api.example.net/send?key=k&to={{to}}"
    );
    assert_eq!(
        web.request.headers,
        [("Authorization".to_owned(), "Bearer x".to_owned())]
    );
    assert_eq!((web.window, web.timeout), (10, Duration::from_secs(30)));
    let receipts = web.receipts.as_ref().unwrap();
    assert_eq!(
        (receipts.id_field.as_str(), receipts.status_field.as_str()),
        ("id", "status")
    );
    assert_eq!(receipts.state_of("DELIVRD"), Some(MessageState::Delivered));

    let wrong = http
        .replace("https://api.example.net", "ftp://api.example.net")
        .replace("{{text}}", "{{txt}}")
        .replace("\"id\":\"([^\"]+)\"", "(unclosed")
        .replace("0123456789abcdef", "short")
        + "method = \"GET\"\nlogin = \"x\"\ndelivered_values = [\"ok\"]\n";
    let source = with(&wrong);
    let lines = errors(&source);
    let url_line = line_of(&source, "url = \"ftp");
    for expected in [
        format!(
            "{FILE}:{url_line}: gateways[3].url: must be an http:// or https:// URL with a host"
        ),
        "gateways[3].body: unknown field {{txt}}".to_owned(),
        "gateways[3].body: a GET request has no body".to_owned(),
        "gateways[3].id_pattern: regex parse error".to_owned(),
        "gateways[3].receipt_token: at least 16 printable ASCII characters".to_owned(),
        "gateways[3].login: does not apply to a gateway of kind http".to_owned(),
    ] {
        assert!(
            lines.iter().any(|line| line.contains(&expected)),
            "missing {expected:?} in {lines:?}"
        );
    }
    let no_token = http.replace(
        "receipt_token = \"0123456789abcdef\"\n",
        "delivered_values = [\"ok\"]\n",
    );
    assert!(
        errors(&with(&no_token))
            .iter()
            .any(|line| line.contains("gateways[3].delivered_values: only with a receipt_token")),
        "{:?}",
        errors(&with(&no_token))
    );
}

#[test]
fn a_ucp_gateway_is_read_with_defaults_and_its_limits_checked() {
    let ucp = "[[gateways]]\nname = \"emi\"\nkind = \"ucp\"\nhost = \"emi.example.net\"\nport = 3000\nlogin = \"4412345\"\npassword = \"secret\"\n";
    let config = parse(&with(ucp)).unwrap();
    let GatewayKind::Ucp(emi) = &config.gateway("emi").unwrap().kind else {
        panic!("emi is a ucp gateway");
    };
    assert_eq!((emi.host.as_str(), emi.port), ("emi.example.net", 3000));
    assert_eq!(
        (emi.login.as_str(), emi.password.as_str()),
        ("4412345", "secret")
    );
    assert_eq!((emi.window, emi.tps, emi.max_attempts), (64, 0, 10));
    assert_eq!(emi.keepalive, Duration::from_secs(60));
    assert_eq!((emi.failover_after, emi.queue_limit), (None, 10_000));

    let set = "window = 100\ntps = 20\nkeepalive_s = 15\nfailover_after_s = 30\n";
    let config = parse(&with(&format!("{ucp}{set}"))).unwrap();
    let GatewayKind::Ucp(emi) = &config.gateway("emi").unwrap().kind else {
        panic!("emi is a ucp gateway");
    };
    assert_eq!((emi.window, emi.tps), (100, 20));
    assert_eq!(emi.keepalive, Duration::from_secs(15));
    assert_eq!(emi.failover_after, Some(Duration::from_secs(30)));

    let wrong = "window = 101\nkeepalive_s = 0\nsystem_id = \"x\"\nbind = \"pair\"\n";
    let lines = errors(&with(&format!(
        "{}{wrong}",
        ucp.replace("login = \"4412345\"\n", "")
    )));
    for expected in [
        "gateways[3].window: 101 is out of range, expected 1 to 100",
        "gateways[3].keepalive_s: 0 is out of range",
        "gateways[3].system_id: does not apply to a gateway of kind ucp",
        "gateways[3].bind: does not apply to a gateway of kind ucp",
        "gateways[3].login: required for a gateway of kind ucp",
    ] {
        assert!(
            lines.iter().any(|line| line.contains(expected)),
            "missing {expected:?} in {lines:?}"
        );
    }
    let smpp_with_login = VALID.replace("bind = \"transmitter\"\n", "login = \"x\"\n");
    assert!(
        errors(&smpp_with_login).iter().any(
            |line| line.contains("gateways[1].login: does not apply to a gateway of kind smpp")
        ),
        "{:?}",
        errors(&smpp_with_login)
    );
}

#[test]
fn a_cimd2_gateway_is_read_with_defaults_and_its_limits_checked() {
    let cimd2 = "[[gateways]]\nname = \"nokia\"\nkind = \"cimd2\"\nhost = \"smsc.example.net\"\nport = 9971\nusername = \"pasarela\"\npassword = \"secret\"\n";
    let config = parse(&with(cimd2)).unwrap();
    let GatewayKind::Cimd2(nokia) = &config.gateway("nokia").unwrap().kind else {
        panic!("nokia is a cimd2 gateway");
    };
    assert_eq!(
        (nokia.host.as_str(), nokia.port),
        ("smsc.example.net", 9971)
    );
    assert_eq!(
        (nokia.login.as_str(), nokia.password.as_str()),
        ("pasarela", "secret")
    );
    assert_eq!((nokia.window, nokia.tps, nokia.max_attempts), (32, 0, 10));
    assert_eq!(nokia.keepalive, Duration::from_secs(60));
    assert_eq!((nokia.failover_after, nokia.queue_limit), (None, 10_000));

    let set = "window = 128\ntps = 20\nkeepalive_s = 15\nfailover_after_s = 30\n";
    let config = parse(&with(&format!("{cimd2}{set}"))).unwrap();
    let GatewayKind::Cimd2(nokia) = &config.gateway("nokia").unwrap().kind else {
        panic!("nokia is a cimd2 gateway");
    };
    assert_eq!((nokia.window, nokia.tps), (128, 20));
    assert_eq!(nokia.keepalive, Duration::from_secs(15));
    assert_eq!(nokia.failover_after, Some(Duration::from_secs(30)));

    let wrong = "window = 129\nkeepalive_s = 0\nlogin = \"x\"\n";
    let source = with(&format!(
        "{}{wrong}",
        cimd2.replace("username = \"pasarela\"\n", "")
    ));
    let lines = errors(&source);
    let window = format!(
        "{FILE}:{}: gateways[3].window: 129 is out of range, expected 1 to 128",
        line_of(&source, "window = 129")
    );
    assert!(
        lines.iter().any(|line| line.starts_with(&window)),
        "missing {window:?} in {lines:?}"
    );
    for expected in [
        "gateways[3].keepalive_s: 0 is out of range",
        "gateways[3].login: does not apply to a gateway of kind cimd2",
        "gateways[3].username: required for a gateway of kind cimd2",
    ] {
        assert!(
            lines.iter().any(|line| line.contains(expected)),
            "missing {expected:?} in {lines:?}"
        );
    }
}

#[test]
fn durability_is_power_unless_the_file_says_process() {
    let unsaid = VALID.replace("durability = \"power\"\n", "");
    assert_ne!(unsaid, VALID, "the fixture names its durability");
    assert_eq!(parse(&unsaid).unwrap().store.durability, Durability::Power);
    let process = VALID.replace("durability = \"power\"", "durability = \"process\"");
    assert_eq!(
        parse(&process).unwrap().store.durability,
        Durability::Process
    );
    let shipped = Config::load(Path::new("config/pasarela.toml")).unwrap();
    assert_eq!(shipped.store.durability, Durability::Power);
}
