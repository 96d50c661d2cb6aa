//! Which SMPP connections may stay open: at most `smpp.max_connections`
//! in all and `smpp.max_connections_per_ip` from one peer address. The
//! listener asks before anything is read from a connection; the answer,
//! an [`Admitted`], is held for as long as the connection lives (TLS
//! handshake and session included) and gives its place back when dropped.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// The caps and the connections open now.
#[derive(Debug)]
pub struct Admission {
    max_total: usize,
    max_per_ip: usize,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// Why a connection was refused: which cap it would have passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `smpp.max_connections`.
    Total,
    /// `smpp.max_connections_per_ip`.
    PerIp,
}

impl Refusal {
    /// The cap's configuration key without its section, as the log and
    /// the `reason` label of `pasarela_smpp_connections_closed_total` say it.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Total => "max_connections",
            Refusal::PerIp => "max_connections_per_ip",
        }
    }
}

/// One admitted connection's place; given back when dropped.
#[derive(Debug)]
pub struct Admitted {
    admission: Arc<Admission>,
    ip: IpAddr,
}

impl Admission {
    /// Caps of `max_total` connections, `max_per_ip` from one address.
    pub fn new(max_total: u32, max_per_ip: u32) -> Arc<Admission> {
        let size = |cap: u32| usize::try_from(cap).unwrap_or(usize::MAX);
        Arc::new(Admission {
            max_total: size(max_total),
            max_per_ip: size(max_per_ip),
            open: Mutex::default(),
        })
    }

    /// A place for a connection from `ip`, unless a cap is reached.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Admitted, Refusal> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.total >= self.max_total {
            return Err(Refusal::Total);
        }
        let from_ip = open.per_ip.entry(ip).or_default();
        if *from_ip >= self.max_per_ip {
            return Err(Refusal::PerIp);
        }
        *from_ip += 1;
        open.total += 1;
        Ok(Admitted {
            admission: self.clone(),
            ip,
        })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .total
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self
            .admission
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        open.total = open.total.saturating_sub(1);
        if let Some(from_ip) = open.per_ip.get_mut(&self.ip) {
            *from_ip = from_ip.saturating_sub(1);
            if *from_ip == 0 {
                open.per_ip.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 1));
    const TWO: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));

    #[test]
    fn the_per_ip_cap_counts_each_address_apart() {
        let admission = Admission::new(10, 2);
        let _a = admission.admit(ONE).unwrap();
        let _b = admission.admit(ONE).unwrap();
        assert_eq!(admission.admit(ONE).unwrap_err(), Refusal::PerIp);
        let _c = admission.admit(TWO).unwrap();
        assert_eq!(admission.open(), 3);
    }

    #[test]
    fn the_total_cap_holds_over_all_addresses() {
        let admission = Admission::new(2, 5);
        let _a = admission.admit(ONE).unwrap();
        let _b = admission.admit(TWO).unwrap();
        assert_eq!(admission.admit(TWO).unwrap_err(), Refusal::Total);
    }

    #[test]
    fn a_closed_connection_gives_its_place_back() {
        let admission = Admission::new(1, 1);
        let first = admission.admit(ONE).unwrap();
        assert!(admission.admit(ONE).is_err());
        drop(first);
        assert_eq!(admission.open(), 0);
        let _again = admission.admit(ONE).unwrap();
        assert!(admission.open.lock().unwrap().per_ip.len() == 1);
    }
}
