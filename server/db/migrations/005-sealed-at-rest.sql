-- Sign-ups and the token-signing private keys are sealed (AES-256-GCM) under a key kept outside the
-- database. The clear tables are renamed aside; start-up code seals their rows into the new tables and
-- drops them (SQL alone cannot encrypt), with secure_delete on so the clear pages are zeroed.
ALTER TABLE sign_ups RENAME TO unsealed_sign_ups;
CREATE TABLE sign_ups (
  booking_id  TEXT PRIMARY KEY REFERENCES bookings(id),
  sealed      BLOB NOT NULL,   -- JSON of the sign-up; the booking id is the associated data
  created_at  INTEGER NOT NULL
);
ALTER TABLE signing_keys RENAME TO unsealed_signing_keys;
CREATE TABLE signing_keys (
  kid             TEXT PRIMARY KEY,
  alg             TEXT NOT NULL,
  private_sealed  BLOB NOT NULL,   -- the private JWK; the kid is the associated data
  public_jwk      TEXT NOT NULL,
  created_at      INTEGER NOT NULL
);
