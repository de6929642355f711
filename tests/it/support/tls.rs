//! A throwaway certificate authority for HTTPS upstreams: rcgen makes a CA and one
//! server certificate for the names asked for; Tandem trusts the CA through its
//! `extra_root_certs` setting, the upstream client tests through `extra_root_pems`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

use super::fixtures::FIXTURE_HOSTS;

/// A CA and one leaf certificate it signed.
pub struct TestPki {
    /// The CA certificate, PEM: what clients must trust.
    pub ca_pem: String,
    /// The server certificate.
    pub leaf_der: CertificateDer<'static>,
    /// The server certificate's key.
    pub leaf_key: PrivateKeyDer<'static>,
    /// The server certificate, PEM.
    pub leaf_pem: String,
    /// Its key, PEM (PKCS#8).
    pub leaf_key_pem: String,
}

impl TestPki {
    /// A fresh CA and a server certificate valid for `names`.
    pub fn new(names: &[&str]) -> Self {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "Tandem test CA");
        ca_params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA cert");
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf_key = KeyPair::generate().expect("leaf key");
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut leaf_params = CertificateParams::new(names.clone()).expect("leaf params");
        leaf_params.distinguished_name.push(DnType::CommonName, names[0].as_str());
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).expect("leaf cert");

        TestPki {
            ca_pem: ca_cert.pem(),
            leaf_der: leaf.der().clone(),
            leaf_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            leaf_pem: leaf.pem(),
            leaf_key_pem: leaf_key.serialize_pem(),
        }
    }

    /// One PKI for the whole test binary, valid for every fixture host and
    /// `secure.test` (key generation is the slow part).
    pub fn shared() -> &'static TestPki {
        static PKI: OnceLock<TestPki> = OnceLock::new();
        PKI.get_or_init(|| {
            // Hosts with an underscore are not DNS names a certificate may hold: http only.
            let mut names: Vec<&str> = FIXTURE_HOSTS.iter().copied().filter(|h| !h.contains('_')).collect();
            names.push("secure.test");
            TestPki::new(&names)
        })
    }

    /// A TLS acceptor with this certificate, offering ALPN h2 and http/1.1.
    pub fn acceptor(&self) -> TlsAcceptor {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![self.leaf_der.clone()], self.leaf_key.clone_key())
            .expect("server cert");
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        TlsAcceptor::from(Arc::new(config))
    }

    /// Writes the CA certificate to `dir` and returns the file's path.
    pub fn write_ca(&self, dir: &Path) -> PathBuf {
        let path = dir.join("test-ca.pem");
        std::fs::write(&path, &self.ca_pem).expect("write CA PEM");
        path
    }
}
