//! Upstream error types and the classification of hyper-util failures.
//!
//! Owns [`UpstreamSetupError`] (why a client could not be built) and
//! [`UpstreamError`] (why a request failed, always naming the upstream host and
//! port for the visitor-facing error page), plus the code that turns a
//! hyper-util client error into an [`UpstreamError`] by walking its source
//! chain for our connector's error or rustls'.

use std::error::Error as StdError;
use std::io;
use std::net::{IpAddr, SocketAddr};

use http::Uri;

use super::connector::{ConnectError, default_port};
use super::resolve::ResolveError;

/// Bound on how deep we follow error `source()` chains while classifying, in
/// case some error type ever reports itself as its own source.
const MAX_ERROR_DEPTH: usize = 32;

/// Why [`UpstreamClient::new`](super::UpstreamClient::new) could not build a client.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamSetupError {
    /// An extra root PEM could not be parsed.
    #[error("extra root certificate file #{index}: invalid PEM: {source}")]
    Pem {
        /// Position in `UpstreamSettings::extra_root_pems`.
        index: usize,
        /// The parser's complaint.
        source: io::Error,
    },
    /// An extra root PEM held no `CERTIFICATE` block (e.g. a key file was given).
    #[error("extra root certificate file #{index}: no CERTIFICATE block found")]
    NoCertificate {
        /// Position in `UpstreamSettings::extra_root_pems`.
        index: usize,
    },
    /// A certificate in an extra root PEM is not usable as a trust anchor.
    #[error("extra root certificate file #{index}: unusable certificate: {source}")]
    BadCertificate {
        /// Position in `UpstreamSettings::extra_root_pems`.
        index: usize,
        /// Why rustls rejected it.
        source: rustls::Error,
    },
    /// rustls refused the TLS configuration itself.
    #[error("TLS configuration: {0}")]
    Tls(#[source] rustls::Error),
}

/// A failed upstream request, classified for the visitor-facing error page.
///
/// Every variant carries the upstream `host` (as written in the URL; IPv6
/// literals keep their brackets) and `port` (explicit, or the scheme default).
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The request URL cannot be fetched at all (not http/https, no host).
    #[error("cannot fetch {host}:{port}: {reason}")]
    InvalidUri {
        /// Upstream host (may be empty when the URL has none).
        host: String,
        /// Upstream port (0 when unknown).
        port: u16,
        /// What is wrong with the URL.
        reason: &'static str,
    },
    /// The host name could not be resolved.
    #[error("could not resolve {host}: {detail}")]
    Dns {
        /// Upstream host.
        host: String,
        /// Upstream port.
        port: u16,
        /// The resolver's message.
        detail: String,
    },
    /// The host resolved only to addresses the SSRF policy refuses.
    #[error("{host}:{port} resolves to {addr}, which this proxy may not connect to")]
    Forbidden {
        /// Upstream host.
        host: String,
        /// Upstream port.
        port: u16,
        /// The first refused address.
        addr: IpAddr,
    },
    /// The upstream actively refused the TCP connection.
    #[error("{host}:{port} refused the connection ({addr})")]
    Refused {
        /// Upstream host.
        host: String,
        /// Upstream port.
        port: u16,
        /// The address that refused.
        addr: SocketAddr,
    },
    /// The TCP connection failed for another reason (unreachable, reset, ...).
    #[error("could not connect to {host}:{port}: {detail}")]
    Connect {
        /// Upstream host.
        host: String,
        /// Upstream port.
        port: u16,
        /// The OS error.
        detail: String,
    },
    /// The TLS handshake failed (untrusted or mismatched certificate, no
    /// common protocol version, server closed during the handshake, ...).
    #[error("TLS with {host}:{port} failed: {detail}")]
    Tls {
        /// Upstream host.
        host: String,
        /// Upstream port.
        port: u16,
        /// rustls' description when available.
        detail: String,
    },
    /// No TCP connection could be established within the connect timeout.
    #[error("connecting to {host}:{port} timed out")]
    ConnectTimeout {
        /// Upstream host.
        host: String,
        /// Upstream port.
        port: u16,
    },
    /// Response headers did not arrive within the response timeout.
    #[error("{host}:{port} did not respond in time")]
    ResponseTimeout {
        /// Upstream host.
        host: String,
        /// Upstream port.
        port: u16,
    },
    /// Anything else hyper reported (connection closed early, malformed
    /// response, HTTP/2 stream reset, ...).
    #[error("HTTP exchange with {host}:{port} failed: {detail}")]
    Protocol {
        /// Upstream host.
        host: String,
        /// Upstream port.
        port: u16,
        /// The error chain, most general first.
        detail: String,
    },
}

impl UpstreamError {
    /// True for [`ConnectTimeout`](Self::ConnectTimeout) and
    /// [`ResponseTimeout`](Self::ResponseTimeout) (a 504 rather than a 502).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::ConnectTimeout { .. } | Self::ResponseTimeout { .. })
    }

    /// The upstream host the failed request was addressed to.
    pub fn host(&self) -> &str {
        let (host, _) = self.host_port();
        host
    }

    /// The upstream port the failed request was addressed to.
    pub fn port(&self) -> u16 {
        let (_, port) = self.host_port();
        port
    }

    fn host_port(&self) -> (&str, u16) {
        match self {
            Self::InvalidUri { host, port, .. }
            | Self::Dns { host, port, .. }
            | Self::Forbidden { host, port, .. }
            | Self::Refused { host, port, .. }
            | Self::Connect { host, port, .. }
            | Self::Tls { host, port, .. }
            | Self::ConnectTimeout { host, port }
            | Self::ResponseTimeout { host, port }
            | Self::Protocol { host, port, .. } => (host, *port),
        }
    }
}

/// Host and port a request is addressed to, captured before sending so that
/// every error can name them.
pub(super) struct Target {
    /// Upstream host as written in the URL (empty when there is none).
    pub(super) host: String,
    /// Explicit port, or the scheme default.
    pub(super) port: u16,
}

impl Target {
    /// Captures host and port, refusing URIs that are not http/https or have
    /// no host.
    pub(super) fn of(uri: &Uri) -> Result<Self, UpstreamError> {
        let host = uri.host().unwrap_or_default().to_owned();
        let default_port = default_port(uri);
        let port = uri.port_u16().or(default_port).unwrap_or(0);
        let invalid = |host, reason| Err(UpstreamError::InvalidUri { host, port, reason });
        if default_port.is_none() {
            return invalid(host, "only http and https URLs can be fetched");
        }
        if host.is_empty() {
            return invalid(host, "the URL has no host");
        }
        Ok(Self { host, port })
    }
}

/// Maps a hyper-util client error to an [`UpstreamError`] by looking for our
/// connector's error, then rustls', anywhere in the source chain.
pub(super) fn classify(err: &hyper_util::client::legacy::Error, target: Target) -> UpstreamError {
    let Target { host, port } = target;
    let detail = describe(err);

    if let Some(connect_err) = find_in_chain::<ConnectError>(err) {
        return match connect_err {
            ConnectError::Resolve(ResolveError::Dns(e)) => UpstreamError::Dns { host, port, detail: e.to_string() },
            ConnectError::Resolve(ResolveError::Forbidden { addr }) => {
                UpstreamError::Forbidden { host, port, addr: *addr }
            }
            ConnectError::Refused { addr, .. } => UpstreamError::Refused { host, port, addr: *addr },
            ConnectError::Timeout => UpstreamError::ConnectTimeout { host, port },
            ConnectError::NoHost | ConnectError::Io { .. } => UpstreamError::Connect { host, port, detail },
        };
    }
    if let Some(tls_err) = find_in_chain::<rustls::Error>(err) {
        return UpstreamError::Tls { host, port, detail: tls_err.to_string() };
    }
    if err.is_connect() {
        // The connect phase is our connector (handled above) plus the TLS
        // layer; URIs it would reject (bad scheme) never get this far. So a
        // connect error without our type in it is a handshake failure that
        // is not a rustls::Error, e.g. EOF mid-handshake or an invalid SNI name.
        return UpstreamError::Tls { host, port, detail };
    }
    UpstreamError::Protocol { host, port, detail }
}

/// Iterates an error and its causes.
///
/// `io::Error::source()` skips the error it wraps (it returns the *wrapped
/// error's* source), and hyper-rustls wraps rustls errors in `io::Error`
/// twice; so for `io::Error` we step into `get_ref()` instead.
fn error_chain<'a>(top: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(top), |&err: &&'a (dyn StdError + 'static)| {
        if let Some(inner) = err.downcast_ref::<io::Error>().and_then(|io_err| io_err.get_ref()) {
            return Some(inner as &(dyn StdError + 'static));
        }
        err.source()
    })
    .take(MAX_ERROR_DEPTH)
}

/// The first error of type `T` in `top`'s [`error_chain`].
fn find_in_chain<'a, T: StdError + 'static>(top: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    error_chain(top).find_map(|err| err.downcast_ref::<T>())
}

/// Human-readable cause: the chain below hyper-util's generic wrapper,
/// joined with ": ", with the repeats that io::Error wrapping produces removed.
fn describe(err: &hyper_util::client::legacy::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error_chain(err).skip(1) {
        let text = cause.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
    }
    if parts.is_empty() { err.to_string() } else { parts.join(": ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_wrapped_errors_are_found() {
        // hyper-rustls shape: io::Error::other(io::Error::new(kind, rustls::Error)).
        let inner = io::Error::new(io::ErrorKind::InvalidData, rustls::Error::General("boom".into()));
        let outer = io::Error::other(inner);
        let found = find_in_chain::<rustls::Error>(&outer);
        assert!(matches!(found, Some(rustls::Error::General(m)) if m == "boom"));
    }
}
