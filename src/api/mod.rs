//! The REST API on the control origin, one file per resource. Every `/v1.3` route
//! needs `X-Api-Key`; every answer is JSON with `"status"`; the OpenAPI document at
//! `/v1.3/openapi.json` is generated from the handlers themselves.

mod account;
mod proxy_sessions;
mod schema;
mod sessions;
mod user_agent;
pub mod views;
mod visitors;
mod watch_url;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::request::Parts;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::origin::binding::secrets_match;
use crate::server::AppState;
use crate::store::Metadata;

/// Most entries in `identities` or `tags`, and the longest of them.
const MAX_LABELS: usize = 50;
const MAX_LABEL_LEN: usize = 256;

#[derive(OpenApi)]
#[openapi(
    info(title = "Tandem REST API", version = "1.3", description = "Proxy sessions, visitors, watch links, co-browsing sessions and usage."),
    modifiers(&ApiKeyHeader),
    security(("api_key" = [])),
)]
struct ApiDoc;

struct ApiKeyHeader;

impl Modify for ApiKeyHeader {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .add_security_scheme("api_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))));
    }
}

/// The REST API's routes and their OpenAPI document.
pub fn v1_routes() -> (Router<Arc<AppState>>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(proxy_sessions::create))
        .routes(routes!(proxy_sessions::reissue))
        .routes(routes!(visitors::list))
        .routes(routes!(visitors::get_one, visitors::delete_one))
        .routes(routes!(visitors::delete_all))
        .routes(routes!(visitors::stop_session))
        .routes(routes!(watch_url::create))
        .routes(routes!(sessions::list))
        .routes(routes!(account::usage))
        .routes(routes!(account::agent_lookup))
        .split_for_parts()
}

/// The control side's routes: the REST API, watch links, health.
pub fn router(state: Arc<AppState>) -> Router {
    let (v1, mut openapi) = v1_routes();
    openapi.servers = Some(vec![utoipa::openapi::Server::new(format!("{}v1.3", state.config.control_origin.as_str()))]);
    // Written once: the document does not change while Tandem runs.
    let document = bytes::Bytes::from(serde_json::to_vec(&openapi).unwrap_or_default());
    let serve_document = move || async move { ([(http::header::CONTENT_TYPE, "application/json")], document) };
    let v1 = v1
        .route("/openapi.json", get(serve_document))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), require_api_key));
    Router::new()
        .nest("/v1.3", v1)
        .merge(crate::watch::router())
        .route("/healthz", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .route("/readyz", get(readyz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn require_api_key(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let given = request.headers().get("x-api-key").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !secrets_match(given, &state.api_key) {
        return ApiError::InvalidApiKey.into_response();
    }
    next.run(request).await
}

/// How long `/readyz` waits for the store before it calls Tandem unready.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Ready when the store takes a write now (that this answers at all says the listener
/// is up); 503 with the reason otherwise, for a load balancer to send visitors elsewhere.
async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let reason = match tokio::time::timeout(READY_TIMEOUT, state.records(|s| s.check_writable())).await {
        Ok(Ok(())) => return axum::Json(serde_json::json!({"status": "ready"})).into_response(),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("the store did not answer within {} s", READY_TIMEOUT.as_secs()),
    };
    tracing::warn!(%reason, "not ready");
    let body = serde_json::json!({"status": "unready", "reason": reason});
    (http::StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Every error's body.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// Always `error`.
    status: &'static str,
    /// A machine-readable code, e.g. `invalid_api_key`, `visitor_not_found`.
    error: &'static str,
    /// What went wrong, for people.
    message: String,
}

/// The body of answers that carry nothing else.
#[derive(Serialize, ToSchema)]
pub struct OkBody {
    /// Always `ok`.
    status: &'static str,
}

/// `{"status":"ok"}`.
pub fn ok() -> axum::Json<OkBody> {
    axum::Json(OkBody { status: "ok" })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error) = self.status_and_code();
        let message = match &self {
            ApiError::Store(e) => {
                tracing::error!(error = %e, "API call failed on the records");
                "internal error".to_owned()
            }
            other => other.to_string(),
        };
        (status, axum::Json(ErrorBody { status: "error", error, message })).into_response()
    }
}

/// Query or path parameters (`Params(Query(q))`, `Params(Path(p))`), with our own
/// JSON 400 `invalid_parameter` for malformed ones (axum's own rejection is text).
pub struct Params<E>(pub E);

impl<E, S> FromRequestParts<S> for Params<E>
where
    E: FromRequestParts<S>,
    E::Rejection: std::fmt::Display,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match E::from_request_parts(parts, state).await {
            Ok(value) => Ok(Params(value)),
            Err(e) => Err(ApiError::InvalidField { code: "invalid_parameter", message: e.to_string() }),
        }
    }
}

/// Reads a JSON body of at most `limit` bytes into `T`, with our own errors.
pub async fn read_json<T: DeserializeOwned>(body: Body, limit: usize) -> Result<T, ApiError> {
    let bytes = Limited::new(body, limit)
        .collect()
        .await
        .map_err(|e| match e.downcast_ref::<LengthLimitError>() {
            Some(_) => ApiError::TooLarge(limit),
            None => ApiError::InvalidJson(format!("could not read the request body: {e}")),
        })?
        .to_bytes();
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::InvalidJson(format!("request body is not valid JSON for this endpoint: {e}")))
}

/// Metadata must be flat: strings, numbers and booleans only.
pub fn check_flat(metadata: &Metadata) -> Result<(), ApiError> {
    match metadata.iter().find(|(_, v)| !(v.is_string() || v.is_number() || v.is_boolean())) {
        Some((key, _)) => Err(ApiError::InvalidField {
            code: "invalid_metadata",
            message: format!("metadata must be flat: the value of {key:?} is not a string, number or boolean"),
        }),
        None => Ok(()),
    }
}

/// Bounds on a list of short strings (identities, tags).
pub fn check_labels(field: &str, labels: &[String]) -> Result<(), ApiError> {
    if labels.len() > MAX_LABELS || labels.iter().any(|l| l.is_empty() || l.chars().count() > MAX_LABEL_LEN) {
        return Err(ApiError::InvalidField {
            code: "invalid_field",
            message: format!(
                "{field} takes at most {MAX_LABELS} non-empty strings of at most {MAX_LABEL_LEN} characters"
            ),
        });
    }
    Ok(())
}
