//! Tandem serving https itself: a certificate for its own names from a test CA, and a
//! client that trusts that CA and speaks HTTP/2 or HTTP/1.1 as ALPN decides, connected
//! to Tandem's address whatever name it asks for (as Chromium does with `*.localhost`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use http::{HeaderValue, Request, Response, Uri, header};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tandem::config::Config;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::tls::TestPki;
use super::{ZONE, bounded};

/// The names Tandem's own certificate holds: the control origin's and the zone's.
pub const TANDEM_NAMES: [&str; 3] = ["localhost", ZONE, "*.proxy.localhost"];

/// One PKI for Tandem's own names, for the whole test binary.
pub fn tandem_pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::new(&TANDEM_NAMES))
}

/// Writes `pki`'s certificate and key into `dir` as `<stem>.pem` and `<stem>.key`.
pub fn write_pair(pki: &TestPki, dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join(format!("{stem}.pem")), dir.join(format!("{stem}.key")));
    std::fs::write(&cert, &pki.leaf_pem).expect("write the certificate");
    std::fs::write(&key, &pki.leaf_key_pem).expect("write the key");
    (cert, key)
}

/// Turns `config` to https with [`tandem_pki`]'s certificate (files in `dir`), both
/// origins https on their ports.
pub fn serve_tls(config: &mut Config, dir: &Path) {
    let (cert, key) = write_pair(tandem_pki(), dir, "tandem");
    config.tls_cert = Some(cert);
    config.tls_key = Some(key);
    for origin in [&mut config.control_origin, &mut config.content_origin] {
        origin.set_scheme("https").expect("http origins can be https");
    }
}

/// A client trusting the CAs of `ca_pems`, offering h2 and http/1.1.
pub fn client_config(ca_pems: &[&str]) -> Arc<ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for pem in ca_pems {
        for cert in rustls_pemfile::certs(&mut pem.as_bytes()) {
            roots.add(cert.expect("CA PEM")).expect("CA certificate");
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Arc::new(config)
}

/// The TLS connection a client gets from `addr` for the URL's host, and what ALPN chose.
pub async fn connect(
    addr: SocketAddr,
    client: &Arc<ClientConfig>,
    url: &Uri,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let host = url.host().expect("absolute URL").to_owned();
    let name = ServerName::try_from(host).expect("a DNS name");
    let tcp = bounded("connect to Tandem", TcpStream::connect(addr)).await.expect("connect to Tandem");
    bounded("TLS handshake", TlsConnector::from(client.clone()).connect(name, tcp)).await.expect("TLS handshake")
}

/// Sends `request` (absolute https URL) over a fresh TLS connection to `addr`, in
/// HTTP/2 when ALPN chose it, and returns the response once its head arrived.
pub async fn open(addr: SocketAddr, client: &Arc<ClientConfig>, request: Request<Body>) -> Response<Incoming> {
    let description = format!("{} {}", request.method(), request.uri());
    let tls = connect(addr, client, request.uri()).await;
    let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
    let io = TokioIo::new(tls);
    let sent = if h2 {
        let (mut sender, connection) =
            bounded("HTTP/2 handshake", hyper::client::conn::http2::handshake(TokioExecutor::new(), io))
                .await
                .expect("HTTP/2 handshake");
        tokio::spawn(connection);
        bounded(&description, sender.send_request(request)).await
    } else {
        let (mut parts, body) = request.into_parts();
        let authority = parts.uri.authority().expect("absolute URL").to_string();
        parts.headers.entry(header::HOST).or_insert(HeaderValue::from_str(&authority).expect("host"));
        parts.uri = parts.uri.path_and_query().map_or("/", |p| p.as_str()).parse().expect("origin form");
        let (mut sender, connection) =
            bounded("HTTP/1.1 handshake", hyper::client::conn::http1::handshake(io)).await.expect("handshake");
        tokio::spawn(connection);
        bounded(&description, sender.send_request(Request::from_parts(parts, body))).await
    };
    sent.unwrap_or_else(|e| panic!("{description}: {e}"))
}

/// What Chromium's own connections looked like: each proxied response over HTTP/2, and
/// the responses of each label over one connection.
pub fn assert_one_http2_connection_per_label(result: &serde_json::Value) {
    let mut connections: std::collections::BTreeMap<String, std::collections::BTreeSet<u64>> = Default::default();
    for entry in result["network"].as_array().expect("the network record") {
        let url = url::Url::parse(entry["url"].as_str().expect("url")).expect("a URL");
        let host = url.host_str().expect("host").to_owned();
        if !host.ends_with(ZONE) {
            continue;
        }
        assert_eq!(entry["protocol"], "h2", "{entry}");
        connections.entry(host).or_default().insert(entry["connection"].as_u64().expect("connection id"));
    }
    assert!(!connections.is_empty(), "{result:#}");
    for (host, ids) in &connections {
        assert_eq!(ids.len(), 1, "{host} was served over {} connections: {result:#}", ids.len());
    }
}
