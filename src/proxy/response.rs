//! Phase 4: rewrite the response headers and pick the body's filter.
//!
//! A worker's script (`Sec-Fetch-Dest: worker`, `sharedworker` or `serviceworker`) gets
//! the runtime's worker part in front of it, so the worker maps its own requests too.

use std::sync::Arc;

use axum::body::Body;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};

use super::body::{FilteredBody, UpstreamBody};
use super::context::RequestContext;
use crate::injector::{WORKER_RUNTIME_JS, worker_import};
use crate::metrics::Metrics;
use crate::rewrite::decode::parse_content_encoding;
use crate::rewrite::encode::{RESPONSE_CODINGS, encoded, negotiate};
use crate::rewrite::headers::{ResponseContext, header_list, rewrite_response_headers};
use crate::rewrite::{BodyKind, RewriteLimits, UrlRewriter, body_filter, body_kind, mime_essence};

/// The browser's response: headers rewritten, body streamed through its filter, which
/// reports to `metrics` at the body's end.
pub fn rewrite<B: UpstreamBody>(
    ctx: &RequestContext,
    request: &Parts,
    upstream: Response<B>,
    limits: &RewriteLimits,
    rule_dropped: &dyn Fn(&http::HeaderName) -> bool,
    metrics: &Arc<Metrics>,
) -> Response<Body> {
    let (mut parts, body) = upstream.into_parts();
    let urls = UrlRewriter::new(ctx.mapping.clone(), ctx.upstream_url.clone());
    if !ctx.credentialed {
        // A browser ignores cookies in the answer to a request sent without credentials.
        parts.headers.remove(header::SET_COOKIE);
        parts.headers.remove("clear-site-data");
    }
    rewrite_response_headers(
        &mut parts.headers,
        &ResponseContext { urls: &urls, jar: &ctx.session.jar, upstream_url: &ctx.upstream_url, rule_dropped },
    );
    let has_body = request.method != Method::HEAD
        && !matches!(parts.status, StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED)
        && !parts.status.is_informational();
    let worker = worker_prefix(&request.headers);
    if worker.is_some() || is_javascript(header_str(&parts.headers, header::CONTENT_TYPE)) {
        // The browser's HTTP cache must not hand a worker the script without its prefix
        // (or a page the script with it).
        add_vary(&mut parts.headers, "Sec-Fetch-Dest");
    }
    // A partial body is a slice of a document, not one: it cannot be rewritten.
    let kind = match worker {
        _ if parts.status == StatusCode::PARTIAL_CONTENT => BodyKind::Opaque,
        Some(prefix) if parts.status.is_success() => BodyKind::Prefixed(prefix),
        _ => body_kind(header_str(&parts.headers, header::CONTENT_TYPE)),
    };
    // Decided for HEAD too, so that its headers are those a GET would get.
    let filter = body_filter(
        kind,
        header_str(&parts.headers, header::CONTENT_TYPE),
        header_str(&parts.headers, header::CONTENT_ENCODING),
        urls,
        limits,
    );
    let mut coding = None;
    if filter.is_some() {
        // The body changes: its length, coding and validators no longer hold.
        // A body the upstream compressed goes out compressed again, in the coding the
        // browser prefers, so it varies with what the browser accepts. One the upstream
        // sent plain stays plain: a site may keep secrets out of compressed pages on
        // purpose (BREACH), and Tandem does not undo that choice.
        let upstream_compressed = header_str(&parts.headers, header::CONTENT_ENCODING)
            .and_then(parse_content_encoding)
            .is_some_and(|codings| !codings.is_empty());
        for name in [header::CONTENT_LENGTH, header::CONTENT_ENCODING, header::ACCEPT_RANGES] {
            parts.headers.remove(name);
        }
        weaken_etag(&mut parts.headers);
        if upstream_compressed {
            add_vary(&mut parts.headers, "Accept-Encoding");
            coding = negotiate(&header_list(&request.headers, header::ACCEPT_ENCODING), &RESPONSE_CODINGS);
        }
        if let Some(coding) = coding {
            parts.headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding.token()));
        }
    }
    let body = match filter {
        Some(filter) if has_body => Body::new(FilteredBody::new(body, encoded(filter, coding), metrics.clone())),
        _ => Body::new(body),
    };
    Response::from_parts(parts, body)
}

/// What goes before a worker's script (dedicated, shared or service worker), `None` for
/// other requests. A module a module worker imports (same destination, mode `cors`) is
/// evaluated before the worker's own script: it imports the worker part, which the
/// browser fetches and runs once per worker.
fn worker_prefix(request: &HeaderMap) -> Option<&'static str> {
    let header = |name| request.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let dest = header("sec-fetch-dest");
    if !["worker", "sharedworker", "serviceworker"].iter().any(|d| dest.eq_ignore_ascii_case(d)) {
        return None;
    }
    Some(if header("sec-fetch-mode").eq_ignore_ascii_case("cors") { worker_import() } else { WORKER_RUNTIME_JS })
}

fn is_javascript(content_type: Option<&str>) -> bool {
    let essence = mime_essence(content_type.unwrap_or_default());
    essence.to_ascii_lowercase().ends_with("javascript") || essence.eq_ignore_ascii_case("text/ecmascript")
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Adds `name` to `Vary` unless it is there already (or `Vary: *` says it all).
fn add_vary(headers: &mut HeaderMap, name: &'static str) {
    let vary = header_list(headers, header::VARY);
    if !vary.split(',').map(str::trim).any(|v| v == "*" || v.eq_ignore_ascii_case(name)) {
        headers.append(header::VARY, HeaderValue::from_static(name));
    }
}

/// A rewritten body is only semantically the upstream's: its validator becomes weak.
fn weaken_etag(headers: &mut HeaderMap) {
    if let Some(etag) = headers.get(header::ETAG).and_then(|v| v.to_str().ok())
        && !etag.starts_with("W/")
        && let Ok(weak) = HeaderValue::from_str(&format!("W/{etag}"))
    {
        headers.insert(header::ETAG, weak);
    }
}
