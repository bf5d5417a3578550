-- Every rate limit and throttle counts in one table, so that every process sharing the database counts
-- together: one row per counted event, its key prefixed with the limiter's name ("token:address ...",
-- "malformed:127.0.0.1", "bff-holds:..."). It takes over auth_failures (007), whose rows become the token
-- throttle's. An explicit id, not SQLite's rowid, so the same statements run on PostgreSQL. Rows older than
-- the longest window are pruned as new ones arrive.
CREATE TABLE rate_events (
  id   INTEGER PRIMARY KEY,
  key  TEXT NOT NULL,
  at   INTEGER NOT NULL          -- ms since the epoch
);
INSERT INTO rate_events (key, at) SELECT 'token:' || key, at FROM auth_failures;
DROP TABLE auth_failures;
CREATE INDEX rate_events_key_at ON rate_events(key, at);
CREATE INDEX rate_events_at ON rate_events(at);

-- A BFF hold past its expiry is released upstream by whichever process claims it first: the claim lasts
-- until this time (ms), so a process that dies mid-release leaves the hold to another after it.
ALTER TABLE bff_holds ADD COLUMN releasing_until INTEGER;
