//! Tests of [`SqliteStore`] against a real database file in a temporary directory:
//! shared fixtures here, one submodule per table family.

mod links;
mod sessions;
mod upkeep;
mod visitors;

use std::path::PathBuf;

use tempfile::TempDir;

use super::SqliteStore;
use crate::store::*;

/// A fresh store in its own directory (kept alive as long as the store is used).
fn store() -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&db_path(&dir)).expect("open");
    (dir, store)
}

/// The database file of [`store`], in a directory `open` had to create.
fn db_path(dir: &TempDir) -> PathBuf {
    dir.path().join("data").join("tandem.db")
}

/// A visitor with every field set, offline, created at `created_at`.
fn visitor(short_id: &str, created_at: Millis) -> VisitorRecord {
    let mut metadata = Metadata::new();
    metadata.insert("plan".into(), "gold".into());
    metadata.insert("seats".into(), 3.into());
    VisitorRecord {
        short_id: short_id.into(),
        unique_id: Some(format!("cust-{short_id}")),
        lookup_code: "0000".into(),
        identities: vec![format!("{short_id}@example.com"), "Jane Doe".into()],
        tags: vec!["Trial".into()],
        metadata,
        created_at,
        presence: Presence {
            ip_address: Some("10.0.0.1".into()),
            user_agent: Some("Mozilla/5.0".into()),
            url: Some("https://shop.localhost/cart".into()),
            last_seen_at: None,
        },
        is_online: false,
        is_in_session: false,
    }
}

/// A session of `visitor_id` started at `started_at`, with one agent who joined then.
fn session(id: &str, visitor_id: &str, started_at: Millis, ended_at: Option<Millis>) -> SessionRecord {
    SessionRecord {
        id: id.into(),
        visitor_id: visitor_id.into(),
        agents: vec![AgentVisit { agent_id: "agent-1".into(), name: None, joined_at: started_at, left_at: ended_at }],
        started_at,
        ended_at,
        end_reason: ended_at.map(|_| "agents_left".into()),
        metadata: Metadata::new(),
        notes: None,
        start_url: None,
        updated_at: ended_at.unwrap_or(started_at),
    }
}

/// A proxy session of `visitor_id` with its jar not yet saved.
fn proxy_session(id: &str, visitor_id: &str) -> ProxySessionRecord {
    ProxySessionRecord {
        id: id.into(),
        visitor_id: visitor_id.into(),
        binding_token: format!("bind-{id}"),
        entry_token: Some(format!("entry-{id}")),
        initial_url: "https://shop.localhost/".into(),
        created_at: 1_000,
        jar: None,
        fallback_labels: None,
        require_consent: false,
        masked_params: None,
    }
}

/// An unredeemed watch link for `visitor_id` with a full grant, expiring at `expires_at`.
fn watch_link(id: &str, visitor_id: &str, expires_at: Millis) -> WatchLinkRecord {
    let mut metadata = Metadata::new();
    metadata.insert("ticket".into(), 42.into());
    WatchLinkRecord {
        id: id.into(),
        visitor_id: visitor_id.into(),
        grant: WatchGrant {
            agent: AgentRef { id: "agent-1".into(), name: Some("Ann".into()) },
            viewer: Some(AgentRef { id: "viewer-1".into(), name: None }),
            permissions: serde_json::json!({"allow_control": false, "console": true}),
            branding: serde_json::json!({"naked": "page_only", "on_end_url": null}),
            metadata,
            webhook_url: Some("http://127.0.0.1:9/hook".into()),
            initial_notes: Some("called about billing".into()),
            language: Some("fr".into()),
        },
        created_at: expires_at - 120_000,
        expires_at,
        redeemed_at: None,
        credential_hash: None,
        session_id: None,
    }
}
