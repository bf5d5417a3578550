// Two patients picking the same time at the same moment on two server processes (two apps over one
// database file here): exactly one gets the hold. The BFF's client holds every patient's booking, and
// the API lets a holder renew its own hold, so the API alone cannot tell two patients apart: the BFF
// decides in the database, one claim per time in flight.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Booking } from '../shared/types.js';
import { hold, openBooking, patientAddress, practiceServer, type ApiCall } from './bff-helpers.js';
import { startServer, type TestServer } from './helpers/server.js';

let a: TestServer;
let b: TestServer;
let owner: ApiCall;
before(async () => {
  ({ server: a, owner } = await practiceServer());
  b = await startServer({ databasePath: a.databasePath });
  b.clock.now = a.clock.now;
});
after(async () => {
  await b.close();
  await a.close();
});

test('the same time held at once on two apps over one database: one 201 and one 409, for every time', async () => {
  // Plenty of open times, so the contested holds stay inside the location's share (no dearer proof of work mid-test).
  const bookings: Booking[] = [];
  for (let i = 0; i < 40; i += 1) bookings.push(await openBooking(owner, { start: new Date(a.clock.now + (26 + i) * 3_600_000).toISOString() }));
  const contested = bookings.slice(0, 5);
  const outcomes: number[][] = [];
  for (const [i, booking] of contested.entries()) {
    const answers = await Promise.all([hold(a, booking, { from: patientAddress(2 * i + 1) }), hold(b, booking, { from: patientAddress(2 * i + 2) })]);
    outcomes.push(answers.map((answer) => answer.status).sort());
  }
  assert.deepEqual(outcomes, contested.map(() => [201, 409]));
  for (const booking of contested) assert.equal(((await owner('GET', `/scheduling/bookings/${booking.id}`)).body as Booking).status, 'pending');
});
