//! The label sets of the metric families, each value from a closed set, so that the
//! number of series stays bounded whatever visitors and sites do.

use http::StatusCode;
use prometheus_client::encoding::EncodeLabelSet;

/// Which side of Tandem answered a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The content zone: proxied sites, the runtime, the visitor's sockets and panel.
    Content,
    /// The control origin: the REST API, watch pages, the agents' sockets, the probes.
    Control,
}

impl Side {
    pub(super) fn label(self) -> &'static str {
        match self {
            Side::Content => "content",
            Side::Control => "control",
        }
    }
}

/// How a request ended, as far as whose answer it got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Answered: by the upstream (whatever its status) or by Tandem as asked.
    Ok,
    /// Refused by Tandem as the client's fault (no such session, not bound, a bad
    /// request, a host the rules keep out, a wrong API key).
    Refused,
    /// The upstream could not be reached or did not answer in time.
    UpstreamError,
    /// Tandem failed.
    InternalError,
}

impl Outcome {
    pub(super) fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
            Outcome::UpstreamError => "upstream_error",
            Outcome::InternalError => "internal_error",
        }
    }

    /// The outcome of an answer that does not say its own: a client error status is
    /// a refusal, a server error status Tandem's failure.
    pub fn of_status(status: StatusCode) -> Self {
        if status.is_client_error() {
            Outcome::Refused
        } else if status.is_server_error() {
            Outcome::InternalError
        } else {
            Outcome::Ok
        }
    }
}

/// `2xx` and the like.
pub(super) fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct RequestLabels {
    pub(super) side: &'static str,
    pub(super) outcome: &'static str,
    pub(super) status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct CodingLabels {
    pub(super) coding: &'static str,
}

/// Why a bail-out or a dropped frame happened.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct ReasonLabels {
    pub(super) reason: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classes_and_outcomes_of_plain_statuses() {
        assert_eq!(status_class(StatusCode::SWITCHING_PROTOCOLS), "1xx");
        assert_eq!(status_class(StatusCode::NOT_MODIFIED), "3xx");
        assert_eq!(status_class(StatusCode::BAD_GATEWAY), "5xx");
        assert_eq!(Outcome::of_status(StatusCode::UNAUTHORIZED), Outcome::Refused);
        assert_eq!(Outcome::of_status(StatusCode::SERVICE_UNAVAILABLE), Outcome::InternalError);
        assert_eq!(Outcome::of_status(StatusCode::FOUND), Outcome::Ok);
    }
}
