import { createHash, randomFillSync } from 'node:crypto';
import type { Booking, BookingStatus, SignUp } from '../../shared/types.js';
import type { BookingRow, ListedBooking, ListQuery } from '../db/bookings.js';
import type { LocationRow } from '../db/directory.js';
import type { Store } from '../db/store.js';
import { Conflict, Forbidden, NotFound, Unprocessable } from '../errors.js';
import { findOverlap } from './overlap.js';
import { MINUTE, formatInstant, occurrenceWeek, zoneOffset, type Instant } from './time.js';

/** Who is calling: a client, its scopes and the practices it was granted. */
export interface Actor {
  clientId: string;
  scopes: ReadonlySet<string>;
  practices: '*' | ReadonlySet<string>;
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

export function createBookingService(store: Store, options: { now: () => number; holdMinutes: number }) {
  const { bookings, directory } = store;
  const now = options.now;
  let nextExpiry: number | null = bookings.nextHoldExpiry();

  const granted = (actor: Actor, practiceId: string) => actor.practices === '*' || actor.practices.has(practiceId);

  /** A location the actor may see, or 404. */
  function visibleLocation(actor: Actor, id: string): LocationRow {
    const location = directory.location(id);
    if (!location || !granted(actor, location.practice_id)) throw new NotFound(`location "${id}" not found`);
    return location;
  }

  /** A booking the actor may see, with its location, or 404. */
  function visibleBooking(actor: Actor, id: string): { row: BookingRow; location: LocationRow } {
    const row = bookings.get(id);
    const location = row && directory.location(row.location_id);
    if (!row || !location || !granted(actor, location.practice_id)) throw new NotFound(`booking "${id}" not found`);
    return { row, location };
  }

  function assertNoOverlap(row: BookingRow, location: LocationRow): void {
    if (row.status === 'closed') return;
    const other = findOverlap(bookings, {
      id: row.id,
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
   * Opens holds past their expiry. Cheap when none is due: the next expiry is kept in memory.
   * Called before a request's own transaction, never inside it: a rollback there would undo
   * the release after the next expiry had been moved on.
   */
  function releaseExpiredHolds(): void {
    const at = now();
    if (nextExpiry === null || nextExpiry > at) return;
    store.transaction(() => bookings.releaseExpiredHolds(at));
    nextExpiry = bookings.nextHoldExpiry();
  }

  function noteHoldExpiry(at: number | null): void {
    if (at !== null && (nextExpiry === null || at < nextExpiry)) nextExpiry = at;
  }

  const requestHash = (body: unknown) => createHash('sha256').update(JSON.stringify(body)).digest('base64url');

  /** A hold of one week of a weekly booking: a one-off booking stands in for that week. */
  function holdOccurrence(actor: Actor, series: BookingRow, location: LocationRow, start: Instant | undefined, expiresAt: number | null) {
    if (!start) throw new Unprocessable('start: name the week of this weekly booking to hold (its start_datetime)');
    if (occurrenceWeek(series.start_at, location.timezone, start.ms) === undefined) {
      throw new Unprocessable(`start: ${formatInstant(start.ms, start.offset)} is not a week of booking "${series.id}"`);
    }
    const existing = bookings.standIn(series.id, start.ms);
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
    assertNoOverlap(row, location);
    bookings.insert(row);
    noteHoldExpiry(expiresAt);
    return row;
  }

  return {
    releaseExpiredHolds,
    /** When the first hold this process knows of runs out (ms), Infinity with none: reads up to then stay true. */
    nextHoldExpiry: (): number => nextExpiry ?? Infinity,

    get(actor: Actor, id: string): Booking {
      releaseExpiredHolds();
      return toBooking(visibleBooking(actor, id).row);
    },

    /**
     * Bookings of a location or practice the actor may see; one more row than `limit` says there is a next page.
     * The page is shared until the database changes: callers do not modify it.
     */
    list(actor: Actor, scope: { location_id: string } | { practice_id: string }, query: Omit<ListQuery, 'location_id' | 'practice_id'>) {
      releaseExpiredHolds();
      if ('location_id' in scope) visibleLocation(actor, scope.location_id);
      else if (!directory.practice(scope.practice_id) || !granted(actor, scope.practice_id)) {
        throw new NotFound(`practice "${scope.practice_id}" not found`);
      }
      // Integrators poll the same pages, and the widget's BFF reads the same locations, over and over.
      return store.cached(`list ${JSON.stringify([scope, query])}`, () => {
        const rows = bookings.list({ ...query, ...scope, limit: query.limit + 1 });
        const page = rows.slice(0, query.limit);
        const last = page[page.length - 1];
        return {
          bookings: page.map(toBooking),
          next: rows.length > query.limit && last ? { start_at: last.start_at, id: last.id } : undefined,
        };
      });
    },

    create(actor: Actor, input: NewBooking, idempotencyKey?: string): Promise<{ booking: Booking; replayed: boolean }> {
      const location = directory.location(input.location_id);
      // An ungranted practice's location answers like an unknown one, and as the contract says: 403.
      if (!location || !granted(actor, location.practice_id)) {
        throw new Forbidden(`location_id: no location "${input.location_id}" you may book at`);
      }
      const recurring = input.recurring ?? false;
      const status = input.status ?? (recurring ? 'open' : 'pending');
      if (recurring && status !== 'open') {
        throw new Unprocessable(`status: a weekly booking is offered open; hold or book one of its weeks instead of "${status}"`);
      }
      const hash = idempotencyKey ? requestHash(input) : '';
      releaseExpiredHolds();
      return store.write(() => {
        if (idempotencyKey) {
          const seen = bookings.idempotencyKey(actor.clientId, idempotencyKey);
          if (seen) {
            if (seen.request_hash !== hash) throw new Unprocessable('Idempotency-Key was already used with another body');
            return { booking: toBooking(bookings.get(seen.booking_id)!), replayed: true };
          }
        }
        const at = now();
        const length = input.length ?? 60;
        const row: BookingRow = {
          id: newId(),
          location_id: location.id,
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
        assertNoOverlap(row, location);
        bookings.insert(row);
        if (idempotencyKey) bookings.saveIdempotencyKey(actor.clientId, idempotencyKey, hash, row.id, at);
        return { booking: toBooking(row), replayed: false };
      });
    },

    /** PUT: the creator edits any field; a `scheduling:book` client moves the patient flow. */
    update(actor: Actor, id: string, change: BookingChange): Promise<{ booking: Booking; created: boolean }> {
      releaseExpiredHolds();
      return store.write(() => {
        const { row, location: currentLocation } = visibleBooking(actor, id);
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
        if (row.status === 'closed') throw new Conflict(`booking "${id}" is closed`);
        const target = change.status ?? row.status;
        const edits = (['location_id', 'doctor_id', 'length', 'recurring'] as const).filter((f) => change[f] !== undefined);
        const occurrenceHold = row.recurring === 1 && target === 'pending';
        if (!creator && (edits.length > 0 || (change.start && !occurrenceHold))) {
          throw new Forbidden(`only the client that created booking "${id}" may change its ${[...edits, 'start'][0]}`);
        }
        if (change.patient && target !== 'booked') throw new Unprocessable('patient: a sign-up goes with status "booked"');

        if (occurrenceHold) {
          if (row.status !== 'open') throw new Conflict(`booking "${id}" is ${row.status}; only an open booking can be held`);
          const expiresAt = creator ? null : at + options.holdMinutes * MINUTE;
          return { booking: toBooking(holdOccurrence(actor, row, currentLocation, change.start, expiresAt)), created: true };
        }

        // Status moves that make sense; anything else is a conflict naming the current status.
        let next: BookingRow = { ...row, updated_at: at };
        if (target !== row.status) {
          const holder = row.held_by === actor.clientId;
          if (target === 'pending') {
            if (row.status !== 'open') throw new Conflict(`booking "${id}" is ${row.status}; only an open booking can be held`);
            const expiresAt = creator ? null : at + options.holdMinutes * MINUTE;
            next = { ...next, status: 'pending', held_by: actor.clientId, hold_expires_at: expiresAt };
          } else if (target === 'open') {
            if (row.status === 'pending' && !(creator || holder)) {
              throw new Conflict(`booking "${id}" is pending, held by another client`);
            }
            if (row.status === 'booked' && !creator) throw new Conflict(`booking "${id}" is booked; only its creator can reopen it`);
            // A stand-in for a week of a weekly booking closes instead: the week goes back to the weekly booking.
            next = { ...next, status: row.series_id ? 'closed' : 'open', held_by: null, hold_expires_at: null };
          } else if (target === 'booked') {
            if (row.recurring === 1 && change.recurring !== false) {
              throw new Conflict(`booking "${id}" is weekly; hold one of its weeks and book that`);
            }
            if (row.status === 'pending' && !holder) throw new Conflict(`booking "${id}" is pending, held by another client`);
            if (row.status === 'open' && !creator) {
              throw new Conflict(`booking "${id}" is open; hold it (status "pending") before booking it`);
            }
            next = { ...next, status: 'booked', held_by: next.held_by ?? actor.clientId, hold_expires_at: null };
          }
        } else if (target === 'pending' && row.held_by === actor.clientId && row.hold_expires_at !== null) {
          // The holder holds it again: its hold runs HOLD_MINUTES from now (the patient asked for more time).
          next = { ...next, hold_expires_at: at + options.holdMinutes * MINUTE };
        } else if (!creator) {
          throw new Conflict(`booking "${id}" is already ${row.status}`);
        }

        let location = currentLocation;
        if (change.location_id !== undefined && change.location_id !== row.location_id) {
          const moved = directory.location(change.location_id);
          if (!moved || !granted(actor, moved.practice_id)) {
            throw new Forbidden(`location_id: no location "${change.location_id}" you may book at`);
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
        if (moved || (row.status !== next.status && next.status !== 'open')) assertNoOverlap(next, location);
        if (!bookings.update(next, row)) throw new Conflict(`booking "${id}" changed meanwhile; read it and try again`);
        if (next.status === 'booked' && change.patient) bookings.saveSignUp(id, change.patient, at);
        // Only a booked booking has a sign-up: reopening it lets the sign-up go.
        if (row.status === 'booked' && (next.status === 'open' || next.status === 'closed')) bookings.deleteSignUp(id);
        noteHoldExpiry(next.hold_expires_at);
        return { booking: toBooking(next), created: false };
      });
    },

    /** DELETE: closes a booking its creator no longer offers. */
    remove(actor: Actor, id: string): Promise<{ id: string; status: 'closed' }> {
      releaseExpiredHolds();
      return store.write(() => {
        const { row } = visibleBooking(actor, id);
        if (row.created_by !== actor.clientId) throw new Forbidden(`booking "${id}" was created by another client`);
        bookings.close(id, now());
        return { id, status: 'closed' as const };
      });
    },

    /** The sign-up that booked (or is booking) a booking. */
    signUp(actor: Actor, id: string): SignUp {
      releaseExpiredHolds();
      const { row } = visibleBooking(actor, id);
      const signUp = row.status === 'pending' || row.status === 'booked' ? bookings.signUp(id) : undefined;
      if (!signUp) throw new NotFound(`booking "${id}" has no sign-up`);
      return signUp;
    },
  };
}
export type BookingService = ReturnType<typeof createBookingService>;
