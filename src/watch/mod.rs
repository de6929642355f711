//! Watch links on the control origin. `GET /watch/<token>` checks the signed token and,
//! the first time only, trades it for the agent's own credential: an HttpOnly cookie
//! scoped to that link's viewer, `/watch/s/<link id>`. The viewer page and its live
//! socket ([`crate::live::agent_socket`]) admit only that credential, and carry the
//! permissions the integrator gave the link.

mod asset;
mod bundle;
pub mod token;
mod viewer;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use sha2::{Digest, Sha256};

use crate::error::{ProxyError, WatchError};
use crate::live::now_millis;
use crate::origin::binding::{cookie_headers, cookie_pairs, random_token, secrets_match};
use crate::proxy::error_page::render_page;
use crate::server::AppState;
use crate::store::WatchLinkRecord;
pub use token::WatchTokens;

/// Where watch links point, below the control origin.
pub const WATCH_PREFIX: &str = "/watch/";
/// Prefix of the agent credential cookies.
const AGENT_COOKIE_PREFIX: &str = "tandem_agent_";

/// The watch URL path of a token.
pub fn watch_path(token: &str) -> String {
    format!("{WATCH_PREFIX}{token}")
}

/// The viewer page of a link.
fn viewer_path(link_id: &str) -> String {
    format!("{WATCH_PREFIX}s/{link_id}")
}

/// The routes of watch links and viewer pages.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/watch/{token}", get(open_link))
        .route("/watch/s/{link_id}", get(viewer::page))
        .route("/watch/s/{link_id}/live", get(crate::live::agent_socket).connect(crate::live::agent_socket))
        .route("/watch/s/{link_id}/asset/{*rest}", any(asset::serve))
        .route("/watch/assets/{name}", get(bundle::serve))
}

impl IntoResponse for WatchError {
    fn into_response(self) -> Response {
        match &self {
            WatchError::Store(e) => tracing::error!(error = %e, "watch link"),
            WatchError::Asset(ProxyError::Upstream(e)) => tracing::info!(error = %e, "agent asset: upstream failed"),
            _ => {}
        }
        let (status, title) = self.status_and_title();
        let mut page = render_page(status, title, &self.to_string()).into_response();
        if let WatchError::Asset(e) = &self {
            page.extensions_mut().insert(e.outcome());
        }
        page
    }
}

/// The agent's first open of a watch link: sets its credential and sends it to the viewer.
async fn open_link(
    State(app): State<Arc<AppState>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WatchError> {
    let verified = app.watch_tokens.verify(&token, now_millis()).map_err(|_| WatchError::Forged)?;
    let id = verified.link_id.to_owned();
    let link = app.records(move |s| s.watch_link(&id)).await?.ok_or(WatchError::Forged)?;
    // The same browser opening its link again (a reload, even after the link's
    // lifetime) goes back to its viewer.
    if link.redeemed_at.is_some() && credential_matches(&headers, &link) {
        return Ok(see_other(&viewer_path(&link.id)));
    }
    if verified.expired {
        return Err(WatchError::Expired);
    }
    let credential = random_token();
    let (id, hash) = (link.id.clone(), credential_hash(&credential));
    if !app.records(move |s| s.redeem_watch_link(&id, now_millis(), &hash)).await? {
        return Err(WatchError::AlreadyUsed);
    }
    let path = viewer_path(&link.id);
    let attributes = if app.config.control_origin.scheme() == "https" {
        "Secure; SameSite=None; Partitioned"
    } else {
        "SameSite=Lax"
    };
    let cookie = format!("{AGENT_COOKIE_PREFIX}{}={credential}; Path={path}; HttpOnly; {attributes}", link.id);
    let mut response = see_other(&path);
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    tracing::info!(link = %link.id, visitor = %link.visitor_id, agent = %link.grant.agent.id, "watch link opened");
    Ok(response)
}

/// The watch link whose credential the request carries, for the viewer and its socket.
pub async fn authorized_link(
    app: &AppState,
    link_id: &str,
    headers: &HeaderMap,
) -> Result<WatchLinkRecord, WatchError> {
    let id = link_id.to_owned();
    // The session a link joined is written by the live writer: read after it.
    app.live.flush().await;
    let link = app.records(move |s| s.watch_link(&id)).await?.ok_or(WatchError::NotAgent)?;
    if !credential_matches(headers, &link) {
        return Err(WatchError::NotAgent);
    }
    Ok(link)
}

fn credential_matches(headers: &HeaderMap, link: &WatchLinkRecord) -> bool {
    let Some(expected) = &link.credential_hash else { return false };
    let name = format!("{AGENT_COOKIE_PREFIX}{}", link.id);
    let values = cookie_headers(headers);
    cookie_pairs(values.iter().map(|v| v.as_ref()))
        .any(|(n, value)| n == name && secrets_match(&credential_hash(value), expected))
}

/// Only a hash of the credential is kept: the records alone let no one act as the agent.
fn credential_hash(credential: &str) -> String {
    Sha256::digest(credential.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn see_other(location: &str) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::SEE_OTHER;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, value);
    }
    response
}
