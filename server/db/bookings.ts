import type { BookingStatus, SignUp } from '../../shared/types.js';
import type { Db } from './database.js';
import type { Keyring } from './keyring.js';
import { signUpContext } from './sealed-rows.js';
import { open, seal } from './sealing.js';

export interface BookingRow {
  id: string;
  location_id: string;
  doctor_id: string;
  start_at: number;
  start_offset: number;
  length: number;
  end_at: number;
  status: BookingStatus;
  recurring: 0 | 1;
  series_id: string | null;
  created_by: string;
  held_by: string | null;
  hold_expires_at: number | null;
  created_at: number;
  updated_at: number;
}

/** A weekly booking with its location's zone, for the overlap rule. */
export interface SeriesRow {
  id: string;
  start_at: number;
  length: number;
  timezone: string;
}

/** What a list shows of a booking: its public fields. */
export type ListedBooking = Pick<BookingRow, 'id' | 'location_id' | 'doctor_id' | 'start_at' | 'start_offset' | 'length' | 'status' | 'recurring'>;
const LISTED_COLUMNS = 'id, location_id, doctor_id, start_at, start_offset, length, status, recurring';
type ListedRow = [string, string, string, number, number, number, BookingStatus, 0 | 1];

export interface ListQuery {
  /** One location, or every location of one practice. */
  location_id?: string;
  practice_id?: string;
  statuses: readonly BookingStatus[];
  /** One-offs starting in [from, to); weekly ones starting before `to`. */
  from?: number;
  to?: number;
  /** Keyset cursor: rows after this (start, id). */
  after?: { start_at: number; id: string };
  limit: number;
}

const FAR_PAST = -8.64e15;
const FAR_FUTURE = 8.64e15;

export function createBookings(db: Db, keyring: Keyring) {
  // Up to the four statuses, unused ones NULL (which IN never matches).
  const listWhere = `status IN (:s0, :s1, :s2, :s3)
      AND (recurring = 1 OR start_at >= :from) AND start_at < :to
      AND (start_at > :after_start OR (start_at = :after_start AND id > :after_id))
    ORDER BY start_at, id LIMIT :limit`;
  const statements = {
    get: db.prepare('SELECT * FROM bookings WHERE id = ?'),
    insert: db.prepare(
      `INSERT INTO bookings (id, location_id, doctor_id, start_at, start_offset, length, end_at, status, recurring,
         series_id, created_by, held_by, hold_expires_at, created_at, updated_at)
       VALUES (:id, :location_id, :doctor_id, :start_at, :start_offset, :length, :end_at, :status, :recurring,
         :series_id, :created_by, :held_by, :hold_expires_at, :created_at, :updated_at)`,
    ),
    update: db.prepare(
      `UPDATE bookings SET location_id = :location_id, doctor_id = :doctor_id, start_at = :start_at,
         start_offset = :start_offset, length = :length, end_at = :end_at, status = :status, recurring = :recurring,
         held_by = :held_by, hold_expires_at = :hold_expires_at, updated_at = :updated_at
       WHERE id = :id AND updated_at = :previous_updated_at AND status = :previous_status`,
    ),
    // A hold, release or booking changes none of the columns the time and place indexes are on, so
    // naming only what it changes spares SQLite rewriting those indexes' entries.
    updateStatus: db.prepare(
      `UPDATE bookings SET status = :status, held_by = :held_by, hold_expires_at = :hold_expires_at, updated_at = :updated_at
       WHERE id = :id AND updated_at = :previous_updated_at AND status = :previous_status`,
    ),
    close: db.prepare(
      `UPDATE bookings SET status = 'closed', held_by = NULL, hold_expires_at = NULL, updated_at = :now
       WHERE id = :id AND status <> 'closed'`,
    ),
    // A stand-in for one week of a weekly booking exists only while that week is held: when its hold
    // lapses it closes, and the week is the weekly booking's to offer again.
    releaseExpired: db.prepare(
      `UPDATE bookings SET status = CASE WHEN series_id IS NULL THEN 'open' ELSE 'closed' END,
         held_by = NULL, hold_expires_at = NULL, updated_at = :now
       WHERE hold_expires_at <= :now AND status = 'pending'`,
    ),
    nextExpiry: db.prepare(`SELECT MIN(hold_expires_at) AS at FROM bookings WHERE hold_expires_at IS NOT NULL AND status = 'pending'`),
    listByLocation: db.prepare(`SELECT ${LISTED_COLUMNS} FROM bookings WHERE location_id = :location_id AND ${listWhere}`).raw(),
    listByPractice: db.prepare(
      `SELECT ${LISTED_COLUMNS} FROM bookings WHERE location_id IN (SELECT id FROM locations WHERE practice_id = :practice_id) AND ${listWhere}`,
    ).raw(),
    oneOffOverlapping: db.prepare(
      // A booking lasts at most a day, so one that overlaps starts less than a day before: that bound
      // keeps the index range to the neighbourhood instead of all the doctor's earlier bookings.
      `SELECT id FROM bookings WHERE doctor_id = :doctor_id AND status <> 'closed' AND recurring = 0
         AND start_at < :end_at AND start_at > :start_at - 86400000 AND end_at > :start_at AND id <> :exclude LIMIT 1`,
    ),
    oneOffsEndingAfter: db.prepare(
      `SELECT id, start_at, end_at, series_id FROM bookings WHERE doctor_id = :doctor_id AND status <> 'closed'
         AND recurring = 0 AND end_at > :after AND id <> :exclude`,
    ),
    seriesOfDoctor: db.prepare(
      `SELECT b.id, b.start_at, b.length, l.timezone FROM bookings b JOIN locations l ON l.id = b.location_id
       WHERE b.doctor_id = :doctor_id AND b.recurring = 1 AND b.status <> 'closed' AND b.id <> :exclude`,
    ),
    standIns: db.prepare(`SELECT start_at FROM bookings WHERE series_id = ? AND status <> 'closed'`),
    standIn: db.prepare(`SELECT * FROM bookings WHERE series_id = ? AND start_at = ? AND status <> 'closed'`),
    insertSignUp: db.prepare(
      `INSERT INTO sign_ups (booking_id, sealed, created_at) VALUES (:booking_id, :sealed, :now)
       ON CONFLICT (booking_id) DO UPDATE SET sealed = excluded.sealed, created_at = excluded.created_at`,
    ),
    signUp: db.prepare('SELECT sealed FROM sign_ups WHERE booking_id = ?').pluck(),
    deleteSignUp: db.prepare('DELETE FROM sign_ups WHERE booking_id = ?'),
    idempotencyKey: db.prepare('SELECT request_hash, booking_id FROM idempotency_keys WHERE client_id = ? AND key = ?'),
    insertIdempotencyKey: db.prepare(
      `INSERT INTO idempotency_keys (client_id, key, request_hash, booking_id, created_at)
       VALUES (:client_id, :key, :request_hash, :booking_id, :now)`,
    ),
  };

  return {
    get: (id: string) => statements.get.get(id) as BookingRow | undefined,
    insert: (row: BookingRow) => void statements.insert.run(row),
    /** Writes every field of `row`; false when the row changed since `previous` was read. */
    update(row: BookingRow, previous: BookingRow): boolean {
      const samePlaceAndTime =
        row.location_id === previous.location_id &&
        row.doctor_id === previous.doctor_id &&
        row.start_at === previous.start_at &&
        row.start_offset === previous.start_offset &&
        row.length === previous.length &&
        row.end_at === previous.end_at &&
        row.recurring === previous.recurring;
      const statement = samePlaceAndTime ? statements.updateStatus : statements.update;
      return statement.run({ ...row, previous_updated_at: previous.updated_at, previous_status: previous.status }).changes === 1;
    },
    close: (id: string, now: number) => statements.close.run({ id, now }).changes === 1,
    /** Opens every hold past its expiry; returns how many. */
    releaseExpiredHolds: (now: number) => statements.releaseExpired.run({ now }).changes,
    nextHoldExpiry: () => (statements.nextExpiry.get() as { at: number | null }).at,
    list(query: ListQuery): ListedBooking[] {
      const params = {
        location_id: query.location_id,
        practice_id: query.practice_id,
        s0: query.statuses[0] ?? null,
        s1: query.statuses[1] ?? null,
        s2: query.statuses[2] ?? null,
        s3: query.statuses[3] ?? null,
        from: query.from ?? FAR_PAST,
        to: query.to ?? FAR_FUTURE,
        after_start: query.after?.start_at ?? FAR_PAST,
        after_id: query.after?.id ?? '',
        limit: query.limit,
      };
      const statement = query.location_id !== undefined ? statements.listByLocation : statements.listByPractice;
      if (query.location_id !== undefined) delete params.practice_id;
      else delete params.location_id;
      // Rows come as arrays and become objects here: cheaper than the driver building each one.
      return (statement.all(params) as ListedRow[]).map(([id, location_id, doctor_id, start_at, start_offset, length, status, recurring]) => ({
        id,
        location_id,
        doctor_id,
        start_at,
        start_offset,
        length,
        status,
        recurring,
      }));
    },
    /** A live one-off booking of the doctor overlapping [start, end), other than `exclude`. */
    oneOffOverlapping: (doctorId: string, start: number, end: number, exclude: string) =>
      (statements.oneOffOverlapping.get({ doctor_id: doctorId, start_at: start, end_at: end, exclude }) as { id: string } | undefined)
        ?.id,
    oneOffsEndingAfter: (doctorId: string, after: number, exclude: string) =>
      statements.oneOffsEndingAfter.all({ doctor_id: doctorId, after, exclude }) as Array<
        Pick<BookingRow, 'id' | 'start_at' | 'end_at' | 'series_id'>
      >,
    /** The doctor's live weekly bookings that start before `before` (found through their own small index). */
    seriesOfDoctor: (doctorId: string, before: number, exclude: string) =>
      (statements.seriesOfDoctor.all({ doctor_id: doctorId, exclude }) as SeriesRow[]).filter((series) => series.start_at < before),
    /** Starts of the occurrences of a series that a live one-off stands in for. */
    standIns: (seriesId: string) => new Set((statements.standIns.all(seriesId) as Array<{ start_at: number }>).map((r) => r.start_at)),
    standIn: (seriesId: string, start: number) => statements.standIn.get(seriesId, start) as BookingRow | undefined,
    /** Keeps the sign-up sealed (see sealing.ts), bound to its booking. */
    saveSignUp(bookingId: string, signUp: SignUp, now: number): void {
      const { first_name, last_name, email, phone, date_of_birth } = signUp;
      const plain = JSON.stringify({ first_name, last_name, email, phone, date_of_birth });
      statements.insertSignUp.run({ booking_id: bookingId, sealed: seal(keyring, plain, signUpContext(bookingId)), now });
    },
    signUp(bookingId: string): SignUp | undefined {
      const sealed = statements.signUp.get(bookingId) as Buffer | undefined;
      return sealed ? (JSON.parse(open(keyring, sealed, signUpContext(bookingId))) as SignUp) : undefined;
    },
    deleteSignUp: (bookingId: string) => void statements.deleteSignUp.run(bookingId),
    idempotencyKey: (clientId: string, key: string) =>
      statements.idempotencyKey.get(clientId, key) as { request_hash: string; booking_id: string } | undefined,
    saveIdempotencyKey: (clientId: string, key: string, requestHash: string, bookingId: string, now: number) =>
      void statements.insertIdempotencyKey.run({ client_id: clientId, key, request_hash: requestHash, booking_id: bookingId, now }),
  };
}
export type Bookings = ReturnType<typeof createBookings>;
