-- Tandem's records (see src/store/model.rs). Times are Unix milliseconds; JSON columns
-- hold what the model keeps as lists and objects. Applied once by rusqlite_migration,
-- which counts applied migrations in PRAGMA user_version: never edit this file once
-- released, add 0002_*.sql instead.

CREATE TABLE visitors (
    short_id      TEXT PRIMARY KEY NOT NULL,
    unique_id     TEXT,
    lookup_code   TEXT NOT NULL,
    identities    TEXT NOT NULL DEFAULT '[]',
    tags          TEXT NOT NULL DEFAULT '[]',
    metadata      TEXT NOT NULL DEFAULT '{}',
    created_at    INTEGER NOT NULL,
    ip_address    TEXT,
    user_agent    TEXT,
    url           TEXT,
    last_seen_at  INTEGER,
    is_online     INTEGER NOT NULL DEFAULT 0,
    is_in_session INTEGER NOT NULL DEFAULT 0,
    -- What the search compares its terms with, lowercased in Rust as the search parser
    -- lowercases the terms (SQLite folds ASCII only): {"ids": [short_id, unique_id],
    -- "identities": [...], "tags": [...]}, and the URL, which changes as the visitor browses.
    folded        TEXT NOT NULL DEFAULT '{}',
    folded_url    TEXT
);
CREATE INDEX visitors_unique_id ON visitors (unique_id);
CREATE INDEX visitors_lookup_code ON visitors (lookup_code);
CREATE INDEX visitors_ip_address ON visitors (ip_address);
-- The order of every visitor listing, and the purge and usage windows.
CREATE INDEX visitors_recent ON visitors (is_online DESC, COALESCE(last_seen_at, created_at) DESC);

CREATE TABLE proxy_sessions (
    id              TEXT PRIMARY KEY NOT NULL,
    visitor_id      TEXT NOT NULL REFERENCES visitors (short_id) ON DELETE CASCADE,
    binding_token   TEXT NOT NULL,
    entry_token     TEXT,
    initial_url     TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    jar             TEXT,
    fallback_labels TEXT
);
CREATE INDEX proxy_sessions_visitor ON proxy_sessions (visitor_id);

CREATE TABLE watch_links (
    id              TEXT PRIMARY KEY NOT NULL,
    visitor_id      TEXT NOT NULL REFERENCES visitors (short_id) ON DELETE CASCADE,
    "grant"         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    redeemed_at     INTEGER,
    credential_hash TEXT,
    session_id      TEXT
);
CREATE INDEX watch_links_visitor ON watch_links (visitor_id);
CREATE INDEX watch_links_session ON watch_links (session_id);
CREATE INDEX watch_links_expires ON watch_links (expires_at);

-- visitor_id is no foreign key: a session's record outlives its visitor (usage counts it).
-- seq breaks ties between sessions started in the same millisecond, in insertion order.
CREATE TABLE sessions (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    visitor_id TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER,
    end_reason TEXT,
    metadata   TEXT NOT NULL DEFAULT '{}',
    notes      TEXT,
    start_url  TEXT,
    updated_at INTEGER NOT NULL
);
CREATE INDEX sessions_start ON sessions (started_at, seq);
CREATE INDEX sessions_visitor ON sessions (visitor_id, started_at);
CREATE INDEX sessions_ended ON sessions (ended_at);
CREATE INDEX sessions_updated ON sessions (updated_at);

CREATE TABLE session_agents (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    agent_id   TEXT NOT NULL,
    name       TEXT,
    joined_at  INTEGER NOT NULL,
    left_at    INTEGER,
    PRIMARY KEY (session_id, position)
);
CREATE INDEX session_agents_agent ON session_agents (agent_id, joined_at);
CREATE INDEX session_agents_joined ON session_agents (joined_at);

CREATE TABLE agents (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT,
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);
CREATE INDEX agents_last_seen ON agents (last_seen_at);
