//! The visitor's page assets for the agent's viewer:
//! `GET|HEAD /watch/s/<link id>/asset/<label>/<path>?<query>` fetches `<path>?<query>` of
//! the upstream origin behind `<label>` through the proxy's upstream pipeline, with the
//! session's cookies, for an agent whose credential names the link.
//!
//! The agent gets no binding cookie and nothing more than what its replay shows needs:
//! - only labels of the link's own visitor (another session's label is refused);
//! - read-only: GET and HEAD, no request body, the jar is read and never written (no
//!   `Set-Cookie` is stored or passed on);
//! - only inert content: images, fonts, stylesheets, audio and video. Documents, scripts
//!   and data (HTML, JavaScript, JSON...) are refused, not served as text: they are what the
//!   site renders with the visitor's cookies, and would show the agent what the visitor's
//!   browser masks before anything is sent (a masked field's server-rendered value, say);
//!   the mirror never needs them, since rrweb sends the page's DOM and no script runs in
//!   the replay;
//! - stylesheets are rewritten so that their `url()`s and `@import`s load through this
//!   endpoint too; the path keeps the upstream's own path so relative URLs would work anyway;
//! - every answer is `nosniff` and sandboxed by its CSP, so that even an SVG opened on its
//!   own runs no script on the control origin.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::Response;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, Uri, header};
use url::{Position, Url};

use super::{authorized_link, viewer_path};
use crate::error::{ProxyError, WatchError};
use crate::origin::UpstreamOrigin;
use crate::origin::label;
use crate::proxy::body::FilteredBody;
use crate::proxy::context::{self, RequestContext};
use crate::proxy::request;
use crate::rewrite::css::CssStreamRewriter;
use crate::rewrite::{Mapping, UrlMap, decoded, mime_essence};
use crate::server::AppState;
use crate::session::ProxySession;
use crate::store::WatchLinkRecord;

/// What follows the viewer's path in an asset URL.
pub const ASSET_SEGMENT: &str = "/asset/";
/// The agent's request headers that go upstream (the rest are the agent's browser's own).
const FORWARDED: [HeaderName; 6] = [
    header::ACCEPT,
    header::ACCEPT_LANGUAGE,
    header::RANGE,
    header::IF_RANGE,
    header::IF_NONE_MATCH,
    header::IF_MODIFIED_SINCE,
];
/// The upstream's response headers the agent gets (with `Content-Type`).
const KEPT: [HeaderName; 5] =
    [header::CONTENT_RANGE, header::ACCEPT_RANGES, header::ETAG, header::LAST_MODIFIED, header::CONTENT_LENGTH];
/// No script, no plugin, no form, an opaque origin, whatever the body is.
const ASSET_CSP: &str =
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; font-src 'self' data:; sandbox";
/// Font files some servers label `application/octet-stream`.
const FONT_EXTENSIONS: [&str; 5] = [".woff2", ".woff", ".ttf", ".otf", ".eot"];

/// How an asset's body reaches the agent.
#[derive(Debug, PartialEq, Eq)]
enum Inert {
    /// A stylesheet: its URLs are mapped to this endpoint.
    Css,
    /// An image, font or media file: as it came.
    Bytes,
}

/// `GET|HEAD /watch/s/<link id>/asset/<label>/<path>`.
pub async fn serve(
    State(app): State<Arc<AppState>>,
    Path((link_id, _)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, WatchError> {
    if method != Method::GET && method != Method::HEAD {
        return Err(WatchError::ReadOnly);
    }
    let link = authorized_link(&app, &link_id, &headers).await?;
    if link.session_id.is_none() || app.live.ongoing_id(&link.visitor_id) != link.session_id {
        return Err(WatchError::SessionEnded);
    }
    let prefix = format!("{}{ASSET_SEGMENT}", viewer_path(&link.id));
    // The path as sent, percent-escapes and all: the upstream gets it as the page asked.
    let rest = uri.path().strip_prefix(&prefix).ok_or(WatchError::NoSuchAsset)?;
    let (label_text, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (session, origin) = session_of(&app, &link, label_text).await?;
    if app.rules.never_proxy(origin.host()) {
        return Err(ProxyError::NeverProxied(origin.host().to_owned()).into());
    }
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let upstream_url =
        context::upstream_url(&origin, &format!("/{path}{query}")).map_err(|_| WatchError::NoSuchAsset)?;
    let mapping = app.mapping(session.clone());
    let parts = upstream_parts(&app, &link, &mapping, &method, &headers)?;
    let ctx = RequestContext { session, origin, upstream_url, mapping, credentialed: true };
    let upstream_request = request::build(&ctx, &parts, Body::empty(), false)?;
    let upstream = app.upstream.send(upstream_request).await.map_err(ProxyError::from)?;
    let urls = AssetUrls { mapping: ctx.mapping, base: ctx.upstream_url, prefix };
    answer(&app, &method, urls, upstream)
}

/// The session and upstream origin behind `label_text`, which must be the link's visitor's.
async fn session_of(
    app: &AppState,
    link: &WatchLinkRecord,
    label_text: &str,
) -> Result<(Arc<ProxySession>, UpstreamOrigin), WatchError> {
    let decoded = label::decode(&label_text.to_ascii_lowercase()).ok_or(WatchError::NoSuchAsset)?;
    let session = match app.sessions.get(decoded.session()) {
        Some(session) => session,
        None => app.restore_session(decoded.session()).await.ok_or(WatchError::NoSuchAsset)?,
    };
    if session.visitor_id != link.visitor_id {
        return Err(WatchError::ForeignSession);
    }
    let origin = session.origin_of(&label_text.to_ascii_lowercase(), decoded).ok_or(WatchError::NoSuchAsset)?;
    Ok((session, origin))
}

/// The request as the visitor's page would make it for a subresource: the agent's
/// `Accept`, ranges and validators, the visitor's `User-Agent`, and the visitor's page as
/// `Referer` (which also tells the jar whether the asset is same-site to the page).
fn upstream_parts(
    app: &AppState,
    link: &WatchLinkRecord,
    mapping: &Mapping,
    method: &Method,
    agent: &HeaderMap,
) -> Result<http::request::Parts, WatchError> {
    let mut request = Request::builder().method(method.clone()).uri("/");
    for name in FORWARDED {
        for value in agent.get_all(&name) {
            request = request.header(&name, value);
        }
    }
    let presence = app.live.presence(&link.visitor_id).unwrap_or_default();
    if let Some(agent) = presence.user_agent.or_else(|| agent_header(agent, header::USER_AGENT)) {
        request = request.header(header::USER_AGENT, agent);
    }
    let page = presence.url.as_deref().and_then(|url| Url::parse(url).ok());
    let page_label_url =
        page.and_then(|page| mapping.proxied(&UpstreamOrigin::from_url(&page)?, false, &page[Position::BeforePath..]));
    match page_label_url {
        Some(page) => request = request.header("sec-fetch-site", "same-site").header(header::REFERER, page),
        None => request = request.header("sec-fetch-site", "same-origin"),
    }
    let (parts, ()) = request.body(()).map_err(|e| ProxyError::BadRequest(e.to_string()))?.into_parts();
    Ok(parts)
}

fn agent_header(headers: &HeaderMap, name: HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// The agent's response: inert content only, stylesheets rewritten, nothing stored.
fn answer(
    app: &AppState,
    method: &Method,
    urls: AssetUrls,
    upstream: http::Response<hyper::body::Incoming>,
) -> Result<Response, WatchError> {
    let (parts, body) = upstream.into_parts();
    let text = |name| parts.headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let mut response = Response::new(Body::empty());
    *response.status_mut() = parts.status;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_SECURITY_POLICY, ASSET_CSP),
        (HeaderName::from_static("cross-origin-resource-policy"), "same-origin"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "private, max-age=60"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if parts.status.is_redirection() {
        let location = text(header::LOCATION).and_then(|l| urls.base.join(l).ok()).and_then(|to| urls.path_of(&to));
        if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            headers.insert(header::LOCATION, location);
        }
        return Ok(response);
    }
    if !parts.status.is_success() {
        // An error page of the site is not an asset either: the status says enough.
        return Ok(response);
    }
    let content_type = text(header::CONTENT_TYPE).unwrap_or_default();
    let kind = inert_kind(content_type, urls.base.path())
        .ok_or_else(|| WatchError::NotInert(mime_essence(content_type).to_owned()))?;
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    let css = (kind == Inert::Css && parts.status == StatusCode::OK)
        .then(|| {
            decoded(
                Box::new(CssStreamRewriter::new(urls, app.limits.css_buffer)),
                text(header::CONTENT_ENCODING),
                &app.limits,
            )
        })
        .flatten();
    if css.is_none() {
        for name in KEPT.into_iter().chain([header::CONTENT_ENCODING]) {
            if let Some(value) = parts.headers.get(&name) {
                headers.insert(name, value.clone());
            }
        }
    }
    if *method == Method::HEAD {
        return Ok(response);
    }
    *response.body_mut() = match css {
        Some(filter) => Body::new(FilteredBody::new(body, filter, app.metrics.clone())),
        None => Body::new(body),
    };
    Ok(response)
}

/// What `content_type` (of a file at `path`) is, if it is inert.
fn inert_kind(content_type: &str, path: &str) -> Option<Inert> {
    let essence = mime_essence(content_type).to_ascii_lowercase();
    let (kind, subtype) = essence.split_once('/')?;
    let font_file = || FONT_EXTENSIONS.iter().any(|ext| path.to_ascii_lowercase().ends_with(ext));
    match (kind, subtype) {
        ("text", "css") => Some(Inert::Css),
        ("image" | "font" | "audio" | "video", _) => Some(Inert::Bytes),
        (
            "application",
            "vnd.ms-fontobject" | "font-woff" | "font-woff2" | "font-sfnt" | "x-font-ttf" | "x-font-otf",
        ) => Some(Inert::Bytes),
        ("application", "octet-stream") if font_file() => Some(Inert::Bytes),
        _ => None,
    }
}

/// Maps the URLs of an asset (a stylesheet's) to this endpoint.
struct AssetUrls {
    mapping: Mapping,
    /// The upstream URL of the asset: its references resolve against it.
    base: Url,
    /// `/watch/s/<link id>/asset/`.
    prefix: String,
}

impl AssetUrls {
    /// The endpoint's path for upstream `url`; the URL itself for a host the rules keep out
    /// of the proxy (the viewer's CSP then keeps the agent's browser from loading it);
    /// `None` for what is no web URL (`data:`, ...), which stays as written.
    fn path_of(&self, url: &Url) -> Option<String> {
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        let origin = UpstreamOrigin::from_url(url)?;
        if self.mapping.rules.never_proxy(origin.host()) {
            return Some(url.to_string());
        }
        let label = self.mapping.session.label_for(&origin);
        Some(format!("{}{label}{}", self.prefix, &url[Position::BeforePath..]))
    }
}

impl UrlMap for AssetUrls {
    fn map_url(&self, raw: &str) -> Option<String> {
        let trimmed = raw.trim_matches(|c: char| c.is_ascii_whitespace());
        // A fragment alone names something in the same document (an SVG filter).
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return None;
        }
        self.path_of(&self.base.join(trimmed).ok()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inert_types_are_served() {
        for (content_type, path, kind) in [
            ("text/css; charset=utf-8", "/a.css", Some(Inert::Css)),
            ("image/png", "/a", Some(Inert::Bytes)),
            ("IMAGE/SVG+XML", "/a.svg", Some(Inert::Bytes)),
            ("font/woff2", "/f", Some(Inert::Bytes)),
            ("video/mp4", "/v", Some(Inert::Bytes)),
            ("application/octet-stream", "/f/Font.WOFF2", Some(Inert::Bytes)),
            ("application/octet-stream", "/export.bin", None),
            ("text/html", "/a.png", None),
            ("text/javascript", "/a.js", None),
            ("application/json", "/a", None),
            ("", "/a.png", None),
        ] {
            assert_eq!(inert_kind(content_type, path), kind, "{content_type} {path}");
        }
    }

    #[test]
    fn stylesheet_urls_go_through_the_endpoint() {
        let rewriter = crate::rewrite::url::test_rewriter("https://shop.test/");
        let mapping = rewriter.mapping().clone();
        let sid = mapping.session.id.to_string();
        let base = Url::parse("https://cdn.test/css/app.css?v=1").expect("url");
        let urls = AssetUrls { mapping, base, prefix: "/watch/s/w1/asset/".to_owned() };
        for (raw, mapped) in [
            ("img/bg.png", Some(format!("/watch/s/w1/asset/{sid}s-cdn-test/css/img/bg.png"))),
            ("/font.woff2?x=1", Some(format!("/watch/s/w1/asset/{sid}s-cdn-test/font.woff2?x=1"))),
            ("//shop.test/a.png", Some(format!("/watch/s/w1/asset/{sid}s-shop-test/a.png"))),
            ("http://shop.test:8080/b.png", Some(format!("/watch/s/w1/asset/{sid}h8080-shop-test/b.png"))),
            ("data:image/png;base64,AA", None),
            ("#filter", None),
            ("", None),
        ] {
            assert_eq!(urls.map_url(raw), mapped, "{raw}");
        }
    }
}
