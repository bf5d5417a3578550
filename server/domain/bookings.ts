import { createHash, randomFillSync } from 'node:crypto';
import type { Booking, BookingStatus, SignUp } from '../../shared/types.js';
import type { AuditActorKind, SignUpReadOutcome } from '../db/audit.js';
import type { BookingRow, ListedBooking, ListQuery } from '../db/bookings.js';
import type { LocationRow } from '../db/directory.js';
import type { Repos, Store } from '../db/store-types.js';
import { BadRequest, Conflict, Forbidden, NotFound, Unprocessable } from '../errors.js';
import { findOverlap } from './overlap.js';
import { transition, type Effect, type Roles } from './transitions.js';
import { assertStartInBounds } from './start-bounds.js';
import { MINUTE, formatInstant, occurrenceWeek, zoneOffset, type Instant } from './time.js';

/** Who is calling: a client, its scopes and the practices it was granted. */
export interface Actor {
  clientId: string;
  scopes: ReadonlySet<string>;
  practices: '*' | ReadonlySet<string>;
}

/** Who reads a sign-up, as the audit trail names them, and what they may see. */
export interface SignUpReader {
  kind: AuditActorKind;
  /** The API client's id, or the console user's. */
  id: string;
  /** The address the read came from. */
  address: string;
  practices: '*' | ReadonlySet<string>;
  /** Whether it may read patients' details at all (an API client: the scheduling:patients scope). */
  mayReadPatients: boolean;
}

/** A checked POST body. */
export interface NewBooking {
  start: Instant;
  location_id: string;
  doctor_id: string;
  status?: Exclude<BookingStatus, 'closed'>;
  recurring?: boolean;
  length?: number;
}

/** A checked PUT body: any subset of the fields, and a sign-up when booking. */
export type BookingChange = Partial<NewBooking> & { patient?: SignUp };

/**
 * Random bytes for ids, drawn from the system's generator a few kilobytes at a time: asking it for
 * 9 bytes at a time costs microseconds each (as randomUUID does, for the same reason).
 */
const idBytes = Buffer.alloc(9 * 512);
let idOffset = idBytes.length;

/** A random id (72 bits) that starts with a letter or digit: one starting with "-" reads as an option on a command line. */
export function newId(): string {
  for (;;) {
    if (idOffset === idBytes.length) {
      randomFillSync(idBytes);
      idOffset = 0;
    }
    const id = idBytes.toString('base64url', idOffset, (idOffset += 9));
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

/**
 * About what one booking of a kept page holds in memory: its object and seven fields' strings (300 bytes,
 * measured with Node 20) and its part of the page's JSON, which the API keeps beside the page (150).
 */
const BOOKING_BYTES = 450;

export function toBooking(row: ListedBooking): Booking {
  return {
    id: row.id,
    location_id: row.location_id,
    doctor_id: row.doctor_id,
    start_datetime: formatInstant(row.start_at, row.start_offset),
    length: row.length,
    status: row.status,
    recurring: row.recurring === 1,
  };
}

/**
 * The writes of create, update and remove: every decision they make rests on a lock taken before the read it
 * depends on, so they need no serializable snapshot (WriteOptions in store-types.ts; why each is safe:
 * server/db/postgres/store.ts):
 * - the booking changed is read with `getForWrite` (locked until the write ends) before anything is decided from it;
 * - the overlap rule's reads come after the doctor's lock (`assertNoOverlap`), which every write that makes a
 *   booking of that doctor live or moves one takes;
 * - an Idempotency-Key is locked before it is read (and its unique index stays the last word).
 * Reading a sign-up (its audit line) stays serializable.
 */
const LOCKED = { isolation: 'read committed' } as const;

/**
 * The booking rules over the store. Reads run on the store's data modules; each write runs in
 * `store.write` on the transaction's own (`tx`), so on PostgreSQL it runs on that transaction's connection.
 */
export function createBookingService(store: Store, options: { now: () => number; holdMinutes: number }) {
  const now = options.now;
  let nextExpiry: number | null = null;
  /** The data's generation when `nextExpiry` was read from the database (none yet: read at the first request). */
  let expiryReadAt = -1;

  const granted = (actor: Pick<Actor, 'practices'>, practiceId: string) => actor.practices === '*' || actor.practices.has(practiceId);

  /** A location the actor may see, or 404. */
  async function visibleLocation(actor: Actor, id: string): Promise<LocationRow> {
    const location = await store.directory.location(id);
    if (!location || !granted(actor, location.practice_id)) throw new NotFound(`location "${id}" not found`);
    return location;
  }

  /**
   * A booking the actor may see, with its location, or 404. `forWrite`: inside a write that may change it,
   * read with `getForWrite`, so that no other write changes it before this one ends.
   */
  async function visibleBooking(db: Repos, actor: Actor, id: string, forWrite = false): Promise<{ row: BookingRow; location: LocationRow }> {
    const row = await (forWrite ? db.bookings.getForWrite(id) : db.bookings.get(id));
    const location = row && (await db.directory.location(row.location_id));
    if (!row || !location || !granted(actor, location.practice_id)) throw new NotFound(`booking "${id}" not found`);
    return { row, location };
  }

  /** Inside a write: its doctor's other writers wait (bookings.lockDoctor) until it commits. */
  async function assertNoOverlap(tx: Repos, row: BookingRow, location: LocationRow): Promise<void> {
    if (row.status === 'closed') return;
    await tx.bookings.lockDoctor(row.practice_id, row.doctor_id);
    const other = await findOverlap(tx.bookings, {
      id: row.id,
      practice_id: row.practice_id,
      doctor_id: row.doctor_id,
      start_at: row.start_at,
      length: row.length,
      recurring: row.recurring === 1,
      timezone: location.timezone,
      series_id: row.series_id,
    });
    if (other) throw new Conflict(`doctor "${row.doctor_id}" already has booking "${other}" at that time`);
  }

  /**
   * Opens holds past their expiry, whichever process made them. Cheap when none is due: the next
   * expiry is kept in memory, read again only when the data has changed.
   * Called before a request's own transaction, never inside it: a rollback there would undo
   * the release after the next expiry had been moved on.
   */
  async function releaseExpiredHolds(): Promise<void> {
    // Another process may have made a hold since this one last looked (and may be gone before it runs
    // out): the next expiry is read again whenever the data has changed.
    const generation = store.generation();
    if (generation !== expiryReadAt) {
      nextExpiry = await store.bookings.nextHoldExpiry();
      expiryReadAt = generation;
    }
    const at = now();
    if (nextExpiry === null || nextExpiry > at) return;
    await store.transaction((tx) => tx.bookings.releaseExpiredHolds(at));
    nextExpiry = await store.bookings.nextHoldExpiry();
  }

  /** The status machine's effect (transitions.ts) of moving `row` to `to`, or its refusal thrown as the HTTP error. */
  function decide(row: BookingRow, to: BookingStatus, actor: Actor, roles: Roles, weekly = row.recurring === 1): Effect | null {
    const subject = { id: row.id, status: row.status, recurring: weekly, standIn: row.series_id !== null, held_by: row.held_by, expiring: row.hold_expires_at !== null };
    const outcome = transition(subject, to, actor.clientId, roles, now() + options.holdMinutes * MINUTE);
    if (!outcome.ok) throw outcome.error === 'forbidden' ? new Forbidden(outcome.message) : new Conflict(outcome.message);
    return outcome.effect;
  }

  const requestHash = (body: unknown) => createHash('sha256').update(JSON.stringify(body)).digest('base64url');

  /** A hold of one week of a weekly booking: a one-off booking stands in for that week. */
  async function holdOccurrence(tx: Repos, actor: Actor, series: BookingRow, location: LocationRow, start: Instant | undefined, expiresAt: number | null) {
    if (!start) throw new Unprocessable('start: name the week of this weekly booking to hold (its start_datetime)');
    if (start.ms < series.start_at) {
      throw new BadRequest(`start must be on or after the first week of booking "${series.id}", ${formatInstant(series.start_at, series.start_offset)}`);
    }
    if (occurrenceWeek(series.start_at, location.timezone, start.ms) === undefined) {
      throw new Unprocessable(`start: ${formatInstant(start.ms, start.offset)} is not a week of booking "${series.id}"`);
    }
    const existing = await tx.bookings.standIn(series.id, start.ms);
    if (existing) throw new Conflict(`that week of booking "${series.id}" is already taken: ${existing.status}`);
    const at = now();
    const row: BookingRow = {
      ...series,
      id: newId(),
      start_at: start.ms,
      start_offset: zoneOffset(start.ms, location.timezone),
      end_at: start.ms + series.length * MINUTE,
      status: 'pending',
      recurring: 0,
      series_id: series.id,
      held_by: actor.clientId,
      hold_expires_at: expiresAt,
      created_at: at,
      updated_at: at,
    };
    await assertNoOverlap(tx, row, location);
    await tx.bookings.insert(row);
    return row;
  }

  return {
    releaseExpiredHolds,
    /** When the first hold this process knows of runs out (ms), Infinity with none: reads up to then stay true. */
    nextHoldExpiry: (): number => nextExpiry ?? Infinity,

    async get(actor: Actor, id: string): Promise<Booking> {
      await releaseExpiredHolds();
      return toBooking((await visibleBooking(store, actor, id)).row);
    },

    /**
     * Bookings of a location or practice the actor may see; one more row than `limit` says there is a next page.
     * The page is shared until the database changes: callers do not modify it.
     */
    async list(
      actor: Actor,
      scope: { location_id: string } | { practice_id: string },
      query: Omit<ListQuery, 'location_id' | 'practice_id'>,
      options: { keep?: boolean } = {},
    ) {
      await releaseExpiredHolds();
      if ('location_id' in scope) await visibleLocation(actor, scope.location_id);
      else if (!(await store.directory.practice(scope.practice_id)) || !granted(actor, scope.practice_id)) {
        throw new NotFound(`practice "${scope.practice_id}" not found`);
      }
      const read = async () => {
        const rows = await store.bookings.list({ ...query, ...scope, limit: query.limit + 1 });
        const page = rows.slice(0, query.limit);
        const last = page[page.length - 1];
        return {
          bookings: page.map(toBooking),
          next: rows.length > query.limit && last ? { start_at: last.start_at, id: last.id } : undefined,
        };
      };
      if (options.keep === false) return read();
      // Integrators poll the same pages over and over.
      return store.cached(`list ${JSON.stringify([scope, query])}`, read, (page) => 256 + page.bookings.length * BOOKING_BYTES);
    },

    async create(actor: Actor, input: NewBooking, idempotencyKey?: string): Promise<{ booking: Booking; replayed: boolean }> {
      const location = await store.directory.location(input.location_id);
      // An ungranted practice's location answers like an unknown one, and as the contract says: 403.
      if (!location || !granted(actor, location.practice_id)) {
        throw new Forbidden(`location_id: no location "${input.location_id}" you may book at`);
      }
      assertStartInBounds(input.start.ms, now());
      const recurring = input.recurring ?? false;
      const status = input.status ?? (recurring ? 'open' : 'pending');
      if (recurring && status !== 'open') {
        throw new Unprocessable(`status: a weekly booking is offered open; hold or book one of its weeks instead of "${status}"`);
      }
      const hash = idempotencyKey ? requestHash(input) : '';
      await releaseExpiredHolds();
      return store.write(async (tx) => {
        if (idempotencyKey) {
          // Locked before it is read: a request sent again while the first is still being written waits for it, and replays it.
          await tx.bookings.lockIdempotencyKey(actor.clientId, idempotencyKey);
          const seen = await tx.bookings.idempotencyKey(actor.clientId, idempotencyKey);
          if (seen) {
            if (seen.request_hash !== hash) throw new Unprocessable('Idempotency-Key was already used with another body');
            return { booking: toBooking((await tx.bookings.get(seen.booking_id))!), replayed: true };
          }
        }
        const at = now();
        const length = input.length ?? 60;
        const row: BookingRow = {
          id: newId(),
          location_id: location.id,
          practice_id: location.practice_id,
          doctor_id: input.doctor_id,
          start_at: input.start.ms,
          start_offset: input.start.offset,
          length,
          end_at: input.start.ms + length * MINUTE,
          status,
          recurring: recurring ? 1 : 0,
          series_id: null,
          created_by: actor.clientId,
          held_by: status === 'open' ? null : actor.clientId,
          hold_expires_at: null,
          created_at: at,
          updated_at: at,
        };
        await assertNoOverlap(tx, row, location);
        await tx.bookings.insert(row);
        if (idempotencyKey) await tx.bookings.saveIdempotencyKey(actor.clientId, idempotencyKey, hash, row.id, at);
        return { booking: toBooking(row), replayed: false };
      }, LOCKED);
    },

    /** PUT: the creator edits any field; a `scheduling:book` client moves the patient flow. */
    async update(actor: Actor, id: string, change: BookingChange): Promise<{ booking: Booking; created: boolean }> {
      // A new start, a held week's included, is bounded as a new booking's is.
      if (change.start) assertStartInBounds(change.start.ms, now());
      await releaseExpiredHolds();
      return store.write(async (tx) => {
        const { row, location: currentLocation } = await visibleBooking(tx, actor, id, true);
        const at = now();
        const creator = row.created_by === actor.clientId && actor.scopes.has('scheduling:write');
        const booker = actor.scopes.has('scheduling:book');
        if (!creator && !booker) {
          throw new Forbidden(
            actor.scopes.has('scheduling:write')
              ? `booking "${id}" was created by another client`
              : 'this needs the scheduling:write or scheduling:book scope',
          );
        }
        const target = change.status ?? row.status;
        const edits = (['location_id', 'doctor_id', 'length', 'recurring'] as const).filter((f) => change[f] !== undefined);
        const occurrenceHold = row.recurring === 1 && target === 'pending';
        if (!creator && (edits.length > 0 || (change.start && !occurrenceHold))) {
          throw new Forbidden(`only the client that created booking "${id}" may change its ${[...edits, 'start'][0]}`);
        }
        if (change.patient && target !== 'booked') throw new Unprocessable('patient: a sign-up goes with status "booked"');

        if (occurrenceHold) {
          // The series itself stays open: the hold is of one week, by a stand-in (holdOccurrence).
          const hold = decide(row, 'pending', actor, { creator, holder: false })!;
          return { booking: toBooking(await holdOccurrence(tx, actor, row, currentLocation, change.start, hold.hold_expires_at)), created: true };
        }

        // The client that booked it reopens it (a patient cancels) only while it is still to come: after its
        // start the visit happened (or was missed), and its record and sign-up are the practice's to change.
        if (row.status === 'booked' && target === 'open' && !creator && row.start_at <= at) {
          throw new Conflict(`booking "${id}" is booked and has started; only its creator can reopen it now`);
        }
        // Status moves that make sense (transitions.ts); anything else is refused naming the current status.
        let next: BookingRow = { ...row, updated_at: at };
        // A weekly booking the creator makes one-off in the same change may be booked.
        const effect = decide(row, target, actor, { creator, holder: row.held_by === actor.clientId }, row.recurring === 1 && change.recurring !== false);
        if (effect) next = { ...next, status: effect.status, held_by: effect.held_by, hold_expires_at: effect.hold_expires_at };

        let location = currentLocation;
        if (change.location_id !== undefined && change.location_id !== row.location_id) {
          const moved = await tx.directory.location(change.location_id);
          if (!moved || !granted(actor, moved.practice_id)) {
            throw new Forbidden(`location_id: no location "${change.location_id}" you may book at`);
          }
          // Its doctor is a doctor of its practice, and its weeks' stand-ins are that practice's bookings.
          if (moved.practice_id !== row.practice_id) {
            throw new Unprocessable(`location_id: a booking moves only between its own practice's locations; "${moved.id}" is another practice's`);
          }
          location = moved;
        }
        if (change.start) next = { ...next, start_at: change.start.ms, start_offset: change.start.offset };
        if (change.doctor_id !== undefined) next.doctor_id = change.doctor_id;
        if (change.length !== undefined) next.length = change.length;
        if (change.recurring !== undefined) next.recurring = change.recurring ? 1 : 0;
        next.location_id = location.id;
        next.end_at = next.start_at + next.length * MINUTE;
        if (next.recurring === 1 && next.status !== 'open') {
          throw new Unprocessable(`status: a weekly booking is offered open, not "${next.status}"`);
        }

        const moved = ['start_at', 'length', 'doctor_id', 'location_id', 'recurring'].some(
          (f) => next[f as keyof BookingRow] !== row[f as keyof BookingRow],
        );
        // Only a move can make an overlap. A change of status alone cannot: every live status blocks alike, the
        // booking was checked when it became live or last moved, and a closed one never comes back (transitions.ts).
        if (moved) await assertNoOverlap(tx, next, location);
        if (!(await tx.bookings.update(next, row))) throw new Conflict(`booking "${id}" changed meanwhile; read it and try again`);
        // Only a booked booking has a sign-up: reopening or closing it lets the sign-up go (bookings.update does).
        if (next.status === 'booked' && change.patient) await tx.bookings.saveSignUp(id, change.patient, at);
        return { booking: toBooking(next), created: false };
      }, LOCKED);
    },

    /** DELETE: closes a booking its creator no longer offers. */
    async remove(actor: Actor, id: string): Promise<{ id: string; status: 'closed' }> {
      await releaseExpiredHolds();
      return store.write(async (tx) => {
        const { row } = await visibleBooking(tx, actor, id, true);
        const effect = decide(row, 'closed', actor, { creator: row.created_by === actor.clientId, holder: row.held_by === actor.clientId });
        if (effect) await tx.bookings.close(id, now());
        return { id, status: 'closed' as const };
      }, LOCKED);
    },

    /**
     * The sign-up that booked (or is booking) a booking: the only way to read one. The read and its line in
     * the audit trail are one transaction, so no read goes unrecorded; attempts refused for a missing scope
     * or practice grant are recorded too (an unknown booking names no practice to record it under).
     */
    async readSignUp(reader: SignUpReader, id: string): Promise<SignUp> {
      await releaseExpiredHolds();
      const outcome = await store.write(async (tx) => {
        const row = await tx.bookings.get(id);
        const location = row && (await tx.directory.location(row.location_id));
        const record = async (outcome: SignUpReadOutcome) => {
          if (!location) return;
          await tx.audit.record({
            at: now(),
            practice_id: location.practice_id,
            booking_id: id,
            actor_kind: reader.kind,
            actor_id: reader.id,
            address: reader.address,
            action: 'sign_up.read',
            outcome,
          });
        };
        // Refused alike whether the booking exists or not: the answer tells nothing about other practices.
        if (!reader.mayReadPatients) {
          await record('refused_scope');
          return { error: new Forbidden('this needs the scheduling:patients scope') };
        }
        if (!row || !location) return { error: new NotFound(`booking "${id}" not found`) };
        if (!granted(reader, location.practice_id)) {
          await record('refused_practice');
          return { error: new NotFound(`booking "${id}" not found`) };
        }
        const signUp = row.status === 'booked' ? await tx.bookings.signUp(id) : undefined;
        await record(signUp ? 'read' : 'no_sign_up');
        return signUp ? { signUp } : { error: new NotFound(`booking "${id}" has no sign-up`) };
      });
      // Thrown only now: a throw inside the transaction would undo its audit line.
      if (outcome.error) throw outcome.error;
      return outcome.signUp;
    },
  };
}
export type BookingService = ReturnType<typeof createBookingService>;
