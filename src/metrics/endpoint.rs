//! `GET /metrics` on the address of `metrics_listen`, apart from the listener that
//! browsers and integrators use: only the operator's scraper should reach it. Every
//! scrape first reads what is live now into the gauges.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{StatusCode, header};
use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;
use tokio::net::TcpListener;

use super::LiveCounts;
use crate::server::AppState;

/// The path the metrics are served at.
pub const METRICS_PATH: &str = "/metrics";

/// Serves the metrics of `state` on `listener`, in a task of their own, until the
/// process ends.
pub fn spawn(listener: TcpListener, state: Arc<AppState>) {
    let router = Router::new().route(METRICS_PATH, get(scrape)).with_state(state);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
}

async fn scrape(State(state): State<Arc<AppState>>) -> Response {
    state.metrics.set_live(LiveCounts {
        proxy_sessions: state.sessions.len(),
        online_visitors: state.live.online_count(),
        cobrowsing_sessions: state.live.ongoing_count(),
        agents: state.live.agent_count(),
    });
    match state.metrics.encode() {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "encoding the metrics failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
