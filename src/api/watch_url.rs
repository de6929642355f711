//! `POST /v1.3/visitors/{short_id}/watch_url`: a short-lived, single-use link that
//! lets whoever opens it co-browse with the visitor, with the permissions and branding
//! the integrator chose.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use url::Url;
use utoipa::ToSchema;

use super::views::iso8601;
use super::{ErrorBody, Params, check_flat, read_json};
use crate::error::ApiError;
use crate::live::now_millis;
use crate::server::AppState;
use crate::store::{AgentRef, Metadata, WatchGrant, WatchLinkRecord, random_id};
use crate::watch::watch_path;

/// Characters after `w_` in a watch link id.
const LINK_ID_LEN: usize = 16;
/// Longest `language` tag.
const MAX_LANGUAGE_LEN: usize = 35;

/// What the watch link grants.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchUrlRequest {
    /// The agent who is to watch (`id` required).
    #[schema(value_type = AgentInput, required = true)]
    agent: Option<AgentInput>,
    /// How the viewer looks.
    branding: Option<Branding>,
    /// What the agent may do; every field has a default.
    permissions: Option<Permissions>,
    /// Flat metadata added to the session record.
    #[schema(schema_with = super::schema::flat_metadata)]
    metadata: Option<Metadata>,
    /// Receives the session record as JSON (POST) when the session ends.
    #[schema(format = "uri", pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]")]
    webhook_url: Option<String>,
    /// The starting state of the agent's notes.
    initial_notes: Option<String>,
    /// Language of the viewer's interface; default: the agent's browser's.
    #[schema(min_length = 1, max_length = 35)]
    language: Option<String>,
    /// Someone watching in the agent's place.
    viewer: Option<AgentInput>,
}

/// An agent or viewer as the integrator names them.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentInput {
    /// The integrator's id.
    #[schema(value_type = String, required = true, pattern = "\\S")]
    id: Option<String>,
    /// A display name.
    name: Option<String>,
}

/// `naked`: `false` (default), `true` (no Tandem logo) or `"page_only"` (only the page;
/// the embedding page drives the viewer with `postMessage`).
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Branding {
    /// `false`, `true` or `"page_only"`.
    #[serde(default = "not_naked")]
    #[schema(schema_with = super::schema::naked)]
    naked: serde_json::Value,
    /// Where the agent goes when the session ends; default: the window closes.
    #[schema(format = "uri", pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]")]
    on_end_url: Option<String>,
    /// A "Retry now" link shown when there are problems; default: none.
    #[schema(format = "uri", pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]")]
    retry_url: Option<String>,
}

fn not_naked() -> serde_json::Value {
    serde_json::Value::Bool(false)
}

/// What the agent may do. The server enforces these on the relay, and the visitor's
/// page checks them again.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Permissions {
    /// Redirect and reload the visitor's page (default true).
    allow_agent_redirect: bool,
    /// Audio (default true).
    allow_audio: bool,
    /// Remote click (default true).
    allow_click: bool,
    /// Remote console (default false).
    allow_console: bool,
    /// Drawing (default true).
    allow_draw: bool,
    /// Remote scroll (default true).
    allow_scroll: bool,
    /// Remote typing (default true).
    allow_type: bool,
    /// Confetti (default true).
    allow_confetti: bool,
    /// Notes (default true).
    allow_notes: bool,
    /// Showing the agent's screen to the visitor (default true).
    allow_show_agent_screen: bool,
    /// Asking for the visitor's whole screen (default true).
    allow_request_visitor_screen: bool,
    /// Hide the visitor's private details (IP address) from the agent (default false).
    hide_private_details: bool,
}

impl Default for Permissions {
    fn default() -> Self {
        Permissions {
            allow_agent_redirect: true,
            allow_audio: true,
            allow_click: true,
            allow_console: false,
            allow_draw: true,
            allow_scroll: true,
            allow_type: true,
            allow_confetti: true,
            allow_notes: true,
            allow_show_agent_screen: true,
            allow_request_visitor_screen: true,
            hide_private_details: false,
        }
    }
}

/// The watch link.
#[derive(Serialize, ToSchema)]
pub struct WatchUrlResponse {
    /// Always `ok`.
    status: &'static str,
    /// Send the agent's browser here at once; it works once, until `expiration`.
    #[schema(format = "uri")]
    watch_url: String,
    /// When the link stops working (ISO 8601).
    #[schema(format = DateTime)]
    expiration: String,
}

/// Issues a watch link for the visitor.
#[utoipa::path(post, path = "/visitors/{short_id}/watch_url", operation_id = "create_watch_url", tag = "watch links",
    params(("short_id" = String, Path, description = "The visitor's short id")),
    request_body = WatchUrlRequest,
    responses(
        (status = 200, description = "The watch link", body = WatchUrlResponse),
        (status = 400, description = "Invalid body (agent.id missing, nested metadata, bad URL) or malformed short_id", body = ErrorBody),
        (status = 401, description = "Missing or wrong X-Api-Key", body = ErrorBody),
        (status = 402, description = "The configured limit of ongoing sessions is reached", body = ErrorBody),
        (status = 404, description = "No such visitor", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
    ))]
pub async fn create(
    State(app): State<Arc<AppState>>,
    Params(Path(short_id)): Params<Path<String>>,
    body: Body,
) -> Result<Json<WatchUrlResponse>, ApiError> {
    let request: WatchUrlRequest = read_json(body, app.config.max_api_body).await?;
    let grant = grant_of(request)?;
    let id = short_id.clone();
    if app.records(move |s| s.visitor(&id)).await?.is_none() {
        return Err(ApiError::VisitorNotFound);
    }
    if let Some(limit) = app.config.max_ongoing_sessions
        && !app.live.is_in_session(&short_id)
        && app.live.ongoing_count() >= limit
    {
        return Err(ApiError::SessionLimit(limit));
    }
    let now = now_millis();
    let expires_at = now + (app.config.watch_link_ttl_secs * 1000) as i64;
    let link = WatchLinkRecord {
        id: format!("w_{}", random_id(LINK_ID_LEN)),
        visitor_id: short_id,
        grant,
        created_at: now,
        expires_at,
        redeemed_at: None,
        credential_hash: None,
        session_id: None,
    };
    let token = app.watch_tokens.sign(&link.id, expires_at);
    tracing::info!(link = %link.id, visitor = %link.visitor_id, agent = %link.grant.agent.id, "watch link issued");
    app.records(move |s| s.insert_watch_link(&link)).await?;
    let control = app.config.control_origin.as_str().trim_end_matches('/');
    Ok(Json(WatchUrlResponse {
        status: "ok",
        watch_url: format!("{control}{}", watch_path(&token)),
        expiration: iso8601(expires_at),
    }))
}

/// Checks the request and fills in the defaults.
fn grant_of(request: WatchUrlRequest) -> Result<WatchGrant, ApiError> {
    let invalid = |code, message: &str| ApiError::InvalidField { code, message: message.to_owned() };
    let agent = request.agent.ok_or_else(|| invalid("invalid_agent", "agent is required"))?;
    let agent = agent_ref(agent).ok_or_else(|| invalid("invalid_agent", "agent.id is required"))?;
    let viewer = match request.viewer {
        Some(viewer) => Some(agent_ref(viewer).ok_or_else(|| invalid("invalid_viewer", "viewer.id is required"))?),
        None => None,
    };
    let branding = request.branding.unwrap_or(Branding { naked: not_naked(), on_end_url: None, retry_url: None });
    if !(branding.naked.is_boolean() || branding.naked == "page_only") {
        return Err(invalid("invalid_branding", "branding.naked must be true, false or \"page_only\""));
    }
    for (field, url) in [("on_end_url", &branding.on_end_url), ("retry_url", &branding.retry_url)] {
        if url.as_deref().is_some_and(|u| !is_web_url(u)) {
            return Err(invalid("invalid_branding", &format!("branding.{field} must be an http or https URL")));
        }
    }
    if request.webhook_url.as_deref().is_some_and(|u| !is_web_url(u)) {
        return Err(invalid("invalid_webhook_url", "webhook_url must be an http or https URL"));
    }
    if request.language.as_deref().is_some_and(|l| l.is_empty() || l.chars().count() > MAX_LANGUAGE_LEN) {
        return Err(invalid("invalid_language", "language must be a language tag such as en or pt-BR"));
    }
    let metadata = request.metadata.unwrap_or_default();
    check_flat(&metadata)?;
    Ok(WatchGrant {
        agent,
        viewer,
        permissions: to_json(request.permissions.unwrap_or_default()),
        branding: to_json(branding),
        metadata,
        webhook_url: request.webhook_url,
        initial_notes: request.initial_notes,
        language: request.language,
    })
}

/// Our own structs of plain fields always serialize.
fn to_json(value: impl Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

fn agent_ref(input: AgentInput) -> Option<AgentRef> {
    let id = input.id.filter(|id| !id.trim().is_empty())?;
    Some(AgentRef { id, name: input.name })
}

fn is_web_url(text: &str) -> bool {
    Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}
