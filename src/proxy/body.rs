//! Phase 5: stream the body through its synchronous filter. Each upstream chunk is
//! filtered as it arrives and whatever output it yields is sent on at once; nothing
//! waits for the whole body.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;

use crate::rewrite::filter::BodyFilter;

/// Error type of proxied bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An upstream body seen through a filter.
pub struct FilteredBody {
    upstream: Incoming,
    filter: Box<dyn BodyFilter>,
    finished: bool,
}

impl FilteredBody {
    /// Wraps `upstream`.
    pub fn new(upstream: Incoming, filter: Box<dyn BodyFilter>) -> Self {
        FilteredBody { upstream, filter, finished: false }
    }
}

impl Body for FilteredBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        while !this.finished {
            let mut out = Vec::new();
            match ready!(Pin::new(&mut this.upstream).poll_frame(cx)) {
                Some(Ok(frame)) => {
                    // Trailers describe the upstream's bytes, not ours: they are dropped.
                    let Ok(data) = frame.into_data() else { continue };
                    if let Err(e) = this.filter.write(&data, &mut out) {
                        this.finished = true;
                        tracing::warn!(error = %e, "response body filter failed; ending the body");
                        return Poll::Ready(Some(Err(e.into())));
                    }
                }
                Some(Err(e)) => {
                    this.finished = true;
                    return Poll::Ready(Some(Err(e.into())));
                }
                None => {
                    this.finished = true;
                    if let Err(e) = this.filter.finish(&mut out) {
                        tracing::warn!(error = %e, "response body filter failed at the end");
                        return Poll::Ready(Some(Err(e.into())));
                    }
                }
            }
            if !out.is_empty() {
                return Poll::Ready(Some(Ok(Frame::data(Bytes::from(out)))));
            }
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.finished
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}
