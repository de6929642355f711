//! The guarded TCP connector under the upstream client's TLS layer.
//!
//! [`GuardedConnector`] turns a URI into a TCP stream: it resolves the host
//! through [`Resolver`] (overrides, `*.localhost`, literals, system DNS, then
//! the SSRF guard) and connects to the surviving addresses in order, under the
//! connect timeout. Nothing else in the stack resolves names, so the guard sees
//! every address we ever connect to. Its failures are [`ConnectError`]s, which
//! `super::error` later finds in hyper-util's error chain.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::resolve::{ResolveError, Resolver};

/// 80/443 for http/https, None for anything else (including no scheme).
pub(super) fn default_port(uri: &Uri) -> Option<u16> {
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") => Some(443),
        Some(s) if s.eq_ignore_ascii_case("http") => Some(80),
        _ => None,
    }
}

/// Why [`GuardedConnector`] produced no stream.
#[derive(Debug, thiserror::Error)]
pub(super) enum ConnectError {
    #[error("URI has no host")]
    NoHost,
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error("connection to {addr} refused")]
    Refused { addr: SocketAddr, source: io::Error },
    #[error("connecting to {addr}: {source}")]
    Io { addr: SocketAddr, source: io::Error },
    #[error("connect timed out")]
    Timeout,
}

/// TCP connector that resolves through [`Resolver`] (and so the SSRF guard)
/// and enforces the connect timeout.
#[derive(Clone, Debug)]
pub(super) struct GuardedConnector {
    resolver: Arc<Resolver>,
    connect_timeout: Duration,
}

impl GuardedConnector {
    /// A connector resolving through `resolver`, with `connect_timeout` shared
    /// between all the addresses a name resolves to.
    pub(super) fn new(resolver: Resolver, connect_timeout: Duration) -> Self {
        Self { resolver: Arc::new(resolver), connect_timeout }
    }

    async fn connect(self, uri: Uri) -> Result<TokioIo<TcpStream>, ConnectError> {
        let host = uri.host().filter(|h| !h.is_empty()).ok_or(ConnectError::NoHost)?;
        let addrs = self.resolver.resolve(host, uri.port_u16(), default_port(&uri).unwrap_or(80)).await?;

        // One budget for all addresses, split evenly among those left, so a
        // black-holed first address cannot starve the others; time it does
        // not use carries over to the next ones.
        // checked_add: an absurdly large configured timeout means "no
        // deadline", not an overflow panic.
        let deadline = Instant::now().checked_add(self.connect_timeout);
        let mut first_error = None;
        for (index, addr) in addrs.iter().enumerate() {
            let remaining =
                deadline.map_or(self.connect_timeout, |deadline| deadline.saturating_duration_since(Instant::now()));
            if remaining.is_zero() {
                break;
            }
            let left = u32::try_from(addrs.len() - index).unwrap_or(u32::MAX);
            match tokio::time::timeout(remaining / left, TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => {
                    // Latency optimisation only; a failure here is harmless.
                    let _ = stream.set_nodelay(true);
                    return Ok(TokioIo::new(stream));
                }
                Ok(Err(source)) => {
                    tracing::debug!(host, %addr, error = %source, "upstream connect failed");
                    // Report the first real failure: with `localhost` that is
                    // 127.0.0.1, the address people expect to see.
                    first_error.get_or_insert(if source.kind() == io::ErrorKind::ConnectionRefused {
                        ConnectError::Refused { addr: *addr, source }
                    } else {
                        ConnectError::Io { addr: *addr, source }
                    });
                }
                Err(_elapsed) => {
                    tracing::debug!(host, %addr, "upstream connect timed out");
                }
            }
        }
        Err(first_error.unwrap_or(ConnectError::Timeout))
    }
}

impl tower_service::Service<Uri> for GuardedConnector {
    type Response = TokioIo<TcpStream>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // No internal capacity limit: each call is an independent connect.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        Box::pin(self.clone().connect(uri))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[tokio::test]
    async fn connector_survives_huge_timeouts_and_reports_refusal() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let connector = GuardedConnector {
            resolver: Arc::new(Resolver::new(&HashMap::new(), true, Duration::MAX)),
            connect_timeout: Duration::MAX,
        };
        let uri: Uri = format!("http://127.0.0.1:{}/", addr.port()).parse().expect("uri");
        connector.clone().connect(uri.clone()).await.expect("connects");

        drop(listener);
        let err = connector.connect(uri).await.expect_err("closed port");
        assert!(matches!(err, ConnectError::Refused { addr: a, .. } if a == addr), "{err}");
    }
}
