-- The overlap rule by index ranges (issue 11). Each booking's start as a minute of the week in UTC
-- (0..10079, from Thursday 00:00 UTC, as the epoch began), worked out by the database itself so no
-- writer can forget it or get it wrong. A weekly booking's occurrences keep their wall-clock time in
-- their location's zone, so in UTC they stay within the zone's offset changes (an hour, for daylight
-- saving) of this minute: a new booking is compared only with the weekly bookings near its own time
-- of the week, however many the doctor has.
ALTER TABLE bookings ADD COLUMN week_minute INTEGER
  GENERATED ALWAYS AS (((start_at % 604800000) + 604800000) % 604800000 / 60000) VIRTUAL;
CREATE INDEX bookings_series_week ON bookings(practice_id, doctor_id, week_minute, length)
  WHERE recurring = 1 AND status <> 'closed';
-- Its place taken by the index above: the rule no longer reads all of a doctor's weekly bookings.
DROP INDEX bookings_practice_doctor_series;
-- A doctor's live one-offs, with all the rule reads of them: one step back per week it checks stays within
-- this index, no row of the table read (recurring and status are in it so SQLite sees it covers the query).
CREATE INDEX bookings_live_one_offs ON bookings(practice_id, doctor_id, start_at, end_at, series_id, id, recurring, status)
  WHERE recurring = 0 AND status <> 'closed';
DROP INDEX bookings_practice_doctor_start;
-- A practice's list reads its page from these alone: at a million bookings each row fetched from the table
-- was a page of the file of its own (issue 11's bench: a practice's week 1.34x the cost at 10k).
CREATE INDEX bookings_practice_listed ON bookings(practice_id, start_at, id, recurring, status, location_id, doctor_id, start_offset, length);
DROP INDEX bookings_practice_start;
CREATE INDEX bookings_practice_weekly_listed ON bookings(practice_id, start_at, id, recurring, status, location_id, doctor_id, start_offset, length)
  WHERE recurring = 1;
DROP INDEX bookings_practice_weekly;
