//! The agent's viewer page, for the agent whose credential the request carries: the
//! page (`injector/viewer/viewer.html`) that loads the replayer and the viewer's code
//! from [`super::bundle`], under a strict CSP. No script but those two runs on the
//! page, and the replay iframe (sandboxed by rrweb without `allow-scripts`) inherits the
//! page's policy: it loads images, fonts and styles from the control origin (the asset
//! endpoint) and `data:`/`blob:` only, so the visitor's page cannot make the agent's
//! browser contact anyone else.

use std::sync::{Arc, LazyLock};

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use http::{HeaderMap, HeaderValue, header};

use super::{authorized_link, bundle};
use crate::error::WatchError;
use crate::server::AppState;

const VIEWER_HTML: &str = include_str!("../../injector/viewer/viewer.html");
/// rrweb's replayer sets inline styles and `<style>` elements, hence `'unsafe-inline'`
/// for styles (never for scripts). `'self'` covers the agent socket (`ws:`/`wss:` of
/// the same host). No frame restriction: integrators embed the viewer (`naked`,
/// `page_only`).
pub const VIEWER_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' data: blob:; connect-src 'self'; \
     frame-src 'self'; base-uri 'none'; form-action 'none'";

/// The page with its code's versioned URLs; the content origin is filled in per Tandem.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    VIEWER_HTML
        .replace("{{viewer.css}}", &bundle::url("viewer.css"))
        .replace("{{replay.js}}", &bundle::url("replay.js"))
        .replace("{{viewer.js}}", &bundle::url("viewer.js"))
        .replace("{{max_frame}}", &crate::live::MAX_INFLATED_FRAME.to_string())
});

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
    let content_origin = app.config.content_origin.as_str().trim_end_matches('/');
    let page = PAGE.replace("{{content_origin}}", &html_escape::encode_double_quoted_attribute(content_origin));
    let mut response = Html(page).into_response();
    let out = response.headers_mut();
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    out.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(VIEWER_CSP));
    out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    out.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}
