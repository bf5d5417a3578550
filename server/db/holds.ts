import type { Executor, Params } from './executor.js';

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
export function createHolds(ex: Executor) {
  const getHold = (tokenHash: string) => ex.get<HoldRow>('SELECT * FROM bff_holds WHERE token_hash = :token_hash', { token_hash: tokenHash });
  const dropClaim = async (id: string): Promise<void> => {
    await ex.run('DELETE FROM bff_hold_claims WHERE id = :id', { id });
  };
  return {
    /**
     * Records a new hold. The API let the booking be held again, so any earlier hold of it
     * has lapsed, or its booking was reopened: it is marked released, so that its late release
     * cannot open the new one, nor its manage link change another patient's appointment.
     * Several statements: call inside a transaction.
     */
    async insert(hold: HoldRow, claimId?: string): Promise<void> {
      await ex.run(`UPDATE bff_holds SET state = 'released' WHERE booking_id = :booking_id AND state IN ('active', 'booked')`, { booking_id: hold.booking_id });
      await ex.run(
        `INSERT INTO bff_holds (token_hash, booking_id, location_id, start_datetime, length, site_origin, address, network, state, expires_at, created_at, extend_calls)
         VALUES (:token_hash, :booking_id, :location_id, :start_datetime, :length, :site_origin, :address, :network, :state, :expires_at, :created_at, :extend_calls)`,
        hold as unknown as Params, // an interface has no index signature; its fields are the parameters
      );
      if (claimId) await dropClaim(claimId);
    },
    get: getHold,
    /** active -> released or booked; false when it was no longer active. */
    finish: async (tokenHash: string, state: 'released' | 'booked'): Promise<boolean> =>
      (await ex.run(`UPDATE bff_holds SET state = :state WHERE token_hash = :token_hash AND state = 'active'`, { token_hash: tokenHash, state })) === 1,
    /** Active and claimed holds of a network (anywhere, and at a location) and of the location. */
    counts: async (network: string, location: string, now: number) =>
      (await ex.get<{ network: number; networkHere: number; location: number }>(
        `SELECT
           (SELECT COUNT(*) FROM bff_holds WHERE network = :network AND state = 'active' AND expires_at > :now)
             + (SELECT COUNT(DISTINCT slot) FROM bff_hold_claims WHERE network = :network AND expires_at > :now) AS network,
           (SELECT COUNT(*) FROM bff_holds WHERE network = :network AND location_id = :location AND state = 'active' AND expires_at > :now)
             + (SELECT COUNT(DISTINCT slot) FROM bff_hold_claims WHERE network = :network AND location_id = :location AND expires_at > :now) AS "networkHere",
           (SELECT COUNT(*) FROM bff_holds WHERE location_id = :location AND state = 'active' AND expires_at > :now)
             + (SELECT COUNT(DISTINCT slot) FROM bff_hold_claims WHERE location_id = :location AND expires_at > :now) AS location`,
        { network, location, now },
      ))!,
    /**
     * Counts a hold on its way upstream; call inside the transaction that read the counts. False when
     * another patient's hold of the same time is on its way already (in any process): the API lets the
     * BFF's client renew its own hold, so two holds of one time sent together would both succeed there.
     */
    async claim(claim: HoldClaim, now: number): Promise<boolean> {
      await ex.run('DELETE FROM bff_hold_claims WHERE expires_at <= :now', { now });
      const taken = await ex.get('SELECT 1 AS taken FROM bff_hold_claims WHERE slot = :slot AND expires_at > :now LIMIT 1', { slot: claim.slot, now });
      if (taken !== undefined) return false;
      await ex.run('INSERT INTO bff_hold_claims (id, network, location_id, slot, expires_at) VALUES (:id, :network, :location_id, :slot, :expires_at)', {
        id: claim.id,
        network: claim.network,
        location_id: claim.location_id,
        slot: claim.slot,
        expires_at: claim.expires_at,
      });
      return true;
    },
    dropClaim,
    /** Records a proof-of-work challenge as used; false if it was already. */
    async useProof(hash: string, expiresAt: number, now: number): Promise<boolean> {
      await ex.run('DELETE FROM bff_proofs_used WHERE expires_at <= :now', { now });
      return (
        (await ex.run('INSERT INTO bff_proofs_used (challenge_hash, expires_at) VALUES (:hash, :expires_at) ON CONFLICT DO NOTHING', {
          hash,
          expires_at: expiresAt,
        })) === 1
      );
    },
    /** Moves an active, unexpired hold's expiry to at least `expiresAt`; false if it was not active or had used its calls. */
    extend: async (tokenHash: string, expiresAt: number, now: number, maxCalls: number): Promise<boolean> =>
      (await ex.run(
        `UPDATE bff_holds SET expires_at = CASE WHEN expires_at > :expires_at THEN expires_at ELSE :expires_at END, extend_calls = extend_calls + 1
         WHERE token_hash = :token_hash AND state = 'active' AND expires_at > :now AND extend_calls < :max_calls`,
        { token_hash: tokenHash, expires_at: expiresAt, now, max_calls: maxCalls },
      )) === 1,
    /** Active holds past their expiry that no process is releasing, soonest first: the booking is still to be opened upstream. */
    expired: (now: number, limit: number) =>
      ex.all<HoldRow>(
        `SELECT * FROM bff_holds WHERE state = 'active' AND expires_at <= :now AND (releasing_until IS NULL OR releasing_until <= :now)
         ORDER BY expires_at LIMIT :limit`,
        { now, limit },
      ),
    /**
     * Claims an expired active hold for this process to release, until `until`; false when it is not
     * expired, not active, or another process holds an unlapsed claim: of processes sharing the
     * database, one releases each hold.
     */
    claimRelease: async (tokenHash: string, now: number, until: number): Promise<boolean> =>
      (await ex.run(
        ex.engine === 'postgres'
          ? // Another process claiming it at this moment holds its row: passed over at once, not waited for.
            `UPDATE bff_holds SET releasing_until = :until WHERE token_hash = (
               SELECT token_hash FROM bff_holds
               WHERE token_hash = :token_hash AND state = 'active' AND expires_at <= :now AND (releasing_until IS NULL OR releasing_until <= :now)
               FOR UPDATE SKIP LOCKED)`
          : `UPDATE bff_holds SET releasing_until = :until
         WHERE token_hash = :token_hash AND state = 'active' AND expires_at <= :now AND (releasing_until IS NULL OR releasing_until <= :now)`,
        { token_hash: tokenHash, now, until },
      )) === 1,
    /** Gives a claim up (the release failed): the hold is due at once, to any process. */
    async dropReleaseClaim(tokenHash: string): Promise<void> {
      await ex.run('UPDATE bff_holds SET releasing_until = NULL WHERE token_hash = :token_hash', { token_hash: tokenHash });
    },
    /** When the next active hold expires; null when none is active. A hold another process is releasing is due again only when its claim lapses. */
    async nextExpiry(): Promise<number | null> {
      const row = await ex.get<{ at: number | null }>(
        `SELECT MIN(CASE WHEN releasing_until > expires_at THEN releasing_until ELSE expires_at END) AS at FROM bff_holds WHERE state = 'active'`,
      );
      return row?.at ?? null;
    },
  };
}
export type Holds = ReturnType<typeof createHolds>;
