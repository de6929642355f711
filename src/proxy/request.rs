//! Phase 2: build the upstream request. The upstream sees what the real site would see
//! from a browser: its own host, its own origins in `Origin` and `Referer`, and the
//! cookies of the session's jar; never Tandem's cookies or the proxy's hop-by-hop headers.

use axum::body::Body;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Request, Uri, Version, request::Parts};

use super::context::{RequestContext, TANDEM_PATH_PREFIX};
use crate::error::ProxyError;
use crate::rewrite::decode::ALL_CODINGS;
use crate::rewrite::headers::remove_hop_by_hop;
use crate::session::jar::RequestSite;

/// Turns the browser's request into the upstream request; the body streams as it comes.
pub fn build(ctx: &RequestContext, parts: &Parts, body: Body, websocket: bool) -> Result<Request<Body>, ProxyError> {
    let uri: Uri =
        ctx.upstream_url.as_str().parse().map_err(|e| ProxyError::BadRequest(format!("bad upstream URL: {e}")))?;
    let mut headers = parts.headers.clone();
    remove_hop_by_hop(&mut headers, websocket);
    headers.remove(header::HOST);
    // The browser holds no upstream cookies, only Tandem's: the jar speaks for it.
    headers.remove(header::COOKIE);
    let jar_cookies =
        ctx.credentialed.then(|| ctx.session.jar.cookie_header(&ctx.upstream_url, request_site(ctx, parts)));
    if let Some(cookies) = jar_cookies.flatten() {
        headers.insert(header::COOKIE, header_value(cookies)?);
    }
    translate_origin(ctx, &mut headers)?;
    translate_referer(ctx, &mut headers)?;
    restrict_accept_encoding(&mut headers);
    let mut request = Request::new(body);
    *request.method_mut() = parts.method.clone();
    *request.uri_mut() = uri;
    *request.version_mut() = Version::HTTP_11;
    *request.headers_mut() = headers;
    Ok(request)
}

/// How the request relates to the upstream's site on the real web. The browser's
/// `Sec-Fetch-Site` only knows labels, which are all one site to it; for a request from
/// another label, the real site of its initiator (from `Origin` or `Referer`) decides.
fn request_site(ctx: &RequestContext, parts: &Parts) -> RequestSite {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let lax_navigation = parts.method.is_safe()
        && header("sec-fetch-mode") == Some("navigate")
        && header("sec-fetch-dest") == Some("document");
    let same_site = match header("sec-fetch-site") {
        // No browser signal (not a browser), typed by the user, or the same label.
        None | Some("none") | Some("same-origin") => true,
        Some("same-site") => {
            let jar = &ctx.session.jar;
            header("origin")
                .filter(|o| *o != "null")
                .or_else(|| header("referer"))
                .and_then(|initiator| ctx.mapping.upstream_of(initiator))
                .is_some_and(|initiator| jar.site_of(&initiator) == jar.site_of(&ctx.upstream_url))
        }
        Some(_) => false,
    };
    RequestSite { same_site, lax_navigation }
}

fn header_value(text: String) -> Result<HeaderValue, ProxyError> {
    HeaderValue::try_from(text).map_err(|e| ProxyError::BadRequest(format!("bad header value: {e}")))
}

/// Real sites check `Origin` on POST and WebSocket handshakes: a label origin of this
/// session becomes the real origin; anything else becomes `null`, as for an opaque origin.
fn translate_origin(ctx: &RequestContext, headers: &mut HeaderMap) -> Result<(), ProxyError> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return Ok(()) };
    if origin == "null" {
        return Ok(());
    }
    let real = ctx
        .mapping
        .upstream_of(origin)
        .map(|url| url.origin().ascii_serialization())
        .unwrap_or_else(|| "null".to_owned());
    headers.insert(header::ORIGIN, header_value(real)?);
    Ok(())
}

/// `Referer` becomes the real page's URL; one that is not on the session's labels, or
/// that points at Tandem's own paths (the entry link), is dropped.
fn translate_referer(ctx: &RequestContext, headers: &mut HeaderMap) -> Result<(), ProxyError> {
    let Some(referer) = headers.remove(header::REFERER) else { return Ok(()) };
    let real = referer
        .to_str()
        .ok()
        .and_then(|r| ctx.mapping.upstream_of(r))
        .filter(|url| !url.path().starts_with(TANDEM_PATH_PREFIX));
    if let Some(mut real) = real {
        real.set_fragment(None);
        headers.insert(header::REFERER, header_value(real.into())?);
    }
    Ok(())
}

/// Only codings Tandem can decode are offered, so every HTML and CSS body can be rewritten.
fn restrict_accept_encoding(headers: &mut HeaderMap) {
    let Some(accepted) = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()) else { return };
    let offered: Vec<&str> = accepted
        .split(',')
        .map(|c| c.split(';').next().unwrap_or_default().trim())
        .filter(|c| ALL_CODINGS.iter().any(|d| d.is_named(c)))
        .collect();
    match offered.is_empty() {
        true => headers.remove(header::ACCEPT_ENCODING),
        false => headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(&offered.join(", ")).unwrap_or(HeaderValue::from_static("gzip")),
        ),
    };
}
