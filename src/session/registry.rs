//! The registry of live sessions, shared by the API and the proxy.

use std::sync::Arc;

use dashmap::DashMap;
use publicsuffix::List;
use rand::Rng;
use url::Url;

use super::{CookieJar, ProxySession, Visitor};
use crate::origin::SessionId;

/// Characters of a visitor short id.
const SHORT_ID_LEN: usize = 12;
const SHORT_ID_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// Every live session, by id.
pub struct SessionRegistry {
    sessions: DashMap<SessionId, Arc<ProxySession>>,
    suffixes: Arc<List>,
}

impl SessionRegistry {
    /// An empty registry.
    pub fn new(suffixes: Arc<List>) -> Self {
        SessionRegistry { sessions: DashMap::new(), suffixes }
    }

    /// Creates a session and its visitor.
    pub fn create(&self, initial_url: Url, unique_id: Option<String>) -> Arc<ProxySession> {
        let visitor = Visitor { short_id: new_short_id(), unique_id };
        loop {
            let session = Arc::new(ProxySession::new(
                visitor.clone(),
                initial_url.clone(),
                CookieJar::new(self.suffixes.clone()),
            ));
            // Ids are random; on the rare collision draw again rather than replace.
            if let dashmap::Entry::Vacant(slot) = self.sessions.entry(session.id.clone()) {
                slot.insert(session.clone());
                return session;
            }
        }
    }

    /// A live session.
    pub fn get(&self, id: &SessionId) -> Option<Arc<ProxySession>> {
        self.sessions.get(id).map(|s| s.value().clone())
    }

    /// How many sessions are live.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether no session is live.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }
}

fn new_short_id() -> String {
    let mut rng = rand::rng();
    (0..SHORT_ID_LEN).map(|_| SHORT_ID_ALPHABET[rng.random_range(0..SHORT_ID_ALPHABET.len())] as char).collect()
}
