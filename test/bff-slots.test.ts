// The slot rule on its own: what a weekly booking offers next to the location's other bookings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Booking } from '../shared/types.js';
import { slotsOf } from '../server/bff/slots.js';

const booking = (b: Partial<Booking> & Pick<Booking, 'id' | 'start_datetime'>): Booking => ({
  location_id: 'loc1',
  doctor_id: 'DOC1',
  length: 60,
  status: 'open',
  recurring: false,
  ...b,
});
const from = Date.parse('2026-10-27T00:00:00Z');
const to = Date.parse('2026-11-17T00:00:00Z');
const series = booking({ id: 'series', start_datetime: '2026-10-13T09:30:00.000-06:00', recurring: true });

test('a one-off of the same doctor that only partly overlaps a week takes that week; other doctors do not', () => {
  const conflicting = booking({ id: 'partly', start_datetime: '2026-11-03T10:00:00.000-07:00', length: 15, status: 'booked' });
  const otherDoctor = booking({ id: 'other', doctor_id: 'DOC2', start_datetime: '2026-10-27T09:30:00.000-06:00', status: 'booked' });
  const slots = slotsOf([series, conflicting, otherDoctor], 'America/Denver', from, to);
  assert.deepEqual(
    slots.map((s) => s.start_datetime),
    ['2026-10-27T09:30:00.000-06:00', '2026-11-10T09:30:00.000-07:00'],
  );
});

test('a one-off that ends as the week begins, or a closed one, takes nothing', () => {
  const before = booking({ id: 'before', start_datetime: '2026-11-03T08:30:00.000-07:00', status: 'booked' });
  const closed = booking({ id: 'closed', start_datetime: '2026-11-10T09:30:00.000-07:00', status: 'closed' });
  assert.equal(slotsOf([series, before, closed], 'America/Denver', from, to).filter((s) => s.booking_id === 'series').length, 3);
});

test('pending and booked weekly bookings offer nothing; weeks before the window or at its end are left out', () => {
  assert.deepEqual(slotsOf([{ ...series, status: 'pending' }], 'America/Denver', from, to), []);
  const tight = slotsOf([series], 'America/Denver', Date.parse('2026-10-27T15:30:00Z') + 1, Date.parse('2026-11-10T16:30:00Z'));
  assert.deepEqual(
    tight.map((s) => s.start_datetime),
    ['2026-11-03T09:30:00.000-07:00'],
  );
});
