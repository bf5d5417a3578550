import type { BookingStatus, SignUp } from '../../shared/types.js';
import type { Executor, Params } from './executor.js';
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

export interface ListQuery {
  /** One location, or every location of one practice. */
  location_id?: string;
  practice_id?: string;
  statuses: readonly BookingStatus[];
  /** Only these doctors' bookings (none: every doctor's). */
  doctors?: readonly string[];
  /** One-offs starting in [from, to); weekly ones starting before `to`. */
  from?: number;
  to?: number;
  /** Keyset cursor: rows after this (start, id). */
  after?: { start_at: number; id: string };
  limit: number;
}

const FAR_PAST = -8.64e15;
const FAR_FUTURE = 8.64e15;

export function createBookings(ex: Executor, keyring: Keyring) {
  // Up to the four statuses, unused ones NULL (which IN never matches). One-offs and weekly bookings are
  // read apart: a one-off is listed when it starts in [from, to), a weekly booking when its series began
  // before `to`, and asking for both at once (`recurring = 1 OR start_at >= :from`) kept `from` out of
  // the index, so a practice's week read every earlier booking (issue 11: 70 -> 1,050 ms at 578k bookings).
  // The cursor is `lower` (at least it) and a NOT: written as `start_at > :after_start OR ...` it was a
  // lower bound of its own, which SQLite took for the range instead of `from`, and with no cursor (its start
  // the far past) a week read every earlier booking of the practice again (1M bookings: 40 -> 210 µs).
  // A location's lists read from its own covering indexes (migration 017): by (recurring, status) and then
  // time, so the first screen's open times never read the booked ones around them; and by doctor and then
  // time, so the few doctors' pending and booked ones it asks next never read the others'.
  // The doctors come as one JSON array, unpacked by each engine's own JSON functions.
  const DOCTOR_IN =
    ex.engine === 'postgres'
      ? 'doctor_id IN (SELECT jsonb_array_elements_text(CAST(:doctors AS JSONB)))'
      : 'doctor_id IN (SELECT value FROM json_each(:doctors))';
  const listWhere = (recurring: 0 | 1, byDoctor: boolean) => `recurring = ${recurring} AND status IN (:s0, :s1, :s2, :s3)
      ${byDoctor ? `AND ${DOCTOR_IN}` : ''}
      AND start_at >= :lower AND start_at < :to AND NOT (start_at = :after_start AND id <= :after_id)
    ORDER BY start_at, id LIMIT :limit`;
  const listOf = (scope: 'location_id' | 'practice_id', byDoctor: boolean) => ({
    oneOffs: `SELECT ${LISTED_COLUMNS} FROM bookings WHERE ${scope} = :scope AND ${listWhere(0, byDoctor)}`,
    weekly: `SELECT ${LISTED_COLUMNS} FROM bookings WHERE ${scope} = :scope AND ${listWhere(1, byDoctor)}`,
  });
  const list = {
    location_id: { all: listOf('location_id', false), byDoctor: listOf('location_id', true) },
    practice_id: { all: listOf('practice_id', false), byDoctor: listOf('practice_id', true) },
  };
  // A hold, release or booking changes none of the columns the time and place indexes are on, so
  // naming only what it changes spares SQLite rewriting those indexes' entries.
  const UPDATE_ALL = `UPDATE bookings SET location_id = :location_id, practice_id = :practice_id, doctor_id = :doctor_id, start_at = :start_at,
       start_offset = :start_offset, length = :length, end_at = :end_at, status = :status, recurring = :recurring,
       held_by = :held_by, hold_expires_at = :hold_expires_at, updated_at = :updated_at
     WHERE id = :id AND updated_at = :previous_updated_at AND status = :previous_status`;
  const UPDATE_STATUS = `UPDATE bookings SET status = :status, held_by = :held_by, hold_expires_at = :hold_expires_at, updated_at = :updated_at
     WHERE id = :id AND updated_at = :previous_updated_at AND status = :previous_status`;
  // The live one-off of the doctor that starts last before each span ends: a doctor's live one-offs never
  // overlap one another, so if that one ends by the span's start, no earlier one reaches into it. One index
  // step back per span, however many bookings the doctor has. A series' own stand-in for a week (its
  // start that week's) is the series' to have, and is passed over. The spans come as one JSON array,
  // unpacked by each engine's own JSON functions (no `::` casts: `:name` is a parameter).
  const ONE_OFF_MEETING =
    ex.engine === 'postgres'
      ? `SELECT (
           SELECT CASE WHEN o.end_at > span.span_start THEN o.id END FROM bookings o
           WHERE o.practice_id = :practice_id AND o.doctor_id = :doctor_id AND o.recurring = 0 AND o.status <> 'closed'
             AND o.start_at < span.span_end AND o.id <> :exclude
             AND NOT (o.series_id IS NOT DISTINCT FROM CAST(:series_id AS TEXT) AND o.start_at = span.span_start)
           ORDER BY o.start_at DESC LIMIT 1) AS id
         FROM (SELECT CAST(value->>0 AS BIGINT) AS span_start, CAST(value->>1 AS BIGINT) AS span_end
               FROM jsonb_array_elements(CAST(:spans AS JSONB))) span`
      : `SELECT (
           SELECT CASE WHEN o.end_at > span.start THEN o.id END FROM bookings o
           WHERE o.practice_id = :practice_id AND o.doctor_id = :doctor_id AND o.recurring = 0 AND o.status <> 'closed'
             AND o.start_at < span.end AND o.id <> :exclude AND NOT (o.series_id IS :series_id AND o.start_at = span.start)
           ORDER BY o.start_at DESC LIMIT 1) AS id
         FROM (SELECT json_extract(value, '$[0]') AS start, json_extract(value, '$[1]') AS end FROM json_each(:spans)) span`;

  // Holds past their expiry. On PostgreSQL every process sweeps them: each claims the rows no other sweep has
  // locked (SKIP LOCKED) instead of waiting for that one to commit and then finding them released already.
  const RELEASE_DUE =
    ex.engine === 'postgres'
      ? `id IN (SELECT id FROM bookings WHERE hold_expires_at <= :now AND status = 'pending' FOR UPDATE SKIP LOCKED)`
      : `hold_expires_at <= :now AND status = 'pending'`;

  // A sign-up is saved only as its booking is booked: only a move out of booked (to open or closed) has one to
  // delete, so a hold's release (pending -> open), the benchmark's hot write, runs no DELETE.
  const leavesSignUp = (from: BookingStatus, to: BookingStatus) => from === 'booked' && (to === 'open' || to === 'closed');
  const deleteSignUp = (id: string) => ex.run('DELETE FROM sign_ups WHERE booking_id = :id', { id });

  /**
   * Holds the advisory lock named `key` until the transaction ends. SQLite: nothing to do, every write
   * already holds the database's one write lock (BEGIN IMMEDIATE). PostgreSQL: waited for. At READ
   * COMMITTED (the writes that take it) the statements after it then see what the holder committed; a
   * SERIALIZABLE write's snapshot may predate that commit, and such a write fails with 40001 and runs
   * again (postgres/store.ts).
   */
  async function lock(key: string): Promise<void> {
    if (ex.engine !== 'postgres') return;
    // Not waited for here where the executor sends ahead: the reads it guards go out behind it, in the same
    // round trip, and run once it is granted.
    const wait = 'SELECT pg_advisory_xact_lock(hashtext(:key)) AS locked';
    if (ex.sendAhead) ex.sendAhead(wait, { key });
    else await ex.get(wait, { key });
  }

  /** A write whose answer nobody needs: sent ahead where the executor can (see `insert`), else run. */
  async function write(sql: string, params: Params): Promise<void> {
    if (!ex.sendAhead?.(sql, params)) await ex.run(sql, params);
  }

  // Read for writing: on PostgreSQL the row stays locked until the transaction ends, and a write of it
  // committed meanwhile is waited for and read (at READ COMMITTED; SERIALIZABLE fails with 40001 and runs again).
  const GET_FOR_WRITE =
    ex.engine === 'postgres' ? 'SELECT * FROM bookings WHERE id = :id FOR NO KEY UPDATE' : 'SELECT * FROM bookings WHERE id = :id';

  return {
    get: (id: string) => ex.get<BookingRow>('SELECT * FROM bookings WHERE id = :id', { id }),
    /**
     * As `get`, inside a write that will change the row: no other write changes it until this one ends,
     * so what the write decides from it is still true when it commits.
     */
    getForWrite: (id: string) => ex.get<BookingRow>(GET_FOR_WRITE, { id }),
    /**
     * Call inside a transaction. On PostgreSQL it is sent ahead, its failure (a foreign key, the one stand-in
     * per week) thrown by the next statement or the commit, which goes out right behind it while the
     * doctor's lock is held.
     */
    async insert(row: BookingRow): Promise<void> {
      await write(
        `INSERT INTO bookings (id, location_id, practice_id, doctor_id, start_at, start_offset, length, end_at, status, recurring,
           series_id, created_by, held_by, hold_expires_at, created_at, updated_at)
         VALUES (:id, :location_id, :practice_id, :doctor_id, :start_at, :start_offset, :length, :end_at, :status, :recurring,
           :series_id, :created_by, :held_by, :hold_expires_at, :created_at, :updated_at)`,
        row as unknown as Params, // an interface has no index signature; its fields are the parameters
      );
    },
    /**
     * Serialises writers of one doctor's bookings until the transaction ends: the domain calls it inside its
     * write, before the overlap check, so two overlapping bookings written at once cannot both pass it.
     */
    lockDoctor: (practiceId: string, doctorId: string): Promise<void> => lock(`doctor ${JSON.stringify([practiceId, doctorId])}`),
    /**
     * Serialises writers of one client's Idempotency-Key until the transaction ends: the domain calls it
     * before reading the key, so of two requests with one key the second reads what the first saved.
     */
    lockIdempotencyKey: (clientId: string, key: string): Promise<void> => lock(`idempotency ${JSON.stringify([clientId, key])}`),
    /** Writes every field of `row`; false when the row changed since `previous` was read. Call inside a transaction. */
    async update(row: BookingRow, previous: BookingRow): Promise<boolean> {
      const samePlaceAndTime =
        row.location_id === previous.location_id &&
        row.doctor_id === previous.doctor_id &&
        row.start_at === previous.start_at &&
        row.start_offset === previous.start_offset &&
        row.length === previous.length &&
        row.end_at === previous.end_at &&
        row.recurring === previous.recurring;
      const params = { ...row, previous_updated_at: previous.updated_at, previous_status: previous.status };
      const updated = (await ex.run(samePlaceAndTime ? UPDATE_STATUS : UPDATE_ALL, params)) === 1;
      if (updated && leavesSignUp(previous.status, row.status)) await deleteSignUp(row.id);
      return updated;
    },
    /** Closes a booking, and deletes its sign-up; false when it was closed already. Call inside a transaction. */
    async close(id: string, now: number): Promise<boolean> {
      const closed =
        (await ex.run(
          `UPDATE bookings SET status = 'closed', held_by = NULL, hold_expires_at = NULL, updated_at = :now
           WHERE id = :id AND status <> 'closed'`,
          { id, now },
        )) === 1;
      if (closed) await deleteSignUp(id);
      return closed;
    },
    /**
     * Opens (or closes, for a stand-in) every hold past its expiry (a held booking has no sign-up); returns how many.
     * A stand-in for one week of a weekly booking exists only while that week is held: when its hold
     * lapses it closes, and the week is the weekly booking's to offer again.
     */
    releaseExpiredHolds: (now: number): Promise<number> =>
      ex.run(
        `UPDATE bookings SET status = CASE WHEN series_id IS NULL THEN 'open' ELSE 'closed' END,
           held_by = NULL, hold_expires_at = NULL, updated_at = :now
         WHERE ${RELEASE_DUE}`,
        { now },
      ),
    async nextHoldExpiry(): Promise<number | null> {
      const row = await ex.get<{ at: number | null }>(
        `SELECT MIN(hold_expires_at) AS at FROM bookings WHERE hold_expires_at IS NOT NULL AND status = 'pending'`,
      );
      return row?.at ?? null;
    },
    async list(query: ListQuery): Promise<ListedBooking[]> {
      const scope = query.location_id !== undefined ? 'location_id' : 'practice_id';
      const after_start = query.after?.start_at ?? FAR_PAST;
      const params = {
        scope: query.location_id ?? query.practice_id,
        s0: query.statuses[0] ?? null,
        s1: query.statuses[1] ?? null,
        s2: query.statuses[2] ?? null,
        s3: query.statuses[3] ?? null,
        to: query.to ?? FAR_FUTURE,
        after_start,
        after_id: query.after?.id ?? '',
        limit: query.limit,
        lower: Math.max(query.from ?? FAR_PAST, after_start),
        ...(query.doctors ? { doctors: JSON.stringify(query.doctors) } : {}),
      };
      const { oneOffs, weekly } = list[scope][query.doctors ? 'byDoctor' : 'all'];
      const a = await ex.all<ListedBooking>(oneOffs, params);
      params.lower = after_start;
      const b = await ex.all<ListedBooking>(weekly, params);
      if (b.length === 0) return a;
      // Both come ordered by (start, id): merged, the first `limit` are the page.
      const rows: ListedBooking[] = [];
      let i = 0;
      let j = 0;
      while (rows.length < query.limit && (i < a.length || j < b.length)) {
        const takeA = j >= b.length || (i < a.length && (a[i].start_at < b[j].start_at || (a[i].start_at === b[j].start_at && a[i].id < b[j].id)));
        rows.push(takeA ? a[i++] : b[j++]);
      }
      return rows;
    },
    /**
     * A live one-off booking of the practice's doctor overlapping any of the spans ([start, end) in ms), other
     * than `exclude` and than the stand-in of series `seriesId` for the week that starts as a span does ('': none).
     */
    async oneOffMeeting(doctor: PracticeDoctor, spans: ReadonlyArray<readonly [number, number]>, exclude: string, seriesId: string): Promise<string | undefined> {
      if (spans.length === 0) return undefined;
      const rows = await ex.all<{ id: string | null }>(ONE_OFF_MEETING, {
        practice_id: doctor.practice_id,
        doctor_id: doctor.doctor_id,
        spans: JSON.stringify(spans),
        exclude,
        series_id: seriesId,
      });
      return rows.find((row) => row.id !== null)?.id ?? undefined;
    },
    /** The first start from `after` on, and the last, of the practice's doctor's live one-offs (ms); undefined with none. */
    async startsFrom(doctor: PracticeDoctor, after: number): Promise<{ first: number; last: number } | undefined> {
      const params = { practice_id: doctor.practice_id, doctor_id: doctor.doctor_id, after };
      const first = await ex.get<{ at: number }>(
        `SELECT start_at AS at FROM bookings WHERE practice_id = :practice_id AND doctor_id = :doctor_id AND recurring = 0 AND status <> 'closed'
           AND start_at >= :after ORDER BY start_at LIMIT 1`,
        params,
      );
      if (!first) return undefined;
      const last = await ex.get<{ at: number }>(
        `SELECT start_at AS at FROM bookings WHERE practice_id = :practice_id AND doctor_id = :doctor_id AND recurring = 0 AND status <> 'closed'
           ORDER BY start_at DESC LIMIT 1`,
        { practice_id: doctor.practice_id, doctor_id: doctor.doctor_id },
      );
      return { first: first.at, last: last!.at };
    },
    /**
     * The practice's doctor's live weekly bookings that start before `before` (ms) at a minute of the week
     * in [from, to), read round the week's end (from may be negative, to past the week's last minute).
     */
    async seriesNear(doctor: PracticeDoctor, from: number, to: number, before: number, exclude: string): Promise<SeriesRow[]> {
      const ranges: Array<[number, number]> = [];
      if (to - from >= WEEK_MINUTES) ranges.push([0, WEEK_MINUTES]);
      else {
        const start = ((from % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
        const end = start + (to - from);
        ranges.push([start, Math.min(end, WEEK_MINUTES)]);
        if (end > WEEK_MINUTES) ranges.push([0, end - WEEK_MINUTES]);
      }
      // Both ranges asked at once (on PostgreSQL, one round trip).
      const found = await Promise.all(
        ranges.map(([lo, hi]) =>
          ex.all<SeriesRow>(
            `SELECT b.id, b.start_at, b.length, b.week_minute, l.timezone FROM bookings b JOIN locations l ON l.id = b.location_id
             WHERE b.practice_id = :practice_id AND b.doctor_id = :doctor_id AND b.recurring = 1 AND b.status <> 'closed'
               AND b.week_minute >= :from AND b.week_minute < :to AND b.start_at < :before AND b.id <> :exclude`,
            { practice_id: doctor.practice_id, doctor_id: doctor.doctor_id, from: lo, to: hi, before, exclude },
          ),
        ),
      );
      return found.flat();
    },
    standIn: (seriesId: string, start: number) =>
      ex.get<BookingRow>(`SELECT * FROM bookings WHERE series_id = :series_id AND start_at = :start AND status <> 'closed'`, {
        series_id: seriesId,
        start,
      }),
    /** Keeps the sign-up sealed (see sealing.ts), bound to its booking. */
    async saveSignUp(bookingId: string, signUp: SignUp, now: number): Promise<void> {
      await ex.run(
        `INSERT INTO sign_ups (booking_id, sealed, created_at) VALUES (:booking_id, :sealed, :now)
         ON CONFLICT (booking_id) DO UPDATE SET sealed = excluded.sealed, created_at = excluded.created_at`,
        { booking_id: bookingId, sealed: sealSignUp(keyring, bookingId, signUp), now },
      );
    },
    async signUp(bookingId: string): Promise<SignUp | undefined> {
      const row = await ex.get<{ sealed: Buffer }>('SELECT sealed FROM sign_ups WHERE booking_id = :booking_id', { booking_id: bookingId });
      return row ? (JSON.parse(open(keyring, row.sealed, signUpContext(bookingId))) as SignUp) : undefined;
    },
    /**
     * Deletes up to `limit` sign-ups of appointments that started before `before` (ms); returns how many.
     * By the appointment's start (a stand-in's own), through the partial index on the statuses that keep a sign-up.
     */
    deleteSignUpsStartedBefore: (before: number, limit: number): Promise<number> =>
      ex.run(
        `DELETE FROM sign_ups WHERE booking_id IN (
           SELECT b.id FROM bookings b JOIN sign_ups s ON s.booking_id = b.id
           WHERE b.status = 'booked' AND b.start_at < :before LIMIT :limit${ex.engine === 'postgres' ? ' FOR UPDATE OF s SKIP LOCKED' : ''})`,
        { before, limit },
      ),
    idempotencyKey: (clientId: string, key: string) =>
      ex.get<{ request_hash: string; booking_id: string }>(
        'SELECT request_hash, booking_id FROM idempotency_keys WHERE client_id = :client_id AND key = :key',
        { client_id: clientId, key },
      ),
    /** As `insert`: sent ahead on PostgreSQL (its unique index's refusal thrown by the commit). */
    async saveIdempotencyKey(clientId: string, key: string, requestHash: string, bookingId: string, now: number): Promise<void> {
      await write(
        `INSERT INTO idempotency_keys (client_id, key, request_hash, booking_id, created_at)
         VALUES (:client_id, :key, :request_hash, :booking_id, :now)`,
        { client_id: clientId, key, request_hash: requestHash, booking_id: bookingId, now },
      );
    },
  };
}
export type Bookings = ReturnType<typeof createBookings>;
