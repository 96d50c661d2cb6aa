//! TLS material a test makes for itself with rcgen: a CA, a server
//! certificate it signs for `localhost` and 127.0.0.1, written as PEM
//! files; and a blocking rustls client that trusts that CA.

#![allow(dead_code)] // each test binary uses its own subset

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// The PEM files of a test CA and of a server certificate it signed.
pub struct TestPki {
    /// The CA's certificate: what clients trust.
    pub ca: PathBuf,
    /// The server's certificate.
    pub cert: PathBuf,
    /// The server certificate's private key.
    pub key: PathBuf,
    /// A private key that is not the certificate's.
    pub other_key: PathBuf,
}

impl TestPki {
    /// Makes them in `dir`.
    pub fn new(dir: &Path) -> TestPki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "pasarela test CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(names)
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        let write = |name: &str, text: String| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        TestPki {
            ca: write("ca.pem", ca.pem()),
            cert: write("server.pem", cert.pem()),
            key: write("server.key", key.serialize_pem()),
            other_key: write("other.key", KeyPair::generate().unwrap().serialize_pem()),
        }
    }

    /// A rustls client configuration that trusts only the test CA.
    pub fn client_config(&self) -> Arc<ClientConfig> {
        let mut roots = RootCertStore::empty();
        for certificate in CertificateDer::pem_file_iter(&self.ca).unwrap() {
            roots.add(certificate.unwrap()).unwrap();
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Arc::new(
            ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    }

    /// A TLS connection to `server`, the handshake done and the
    /// certificate checked for `localhost`; reads then time out after
    /// 20 ms, as `Raw` wants.
    pub fn connect(&self, server: SocketAddr) -> StreamOwned<ClientConnection, TcpStream> {
        let name = ServerName::try_from("localhost").unwrap();
        let mut connection = ClientConnection::new(self.client_config(), name).unwrap();
        let mut tcp = TcpStream::connect_timeout(&server, Duration::from_secs(5)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        while connection.is_handshaking() {
            connection.complete_io(&mut tcp).expect("TLS handshake");
        }
        tcp.set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        StreamOwned::new(connection, tcp)
    }
}
