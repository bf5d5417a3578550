-- Lists read one-offs and weekly bookings apart, each by a range of start times that `from` bounds:
-- a practice's one-offs by their own practice column, and each scope's few weekly bookings through a
-- small partial index.
CREATE INDEX bookings_practice_start ON bookings(practice_id, start_at, id);
CREATE INDEX bookings_location_weekly ON bookings(location_id, start_at, id) WHERE recurring = 1;
CREATE INDEX bookings_practice_weekly ON bookings(practice_id, start_at, id) WHERE recurring = 1;
