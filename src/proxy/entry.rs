//! Tandem's own paths on every label: the entry link that binds a browser to its
//! session, the in-page runtime script and its worker part, the redirect to an origin's
//! label that only the server can compute (hashed fallback labels), and the page's
//! cookies ([`super::cookie`]).

use std::sync::Arc;

use axum::body::Body;
use http::{HeaderValue, Response, StatusCode, header, request::Parts};
use hyper::body::Incoming;
use url::{Position, Url};

use super::context::{TANDEM_PATH_PREFIX, is_bound, query_param};
use super::cookie::{self, COOKIE_PATH};
use crate::error::ProxyError;
use crate::injector::{PAGE_RUNTIME, PAGE_RUNTIME_PATH, WORKER_RUNTIME, WORKER_RUNTIME_PATH};
use crate::origin::UpstreamOrigin;
use crate::origin::binding::set_cookie_value;
use crate::server::AppState;
use crate::session::{Entry, ProxySession};

const ENTRY_PREFIX: &str = "/__tandem/enter/";
/// `?url=<absolute URL>`: redirects to that URL on its origin's label (see [`to_label`]).
const TO_PATH: &str = "/__tandem/to";

/// The path of a session's entry link.
pub fn entry_path(token: &str) -> String {
    format!("{ENTRY_PREFIX}{token}")
}

/// Where a request goes: answered by Tandem itself, or proxied with its body.
pub enum Route {
    /// One of Tandem's own paths, answered.
    Local(Result<Response<Body>, ProxyError>),
    /// Any other path: to be proxied with this body.
    Proxy(Incoming),
}

/// Answers Tandem's own paths; every other path is to be proxied.
pub async fn local_response(
    app: &AppState,
    parts: &Parts,
    body: Incoming,
    session: &Arc<ProxySession>,
    origin: &UpstreamOrigin,
) -> Route {
    let path = parts.uri.path();
    if !path.starts_with(TANDEM_PATH_PREFIX) {
        return Route::Proxy(body);
    }
    Route::Local(match path {
        PAGE_RUNTIME_PATH => Ok(PAGE_RUNTIME.respond(&parts.headers, parts.uri.query()).await),
        WORKER_RUNTIME_PATH => Ok(WORKER_RUNTIME.respond(&parts.headers, parts.uri.query()).await),
        TO_PATH => to_label(app, parts, session),
        COOKIE_PATH => cookie::serve(app, parts, body, session, origin).await,
        // The whole prefix is Tandem's: nothing below it is ever sent upstream.
        _ => match path.strip_prefix(ENTRY_PREFIX) {
            Some(token) => enter(app, parts, session, origin, token),
            None => Err(ProxyError::NoSuchTandemPath),
        },
    })
}

/// The runtime cannot compute hashed fallback labels (IPv6 literals, underscores, long
/// hosts): it sends such URLs here, on the page's own label, and this 307 (method and
/// body kept) points the browser at the URL on its origin's label. Bound browsers only,
/// since it records the fallback label in the session.
fn to_label(app: &AppState, parts: &Parts, session: &Arc<ProxySession>) -> Result<Response<Body>, ProxyError> {
    if !is_bound(parts, session) {
        return Err(ProxyError::NotBound);
    }
    let target =
        query_param(parts, "url").and_then(|value| Url::parse(&value).ok()).ok_or(ProxyError::NoSuchTandemPath)?;
    let origin = UpstreamOrigin::from_url(&target).ok_or(ProxyError::NoSuchTandemPath)?;
    let mapping = app.mapping(session.clone());
    // Hosts never proxied are left as they are, as the page's own URL mapper would.
    let location =
        mapping.proxied(&origin, false, &target[Position::BeforePath..]).unwrap_or_else(|| target.to_string());
    redirect(StatusCode::TEMPORARY_REDIRECT, &location)
}

/// A redirect that is never cached: where it leads depends on the session.
fn redirect(status: StatusCode, location: &str) -> Result<Response<Body>, ProxyError> {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::LOCATION, HeaderValue::from_str(location).map_err(|e| ProxyError::Internal(e.to_string()))?);
    Ok(response)
}

/// First use binds the browser and sends it to the initial page; later uses only
/// redirect a browser that is already bound.
fn enter(
    app: &AppState,
    parts: &Parts,
    session: &ProxySession,
    origin: &UpstreamOrigin,
    token: &str,
) -> Result<Response<Body>, ProxyError> {
    let initial = &session.initial_url;
    let target = if UpstreamOrigin::from_url(initial).as_ref() == Some(origin) {
        initial[Position::BeforePath..].to_owned()
    } else {
        "/".to_owned()
    };
    let mut response = redirect(StatusCode::FOUND, &target)?;
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    match session.enter(token) {
        Entry::Granted => {
            let cookie = set_cookie_value(&session.id, session.binding_token(), &app.zone);
            let value = HeaderValue::from_str(&cookie).map_err(|e| ProxyError::Internal(e.to_string()))?;
            response.headers_mut().insert(header::SET_COOKIE, value);
            Ok(response)
        }
        Entry::AlreadyUsed if is_bound(parts, session) => Ok(response),
        Entry::AlreadyUsed => Err(ProxyError::EntryUsed),
        Entry::Invalid => Err(ProxyError::NotBound),
    }
}
