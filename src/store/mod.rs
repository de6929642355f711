//! The durable records behind the REST API, behind one trait so that a server database
//! can take SQLite's place later. What is live (who is connected, which sessions have
//! agents now) is kept in memory by [`crate::live`] and written here as it changes.
//!
//! Every method is synchronous and quick; async callers go through
//! [`crate::server::AppState::store`], which runs them on the blocking pool.

pub mod model;
pub mod search;
pub mod sqlite;

pub use model::*;
pub use sqlite::SqliteStore;

/// Why the store failed. Always our fault (or the disk's): the API answers 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// A stored JSON column no longer parses.
    #[error("stored record is corrupt: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// The blocking task running a store call did not finish.
    #[error("store call interrupted: {0}")]
    Interrupted(String),
    /// The data directory could not be used.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The records Tandem keeps.
pub trait Store: Send + Sync + 'static {
    /// Whether a write would go through now (for readiness): takes the write lock and
    /// lets it go, writing nothing.
    fn check_writable(&self) -> Result<(), StoreError>;
    /// Adds a new visitor.
    fn insert_visitor(&self, visitor: &VisitorRecord) -> Result<(), StoreError>;
    /// A visitor by short id.
    fn visitor(&self, short_id: &str) -> Result<Option<VisitorRecord>, StoreError>;
    /// Records what the proxy learned of the visitor's browser, its online state and
    /// its lookup code.
    fn update_presence(
        &self,
        short_id: &str,
        presence: &Presence,
        is_online: bool,
        lookup_code: &str,
    ) -> Result<(), StoreError>;
    /// Records whether an agent is co-browsing with the visitor now.
    fn set_in_session(&self, short_id: &str, in_session: bool) -> Result<(), StoreError>;
    /// Lookup codes of visitors recorded as online (to draw a new code that is not one).
    fn online_lookup_codes(&self) -> Result<Vec<String>, StoreError>;
    /// Visitors matching `query`, online ones first, then the most recently seen.
    fn search_visitors(&self, query: &VisitorQuery, limit: usize) -> Result<Vec<VisitorRecord>, StoreError>;
    /// Deletes a visitor and its proxy session; whether it existed.
    fn delete_visitor(&self, short_id: &str) -> Result<bool, StoreError>;
    /// Deletes every visitor recorded as offline; how many.
    fn delete_offline_visitors(&self) -> Result<u64, StoreError>;

    /// Adds a proxy session.
    fn insert_proxy_session(&self, session: &ProxySessionRecord) -> Result<(), StoreError>;
    /// A proxy session by id.
    fn proxy_session(&self, id: &str) -> Result<Option<ProxySessionRecord>, StoreError>;
    /// The id of a visitor's proxy session (the latest, should there be more).
    fn proxy_session_of_visitor(&self, short_id: &str) -> Result<Option<String>, StoreError>;
    /// Saves the parts of the proxy session `state.id` that change as the visitor
    /// browses: entry token, jar, fallback labels, masked parameter names (a part that
    /// is `None` is saved as empty).
    fn save_proxy_session_state(&self, state: &ProxySessionRecord) -> Result<(), StoreError>;

    /// Adds a watch link.
    fn insert_watch_link(&self, link: &WatchLinkRecord) -> Result<(), StoreError>;
    /// A watch link by id.
    fn watch_link(&self, id: &str) -> Result<Option<WatchLinkRecord>, StoreError>;
    /// Marks the link redeemed with `credential_hash`, unless it already was; whether
    /// this call redeemed it (exactly one caller ever gets `true`).
    fn redeem_watch_link(&self, id: &str, at: Millis, credential_hash: &str) -> Result<bool, StoreError>;
    /// Records the co-browsing session a watch link's agent joined.
    fn set_watch_link_session(&self, id: &str, session_id: &str) -> Result<(), StoreError>;
    /// The watch links that joined a session.
    fn watch_links_of_session(&self, session_id: &str) -> Result<Vec<WatchLinkRecord>, StoreError>;

    /// Adds a co-browsing session.
    fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError>;
    /// Replaces a co-browsing session's record (agents included).
    fn update_session(&self, session: &SessionRecord) -> Result<(), StoreError>;
    /// A co-browsing session by id.
    fn session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError>;
    /// Sessions not ended.
    fn ongoing_sessions(&self) -> Result<Vec<SessionRecord>, StoreError>;
    /// A page of sessions ordered by start, and whether more match.
    fn list_sessions(&self, query: &SessionQuery) -> Result<(Vec<SessionRecord>, bool), StoreError>;
    /// A visitor's latest sessions, newest first.
    fn sessions_of_visitor(&self, short_id: &str, limit: usize) -> Result<Vec<SessionRecord>, StoreError>;
    /// An agent by the integrator's id.
    fn agent(&self, id: &str) -> Result<Option<AgentRecord>, StoreError>;
    /// Records that an agent joined a session at `at` (creating the agent if new).
    fn touch_agent(&self, agent: &AgentRef, at: Millis) -> Result<(), StoreError>;
    /// An agent's latest sessions, newest first.
    fn sessions_of_agent(&self, agent_id: &str, limit: usize) -> Result<Vec<SessionRecord>, StoreError>;

    /// The usage counters at `now`.
    fn usage(&self, now: Millis) -> Result<Usage, StoreError>;
    /// Marks every visitor offline and out of session: at start, before any browser
    /// has reconnected.
    fn mark_all_offline(&self) -> Result<(), StoreError>;
    /// Deletes what is older than `cutoff`: offline visitors last seen before it (with
    /// their proxy sessions), sessions ended before it, agents last seen before it and
    /// watch links that expired before it. Returns how many rows went.
    fn purge(&self, cutoff: Millis) -> Result<u64, StoreError>;
}
