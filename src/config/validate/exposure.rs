//! Credentials fit to face a network: once any listener is on an address
//! other than loopback, the admin password may not be a shipped default
//! nor shorter than [`MIN_EXPOSED_ADMIN_PASSWORD`] characters, and no
//! account may keep a password the shipped files or docs hand out. On
//! loopback the demo configuration runs as shipped.

use std::net::SocketAddr;

use toml::Spanned;

use super::checker::Checker;
use crate::config::fields::is_shipped;
use crate::config::{Config, TlsListenerConfig};

/// The shortest admin password accepted while a listener is exposed.
pub const MIN_EXPOSED_ADMIN_PASSWORD: usize = 12;

/// The listeners of `config` that are not on a loopback address, with
/// the key that sets each.
fn exposed_listeners(config: &Config) -> Vec<(&'static str, SocketAddr)> {
    let tls = |tls: &Option<TlsListenerConfig>| tls.as_ref().map(|tls| tls.listen);
    [
        ("smpp.listen", config.smpp.listen),
        ("smpp.tls_listen", tls(&config.smpp.tls)),
        ("web.listen", config.web.listen),
        ("web.tls_listen", tls(&config.web.tls)),
    ]
    .into_iter()
    .filter_map(|(key, address)| Some((key, address?)))
    .filter(|(_, address)| !address.ip().is_loopback())
    .collect()
}

impl Checker<'_> {
    /// Reports the admin password and each account password not fit for
    /// the exposed listeners of `config`, if it has any.
    pub fn exposure(
        &mut self,
        config: &Config,
        admin_password: Option<&Spanned<String>>,
        account_passwords: &[Spanned<String>],
    ) {
        let Some((key, address)) = exposed_listeners(config).first().copied() else {
            return;
        };
        let exposed = format!("{key} = \"{address}\" is not a loopback address");
        if let Some(password) = admin_password {
            let length = password.get_ref().chars().count();
            if is_shipped(password.get_ref()) {
                let message = format!(
                    "is a shipped default password and {exposed}: set one of at least \
                     {MIN_EXPOSED_ADMIN_PASSWORD} characters, or leave the key out to have one \
                     generated"
                );
                self.report(password, "web.admin_password", message);
            } else if length < MIN_EXPOSED_ADMIN_PASSWORD {
                let message = format!(
                    "has {length} characters and {exposed}: it needs at least \
                     {MIN_EXPOSED_ADMIN_PASSWORD}, or leave the key out to have one generated"
                );
                self.report(password, "web.admin_password", message);
            }
        }
        for (index, password) in account_passwords.iter().enumerate() {
            if is_shipped(password.get_ref()) {
                let message =
                    format!("is a shipped demo password and {exposed}: give the account its own");
                self.report(password, &format!("accounts[{index}].password"), message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;

    fn issues(listen: &str, admin: &str, account: &str) -> Vec<String> {
        let source = format!(
            "[smpp]\nlisten = \"{listen}\"\n[web]\nadmin_password = \"{admin}\"\n\
             [[accounts]]\nsystem_id = \"a\"\npassword = \"{account}\"\n"
        );
        match parse(&source) {
            Ok(_) => Vec::new(),
            Err(issues) => issues
                .into_iter()
                .map(|issue| issue.location.key.unwrap_or_default())
                .collect(),
        }
    }

    #[test]
    fn loopback_listeners_take_the_shipped_passwords() {
        assert!(issues("127.0.0.1:2775", "change-me", "demo1234").is_empty());
        assert!(issues("[::1]:2775", "short", "secret").is_empty());
    }

    #[test]
    fn an_exposed_listener_refuses_shipped_and_short_passwords() {
        assert_eq!(
            issues("0.0.0.0:2775", "Change-Me", "demo1234"),
            ["web.admin_password", "accounts[0].password"]
        );
        assert_eq!(
            issues("192.0.2.1:2775", "elevenchars", "k8Jq2mZx"),
            ["web.admin_password"]
        );
        assert!(issues("0.0.0.0:2775", "twelve-chars", "k8Jq2mZx").is_empty());
    }
}
