-- Holds are counted by network (IPv4 /24, IPv6 /56) and by location, across every process
-- sharing this database; a hold may be extended a bounded number of times.
ALTER TABLE bff_holds ADD COLUMN network TEXT NOT NULL DEFAULT '';
ALTER TABLE bff_holds ADD COLUMN extend_calls INTEGER NOT NULL DEFAULT 0;
CREATE INDEX bff_holds_network ON bff_holds(network, state, expires_at);
CREATE INDEX bff_holds_location ON bff_holds(location_id, state, expires_at);

-- A hold on its way to the booking API: counted like an active hold until it is recorded or
-- fails, or (its process died) until it expires. Claims of one time (slot: booking id and
-- start) count once: only one of them can win it.
CREATE TABLE bff_hold_claims (
  id           TEXT PRIMARY KEY,
  network      TEXT NOT NULL,
  location_id  TEXT NOT NULL,
  slot         TEXT NOT NULL,
  expires_at   INTEGER NOT NULL
);
CREATE INDEX bff_hold_claims_network ON bff_hold_claims(network, expires_at);
CREATE INDEX bff_hold_claims_location ON bff_hold_claims(location_id, expires_at);

-- Proof-of-work challenges already used for a hold, kept until they expire: each holds once.
CREATE TABLE bff_proofs_used (
  challenge_hash  TEXT PRIMARY KEY,
  expires_at      INTEGER NOT NULL
);
CREATE INDEX bff_proofs_used_expiry ON bff_proofs_used(expires_at);
