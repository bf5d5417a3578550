-- Doctors belong to a practice: a doctor id means one doctor only within its practice, so the overlap
-- rule compares a booking with the bookings of the same practice only. A booking's practice is its
-- location's practice, kept on the booking so every overlap query filters by it through an index.
ALTER TABLE bookings ADD COLUMN practice_id TEXT REFERENCES practices(id);
UPDATE bookings SET practice_id = (SELECT practice_id FROM locations WHERE locations.id = bookings.location_id);

-- The column cannot be NOT NULL after the fact without rebuilding the table; these guards hold it to
-- its location's practice on every write instead, so no writer can forget it or set another practice.
CREATE TRIGGER bookings_practice_on_insert BEFORE INSERT ON bookings
WHEN NEW.practice_id IS NULL
  OR NEW.practice_id IS NOT (SELECT practice_id FROM locations WHERE id = NEW.location_id)
  OR (NEW.series_id IS NOT NULL AND NEW.practice_id IS NOT (SELECT practice_id FROM bookings WHERE id = NEW.series_id))
BEGIN
  SELECT RAISE(ABORT, 'a booking belongs to its location''s practice, and so does the series it stands in for');
END;
CREATE TRIGGER bookings_practice_on_update BEFORE UPDATE OF practice_id, location_id ON bookings
WHEN NEW.practice_id IS NULL
  OR NEW.practice_id IS NOT (SELECT practice_id FROM locations WHERE id = NEW.location_id)
  OR NEW.practice_id IS NOT OLD.practice_id
BEGIN
  SELECT RAISE(ABORT, 'a booking stays in its practice: it moves only between that practice''s locations');
END;

-- The overlap rule's indexes, now per practice and doctor.
DROP INDEX bookings_doctor_start;
CREATE INDEX bookings_practice_doctor_start ON bookings(practice_id, doctor_id, start_at);
DROP INDEX bookings_doctor_series;
CREATE INDEX bookings_practice_doctor_series ON bookings(practice_id, doctor_id) WHERE recurring = 1 AND status <> 'closed';
