// What the practice console shows of one practice: its locations, its sites and its upcoming
// booked appointments. Every query names the practice, so nothing of another can come back.
import type { Executor } from './executor.js';

export interface ConsoleLocation {
  id: string;
  name: string;
  street_address: string;
  secondary_address: string;
  city: string;
  state: string;
  zip: string;
  timezone: string;
}

export interface ConsoleSite {
  origin: string;
  created_at: number;
}

export interface AppointmentRow {
  id: string;
  doctor_id: string;
  start_at: number;
  start_offset: number;
  length: number;
}

export function createConsoleReads(sql: Executor) {
  return {
    locations: (practiceId: string) =>
      sql.all<ConsoleLocation>(
        `SELECT id, name, street_address, secondary_address, city, state, zip, timezone FROM locations
         WHERE practice_id = :practice_id ORDER BY name, id`,
        { practice_id: practiceId },
      ),

    /** The practice's location, or undefined: another practice's id reads as unknown. */
    location: (practiceId: string, id: string) =>
      sql.get<ConsoleLocation>(
        `SELECT id, name, street_address, secondary_address, city, state, zip, timezone FROM locations
         WHERE id = :id AND practice_id = :practice_id`,
        { id, practice_id: practiceId },
      ),

    sites: (practiceId: string) =>
      sql.all<ConsoleSite>('SELECT origin, created_at FROM sites WHERE practice_id = :practice_id ORDER BY origin', { practice_id: practiceId }),

    /** Booked appointments of a location from `after` (start ms, then id: the last one of the page before), by start. */
    appointments: (locationId: string, after: { start: number; id: string }, limit: number) =>
      sql.all<AppointmentRow>(
        `SELECT id, doctor_id, start_at, start_offset, length FROM bookings
         WHERE location_id = :location_id AND status = 'booked'
           AND (start_at > :start OR (start_at = :start AND id > :id))
         ORDER BY start_at, id LIMIT :limit`,
        { location_id: locationId, start: after.start, id: after.id, limit },
      ),
  };
}
export type ConsoleReads = ReturnType<typeof createConsoleReads>;
