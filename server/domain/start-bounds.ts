import { BadRequest } from '../errors.js';
import { formatInstant } from './time.js';

/** No booking starts before this: nothing this service schedules is older, and an earlier start is a typo. */
export const EARLIEST_START = Date.UTC(2000, 0, 1);
/** How far ahead of now a booking, or a held week of a weekly booking, may start. */
export const HORIZON_DAYS = 730;

const DAY = 86_400_000;

/**
 * A start the booking API keeps: from EARLIEST_START to HORIZON_DAYS ahead of `now`. The API keeps its own
 * bounds, whatever a caller (the BFF included) checks first: a booking or held week in the year 2999 is a bug.
 */
export function assertStartInBounds(ms: number, now: number, field = 'start'): void {
  if (ms < EARLIEST_START) throw new BadRequest(`${field} must be on or after ${formatInstant(EARLIEST_START, 0)}`);
  const latest = now + HORIZON_DAYS * DAY;
  if (ms > latest) {
    throw new BadRequest(`${field} must be at most ${HORIZON_DAYS} days ahead, so no later than ${formatInstant(latest, 0)}`);
  }
}
