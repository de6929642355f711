//! WebSocket upgrades: the handshake goes upstream like any request (Origin translated,
//! cookies from the jar), and after both sides switch protocols the two connections are
//! joined byte for byte.

use axum::body::Body;
use http::{HeaderMap, Response, StatusCode, header};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;

use super::context::RequestContext;

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

/// After a 101 from upstream, joins the browser's connection to the upstream's once
/// both have switched; the handshake response itself goes back to the browser.
pub fn join(browser: OnUpgrade, mut upstream: Response<hyper::body::Incoming>) -> Response<hyper::body::Incoming> {
    let upstream_upgrade = hyper::upgrade::on(&mut upstream);
    tokio::spawn(async move {
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
    });
    upstream
}

/// The handshake's response to the browser: the upstream's headers, its cookies kept
/// in the jar, and no body.
pub fn switching_protocols(ctx: &RequestContext, upstream: Response<hyper::body::Incoming>) -> Response<Body> {
    let (mut parts, _) = upstream.into_parts();
    debug_assert_eq!(parts.status, StatusCode::SWITCHING_PROTOCOLS);
    for value in parts.headers.get_all(header::SET_COOKIE) {
        if let Ok(text) = value.to_str() {
            ctx.session.jar.absorb(&ctx.upstream_url, text);
        }
    }
    parts.headers.remove(header::SET_COOKIE);
    Response::from_parts(parts, Body::empty())
}
