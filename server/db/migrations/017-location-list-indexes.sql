-- A location's list read by the index alone and bounded by what it asks (issue 11). The BFF's first
-- screen asks a location's open bookings in its window, then the pending and booked ones of the few
-- doctors whose weekly bookings those could displace. On (location_id, start_at, id) both read every
-- booking of the location in the window, whatever its status, kind or doctor, each from the table: at
-- 1M bookings thousands of rows a screen that it never answers.
CREATE INDEX bookings_location_listed ON bookings(location_id, recurring, status, start_at, id, doctor_id, start_offset, length);
CREATE INDEX bookings_location_doctor ON bookings(location_id, doctor_id, start_at, id, recurring, status, start_offset, length);
DROP INDEX bookings_location_start;
DROP INDEX bookings_location_weekly;
