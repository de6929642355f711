//! The agent's viewer page, for the agent whose credential the request carries. For now
//! it shows the session's state and the visitor's page address, browser and device,
//! with a button to end the session; the live mirror takes its place later.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use http::{HeaderMap, HeaderValue, header};

use super::authorized_link;
use crate::error::WatchError;
use crate::server::AppState;

const VIEWER_HTML: &str = include_str!("../../injector/viewer/viewer.html");

/// `GET /watch/s/<link id>`.
pub async fn page(
    State(app): State<Arc<AppState>>,
    Path(link_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WatchError> {
    let link = authorized_link(&app, &link_id, &headers).await?;
    if link.session_id.is_some() && app.live.ongoing_id(&link.visitor_id) != link.session_id {
        return Err(WatchError::SessionEnded);
    }
    // No frame restriction: integrators embed the viewer (`branding.naked`).
    let mut response = Html(VIEWER_HTML).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
