//! Who holds a visitor's mirror: its pages' sockets and its agents' sockets each hold
//! it while open, and it is forgotten when the last of them lets go.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::{AgentInfo, AgentTapHandle, Mirror};
use crate::live::Live;

/// An agent's view of the visitor's mirror; it stops watching when dropped.
pub struct MirrorWatch {
    live: Arc<Live>,
    visitor_id: String,
    /// The visitor's mirror.
    pub mirror: Arc<Mirror>,
    /// This agent's queue and wake-up.
    pub tap: AgentTapHandle,
}

impl Drop for MirrorWatch {
    fn drop(&mut self) {
        self.mirror.remove_agent(self.tap.id);
        self.live.release_mirror(&self.visitor_id);
    }
}

impl Live {
    /// The visitor's mirror, made when first needed.
    pub(in crate::live) fn mirror_of(&self, visitor_id: &str) -> Arc<Mirror> {
        self.mirrors.entry(visitor_id.to_owned()).or_insert_with(|| Arc::new(Mirror::new(self.relay.clone()))).clone()
    }

    /// A new id for a page or an agent within a mirror.
    pub(in crate::live) fn next_tap_id(&self) -> u64 {
        self.next_tap.fetch_add(1, Ordering::Relaxed)
    }

    /// Forgets the visitor's mirror when nobody holds it any more.
    pub(in crate::live) fn release_mirror(&self, visitor_id: &str) {
        self.mirrors.remove_if(visitor_id, |_, mirror| Arc::strong_count(mirror) == 1);
    }

    /// The agent `info` starts watching the visitor's mirror.
    pub fn watch_mirror(self: &Arc<Self>, visitor_id: &str, info: AgentInfo) -> MirrorWatch {
        let mirror = self.mirror_of(visitor_id);
        let tap = mirror.add_agent(self.next_tap_id(), info);
        MirrorWatch { live: self.clone(), visitor_id: visitor_id.to_owned(), mirror, tap }
    }
}
