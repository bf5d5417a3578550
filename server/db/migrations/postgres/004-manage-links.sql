-- A patient's private link to manage a booked appointment (see the SQLite migration 016-manage-links.sql):
-- the same table, instants as BIGINT milliseconds.
CREATE TABLE manage_links (
  token_hash   TEXT PRIMARY KEY,
  booking_id   TEXT NOT NULL,
  hold_hash    TEXT NOT NULL,
  location_id  TEXT NOT NULL,
  start_at     BIGINT NOT NULL,
  length       INTEGER NOT NULL,
  expires_at   BIGINT NOT NULL,
  created_at   BIGINT NOT NULL,
  spent_at     BIGINT,
  busy_until   BIGINT,
  sign_up_mac  TEXT
);
CREATE INDEX manage_links_expiry ON manage_links(expires_at);

-- The widget's own BFF client reads the sign-up it moves to a new time (audited).
UPDATE clients SET scopes = 'scheduling:read scheduling:book scheduling:patients'
WHERE id = (SELECT value FROM settings WHERE key = 'bff_client_id') AND scopes = 'scheduling:read scheduling:book';
