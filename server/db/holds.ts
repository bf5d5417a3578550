import type { Db } from './database.js';

export interface HoldRow {
  token_hash: string;
  booking_id: string;
  location_id: string;
  start_datetime: string;
  length: number;
  site_origin: string;
  address: string;
  state: 'active' | 'released' | 'booked';
  expires_at: number;
  created_at: number;
}

/** The BFF's holds: which booking a patient's hold token stands for. */
export function createHolds(db: Db) {
  const statements = {
    insert: db.prepare(
      `INSERT INTO bff_holds (token_hash, booking_id, location_id, start_datetime, length, site_origin, address, state, expires_at, created_at)
       VALUES (:token_hash, :booking_id, :location_id, :start_datetime, :length, :site_origin, :address, :state, :expires_at, :created_at)`,
    ),
    get: db.prepare('SELECT * FROM bff_holds WHERE token_hash = ?'),
    finish: db.prepare(`UPDATE bff_holds SET state = :state WHERE token_hash = :token_hash AND state = 'active'`),
    supersede: db.prepare(`UPDATE bff_holds SET state = 'released' WHERE booking_id = ? AND state = 'active'`),
    activeByAddress: db.prepare(`SELECT COUNT(*) AS n FROM bff_holds WHERE state = 'active' AND expires_at > :now AND address = :address`),
    activeBySite: db.prepare(`SELECT COUNT(*) AS n FROM bff_holds WHERE state = 'active' AND expires_at > :now AND site_origin = :origin`),
    expired: db.prepare(`SELECT * FROM bff_holds WHERE state = 'active' AND expires_at <= :now ORDER BY expires_at LIMIT :limit`),
    nextExpiry: db.prepare(`SELECT MIN(expires_at) AS at FROM bff_holds WHERE state = 'active'`),
  };
  return {
    /**
     * Records a new hold. The API let the booking be held again, so any earlier hold of it
     * has lapsed: it is marked released, so that its late release cannot open the new one.
     */
    insert: (hold: HoldRow) =>
      db.transaction(() => {
        statements.supersede.run(hold.booking_id);
        statements.insert.run(hold);
      })(),
    get: (tokenHash: string) => statements.get.get(tokenHash) as HoldRow | undefined,
    /** active -> released or booked; false when it was no longer active. */
    finish: (tokenHash: string, state: 'released' | 'booked') => statements.finish.run({ token_hash: tokenHash, state }).changes === 1,
    activeByAddress: (address: string, now: number) => (statements.activeByAddress.get({ address, now }) as { n: number }).n,
    activeBySite: (origin: string, now: number) => (statements.activeBySite.get({ origin, now }) as { n: number }).n,
    /** Active holds past their expiry, soonest first: the booking is still to be opened upstream. */
    expired: (now: number, limit: number) => statements.expired.all({ now, limit }) as HoldRow[],
    /** When the next active hold expires; null when none is active. */
    nextExpiry: () => (statements.nextExpiry.get() as { at: number | null }).at,
  };
}
