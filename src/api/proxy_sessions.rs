//! `POST /v1.3/proxy_sessions`: start a proxy session for a page and get the URL to
//! send the visitor to. The visitor's record is made here.
//! `POST /v1.3/visitors/{short_id}/proxy_url`: a fresh entry link to the same session,
//! for a browser that lost its binding.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use url::Url;
use utoipa::ToSchema;

use super::views::VisitorView;
use super::{ErrorBody, Params, check_flat, check_labels, read_json};
use crate::error::ApiError;
use crate::live::now_millis;
use crate::origin::{SessionId, UpstreamOrigin};
use crate::proxy::entry::entry_path;
use crate::server::AppState;
use crate::session::{NewSession, ProxySession};
use crate::store::{Metadata, Presence, VisitorRecord, random_id};

/// Query parameter through which an integrator may set the visitor's `unique_id`.
const UNIQUE_ID_PARAMETER: &str = "___upscope_unique_id";
/// Characters of a visitor's short id (60 random bits).
const SHORT_ID_LEN: usize = 12;

/// A new proxy session.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    /// The page the visitor should see first (http or https). A
    /// `___upscope_unique_id` query parameter sets `unique_id` and is removed.
    #[schema(value_type = String, required = true, format = "uri", pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]")]
    initial_url: Option<String>,
    /// The integrator's own id of the visitor.
    unique_id: Option<String>,
    /// Names and emails to find the visitor by.
    #[schema(schema_with = super::schema::labels)]
    identities: Option<Vec<String>>,
    /// Tags to find the visitor by (`#tag`).
    #[schema(schema_with = super::schema::labels)]
    tags: Option<Vec<String>>,
    /// Flat metadata kept with the visitor.
    #[schema(schema_with = super::schema::flat_metadata)]
    metadata: Option<Metadata>,
    /// Ask the visitor before any agent sees the page (default: the server's
    /// `require_consent` setting).
    require_consent: Option<bool>,
}

/// The proxy URL and the visitor.
#[derive(Serialize, ToSchema)]
pub struct CreateResponse {
    /// Always `ok`.
    status: &'static str,
    /// Where to send the visitor's browser (works once: it binds that browser).
    #[schema(format = "uri")]
    proxy_url: String,
    /// The new visitor.
    visitor: VisitorView,
}

/// Starts a proxy session.
#[utoipa::path(post, path = "/proxy_sessions", operation_id = "create_proxy_session", tag = "proxy sessions", request_body = CreateRequest,
    responses(
        (status = 200, description = "The session and its visitor", body = CreateResponse),
        (status = 400, description = "Invalid body or initial_url", body = ErrorBody),
        (status = 401, description = "Missing or wrong X-Api-Key", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
    ))]
pub async fn create(State(app): State<Arc<AppState>>, body: Body) -> Result<Json<CreateResponse>, ApiError> {
    let request: CreateRequest = read_json(body, app.config.max_api_body).await?;
    let raw = request.initial_url.ok_or_else(|| invalid_url("initial_url is required"))?;
    let (initial_url, unique_from_query) = parse_initial_url(&raw)?;
    let origin = UpstreamOrigin::from_url(&initial_url)
        .ok_or_else(|| invalid_url("initial_url must be an http or https URL"))?;
    if app.rules.never_proxy(origin.host()) {
        return Err(invalid_url("this host is excluded from co-browsing by the site rules"));
    }
    let identities = request.identities.unwrap_or_default();
    let tags = request.tags.unwrap_or_default();
    check_labels("identities", &identities)?;
    check_labels("tags", &tags)?;
    let metadata = request.metadata.unwrap_or_default();
    check_flat(&metadata)?;
    let now = now_millis();
    let visitor = VisitorRecord {
        short_id: random_id(SHORT_ID_LEN),
        unique_id: request.unique_id.filter(|id| !id.is_empty()).or(unique_from_query),
        lookup_code: app.live.free_lookup_code(),
        identities,
        tags,
        metadata,
        created_at: now,
        presence: Presence::default(),
        is_online: false,
        is_in_session: false,
    };
    let settings = NewSession {
        visitor_id: visitor.short_id.clone(),
        initial_url,
        require_consent: request.require_consent.unwrap_or(app.config.require_consent),
    };
    let session = app.sessions.create(&settings, now);
    let (record, stored) = (session.record(), visitor.clone());
    app.records(move |s| {
        s.insert_visitor(&stored)?;
        s.insert_proxy_session(&record)
    })
    .await?;
    let proxy_url = entry_url(&app, &session, &session.entry_token().unwrap_or_default());
    tracing::info!(session = %session.id, visitor = %visitor.short_id, "proxy session created");
    Ok(Json(CreateResponse { status: "ok", proxy_url, visitor: VisitorView::new(visitor, false, false, &[]) }))
}

/// A fresh entry link.
#[derive(Serialize, ToSchema)]
pub struct ProxyUrlResponse {
    /// Always `ok`.
    status: &'static str,
    /// Where to send the visitor's browser: it binds the browser that opens it to the
    /// visitor's proxy session, as the first link did (works once).
    #[schema(format = "uri")]
    proxy_url: String,
}

/// A fresh entry link to the visitor's proxy session: the way back for a visitor whose
/// browser lost its binding (its cookies were cleared, or a site it browsed pushed the
/// binding cookie out). The session, its cookies and its agents stay; an unused link
/// given before stops working, and browsers bound before stay bound.
#[utoipa::path(post, path = "/visitors/{short_id}/proxy_url", operation_id = "reissue_proxy_url", tag = "proxy sessions",
    params(("short_id" = String, Path, description = "The visitor's short id")),
    responses(
        (status = 200, description = "A fresh entry link to the same session", body = ProxyUrlResponse),
        (status = 400, description = "Malformed short_id (invalid_parameter)", body = ErrorBody),
        (status = 401, description = "Missing or wrong X-Api-Key", body = ErrorBody),
        (status = 404, description = "No such visitor", body = ErrorBody),
    ))]
pub async fn reissue(
    State(app): State<Arc<AppState>>,
    Params(Path(short_id)): Params<Path<String>>,
) -> Result<Json<ProxyUrlResponse>, ApiError> {
    let id = short_id.clone();
    let session_id = app.records(move |s| s.proxy_session_of_visitor(&id)).await?;
    let session_id = session_id.as_deref().and_then(SessionId::parse).ok_or(ApiError::VisitorNotFound)?;
    let session = match app.sessions.get(&session_id) {
        Some(session) => session,
        None => app.restore_session(&session_id).await.ok_or(ApiError::VisitorNotFound)?,
    };
    let proxy_url = entry_url(&app, &session, &session.reissue_entry());
    app.save_proxy_session_now(&session).await;
    tracing::info!(session = %session.id, visitor = %short_id, "fresh entry link issued");
    Ok(Json(ProxyUrlResponse { status: "ok", proxy_url }))
}

/// The entry link with `token`, on the label of the session's initial page.
fn entry_url(app: &AppState, session: &ProxySession, token: &str) -> String {
    let label = UpstreamOrigin::from_url(&session.initial_url).map(|origin| session.label_for(&origin));
    format!("{}{}", app.zone.origin_of(&label.unwrap_or_default()), entry_path(token))
}

fn invalid_url(message: &str) -> ApiError {
    ApiError::InvalidField { code: "invalid_initial_url", message: message.to_owned() }
}

/// Parses the initial URL and takes `___upscope_unique_id` out of its query.
fn parse_initial_url(raw: &str) -> Result<(Url, Option<String>), ApiError> {
    let mut url = Url::parse(raw.trim()).map_err(|e| invalid_url(&format!("initial_url is not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid_url("initial_url must be an http or https URL"));
    }
    let mut unique_id = None;
    if url.query().is_some_and(|q| q.contains(UNIQUE_ID_PARAMETER)) {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter_map(|(k, v)| {
                if k == UNIQUE_ID_PARAMETER {
                    unique_id = Some(v.into_owned());
                    None
                } else {
                    Some((k.into_owned(), v.into_owned()))
                }
            })
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    Ok((url, unique_id.filter(|id| !id.is_empty())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_id_parameter_is_taken_out_of_the_query() {
        let (url, id) = parse_initial_url("https://shop.test/p?a=1&___upscope_unique_id=cust-42&b=2").expect("valid");
        assert_eq!(url.as_str(), "https://shop.test/p?a=1&b=2");
        assert_eq!(id.as_deref(), Some("cust-42"));
        let (url, id) = parse_initial_url("https://shop.test/?___upscope_unique_id=x").expect("valid");
        assert_eq!(url.as_str(), "https://shop.test/");
        assert_eq!(id.as_deref(), Some("x"));
        assert!(parse_initial_url("ftp://shop.test/").is_err());
        assert!(parse_initial_url("not a url").is_err());
    }
}
