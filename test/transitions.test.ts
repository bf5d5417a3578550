// The booking status machine (server/domain/transitions.ts), cell by cell and without a server: every
// (from, to) pair for a caller who is neither creator nor holder, the holder, the creator, and both.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BookingStatus } from '../shared/types.js';
import { transition, type Roles } from '../server/domain/transitions.js';

const HOLD_UNTIL = 1_000_000;
const ROLES: Record<string, Roles> = {
  anyone: { creator: false, holder: false },
  holder: { creator: false, holder: true },
  creator: { creator: true, holder: false },
  both: { creator: true, holder: true },
};

/** One line per outcome: `status held_by expiry`, `=` for no change, or `409 …`/`403 …`. */
function outcome(from: BookingStatus, to: BookingStatus, role: string, flags: { recurring?: boolean; standIn?: boolean; expiring?: boolean } = {}): string {
  const held = from === 'pending' || from === 'booked';
  const booking = { id: 'b1', status: from, recurring: flags.recurring ?? false, standIn: flags.standIn ?? false, held_by: held ? 'h' : null, expiring: flags.expiring ?? false };
  const result = transition(booking, to, 'me', ROLES[role], HOLD_UNTIL);
  if (!result.ok) return `${result.error === 'conflict' ? 409 : 403} ${result.message}`;
  if (!result.effect) return '=';
  const e = result.effect;
  return `${e.status} ${e.held_by ?? '-'} ${e.hold_expires_at ?? '-'}`;
}

// [from, to, anyone, holder, creator, both]
const TABLE: Array<[BookingStatus, BookingStatus, string, string, string, string]> = [
  ['open', 'open', '409 booking "b1" is already open', '409 booking "b1" is already open', '=', '='],
  ['open', 'pending', 'pending me 1000000', 'pending me 1000000', 'pending me -', 'pending me -'],
  ['open', 'booked', '409 booking "b1" is open; hold it (status "pending") before booking it', '409 booking "b1" is open; hold it (status "pending") before booking it', 'booked me -', 'booked me -'],
  ['open', 'closed', '403 booking "b1" was created by another client', '403 booking "b1" was created by another client', 'closed - -', 'closed - -'],
  ['pending', 'open', '409 booking "b1" is pending, held by another client', 'open - -', 'open - -', 'open - -'],
  ['pending', 'pending', '409 booking "b1" is already pending', '409 booking "b1" is already pending', '=', '='],
  ['pending', 'booked', '409 booking "b1" is pending, held by another client', 'booked h -', '409 booking "b1" is pending, held by another client', 'booked h -'],
  ['pending', 'closed', '403 booking "b1" was created by another client', '403 booking "b1" was created by another client', 'closed - -', 'closed - -'],
  ['booked', 'open', '409 booking "b1" is booked; only its creator or the client that booked it can reopen it', 'open - -', 'open - -', 'open - -'],
  ['booked', 'pending', '409 booking "b1" is booked; only an open booking can be held', '409 booking "b1" is booked; only an open booking can be held', '409 booking "b1" is booked; only an open booking can be held', '409 booking "b1" is booked; only an open booking can be held'],
  ['booked', 'booked', '409 booking "b1" is already booked', '409 booking "b1" is already booked', '=', '='],
  ['booked', 'closed', '403 booking "b1" was created by another client', '403 booking "b1" was created by another client', 'closed - -', 'closed - -'],
  ['closed', 'open', '409 booking "b1" is closed', '409 booking "b1" is closed', '409 booking "b1" is closed', '409 booking "b1" is closed'],
  ['closed', 'pending', '409 booking "b1" is closed', '409 booking "b1" is closed', '409 booking "b1" is closed', '409 booking "b1" is closed'],
  ['closed', 'booked', '409 booking "b1" is closed', '409 booking "b1" is closed', '409 booking "b1" is closed', '409 booking "b1" is closed'],
  ['closed', 'closed', '403 booking "b1" was created by another client', '403 booking "b1" was created by another client', '=', '='],
];

describe('transition', () => {
  for (const [from, to, ...expected] of TABLE) {
    test(`${from} -> ${to}`, () => {
      assert.deepEqual(Object.keys(ROLES).map((role) => outcome(from, to, role)), expected);
    });
  }

  test('a weekly booking is never booked itself: one of its weeks is held and booked', () => {
    assert.equal(outcome('open', 'booked', 'creator', { recurring: true }), '409 booking "b1" is weekly; hold one of its weeks and book that');
    assert.equal(outcome('open', 'pending', 'anyone', { recurring: true }), 'pending me 1000000');
  });

  test('the holder of a hold that runs out renews it; the creator\'s own hold, which does not, is an edit', () => {
    assert.equal(outcome('pending', 'pending', 'holder', { expiring: true }), 'pending me 1000000');
    assert.equal(outcome('pending', 'pending', 'both', { expiring: true }), 'pending me 1000000');
    assert.equal(outcome('pending', 'pending', 'holder'), '409 booking "b1" is already pending');
    assert.equal(outcome('pending', 'pending', 'anyone', { expiring: true }), '409 booking "b1" is already pending');
  });

  test('a stand-in for a week closes when it is released or reopened: the week goes back to its series', () => {
    assert.equal(outcome('pending', 'open', 'holder', { standIn: true }), 'closed - -');
    assert.equal(outcome('booked', 'open', 'creator', { standIn: true }), 'closed - -');
    // A patient cancels a booked week through the client that booked it: the week goes back to its series.
    assert.equal(outcome('booked', 'open', 'holder', { standIn: true }), 'closed - -');
  });
});
