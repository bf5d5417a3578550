import type { Executor } from './executor.js';

/** A patient's private link to manage an appointment (migration 016). The secret itself is never stored. */
export interface ManageLinkRow {
  token_hash: string;
  /** The booking it stands for now: a move points it at the new one. */
  booking_id: string;
  /** The BFF hold that booked that booking: once another hold of it is made, the link is stale. */
  hold_hash: string;
  location_id: string;
  start_at: number;
  /** Minutes. */
  length: number;
  expires_at: number;
  created_at: number;
  spent_at: number | null;
  busy_until: number | null;
  /**
   * HMAC-SHA256 of the sign-up booked, keyed by the link's secret (which is never stored): a move checks the
   * booking still carries that sign-up. Null for a link issued without one.
   */
  sign_up_mac: string | null;
}

/** The manage links, on either engine (executor.ts). Writes go through `store.write`, as every write does. */
export function createManageLinks(sql: Executor) {
  return {
    /** Records a link; one already there (a confirm answered again) is left as it is. Lapsed links go. */
    async create(row: Omit<ManageLinkRow, 'spent_at' | 'busy_until'>): Promise<void> {
      await sql.run('DELETE FROM manage_links WHERE expires_at <= :now', { now: row.created_at });
      await sql.run(
        `INSERT INTO manage_links (token_hash, booking_id, hold_hash, location_id, start_at, length, expires_at, created_at, sign_up_mac)
         VALUES (:token_hash, :booking_id, :hold_hash, :location_id, :start_at, :length, :expires_at, :created_at, :sign_up_mac)
         ON CONFLICT (token_hash) DO NOTHING`,
        row,
      );
    },

    /** The link, if it is there and neither spent nor lapsed. */
    async usable(tokenHash: string, now: number): Promise<ManageLinkRow | undefined> {
      return sql.get<ManageLinkRow>('SELECT * FROM manage_links WHERE token_hash = :token_hash AND spent_at IS NULL AND expires_at > :now', {
        token_hash: tokenHash,
        now,
      });
    },

    /**
     * True while the hold that booked the link's booking is still its booking hold: a booking the practice
     * reopened and another patient held since (db/holds.ts marks the older hold released) is not the link's.
     */
    async stillTheBooker(row: ManageLinkRow): Promise<boolean> {
      const hold = await sql.get<{ state: string }>('SELECT state FROM bff_holds WHERE token_hash = :hold_hash', { hold_hash: row.hold_hash });
      return hold?.state === 'booked';
    },

    /**
     * Claims the link for one cancel or move until `until`; false when it is spent, lapsed, or another
     * request (in any process) holds an unlapsed claim: the conditional UPDATE decides.
     */
    async claim(tokenHash: string, now: number, until: number): Promise<boolean> {
      const changed = await sql.run(
        `UPDATE manage_links SET busy_until = :until
         WHERE token_hash = :token_hash AND spent_at IS NULL AND expires_at > :now AND (busy_until IS NULL OR busy_until <= :now)`,
        { token_hash: tokenHash, now, until },
      );
      return changed === 1;
    },

    /**
     * Gives up the claim made until `until`, the link unchanged (the change failed or was refused). A claim that
     * lapsed and was taken by another request since is that request's: it is left alone.
     */
    async unclaim(tokenHash: string, until: number): Promise<void> {
      await sql.run('UPDATE manage_links SET busy_until = NULL WHERE token_hash = :token_hash AND busy_until = :until', { token_hash: tokenHash, until });
    },

    /** The appointment was cancelled: the link is used up (and the claim made until `until` given up). */
    async spend(tokenHash: string, now: number, until: number): Promise<void> {
      await sql.run(
        `UPDATE manage_links SET spent_at = :now, busy_until = CASE WHEN busy_until = :until THEN NULL ELSE busy_until END WHERE token_hash = :token_hash`,
        { token_hash: tokenHash, now, until },
      );
    },

    /** The appointment moved: the link now stands for the new booking (and the claim made until `until` is given up). */
    async moved(tokenHash: string, until: number, to: Pick<ManageLinkRow, 'booking_id' | 'hold_hash' | 'location_id' | 'start_at' | 'length' | 'expires_at'>): Promise<void> {
      await sql.run(
        `UPDATE manage_links SET booking_id = :booking_id, hold_hash = :hold_hash, location_id = :location_id, start_at = :start_at, length = :length,
             expires_at = :expires_at, busy_until = CASE WHEN busy_until = :until THEN NULL ELSE busy_until END
         WHERE token_hash = :token_hash`,
        { token_hash: tokenHash, until, ...to },
      );
    },
  };
}
export type ManageLinks = ReturnType<typeof createManageLinks>;
