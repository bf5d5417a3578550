// The booking API keeps its own bounds on a start (issue 12, finding 5): whatever a caller checks first
// (the BFF included), no booking and no held week of a weekly booking starts before EARLIEST_START or more
// than HORIZON_DAYS ahead of the server's clock. The clock is the server's injectable one, set here.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HORIZON_DAYS } from '../server/domain/start-bounds.js';
import { addClients, addPractice, api, getToken, mintToken, startServer, type TestServer } from './helpers/server.js';

type Call = ReturnType<typeof api>;
const DAY = 86_400_000;
const WEEK = 7 * DAY;
const NOW = Date.parse('2027-03-01T12:00:00.000Z');

let server: TestServer;
let owner: Call;
let booker: Call;
let seq = 0;
const doctor = () => `bounds-${++seq}`;

before(async () => {
  server = await startServer();
  server.clock.now = NOW;
  // A UTC location: a weekly booking's weeks are exactly 7 days apart.
  await addPractice(server, { id: 'p1' }, [{ id: 'l1', timezone: 'Etc/UTC' }]);
  const clients = await addClients(server, [
    { id: 'owner', scopes: ['scheduling:read', 'scheduling:write'], practices: ['p1'] },
    { id: 'booker', scopes: ['scheduling:read', 'scheduling:book'], practices: ['p1'] },
  ]);
  [owner, booker] = await Promise.all(clients.map(async (c) => api(server.url, await getToken(server.url, c))));
});
after(() => server.close());

const iso = (ms: number) => new Date(ms).toISOString();

function post(start: string, fields: Record<string, unknown> = {}) {
  return owner('POST', '/scheduling/bookings', { start, location_id: 'l1', doctor_id: doctor(), status: 'open', ...fields });
}

function assertOutOfBounds(response: { status: number; body: any }, bound: string) {
  assert.equal(response.status, 400, JSON.stringify(response.body));
  assert.equal(response.body.status, 'bad_request');
  assert.match(response.body.message, /^start /);
  assert.ok(response.body.message.includes(bound), `"${response.body.message}" names ${bound}`);
}

describe('a booking starts within the bounds', () => {
  test('a one-off POST in 2999 is 400 naming start and the horizon; within the horizon it is 201', async () => {
    assertOutOfBounds(await post('2999-06-01T10:00:00.000-06:00'), `${HORIZON_DAYS} days`);
    assertOutOfBounds(await post(iso(NOW + HORIZON_DAYS * DAY + 60_000)), `${HORIZON_DAYS} days`);
    assert.equal((await post(iso(NOW + HORIZON_DAYS * DAY))).status, 201);
    assert.equal((await post(iso(NOW + DAY))).status, 201);
    // A weekly booking's first week is bounded the same way.
    assertOutOfBounds(await post('2999-06-01T10:00:00.000Z', { recurring: true }), `${HORIZON_DAYS} days`);
  });

  test('before the year 2000 is 400; a past start since then is still accepted', async () => {
    assertOutOfBounds(await post('1999-12-31T23:59:00.000Z'), '2000-01-01');
    assert.equal((await post('2000-01-01T00:00:00.000Z')).status, 201);
  });

  test('the horizon moves with the clock', async () => {
    const later = iso(NOW + (HORIZON_DAYS + 10) * DAY);
    assertOutOfBounds(await post(later), `${HORIZON_DAYS} days`);
    server.clock.advance(11 * DAY);
    try {
      // The owner's token has expired by then: a fresh one, as the token endpoint would issue it.
      const fresh = api(server.url, await mintToken(server, 'owner', ['scheduling:write']));
      const response = await fresh('POST', '/scheduling/bookings', { start: later, location_id: 'l1', doctor_id: doctor(), status: 'open' });
      assert.equal(response.status, 201, JSON.stringify(response.body));
    } finally {
      server.clock.now = NOW;
    }
  });

  test('a PUT moving a start to 2999 is 400, and the booking keeps its start', async () => {
    const created = await post(iso(NOW + 2 * DAY));
    const moved = await owner('PUT', `/scheduling/bookings/${created.body.id}`, { start: '2999-01-01T10:00:00.000Z' });
    assertOutOfBounds(moved, `${HORIZON_DAYS} days`);
    assert.equal((await owner('GET', `/scheduling/bookings/${created.body.id}`)).body.start_datetime, created.body.start_datetime);
  });
});

describe('a held week of a weekly booking starts within the bounds', () => {
  test("holding the series' week in 2999 is 400; a week within the horizon is held (201)", async () => {
    const first = NOW + DAY;
    const series = await post(iso(first), { recurring: true });
    assert.equal(series.status, 201, JSON.stringify(series.body));
    // A real week of the series, 2999 included: the bound, not the week's arithmetic, refuses it.
    const in2999 = first + Math.ceil((Date.parse('2999-01-01T00:00:00Z') - first) / WEEK) * WEEK;
    assert.ok(iso(in2999).startsWith('2999-'));
    assertOutOfBounds(await booker('PUT', `/scheduling/bookings/${series.body.id}`, { status: 'pending', start: iso(in2999) }), `${HORIZON_DAYS} days`);
    const lastWeek = first + Math.floor((HORIZON_DAYS * DAY - DAY) / WEEK) * WEEK;
    assertOutOfBounds(
      await booker('PUT', `/scheduling/bookings/${series.body.id}`, { status: 'pending', start: iso(lastWeek + WEEK) }),
      `${HORIZON_DAYS} days`,
    );
    const held = await booker('PUT', `/scheduling/bookings/${series.body.id}`, { status: 'pending', start: iso(lastWeek) });
    assert.equal(held.status, 201, JSON.stringify(held.body));
    const soon = await booker('PUT', `/scheduling/bookings/${series.body.id}`, { status: 'pending', start: iso(first + WEEK) });
    assert.equal(soon.status, 201, JSON.stringify(soon.body));
  });

  test('a week before the series starts is 400 naming its first week', async () => {
    const first = NOW + 3 * DAY;
    const series = await post(iso(first), { recurring: true });
    const before = await booker('PUT', `/scheduling/bookings/${series.body.id}`, { status: 'pending', start: iso(first - WEEK) });
    assertOutOfBounds(before, series.body.start_datetime);
  });
});
