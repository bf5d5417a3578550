-- Every read of a patient's sign-up, and every refused attempt at one (CONTRACT section 11): who, when,
-- which booking of which practice, from which address, and how it ended. Appended to, never changed,
-- and it holds no patient data. No foreign keys: the trail must never stand in the way of other rows.
CREATE TABLE audit_events (
  seq          INTEGER PRIMARY KEY,      -- order of recording: breaks ties between equal times
  at           INTEGER NOT NULL,         -- ms since the epoch
  practice_id  TEXT NOT NULL,
  booking_id   TEXT NOT NULL,
  actor_kind   TEXT NOT NULL CHECK (actor_kind IN ('api_client', 'console')),
  actor_id     TEXT NOT NULL,
  address      TEXT NOT NULL,
  action       TEXT NOT NULL,
  outcome      TEXT NOT NULL
);
CREATE INDEX audit_events_practice_at ON audit_events(practice_id, at, seq);
-- Append-only in the database too, whoever holds the file open.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit_events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit_events are append-only');
END;

-- The retention sweep finds sign-ups by their appointment's start; only a booked booking has one (a
-- sign-up is saved as the booking is booked), so a hold or a release leaves this index alone.
CREATE INDEX bookings_signed_up_start ON bookings(start_at) WHERE status = 'booked';
