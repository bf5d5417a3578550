-- Practices, their locations, and the API clients that may see them.
CREATE TABLE practices (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE locations (
  id                 TEXT PRIMARY KEY,
  practice_id        TEXT NOT NULL REFERENCES practices(id),
  name               TEXT NOT NULL,
  website            TEXT NOT NULL DEFAULT '',
  street_address     TEXT NOT NULL DEFAULT '',
  secondary_address  TEXT NOT NULL DEFAULT '',
  city               TEXT NOT NULL DEFAULT '',
  state              TEXT NOT NULL DEFAULT '',
  zip                TEXT NOT NULL DEFAULT '',
  timezone           TEXT NOT NULL,
  created_at         INTEGER NOT NULL
);
CREATE INDEX locations_practice ON locations(practice_id);

CREATE TABLE clients (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  secret_hash   TEXT NOT NULL,
  scopes        TEXT NOT NULL,
  all_practices INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  revoked_at    INTEGER
);

CREATE TABLE client_practices (
  client_id    TEXT NOT NULL REFERENCES clients(id),
  practice_id  TEXT NOT NULL REFERENCES practices(id),
  PRIMARY KEY (client_id, practice_id)
);

CREATE TABLE signing_keys (
  kid          TEXT PRIMARY KEY,
  alg          TEXT NOT NULL,
  private_jwk  TEXT NOT NULL,
  public_jwk   TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);

-- A booking is one-off or weekly (recurring). Holding one week of a weekly
-- booking makes a one-off booking for that week with series_id set: it stands
-- in for that occurrence, which the series then no longer offers.
CREATE TABLE bookings (
  id               TEXT PRIMARY KEY,
  location_id      TEXT NOT NULL REFERENCES locations(id),
  doctor_id        TEXT NOT NULL,
  start_at         INTEGER NOT NULL,          -- ms since the epoch
  start_offset     INTEGER NOT NULL,          -- minutes east of UTC, as given
  length           INTEGER NOT NULL CHECK (length BETWEEN 5 AND 1440),
  end_at           INTEGER NOT NULL,          -- start_at + length minutes
  status           TEXT NOT NULL CHECK (status IN ('open', 'pending', 'booked', 'closed')),
  recurring        INTEGER NOT NULL DEFAULT 0 CHECK (recurring IN (0, 1)),
  series_id        TEXT REFERENCES bookings(id),
  created_by       TEXT NOT NULL REFERENCES clients(id),
  held_by          TEXT REFERENCES clients(id),
  hold_expires_at  INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX bookings_location_start ON bookings(location_id, start_at, id);
CREATE INDEX bookings_doctor_start ON bookings(doctor_id, start_at);
CREATE INDEX bookings_hold_expiry ON bookings(hold_expires_at) WHERE hold_expires_at IS NOT NULL;
-- One live stand-in per occurrence: the database decides a race between two holds of one week.
CREATE UNIQUE INDEX bookings_occurrence ON bookings(series_id, start_at)
  WHERE series_id IS NOT NULL AND status <> 'closed';

CREATE TABLE sign_ups (
  booking_id     TEXT PRIMARY KEY REFERENCES bookings(id),
  first_name     TEXT NOT NULL,
  last_name      TEXT NOT NULL,
  email          TEXT NOT NULL,
  phone          TEXT NOT NULL,
  date_of_birth  TEXT NOT NULL,
  created_at     INTEGER NOT NULL
);

CREATE TABLE idempotency_keys (
  client_id     TEXT NOT NULL,
  key           TEXT NOT NULL,
  request_hash  TEXT NOT NULL,
  booking_id    TEXT NOT NULL REFERENCES bookings(id),
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (client_id, key)
);

-- Web sites allowed to embed the widget, each for one practice.
CREATE TABLE sites (
  origin       TEXT PRIMARY KEY,
  practice_id  TEXT NOT NULL REFERENCES practices(id),
  created_at   INTEGER NOT NULL
);

-- The BFF's holds: the patient's bearer token (hashed), which booking it holds, from where.
CREATE TABLE bff_holds (
  token_hash      TEXT PRIMARY KEY,
  booking_id      TEXT NOT NULL,
  location_id     TEXT NOT NULL,
  start_datetime  TEXT NOT NULL,
  length          INTEGER NOT NULL,
  site_origin     TEXT NOT NULL,
  address         TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('active', 'released', 'booked')),
  expires_at      INTEGER NOT NULL,
  created_at      INTEGER NOT NULL
);
CREATE INDEX bff_holds_active ON bff_holds(state, expires_at);

CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);
