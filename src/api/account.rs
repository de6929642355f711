//! The account's usage counters and agent lookup.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::views::AgentView;
use super::{ErrorBody, Params};
use crate::error::ApiError;
use crate::live::now_millis;
use crate::server::AppState;

/// Sessions listed with an agent.
const SESSIONS_PER_AGENT: usize = 10;

/// The usage counters, grouped as the reference groups them.
#[derive(Serialize, ToSchema)]
pub struct UsageResponse {
    /// Always `ok`.
    status: &'static str,
    /// The counters.
    usage: UsageView,
}

/// Counters computed from the records.
#[derive(Serialize, ToSchema)]
pub struct UsageView {
    /// Distinct agents who joined sessions.
    agents: Window,
    /// Sessions started, and ongoing now.
    session_counts: SessionCounts,
    /// Seconds of co-browsing.
    session_seconds: Window,
    /// Visitors.
    visitors: VisitorCounts,
}

/// A count over the last 24 hours and the last 30 days.
#[derive(Serialize, ToSchema)]
pub struct Window {
    /// Last 30 days.
    last_30_days: u64,
    /// Last 24 hours.
    today: u64,
}

/// Session counts.
#[derive(Serialize, ToSchema)]
pub struct SessionCounts {
    /// Started in the last 30 days.
    last_30_days: u64,
    /// Going on now.
    now: u64,
    /// Started in the last 24 hours.
    today: u64,
}

/// Visitor counts.
#[derive(Serialize, ToSchema)]
pub struct VisitorCounts {
    /// Seen in the last 24 hours.
    last_24_hrs: u64,
    /// Online now.
    online_now: u64,
}

/// The account's usage.
#[utoipa::path(get, path = "/usage", operation_id = "usage", tag = "account",
    responses(
        (status = 200, description = "Usage counters", body = UsageResponse),
        (status = 401, description = "Missing or wrong X-Api-Key", body = ErrorBody),
    ))]
pub async fn usage(State(app): State<Arc<AppState>>) -> Result<Json<UsageResponse>, ApiError> {
    app.live.flush().await;
    let u = app.records(|s| s.usage(now_millis())).await?;
    Ok(Json(UsageResponse {
        status: "ok",
        usage: UsageView {
            agents: Window { last_30_days: u.agents_last_30_days, today: u.agents_today },
            session_counts: SessionCounts {
                last_30_days: u.sessions_last_30_days,
                now: u.sessions_now,
                today: u.sessions_today,
            },
            session_seconds: Window { last_30_days: u.session_seconds_last_30_days, today: u.session_seconds_today },
            visitors: VisitorCounts { last_24_hrs: u.visitors_last_24_hrs, online_now: u.visitors_online_now },
        },
    }))
}

/// Who to look up: an agent by the integrator's id. Tandem has no agent accounts of its
/// own, so `email` finds none.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupParams {
    /// The integrator's id of the agent, as given in watch links.
    external_id: Option<String>,
    /// Always answers 404: there are no built-in agent accounts.
    email: Option<String>,
}

/// An agent and its sessions.
#[derive(Serialize, ToSchema)]
pub struct AgentResponse {
    /// Always `ok`.
    status: &'static str,
    /// The agent with its last 10 sessions.
    agent: AgentView,
}

/// Looks up an agent.
#[utoipa::path(get, path = "/agents/lookup", operation_id = "lookup_agent", tag = "account", params(LookupParams),
    responses(
        (status = 200, description = "The agent with its last 10 sessions", body = AgentResponse),
        (status = 400, description = "A malformed parameter, e.g. external_id given twice", body = ErrorBody),
        (status = 401, description = "Missing or wrong X-Api-Key", body = ErrorBody),
        (status = 404, description = "No such agent", body = ErrorBody),
    ))]
pub async fn agent_lookup(
    State(app): State<Arc<AppState>>,
    Params(Query(params)): Params<Query<LookupParams>>,
) -> Result<Json<AgentResponse>, ApiError> {
    let Some(id) = params.external_id.filter(|_| params.email.is_none()) else {
        return Err(ApiError::AgentNotFound);
    };
    app.live.flush().await;
    let (agent, sessions) = app
        .records(move |s| {
            let Some(agent) = s.agent(&id)? else { return Ok(None) };
            Ok(Some((agent, s.sessions_of_agent(&id, SESSIONS_PER_AGENT)?)))
        })
        .await?
        .ok_or(ApiError::AgentNotFound)?;
    Ok(Json(AgentResponse { status: "ok", agent: AgentView::new(agent, &sessions) }))
}
