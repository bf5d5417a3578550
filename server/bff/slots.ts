// The bookable times of one location: what a patient may pick, worked out from its bookings.
import type { Booking, Slot } from '../../shared/types.js';
import { MINUTE, formatInstant, occurrencesBetween, parseInstant, zoneOffset } from '../domain/time.js';

interface Interval {
  start: number;
  end: number;
}

/**
 * Open times starting in [from, to), ordered by start. `bookings` are the location's open,
 * pending and booked ones (a weekly booking is listed however long ago it began).
 *
 * A one-off open booking is a slot. A weekly open booking offers each week at the same
 * wall-clock time in `timeZone`, across daylight-saving changes, except a week that a
 * one-off booking of the same doctor overlaps: either the one-off stands in for that week
 * (a patient holds or has booked it, or its hold lapsed and it is offered as itself), or it
 * is a conflicting booking. Either way that week is the one-off's, not the series'.
 */
export function slotsOf(bookings: readonly Booking[], timeZone: string, from: number, to: number): Slot[] {
  const parsed = bookings.flatMap((booking) => {
    const start = parseInstant(booking.start_datetime);
    return start ? [{ booking, start: start.ms, end: start.ms + booking.length * MINUTE }] : [];
  });

  const taken = new Map<string, Interval[]>();
  for (const { booking, start, end } of parsed) {
    if (booking.recurring || booking.status === 'closed') continue;
    const list = taken.get(booking.doctor_id) ?? [];
    list.push({ start, end });
    taken.set(booking.doctor_id, list);
  }

  const slots: Array<Slot & { at: number }> = [];
  for (const { booking, start } of parsed) {
    if (booking.status !== 'open') continue;
    const slot = { booking_id: booking.id, length: booking.length, doctor_id: booking.doctor_id };
    if (!booking.recurring) {
      if (start >= from && start < to) slots.push({ ...slot, start_datetime: booking.start_datetime, at: start });
      continue;
    }
    const busy = taken.get(booking.doctor_id) ?? [];
    for (const occurrence of occurrencesBetween(start, timeZone, from, to)) {
      const end = occurrence.start + booking.length * MINUTE;
      if (busy.some((other) => other.start < end && occurrence.start < other.end)) continue;
      const startDatetime = formatInstant(occurrence.start, zoneOffset(occurrence.start, timeZone));
      slots.push({ ...slot, start_datetime: startDatetime, at: occurrence.start });
    }
  }
  slots.sort((a, b) => a.at - b.at || a.booking_id.localeCompare(b.booking_id));
  return slots.map(({ at: _at, ...slot }) => slot);
}
