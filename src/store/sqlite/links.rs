//! What ties a browser to Tandem: the `proxy_sessions` table (a visitor's browser) and
//! the `watch_links` table (an agent's one-time way in, redeemed atomically).

use rusqlite::{Connection, Row, params};

use super::{collect, first, json_column};
use crate::store::{Millis, ProxySessionRecord, StoreError, WatchLinkRecord};

/// The columns [`read_proxy_session`] expects.
const PROXY_SESSION_COLUMNS: &str = "id, visitor_id, binding_token, entry_token, initial_url, created_at, jar, fallback_labels, require_consent, \
     masked_params";

/// The columns [`read_watch_link`] expects (`grant` is quoted: SQL reserves the word).
const WATCH_LINK_COLUMNS: &str =
    "id, visitor_id, \"grant\", created_at, expires_at, redeemed_at, credential_hash, session_id";

fn read_proxy_session(row: &Row) -> Result<ProxySessionRecord, StoreError> {
    Ok(ProxySessionRecord {
        id: row.get("id")?,
        visitor_id: row.get("visitor_id")?,
        binding_token: row.get("binding_token")?,
        entry_token: row.get("entry_token")?,
        initial_url: row.get("initial_url")?,
        created_at: row.get("created_at")?,
        jar: row.get("jar")?,
        fallback_labels: row.get("fallback_labels")?,
        require_consent: row.get("require_consent")?,
        masked_params: row.get("masked_params")?,
    })
}

fn read_watch_link(row: &Row) -> Result<WatchLinkRecord, StoreError> {
    Ok(WatchLinkRecord {
        id: row.get("id")?,
        visitor_id: row.get("visitor_id")?,
        grant: json_column(row, "grant")?,
        created_at: row.get("created_at")?,
        expires_at: row.get("expires_at")?,
        redeemed_at: row.get("redeemed_at")?,
        credential_hash: row.get("credential_hash")?,
        session_id: row.get("session_id")?,
    })
}

pub(super) fn insert_proxy_session(conn: &Connection, s: &ProxySessionRecord) -> Result<(), StoreError> {
    conn.prepare_cached(&format!("INSERT INTO proxy_sessions ({PROXY_SESSION_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)"))?
        .execute(params![
            s.id,
            s.visitor_id,
            s.binding_token,
            s.entry_token,
            s.initial_url,
            s.created_at,
            s.jar,
            s.fallback_labels,
            s.require_consent,
            s.masked_params
        ])?;
    Ok(())
}

pub(super) fn proxy_session(conn: &Connection, id: &str) -> Result<Option<ProxySessionRecord>, StoreError> {
    first(conn, &format!("SELECT {PROXY_SESSION_COLUMNS} FROM proxy_sessions WHERE id = ?"), [id], read_proxy_session)
}

pub(super) fn proxy_session_of_visitor(conn: &Connection, short_id: &str) -> Result<Option<String>, StoreError> {
    let sql = "SELECT id FROM proxy_sessions WHERE visitor_id = ? ORDER BY created_at DESC LIMIT 1";
    first(conn, sql, [short_id], |row| Ok(row.get("id")?))
}

pub(super) fn save_proxy_session_state(conn: &Connection, s: &ProxySessionRecord) -> Result<(), StoreError> {
    let sql = "UPDATE proxy_sessions SET entry_token = ?, jar = ?, fallback_labels = ?, masked_params = ? WHERE id = ?";
    let or_empty = |part: &Option<String>| part.clone().unwrap_or_default();
    conn.prepare_cached(sql)?.execute(params![
        s.entry_token,
        or_empty(&s.jar),
        or_empty(&s.fallback_labels),
        or_empty(&s.masked_params),
        s.id
    ])?;
    Ok(())
}

pub(super) fn insert_watch_link(conn: &Connection, l: &WatchLinkRecord) -> Result<(), StoreError> {
    conn.prepare_cached(&format!("INSERT INTO watch_links ({WATCH_LINK_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)"))?.execute(
        params![
            l.id,
            l.visitor_id,
            serde_json::to_string(&l.grant)?,
            l.created_at,
            l.expires_at,
            l.redeemed_at,
            l.credential_hash,
            l.session_id
        ],
    )?;
    Ok(())
}

pub(super) fn watch_link(conn: &Connection, id: &str) -> Result<Option<WatchLinkRecord>, StoreError> {
    first(conn, &format!("SELECT {WATCH_LINK_COLUMNS} FROM watch_links WHERE id = ?"), [id], read_watch_link)
}

/// One statement tests and sets `redeemed_at`, so two opens racing (even from two
/// processes on the file) cannot both win.
pub(super) fn redeem_watch_link(
    conn: &Connection,
    id: &str,
    at: Millis,
    credential_hash: &str,
) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE watch_links SET redeemed_at = ?, credential_hash = ? WHERE id = ? AND redeemed_at IS NULL",
        )?
        .execute(params![at, credential_hash, id])?;
    Ok(changed == 1)
}

pub(super) fn set_watch_link_session(conn: &Connection, id: &str, session_id: &str) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE watch_links SET session_id = ? WHERE id = ?")?.execute([session_id, id])?;
    Ok(())
}

/// In the order they were issued (the order their webhooks are called in).
pub(super) fn watch_links_of_session(conn: &Connection, session_id: &str) -> Result<Vec<WatchLinkRecord>, StoreError> {
    collect(
        conn,
        &format!("SELECT {WATCH_LINK_COLUMNS} FROM watch_links WHERE session_id = ? ORDER BY created_at, id"),
        [session_id],
        read_watch_link,
    )
}
