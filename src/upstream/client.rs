//! The pooled upstream HTTP client and its guarded TCP connector.
//!
//! Layering, from the socket up:
//! - [`GuardedConnector`] turns a URI into a TCP stream: it resolves the host
//!   through [`Resolver`] (overrides, `*.localhost`, literals, system DNS, then
//!   the SSRF guard) and connects to the surviving addresses in order, under
//!   the connect timeout. Nothing else in the stack resolves names, so the
//!   guard sees every address we ever connect to.
//! - `hyper_rustls::HttpsConnector` adds TLS for `https` URIs, using the URI
//!   host for SNI and certificate verification (never the resolved IP).
//! - hyper-util's legacy `Client` pools connections per scheme + authority and
//!   speaks HTTP/1.1, or HTTP/2 when ALPN negotiated `h2`.
//!
//! Two clients share one connector configuration: the normal one offers ALPN
//! `h2` + `http/1.1`; the upgrade one offers only `http/1.1`, because
//! WebSocket upgrades (`101 Switching Protocols`) exist only in HTTP/1.1 and
//! `hyper::upgrade::on` needs an HTTP/1.1 connection underneath.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use http::{Request, Response, Uri, Version};
use hyper::body::Incoming;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls::RootCertStore;
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::resolve::{ResolveError, Resolver};

/// How long an idle pooled connection is kept. Servers commonly close idle
/// keep-alive connections after 60–120 s; staying below avoids reusing a
/// connection the server is about to drop.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(55);

/// Bound on how deep we follow error `source()` chains while classifying, in
/// case some error type ever reports itself as its own source.
const MAX_ERROR_DEPTH: usize = 32;

/// Configuration for [`UpstreamClient`].
#[derive(Debug, Clone)]
pub struct UpstreamSettings {
    /// Host overrides, e.g. "shop.test" -> 127.0.0.1:9001. The override's port is used when the URL has no explicit port.
    pub resolve: HashMap<String, SocketAddr>,
    /// When false, loopback/private/link-local/CGNAT/unique-local/unspecified/multicast/broadcast/documentation addresses are refused after resolution.
    pub allow_private: bool,
    /// Extra trusted roots in addition to webpki-roots (PEM file contents already read by the caller).
    pub extra_root_pems: Vec<Vec<u8>>,
    /// Time allowed for the TCP connection to be established (shared between
    /// the addresses a name resolves to). Also bounds a system DNS lookup.
    pub connect_timeout: Duration,
    /// Time allowed until response headers arrive.
    ///
    /// Measured from the call to `send`, so it includes name resolution,
    /// connecting and the TLS handshake.
    pub response_timeout: Duration,
}

/// Why [`UpstreamClient::new`] could not build a client.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamSetupError {
    /// An extra root PEM could not be parsed.
    #[error("extra root certificate file #{index}: invalid PEM: {source}")]
    Pem {
        /// Position in `UpstreamSettings::extra_root_pems`.
        index: usize,
        /// The parser's complaint.
        source: io::Error,
    },
    /// An extra root PEM held no `CERTIFICATE` block (e.g. a key file was given).
    #[error("extra root certificate file #{index}: no CERTIFICATE block found")]
    NoCertificate {
        /// Position in `UpstreamSettings::extra_root_pems`.
        index: usize,
    },
    /// A certificate in an extra root PEM is not usable as a trust anchor.
    #[error("extra root certificate file #{index}: unusable certificate: {source}")]
    BadCertificate {
        /// Position in `UpstreamSettings::extra_root_pems`.
        index: usize,
        /// Why rustls rejected it.
        source: rustls::Error,
    },
    /// rustls refused the TLS configuration itself.
    #[error("TLS configuration: {0}")]
    Tls(#[source] rustls::Error),
}

/// A failed upstream request, classified for the visitor-facing error page.
///
/// Every variant carries the upstream `host` (as written in the URL; IPv6
/// literals keep their brackets) and `port` (explicit, or the scheme default).
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The request URL cannot be fetched at all (not http/https, no host).
    #[error("cannot fetch {host}:{port}: {reason}")]
    InvalidUri {
        /// Upstream host (may be empty when the URL has none).
        host: String,
        /// Upstream port (0 when unknown).
        port: u16,
        /// What is wrong with the URL.
        reason: &'static str,
    },
    /// The host name could not be resolved.
    #[error("could not resolve {host}: {detail}")]
    Dns {
        /// Upstream host.
        host: String,
        /// Upstream port.
        port: u16,
        /// The resolver's message.
        detail: String,
    },
    /// The host resolved only to addresses the SSRF policy refuses.
    #[error("{host}:{port} resolves to {addr}, which this proxy may not connect to")]
    Forbidden {
        /// Upstream host.
        host: String,
        /// Upstream port.
        port: u16,
        /// The first refused address.
        addr: IpAddr,
    },
    /// The upstream actively refused the TCP connection.
    #[error("{host}:{port} refused the connection ({addr})")]
    Refused {
        /// Upstream host.
        host: String,
        /// Upstream port.
        port: u16,
        /// The address that refused.
        addr: SocketAddr,
    },
    /// The TCP connection failed for another reason (unreachable, reset, ...).
    #[error("could not connect to {host}:{port}: {detail}")]
    Connect {
        /// Upstream host.
        host: String,
        /// Upstream port.
        port: u16,
        /// The OS error.
        detail: String,
    },
    /// The TLS handshake failed (untrusted or mismatched certificate, no
    /// common protocol version, server closed during the handshake, ...).
    #[error("TLS with {host}:{port} failed: {detail}")]
    Tls {
        /// Upstream host.
        host: String,
        /// Upstream port.
        port: u16,
        /// rustls' description when available.
        detail: String,
    },
    /// No TCP connection could be established within the connect timeout.
    #[error("connecting to {host}:{port} timed out")]
    ConnectTimeout {
        /// Upstream host.
        host: String,
        /// Upstream port.
        port: u16,
    },
    /// Response headers did not arrive within the response timeout.
    #[error("{host}:{port} did not respond in time")]
    ResponseTimeout {
        /// Upstream host.
        host: String,
        /// Upstream port.
        port: u16,
    },
    /// Anything else hyper reported (connection closed early, malformed
    /// response, HTTP/2 stream reset, ...).
    #[error("HTTP exchange with {host}:{port} failed: {detail}")]
    Protocol {
        /// Upstream host.
        host: String,
        /// Upstream port.
        port: u16,
        /// The error chain, most general first.
        detail: String,
    },
}

impl UpstreamError {
    /// True for [`ConnectTimeout`](Self::ConnectTimeout) and
    /// [`ResponseTimeout`](Self::ResponseTimeout) (a 504 rather than a 502).
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            Self::ConnectTimeout { .. } | Self::ResponseTimeout { .. }
        )
    }

    /// The upstream host the failed request was addressed to.
    pub fn host(&self) -> &str {
        let (host, _) = self.host_port();
        host
    }

    /// The upstream port the failed request was addressed to.
    pub fn port(&self) -> u16 {
        let (_, port) = self.host_port();
        port
    }

    fn host_port(&self) -> (&str, u16) {
        match self {
            Self::InvalidUri { host, port, .. }
            | Self::Dns { host, port, .. }
            | Self::Forbidden { host, port, .. }
            | Self::Refused { host, port, .. }
            | Self::Connect { host, port, .. }
            | Self::Tls { host, port, .. }
            | Self::ConnectTimeout { host, port }
            | Self::ResponseTimeout { host, port }
            | Self::Protocol { host, port, .. } => (host, *port),
        }
    }
}

type HyperClient = Client<HttpsConnector<GuardedConnector>, Body>;

/// Pooled HTTP/1.1 + HTTP/2 client for fetching third-party sites, with SSRF
/// protection applied to every resolved address. Cheap to clone.
#[derive(Clone)]
pub struct UpstreamClient {
    inner: Arc<Inner>,
}

struct Inner {
    /// ALPN h2 + http/1.1.
    client: HyperClient,
    /// ALPN http/1.1 only, for requests that may be answered with 101.
    upgrade_client: HyperClient,
    response_timeout: Duration,
}

impl std::fmt::Debug for UpstreamClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamClient")
            .field("response_timeout", &self.inner.response_timeout)
            .finish_non_exhaustive()
    }
}

impl UpstreamClient {
    /// Builds the client. Fails only on unusable extra root certificates.
    pub fn new(settings: UpstreamSettings) -> Result<Self, UpstreamSetupError> {
        let tls = tls_config(&settings.extra_root_pems)?;
        let connector = GuardedConnector {
            resolver: Arc::new(Resolver::new(
                &settings.resolve,
                settings.allow_private,
                settings.connect_timeout,
            )),
            connect_timeout: settings.connect_timeout,
        };

        // The builder sets ALPN itself (and insists it starts empty).
        let normal = HttpsConnectorBuilder::new()
            .with_tls_config(tls.clone())
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(connector.clone());

        // The builder offers no "ALPN http/1.1 only" setting (HTTP/1-only
        // means no ALPN at all there); offering http/1.1 explicitly keeps
        // servers that select protocols by ALPN from picking anything else.
        let mut upgrade_tls = tls;
        upgrade_tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let upgrade = HttpsConnector::from((connector, upgrade_tls));

        Ok(Self {
            inner: Arc::new(Inner {
                client: hyper_client(normal),
                upgrade_client: hyper_client(upgrade),
                response_timeout: settings.response_timeout,
            }),
        })
    }

    /// Pooled; HTTP/1.1 and HTTP/2 (ALPN h2 + http/1.1 for https; http/1.1 for plain http).
    ///
    /// The request URI must be absolute (`http://` or `https://`). The
    /// request's HTTP version is ignored: the version spoken upstream is chosen
    /// per connection, independently of how the visitor reached the proxy.
    /// On HTTP/1.1 a `Host` header is derived from the URI only when the
    /// request has none, so callers should drop the visitor's `Host`.
    pub async fn send(&self, req: Request<Body>) -> Result<Response<Incoming>, UpstreamError> {
        self.dispatch(&self.inner.client, req).await
    }

    /// For WebSocket upgrades: same, but HTTP/1.1 only (ALPN http/1.1), so `hyper::upgrade::on(response)` works after a 101.
    pub async fn send_upgrade(
        &self,
        req: Request<Body>,
    ) -> Result<Response<Incoming>, UpstreamError> {
        self.dispatch(&self.inner.upgrade_client, req).await
    }

    async fn dispatch(
        &self,
        client: &HyperClient,
        mut req: Request<Body>,
    ) -> Result<Response<Incoming>, UpstreamError> {
        let target = Target::of(req.uri())?;
        // hyper-util rejects an HTTP/2 request on an HTTP/1 connection and
        // HTTP/1.0 would disable keep-alive; HTTP/1.1 lets it pick per connection.
        *req.version_mut() = Version::HTTP_11;

        match tokio::time::timeout(self.inner.response_timeout, client.request(req)).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(err)) => {
                let err = classify(&err, target);
                tracing::debug!(error = %err, "upstream request failed");
                Err(err)
            }
            Err(_elapsed) => Err(UpstreamError::ResponseTimeout {
                host: target.host,
                port: target.port,
            }),
        }
    }
}

fn hyper_client(connector: HttpsConnector<GuardedConnector>) -> HyperClient {
    Client::builder(TokioExecutor::new())
        // Without a pool timer idle connections are never expired.
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .build(connector)
}

/// rustls client configuration trusting webpki-roots plus the extra PEMs.
/// ALPN is left empty; each connector sets its own.
fn tls_config(extra_root_pems: &[Vec<u8>]) -> Result<rustls::ClientConfig, UpstreamSetupError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for (index, pem) in extra_root_pems.iter().enumerate() {
        let certs = rustls_pemfile::certs(&mut pem.as_slice())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| UpstreamSetupError::Pem { index, source })?;
        if certs.is_empty() {
            return Err(UpstreamSetupError::NoCertificate { index });
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|source| UpstreamSetupError::BadCertificate { index, source })?;
        }
    }
    // An explicit provider, so we never depend on (or panic over) the
    // process-wide default crypto provider.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(UpstreamSetupError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Host and port a request is addressed to, captured before sending so that
/// every error can name them.
struct Target {
    host: String,
    port: u16,
}

impl Target {
    fn of(uri: &Uri) -> Result<Self, UpstreamError> {
        let host = uri.host().unwrap_or_default().to_owned();
        let default_port = default_port(uri);
        let port = uri.port_u16().or(default_port).unwrap_or(0);
        let invalid = |host, reason| Err(UpstreamError::InvalidUri { host, port, reason });
        if default_port.is_none() {
            return invalid(host, "only http and https URLs can be fetched");
        }
        if host.is_empty() {
            return invalid(host, "the URL has no host");
        }
        Ok(Self { host, port })
    }
}

/// 80/443 for http/https, None for anything else (including no scheme).
fn default_port(uri: &Uri) -> Option<u16> {
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") => Some(443),
        Some(s) if s.eq_ignore_ascii_case("http") => Some(80),
        _ => None,
    }
}

/// Maps a hyper-util client error to an [`UpstreamError`] by looking for our
/// connector's error, then rustls', anywhere in the source chain.
fn classify(err: &hyper_util::client::legacy::Error, target: Target) -> UpstreamError {
    let Target { host, port } = target;
    let detail = describe(err);

    if let Some(connect_err) = find_in_chain::<ConnectError>(err) {
        return match connect_err {
            ConnectError::Resolve(ResolveError::Dns(e)) => UpstreamError::Dns {
                host,
                port,
                detail: e.to_string(),
            },
            ConnectError::Resolve(ResolveError::Forbidden { addr }) => UpstreamError::Forbidden {
                host,
                port,
                addr: *addr,
            },
            ConnectError::Refused { addr, .. } => UpstreamError::Refused {
                host,
                port,
                addr: *addr,
            },
            ConnectError::Timeout => UpstreamError::ConnectTimeout { host, port },
            ConnectError::NoHost | ConnectError::Io { .. } => {
                UpstreamError::Connect { host, port, detail }
            }
        };
    }
    if let Some(tls_err) = find_in_chain::<rustls::Error>(err) {
        return UpstreamError::Tls {
            host,
            port,
            detail: tls_err.to_string(),
        };
    }
    if err.is_connect() {
        // The connect phase is our connector (handled above) plus the TLS
        // layer; URIs it would reject (bad scheme) never get this far. So a
        // connect error without our type in it is a handshake failure that
        // is not a rustls::Error, e.g. EOF mid-handshake or an invalid SNI name.
        return UpstreamError::Tls { host, port, detail };
    }
    UpstreamError::Protocol { host, port, detail }
}

/// Iterates an error and its causes.
///
/// `io::Error::source()` skips the error it wraps (it returns the *wrapped
/// error's* source), and hyper-rustls wraps rustls errors in `io::Error`
/// twice; so for `io::Error` we step into `get_ref()` instead.
fn error_chain<'a>(
    top: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(top), |&err: &&'a (dyn StdError + 'static)| {
        if let Some(inner) = err
            .downcast_ref::<io::Error>()
            .and_then(|io_err| io_err.get_ref())
        {
            return Some(inner as &(dyn StdError + 'static));
        }
        err.source()
    })
    .take(MAX_ERROR_DEPTH)
}

fn find_in_chain<'a, T: StdError + 'static>(top: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    error_chain(top).find_map(|err| err.downcast_ref::<T>())
}

/// Human-readable cause: the chain below hyper-util's generic wrapper,
/// joined with ": ", with the repeats that io::Error wrapping produces removed.
fn describe(err: &hyper_util::client::legacy::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error_chain(err).skip(1) {
        let text = cause.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
    }
    if parts.is_empty() {
        err.to_string()
    } else {
        parts.join(": ")
    }
}

/// Why [`GuardedConnector`] produced no stream.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectError {
    #[error("URI has no host")]
    NoHost,
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error("connection to {addr} refused")]
    Refused { addr: SocketAddr, source: io::Error },
    #[error("connecting to {addr}: {source}")]
    Io { addr: SocketAddr, source: io::Error },
    #[error("connect timed out")]
    Timeout,
}

/// TCP connector that resolves through [`Resolver`] (and so the SSRF guard)
/// and enforces the connect timeout.
#[derive(Clone, Debug)]
pub(crate) struct GuardedConnector {
    resolver: Arc<Resolver>,
    connect_timeout: Duration,
}

impl GuardedConnector {
    async fn connect(self, uri: Uri) -> Result<TokioIo<TcpStream>, ConnectError> {
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or(ConnectError::NoHost)?;
        let addrs = self
            .resolver
            .resolve(host, uri.port_u16(), default_port(&uri).unwrap_or(80))
            .await?;

        // One budget for all addresses, split evenly among those left, so a
        // black-holed first address cannot starve the others; time it does
        // not use carries over to the next ones.
        // checked_add: an absurdly large configured timeout means "no
        // deadline", not an overflow panic.
        let deadline = Instant::now().checked_add(self.connect_timeout);
        let mut first_error = None;
        for (index, addr) in addrs.iter().enumerate() {
            let remaining = deadline.map_or(self.connect_timeout, |deadline| {
                deadline.saturating_duration_since(Instant::now())
            });
            if remaining.is_zero() {
                break;
            }
            let left = u32::try_from(addrs.len() - index).unwrap_or(u32::MAX);
            match tokio::time::timeout(remaining / left, TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => {
                    // Latency optimisation only; a failure here is harmless.
                    let _ = stream.set_nodelay(true);
                    return Ok(TokioIo::new(stream));
                }
                Ok(Err(source)) => {
                    tracing::debug!(host, %addr, error = %source, "upstream connect failed");
                    // Report the first real failure: with `localhost` that is
                    // 127.0.0.1, the address people expect to see.
                    first_error.get_or_insert(
                        if source.kind() == io::ErrorKind::ConnectionRefused {
                            ConnectError::Refused {
                                addr: *addr,
                                source,
                            }
                        } else {
                            ConnectError::Io {
                                addr: *addr,
                                source,
                            }
                        },
                    );
                }
                Err(_elapsed) => {
                    tracing::debug!(host, %addr, "upstream connect timed out");
                }
            }
        }
        Err(first_error.unwrap_or(ConnectError::Timeout))
    }
}

impl tower_service::Service<Uri> for GuardedConnector {
    type Response = TokioIo<TcpStream>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // No internal capacity limit: each call is an independent connect.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        Box::pin(self.clone().connect(uri))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> UpstreamSettings {
        UpstreamSettings {
            resolve: HashMap::new(),
            allow_private: false,
            extra_root_pems: Vec::new(),
            connect_timeout: Duration::from_secs(1),
            response_timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn garbage_pem_is_a_clear_error() {
        let mut s = settings();
        s.extra_root_pems = vec![b"not a certificate".to_vec()];
        let err = UpstreamClient::new(s).expect_err("no certificate in input");
        assert!(
            matches!(err, UpstreamSetupError::NoCertificate { index: 0 }),
            "{err}"
        );

        let mut s = settings();
        s.extra_root_pems =
            vec![b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".to_vec()];
        let err = UpstreamClient::new(s).expect_err("bad base64");
        assert!(
            matches!(err, UpstreamSetupError::Pem { index: 0, .. }),
            "{err}"
        );

        let mut s = settings();
        s.extra_root_pems =
            vec![b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec()];
        let err = UpstreamClient::new(s).expect_err("not DER");
        assert!(
            matches!(err, UpstreamSetupError::BadCertificate { index: 0, .. }),
            "{err}"
        );
    }

    #[tokio::test]
    async fn non_http_urls_are_rejected_with_the_host() {
        let client = UpstreamClient::new(settings()).expect("client");
        for (uri, host) in [("ftp://files.test/x", "files.test"), ("/relative", "")] {
            let req = Request::builder()
                .uri(uri)
                .body(Body::empty())
                .expect("request");
            let err = client.send(req).await.expect_err("must fail");
            assert!(matches!(err, UpstreamError::InvalidUri { .. }), "{err}");
            assert_eq!(err.host(), host);
        }
    }

    #[tokio::test]
    async fn connector_survives_huge_timeouts_and_reports_refusal() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let connector = GuardedConnector {
            resolver: Arc::new(Resolver::new(&HashMap::new(), true, Duration::MAX)),
            connect_timeout: Duration::MAX,
        };
        let uri: Uri = format!("http://127.0.0.1:{}/", addr.port())
            .parse()
            .expect("uri");
        connector
            .clone()
            .connect(uri.clone())
            .await
            .expect("connects");

        drop(listener);
        let err = connector.connect(uri).await.expect_err("closed port");
        assert!(
            matches!(err, ConnectError::Refused { addr: a, .. } if a == addr),
            "{err}"
        );
    }

    #[test]
    fn io_wrapped_errors_are_found() {
        // hyper-rustls shape: io::Error::other(io::Error::new(kind, rustls::Error)).
        let inner = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::General("boom".into()),
        );
        let outer = io::Error::other(inner);
        let found = find_in_chain::<rustls::Error>(&outer);
        assert!(matches!(found, Some(rustls::Error::General(m)) if m == "boom"));
    }
}
