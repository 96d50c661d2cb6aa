//! XSer, the extra services field of the 5x operations: a list of
//! services, each a type octet, a length octet and that many octets of
//! data (carried in hex like every binary field). Two matter to an SMS
//! switch: type 01, the GSM User Data Header (UDHL octet first), which is
//! how a concatenated part travels; and type 02, the GSM data coding scheme
//! (TP-DCS), which is how UCS-2 and 8-bit data are told from text. Every
//! other service is kept as it came and written back unchanged.

/// XSer type of the GSM User Data Header.
pub const UDH: u8 = 0x01;
/// XSer type of the GSM data coding scheme (TP-DCS).
pub const DCS: u8 = 0x02;

/// One service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraService {
    /// The service type.
    pub kind: u8,
    /// Its data, at most 255 octets.
    pub data: Vec<u8>,
}

/// The services of one XSer field, in the order they came.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtraServices {
    /// The services; empty when XSer is.
    pub services: Vec<ExtraService>,
}

/// Why XSer octets are not a list of services, or a service cannot be
/// written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XserError {
    /// The octets end inside a service's type, length or data.
    #[error("service {kind:#04x} runs past the end of XSer")]
    Truncated {
        /// The type of the service cut short.
        kind: u8,
    },
    /// A service holds more data than its length octet can say.
    #[error("service {kind:#04x} has {len} octets of data; at most 255 fit")]
    TooLong {
        /// The type of the service.
        kind: u8,
        /// Octets of data it holds.
        len: usize,
    },
}

impl ExtraServices {
    /// The services in `octets` (XSer hex-decoded).
    pub fn decode(octets: &[u8]) -> Result<ExtraServices, XserError> {
        let mut services = Vec::new();
        let mut rest = octets;
        while let Some((&kind, after_kind)) = rest.split_first() {
            let (&len, after_len) = after_kind
                .split_first()
                .ok_or(XserError::Truncated { kind })?;
            let data = after_len
                .get(..usize::from(len))
                .ok_or(XserError::Truncated { kind })?;
            services.push(ExtraService {
                kind,
                data: data.to_vec(),
            });
            rest = &after_len[data.len()..];
        }
        Ok(ExtraServices { services })
    }

    /// The octets of XSer, to be written in hex.
    pub fn encode(&self) -> Result<Vec<u8>, XserError> {
        let mut octets = Vec::new();
        for service in &self.services {
            let len = u8::try_from(service.data.len()).map_err(|_| XserError::TooLong {
                kind: service.kind,
                len: service.data.len(),
            })?;
            octets.push(service.kind);
            octets.push(len);
            octets.extend_from_slice(&service.data);
        }
        Ok(octets)
    }

    /// The data of the first service of type `kind`.
    pub fn get(&self, kind: u8) -> Option<&[u8]> {
        self.services
            .iter()
            .find(|service| service.kind == kind)
            .map(|service| service.data.as_slice())
    }

    /// The User Data Header (UDHL octet first), when type 01 is present.
    pub fn udh(&self) -> Option<&[u8]> {
        self.get(UDH)
    }

    /// The TP-DCS, when type 02 is present with one octet.
    pub fn dcs(&self) -> Option<u8> {
        match self.get(DCS) {
            Some(&[dcs]) => Some(dcs),
            _ => None,
        }
    }

    /// Appends a service.
    pub fn push(&mut self, kind: u8, data: Vec<u8>) {
        self.services.push(ExtraService { kind, data });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_real_links_send() {
        // A concatenation UDH and UCS-2, the way Kannel's EMI driver sends a
        // part of a long Unicode message: 01 06 050003RRTTSS, 02 01 08.
        let services = ExtraServices::decode(&[
            0x01, 0x06, 0x05, 0x00, 0x03, 0x3B, 0x02, 0x01, 0x02, 0x01, 0x08,
        ])
        .unwrap();
        assert_eq!(
            services.udh(),
            Some(&[0x05, 0x00, 0x03, 0x3B, 0x02, 0x01][..])
        );
        assert_eq!(services.dcs(), Some(0x08));
        assert_eq!(
            services.encode().unwrap(),
            [
                0x01, 0x06, 0x05, 0x00, 0x03, 0x3B, 0x02, 0x01, 0x02, 0x01, 0x08
            ]
        );
    }

    #[test]
    fn unknown_services_are_kept_in_order() {
        let octets = [0x02, 0x01, 0x00, 0x06, 0x01, 0x01, 0x07, 0x01, 0x01];
        let services = ExtraServices::decode(&octets).unwrap();
        let kinds: Vec<u8> = services.services.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [0x02, 0x06, 0x07]);
        assert_eq!(services.dcs(), Some(0x00));
        assert_eq!(services.udh(), None);
        assert_eq!(services.encode().unwrap(), octets);
    }

    #[test]
    fn broken_lists_are_typed_errors() {
        assert_eq!(ExtraServices::decode(&[]), Ok(ExtraServices::default()));
        assert_eq!(
            ExtraServices::decode(&[0x01]),
            Err(XserError::Truncated { kind: 0x01 })
        );
        assert_eq!(
            ExtraServices::decode(&[0x02, 0x02, 0x08]),
            Err(XserError::Truncated { kind: 0x02 })
        );
        let mut services = ExtraServices::default();
        services.push(0x0C, vec![0; 256]);
        assert_eq!(
            services.encode(),
            Err(XserError::TooLong {
                kind: 0x0C,
                len: 256
            })
        );
    }

    #[test]
    fn a_dcs_of_the_wrong_size_is_no_dcs() {
        let services = ExtraServices::decode(&[0x02, 0x02, 0x08, 0x00]).unwrap();
        assert_eq!(services.dcs(), None);
    }
}
