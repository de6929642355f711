//! The REST API on the control origin. Every `/v1.3` route needs `X-Api-Key`; every
//! answer is JSON with `"status"`.

mod proxy_sessions;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::origin::binding::secrets_match;
use crate::server::AppState;

/// The control side's routes.
pub fn router(state: Arc<AppState>) -> Router {
    let v1 = Router::new()
        .route("/proxy_sessions", post(proxy_sessions::create))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), require_api_key));
    Router::new()
        .nest("/v1.3", v1)
        .route("/healthz", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
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

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let body = serde_json::json!({"status": "error", "error": code, "message": self.to_string()});
        (status, axum::Json(body)).into_response()
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
