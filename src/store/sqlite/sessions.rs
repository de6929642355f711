//! Co-browsing sessions (`sessions`, with one `session_agents` row per agent visit) and
//! the `agents` who joined them. Sessions are ordered by start, then by `seq` (their
//! insertion order) so that two starting in the same millisecond keep one order.

use rusqlite::{Connection, Row, Transaction, params};

use super::{collect, first, json_column, limit_param};
use crate::store::{AgentRecord, AgentRef, Millis, SessionQuery, SessionRecord, StoreError};

/// Every session query selects this: the record and, as one JSON array, its agent
/// visits in order of joining (one statement per page instead of one per session).
const SELECT: &str = "SELECT s.id, s.visitor_id, s.started_at, s.ended_at, s.end_reason, s.metadata, s.notes, \
     s.start_url, s.updated_at, \
     (SELECT json_group_array(json_object('agent_id', a.agent_id, 'name', a.name, 'joined_at', a.joined_at, \
       'left_at', a.left_at) ORDER BY a.position) FROM session_agents a WHERE a.session_id = s.id) AS agents \
     FROM sessions s";

fn read(row: &Row) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        id: row.get("id")?,
        visitor_id: row.get("visitor_id")?,
        agents: json_column(row, "agents")?,
        started_at: row.get("started_at")?,
        ended_at: row.get("ended_at")?,
        end_reason: row.get("end_reason")?,
        metadata: json_column(row, "metadata")?,
        notes: row.get("notes")?,
        start_url: row.get("start_url")?,
        updated_at: row.get("updated_at")?,
    })
}

/// Writes the session's agent visits, in order, after its old ones were removed.
fn insert_agents(tx: &Transaction, s: &SessionRecord) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO session_agents (session_id, position, agent_id, name, joined_at, left_at) \
         VALUES (?,?,?,?,?,?)",
    )?;
    for (position, a) in s.agents.iter().enumerate() {
        stmt.execute(params![s.id, limit_param(position), a.agent_id, a.name, a.joined_at, a.left_at])?;
    }
    Ok(())
}

pub(super) fn insert(conn: &mut Connection, s: &SessionRecord) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    tx.prepare_cached(
        "INSERT INTO sessions (id, visitor_id, started_at, ended_at, end_reason, metadata, notes, start_url, \
         updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
    )?
    .execute(params![
        s.id,
        s.visitor_id,
        s.started_at,
        s.ended_at,
        s.end_reason,
        serde_json::to_string(&s.metadata)?,
        s.notes,
        s.start_url,
        s.updated_at
    ])?;
    insert_agents(&tx, s)?;
    tx.commit()?;
    Ok(())
}

/// Replaces the record and its agent visits at once. An unknown session is left
/// unknown (it was purged, or never inserted): nothing to replace.
pub(super) fn update(conn: &mut Connection, s: &SessionRecord) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    let changed = tx
        .prepare_cached(
            "UPDATE sessions SET visitor_id = ?, started_at = ?, ended_at = ?, end_reason = ?, metadata = ?, \
             notes = ?, start_url = ?, updated_at = ? WHERE id = ?",
        )?
        .execute(params![
            s.visitor_id,
            s.started_at,
            s.ended_at,
            s.end_reason,
            serde_json::to_string(&s.metadata)?,
            s.notes,
            s.start_url,
            s.updated_at,
            s.id
        ])?;
    if changed > 0 {
        tx.prepare_cached("DELETE FROM session_agents WHERE session_id = ?")?.execute([&s.id])?;
        insert_agents(&tx, s)?;
    }
    tx.commit()?;
    Ok(())
}

pub(super) fn get(conn: &Connection, id: &str) -> Result<Option<SessionRecord>, StoreError> {
    first(conn, &format!("{SELECT} WHERE s.id = ?"), [id], read)
}

pub(super) fn ongoing(conn: &Connection) -> Result<Vec<SessionRecord>, StoreError> {
    collect(conn, &format!("{SELECT} WHERE s.ended_at IS NULL ORDER BY s.started_at, s.seq"), [], read)
}

/// One page, and whether more rows match beyond it (one more is read to know). The
/// cursors compare `(started_at, seq)` with the named session's: an unknown id makes
/// the comparison NULL, so nothing matches.
pub(super) fn list(conn: &Connection, q: &SessionQuery) -> Result<(Vec<SessionRecord>, bool), StoreError> {
    let sql = format!(
        "{SELECT} WHERE (?1 IS NULL OR (s.started_at, s.seq) > (SELECT started_at, seq FROM sessions WHERE id = ?1)) \
         AND (?2 IS NULL OR (s.started_at, s.seq) < (SELECT started_at, seq FROM sessions WHERE id = ?2)) \
         AND (NOT ?3 OR s.ended_at IS NULL) \
         AND (?4 IS NULL OR s.updated_at > ?4) \
         ORDER BY s.started_at, s.seq LIMIT ?5"
    );
    let mut page = collect(
        conn,
        &sql,
        params![q.after_id, q.before_id, q.ongoing_only, q.updated_after, limit_param(q.limit.saturating_add(1))],
        read,
    )?;
    let has_more = page.len() > q.limit;
    page.truncate(q.limit);
    Ok((page, has_more))
}

pub(super) fn of_visitor(conn: &Connection, short_id: &str, limit: usize) -> Result<Vec<SessionRecord>, StoreError> {
    let sql = format!("{SELECT} WHERE s.visitor_id = ? ORDER BY s.started_at DESC, s.seq DESC LIMIT ?");
    collect(conn, &sql, params![short_id, limit_param(limit)], read)
}

pub(super) fn of_agent(conn: &Connection, agent_id: &str, limit: usize) -> Result<Vec<SessionRecord>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE s.id IN (SELECT session_id FROM session_agents WHERE agent_id = ?) \
         ORDER BY s.started_at DESC, s.seq DESC LIMIT ?"
    );
    collect(conn, &sql, params![agent_id, limit_param(limit)], read)
}

pub(super) fn agent(conn: &Connection, id: &str) -> Result<Option<AgentRecord>, StoreError> {
    first(conn, "SELECT id, name, first_seen_at, last_seen_at FROM agents WHERE id = ?", [id], |row| {
        Ok(AgentRecord {
            id: row.get("id")?,
            name: row.get("name")?,
            first_seen_at: row.get("first_seen_at")?,
            last_seen_at: row.get("last_seen_at")?,
        })
    })
}

/// An agent who comes back without a name keeps the one it had; times only widen, so
/// a late write of an older join changes nothing.
pub(super) fn touch_agent(conn: &Connection, agent: &AgentRef, at: Millis) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO agents (id, name, first_seen_at, last_seen_at) VALUES (?1, ?2, ?3, ?3) \
         ON CONFLICT (id) DO UPDATE SET name = COALESCE(excluded.name, name), \
         first_seen_at = MIN(first_seen_at, excluded.first_seen_at), \
         last_seen_at = MAX(last_seen_at, excluded.last_seen_at)",
    )?
    .execute(params![agent.id, agent.name, at])?;
    Ok(())
}
