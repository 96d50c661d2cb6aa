//! `[mail]`: the SMTP server, how the connection is protected (no
//! unencrypted connection off this host unless the file says so), the
//! credentials, the addresses, the low-balance threshold and the daily
//! summary's hour.

use std::net::IpAddr;

use super::checker::Checker;
use crate::config::fields;
use crate::config::raw::RawMail;
use crate::config::{MailSecurity, MailSettings};

/// The last hour of a day, for `daily_summary_hour`.
const LAST_HOUR: u32 = 23;

/// Whether `host` names this machine: `localhost` or a loopback address.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

impl Checker<'_> {
    /// `[mail]`.
    pub fn mail(&mut self, raw: RawMail) -> MailSettings {
        let host = raw.host.get_ref().trim().to_owned();
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            self.report(&raw.host, "mail.host", "must be a host name or address");
        }
        let security = match &raw.security {
            None => MailSecurity::StartTls,
            Some(value) => match value.get_ref().as_str() {
                "starttls" => MailSecurity::StartTls,
                "tls" => MailSecurity::Tls,
                "none" => MailSecurity::None,
                other => {
                    let message = format!(
                        "unknown security {other:?}, expected \"starttls\", \"tls\" or \"none\""
                    );
                    self.report(value, "mail.security", message);
                    MailSecurity::StartTls
                }
            },
        };
        if let Some(value) = &raw.security
            && security == MailSecurity::None
            && !is_loopback(&host)
            && raw.allow_unencrypted != Some(true)
        {
            self.report(
                value,
                "mail.security",
                "\"none\" sends mail (and any password) in clear; it is allowed toward localhost or a loopback address, or with allow_unencrypted = true",
            );
        }
        let port = match &raw.port {
            Some(value) if *value.get_ref() == 0 => {
                self.report(value, "mail.port", "must be a port from 1 to 65535");
                0
            }
            Some(value) => *value.get_ref(),
            None => match security {
                MailSecurity::StartTls => 587,
                MailSecurity::Tls => 465,
                MailSecurity::None => 25,
            },
        };
        let credentials = match (raw.username, raw.password) {
            (Some(username), Some(password)) => {
                if username.get_ref().is_empty() {
                    self.report(&username, "mail.username", "must not be empty");
                }
                if password.get_ref().is_empty() {
                    self.report(&password, "mail.password", "must not be empty");
                }
                Some((username.into_inner(), password.into_inner()))
            }
            (Some(username), None) => {
                self.report(&username, "mail.username", "needs mail.password beside it");
                None
            }
            (None, Some(password)) => {
                self.report(&password, "mail.password", "needs mail.username beside it");
                None
            }
            (None, None) => None,
        };
        let address = |checker: &mut Self, value: &toml::Spanned<String>, key: &str| {
            checker
                .check(value, key, fields::email_address(value.get_ref()))
                .map(|()| value.get_ref().clone())
                .unwrap_or_default()
        };
        let from = address(self, &raw.from, "mail.from");
        let admin_to = address(self, &raw.admin_to, "mail.admin_to");
        let low_balance = raw.low_balance.and_then(|value| {
            self.check(
                &value,
                "mail.low_balance",
                fields::not_negative(*value.get_ref()),
            )
        });
        let daily_summary_hour = raw.daily_summary_hour.and_then(|value| {
            self.check(
                &value,
                "mail.daily_summary_hour",
                fields::within(*value.get_ref(), 0, LAST_HOUR),
            )
        });
        let language = raw
            .language
            .and_then(|value| {
                self.check(&value, "mail.language", fields::language(value.get_ref()))
            })
            .unwrap_or_default();
        MailSettings {
            daily_summary_hour,
            language,
            host,
            port,
            security,
            credentials,
            from,
            admin_to,
            low_balance,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{Config, MailSecurity};

    const BASE: &str = "[mail]\nfrom = \"pasarela@example.com\"\nadmin_to = \"ops@example.com\"\n";

    fn issues(source: &str) -> Vec<(Option<usize>, String, String)> {
        Config::parse(source, Path::new("t.toml"))
            .err()
            .map(|error| {
                error
                    .issues()
                    .iter()
                    .map(|issue| {
                        (
                            issue.location.line,
                            issue.location.key.clone().unwrap_or_default(),
                            issue.message.clone(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn defaults_are_starttls_on_587_and_no_optional_mail() {
        let config = Config::parse(
            &format!("{BASE}host = \"smtp.example.com\"\n"),
            Path::new("t"),
        )
        .expect("valid");
        let mail = config.mail.expect("[mail] given");
        assert_eq!(mail.security, MailSecurity::StartTls);
        assert_eq!(mail.port, 587);
        assert_eq!(mail.low_balance, None);
        assert_eq!(mail.daily_summary_hour, None);
        assert!(Config::parse("", Path::new("t")).unwrap().mail.is_none());
    }

    #[test]
    fn unencrypted_mail_off_this_host_must_be_allowed_explicitly() {
        let remote = format!("{BASE}host = \"smtp.example.com\"\nsecurity = \"none\"\n");
        let found = issues(&remote);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, Some(5));
        assert_eq!(found[0].1, "mail.security");
        assert!(issues(&format!("{remote}allow_unencrypted = true\n")).is_empty());
        let local = format!("{BASE}host = \"127.0.0.1\"\nsecurity = \"none\"\n");
        let mail = Config::parse(&local, Path::new("t")).unwrap().mail.unwrap();
        assert_eq!((mail.security, mail.port), (MailSecurity::None, 25));
    }

    #[test]
    fn each_wrong_key_is_named_with_its_line() {
        let source = "[mail]\nhost = \"h\"\nfrom = \"nobody\"\nadmin_to = \"ops@example.com\"\nusername = \"u\"\nlow_balance = \"-1\"\ndaily_summary_hour = 24\nsecurity = \"ssl\"\n";
        let keys: Vec<(Option<usize>, String)> = issues(source)
            .into_iter()
            .map(|(line, key, _)| (line, key))
            .collect();
        assert_eq!(
            keys,
            [
                (Some(3), "mail.from".to_owned()),
                (Some(5), "mail.username".to_owned()),
                (Some(6), "mail.low_balance".to_owned()),
                (Some(7), "mail.daily_summary_hour".to_owned()),
                (Some(8), "mail.security".to_owned()),
            ]
        );
        let account =
            "[[accounts]]\nsystem_id = \"a\"\npassword = \"p\"\nemail = \"not an address\"\n";
        assert_eq!(issues(account)[0].1, "accounts[0].email");
        let account =
            "[[accounts]]\nsystem_id = \"a\"\npassword = \"p\"\nlow_balance = \"-0.01\"\n";
        assert_eq!(issues(account)[0].1, "accounts[0].low_balance");
        let account = "[[accounts]]\nsystem_id = \"a\"\npassword = \"p\"\nlanguage = \"fr\"\n";
        assert_eq!(issues(account)[0].1, "accounts[0].language");
    }
}
