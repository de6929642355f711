//! TLS on the listener: the certificates of `tls_cert`/`tls_key` (and `tls_sni`),
//! offered with HTTP/2 and HTTP/1.1 by ALPN, and re-read while Tandem runs
//! ([`reload`]) so that a renewal needs no restart. Which certificate a handshake
//! gets is [`certs`]'s.

mod certs;
mod reload;

use std::sync::Arc;

use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use tokio::sync::Notify;
use tokio_rustls::TlsAcceptor;

pub use certs::{CertificateFiles, TlsError};
use certs::{CertificateResolver, CertificateSet};

/// The protocols offered by ALPN, preferred first.
const ALPN_PROTOCOLS: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// The listener's TLS: its acceptor and what keeps its certificates current.
pub struct Tls {
    acceptor: TlsAcceptor,
    resolver: Arc<CertificateResolver>,
    provider: Arc<CryptoProvider>,
    files: Vec<CertificateFiles>,
    reload_asked: Notify,
}

impl Tls {
    /// Loads `files` (the default pair first) and builds the acceptor.
    pub fn new(files: Vec<CertificateFiles>) -> Result<Self, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let resolver = Arc::new(CertificateResolver::new(CertificateSet::load(&files, &provider)?));
        let mut config = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|reason| TlsError::Unusable { cert: files[0].cert.clone(), key: files[0].key.clone(), reason })?
            .with_no_client_auth()
            .with_cert_resolver(resolver.clone());
        config.alpn_protocols = ALPN_PROTOCOLS.iter().map(|p| p.to_vec()).collect();
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            resolver,
            provider,
            files,
            reload_asked: Notify::new(),
        })
    }

    /// Runs handshakes.
    pub fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }

    /// Re-reads the certificate files now (SIGHUP), whether or not they look changed.
    pub fn reload_now(&self) {
        self.reload_asked.notify_one();
    }
}
