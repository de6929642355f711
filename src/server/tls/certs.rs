//! Certificates as served: PEM files read into rustls's form, and the choice among them
//! by the name a client asks for (SNI). The first pair is the default, served to a
//! client that names no host or a host no other pair holds: the others are the
//! exceptions to it (the control origin's own certificate beside the zone's wildcard).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use serde::Deserialize;

/// One certificate chain and its private key, as PEM files.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CertificateFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The leaf's private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Why certificates could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A file holds no usable PEM item of the kind needed.
    #[error("{path}: {what}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What is missing or malformed.
        what: String,
    },
    /// The key does not belong to the certificate, or rustls cannot use it.
    #[error("{cert} with {key}: {reason}")]
    Unusable {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// rustls's reason.
        reason: rustls::Error,
    },
}

/// The certificates served at one time.
#[derive(Debug)]
pub struct CertificateSet {
    /// Never empty; the first is the default.
    served: Vec<Arc<CertifiedKey>>,
}

impl CertificateSet {
    /// Reads every pair of `files` (at least one), checking each key against its
    /// certificate.
    pub fn load(files: &[CertificateFiles], provider: &CryptoProvider) -> Result<Self, TlsError> {
        let served = files.iter().map(|pair| load_pair(pair, provider).map(Arc::new)).collect::<Result<Vec<_>, _>>()?;
        debug_assert!(!served.is_empty(), "the configuration requires tls_cert with tls_key");
        Ok(CertificateSet { served })
    }

    /// The certificate for a client asking for `name`: the first after the default
    /// whose names cover it, else the default.
    fn for_name(&self, name: Option<&str>) -> Option<Arc<CertifiedKey>> {
        let (default, others) = self.served.split_first()?;
        let asked = name.and_then(|name| ServerName::try_from(name).ok());
        let covering = asked.and_then(|asked| others.iter().find(|key| covers(key, &asked)));
        Some(covering.unwrap_or(default).clone())
    }
}

/// Whether `key`'s leaf certificate is valid for `name` (wildcards as clients judge them).
fn covers(key: &CertifiedKey, name: &ServerName<'_>) -> bool {
    let Ok(leaf) = key.end_entity_cert() else { return false };
    webpki::EndEntityCert::try_from(leaf).is_ok_and(|cert| cert.verify_is_valid_for_subject_name(name).is_ok())
}

fn load_pair(pair: &CertificateFiles, provider: &CryptoProvider) -> Result<CertifiedKey, TlsError> {
    let cert_pem = read(&pair.cert)?;
    let chain = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .collect::<Result<Vec<CertificateDer<'static>>, _>>()
        .map_err(|e| TlsError::Pem { path: pair.cert.clone(), what: format!("malformed PEM: {e}") })?;
    if chain.is_empty() {
        return Err(TlsError::Pem { path: pair.cert.clone(), what: "no CERTIFICATE in it".into() });
    }
    let key_pem = read(&pair.key)?;
    let key = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .map_err(|e| TlsError::Pem { path: pair.key.clone(), what: format!("malformed PEM: {e}") })?
        .ok_or_else(|| TlsError::Pem { path: pair.key.clone(), what: "no PRIVATE KEY in it".into() })?;
    CertifiedKey::from_der(chain, key, provider).map_err(|reason| TlsError::Unusable {
        cert: pair.cert.clone(),
        key: pair.key.clone(),
        reason,
    })
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read { path: path.to_owned(), source })
}

/// Picks the certificate of each handshake from the set in force, which a reload swaps.
#[derive(Debug)]
pub struct CertificateResolver {
    current: RwLock<Arc<CertificateSet>>,
}

impl CertificateResolver {
    /// Serves `set` until [`CertificateResolver::replace`].
    pub fn new(set: CertificateSet) -> Self {
        CertificateResolver { current: RwLock::new(Arc::new(set)) }
    }

    /// Serves `set` from the next handshake on; connections already open keep theirs.
    pub fn replace(&self, set: CertificateSet) {
        *self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(set);
    }

    fn current(&self) -> Arc<CertificateSet> {
        // The lock guards one pointer: nothing a panicking holder could leave half-done.
        self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }
}

impl ResolvesServerCert for CertificateResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.current().for_name(hello.server_name())
    }
}
