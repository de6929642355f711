//! Every error a request can end in, with whose fault it was, mapped to a status code
//! in one place.

use http::StatusCode;

use crate::metrics::Outcome;
use crate::upstream::UpstreamError;

/// Why a request to the content zone could not be proxied.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// Client: the host names no live session of ours.
    #[error("this co-browsing link has expired or never existed")]
    UnknownSession,
    /// Client: the browser is not bound to the session (it never was, or it lost the
    /// binding cookie: cleared, or pushed out by a site's cookies). The way back is a
    /// fresh entry link, which only the integrator's site can ask for.
    #[error(
        "this browser has not joined the co-browsing session, or has lost its place in it (its cookies were \
         cleared, or a site it visited pushed them out). To get back in, return to the site that sent you \
         here and start co-browsing again: it will give you a new link to the same session."
    )]
    NotBound,
    /// Client: the entry link was already used.
    #[error(
        "this co-browsing link has already been used. To get back in, return to the site that sent you here \
         and start co-browsing again: it will give you a new link to the same session."
    )]
    EntryUsed,
    /// Client: a path below `/__tandem/` that Tandem does not serve.
    #[error("there is nothing at this address")]
    NoSuchTandemPath,
    /// Client: a path of Tandem's that only the label's own pages may use, asked by
    /// another page (or without the runtime's header).
    #[error("this address only answers the page's own scripts")]
    NotOwnOrigin,
    /// Client: a method the Tandem path does not take.
    #[error("this address does not take that method")]
    MethodNotAllowed,
    /// Client: a body larger than the Tandem path takes.
    #[error("request body larger than {0} bytes")]
    TooLarge(usize),
    /// Client: a malformed request.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Client: the site's rules keep this host out of the proxy.
    #[error("{0} is not available through co-browsing")]
    NeverProxied(String),
    /// Client: a panel socket (`crate::live::panel`) that cannot be taken now: no page
    /// of its visitor is open, or too many of its panels are, all visible.
    #[error("the panel cannot connect: {0}")]
    PanelRefused(&'static str),
    /// Upstream: it could not be reached or did not answer in time.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// Ours.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ProxyError {
    /// The status code the browser gets.
    pub fn status(&self) -> StatusCode {
        match self {
            ProxyError::UnknownSession | ProxyError::NoSuchTandemPath => StatusCode::NOT_FOUND,
            ProxyError::NotBound | ProxyError::EntryUsed | ProxyError::NeverProxied(_) | ProxyError::NotOwnOrigin => {
                StatusCode::FORBIDDEN
            }
            ProxyError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ProxyError::PanelRefused(_) => StatusCode::CONFLICT,
            ProxyError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ProxyError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ProxyError::Upstream(e) if e.is_timeout() => StatusCode::GATEWAY_TIMEOUT,
            ProxyError::Upstream(_) => StatusCode::BAD_GATEWAY,
            ProxyError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whose failure it was, for the metrics.
    pub fn outcome(&self) -> Outcome {
        match self {
            ProxyError::Upstream(_) => Outcome::UpstreamError,
            ProxyError::Internal(_) => Outcome::InternalError,
            _ => Outcome::Refused,
        }
    }

    /// A short title for the error page.
    pub fn title(&self) -> &'static str {
        match self {
            ProxyError::UnknownSession => "Link expired",
            ProxyError::NotBound | ProxyError::EntryUsed => "Not part of this session",
            ProxyError::NotOwnOrigin => "Not allowed",
            ProxyError::NeverProxied(_) | ProxyError::PanelRefused(_) => "Not available",
            ProxyError::NoSuchTandemPath => "Not found",
            ProxyError::BadRequest(_) | ProxyError::MethodNotAllowed | ProxyError::TooLarge(_) => "Bad request",
            ProxyError::Upstream(e) if e.is_timeout() => "The site took too long to answer",
            ProxyError::Upstream(_) => "The site could not be reached",
            ProxyError::Internal(_) => "Something went wrong",
        }
    }
}

/// Why a REST call failed; serialized as `{"status":"error","error":code,"message":...}`.
/// 500s say no more than "internal error" to the caller; the log has the cause.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Client: missing or wrong API key.
    #[error("missing or invalid X-Api-Key")]
    InvalidApiKey,
    /// Client: the body is not the JSON we expect.
    #[error("{0}")]
    InvalidJson(String),
    /// Client: a field is missing or wrong.
    #[error("{message}")]
    InvalidField {
        /// Machine-readable code, e.g. `invalid_initial_url`.
        code: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Client: the body is larger than allowed.
    #[error("request body larger than {0} bytes")]
    TooLarge(usize),
    /// Client: no such route.
    #[error("no such endpoint")]
    NotFound,
    /// Client: the route exists with other methods.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Client: no visitor has that short id.
    #[error("the visitor does not exist")]
    VisitorNotFound,
    /// Client: no agent matches the lookup.
    #[error("agent not found")]
    AgentNotFound,
    /// Client: the visitor is online and cannot be deleted.
    #[error("the visitor is online; it can be deleted once it is offline")]
    VisitorOnline,
    /// Client: the configured limit of ongoing sessions is reached.
    #[error("this session would go over the limit of {0} ongoing sessions")]
    SessionLimit(usize),
    /// Ours: the records failed.
    #[error("internal error: {0}")]
    Store(#[from] crate::store::StoreError),
}

impl ApiError {
    /// The status code and the machine-readable code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::InvalidApiKey => (StatusCode::UNAUTHORIZED, "invalid_api_key"),
            ApiError::InvalidJson(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            ApiError::InvalidField { code, .. } => (StatusCode::BAD_REQUEST, code),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::VisitorNotFound => (StatusCode::NOT_FOUND, "visitor_not_found"),
            ApiError::AgentNotFound => (StatusCode::NOT_FOUND, "agent_not_found"),
            ApiError::VisitorOnline => (StatusCode::CONFLICT, "visitor_online"),
            ApiError::SessionLimit(_) => (StatusCode::PAYMENT_REQUIRED, "session_limit_reached"),
            ApiError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }
}

/// Why a watch link or a viewer page was refused; shown to the agent as a page.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// Client: the token is not one Tandem signed.
    #[error("this watch link is not valid")]
    Forged,
    /// Client: the token's time is up.
    #[error("this watch link has expired; ask for a new one")]
    Expired,
    /// Client: the link was opened before, in another browser.
    #[error("this watch link has already been used; ask for a new one")]
    AlreadyUsed,
    /// Client: the viewer page without the credential its link gave.
    #[error("this browser has not opened a watch link for this session")]
    NotAgent,
    /// Client: the agent's socket opened by a page that is not the viewer's (another
    /// site, a proxied page, or no browser page at all).
    #[error("this socket only answers the viewer's own page")]
    ForeignOrigin,
    /// Client: the session the link joined is over.
    #[error("this co-browsing session has ended")]
    SessionEnded,
    /// Client: the visitor was deleted.
    #[error("this visitor no longer exists")]
    VisitorGone,
    /// Client: a method other than GET or HEAD for the page's assets.
    #[error("the page's assets can only be read")]
    ReadOnly,
    /// Client: an asset address that names no origin of the visitor's session.
    #[error("there is no such asset in this session")]
    NoSuchAsset,
    /// Client: an asset of another visitor's session.
    #[error("this asset belongs to another session")]
    ForeignSession,
    /// Client: an asset that is not an image, font, stylesheet or media file.
    #[error("only images, fonts, stylesheets and media are shown to agents, not {0:?}")]
    NotInert(String),
    /// The asset could not be fetched (the upstream failed, the rules keep it out).
    #[error(transparent)]
    Asset(#[from] ProxyError),
    /// Ours: the records failed.
    #[error("internal error: {0}")]
    Store(#[from] crate::store::StoreError),
}

impl WatchError {
    /// The status code and the page's title.
    pub fn status_and_title(&self) -> (StatusCode, &'static str) {
        match self {
            WatchError::Forged | WatchError::NotAgent => (StatusCode::FORBIDDEN, "Not a valid watch link"),
            WatchError::Expired | WatchError::AlreadyUsed => (StatusCode::GONE, "Watch link no longer valid"),
            WatchError::SessionEnded => (StatusCode::GONE, "Session ended"),
            WatchError::VisitorGone => (StatusCode::NOT_FOUND, "Visitor not found"),
            WatchError::ReadOnly => (StatusCode::METHOD_NOT_ALLOWED, "Read only"),
            WatchError::NoSuchAsset => (StatusCode::NOT_FOUND, "Not found"),
            WatchError::ForeignSession | WatchError::NotInert(_) | WatchError::ForeignOrigin => {
                (StatusCode::FORBIDDEN, "Not allowed")
            }
            WatchError::Asset(e) => (e.status(), e.title()),
            WatchError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong"),
        }
    }
}
