//! When the site cannot be reached the visitor gets a page that says so and names the
//! host: 502 for refusals (including Tandem's own SSRF guard), 504 for timeouts.

use std::time::{Duration, Instant};

use http::{StatusCode, header};
use tokio::net::TcpListener;

use crate::support::{Reply, World};

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
async fn an_upstream_that_never_answers_gets_a_504_page() {
    // Accepts connections and holds them without ever answering.
    let silent = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let silent_addr = silent.local_addr().expect("address");
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = silent.accept().await {
            held.push(tcp);
        }
    });
    let world = World::start_with(|config| {
        config.resolve.insert("slow.test".into(), silent_addr);
        config.response_timeout_ms = 400;
    })
    .await;
    let visitor = world.tandem.visitor("http://slow.test/report").await;
    let started = Instant::now();
    let reply = visitor.get(&visitor.landing).await;
    let waited = started.elapsed();
    assert_error_page(&reply, StatusCode::GATEWAY_TIMEOUT, &["took too long", "slow.test"]);
    assert!(waited >= Duration::from_millis(350), "gave up before the timeout: {waited:?}");
    assert!(waited < Duration::from_secs(10), "the timeout did not apply: {waited:?}");
    holder.abort();
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
