-- A new hold of a booking supersedes the lapsed holds of the same booking, found by booking_id.
CREATE INDEX bff_holds_booking ON bff_holds(booking_id, state);
