-- The overlap rule reads a doctor's live weekly bookings on every write: a small partial index
-- finds them without walking the doctor's one-off bookings.
CREATE INDEX bookings_doctor_series ON bookings(doctor_id) WHERE recurring = 1 AND status <> 'closed';
