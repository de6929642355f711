//! The sessions in memory, shared by the API and the proxy. A session missing here may
//! still be in the records (Tandem restarted, or the session sat idle and was let go):
//! the proxy asks them and adopts it.

use std::sync::Arc;

use dashmap::DashMap;
use publicsuffix::List;

use super::{CookieJar, NewSession, ProxySession};
use crate::origin::SessionId;
use crate::store::{Millis, ProxySessionRecord};

/// Every session in memory, by id.
pub struct SessionRegistry {
    sessions: DashMap<SessionId, Arc<ProxySession>>,
    suffixes: Arc<List>,
}

impl SessionRegistry {
    /// An empty registry.
    pub fn new(suffixes: Arc<List>) -> Self {
        SessionRegistry { sessions: DashMap::new(), suffixes }
    }

    /// Creates a session for the visitor.
    pub fn create(&self, settings: &NewSession, now: Millis) -> Arc<ProxySession> {
        loop {
            let session = Arc::new(ProxySession::new(settings, now, CookieJar::new(self.suffixes.clone())));
            // Ids are random; on the rare collision draw again rather than replace.
            if let dashmap::Entry::Vacant(slot) = self.sessions.entry(session.id.clone()) {
                slot.insert(session.clone());
                return session;
            }
        }
    }

    /// Takes back a session from the records, unless another request already did.
    pub fn adopt(&self, record: ProxySessionRecord) -> Option<Arc<ProxySession>> {
        let jar = match &record.jar {
            Some(json) if !json.is_empty() => CookieJar::from_json(json, self.suffixes.clone()),
            _ => CookieJar::new(self.suffixes.clone()),
        };
        let session = ProxySession::restore(record, jar)?;
        Some(self.sessions.entry(session.id.clone()).or_insert_with(|| Arc::new(session)).clone())
    }

    /// A session in memory.
    pub fn get(&self, id: &SessionId) -> Option<Arc<ProxySession>> {
        self.sessions.get(id).map(|s| s.value().clone())
    }

    /// Forgets a deleted visitor's sessions.
    pub fn remove_visitor(&self, visitor_id: &str) {
        self.retain_visitors(|id| id != visitor_id);
    }

    /// Keeps only the sessions of visitors `keep` says yes to.
    pub fn retain_visitors(&self, keep: impl Fn(&str) -> bool) {
        self.sessions.retain(|_, session| keep(&session.visitor_id));
    }

    /// Takes out of memory the sessions last used before `cutoff` whose visitor `keep`
    /// says no to, and returns them for a last save.
    pub fn evict_idle(&self, cutoff: Millis, keep: impl Fn(&str) -> bool) -> Vec<Arc<ProxySession>> {
        let idle: Vec<SessionId> = self
            .sessions
            .iter()
            .filter(|s| s.last_used() < cutoff && !keep(&s.visitor_id))
            .map(|s| s.key().clone())
            .collect();
        idle.iter()
            .filter_map(|id| self.sessions.remove_if(id, |_, s| s.last_used() < cutoff).map(|(_, s)| s))
            .collect()
    }

    /// Sessions whose record changed since it was last saved (marks them saved).
    pub fn take_unsaved(&self) -> Vec<Arc<ProxySession>> {
        self.sessions.iter().filter(|s| s.take_unsaved()).map(|s| s.value().clone()).collect()
    }

    /// How many sessions are in memory.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }
}
