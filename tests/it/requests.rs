//! Requests going up: the upstream sees what the real site would see from a browser
//! (its own host, its own origins in `Origin` and `Referer`), and bodies stream.

use axum::body::Body;
use bytes::Bytes;
use http::{Method, StatusCode, header};
use sha2::{Digest, Sha256};

use crate::support::{World, bounded, channel_body};

#[tokio::test]
async fn the_upstream_sees_its_own_host_origin_and_referer() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let session = &visitor.session;

    // A same-origin form post, as the browser sends it from a page under the label.
    let request = visitor
        .request(Method::POST, &visitor.url("https://shop.test/echo?step=2"))
        .header(header::ORIGIN, session.origin("https://shop.test/"))
        .header(header::REFERER, session.url("https://shop.test/products?page=2#reviews"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    let reply = visitor.send(request, "q=tea").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let seen = world.upstream.last("shop.test", "/echo");
    assert_eq!(seen.method, Method::POST);
    assert_eq!(seen.host, "shop.test");
    assert_eq!(seen.target, "/echo?step=2");
    assert_eq!(seen.header("origin").as_deref(), Some("https://shop.test"));
    assert_eq!(seen.header("referer").as_deref(), Some("https://shop.test/products?page=2"));

    // A cross-origin call from the shop's page to the identity provider.
    let request = visitor
        .request(Method::GET, &visitor.url("https://accounts.test/echo"))
        .header(header::ORIGIN, session.origin("https://shop.test/"))
        .header(header::REFERER, session.url("https://shop.test/cart"));
    assert_eq!(visitor.send(request, Body::empty()).await.status, StatusCode::OK);
    let seen = world.upstream.last("accounts.test", "/echo");
    assert_eq!(seen.host, "accounts.test");
    assert_eq!(seen.header("origin").as_deref(), Some("https://shop.test"));
    assert_eq!(seen.header("referer").as_deref(), Some("https://shop.test/cart"));

    // Origins and referrers that are not this session's labels give nothing away.
    let request = visitor
        .request(Method::POST, &visitor.url("https://shop.test/echo?step=3"))
        .header(header::ORIGIN, "http://evil.example")
        .header(header::REFERER, "http://evil.example/attack.html");
    assert_eq!(visitor.send(request, "x=1").await.status, StatusCode::OK);
    let seen = world.upstream.last("shop.test", "/echo");
    assert_eq!(seen.target, "/echo?step=3");
    assert_eq!(seen.header("origin").as_deref(), Some("null"));
    assert_eq!(seen.header("referer"), None);

    // The entry link is Tandem's, not the site's: it is never a referrer.
    let request = visitor
        .request(Method::GET, &visitor.url("https://shop.test/echo?step=4"))
        .header(header::REFERER, &session.proxy_url);
    assert_eq!(visitor.send(request, Body::empty()).await.status, StatusCode::OK);
    assert_eq!(world.upstream.last("shop.test", "/echo").header("referer"), None);
}

#[tokio::test]
async fn plain_http_upstreams_get_their_host_header_and_no_hop_by_hop_headers() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("http://shop.test/echo").await;
    let request = visitor
        .request(Method::PUT, &visitor.landing)
        .header(header::CONNECTION, "x-hop, keep-alive")
        .header("x-hop", "only for the proxy")
        .header("x-app", "kept");
    let reply = visitor.send(request, "payload").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let seen = world.upstream.last("shop.test", "/echo");
    assert_eq!(seen.scheme, crate::support::fixtures::Scheme::Http);
    assert_eq!(seen.method, Method::PUT);
    assert_eq!(seen.header("host").as_deref(), Some("shop.test"));
    assert_eq!(seen.header("x-app").as_deref(), Some("kept"));
    assert_eq!(seen.header("x-hop"), None, "a header named by Connection went upstream");
}

#[tokio::test]
async fn an_upstream_on_its_own_port_keeps_the_port_in_its_label_and_host() {
    let world = World::start().await;
    let port = world.upstream.addr.port();
    let initial = format!("http://shop.test:{port}/echo");
    let visitor = world.tandem.visitor(&initial).await;
    let label = visitor.session.label(&initial);
    assert!(label.ends_with(&format!("h{port}-shop-test")), "{label}");
    assert_eq!(visitor.landing, visitor.url(&initial));
    let reply = visitor.get(&visitor.landing).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let seen = world.upstream.last("shop.test", "/echo");
    assert_eq!(seen.header("host"), Some(format!("shop.test:{port}")));
}

/// 20 MiB in 64 KiB chunks of a fixed pseudo-random sequence.
const UPLOAD_CHUNK: usize = 64 * 1024;
const UPLOAD_CHUNKS: usize = 320;

fn upload_chunk(index: usize) -> Bytes {
    let mut x = (index as u32).wrapping_mul(2_654_435_761) | 1;
    let mut chunk = Vec::with_capacity(UPLOAD_CHUNK);
    while chunk.len() < UPLOAD_CHUNK {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        chunk.extend_from_slice(&x.to_le_bytes());
    }
    Bytes::from(chunk)
}

#[tokio::test]
async fn a_large_request_body_streams_to_the_upstream_whole() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let mut progress = world.upstream.shared.upload_progress.subscribe();

    let (tx, body) = channel_body(4);
    let request = visitor
        .request(Method::POST, &visitor.url("https://shop.test/upload"))
        .header(header::CONTENT_TYPE, "application/octet-stream");
    let upload = tokio::spawn({
        let visitor = visitor.clone();
        async move { visitor.send(request, body).await }
    });

    let mut hasher = Sha256::new();
    let first_part = 16;
    for index in 0..first_part {
        let chunk = upload_chunk(index);
        hasher.update(&chunk);
        bounded("sending the first megabyte", tx.send(chunk)).await.expect("upload is read");
    }
    // The upstream gets the first megabyte while the rest does not exist yet: the
    // body is streamed, not buffered by Tandem.
    let first_bytes = (first_part * UPLOAD_CHUNK) as u64;
    bounded("the upstream receiving the first megabyte", progress.wait_for(|n| *n >= first_bytes))
        .await
        .expect("progress channel");
    for index in first_part..UPLOAD_CHUNKS {
        let chunk = upload_chunk(index);
        hasher.update(&chunk);
        bounded("sending the upload", tx.send(chunk)).await.expect("upload is read");
    }
    drop(tx);

    let reply = bounded("the upload's response", upload).await.expect("upload task");
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let json = reply.json();
    assert_eq!(json["bytes"], (UPLOAD_CHUNK * UPLOAD_CHUNKS) as u64, "{json}");
    let expected: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(json["sha256"], expected, "the upstream got other bytes than were sent");
}

/// A path that starts with `//` (what a browser sends for `/.//other.test/x`) is a path on
/// the label's own upstream, never a way to reach another host under that label's origin.
#[tokio::test]
async fn a_path_starting_with_two_slashes_stays_on_the_labels_upstream() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let label = visitor.session.origin("https://shop.test/");
    for target in ["//accounts.test/echo?marker=1", "/\\accounts.test/echo?marker=2"] {
        let request = visitor.request(Method::GET, &format!("{label}{target}"));
        visitor.send(request, Body::empty()).await;
    }
    let elsewhere: Vec<String> =
        world.upstream.requests().into_iter().filter(|s| s.host != "shop.test").map(|s| s.target).collect();
    assert!(elsewhere.is_empty(), "requests under shop.test's label reached another host: {elsewhere:?}");
    let on_shop: Vec<String> = world
        .upstream
        .requests()
        .into_iter()
        .filter(|s| s.host == "shop.test" && s.target.contains("marker="))
        .map(|s| s.target)
        .collect();
    assert_eq!(on_shop, ["//accounts.test/echo?marker=1", "//accounts.test/echo?marker=2"]);
}
