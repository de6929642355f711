//! Bodies that are not HTML or CSS stream through untouched: images and JSON keep their
//! bytes, length and validators; byte ranges and HEAD work as on the real site.

use axum::body::Body;
use http::{Method, StatusCode, header};

use crate::support::World;
use crate::support::fixtures::{DATA_JSON, LOGO_LEN, logo_bytes};

#[tokio::test]
async fn an_image_streams_untouched_with_its_length_and_validators() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let reply = visitor.get_upstream("https://cdn.test/logo.png").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header(header::CONTENT_TYPE), Some("image/png"));
    assert_eq!(reply.header(header::CONTENT_LENGTH), Some(LOGO_LEN.to_string().as_str()));
    assert_eq!(reply.header(header::ETAG), Some("\"logo-v1\""));
    assert_eq!(reply.header(header::ACCEPT_RANGES), Some("bytes"));
    assert!(reply.body == logo_bytes(), "the image's bytes changed");
}

#[tokio::test]
async fn json_is_not_rewritten() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let reply = visitor.get_upstream("https://shop.test/data.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), DATA_JSON);
    assert_eq!(reply.header(header::CONTENT_LENGTH), Some(DATA_JSON.len().to_string().as_str()));
}

#[tokio::test]
async fn byte_ranges_come_back_as_partial_content() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let logo = logo_bytes();
    for (range, start, end) in [("bytes=1000-1999", 1000, 1999), ("bytes=262000-", 262_000, LOGO_LEN - 1)] {
        let request =
            visitor.request(Method::GET, &visitor.url("https://cdn.test/logo.png")).header(header::RANGE, range);
        let reply = visitor.send(request, Body::empty()).await;
        assert_eq!(reply.status, StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            reply.header(header::CONTENT_RANGE),
            Some(format!("bytes {start}-{end}/{LOGO_LEN}").as_str()),
            "{range}"
        );
        assert_eq!(reply.header(header::CONTENT_LENGTH), Some((end - start + 1).to_string().as_str()), "{range}");
        assert!(reply.body == logo[start..=end], "{range}: wrong bytes");
        assert_eq!(world.upstream.last("cdn.test", "/logo.png").header("range").as_deref(), Some(range));
    }
}

#[tokio::test]
async fn head_requests_get_headers_and_no_body() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let reply =
        visitor.send(visitor.request(Method::HEAD, &visitor.url("https://cdn.test/logo.png")), Body::empty()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header(header::CONTENT_LENGTH), Some(LOGO_LEN.to_string().as_str()));
    assert_eq!(reply.header(header::CONTENT_TYPE), Some("image/png"));
    assert!(reply.body.is_empty());
    assert_eq!(world.upstream.last("cdn.test", "/logo.png").method, Method::HEAD);

    let page = visitor.send(visitor.request(Method::HEAD, &visitor.landing), Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.is_empty());
    assert_eq!(page.header(header::SET_COOKIE), None);
    assert_eq!(page.header(header::CONTENT_SECURITY_POLICY), None);
}

/// Regression: HEAD of an HTML page kept the upstream's Content-Length, which describes
/// the page before rewriting, while GET of the same page dropped it.
#[tokio::test]
async fn head_of_a_rewritten_page_has_the_headers_its_get_has() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let head = visitor.send(visitor.request(Method::HEAD, &visitor.landing), Body::empty()).await;
    let get = visitor.get(&visitor.landing).await;
    for name in [header::CONTENT_LENGTH, header::CONTENT_ENCODING, header::ETAG, header::CONTENT_TYPE] {
        assert_eq!(head.header(name.clone()), get.header(name.clone()), "{name}");
    }
}
