//! Raw sockets that hold Tandem's connections without using them, as a slowloris
//! client does: silent ones, ones that dribble a request head a header at a time, and
//! HTTP/2 ones that send the preface and stop. Each tells whether Tandem closed it.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use super::bounded;

/// How an attacking socket behaves.
#[derive(Clone, Copy, Debug)]
pub enum Attack {
    /// Connects and sends nothing.
    Silent,
    /// Sends a request line, then one header line every [`DRIBBLE_EVERY`], never the
    /// blank line that ends the head.
    Dribble,
    /// Sends the HTTP/2 preface and an empty SETTINGS frame, then nothing.
    Http2Preface,
}

/// The pace of a dribbling socket.
pub const DRIBBLE_EVERY: Duration = Duration::from_millis(100);
/// The HTTP/2 client preface and an empty SETTINGS frame.
const HTTP2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";

/// One attacking socket; its task ends when Tandem closes the connection.
pub struct Attacker {
    task: JoinHandle<()>,
}

impl Drop for Attacker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Attacker {
    /// Connects to `addr` and starts misbehaving.
    pub async fn open(addr: SocketAddr, attack: Attack) -> Attacker {
        let mut tcp = bounded("an attacking connection", TcpStream::connect(addr)).await.expect("connect");
        let task = tokio::spawn(async move {
            let opening: &[u8] = match attack {
                Attack::Silent => b"",
                Attack::Dribble => b"GET /v1.3/usage HTTP/1.1\r\nHost: localhost\r\n",
                Attack::Http2Preface => HTTP2_PREFACE,
            };
            if tcp.write_all(opening).await.is_err() {
                return;
            }
            let (mut read, mut write) = tcp.into_split();
            let reading = async {
                // Whatever Tandem answers, the connection is over once it closes.
                let _ = tokio::io::copy(&mut read, &mut tokio::io::sink()).await;
            };
            let dribbling = async {
                while let Attack::Dribble = attack {
                    tokio::time::sleep(DRIBBLE_EVERY).await;
                    if write.write_all(b"X-Slow: 1\r\n").await.is_err() {
                        return;
                    }
                }
                std::future::pending::<()>().await;
            };
            tokio::select! {
                () = reading => {}
                () = dribbling => {}
            }
        });
        Attacker { task }
    }

    /// Whether Tandem has closed the connection.
    pub fn closed(&self) -> bool {
        self.task.is_finished()
    }
}
