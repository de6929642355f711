//! What looks at every table at once: the usage counters, the reset of live state at
//! start and the purge of old records.

use rusqlite::{Connection, Row, named_params};

use crate::store::{Millis, StoreError, Usage};

/// A day, in milliseconds.
const DAY: Millis = 24 * 60 * 60 * 1000;

/// Counts over windows ending at `now`. Session seconds are the parts of sessions
/// inside the window (an ongoing one counts up to `now`), summed in milliseconds and
/// then rounded down to whole seconds.
pub(super) fn usage(conn: &Connection, now: Millis) -> Result<Usage, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT \
         (SELECT COUNT(DISTINCT agent_id) FROM session_agents WHERE joined_at >= :day) AS agents_today, \
         (SELECT COUNT(DISTINCT agent_id) FROM session_agents WHERE joined_at >= :month) AS agents_month, \
         (SELECT COUNT(*) FROM sessions WHERE started_at >= :day) AS sessions_today, \
         (SELECT COUNT(*) FROM sessions WHERE started_at >= :month) AS sessions_month, \
         (SELECT COUNT(*) FROM sessions WHERE ended_at IS NULL) AS sessions_now, \
         (SELECT COALESCE(SUM(MIN(COALESCE(ended_at, :now), :now) - MAX(started_at, :day)), 0) / 1000 \
          FROM sessions WHERE started_at < :now AND COALESCE(ended_at, :now) > :day) AS seconds_today, \
         (SELECT COALESCE(SUM(MIN(COALESCE(ended_at, :now), :now) - MAX(started_at, :month)), 0) / 1000 \
          FROM sessions WHERE started_at < :now AND COALESCE(ended_at, :now) > :month) AS seconds_month, \
         (SELECT COUNT(*) FROM visitors WHERE COALESCE(last_seen_at, created_at) >= :day) AS visitors_day, \
         (SELECT COUNT(*) FROM visitors WHERE is_online) AS visitors_online",
    )?;
    let usage = stmt.query_row(named_params! {":now": now, ":day": now - DAY, ":month": now - 30 * DAY}, |row| {
        Ok(Usage {
            agents_today: count(row, "agents_today")?,
            agents_last_30_days: count(row, "agents_month")?,
            sessions_today: count(row, "sessions_today")?,
            sessions_last_30_days: count(row, "sessions_month")?,
            sessions_now: count(row, "sessions_now")?,
            session_seconds_today: count(row, "seconds_today")?,
            session_seconds_last_30_days: count(row, "seconds_month")?,
            visitors_last_24_hrs: count(row, "visitors_day")?,
            visitors_online_now: count(row, "visitors_online")?,
        })
    })?;
    Ok(usage)
}

/// A count column (SQLite integers are signed; a count is never negative).
fn count(row: &Row, column: &str) -> rusqlite::Result<u64> {
    Ok(u64::try_from(row.get::<_, i64>(column)?).unwrap_or_default())
}

pub(super) fn mark_all_offline(conn: &Connection) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE visitors SET is_online = 0, is_in_session = 0 WHERE is_online OR is_in_session")?
        .execute([])?;
    Ok(())
}

/// In one transaction. The count is of rows the statements deleted themselves: the
/// proxy sessions, watch links and agent visits that cascade with their parent row
/// are not in it. Watch links go first so that expired ones are counted rather than
/// cascading silently with their visitor; a link whose session is still going stays,
/// since its webhook is called when that session ends.
pub(super) fn purge(conn: &mut Connection, cutoff: Millis) -> Result<u64, StoreError> {
    const STATEMENTS: [&str; 4] = [
        "DELETE FROM watch_links WHERE expires_at < ?1 AND (session_id IS NULL \
         OR session_id NOT IN (SELECT id FROM sessions WHERE ended_at IS NULL))",
        "DELETE FROM sessions WHERE ended_at < ?1",
        "DELETE FROM agents WHERE last_seen_at < ?1",
        "DELETE FROM visitors WHERE NOT is_online AND COALESCE(last_seen_at, created_at) < ?1",
    ];
    let tx = conn.transaction()?;
    let mut deleted = 0;
    for sql in STATEMENTS {
        deleted += tx.prepare_cached(sql)?.execute([cutoff])? as u64;
    }
    tx.commit()?;
    Ok(deleted)
}
