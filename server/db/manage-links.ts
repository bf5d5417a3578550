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
  /**
   * A move under way (migration 019): the booking it moves from, the booking its new hold took, and that
   * hold's hash. Set before the new time is booked, cleared when the move is done or undone; still set once
   * the claim lapsed, the move was cut short (its process died) and is settled from what the API says.
   */
  move_from: string | null;
  move_to: string | null;
  move_hold_hash: string | null;
}

/** What a move records before it books the new time. */
export interface MoveIntent {
  move_from: string;
  move_to: string;
  move_hold_hash: string;
}

/** The manage links, on either engine (executor.ts). Writes go through `store.write`, as every write does. */
export function createManageLinks(sql: Executor) {
  return {
    /** Records a link; one already there (a confirm answered again) is left as it is. Lapsed links go. */
    async create(row: Omit<ManageLinkRow, 'spent_at' | 'busy_until' | keyof MoveIntent>): Promise<void> {
      // A lapsed link with a move still to settle stays until it is settled: it may hold a second booking.
      await sql.run('DELETE FROM manage_links WHERE expires_at <= :now AND move_to IS NULL', { now: row.created_at });
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

    /** The link as it is, spent, lapsed or not. */
    find: (tokenHash: string) => sql.get<ManageLinkRow>('SELECT * FROM manage_links WHERE token_hash = :token_hash', { token_hash: tokenHash }),

    /**
     * True while the hold that booked the link's booking is still its booking hold: a booking the practice
     * reopened and another patient held since (db/holds.ts marks the older hold released) is not the link's.
     */
    async stillTheBooker(row: ManageLinkRow): Promise<boolean> {
      const hold = await sql.get<{ state: string }>('SELECT state FROM bff_holds WHERE token_hash = :hold_hash', { hold_hash: row.hold_hash });
      return hold?.state === 'booked';
    },

    /**
     * Claims the link for one cancel or move until `until`; false when it is spent, lapsed, another request
     * (in any process) holds an unlapsed claim, or a move cut short is still to be settled (`claimToSettle`):
     * the conditional UPDATE decides.
     */
    async claim(tokenHash: string, now: number, until: number): Promise<boolean> {
      const changed = await sql.run(
        `UPDATE manage_links SET busy_until = :until
         WHERE token_hash = :token_hash AND spent_at IS NULL AND expires_at > :now AND (busy_until IS NULL OR busy_until <= :now) AND move_to IS NULL`,
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

    /**
     * Renews the claim made until `until` to `next`, recording what the move is doing (an intent) or clearing it
     * (null). False when the claim is no longer this request's (it lapsed and another request or a settling
     * process took it): the request must then change nothing more, and leave the move to the claim's holder.
     */
    async renew(tokenHash: string, until: number, next: number, intent: MoveIntent | null): Promise<boolean> {
      const changed = await sql.run(
        `UPDATE manage_links SET busy_until = :next, move_from = :move_from, move_to = :move_to, move_hold_hash = :move_hold_hash
         WHERE token_hash = :token_hash AND busy_until = :until`,
        { token_hash: tokenHash, until, next, move_from: intent?.move_from ?? null, move_to: intent?.move_to ?? null, move_hold_hash: intent?.move_hold_hash ?? null },
      );
      return changed === 1;
    },

    /**
     * The appointment moved: the link now stands for the new booking, the move's intent is cleared, and the claim
     * made until `until` is given up. False (nothing changed) when that claim is no longer this request's.
     */
    async moved(tokenHash: string, until: number, to: Pick<ManageLinkRow, 'booking_id' | 'hold_hash' | 'location_id' | 'start_at' | 'length' | 'expires_at'>): Promise<boolean> {
      const changed = await sql.run(
        `UPDATE manage_links SET booking_id = :booking_id, hold_hash = :hold_hash, location_id = :location_id, start_at = :start_at, length = :length,
             expires_at = :expires_at, busy_until = NULL, move_from = NULL, move_to = NULL, move_hold_hash = NULL
         WHERE token_hash = :token_hash AND busy_until = :until`,
        { token_hash: tokenHash, until, ...to },
      );
      return changed === 1;
    },

    /** Links with a move left half-done (an intent whose claim has lapsed). */
    unsettled: (now: number, limit: number) =>
      sql.all<ManageLinkRow>(
        `SELECT * FROM manage_links WHERE move_to IS NOT NULL AND (busy_until IS NULL OR busy_until <= :now) LIMIT :limit`,
        { now, limit },
      ),

    /**
     * Claims a link with a move left half-done, until `until`, to settle it; spent or lapsed alike (it may hold a
     * second booking). False when it has none, or another request or process holds an unlapsed claim: of the
     * processes sharing the database, one settles each move.
     */
    async claimToSettle(tokenHash: string, now: number, until: number): Promise<boolean> {
      const changed = await sql.run(
        `UPDATE manage_links SET busy_until = :until
         WHERE token_hash = :token_hash AND move_to IS NOT NULL AND (busy_until IS NULL OR busy_until <= :now)`,
        { token_hash: tokenHash, now, until },
      );
      return changed === 1;
    },

    /**
     * Marks the hold a settled move booked with as booked, as its confirm would have (the process died between
     * the API's answer and that write, and the sweep may have marked it released since, leaving the API alone):
     * unless another hold of that booking was made since, which makes it no longer the link's.
     */
    async holdBooked(holdHash: string): Promise<void> {
      await sql.run(
        `UPDATE bff_holds SET state = 'booked'
         WHERE token_hash = :hold_hash AND state <> 'booked' AND NOT EXISTS (
           SELECT 1 FROM bff_holds AS other
           WHERE other.booking_id = bff_holds.booking_id AND other.token_hash <> bff_holds.token_hash AND other.created_at >= bff_holds.created_at)`,
        { hold_hash: holdHash },
      );
    },

    /** The move's hold, if it is still active: the settling process releases it (marked here first, so no confirm can follow). */
    releaseHold: async (holdHash: string): Promise<boolean> =>
      (await sql.run(`UPDATE bff_holds SET state = 'released' WHERE token_hash = :hold_hash AND state = 'active'`, { hold_hash: holdHash })) === 1,
  };
}
export type ManageLinks = ReturnType<typeof createManageLinks>;
