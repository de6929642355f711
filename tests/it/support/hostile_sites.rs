//! A site written to attack Tandem through the proxy, for `tests/it/hostile_clients.rs`:
//! it floods the session's cookie jar and reports the `Cookie` header it gets back, and
//! serves a page naming thousands of hosts that need hashed labels.

use axum::Router;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::HeaderMap;
use http::header::{self, HeaderValue};

use super::local_site::LocalSite;

/// The host name the hostile site answers as.
pub const HOSTILE_HOST: &str = "evil.test";
/// Cookies one `/flood` response sets.
pub const FLOOD_BATCH: usize = 50;
/// Bytes of each flooding cookie's value.
pub const FLOOD_VALUE_LEN: usize = 1000;

/// Starts the hostile site on a loopback port.
pub async fn start() -> LocalSite {
    LocalSite::start("the hostile site", |port| {
        Router::new()
            .route("/flood", get(flood))
            .route("/cookies", get(cookies))
            .route("/hosts", get(move |query| hosts(query, port)))
            .fallback(|| async { "hello from the hostile site" })
    })
    .await
}

/// `?batch=N`: [`FLOOD_BATCH`] cookies named `f<N>_<i>` of [`FLOOD_VALUE_LEN`] bytes,
/// and one small cookie padded with a 100 KB attribute that means nothing.
async fn flood(Query(query): Query<std::collections::HashMap<String, String>>) -> Response {
    let batch = query.get("batch").cloned().unwrap_or_default();
    let value = "v".repeat(FLOOD_VALUE_LEN);
    let mut response = "flooded".into_response();
    let headers = response.headers_mut();
    for i in 0..FLOOD_BATCH {
        let cookie = format!("f{batch}_{i}={value}; Path=/");
        headers.append(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("cookie"));
    }
    let padded = format!("padded{batch}=1; Path=/; Comment={}", "x".repeat(100 * 1024));
    headers.append(header::SET_COOKIE, HeaderValue::from_str(&padded).expect("cookie"));
    response
}

/// The `Cookie` header the site got, as text (empty without one).
async fn cookies(headers: HeaderMap) -> String {
    headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// `?n=N`: a page linking to N hosts `h_<i>.localhost` (on this site's port), each of
/// which needs a hashed label (an underscore cannot be encoded in a label).
async fn hosts(Query(query): Query<std::collections::HashMap<String, String>>, port: u16) -> Response {
    let n: usize = query.get("n").and_then(|n| n.parse().ok()).unwrap_or_default();
    let links: String = (0..n).map(|i| format!("<a href=\"http://h_{i}.localhost:{port}/\">{i}</a>\n")).collect();
    axum::response::Html(format!("<!doctype html><title>Hosts</title>{links}")).into_response()
}
