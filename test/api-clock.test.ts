// What time does to the booking API, with the server's injectable clock: access tokens expire after an
// hour, holds after HOLD_MINUTES (here 3), and a week of a weekly booking is free again once its hold ends.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addClients, addPractice, api, getToken, startServer, type TestServer } from './helpers/server.js';

const MINUTE = 60_000;
const HOLD_MINUTES = 3;
type Call = ReturnType<typeof api>;

let server: TestServer;
let owner: Call;
let booker: Call;
let booker2: Call;
let ownerClient: { id: string; secret: string };

before(async () => {
  server = await startServer({ holdMinutes: HOLD_MINUTES });
  // Bookings here are in 2031: the server's clock is set where they lie within the API's horizon.
  server.clock.now = Date.parse('2030-12-01T00:00:00.000Z');
  await addPractice(server, { id: 'p1' }, [{ id: 'l1', timezone: 'America/Denver' }]);
  const clients = await addClients(server, [
    { id: 'owner', scopes: ['scheduling:read', 'scheduling:write'], practices: ['p1'] },
    { id: 'booker', scopes: ['scheduling:read', 'scheduling:book'], practices: ['p1'] },
    { id: 'booker2', scopes: ['scheduling:read', 'scheduling:book'], practices: ['p1'] },
  ]);
  ownerClient = clients[0];
  [owner, booker, booker2] = await Promise.all(clients.map(async (c) => api(server.url, await getToken(server.url, c))));
});
after(() => server.close());

function assertError(response: { status: number; body: any }, status: number, code: string, mentions: string) {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.equal(response.body.status, code);
  assert.ok(response.body.message.includes(mentions), response.body.message);
}

let day = 0;
async function openBooking(fields: Record<string, unknown> = {}) {
  day += 1;
  const response = await owner('POST', '/scheduling/bookings', {
    start: `2031-02-${String(day).padStart(2, '0')}T10:00:00.000-07:00`,
    location_id: 'l1',
    doctor_id: `doc-${day}`,
    status: 'open',
    ...fields,
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body as { id: string; start_datetime: string; status: string };
}

describe('access tokens expire after an hour', () => {
  test('a token works until exp = iat + 3600 s, then is 401', async () => {
    const token = await getToken(server.url, ownerClient);
    const call = api(server.url, token);
    server.clock.advance(3599_000);
    assert.equal((await call('GET', '/scheduling/practices')).status, 200);
    server.clock.advance(1_000);
    const expired = await call('GET', '/scheduling/practices');
    assert.equal(expired.status, 401);
    assert.equal(expired.body.status, 'unauthorized');
    // Every other client's token of the same age has expired too; get new ones.
    const clients = ['owner', 'booker', 'booker2'];
    const fresh = await Promise.all(
      clients.map(async (id) => api(server.url, await getToken(server.url, { id, secret: ownerClient.secret }))),
    );
    [owner, booker, booker2] = fresh;
    assert.equal((await owner('GET', '/scheduling/practices')).status, 200);
  });
});

describe(`holds expire after HOLD_MINUTES (${HOLD_MINUTES})`, () => {
  test('a hold not booked in time reads open again, and the late holder cannot book it', async () => {
    const booking = await openBooking();
    assert.equal((await booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' })).status, 200);
    server.clock.advance(HOLD_MINUTES * MINUTE - 1_000);
    assert.equal((await owner('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'pending');
    server.clock.advance(1_000);
    assert.equal((await owner('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'open');
    const listed = (await owner('GET', '/scheduling/locations/l1/bookings?status=open')).body;
    assert.ok(listed.some((b: { id: string }) => b.id === booking.id), 'listed as open');

    const late = await booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'booked' });
    assert.equal(late.status, 409);
    assert.match(late.body.message, /open/);
    assert.equal((await booker2('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' })).status, 200, 'free for the next patient');
  });

  test('expiry is seen in lists first, without reading the booking', async () => {
    const booking = await openBooking();
    await booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' });
    server.clock.advance(HOLD_MINUTES * MINUTE);
    const listed = (await owner('GET', '/scheduling/practices/p1/bookings?status=pending')).body;
    assert.ok(!listed.some((b: { id: string }) => b.id === booking.id));
  });

  test('a request that fails just after a hold expires does not keep the hold alive', async () => {
    const booking = await openBooking();
    await booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' });
    server.clock.advance(HOLD_MINUTES * MINUTE);
    // The first request to see the expiry is one that fails (409: it is open by then).
    const failed = await booker2('PUT', `/scheduling/bookings/${booking.id}`, { status: 'open' });
    assert.equal(failed.status, 409, JSON.stringify(failed.body));
    assert.equal((await owner('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'open');
    const listed = (await owner('GET', '/scheduling/practices/p1/bookings?status=pending')).body;
    assert.ok(!listed.some((b: { id: string }) => b.id === booking.id), 'not listed as pending');
  });

  test('a booked booking does not expire', async () => {
    const booking = await openBooking();
    await booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' });
    server.clock.advance(MINUTE);
    assert.equal((await booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'booked' })).status, 200);
    server.clock.advance(HOLD_MINUTES * MINUTE * 10);
    assert.equal((await owner('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'booked');
  });

  test('the holder holding it again restarts its HOLD_MINUTES; another client cannot', async () => {
    const booking = await openBooking();
    await booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' });
    server.clock.advance(HOLD_MINUTES * MINUTE - 1_000);
    assert.equal((await booker2('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' })).status, 409, 'not by another client');
    assert.equal((await booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' })).status, 200);
    server.clock.advance(HOLD_MINUTES * MINUTE - 1_000);
    assert.equal((await owner('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'pending', 'still held, past its first HOLD_MINUTES');
    server.clock.advance(1_000);
    assert.equal((await owner('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'open');
  });

  test('a renewed hold after a release gets its own full time', async () => {
    const booking = await openBooking();
    await booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' });
    server.clock.advance(2 * MINUTE);
    await booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'open' });
    await booker2('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' });
    server.clock.advance(2 * MINUTE);
    assert.equal((await owner('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'pending');
    assert.equal((await booker2('PUT', `/scheduling/bookings/${booking.id}`, { status: 'booked' })).status, 200);
  });
});

describe('a week of a weekly booking is free again when its hold ends', () => {
  const week2 = (series: { start_datetime: string }) => new Date(Date.parse(series.start_datetime) + 14 * 86_400_000).toISOString();

  test('after the hold expires, its stand-in closes and the week can be held again through the weekly booking', async () => {
    const series = await openBooking({ recurring: true, start: '2031-04-07T09:00:00.000-06:00' });
    const first = await booker('PUT', `/scheduling/bookings/${series.id}`, { status: 'pending', start: week2(series) });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    server.clock.advance(HOLD_MINUTES * MINUTE);
    assert.equal((await owner('GET', `/scheduling/bookings/${first.body.id}`)).body.status, 'closed');

    const again = await booker2('PUT', `/scheduling/bookings/${series.id}`, { status: 'pending', start: week2(series) });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(again.body.status, 'pending');
    assert.equal(again.body.start_datetime, first.body.start_datetime);
    assert.notEqual(again.body.id, first.body.id, 'a new stand-in');
    assertError(await booker('PUT', `/scheduling/bookings/${first.body.id}`, { status: 'booked' }), 409, 'conflict', 'closed');
    assertError(await booker('PUT', `/scheduling/bookings/${series.id}`, { status: 'pending', start: week2(series) }), 409, 'conflict', 'pending');
    assert.equal((await booker2('PUT', `/scheduling/bookings/${again.body.id}`, { status: 'booked' })).status, 200);
    // Exactly one live booking stands for that week beside the weekly booking.
    const week = (await owner('GET', '/scheduling/locations/l1/bookings')).body.filter(
      (b: { doctor_id: string; recurring: boolean }) => b.doctor_id === `doc-${day}` && !b.recurring,
    );
    assert.deepEqual(week.map((b: { status: string }) => b.status), ['booked']);
  });

  test('after its holder releases it, the week can be held again', async () => {
    const series = await openBooking({ recurring: true, start: '2031-04-08T09:00:00.000-06:00' });
    const first = await booker('PUT', `/scheduling/bookings/${series.id}`, { status: 'pending', start: week2(series) });
    assert.equal(first.status, 201);
    const released = await booker('PUT', `/scheduling/bookings/${first.body.id}`, { status: 'open' });
    assert.equal(released.status, 200, JSON.stringify(released.body));
    assert.equal(released.body.status, 'closed', 'the stand-in closes; the week is the weekly booking\'s again');
    const offered = (await owner('GET', '/scheduling/locations/l1/bookings?status=open')).body.filter(
      (b: { doctor_id: string }) => b.doctor_id === `doc-${day}`,
    );
    assert.deepEqual(offered.map((b: { id: string }) => b.id), [series.id], 'offered once, by the weekly booking');
    const again = await booker2('PUT', `/scheduling/bookings/${series.id}`, { status: 'pending', start: week2(series) });
    assert.equal(again.status, 201, JSON.stringify(again.body));
  });
});
