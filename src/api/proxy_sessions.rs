//! `POST /v1.3/proxy_sessions`: start a proxy session for a page and get the URL to
//! send the visitor to.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use url::Url;

use super::read_json;
use crate::error::ApiError;
use crate::origin::UpstreamOrigin;
use crate::proxy::entry::entry_path;
use crate::server::AppState;

/// Query parameter through which an integrator may set the visitor's `unique_id`.
const UNIQUE_ID_PARAMETER: &str = "___upscope_unique_id";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    initial_url: Option<String>,
    unique_id: Option<String>,
    // Accepted now so integrators can send them; kept by the visitor records later.
    #[allow(dead_code)]
    identities: Option<Vec<String>>,
    #[allow(dead_code)]
    tags: Option<Vec<String>>,
    #[allow(dead_code)]
    metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Serialize)]
pub(super) struct CreateResponse {
    status: &'static str,
    proxy_url: String,
    visitor: VisitorBody,
}

#[derive(Serialize)]
pub(super) struct VisitorBody {
    short_id: String,
    unique_id: Option<String>,
}

pub(super) async fn create(State(app): State<Arc<AppState>>, body: Body) -> Result<Json<CreateResponse>, ApiError> {
    let request: CreateRequest = read_json(body, app.config.max_api_body).await?;
    let raw = request.initial_url.ok_or_else(|| invalid_url("initial_url is required"))?;
    let (initial_url, unique_from_query) = parse_initial_url(&raw)?;
    let origin = UpstreamOrigin::from_url(&initial_url)
        .ok_or_else(|| invalid_url("initial_url must be an http or https URL"))?;
    if app.rules.never_proxy(origin.host()) {
        return Err(invalid_url("this host is excluded from co-browsing by the site rules"));
    }
    let unique_id = request.unique_id.or(unique_from_query);
    let session = app.sessions.create(initial_url, unique_id);
    let token = session.entry_token().unwrap_or_default();
    let proxy_url = format!("{}{}", app.zone.origin_of(&session.label_for(&origin)), entry_path(&token));
    let response = CreateResponse {
        status: "ok",
        proxy_url,
        visitor: VisitorBody {
            short_id: session.visitor.short_id.clone(),
            unique_id: session.visitor.unique_id.clone(),
        },
    };
    tracing::info!(session = %session.id, visitor = %session.visitor.short_id, "proxy session created");
    Ok(Json(response))
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
