//! SQLite behind [`Store`] (placeholder: being written).

use super::*;

/// The embedded store.
pub struct SqliteStore;

impl SqliteStore {
    /// Opens (creating and migrating) the database at `path`.
    pub fn open(_path: &std::path::Path) -> Result<Self, StoreError> {
        Ok(SqliteStore)
    }
}

impl Store for SqliteStore {
    fn insert_visitor(&self, _visitor: &VisitorRecord) -> Result<(), StoreError> {
        unimplemented!()
    }
    fn visitor(&self, _short_id: &str) -> Result<Option<VisitorRecord>, StoreError> {
        unimplemented!()
    }
    fn update_presence(
        &self,
        _short_id: &str,
        _presence: &Presence,
        _is_online: bool,
        _lookup_code: &str,
    ) -> Result<(), StoreError> {
        unimplemented!()
    }
    fn set_in_session(&self, _short_id: &str, _in_session: bool) -> Result<(), StoreError> {
        unimplemented!()
    }
    fn online_lookup_codes(&self) -> Result<Vec<String>, StoreError> {
        unimplemented!()
    }
    fn search_visitors(&self, _query: &VisitorQuery, _limit: usize) -> Result<Vec<VisitorRecord>, StoreError> {
        unimplemented!()
    }
    fn delete_visitor(&self, _short_id: &str) -> Result<bool, StoreError> {
        unimplemented!()
    }
    fn delete_offline_visitors(&self) -> Result<u64, StoreError> {
        unimplemented!()
    }
    fn insert_proxy_session(&self, _session: &ProxySessionRecord) -> Result<(), StoreError> {
        unimplemented!()
    }
    fn proxy_session(&self, _id: &str) -> Result<Option<ProxySessionRecord>, StoreError> {
        unimplemented!()
    }
    fn save_proxy_session_state(
        &self,
        _id: &str,
        _entry_token: Option<&str>,
        _jar: &str,
        _fallback_labels: &str,
    ) -> Result<(), StoreError> {
        unimplemented!()
    }
    fn insert_watch_link(&self, _link: &WatchLinkRecord) -> Result<(), StoreError> {
        unimplemented!()
    }
    fn watch_link(&self, _id: &str) -> Result<Option<WatchLinkRecord>, StoreError> {
        unimplemented!()
    }
    fn redeem_watch_link(&self, _id: &str, _at: Millis, _credential_hash: &str) -> Result<bool, StoreError> {
        unimplemented!()
    }
    fn set_watch_link_session(&self, _id: &str, _session_id: &str) -> Result<(), StoreError> {
        unimplemented!()
    }
    fn watch_links_of_session(&self, _session_id: &str) -> Result<Vec<WatchLinkRecord>, StoreError> {
        unimplemented!()
    }
    fn insert_session(&self, _session: &SessionRecord) -> Result<(), StoreError> {
        unimplemented!()
    }
    fn update_session(&self, _session: &SessionRecord) -> Result<(), StoreError> {
        unimplemented!()
    }
    fn session(&self, _id: &str) -> Result<Option<SessionRecord>, StoreError> {
        unimplemented!()
    }
    fn ongoing_sessions(&self) -> Result<Vec<SessionRecord>, StoreError> {
        unimplemented!()
    }
    fn list_sessions(&self, _query: &SessionQuery) -> Result<(Vec<SessionRecord>, bool), StoreError> {
        unimplemented!()
    }
    fn sessions_of_visitor(&self, _short_id: &str, _limit: usize) -> Result<Vec<SessionRecord>, StoreError> {
        unimplemented!()
    }
    fn agent(&self, _id: &str) -> Result<Option<AgentRecord>, StoreError> {
        unimplemented!()
    }
    fn touch_agent(&self, _agent: &AgentRef, _at: Millis) -> Result<(), StoreError> {
        unimplemented!()
    }
    fn sessions_of_agent(&self, _agent_id: &str, _limit: usize) -> Result<Vec<SessionRecord>, StoreError> {
        unimplemented!()
    }
    fn usage(&self, _now: Millis) -> Result<Usage, StoreError> {
        unimplemented!()
    }
    fn mark_all_offline(&self) -> Result<(), StoreError> {
        unimplemented!()
    }
    fn purge(&self, _cutoff: Millis) -> Result<u64, StoreError> {
        unimplemented!()
    }
}
