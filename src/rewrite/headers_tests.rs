//! Header rewriting tests.

use http::header::{HeaderMap, HeaderValue};
use url::Url;

use super::*;
use crate::rewrite::url::test_rewriter;

fn label_origin(urls: &UrlRewriter, origin: &str) -> String {
    urls.map_url(origin).expect("absolute")
}

#[test]
fn response_headers_are_mapped_absorbed_and_dropped() {
    let urls = test_rewriter("https://shop.test/login");
    let upstream = Url::parse("https://shop.test/login").expect("url");
    let mut headers = HeaderMap::new();
    headers.insert("location", HeaderValue::from_static("https://accounts.test/next?a=1"));
    headers.insert("content-location", HeaderValue::from_static("/relative"));
    headers.insert("refresh", HeaderValue::from_static("3; url=https://shop.test/home"));
    headers.insert(
        "link",
        HeaderValue::from_static("<https://cdn.test/a.css>; rel=preload; as=style, </b.js>; rel=preload"),
    );
    headers.append("set-cookie", HeaderValue::from_static("sid=1; HttpOnly; Path=/"));
    headers.append("set-cookie", HeaderValue::from_static("pref=dark; Path=/"));
    headers.insert("content-security-policy", HeaderValue::from_static("default-src 'self'"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("strict-transport-security", HeaderValue::from_static("max-age=1"));
    headers.insert("access-control-allow-origin", HeaderValue::from_static("https://shop.test"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    headers.insert("service-worker-allowed", HeaderValue::from_static("https://shop.test/app/"));
    headers.insert("connection", HeaderValue::from_static("x-private"));
    headers.insert("x-private", HeaderValue::from_static("1"));
    let jar = &urls.mapping().session.jar;
    let robots = |n: &http::HeaderName| n == "x-robots-tag";
    rewrite_response_headers(
        &mut headers,
        &ResponseContext { urls: &urls, jar, upstream_url: &upstream, rule_dropped: &robots },
    );

    assert_eq!(headers["location"], format!("{}/next?a=1", label_origin(&urls, "https://accounts.test")));
    assert_eq!(headers["content-location"], "/relative");
    assert_eq!(headers["refresh"], format!("3; url={}/home", label_origin(&urls, "https://shop.test")));
    assert_eq!(
        headers["link"],
        format!("<{}/a.css>; rel=preload; as=style, </b.js>; rel=preload", label_origin(&urls, "https://cdn.test"))
    );
    assert_eq!(headers["access-control-allow-origin"], label_origin(&urls, "https://shop.test"));
    // A service worker's widest scope stays on the label its script is served from.
    assert_eq!(headers["service-worker-allowed"], format!("{}/app/", label_origin(&urls, "https://shop.test")));
    for gone in [
        "set-cookie",
        "content-security-policy",
        "x-frame-options",
        "strict-transport-security",
        "x-robots-tag",
        "x-private",
        "connection",
    ] {
        assert!(!headers.contains_key(gone), "{gone} should be gone");
    }
    let cookies = jar.cookie_header(&upstream, crate::session::jar::RequestSite::FIRST_PARTY).expect("absorbed");
    assert!(cookies.contains("sid=1") && cookies.contains("pref=dark"), "{cookies}");
}

#[test]
fn clear_site_data_clears_the_jar_not_the_browser() {
    let urls = test_rewriter("https://shop.test/");
    let upstream = Url::parse("https://shop.test/logout").expect("url");
    let jar = &urls.mapping().session.jar;
    jar.absorb(&upstream, "sid=1; Path=/");
    let mut headers = HeaderMap::new();
    headers.insert("clear-site-data", HeaderValue::from_static("\"cookies\", \"storage\""));
    rewrite_response_headers(
        &mut headers,
        &ResponseContext { urls: &urls, jar, upstream_url: &upstream, rule_dropped: &|_| false },
    );
    assert!(!headers.contains_key("clear-site-data"));
    assert_eq!(jar.cookie_header(&upstream, crate::session::jar::RequestSite::FIRST_PARTY), None);
}

#[test]
fn hop_by_hop_headers_go_but_upgrade_can_stay() {
    let mut headers = HeaderMap::new();
    headers.insert("connection", HeaderValue::from_static("Upgrade"));
    headers.insert("upgrade", HeaderValue::from_static("websocket"));
    headers.insert("keep-alive", HeaderValue::from_static("timeout=5"));
    remove_hop_by_hop(&mut headers, true);
    assert!(headers.contains_key("upgrade") && headers.contains_key("connection"));
    assert!(!headers.contains_key("keep-alive"));
    remove_hop_by_hop(&mut headers, false);
    assert!(headers.is_empty());
}
