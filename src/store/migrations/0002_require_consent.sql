-- Whether the visitor is asked before an agent sees the page (POST /v1.3/proxy_sessions
-- `require_consent`, or the server's default). Older sessions did not ask.
ALTER TABLE proxy_sessions ADD COLUMN require_consent INTEGER NOT NULL DEFAULT 0;
