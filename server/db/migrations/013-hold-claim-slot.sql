-- One claim of a time at a time: a hold on its way upstream is found by the time it claims.
CREATE INDEX bff_hold_claims_slot ON bff_hold_claims(slot, expires_at);
