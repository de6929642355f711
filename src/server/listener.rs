//! The listener: accepting connections within the bound, serving each until it ends
//! or goes unused too long, and the protocol settings every connection is served with.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http::Request;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};

use super::connections::{Closing, ConnectionSettings, Connections, Slot};
use super::tracked_io::TrackedIo;
use super::{App, ClientAddr, file_limit};
use crate::config::MAX_REQUEST_HEAD_BYTES;

/// How long a connection closed for idling may take to finish what it was writing.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

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
/// connections pinged so that dead ones are found, and heads large enough for any
/// `Cookie` header a browser can send ([`MAX_REQUEST_HEAD_BYTES`]) and no larger. The
/// one place the protocol settings of the listener are made.
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
        .timer(TokioTimer::new())
        .keep_alive_interval(bounds.idle_timeout / 3)
        .keep_alive_timeout(bounds.idle_timeout / 3);
    builder
}

impl App {
    /// Serves connections from `listener` until the future is dropped.
    pub async fn serve(self, listener: TcpListener) -> io::Result<()> {
        self.start_background().map_err(io::Error::other)?;
        let app = Arc::new(self);
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
            // At the bound, the next connection waits here (and the rest in the
            // listener's backlog) for a slot.
            let slot = app.connections.admit().await;
            tokio::spawn(app.clone().serve_connection(stream, peer, slot));
        }
    }

    /// Serves one client connection until it ends, or has gone unused too long, or is
    /// asked to make room.
    async fn serve_connection(self: Arc<Self>, stream: TcpStream, peer: SocketAddr, slot: Slot) {
        let state = slot.state();
        let bounds = *self.connections.settings();
        let io = TokioIo::new(TrackedIo::new(stream, slot, bounds.idle_timeout));
        let app = self.clone();
        let requests = state.clone();
        let service = service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ClientAddr(peer));
            let (app, busy) = (app.clone(), requests.busy());
            async move { Ok::<_, std::convert::Infallible>(busy.until_sent(app.dispatch(request).await)) }
        });
        let connection = self.http.serve_connection_with_upgrades(io, service);
        tokio::pin!(connection);
        let closing = tokio::select! {
            ended = connection.as_mut() => {
                if let Err(e) = ended {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            closing = state.until_closing(&bounds) => closing,
        };
        if closing == Closing::Idle {
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, connection).await;
        }
    }
}
