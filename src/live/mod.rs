//! Live state: which visitors have a page open now, and which co-browsing sessions
//! have agents now. It lives in memory, is rebuilt from the browsers that reconnect
//! after a restart, and every change is written to the records through one ordered
//! [`StoreWriter`].
//!
//! A visitor is online while at least one of its pages holds the presence socket
//! ([`visitor_socket`]), and for a short grace period after the last one closes, so
//! that following a link (one page closes, the next opens) is not a coming and going.
//! What only the visitor may decide comes from its [`panel`], never from a page.

mod agent_socket;
mod consent;
mod control;
mod heartbeat;
mod mirror;
mod panel;
mod sessions;
mod visitor_socket;
mod writer;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dashmap::DashMap;
use tokio::sync::broadcast;

pub use agent_socket::agent_socket;
pub use mirror::{
    AgentFeed, AgentInfo, AgentTapHandle, FLAG_SNAPSHOT, MAX_INFLATED_FRAME, MAX_MIRROR_FRAME, MAX_PANELS, Mirror,
    MirrorWatch, STAMP_LEN,
};
pub use panel::{PANEL_SOCKET_PATH, serve_panel};
pub use sessions::{AgentConnection, END_API, JoinRefused};
pub use visitor_socket::{VISITOR_SOCKET_PATH, visitor_socket};
pub use writer::StoreWriter;

use crate::metrics::{Metrics, RelayMetrics};
use crate::origin::binding::random_chars;
use crate::store::search::LOOKUP_CODE_DIGITS;
use crate::store::{Millis, Presence, Store};
use crate::webhook::WebhookSender;

/// Messages queued for one visitor's pages before the slowest is dropped behind.
const VISITOR_EVENT_BACKLOG: usize = 16;
/// Random codes tried for one that no online visitor holds: with 90% of the 10,000
/// codes held, all of them miss once in a thousand times.
const MAX_CODE_DRAWS: usize = 64;
/// Largest message a visitor's page or an agent's viewer may send on a live socket.
const MAX_SOCKET_MESSAGE: usize = 64 * 1024;
/// Bytes read from a live socket at a time. Every open page and viewer holds one such
/// buffer for as long as it is open; tungstenite's default of 128 KiB made them most of
/// a session's memory (BENCHMARKS.md), while live messages are small and a large frame
/// is simply read in more steps.
const SOCKET_READ_BUFFER: usize = 8 * 1024;

/// The current time as [`Millis`].
pub fn now_millis() -> Millis {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as Millis).unwrap_or_default()
}

/// Passes a session event (a start, an end, a consent answer) to a visitor's socket, as
/// the page's and the panel's sockets both hear them; `false` when the socket is to close.
async fn pass_event(
    event: Result<Arc<str>, broadcast::error::RecvError>,
    socket: &mut axum::extract::ws::WebSocket,
) -> bool {
    match event {
        Ok(text) => socket.send(axum::extract::ws::Message::text(text.to_string())).await.is_ok(),
        // Missed events are only session starts and ends: the next one tells.
        Err(broadcast::error::RecvError::Lagged(_)) => true,
        Err(broadcast::error::RecvError::Closed) => false,
    }
}

/// How long absences are forgiven.
#[derive(Clone, Copy, Debug)]
pub struct LiveSettings {
    /// A visitor with no page open stays online this long.
    pub visitor_grace: Duration,
    /// A session whose agents all left ends when none is back within this time.
    pub session_grace: Duration,
    /// A live socket that says nothing (not even a pong) for this long is closed.
    pub socket_silence: Duration,
}

/// One online visitor.
struct VisitorLive {
    connections: usize,
    /// Bumped whenever `connections` leaves or reaches zero, so that a grace timer
    /// started earlier knows it is stale.
    generation: u64,
    lookup_code: String,
    presence: Presence,
    /// Whether its proxy session asks the visitor's consent (`require_consent`).
    requires_consent: bool,
    events: broadcast::Sender<Arc<str>>,
}

/// Live state shared by the API, the proxy and the watch pages.
pub struct Live {
    store: Arc<dyn Store>,
    writer: StoreWriter,
    webhooks: WebhookSender,
    settings: LiveSettings,
    visitors: DashMap<String, VisitorLive>,
    /// Lookup codes of online visitors → their short ids.
    online_codes: DashMap<String, String>,
    /// Ongoing co-browsing sessions by visitor short id.
    sessions: DashMap<String, sessions::SessionLive>,
    /// Mirrors by visitor short id, while a page or an agent uses one.
    mirrors: DashMap<String, Arc<Mirror>>,
    /// Ids of pages and agents within mirrors.
    next_tap: AtomicU64,
    /// What every mirror's relay counts into.
    relay: RelayMetrics,
}

/// What a visitor's page gets on connecting, and the events that follow.
pub struct VisitorConnection {
    live: Arc<Live>,
    /// The visitor.
    pub short_id: String,
    /// Its lookup code.
    pub lookup_code: String,
    /// Session starts and ends, as JSON text for the page.
    pub events: broadcast::Receiver<Arc<str>>,
    /// This page's id in the visitor's mirror.
    pub page_id: u64,
    /// The visitor's mirror.
    pub mirror: Arc<Mirror>,
    /// Requests and control actions for this page, as JSON text.
    pub requests: tokio::sync::mpsc::Receiver<Arc<str>>,
}

impl Drop for VisitorConnection {
    fn drop(&mut self) {
        if let Some(url) = self.mirror.remove_page(self.page_id) {
            self.live.visitor_navigated(&self.short_id, url);
        }
        self.live.release_mirror(&self.short_id);
        self.live.visitor_disconnected(&self.short_id);
    }
}

impl Live {
    /// Live state over `store`, with no one connected, counting its writes and relayed
    /// frames into `metrics`.
    pub fn new(
        store: Arc<dyn Store>,
        webhooks: WebhookSender,
        settings: LiveSettings,
        metrics: &Metrics,
    ) -> std::io::Result<Arc<Self>> {
        Ok(Arc::new(Live {
            writer: StoreWriter::start(store.clone(), metrics.store_write.clone())?,
            store,
            webhooks,
            settings,
            visitors: DashMap::new(),
            online_codes: DashMap::new(),
            sessions: DashMap::new(),
            mirrors: DashMap::new(),
            next_tap: AtomicU64::new(1),
            relay: metrics.relay.clone(),
        }))
    }

    /// The records.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The ordered writer of live changes (also for proxy sessions' saves).
    pub fn writer(&self) -> &StoreWriter {
        &self.writer
    }

    /// Waits until the records reflect every live change made so far.
    pub async fn flush(&self) {
        self.writer.flush().await
    }

    /// Whether the visitor has a page open (or closed one within the grace period).
    pub fn is_online(&self, short_id: &str) -> bool {
        self.visitors.contains_key(short_id)
    }

    /// How many visitors are online.
    pub fn online_count(&self) -> usize {
        self.visitors.len()
    }

    /// A lookup code no online visitor has, for a new visitor.
    pub fn free_lookup_code(&self) -> String {
        (0..MAX_CODE_DRAWS)
            .map(|_| random_lookup_code())
            .find(|code| !self.online_codes.contains_key(code))
            .unwrap_or_else(crowded_lookup_code)
    }

    /// A page of the visitor's opened its presence socket. `stored_code` is the code
    /// the records hold; it is kept unless another online visitor has it now.
    /// `presence.url` is the URL the records hold, kept unless a page online now said
    /// a later one. `requires_consent` is its proxy session's `require_consent`.
    pub fn visitor_connected(
        self: &Arc<Self>,
        short_id: &str,
        stored_code: &str,
        presence: Presence,
        requires_consent: bool,
    ) -> VisitorConnection {
        let mut entry = self.visitors.entry(short_id.to_owned()).or_insert_with(|| VisitorLive {
            connections: 0,
            generation: 0,
            lookup_code: self.claim_lookup_code(short_id, stored_code),
            presence: Presence::default(),
            requires_consent,
            events: broadcast::channel(VISITOR_EVENT_BACKLOG).0,
        });
        entry.connections += 1;
        entry.generation += 1;
        let url = entry.presence.url.take().or(presence.url);
        entry.presence = Presence { url, ..presence };
        self.write_presence(short_id, &entry);
        let (lookup_code, events) = (entry.lookup_code.clone(), entry.events.subscribe());
        drop(entry);
        self.tell_agents(short_id);
        let mirror = self.mirror_of(short_id);
        let page_id = self.next_tap_id();
        let requests = mirror.add_page(page_id);
        VisitorConnection {
            live: self.clone(),
            short_id: short_id.to_owned(),
            lookup_code,
            events,
            page_id,
            mirror,
            requests,
        }
    }

    /// The visitor's page is now at `url` (a real URL).
    pub fn visitor_navigated(&self, short_id: &str, url: String) {
        if let Some(mut entry) = self.visitors.get_mut(short_id) {
            entry.presence.url = Some(url);
            entry.presence.last_seen_at = Some(now_millis());
            self.write_presence(short_id, &entry);
        }
        self.tell_agents(short_id);
    }

    /// What the proxy knows now of an online visitor's browser.
    pub fn presence(&self, short_id: &str) -> Option<Presence> {
        self.visitors.get(short_id).map(|v| v.presence.clone())
    }

    fn visitor_disconnected(self: &Arc<Self>, short_id: &str) {
        let Some(mut entry) = self.visitors.get_mut(short_id) else { return };
        entry.connections = entry.connections.saturating_sub(1);
        entry.presence.last_seen_at = Some(now_millis());
        if entry.connections > 0 {
            return;
        }
        entry.generation += 1;
        let generation = entry.generation;
        drop(entry);
        let live = self.clone();
        let short_id = short_id.to_owned();
        tokio::spawn(async move {
            tokio::time::sleep(live.settings.visitor_grace).await;
            live.go_offline(&short_id, generation);
        });
    }

    /// Ends the grace period of a visitor whose pages all closed, unless one came back.
    fn go_offline(&self, short_id: &str, generation: u64) {
        let Some((_, gone)) =
            self.visitors.remove_if(short_id, |_, v| v.connections == 0 && v.generation == generation)
        else {
            return;
        };
        self.online_codes.remove_if(&gone.lookup_code, |_, owner| owner == short_id);
        let (id, code, presence) = (short_id.to_owned(), gone.lookup_code, gone.presence);
        self.writer.write("visitor offline", move |s| s.update_presence(&id, &presence, false, &code));
        self.tell_agents(short_id);
        tracing::info!(visitor = short_id, "visitor offline");
    }

    fn write_presence(&self, short_id: &str, visitor: &VisitorLive) {
        let (id, code, presence) = (short_id.to_owned(), visitor.lookup_code.clone(), visitor.presence.clone());
        self.writer.write("visitor presence", move |s| s.update_presence(&id, &presence, true, &code));
    }

    /// Keeps `wanted` if no other online visitor holds it, else draws a free one.
    fn claim_lookup_code(&self, short_id: &str, wanted: &str) -> String {
        let mut code = wanted.to_owned();
        for _ in 0..MAX_CODE_DRAWS {
            match self.online_codes.entry(code.clone()) {
                dashmap::Entry::Vacant(slot) => {
                    slot.insert(short_id.to_owned());
                    return code;
                }
                dashmap::Entry::Occupied(slot) if slot.get() == short_id => return code,
                dashmap::Entry::Occupied(_) => code = random_lookup_code(),
            }
        }
        crowded_lookup_code()
    }

    /// Tells the visitor's open pages something.
    fn tell_visitor(&self, short_id: &str, event: serde_json::Value) {
        if let Some(visitor) = self.visitors.get(short_id) {
            let _ = visitor.events.send(Arc::from(event.to_string()));
        }
    }
}

/// When nearly every code is held by an online visitor, a code shared with another:
/// a search by code then lists both, rather than this visitor having none.
fn crowded_lookup_code() -> String {
    tracing::warn!("nearly every lookup code is held by an online visitor; giving one out twice");
    random_lookup_code()
}

fn random_lookup_code() -> String {
    random_chars(b"0123456789", LOOKUP_CODE_DIGITS)
}

#[cfg(test)]
mod tests;
