-- Webhooks (CONTRACT section 7), as SQLite's 018-webhooks.sql: each API client's endpoints, an outbox of
-- booking events written by a trigger on bookings in the same transaction as the change, and one delivery
-- per event per endpoint. Instants are BIGINT milliseconds, booleans 0/1, ids COLLATE "C", as in 001-init.

CREATE TABLE webhook_endpoints (
  id               TEXT COLLATE "C" PRIMARY KEY,
  client_id        TEXT COLLATE "C" NOT NULL REFERENCES clients(id),
  url              TEXT NOT NULL,
  events           TEXT NOT NULL,
  secret_sealed    BYTEA NOT NULL,
  created_at       BIGINT NOT NULL,
  disabled_at      BIGINT,
  disabled_reason  TEXT
);
CREATE INDEX webhook_endpoints_client ON webhook_endpoints(client_id);
CREATE INDEX webhook_endpoints_live ON webhook_endpoints(client_id) WHERE disabled_at IS NULL;

-- The last attempt to each endpoint, apart from its row: every booking write's trigger reads
-- webhook_endpoints, and an outcome written there on each delivery would make those writes conflict
-- with the worker's (PostgreSQL runs them SERIALIZABLE).
CREATE TABLE webhook_endpoint_status (
  endpoint_id      TEXT COLLATE "C" PRIMARY KEY REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  last_attempt_at  BIGINT NOT NULL,
  last_status_code INTEGER,                    -- the receiver's HTTP status, NULL when none came
  last_error       TEXT                        -- why the last attempt failed, NULL when it succeeded
);

-- Which event a change of a booking is, as data (see 018-webhooks.sql).
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

CREATE TABLE webhook_events (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type         TEXT NOT NULL,
  booking_id   TEXT COLLATE "C" NOT NULL,
  practice_id  TEXT COLLATE "C" NOT NULL,
  booking      TEXT NOT NULL,
  occurred_at  BIGINT NOT NULL
);
CREATE INDEX webhook_events_occurred ON webhook_events(occurred_at);

CREATE TABLE webhook_deliveries (
  endpoint_id      TEXT COLLATE "C" NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id         BIGINT NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  BIGINT,
  claimed_until    BIGINT,
  claim            TEXT,
  last_attempt_at  BIGINT,
  last_status_code INTEGER,
  last_error       TEXT,
  delivered_at     BIGINT,
  created_at       BIGINT NOT NULL,
  PRIMARY KEY (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_claimed ON webhook_deliveries(endpoint_id) WHERE claimed_until IS NOT NULL;
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);

-- A trigger's WHEN cannot hold a subquery in PostgreSQL: the function returns at once when no endpoint is live.
CREATE FUNCTION webhook_booking_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  shown TEXT;
  matched INTEGER := 0;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL) THEN
    RETURN NULL;
  END IF;
  shown := json_build_object('id', NEW.id, 'location_id', NEW.location_id, 'doctor_id', NEW.doctor_id, 'start_at', NEW.start_at,
    'start_offset', NEW.start_offset, 'length', NEW.length, 'status', NEW.status, 'recurring', NEW.recurring, 'practice_id', NEW.practice_id)::text;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO webhook_events (type, booking_id, practice_id, booking, occurred_at)
    SELECT r.type, NEW.id, NEW.practice_id, shown, NEW.updated_at
    FROM webhook_event_rules r
    WHERE r.change = 'insert' AND r.from_status = '*' AND r.to_status IN ('*', NEW.status)
    ORDER BY r.position;
    RETURN NULL;
  END IF;
  IF OLD.status IS DISTINCT FROM NEW.status THEN
    INSERT INTO webhook_events (type, booking_id, practice_id, booking, occurred_at)
    SELECT r.type, NEW.id, NEW.practice_id, shown, NEW.updated_at
    FROM webhook_event_rules r
    WHERE r.change = 'update' AND r.from_status IN ('*', OLD.status) AND r.to_status IN ('*', NEW.status)
    ORDER BY r.position;
    GET DIAGNOSTICS matched = ROW_COUNT;
  END IF;
  IF matched = 0 THEN
    INSERT INTO webhook_events (type, booking_id, practice_id, booking, occurred_at)
    VALUES ('booking.updated', NEW.id, NEW.practice_id, shown, NEW.updated_at);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER webhook_events_on_insert AFTER INSERT ON bookings
FOR EACH ROW EXECUTE FUNCTION webhook_booking_events();

-- Only when a field the API shows changed: a hold's renewal (its expiry alone) is no event.
CREATE TRIGGER webhook_events_on_update AFTER UPDATE ON bookings
FOR EACH ROW WHEN (
  OLD.status IS DISTINCT FROM NEW.status OR OLD.location_id IS DISTINCT FROM NEW.location_id
  OR OLD.doctor_id IS DISTINCT FROM NEW.doctor_id OR OLD.start_at IS DISTINCT FROM NEW.start_at
  OR OLD.start_offset IS DISTINCT FROM NEW.start_offset OR OLD.length IS DISTINCT FROM NEW.length
  OR OLD.recurring IS DISTINCT FROM NEW.recurring)
EXECUTE FUNCTION webhook_booking_events();

-- Fan-out in the same transaction, as in SQLite.
CREATE FUNCTION webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_deliveries (endpoint_id, event_id, next_attempt_at, created_at)
  SELECT e.id, NEW.id, NEW.occurred_at, NEW.occurred_at
  FROM webhook_endpoints e JOIN clients c ON c.id = e.client_id
  WHERE e.disabled_at IS NULL AND c.revoked_at IS NULL
    AND position(' ' || NEW.type || ' ' IN ' ' || e.events || ' ') > 0
    AND (c.all_practices = 1 OR EXISTS (SELECT 1 FROM client_practices p WHERE p.client_id = c.id AND p.practice_id = NEW.practice_id));
  RETURN NULL;
END
$$;

CREATE TRIGGER webhook_events_fan_out AFTER INSERT ON webhook_events
FOR EACH ROW EXECUTE FUNCTION webhook_fan_out();
