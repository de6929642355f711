//! End-to-end tests of the upstream client against servers started in-test.
//!
//! Everything here talks to loopback only: test servers bind 127.0.0.1:0 and
//! test names are pinned to them through `UpstreamSettings::resolve` or are
//! `*.localhost`. The one failed lookup (`does-not-exist.invalid`) uses a name
//! RFC 6761 reserves to never resolve, which Tandem answers itself: no DNS query
//! leaves the machine. Every wait is bounded by `bounded`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use http::{Request, Response, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tandem::upstream::{UpstreamClient, UpstreamError, UpstreamSettings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::support::SilentServer;
use crate::support::tls::TestPki;

async fn bounded<F: Future>(fut: F) -> F::Output {
    crate::support::bounded("upstream client test step", fut).await
}

fn settings(allow_private: bool) -> UpstreamSettings {
    UpstreamSettings {
        resolve: HashMap::new(),
        allow_private,
        extra_root_pems: Vec::new(),
        connect_timeout: Duration::from_secs(5),
        response_timeout: Duration::from_secs(10),
        ssrf_refusals: Default::default(),
    }
}

fn client(settings: UpstreamSettings) -> UpstreamClient {
    UpstreamClient::new(settings).expect("client builds")
}

fn get(uri: &str) -> Request<Body> {
    Request::builder().uri(uri).body(Body::empty()).expect("valid request")
}

async fn body_text(response: Response<Incoming>) -> String {
    let bytes = bounded(response.into_body().collect()).await.expect("response body").to_bytes();
    String::from_utf8(bytes.to_vec()).expect("utf-8 body")
}

/// Test handler: reports what it saw, so tests can check what arrived.
async fn report(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let host = req.headers().get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("").to_owned();
    let authority = req.uri().authority().map(|a| a.to_string()).unwrap_or_default();
    let version = format!("{:?}", req.version());
    let path = req.uri().path().to_owned();
    let body = match req.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::from_static(b"<body error>"),
    };
    let text = format!(
        "path={path} host={host} authority={authority} version={version} body={}",
        String::from_utf8_lossy(&body)
    );
    Ok(Response::new(Full::new(Bytes::from(text))))
}

/// A plain HTTP/1.1 server on 127.0.0.1; returns its address and a counter of
/// accepted TCP connections.
async fn http1_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service_fn(report))
                    .await;
            });
        }
    });
    (addr, accepted)
}

// ---------------------------------------------------------------- plain HTTP

#[tokio::test]
async fn plain_http_to_loopback_with_allow_private() {
    let (addr, _) = http1_server().await;
    let client = client(settings(true));
    let response =
        bounded(client.send(get(&format!("http://127.0.0.1:{}/hi", addr.port())))).await.expect("request succeeds");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.version(), Version::HTTP_11);
    let text = body_text(response).await;
    assert!(text.starts_with("path=/hi "), "{text}");
    assert!(text.contains(&format!("host=127.0.0.1:{}", addr.port())), "{text}");
}

#[tokio::test]
async fn plain_http_to_loopback_is_forbidden_by_default() {
    let (addr, accepted) = http1_server().await;
    let client = client(settings(false));
    let err = bounded(client.send(get(&format!("http://127.0.0.1:{}/", addr.port()))))
        .await
        .expect_err("loopback must be refused");
    match &err {
        UpstreamError::Forbidden { host, port, addr: ip } => {
            assert_eq!(host, "127.0.0.1");
            assert_eq!(*port, addr.port());
            assert_eq!(*ip, addr.ip());
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    assert_eq!(err.host(), "127.0.0.1");
    assert!(!err.is_timeout());
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "no connection may be made");

    // Same for names that resolve to loopback.
    for uri in [
        format!("http://localhost:{}/", addr.port()),
        format!("http://[::1]:{}/", addr.port()),
        format!("http://x.localhost:{}/", addr.port()),
    ] {
        let err = bounded(client.send(get(&uri))).await.expect_err("refused");
        assert!(matches!(err, UpstreamError::Forbidden { .. }), "{uri}: {err:?}");
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn override_name_is_used_and_its_port_applies() {
    let (addr, _) = http1_server().await;
    let mut s = settings(true);
    s.resolve.insert("shop.test".into(), addr);
    let client = client(s);

    // No port in the URL: the override's port is used; Host stays the URL's.
    let response = bounded(client.send(get("http://shop.test/cart"))).await.expect("override works");
    let text = body_text(response).await;
    assert!(text.contains("path=/cart host=shop.test "), "{text}");

    // Explicit port in the URL wins over the override's port.
    let err = bounded(client.send(get("http://shop.test:1/"))).await.expect_err("port 1 is closed");
    assert_eq!(err.host(), "shop.test");
    assert_eq!(err.port(), 1);
}

#[tokio::test]
async fn any_localhost_subdomain_reaches_loopback() {
    let (addr, _) = http1_server().await;
    let client = client(settings(true));
    let uri = format!("http://anything.localhost:{}/x", addr.port());
    let response = bounded(client.send(get(&uri))).await.expect("localhost works");
    let text = body_text(response).await;
    assert!(text.contains(&format!("host=anything.localhost:{}", addr.port())), "{text}");
}

/// Request body fed from a channel, so it is streamed in separate chunks
/// with no known length.
struct ChannelBody(mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|chunk| chunk.map(|bytes| Ok(Frame::data(bytes))))
    }
}

#[tokio::test]
async fn streamed_request_body_arrives_complete() {
    let (addr, _) = http1_server().await;
    let client = client(settings(true));
    let (tx, rx) = mpsc::channel::<Bytes>(1);
    let request = Request::builder()
        .method("POST")
        .uri(format!("http://127.0.0.1:{}/upload", addr.port()))
        .body(Body::new(ChannelBody(rx)))
        .expect("request");

    let chunks = ["alpha-", "beta-", "gamma-", "delta-", "omega"];
    let producer = tokio::spawn(async move {
        for chunk in chunks {
            // Capacity 1: each send waits until the client has taken the
            // previous chunk, so the body really is produced incrementally.
            tx.send(Bytes::from_static(chunk.as_bytes())).await.expect("client reads the body");
            tokio::task::yield_now().await;
        }
    });

    let response = bounded(client.send(request)).await.expect("upload works");
    let text = body_text(response).await;
    bounded(producer).await.expect("producer finished");
    assert!(text.ends_with("body=alpha-beta-gamma-delta-omega"), "{text}");
}

// ---------------------------------------------------------------- failures

#[tokio::test]
async fn closed_port_is_refused_and_names_the_host() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let closed = listener.local_addr().expect("addr");
    drop(listener);

    let mut s = settings(true);
    s.resolve.insert("closed.test".into(), closed);
    let client = client(s);

    let err = bounded(client.send(get("http://closed.test/"))).await.expect_err("nothing listens");
    match &err {
        UpstreamError::Refused { host, port, addr } => {
            assert_eq!(host, "closed.test");
            assert_eq!(*port, 80, "the URL's port is what the page shows");
            assert_eq!(*addr, closed);
        }
        other => panic!("expected Refused, got {other:?}"),
    }
    assert!(err.to_string().contains("closed.test"), "{err}");

    let err =
        bounded(client.send(get(&format!("http://127.0.0.1:{}/", closed.port())))).await.expect_err("nothing listens");
    assert!(matches!(err, UpstreamError::Refused { .. }), "{err:?}");
    assert_eq!(err.host(), "127.0.0.1");
}

#[tokio::test]
async fn unresolvable_name_is_a_dns_error() {
    let client = client(settings(false));
    let err = bounded(client.send(get("http://does-not-exist.invalid/"))).await.expect_err("must not resolve");
    assert!(matches!(err, UpstreamError::Dns { .. }), "{err:?}");
    assert_eq!(err.host(), "does-not-exist.invalid");
    assert!(err.to_string().contains("does-not-exist.invalid"), "{err}");
}

#[tokio::test]
async fn silent_server_hits_the_response_timeout() {
    let silent = SilentServer::start().await;
    let addr = silent.addr;

    let mut s = settings(true);
    s.response_timeout = Duration::from_millis(500);
    let client = client(s);

    let started = Instant::now();
    let err = bounded(client.send(get(&format!("http://127.0.0.1:{}/", addr.port()))))
        .await
        .expect_err("server never answers");
    let elapsed = started.elapsed();
    assert!(matches!(err, UpstreamError::ResponseTimeout { .. }), "{err:?}");
    assert!(err.is_timeout());
    assert_eq!(err.host(), "127.0.0.1");
    assert!(elapsed >= Duration::from_millis(450), "fired early: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "fired late: {elapsed:?}");
}

// ---------------------------------------------------------------- upgrades

/// Answers an Upgrade request with 101, then echoes bytes on the raw stream.
async fn upgrade_echo(mut req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let wants_upgrade = req.headers().get(http::header::UPGRADE).is_some_and(|v| v == "echo");
    if !wants_upgrade {
        let mut response = Response::new(Full::new(Bytes::from_static(b"upgrade required")));
        *response.status_mut() = StatusCode::UPGRADE_REQUIRED;
        return Ok(response);
    }
    tokio::spawn(async move {
        if let Ok(upgraded) = hyper::upgrade::on(&mut req).await {
            let mut io = TokioIo::new(upgraded);
            let mut buf = [0u8; 1024];
            while let Ok(n) = io.read(&mut buf).await {
                if n == 0 || io.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }
    });
    let response = Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(http::header::CONNECTION, "upgrade")
        .header(http::header::UPGRADE, "echo")
        .body(Full::new(Bytes::new()))
        .expect("response");
    Ok(response)
}

#[tokio::test]
async fn send_upgrade_yields_an_echoing_stream() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service_fn(upgrade_echo))
                    .with_upgrades()
                    .await;
            });
        }
    });

    let client = client(settings(true));
    let request = Request::builder()
        .uri(format!("http://ws.localhost:{}/socket", addr.port()))
        .header(http::header::CONNECTION, "upgrade")
        .header(http::header::UPGRADE, "echo")
        .body(Body::empty())
        .expect("request");
    let response = bounded(client.send_upgrade(request)).await.expect("upgrade request succeeds");
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);

    let upgraded = bounded(hyper::upgrade::on(response)).await.expect("connection upgrades");
    let mut io = TokioIo::new(upgraded);
    for message in [&b"ping"[..], b"second message"] {
        bounded(io.write_all(message)).await.expect("write");
        let mut echoed = vec![0u8; message.len()];
        bounded(io.read_exact(&mut echoed)).await.expect("read echo");
        assert_eq!(echoed, message);
    }
}

// ---------------------------------------------------------------- HTTPS

/// A throwaway CA and a `secure.test` server certificate signed by it.
fn test_pki() -> TestPki {
    TestPki::new(&["secure.test"])
}

/// TLS server for `secure.test` offering ALPN h2 + http/1.1, serving both
/// versions with hyper-util's auto builder. Returns its address and a counter
/// of accepted TCP connections.
async fn https_server(pki: &TestPki) -> (SocketAddr, Arc<AtomicUsize>) {
    let acceptor = pki.acceptor();

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service_fn(report))
                    .await;
            });
        }
    });
    (addr, accepted)
}

fn https_settings(addr: SocketAddr, pki: Option<&TestPki>) -> UpstreamSettings {
    let mut s = settings(true);
    s.resolve.insert("secure.test".into(), addr);
    if let Some(pki) = pki {
        s.extra_root_pems = vec![pki.ca_pem.clone().into_bytes()];
    }
    s
}

#[tokio::test]
async fn https_with_extra_root_negotiates_http2_and_pools() {
    let pki = test_pki();
    let (addr, accepted) = https_server(&pki).await;
    let client = client(https_settings(addr, Some(&pki)));

    for path in ["/one", "/two"] {
        let response =
            bounded(client.send(get(&format!("https://secure.test{path}")))).await.expect("https request succeeds");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.version(), Version::HTTP_2);
        let text = body_text(response).await;
        assert!(text.starts_with(&format!("path={path} ")), "{text}");
        assert!(text.contains("version=HTTP/2.0"), "{text}");
        assert!(text.contains("authority=secure.test"), "{text}");
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "the second request must reuse the pooled HTTP/2 connection");
}

#[tokio::test]
async fn https_without_the_extra_root_is_a_tls_error() {
    let pki = test_pki();
    let (addr, _) = https_server(&pki).await;
    let client = client(https_settings(addr, None));
    let err = bounded(client.send(get("https://secure.test/"))).await.expect_err("untrusted certificate");
    match &err {
        UpstreamError::Tls { host, port, detail } => {
            assert_eq!(host, "secure.test");
            assert_eq!(*port, 443);
            assert!(detail.contains("certificate"), "{detail}");
        }
        other => panic!("expected Tls, got {other:?}"),
    }
}

#[tokio::test]
async fn https_with_wrong_name_is_a_tls_error() {
    // The certificate is for secure.test; reaching the same server as
    // other.test must fail verification (the URI host drives verification).
    let pki = test_pki();
    let (addr, _) = https_server(&pki).await;
    let mut s = https_settings(addr, Some(&pki));
    s.resolve.insert("other.test".into(), addr);
    let client = client(s);
    let err = bounded(client.send(get("https://other.test/"))).await.expect_err("name mismatch");
    assert!(matches!(err, UpstreamError::Tls { .. }), "{err:?}");
    assert_eq!(err.host(), "other.test");
}

#[tokio::test]
async fn send_upgrade_over_https_stays_on_http1() {
    let pki = test_pki();
    let (addr, _) = https_server(&pki).await;
    let client = client(https_settings(addr, Some(&pki)));
    let response = bounded(client.send_upgrade(get("https://secure.test/ws"))).await.expect("https request succeeds");
    assert_eq!(response.version(), Version::HTTP_11);
    let text = body_text(response).await;
    assert!(text.contains("version=HTTP/1.1"), "{text}");
}
