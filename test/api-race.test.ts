// Races: "under any concurrency, one hold wins" (CONTRACT section 4). Fifty patients' clients hold one open
// booking at once; fifty overlapping bookings of one doctor are created at once. First against one server,
// then against three servers sharing one database (this one and two server processes), where the database must decide.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServerProcess, type ServerProcess } from './helpers/process.js';
import { addClients, addPractice, api, mintToken, startServer, type TestServer } from './helpers/server.js';

const N = 50;
type Call = ReturnType<typeof api>;

let server: TestServer;
let owner: Call;
/** Fifty different clients with scheduling:book, as fifty patients' widgets behind fifty partners would be. */
let patients: Array<{ id: string; token: string }>;
/** Base URLs to spread the requests over: this process's server, and later a second server process too. */
let bases: string[];
let ownerToken: string;

before(async () => {
  server = await startServer();
  await addPractice(server, { id: 'p1' }, [{ id: 'l1', timezone: 'America/Denver' }]);
  const ids = Array.from({ length: N }, (_, i) => `patient-app-${i}`);
  await addClients(server, [
    { id: 'owner', scopes: ['scheduling:read', 'scheduling:write'], practices: ['p1'] },
    ...ids.map((id) => ({ id, scopes: ['scheduling:read', 'scheduling:book'], practices: ['p1'] })),
  ]);
  ownerToken = await mintToken(server, 'owner', ['scheduling:read', 'scheduling:write']);
  owner = api(server.url, ownerToken);
  patients = await Promise.all(ids.map(async (id) => ({ id, token: await mintToken(server, id, ['scheduling:read', 'scheduling:book']) })));
  bases = [server.url];
});
after(() => server.close());

/** Next year: within the booking API's horizon on both servers, whose clocks are real here. */
const YEAR = new Date().getUTCFullYear() + 1;
let day = 0;
async function openBooking(fields: Record<string, unknown> = {}) {
  day += 1;
  const response = await owner('POST', '/scheduling/bookings', {
    start: `${YEAR}-05-${String(day).padStart(2, '0')}T10:00:00.000-06:00`,
    location_id: 'l1',
    doctor_id: `doc-${day}`,
    status: 'open',
    ...fields,
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body as { id: string; start_datetime: string };
}

/** Sends one request per patient at once, spread over the servers; returns the answers in patient order. */
function allAtOnce(method: string, route: (i: number) => string, body: (i: number) => unknown) {
  return Promise.all(patients.map((p, i) => api(bases[i % bases.length], p.token)(method, route(i), body(i))));
}

function race() {
  test(`${N} holds of one open booking by ${N} clients: exactly one 200, ${N - 1} x 409 naming "pending"`, async () => {
    const booking = await openBooking();
    const answers = await allAtOnce('PUT', () => `/scheduling/bookings/${booking.id}`, () => ({ status: 'pending' }));
    const won = answers.map((a, i) => ({ ...a, i })).filter((a) => a.status === 200);
    assert.equal(won.length, 1, `statuses: ${answers.map((a) => a.status).join(' ')}`);
    const lost = answers.filter((a) => a.status !== 200);
    assert.equal(lost.length, N - 1);
    for (const a of lost) {
      assert.equal(a.status, 409);
      assert.equal(a.body.status, 'conflict');
      assert.match(a.body.message, /pending/);
    }
    // The winner holds it: only the winner can book it.
    const winner = patients[won[0].i];
    const loser = patients[(won[0].i + 1) % N];
    assert.equal((await api(server.url, loser.token)('PUT', `/scheduling/bookings/${booking.id}`, { status: 'booked' })).status, 409);
    assert.equal((await api(server.url, winner.token)('PUT', `/scheduling/bookings/${booking.id}`, { status: 'booked' })).status, 200);
  });

  test(`${N} holds of one week of a weekly booking: exactly one 201 (one stand-in), ${N - 1} x 409`, async () => {
    const series = await openBooking({ recurring: true });
    const week = new Date(Date.parse(series.start_datetime) + 7 * 86_400_000).toISOString();
    const answers = await allAtOnce('PUT', () => `/scheduling/bookings/${series.id}`, () => ({ status: 'pending', start: week }));
    assert.equal(answers.filter((a) => a.status === 201).length, 1, `statuses: ${answers.map((a) => a.status).join(' ')}`);
    assert.equal(answers.filter((a) => a.status === 409).length, N - 1);
    const listed = (await owner('GET', '/scheduling/locations/l1/bookings?status=pending')).body.filter(
      (b: { doctor_id: string }) => b.doctor_id === `doc-${day}`,
    );
    assert.equal(listed.length, 1, 'one stand-in');
  });

  test(`${N} overlapping bookings of one doctor created at once: exactly one 201`, async () => {
    day += 1;
    const writers = bases.map((base) => api(base, ownerToken));
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        writers[i % writers.length]('POST', '/scheduling/bookings', {
          start: new Date(Date.UTC(YEAR, 6, day, 16, i)).toISOString(), // 16:00Z, 16:01Z, ... all within an hour of each other
          location_id: 'l1',
          doctor_id: 'busy-doctor',
          status: 'open',
          length: 60,
        }),
      ),
    );
    assert.equal(answers.filter((a) => a.status === 201).length, 1, `statuses: ${answers.map((a) => a.status).join(' ')}`);
    assert.ok(answers.filter((a) => a.status !== 201).every((a) => a.status === 409 && a.body.status === 'conflict'));
    const listed = (await owner('GET', '/scheduling/locations/l1/bookings')).body.filter((b: { doctor_id: string }) => b.doctor_id === 'busy-doctor');
    assert.equal(listed.length, 1);
    // Leave the doctor free for the next round.
    await owner('DELETE', `/scheduling/bookings/${listed[0].id}`);
  });

  test(`${N} identical POSTs with one Idempotency-Key at once: one booking, ${N} x 201 with it`, async () => {
    day += 1;
    const body = { start: `${YEAR}-08-${String(day).padStart(2, '0')}T10:00:00.000-06:00`, location_id: 'l1', doctor_id: `doc-${day}`, status: 'open' };
    const writers = bases.map((base) => api(base, ownerToken));
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) => writers[i % writers.length]('POST', '/scheduling/bookings', body, { 'idempotency-key': `race-${day}` })),
    );
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [201], `statuses: ${answers.map((a) => a.status).join(' ')}`);
    assert.equal(new Set(answers.map((a) => a.body.id)).size, 1);
  });
}

describe('one server', () => {
  race();
});

describe('three servers sharing one database: this one and two server processes', () => {
  let others: ServerProcess[] = [];
  let second: ServerProcess | undefined;

  before(async () => {
    // The others are `node server/main.ts`, as `npm start` runs it, over the same database and with the same
    // public URL (so they accept the first one's tokens), as behind one reverse proxy.
    const env = { DATABASE_PATH: server.databasePath, PUBLIC_URL: server.url, HOLD_MINUTES: '10' };
    others = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    second = others[0];
    bases = [server.url, ...others.map((other) => other.url)];
    for (const base of bases.slice(1)) {
      const check = await api(base, ownerToken)('GET', '/scheduling/practices');
      assert.equal(check.status, 200, 'each server takes the first one\'s tokens');
    }
  });

  after(async () => {
    for (const other of others) {
      if (other.child.exitCode === null) {
        other.child.kill('SIGTERM');
        await other.exited;
      }
    }
    bases = [server.url];
  });

  race();

  test('a page read on one server shows what the other has just written, with no wait', async () => {
    const path = '/scheduling/locations/l1/bookings?status=open&limit=500';
    const openIds = async (base: string) => ((await api(base, ownerToken)('GET', path)).body as Array<{ id: string }>).map((b) => b.id);
    await openIds(server.url);
    await openIds(second!.url); // both servers have read (and kept) the page
    const made = await api(second!.url, ownerToken)('POST', '/scheduling/bookings', {
      start: `${YEAR}-12-05T10:00:00.000-07:00`,
      location_id: 'l1',
      doctor_id: 'doc-across',
      status: 'open',
    });
    assert.equal(made.status, 201);
    const id = (made.body as { id: string }).id;
    assert.ok((await openIds(server.url)).includes(id), 'made on the second server, listed on the first');
    assert.equal((await owner('PUT', `/scheduling/bookings/${id}`, { status: 'pending' })).status, 200);
    assert.ok(!(await openIds(second!.url)).includes(id), 'held on the first server, no longer open on the second');
  });
});
