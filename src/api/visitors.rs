//! Visitors: search, one by short id, deletion, and stopping a visitor's session.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::views::VisitorView;
use super::{ErrorBody, OkBody, Params, ok};
use crate::error::ApiError;
use crate::live::END_API;
use crate::server::AppState;
use crate::store::{VisitorRecord, search};

/// Sessions listed with each visitor.
const SESSIONS_PER_VISITOR: usize = 50;
/// Most visitors one search answers, and its default.
const MAX_RESULTS: usize = 10;

/// A search of visitors.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Terms that must all match, at most 32: free text, an email, `id:UNIQUE`, a
    /// 4-digit lookup code, `online`, `-online`, `ip:ADDR`, `#tag`. Every character of
    /// a term stands for itself. Empty: the latest visitors.
    search: Option<String>,
    /// 1 to 10; default 10.
    #[param(minimum = 1, maximum = 10)]
    max_results: Option<usize>,
}

/// Visitors found.
#[derive(Serialize, ToSchema)]
pub struct VisitorListResponse {
    /// Always `ok`.
    status: &'static str,
    /// Online visitors first, then the most recently seen.
    visitors: Vec<VisitorView>,
}

/// One visitor.
#[derive(Serialize, ToSchema)]
pub struct VisitorResponse {
    /// Always `ok`.
    status: &'static str,
    /// The visitor.
    visitor: VisitorView,
}

/// `all=true` confirms deleting every offline visitor.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteAllParams {
    /// Must be `true`.
    #[param(required = true, value_type = super::schema::MustBeTrue, inline)]
    all: Option<bool>,
}

/// Searches visitors, or lists the latest.
#[utoipa::path(get, path = "/list", operation_id = "list_visitors", tag = "visitors", params(ListParams),
    responses(
        (status = 200, description = "Matching visitors with their last 50 sessions", body = VisitorListResponse),
        (status = 400, description = "max_results out of 1..=10 (invalid_max_results), a search of more than 32 terms (invalid_search), or a malformed parameter", body = ErrorBody),
        (status = 401, description = "Missing or wrong X-Api-Key", body = ErrorBody),
    ))]
pub async fn list(
    State(app): State<Arc<AppState>>,
    Params(Query(params)): Params<Query<ListParams>>,
) -> Result<Json<VisitorListResponse>, ApiError> {
    let max = params.max_results.unwrap_or(MAX_RESULTS);
    if !(1..=MAX_RESULTS).contains(&max) {
        return Err(ApiError::InvalidField {
            code: "invalid_max_results",
            message: format!("max_results must be between 1 and {MAX_RESULTS}"),
        });
    }
    let query = search::parse(params.search.as_deref().unwrap_or_default())
        .map_err(|e| ApiError::InvalidField { code: "invalid_search", message: e.to_string() })?;
    app.live.flush().await;
    let found = app
        .records(move |s| {
            s.search_visitors(&query, max)?
                .into_iter()
                .map(|v| {
                    let sessions = s.sessions_of_visitor(&v.short_id, SESSIONS_PER_VISITOR)?;
                    Ok((v, sessions))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let visitors = found.into_iter().map(|(visitor, sessions)| view(&app, visitor, &sessions)).collect();
    Ok(Json(VisitorListResponse { status: "ok", visitors }))
}

/// One visitor.
#[utoipa::path(get, path = "/visitors/{short_id}", operation_id = "get_visitor", tag = "visitors",
    params(("short_id" = String, Path, description = "The visitor's short id")),
    responses(
        (status = 200, description = "The visitor with its last 50 sessions", body = VisitorResponse),
        (status = 400, description = "Malformed short_id (invalid_parameter)", body = ErrorBody),
        (status = 401, description = "Missing or wrong X-Api-Key", body = ErrorBody),
        (status = 404, description = "No such visitor", body = ErrorBody),
    ))]
pub async fn get_one(
    State(app): State<Arc<AppState>>,
    Params(Path(short_id)): Params<Path<String>>,
) -> Result<Json<VisitorResponse>, ApiError> {
    app.live.flush().await;
    let (visitor, sessions) = app
        .records(move |s| {
            let Some(visitor) = s.visitor(&short_id)? else { return Ok(None) };
            let sessions = s.sessions_of_visitor(&short_id, SESSIONS_PER_VISITOR)?;
            Ok(Some((visitor, sessions)))
        })
        .await?
        .ok_or(ApiError::VisitorNotFound)?;
    Ok(Json(VisitorResponse { status: "ok", visitor: view(&app, visitor, &sessions) }))
}

/// Deletes an offline visitor.
#[utoipa::path(delete, path = "/visitors/{short_id}", operation_id = "delete_visitor", tag = "visitors",
    params(("short_id" = String, Path, description = "The visitor's short id")),
    responses(
        (status = 200, description = "Deleted", body = OkBody),
        (status = 400, description = "Malformed short_id (invalid_parameter)", body = ErrorBody),
        (status = 401, description = "Missing or wrong X-Api-Key", body = ErrorBody),
        (status = 404, description = "No such visitor", body = ErrorBody),
        (status = 409, description = "The visitor is online", body = ErrorBody),
    ))]
pub async fn delete_one(
    State(app): State<Arc<AppState>>,
    Params(Path(short_id)): Params<Path<String>>,
) -> Result<Json<OkBody>, ApiError> {
    if app.live.is_online(&short_id) {
        return Err(ApiError::VisitorOnline);
    }
    app.live.end_session(&short_id, END_API);
    app.live.flush().await;
    let id = short_id.clone();
    if !app.records(move |s| s.delete_visitor(&id)).await? {
        return Err(ApiError::VisitorNotFound);
    }
    app.sessions.remove_visitor(&short_id);
    tracing::info!(visitor = %short_id, "visitor deleted");
    Ok(ok())
}

/// Deletes every offline visitor.
#[utoipa::path(delete, path = "/visitors", operation_id = "delete_offline_visitors", tag = "visitors", params(DeleteAllParams),
    responses(
        (status = 200, description = "Offline visitors deleted", body = OkBody),
        (status = 400, description = "all=true is missing, or all is not a boolean", body = ErrorBody),
        (status = 401, description = "Missing or wrong X-Api-Key", body = ErrorBody),
    ))]
pub async fn delete_all(
    State(app): State<Arc<AppState>>,
    Params(Query(params)): Params<Query<DeleteAllParams>>,
) -> Result<Json<OkBody>, ApiError> {
    if params.all != Some(true) {
        return Err(ApiError::InvalidField {
            code: "confirmation_required",
            message: "add all=true to delete every offline visitor".to_owned(),
        });
    }
    app.live.flush().await;
    let deleted = app.records(|s| s.delete_offline_visitors()).await?;
    app.sessions.retain_visitors(|visitor_id| app.live.is_online(visitor_id));
    tracing::info!(deleted, "offline visitors deleted");
    Ok(ok())
}

/// Stops the visitor's co-browsing session now, for the visitor and every agent.
#[utoipa::path(delete, path = "/visitors/{short_id}/session", operation_id = "stop_session", tag = "visitors",
    params(("short_id" = String, Path, description = "The visitor's short id")),
    responses(
        (status = 200, description = "Stopped (or there was none)", body = OkBody),
        (status = 400, description = "Malformed short_id (invalid_parameter)", body = ErrorBody),
        (status = 401, description = "Missing or wrong X-Api-Key", body = ErrorBody),
        (status = 404, description = "No such visitor", body = ErrorBody),
    ))]
pub async fn stop_session(
    State(app): State<Arc<AppState>>,
    Params(Path(short_id)): Params<Path<String>>,
) -> Result<Json<OkBody>, ApiError> {
    let id = short_id.clone();
    if app.records(move |s| s.visitor(&id)).await?.is_none() {
        return Err(ApiError::VisitorNotFound);
    }
    app.live.end_session(&short_id, END_API);
    Ok(ok())
}

/// The view of a visitor, with what live state knows now.
fn view(app: &AppState, mut visitor: VisitorRecord, sessions: &[crate::store::SessionRecord]) -> VisitorView {
    if let Some(presence) = app.live.presence(&visitor.short_id) {
        visitor.presence = presence;
    }
    let (online, in_session) = (app.live.is_online(&visitor.short_id), app.live.is_in_session(&visitor.short_id));
    VisitorView::new(visitor, online, in_session, sessions)
}
