//! Which addresses a callback may reach: none that is internal to the
//! switch's host or network (loopback, link-local, private, unique-local,
//! unspecified, multicast, broadcast) unless the operator lists it in
//! `[callbacks] allow_private`. Pure: the sender asks [`AddressPolicy`]
//! about every address it resolved, right before connecting, and the
//! web layer asks about a URL's host when a customer gives one. No I/O
//! here.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// Why an address counts as internal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Internal {
    /// 127.0.0.0/8, ::1: the switch's own host.
    Loopback,
    /// 169.254.0.0/16, fe80::/10 (cloud metadata services live here).
    LinkLocal,
    /// 10/8, 172.16/12, 192.168/16, 100.64/10 (shared address space),
    /// fec0::/10 (site-local).
    Private,
    /// fc00::/7.
    UniqueLocal,
    /// 0.0.0.0/8, ::: "this host" to the kernel.
    Unspecified,
    /// 224.0.0.0/4, ff00::/8.
    Multicast,
    /// 255.255.255.255.
    Broadcast,
}

impl std::fmt::Display for Internal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Internal::Loopback => "loopback",
            Internal::LinkLocal => "link-local",
            Internal::Private => "private",
            Internal::UniqueLocal => "unique-local",
            Internal::Unspecified => "unspecified",
            Internal::Multicast => "multicast",
            Internal::Broadcast => "broadcast",
        })
    }
}

/// A callback target refused by the policy.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The address is internal and `callbacks.allow_private` does not
    /// list it.
    #[error("{kind} address {address} is not allowed for callbacks (callbacks.allow_private)")]
    Address {
        /// The address refused.
        address: IpAddr,
        /// What kind of internal address it is.
        kind: Internal,
    },
    /// The name resolved, but only to refused addresses.
    #[error("{host} resolves only to addresses not allowed for callbacks ({first})")]
    Name {
        /// The host name as given in the URL.
        host: String,
        /// The first address refused, with why.
        first: Box<Refused>,
    },
}

/// What kind of internal address `address` is, if any. An IPv4 address
/// written as IPv6 (`::ffff:a.b.c.d`, or NAT64's `64:ff9b::a.b.c.d`) is
/// judged as the IPv4 address it carries.
pub fn internal(address: IpAddr) -> Option<Internal> {
    match address {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => internal_v4(v4),
            None => internal_v6(v6),
        },
    }
}

fn internal_v4(address: Ipv4Addr) -> Option<Internal> {
    let [a, b, ..] = address.octets();
    if address.is_loopback() {
        Some(Internal::Loopback)
    } else if address.is_link_local() {
        Some(Internal::LinkLocal)
    } else if address.is_private() || (a == 100 && (64..128).contains(&b)) {
        Some(Internal::Private)
    } else if a == 0 {
        Some(Internal::Unspecified)
    } else if address.is_multicast() {
        Some(Internal::Multicast)
    } else if address.is_broadcast() {
        Some(Internal::Broadcast)
    } else {
        None
    }
}

fn internal_v6(address: Ipv6Addr) -> Option<Internal> {
    let first = address.segments()[0];
    if address.is_loopback() {
        Some(Internal::Loopback)
    } else if address.is_unspecified() {
        Some(Internal::Unspecified)
    } else if first & 0xffc0 == 0xfe80 {
        Some(Internal::LinkLocal)
    } else if first & 0xffc0 == 0xfec0 {
        Some(Internal::Private)
    } else if first & 0xfe00 == 0xfc00 {
        Some(Internal::UniqueLocal)
    } else if address.is_multicast() {
        Some(Internal::Multicast)
    } else {
        None
    }
}

/// The IPv4 address an IPv4-mapped (`::ffff:0:0/96`) or NAT64
/// (`64:ff9b::/96`) address carries.
fn embedded_v4(address: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = address.to_ipv4_mapped() {
        return Some(v4);
    }
    let segments = address.segments();
    (segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0]).then(|| {
        let [.., high, low] = segments;
        Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))
    })
}

/// `[callbacks] allow_private`: the internal networks callbacks may reach
/// anyway (a customer server on the same host or LAN). Empty by default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    allowed: Vec<IpNet>,
}

impl AddressPolicy {
    /// A policy that lets callbacks reach the internal networks `allowed`.
    pub fn new(allowed: Vec<IpNet>) -> AddressPolicy {
        AddressPolicy { allowed }
    }

    /// Whether a callback may connect to `address`.
    pub fn check(&self, address: IpAddr) -> Result<(), Refused> {
        let Some(kind) = internal(address) else {
            return Ok(());
        };
        let as_v4 = match address {
            IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        let listed = self
            .allowed
            .iter()
            .any(|net| net.contains(&address) || as_v4.is_some_and(|v4| net.contains(&v4)));
        if listed {
            Ok(())
        } else {
            Err(Refused::Address { address, kind })
        }
    }

    /// The addresses among `resolved` (those of `host`) a callback may
    /// connect to, in their order; refused when there is none. An empty
    /// `resolved` is not a refusal: the name did not resolve.
    pub fn permitted<I>(&self, host: &str, resolved: I) -> Result<Vec<IpAddr>, Refused>
    where
        I: IntoIterator<Item = IpAddr>,
    {
        let mut first_refusal = None;
        let mut permitted = Vec::new();
        for address in resolved {
            match self.check(address) {
                Ok(()) => permitted.push(address),
                Err(refused) => {
                    first_refusal.get_or_insert(refused);
                }
            }
        }
        match first_refusal {
            Some(first) if permitted.is_empty() => Err(Refused::Name {
                host: host.to_string(),
                first: Box::new(first),
            }),
            _ => Ok(permitted),
        }
    }

    /// Checks a host as written in a URL, without a lookup: an address
    /// literal (`192.0.2.7`, `[::1]`) is judged as it is, and a name of
    /// the loopback (`localhost`, `*.localhost`, RFC 6761) as 127.0.0.1
    /// and ::1. `Ok(Some(name))` is any other name, to resolve.
    pub fn check_host<'a>(&self, host: &'a str) -> Result<Option<&'a str>, Refused> {
        if let Some(address) = literal(host) {
            return self.check(address).map(|()| None);
        }
        let name = host.strip_suffix('.').unwrap_or(host);
        let lower = name.to_ascii_lowercase();
        if lower == "localhost" || lower.ends_with(".localhost") {
            let loopback = [Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()];
            return self.permitted(host, loopback).map(|_| None);
        }
        Ok(Some(host))
    }
}

/// The address a URL's host writes literally: dotted IPv4, or IPv6 in
/// brackets.
fn literal(host: &str) -> Option<IpAddr> {
    match host
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        Some(v6) => v6.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
        None => host.parse::<Ipv4Addr>().ok().map(IpAddr::V4),
    }
}

/// The host of `url` without its port, credentials or brackets' content
/// changed (`http://u@[::1]:80/x` → `[::1]`); empty when there is none.
pub fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    match authority.find(']') {
        Some(end) if authority.starts_with('[') => &authority[..=end],
        _ => authority.split(':').next().unwrap_or_default(),
    }
}

/// The port `url` names, or its scheme's (80 for http, 443 for https).
pub fn url_port(url: &str) -> u16 {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    let after_host = match authority.find(']') {
        Some(end) if authority.starts_with('[') => &authority[end + 1..],
        _ => authority.find(':').map_or("", |colon| &authority[colon..]),
    };
    after_host
        .strip_prefix(':')
        .and_then(|port| port.parse().ok())
        .unwrap_or(if url.to_ascii_lowercase().starts_with("https://") {
            443
        } else {
            80
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_named_and_public_ones_pass() {
        let cases = [
            ("127.0.0.1", Some(Internal::Loopback)),
            ("127.255.0.9", Some(Internal::Loopback)),
            ("::1", Some(Internal::Loopback)),
            ("169.254.169.254", Some(Internal::LinkLocal)),
            ("fe80::1", Some(Internal::LinkLocal)),
            ("10.1.2.3", Some(Internal::Private)),
            ("172.16.0.1", Some(Internal::Private)),
            ("172.31.255.255", Some(Internal::Private)),
            ("192.168.1.1", Some(Internal::Private)),
            ("100.64.0.1", Some(Internal::Private)),
            ("fec0::1", Some(Internal::Private)),
            ("fd00::1", Some(Internal::UniqueLocal)),
            ("fc00::1", Some(Internal::UniqueLocal)),
            ("0.0.0.0", Some(Internal::Unspecified)),
            ("0.1.2.3", Some(Internal::Unspecified)),
            ("::", Some(Internal::Unspecified)),
            ("224.0.0.1", Some(Internal::Multicast)),
            ("ff02::1", Some(Internal::Multicast)),
            ("255.255.255.255", Some(Internal::Broadcast)),
            ("::ffff:127.0.0.1", Some(Internal::Loopback)),
            ("::ffff:10.0.0.1", Some(Internal::Private)),
            ("64:ff9b::a9fe:a9fe", Some(Internal::LinkLocal)),
            ("93.184.216.34", None),
            ("172.32.0.1", None),
            ("100.128.0.1", None),
            ("2606:2800:220:1::1", None),
            ("::ffff:93.184.216.34", None),
        ];
        for (text, expected) in cases {
            assert_eq!(internal(address(text)), expected, "{text}");
        }
    }

    #[test]
    fn allow_private_lets_listed_networks_through() {
        let strict = AddressPolicy::default();
        assert_eq!(
            strict.check(address("127.0.0.1")),
            Err(Refused::Address {
                address: address("127.0.0.1"),
                kind: Internal::Loopback
            })
        );
        assert_eq!(strict.check(address("93.184.216.34")), Ok(()));
        let loopback = AddressPolicy::new(vec!["127.0.0.0/8".parse().unwrap()]);
        assert_eq!(loopback.check(address("127.0.0.1")), Ok(()));
        assert_eq!(loopback.check(address("::ffff:127.0.0.1")), Ok(()));
        assert!(loopback.check(address("::1")).is_err());
        assert!(loopback.check(address("10.0.0.1")).is_err());
    }

    #[test]
    fn a_name_passes_with_any_permitted_address_only_those_kept() {
        let policy = AddressPolicy::default();
        let both = [address("127.0.0.1"), address("93.184.216.34")];
        assert_eq!(
            policy.permitted("mixed", both),
            Ok(vec![address("93.184.216.34")])
        );
        let refused = policy
            .permitted("inside", [address("10.0.0.1")])
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "inside resolves only to addresses not allowed for callbacks \
             (private address 10.0.0.1 is not allowed for callbacks (callbacks.allow_private))"
        );
        assert_eq!(policy.permitted("unresolved", []), Ok(vec![]));
    }

    #[test]
    fn literals_and_localhost_are_judged_without_a_lookup() {
        let strict = AddressPolicy::default();
        assert!(strict.check_host("127.0.0.1").is_err());
        assert!(strict.check_host("[::1]").is_err());
        assert!(strict.check_host("[::ffff:169.254.169.254]").is_err());
        assert!(strict.check_host("localhost").is_err());
        assert!(strict.check_host("LocalHost.").is_err());
        assert!(strict.check_host("api.localhost").is_err());
        assert_eq!(strict.check_host("93.184.216.34"), Ok(None));
        assert_eq!(
            strict.check_host("hooks.example"),
            Ok(Some("hooks.example"))
        );
        let loopback = AddressPolicy::new(vec!["127.0.0.0/8".parse().unwrap()]);
        assert_eq!(loopback.check_host("localhost"), Ok(None));
        assert_eq!(loopback.check_host("127.0.0.1"), Ok(None));
    }

    #[test]
    fn host_and_port_come_out_of_the_url() {
        assert_eq!(url_host("http://u:p@Example.com:81/a?b"), "Example.com");
        assert_eq!(url_host("https://[::1]:8443/x"), "[::1]");
        assert_eq!(url_host("http://127.0.0.1?x=/"), "127.0.0.1");
        assert_eq!(url_port("http://u:p@example.com:81/a"), 81);
        assert_eq!(url_port("https://[::1]:8443/x"), 8443);
        assert_eq!(url_port("https://[::1]/x"), 443);
        assert_eq!(url_port("HTTP://example.com/"), 80);
    }
}
