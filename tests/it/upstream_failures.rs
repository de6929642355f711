//! When the site cannot be reached the visitor gets a page that says so and names the
//! host: 502 for refusals (including Tandem's own SSRF guard), 504 for timeouts.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, StatusCode, header};
use tokio::net::TcpListener;

use crate::support::{Reply, SilentServer, World, bounded, channel_body};

fn assert_error_page(reply: &Reply, status: StatusCode, says: &[&str]) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert!(reply.header(header::CONTENT_TYPE).is_some_and(|t| t.starts_with("text/html")), "{:?}", reply.headers);
    let page = reply.text();
    for phrase in says {
        assert!(page.contains(phrase), "the error page does not say {phrase:?}: {page}");
    }
}

#[tokio::test]
async fn a_refused_connection_gets_a_502_page_naming_the_host() {
    let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let closed_addr = closed.local_addr().expect("address");
    drop(closed);
    let world = World::start_with(|config| {
        config.resolve.insert("down.test".into(), closed_addr);
    })
    .await;
    let visitor = world.tandem.visitor("https://down.test/shop").await;
    let reply = visitor.get(&visitor.landing).await;
    assert_error_page(&reply, StatusCode::BAD_GATEWAY, &["could not be reached", "down.test"]);
}

#[tokio::test]
async fn a_name_that_does_not_resolve_gets_a_502_page_naming_the_host() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.does-not-exist.invalid/").await;
    let reply = visitor.get(&visitor.landing).await;
    assert_error_page(&reply, StatusCode::BAD_GATEWAY, &["could not be reached", "shop.does-not-exist.invalid"]);
}

/// Tandem with `slow.test` served by a server that never answers, and a 400 ms timeout.
async fn world_with_a_silent_upstream() -> (World, SilentServer) {
    let silent = SilentServer::start().await;
    let silent_addr = silent.addr;
    let world = World::start_with(|config| {
        config.resolve.insert("slow.test".into(), silent_addr);
        config.response_timeout_ms = 400;
    })
    .await;
    (world, silent)
}

#[tokio::test]
async fn an_upstream_that_never_answers_gets_a_504_page() {
    let (world, _silent) = world_with_a_silent_upstream().await;
    let visitor = world.tandem.visitor("http://slow.test/report").await;
    let started = Instant::now();
    let reply = visitor.get(&visitor.landing).await;
    let waited = started.elapsed();
    assert_error_page(&reply, StatusCode::GATEWAY_TIMEOUT, &["took too long", "slow.test"]);
    assert!(waited >= Duration::from_millis(350), "gave up before the timeout: {waited:?}");
    assert!(waited < Duration::from_secs(10), "the timeout did not apply: {waited:?}");
}

#[tokio::test]
async fn a_loopback_upstream_is_refused_when_private_upstreams_are_not_allowed() {
    let world = World::start_with(|config| config.allow_private_upstreams = false).await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let reply = visitor.get(&visitor.landing).await;
    assert_error_page(&reply, StatusCode::BAD_GATEWAY, &["shop.test", "may not connect"]);
    assert!(world.upstream.requests().is_empty(), "the guard let a request through to loopback");
}

#[tokio::test]
async fn an_untrusted_certificate_gets_a_502_page_naming_the_host() {
    let world = World::start_with(|config| config.extra_root_certs.clear()).await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let reply = visitor.get(&visitor.landing).await;
    assert_error_page(&reply, StatusCode::BAD_GATEWAY, &["shop.test", "TLS"]);
    assert!(world.upstream.requests().is_empty(), "a request went over an unverified connection");
}

/// Regression: the response timeout ran from the start of the request, so an upload
/// that took longer than it to send (a large file from a slow connection) got a 504
/// although the site answered as soon as it had the body.
#[tokio::test]
async fn a_slow_upload_is_not_cut_off_by_the_response_timeout() {
    let world = World::start_with(|config| config.response_timeout_ms = 600).await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let (tx, body) = channel_body(1);
    let request = visitor.request(Method::POST, &visitor.url("https://shop.test/upload"));
    let upload = tokio::spawn({
        let visitor = visitor.clone();
        async move { visitor.send(request, body).await }
    });
    // Ten chunks, 250 ms apart: the visitor sends steadily for 2.5 s, four times the
    // timeout, but never pauses for as long as the timeout.
    let mut progress = world.upstream.shared.upload_progress.subscribe();
    for i in 1..=10u64 {
        if bounded("sending a chunk", tx.send(Bytes::from(vec![b'x'; 1000]))).await.is_err() {
            break; // Tandem gave up on the request; its answer says why.
        }
        bounded("the chunk reaching the site", progress.wait_for(|n| *n >= i * 1000)).await.expect("progress");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    drop(tx);
    let reply = bounded("the upload's response", upload).await.expect("upload task");
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["bytes"], 10_000);
}

/// The other side of the regression above: an upload the upstream stops taking still
/// ends in a 504 once nothing has moved for the response timeout.
#[tokio::test]
async fn an_upload_that_stops_moving_still_times_out() {
    let (world, _silent) = world_with_a_silent_upstream().await;
    let visitor = world.tandem.visitor("http://slow.test/upload").await;
    let (tx, body) = channel_body(1);
    tx.send(Bytes::from_static(b"the first and only chunk")).await.expect("queued");
    let started = Instant::now();
    let reply = visitor.send(visitor.request(Method::POST, &visitor.landing), body).await;
    assert_error_page(&reply, StatusCode::GATEWAY_TIMEOUT, &["took too long", "slow.test"]);
    assert!(started.elapsed() < Duration::from_secs(10), "the timeout did not apply: {:?}", started.elapsed());
    drop(tx);
}
