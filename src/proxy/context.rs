//! Phase 1: resolve the session. From the request's host, find the session and the
//! upstream origin it stands for, and check that the browser is bound to the session.

use std::sync::Arc;

use http::request::Parts;
use url::Url;

use crate::error::ProxyError;
use crate::origin::binding;
use crate::origin::label::{self, UpstreamOrigin};
use crate::rewrite::Mapping;
use crate::server::AppState;
use crate::session::ProxySession;

/// Paths below this prefix are Tandem's own on every label.
pub const TANDEM_PATH_PREFIX: &str = "/__tandem/";

/// The per-request context every later phase works from.
pub struct RequestContext {
    /// The session the label belongs to.
    pub session: Arc<ProxySession>,
    /// The upstream origin the label stands for.
    pub origin: UpstreamOrigin,
    /// The upstream URL requested (origin + the request's own path and query).
    pub upstream_url: Url,
    /// The session's URL mapping.
    pub mapping: Mapping,
    /// Whether the browser sent its credentials (the binding cookie). Requests it sends
    /// without them (CORS preflights, `fetch` with the default `credentials:
    /// 'same-origin'` to another origin) go up without the jar's cookies and bring none
    /// back, as on the real web.
    pub credentialed: bool,
}

/// The request's host, from `Host` or, for HTTP/2, the URI's authority.
pub fn request_host(parts: &Parts) -> Option<&str> {
    crate::origin::request_host(&parts.headers, &parts.uri)
}

/// Finds the session and origin behind the request's label, without checking binding
/// (from the records when Tandem restarted since the session was last used).
pub async fn find_session(app: &AppState, parts: &Parts) -> Result<(Arc<ProxySession>, UpstreamOrigin), ProxyError> {
    let host = request_host(parts).ok_or_else(|| ProxyError::BadRequest("no Host header".into()))?;
    // Host names are case-insensitive; labels are written in lower case.
    let host = host.to_ascii_lowercase();
    let label_text = app.zone.label_of_host(&host).ok_or(ProxyError::UnknownSession)?;
    let decoded = label::decode(label_text).ok_or(ProxyError::UnknownSession)?;
    let session = match app.sessions.get(decoded.session()) {
        Some(session) => session,
        None => app.restore_session(decoded.session()).await.ok_or(ProxyError::UnknownSession)?,
    };
    session.touch(crate::live::now_millis());
    let origin = session.origin_of(label_text, decoded).ok_or(ProxyError::UnknownSession)?;
    Ok((session, origin))
}

/// The value of the query parameter `name` (the first, decoded): Tandem's own paths take
/// their arguments this way.
pub fn query_param(parts: &Parts, name: &str) -> Option<String> {
    url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Whether the request carries the session's binding cookie.
pub fn is_bound(parts: &Parts, session: &ProxySession) -> bool {
    let cookies = binding::cookie_headers(&parts.headers);
    binding::is_bound(cookies.iter().map(|c| c.as_ref()), &session.id, session.binding_token())
}

/// Builds the context of a bound request to be proxied to its label's origin.
pub fn resolve(
    app: &AppState,
    parts: &Parts,
    session: Arc<ProxySession>,
    origin: UpstreamOrigin,
) -> Result<RequestContext, ProxyError> {
    let path_and_query = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    resolve_to(app, parts, session, origin, path_and_query)
}

/// Builds the context of a bound request to be proxied to `path_and_query` on `origin`.
pub fn resolve_to(
    app: &AppState,
    parts: &Parts,
    session: Arc<ProxySession>,
    origin: UpstreamOrigin,
    path_and_query: &str,
) -> Result<RequestContext, ProxyError> {
    let mapping = app.mapping(session.clone());
    let credentialed = is_bound(parts, &session);
    if !credentialed && !is_anonymous_cors(parts, &mapping) {
        return Err(ProxyError::NotBound);
    }
    if app.rules.never_proxy(origin.host()) {
        return Err(ProxyError::NeverProxied(origin.host().to_owned()));
    }
    let upstream_url = upstream_url(&origin, path_and_query)
        .map_err(|e| ProxyError::BadRequest(format!("bad request target: {e}")))?;
    Ok(RequestContext { session, origin, upstream_url, mapping, credentialed })
}

/// `path_and_query` (a request target) on `origin`. It is put in as a path and a query,
/// never resolved as a reference: resolved, a path like `//other.test/x` (what a browser
/// sends for `/.//other.test/x`) would name another host, to be fetched under this label's
/// origin.
pub fn upstream_url(origin: &UpstreamOrigin, path_and_query: &str) -> Result<Url, url::ParseError> {
    let mut url = Url::parse(&origin.serialize())?;
    let (path, query) = match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    };
    url.set_path(path);
    url.set_query(query);
    Ok(url)
}

/// A request the browser sent without credentials from a page on one of the session's
/// own labels: `Origin` (set by the browser, never by page scripts) names such a label
/// and it is neither a navigation nor a WebSocket handshake (browsers send credentials
/// with both, so a browser without them is not bound). A client that forges `Origin` gets no more than an
/// anonymous request: no cookie of the session's jar goes up with it.
fn is_anonymous_cors(parts: &Parts, mapping: &Mapping) -> bool {
    let header = |name: http::header::HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let navigation = parts.headers.get("sec-fetch-mode").is_some_and(|v| v == "navigate");
    let upgrade = parts.headers.contains_key(http::header::UPGRADE);
    !navigation && !upgrade && header(http::header::ORIGIN).is_some_and(|origin| mapping.upstream_of(origin).is_some())
}
