//! Client connections: how many may be open at once, and how long one may go unused,
//! so that no client can hold Tandem's sockets without using them (slowloris: many
//! connections that never finish a request, or never send one).
//!
//! Each accepted socket takes a [`Slot`] of [`ConnectionSettings::max_connections`],
//! held by the socket itself ([`super::tracked_io::TrackedIo`]), so a connection that
//! switched to a WebSocket keeps its slot for as long as it lives. When every slot is
//! taken, the connection idle the longest (no request in flight, never a WebSocket) is
//! closed to make room: that is where an attacker's sockets sit, while the requests and
//! live sockets of real clients are in flight and kept. A connection with nothing in
//! flight is closed once idle for its time ([`ConnState::until_closing`]).

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use http::{Response, StatusCode};
use http_body::Frame;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// How long the accept loop waits, when every slot is busy, before it looks again for
/// a connection gone idle to close.
const EVICTION_RETRY: Duration = Duration::from_millis(50);

/// The bounds of client connections (see [`crate::config::Config`]).
#[derive(Clone, Copy, Debug)]
pub struct ConnectionSettings {
    /// Time a client has for a request's head, from when the connection is ready for
    /// it (for HTTP/1.1 keep-alive, also how long an idle connection stays).
    pub header_read_timeout: Duration,
    /// Time a connection may go unused after its first request, and a live socket
    /// silent; also how long a client may leave a response unread.
    pub idle_timeout: Duration,
    /// Most connections open at once (the file limit may lower it).
    pub max_connections: usize,
}

/// The open connections.
pub struct Connections {
    slots: Arc<Semaphore>,
    open: Mutex<HashMap<u64, Arc<ConnState>>>,
    next_id: AtomicU64,
    settings: ConnectionSettings,
    epoch: Instant,
    /// Told when the last open connection closes.
    none_open: Notify,
}

impl Connections {
    /// No connection open yet.
    pub fn new(settings: ConnectionSettings) -> Arc<Self> {
        Arc::new(Connections {
            slots: Arc::new(Semaphore::new(settings.max_connections)),
            open: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            settings,
            epoch: Instant::now(),
            none_open: Notify::new(),
        })
    }

    /// The bounds in force.
    pub fn settings(&self) -> &ConnectionSettings {
        &self.settings
    }

    /// Room for one more connection: a free slot, or else the slot of the connection
    /// idle the longest, closed to make room. With every connection busy, waits until
    /// one ends or goes idle.
    pub async fn admit(self: &Arc<Self>) -> Slot {
        loop {
            if let Ok(permit) = self.slots.clone().try_acquire_owned() {
                return self.register(permit);
            }
            // The one asked may have taken a request meanwhile and stay: look again soon.
            self.evict_longest_idle();
            tokio::select! {
                permit = self.slots.clone().acquire_owned() => if let Ok(permit) = permit {
                    return self.register(permit);
                },
                () = tokio::time::sleep(EVICTION_RETRY) => {}
            }
        }
    }

    fn register(self: &Arc<Self>, permit: OwnedSemaphorePermit) -> Slot {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(ConnState {
            epoch: self.epoch,
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(self.now()),
            served: AtomicBool::new(false),
            upgraded: AtomicBool::new(false),
            evicted: AtomicBool::new(false),
            wake: Notify::new(),
        });
        self.lock().insert(id, state.clone());
        Slot { id, state, connections: self.clone(), _permit: permit }
    }

    /// Asks the connection idle the longest to close, if there is one.
    fn evict_longest_idle(&self) {
        let open = self.lock();
        let idle = open.values().filter(|c| c.is_idle() && !c.evicted.load(Ordering::Acquire));
        if let Some(longest) = idle.min_by_key(|c| c.idle_since.load(Ordering::Acquire)) {
            tracing::debug!("all connection slots taken: closing the connection idle the longest");
            longest.evicted.store(true, Ordering::Release);
            longest.wake.notify_one();
        }
    }

    /// How many connections are open (live sockets included).
    pub fn open_count(&self) -> usize {
        self.lock().len()
    }

    /// Resolves once no connection is open.
    pub async fn until_none_open(&self) {
        loop {
            let closed = self.none_open.notified();
            if self.open_count() == 0 {
                return;
            }
            closed.await;
        }
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<ConnState>>> {
        // The map holds no invariant a panicking holder could break.
        self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Why a connection is to close.
#[derive(Debug, PartialEq, Eq)]
pub enum Closing {
    /// Every slot is taken and this one was idle the longest: at once, so that the
    /// newcomer does not wait on a client that may not answer.
    MakeRoom,
    /// It went unused past its time: politely (HTTP/2 says `GOAWAY`).
    Idle,
}

/// One connection's place among the open ones; freed when dropped, with the socket.
pub struct Slot {
    id: u64,
    state: Arc<ConnState>,
    connections: Arc<Connections>,
    _permit: OwnedSemaphorePermit,
}

impl Slot {
    /// What the connection is doing.
    pub fn state(&self) -> Arc<ConnState> {
        self.state.clone()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.connections.lock();
        open.remove(&self.id);
        if open.is_empty() {
            self.connections.none_open.notify_waiters();
        }
    }
}

/// What one connection is doing: requests in flight, or nothing since when.
pub struct ConnState {
    epoch: Instant,
    in_flight: AtomicUsize,
    /// Milliseconds after `epoch` when the last request in flight finished (or the
    /// connection opened).
    idle_since: AtomicU64,
    /// Whether a request has come.
    served: AtomicBool,
    /// Switched protocols: a WebSocket now, watched by its own pings.
    upgraded: AtomicBool,
    /// Asked to close to make room.
    evicted: AtomicBool,
    wake: Notify,
}

impl ConnState {
    /// Marks a request in flight until the returned guard is dropped.
    pub fn busy(self: &Arc<Self>) -> Busy {
        self.served.store(true, Ordering::Release);
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        Busy(self.clone())
    }

    fn is_idle(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0 && !self.upgraded.load(Ordering::Acquire)
    }

    /// Resolves when the connection should close: asked to make room, or idle past
    /// `header_read_timeout` before its first request, or past `idle_timeout` after.
    pub async fn until_closing(&self, settings: &ConnectionSettings) -> Closing {
        loop {
            let woken = self.wake.notified();
            // A request that came just after it was picked keeps it open.
            if self.evicted.swap(false, Ordering::AcqRel) && self.is_idle() {
                return Closing::MakeRoom;
            }
            if !self.is_idle() {
                woken.await;
                continue;
            }
            let allowed =
                if self.served.load(Ordering::Acquire) { settings.idle_timeout } else { settings.header_read_timeout };
            let deadline = self.epoch + Duration::from_millis(self.idle_since.load(Ordering::Acquire)) + allowed;
            if deadline <= Instant::now() {
                return Closing::Idle;
            }
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {}
                () = woken => {}
            }
        }
    }
}

/// The connection a request came on (a request extension), for what outlives the
/// response: a WebSocket over HTTP/2 is one stream of a connection that serves other
/// requests too, so the socket keeps the connection in use while it lives, and no
/// longer; after it, the connection may go idle and close like any other.
#[derive(Clone)]
pub struct ConnectionInUse(pub(super) Arc<ConnState>);

impl ConnectionInUse {
    /// The connection of the request whose `extensions` are given.
    pub fn of(extensions: &http::Extensions) -> Option<ConnectionInUse> {
        extensions.get().cloned()
    }

    /// Runs `socket` (a live socket's whole life) with the connection kept in use.
    pub fn during<F: std::future::Future>(
        in_use: Option<ConnectionInUse>,
        socket: F,
    ) -> impl std::future::Future<Output = F::Output> {
        let busy = in_use.map(|in_use| in_use.0.busy());
        async move {
            let _busy = busy;
            socket.await
        }
    }
}

/// A request in flight on a connection.
pub struct Busy(Arc<ConnState>);

impl Busy {
    /// Keeps the connection busy until `response`'s body has been sent. A switch of
    /// protocols keeps it busy for good: the socket goes on as a WebSocket, whose
    /// silence its own pings find. (A WebSocket on an HTTP/2 stream keeps its
    /// connection busy while it lives, by [`ConnectionInUse`].)
    pub fn until_sent(self, response: Response<Body>) -> Response<Body> {
        if response.status() == StatusCode::SWITCHING_PROTOCOLS {
            self.0.upgraded.store(true, Ordering::Release);
        }
        response.map(|body| Body::new(SentBody { body, _busy: self }))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let state = &self.0;
        if state.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            state.idle_since.store(state.epoch.elapsed().as_millis() as u64, Ordering::Release);
            state.wake.notify_one();
        }
    }
}

/// A response body that keeps its connection busy until it is sent (or dropped).
struct SentBody {
    body: Body,
    _busy: Busy,
}

impl http_body::Body for SentBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(max_connections: usize) -> ConnectionSettings {
        ConnectionSettings {
            header_read_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(5),
            max_connections,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn at_capacity_the_connection_idle_longest_makes_room_and_busy_ones_stay() {
        let connections = Connections::new(settings(3));
        let busy = connections.admit().await;
        let _request = busy.state().busy();
        let oldest = connections.admit().await;
        tokio::time::advance(Duration::from_millis(10)).await;
        let newer = connections.admit().await;
        let (oldest_state, newer_state) = (oldest.state(), newer.state());
        let admitted = tokio::spawn({
            let connections = connections.clone();
            async move { connections.admit().await }
        });
        // The oldest idle one is told to close, and its slot goes to the newcomer.
        let closing = tokio::time::timeout(Duration::from_secs(1), oldest_state.until_closing(connections.settings()));
        assert_eq!(closing.await.ok(), Some(Closing::MakeRoom), "the oldest idle connection is asked to close");
        drop(oldest);
        let fourth = admitted.await.expect("admitted");
        let _fourth_request = fourth.state().busy();
        assert!(!newer_state.evicted.load(Ordering::Acquire));
        // With the rest busy or upgraded, the next one waits for a slot.
        let _upgraded = newer_state
            .busy()
            .until_sent(Response::builder().status(StatusCode::SWITCHING_PROTOCOLS).body(Body::empty()).expect("101"));
        let waiting = tokio::time::timeout(Duration::from_secs(1), connections.admit()).await;
        assert!(waiting.is_err(), "no idle connection: the newcomer waits");
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_connection_closes_after_its_time_and_a_busy_one_does_not() {
        let connections = Connections::new(settings(8));
        let slot = connections.admit().await;
        let state = slot.state();
        let start = Instant::now();
        assert_eq!(state.until_closing(connections.settings()).await, Closing::Idle);
        assert_eq!(start.elapsed(), Duration::from_secs(1), "no request yet: the header timeout");

        let request = state.busy();
        let closing = tokio::time::timeout(Duration::from_secs(60), state.until_closing(connections.settings()));
        assert!(closing.await.is_err(), "a request in flight keeps it open");
        drop(request);
        let start = Instant::now();
        assert_eq!(state.until_closing(connections.settings()).await, Closing::Idle);
        assert_eq!(start.elapsed(), Duration::from_secs(5), "after a request: the idle timeout");
    }
}
