// `thread demo` re-seeds the demo data idempotently (CONTRACT section 2), also when it runs again on
// later days: the seeding itself is run here with a clock moved day by day (the CLI's own runs, with the
// real clock, are in cli.test.ts), and what it made is read through the booking API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seedDemo, seedDemoOnFirstStart } from '../server/demo.js';
import { addClients, api, getToken, startServer, type TestServer } from './helpers/server.js';
import { bff } from './bff-helpers.js';

const DAY = 86_400_000;
let server: TestServer;
let reader: ReturnType<typeof api>;

before(async () => {
  server = await startServer({ realClock: true });
  const [client] = await addClients(server, [{ id: 'reader', scopes: ['scheduling:read'], practices: '*' }]);
  reader = api(server.url, await getToken(server.url, client));
});
after(() => server.close());

type Booking = { id: string; doctor_id: string; location_id: string; start_datetime: string; recurring: boolean; length: number };

async function demoBookings(practiceId: string): Promise<Booking[]> {
  const response = await reader('GET', `/scheduling/practices/${practiceId}/bookings?status=open`);
  assert.equal(response.status, 200);
  return response.body;
}

test('seeds on first start only', async () => {
  const config = { publicUrl: server.url, now: () => Date.now(), holdMinutes: 10 };
  assert.equal(await seedDemoOnFirstStart(server.thread.store, config), true);
  assert.equal(await seedDemoOnFirstStart(server.thread.store, config), false);
});

test('runs on later days add only the days that came into the window, never a second set of weekly bookings', async () => {
  const start = Date.now();
  const first = await seedDemo(server.thread.store, { publicUrl: server.url, now: () => start, holdMinutes: 10 });
  assert.equal(first.bookings_created, 0, 'the first start seeded these already');
  const initial = await demoBookings(first.practice_id);
  const weekly = initial.filter((b) => b.recurring);
  assert.ok(weekly.length > 0);

  for (let day = 1; day <= 9; day += 1) {
    const run = await seedDemo(server.thread.store, { publicUrl: server.url, now: () => start + day * DAY, holdMinutes: 10 });
    assert.ok(run.bookings_created <= 10, `day ${day}: ${run.bookings_created} new bookings, more than one new day's worth`);
    const again = await seedDemo(server.thread.store, { publicUrl: server.url, now: () => start + day * DAY + 60_000, holdMinutes: 10 });
    assert.equal(again.bookings_created, 0, `day ${day}: twice on one day is once`);
  }
  const later = await demoBookings(first.practice_id);
  assert.deepEqual(
    later.filter((b) => b.recurring).map((b) => b.id).sort(),
    weekly.map((b) => b.id).sort(),
    'the same weekly bookings, no new ones',
  );
  // Every one-off of the first run is still there, once.
  const ids = new Set(later.map((b) => b.id));
  for (const b of initial) assert.ok(ids.has(b.id));
  const keys = later.map((b) => `${b.doctor_id} ${b.start_datetime}`);
  assert.equal(new Set(keys).size, keys.length, 'no doctor has two bookings at one time');
});

test('a later process on another address serves a working demo page: its origin joins the demo sites, unless a practice has it', async () => {
  const config = { now: () => Date.now(), holdMinutes: 10 };
  await seedDemoOnFirstStart(server.thread.store, { ...config, publicUrl: server.url });
  const schedule = (origin: string) => bff(server, '/schedule?location_ids=dr556&days=14', { origin });
  assert.equal((await schedule('http://localhost:4999')).status, 403, 'not a demo site yet');

  // A second process, started with PORT=4999, shares this database.
  assert.equal(await seedDemoOnFirstStart(server.thread.store, { ...config, publicUrl: 'http://localhost:4999' }), false, 'nothing seeded again');
  assert.equal((await schedule('http://localhost:4999')).status, 200);
  assert.equal((await schedule('http://127.0.0.1:4999')).status, 200);

  // An origin a practice registered stays that practice's.
  await server.thread.store.transaction(async (tx) => {
    await tx.directory.createPractice({ id: 'other', name: 'Other practice' }, Date.now());
    await tx.directory.createSite({ origin: 'https://other.example', practice_id: 'other' }, Date.now());
  });
  await seedDemoOnFirstStart(server.thread.store, { ...config, publicUrl: 'https://other.example' });
  assert.equal((await server.thread.store.directory.site('https://other.example'))?.practice_id, 'other');
});
