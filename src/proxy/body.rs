//! Phase 5: stream the body through its synchronous filter. Each upstream chunk is
//! filtered as it arrives and whatever output it yields is sent on at once; nothing
//! waits for the whole body. When the body is done with (ended, failed, or dropped by
//! a browser gone), what its filter has to tell goes to the metrics.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

use crate::metrics::Metrics;
use crate::rewrite::filter::{BailOut, BodyFilter, FilterReport};

/// Error type of proxied bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A response body as it comes from an upstream (counted or not).
pub trait UpstreamBody: Body<Data = Bytes, Error: Into<BoxError>> + Send + Unpin + 'static {}

impl<B: Body<Data = Bytes, Error: Into<BoxError>> + Send + Unpin + 'static> UpstreamBody for B {}

/// An upstream body seen through a filter.
pub struct FilteredBody<B> {
    upstream: B,
    filter: Box<dyn BodyFilter>,
    finished: bool,
    /// Why the filter gave up on the rest of the body, if it did.
    cut_off: Option<BailOut>,
    metrics: Arc<Metrics>,
}

impl<B> FilteredBody<B> {
    /// Wraps `upstream`; the filter's report goes to `metrics`.
    pub fn new(upstream: B, filter: Box<dyn BodyFilter>, metrics: Arc<Metrics>) -> Self {
        FilteredBody { upstream, filter, finished: false, cut_off: None, metrics }
    }
}

impl<B> Drop for FilteredBody<B> {
    fn drop(&mut self) {
        let mut report = FilterReport::default();
        self.filter.report(&mut report);
        report.bail_outs.extend(self.cut_off);
        self.metrics.record_rewrite(&report);
    }
}

impl<B: UpstreamBody> Body for FilteredBody<B> {
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
                        this.cut_off = Some(BailOut::of(&e));
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
                        this.cut_off = Some(BailOut::of(&e));
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
