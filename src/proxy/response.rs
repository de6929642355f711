//! Phase 4: rewrite the response headers and pick the body's filter.

use axum::body::Body;
use http::{HeaderValue, Method, Response, StatusCode, header};
use hyper::body::Incoming;

use super::body::FilteredBody;
use super::context::RequestContext;
use crate::rewrite::headers::{ResponseContext, rewrite_response_headers};
use crate::rewrite::{BodyKind, RewriteLimits, UrlRewriter, body_filter, body_kind};

/// The browser's response: headers rewritten, body streamed through its filter.
pub fn rewrite(
    ctx: &RequestContext,
    method: &Method,
    upstream: Response<Incoming>,
    limits: &RewriteLimits,
    rule_dropped: &dyn Fn(&http::HeaderName) -> bool,
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
    let has_body = *method != Method::HEAD
        && !matches!(parts.status, StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED)
        && !parts.status.is_informational();
    // A partial body is a slice of a document, not one: it cannot be rewritten.
    let kind = if parts.status == StatusCode::PARTIAL_CONTENT {
        BodyKind::Opaque
    } else {
        body_kind(header_str(&parts.headers, header::CONTENT_TYPE))
    };
    // Decided for HEAD too, so that its headers are those a GET would get.
    let filter = body_filter(
        kind,
        header_str(&parts.headers, header::CONTENT_TYPE),
        header_str(&parts.headers, header::CONTENT_ENCODING),
        urls,
        limits,
    );
    if filter.is_some() {
        // The body changes: its length, coding and validators no longer hold.
        for name in [header::CONTENT_LENGTH, header::CONTENT_ENCODING, header::ACCEPT_RANGES] {
            parts.headers.remove(name);
        }
        weaken_etag(&mut parts.headers);
    }
    let body = match filter {
        Some(filter) if has_body => Body::new(FilteredBody::new(body, filter)),
        _ => Body::new(body),
    };
    Response::from_parts(parts, body)
}

fn header_str(headers: &http::HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A rewritten body is only semantically the upstream's: its validator becomes weak.
fn weaken_etag(headers: &mut http::HeaderMap) {
    if let Some(etag) = headers.get(header::ETAG).and_then(|v| v.to_str().ok()) {
        if !etag.starts_with("W/") {
            if let Ok(weak) = HeaderValue::from_str(&format!("W/{etag}")) {
                headers.insert(header::ETAG, weak);
            }
        }
    }
}
