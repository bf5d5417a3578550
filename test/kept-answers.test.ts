// Repeated reads are answered with the answer kept from the last time (server/http/kept-answers.ts).
// What a client must see: the same page while nothing changed, with a request id and a log line of
// its own, and never a kept answer once the data, the token or the asker is different.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ErrorBody } from '../shared/types.js';
import { bff, hold, openBooking, practiceServer, schedule, SITE, type ApiCall } from './bff-helpers.js';
import { addClient, addPractice, api, getToken, startServer, type TestServer } from './helpers/server.js';

const PAGE = '/scheduling/locations/l1/bookings?status=open&limit=50';

describe('a list of bookings asked for again', () => {
  let server: TestServer;
  let owner: ApiCall;
  let ownerToken: string;

  before(async () => {
    server = await startServer();
    // Bookings here are in 2031: the server's clock is set where they lie within the API's horizon.
    server.clock.now = Date.parse('2030-12-01T00:00:00.000Z');
    await addPractice(server, { id: 'p1' }, [{ id: 'l1', timezone: 'America/Denver' }]);
    await addPractice(server, { id: 'p2' }, [{ id: 'l2', timezone: 'America/Denver' }]);
    const client = await addClient(server, { id: 'owner', scopes: ['scheduling:read', 'scheduling:write'], practices: ['p1'] });
    ownerToken = await getToken(server.url, client);
    owner = api(server.url, ownerToken);
    assert.equal((await owner('POST', '/scheduling/bookings', { start: '2031-03-03T10:00:00.000-07:00', location_id: 'l1', doctor_id: 'd1', status: 'open' })).status, 201);
  });
  after(() => server.close());

  test('is the same page, each answer with its own request id and log line', async () => {
    const first = await fetch(`${server.url}${PAGE}`, { headers: { authorization: `Bearer ${ownerToken}` } });
    const second = await fetch(`${server.url}${PAGE}`, { headers: { authorization: `Bearer ${ownerToken}` } });
    assert.equal(second.status, 200);
    assert.equal(await second.text(), await first.text());
    const others = (response: Response) => [...response.headers].filter(([name]) => name !== 'x-request-id' && name !== 'date');
    assert.deepEqual(others(second), others(first));
    assert.equal(second.headers.get('x-content-type-options'), 'nosniff');
    const ids = [first, second].map((r) => r.headers.get('x-request-id'));
    assert.ok(ids[0] && ids[1] && ids[0] !== ids[1], `two request ids: ${ids.join(', ')}`);
    for (const id of ids) {
      const line = server.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.req_id === id);
      assert.deepEqual({ method: line?.method, path: line?.path, status: line?.status }, { method: 'GET', path: '/scheduling/locations/l1/bookings', status: 200 });
    }
  });

  test('shows a booking this server has just made, and one just removed', async () => {
    const ids = async () => ((await owner('GET', PAGE)).body as Array<{ id: string }>).map((b) => b.id);
    const before = await ids();
    assert.deepEqual(await ids(), before);
    const made = await owner('POST', '/scheduling/bookings', { start: '2031-03-04T10:00:00.000-07:00', location_id: 'l1', doctor_id: 'd1', status: 'open' });
    assert.equal(made.status, 201);
    assert.deepEqual(await ids(), [...before, made.body.id]);
    assert.equal((await owner('DELETE', `/scheduling/bookings/${made.body.id}`)).status, 200);
    assert.deepEqual(await ids(), before);
  });

  test('shows a hold as open again once it runs out', async () => {
    const made = await owner('POST', '/scheduling/bookings', { start: '2031-03-05T10:00:00.000-07:00', location_id: 'l1', doctor_id: 'd1', status: 'open' });
    const patientApp = await addClient(server, { id: 'patient-app', scopes: ['scheduling:read', 'scheduling:book'], practices: ['p1'] });
    const held = await api(server.url, await getToken(server.url, patientApp))('PUT', `/scheduling/bookings/${made.body.id}`, { status: 'pending' });
    assert.equal(held.status, 200);
    const listed = async () => ((await owner('GET', PAGE)).body as Array<{ id: string }>).some((b) => b.id === made.body.id);
    assert.equal(await listed(), false);
    assert.equal(await listed(), false);
    server.clock.advance(server.thread.config.holdMinutes * 60_000);
    assert.equal(await listed(), true, 'the hold ran out: the booking is open again');
  });

  test('is refused once the token has expired or its client is revoked', async () => {
    const client = await addClient(server, { id: 'short-lived', scopes: ['scheduling:read'], practices: ['p1'] });
    const call = api(server.url, await getToken(server.url, client));
    assert.equal((await call('GET', PAGE)).status, 200);
    assert.equal((await call('GET', PAGE)).status, 200);
    server.clock.advance(3600 * 1000);
    const expired = await call('GET', PAGE);
    assert.equal(expired.status, 401);
    assert.equal(expired.body.status, 'unauthorized');
    server.clock.advance(-3600 * 1000);

    const revokedClient = await addClient(server, { id: 'to-revoke', scopes: ['scheduling:read'], practices: ['p1'] });
    const revokedCall = api(server.url, await getToken(server.url, revokedClient));
    assert.equal((await revokedCall('GET', PAGE)).status, 200);
    assert.equal((await revokedCall('GET', PAGE)).status, 200);
    await server.thread.store.clients.revoke('to-revoke', Date.now());
    assert.equal((await revokedCall('GET', PAGE)).status, 401);
  });

  test('is read anew when asked with Cache-Control: no-store (neither the answer nor the page is kept), and kept otherwise', async () => {
    const bookings = server.thread.store.bookings;
    const list = bookings.list;
    let reads = 0;
    // Counts the database reads the requests make; each still reads as before.
    bookings.list = (query) => {
      reads += 1;
      return list(query);
    };
    try {
      const page = `${PAGE}&from=2031-03-01T00:00:00.000Z`;
      const ask = (headers: Record<string, string>) => fetch(`${server.url}${page}`, { headers: { authorization: `Bearer ${ownerToken}`, ...headers } });
      const first = await ask({ 'cache-control': 'no-store' });
      const second = await ask({ 'cache-control': 'no-store' });
      assert.equal(second.status, 200);
      assert.equal(await second.text(), await first.text());
      assert.equal(reads, 2, 'each no-store request read the database');
      assert.equal((await ask({})).status, 200);
      assert.equal((await ask({})).status, 200);
      // With the cache on, the second answer is kept (SQLite) or its page read is (PostgreSQL: server/db/postgres/generation.ts).
      if (server.thread.config.cache) assert.equal(reads, 3, 'without no-store the second answer or its read is the kept one');
      else assert.equal(reads, 4, 'nothing is kept: each request read the database');
    } finally {
      bookings.list = list;
    }
  });

  test("is not given to another client's token, which gets its own answer", async () => {
    const stranger = await addClient(server, { id: 'stranger', scopes: ['scheduling:read'], practices: ['p2'] });
    const strangerCall = api(server.url, await getToken(server.url, stranger));
    assert.equal((await owner('GET', PAGE)).status, 200);
    assert.equal((await owner('GET', PAGE)).status, 200);
    const answer = await strangerCall('GET', PAGE);
    assert.equal(answer.status, 404, JSON.stringify(answer.body));
    assert.equal(answer.body.message, 'location "l1" not found');
    const unauthenticated = await fetch(`${server.url}${PAGE}`);
    assert.equal(unauthenticated.status, 401);
  });
});

describe('booking data and caches', () => {
  test('every answer of the booking API says Cache-Control: no-store, a kept answer given again too', async () => {
    const server = await startServer();
    server.clock.now = Date.parse('2030-12-01T00:00:00.000Z'); // the booking below lies within the API's 730 days
    try {
      await addPractice(server, { id: 'p1' }, [{ id: 'l1', timezone: 'America/Denver' }]);
      const client = await addClient(server, { id: 'reader', scopes: ['scheduling:read', 'scheduling:write', 'scheduling:patients'], practices: ['p1'] });
      const token = await getToken(server.url, client);
      const made = await api(server.url, token)('POST', '/scheduling/bookings', { start: '2031-03-03T10:00:00.000-07:00', location_id: 'l1', doctor_id: 'd1', status: 'open' });
      assert.equal(made.status, 201);
      assert.equal(made.headers.get('cache-control'), 'no-store');
      const routes = [PAGE, PAGE, '/scheduling/practices/p1/bookings', '/scheduling/practices/p1/bookings', `/scheduling/bookings/${made.body.id}`, '/scheduling/locations', '/scheduling/practices', `/scheduling/bookings/${made.body.id}/patient`];
      for (const route of routes) {
        const answer = await fetch(`${server.url}${route}`, { headers: { authorization: `Bearer ${token}` } });
        await answer.arrayBuffer();
        assert.equal(answer.headers.get('cache-control'), 'no-store', `${route} -> ${answer.status}`);
      }
    } finally {
      await server.close();
    }
  });

  test('the schedule says Cache-Control: no-store, a kept answer given again too', async () => {
    const { server, owner } = await practiceServer({ clockAt: '2026-03-02T15:00:00.000Z' });
    try {
      await openBooking(owner, { start: '2026-03-03T15:00:00.000Z' });
      for (const answer of [await schedule(server), await schedule(server)]) {
        assert.equal(answer.status, 200);
        assert.equal(answer.headers['cache-control'], 'no-store');
      }
    } finally {
      await server.close();
    }
  });
});

describe('the first screen asked for again', () => {
  test('is the same for the same site; another site gets its own answer and no CORS grant', async () => {
    const { server, owner } = await practiceServer({ clockAt: '2026-03-02T15:00:00.000Z' });
    try {
      await openBooking(owner, { start: '2026-03-03T15:00:00.000Z' });
      const first = await schedule(server);
      const second = await schedule(server);
      assert.equal(second.status, 200);
      assert.equal(second.text, first.text);
      assert.equal(second.headers['access-control-allow-origin'], SITE);
      assert.notEqual(second.headers['x-request-id'], first.headers['x-request-id']);

      const elsewhere = await bff<ErrorBody>(server, '/schedule?location_ids=loc1&days=14', { origin: 'https://copycat.example' });
      assert.equal(elsewhere.status, 403);
      assert.equal(elsewhere.body.reason, 'site_not_registered');
      assert.equal(elsewhere.headers['access-control-allow-origin'], 'https://copycat.example');
    } finally {
      await server.close();
    }
  });

  test('drops a time as soon as a patient holds it', async () => {
    const { server, owner } = await practiceServer({ clockAt: '2026-03-02T15:00:00.000Z' });
    try {
      await openBooking(owner, { start: '2026-03-03T15:00:00.000Z' });
      await openBooking(owner, { start: '2026-03-04T15:00:00.000Z' });
      const slots = async () => (await schedule(server)).body.locations[0].slots;
      const [slot, other] = await slots();
      assert.equal((await slots()).length, 2);
      assert.equal((await hold(server, slot)).status, 201);
      assert.deepEqual(await slots(), [other]);
    } finally {
      await server.close();
    }
  });
});
