//! The listeners: accepting connections within the bound, the TLS handshake where TLS
//! is on, serving each connection until it ends or goes unused too long, the protocol
//! settings every connection is served with, and the graceful stop: no new
//! connections, open ones told to finish (HTTP/2 `GOAWAY`, HTTP/1.1 closing after the
//! response in flight), and a bounded wait for them and for live sockets.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderValue, Request, header};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::connections::{Closing, ConnState, ConnectionInUse, ConnectionSettings, Connections, Slot};
use super::tracked_io::TrackedIo;
use super::{App, ClientAddr, file_limit, redirect};
use crate::config::MAX_REQUEST_HEAD_BYTES;

/// How long a connection closed for idling may take to finish what it was writing.
const IDLE_CLOSE_GRACE: Duration = Duration::from_secs(1);
/// What every response over TLS tells the browser: come back over https only, for a
/// year, whatever link it follows (the redirect listener is then for first visits).
const STRICT_TRANSPORT_SECURITY: HeaderValue = HeaderValue::from_static("max-age=31536000");
/// Most requests one HTTP/2 connection may have in flight: a page's assets load in
/// parallel on one connection, and no client holds more of Tandem than this per slot.
const MAX_CONCURRENT_STREAMS: u32 = 128;

/// The sockets Tandem serves on.
pub struct Listeners {
    /// `listen`: the proxy and the control side, over TLS when it is configured.
    pub main: TcpListener,
    /// `redirect_listen`: plain HTTP answered with redirects to https.
    pub redirect: Option<TcpListener>,
}

/// What a listener's connections are for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Serve,
    Redirect,
}

/// The connection bound, fitted under the open-file limit (raised first as far as the
/// system allows), and the protocol settings.
pub(super) fn prepare(mut bounds: ConnectionSettings) -> (Arc<Connections>, auto::Builder<TokioExecutor>) {
    let files = file_limit::raise();
    let fitting = file_limit::connections_within(files, bounds.max_connections);
    if fitting < bounds.max_connections {
        tracing::warn!(files, max_connections = fitting, "the open-file limit lowers max_connections");
    }
    bounds.max_connections = fitting;
    (Connections::new(bounds), http_builder(&bounds))
}

/// How connections are served: HTTP/1.1 heads within the header timeout, HTTP/2
/// connections pinged so that dead ones are found, WebSockets over HTTP/2 (RFC 8441
/// extended `CONNECT`), and heads large enough for any `Cookie` header a browser can
/// send ([`MAX_REQUEST_HEAD_BYTES`]) and no larger. The one place the protocol
/// settings of the listener are made.
fn http_builder(bounds: &ConnectionSettings) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(bounds.header_read_timeout)
        .max_buf_size(MAX_REQUEST_HEAD_BYTES);
    builder
        .http2()
        .max_header_list_size(MAX_REQUEST_HEAD_BYTES as u32)
        .max_concurrent_streams(MAX_CONCURRENT_STREAMS)
        .enable_connect_protocol()
        .timer(TokioTimer::new())
        .keep_alive_interval(bounds.idle_timeout / 3)
        .keep_alive_timeout(bounds.idle_timeout / 3);
    builder
}

impl App {
    /// Serves connections from `listener` until the future is dropped.
    pub async fn serve(self, listener: TcpListener) -> io::Result<()> {
        self.run(Listeners { main: listener, redirect: None }, std::future::pending()).await
    }

    /// Serves `listeners` until `stop` resolves, then stops gracefully: stops
    /// accepting, asks open connections to finish, and waits for them (live sockets
    /// too) for `shutdown_grace_ms` at most.
    pub async fn run(self, listeners: Listeners, stop: impl Future<Output = ()>) -> io::Result<()> {
        self.start_background().map_err(io::Error::other)?;
        let app = Arc::new(self);
        let certificates = app.tls.clone().map(|tls| {
            let check = Duration::from_millis(app.state.config.tls_reload_check_ms);
            AbortOnDrop(tokio::spawn(tls.keep_current(check)))
        });
        let (draining, drain) = watch::channel(false);
        let redirect = async {
            match listeners.redirect {
                Some(listener) => app.clone().accept(listener, Role::Redirect, drain.clone()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = app.clone().accept(listeners.main, Role::Serve, drain.clone()) => {}
            () = redirect => {}
            () = stop => {}
        }
        // The listeners are closed now: new connections are refused.
        drop(certificates);
        let _ = draining.send(true);
        let grace = app.state.config.shutdown_grace();
        if tokio::time::timeout(grace, app.connections.until_none_open()).await.is_err() {
            tracing::warn!(open = app.connections.open_count(), ?grace, "stopping with connections still open");
        }
        Ok(())
    }

    /// Accepts connections for `role` until the future is dropped.
    async fn accept(self: Arc<Self>, listener: TcpListener, role: Role, drain: watch::Receiver<bool>) {
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors and similar: keep serving the connections we have.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            // Bodies go out in small flushed pieces (each compressed chunk, the chunked
            // terminator, socket frames): with Nagle's algorithm the last of them would
            // wait for the browser's delayed ACK, 40 ms on Linux, for every response.
            let _ = stream.set_nodelay(true);
            // At the bound, the next connection waits here (and the rest in the
            // listener's backlog) for a slot.
            let slot = self.connections.admit().await;
            tokio::spawn(self.clone().serve_connection(stream, peer, slot, role, drain.clone()));
        }
    }

    /// Serves one client connection: the TLS handshake first where TLS is on, within
    /// the time a client has for its first request.
    async fn serve_connection(
        self: Arc<Self>,
        stream: TcpStream,
        peer: SocketAddr,
        slot: Slot,
        role: Role,
        mut drain: watch::Receiver<bool>,
    ) {
        let state = slot.state();
        let bounds = *self.connections.settings();
        let io = TrackedIo::new(stream, slot, bounds.idle_timeout);
        let tls = self.tls.clone().filter(|_| role == Role::Serve);
        let Some(tls) = tls else { return self.serve_http(io, peer, state, role, drain).await };
        let handshake = tokio::select! {
            handshake = tls.acceptor().accept(io) => handshake,
            _ = state.until_closing(&bounds) => return,
            _ = drain.wait_for(|draining| *draining) => return,
        };
        match handshake {
            Ok(io) => self.serve_http(io, peer, state, role, drain).await,
            Err(e) => tracing::debug!(error = %e, "TLS handshake failed"),
        }
    }

    /// Serves HTTP on a connection until it ends, or has gone unused too long, or is
    /// asked to make room, or Tandem stops.
    async fn serve_http<I>(
        self: Arc<Self>,
        io: I,
        peer: SocketAddr,
        state: Arc<ConnState>,
        role: Role,
        mut drain: watch::Receiver<bool>,
    ) where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let bounds = *self.connections.settings();
        let app = self.clone();
        let requests = state.clone();
        let secure = self.tls.is_some() && role == Role::Serve;
        let service = service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ClientAddr(peer));
            request.extensions_mut().insert(ConnectionInUse(requests.clone()));
            let (app, busy) = (app.clone(), requests.busy());
            async move {
                let mut response = match role {
                    Role::Serve => app.dispatch(request).await,
                    Role::Redirect => redirect::to_https(&app.state, &request),
                };
                if secure {
                    response.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT_SECURITY);
                }
                Ok::<_, std::convert::Infallible>(busy.until_sent(response))
            }
        });
        let connection = self.http.serve_connection_with_upgrades(TokioIo::new(io), service);
        tokio::pin!(connection);
        let closing = tokio::select! {
            ended = connection.as_mut() => {
                if let Err(e) = ended {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            closing = state.until_closing(&bounds) => Some(closing),
            _ = drain.wait_for(|draining| *draining) => None,
        };
        match closing {
            Some(Closing::MakeRoom) => {}
            Some(Closing::Idle) => {
                connection.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(IDLE_CLOSE_GRACE, connection).await;
            }
            // Stopping: the requests in flight finish, bounded by the shutdown grace.
            None => {
                connection.as_mut().graceful_shutdown();
                let _ = connection.await;
            }
        }
    }
}

/// A background task that ends with its owner.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
