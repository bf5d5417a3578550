-- Failed client authentications at the token endpoint, one row per throttle key and attempt, so that
-- every process sharing the database counts them together. Rows older than the throttle's window are
-- pruned as new ones arrive.
CREATE TABLE auth_failures (
  key  TEXT NOT NULL,
  at   INTEGER NOT NULL          -- ms since the epoch
);
CREATE INDEX auth_failures_key_at ON auth_failures(key, at);
CREATE INDEX auth_failures_at ON auth_failures(at);
