//! The relay of one visitor's live mirror (`injector/PROTOCOL.md`): the frames its
//! mirrored page sends (the page the visitor is using, [`source`]), stamped with a
//! sequence number and the relay's time, fanned out to every agent watching, and the
//! current chain (the latest full snapshot and every frame since) kept for agents who
//! join late or fall behind.
//!
//! Publishing never waits for an agent: each agent has a bounded queue, and an agent
//! whose queue is full is marked lagging and skipped until it catches up from the
//! chain. The chain is bounded too: when it grows long the page is asked for a fresh
//! snapshot, and past a hard limit it is dropped until that snapshot comes. Each frame
//! is bounded before any of this, inflated size included ([`frame`]).

use std::sync::{Arc, Mutex, MutexGuard};

use bytes::{BufMut, Bytes, BytesMut};
use tokio::sync::{Notify, mpsc};

mod agents;
mod frame;
mod source;
mod watch;

pub use agents::AgentInfo;
pub use frame::{MAX_INFLATED_FRAME, MAX_MIRROR_FRAME};
pub use source::{MAX_PANELS, is_pairing_nonce};
pub use watch::MirrorWatch;

use source::{PageTap, PanelTap};

use super::now_millis;
use crate::metrics::RelayMetrics;

/// Flag of a frame that starts a new chain with a full snapshot.
pub const FLAG_SNAPSHOT: u8 = 1;
/// Bytes the relay puts before a visitor's frame: the sequence number and its time.
pub const STAMP_LEN: usize = 16;
/// Messages queued for one agent before it is marked lagging.
const AGENT_QUEUE: usize = 256;
/// Messages queued for one page of the visitor (control actions, requests).
const PAGE_QUEUE: usize = 64;
/// A chain longer than this, and than [`CHAIN_SNAPSHOTS`] times its snapshot, asks the
/// page for a fresh snapshot, so that a late joiner has little to replay. Every watched
/// session keeps up to this much: at 10 small frames a second it is about a minute of
/// changes, so a page is asked for a snapshot about once a minute (BENCHMARKS.md).
const CHAIN_SOFT_BYTES: usize = 256 * 1024;
/// How many times its own snapshot a chain may grow before a fresh one is asked for.
const CHAIN_SNAPSHOTS: usize = 4;
/// A chain is never kept longer than this, whatever the page does.
const CHAIN_HARD_BYTES: usize = 16 * 1024 * 1024;

/// What goes to an agent's viewer.
#[derive(Clone, Debug)]
pub enum AgentFeed {
    /// A stamped mirror frame.
    Frame(Bytes),
    /// A JSON message.
    Text(Arc<str>),
}

/// One visitor's mirror, shared by its pages' sockets and its agents' sockets.
#[derive(Default)]
pub struct Mirror {
    state: Mutex<State>,
    relay: RelayMetrics,
}

#[derive(Default)]
struct State {
    next_seq: u64,
    /// The page whose frames are mirrored and to which agents' actions go ([`source`]).
    source: Option<u64>,
    /// The page whose snapshot began the chain: only its frames may follow.
    chain_of: Option<u64>,
    chain: Vec<Bytes>,
    chain_bytes: usize,
    snapshot_bytes: usize,
    snapshot_asked: bool,
    /// Agents were told of a refused frame since the last snapshot ([`Mirror::refuse`]).
    refusal_told: bool,
    pages: Vec<PageTap>,
    panels: Vec<PanelTap>,
    /// Counts panels becoming visible, to know which did last.
    next_shown: u64,
    agents: Vec<AgentTap>,
}

struct AgentTap {
    id: u64,
    info: AgentInfo,
    color: &'static str,
    queue: mpsc::Sender<AgentFeed>,
    lagging: bool,
    wake: Arc<Notify>,
}

/// An agent's end of the mirror.
pub struct AgentTapHandle {
    /// Its id within the mirror.
    pub id: u64,
    /// The colour of its cursor.
    pub color: &'static str,
    /// Frames and messages, in order.
    pub queue: mpsc::Receiver<AgentFeed>,
    /// Notified when the agent fell behind and must catch up ([`Mirror::catch_up`]).
    pub lagged: Arc<Notify>,
}

impl Mirror {
    /// An empty mirror whose frames count into `relay`.
    pub fn new(relay: RelayMetrics) -> Self {
        Mirror { state: Mutex::default(), relay }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the state half-changed: every change is one step.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A page of the visitor connects; it gets requests and control actions on the
    /// returned queue.
    pub fn add_page(&self, id: u64) -> mpsc::Receiver<Arc<str>> {
        let (queue, receiver) = mpsc::channel(PAGE_QUEUE);
        let mut state = self.state();
        if !state.agents.is_empty() {
            let _ = queue.try_send(state.who_watches());
        }
        state.pages.push(PageTap::new(id, queue));
        receiver
    }

    /// A page of the visitor is gone. Its chain stays, so agents keep seeing its last
    /// state until the page mirrored instead sends its snapshot. The URL of that page,
    /// when there is one and it said where it is.
    pub fn remove_page(&self, id: u64) -> Option<String> {
        let mut state = self.state();
        state.pages.retain(|p| p.id != id);
        if state.source == Some(id) {
            state.source = None;
        }
        state.choose_source()
    }

    /// A frame a page sent (flag byte, then payload). Only the mirrored page's frames
    /// are taken: a snapshot begins a new chain, other frames follow its own snapshot.
    pub fn publish(&self, page: u64, frame: &[u8]) {
        let Some(&flags) = frame.first() else { return };
        let mut state = self.state();
        let snapshot = flags & FLAG_SNAPSHOT != 0;
        if state.source != Some(page) || (!snapshot && state.chain_of != Some(page)) {
            // Not the page the visitor uses, or a chain dropped for its size: useless until a snapshot.
            self.relay.not_mirrored.inc();
            return;
        }
        if snapshot {
            state.chain_of = Some(page);
            state.chain.clear();
            state.chain_bytes = 0;
            state.snapshot_bytes = frame.len();
            state.snapshot_asked = false;
            state.refusal_told = false;
        }
        let seq = state.next_seq;
        state.next_seq += 1;
        let stamped = stamp(seq, now_millis(), frame);
        if state.chain_bytes + stamped.len() > CHAIN_HARD_BYTES {
            tracing::warn!(bytes = state.chain_bytes, "mirror chain dropped for its size; asking for a snapshot");
            state.chain_of = None;
            state.chain.clear();
            state.chain_bytes = 0;
            state.ask_snapshot();
        } else {
            state.chain_bytes += stamped.len();
            state.chain.push(stamped.clone());
            if state.chain_bytes > CHAIN_SOFT_BYTES.max(CHAIN_SNAPSHOTS * state.snapshot_bytes) {
                state.ask_snapshot();
            }
        }
        self.relay.frames.inc();
        for agent in state.agents.iter_mut() {
            if agent.lagging {
                self.relay.agent_lagging.inc();
            } else if agent.queue.try_send(AgentFeed::Frame(stamped.clone())).is_err() {
                self.relay.agent_lagging.inc();
                agent.lagging = true;
                agent.wake.notify_one();
            }
        }
    }

    /// Stops queueing for an agent that asked to start over (`resync`); it then drains
    /// its queue and calls [`Mirror::catch_up`].
    pub fn mark_lagging(&self, id: u64) {
        if let Some(agent) = self.state().agents.iter_mut().find(|a| a.id == id) {
            agent.lagging = true;
        }
    }

    /// The current chain for a lagging agent whose queue is drained; frames published
    /// after it go to its queue again. An empty chain asks the mirrored page for a snapshot.
    pub fn catch_up(&self, id: u64) -> Vec<Bytes> {
        let mut state = self.state();
        if let Some(agent) = state.agents.iter_mut().find(|a| a.id == id) {
            agent.lagging = false;
        }
        if state.chain.is_empty() {
            state.ask_snapshot();
        }
        state.chain.clone()
    }

    /// Sends a message to the mirrored page, never to another; false when there is none
    /// or its queue was full.
    pub fn tell_source(&self, message: Arc<str>) -> bool {
        self.state().tell_source(message)
    }

    /// Forgets the chain (the session ended: nothing of it may be shown again).
    pub fn clear(&self) {
        let mut state = self.state();
        state.chain_of = None;
        state.chain = Vec::new();
        state.chain_bytes = 0;
        state.snapshot_asked = false;
    }

    /// Bytes the chain holds now.
    #[cfg(test)]
    pub fn chain_bytes(&self) -> usize {
        self.state().chain_bytes
    }
}

impl State {
    fn ask_snapshot(&mut self) {
        if !self.snapshot_asked {
            self.snapshot_asked = self.tell_source(Arc::from(r#"{"type":"snapshot"}"#));
        }
    }

    fn tell_source(&self, message: Arc<str>) -> bool {
        let source = self.pages.iter().find(|p| Some(p.id) == self.source);
        source.is_some_and(|page| page.queue.try_send(message).is_ok())
    }
}

/// A visitor's frame as agents get it: sequence number and time first.
fn stamp(seq: u64, time: i64, frame: &[u8]) -> Bytes {
    let mut stamped = BytesMut::with_capacity(STAMP_LEN + frame.len());
    stamped.put_u64(seq);
    stamped.put_i64(time);
    stamped.put_slice(frame);
    stamped.freeze()
}

#[cfg(test)]
mod tests;
