//! A small site of a test's own (a hostile page, a webhook receiver, an integrator's end
//! page, a folder of static files) on a free loopback port, stopped when dropped.

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A router served on `127.0.0.1:<free port>` until dropped.
pub struct LocalSite {
    /// Where it listens.
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl LocalSite {
    /// Serves the router `app` makes for the port it was given (some pages name their
    /// own address); `what` names the site in a failure.
    pub async fn start(what: &str, app: impl FnOnce(u16) -> Router) -> LocalSite {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("bind {what}: {e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("address of {what}: {e}"));
        let app = app(addr.port());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        LocalSite { addr, task }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for LocalSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}
