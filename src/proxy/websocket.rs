//! WebSocket upgrades: the handshake goes upstream like any request (Origin translated,
//! cookies from the jar), and after both sides switch protocols the two connections are
//! joined byte for byte. A browser on HTTP/2 asks with an extended `CONNECT` (RFC 8441);
//! the upstream is always asked in HTTP/1.1's form, and the frames are the same on
//! both. A WebSocket to an origin whose label only the server can compute comes through
//! [`FALLBACK_PATH`] on the page's own label.

use std::sync::Arc;

use axum::body::Body;
use base64::Engine;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header, request::Parts};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use url::{Position, Url};

use super::context::{self, RequestContext, is_bound};
use crate::error::ProxyError;
use crate::origin::UpstreamOrigin;
use crate::server::AppState;
use crate::server::connections::ConnectionInUse;
use crate::session::ProxySession;

/// `?url=<ws: or wss: URL>` on a page's own label: the runtime cannot compute hashed
/// fallback labels (IPv6 literals, underscores, long hosts) and a WebSocket follows no
/// redirect, so the handshake comes here and goes up to the URL it names.
pub const FALLBACK_PATH: &str = "/__tandem/ws";

/// Whether the request asks to switch to WebSocket.
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    let connection_upgrade = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case("upgrade"));
    let websocket =
        headers.get(header::UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    connection_upgrade && websocket
}

/// How a browser asked for a WebSocket, which says how it is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handshake {
    /// HTTP/1.1 `Upgrade: websocket`, answered `101 Switching Protocols`.
    Upgrade,
    /// HTTP/2 extended `CONNECT` with `:protocol websocket`, answered `200`.
    Connect,
}

/// The WebSocket handshake `request` asks for, if any. An HTTP/2 one is put in the
/// HTTP/1.1 form the upstream is asked in: a `GET` with `Upgrade`, and a key of
/// Tandem's own (RFC 8441 has none; the browser checks no accept value on HTTP/2).
pub fn handshake<B>(request: &mut Request<B>) -> Option<Handshake> {
    if is_upgrade(request.headers()) {
        return Some(Handshake::Upgrade);
    }
    let protocol = request.extensions().get::<hyper::ext::Protocol>();
    if request.method() != Method::CONNECT || !protocol.is_some_and(|p| p.as_str().eq_ignore_ascii_case("websocket")) {
        return None;
    }
    *request.method_mut() = Method::GET;
    let key = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 16]>());
    let headers = request.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(key) = HeaderValue::try_from(key) {
        headers.insert(header::SEC_WEBSOCKET_KEY, key);
    }
    Some(Handshake::Connect)
}

/// After a 101 from upstream, joins the browser's connection to the upstream's once
/// both have switched; the handshake response itself goes back to the browser.
pub fn join(
    browser: OnUpgrade,
    in_use: Option<ConnectionInUse>,
    mut upstream: Response<hyper::body::Incoming>,
) -> Response<hyper::body::Incoming> {
    let upstream_upgrade = hyper::upgrade::on(&mut upstream);
    tokio::spawn(ConnectionInUse::during(in_use, async move {
        let (browser, upstream) = match tokio::try_join!(browser, upstream_upgrade) {
            Ok(pair) => pair,
            Err(e) => {
                tracing::debug!(error = %e, "websocket upgrade did not complete");
                return;
            }
        };
        let mut browser = TokioIo::new(browser);
        let mut upstream = TokioIo::new(upstream);
        if let Err(e) = tokio::io::copy_bidirectional(&mut browser, &mut upstream).await {
            tracing::debug!(error = %e, "websocket connection ended");
        }
    }));
    upstream
}

/// The handshake's response to the browser: the upstream's headers, its cookies kept
/// in the jar, and no body; on HTTP/2, a `200` without HTTP/1.1's upgrade headers.
pub fn switching_protocols(
    ctx: &RequestContext,
    upstream: Response<hyper::body::Incoming>,
    asked: Handshake,
) -> Response<Body> {
    let (mut parts, _) = upstream.into_parts();
    debug_assert_eq!(parts.status, StatusCode::SWITCHING_PROTOCOLS);
    if asked == Handshake::Connect {
        parts.status = StatusCode::OK;
        for name in [header::CONNECTION, header::UPGRADE, header::SEC_WEBSOCKET_ACCEPT] {
            parts.headers.remove(name);
        }
    }
    for value in parts.headers.get_all(header::SET_COOKIE) {
        if let Ok(text) = value.to_str() {
            ctx.session.jar.absorb(&ctx.upstream_url, text);
        }
    }
    parts.headers.remove(header::SET_COOKIE);
    Response::from_parts(parts, Body::empty())
}

/// For a WebSocket handshake to [`FALLBACK_PATH`], the context of the connection to the
/// URL it names; `None` for every other request. Bound browsers only, like every
/// handshake; the upstream sees the page's real origin and the jar's cookies for the
/// target, and the SSRF guard judges the target's addresses as for any upstream.
pub fn fallback_context(
    app: &AppState,
    parts: &mut Parts,
    session: &Arc<ProxySession>,
) -> Option<Result<RequestContext, ProxyError>> {
    if parts.uri.path() != FALLBACK_PATH || !is_upgrade(&parts.headers) {
        return None;
    }
    if !is_bound(parts, session) {
        return Some(Err(ProxyError::NotBound));
    }
    let target = context::query_param(parts, "url")
        .and_then(|value| Url::parse(&value).ok())
        .filter(|url| matches!(url.scheme(), "ws" | "wss"))
        .and_then(|url| Some((UpstreamOrigin::from_url(&url)?, url)));
    let Some((origin, target)) = target else { return Some(Err(ProxyError::NoSuchTandemPath)) };
    // The browser calls this request same-origin (it went to the page's own label); to
    // a label of the target's own it would have said same-site, which lets the jar judge
    // `SameSite` from the page's real origin, as for any other request between labels.
    parts.headers.insert("sec-fetch-site", HeaderValue::from_static("same-site"));
    let path_and_query = &target[Position::BeforePath..Position::AfterQuery];
    Some(context::resolve_to(app, parts, session.clone(), origin, path_and_query))
}
