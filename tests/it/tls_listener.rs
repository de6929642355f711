//! Tandem serving https itself: HTTP/2 and HTTP/1.1 by ALPN, WebSockets over both,
//! certificates by SNI, renewed certificate files served without a restart and without
//! dropping open connections, and the plain listener that only redirects to https.

use std::time::Duration;

use axum::body::Body;
use futures_util::{SinkExt, StreamExt};
use http::{HeaderValue, Method, Request, StatusCode, Version, header};
use http_body_util::BodyExt;
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::support::api::eventually;
use crate::support::https::{
    self, TANDEM_NAMES, assert_one_http2_connection_per_label, client_config, serve_tls, tandem_pki, write_pair,
};
use crate::support::tls::TestPki;
use crate::support::{Endpoint, World, bounded, cookie_names, get};

/// The certificate a fresh TLS connection to `url` is served, as DER.
async fn served_certificate(world: &World, client: &std::sync::Arc<rustls::ClientConfig>, url: &str) -> Vec<u8> {
    let tls = https::connect(world.tandem.addr, client, &url.parse().expect("URL")).await;
    let chain = tls.get_ref().1.peer_certificates().expect("a certificate");
    chain[0].to_vec()
}

#[tokio::test]
async fn https_speaks_http2_to_clients_that_offer_it_and_http11_to_the_rest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let world = World::start_with(|config| serve_tls(config, dir.path())).await;
    let visitor = world.tandem.visitor("http://shop.test/").await;
    assert!(visitor.landing.starts_with("https://"), "links name the https origin: {}", visitor.landing);
    let reply = visitor.get(&visitor.landing).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.text().contains("Welcome to the shop"));

    assert_eq!(reply.header(header::STRICT_TRANSPORT_SECURITY), Some("max-age=31536000"), "browsers stay on https");
    let h2 = visitor.open(visitor.request(Method::GET, &visitor.landing)).await;
    assert_eq!(h2.version(), Version::HTTP_2, "ALPN h2 was offered");
    let mut http11_only = (*client_config(&[&tandem_pki().ca_pem])).clone();
    http11_only.alpn_protocols = vec![b"http/1.1".to_vec()];
    let request = visitor.request(Method::GET, &visitor.landing).body(Body::empty()).expect("request");
    let h1 = https::open(world.tandem.addr, &std::sync::Arc::new(http11_only), request).await;
    assert_eq!(h1.version(), Version::HTTP_11);
    assert_eq!(h1.status(), StatusCode::OK);
}

type H2Socket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// A WebSocket to the shop's echo through Tandem, on an HTTP/2 connection of its own
/// (extended CONNECT), and the connection's sender, closed when the connection is.
async fn websocket_over_http2(world: &World) -> (H2Socket, SendRequest<Body>) {
    let visitor = world.tandem.visitor("http://shop.test/").await;
    assert_eq!(visitor.get(&visitor.landing).await.status, StatusCode::OK, "the home page fills the jar");
    let url = visitor.url("http://shop.test/ws");
    let client = world.tandem.tls.clone().expect("https");
    let tls = https::connect(world.tandem.addr, &client, &url.parse().expect("URL")).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut sender, connection) =
        bounded("HTTP/2 handshake", hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls)))
            .await
            .expect("HTTP/2 handshake");
    tokio::spawn(connection);
    let mut request = Request::builder()
        .method(Method::CONNECT)
        .uri(&url)
        .header(header::SEC_WEBSOCKET_VERSION, "13")
        .header(header::ORIGIN, visitor.session.origin("http://shop.test/"))
        .header(header::COOKIE, &visitor.cookie)
        .body(Body::empty())
        .expect("request");
    request.extensions_mut().insert(hyper::ext::Protocol::from_static("websocket"));
    let mut response = bounded("extended CONNECT", sender.send_request(request)).await.expect("the server takes it");
    assert_eq!(response.status(), StatusCode::OK, "{:?}", response.headers());
    assert!(!response.headers().contains_key(header::UPGRADE), "HTTP/2 has no upgrade headers");
    let stream = bounded("the tunnel", hyper::upgrade::on(&mut response)).await.expect("upgraded");
    (WebSocketStream::from_raw_socket(TokioIo::new(stream), Role::Client, None).await, sender)
}

async fn next_text(socket: &mut H2Socket) -> String {
    let message = bounded("a message", socket.next()).await.expect("a message").expect("a frame");
    message.into_text().expect("text").as_str().to_owned()
}

#[tokio::test]
async fn a_websocket_through_the_proxy_works_over_http2_extended_connect() {
    let dir = tempfile::tempdir().expect("temp dir");
    let world = World::start_with(|config| serve_tls(config, dir.path())).await;
    let (mut socket, _connection) = websocket_over_http2(&world).await;
    let greeting = next_text(&mut socket).await;
    assert_eq!(cookie_names(greeting.strip_prefix("cookies: ")), ["pref", "visit"], "the jar's cookies: {greeting}");
    socket.send(Message::text("over h2")).await.expect("send");
    assert_eq!(next_text(&mut socket).await, "echo: over h2");
}

/// A WebSocket over HTTP/2 first counted as a switch of protocols: its connection was
/// then never idle again, even after the socket ended, and no idle timeout or
/// eviction could close it.
#[tokio::test]
async fn an_http2_connection_stays_open_while_its_websocket_lives_and_idles_out_after() {
    let dir = tempfile::tempdir().expect("temp dir");
    let idle = Duration::from_millis(400);
    let world = World::start_with(|config| {
        serve_tls(config, dir.path());
        config.idle_timeout_ms = idle.as_millis() as u64;
    })
    .await;
    let (mut socket, connection) = websocket_over_http2(&world).await;
    next_text(&mut socket).await;
    // Longer than an idle timeout and the grace of an idle close, with nothing but the
    // socket on the connection.
    tokio::time::sleep(idle * 6).await;
    socket.send(Message::text("still here")).await.expect("send");
    assert_eq!(next_text(&mut socket).await, "echo: still here");
    assert!(!connection.is_closed(), "the connection closed under a live socket");

    socket.close(None).await.expect("close");
    drop(socket);
    eventually("the connection to idle out after its socket", || async { connection.is_closed().then_some(()) }).await;
}

/// A client that opens a connection and never says hello holds it no longer than one
/// that never sends a request.
#[tokio::test]
async fn a_tls_handshake_that_never_comes_is_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let world = World::start_with(|config| {
        serve_tls(config, dir.path());
        config.header_read_timeout_ms = 300;
    })
    .await;
    let mut silent = tokio::net::TcpStream::connect(world.tandem.addr).await.expect("connect");
    let mut byte = [0u8; 1];
    let read = bounded("Tandem to close the silent connection", tokio::io::AsyncReadExt::read(&mut silent, &mut byte));
    assert_eq!(read.await.expect("a clean close"), 0, "closed without a word");
}

#[tokio::test]
async fn each_name_gets_the_certificate_that_holds_it_and_others_get_the_default() {
    let dir = tempfile::tempdir().expect("temp dir");
    let control_pki = TestPki::new(&["localhost"]);
    let (cert, key) = write_pair(&control_pki, dir.path(), "control");
    let world = World::start_with(|config| {
        serve_tls(config, dir.path());
        config.tls_sni.push(tandem::server::tls::CertificateFiles { cert, key });
    })
    .await;
    let client = client_config(&[&tandem_pki().ca_pem, &control_pki.ca_pem]);
    let port = world.tandem.addr.port();
    let control = served_certificate(&world, &client, &format!("https://localhost:{port}/")).await;
    assert_eq!(control, control_pki.leaf_der.to_vec(), "the control origin's own certificate");
    let zone = served_certificate(&world, &client, &format!("https://a1.proxy.localhost:{port}/")).await;
    assert_eq!(zone, tandem_pki().leaf_der.to_vec(), "the wildcard, the default");
}

#[tokio::test]
async fn renewed_certificate_files_are_served_without_a_restart_or_a_dropped_connection() {
    let dir = tempfile::tempdir().expect("temp dir");
    let world = World::start_with(|config| {
        serve_tls(config, dir.path());
        config.tls_reload_check_ms = 50;
    })
    .await;
    let renewed = TestPki::new(&TANDEM_NAMES);
    let client = client_config(&[&tandem_pki().ca_pem, &renewed.ca_pem]);
    let health = format!("https://localhost:{}/healthz", world.tandem.addr.port());

    // A connection opened before the renewal, kept open across it.
    let tls = https::connect(world.tandem.addr, &client, &health.parse().expect("URL")).await;
    let (mut before, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls)).await.expect("HTTP/2");
    tokio::spawn(connection);

    // A renewal half written (a key of another certificate) is not served.
    std::fs::write(dir.path().join("tandem.key"), &renewed.leaf_key_pem).expect("write the new key first");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(served_certificate(&world, &client, &health).await, tandem_pki().leaf_der.to_vec());

    std::fs::write(dir.path().join("tandem.pem"), &renewed.leaf_pem).expect("then the certificate");
    eventually("the renewed certificate to be served", || async {
        (served_certificate(&world, &client, &health).await == renewed.leaf_der.to_vec()).then_some(())
    })
    .await;
    let response = bounded("the old connection", before.send_request(get(&health))).await.expect("still open");
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await.expect("body").to_bytes();
    assert!(!body.is_empty());
}

#[tokio::test]
async fn the_redirect_listener_sends_tandems_names_to_https_and_nobody_elsewhere() {
    let dir = tempfile::tempdir().expect("temp dir");
    let redirect = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let redirect_addr = redirect.local_addr().expect("address");
    let (app, port) = tls_app(dir.path()).await;
    let main = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
    let listeners = tandem::server::Listeners { main, redirect: Some(redirect) };
    let serving = tokio::spawn(app.run(listeners, std::future::pending()));

    let plain = Endpoint::plain(redirect_addr);
    let reply = plain.send(get("http://a1.proxy.localhost/page?q=1")).await;
    assert_eq!(reply.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(reply.location(), format!("https://a1.proxy.localhost:{port}/page?q=1"));
    let reply = plain.send(get("http://localhost/v1.3/x")).await;
    assert_eq!(reply.location(), format!("https://localhost:{port}/v1.3/x"));
    // `evil.com/x.proxy.localhost` ends like a label, and would redirect to evil.com.
    for host in ["example.com", "evil.com/x.proxy.localhost"] {
        let mut request = get("http://placeholder/");
        request.headers_mut().insert(header::HOST, HeaderValue::from_static(host));
        let reply = plain.send(request).await;
        assert_eq!(reply.status, StatusCode::MISDIRECTED_REQUEST, "{host}");
        assert!(reply.header(header::LOCATION).is_none(), "{host}");
    }
    serving.abort();
}

/// An App serving https on a port picked now, with its data in `dir`.
async fn tls_app(dir: &std::path::Path) -> (tandem::server::App, u16) {
    let mut config = crate::support::config_on_free_port(dir);
    let port = config.listen.port();
    serve_tls(&mut config, dir);
    (tandem::server::App::new(config).expect("Tandem starts"), port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_trusting_the_test_ca_browses_over_http2_and_opens_a_websocket_through_tandem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let world = World::start_with(|config| serve_tls(config, dir.path())).await;
    let session = world.tandem.create_session("http://shop.test/").await;
    let args = serde_json::json!({
        "proxy_url": session.proxy_url,
        "websocket_url": "ws://shop.test/ws",
        "trust_ca": tandem_pki().write_ca(dir.path()),
        "record_network": true,
    });
    let result = crate::support::browser::run_scenario("https_visit", &args).await;
    assert_eq!(result["title"], "Shop", "{result:#}");
    let origin = session.origin("http://shop.test/");
    assert!(origin.starts_with("https://") && result["location"].as_str().is_some_and(|l| l.starts_with(&origin)));
    let greeting = result["greeting"].as_str().expect("a greeting");
    assert_eq!(cookie_names(greeting.strip_prefix("cookies: ")), ["pref", "visit"], "{result:#}");
    assert_eq!(result["echo"], "echo: hello over https", "{result:#}");
    assert_one_http2_connection_per_label(&result);
}
