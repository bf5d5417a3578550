import type { Db } from './database.js';

export interface HoldRow {
  token_hash: string;
  booking_id: string;
  location_id: string;
  start_datetime: string;
  length: number;
  site_origin: string;
  address: string;
  /** The address's network (see server/bff/network.ts), by which the hold limits count. */
  network: string;
  state: 'active' | 'released' | 'booked';
  expires_at: number;
  created_at: number;
  /** POST /holds/extend calls so far. */
  extend_calls: number;
}

/** A hold on its way upstream, counted before it is recorded. */
export interface HoldClaim {
  id: string;
  network: string;
  location_id: string;
  /** The time claimed (booking id and start): one claim of a time at a time, across processes. */
  slot: string;
  expires_at: number;
}

/** The BFF's holds: which booking a patient's hold token stands for. */
export function createHolds(db: Db) {
  const statements = {
    insert: db.prepare(
      `INSERT INTO bff_holds (token_hash, booking_id, location_id, start_datetime, length, site_origin, address, network, state, expires_at, created_at, extend_calls)
       VALUES (:token_hash, :booking_id, :location_id, :start_datetime, :length, :site_origin, :address, :network, :state, :expires_at, :created_at, :extend_calls)`,
    ),
    get: db.prepare('SELECT * FROM bff_holds WHERE token_hash = ?'),
    finish: db.prepare(`UPDATE bff_holds SET state = :state WHERE token_hash = :token_hash AND state = 'active'`),
    supersede: db.prepare(`UPDATE bff_holds SET state = 'released' WHERE booking_id = ? AND state IN ('active', 'booked')`),
    counts: db.prepare(
      `SELECT
         (SELECT COUNT(*) FROM bff_holds WHERE network = :network AND state = 'active' AND expires_at > :now)
           + (SELECT COUNT(DISTINCT slot) FROM bff_hold_claims WHERE network = :network AND expires_at > :now) AS network,
         (SELECT COUNT(*) FROM bff_holds WHERE network = :network AND location_id = :location AND state = 'active' AND expires_at > :now)
           + (SELECT COUNT(DISTINCT slot) FROM bff_hold_claims WHERE network = :network AND location_id = :location AND expires_at > :now) AS networkHere,
         (SELECT COUNT(*) FROM bff_holds WHERE location_id = :location AND state = 'active' AND expires_at > :now)
           + (SELECT COUNT(DISTINCT slot) FROM bff_hold_claims WHERE location_id = :location AND expires_at > :now) AS location`,
    ),
    claim: db.prepare('INSERT INTO bff_hold_claims (id, network, location_id, slot, expires_at) VALUES (:id, :network, :location_id, :slot, :expires_at)'),
    dropClaim: db.prepare('DELETE FROM bff_hold_claims WHERE id = ?'),
    slotClaimed: db.prepare('SELECT 1 FROM bff_hold_claims WHERE slot = ? AND expires_at > ? LIMIT 1').pluck(),
    dropOldClaims: db.prepare('DELETE FROM bff_hold_claims WHERE expires_at <= ?'),
    useProof: db.prepare('INSERT INTO bff_proofs_used (challenge_hash, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING'),
    dropOldProofs: db.prepare('DELETE FROM bff_proofs_used WHERE expires_at <= ?'),
    extend: db.prepare(
      `UPDATE bff_holds SET expires_at = MAX(expires_at, :expires_at), extend_calls = extend_calls + 1
       WHERE token_hash = :token_hash AND state = 'active' AND expires_at > :now AND extend_calls < :max_calls`,
    ),
    expired: db.prepare(
      `SELECT * FROM bff_holds WHERE state = 'active' AND expires_at <= :now AND (releasing_until IS NULL OR releasing_until <= :now)
       ORDER BY expires_at LIMIT :limit`,
    ),
    claimRelease: db.prepare(
      `UPDATE bff_holds SET releasing_until = :until
       WHERE token_hash = :token_hash AND state = 'active' AND expires_at <= :now AND (releasing_until IS NULL OR releasing_until <= :now)`,
    ),
    dropReleaseClaim: db.prepare('UPDATE bff_holds SET releasing_until = NULL WHERE token_hash = ?'),
    // A hold another process is releasing is due again only when its claim lapses.
    nextExpiry: db.prepare(
      `SELECT MIN(CASE WHEN releasing_until > expires_at THEN releasing_until ELSE expires_at END) AS at FROM bff_holds WHERE state = 'active'`,
    ),
  };
  return {
    /**
     * Records a new hold. The API let the booking be held again, so any earlier hold of it
     * has lapsed, or its booking was reopened: it is marked released, so that its late release
     * cannot open the new one, nor its manage link change another patient's appointment.
     */
    insert: (hold: HoldRow, claimId?: string) =>
      db.transaction(() => {
        statements.supersede.run(hold.booking_id);
        statements.insert.run(hold);
        if (claimId) statements.dropClaim.run(claimId);
      })(),
    get: (tokenHash: string) => statements.get.get(tokenHash) as HoldRow | undefined,
    /** active -> released or booked; false when it was no longer active. */
    finish: (tokenHash: string, state: 'released' | 'booked') => statements.finish.run({ token_hash: tokenHash, state }).changes === 1,
    /** Active and claimed holds of a network (anywhere, and at a location) and of the location. */
    counts: (network: string, location: string, now: number) =>
      statements.counts.get({ network, location, now }) as { network: number; networkHere: number; location: number },
    /**
     * Counts a hold on its way upstream; call inside the transaction that read the counts. False when
     * another patient's hold of the same time is on its way already (in any process): the API lets the
     * BFF's client renew its own hold, so two holds of one time sent together would both succeed there.
     */
    claim: (claim: HoldClaim, now: number): boolean => {
      statements.dropOldClaims.run(now);
      if (statements.slotClaimed.get(claim.slot, now) !== undefined) return false;
      statements.claim.run(claim);
      return true;
    },
    dropClaim: (id: string) => void statements.dropClaim.run(id),
    /** Records a proof-of-work challenge as used; false if it was already. */
    useProof: (hash: string, expiresAt: number, now: number) => {
      statements.dropOldProofs.run(now);
      return statements.useProof.run(hash, expiresAt).changes === 1;
    },
    /** Moves an active, unexpired hold's expiry to at least `expiresAt`; false if it was not active or had used its calls. */
    extend: (tokenHash: string, expiresAt: number, now: number, maxCalls: number) =>
      statements.extend.run({ token_hash: tokenHash, expires_at: expiresAt, now, max_calls: maxCalls }).changes === 1,
    /** Active holds past their expiry that no process is releasing, soonest first: the booking is still to be opened upstream. */
    expired: (now: number, limit: number) => statements.expired.all({ now, limit }) as HoldRow[],
    /**
     * Claims an expired active hold for this process to release, until `until`; false when it is not
     * expired, not active, or another process holds an unlapsed claim: of processes sharing the
     * database, one releases each hold.
     */
    claimRelease: (tokenHash: string, now: number, until: number) => statements.claimRelease.run({ token_hash: tokenHash, now, until }).changes === 1,
    /** Gives a claim up (the release failed): the hold is due at once, to any process. */
    dropReleaseClaim: (tokenHash: string) => void statements.dropReleaseClaim.run(tokenHash),
    /** When the next active hold expires; null when none is active. */
    nextExpiry: () => (statements.nextExpiry.get() as { at: number | null }).at,
  };
}
