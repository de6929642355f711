//! SQLite behind [`Store`]: one file under the data directory, in WAL mode, its schema
//! brought up to date at open by the versioned migrations of `src/store/migrations`.
//! This module owns the connection and the row-reading helpers; each table family's
//! statements live in a submodule ([`visitors`], [`links`], [`sessions`], [`upkeep`]).

mod links;
mod sessions;
mod upkeep;
mod visitors;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, Params, Row};
use rusqlite_migration::{M, Migrations};
use serde::de::DeserializeOwned;

use super::*;

/// The schema's history, oldest first; `PRAGMA user_version` counts the applied ones.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../migrations/0001_records.sql")),
        M::up(include_str!("../migrations/0002_require_consent.sql")),
        M::up(include_str!("../migrations/0003_masked_params.sql")),
    ])
}

/// How long a statement waits for another connection's write lock (a second Tandem or
/// an operator's `sqlite3` on the same file) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The embedded store. Every call is short, so one connection behind a mutex serves all.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating and migrating) the database at `path`, creating its directory.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| StoreError::Io { path: dir.display().to_string(), source })?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL lets readers go on while a write commits; NORMAL sync is durable across a
        // crash of Tandem (only a power loss can drop the last commits).
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Per connection and off in SQLite's own default (rusqlite's bundled build turns it
        // on, a system library may not): without it the cascades do not happen.
        conn.pragma_update(None, "foreign_keys", true)?;
        migrations().to_latest(&mut conn)?;
        Ok(SqliteStore { conn: Mutex::new(conn) })
    }

    /// The connection. A panic while it was held cannot leave SQLite half-written (a
    /// statement or transaction either committed or rolls back), so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Reads every row `sql` selects with `params` through `read`.
fn collect<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    read: fn(&Row) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(read(row)?);
    }
    Ok(out)
}

/// The first row `sql` selects, if any (lookups by primary key).
fn first<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    read: fn(&Row) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    Ok(collect(conn, sql, params, read)?.into_iter().next())
}

/// A JSON column, parsed: a document that no longer parses is [`StoreError::Corrupt`].
fn json_column<T: DeserializeOwned>(row: &Row, column: &str) -> Result<T, StoreError> {
    Ok(serde_json::from_str(&row.get::<_, String>(column)?)?)
}

/// A row count for `LIMIT` (SQLite takes a signed 64-bit integer).
fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl Store for SqliteStore {
    fn check_writable(&self) -> Result<(), StoreError> {
        Ok(self.lock().execute_batch("BEGIN IMMEDIATE; ROLLBACK;")?)
    }
    fn insert_visitor(&self, visitor: &VisitorRecord) -> Result<(), StoreError> {
        visitors::insert(&self.lock(), visitor)
    }
    fn visitor(&self, short_id: &str) -> Result<Option<VisitorRecord>, StoreError> {
        visitors::get(&self.lock(), short_id)
    }
    fn update_presence(
        &self,
        short_id: &str,
        presence: &Presence,
        is_online: bool,
        lookup_code: &str,
    ) -> Result<(), StoreError> {
        visitors::update_presence(&self.lock(), short_id, presence, is_online, lookup_code)
    }
    fn set_in_session(&self, short_id: &str, in_session: bool) -> Result<(), StoreError> {
        visitors::set_in_session(&self.lock(), short_id, in_session)
    }
    fn online_lookup_codes(&self) -> Result<Vec<String>, StoreError> {
        visitors::online_lookup_codes(&self.lock())
    }
    fn search_visitors(&self, query: &VisitorQuery, limit: usize) -> Result<Vec<VisitorRecord>, StoreError> {
        visitors::search(&self.lock(), query, limit)
    }
    fn delete_visitor(&self, short_id: &str) -> Result<bool, StoreError> {
        visitors::delete(&self.lock(), short_id)
    }
    fn delete_offline_visitors(&self) -> Result<u64, StoreError> {
        visitors::delete_offline(&self.lock())
    }
    fn insert_proxy_session(&self, session: &ProxySessionRecord) -> Result<(), StoreError> {
        links::insert_proxy_session(&self.lock(), session)
    }
    fn proxy_session(&self, id: &str) -> Result<Option<ProxySessionRecord>, StoreError> {
        links::proxy_session(&self.lock(), id)
    }
    fn proxy_session_of_visitor(&self, short_id: &str) -> Result<Option<String>, StoreError> {
        links::proxy_session_of_visitor(&self.lock(), short_id)
    }
    fn save_proxy_session_state(&self, state: &ProxySessionRecord) -> Result<(), StoreError> {
        links::save_proxy_session_state(&self.lock(), state)
    }
    fn insert_watch_link(&self, link: &WatchLinkRecord) -> Result<(), StoreError> {
        links::insert_watch_link(&self.lock(), link)
    }
    fn watch_link(&self, id: &str) -> Result<Option<WatchLinkRecord>, StoreError> {
        links::watch_link(&self.lock(), id)
    }
    fn redeem_watch_link(&self, id: &str, at: Millis, credential_hash: &str) -> Result<bool, StoreError> {
        links::redeem_watch_link(&self.lock(), id, at, credential_hash)
    }
    fn set_watch_link_session(&self, id: &str, session_id: &str) -> Result<(), StoreError> {
        links::set_watch_link_session(&self.lock(), id, session_id)
    }
    fn watch_links_of_session(&self, session_id: &str) -> Result<Vec<WatchLinkRecord>, StoreError> {
        links::watch_links_of_session(&self.lock(), session_id)
    }
    fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        sessions::insert(&mut self.lock(), session)
    }
    fn update_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        sessions::update(&mut self.lock(), session)
    }
    fn session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        sessions::get(&self.lock(), id)
    }
    fn ongoing_sessions(&self) -> Result<Vec<SessionRecord>, StoreError> {
        sessions::ongoing(&self.lock())
    }
    fn list_sessions(&self, query: &SessionQuery) -> Result<(Vec<SessionRecord>, bool), StoreError> {
        sessions::list(&self.lock(), query)
    }
    fn sessions_of_visitor(&self, short_id: &str, limit: usize) -> Result<Vec<SessionRecord>, StoreError> {
        sessions::of_visitor(&self.lock(), short_id, limit)
    }
    fn agent(&self, id: &str) -> Result<Option<AgentRecord>, StoreError> {
        sessions::agent(&self.lock(), id)
    }
    fn touch_agent(&self, agent: &AgentRef, at: Millis) -> Result<(), StoreError> {
        sessions::touch_agent(&self.lock(), agent, at)
    }
    fn sessions_of_agent(&self, agent_id: &str, limit: usize) -> Result<Vec<SessionRecord>, StoreError> {
        sessions::of_agent(&self.lock(), agent_id, limit)
    }
    fn usage(&self, now: Millis) -> Result<Usage, StoreError> {
        upkeep::usage(&self.lock(), now)
    }
    fn mark_all_offline(&self) -> Result<(), StoreError> {
        upkeep::mark_all_offline(&self.lock())
    }
    fn purge(&self, cutoff: Millis) -> Result<u64, StoreError> {
        upkeep::purge(&mut self.lock(), cutoff)
    }
}
