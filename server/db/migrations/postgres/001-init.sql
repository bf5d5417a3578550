-- The whole schema as SQLite's migrations 001..013 leave it, for PostgreSQL 15 or later. The data layer
-- runs one SQL text on both engines (server/db/executor.ts), so the types follow SQLite's use of them:
-- ids and keys TEXT, instants BIGINT milliseconds since the epoch, booleans INTEGER 0/1, sealed blobs
-- BYTEA. Keys, ids and every column that is sorted or compared by range are COLLATE "C": they order
-- by code point as in SQLite (a list's cursor, a prefix range of rate_events.key), whatever locale the
-- database was created with.

-- Practices, their locations, and the API clients that may see them.
CREATE TABLE practices (
  id          TEXT COLLATE "C" PRIMARY KEY,
  name        TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);

CREATE TABLE locations (
  id                 TEXT COLLATE "C" PRIMARY KEY,
  practice_id        TEXT COLLATE "C" NOT NULL REFERENCES practices(id),
  name               TEXT NOT NULL,
  website            TEXT NOT NULL DEFAULT '',
  street_address     TEXT NOT NULL DEFAULT '',
  secondary_address  TEXT NOT NULL DEFAULT '',
  city               TEXT NOT NULL DEFAULT '',
  state              TEXT NOT NULL DEFAULT '',
  zip                TEXT NOT NULL DEFAULT '',
  timezone           TEXT NOT NULL,
  created_at         BIGINT NOT NULL
);
CREATE INDEX locations_practice ON locations(practice_id);

CREATE TABLE clients (
  id             TEXT COLLATE "C" PRIMARY KEY,
  name           TEXT COLLATE "C" NOT NULL,
  secret_hash    TEXT NOT NULL,
  scopes         TEXT NOT NULL,
  all_practices  INTEGER NOT NULL DEFAULT 0 CHECK (all_practices IN (0, 1)),
  created_at     BIGINT NOT NULL,
  revoked_at     BIGINT
);

CREATE TABLE client_practices (
  client_id    TEXT COLLATE "C" NOT NULL REFERENCES clients(id),
  practice_id  TEXT COLLATE "C" NOT NULL REFERENCES practices(id),
  PRIMARY KEY (client_id, practice_id)
);

-- The token-signing keys; the private half sealed under the data key, the kid its associated data.
CREATE TABLE signing_keys (
  kid             TEXT COLLATE "C" PRIMARY KEY,
  alg             TEXT NOT NULL,
  private_sealed  BYTEA NOT NULL,
  public_jwk      TEXT NOT NULL,
  created_at      BIGINT NOT NULL
);

-- A booking is one-off or weekly (recurring). Holding one week of a weekly booking makes a one-off
-- booking for that week with series_id set: it stands in for that occurrence, which the series then no
-- longer offers. A booking's practice is its location's (doctor ids mean one doctor within a practice).
CREATE TABLE bookings (
  id               TEXT COLLATE "C" PRIMARY KEY,
  location_id      TEXT COLLATE "C" NOT NULL REFERENCES locations(id),
  practice_id      TEXT COLLATE "C" NOT NULL REFERENCES practices(id),
  doctor_id        TEXT COLLATE "C" NOT NULL,
  start_at         BIGINT NOT NULL,           -- ms since the epoch
  start_offset     INTEGER NOT NULL,          -- minutes east of UTC, as given
  length           INTEGER NOT NULL CHECK (length BETWEEN 5 AND 1440),
  end_at           BIGINT NOT NULL,           -- start_at + length minutes
  status           TEXT COLLATE "C" NOT NULL CHECK (status IN ('open', 'pending', 'booked', 'closed')),
  recurring        INTEGER NOT NULL DEFAULT 0 CHECK (recurring IN (0, 1)),
  series_id        TEXT COLLATE "C" REFERENCES bookings(id),
  created_by       TEXT COLLATE "C" NOT NULL REFERENCES clients(id),
  held_by          TEXT COLLATE "C" REFERENCES clients(id),
  hold_expires_at  BIGINT,
  created_at       BIGINT NOT NULL,
  updated_at       BIGINT NOT NULL,
  -- The start as a minute of the week in UTC (0..10079, from Thursday 00:00 UTC, as the epoch began),
  -- worked out by the database so no writer can forget it: the overlap rule finds a doctor's weekly
  -- bookings near a time of the week through an index (SQLite migration 011).
  week_minute      INTEGER GENERATED ALWAYS AS ((((start_at % 604800000) + 604800000) % 604800000) / 60000) STORED
);
CREATE INDEX bookings_location_start ON bookings(location_id, start_at, id);
CREATE INDEX bookings_hold_expiry ON bookings(hold_expires_at) WHERE hold_expires_at IS NOT NULL;
-- One live stand-in per occurrence: the database decides a race between two holds of one week.
CREATE UNIQUE INDEX bookings_occurrence ON bookings(series_id, start_at)
  WHERE series_id IS NOT NULL AND status <> 'closed';
-- The retention sweep finds sign-ups by their appointment's start; only a booked booking has one.
CREATE INDEX bookings_signed_up_start ON bookings(start_at) WHERE status = 'booked';
-- Lists read one-offs and weekly bookings apart, each by a range of start times that `from` bounds;
-- a practice's page comes from the index alone (its listed columns included).
CREATE INDEX bookings_location_weekly ON bookings(location_id, start_at, id) WHERE recurring = 1;
CREATE INDEX bookings_practice_listed ON bookings(practice_id, start_at, id)
  INCLUDE (recurring, status, location_id, doctor_id, start_offset, length);
CREATE INDEX bookings_practice_weekly_listed ON bookings(practice_id, start_at, id)
  INCLUDE (status, location_id, doctor_id, start_offset, length) WHERE recurring = 1;
-- The overlap rule: a doctor's live weekly bookings near a minute of the week, and a doctor's live
-- one-offs by start (one step back per span checked, with what the rule reads of them included).
CREATE INDEX bookings_series_week ON bookings(practice_id, doctor_id, week_minute, length)
  WHERE recurring = 1 AND status <> 'closed';
CREATE INDEX bookings_live_one_offs ON bookings(practice_id, doctor_id, start_at)
  INCLUDE (end_at, series_id, id) WHERE recurring = 0 AND status <> 'closed';

-- A booking belongs to its location's practice, and a stand-in to its series' practice; once written,
-- it stays in that practice. Held here so no writer can forget it or set another practice.
CREATE FUNCTION bookings_practice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.practice_id IS NULL
      OR NEW.practice_id IS DISTINCT FROM (SELECT practice_id FROM locations WHERE id = NEW.location_id)
      OR (NEW.series_id IS NOT NULL
          AND NEW.practice_id IS DISTINCT FROM (SELECT practice_id FROM bookings WHERE id = NEW.series_id)) THEN
      RAISE EXCEPTION 'a booking belongs to its location''s practice, and so does the series it stands in for'
        USING ERRCODE = 'check_violation';
    END IF;
  ELSIF NEW.practice_id IS NULL
      OR NEW.practice_id IS DISTINCT FROM (SELECT practice_id FROM locations WHERE id = NEW.location_id)
      OR NEW.practice_id IS DISTINCT FROM OLD.practice_id THEN
    RAISE EXCEPTION 'a booking stays in its practice: it moves only between that practice''s locations'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER bookings_practice_on_insert BEFORE INSERT ON bookings
  FOR EACH ROW EXECUTE FUNCTION bookings_practice_guard();
CREATE TRIGGER bookings_practice_on_update BEFORE UPDATE OF practice_id, location_id ON bookings
  FOR EACH ROW EXECUTE FUNCTION bookings_practice_guard();

-- A sign-up, sealed (AES-256-GCM) under the data key; the booking id is the associated data.
CREATE TABLE sign_ups (
  booking_id  TEXT COLLATE "C" PRIMARY KEY REFERENCES bookings(id),
  sealed      BYTEA NOT NULL,
  created_at  BIGINT NOT NULL
);

CREATE TABLE idempotency_keys (
  client_id     TEXT COLLATE "C" NOT NULL,
  key           TEXT COLLATE "C" NOT NULL,
  request_hash  TEXT NOT NULL,
  booking_id    TEXT COLLATE "C" NOT NULL REFERENCES bookings(id),
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (client_id, key)
);

-- Web sites allowed to embed the widget, each for one practice.
CREATE TABLE sites (
  origin       TEXT COLLATE "C" PRIMARY KEY,
  practice_id  TEXT COLLATE "C" NOT NULL REFERENCES practices(id),
  created_at   BIGINT NOT NULL
);

-- The BFF's holds: the patient's bearer token (hashed), which booking it holds, from where. Counted by
-- network and by location across every process; a hold past its expiry is released upstream by
-- whichever process claims it first (releasing_until), so one that dies mid-release leaves it to another.
CREATE TABLE bff_holds (
  token_hash       TEXT COLLATE "C" PRIMARY KEY,
  booking_id       TEXT COLLATE "C" NOT NULL,
  location_id      TEXT COLLATE "C" NOT NULL,
  start_datetime   TEXT NOT NULL,
  length           INTEGER NOT NULL,
  site_origin      TEXT NOT NULL,
  address          TEXT NOT NULL,
  state            TEXT COLLATE "C" NOT NULL CHECK (state IN ('active', 'released', 'booked')),
  expires_at       BIGINT NOT NULL,
  created_at       BIGINT NOT NULL,
  network          TEXT COLLATE "C" NOT NULL DEFAULT '',
  extend_calls     INTEGER NOT NULL DEFAULT 0,
  releasing_until  BIGINT
);
CREATE INDEX bff_holds_active ON bff_holds(state, expires_at);
CREATE INDEX bff_holds_booking ON bff_holds(booking_id, state);
CREATE INDEX bff_holds_network ON bff_holds(network, state, expires_at);
CREATE INDEX bff_holds_location ON bff_holds(location_id, state, expires_at);

-- A hold on its way to the booking API: counted like an active hold until it is recorded or fails,
-- or (its process died) until it expires. Claims of one time (slot: booking id and start) count once.
CREATE TABLE bff_hold_claims (
  id           TEXT COLLATE "C" PRIMARY KEY,
  network      TEXT COLLATE "C" NOT NULL,
  location_id  TEXT COLLATE "C" NOT NULL,
  slot         TEXT COLLATE "C" NOT NULL,
  expires_at   BIGINT NOT NULL
);
CREATE INDEX bff_hold_claims_network ON bff_hold_claims(network, expires_at);
CREATE INDEX bff_hold_claims_location ON bff_hold_claims(location_id, expires_at);
CREATE INDEX bff_hold_claims_slot ON bff_hold_claims(slot, expires_at);

-- Proof-of-work challenges already used for a hold, kept until they expire: each holds once.
CREATE TABLE bff_proofs_used (
  challenge_hash  TEXT COLLATE "C" PRIMARY KEY,
  expires_at      BIGINT NOT NULL
);
CREATE INDEX bff_proofs_used_expiry ON bff_proofs_used(expires_at);

CREATE TABLE settings (
  key    TEXT COLLATE "C" PRIMARY KEY,
  value  TEXT NOT NULL
);

-- Every read of a patient's sign-up, and every refused attempt at one (CONTRACT section 11): who, when,
-- which booking of which practice, from which address, and how it ended. Appended to, never changed,
-- and it holds no patient data. No foreign keys: the trail must never stand in the way of other rows.
CREATE TABLE audit_events (
  seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- order of recording: breaks ties between equal times
  at           BIGINT NOT NULL,                                  -- ms since the epoch
  practice_id  TEXT COLLATE "C" NOT NULL,
  booking_id   TEXT COLLATE "C" NOT NULL,
  actor_kind   TEXT NOT NULL CHECK (actor_kind IN ('api_client', 'console')),
  actor_id     TEXT NOT NULL,
  address      TEXT NOT NULL,
  action       TEXT NOT NULL,
  outcome      TEXT NOT NULL
);
CREATE INDEX audit_events_practice_at ON audit_events(practice_id, at, seq);
-- Append-only in the database too, whoever connects: no UPDATE, DELETE or TRUNCATE.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events are append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- Every rate limit and throttle counts in one table, so that every process sharing the database counts
-- together: one row per counted event, its key prefixed with the limiter's name. Rows older than the
-- longest window are pruned as new ones arrive.
CREATE TABLE rate_events (
  id   BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  key  TEXT COLLATE "C" NOT NULL,
  at   BIGINT NOT NULL               -- ms since the epoch
);
CREATE INDEX rate_events_key_at ON rate_events(key, at);
CREATE INDEX rate_events_at ON rate_events(at);
