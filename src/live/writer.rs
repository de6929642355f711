//! The one writer of live changes to the store. Live state changes under a map entry's
//! lock, which must not wait on the disk; each change is queued here in the order it
//! happened and applied in that order on a thread of its own, so a record never goes
//! back to an older state.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Instant;

use prometheus_client::metrics::histogram::Histogram;

use tokio::sync::oneshot;

use crate::store::{Store, StoreError};

type Job = Box<dyn FnOnce(&dyn Store) -> Result<(), StoreError> + Send>;

enum Message {
    Write(&'static str, Job),
    Flush(oneshot::Sender<()>),
}

/// Queues writes for the store's own thread.
#[derive(Clone)]
pub struct StoreWriter {
    queue: mpsc::Sender<Message>,
}

impl StoreWriter {
    /// Starts the writer thread for `store`, timing each write into `latency`; it ends
    /// when every `StoreWriter` is dropped.
    pub fn start(store: Arc<dyn Store>, latency: Histogram) -> std::io::Result<Self> {
        let (queue, jobs) = mpsc::channel::<Message>();
        std::thread::Builder::new().name("tandem-store-writer".into()).spawn(move || {
            for message in jobs {
                match message {
                    Message::Write(what, job) => {
                        let started = Instant::now();
                        let written = job(store.as_ref());
                        latency.observe(started.elapsed().as_secs_f64());
                        if let Err(e) = written {
                            tracing::error!(error = %e, what, "could not record a live change");
                        }
                    }
                    Message::Flush(done) => {
                        let _ = done.send(());
                    }
                }
            }
        })?;
        Ok(StoreWriter { queue })
    }

    /// Queues `job`; `what` names it in the log if it fails.
    pub fn write(&self, what: &'static str, job: impl FnOnce(&dyn Store) -> Result<(), StoreError> + Send + 'static) {
        // The thread only ends with the process, so a failed send loses nothing a
        // running Tandem would have kept.
        let _ = self.queue.send(Message::Write(what, Box::new(job)));
    }

    /// Waits until every write queued before this call is applied: API reads call it
    /// so that they see what the live state already knows.
    pub async fn flush(&self) {
        let (done, applied) = oneshot::channel();
        if self.queue.send(Message::Flush(done)).is_ok() {
            let _ = applied.await;
        }
    }
}
