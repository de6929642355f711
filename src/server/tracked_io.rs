//! A client's socket as the server reads and writes it: it holds the connection's
//! [`Slot`] for as long as the socket lives (through a switch to WebSocket too), and
//! fails a write the client has left unread for the idle timeout, whatever protocol
//! runs on it, so that a client that stops reading cannot hold a connection and the
//! memory queued for it.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::connections::Slot;

/// A client socket with its slot and a bound on unread writes.
pub struct TrackedIo<S> {
    stream: S,
    _slot: Slot,
    write_timeout: Duration,
    /// Armed while a write waits on the client.
    stall: Pin<Box<Sleep>>,
    stalled: bool,
}

impl<S> TrackedIo<S> {
    /// `stream`, holding `slot`, failing writes the client leaves unread for `write_timeout`.
    pub fn new(stream: S, slot: Slot, write_timeout: Duration) -> Self {
        let stall = Box::pin(tokio::time::sleep(write_timeout));
        TrackedIo { stream, _slot: slot, write_timeout, stall, stalled: false }
    }

    /// What a write that returned `poll` means: progress ends a stall; waiting starts
    /// one, or fails once it has lasted the timeout.
    fn bounded<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if poll.is_ready() {
            self.stalled = false;
            return poll;
        }
        if !self.stalled {
            self.stalled = true;
            self.stall.as_mut().reset(Instant::now() + self.write_timeout);
        }
        ready!(self.stall.as_mut().poll(cx));
        Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "the client left a response unread")))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for TrackedIo<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for TrackedIo<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.bounded(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.bounded(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.stream).poll_flush(cx);
        self.bounded(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::server::connections::{ConnectionSettings, Connections};

    #[tokio::test(start_paused = true)]
    async fn a_write_the_client_leaves_unread_fails_after_the_timeout() {
        let timeout = Duration::from_secs(5);
        let settings = ConnectionSettings { header_read_timeout: timeout, idle_timeout: timeout, max_connections: 1 };
        let connections = Connections::new(settings);
        let (server, mut client) = tokio::io::duplex(64);
        let mut io = TrackedIo::new(server, connections.admit().await, timeout);
        // A client that reads slowly but reads is served.
        for _ in 0..4 {
            io.write_all(&[1; 64]).await.expect("room in the pipe");
            tokio::time::advance(Duration::from_secs(4)).await;
            client.read_exact(&mut [0; 64]).await.expect("read");
        }
        let start = Instant::now();
        let error = io.write_all(&[1; 256]).await.expect_err("the client stopped reading");
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert_eq!(start.elapsed(), timeout);
        drop(io);
        assert!(tokio::time::timeout(timeout, connections.admit()).await.is_ok(), "its slot is free again");
    }
}
