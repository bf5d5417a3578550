-- A patient's private link to manage a booked appointment (cancel or move it). Only the SHA-256 of its
-- secret is kept. It names the booking it stands for now (a move points it at the new one), the BFF hold
-- that booked that booking (once another patient holds the same booking, reopened, the link is stale),
-- and lapses a day after the appointment's start. busy_until claims it for one cancel or move at a time,
-- across every process sharing the database; spent_at marks it used up by a cancel. sign_up_mac is an HMAC of
-- the sign-up booked, keyed by the link's secret (never stored, so it cannot be tested against guesses): a move
-- checks the booking still carries that patient's sign-up before copying it anywhere.
CREATE TABLE manage_links (
  token_hash   TEXT PRIMARY KEY,
  booking_id   TEXT NOT NULL,
  hold_hash    TEXT NOT NULL,
  location_id  TEXT NOT NULL,
  start_at     INTEGER NOT NULL,
  length       INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  spent_at     INTEGER,
  busy_until   INTEGER,
  sign_up_mac  TEXT
);
CREATE INDEX manage_links_expiry ON manage_links(expires_at);

-- Moving an appointment copies its sign-up to the new time: the widget's own BFF client (provisioned
-- with scheduling:read and scheduling:book before this) reads it, audited like any other reader.
UPDATE clients SET scopes = 'scheduling:read scheduling:book scheduling:patients'
WHERE id = (SELECT value FROM settings WHERE key = 'bff_client_id') AND scopes = 'scheduling:read scheduling:book';
