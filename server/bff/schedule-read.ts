// What a location's open times are worked out from (slots.ts), read from the booking API.
import type { Booking } from '../../shared/types.js';
import type { Upstream } from './upstream.js';

/** Doctors named in one list request (`doctor_id` repeated): as many as the API takes (MAX_LIST_DOCTORS). */
const DOCTORS_PER_LIST = 50;

/**
 * The location's open bookings starting in [from, to) (weekly ones begun before `to`), and the pending
 * and booked ones there that can take a week of an open weekly booking: only its doctor's, so only the
 * doctors with an open weekly booking here are asked for (`doctor_id`). The first screen so reads what it
 * answers and little more, however many booked times lie around it (issue 11: at 1M bookings a screen read
 * thousands of booked ones to answer a few hundred open ones). An API that does not know `doctor_id`
 * (not in the contract) answers 400: then every pending and booked one is read, as the contract allows.
 */
export async function bookingsForSlots(upstream: Upstream, locationId: string, from: number, to: number): Promise<Booking[]> {
  const path = `/scheduling/locations/${encodeURIComponent(locationId)}/bookings`;
  const window: Array<[string, string]> = [
    ['from', new Date(from).toISOString()],
    ['to', new Date(to).toISOString()],
  ];
  const open = await upstream.list<Booking>(path, new URLSearchParams([['status', 'open'], ...window]));
  const doctors = [...new Set(open.filter((booking) => booking.recurring).map((booking) => booking.doctor_id))].sort();
  const taking: Array<[string, string]> = [['status', 'pending'], ['status', 'booked'], ...window];
  const read = [...open];
  for (let i = 0; i < doctors.length; i += DOCTORS_PER_LIST) {
    const some = doctors.slice(i, i + DOCTORS_PER_LIST).map((doctor): [string, string] => ['doctor_id', doctor]);
    const theirs = await upstream.listIfUnderstood<Booking>(path, new URLSearchParams([...taking, ...some]));
    if (theirs === undefined) return [...open, ...(await upstream.list<Booking>(path, new URLSearchParams(taking)))];
    read.push(...theirs);
  }
  return read;
}
