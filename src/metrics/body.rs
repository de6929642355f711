//! A body counted as it streams: its data bytes go to a counter, one relaxed atomic add
//! per frame, and the time its end came (from when its request went upstream) to a
//! histogram. Nothing is held or copied.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::Histogram;

use super::Metrics;

/// A body whose bytes are counted, and whose end may be timed.
pub struct CountedBody<B> {
    inner: B,
    bytes: Counter,
    /// Where the time to the end goes, and from when; taken when observed.
    until_end: Option<(Histogram, Instant)>,
}

impl Metrics {
    /// An upstream's response body to a request sent at `sent`: its bytes are the
    /// upstream's, its end the end of the exchange.
    pub fn upstream_body<B: Body>(&self, body: B, sent: Instant) -> CountedBody<B> {
        let mut counted = CountedBody {
            inner: body,
            bytes: self.upstream_bytes.clone(),
            until_end: Some((self.upstream_duration.clone(), sent)),
        };
        // An empty body (HEAD, 204, 304) is never polled: it ended with its head.
        if counted.inner.is_end_stream() {
            counted.ended();
        }
        counted
    }

    /// A proxied body on its way to the browser.
    pub fn client_body<B>(&self, body: B) -> CountedBody<B> {
        CountedBody { inner: body, bytes: self.client_bytes.clone(), until_end: None }
    }
}

impl<B> CountedBody<B> {
    fn ended(&mut self) {
        if let Some((histogram, since)) = self.until_end.take() {
            histogram.observe(since.elapsed().as_secs_f64());
        }
    }
}

impl<B: Body<Data = Bytes> + Unpin> Body for CountedBody<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = &mut *self;
        let polled = ready!(Pin::new(&mut this.inner).poll_frame(cx));
        match &polled {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    this.bytes.inc_by(data.len() as u64);
                }
                // A body of known length is not polled again after its last frame.
                if this.inner.is_end_stream() {
                    this.ended();
                }
            }
            None => this.ended(),
            // A body cut off has no end to time.
            Some(Err(_)) => this.until_end = None,
        }
        Poll::Ready(polled)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
