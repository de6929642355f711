//! The pooled upstream HTTP client: settings, TLS setup and request dispatch.
//!
//! Layering, from the socket up:
//! - [`GuardedConnector`] turns a URI into a TCP stream, resolving through the
//!   SSRF guard and enforcing the connect timeout (see `super::connector`).
//! - `hyper_rustls::HttpsConnector` adds TLS for `https` URIs, using the URI
//!   host for SNI and certificate verification (never the resolved IP).
//! - hyper-util's legacy `Client` pools connections per scheme + authority and
//!   speaks HTTP/1.1, or HTTP/2 when ALPN negotiated `h2`.
//!
//! Two clients share one connector configuration: the normal one offers ALPN
//! `h2` + `http/1.1`; the upgrade one offers only `http/1.1`, because
//! WebSocket upgrades (`101 Switching Protocols`) exist only in HTTP/1.1 and
//! `hyper::upgrade::on` needs an HTTP/1.1 connection underneath. Failures are
//! classified into [`UpstreamError`] by `super::error`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use http::{Request, Response, Version};
use hyper::body::Incoming;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use prometheus_client::metrics::counter::Counter;
use rustls::RootCertStore;

use super::connector::GuardedConnector;
use super::error::{Target, UpstreamError, UpstreamSetupError, classify};
use super::resolve::Resolver;

/// How long an idle pooled connection is kept. Servers commonly close idle
/// keep-alive connections after 60–120 s; staying below avoids reusing a
/// connection the server is about to drop.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(55);

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
    /// connecting and the TLS handshake; restarted each time the upstream takes
    /// a piece of the request body, so that an upload is not cut off while it
    /// flows.
    pub response_timeout: Duration,
    /// Counts the requests refused because their host resolves only to forbidden addresses.
    pub ssrf_refusals: Counter,
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
    ssrf_refusals: Counter,
}

impl std::fmt::Debug for UpstreamClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamClient").field("response_timeout", &self.inner.response_timeout).finish_non_exhaustive()
    }
}

impl UpstreamClient {
    /// Builds the client. Fails only on unusable extra root certificates.
    pub fn new(settings: UpstreamSettings) -> Result<Self, UpstreamSetupError> {
        let tls = tls_config(&settings.extra_root_pems)?;
        let connector = GuardedConnector::new(
            Resolver::new(&settings.resolve, settings.allow_private, settings.connect_timeout),
            settings.connect_timeout,
        );

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
                ssrf_refusals: settings.ssrf_refusals,
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
    pub async fn send_upgrade(&self, req: Request<Body>) -> Result<Response<Incoming>, UpstreamError> {
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

        let (progress, mut progressed) = tokio::sync::watch::channel(());
        let req = req.map(|body| Body::new(ProgressBody { inner: body, progress }));
        let timeout = self.inner.response_timeout;
        // The upstream cannot answer before it has the whole request, so the clock
        // restarts whenever it takes a piece of the body (and when the body is gone):
        // a long upload from a slow visitor is not cut off, while an upstream that
        // stops reading, or never answers, still times out.
        let deadline = async {
            loop {
                match tokio::time::timeout(timeout, progressed.changed()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(_body_gone)) => return tokio::time::sleep(timeout).await,
                    Err(_elapsed) => return,
                }
            }
        };
        tokio::select! {
            result = client.request(req) => result.map_err(|err| {
                let err = classify(&err, target);
                tracing::debug!(error = %err, "upstream request failed");
                if matches!(err, UpstreamError::Forbidden { .. }) {
                    self.inner.ssrf_refusals.inc();
                }
                err
            }),
            () = deadline => Err(UpstreamError::ResponseTimeout {
                host: target.host,
                port: target.port,
            }),
        }
    }
}

/// A request body that reports each frame the connection takes from it.
struct ProgressBody {
    inner: Body,
    progress: tokio::sync::watch::Sender<()>,
}

impl http_body::Body for ProgressBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<bytes::Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if polled.is_ready() {
            this.progress.send_replace(());
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
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
    let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    for (index, pem) in extra_root_pems.iter().enumerate() {
        let certs = rustls_pemfile::certs(&mut pem.as_slice())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| UpstreamSetupError::Pem { index, source })?;
        if certs.is_empty() {
            return Err(UpstreamSetupError::NoCertificate { index });
        }
        for cert in certs {
            roots.add(cert).map_err(|source| UpstreamSetupError::BadCertificate { index, source })?;
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
            ssrf_refusals: Counter::default(),
        }
    }

    #[test]
    fn garbage_pem_is_a_clear_error() {
        let mut s = settings();
        s.extra_root_pems = vec![b"not a certificate".to_vec()];
        let err = UpstreamClient::new(s).expect_err("no certificate in input");
        assert!(matches!(err, UpstreamSetupError::NoCertificate { index: 0 }), "{err}");

        let mut s = settings();
        s.extra_root_pems = vec![b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".to_vec()];
        let err = UpstreamClient::new(s).expect_err("bad base64");
        assert!(matches!(err, UpstreamSetupError::Pem { index: 0, .. }), "{err}");

        let mut s = settings();
        s.extra_root_pems = vec![b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec()];
        let err = UpstreamClient::new(s).expect_err("not DER");
        assert!(matches!(err, UpstreamSetupError::BadCertificate { index: 0, .. }), "{err}");
    }

    #[tokio::test]
    async fn non_http_urls_are_rejected_with_the_host() {
        let client = UpstreamClient::new(settings()).expect("client");
        for (uri, host) in [("ftp://files.test/x", "files.test"), ("/relative", "")] {
            let req = Request::builder().uri(uri).body(Body::empty()).expect("request");
            let err = client.send(req).await.expect_err("must fail");
            assert!(matches!(err, UpstreamError::InvalidUri { .. }), "{err}");
            assert_eq!(err.host(), host);
        }
    }
}
