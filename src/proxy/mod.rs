//! The proxy pipeline for requests to the content zone, one phase per file:
//!
//! 1. [`context`]: resolve the session and upstream origin from the label, check binding;
//!    [`entry`] answers Tandem's own paths (entry link, runtime script, [`cookie`]);
//! 2. [`request`]: build the upstream request;
//! 3. send it through [`crate::upstream`];
//! 4. [`response`]: rewrite the response headers and pick the body filter;
//! 5. [`body`]: stream the body through the synchronous filter.
//!
//! The visitor's presence socket is Tandem's own ([`crate::live::visitor_socket`]), and
//! so is every request to the visitor's panel ([`crate::live::serve_panel`]).
//! WebSocket handshakes take the same road (also to the URL a [`websocket::FALLBACK_PATH`]
//! request names) and are then joined in [`websocket`];
//! failures become an [`error_page`].

pub mod body;
pub mod context;
pub mod cookie;
pub mod entry;
pub mod error_page;
pub mod request;
pub mod response;
pub mod websocket;

use std::time::Instant;

use axum::body::Body;
use http::header::{COOKIE, SET_COOKIE};
use http::{Request, Response, StatusCode};
use hyper::body::Incoming;

use crate::error::ProxyError;
use crate::origin::{SessionId, sweep};
use crate::server::AppState;
use crate::server::connections::ConnectionInUse;

/// Serves one request for the content zone. Every answer but a protocol switch also
/// deletes the browser cookies on the zone that Tandem did not set ([`sweep`]).
pub async fn handle(app: &AppState, request: Request<Incoming>) -> Response<Body> {
    let deletions = foreign_cookies(app, &request);
    let mut response = match pipeline(app, request).await {
        Ok(response) => response,
        Err(error) => {
            if let ProxyError::Upstream(e) = &error {
                tracing::info!(error = %e, "upstream failed");
            }
            let mut page = error_page::render(&error);
            page.extensions_mut().insert(error.outcome());
            page
        }
    };
    if response.status() != StatusCode::SWITCHING_PROTOCOLS && !deletions.is_empty() {
        let headers = response.headers_mut();
        // What the answer sets itself (the binding, at the entry link) is not undone.
        let set: Vec<Vec<u8>> = headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.as_bytes().split(|b| *b == b'=').next().map(|n| n.trim_ascii().to_vec()))
            .collect();
        for deletion in deletions.into_iter().filter(|d| !set.contains(&d.name)) {
            headers.append(SET_COOKIE, deletion.value);
        }
    }
    response
}

/// The deletions of the cookies on the zone that `request` carries and Tandem did not set.
fn foreign_cookies(app: &AppState, request: &Request<Incoming>) -> Vec<sweep::Deletion> {
    let headers = request.headers();
    if !headers.contains_key(COOKIE) {
        return Vec::new();
    }
    let host = crate::origin::request_host_name(headers, request.uri());
    let sent = sweep::Sent { host: &host, path: request.uri().path() };
    let binding_of = |id: &SessionId| app.sessions.get(id).map(|s| s.binding_token().to_owned());
    let cookies: Vec<&[u8]> = headers.get_all(COOKIE).iter().map(|v| v.as_bytes()).collect();
    sweep::deletions(&app.zone, &sent, cookies.into_iter(), binding_of)
}

async fn pipeline(app: &AppState, mut request: Request<Incoming>) -> Result<Response<Body>, ProxyError> {
    // The visitor's panel has a name of its own in the zone, never a label's.
    let host = crate::origin::request_host(request.headers(), request.uri()).map(str::to_ascii_lowercase);
    if host.is_some_and(|host| app.zone.is_panel_host(&host)) {
        return crate::live::serve_panel(app, request).await;
    }
    if request.uri().path() == crate::live::VISITOR_SOCKET_PATH {
        return crate::live::visitor_socket(app, request).await;
    }
    let handshake = websocket::handshake(&mut request);
    let websocket = handshake.is_some();
    let browser_upgrade = handshake.map(|asked| (asked, hyper::upgrade::on(&mut request)));
    let (mut parts, body) = request.into_parts();

    let (session, origin) = context::find_session(app, &parts).await?;
    let (ctx, body) = match websocket::fallback_context(app, &mut parts, &session) {
        Some(ctx) => (ctx?, body),
        None => {
            let body = match entry::local_response(app, &parts, body, &session, &origin).await {
                entry::Route::Local(answer) => return answer,
                entry::Route::Proxy(body) => body,
            };
            (context::resolve(app, &parts, session, origin)?, body)
        }
    };

    let body = if websocket { Body::empty() } else { Body::new(body) };
    let upstream_request = request::build(&ctx, &parts, body, websocket)?;

    let sent = Instant::now();
    let upstream_response = match websocket {
        true => app.upstream.send_upgrade(upstream_request).await?,
        false => app.upstream.send(upstream_request).await?,
    };
    app.metrics.upstream_first_byte.observe(sent.elapsed().as_secs_f64());
    if let Some((asked, browser_upgrade)) = browser_upgrade
        && upstream_response.status() == StatusCode::SWITCHING_PROTOCOLS
    {
        let in_use = ConnectionInUse::of(&parts.extensions);
        let response = websocket::join(browser_upgrade, in_use, upstream_response);
        return Ok(websocket::switching_protocols(&ctx, response, asked));
    }

    let upstream_response = upstream_response.map(|body| app.metrics.upstream_body(body, sent));
    let host = ctx.origin.host().to_owned();
    let rule_dropped = |name: &http::HeaderName| app.rules.drops_header(&host, name);
    let response = response::rewrite(&ctx, &parts, upstream_response, &app.limits, &rule_dropped, &app.metrics);
    Ok(response.map(|body| Body::new(app.metrics.client_body(body))))
}
