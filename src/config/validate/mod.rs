//! From the raw file to a typed [`Config`]: defaults, limits and the checks
//! that span entries (duplicate names, routes naming gateways and accounts
//! that exist). Every issue is collected; none stops the others being
//! found. One file per section of the file; [`Checker`] is what they share.

mod accounts;
mod callbacks;
mod checker;
mod content_rules;
mod exposure;
mod gateways;
mod http_gateway;
mod limits;
mod listeners;
mod lists;
mod log;
mod mail;
mod mo_apps;
mod mo_routes;
mod quality;
mod routes;
mod store;

use std::path::PathBuf;

use checker::Checker;

use super::error::{ConfigIssue, SourceMap};
use super::fields;
use super::raw::{RawConfig, RawGateway};
use super::{Config, GatewayConfig};

pub(super) fn parse(source: &str) -> Result<Config, Vec<ConfigIssue>> {
    let map = SourceMap::new(source);
    let raw: RawConfig = toml::from_str(source).map_err(|error| vec![map.parse_issue(&error)])?;
    let mut checker = Checker::new(map);
    let config = checker.config(raw);
    checker.finish(config)
}

/// One gateway alone, as a `[[gateways]]` table's keys without the header
/// (the admin API's gateways): the file's rules for one entry, each issue
/// naming its key bare (`port`, not `gateways[0].port`).
pub(super) fn parse_gateway(source: &str) -> Result<GatewayConfig, Vec<ConfigIssue>> {
    let map = SourceMap::new(source);
    let raw: RawGateway = toml::from_str(source).map_err(|error| {
        let mut issue = map.parse_issue(&error);
        if let Some(missing) = missing_field(error.message()) {
            issue.location.key = Some(missing.to_string());
        }
        vec![issue]
    })?;
    let mut checker = Checker::new(map);
    let gateway = checker.gateway(&raw, "");
    // A gateway left out always comes with the issue that says why.
    checker.finish(gateway)?.ok_or_else(Vec::new)
}

/// The key serde names in "missing field `name`": the parser's span of
/// such an error is the whole table, not the key.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split_once('`')
        .map(|(field, _)| field)
}

impl Checker<'_> {
    fn config(&mut self, raw: RawConfig) -> Config {
        let data_dir = match raw.data_dir {
            Some(dir) if dir.get_ref().trim().is_empty() => {
                self.report(&dir, "data_dir", "must not be empty");
                PathBuf::new()
            }
            Some(dir) => PathBuf::from(dir.into_inner()),
            None => PathBuf::from("data"),
        };
        let admin_password = raw.web.admin_password.clone();
        let account_passwords: Vec<_> = raw
            .accounts
            .iter()
            .map(|account| account.get_ref().password.clone())
            .collect();
        let receipt_timeout = raw
            .receipt_timeout_h
            .and_then(|hours| {
                let outcome = fields::receipt_timeout(*hours.get_ref());
                self.check(&hours, "receipt_timeout_h", outcome)
            })
            .unwrap_or_else(default_receipt_timeout);
        let log = self.log(raw.log);
        let store = self.store(raw.store);
        let smpp = self.smpp(raw.smpp);
        let ucp = self.ucp(raw.ucp);
        let cimd2 = self.cimd2(raw.cimd2);
        let web = self.web(raw.web);
        let callbacks = self.callbacks(raw.callbacks);
        let limits = self.limits(raw.limits);
        let gateways = self.gateways(raw.gateways);
        let accounts = self.accounts(raw.accounts);
        let routes = self.routes(raw.routes, &gateways, &accounts);
        let numbering = self.numbering(raw.numbering);
        let mo_routes = self.mo_routes(raw.mo_routes, &accounts);
        let autoreplies = self.autoreplies(raw.autoreplies);
        let sms_services = self.sms_services(raw.sms_services, &accounts);
        let content_rules = self.content_rules(raw.content_rules, &accounts);
        let quality = self.quality(raw.quality);
        let gateway_costs = self.gateway_costs(raw.gateway_costs, &gateways);
        let probes = raw.probes.map(|probes| self.probes(probes, &accounts));
        let mail = raw.mail.map(|mail| self.mail(mail));
        let config = Config {
            data_dir,
            receipt_timeout,
            log,
            store,
            smpp,
            ucp,
            cimd2,
            web,
            callbacks,
            limits,
            gateways,
            routes,
            accounts,
            numbering,
            mo_routes,
            autoreplies,
            sms_services,
            content_rules,
            quality,
            gateway_costs,
            probes,
            mail,
        };
        self.exposure(&config, admin_password.as_ref(), &account_passwords);
        config
    }
}

fn default_receipt_timeout() -> std::time::Duration {
    std::time::Duration::from_secs_f64(fields::DEFAULT_RECEIPT_TIMEOUT_H * 3_600.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(source: &str) -> Vec<(String, String)> {
        parse_gateway(source)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|issue| (issue.location.key.unwrap_or_default(), issue.message))
            .collect()
    }

    #[test]
    fn one_gateway_is_checked_with_the_files_rules_and_bare_keys() {
        let smpp = "name = \"op\"\nkind = \"smpp\"\nhost = \"h\"\nport = 2776\nsystem_id = \"x\"\npassword = \"y\"\n";
        let gateway = parse_gateway(smpp).expect("valid");
        assert_eq!(gateway.name, "op");
        assert_eq!(gateway.kind.name(), "smpp");
        let zero_port = smpp.replace("2776", "0");
        assert_eq!(keys(&zero_port)[0].0, "port");
        assert_eq!(
            keys(&format!("{smpp}dlr_delay_ms = 5\n"))[0].0,
            "dlr_delay_ms"
        );
        assert_eq!(keys(&format!("{smpp}colour = 5\n"))[0].0, "colour");
        assert_eq!(keys(&smpp.replace("host = \"h\"\n", ""))[0].0, "host");
        assert_eq!(keys("kind = \"simulator\"\n")[0].0, "name");
        assert_eq!(keys("name = \"a b\"\nkind = \"simulator\"\n")[0].0, "name");
    }
}
