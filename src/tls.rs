//! TLS with rustls (ring) for every socket the switch and its tools accept
//! or open: server settings from a PEM certificate chain and its private
//! key (checked to belong together), and client settings that trust the
//! Mozilla roots plus the authorities of a PEM file. Reading the files is
//! the only I/O here; each error names the setting and the file.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ServerConfig};

/// A PEM file and the setting that names it (`smpp.tls_cert`,
/// `callbacks.ca_file`, `--tls-key`), for errors an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemFile {
    /// The setting, as the operator wrote it.
    pub setting: String,
    /// The file.
    pub path: PathBuf,
}

impl PemFile {
    /// The file at `path`, named by `setting`.
    pub fn new(setting: impl Into<String>, path: &Path) -> PemFile {
        PemFile {
            setting: setting.into(),
            path: path.to_path_buf(),
        }
    }
}

impl fmt::Display for PemFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.setting, self.path.display())
    }
}

/// Why TLS settings cannot be made from the files given.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The file cannot be read.
    #[error("{file}: {source}")]
    Read {
        /// The setting and the file.
        file: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not PEM, or a PEM section in it is damaged.
    #[error("{file}: not PEM: {reason}")]
    Pem {
        /// The setting and the file.
        file: String,
        /// What the PEM reader said.
        reason: String,
    },
    /// The file holds no certificate.
    #[error("{file}: holds no certificate")]
    NoCertificate {
        /// The setting and the file.
        file: String,
    },
    /// The file holds no private key.
    #[error("{file}: holds no private key")]
    NoKey {
        /// The setting and the file.
        file: String,
    },
    /// rustls refused a certificate (an authority that does not parse).
    #[error("{file}: {source}")]
    Certificate {
        /// The setting and the file.
        file: String,
        /// rustls's reason.
        #[source]
        source: rustls::Error,
    },
    /// The key is not the certificate's, or is of a kind rustls cannot
    /// sign with.
    #[error("{key} does not go with the certificate of {cert}: {source}")]
    Mismatch {
        /// The setting and file of the certificate chain.
        cert: String,
        /// The setting and file of the private key.
        key: String,
        /// rustls's reason.
        #[source]
        source: rustls::Error,
    },
    /// The cryptography provider offers none of the protocol versions
    /// asked for (not with ring and the defaults).
    #[error("no TLS protocol version to offer: {0}")]
    Provider(#[source] rustls::Error),
    /// The host to verify the peer's certificate against is not a DNS
    /// name or an IP address.
    #[error("{host:?} is not a host name or IP address a certificate can be checked against")]
    ServerName {
        /// The host.
        host: String,
    },
}

/// ring, the one cryptography provider the switch is built with.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read(file: &PemFile) -> Result<Vec<u8>, TlsError> {
    std::fs::read(&file.path).map_err(|source| TlsError::Read {
        file: file.to_string(),
        source,
    })
}

/// Every certificate in `file`, in order; at least one.
pub fn certificates(file: &PemFile) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(file)?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| TlsError::Pem {
            file: file.to_string(),
            reason: error.to_string(),
        })?;
    if certificates.is_empty() {
        return Err(TlsError::NoCertificate {
            file: file.to_string(),
        });
    }
    Ok(certificates)
}

/// The first private key in `file`.
fn private_key(file: &PemFile) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = read(file)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|error| match error {
        rustls::pki_types::pem::Error::NoItemsFound => TlsError::NoKey {
            file: file.to_string(),
        },
        other => TlsError::Pem {
            file: file.to_string(),
            reason: other.to_string(),
        },
    })
}

/// A server presenting the chain in `cert` with the key in `key`. Fails
/// unless the key is the certificate's.
pub fn server_config(cert: &PemFile, key: &PemFile) -> Result<ServerConfig, TlsError> {
    let chain = certificates(cert)?;
    let private_key = private_key(key)?;
    let mismatch = |source| TlsError::Mismatch {
        cert: cert.to_string(),
        key: key.to_string(),
        source,
    };
    ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Provider)?
        .with_no_client_auth()
        .with_single_cert(chain, private_key)
        .map_err(mismatch)
}

/// A client trusting the Mozilla roots (webpki-roots) and the authorities
/// in `authorities` when given.
pub fn client_config(authorities: Option<&PemFile>) -> Result<ClientConfig, TlsError> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(file) = authorities {
        for certificate in certificates(file)? {
            roots
                .add(certificate)
                .map_err(|source| TlsError::Certificate {
                    file: file.to_string(),
                    source,
                })?;
        }
    }
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Provider)?;
    Ok(builder.with_root_certificates(roots).with_no_client_auth())
}

/// The name a server's certificate must carry: `host` as a DNS name or an
/// IP address.
pub fn server_name(host: &str) -> Result<ServerName<'static>, TlsError> {
    ServerName::try_from(host.to_owned()).map_err(|_| TlsError::ServerName {
        host: host.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str, dir: &Path) -> PemFile {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        PemFile::new(format!("test.{name}"), &path)
    }

    #[test]
    fn a_file_without_pem_names_its_setting_and_path() {
        let dir = tempfile::tempdir().unwrap();
        let cert = file("cert", "not a certificate\n", dir.path());
        let error = certificates(&cert).unwrap_err();
        assert!(matches!(error, TlsError::NoCertificate { .. }), "{error}");
        assert!(error.to_string().starts_with("test.cert "), "{error}");
        let key = file("key", "", dir.path());
        let error = server_config(&key, &key).unwrap_err();
        assert!(
            error.to_string().contains("holds no certificate"),
            "{error}"
        );
    }

    #[test]
    fn a_missing_file_is_a_read_error_naming_it() {
        let missing = PemFile::new("smpp.tls_key", Path::new("/nonexistent/key.pem"));
        let error = private_key(&missing).unwrap_err();
        assert!(matches!(error, TlsError::Read { .. }));
        assert!(
            error
                .to_string()
                .starts_with("smpp.tls_key /nonexistent/key.pem: "),
            "{error}"
        );
    }

    #[test]
    fn hosts_are_names_or_addresses() {
        assert!(server_name("smsc.example.net").is_ok());
        assert!(server_name("127.0.0.1").is_ok());
        assert!(server_name("not a host").is_err());
    }
}
