//! `GET /v1.3/cobrowsing_sessions/list`: co-browsing sessions ordered by start, a page
//! at a time.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::views::{SessionView, parse_iso8601};
use super::{ErrorBody, Params};
use crate::error::ApiError;
use crate::server::AppState;
use crate::store::SessionQuery;

/// Sessions in one page, and the most one may ask for.
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 500;

/// Which sessions.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only sessions that started before this session.
    before_id: Option<String>,
    /// Only sessions that started after this session (the cursor: `last_id`).
    after_id: Option<String>,
    /// Only sessions going on now (default false).
    ongoing_only: Option<bool>,
    /// Only sessions whose record changed after this time (ISO 8601).
    #[param(format = DateTime)]
    updated_after: Option<String>,
    /// Sessions per page, 1 to 500; default 50.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
}

/// A page of sessions.
#[derive(Serialize, ToSchema)]
pub struct SessionListResponse {
    /// Always `ok`.
    status: &'static str,
    /// Sorted by start, first to last.
    cobrowsing_sessions: Vec<SessionView>,
    /// Whether more sessions match (continue with `after_id=last_id`).
    has_more: bool,
    /// The id of the last session of this page.
    last_id: Option<String>,
}

/// Lists co-browsing sessions.
#[utoipa::path(get, path = "/cobrowsing_sessions/list", operation_id = "list_sessions", tag = "sessions", params(ListParams),
    responses(
        (status = 200, description = "A page of sessions", body = SessionListResponse),
        (status = 400, description = "Bad updated_after, limit or boolean", body = ErrorBody),
        (status = 401, description = "Missing or wrong X-Api-Key", body = ErrorBody),
    ))]
pub async fn list(
    State(app): State<Arc<AppState>>,
    Params(Query(params)): Params<Query<ListParams>>,
) -> Result<Json<SessionListResponse>, ApiError> {
    let updated_after = match params.updated_after.as_deref() {
        Some(text) => Some(parse_iso8601(text).ok_or_else(|| ApiError::InvalidField {
            code: "invalid_updated_after",
            message: "updated_after must be an ISO 8601 time such as 2026-11-23T17:01:49.700Z".to_owned(),
        })?),
        None => None,
    };
    let limit = params.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::InvalidField {
            code: "invalid_limit",
            message: format!("limit must be between 1 and {MAX_PAGE}"),
        });
    }
    let query = SessionQuery {
        before_id: params.before_id,
        after_id: params.after_id,
        ongoing_only: params.ongoing_only.unwrap_or(false),
        updated_after,
        limit,
    };
    app.live.flush().await;
    let (sessions, has_more) = app.records(move |s| s.list_sessions(&query)).await?;
    let last_id = sessions.last().map(|s| s.id.clone());
    Ok(Json(SessionListResponse {
        status: "ok",
        cobrowsing_sessions: sessions.iter().map(SessionView::new).collect(),
        has_more,
        last_id,
    }))
}
