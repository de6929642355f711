//! A loopback TCP tap in front of Tandem, for tests that must read every byte a browser
//! sends: Tandem's origins are configured on the tap's port, Chromium connects to the
//! tap (it speaks HTTP/1.1 to loopback), and the tap passes each connection on to
//! Tandem, keeping what each side sent. `wire_decode` turns the bytes back into
//! requests and WebSocket messages.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::STEP;

/// Most bytes the tap keeps over all connections; past it the record is marked cut.
const MAX_RECORDED: usize = 256 * 1024 * 1024;

/// One connection as the tap saw it.
#[derive(Clone, Debug, Default)]
pub struct Tapped {
    /// Every byte the client sent, in order.
    pub from_client: Vec<u8>,
    /// Every byte the server sent, in order.
    pub from_server: Vec<u8>,
    /// Whether both directions have ended.
    pub closed: bool,
}

#[derive(Default)]
struct Recording {
    connections: Vec<Tapped>,
    recorded: usize,
    cut: bool,
}

type Shared = Arc<Mutex<Recording>>;

/// A listening tap; [`WireTap::forward_to`] starts passing connections on.
pub struct WireTap {
    /// Where clients connect.
    pub addr: SocketAddr,
    listener: Option<TcpListener>,
    recording: Shared,
    task: Option<JoinHandle<()>>,
}

impl Drop for WireTap {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl WireTap {
    /// Binds an ephemeral loopback port (known before the server behind it starts).
    pub async fn bind() -> WireTap {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the tap");
        let addr = listener.local_addr().expect("tap address");
        WireTap { addr, listener: Some(listener), recording: Shared::default(), task: None }
    }

    /// Accepts connections from now on and passes each to `target`.
    pub fn forward_to(&mut self, target: SocketAddr) {
        let listener = self.listener.take().expect("the tap forwards once");
        let recording = self.recording.clone();
        self.task = Some(tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(target).await else { continue };
                let index = {
                    let mut record = recording.lock().expect("tap record");
                    record.connections.push(Tapped::default());
                    record.connections.len() - 1
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                let (up, down, done) = (recording.clone(), recording.clone(), recording.clone());
                tokio::spawn(async move {
                    let (a, b) = tokio::join!(
                        pass(client_read, server_write, up, index, true),
                        pass(server_read, client_write, down, index, false)
                    );
                    let _ = (a, b);
                    if let Some(tapped) = done.lock().expect("tap record").connections.get_mut(index) {
                        tapped.closed = true;
                    }
                });
            }
        }));
    }

    /// Every connection so far; fails if the record was cut at [`MAX_RECORDED`].
    pub fn connections(&self) -> Vec<Tapped> {
        let record = self.recording.lock().expect("tap record");
        assert!(!record.cut, "the tap recorded more than {MAX_RECORDED} bytes: the test cannot read them all");
        record.connections.clone()
    }

    /// Waits (within [`STEP`]) until every connection has ended: the browser is gone
    /// and everything it sent is in the record.
    pub async fn until_all_closed(&self) -> Vec<Tapped> {
        let deadline = tokio::time::Instant::now() + STEP;
        loop {
            let connections = self.connections();
            if connections.iter().all(|c| c.closed) {
                return connections;
            }
            let open = connections.iter().filter(|c| !c.closed).count();
            assert!(tokio::time::Instant::now() < deadline, "{open} tapped connections still open");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Copies one direction, recording it, until either side ends it.
async fn pass(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, recording: Shared, index: usize, from_client: bool) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        {
            let mut record = recording.lock().expect("tap record");
            if record.recorded + read > MAX_RECORDED {
                record.cut = true;
            } else {
                record.recorded += read;
                let tapped = &mut record.connections[index];
                let side = if from_client { &mut tapped.from_client } else { &mut tapped.from_server };
                side.extend_from_slice(&buffer[..read]);
            }
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
