//! The `visitors` table: the records, their presence and online state, the search of
//! `GET /v1.3/list` and deletion (which takes the visitor's proxy sessions and watch
//! links with it through `ON DELETE CASCADE`).

use rusqlite::types::Value;
use rusqlite::{Connection, Row, params, params_from_iter};

use super::{collect, first, json_column, limit_param};
use crate::store::{Presence, StoreError, VisitorQuery, VisitorRecord};

/// The columns [`read`] expects, in every visitor query.
const COLUMNS: &str = "short_id, unique_id, lookup_code, identities, tags, metadata, created_at, \
     ip_address, user_agent, url, last_seen_at, is_online, is_in_session";

/// The order of every listing: online first, then the most recently seen (the short id
/// only makes ties stable).
const ORDER: &str = "ORDER BY is_online DESC, COALESCE(last_seen_at, created_at) DESC, short_id";

/// A visitor from a row of [`COLUMNS`].
fn read(row: &Row) -> Result<VisitorRecord, StoreError> {
    Ok(VisitorRecord {
        short_id: row.get("short_id")?,
        unique_id: row.get("unique_id")?,
        lookup_code: row.get("lookup_code")?,
        identities: json_column(row, "identities")?,
        tags: json_column(row, "tags")?,
        metadata: json_column(row, "metadata")?,
        created_at: row.get("created_at")?,
        presence: Presence {
            ip_address: row.get("ip_address")?,
            user_agent: row.get("user_agent")?,
            url: row.get("url")?,
            last_seen_at: row.get("last_seen_at")?,
        },
        is_online: row.get("is_online")?,
        is_in_session: row.get("is_in_session")?,
    })
}

pub(super) fn insert(conn: &Connection, v: &VisitorRecord) -> Result<(), StoreError> {
    conn.prepare_cached(&format!(
        "INSERT INTO visitors ({COLUMNS}, folded, folded_url) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
    ))?
    .execute(params![
        v.short_id,
        v.unique_id,
        v.lookup_code,
        serde_json::to_string(&v.identities)?,
        serde_json::to_string(&v.tags)?,
        serde_json::to_string(&v.metadata)?,
        v.created_at,
        v.presence.ip_address,
        v.presence.user_agent,
        v.presence.url,
        v.presence.last_seen_at,
        v.is_online,
        v.is_in_session,
        folded(v)?,
        fold(v.presence.url.as_deref()),
    ])?;
    Ok(())
}

/// The `folded` column: what never changes after insert, lowercased as
/// [`crate::store::search::parse`] lowercases terms.
fn folded(v: &VisitorRecord) -> Result<String, StoreError> {
    let lower = |items: &[String]| items.iter().map(|item| item.to_lowercase()).collect::<Vec<_>>();
    let ids: Vec<String> =
        [Some(v.short_id.as_str()), v.unique_id.as_deref()].into_iter().flatten().map(str::to_lowercase).collect();
    let document = serde_json::json!({"ids": ids, "identities": lower(&v.identities), "tags": lower(&v.tags)});
    Ok(serde_json::to_string(&document)?)
}

/// The `folded_url` column.
fn fold(url: Option<&str>) -> Option<String> {
    url.map(str::to_lowercase)
}

pub(super) fn get(conn: &Connection, short_id: &str) -> Result<Option<VisitorRecord>, StoreError> {
    first(conn, &format!("SELECT {COLUMNS} FROM visitors WHERE short_id = ?"), [short_id], read)
}

/// Replaces the presence fields as a whole (the caller merged what it learned). An
/// unknown visitor is no error: it may have been deleted while its browser was away.
pub(super) fn update_presence(
    conn: &Connection,
    short_id: &str,
    p: &Presence,
    is_online: bool,
    lookup_code: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE visitors SET ip_address = ?, user_agent = ?, url = ?, folded_url = ?, last_seen_at = ?, \
         is_online = ?, lookup_code = ? WHERE short_id = ?",
    )?
    .execute(params![
        p.ip_address,
        p.user_agent,
        p.url,
        fold(p.url.as_deref()),
        p.last_seen_at,
        is_online,
        lookup_code,
        short_id
    ])?;
    Ok(())
}

pub(super) fn set_in_session(conn: &Connection, short_id: &str, in_session: bool) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE visitors SET is_in_session = ? WHERE short_id = ?")?
        .execute(params![in_session, short_id])?;
    Ok(())
}

pub(super) fn online_lookup_codes(conn: &Connection) -> Result<Vec<String>, StoreError> {
    collect(conn, "SELECT lookup_code FROM visitors WHERE is_online", [], |row| Ok(row.get(0)?))
}

/// Every term of `query` is one condition of the `WHERE`, joined by `AND`. Terms that
/// are case-insensitive compare with the `folded` columns (the parser lowercased them).
pub(super) fn search(conn: &Connection, query: &VisitorQuery, limit: usize) -> Result<Vec<VisitorRecord>, StoreError> {
    let mut conditions: Vec<&str> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut term = |condition: &'static str, value: Value| {
        conditions.push(condition);
        values.push(value);
    };
    // `instr`, not `LIKE`: a word is plain text, and `LIKE` reads its pattern as a C
    // string, so a word with a NUL in it became `%`, which matches everyone.
    for word in &query.words {
        term(
            "(instr(folded_url, ?1) > 0 \
             OR EXISTS (SELECT 1 FROM json_tree(folded) WHERE type = 'text' AND instr(value, ?1) > 0))",
            Value::Text(word.clone()),
        );
    }
    for email in &query.emails {
        term("EXISTS (SELECT 1 FROM json_each(folded, '$.identities') WHERE value = ?1)", Value::Text(email.clone()));
    }
    for unique_id in &query.unique_ids {
        term("unique_id = ?1", Value::Text(unique_id.clone()));
    }
    for code in &query.lookup_codes {
        term("lookup_code = ?1", Value::Text(code.clone()));
    }
    if let Some(online) = query.online {
        term("is_online = ?1", Value::Integer(online.into()));
    }
    for ip in &query.ip_addresses {
        term("ip_address = ?1", Value::Text(ip.clone()));
    }
    for tag in &query.tags {
        term("EXISTS (SELECT 1 FROM json_each(folded, '$.tags') WHERE value = ?1)", Value::Text(tag.clone()));
    }
    // Each condition names its value `?1`; numbering them in turn binds the n-th value.
    let mut sql = format!("SELECT {COLUMNS} FROM visitors WHERE 1");
    for (n, condition) in conditions.iter().enumerate() {
        sql.push_str(" AND ");
        sql.push_str(&condition.replace("?1", &format!("?{}", n + 1)));
    }
    sql.push_str(&format!(" {ORDER} LIMIT ?{}", values.len() + 1));
    values.push(Value::Integer(limit_param(limit)));
    collect(conn, &sql, params_from_iter(values), read)
}

pub(super) fn delete(conn: &Connection, short_id: &str) -> Result<bool, StoreError> {
    Ok(conn.prepare_cached("DELETE FROM visitors WHERE short_id = ?")?.execute([short_id])? > 0)
}

pub(super) fn delete_offline(conn: &Connection) -> Result<u64, StoreError> {
    Ok(conn.prepare_cached("DELETE FROM visitors WHERE NOT is_online")?.execute([])? as u64)
}
