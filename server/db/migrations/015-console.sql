-- The practice console (CONTRACT section 9). A sign-in link is one-time and short-lived; only the
-- SHA-256 of its secret is kept, and using it is one conditional UPDATE (used once, whatever races).
CREATE TABLE console_links (
  id           TEXT PRIMARY KEY,          -- not secret: names the person in the audit trail
  secret_hash  TEXT NOT NULL UNIQUE,      -- base64url SHA-256 of the secret in the link's fragment
  practice_id  TEXT NOT NULL REFERENCES practices(id),
  created_at   INTEGER NOT NULL,          -- ms since the epoch
  expires_at   INTEGER NOT NULL,
  used_at      INTEGER
);

-- A signed-in browser: only the SHA-256 of its cookie's token is kept, so a copy of the database
-- signs no one in. expires_at slides forward with each request (the idle limit).
CREATE TABLE console_sessions (
  token_hash   TEXT PRIMARY KEY,
  link_id      TEXT NOT NULL,
  practice_id  TEXT NOT NULL REFERENCES practices(id),
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);
