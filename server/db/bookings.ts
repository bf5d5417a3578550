import type { BookingStatus, SignUp } from '../../shared/types.js';
import type { Db } from './database.js';
import type { Keyring } from './keyring.js';
import { sealSignUp, signUpContext } from './sealed-rows.js';
import { open } from './sealing.js';

export interface BookingRow {
  id: string;
  location_id: string;
  /** The location's practice: doctor ids mean one doctor only within a practice. */
  practice_id: string;
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
  /** Its start's minute of the week in UTC (0..10079, from Thursday 00:00 UTC), kept by the database. */
  week_minute: number;
  timezone: string;
}

/** Minutes in a week: a booking's `week_minute` lies in [0, WEEK_MINUTES). */
export const WEEK_MINUTES = 7 * 24 * 60;

/** A doctor as the overlap rule knows one: a doctor id names a doctor only within its practice. */
export interface PracticeDoctor {
  practice_id: string;
  doctor_id: string;
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
  // Up to the four statuses, unused ones NULL (which IN never matches). One-offs and weekly bookings are
  // read apart: a one-off is listed when it starts in [from, to), a weekly booking when its series began
  // before `to`, and asking for both at once (`recurring = 1 OR start_at >= :from`) kept `from` out of
  // the index, so a practice's week read every earlier booking (issue 11: 70 -> 1,050 ms at 578k bookings).
  // The cursor is `lower` (at least it) and a NOT: written as `start_at > :after_start OR ...` it was a
  // lower bound of its own, which SQLite took for the range instead of `from`, and with no cursor (its start
  // the far past) a week read every earlier booking of the practice again (1M bookings: 40 -> 210 µs).
  const listWhere = (recurring: 0 | 1) => `recurring = ${recurring} AND status IN (:s0, :s1, :s2, :s3)
      AND start_at >= :lower AND start_at < :to AND NOT (start_at = :after_start AND id <= :after_id)
    ORDER BY start_at, id LIMIT :limit`;
  const listOf = (scope: 'location_id' | 'practice_id', recurring: 0 | 1) =>
    db.prepare(`SELECT ${LISTED_COLUMNS} FROM bookings WHERE ${scope} = :scope AND ${listWhere(recurring)}`).raw();
  const statements = {
    get: db.prepare('SELECT * FROM bookings WHERE id = ?'),
    insert: db.prepare(
      `INSERT INTO bookings (id, location_id, practice_id, doctor_id, start_at, start_offset, length, end_at, status, recurring,
         series_id, created_by, held_by, hold_expires_at, created_at, updated_at)
       VALUES (:id, :location_id, :practice_id, :doctor_id, :start_at, :start_offset, :length, :end_at, :status, :recurring,
         :series_id, :created_by, :held_by, :hold_expires_at, :created_at, :updated_at)`,
    ),
    update: db.prepare(
      `UPDATE bookings SET location_id = :location_id, practice_id = :practice_id, doctor_id = :doctor_id, start_at = :start_at,
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
    list: {
      location_id: { oneOffs: listOf('location_id', 0), weekly: listOf('location_id', 1) },
      practice_id: { oneOffs: listOf('practice_id', 0), weekly: listOf('practice_id', 1) },
    },
    // The live one-off of the doctor that starts last before each span ends: a doctor's live one-offs never
    // overlap one another, so if that one ends by the span's start, no earlier one reaches into it. One index
    // step back per span, however many bookings the doctor has. A series' own stand-in for a week (its
    // start that week's) is the series' to have, and is passed over.
    oneOffMeeting: db
      .prepare(
        `SELECT (
           SELECT CASE WHEN o.end_at > span.start THEN o.id END FROM bookings o
           WHERE o.practice_id = :practice_id AND o.doctor_id = :doctor_id AND o.recurring = 0 AND o.status <> 'closed'
             AND o.start_at < span.end AND o.id <> :exclude AND NOT (o.series_id IS :series_id AND o.start_at = span.start)
           ORDER BY o.start_at DESC LIMIT 1)
         FROM (SELECT json_extract(value, '$[0]') AS start, json_extract(value, '$[1]') AS end FROM json_each(:spans)) span`,
      )
      .pluck(),
    // The span of the doctor's live one-offs, through the same index.
    firstStart: db.prepare(
      `SELECT start_at AS at FROM bookings WHERE practice_id = :practice_id AND doctor_id = :doctor_id AND recurring = 0 AND status <> 'closed'
         AND start_at >= :after ORDER BY start_at LIMIT 1`,
    ),
    lastStart: db.prepare(
      `SELECT start_at AS at FROM bookings WHERE practice_id = :practice_id AND doctor_id = :doctor_id AND recurring = 0 AND status <> 'closed'
         ORDER BY start_at DESC LIMIT 1`,
    ),
    seriesNear: db.prepare(
      `SELECT b.id, b.start_at, b.length, b.week_minute, l.timezone FROM bookings b JOIN locations l ON l.id = b.location_id
       WHERE b.practice_id = :practice_id AND b.doctor_id = :doctor_id AND b.recurring = 1 AND b.status <> 'closed'
         AND b.week_minute >= :from AND b.week_minute < :to AND b.start_at < :before AND b.id <> :exclude`,
    ),
    standIn: db.prepare(`SELECT * FROM bookings WHERE series_id = ? AND start_at = ? AND status <> 'closed'`),
    insertSignUp: db.prepare(
      `INSERT INTO sign_ups (booking_id, sealed, created_at) VALUES (:booking_id, :sealed, :now)
       ON CONFLICT (booking_id) DO UPDATE SET sealed = excluded.sealed, created_at = excluded.created_at`,
    ),
    signUp: db.prepare('SELECT sealed FROM sign_ups WHERE booking_id = ?').pluck(),
    deleteSignUp: db.prepare('DELETE FROM sign_ups WHERE booking_id = ?'),
    // By the appointment's start (a stand-in's own), through the partial index on the statuses that keep a sign-up.
    deleteSignUpsStartedBefore: db.prepare(
      `DELETE FROM sign_ups WHERE booking_id IN (
         SELECT b.id FROM bookings b JOIN sign_ups s ON s.booking_id = b.id
         WHERE b.status = 'booked' AND b.start_at < :before LIMIT :limit)`,
    ),
    idempotencyKey: db.prepare('SELECT request_hash, booking_id FROM idempotency_keys WHERE client_id = ? AND key = ?'),
    insertIdempotencyKey: db.prepare(
      `INSERT INTO idempotency_keys (client_id, key, request_hash, booking_id, created_at)
       VALUES (:client_id, :key, :request_hash, :booking_id, :now)`,
    ),
  };

  // A sign-up is saved only as its booking is booked: only a move out of booked (to open or closed) has one to
  // delete, so a hold's release (pending -> open), the benchmark's hot write, runs no DELETE.
  const leavesSignUp = (from: BookingStatus, to: BookingStatus) => from === 'booked' && (to === 'open' || to === 'closed');
  const close = db.transaction((id: string, now: number) => {
    const closed = statements.close.run({ id, now }).changes === 1;
    if (closed) statements.deleteSignUp.run(id);
    return closed;
  });

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
      const updated = statement.run({ ...row, previous_updated_at: previous.updated_at, previous_status: previous.status }).changes === 1;
      if (updated && leavesSignUp(previous.status, row.status)) statements.deleteSignUp.run(row.id);
      return updated;
    },
    /** Closes a booking, and deletes its sign-up; false when it was closed already. */
    close: (id: string, now: number): boolean => close(id, now),
    /** Opens (or closes, for a stand-in) every hold past its expiry (a held booking has no sign-up); returns how many. */
    releaseExpiredHolds: (now: number): number => statements.releaseExpired.run({ now }).changes,
    nextHoldExpiry: () => (statements.nextExpiry.get() as { at: number | null }).at,
    list(query: ListQuery): ListedBooking[] {
      const scope = query.location_id !== undefined ? 'location_id' : 'practice_id';
      const params = {
        scope: query.location_id ?? query.practice_id,
        s0: query.statuses[0] ?? null,
        s1: query.statuses[1] ?? null,
        s2: query.statuses[2] ?? null,
        s3: query.statuses[3] ?? null,
        to: query.to ?? FAR_FUTURE,
        after_start: query.after?.start_at ?? FAR_PAST,
        after_id: query.after?.id ?? '',
        limit: query.limit,
      };
      const { oneOffs, weekly } = statements.list[scope];
      const a = oneOffs.all({ ...params, lower: Math.max(query.from ?? FAR_PAST, params.after_start) }) as ListedRow[];
      const b = weekly.all({ ...params, lower: params.after_start }) as ListedRow[];
      // Both come ordered by (start, id): merged, the first `limit` are the page.
      const rows: ListedRow[] = [];
      let i = 0;
      let j = 0;
      while (rows.length < query.limit && (i < a.length || j < b.length)) {
        const takeA = j >= b.length || (i < a.length && (a[i][3] < b[j][3] || (a[i][3] === b[j][3] && a[i][0] < b[j][0])));
        rows.push(takeA ? a[i++] : b[j++]);
      }
      // Rows come as arrays and become objects here: cheaper than the driver building each one.
      return rows.map(([id, location_id, doctor_id, start_at, start_offset, length, status, recurring]) => ({
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
    /**
     * A live one-off booking of the practice's doctor overlapping any of the spans ([start, end) in ms), other
     * than `exclude` and than the stand-in of series `seriesId` for the week that starts as a span does ('': none).
     */
    oneOffMeeting: (doctor: PracticeDoctor, spans: ReadonlyArray<readonly [number, number]>, exclude: string, seriesId: string) =>
      spans.length === 0
        ? undefined
        : ((statements.oneOffMeeting.all({ ...doctor, spans: JSON.stringify(spans), exclude, series_id: seriesId }) as Array<string | null>).find(
            (id) => id !== null,
          ) ?? undefined),
    /** The first start from `after` on, and the last, of the practice's doctor's live one-offs (ms); undefined with none. */
    startsFrom(doctor: PracticeDoctor, after: number): { first: number; last: number } | undefined {
      const first = statements.firstStart.get({ ...doctor, after }) as { at: number } | undefined;
      return first && { first: first.at, last: (statements.lastStart.get(doctor) as { at: number }).at };
    },
    /**
     * The practice's doctor's live weekly bookings that start before `before` (ms) at a minute of the week
     * in [from, to), read round the week's end (from may be negative, to past the week's last minute).
     */
    seriesNear(doctor: PracticeDoctor, from: number, to: number, before: number, exclude: string): SeriesRow[] {
      const ranges: Array<[number, number]> = [];
      if (to - from >= WEEK_MINUTES) ranges.push([0, WEEK_MINUTES]);
      else {
        const start = ((from % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
        const end = start + (to - from);
        ranges.push([start, Math.min(end, WEEK_MINUTES)]);
        if (end > WEEK_MINUTES) ranges.push([0, end - WEEK_MINUTES]);
      }
      return ranges.flatMap(([lo, hi]) => statements.seriesNear.all({ ...doctor, from: lo, to: hi, before, exclude }) as SeriesRow[]);
    },
    standIn: (seriesId: string, start: number) => statements.standIn.get(seriesId, start) as BookingRow | undefined,
    /** Keeps the sign-up sealed (see sealing.ts), bound to its booking. */
    saveSignUp(bookingId: string, signUp: SignUp, now: number): void {
      statements.insertSignUp.run({ booking_id: bookingId, sealed: sealSignUp(keyring, bookingId, signUp), now });
    },
    signUp(bookingId: string): SignUp | undefined {
      const sealed = statements.signUp.get(bookingId) as Buffer | undefined;
      return sealed ? (JSON.parse(open(keyring, sealed, signUpContext(bookingId))) as SignUp) : undefined;
    },
    /** Deletes up to `limit` sign-ups of appointments that started before `before` (ms); returns how many. */
    deleteSignUpsStartedBefore: (before: number, limit: number) => statements.deleteSignUpsStartedBefore.run({ before, limit }).changes,
    idempotencyKey: (clientId: string, key: string) =>
      statements.idempotencyKey.get(clientId, key) as { request_hash: string; booking_id: string } | undefined,
    saveIdempotencyKey: (clientId: string, key: string, requestHash: string, bookingId: string, now: number) =>
      void statements.insertIdempotencyKey.run({ client_id: clientId, key, request_hash: requestHash, booking_id: bookingId, now }),
  };
}
export type Bookings = ReturnType<typeof createBookings>;
