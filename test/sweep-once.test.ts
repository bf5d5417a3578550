// Holds that lapse are swept by whichever server process gets there first, with one effect
// (CONTRACT section 6): two apps over one database file, their clocks both past the expiry, both
// sweepers running. A real process's clock cannot be moved, so the two run in this process, each
// with its own store (connection), clock and port.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Booking } from '../shared/types.js';
import { FIRST_HOLD_MINUTES } from '../server/bff/limits.js';
import { hold, openBooking, patientAddress, practiceServer, requestsTo, schedule, type ApiCall } from './bff-helpers.js';
import { addClient, api, getToken, startServer, type TestServer } from './helpers/server.js';

const MINUTE = 60_000;

describe('two apps on one database file sweep each lapsed hold once', () => {
  let a: TestServer;
  let b: TestServer;
  let owner: ApiCall;
  /** A booking client (not the bookings' creator, so its holds run out) on each app. */
  let bookerA: ApiCall;
  let bookerB: ApiCall;
  /** What the data layer reported released, summed over both apps' sweeps. */
  let released = 0;

  before(async () => {
    ({ server: a, owner } = await practiceServer());
    b = await startServer({ databasePath: a.databasePath });
    b.clock.now = a.clock.now;
    const client = await addClient(a, { id: 'booker', scopes: ['scheduling:read', 'scheduling:book'], practices: '*' });
    bookerA = api(a.url, await getToken(a.url, client));
    bookerB = api(b.url, await getToken(b.url, client));
    for (const server of [a, b]) {
      // A spy that calls through: each app's domain sweeps in a transaction of its own store, with the data
      // modules bound to it (on PostgreSQL, to that transaction's connection), and counts what they report.
      const store = server.thread.store;
      const transaction = store.transaction.bind(store);
      store.transaction = (work) =>
        transaction((tx) => {
          const release = tx.bookings.releaseExpiredHolds;
          const releaseExpiredHolds = async (now: number) => {
            const count = await release(now);
            released += count;
            return count;
          };
          return work({ ...tx, bookings: { ...tx.bookings, releaseExpiredHolds } });
        });
    }
  });
  after(async () => {
    await b.close();
    await a.close();
  });

  const advanceBoth = (ms: number) => {
    a.clock.advance(ms);
    b.clock.now = a.clock.now;
  };
  const statusOf = async (booking: Booking) => ((await owner('GET', `/scheduling/bookings/${booking.id}`)).body as Booking).status;
  const at = (hours: number) => new Date(a.clock.now + 24 * 60 * MINUTE + hours * 60 * MINUTE).toISOString();

  test("the BFF's lapsed holds are released upstream by one app each; the API's lapsed holds are opened once in total", async () => {
    // Four holds through the BFF, two made on each app, each from a network of its own.
    const bffHeld: Booking[] = [];
    for (let i = 0; i < 4; i += 1) {
      const booking = await openBooking(owner, { start: at(i) });
      const answer = await hold(i % 2 ? b : a, booking, { from: patientAddress(i + 1) });
      assert.equal(answer.status, 201, answer.text);
      bffHeld.push(booking);
    }
    // Two held at the API itself, one on each app.
    const apiHeld: Booking[] = [];
    for (const [i, booker] of [bookerA, bookerB].entries()) {
      const booking = await openBooking(owner, { start: at(10 + i) });
      const answer = await booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      apiHeld.push(booking);
    }

    // Past the BFF's first hold, not yet the API's: both BFFs sweep at once (a schedule read sweeps first).
    advanceBoth((FIRST_HOLD_MINUTES + 1) * MINUTE);
    const seen = { a: a.logs.length, b: b.logs.length };
    const screens = await Promise.all([schedule(a), schedule(b)]);
    for (const screen of screens) assert.equal(screen.status, 200, screen.text);
    const sinceThen = (server: TestServer, key: 'a' | 'b') => ({ ...server, logs: server.logs.slice(seen[key]) });
    for (const booking of bffHeld) {
      const path = `/scheduling/bookings/${booking.id}`;
      const opens = [...requestsTo(sinceThen(a, 'a'), path, 'PUT'), ...requestsTo(sinceThen(b, 'b'), path, 'PUT')];
      const reads = [...requestsTo(sinceThen(a, 'a'), path, 'GET'), ...requestsTo(sinceThen(b, 'b'), path, 'GET')];
      assert.equal(reads.length, 1, `booking ${booking.id} read once upstream by the sweepers: ${JSON.stringify(reads)}`);
      assert.equal(opens.length, 1, `booking ${booking.id} opened once upstream: ${JSON.stringify(opens)}`);
      assert.equal(await statusOf(booking), 'open');
    }
    assert.equal(released, 0, "the API's own holds have not lapsed yet");

    // Past the API's hold: both apps' sweepers (each second, and before each request) run.
    advanceBoth(10 * MINUTE);
    await Promise.all([bookerA('GET', '/scheduling/locations/loc1/bookings'), bookerB('GET', '/scheduling/locations/loc1/bookings')]);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    for (const booking of apiHeld) assert.equal(await statusOf(booking), 'open');
    assert.equal(released, apiHeld.length, 'each lapsed hold reported released once, over both apps');
  });
});

describe('a hold made by a process that is gone', () => {
  test('runs out on time in another process sharing the database, which started before the hold was made', async () => {
    const { server: later, owner } = await practiceServer();
    // `b` starts first: it knows of no hold. `a` then holds a booking, and stops before the hold runs out.
    const b = await startServer({ databasePath: later.databasePath });
    b.clock.now = later.clock.now;
    try {
      const client = await addClient(later, { id: 'booker', scopes: ['scheduling:read', 'scheduling:book'], practices: '*' });
      const booker = api(later.url, await getToken(later.url, client));
      const booking = await openBooking(owner, { start: new Date(later.clock.now + 26 * 60 * MINUTE).toISOString() });
      assert.equal((await booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' })).status, 200);
      const ownerToken = await getToken(b.url, await addClient(b, { id: 'reader', scopes: ['scheduling:read'], practices: '*' }));
      await later.close();

      const reader = api(b.url, ownerToken);
      assert.equal(((await reader('GET', `/scheduling/bookings/${booking.id}`)).body as Booking).status, 'pending');
      b.clock.advance(10 * MINUTE + 1);
      assert.equal(((await reader('GET', `/scheduling/bookings/${booking.id}`)).body as Booking).status, 'open', 'the hold ran out in b');
    } finally {
      await b.close();
    }
  });
});
