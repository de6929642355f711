//! A loopback TCP relay in front of Tandem that a test can cut: every connection through
//! it is dropped at once on `POST /cut` to its control address, as a network drop or a
//! restart of Tandem would, while Tandem itself keeps running. Point the content origin
//! at it and browsers reach Tandem through it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinHandle};

/// The relay, stopped when dropped.
pub struct Relay {
    /// Where browsers connect.
    pub addr: SocketAddr,
    /// `POST` here cuts every connection; answers how many it cut.
    pub cut_url: String,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

impl Relay {
    /// Binds the relay's ports; it forwards nothing until [`Relay::forward_to`].
    pub async fn bind() -> (Relay, TcpListener) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the relay");
        let addr = listener.local_addr().expect("relay address");
        (Relay { addr, cut_url: String::new(), tasks: Vec::new() }, listener)
    }

    /// Forwards the connections `listener` accepts to `target`, and serves the cut.
    pub async fn forward_to(&mut self, listener: TcpListener, target: SocketAddr) {
        let open: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let relayed = open.clone();
        self.tasks.push(tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let pipe = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                relayed.lock().expect("relay connections").push(pipe.abort_handle());
            }
        }));
        let cut = move || {
            let cut: Vec<AbortHandle> = std::mem::take(&mut *open.lock().expect("relay connections"));
            cut.iter().for_each(AbortHandle::abort);
            async move { cut.len().to_string() }
        };
        let app = axum::Router::new().route("/cut", axum::routing::post(cut));
        let control = TcpListener::bind("127.0.0.1:0").await.expect("bind the relay's control");
        self.cut_url = format!("http://{}/cut", control.local_addr().expect("control address"));
        self.tasks.push(tokio::spawn(async move {
            let _ = axum::serve(control, app).await;
        }));
    }
}
