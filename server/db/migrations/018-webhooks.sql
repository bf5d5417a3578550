-- Webhooks (CONTRACT section 7): each API client's endpoints, an outbox of booking events, and one
-- delivery per event per endpoint. The events are written by triggers on bookings, so every writer
-- (the API, the BFF, the CLI, the hold expiry, the stand-ins of weekly bookings) records them in the
-- same transaction as its change: a rolled-back change leaves no event, a committed one is never lost.

CREATE TABLE webhook_endpoints (
  id               TEXT PRIMARY KEY,
  client_id        TEXT NOT NULL REFERENCES clients(id),
  url              TEXT NOT NULL,
  events           TEXT NOT NULL,              -- the event types it takes, space-separated
  secret_sealed    BLOB NOT NULL,              -- whsec_..., sealed under the data key (sealing.ts)
  created_at       INTEGER NOT NULL,
  disabled_at      INTEGER,
  disabled_reason  TEXT
);
CREATE INDEX webhook_endpoints_client ON webhook_endpoints(client_id);
CREATE INDEX webhook_endpoints_live ON webhook_endpoints(client_id) WHERE disabled_at IS NULL;

-- The last attempt to each endpoint, apart from its row: every booking write's trigger reads
-- webhook_endpoints, and an outcome written there on each delivery would make those writes conflict
-- with the worker's (PostgreSQL runs them SERIALIZABLE).
CREATE TABLE webhook_endpoint_status (
  endpoint_id      TEXT PRIMARY KEY REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  last_attempt_at  INTEGER NOT NULL,
  last_status_code INTEGER,                    -- the receiver's HTTP status, NULL when none came
  last_error       TEXT                        -- why the last attempt failed, NULL when it succeeded
);

-- Which event a change of a booking is, as data: a row matches when its statuses do ('*' is any).
-- An insert gives every matching 'insert' row, in position order (a booking created pending is
-- booking.created, then booking.held); an update that changes the status gives the matching 'update'
-- rows; any other change of a field the API shows is booking.updated (in the triggers below).
CREATE TABLE webhook_event_rules (
  change       TEXT NOT NULL CHECK (change IN ('insert', 'update')),
  from_status  TEXT NOT NULL,
  to_status    TEXT NOT NULL,
  type         TEXT NOT NULL,
  position     INTEGER NOT NULL,
  PRIMARY KEY (change, from_status, to_status, type)
);
INSERT INTO webhook_event_rules (change, from_status, to_status, type, position) VALUES
  ('insert', '*', '*', 'booking.created', 1),
  ('insert', '*', 'pending', 'booking.held', 2),
  ('insert', '*', 'booked', 'booking.booked', 2),
  ('update', '*', 'pending', 'booking.held', 1),
  ('update', 'pending', 'open', 'booking.released', 1),
  ('update', '*', 'booked', 'booking.booked', 1),
  ('update', '*', 'closed', 'booking.closed', 1);

-- The outbox: the booking's public fields as they were after the change (never patient data).
CREATE TABLE webhook_events (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  type         TEXT NOT NULL,
  booking_id   TEXT NOT NULL,
  practice_id  TEXT NOT NULL,
  booking      TEXT NOT NULL,                  -- JSON: id, location_id, doctor_id, start_at, start_offset, length, status, recurring, practice_id
  occurred_at  INTEGER NOT NULL                -- the booking's updated_at: the server's clock at the change
);
CREATE INDEX webhook_events_occurred ON webhook_events(occurred_at);

-- One per event per endpoint; its webhook-id stays the same across retries.
CREATE TABLE webhook_deliveries (
  endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id         INTEGER NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER,                    -- NULL once delivered or given up
  claimed_until    INTEGER,                    -- a process is delivering it until then
  claim            TEXT,                       -- which process
  last_attempt_at  INTEGER,
  last_status_code INTEGER,
  last_error       TEXT,
  delivered_at     INTEGER,
  created_at       INTEGER NOT NULL,
  PRIMARY KEY (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_claimed ON webhook_deliveries(endpoint_id) WHERE claimed_until IS NOT NULL;
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);

-- Only while some endpoint is live: without one, a booking write pays one look-up of an empty index.
CREATE TRIGGER webhook_events_on_insert AFTER INSERT ON bookings
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_events (type, booking_id, practice_id, booking, occurred_at)
  SELECT r.type, NEW.id, NEW.practice_id,
    json_object('id', NEW.id, 'location_id', NEW.location_id, 'doctor_id', NEW.doctor_id, 'start_at', NEW.start_at,
      'start_offset', NEW.start_offset, 'length', NEW.length, 'status', NEW.status, 'recurring', NEW.recurring, 'practice_id', NEW.practice_id),
    NEW.updated_at
  FROM webhook_event_rules r
  WHERE r.change = 'insert' AND r.from_status = '*' AND r.to_status IN ('*', NEW.status)
  ORDER BY r.position;
END;

-- Fires only when a field the API shows changed: a hold's renewal (its expiry alone) is no event.
CREATE TRIGGER webhook_events_on_update AFTER UPDATE ON bookings
WHEN (OLD.status IS NOT NEW.status OR OLD.location_id IS NOT NEW.location_id OR OLD.doctor_id IS NOT NEW.doctor_id
      OR OLD.start_at IS NOT NEW.start_at OR OLD.start_offset IS NOT NEW.start_offset OR OLD.length IS NOT NEW.length
      OR OLD.recurring IS NOT NEW.recurring)
  AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
BEGIN
  INSERT INTO webhook_events (type, booking_id, practice_id, booking, occurred_at)
  SELECT r.type, NEW.id, NEW.practice_id,
    json_object('id', NEW.id, 'location_id', NEW.location_id, 'doctor_id', NEW.doctor_id, 'start_at', NEW.start_at,
      'start_offset', NEW.start_offset, 'length', NEW.length, 'status', NEW.status, 'recurring', NEW.recurring, 'practice_id', NEW.practice_id),
    NEW.updated_at
  FROM (
    SELECT type, position FROM webhook_event_rules
    WHERE change = 'update' AND OLD.status IS NOT NEW.status AND from_status IN ('*', OLD.status) AND to_status IN ('*', NEW.status)
    UNION ALL
    SELECT 'booking.updated', 1 WHERE NOT EXISTS (
      SELECT 1 FROM webhook_event_rules
      WHERE change = 'update' AND OLD.status IS NOT NEW.status AND from_status IN ('*', OLD.status) AND to_status IN ('*', NEW.status))
  ) r
  ORDER BY r.position;
END;

-- Fan-out, in the same transaction: to every live endpoint of a live client granted the booking's
-- practice (or every practice) that takes this type. Whoever made the change, no other client hears of it.
CREATE TRIGGER webhook_events_fan_out AFTER INSERT ON webhook_events
BEGIN
  INSERT INTO webhook_deliveries (endpoint_id, event_id, next_attempt_at, created_at)
  SELECT e.id, NEW.id, NEW.occurred_at, NEW.occurred_at
  FROM webhook_endpoints e JOIN clients c ON c.id = e.client_id
  WHERE e.disabled_at IS NULL AND c.revoked_at IS NULL
    AND instr(' ' || e.events || ' ', ' ' || NEW.type || ' ') > 0
    AND (c.all_practices = 1 OR EXISTS (SELECT 1 FROM client_practices p WHERE p.client_id = c.id AND p.practice_id = NEW.practice_id));
END;
