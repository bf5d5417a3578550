-- As SQLite's 014: a location's lists bounded by what they ask (issue 11). The first screen asks a
-- location's open bookings in its window, then the pending and booked ones of the few doctors whose weekly
-- bookings those could displace; on (location_id, start_at, id) both read every booking of the location in
-- the window, whatever its status, kind or doctor.
CREATE INDEX bookings_location_listed ON bookings(location_id, recurring, status, start_at, id) INCLUDE (doctor_id, start_offset, length);
CREATE INDEX bookings_location_doctor ON bookings(location_id, doctor_id, start_at, id) INCLUDE (recurring, status, start_offset, length);
DROP INDEX IF EXISTS bookings_location_start;
DROP INDEX IF EXISTS bookings_location_weekly;
