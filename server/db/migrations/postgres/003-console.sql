-- The practice console (CONTRACT section 9), as SQLite's 015-console.sql. A sign-in link is one-time
-- and short-lived; only the SHA-256 of its secret is kept, and using it is one conditional UPDATE.
CREATE TABLE console_links (
  id           TEXT PRIMARY KEY,
  secret_hash  TEXT NOT NULL UNIQUE,
  practice_id  TEXT NOT NULL REFERENCES practices(id),
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  used_at      BIGINT
);

-- A signed-in browser: only the SHA-256 of its cookie's token is kept; expires_at slides (idle limit).
CREATE TABLE console_sessions (
  token_hash   TEXT PRIMARY KEY,
  link_id      TEXT NOT NULL,
  practice_id  TEXT NOT NULL REFERENCES practices(id),
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);
